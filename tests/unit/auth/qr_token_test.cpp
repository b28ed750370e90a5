#include "rollcall/auth/qr_token.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdint>
#include <limits>
#include <string>

namespace rollcall::auth {
namespace {

constexpr int kB64 = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

std::string decode(const std::string& token) {
  std::string out(64, '\0');
  std::size_t n = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), token.data(),
                        token.size(), nullptr, &n, nullptr, kB64) != 0) {
    return {};
  }
  out.resize(n);
  return out;
}

std::string encode(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kB64), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), kB64);
  out.resize(out.size() - 1);
  return out;
}

class QrTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    for (std::size_t i = 0; i < key_.size(); ++i) key_[i] = static_cast<unsigned char>(i);
  }
  Key key_{};
};

TEST_F(QrTokenTest, KnownAnswer) {
  // Python: base64url(01 || be64(0x0102030405060708) || be64(123456789) || hmac_sha256(key,
  // ...)[:16]).
  const std::string token = QrCodec(key_).issue(0x0102030405060708ull, 123456789);
  EXPECT_EQ(token, "AQECAwQFBgcIAAAAAAdbzRV7Ug63kXtHgQ3tt1wgRzuQ");
  EXPECT_EQ(token.size(), kQrTokenChars);
}

TEST_F(QrTokenTest, RoundTrips) {
  const QrCodec codec(key_);
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  const std::int64_t min = std::numeric_limits<std::int64_t>::min();
  for (const std::uint64_t session : {1ull, 42ull << 20 | 7, ~0ull}) {
    for (const std::int64_t window :
         {std::int64_t{0}, std::int64_t{113333334}, std::int64_t{-1}, max, min}) {
      const std::optional<QrToken> t = codec.verify(codec.issue(session, window));
      ASSERT_TRUE(t.has_value()) << session << " " << window;
      EXPECT_EQ(t->session_id, session);
      EXPECT_EQ(t->window, window);
    }
  }
}

TEST_F(QrTokenTest, EveryFlippedBitIsRejected) {
  const QrCodec codec(key_);
  const std::string bytes = decode(codec.issue(4194311, 113333334));
  ASSERT_EQ(bytes.size(), 33u);
  for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    std::string flipped = bytes;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_FALSE(codec.verify(encode(flipped)).has_value()) << "bit " << bit;
  }
}

TEST_F(QrTokenTest, EveryAlteredCharacterIsRejected) {
  const QrCodec codec(key_);
  const std::string token = codec.issue(4194311, 113333334);
  for (std::size_t i = 0; i < token.size(); ++i) {
    for (const char c : {'A', 'z', '_', '-', '0', '+', '/', '=', '.'}) {
      if (token[i] == c) continue;
      std::string altered = token;
      altered[i] = c;
      EXPECT_FALSE(codec.verify(altered).has_value()) << i << " " << c;
    }
  }
}

TEST_F(QrTokenTest, WrongKeyVersionOrLengthIsRejected) {
  Key other = key_;
  other[0] ^= 0x80;
  const std::string token = QrCodec(key_).issue(9, 10);
  EXPECT_TRUE(QrCodec(key_).verify(token).has_value());
  EXPECT_FALSE(QrCodec(other).verify(token).has_value());

  // Version 2 with a correct MAC over its own bytes is still refused.
  std::string body = decode(token).substr(0, 17);
  body[0] = 2;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(body.data()), body.size(),
                         key_.data());
  EXPECT_FALSE(QrCodec(key_)
                   .verify(encode(body + std::string(reinterpret_cast<char*>(mac), 16)))
                   .has_value());
  body[0] = 1;
  crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(body.data()), body.size(),
                         key_.data());
  EXPECT_EQ(encode(body + std::string(reinterpret_cast<char*>(mac), 16)),
            token);  // the construction is as documented

  EXPECT_FALSE(QrCodec(key_).verify("").has_value());
  EXPECT_FALSE(QrCodec(key_).verify(token.substr(0, 43)).has_value());
  EXPECT_FALSE(QrCodec(key_).verify(token + "A").has_value());
  EXPECT_FALSE(QrCodec(key_).verify(token + "=").has_value());
}

TEST_F(QrTokenTest, Windows) {
  EXPECT_EQ(qr_window(0, 15), 0);
  EXPECT_EQ(qr_window(14, 15), 0);
  EXPECT_EQ(qr_window(15, 15), 1);
  EXPECT_EQ(qr_window(1700000000, 15), 113333333);
}

}  // namespace
}  // namespace rollcall::auth
