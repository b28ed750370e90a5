// A session's rotating 6-digit code (API.md §4 `rotating_code`): the derivation
// (pinned: live sessions must keep their codes across an upgrade), and the
// attempt rules over it (its own window and the next, offline judged at
// client_time, a wrong code counts like any other).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/session_code.hpp"
#include "tests/unit/domain/fixtures.hpp"

namespace rollcall::domain {
namespace {

using namespace fixtures;

const std::string kSeed = "0123456789abcdef0123456789abcdef";
constexpr std::uint32_t kRotationS = 15;
constexpr std::int64_t kWindowMs = kRotationS * 1000;

TEST(SessionCode, TheDerivationIsPinned) {
  // Computed independently: Python's hashlib.blake2b(window as 8 bytes LE,
  // key=seed, digest_size=16), first 8 bytes LE, mod 10^6.
  EXPECT_EQ(rotating_code(kSeed, 0), "171549");
  EXPECT_EQ(rotating_code(kSeed, 1), "491554");
  EXPECT_EQ(rotating_code(kSeed, 123456789), "860266");
  EXPECT_EQ(rotating_code(kSeed, -1), "383678");
}

TEST(SessionCode, CodesDifferAcrossWindowsAndSeeds) {
  std::set<std::string> seen;
  for (std::int64_t w = 0; w < 200; ++w) {
    const std::string code = rotating_code(kSeed, w);
    ASSERT_EQ(code.size(), 6u);
    ASSERT_EQ(code.find_first_not_of("0123456789"), std::string::npos) << code;
    seen.insert(code);
  }
  EXPECT_GE(seen.size(), 195u);  // 200 draws from 10^6: a few repeats at most
  int same = 0;
  const std::string other(32, 'e');
  for (std::int64_t w = 0; w < 200; ++w) same += rotating_code(other, w) == rotating_code(kSeed, w);
  EXPECT_LE(same, 2);
}

TEST(SessionCode, WindowsAndSeeds) {
  EXPECT_EQ(code_window(0, 15), 0);
  EXPECT_EQ(code_window(14'999, 15), 0);
  EXPECT_EQ(code_window(15'000, 15), 1);
  EXPECT_EQ(code_window(-5, 15), 0);
  EXPECT_TRUE(valid_code_seed(kSeed));
  EXPECT_FALSE(valid_code_seed(kSeed.substr(1)));
  EXPECT_FALSE(valid_code_seed(std::string(32, 'A')));
  EXPECT_FALSE(valid_code_seed(""));
}

class RotatingCodeTest : public ::testing::Test {
 protected:
  RotatingCodeTest() : cls_(kClass), info_(class_info()) {
    const Outcome out = cls_.apply(info_, OpenSession{kClass, kTeacher, 5, "", kStart, kSeed, 15});
    EXPECT_TRUE(out.applied());
    sid_ = out.session;
  }
  // The code of the window `n` windows after the one holding `kStart`.
  static std::string code_of(std::int64_t n) {
    return rotating_code(kSeed, code_window(kStart, kRotationS) + n);
  }
  Outcome live(UserId student, const std::string& code, std::int64_t now) {
    return cls_.attempt_check_in(info_, live_check_in(sid_, student, now, CodeProof{code}));
  }

  ClassAttendance cls_;
  ClassInfo info_;
  SessionId sid_;
};

TEST_F(RotatingCodeTest, ACodeIsAcceptedInItsOwnWindowAndTheNextOnly) {
  const std::int64_t later = kStart + 4 * kWindowMs;  // window +4 (kStart is on a boundary)
  ASSERT_EQ(kStart % kWindowMs, 0);
  EXPECT_TRUE(live(kAlice, code_of(4), later).applied());  // the current one
  EXPECT_TRUE(live(kBob, code_of(3), later).applied());    // the previous one
  for (const std::int64_t n : {2, 5, 0}) {                 // older, not yet, the first
    const Outcome out = live(kCarol, code_of(n), later);
    EXPECT_EQ(out.refusal, Refusal::InvalidCode) << n;
    EXPECT_TRUE(out.wrong_code) << n;  // counts against the attempt limit like any wrong code
  }
  // A rotating session has no static code: neither "" nor the fixtures' code works.
  EXPECT_EQ(live(kCarol, "", later).refusal, Refusal::InvalidCode);
  EXPECT_EQ(live(kCarol, kCode, later).refusal, Refusal::InvalidCode);
}

TEST_F(RotatingCodeTest, TheSessionShowsTheCurrentCode) {
  const Session& s = *cls_.open_session();
  EXPECT_TRUE(s.rotating_code());
  EXPECT_EQ(s.code_at(kStart), code_of(0));
  EXPECT_EQ(s.code_at(kStart + kWindowMs - 1), code_of(0));
  EXPECT_EQ(s.code_at(kStart + kWindowMs), code_of(1));
}

TEST_F(RotatingCodeTest, AnOfflineCodeIsJudgedAtItsClientTime) {
  const std::int64_t client_time = kStart + 2 * kWindowMs + 10;
  const std::int64_t now = kStart + 30 * kWindowMs;  // synced much later
  const Outcome ok = cls_.attempt_check_in(
      info_, offline_check_in(sid_, kAlice, client_time, "p1", now, now, CodeProof{code_of(2)}));
  EXPECT_TRUE(ok.applied());
  EXPECT_EQ(ok.records.at(0).check_in_time_ms, client_time);
  // The code current at the server's time is no proof for a check-in made earlier.
  const Outcome wrong = cls_.attempt_check_in(
      info_, offline_check_in(sid_, kBob, client_time, "p2", now, now, CodeProof{code_of(30)}));
  EXPECT_EQ(wrong.refusal, Refusal::InvalidCode);
}

TEST_F(RotatingCodeTest, ReplayOpensTheSameRotatingSession) {
  ClassAttendance replayed(kClass);
  const OpenSession cmd{kClass, kTeacher, 5, "", kStart, kSeed, 15};
  const Outcome out = replayed.apply(info_, cmd);
  ASSERT_TRUE(out.applied());
  ASSERT_TRUE(out.logged.has_value());
  EXPECT_EQ(*out.logged, Command{cmd});
  EXPECT_EQ(replayed.open_session()->code_at(kStart + 7 * kWindowMs), code_of(7));
}

}  // namespace
}  // namespace rollcall::domain
