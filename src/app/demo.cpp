#include "rollcall/app/demo.hpp"

#include <cstdio>
#include <string>
#include <unordered_set>

#include "rollcall/auth/codes.hpp"
#include "rollcall/auth/password.hpp"
#include "rollcall/common/assert.hpp"

namespace rollcall::app {

using namespace domain;

namespace {
std::string numbered(const char* format, std::uint64_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, static_cast<unsigned long long>(n));
  return buf;
}
}  // namespace

std::shared_ptr<const Roster> build_demo_roster(const DemoSpec& spec) {
  const std::string hash = auth::hash_password(kDemoPassword);
  RC_ASSERT(!hash.empty());
  const std::uint64_t teachers = (spec.classes + 2) / 3;
  const std::uint64_t students = static_cast<std::uint64_t>(spec.classes) * spec.class_size;
  RosterBuilder b;
  std::uint64_t next_id = 1;
  RC_ASSERT(
      b.add_user(User{UserId{next_id++}, "admin", "Administrator", Role::Admin, hash, "", {}}));
  const std::uint64_t first_teacher = next_id;
  for (std::uint64_t t = 1; t <= teachers; ++t) {
    RC_ASSERT(b.add_user(User{UserId{next_id++},
                              numbered("teacher%llu", t),
                              numbered("Teacher %llu", t),
                              Role::Teacher,
                              hash,
                              "",
                              {}}));
  }
  const std::uint64_t first_student = next_id;
  for (std::uint64_t k = 1; k <= students; ++k) {
    RC_ASSERT(b.add_user(User{UserId{next_id++},
                              numbered("student%03llu", k),
                              numbered("Student %03llu", k),
                              Role::Student,
                              hash,
                              "",
                              {}}));
  }
  std::unordered_set<std::string> codes;
  for (std::uint64_t c = 1; c <= spec.classes; ++c) {
    std::string code = auth::new_join_code();
    while (!codes.insert(code).second) code = auth::new_join_code();  // 2^40 codes: a retry is rare
    RC_ASSERT(
        b.add_class(ClassInfo{ClassId{c}, numbered("Class %llu", c), std::move(code), "", {}, {}}));
    const std::uint64_t teacher = (c + 2) / 3;  // teacher t teaches 3t-2, 3t-1, 3t
    RC_ASSERT(b.assign_teacher(UserId{first_teacher + teacher - 1}, ClassId{c}));
  }
  for (std::uint64_t k = 1; k <= students; ++k) {
    const std::uint64_t cls = (k + spec.class_size - 1) / spec.class_size;
    RC_ASSERT(b.enroll(UserId{first_student + k - 1}, ClassId{cls}));
  }
  return b.build();
}

}  // namespace rollcall::app
