#pragma once
/// OneRoster 1.1 CSV import: parsing the bulk files and merging them into a roster.
///
/// Pure: no files, no clock, no randomness of its own (the caller passes the
/// password hasher and the code generators), so every rule is unit-tested.
///
/// Rules (docs/api.md, "Roster import"):
/// - users.csv, classes.csv and enrollments.csv are read; columns are found by their
///   header names (any order, extra columns ignored). Required columns: users
///   `sourcedId`, `role`, `username`; classes `sourcedId`, `title`; enrollments
///   `classSourcedId`, `userSourcedId`, `role`.
/// - A row is matched to an existing user or class by `sourcedId`: matched ones are
///   updated (name, username, title, password when given), new ones are added with
///   fresh ids. Import adds and updates; it never deletes users, classes or
///   enrollments, because attendance history refers to them. Rows with
///   `status` = `tobedeleted` are skipped and counted.
/// - Roles: student, teacher, administrator (rollcall's admin). Other roles (aide,
///   guardian, parent, proctor, relative) are skipped and counted, and enrollments
///   of skipped users are skipped too. A user whose `enabledUser` is `false` is not
///   added; an existing one loses its password (cannot sign in any more).
/// - `password` (optional column): the user's initial password, stored as an
///   Argon2id hash. A new user without one gets a random password, returned in
///   `initial_passwords` for the operator to hand out.
/// - Anything inconsistent (a missing column, a duplicate sourcedId, a username that
///   belongs to another user, a role change, an enrollment naming an unknown class
///   or user, a student enrolled as teacher) fails the whole import, naming the file
///   and line: nothing is half-imported. Every row is checked: the error lists each
///   problem on a line of its own, at most kImportProblemsMax (an enrollment naming
///   a user or class whose own row has a problem is not reported again).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rollcall/common/result.hpp"
#include "rollcall/domain/roster.hpp"

namespace rollcall::app {

/// Largest OneRoster export zip taken (`rollcall import`, POST /api/v1/admin/oneroster).
inline constexpr std::size_t kOneRosterZipBytesMax = 64u << 20;
/// Problems one refused import reports at most (API.md §7: 100).
inline constexpr std::size_t kImportProblemsMax = 100;

/// One CSV file: the header and the records, each with the line it starts on.
struct CsvTable {
  std::string file;  ///< name used in errors ("users.csv")
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> lines;  ///< 1-based line of each row
};

inline constexpr std::size_t kCsvFieldsMax = 256;
inline constexpr std::size_t kCsvFieldBytesMax = 64 * 1024;
inline constexpr std::size_t kCsvRowsMax = 1'000'000;

/// RFC 4180: comma-separated, fields optionally in double quotes ("" is a quote;
/// commas and line breaks allowed inside), CRLF or LF line ends, an optional UTF-8
/// BOM, blank lines ignored. Every row must have as many fields as the header.
Result<CsvTable> parse_csv(std::string_view text, std::string file);

struct OneRosterFiles {
  CsvTable users;
  CsvTable classes;
  CsvTable enrollments;
};

struct ImportHooks {
  /// Argon2id hashes of the passwords, in order (the caller may run them in
  /// parallel); an empty string for one means hashing failed.
  std::function<std::vector<std::string>(const std::vector<std::string>&)> hash_passwords;
  std::function<std::string()> new_password;   ///< for new users without one
  std::function<std::string()> new_join_code;  ///< for new classes
  /// More passwords to hash than this fails the import (an online import hashes
  /// them one at a time, ~0.1 s each, while the admin waits).
  std::size_t passwords_max = SIZE_MAX;
};

struct ImportSummary {
  std::size_t users_added = 0;
  std::size_t users_updated = 0;
  std::size_t users_disabled = 0;  ///< existing users whose enabledUser is false
  std::size_t users_skipped = 0;   ///< other roles, tobedeleted, disabled new users
  std::size_t classes_added = 0;
  std::size_t classes_updated = 0;
  std::size_t classes_skipped = 0;
  std::size_t enrollments_added = 0;  ///< new student enrollments and teacher assignments
  std::size_t enrollments_kept = 0;   ///< already in the roster
  std::size_t enrollments_skipped = 0;
};

struct ImportResult {
  std::shared_ptr<const domain::Roster> roster;
  ImportSummary summary;
  /// (username, password) of the new users that had no password in users.csv.
  std::vector<std::pair<std::string, std::string>> initial_passwords;
};

Result<ImportResult> merge_oneroster(const domain::Roster& base, const OneRosterFiles& files,
                                     const ImportHooks& hooks);

}  // namespace rollcall::app
