#include "src/push/p256.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include <cstring>

#include "rollcall/push/ece.hpp"
#include "src/push/bytes.hpp"

namespace rollcall::push::p256 {

namespace {

constexpr int kCoordinateBytes = 32;  // an int: BN_bn2binpad's length type
static_assert(1 + 2 * kCoordinateBytes == kP256PointBytes);
constexpr std::size_t kSharedSecretBytes = 32;  // ECDH's output: an x coordinate

// The curve, built once (a third of the cost of checking a point was building it);
// only read afterwards, which OpenSSL allows from any thread.
const EC_GROUP* group() {
  static const ossl::Owned<EC_GROUP> g(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  RC_ASSERT(g != nullptr);
  return g.get();
}

/// An EVP_PKEY from OSSL_PARAMs: the group, the public point, and the private
/// scalar when `private_key` is not null.
Result<ossl::Pkey> from_params(std::string_view point, const BIGNUM* private_key) {
  ossl::Owned<OSSL_PARAM_BLD> build(OSSL_PARAM_BLD_new());
  RC_ASSERT(build != nullptr);
  bool pushed = OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                                SN_X9_62_prime256v1, 0) == 1 &&
                OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                                 point.size()) == 1;
  if (private_key != nullptr) {
    pushed =
        pushed && OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_PRIV_KEY, private_key) == 1;
  }
  RC_ASSERT(pushed);
  ossl::Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(build.get()));
  ossl::Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  RC_ASSERT(params != nullptr);
  RC_ASSERT(ctx != nullptr);
  EVP_PKEY* key = nullptr;
  const int selection = private_key != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, selection, params.get()) != 1) {
    return Error{"OpenSSL refused the P-256 key: " + ossl::take_error()};
  }
  return ossl::Pkey(key);
}

}  // namespace

ossl::Pkey generate() {
  ossl::Pkey key(EVP_EC_gen(SN_X9_62_prime256v1));
  RC_ASSERT(key != nullptr);  // fails only without memory or entropy
  return key;
}

Result<ossl::Pkey> from_private(std::string_view private_key) {
  if (private_key.size() != kP256PrivateKeyBytes) {
    return Error{"a P-256 private key is 32 bytes, not " + std::to_string(private_key.size())};
  }
  const EC_GROUP* g = group();
  ossl::Owned<BIGNUM> scalar(BN_bin2bn(bytes::in(private_key), kCoordinateBytes, nullptr));
  RC_ASSERT(scalar != nullptr);
  if (BN_is_zero(scalar.get()) || BN_cmp(scalar.get(), EC_GROUP_get0_order(g)) >= 0)
    return Error{"a P-256 private key must lie between 1 and the group order"};
  ossl::Owned<EC_POINT> pub(EC_POINT_new(g));
  RC_ASSERT(pub != nullptr);
  const int multiplied = EC_POINT_mul(g, pub.get(), scalar.get(), nullptr, nullptr, nullptr);
  RC_ASSERT(multiplied == 1);
  std::string point(kP256PointBytes, '\0');
  const std::size_t written = EC_POINT_point2oct(g, pub.get(), POINT_CONVERSION_UNCOMPRESSED,
                                                 bytes::out(point), point.size(), nullptr);
  RC_ASSERT(written == kP256PointBytes);
  return from_params(point, scalar.get());
}

Result<ossl::Pkey> from_public(std::string_view point) {
  if (!is_point(point)) return Error{"not an uncompressed P-256 point"};
  return from_params(point, nullptr);
}

bool is_point(std::string_view raw) {
  // The 0x04 check first: OpenSSL would also parse compressed and hybrid forms.
  if (raw.size() != kP256PointBytes || raw[0] != '\x04') return false;
  const EC_GROUP* g = group();
  ossl::Owned<EC_POINT> point(EC_POINT_new(g));
  RC_ASSERT(point != nullptr);
  // oct2point refuses coordinates >= p and points off the curve.
  const bool on_curve =
      EC_POINT_oct2point(g, point.get(), bytes::in(raw), raw.size(), nullptr) == 1 &&
      EC_POINT_is_on_curve(g, point.get(), nullptr) == 1;
  if (!on_curve) ERR_clear_error();
  return on_curve;
}

bool is_p256(EVP_PKEY* key) {
  char name[64] = {};
  std::size_t name_len = 0;
  const bool named = EVP_PKEY_is_a(key, "EC") == 1 &&
                     EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name,
                                                    sizeof name, &name_len) == 1;
  if (!named) ERR_clear_error();
  return named && std::strcmp(name, SN_X9_62_prime256v1) == 0;
}

std::string public_point(EVP_PKEY* key) {
  // The encoded point is uncompressed unless a key was stored otherwise; then from
  // the coordinates (a tenth of the speed: two BIGNUMs).
  std::string point(kP256PointBytes, '\0');
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, bytes::out(point),
                                      point.size(), &len) == 1 &&
      len == kP256PointBytes && point[0] == '\x04') {
    return point;
  }
  ERR_clear_error();
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  const bool got = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
                   EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1;
  const ossl::Owned<BIGNUM> x_owned(x);
  const ossl::Owned<BIGNUM> y_owned(y);
  RC_ASSERT(got);
  point[0] = '\x04';
  const int x_len = BN_bn2binpad(x, bytes::out(point) + 1, kCoordinateBytes);
  const int y_len = BN_bn2binpad(y, bytes::out(point) + 1 + kCoordinateBytes, kCoordinateBytes);
  RC_ASSERT(x_len == kCoordinateBytes);
  RC_ASSERT(y_len == kCoordinateBytes);
  return point;
}

Result<std::string> shared_secret(EVP_PKEY* own, EVP_PKEY* peer) {
  ossl::Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  RC_ASSERT(ctx != nullptr);
  std::string secret(kSharedSecretBytes, '\0');
  std::size_t size = secret.size();
  // validate_peer = 0: every peer key here came through `from_public` or
  // `from_private`, which checked the point is on the curve, and P-256's cofactor is
  // 1, so on the curve is in the group: OpenSSL's check would only repeat that.
  if (EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer_ex(ctx.get(), peer, 0) != 1 ||
      EVP_PKEY_derive(ctx.get(), bytes::out(secret), &size) != 1) {
    return Error{"ECDH failed: " + ossl::take_error()};
  }
  RC_ASSERT(size == kSharedSecretBytes);
  return secret;
}

}  // namespace rollcall::push::p256
