#include "rollcall/auth/codes.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <set>
#include <string>

namespace rollcall::auth {
namespace {

class CodesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(sodium_init(), 0); }
};

constexpr int kSamples = 20000;

TEST_F(CodesTest, VerificationCodesAreSixDigits) {
  for (int i = 0; i < 1000; ++i) {
    const std::string code = new_verification_code();
    ASSERT_EQ(code.size(), 6u) << code;
    for (const char c : code) ASSERT_TRUE(c >= '0' && c <= '9') << code;
  }
}

// Expected count per (position, digit) is 2000 with a standard deviation of ~42;
// +-25% is ~12 standard deviations, which a uniform source never leaves. Leading
// zeros (the zero padding) are covered by position 0.
TEST_F(CodesTest, VerificationCodeDigitsAreUniformInEveryPosition) {
  std::array<std::array<int, 10>, 6> counts{};
  for (int i = 0; i < kSamples; ++i) {
    const std::string code = new_verification_code();
    ASSERT_EQ(code.size(), 6u);
    for (std::size_t p = 0; p < 6; ++p) ++counts[p][static_cast<std::size_t>(code[p] - '0')];
  }
  const int expected = kSamples / 10;
  for (std::size_t p = 0; p < 6; ++p) {
    for (std::size_t d = 0; d < 10; ++d) {
      EXPECT_GT(counts[p][d], expected * 3 / 4) << "position " << p << " digit " << d;
      EXPECT_LT(counts[p][d], expected * 5 / 4) << "position " << p << " digit " << d;
    }
  }
}

TEST_F(CodesTest, JoinCodesUseTheUnambiguousAlphabet) {
  EXPECT_EQ(kJoinCodeAlphabet.find_first_of("0O1I"), std::string_view::npos);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string code = new_join_code();
    ASSERT_EQ(code.size(), 8u) << code;
    for (const char c : code) ASSERT_NE(kJoinCodeAlphabet.find(c), std::string_view::npos) << code;
    seen.insert(code);
  }
  EXPECT_EQ(seen.size(), 1000u);  // 40 bits: a collision has probability ~5e-7
}

// Expected 625 per (position, symbol), standard deviation ~25; +-25% is ~6.3 of them.
TEST_F(CodesTest, JoinCodeSymbolsAreUniformInEveryPosition) {
  std::array<std::array<int, 32>, 8> counts{};
  for (int i = 0; i < kSamples; ++i) {
    const std::string code = new_join_code();
    ASSERT_EQ(code.size(), 8u);
    for (std::size_t p = 0; p < 8; ++p) ++counts[p][kJoinCodeAlphabet.find(code[p])];
  }
  const int expected = kSamples / 32;
  for (std::size_t p = 0; p < 8; ++p) {
    for (std::size_t s = 0; s < 32; ++s) {
      EXPECT_GT(counts[p][s], expected * 3 / 4)
          << "position " << p << " symbol " << kJoinCodeAlphabet[s];
      EXPECT_LT(counts[p][s], expected * 5 / 4)
          << "position " << p << " symbol " << kJoinCodeAlphabet[s];
    }
  }
}

}  // namespace
}  // namespace rollcall::auth
