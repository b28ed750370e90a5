// Reading a OneRoster export from a directory, a zip file or zip bytes.

#include "src/app/oneroster_source.hpp"

#include <sodium.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "rollcall/auth/codes.hpp"
#include "src/app/zip_members.hpp"

namespace rollcall::app {

namespace {

// The whole file at `path`, refused above `limit` bytes (`limit_text` in the error).
Result<std::string> read_limited(const std::string& path, std::size_t limit, const char* limit_text,
                                 const char* hint = "") {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read " + path + ": " + std::strerror(errno) + hint};
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(in.tellg());
  if (size > limit) return Error{path + " is larger than " + limit_text};
  in.seekg(0);
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size)))
    return Error{"cannot read " + path};
  return bytes;
}

Result<CsvTable> read_table(const std::string& dir, const std::string& name) {
  Result<std::string> text =
      read_limited(dir + "/" + name, kOneRosterFileBytesMax, "256 MiB",
                   " (a OneRoster 1.1 CSV export has users.csv, classes.csv and enrollments.csv)");
  if (!text) return Error{text.error()};
  return parse_csv(*text, name);
}

Result<OneRosterFiles> read_oneroster_dir(const std::string& dir) {
  Result<CsvTable> users = read_table(dir, "users.csv");
  if (!users) return Error{users.error()};
  Result<CsvTable> classes = read_table(dir, "classes.csv");
  if (!classes) return Error{classes.error()};
  Result<CsvTable> enrollments = read_table(dir, "enrollments.csv");
  if (!enrollments) return Error{enrollments.error()};
  return OneRosterFiles{std::move(*users), std::move(*classes), std::move(*enrollments)};
}

// The export as a zip file (what a student information system hands out): at most
// 64 MiB, like the upload.
Result<OneRosterFiles> read_oneroster_zip(const std::string& path) {
  Result<std::string> archive = read_limited(path, kOneRosterZipBytesMax, "64 MiB");
  if (!archive) return Error{archive.error()};
  return oneroster_from_zip(*archive, path);
}

}  // namespace

Result<OneRosterFiles> oneroster_from_zip(std::string_view archive, const std::string& label) {
  Result<std::map<std::string, std::string>> members = zip_members(
      archive, {"users.csv", "classes.csv", "enrollments.csv"}, kOneRosterFileBytesMax, label);
  if (!members) return Error{members.error()};
  Result<CsvTable> users = parse_csv((*members)["users.csv"], "users.csv");
  if (!users) return Error{users.error()};
  Result<CsvTable> classes = parse_csv((*members)["classes.csv"], "classes.csv");
  if (!classes) return Error{classes.error()};
  Result<CsvTable> enrollments = parse_csv((*members)["enrollments.csv"], "enrollments.csv");
  if (!enrollments) return Error{enrollments.error()};
  return OneRosterFiles{std::move(*users), std::move(*classes), std::move(*enrollments)};
}

Result<OneRosterFiles> read_oneroster(const std::string& source) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(source, ec)) return read_oneroster_zip(source);
  return read_oneroster_dir(source);
}

std::string new_initial_password() {
  std::string p;
  for (int k = 0; k < 12; ++k) {
    p.push_back(auth::kJoinCodeAlphabet[randombytes_uniform(
        static_cast<std::uint32_t>(auth::kJoinCodeAlphabet.size()))]);
  }
  return p;
}

}  // namespace rollcall::app
