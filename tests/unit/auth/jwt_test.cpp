#include "rollcall/auth/jwt.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdint>
#include <string>
#include <vector>

namespace rollcall::auth {
namespace {

using domain::Role;

constexpr std::int64_t kNow = 1700000000;

std::string b64url(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.size() - 1);
  return out;
}

std::string b64url_decode(std::string_view b64) {
  std::string out(b64.size(), '\0');
  std::size_t n = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(),
                        b64.size(), nullptr, &n, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return "<invalid>";
  }
  out.resize(n);
  return out;
}

/// A token with any header and payload, correctly signed with `key`.
std::string sign(const Key& key, std::string_view header_json, std::string_view payload_json) {
  const std::string signing_input = b64url(header_json) + "." + b64url(payload_json);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(signing_input.data()),
                         signing_input.size(), key.data());
  return signing_input + "." +
         b64url(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac));
}

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    for (std::size_t i = 0; i < key_.size(); ++i) key_[i] = static_cast<unsigned char>(i);
  }
  VerifiedToken verify_payload(std::string_view payload_json) const {
    return codec().verify(sign(key_, kHeader, payload_json), kNow);
  }
  JwtCodec codec() const { return JwtCodec(key_); }
  Key key_{};
};

TEST_F(JwtTest, KnownAnswerMatchesAnIndependentHs256Implementation) {
  // Computed with Python's hmac/hashlib/base64 for key 00 01 .. 1f.
  EXPECT_EQ(codec().issue(42, Role::Teacher, kNow, 3600),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
            "eyJzdWIiOiI0MiIsInJvbGUiOiJ0ZWFjaGVyIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDM2MDB9."
            "tPR4MgPCqiLOc8dzwLjqooPkHdvq_W-PIbegYKzS1PY");
}

TEST_F(JwtTest, IssuedPartsAreTheDocumentedHeaderAndPayload) {
  const std::string token = codec().issue(18446744073709551615ull, Role::Admin, -5, 10);
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = token.find('.', dot1 + 1);
  ASSERT_NE(dot2, std::string::npos);
  EXPECT_EQ(b64url_decode(token.substr(0, dot1)), kHeader);
  EXPECT_EQ(b64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1)),
            R"({"sub":"18446744073709551615","role":"admin","iat":-5,"exp":5})");
  EXPECT_EQ(token.size() - dot2 - 1, 43u);
  EXPECT_EQ(token.find('='), std::string::npos);
}

TEST_F(JwtTest, RoundTripsEveryRole) {
  for (const Role role : {Role::Admin, Role::Teacher, Role::Student}) {
    const VerifiedToken v = codec().verify(codec().issue(7, role, kNow, 60), kNow + 59);
    ASSERT_TRUE(v.ok) << domain::to_string(role);
    EXPECT_EQ(v.claims.user_id, 7u);
    EXPECT_EQ(v.claims.role, role);
    EXPECT_EQ(v.claims.issued_at_s, kNow);
    EXPECT_EQ(v.claims.expires_at_s, kNow + 60);
  }
}

TEST_F(JwtTest, ExpiresAtExp) {
  const std::string token = codec().issue(7, Role::Student, kNow, 60);
  EXPECT_TRUE(codec().verify(token, kNow + 59).ok);
  for (const std::int64_t now : {kNow + 60, kNow + 61, kNow + 1000000}) {
    const VerifiedToken v = codec().verify(token, now);
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.error, TokenError::Expired) << now;
  }
}

TEST_F(JwtTest, WrongKeyOrAlteredSignatureIsBadSignature) {
  const std::string token = codec().issue(7, Role::Student, kNow, 60);
  Key other = key_;
  other[31] ^= 1;
  EXPECT_EQ(JwtCodec(other).verify(token, kNow).error, TokenError::BadSignature);
  EXPECT_FALSE(JwtCodec(other).verify(token, kNow).ok);

  // Every character of the signature but the last (whose low bits are padding).
  const std::size_t sig = token.rfind('.') + 1;
  for (std::size_t i = sig; i + 1 < token.size(); ++i) {
    std::string t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    EXPECT_EQ(codec().verify(t, kNow).error, TokenError::BadSignature) << i;
  }
}

TEST_F(JwtTest, PayloadSwappedUnderAValidSignatureIsBadSignature) {
  const std::string student = codec().issue(7, Role::Student, kNow, 60);
  const std::string admin = codec().issue(7, Role::Admin, kNow, 60);
  // admin's header and payload with student's signature.
  const std::string forged = admin.substr(0, admin.rfind('.')) + student.substr(student.rfind('.'));
  const VerifiedToken v = codec().verify(forged, kNow);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.error, TokenError::BadSignature);
}

TEST_F(JwtTest, OnlyHs256IsAccepted) {
  const std::string payload = R"({"sub":"7","role":"admin","iat":1,"exp":9999999999})";
  for (const std::string_view header :
       {R"({"alg":"none","typ":"JWT"})", R"({"alg":"HS512"})", R"({"alg":"hs256"})",
        R"({"typ":"JWT"})", R"({"alg":256})", R"({"alg":null})", "{}"}) {
    const VerifiedToken v = codec().verify(sign(key_, header, payload), kNow);
    EXPECT_FALSE(v.ok) << header;
    EXPECT_EQ(v.error, TokenError::UnsupportedAlgorithm) << header;
  }
  // The classic "alg: none" token carries no signature at all.
  const std::string none = b64url(R"({"alg":"none","typ":"JWT"})") + "." + b64url(payload) + ".";
  EXPECT_EQ(codec().verify(none, kNow).error, TokenError::UnsupportedAlgorithm);
}

TEST_F(JwtTest, OtherHs256HeadersAreAcceptedWhenSigned) {
  const std::string payload = R"({"sub":"7","role":"admin","iat":1,"exp":9999999999})";
  for (const std::string_view header : {R"({"typ":"JWT","alg":"HS256"})", R"({"alg":"HS256"})",
                                        R"( { "alg" : "HS256", "kid": "1" } )"}) {
    EXPECT_TRUE(codec().verify(sign(key_, header, payload), kNow).ok) << header;
  }
}

TEST_F(JwtTest, StructuralProblemsAreMalformed) {
  const std::string good = codec().issue(7, Role::Student, kNow, 60);
  const std::size_t dot2 = good.rfind('.');
  const std::vector<std::string> bad = {
      "",
      "abc",
      "a.b",
      good + ".",
      good + ".x",
      "." + good,
      good.substr(0, dot2) + "." + good.substr(dot2 + 1) + "=",     // padding
      good.substr(0, dot2) + "." + good.substr(dot2 + 2),           // 31-byte signature
      good.substr(0, dot2) + "." + good.substr(dot2 + 1) + "AAAA",  // 35-byte signature
      good.substr(0, dot2) + ".",                                   // no signature
      good.substr(0, dot2) + "." + good.substr(dot2 + 1, 10) + "+" +
          good.substr(dot2 + 12),                                          // not base64url
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVC" + good.substr(good.find('.')),  // header cut short
      sign(key_, "not json", R"({"sub":"7","role":"admin","iat":1,"exp":9999999999})"),
      sign(key_, "[]", R"({"sub":"7","role":"admin","iat":1,"exp":9999999999})"),
  };
  for (const std::string& t : bad) {
    const VerifiedToken v = codec().verify(t, kNow);
    EXPECT_FALSE(v.ok) << t;
    EXPECT_EQ(v.error, TokenError::Malformed) << t;
  }
}

TEST_F(JwtTest, ClaimsAreValidatedAfterTheSignature) {
  const std::vector<std::string> bad = {
      R"({"sub":7,"role":"admin","iat":1,"exp":9999999999})",
      R"({"sub":"0","role":"admin","iat":1,"exp":9999999999})",
      R"({"sub":"-1","role":"admin","iat":1,"exp":9999999999})",
      R"({"sub":"+1","role":"admin","iat":1,"exp":9999999999})",
      R"({"sub":"07","role":"admin","iat":1,"exp":9999999999})",
      R"({"sub":"7 ","role":"admin","iat":1,"exp":9999999999})",
      R"({"sub":"","role":"admin","iat":1,"exp":9999999999})",
      R"({"sub":"18446744073709551616","role":"admin","iat":1,"exp":9999999999})",
      R"({"sub":"7","role":"root","iat":1,"exp":9999999999})",
      R"({"sub":"7","role":"Admin","iat":1,"exp":9999999999})",
      R"({"sub":"7","role":null,"iat":1,"exp":9999999999})",
      R"({"sub":"7","role":"admin","exp":9999999999})",
      R"({"sub":"7","role":"admin","iat":1})",
      R"({"role":"admin","iat":1,"exp":9999999999})",
      R"({"sub":"7","iat":1,"exp":9999999999})",
      R"({"sub":"7","role":"admin","iat":1,"exp":9999999999.5})",
      R"({"sub":"7","role":"admin","iat":"1","exp":9999999999})",
      R"({"sub":"7","role":"admin","iat":1,"exp":18446744073709551615})",
      R"({"sub":"7","sub":"8","role":"admin","iat":1,"exp":9999999999})",
      R"({"sub":"7","role":"admin","iat":1,"exp":9999999999} x)",
      R"({"sub":"7","role":"admin","iat":1,"exp":9999999999)",
      R"(["sub","7"])",
      "",
  };
  for (const std::string& payload : bad) {
    const VerifiedToken v = verify_payload(payload);
    EXPECT_FALSE(v.ok) << payload;
    EXPECT_EQ(v.error, TokenError::Malformed) << payload;
  }
  const VerifiedToken max_id =
      verify_payload(R"({"sub":"18446744073709551615","role":"admin","iat":1,"exp":9999999999})");
  ASSERT_TRUE(max_id.ok);
  EXPECT_EQ(max_id.claims.user_id, 18446744073709551615ull);
  const VerifiedToken extra = verify_payload(
      R"({"jti":"x","sub":"9","nested":{"a":[1,2]},"role":"student","iat":1,"exp":9999999999})");
  ASSERT_TRUE(extra.ok);
  EXPECT_EQ(extra.claims.user_id, 9u);
  EXPECT_EQ(extra.claims.role, Role::Student);
}

TEST_F(JwtTest, TokensLongerThan4KiBAreMalformed) {
  // Pad a signed payload with an ignored claim until the token is exactly the limit.
  std::string at_limit;
  std::string over_limit;
  for (std::size_t n = 2900; n < 3100 && (at_limit.empty() || over_limit.empty()); ++n) {
    const std::string t = sign(key_, kHeader,
                               R"({"sub":"7","role":"admin","iat":1,"exp":9999999999,"pad":")" +
                                   std::string(n, 'x') + "\"}");
    if (t.size() == kMaxTokenBytes) at_limit = t;
    if (t.size() == kMaxTokenBytes + 1) over_limit = t;
  }
  ASSERT_FALSE(at_limit.empty());
  ASSERT_FALSE(over_limit.empty());
  EXPECT_TRUE(codec().verify(at_limit, kNow).ok);
  const VerifiedToken v = codec().verify(over_limit, kNow);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.error, TokenError::Malformed);
}

TEST_F(JwtTest, TtlOverflowSaturates) {
  const VerifiedToken v = codec().verify(codec().issue(7, Role::Student, kNow, INT64_MAX), kNow);
  ASSERT_TRUE(v.ok);
  EXPECT_EQ(v.claims.expires_at_s, INT64_MAX);
}

}  // namespace
}  // namespace rollcall::auth
