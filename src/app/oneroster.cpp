// OneRoster 1.1 CSV: the RFC 4180 reader and the merge into a roster (see oneroster.hpp).

#include "rollcall/app/oneroster.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "rollcall/ws/codec.hpp"

namespace rollcall::app {

using namespace domain;

namespace {

std::string at_line(const std::string& file, std::size_t line) {
  return file + " line " + std::to_string(line);
}

}  // namespace

Result<CsvTable> parse_csv(std::string_view text, std::string file) {
  CsvTable table;
  table.file = std::move(file);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::string> record;
  std::string field;
  std::size_t line = 1;
  std::size_t record_line = 1;
  std::size_t i = 0;
  const std::size_t n = text.size();
  bool header_done = false;
  auto fail = [&](std::size_t where, const std::string& why) -> Result<CsvTable> {
    return Error{at_line(table.file, where) + ": " + why};
  };
  auto end_record = [&]() -> std::optional<Error> {
    const bool blank = record.size() == 1 && record[0].empty();
    if (blank) {
      record.clear();
      return std::nullopt;
    }
    if (!header_done) {
      for (std::string& name : record) {
        // Header names are compared without surrounding spaces.
        const auto first = name.find_first_not_of(' ');
        const auto last = name.find_last_not_of(' ');
        name = first == std::string::npos ? std::string() : name.substr(first, last - first + 1);
      }
      table.header = std::move(record);
      header_done = true;
    } else {
      if (record.size() != table.header.size()) {
        return Error{at_line(table.file, record_line) + ": " + std::to_string(record.size()) +
                     " fields, the header has " + std::to_string(table.header.size())};
      }
      if (table.rows.size() >= kCsvRowsMax) {
        return Error{table.file + ": more than " + std::to_string(kCsvRowsMax) + " rows"};
      }
      table.rows.push_back(std::move(record));
      table.lines.push_back(record_line);
    }
    record.clear();
    return std::nullopt;
  };
  auto end_field = [&]() -> std::optional<Error> {
    if (record.size() >= kCsvFieldsMax) {
      return Error{at_line(table.file, record_line) + ": more than " +
                   std::to_string(kCsvFieldsMax) + " fields"};
    }
    record.push_back(std::move(field));
    field.clear();
    return std::nullopt;
  };
  while (i < n) {
    // At the start of a field.
    if (text[i] == '"') {
      const std::size_t opened = line;
      ++i;
      while (true) {
        if (i >= n) return fail(opened, "a quoted field is not closed");
        const char ch = text[i];
        if (ch == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (ch == '\n') ++line;
        field.push_back(ch);
        ++i;
        if (field.size() > kCsvFieldBytesMax) return fail(opened, "a field longer than 64 KiB");
      }
      if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        return fail(line, "text after a closing quote (a quote inside a field must be doubled)");
      }
    } else {
      while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        if (text[i] == '"')
          return fail(line, "a quote inside an unquoted field (quote the whole field)");
        field.push_back(text[i]);
        ++i;
        if (field.size() > kCsvFieldBytesMax) return fail(line, "a field longer than 64 KiB");
      }
    }
    if (auto e = end_field()) return *e;
    if (i >= n) break;
    if (text[i] == ',') {
      ++i;
      if (i >= n) {  // a trailing comma: one more empty field
        if (auto e = end_field()) return *e;
      }
      continue;
    }
    // A line end: CRLF, LF or a lone CR.
    if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
    ++i;
    if (auto e = end_record()) return *e;
    ++line;
    record_line = line;
  }
  if (!record.empty()) {
    if (auto e = end_record()) return *e;
  }
  if (!header_done) return Error{table.file + ": empty (no header line)"};
  return table;
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

// Columns of one table by header name (case-insensitive: exports vary).
class Columns {
 public:
  explicit Columns(const CsvTable& t) : table_(t) {
    for (std::size_t k = 0; k < t.header.size(); ++k) index_.emplace(lower(t.header[k]), k);
  }
  Status require(std::initializer_list<std::string_view> names) const {
    for (std::string_view name : names) {
      if (index_.count(lower(name)) == 0) {
        return Error{table_.file + ": no column '" + std::string(name) + "' in the header line"};
      }
    }
    return Ok{};
  }
  /// The field, trimmed; "" when the column is absent.
  std::string get(std::size_t row, std::string_view name) const {
    const auto it = index_.find(lower(name));
    return it == index_.end() ? std::string() : trimmed(table_.rows[row][it->second]);
  }
  std::string where(std::size_t row) const { return at_line(table_.file, table_.lines[row]); }

 private:
  const CsvTable& table_;
  std::unordered_map<std::string, std::size_t> index_;
};

bool valid_text(std::string_view s) {
  ws::Utf8Validator utf8;
  if (!utf8.feed(s) || !utf8.complete()) return false;
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

constexpr std::size_t kUsernameBytesMax = 128;
constexpr std::size_t kNameBytesMax = 200;

Status check_username(std::string_view u, const std::string& where) {
  if (u.empty()) return Error{where + ": username is empty"};
  if (u.size() > kUsernameBytesMax) return Error{where + ": username longer than 128 bytes"};
  if (!valid_text(u) || u.find(' ') != std::string_view::npos) {
    return Error{where + ": username has spaces, control characters or is not UTF-8"};
  }
  return Ok{};
}

Status check_name(std::string_view name, std::string_view what, const std::string& where) {
  if (name.size() > kNameBytesMax)
    return Error{where + ": " + std::string(what) + " longer than 200 bytes"};
  if (!valid_text(name))
    return Error{where + ": " + std::string(what) + " has control characters or is not UTF-8"};
  return Ok{};
}

std::optional<Role> role_of(std::string_view r) {
  const std::string l = lower(r);
  if (l == "student") return Role::Student;
  if (l == "teacher") return Role::Teacher;
  if (l == "administrator") return Role::Admin;
  return std::nullopt;
}

bool to_be_deleted(const Columns& c, std::size_t row) {
  return lower(c.get(row, "status")) == "tobedeleted";
}

}  // namespace

Result<ImportResult> merge_oneroster(const Roster& base, const OneRosterFiles& files,
                                     const ImportHooks& hooks) {
  const Columns users(files.users);
  const Columns classes(files.classes);
  const Columns enrollments(files.enrollments);
  if (Status s = users.require({"sourcedId", "role", "username"}); !s) return Error{s.error()};
  if (Status s = classes.require({"sourcedId", "title"}); !s) return Error{s.error()};
  if (Status s = enrollments.require({"classSourcedId", "userSourcedId", "role"}); !s)
    return Error{s.error()};

  ImportResult result;
  ImportSummary& sum = result.summary;

  // The working copy: every user and class of the base, editable.
  std::unordered_map<UserId, User> all_users;
  std::unordered_map<ClassId, ClassInfo> all_classes;
  std::unordered_map<std::string, UserId> user_by_sourced, user_by_name;
  std::unordered_map<std::string, ClassId> class_by_sourced;
  std::unordered_set<std::string> join_codes;
  std::uint64_t next_user = 1, next_class = 1;
  for (const User* u : base.users()) {
    all_users.emplace(u->id, *u);
    if (!u->sourced_id.empty()) user_by_sourced.emplace(u->sourced_id, u->id);
    user_by_name.emplace(u->username, u->id);
    next_user = std::max(next_user, u->id.value + 1);
  }
  for (const ClassInfo* c : base.classes()) {
    all_classes.emplace(c->id, *c);
    if (!c->sourced_id.empty()) class_by_sourced.emplace(c->sourced_id, c->id);
    join_codes.insert(c->join_code);
    next_class = std::max(next_class, c->id.value + 1);
  }

  // users.csv
  std::unordered_set<std::string> seen;
  std::unordered_set<std::string> skipped_users;  // their enrollments are skipped too
  std::vector<std::string> to_hash;
  std::vector<UserId> hash_for;
  for (std::size_t r = 0; r < files.users.rows.size(); ++r) {
    const std::string where = users.where(r);
    const std::string sourced = users.get(r, "sourcedId");
    if (sourced.empty()) return Error{where + ": sourcedId is empty"};
    if (!seen.insert(sourced).second)
      return Error{where + ": sourcedId '" + sourced + "' appears twice"};
    if (to_be_deleted(users, r)) {
      ++sum.users_skipped;
      skipped_users.insert(sourced);
      continue;
    }
    const std::optional<Role> role = role_of(users.get(r, "role"));
    if (!role) {
      ++sum.users_skipped;
      skipped_users.insert(sourced);
      continue;
    }
    const bool disabled = lower(users.get(r, "enabledUser")) == "false";
    const std::string username = users.get(r, "username");
    if (Status s = check_username(username, where); !s) return Error{s.error()};
    std::string name = trimmed(users.get(r, "givenName") + " " + users.get(r, "familyName"));
    if (name.empty()) name = username;
    if (Status s = check_name(name, "the name", where); !s) return Error{s.error()};
    const std::string password = users.get(r, "password");

    const auto existing = user_by_sourced.find(sourced);
    if (existing == user_by_sourced.end()) {
      if (disabled) {
        ++sum.users_skipped;
        skipped_users.insert(sourced);
        continue;
      }
      if (user_by_name.count(username) != 0) {
        return Error{where + ": username '" + username + "' belongs to another user already"};
      }
      User u;
      u.id = UserId{next_user++};
      u.username = username;
      u.name = name;
      u.role = *role;
      u.sourced_id = sourced;
      if (password.empty()) {
        const std::string initial = hooks.new_password();
        result.initial_passwords.emplace_back(username, initial);
        to_hash.push_back(initial);
      } else {
        to_hash.push_back(password);
      }
      hash_for.push_back(u.id);
      user_by_sourced.emplace(sourced, u.id);
      user_by_name.emplace(username, u.id);
      all_users.emplace(u.id, std::move(u));
      ++sum.users_added;
      continue;
    }
    User& u = all_users.at(existing->second);
    if (u.role != *role) {
      return Error{where + ": user '" + sourced + "' is a " + std::string(to_string(u.role)) +
                   " in rollcall and " + lower(users.get(r, "role")) +
                   " here; changing a role is not supported"};
    }
    if (username != u.username) {
      if (user_by_name.count(username) != 0) {
        return Error{where + ": username '" + username + "' belongs to another user already"};
      }
      user_by_name.erase(u.username);
      user_by_name.emplace(username, u.id);
      u.username = username;
    }
    u.name = name;
    if (disabled) {
      u.password_hash.clear();  // an empty hash never verifies: cannot sign in
      ++sum.users_disabled;
    } else if (!password.empty()) {
      to_hash.push_back(password);
      hash_for.push_back(u.id);
    }
    ++sum.users_updated;
  }

  // classes.csv
  seen.clear();
  std::unordered_set<std::string> skipped_classes;
  for (std::size_t r = 0; r < files.classes.rows.size(); ++r) {
    const std::string where = classes.where(r);
    const std::string sourced = classes.get(r, "sourcedId");
    if (sourced.empty()) return Error{where + ": sourcedId is empty"};
    if (!seen.insert(sourced).second)
      return Error{where + ": sourcedId '" + sourced + "' appears twice"};
    if (to_be_deleted(classes, r)) {
      ++sum.classes_skipped;
      skipped_classes.insert(sourced);
      continue;
    }
    const std::string title = classes.get(r, "title");
    if (title.empty()) return Error{where + ": title is empty"};
    if (Status s = check_name(title, "the title", where); !s) return Error{s.error()};
    const auto existing = class_by_sourced.find(sourced);
    if (existing != class_by_sourced.end()) {
      all_classes.at(existing->second).name = title;
      ++sum.classes_updated;
      continue;
    }
    if (next_class > kClassIdMax) return Error{where + ": no class id left"};
    ClassInfo c;
    c.id = ClassId{next_class++};
    c.name = title;
    c.sourced_id = sourced;
    std::string code = hooks.new_join_code();
    for (int attempt = 0; join_codes.count(code) != 0; ++attempt) {
      if (attempt == 100) return Error{"cannot find an unused join code"};
      code = hooks.new_join_code();
    }
    join_codes.insert(code);
    c.join_code = std::move(code);
    class_by_sourced.emplace(sourced, c.id);
    all_classes.emplace(c.id, std::move(c));
    ++sum.classes_added;
  }

  // enrollments.csv
  struct Link {
    UserId user;
    ClassId cls;
    bool teacher;
  };
  std::vector<Link> links;
  std::set<std::tuple<std::uint64_t, std::uint64_t, bool>> linked_once;
  for (std::size_t r = 0; r < files.enrollments.rows.size(); ++r) {
    const std::string where = enrollments.where(r);
    const std::string cls_id = enrollments.get(r, "classSourcedId");
    const std::string user_id = enrollments.get(r, "userSourcedId");
    const std::string role = lower(enrollments.get(r, "role"));
    if (to_be_deleted(enrollments, r) || skipped_users.count(user_id) != 0 ||
        skipped_classes.count(cls_id) != 0) {
      ++sum.enrollments_skipped;
      continue;
    }
    const bool as_student = role == "student";
    const bool as_teacher = role == "teacher" || role == "administrator";
    if (!as_student && !as_teacher) {
      ++sum.enrollments_skipped;
      continue;
    }
    const auto c = class_by_sourced.find(cls_id);
    if (c == class_by_sourced.end())
      return Error{where + ": no class with sourcedId '" + cls_id + "'"};
    const auto u = user_by_sourced.find(user_id);
    if (u == user_by_sourced.end())
      return Error{where + ": no user with sourcedId '" + user_id + "'"};
    const User& user = all_users.at(u->second);
    if (as_student && user.role != Role::Student) {
      return Error{where + ": '" + user_id + "' is enrolled as a student but is a " +
                   std::string(to_string(user.role))};
    }
    if (as_teacher && user.role == Role::Student) {
      return Error{where + ": '" + user_id + "' is enrolled as a teacher but is a student"};
    }
    if (!linked_once.emplace(u->second.value, c->second.value, as_teacher).second) {
      ++sum.enrollments_kept;  // the same enrollment twice in the file
      continue;
    }
    links.push_back(Link{u->second, c->second, as_teacher});
  }

  // Passwords last: only once everything else checked out.
  if (!to_hash.empty()) {
    const std::vector<std::string> hashes = hooks.hash_passwords(to_hash);
    if (hashes.size() != to_hash.size()) return Error{"password hashing failed"};
    for (std::size_t k = 0; k < hashes.size(); ++k) {
      if (hashes[k].empty()) return Error{"password hashing failed (out of memory?)"};
      all_users.at(hash_for[k]).password_hash = hashes[k];
    }
  }

  RosterBuilder b;
  b.set_version(base.version() + 1);
  for (auto& [id, u] : all_users) {
    if (!b.add_user(u))
      return Error{"user '" + u.username + "' could not be added (duplicate id or username)"};
  }
  for (auto& [id, c] : all_classes) {
    if (!b.add_class(c)) return Error{"class '" + c.name + "' could not be added"};
  }
  for (const ClassInfo* c : base.classes()) {
    for (UserId t : c->teachers) b.assign_teacher(t, c->id);
    for (UserId s : c->students) b.enroll(s, c->id);
  }
  for (const Link& l : links) {
    const ClassInfo& c = all_classes.at(l.cls);
    const std::vector<UserId>& existing = l.teacher ? c.teachers : c.students;
    if (std::binary_search(existing.begin(), existing.end(), l.user)) {
      ++sum.enrollments_kept;
      continue;
    }
    const bool linked = l.teacher ? b.assign_teacher(l.user, l.cls) : b.enroll(l.user, l.cls);
    if (!linked)
      return Error{"enrollment of user " + std::to_string(l.user.value) + " could not be added"};
    ++sum.enrollments_added;
  }
  result.roster = b.build();
  return result;
}

}  // namespace rollcall::app
