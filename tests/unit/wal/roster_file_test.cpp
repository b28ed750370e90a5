#include "rollcall/wal/roster_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace rollcall::wal {
namespace {

using namespace domain;

std::shared_ptr<const Roster> sample() {
  RosterBuilder b;
  b.set_version(7);
  b.add_user(User{UserId{1}, "admin", "Admin \"A\"", Role::Admin, "$argon2id$x", "", {}});
  b.add_user(User{UserId{2}, "t1", "Teacher", Role::Teacher, "$argon2id$y", "T-1", {}});
  b.add_user(User{UserId{3}, "s1", "Zoë", Role::Student, "$argon2id$z", "S-1", {}});
  b.add_class(ClassInfo{ClassId{9}, "Class 9", "JOINCODE", "C-9", {}, {}});
  b.assign_teacher(UserId{2}, ClassId{9});
  b.enroll(UserId{3}, ClassId{9});
  return b.build();
}

TEST(RosterFile, JsonRoundTripKeepsEverything) {
  auto original = sample();
  auto back = decode_roster(encode_roster(*original));
  ASSERT_TRUE(back.ok()) << back.error();
  const Roster& r = **back;
  EXPECT_EQ(r.version(), 7u);
  ASSERT_NE(r.user_by_username("admin"), nullptr);
  EXPECT_EQ(r.user_by_username("admin")->name, "Admin \"A\"");
  EXPECT_EQ(r.user(UserId{3})->name, "Zoë");
  EXPECT_EQ(r.user(UserId{3})->sourced_id, "S-1");
  EXPECT_EQ(r.user(UserId{2})->password_hash, "$argon2id$y");
  EXPECT_EQ(r.class_by_join_code("JOINCODE")->id, ClassId{9});
  EXPECT_EQ(r.relation(UserId{2}, ClassId{9}), Relation::Teacher);
  EXPECT_TRUE(r.enrolled(UserId{3}, ClassId{9}));
}

TEST(RosterFile, WrittenPrivateAtomicallyAndReadable) {
  const std::string dir =
      std::filesystem::temp_directory_path() / ("rollcall-roster-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = seed_roster_path(dir);
  EXPECT_EQ(active_roster_path(dir), "");
  ASSERT_TRUE(write_roster_file(path, *sample()).ok());
  EXPECT_EQ(active_roster_path(dir), path);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // password hashes inside
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  auto loaded = read_roster_file(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ((*loaded)->user_count(), 3u);
  std::filesystem::remove_all(dir);
}

TEST(RosterFile, CorruptFilesAreRefusedWithTheReason) {
  EXPECT_FALSE(decode_roster("{").ok());
  EXPECT_NE(decode_roster(R"({"format":"other"})").error().find("format"), std::string::npos);
  const std::string dup =
      R"({"format":"rollcall-roster","format_version":1,"roster_version":1,"users":[
    {"id":1,"username":"a","name":"A","role":"student","password_hash":"","sourced_id":""},
    {"id":2,"username":"a","name":"B","role":"student","password_hash":"","sourced_id":""}],"classes":[]})";
  EXPECT_NE(decode_roster(dup).error().find("duplicate"), std::string::npos);
  const std::string bad_enroll =
      R"({"format":"rollcall-roster","format_version":1,"roster_version":1,"users":[],
    "classes":[{"id":1,"name":"C","join_code":"","sourced_id":"","teachers":[],"students":[42]}]})";
  EXPECT_NE(decode_roster(bad_enroll).error().find("unknown student"), std::string::npos);
}

}  // namespace
}  // namespace rollcall::wal
