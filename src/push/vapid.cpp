#include "rollcall/push/vapid.hpp"

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "rollcall/common/json_escape.hpp"
#include "rollcall/push/base64url.hpp"
#include "src/push/bytes.hpp"
#include "src/push/ossl.hpp"
#include "src/push/p256.hpp"

namespace rollcall::push {

namespace {

constexpr int kScalarBytes = 32;
constexpr std::string_view kJwtHeader = R"({"typ":"JWT","alg":"ES256"})";

/// ES256 (RFC 7518 section 3.4): ECDSA P-256 SHA-256, the signature as r | s, 32
/// bytes each, rather than the DER structure OpenSSL produces.
std::string sign_es256(EVP_PKEY* key, std::string_view signing_input) {
  ossl::Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  RC_ASSERT(ctx != nullptr);
  std::size_t der_size = 0;
  const bool sized = EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
                     EVP_DigestSign(ctx.get(), nullptr, &der_size, bytes::in(signing_input),
                                    signing_input.size()) == 1;
  RC_ASSERT(sized);  // a P-256 key with SHA-256 always signs
  std::string der(der_size, '\0');
  const int signed_ok = EVP_DigestSign(ctx.get(), bytes::out(der), &der_size,
                                       bytes::in(signing_input), signing_input.size());
  RC_ASSERT(signed_ok == 1);
  RC_ASSERT(der_size <= der.size());
  const unsigned char* p = bytes::in(der);
  ossl::Owned<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_size)));
  RC_ASSERT(sig != nullptr);
  std::string raw(2 * kScalarBytes, '\0');
  const int r_len = BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), bytes::out(raw), kScalarBytes);
  const int s_len =
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), bytes::out(raw) + kScalarBytes, kScalarBytes);
  RC_ASSERT(r_len == kScalarBytes);
  RC_ASSERT(s_len == kScalarBytes);
  return raw;
}

/// `{"aud":"...","exp":N,"sub":"..."}`, the strings JSON-escaped.
std::string claims_json(std::string_view audience, std::string_view subject,
                        std::int64_t expires_at_s) {
  std::string json = R"({"aud":")";
  append_json_escaped(json, audience);
  json += R"(","exp":)" + std::to_string(expires_at_s) + R"(,"sub":")";
  append_json_escaped(json, subject);
  json += R"("})";
  return json;
}

}  // namespace

void VapidKeys::KeyFree::operator()(evp_pkey_st* key) const {
  EVP_PKEY_free(key);
}

VapidKeys::VapidKeys(KeyPtr key) : key_(std::move(key)) {
  RC_ASSERT(key_ != nullptr);
  RC_ASSERT(p256::is_p256(key_.get()));
  public_key_ = p256::public_point(key_.get());
}

VapidKeys::VapidKeys(const VapidKeys& other) : public_key_(other.public_key_) {
  if (other.key_ == nullptr) return;  // a moved-from value
  const int shared = EVP_PKEY_up_ref(other.key_.get());
  RC_ASSERT(shared == 1);
  key_.reset(other.key_.get());
}

VapidKeys& VapidKeys::operator=(const VapidKeys& other) {
  if (this != &other) *this = VapidKeys(other);
  return *this;
}

Result<VapidKeys> VapidKeys::from_private_key(std::string_view private_key) {
  Result<ossl::Pkey> key = p256::from_private(private_key);
  if (!key) return Error{"VAPID key: " + key.error()};
  return VapidKeys(KeyPtr(key->release()));
}

VapidKeys VapidKeys::generate() {
  return VapidKeys(KeyPtr(p256::generate().release()));
}

std::string VapidKeys::public_key_b64url() const {
  return base64url_encode(public_key_);
}

std::string VapidKeys::jwt(std::string_view audience, std::string_view subject,
                           std::int64_t expires_at_s) const {
  RC_ASSERT(key_ != nullptr);  // not a moved-from value
  RC_ASSERT(expires_at_s > 0);
  std::string token = base64url_encode(kJwtHeader);
  token += '.';
  token += base64url_encode(claims_json(audience, subject, expires_at_s));
  const std::string signature = sign_es256(key_.get(), token);
  token += '.';
  token += base64url_encode(signature);
  return token;
}

std::string VapidKeys::authorization(std::string_view audience, std::string_view subject,
                                     std::int64_t expires_at_s) const {
  return "vapid t=" + jwt(audience, subject, expires_at_s) + ", k=" + public_key_b64url();
}

}  // namespace rollcall::push
