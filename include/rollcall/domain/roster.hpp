#pragma once
/// The roster: users, classes, who teaches and who is enrolled where, join codes.
///
/// A `Roster` is immutable once built. Every shard reads the current one through a
/// `std::shared_ptr<const Roster>` it owns, without locks; a change produces a new
/// roster (copy-on-write: unchanged users and classes are shared, not copied) that
/// replaces the old one on every shard.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "rollcall/domain/types.hpp"

namespace rollcall::domain {

struct User {
  UserId id;
  std::string username;
  std::string name;
  Role role = Role::Student;
  std::string password_hash;     ///< Argon2id encoded string ("$argon2id$...")
  std::string sourced_id;        ///< OneRoster sourcedId, empty if none
  std::vector<ClassId> classes;  ///< taught (teachers) or enrolled in (students), ascending
};

struct ClassInfo {
  ClassId id;
  std::string name;
  std::string join_code;
  std::string sourced_id;
  std::vector<UserId> teachers;  ///< ascending
  std::vector<UserId> students;  ///< enrolled, ascending
};

/// How a user relates to a class.
enum class Relation : std::uint8_t { None, Student, Teacher, Admin };

class Roster {
 public:
  std::uint64_t version() const { return version_; }
  std::size_t user_count() const { return users_.size(); }
  std::size_t class_count() const { return classes_.size(); }

  const User* user(UserId id) const;
  const User* user_by_username(std::string_view username) const;
  const ClassInfo* class_info(ClassId id) const;
  const ClassInfo* class_by_join_code(std::string_view code) const;

  /// Admin for every class; teacher of classes they teach; student of classes they
  /// are enrolled in; None otherwise (also for unknown users or classes).
  Relation relation(UserId user, ClassId cls) const;
  bool enrolled(UserId student, ClassId cls) const;

  /// Every class, ascending by id.
  std::vector<const ClassInfo*> classes() const;
  /// Every user, ascending by id.
  std::vector<const User*> users() const;

  /// A new roster where `student` is enrolled in `cls` (version + 1). Both must exist
  /// and the user must be a student; enrolling twice is a no-op copy.
  std::shared_ptr<const Roster> with_enrollment(UserId student, ClassId cls) const;

 private:
  friend class RosterBuilder;
  std::uint64_t version_ = 0;
  std::unordered_map<UserId, std::shared_ptr<const User>> users_;
  std::unordered_map<std::string, UserId> by_username_;
  std::unordered_map<ClassId, std::shared_ptr<const ClassInfo>> classes_;
  std::unordered_map<std::string, ClassId> by_join_code_;
};

/// Builds a roster from scratch (demo seeding, import, loading from disk).
class RosterBuilder {
 public:
  /// Adds a user; ids must be unique and positive, usernames unique.
  /// Returns false (and changes nothing) on a duplicate.
  bool add_user(User user);
  /// Adds a class (teachers/students lists are ignored: use assign/enroll).
  bool add_class(ClassInfo cls);
  /// Links a teacher (or admin) to a class. False if either is unknown.
  bool assign_teacher(UserId teacher, ClassId cls);
  /// Enrolls a student. False if either is unknown or the user is not a student.
  bool enroll(UserId student, ClassId cls);
  void set_version(std::uint64_t version) { version_ = version; }
  std::shared_ptr<const Roster> build();

 private:
  std::uint64_t version_ = 1;
  std::unordered_map<UserId, User> users_;
  std::unordered_map<ClassId, ClassInfo> classes_;
  std::unordered_set<std::string> usernames_;
};

}  // namespace rollcall::domain
