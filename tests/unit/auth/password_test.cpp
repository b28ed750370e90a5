#include "rollcall/auth/password.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

namespace rollcall::auth {
namespace {

class PasswordTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(sodium_init(), 0); }
};

template <typename F>
double seconds_of(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST_F(PasswordTest, HashIsArgon2idWithInteractiveLimitsAndVerifies) {
  const std::string hash = hash_password("rollcall-demo");
  EXPECT_EQ(hash.rfind("$argon2id$v=19$m=65536,t=2,p=1$", 0), 0u) << hash;
  EXPECT_TRUE(verify_password(hash, "rollcall-demo"));
  EXPECT_FALSE(verify_password(hash, "rollcall-demO"));
  EXPECT_FALSE(verify_password(hash, "rollcall-dem"));
  EXPECT_FALSE(verify_password(hash, ""));
}

TEST_F(PasswordTest, SaltsDiffer) {
  const std::string a = hash_password("same");
  const std::string b = hash_password("same");
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify_password(a, "same"));
  EXPECT_TRUE(verify_password(b, "same"));
}

TEST_F(PasswordTest, EmptyAndBinaryPasswordsWork) {
  const std::string empty = hash_password("");
  EXPECT_TRUE(verify_password(empty, ""));
  EXPECT_FALSE(verify_password(empty, " "));
  const std::string binary("a\0b", 3);
  const std::string hash = hash_password(binary);
  EXPECT_TRUE(verify_password(hash, binary));
  EXPECT_FALSE(verify_password(hash, "a"));
}

TEST_F(PasswordTest, InvalidHashesNeverVerify) {
  const std::string hash = hash_password("pw");
  EXPECT_FALSE(verify_password("", "pw"));
  EXPECT_FALSE(verify_password("pw", "pw"));
  EXPECT_FALSE(verify_password(hash.substr(0, hash.size() - 1), "pw"));
  EXPECT_FALSE(verify_password(hash.substr(0, 20), "pw"));
  EXPECT_FALSE(verify_password(hash + std::string(200, 'A'), "pw"));
  std::string with_nul = hash;
  with_nul.insert(10, 1, '\0');
  EXPECT_FALSE(verify_password(with_nul, "pw"));
  std::string altered = hash;
  altered[altered.size() - 3] = altered[altered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_password(altered, "pw"));
}

TEST_F(PasswordTest, DummyVerificationIsFalseAndTakesAsLongAsARealOne) {
  EXPECT_FALSE(verify_against_dummy("warm-up"));  // computes the dummy hash
  const std::string hash = hash_password("pw");
  double hash_s = 1e9;
  double real_s = 1e9;
  double dummy_s = 1e9;
  for (int i = 0; i < 3; ++i) {
    hash_s = std::min(hash_s, seconds_of([] { (void)hash_password("pw"); }));
    real_s = std::min(real_s, seconds_of([&] { EXPECT_FALSE(verify_password(hash, "wrong")); }));
    dummy_s = std::min(dummy_s, seconds_of([] { EXPECT_FALSE(verify_against_dummy("pw")); }));
  }
  std::printf(
      "[ timing   ] hash_password %.1f ms, verify_password %.1f ms, verify_against_dummy %.1f ms\n",
      hash_s * 1e3, real_s * 1e3, dummy_s * 1e3);
  // An early return would take microseconds; Argon2id with 64 MiB takes milliseconds.
  EXPECT_GT(dummy_s, real_s / 3);
  EXPECT_GT(real_s, 1e-3);
}

}  // namespace
}  // namespace rollcall::auth
