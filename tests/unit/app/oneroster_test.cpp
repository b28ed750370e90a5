#include "rollcall/app/oneroster.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "rollcall/app/config.hpp"

namespace rollcall::app {
namespace {

using namespace domain;

// --- CSV ------------------------------------------------------------------

TEST(Csv, QuotesCommasLineBreaksAndDoubledQuotes) {
  auto t =
      parse_csv("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\nplain,,last\n", "t.csv");
  ASSERT_TRUE(t.ok()) << t.error();
  ASSERT_EQ(t->header, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0], (std::vector<std::string>{"x, y", "say \"hi\"", "two\nlines"}));
  EXPECT_EQ(t->rows[1], (std::vector<std::string>{"plain", "", "last"}));
  EXPECT_EQ(t->lines, (std::vector<std::size_t>{2, 4}));  // the quoted line break counts
}

TEST(Csv, BomBlankLinesNoFinalNewlineAndTrailingEmptyField) {
  auto t = parse_csv("\xEF\xBB\xBF id , name\n\n1,Ann\n2,\n3,Cy", "t.csv");
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t->header, (std::vector<std::string>{"id", "name"}));  // trimmed
  ASSERT_EQ(t->rows.size(), 3u);
  EXPECT_EQ(t->rows[1], (std::vector<std::string>{"2", ""}));
  EXPECT_EQ(t->rows[2], (std::vector<std::string>{"3", "Cy"}));
  EXPECT_EQ(t->lines[0], 3u);
}

TEST(Csv, ErrorsNameTheFileAndLine) {
  auto wrong_count = parse_csv("a,b\n1,2\n1,2,3\n", "users.csv");
  ASSERT_FALSE(wrong_count.ok());
  EXPECT_NE(wrong_count.error().find("users.csv line 3"), std::string::npos) << wrong_count.error();
  EXPECT_NE(wrong_count.error().find("3 fields, the header has 2"), std::string::npos);

  auto unclosed = parse_csv("a\n\"open\n", "x.csv");
  ASSERT_FALSE(unclosed.ok());
  EXPECT_NE(unclosed.error().find("x.csv line 2: a quoted field is not closed"), std::string::npos);

  auto stray = parse_csv("a,b\nab\"c,d\n", "x.csv");
  ASSERT_FALSE(stray.ok());
  EXPECT_NE(stray.error().find("line 2: a quote inside an unquoted field"), std::string::npos);

  auto after = parse_csv("a\n\"x\"y\n", "x.csv");
  ASSERT_FALSE(after.ok());
  EXPECT_NE(after.error().find("text after a closing quote"), std::string::npos);

  EXPECT_FALSE(parse_csv("", "empty.csv").ok());
  EXPECT_FALSE(parse_csv("a\n" + std::string(kCsvFieldBytesMax + 1, 'z') + "\n", "big.csv").ok());
}

// --- merge ----------------------------------------------------------------

const char* kUsersHeader =
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,"
    "familyName,"
    "middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n";

std::string user_row(const std::string& id, const std::string& role, const std::string& username,
                     const std::string& given, const std::string& family,
                     const std::string& password = "", const std::string& status = "",
                     const std::string& enabled = "true") {
  return id + "," + status + ",2026-09-01," + enabled + ",school-1," + role + "," + username +
         ",," + given + "," + family + ",,,,,,,," + password + "\n";
}

struct Fixture {
  std::string users = std::string(kUsersHeader) +
                      user_row("t-1", "teacher", "mrivera", "Maria", "Rivera", "pw-t") +
                      user_row("s-1", "student", "alee", "Ada", "Lee") +
                      user_row("s-2", "student", "bkhan", "Bilal", "Khan", "pw-s2") +
                      user_row("a-1", "aide", "aide1", "Al", "Aide");
  std::string classes =
      "sourcedId,status,title,classCode\nc-1,,\"Biology, period 2\",BIO2\nc-2,,Chemistry,CHEM\n";
  std::string enrollments =
      "sourcedId,classSourcedId,userSourcedId,role,status\n"
      "e-1,c-1,t-1,teacher,\ne-2,c-1,s-1,student,\ne-3,c-1,s-2,student,\ne-4,c-2,s-2,student,\n"
      "e-5,c-1,a-1,aide,\ne-6,c-2,t-1,teacher,\n";

  OneRosterFiles files() const {
    auto u = parse_csv(users, "users.csv");
    auto c = parse_csv(classes, "classes.csv");
    auto e = parse_csv(enrollments, "enrollments.csv");
    EXPECT_TRUE(u.ok() && c.ok() && e.ok());
    return OneRosterFiles{*u, *c, *e};
  }
};

struct Hooks {
  std::vector<std::string> hashed;  // every password given to the hasher
  int passwords = 0;
  int codes = 0;
  ImportHooks get() {
    return ImportHooks{[this](const std::vector<std::string>& pw) {
                         std::vector<std::string> out;
                         for (const std::string& p : pw) {
                           hashed.push_back(p);
                           out.push_back("hash:" + p);
                         }
                         return out;
                       },
                       [this] { return "initial-" + std::to_string(++passwords); },
                       [this] { return "JOIN" + std::to_string(++codes); }};
  }
};

std::shared_ptr<const Roster> empty_roster() {
  return RosterBuilder().build();
}

TEST(OneRoster, ImportsUsersClassesAndEnrollments) {
  Fixture f;
  Hooks h;
  auto r = merge_oneroster(*empty_roster(), f.files(), h.get());
  ASSERT_TRUE(r.ok()) << r.error();
  const Roster& roster = *r->roster;
  EXPECT_EQ(roster.user_count(), 3u);  // the aide is skipped
  EXPECT_EQ(roster.class_count(), 2u);
  const User* t = roster.user_by_username("mrivera");
  const User* ada = roster.user_by_username("alee");
  const User* bilal = roster.user_by_username("bkhan");
  ASSERT_TRUE(t && ada && bilal);
  EXPECT_EQ(roster.user_by_username("aide1"), nullptr);
  EXPECT_EQ(t->role, Role::Teacher);
  EXPECT_EQ(t->name, "Maria Rivera");
  EXPECT_EQ(t->sourced_id, "t-1");
  EXPECT_EQ(t->password_hash, "hash:pw-t");
  EXPECT_EQ(ada->password_hash, "hash:initial-1");  // no password column value: a generated one
  ASSERT_EQ(r->initial_passwords.size(), 1u);
  EXPECT_EQ(r->initial_passwords[0], (std::pair<std::string, std::string>{"alee", "initial-1"}));
  std::vector<const ClassInfo*> cls = roster.classes();
  ASSERT_EQ(cls.size(), 2u);
  EXPECT_EQ(cls[0]->name, "Biology, period 2");
  EXPECT_EQ(cls[0]->sourced_id, "c-1");
  EXPECT_NE(cls[0]->join_code, cls[1]->join_code);
  EXPECT_EQ(roster.relation(t->id, cls[0]->id), Relation::Teacher);
  EXPECT_EQ(roster.relation(t->id, cls[1]->id), Relation::Teacher);
  EXPECT_TRUE(roster.enrolled(ada->id, cls[0]->id));
  EXPECT_FALSE(roster.enrolled(ada->id, cls[1]->id));
  EXPECT_TRUE(roster.enrolled(bilal->id, cls[1]->id));
  EXPECT_EQ(r->summary.users_added, 3u);
  EXPECT_EQ(r->summary.users_skipped, 1u);
  EXPECT_EQ(r->summary.classes_added, 2u);
  EXPECT_EQ(r->summary.enrollments_added, 5u);
  EXPECT_EQ(r->summary.enrollments_skipped, 1u);  // the aide's
}

TEST(OneRoster, ImportingTheSameFilesAgainChangesNothingButTheVersion) {
  Fixture f;
  Hooks h;
  auto first = merge_oneroster(*empty_roster(), f.files(), h.get());
  ASSERT_TRUE(first.ok()) << first.error();
  auto again = merge_oneroster(*first->roster, f.files(), h.get());
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again->summary.users_added, 0u);
  EXPECT_EQ(again->summary.users_updated, 3u);
  EXPECT_EQ(again->summary.classes_added, 0u);
  EXPECT_EQ(again->summary.enrollments_added, 0u);
  EXPECT_EQ(again->summary.enrollments_kept, 5u);
  EXPECT_TRUE(again->initial_passwords.empty());
  const Roster& a = *first->roster;
  const Roster& b = *again->roster;
  EXPECT_EQ(b.version(), a.version() + 1);
  ASSERT_EQ(a.user_count(), b.user_count());
  for (const User* u : a.users()) {
    const User* v = b.user(u->id);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->username, u->username);
    EXPECT_EQ(v->classes, u->classes);
    // Passwords given in the file are set again; the generated one is kept.
    if (u->username == "alee") {
      EXPECT_EQ(v->password_hash, u->password_hash);
    }
  }
  for (const ClassInfo* c : a.classes()) {
    const ClassInfo* d = b.class_info(c->id);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->join_code, c->join_code);
    EXPECT_EQ(d->students, c->students);
    EXPECT_EQ(d->teachers, c->teachers);
  }
}

TEST(OneRoster, UpdatesByIdAddsNewOnesAndNeverRemoves) {
  Fixture f;
  Hooks h;
  auto first = merge_oneroster(*empty_roster(), f.files(), h.get());
  ASSERT_TRUE(first.ok()) << first.error();
  Fixture g;
  // Bilal renamed (new username too), Ada no longer in the file, a new student.
  g.users = std::string(kUsersHeader) +
            user_row("t-1", "teacher", "mrivera", "Maria", "Rivera-Diaz") +
            user_row("s-2", "student", "bkhan2", "Bilal", "Khan-Ali") +
            user_row("s-3", "student", "cdoe", "Cy", "Doe");
  g.classes = "sourcedId,title\nc-1,Biology 2\n";
  g.enrollments = "classSourcedId,userSourcedId,role\nc-1,s-3,student\n";
  auto second = merge_oneroster(*first->roster, g.files(), h.get());
  ASSERT_TRUE(second.ok()) << second.error();
  const Roster& r = *second->roster;
  EXPECT_EQ(r.user_count(), 4u);
  const User* ada = r.user_by_username("alee");
  ASSERT_NE(ada, nullptr);  // kept, with her enrollment
  EXPECT_EQ(ada->classes.size(), 1u);
  EXPECT_EQ(r.user_by_username("bkhan"), nullptr);
  const User* bilal = r.user_by_username("bkhan2");
  ASSERT_NE(bilal, nullptr);
  EXPECT_EQ(bilal->id, first->roster->user_by_username("bkhan")->id);  // same user, same id
  EXPECT_EQ(bilal->name, "Bilal Khan-Ali");
  EXPECT_EQ(bilal->classes.size(), 2u);
  EXPECT_EQ(r.user_by_username("mrivera")->password_hash, "hash:pw-t");  // no password now: kept
  const ClassInfo* bio = r.class_info(first->roster->classes()[0]->id);
  ASSERT_NE(bio, nullptr);
  EXPECT_EQ(bio->name, "Biology 2");
  EXPECT_EQ(bio->students.size(), 3u);
  EXPECT_EQ(r.class_count(), 2u);
  EXPECT_EQ(second->summary.users_added, 1u);
  EXPECT_EQ(second->summary.users_updated, 2u);
  EXPECT_EQ(second->summary.enrollments_added, 1u);
}

TEST(OneRoster, DeletedAndDisabledUsers) {
  Fixture f;
  Hooks h;
  auto first = merge_oneroster(*empty_roster(), f.files(), h.get());
  ASSERT_TRUE(first.ok());
  Fixture g;
  g.users = std::string(kUsersHeader) +
            user_row("s-1", "student", "alee", "Ada", "Lee", "", "", "false") +
            user_row("s-2", "student", "bkhan", "Bilal", "Khan", "", "tobedeleted") +
            user_row("s-9", "student", "gone", "New", "Disabled", "", "", "false");
  g.classes = "sourcedId,title\n";
  g.enrollments = "classSourcedId,userSourcedId,role\nc-1,s-9,student\nc-2,s-2,student\n";
  auto second = merge_oneroster(*first->roster, g.files(), h.get());
  ASSERT_TRUE(second.ok()) << second.error();
  const Roster& r = *second->roster;
  EXPECT_TRUE(r.user_by_username("alee")->password_hash.empty());  // cannot sign in any more
  EXPECT_NE(r.user_by_username("bkhan"), nullptr);                 // tobedeleted: kept, untouched
  EXPECT_EQ(r.user_by_username("bkhan")->password_hash, "hash:pw-s2");
  EXPECT_EQ(r.user_by_username("gone"), nullptr);  // a disabled new user is not added
  EXPECT_EQ(second->summary.users_disabled, 1u);
  EXPECT_EQ(second->summary.users_skipped, 2u);
  EXPECT_EQ(second->summary.enrollments_skipped, 2u);
}

void expect_refused(const Fixture& f, const std::string& needle, const Roster& base) {
  Hooks h;
  auto r = merge_oneroster(base, f.files(), h.get());
  ASSERT_FALSE(r.ok()) << "expected: " << needle;
  EXPECT_NE(r.error().find(needle), std::string::npos) << r.error();
  EXPECT_TRUE(h.hashed.empty()) << "nothing is hashed before everything checked out";
}

TEST(OneRoster, InconsistentInputIsRefusedNamingFileAndLine) {
  const auto empty = empty_roster();
  {
    Fixture f;
    f.enrollments = "classSourcedId,userSourcedId,role\nc-1,s-1,student\nc-7,s-1,student\n";
    expect_refused(f, "enrollments.csv line 3: no class with sourcedId 'c-7'", *empty);
  }
  {
    Fixture f;
    f.enrollments = "classSourcedId,userSourcedId,role\nc-1,s-404,student\n";
    expect_refused(f, "enrollments.csv line 2: no user with sourcedId 's-404'", *empty);
  }
  {
    Fixture f;
    f.enrollments = "classSourcedId,userSourcedId,role\nc-1,t-1,student\n";
    expect_refused(f, "enrolled as a student but is a teacher", *empty);
  }
  {
    Fixture f;
    f.enrollments = "classSourcedId,userSourcedId,role\nc-1,s-1,teacher\n";
    expect_refused(f, "enrolled as a teacher but is a student", *empty);
  }
  {
    Fixture f;
    f.users += user_row("s-1", "student", "again", "A", "B");
    expect_refused(f, "users.csv line 6: sourcedId 's-1' appears twice", *empty);
  }
  {
    Fixture f;
    f.users += user_row("s-5", "student", "alee", "Other", "Ada");
    expect_refused(f, "users.csv line 6: username 'alee' belongs to another user already", *empty);
  }
  {
    Fixture f;
    f.users += user_row("s-5", "student", "has space", "A", "B");
    expect_refused(f, "username has spaces", *empty);
  }
  {
    Fixture f;
    f.users += user_row("s-5", "student", "ctl", "A\x01", "B");
    expect_refused(f, "control characters", *empty);
  }
  {
    Fixture f;
    f.users += user_row("s-5", "student", "badutf", "A\xC3", "B");
    expect_refused(f, "not UTF-8", *empty);
  }
  {
    Fixture f;
    f.classes = "sourcedId,status\nc-1,\n";
    expect_refused(f, "classes.csv: no column 'title'", *empty);
  }
  {
    Fixture f;
    f.users = "sourcedId,role\nx,student\n";
    expect_refused(f, "users.csv: no column 'username'", *empty);
  }
  {
    Fixture f;
    f.classes = "sourcedId,title\nc-1,\nc-2,Chem\n";
    expect_refused(f, "classes.csv line 2: title is empty", *empty);
  }
  // A role change of an existing user.
  Fixture f;
  Hooks h;
  auto first = merge_oneroster(*empty, f.files(), h.get());
  ASSERT_TRUE(first.ok());
  Fixture g;
  g.users = std::string(kUsersHeader) + user_row("s-1", "teacher", "alee", "Ada", "Lee");
  g.classes = "sourcedId,title\n";
  g.enrollments = "classSourcedId,userSourcedId,role\n";
  expect_refused(g, "changing a role is not supported", *first->roster);
}

TEST(OneRoster, EveryProblemIsReportedOnceUpToTheLimit) {
  const auto empty = empty_roster();
  Fixture f;
  f.users += user_row("s-7", "student", "has space", "A", "B");  // line 6
  f.users += user_row("s-8", "student", "ok8", "A\x01", "B");    // line 7
  f.enrollments += "e-7,c-1,s-7,student,\ne-8,c-404,s-2,student,\n";
  Hooks h;
  auto r = merge_oneroster(*empty, f.files(), h.get());
  ASSERT_FALSE(r.ok());
  // s-7's enrollment is not reported again: its own row was.
  EXPECT_EQ(r.error(),
            "users.csv line 6: username has spaces, control characters or is not UTF-8\n"
            "users.csv line 7: the name has control characters or is not UTF-8\n"
            "enrollments.csv line 9: no class with sourcedId 'c-404'");
  EXPECT_TRUE(h.hashed.empty());

  Fixture many;
  many.enrollments = "classSourcedId,userSourcedId,role\n";
  for (int k = 0; k < 150; ++k) many.enrollments += "c-404,s-1,student\n";
  auto capped = merge_oneroster(*empty, many.files(), h.get());
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(std::count(capped.error().begin(), capped.error().end(), '\n') + 1,
            static_cast<long>(kImportProblemsMax));
}

TEST(OneRoster, MorePasswordsThanTheCallerAllowsAreRefusedBeforeHashing) {
  const auto empty = empty_roster();
  Fixture f;
  Hooks h;
  ImportHooks hooks = h.get();
  hooks.passwords_max = 2;  // the fixture sets 3: two given, one new user's initial one
  auto r = merge_oneroster(*empty, f.files(), hooks);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("the import sets 3 passwords"), std::string::npos) << r.error();
  EXPECT_TRUE(h.hashed.empty());
  hooks.passwords_max = 3;
  EXPECT_TRUE(merge_oneroster(*empty, f.files(), hooks).ok());
}

TEST(OneRoster, ExistingUsersWithoutSourcedIdKeepTheirUsernames) {
  // The demo district (no sourcedIds): an import may add to it, not take its names.
  RosterBuilder b;
  ASSERT_TRUE(b.add_user(User{UserId{1}, "admin", "Administrator", Role::Admin, "h", "", {}}));
  ASSERT_TRUE(b.add_user(User{UserId{2}, "teacher1", "Teacher 1", Role::Teacher, "h", "", {}}));
  ASSERT_TRUE(b.add_class(ClassInfo{ClassId{1}, "Class 1", "JOIN1", "", {}, {}}));
  ASSERT_TRUE(b.assign_teacher(UserId{2}, ClassId{1}));
  auto base = b.build();
  Fixture f;
  f.users = std::string(kUsersHeader) + user_row("t-9", "teacher", "teacher1", "Imposter", "X");
  f.classes = "sourcedId,title\n";
  f.enrollments = "classSourcedId,userSourcedId,role\n";
  expect_refused(f, "username 'teacher1' belongs to another user already", *base);

  Fixture g;  // a fresh teacher of a fresh class: ids after the existing ones, join code not reused
  g.users = std::string(kUsersHeader) + user_row("t-9", "teacher", "newt", "New", "Teacher", "pw");
  g.classes = "sourcedId,title\nc-9,Art\n";
  g.enrollments = "classSourcedId,userSourcedId,role\nc-9,t-9,teacher\n";
  Hooks h;
  int calls = 0;
  ImportHooks hooks = h.get();
  hooks.new_join_code = [&calls] {
    return ++calls == 1 ? std::string("JOIN1") : std::string("JOIN2");
  };
  auto r = merge_oneroster(*base, g.files(), hooks);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->roster->user_by_username("newt")->id, UserId{3});
  EXPECT_EQ(r->roster->class_info(ClassId{2})->join_code, "JOIN2");
  EXPECT_EQ(r->roster->relation(UserId{2}, ClassId{1}),
            Relation::Teacher);  // the demo's links stay
}

// --- command line -----------------------------------------------------------

TEST(OneRoster, CommandLine) {
  auto ok = parse_command_line({"import", "--data-dir", "/d", "--oneroster=/o"});
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_EQ(ok->kind, Command::Kind::Import);
  EXPECT_EQ(ok->import.data_dir, "/d");
  EXPECT_EQ(ok->import.oneroster_dir, "/o");
  auto missing = parse_command_line({"import", "--data-dir", "/d"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("needs --oneroster"), std::string::npos);
  EXPECT_FALSE(parse_command_line({"import", "--oneroster", "/o", "--shards", "2"}).ok());
  EXPECT_FALSE(parse_command_line({"import", "--oneroster"}).ok());
  auto help = parse_command_line({"import", "--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_EQ(help->kind, Command::Kind::Help);
  EXPECT_EQ(help->help_topic, "import");
}

}  // namespace
}  // namespace rollcall::app
