#include "rollcall/app/data_format.hpp"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "rollcall/common/json_writer.hpp"
#include "rollcall/common/log.hpp"
#include "rollcall/wal/store.hpp"
#include "rollcall_build_config.h"

namespace rollcall::app {

namespace {

/// Top-level entries that only rollcall writes: any of them means the directory
/// holds rollcall data (the lock file does not: every command that opens the
/// directory makes it).
constexpr const char* kDataEntries[] = {"wal", "jwt.secret", "roster.json",
                                        "vapid_private_key.pem"};

bool is_version_string(std::string_view s) {
  if (s.size() > kWrittenByBytesMax) return false;
  for (char c : s) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '.' || c == '+' || c == '~' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string file_path(const std::string& dir) {
  return dir + "/" + std::string(kFormatFileName);
}

FormatVerdict proceed(std::uint32_t version) {
  return {FormatVerdict::Action::Proceed, version, {}};
}
FormatVerdict refuse(std::string why) {
  return {FormatVerdict::Action::Refuse, 0, std::move(why)};
}

Status write_format_file(const std::string& dir, std::uint32_t version) {
  return wal::write_file_atomically(file_path(dir),
                                    encode_data_format({version, ROLLCALL_VERSION}));
}

// Runs the steps from `version` up to the last, each followed by the file naming
// the version it reached, so that a crash or a failed step leaves the directory at
// a version that says what it holds.
Result<std::uint32_t> upgrade(const std::string& dir, std::uint32_t version,
                              std::span<const FormatUpgradeStep> steps) {
  for (; version <= steps.size(); ++version) {
    const FormatUpgradeStep& step = steps[version - 1];
    RC_ASSERT(step.from == version);
    const std::string from_to =
        "from data format " + std::to_string(version) + " to " + std::to_string(version + 1);
    log::info("data_format_upgrading",
              {{"data_dir", dir}, {"from", version}, {"to", version + 1}, {"change", step.what}});
    Status done = step.run(dir);
    if (done) done = write_format_file(dir, version + 1);
    if (!done) {
      return Error{"cannot upgrade data directory " + dir + " " + from_to + " (" + step.what +
                   "): " + done.error() + "; it is still in data format " +
                   std::to_string(version) + " (restore the backup taken before the upgrade, " +
                   "or fix the cause and start again)"};
    }
    log::info("data_format_upgraded", {{"data_dir", dir}, {"version", version + 1}});
  }
  return version;
}

}  // namespace

std::string encode_data_format(const DataFormatFile& file) {
  RC_ASSERT(file.version >= 1);
  RC_ASSERT(is_version_string(file.written_by));
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("format").value(kFormatName);
  w.key("version").value(file.version);
  w.key("written_by").value(file.written_by);
  w.end_object();
  out += '\n';
  return out;
}

Result<DataFormatFile> parse_data_format(std::string_view text) {
  if (text.size() > kFormatFileBytesMax) {
    return Error{"longer than " + std::to_string(kFormatFileBytesMax) + " bytes"};
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size()).get(root)) return Error{"not JSON"};
  simdjson::dom::object object;
  if (root.get(object)) return Error{"not a JSON object"};
  std::string_view format;
  if (object["format"].get(format) || format != kFormatName) {
    return Error{"its \"format\" is not \"" + std::string(kFormatName) + "\""};
  }
  std::uint64_t version = 0;
  if (object["version"].get(version) || version == 0 || version > UINT32_MAX) {
    return Error{"its \"version\" is not an integer from 1 to " + std::to_string(UINT32_MAX)};
  }
  DataFormatFile file;
  file.version = static_cast<std::uint32_t>(version);
  simdjson::dom::element written_by;
  if (object["written_by"].get(written_by) == simdjson::SUCCESS) {
    std::string_view text_by;
    if (written_by.get(text_by) || !is_version_string(text_by)) {
      return Error{"its \"written_by\" is not a version string of at most " +
                   std::to_string(kWrittenByBytesMax) + " bytes"};
    }
    file.written_by = std::string(text_by);
  }
  return file;
}

FormatVerdict judge_format_version(const std::string& where, std::uint32_t version,
                                   std::string_view written_by, FormatUse use,
                                   std::uint32_t current) {
  RC_ASSERT(version >= 1);
  RC_ASSERT(current >= 1);
  const std::string v = std::to_string(version);
  if (!is_version_string(written_by)) written_by = {};  // a manifest's, unchecked: not shown
  if (version > current) {
    const std::string install =
        written_by.empty() ? "install a newer rollcall (one that reads data format " + v + ")"
                           : "install rollcall " + std::string(written_by) + " or newer";
    return refuse(where + " is in data format " + v + ", but this rollcall (" + ROLLCALL_VERSION +
                  ") reads data formats up to " + std::to_string(current) + ": " + install +
                  ", or restore a backup made by this version; nothing was changed");
  }
  if (version == current || use == FormatUse::Copy) return proceed(version);
  if (use == FormatUse::Own) return {FormatVerdict::Action::Upgrade, version, {}};
  return refuse(where + " is in data format " + v + ", this rollcall reads data format " +
                std::to_string(current) +
                ": start rollcall serve on it once (it upgrades the directory), then try again; "
                "nothing was changed");
}

FormatVerdict judge_data_format(const std::string& dir, const FormatProbe& probe, FormatUse use,
                                std::uint32_t current) {
  const std::string where = "data directory " + dir;
  switch (probe.file) {
    case FormatProbe::File::Unreadable:
      return refuse("cannot read " + file_path(dir) + ": " + probe.text + "; nothing was changed");
    case FormatProbe::File::Missing:
      if (!probe.has_data) {
        if (use == FormatUse::Own) return {FormatVerdict::Action::WriteNew, current, {}};
        return proceed(current);  // nothing there to misread
      }
      // Data from before format.json: format 1, the only format there was.
      if (use == FormatUse::Own) return {FormatVerdict::Action::WriteLegacy, 1, {}};
      return judge_format_version(where, 1, "", use, current);
    case FormatProbe::File::Read: break;
  }
  Result<DataFormatFile> file = parse_data_format(probe.text);
  if (!file) {
    return refuse(file_path(dir) + " is not a valid data format file (" + file.error() +
                  "); nothing was changed: restore the file, or the directory, from a backup");
  }
  return judge_format_version(where, file->version, file->written_by, use, current);
}

FormatProbe probe_data_format(const std::string& dir) {
  FormatProbe probe;
  for (const char* name : kDataEntries) {
    struct stat st {};
    if (::lstat((dir + "/" + name).c_str(), &st) == 0) probe.has_data = true;
  }
  const std::string path = file_path(dir);
  // O_NONBLOCK: a FIFO in its place must not hang the start.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return probe;
    probe.file = FormatProbe::File::Unreadable;
    probe.text = errno == ELOOP ? "it is a symbolic link" : std::strerror(errno);
    return probe;
  }
  struct stat st {};
  probe.file = FormatProbe::File::Unreadable;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    probe.text = S_ISDIR(st.st_mode) ? std::strerror(EISDIR) : "not a regular file";
    ::close(fd);
    return probe;
  }
  std::string bytes(kFormatFileBytesMax + 1, '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      probe.text = std::strerror(errno);
      ::close(fd);
      return probe;
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  bytes.resize(done);
  probe.file = FormatProbe::File::Read;
  probe.text = std::move(bytes);
  return probe;
}

Result<std::uint32_t> check_data_format(const std::string& dir, FormatUse use,
                                        std::span<const FormatUpgradeStep> steps) {
  const auto current = static_cast<std::uint32_t>(1 + steps.size());
  const FormatVerdict verdict = judge_data_format(dir, probe_data_format(dir), use, current);
  switch (verdict.action) {
    case FormatVerdict::Action::Refuse: return Error{verdict.refusal};
    case FormatVerdict::Action::Proceed: return verdict.version;
    case FormatVerdict::Action::Upgrade: return upgrade(dir, verdict.version, steps);
    case FormatVerdict::Action::WriteNew:
    case FormatVerdict::Action::WriteLegacy: break;
  }
  if (Status s = write_format_file(dir, verdict.version); !s) {
    return Error{"cannot record the data format in " + dir + ": " + s.error()};
  }
  // A new directory is not news (serve's "started" line names the format); a
  // directory that had data without the file is, once.
  if (verdict.action == FormatVerdict::Action::WriteNew) return verdict.version;
  log::info("data_format_written", {{"data_dir", dir},
                                    {"version", verdict.version},
                                    {"reason", "data from before format.json: format 1"}});
  return upgrade(dir, verdict.version, steps);
}

}  // namespace rollcall::app
