#include "src/app/import_answers.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rollcall::app {
namespace {

TEST(ImportAnswers, ProblemsNameTheirFileAndLine) {
  const ImportProblem row = problem_of("enrollments.csv line 12: no class with sourcedId 'c: 9'");
  EXPECT_EQ(row.file, "enrollments.csv");
  EXPECT_EQ(row.line, 12u);
  EXPECT_EQ(row.message, "no class with sourcedId 'c: 9'");
  const ImportProblem whole = problem_of("classes.csv: no column 'title' in the header line");
  EXPECT_EQ(whole.file, "classes.csv");
  EXPECT_EQ(whole.line, 0u);
  EXPECT_EQ(whole.message, "no column 'title' in the header line");
  // Anything else concerns the upload as a whole, and is kept as it is.
  for (const std::string other : {"the upload: not a zip archive", "users.csvx line 3: x",
                                  "users.csv line x: y", "users.csv line 4 no colon"}) {
    const ImportProblem p = problem_of(other);
    EXPECT_EQ(p.file, "") << other;
    EXPECT_EQ(p.line, 0u) << other;
    EXPECT_EQ(p.message, other);
  }
}

TEST(ImportAnswers, InvalidRosterListsEveryLine) {
  const api::Reply r = invalid_roster("users.csv line 2: a\nthe upload: b");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body,
            R"({"error":{"code":"invalid_roster","message":"2 problems in the roster; nothing was )"
            R"(imported"},"errors":[{"file":"users.csv","line":2,"message":"a"},)"
            R"({"file":"","line":0,"message":"the upload: b"}]})");
}

TEST(ImportAnswers, SuccessCarriesTheCountsAndInitialPasswords) {
  ImportSummary s;
  s.users_added = 2;
  s.enrollments_added = 5;
  const api::Reply r = import_reply(s, {{"alee", "ABCDEFGHJKLM"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(R"("users_added":2,)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("enrollments_added":5,)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("initial_passwords":[{"username":"alee","password":"ABCDEFGHJKLM"}])"),
            std::string::npos)
      << r.body;
}

}  // namespace
}  // namespace rollcall::app
