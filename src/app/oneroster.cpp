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

bool ends_field(char c) {
  return c == ',' || c == '\n' || c == '\r';
}

// The RFC 4180 reader: one pass over the text, a field at a time.
class CsvReader {
 public:
  CsvReader(std::string_view text, std::string file) : text_(text) {
    table_.file = std::move(file);
  }

  Result<CsvTable> read();

 private:
  std::optional<Error> read_quoted_field();
  std::optional<Error> read_plain_field();
  std::optional<Error> end_field();
  std::optional<Error> end_record();
  void take_header();
  std::optional<Error> add_row();
  Error error_at(std::size_t line, const std::string& why) const {
    return Error{at_line(table_.file, line) + ": " + why};
  }

  std::string_view text_;
  std::size_t i_ = 0;  // the next byte of text_
  CsvTable table_;
  std::vector<std::string> record_;
  std::string field_;
  std::size_t line_ = 1;
  std::size_t record_line_ = 1;
  bool header_done_ = false;
};

Result<CsvTable> CsvReader::read() {
  const std::size_t n = text_.size();
  while (i_ < n) {
    // At the start of a field.
    std::optional<Error> e = text_[i_] == '"' ? read_quoted_field() : read_plain_field();
    if (!e) e = end_field();
    if (e) return *e;
    if (i_ >= n) break;
    if (text_[i_] == ',') {
      ++i_;
      if (i_ >= n) e = end_field();  // a trailing comma: one more empty field
      if (e) return *e;
      continue;
    }
    // A line end: CRLF, LF or a lone CR.
    if (text_[i_] == '\r' && i_ + 1 < n && text_[i_ + 1] == '\n') ++i_;
    ++i_;
    e = end_record();
    if (e) return *e;
    ++line_;
    record_line_ = line_;
  }
  if (!record_.empty()) {
    if (auto e = end_record()) return *e;
  }
  if (!header_done_) return Error{table_.file + ": empty (no header line)"};
  return std::move(table_);
}

// From the opening quote to the byte after the closing one: "" is a quote, commas
// and line breaks are part of the field.
std::optional<Error> CsvReader::read_quoted_field() {
  const std::size_t n = text_.size();
  const std::size_t opened = line_;
  ++i_;
  while (true) {
    if (i_ >= n) return error_at(opened, "a quoted field is not closed");
    const char ch = text_[i_];
    if (ch == '"') {
      if (i_ + 1 < n && text_[i_ + 1] == '"') {
        field_.push_back('"');
        i_ += 2;
        continue;
      }
      ++i_;
      break;
    }
    if (ch == '\n') ++line_;
    field_.push_back(ch);
    ++i_;
    if (field_.size() > kCsvFieldBytesMax) return error_at(opened, "a field longer than 64 KiB");
  }
  if (i_ < n && !ends_field(text_[i_])) {
    return error_at(line_, "text after a closing quote (a quote inside a field must be doubled)");
  }
  return std::nullopt;
}

// Up to the comma or line end after it.
std::optional<Error> CsvReader::read_plain_field() {
  while (i_ < text_.size() && !ends_field(text_[i_])) {
    if (text_[i_] == '"')
      return error_at(line_, "a quote inside an unquoted field (quote the whole field)");
    field_.push_back(text_[i_]);
    ++i_;
    if (field_.size() > kCsvFieldBytesMax) return error_at(line_, "a field longer than 64 KiB");
  }
  return std::nullopt;
}

std::optional<Error> CsvReader::end_field() {
  if (record_.size() >= kCsvFieldsMax) {
    return error_at(record_line_, "more than " + std::to_string(kCsvFieldsMax) + " fields");
  }
  record_.push_back(std::move(field_));
  field_.clear();
  return std::nullopt;
}

// The first record that is not blank is the header; the others are rows.
std::optional<Error> CsvReader::end_record() {
  const bool blank = record_.size() == 1 && record_[0].empty();
  if (!blank && !header_done_) {
    take_header();
  } else if (!blank) {
    if (auto e = add_row()) return e;
  }
  record_.clear();
  return std::nullopt;
}

void CsvReader::take_header() {
  for (std::string& name : record_) {
    // Header names are compared without surrounding spaces.
    const auto first = name.find_first_not_of(' ');
    const auto last = name.find_last_not_of(' ');
    name = first == std::string::npos ? std::string() : name.substr(first, last - first + 1);
  }
  table_.header = std::move(record_);
  header_done_ = true;
}

std::optional<Error> CsvReader::add_row() {
  if (record_.size() != table_.header.size()) {
    return error_at(record_line_, std::to_string(record_.size()) + " fields, the header has " +
                                      std::to_string(table_.header.size()));
  }
  if (table_.rows.size() >= kCsvRowsMax) {
    return Error{table_.file + ": more than " + std::to_string(kCsvRowsMax) + " rows"};
  }
  table_.rows.push_back(std::move(record_));
  table_.lines.push_back(record_line_);
  return std::nullopt;
}

}  // namespace

Result<CsvTable> parse_csv(std::string_view text, std::string file) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return CsvReader(text, std::move(file)).read();
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
  std::size_t rows() const { return table_.rows.size(); }

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

// A row's sourcedId: present, and not on an earlier row of the same file (`seen`).
Status check_sourced_id(const std::string& sourced, const std::string& where,
                        std::unordered_set<std::string>& seen) {
  if (sourced.empty()) return Error{where + ": sourcedId is empty"};
  if (!seen.insert(sourced).second)
    return Error{where + ": sourcedId '" + sourced + "' appears twice"};
  return Ok{};
}

// A student is enrolled as a student, anyone else as a teacher.
Status check_enrollment_role(const User& user, bool as_student, const std::string& user_id,
                             const std::string& where) {
  if (as_student && user.role != Role::Student) {
    return Error{where + ": '" + user_id + "' is enrolled as a student but is a " +
                 std::string(to_string(user.role))};
  }
  if (!as_student && user.role == Role::Student) {
    return Error{where + ": '" + user_id + "' is enrolled as a teacher but is a student"};
  }
  return Ok{};
}

// The working copy: every user and class of the base, editable, with the indexes
// rows are matched by.
struct WorkingRoster {
  std::unordered_map<UserId, User> users;
  std::unordered_map<ClassId, ClassInfo> classes;
  std::unordered_map<std::string, UserId> user_by_sourced, user_by_name;
  std::unordered_map<std::string, ClassId> class_by_sourced;
  std::unordered_set<std::string> join_codes;
  std::uint64_t next_user = 1, next_class = 1;
};

WorkingRoster working_copy(const Roster& base) {
  WorkingRoster w;
  for (const User* u : base.users()) {
    w.users.emplace(u->id, *u);
    if (!u->sourced_id.empty()) w.user_by_sourced.emplace(u->sourced_id, u->id);
    w.user_by_name.emplace(u->username, u->id);
    w.next_user = std::max(w.next_user, u->id.value + 1);
  }
  for (const ClassInfo* c : base.classes()) {
    w.classes.emplace(c->id, *c);
    if (!c->sourced_id.empty()) w.class_by_sourced.emplace(c->sourced_id, c->id);
    w.join_codes.insert(c->join_code);
    w.next_class = std::max(w.next_class, c->id.value + 1);
  }
  return w;
}

// The fields of a users.csv row of an imported role, checked.
struct UserRow {
  std::string where;
  std::string sourced;
  Role role;
  bool disabled;
  std::string username;
  std::string name;
  std::string password;
};

// An enrollment read from enrollments.csv, to add once everything checked out.
struct Link {
  UserId user;
  ClassId cls;
  bool teacher;
};
// The enrollments read so far, as (user, class, as teacher).
using LinkSet = std::set<std::tuple<std::uint64_t, std::uint64_t, bool>>;

// One import: the three files, in order, into the working copy, then the new roster.
// The first error ends it; nothing is hashed before every row checked out.
class OneRosterMerge {
 public:
  OneRosterMerge(const Roster& base, const OneRosterFiles& files, const ImportHooks& hooks)
      : base_(base),
        hooks_(hooks),
        users_(files.users),
        classes_(files.classes),
        enrollments_(files.enrollments),
        work_(working_copy(base)) {}

  Result<ImportResult> run();

 private:
  Status require_columns() const;
  /// Records a problem of a row (all of them fail the import); false once
  /// kImportProblemsMax are recorded (no more rows need reading).
  bool note(std::string text) {
    std::replace_if(
        text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    if (problems_.size() < kImportProblemsMax) problems_.push_back(std::move(text));
    return problems_.size() < kImportProblemsMax;
  }
  bool full() const { return problems_.size() >= kImportProblemsMax; }
  Status merge_users();
  Status merge_user(std::size_t r, std::unordered_set<std::string>& seen);
  Result<UserRow> read_user(std::size_t r, Role role, std::string where, std::string sourced);
  Status add_user(const UserRow& row);
  Status update_user(User& u, const UserRow& row, std::size_t r);
  Status skip_user(const std::string& sourced);
  Status username_taken(const UserRow& row) const {
    return Error{row.where + ": username '" + row.username + "' belongs to another user already"};
  }
  ImportSummary& sum() { return result_.summary; }
  void hash_later(UserId id, const std::string& password) {
    to_hash_.push_back(password);
    hash_for_.push_back(id);
  }
  Status merge_classes();
  Status merge_class(std::size_t r, std::unordered_set<std::string>& seen);
  Status add_class(const std::string& sourced, const std::string& title, const std::string& where);
  Result<std::string> unused_join_code();
  Status read_enrollments();
  Status read_enrollment(std::size_t r, LinkSet& linked_once);
  Status hash_passwords();
  Result<std::shared_ptr<const Roster>> build_roster();
  Status add_links(RosterBuilder& b);

  const Roster& base_;
  const ImportHooks& hooks_;
  const Columns users_;
  const Columns classes_;
  const Columns enrollments_;
  WorkingRoster work_;
  ImportResult result_;
  std::unordered_set<std::string> skipped_users_;  // their enrollments are skipped too
  std::unordered_set<std::string> skipped_classes_;
  std::vector<std::string> problems_;
  // Rows with a problem: enrollments naming them are not checked (no second error).
  std::unordered_set<std::string> failed_users_, failed_classes_;
  std::vector<std::string> to_hash_;
  std::vector<UserId> hash_for_;  // whose password each of to_hash_ is
  std::vector<Link> links_;
};

Result<ImportResult> OneRosterMerge::run() {
  if (Status s = require_columns(); !s) return Error{s.error()};
  // Every row is checked, so one refusal lists every problem (up to the limit).
  if (Status s = merge_users(); !s) return Error{s.error()};
  if (Status s = merge_classes(); !s) return Error{s.error()};
  if (Status s = read_enrollments(); !s) return Error{s.error()};
  if (!problems_.empty()) {
    std::string all = problems_.front();
    for (std::size_t k = 1; k < problems_.size(); ++k) all += "\n" + problems_[k];
    return Error{std::move(all)};
  }
  // Passwords last: only once everything else checked out.
  if (Status s = hash_passwords(); !s) return Error{s.error()};
  Result<std::shared_ptr<const Roster>> roster = build_roster();
  if (!roster) return Error{roster.error()};
  result_.roster = std::move(*roster);
  return std::move(result_);
}

Status OneRosterMerge::require_columns() const {
  if (Status s = users_.require({"sourcedId", "role", "username"}); !s) return s;
  if (Status s = classes_.require({"sourcedId", "title"}); !s) return s;
  return enrollments_.require({"classSourcedId", "userSourcedId", "role"});
}

// users.csv
Status OneRosterMerge::merge_users() {
  std::unordered_set<std::string> seen;
  for (std::size_t r = 0; r < users_.rows() && !full(); ++r) {
    if (Status s = merge_user(r, seen); !s) {
      failed_users_.insert(users_.get(r, "sourcedId"));
      note(s.error());
    }
  }
  return Ok{};
}

// One row of users.csv: skipped, added or updated.
Status OneRosterMerge::merge_user(std::size_t r, std::unordered_set<std::string>& seen) {
  std::string where = users_.where(r);
  std::string sourced = users_.get(r, "sourcedId");
  if (Status s = check_sourced_id(sourced, where, seen); !s) return s;
  if (to_be_deleted(users_, r)) return skip_user(sourced);
  const std::optional<Role> role = role_of(users_.get(r, "role"));
  if (!role) return skip_user(sourced);
  Result<UserRow> row = read_user(r, *role, std::move(where), std::move(sourced));
  if (!row) return Error{row.error()};

  const auto existing = work_.user_by_sourced.find(row->sourced);
  if (existing != work_.user_by_sourced.end()) {
    return update_user(work_.users.at(existing->second), *row, r);
  }
  if (row->disabled) return skip_user(row->sourced);
  return add_user(*row);
}

Result<UserRow> OneRosterMerge::read_user(std::size_t r, Role role, std::string where,
                                          std::string sourced) {
  UserRow row{std::move(where), std::move(sourced), role, false, {}, {}, {}};
  row.disabled = lower(users_.get(r, "enabledUser")) == "false";
  row.username = users_.get(r, "username");
  if (Status s = check_username(row.username, row.where); !s) return Error{s.error()};
  row.name = trimmed(users_.get(r, "givenName") + " " + users_.get(r, "familyName"));
  if (row.name.empty()) row.name = row.username;
  if (Status s = check_name(row.name, "the name", row.where); !s) return Error{s.error()};
  row.password = users_.get(r, "password");
  return row;
}

Status OneRosterMerge::add_user(const UserRow& row) {
  if (work_.user_by_name.count(row.username) != 0) return username_taken(row);
  User u;
  u.id = UserId{work_.next_user++};
  u.username = row.username;
  u.name = row.name;
  u.role = row.role;
  u.sourced_id = row.sourced;
  if (row.password.empty()) {
    const std::string initial = hooks_.new_password();
    result_.initial_passwords.emplace_back(row.username, initial);
    hash_later(u.id, initial);
  } else {
    hash_later(u.id, row.password);
  }
  work_.user_by_sourced.emplace(row.sourced, u.id);
  work_.user_by_name.emplace(row.username, u.id);
  work_.users.emplace(u.id, std::move(u));
  ++sum().users_added;
  return Ok{};
}

// `u` is the user row `r` matched by sourcedId.
Status OneRosterMerge::update_user(User& u, const UserRow& row, std::size_t r) {
  if (u.role != row.role) {
    return Error{row.where + ": user '" + row.sourced + "' is a " + std::string(to_string(u.role)) +
                 " in rollcall and " + lower(users_.get(r, "role")) +
                 " here; changing a role is not supported"};
  }
  if (row.username != u.username) {
    if (work_.user_by_name.count(row.username) != 0) return username_taken(row);
    work_.user_by_name.erase(u.username);
    work_.user_by_name.emplace(row.username, u.id);
    u.username = row.username;
  }
  u.name = row.name;
  if (row.disabled) {
    u.password_hash.clear();  // an empty hash never verifies: cannot sign in
    ++sum().users_disabled;
  } else if (!row.password.empty()) {
    hash_later(u.id, row.password);
  }
  ++sum().users_updated;
  return Ok{};
}

Status OneRosterMerge::skip_user(const std::string& sourced) {
  ++sum().users_skipped;
  skipped_users_.insert(sourced);
  return Ok{};
}

// classes.csv
Status OneRosterMerge::merge_classes() {
  std::unordered_set<std::string> seen;
  for (std::size_t r = 0; r < classes_.rows() && !full(); ++r) {
    if (Status s = merge_class(r, seen); !s) {
      failed_classes_.insert(classes_.get(r, "sourcedId"));
      note(s.error());
    }
  }
  return Ok{};
}

// One row of classes.csv: skipped, added or updated.
Status OneRosterMerge::merge_class(std::size_t r, std::unordered_set<std::string>& seen) {
  const std::string where = classes_.where(r);
  const std::string sourced = classes_.get(r, "sourcedId");
  if (Status s = check_sourced_id(sourced, where, seen); !s) return s;
  if (to_be_deleted(classes_, r)) {
    ++sum().classes_skipped;
    skipped_classes_.insert(sourced);
    return Ok{};
  }
  const std::string title = classes_.get(r, "title");
  if (title.empty()) return Error{where + ": title is empty"};
  if (Status s = check_name(title, "the title", where); !s) return s;
  const auto existing = work_.class_by_sourced.find(sourced);
  if (existing == work_.class_by_sourced.end()) return add_class(sourced, title, where);
  work_.classes.at(existing->second).name = title;
  ++sum().classes_updated;
  return Ok{};
}

Status OneRosterMerge::add_class(const std::string& sourced, const std::string& title,
                                 const std::string& where) {
  if (work_.next_class > kClassIdMax) return Error{where + ": no class id left"};
  ClassInfo c;
  c.id = ClassId{work_.next_class++};
  c.name = title;
  c.sourced_id = sourced;
  Result<std::string> code = unused_join_code();
  if (!code) return Error{code.error()};
  c.join_code = std::move(*code);
  work_.class_by_sourced.emplace(sourced, c.id);
  work_.classes.emplace(c.id, std::move(c));
  ++sum().classes_added;
  return Ok{};
}

Result<std::string> OneRosterMerge::unused_join_code() {
  std::string code = hooks_.new_join_code();
  for (int attempt = 0; work_.join_codes.count(code) != 0; ++attempt) {
    if (attempt == 100) return Error{"cannot find an unused join code"};
    code = hooks_.new_join_code();
  }
  work_.join_codes.insert(code);
  return code;
}

// enrollments.csv
Status OneRosterMerge::read_enrollments() {
  LinkSet linked_once;
  for (std::size_t r = 0; r < enrollments_.rows() && !full(); ++r) {
    if (Status s = read_enrollment(r, linked_once); !s) note(s.error());
  }
  return Ok{};
}

// One row of enrollments.csv: skipped, or a link to add (once per file).
Status OneRosterMerge::read_enrollment(std::size_t r, LinkSet& linked_once) {
  const std::string where = enrollments_.where(r);
  const std::string cls_id = enrollments_.get(r, "classSourcedId");
  const std::string user_id = enrollments_.get(r, "userSourcedId");
  const std::string role = lower(enrollments_.get(r, "role"));
  const bool as_student = role == "student";
  const bool as_teacher = role == "teacher" || role == "administrator";
  if (to_be_deleted(enrollments_, r) || skipped_users_.count(user_id) != 0 ||
      skipped_classes_.count(cls_id) != 0 || (!as_student && !as_teacher)) {
    ++sum().enrollments_skipped;
    return Ok{};
  }
  if (failed_users_.count(user_id) != 0 || failed_classes_.count(cls_id) != 0) return Ok{};
  const auto c = work_.class_by_sourced.find(cls_id);
  if (c == work_.class_by_sourced.end())
    return Error{where + ": no class with sourcedId '" + cls_id + "'"};
  const auto u = work_.user_by_sourced.find(user_id);
  if (u == work_.user_by_sourced.end())
    return Error{where + ": no user with sourcedId '" + user_id + "'"};
  const User& user = work_.users.at(u->second);
  if (Status s = check_enrollment_role(user, as_student, user_id, where); !s) return s;
  if (!linked_once.emplace(u->second.value, c->second.value, as_teacher).second) {
    ++sum().enrollments_kept;  // the same enrollment twice in the file
    return Ok{};
  }
  links_.push_back(Link{u->second, c->second, as_teacher});
  return Ok{};
}

Status OneRosterMerge::hash_passwords() {
  if (to_hash_.empty()) return Ok{};
  if (to_hash_.size() > hooks_.passwords_max) {
    return Error{"the import sets " + std::to_string(to_hash_.size()) +
                 " passwords (new users, and users.csv's password column); at most " +
                 std::to_string(hooks_.passwords_max) +
                 " are set while the server runs: import this roster with `rollcall import` "
                 "while the server is stopped, or in smaller parts"};
  }
  const std::vector<std::string> hashes = hooks_.hash_passwords(to_hash_);
  if (hashes.size() != to_hash_.size()) return Error{"password hashing failed"};
  for (std::size_t k = 0; k < hashes.size(); ++k) {
    if (hashes[k].empty()) return Error{"password hashing failed (out of memory?)"};
    work_.users.at(hash_for_[k]).password_hash = hashes[k];
  }
  return Ok{};
}

Result<std::shared_ptr<const Roster>> OneRosterMerge::build_roster() {
  RosterBuilder b;
  b.set_version(base_.version() + 1);
  for (auto& [id, u] : work_.users) {
    if (!b.add_user(u))
      return Error{"user '" + u.username + "' could not be added (duplicate id or username)"};
  }
  for (auto& [id, c] : work_.classes) {
    if (!b.add_class(c)) return Error{"class '" + c.name + "' could not be added"};
  }
  for (const ClassInfo* c : base_.classes()) {
    for (UserId t : c->teachers) b.assign_teacher(t, c->id);
    for (UserId s : c->students) b.enroll(s, c->id);
  }
  if (Status s = add_links(b); !s) return Error{s.error()};
  return b.build();
}

// The links read from enrollments.csv that the base roster does not have yet.
Status OneRosterMerge::add_links(RosterBuilder& b) {
  for (const Link& l : links_) {
    const ClassInfo& c = work_.classes.at(l.cls);
    const std::vector<UserId>& existing = l.teacher ? c.teachers : c.students;
    if (std::binary_search(existing.begin(), existing.end(), l.user)) {
      ++sum().enrollments_kept;
      continue;
    }
    const bool linked = l.teacher ? b.assign_teacher(l.user, l.cls) : b.enroll(l.user, l.cls);
    if (!linked)
      return Error{"enrollment of user " + std::to_string(l.user.value) + " could not be added"};
    ++sum().enrollments_added;
  }
  return Ok{};
}

}  // namespace

Result<ImportResult> merge_oneroster(const Roster& base, const OneRosterFiles& files,
                                     const ImportHooks& hooks) {
  return OneRosterMerge(base, files, hooks).run();
}

}  // namespace rollcall::app
