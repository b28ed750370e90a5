#include "rollcall/auth/jwt.hpp"

#include <simdjson.h>
#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>

namespace rollcall::auth {

namespace {

constexpr int kB64 = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
/// base64url of `{"alg":"HS256","typ":"JWT"}`: the only header we issue, and the
/// fast path of verify (no decoding, no parsing).
constexpr std::string_view kHeaderB64 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
constexpr std::size_t kSigBytes = crypto_auth_hmacsha256_BYTES;
constexpr std::size_t kSigB64Len = 43;  // ceil(32 * 4 / 3), no padding
/// A decoded part is at most 3/4 of the token's size.
constexpr std::size_t kMaxJsonBytes = kMaxTokenBytes / 4 * 3;
constexpr std::size_t kPayloadBufBytes = 160;

static_assert(sodium_base64_ENCODED_LEN(kSigBytes, kB64) == kSigB64Len + 1);

/// One DOM parser per thread, allocated once for the largest part a token can hold.
simdjson::dom::parser& thread_parser() {
  struct Warm {
    simdjson::dom::parser parser;
    Warm() {
      // On failure (no memory) parse() tries again and reports it.
      const simdjson::error_code err = parser.allocate(kMaxJsonBytes);
      (void)err;
    }
  };
  thread_local Warm warm;
  return warm.parser;
}

/// A decoded part plus the padding simdjson may read past its end.
struct JsonBuf {
  char bytes[kMaxJsonBytes + simdjson::SIMDJSON_PADDING];
  std::size_t size = 0;
};

bool decode_b64(std::string_view b64, unsigned char* out, std::size_t cap, std::size_t& out_size) {
  // b64_end == nullptr: every character must be consumed; trailing bits must be zero.
  return sodium_base642bin(out, cap, b64.data(), b64.size(), nullptr, &out_size, nullptr, kB64) ==
         0;
}

bool decode_json(std::string_view b64, JsonBuf& buf) {
  if (!decode_b64(b64, reinterpret_cast<unsigned char*>(buf.bytes), kMaxJsonBytes, buf.size))
    return false;
  std::memset(buf.bytes + buf.size, 0, simdjson::SIMDJSON_PADDING);
  return true;
}

/// `{"sub":"<id>","role":"<role>","iat":<s>,"exp":<s>}` into `out`; returns its length.
std::size_t format_payload(char (&out)[kPayloadBufBytes], std::uint64_t user_id, domain::Role role,
                           std::int64_t iat_s, std::int64_t exp_s) {
  char* p = out;
  char* const end = out + kPayloadBufBytes;
  // The longest payload is 102 bytes; the bound check only makes that provable.
  const auto put = [&p, end](std::string_view s) {
    if (static_cast<std::size_t>(end - p) >= s.size()) p = std::copy(s.begin(), s.end(), p);
  };
  put(R"({"sub":")");
  p = std::to_chars(p, end, user_id).ptr;
  put(R"(","role":")");
  put(domain::to_string(role));
  put(R"(","iat":)");
  p = std::to_chars(p, end, iat_s).ptr;
  put(R"(,"exp":)");
  p = std::to_chars(p, end, exp_s).ptr;
  put("}");
  return static_cast<std::size_t>(p - out);
}

VerifiedToken refuse(TokenError e) {
  VerifiedToken v;
  v.error = e;
  return v;
}

/// nullopt when the header is acceptable; the error otherwise.
std::optional<TokenError> check_header(std::string_view header_b64, JsonBuf& buf) {
  if (header_b64 == kHeaderB64) return std::nullopt;
  if (!decode_json(header_b64, buf)) return TokenError::Malformed;
  simdjson::dom::object header;
  if (thread_parser().parse(buf.bytes, buf.size, false).get(header)) return TokenError::Malformed;
  std::string_view alg;
  if (header["alg"].get(alg) || alg != "HS256") return TokenError::UnsupportedAlgorithm;
  return std::nullopt;
}

/// A positive decimal u64 without sign or leading zeros.
std::optional<std::uint64_t> parse_user_id(std::string_view s) {
  if (s.empty() || s.size() > 20 || s[0] == '0') return std::nullopt;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

/// Reads the four claims; false on a missing, duplicate or ill-typed one.
bool read_claims(simdjson::dom::object payload, Claims& claims) {
  enum : unsigned { kSub = 1, kRole = 2, kIat = 4, kExp = 8 };
  unsigned seen = 0;
  for (const auto field : payload) {
    std::string_view s;
    unsigned bit = 0;
    if (field.key == "sub") {
      bit = kSub;
      std::optional<std::uint64_t> id;
      if (field.value.get(s) || !(id = parse_user_id(s))) return false;
      claims.user_id = *id;
    } else if (field.key == "role") {
      bit = kRole;
      std::optional<domain::Role> role;
      if (field.value.get(s) || !(role = domain::role_from_string(s))) return false;
      claims.role = *role;
    } else if (field.key == "iat") {
      bit = kIat;
      if (field.value.get(claims.issued_at_s)) return false;
    } else if (field.key == "exp") {
      bit = kExp;
      if (field.value.get(claims.expires_at_s)) return false;
    }
    if ((seen & bit) != 0) return false;
    seen |= bit;
  }
  return seen == (kSub | kRole | kIat | kExp);
}

}  // namespace

std::string JwtCodec::issue(std::uint64_t user_id, domain::Role role, std::int64_t now_s,
                            std::int64_t ttl_s) const {
  std::int64_t exp_s = 0;
  if (__builtin_add_overflow(now_s, ttl_s, &exp_s)) {
    exp_s = ttl_s > 0 ? std::numeric_limits<std::int64_t>::max()
                      : std::numeric_limits<std::int64_t>::min();
  }
  char payload[kPayloadBufBytes];
  const std::size_t payload_size = format_payload(payload, user_id, role, now_s, exp_s);
  const std::size_t payload_b64_len = sodium_base64_ENCODED_LEN(payload_size, kB64) - 1;
  const std::size_t signed_len = kHeaderB64.size() + 1 + payload_b64_len;

  // One allocation; the extra byte takes sodium_bin2base64's terminating NUL.
  std::string out(signed_len + 1 + kSigB64Len + 1, '\0');
  char* p = out.data();
  std::memcpy(p, kHeaderB64.data(), kHeaderB64.size());
  p[kHeaderB64.size()] = '.';
  sodium_bin2base64(p + kHeaderB64.size() + 1, payload_b64_len + 1,
                    reinterpret_cast<const unsigned char*>(payload), payload_size, kB64);
  p[signed_len] = '.';
  unsigned char sig[kSigBytes];
  crypto_auth_hmacsha256(sig, reinterpret_cast<const unsigned char*>(p), signed_len, key_.data());
  sodium_bin2base64(p + signed_len + 1, kSigB64Len + 1, sig, sizeof sig, kB64);
  out.resize(out.size() - 1);
  return out;
}

VerifiedToken JwtCodec::verify(std::string_view token, std::int64_t now_s) const {
  if (token.size() > kMaxTokenBytes) return refuse(TokenError::Malformed);
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return refuse(TokenError::Malformed);
  }
  JsonBuf buf;
  if (const std::optional<TokenError> e = check_header(token.substr(0, dot1), buf))
    return refuse(*e);

  unsigned char sig[kSigBytes];
  std::size_t sig_size = 0;
  if (!decode_b64(token.substr(dot2 + 1), sig, sizeof sig, sig_size) || sig_size != sizeof sig) {
    return refuse(TokenError::Malformed);
  }
  if (crypto_auth_hmacsha256_verify(sig, reinterpret_cast<const unsigned char*>(token.data()), dot2,
                                    key_.data()) != 0) {
    return refuse(TokenError::BadSignature);
  }

  simdjson::dom::object payload;
  if (!decode_json(token.substr(dot1 + 1, dot2 - dot1 - 1), buf) ||
      thread_parser().parse(buf.bytes, buf.size, false).get(payload)) {
    return refuse(TokenError::Malformed);
  }
  VerifiedToken v;
  if (!read_claims(payload, v.claims)) return refuse(TokenError::Malformed);
  if (v.claims.expires_at_s <= now_s) return refuse(TokenError::Expired);
  v.ok = true;
  return v;
}

}  // namespace rollcall::auth
