#include "rollcall/domain/roster.hpp"

#include <algorithm>

namespace rollcall::domain {

namespace {

template <typename T>
void insert_sorted(std::vector<T>& v, T value) {
  const auto it = std::lower_bound(v.begin(), v.end(), value);
  if (it == v.end() || *it != value) v.insert(it, value);
}

template <typename T>
bool contains_sorted(const std::vector<T>& v, T value) {
  return std::binary_search(v.begin(), v.end(), value);
}

template <typename Map>
auto sorted_values(const Map& map) {
  std::vector<const typename Map::mapped_type::element_type*> out;
  out.reserve(map.size());
  for (const auto& [id, ptr] : map) out.push_back(ptr.get());
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->id < b->id; });
  return out;
}

}  // namespace

const User* Roster::user(UserId id) const {
  const auto it = users_.find(id);
  return it == users_.end() ? nullptr : it->second.get();
}

const User* Roster::user_by_username(std::string_view username) const {
  const auto it = by_username_.find(std::string(username));
  return it == by_username_.end() ? nullptr : user(it->second);
}

const ClassInfo* Roster::class_info(ClassId id) const {
  const auto it = classes_.find(id);
  return it == classes_.end() ? nullptr : it->second.get();
}

const ClassInfo* Roster::class_by_join_code(std::string_view code) const {
  const auto it = by_join_code_.find(std::string(code));
  return it == by_join_code_.end() ? nullptr : class_info(it->second);
}

Relation Roster::relation(UserId user_id, ClassId cls) const {
  const User* u = user(user_id);
  const ClassInfo* c = class_info(cls);
  if (u == nullptr || c == nullptr) return Relation::None;
  if (u->role == Role::Admin) return Relation::Admin;
  if (u->role == Role::Teacher)
    return contains_sorted(c->teachers, user_id) ? Relation::Teacher : Relation::None;
  return contains_sorted(c->students, user_id) ? Relation::Student : Relation::None;
}

bool Roster::enrolled(UserId student, ClassId cls) const {
  const ClassInfo* c = class_info(cls);
  return c != nullptr && contains_sorted(c->students, student);
}

std::vector<const ClassInfo*> Roster::classes() const {
  return sorted_values(classes_);
}

std::vector<const User*> Roster::users() const {
  return sorted_values(users_);
}

std::shared_ptr<const Roster> Roster::with_enrollment(UserId student, ClassId cls) const {
  auto next = std::make_shared<Roster>(*this);  // shares every unchanged user and class
  next->version_ = version_ + 1;
  const User* u = user(student);
  const ClassInfo* c = class_info(cls);
  if (u == nullptr || c == nullptr || u->role != Role::Student) return next;
  auto new_user = std::make_shared<User>(*u);
  insert_sorted(new_user->classes, cls);
  auto new_class = std::make_shared<ClassInfo>(*c);
  insert_sorted(new_class->students, student);
  next->users_[student] = std::move(new_user);
  next->classes_[cls] = std::move(new_class);
  return next;
}

bool RosterBuilder::add_user(User user) {
  if (!user.id || users_.count(user.id) != 0 || usernames_.count(user.username) != 0) return false;
  usernames_.insert(user.username);
  user.classes.clear();
  const UserId id = user.id;
  users_.emplace(id, std::move(user));
  return true;
}

bool RosterBuilder::add_class(ClassInfo cls) {
  if (!cls.id || cls.id.value > kClassIdMax || classes_.count(cls.id) != 0) return false;
  cls.teachers.clear();
  cls.students.clear();
  const ClassId id = cls.id;
  classes_.emplace(id, std::move(cls));
  return true;
}

bool RosterBuilder::assign_teacher(UserId teacher, ClassId cls) {
  auto u = users_.find(teacher);
  auto c = classes_.find(cls);
  if (u == users_.end() || c == classes_.end() || u->second.role == Role::Student) return false;
  insert_sorted(c->second.teachers, teacher);
  insert_sorted(u->second.classes, cls);
  return true;
}

bool RosterBuilder::enroll(UserId student, ClassId cls) {
  auto u = users_.find(student);
  auto c = classes_.find(cls);
  if (u == users_.end() || c == classes_.end() || u->second.role != Role::Student) return false;
  insert_sorted(c->second.students, student);
  insert_sorted(u->second.classes, cls);
  return true;
}

std::shared_ptr<const Roster> RosterBuilder::build() {
  auto roster = std::make_shared<Roster>();
  roster->version_ = version_;
  for (auto& [id, user] : users_) {
    roster->by_username_.emplace(user.username, id);
    roster->users_.emplace(id, std::make_shared<const User>(std::move(user)));
  }
  for (auto& [id, cls] : classes_) {
    if (!cls.join_code.empty()) roster->by_join_code_.emplace(cls.join_code, id);
    roster->classes_.emplace(id, std::make_shared<const ClassInfo>(std::move(cls)));
  }
  users_.clear();
  classes_.clear();
  usernames_.clear();
  return roster;
}

}  // namespace rollcall::domain
