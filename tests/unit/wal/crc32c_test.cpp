#include "rollcall/wal/crc32c.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace rollcall::wal {
namespace {

// Byte-at-a-time, bit-at-a-time reference: the definition, nothing clever.
std::uint32_t crc32c_bitwise(const void* data, std::size_t size, std::uint32_t crc = 0) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t state = ~crc;
  for (std::size_t i = 0; i < size; ++i) {
    state ^= p[i];
    for (int b = 0; b < 8; ++b) state = (state >> 1) ^ ((state & 1u) ? 0x82F63B78u : 0u);
  }
  return ~state;
}

TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc32c_table("123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc32c("", 0), 0u);
  EXPECT_EQ(crc32c_table("", 0), 0u);
  // RFC 3720 (iSCSI) B.4 test vectors.
  std::vector<unsigned char> buf(32, 0);
  EXPECT_EQ(crc32c(buf.data(), buf.size()), 0x8A9136AAu);
  EXPECT_EQ(crc32c_table(buf.data(), buf.size()), 0x8A9136AAu);
  std::fill(buf.begin(), buf.end(), 0xFF);
  EXPECT_EQ(crc32c(buf.data(), buf.size()), 0x62A8AB43u);
  EXPECT_EQ(crc32c_table(buf.data(), buf.size()), 0x62A8AB43u);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<unsigned char>(i);
  EXPECT_EQ(crc32c(buf.data(), buf.size()), 0x46DD794Eu);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<unsigned char>(31 - i);
  EXPECT_EQ(crc32c(buf.data(), buf.size()), 0x113FDB5Cu);
}

TEST(Crc32cTest, HardwareAndTableAgreeOnEveryLengthAndAlignment) {
  std::mt19937_64 rng(42);
  std::vector<unsigned char> buf(4096 + 16);
  for (auto& b : buf) b = static_cast<unsigned char>(rng());
  for (std::size_t align = 0; align < 8; ++align) {
    for (std::size_t len = 0; len <= 300; ++len) {
      const unsigned char* p = buf.data() + align;
      const std::uint32_t want = crc32c_bitwise(p, len);
      ASSERT_EQ(crc32c(p, len), want) << "len " << len << " align " << align;
      ASSERT_EQ(crc32c_table(p, len), want) << "len " << len << " align " << align;
    }
  }
  EXPECT_EQ(crc32c(buf.data() + 3, 4096), crc32c_table(buf.data() + 3, 4096));
}

TEST(Crc32cTest, ContinuationEqualsOneShot) {
  const std::string text = "the quick brown fox jumps over the lazy dog, 0123456789 times";
  const std::uint32_t whole = crc32c(text.data(), text.size());
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    const std::uint32_t a = crc32c(text.data(), cut);
    EXPECT_EQ(crc32c(text.data() + cut, text.size() - cut, a), whole);
    const std::uint32_t b = crc32c_table(text.data(), cut);
    EXPECT_EQ(crc32c_table(text.data() + cut, text.size() - cut, b), whole);
  }
}

TEST(Crc32cTest, ReportsTheImplementationInUse) {
#if defined(__x86_64__)
  EXPECT_EQ(crc32c_hardware(), __builtin_cpu_supports("sse4.2") != 0);
#else
  EXPECT_FALSE(crc32c_hardware());
#endif
}

}  // namespace
}  // namespace rollcall::wal
