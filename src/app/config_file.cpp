#include "rollcall/app/config_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

namespace rollcall::app {

namespace {

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\f\v";
  const std::size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const std::size_t last = s.find_last_not_of(kSpace);
  return s.substr(first, last - first + 1);
}

// One line (without its '\n'): nothing for blanks and comments, else its entry.
Result<std::optional<ConfigEntry>> parse_line(std::string_view raw, std::size_t number) {
  const std::string where = std::to_string(number) + ": ";
  if (raw.size() > kConfigLineBytesMax) {
    return Error{where + "line longer than " + std::to_string(kConfigLineBytesMax) + " bytes"};
  }
  if (raw.find('\0') != std::string_view::npos) return Error{where + "NUL byte in config file"};
  const std::string_view line = trim(raw);
  if (line.empty() || line.front() == '#') return std::optional<ConfigEntry>{};
  const std::size_t eq = line.find('=');
  if (eq == std::string_view::npos) {
    return Error{where + "expected 'key = value', got '" + std::string(line) + "'"};
  }
  const std::string_view key = trim(line.substr(0, eq));
  if (key.empty()) return Error{where + "missing key before '='"};
  return std::optional<ConfigEntry>{
      ConfigEntry{std::string(key), std::string(trim(line.substr(eq + 1))), number}};
}

}  // namespace

Result<std::vector<ConfigEntry>> parse_config_text(std::string_view text) {
  std::vector<ConfigEntry> out;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t end = text.find('\n');
    const std::string_view raw = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    Result<std::optional<ConfigEntry>> entry = parse_line(raw, number);
    if (!entry) return Error{entry.error()};
    if (entry->has_value()) out.push_back(std::move(**entry));
  }
  RC_ASSERT(out.size() <= number);
  return out;
}

Result<std::vector<ConfigEntry>> read_config_file(const std::string& path) {
  // O_NONBLOCK: a FIFO without a writer must be refused, not waited for.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Error{path + ": cannot open config file: " + std::strerror(errno)};
  std::string text;
  std::string failure;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    failure = std::string("cannot read config file: ") + std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    failure = "config file is not a regular file";
  } else {
    // One byte past the limit tells a file that grew since fstat from one at it.
    text.resize(kConfigFileBytesMax + 1);
    std::size_t got = 0;
    while (got < text.size()) {
      const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) failure = std::string("cannot read config file: ") + std::strerror(errno);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    text.resize(got);
    if (got > kConfigFileBytesMax) {
      failure = "config file larger than " + std::to_string(kConfigFileBytesMax) + " bytes";
    }
  }
  ::close(fd);
  if (!failure.empty()) return Error{path + ": " + failure};
  RC_ASSERT(text.size() <= kConfigFileBytesMax);
  Result<std::vector<ConfigEntry>> entries = parse_config_text(text);
  if (!entries) return Error{path + ":" + entries.error()};
  return entries;
}

}  // namespace rollcall::app
