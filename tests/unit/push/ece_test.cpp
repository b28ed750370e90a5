#include "rollcall/push/ece.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <string>
#include <string_view>

#include "rollcall/push/base64url.hpp"
#include "rollcall/push/vapid.hpp"

namespace rollcall::push {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

std::string unb64(std::string_view text) {
  std::optional<std::string> bytes = base64url_decode(text);
  EXPECT_TRUE(bytes.has_value()) << text;
  return bytes.value_or("");
}

/// RFC 8291 section 5 and Appendix A.
struct Rfc8291 {
  std::string plaintext = "When I grow up, I want to be a watermelon";
  std::string as_private = unb64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw");
  std::string as_public = unb64(
      "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8");
  std::string ua_private = unb64("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94");
  std::string ua_public = unb64(
      "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4");
  std::string auth = unb64("BTBZMqHH6r4Tts7J_aSIgg");
  std::string salt = unb64("DGv6ra1nlYgDCS1FRnbzlw");
  std::string body_b64 =
      "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_"
      "c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6T"
      "lzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_"
      "Qulcy4a-fN";
  std::string body = unb64(body_b64);
};

/// A receiver's key pair: a random scalar (below the order: its top bit is clear)
/// and its public point.
struct UaKeys {
  std::string private_key;
  std::string public_key;
};

UaKeys random_ua_keys() {
  UaKeys keys{std::string(kP256PrivateKeyBytes, '\0'), {}};
  randombytes_buf(keys.private_key.data(), keys.private_key.size());
  keys.private_key[0] = static_cast<char>(keys.private_key[0] & 0x7F);
  Result<VapidKeys> pair = VapidKeys::from_private_key(keys.private_key);
  EXPECT_TRUE(pair.ok());
  if (pair.ok()) keys.public_key = pair->public_key();
  return keys;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  randombytes_buf(out.data(), out.size());
  return out;
}

std::size_t round_up(std::size_t n, std::size_t quantum) {
  return (n + quantum - 1) / quantum * quantum;
}

class EceTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(sodium_init(), 0); }
  Rfc8291 rfc;
};

TEST_F(EceTest, EncryptsRfc8291AppendixAExactly) {
  ASSERT_EQ(rfc.body.size(), 144u);
  Result<std::string> body = encrypt_with(rfc.plaintext, rfc.ua_public, rfc.auth,
                                          {rfc.as_private, rfc.salt, EceSender::Padding::none});
  ASSERT_TRUE(body.ok()) << body.error();
  EXPECT_EQ(base64url_encode(*body), rfc.body_b64);
}

TEST_F(EceTest, DecryptsRfc8291AppendixA) {
  Result<std::string> plaintext = decrypt(rfc.body, rfc.ua_private, rfc.auth);
  ASSERT_TRUE(plaintext.ok()) << plaintext.error();
  EXPECT_EQ(*plaintext, "When I grow up, I want to be a watermelon");
}

TEST_F(EceTest, TheHeaderIsSaltRecordSizeAndTheSendersKey) {
  Result<std::string> body = encrypt_with("hi", rfc.ua_public, rfc.auth,
                                          {rfc.as_private, rfc.salt, EceSender::Padding::none});
  ASSERT_TRUE(body.ok()) << body.error();
  ASSERT_GE(body->size(), kEceHeaderBytes);
  EXPECT_EQ(body->substr(0, 16), rfc.salt);
  EXPECT_EQ(body->substr(16, 4), "\x00\x00\x10\x00"s);  // 4096, big-endian
  EXPECT_EQ(body->substr(20, 1), "\x41"s);              // idlen 65
  EXPECT_EQ(body->substr(21, 65), rfc.as_public);
  EXPECT_EQ(body->size(), kEceHeaderBytes + 2 + 1 + kEceTagBytes);  // no padding asked
}

TEST_F(EceTest, RecognisesP256Points) {
  EXPECT_TRUE(is_p256_point(rfc.ua_public));
  EXPECT_TRUE(is_p256_point(rfc.as_public));
  EXPECT_TRUE(is_p256_point(random_ua_keys().public_key));

  EXPECT_FALSE(is_p256_point(""));
  EXPECT_FALSE(is_p256_point(rfc.ua_public.substr(0, 64)));
  EXPECT_FALSE(is_p256_point(rfc.ua_public + "\x00"s));
  EXPECT_FALSE(is_p256_point("\x02"s + rfc.ua_public.substr(1, 32)));  // compressed form
  EXPECT_FALSE(is_p256_point("\x03"s + rfc.ua_public.substr(1, 32)));
  for (const char prefix : {'\x00', '\x02', '\x03', '\x05', '\x06', '\x07'}) {
    std::string other = rfc.ua_public;
    other[0] = prefix;  // 0x06/0x07 are the hybrid form OpenSSL would parse
    EXPECT_FALSE(is_p256_point(other)) << int{prefix};
  }
  for (const std::size_t i : {1u, 20u, 32u, 33u, 50u, 64u}) {
    std::string off_curve = rfc.ua_public;
    off_curve[i] = static_cast<char>(off_curve[i] ^ 1);
    EXPECT_FALSE(is_p256_point(off_curve)) << i;
  }
  EXPECT_FALSE(is_p256_point("\x04"s + std::string(64, '\0')));
  EXPECT_FALSE(is_p256_point("\x04"s + std::string(64, '\xff')));  // coordinates >= p
}

TEST_F(EceTest, RoundTripsWithRandomKeys) {
  for (const std::size_t size : {0u, 1u, 41u, 63u, 64u, 100u, 1000u, 2048u, 3992u, 3993u}) {
    const UaKeys ua = random_ua_keys();
    const std::string auth = random_bytes(kEceAuthSecretBytes);
    const std::string plaintext = random_bytes(size);
    Result<std::string> body = encrypt(plaintext, ua.public_key, auth);
    ASSERT_TRUE(body.ok()) << body.error();
    EXPECT_LE(body->size(), kEceBodyBytesMax);
    Result<std::string> back = decrypt(*body, ua.private_key, auth);
    ASSERT_TRUE(back.ok()) << size << ": " << back.error();
    EXPECT_EQ(*back, plaintext);
  }
}

TEST_F(EceTest, EveryMessageHasItsOwnSaltAndSenderKey) {
  const UaKeys ua = random_ua_keys();
  const std::string auth = random_bytes(kEceAuthSecretBytes);
  Result<std::string> a = encrypt("same", ua.public_key, auth);
  Result<std::string> b = encrypt("same", ua.public_key, auth);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->substr(0, kEceSaltBytes), b->substr(0, kEceSaltBytes));
  EXPECT_NE(a->substr(21, kP256PointBytes), b->substr(21, kP256PointBytes));
  EXPECT_TRUE(is_p256_point(a->substr(21, kP256PointBytes)));
  EXPECT_NE(a->substr(kEceHeaderBytes), b->substr(kEceHeaderBytes));
}

TEST_F(EceTest, PadsEveryBodyToAMultipleOf64Bytes) {
  const UaKeys ua = random_ua_keys();
  const std::string auth = random_bytes(kEceAuthSecretBytes);
  const std::string sender_key = random_ua_keys().private_key;
  const std::string salt = random_bytes(kEceSaltBytes);
  for (std::size_t size = 0; size <= kEcePlaintextBytesMax; size += (size < 300 ? 1 : 37)) {
    const std::string plaintext(size, 'x');
    Result<std::string> body = encrypt_with(plaintext, ua.public_key, auth, {sender_key, salt});
    ASSERT_TRUE(body.ok()) << size << ": " << body.error();
    // header + plaintext + delimiter + tag, rounded up.
    EXPECT_EQ(body->size(), round_up(kEceHeaderBytes + size + 1 + kEceTagBytes, 64)) << size;
    Result<std::string> back = decrypt(*body, ua.private_key, auth);
    ASSERT_TRUE(back.ok()) << size << ": " << back.error();
    EXPECT_EQ(*back, plaintext);
  }
  // Lengths inside one quantum give bodies of one length.
  Result<std::string> shortest = encrypt("", ua.public_key, auth);
  Result<std::string> longest = encrypt(std::string(25, 'x'), ua.public_key, auth);  // 86+25+1+16
  Result<std::string> next = encrypt(std::string(26, 'x'), ua.public_key, auth);
  ASSERT_TRUE(shortest.ok() && longest.ok() && next.ok());
  EXPECT_EQ(shortest->size(), 128u);
  EXPECT_EQ(longest->size(), 128u);
  EXPECT_EQ(next->size(), 192u);
}

TEST_F(EceTest, RefusesPlaintextLargerThanOneBodyHolds) {
  const UaKeys ua = random_ua_keys();
  const std::string auth = random_bytes(kEceAuthSecretBytes);
  Result<std::string> largest = encrypt(std::string(3993, 'x'), ua.public_key, auth);
  ASSERT_TRUE(largest.ok()) << largest.error();
  EXPECT_EQ(largest->size(), 4096u);
  for (const EceSender::Padding padding :
       {EceSender::Padding::to_quantum, EceSender::Padding::none}) {
    Result<std::string> too_large = encrypt_with(std::string(3994, 'x'), ua.public_key, auth,
                                                 {rfc.as_private, rfc.salt, padding});
    ASSERT_FALSE(too_large.ok());
    EXPECT_NE(too_large.error().find("3993"), std::string::npos) << too_large.error();
  }
  Result<std::string> far_too_large = encrypt(std::string(100000, 'x'), ua.public_key, auth);
  ASSERT_FALSE(far_too_large.ok());
  EXPECT_NE(far_too_large.error().find("3993"), std::string::npos) << far_too_large.error();
}

TEST_F(EceTest, RefusesKeysOfTheWrongForm) {
  const std::string p = "payload";
  std::string off_curve = rfc.ua_public;
  off_curve[64] = static_cast<char>(off_curve[64] ^ 1);
  EXPECT_FALSE(encrypt(p, off_curve, rfc.auth).ok());
  EXPECT_FALSE(encrypt(p, rfc.ua_public.substr(0, 33), rfc.auth).ok());
  EXPECT_FALSE(encrypt(p, rfc.ua_public, rfc.auth.substr(0, 15)).ok());
  EXPECT_FALSE(encrypt(p, rfc.ua_public, rfc.auth + "x").ok());
  EXPECT_FALSE(encrypt(p, rfc.auth, rfc.ua_public).ok());  // swapped
  const std::string zero(32, '\0');
  const std::string too_big(32, '\xff');  // above the curve's order
  for (const std::string& key :
       {rfc.as_private.substr(0, 31), rfc.as_private + "x", zero, too_big}) {
    EXPECT_FALSE(encrypt_with(p, rfc.ua_public, rfc.auth, {key, rfc.salt}).ok()) << key.size();
  }
  EXPECT_FALSE(encrypt_with(p, rfc.ua_public, rfc.auth, {rfc.as_private, rfc.salt.substr(1)}).ok());
  EXPECT_FALSE(encrypt_with(p, rfc.ua_public, rfc.auth, {rfc.as_private, rfc.salt + "x"}).ok());
}

void expect_refused(const std::string& body, std::string_view ua_private, std::string_view auth,
                    std::string_view why) {
  Result<std::string> plaintext = decrypt(body, ua_private, auth);
  EXPECT_FALSE(plaintext.ok()) << why;
}

TEST_F(EceTest, DecryptRefusesShortOrMalformedHeaders) {
  for (std::size_t size = 0; size <= kEceHeaderBytes + kEceTagBytes; ++size) {
    expect_refused(rfc.body.substr(0, size), rfc.ua_private, rfc.auth,
                   "truncated to " + std::to_string(size));
  }
  for (const char idlen : {'\x00', '\x40', '\x42', '\xff'}) {
    std::string body = rfc.body;
    body[20] = idlen;
    expect_refused(body, rfc.ua_private, rfc.auth, "idlen " + std::to_string(int{idlen}));
  }
  for (const std::size_t i : {21u, 22u, 60u, 85u}) {  // the key id: prefix, x, y
    std::string body = rfc.body;
    body[i] = static_cast<char>(body[i] ^ 1);
    expect_refused(body, rfc.ua_private, rfc.auth, "key id byte " + std::to_string(i));
  }
}

TEST_F(EceTest, DecryptChecksTheRecordSize) {
  const std::size_t record = rfc.body.size() - kEceHeaderBytes;  // 58
  const auto with_rs = [&](std::uint32_t rs) {
    std::string body = rfc.body;
    body[16] = static_cast<char>(rs >> 24);
    body[17] = static_cast<char>(rs >> 16);
    body[18] = static_cast<char>(rs >> 8);
    body[19] = static_cast<char>(rs);
    return body;
  };
  for (const std::uint32_t rs : {0u, 1u, 17u})
    expect_refused(with_rs(rs), rfc.ua_private, rfc.auth, "rs < 18");
  // A record longer than rs means a second record: Web Push sends one.
  expect_refused(with_rs(18), rfc.ua_private, rfc.auth, "rs 18");
  expect_refused(with_rs(record - 1), rfc.ua_private, rfc.auth, "rs one short");
  // rs is not authenticated: any rs that holds the record decrypts.
  for (const std::uint32_t rs : {std::uint32_t(record), 4096u, 0xFFFFFFFFu}) {
    Result<std::string> plaintext = decrypt(with_rs(rs), rfc.ua_private, rfc.auth);
    ASSERT_TRUE(plaintext.ok()) << rs << ": " << plaintext.error();
    EXPECT_EQ(*plaintext, rfc.plaintext);
  }
}

TEST_F(EceTest, DecryptRefusesAnyAlteredByte) {
  for (std::size_t i = 0; i < rfc.body.size(); ++i) {
    if (i >= 16 && i < 20) continue;  // rs: DecryptChecksTheRecordSize
    std::string body = rfc.body;
    body[i] = static_cast<char>(body[i] ^ 0x80);
    expect_refused(body, rfc.ua_private, rfc.auth, "byte " + std::to_string(i));
  }
  expect_refused(rfc.body + "x", rfc.ua_private, rfc.auth, "a byte appended");
  expect_refused(rfc.body.substr(0, rfc.body.size() - 1), rfc.ua_private, rfc.auth, "one removed");
}

TEST_F(EceTest, DecryptRefusesWrongOrMalformedKeys) {
  std::string auth = rfc.auth;
  auth[0] = static_cast<char>(auth[0] ^ 1);
  expect_refused(rfc.body, rfc.ua_private, auth, "another auth secret");
  expect_refused(rfc.body, random_ua_keys().private_key, rfc.auth, "another private key");
  expect_refused(rfc.body, rfc.ua_private, rfc.auth.substr(0, 15), "auth 15 bytes");
  expect_refused(rfc.body, rfc.ua_private.substr(0, 31), rfc.auth, "private key 31 bytes");
  expect_refused(rfc.body, std::string(32, '\0'), rfc.auth, "private key zero");
  expect_refused(rfc.body, std::string(32, '\xff'), rfc.auth, "private key above the order");
}

TEST_F(EceTest, DecryptRefusesRandomBodies) {
  // Random bytes, and the RFC header followed by a random record: always an Error.
  for (int i = 0; i < 500; ++i) {
    const std::size_t size = randombytes_uniform(kEceBodyBytesMax + 200);
    const std::string noise = random_bytes(size);
    expect_refused(noise, rfc.ua_private, rfc.auth, "random, " + std::to_string(size) + " bytes");
    const std::string record = random_bytes(randombytes_uniform(200));
    expect_refused(rfc.body.substr(0, kEceHeaderBytes) + record, rfc.ua_private, rfc.auth,
                   "random record of " + std::to_string(record.size()) + " bytes");
  }
}

/// An independent sender for records the API never writes (bad padding): the key
/// schedule of RFC 8291 section 3.4 with the RFC's keys, written out with HMAC.
class RfcRecordSealer {
 public:
  explicit RfcRecordSealer(const Rfc8291& rfc) : rfc_(rfc) {
    // ECDH(as_private, ua_public) from RFC 8291 Appendix A.
    const std::string ecdh = unb64("kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs");
    const std::string ikm =
        hkdf(rfc.auth, ecdh, "WebPush: info\0"s + rfc.ua_public + rfc.as_public, 32);
    cek_ = hkdf(rfc.salt, ikm, "Content-Encoding: aes128gcm\0"s, 16);
    nonce_ = hkdf(rfc.salt, ikm, "Content-Encoding: nonce\0"s, 12);
  }

  /// header | AES-128-GCM(content) | tag: `content` is the record's whole plaintext.
  std::string body(const std::string& content) const {
    std::string out = rfc_.body.substr(0, kEceHeaderBytes);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    std::string sealed(content.size() + kEceTagBytes, '\0');
    int n = 0;
    EXPECT_EQ(EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, u(cek_), u(nonce_)), 1);
    EXPECT_EQ(EVP_EncryptUpdate(ctx, u(sealed), &n, u(content), static_cast<int>(content.size())),
              1);
    EXPECT_EQ(EVP_EncryptFinal_ex(ctx, u(sealed) + n, &n), 1);
    EXPECT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, u(sealed) + content.size()), 1);
    EVP_CIPHER_CTX_free(ctx);
    return out + sealed;
  }

 private:
  static unsigned char* u(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }
  static const unsigned char* u(const std::string& s) {
    return reinterpret_cast<const unsigned char*>(s.data());
  }
  static std::string hmac(const std::string& key, const std::string& data) {
    std::string out(32, '\0');
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), u(data), data.size(), u(out),
         &len);
    EXPECT_EQ(len, 32u);
    return out;
  }
  static std::string hkdf(const std::string& salt, const std::string& ikm, const std::string& info,
                          std::size_t length) {
    return hmac(hmac(salt, ikm), info + "\x01").substr(0, length);
  }

  const Rfc8291& rfc_;
  std::string cek_;
  std::string nonce_;
};

TEST_F(EceTest, DecryptRefusesBadPadding) {
  const RfcRecordSealer sealer(rfc);
  ASSERT_EQ(sealer.body(rfc.plaintext + "\x02"), rfc.body);  // the sealer is right
  const auto opens_to = [&](const std::string& content) {
    Result<std::string> plaintext = decrypt(sealer.body(content), rfc.ua_private, rfc.auth);
    return plaintext.ok() ? *plaintext : "<refused: " + plaintext.error() + ">";
  };
  EXPECT_EQ(opens_to("\x02"s), "");
  EXPECT_EQ(opens_to("abc\x02\x00\x00"s), "abc");
  EXPECT_EQ(opens_to("a\x00\x02\x02\x00"s), "a\x00\x02"s);  // the last non-zero byte delimits
  for (const std::string& bad : {""s, "\x00"s, "\x00\x00\x00"s, "abc"s, "abc\x01"s,
                                 "abc\x01\x00\x00"s, "abc\x02\x00\x05"s, "abc\x03\x00"s}) {
    EXPECT_EQ(opens_to(bad).rfind("<refused", 0), 0u) << '"' << bad << '"';
  }
}

TEST_F(EceTest, DecryptRefusesBodiesLargerThanPushServicesCarry) {
  const RfcRecordSealer sealer(rfc);
  const auto with_largest_rs = [](std::string body) {
    body.replace(16, 4, "\xff\xff\xff\xff");
    return body;
  };
  // 4096 bytes: header 86, content 3994, tag 16.
  const std::string largest = with_largest_rs(sealer.body(std::string(3993, 'x') + "\x02"));
  ASSERT_EQ(largest.size(), kEceBodyBytesMax);
  Result<std::string> fits = decrypt(largest, rfc.ua_private, rfc.auth);
  ASSERT_TRUE(fits.ok()) << fits.error();
  EXPECT_EQ(*fits, std::string(3993, 'x'));
  Result<std::string> over = decrypt(with_largest_rs(sealer.body(std::string(3994, 'x') + "\x02")),
                                     rfc.ua_private, rfc.auth);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().find("4096"), std::string::npos) << over.error();
}

}  // namespace
}  // namespace rollcall::push
