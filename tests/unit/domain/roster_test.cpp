#include "rollcall/domain/roster.hpp"

#include <gtest/gtest.h>

namespace rollcall::domain {
namespace {

User make_user(std::uint64_t id, std::string username, Role role) {
  User u;
  u.id = UserId{id};
  u.username = std::move(username);
  u.name = u.username;
  u.role = role;
  return u;
}

std::shared_ptr<const Roster> small_roster() {
  RosterBuilder b;
  EXPECT_TRUE(b.add_user(make_user(1, "admin", Role::Admin)));
  EXPECT_TRUE(b.add_user(make_user(2, "teacher1", Role::Teacher)));
  EXPECT_TRUE(b.add_user(make_user(3, "teacher2", Role::Teacher)));
  EXPECT_TRUE(b.add_user(make_user(10, "student001", Role::Student)));
  EXPECT_TRUE(b.add_user(make_user(11, "student002", Role::Student)));
  EXPECT_TRUE(b.add_class(ClassInfo{ClassId{1}, "Class 1", "JOIN1AAA", "", {}, {}}));
  EXPECT_TRUE(b.add_class(ClassInfo{ClassId{2}, "Class 2", "JOIN2BBB", "", {}, {}}));
  EXPECT_TRUE(b.assign_teacher(UserId{2}, ClassId{1}));
  EXPECT_TRUE(b.assign_teacher(UserId{3}, ClassId{2}));
  EXPECT_TRUE(b.enroll(UserId{10}, ClassId{1}));
  return b.build();
}

TEST(Roster, LooksUpUsersClassesAndJoinCodes) {
  auto r = small_roster();
  ASSERT_NE(r->user_by_username("teacher1"), nullptr);
  EXPECT_EQ(r->user_by_username("teacher1")->id, UserId{2});
  EXPECT_EQ(r->user_by_username("nobody"), nullptr);
  ASSERT_NE(r->class_by_join_code("JOIN2BBB"), nullptr);
  EXPECT_EQ(r->class_by_join_code("JOIN2BBB")->id, ClassId{2});
  EXPECT_EQ(r->user(UserId{10})->classes, std::vector<ClassId>{ClassId{1}});
}

TEST(Roster, RelationsFollowRoles) {
  auto r = small_roster();
  EXPECT_EQ(r->relation(UserId{1}, ClassId{2}), Relation::Admin);
  EXPECT_EQ(r->relation(UserId{2}, ClassId{1}), Relation::Teacher);
  EXPECT_EQ(r->relation(UserId{2}, ClassId{2}), Relation::None);  // another teacher's class
  EXPECT_EQ(r->relation(UserId{10}, ClassId{1}), Relation::Student);
  EXPECT_EQ(r->relation(UserId{11}, ClassId{1}), Relation::None);
  EXPECT_EQ(r->relation(UserId{99}, ClassId{1}), Relation::None);
  EXPECT_EQ(r->relation(UserId{1}, ClassId{99}), Relation::None);
}

TEST(Roster, DuplicatesAndWrongRolesAreRefused) {
  RosterBuilder b;
  EXPECT_TRUE(b.add_user(make_user(1, "a", Role::Student)));
  EXPECT_FALSE(b.add_user(make_user(1, "b", Role::Student)));  // id
  EXPECT_FALSE(b.add_user(make_user(2, "a", Role::Student)));  // username
  EXPECT_FALSE(b.add_user(make_user(0, "z", Role::Student)));  // id 0
  EXPECT_TRUE(b.add_class(ClassInfo{ClassId{1}, "C", "", "", {}, {}}));
  EXPECT_FALSE(b.add_class(ClassInfo{ClassId{kClassIdMax + 1}, "Too big", "", "", {}, {}}));
  EXPECT_FALSE(b.assign_teacher(UserId{1}, ClassId{1}));  // a student cannot teach
  EXPECT_FALSE(b.enroll(UserId{1}, ClassId{7}));
}

TEST(Roster, EnrollmentMakesANewVersionAndLeavesTheOldOneIntact) {
  auto r1 = small_roster();
  auto r2 = r1->with_enrollment(UserId{11}, ClassId{1});
  EXPECT_EQ(r2->version(), r1->version() + 1);
  EXPECT_TRUE(r2->enrolled(UserId{11}, ClassId{1}));
  EXPECT_FALSE(r1->enrolled(UserId{11}, ClassId{1}));  // readers of the old one see no change
  EXPECT_EQ(r2->class_info(ClassId{1})->students, (std::vector<UserId>{UserId{10}, UserId{11}}));
  EXPECT_EQ(r2->user(UserId{11})->classes, std::vector<ClassId>{ClassId{1}});
  // Untouched entries are shared, not copied.
  EXPECT_EQ(r2->user(UserId{2}), r1->user(UserId{2}));
  EXPECT_EQ(r2->class_info(ClassId{2}), r1->class_info(ClassId{2}));
}

}  // namespace
}  // namespace rollcall::domain
