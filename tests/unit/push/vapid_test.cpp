#include "rollcall/push/vapid.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "rollcall/push/base64url.hpp"
#include "rollcall/push/ece.hpp"

namespace rollcall::push {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

constexpr std::int64_t kExp = 1700043200;
constexpr std::string_view kAud = "https://push.example.net";
constexpr std::string_view kSub = "mailto:admin@localhost";

std::string unb64(std::string_view text) {
  std::optional<std::string> bytes = base64url_decode(text);
  EXPECT_TRUE(bytes.has_value()) << text;
  return bytes.value_or("");
}

const unsigned char* u(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

/// The verifier a push service runs, written against OpenSSL directly: the raw
/// point as a SubjectPublicKeyInfo, r | s back into DER, ECDSA-SHA-256.
bool es256_verifies(const std::string& public_point, const std::string& signing_input,
                    const std::string& raw_signature) {
  if (raw_signature.size() != 64) return false;
  // SubjectPublicKeyInfo prefix for id-ecPublicKey on prime256v1, then the point.
  const std::string spki = unb64("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgA") + public_point;
  const unsigned char* p = u(spki);
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  if (key == nullptr) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(u(raw_signature), 32, nullptr),
                 BN_bin2bn(u(raw_signature) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx, der, static_cast<std::size_t>(der_len), u(signing_input),
                                   signing_input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  EVP_PKEY_free(key);
  return ok;
}

struct Jwt {
  std::string header_json;
  std::string claims_json;
  std::string signing_input;
  std::string signature;
};

Jwt split(const std::string& jwt) {
  const std::size_t dot1 = jwt.find('.');
  const std::size_t dot2 = jwt.find('.', dot1 + 1);
  EXPECT_NE(dot2, std::string::npos) << jwt;
  EXPECT_EQ(jwt.find('.', dot2 + 1), std::string::npos) << jwt;
  if (dot2 == std::string::npos) return {};
  return {unb64(jwt.substr(0, dot1)), unb64(jwt.substr(dot1 + 1, dot2 - dot1 - 1)),
          jwt.substr(0, dot2), unb64(jwt.substr(dot2 + 1))};
}

TEST(VapidKeys, AFixedPrivateKeyGivesItsPublicKey) {
  // RFC 8291 Appendix A's application server key pair.
  Result<VapidKeys> keys =
      VapidKeys::from_private_key(unb64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"));
  ASSERT_TRUE(keys.ok()) << keys.error();
  EXPECT_EQ(
      keys->public_key_b64url(),
      "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8");
  EXPECT_EQ(keys->public_key(), unb64(keys->public_key_b64url()));
}

TEST(VapidKeys, RefusesPrivateKeysOfTheWrongForm) {
  const std::string order =  // the order of P-256: the first scalar too large
      unb64("_____wAAAAD__________7zm-q2nF56E87nKwvxjJVE");
  ASSERT_EQ(order.size(), 32u);
  for (const std::string& bad : {""s, std::string(31, '\x01'), std::string(33, '\x01'),
                                 std::string(32, '\0'), order, std::string(32, '\xff')}) {
    EXPECT_FALSE(VapidKeys::from_private_key(bad).ok()) << base64url_encode(bad);
  }
  std::string below = order;
  below[31] = static_cast<char>(below[31] - 1);
  EXPECT_TRUE(VapidKeys::from_private_key(below).ok());
  EXPECT_TRUE(VapidKeys::from_private_key(std::string(31, '\0') + "\x01").ok());
}

TEST(VapidKeys, GeneratedKeysArePointsAndDiffer) {
  const VapidKeys a = VapidKeys::generate();
  const VapidKeys b = VapidKeys::generate();
  EXPECT_EQ(a.public_key().size(), 65u);
  EXPECT_EQ(a.public_key()[0], '\x04');
  EXPECT_TRUE(is_p256_point(a.public_key()));
  EXPECT_EQ(a.public_key_b64url().size(), 87u);
  EXPECT_EQ(a.public_key_b64url(), base64url_encode(a.public_key()));
  EXPECT_NE(a.public_key(), b.public_key());
}

TEST(VapidJwt, HeaderAndClaimsAreTheExpectedJson) {
  const VapidKeys keys = VapidKeys::generate();
  const Jwt jwt = split(keys.jwt(kAud, kSub, kExp));
  EXPECT_EQ(jwt.header_json, R"({"typ":"JWT","alg":"ES256"})");
  EXPECT_EQ(
      jwt.claims_json,
      R"({"aud":"https://push.example.net","exp":1700043200,"sub":"mailto:admin@localhost"})");
  EXPECT_EQ(jwt.signature.size(), 64u);
  // Strings are JSON-escaped, never spliced raw.
  const Jwt odd = split(keys.jwt("https://a\"b", "mailto:x\\y\n", kExp));
  EXPECT_EQ(odd.claims_json, R"({"aud":"https://a\"b","exp":1700043200,"sub":"mailto:x\\y\n"})");
}

TEST(VapidJwt, TheSignatureVerifiesWithThePublicKey) {
  const VapidKeys keys = VapidKeys::generate();
  for (int i = 0; i < 8; ++i) {  // ECDSA draws a nonce per signature: each must verify
    const Jwt jwt = split(keys.jwt(kAud, kSub, kExp + i));
    EXPECT_TRUE(es256_verifies(keys.public_key(), jwt.signing_input, jwt.signature)) << i;
  }
  const Jwt jwt = split(keys.jwt(kAud, kSub, kExp));
  EXPECT_FALSE(
      es256_verifies(VapidKeys::generate().public_key(), jwt.signing_input, jwt.signature));
}

TEST(VapidJwt, AlteringAnyByteFailsVerification) {
  const VapidKeys keys = VapidKeys::generate();
  const Jwt jwt = split(keys.jwt(kAud, kSub, kExp));
  ASSERT_TRUE(es256_verifies(keys.public_key(), jwt.signing_input, jwt.signature));
  for (std::size_t i = 0; i < jwt.signing_input.size(); ++i) {
    std::string input = jwt.signing_input;
    input[i] = static_cast<char>(input[i] ^ 1);
    EXPECT_FALSE(es256_verifies(keys.public_key(), input, jwt.signature)) << "input byte " << i;
  }
  for (std::size_t i = 0; i < jwt.signature.size(); ++i) {
    std::string signature = jwt.signature;
    signature[i] = static_cast<char>(signature[i] ^ 1);
    EXPECT_FALSE(es256_verifies(keys.public_key(), jwt.signing_input, signature)) << "sig " << i;
  }
}

TEST(VapidJwt, AuthorizationCarriesTheTokenAndTheKey) {
  const VapidKeys keys = VapidKeys::generate();
  const std::string header = keys.authorization(kAud, kSub, kExp);
  const std::string prefix = "vapid t=";
  const std::string key_part = ", k=" + keys.public_key_b64url();
  ASSERT_EQ(header.rfind(prefix, 0), 0u) << header;
  ASSERT_GT(header.size(), prefix.size() + key_part.size());
  ASSERT_EQ(header.substr(header.size() - key_part.size()), key_part) << header;
  const std::string token =
      header.substr(prefix.size(), header.size() - prefix.size() - key_part.size());
  const Jwt jwt = split(token);
  EXPECT_EQ(
      jwt.claims_json,
      R"({"aud":"https://push.example.net","exp":1700043200,"sub":"mailto:admin@localhost"})");
  EXPECT_TRUE(es256_verifies(keys.public_key(), jwt.signing_input, jwt.signature));
}

TEST(VapidKeys, CopiesAndMovesSignWithTheSameKey) {
  VapidKeys original = VapidKeys::generate();
  const std::string public_key = original.public_key();
  VapidKeys copy = original;
  VapidKeys assigned = VapidKeys::generate();
  assigned = copy;
  const VapidKeys moved = std::move(original);
  for (const VapidKeys* keys : std::initializer_list<const VapidKeys*>{&copy, &assigned, &moved}) {
    EXPECT_EQ(keys->public_key(), public_key);
    const Jwt jwt = split(keys->jwt(kAud, kSub, kExp));
    EXPECT_TRUE(es256_verifies(public_key, jwt.signing_input, jwt.signature));
  }
}

class VapidKeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    std::string templ = (fs::temp_directory_path() / "rollcall-vapid-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    path_ = dir_ + "/vapid_private_key.pem";
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_file(const std::string& bytes, mode_t mode) const {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << bytes;
    ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
  }
  std::string read_file() const {
    if (!fs::is_regular_file(path_)) return "<not a regular file>";
    std::ifstream in(path_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  mode_t mode_of(const std::string& p) const {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
  }
  /// Writes `key` as PEM through `write` (a PEM_write_bio_* call) into the file.
  template <typename Write>
  void write_key_file(EVP_PKEY* key, Write write) const {
    BIO* bio = BIO_new(BIO_s_mem());
    ASSERT_EQ(write(bio, key), 1);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    write_file(std::string(data, static_cast<std::size_t>(size)), 0600);
    BIO_free(bio);
  }
  /// The refusal of the file as it is now: an error that names it, and the file kept.
  void expect_refused(std::string_view what, std::string_view words = "") const {
    const std::string before = read_file();
    Result<VapidKeys> keys = VapidKeys::load_or_create(dir_);
    ASSERT_FALSE(keys.ok()) << what;
    EXPECT_NE(keys.error().find(path_), std::string::npos) << what << ": " << keys.error();
    EXPECT_NE(keys.error().find(words), std::string::npos) << what << ": " << keys.error();
    EXPECT_EQ(read_file(), before) << what;  // never replaced
  }

  std::string dir_;
  std::string path_;
};

TEST_F(VapidKeyFileTest, CreatesAnOwnerOnlyPkcs8FileAndReadsItBack) {
  const mode_t old_umask = ::umask(0);  // creation must not depend on the umask
  Result<VapidKeys> created = VapidKeys::load_or_create(dir_);
  ::umask(old_umask);
  ASSERT_TRUE(created.ok()) << created.error();
  EXPECT_EQ(mode_of(path_), 0600u);
  EXPECT_FALSE(fs::exists(path_ + ".tmp"));
  const std::string pem = read_file();
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u) << pem;

  // OpenSSL reads the file as the same key pair.
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(key, nullptr);
  std::string point(65, '\0');
  std::size_t point_len = 0;
  EXPECT_EQ(
      EVP_PKEY_get_octet_string_param(key, "pub", reinterpret_cast<unsigned char*>(point.data()),
                                      point.size(), &point_len),
      1);
  EVP_PKEY_free(key);
  EXPECT_EQ(point, created->public_key());

  Result<VapidKeys> loaded = VapidKeys::load_or_create(dir_);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(loaded->public_key(), created->public_key());
  EXPECT_EQ(read_file(), pem);
  const Jwt jwt = split(loaded->jwt(kAud, kSub, kExp));
  EXPECT_TRUE(es256_verifies(created->public_key(), jwt.signing_input, jwt.signature));
}

TEST_F(VapidKeyFileTest, TwoDataDirectoriesGetDifferentKeys) {
  const std::string other = dir_ + "/other";
  fs::create_directory(other);
  Result<VapidKeys> a = VapidKeys::load_or_create(dir_);
  Result<VapidKeys> b = VapidKeys::load_or_create(other);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->public_key(), b->public_key());
}

TEST_F(VapidKeyFileTest, AStaleTemporaryFileIsReplaced) {
  { std::ofstream(path_ + ".tmp") << "garbage from a crash"; }
  ASSERT_EQ(::chmod((path_ + ".tmp").c_str(), 0644), 0);
  Result<VapidKeys> created = VapidKeys::load_or_create(dir_);
  ASSERT_TRUE(created.ok()) << created.error();
  EXPECT_EQ(mode_of(path_), 0600u);
  EXPECT_FALSE(fs::exists(path_ + ".tmp"));
}

TEST_F(VapidKeyFileTest, RefusesAFileGroupOrOthersCanRead) {
  ASSERT_TRUE(VapidKeys::load_or_create(dir_).ok());
  for (const mode_t mode : {0644u, 0640u, 0604u, 0660u, 0606u}) {
    ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
    expect_refused("mode " + std::to_string(mode), "group or others");
  }
  ASSERT_EQ(::chmod(path_.c_str(), 0400), 0);
  EXPECT_TRUE(VapidKeys::load_or_create(dir_).ok());
}

TEST_F(VapidKeyFileTest, RefusesAFileThatIsNotAP256PrivateKey) {
  ASSERT_TRUE(VapidKeys::load_or_create(dir_).ok());
  const std::string good = read_file();
  write_file("", 0600);
  expect_refused("empty");
  write_file("not a key\n", 0600);
  expect_refused("garbage");
  write_file(good.substr(0, good.size() / 2), 0600);
  expect_refused("truncated");
  std::string flipped = good;
  flipped[60] = flipped[60] == 'A' ? 'B' : 'A';  // inside the base64 body
  write_file(flipped, 0600);
  expect_refused("one character changed");
  write_file(std::string(VapidKeys::kFileBytesMax + 1, 'k'), 0600);
  expect_refused("too large", "too large");

  EVP_PKEY* p384 = EVP_EC_gen("P-384");
  write_key_file(p384, [](BIO* bio, EVP_PKEY* key) {
    return PEM_write_bio_PKCS8PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
  EVP_PKEY_free(p384);
  expect_refused("a P-384 key");

  EVP_PKEY* ed25519 = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  write_key_file(ed25519, [](BIO* bio, EVP_PKEY* key) {
    return PEM_write_bio_PKCS8PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
  EVP_PKEY_free(ed25519);
  expect_refused("an Ed25519 key");
}

TEST_F(VapidKeyFileTest, RefusesAnEncryptedKeyWithoutAskingForAPassphrase) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  write_key_file(key, [](BIO* bio, EVP_PKEY* k) {
    char pass[] = "secret";
    return PEM_write_bio_PKCS8PrivateKey(bio, k, EVP_aes_128_cbc(), pass, 6, nullptr, nullptr);
  });
  EVP_PKEY_free(key);
  ASSERT_NE(read_file().find("ENCRYPTED"), std::string::npos);
  expect_refused("encrypted");
}

TEST_F(VapidKeyFileTest, AcceptsTheSec1FormOpensslEcparamWrites) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  write_key_file(key, [](BIO* bio, EVP_PKEY* k) {
    return PEM_write_bio_PrivateKey_traditional(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
  });
  std::string point(65, '\0');
  std::size_t point_len = 0;
  EVP_PKEY_get_octet_string_param(key, "pub", reinterpret_cast<unsigned char*>(point.data()),
                                  point.size(), &point_len);
  EVP_PKEY_free(key);
  ASSERT_NE(read_file().find("BEGIN EC PRIVATE KEY"), std::string::npos);
  Result<VapidKeys> keys = VapidKeys::load_or_create(dir_);
  ASSERT_TRUE(keys.ok()) << keys.error();
  EXPECT_EQ(keys->public_key(), point);
}

TEST_F(VapidKeyFileTest, RefusesDirectoriesSymlinksAndMissingDataDirectories) {
  fs::create_directory(path_);
  expect_refused("a directory", "not a regular file");
  fs::remove(path_);

  const std::string target = dir_ + "/target.pem";
  ASSERT_TRUE(VapidKeys::load_or_create(dir_).ok());
  fs::rename(path_, target);
  fs::create_symlink(target, path_);
  Result<VapidKeys> link = VapidKeys::load_or_create(dir_);
  ASSERT_FALSE(link.ok());
  EXPECT_NE(link.error().find("symbolic link"), std::string::npos) << link.error();
  EXPECT_NE(link.error().find(path_), std::string::npos) << link.error();

  const std::string missing = dir_ + "/no/such/dir";
  Result<VapidKeys> nodir = VapidKeys::load_or_create(missing);
  ASSERT_FALSE(nodir.ok());
  EXPECT_NE(nodir.error().find(missing), std::string::npos) << nodir.error();
}

}  // namespace
}  // namespace rollcall::push
