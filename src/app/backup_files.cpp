#include "src/app/backup_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "rollcall/wal/format.hpp"
#include "rollcall/wal/store.hpp"

namespace rollcall::app {

namespace fs = std::filesystem;

namespace {

constexpr int kAttemptsMax = 8;
// format.json first: what the copy is in (absent in a directory from before it).
constexpr const char* kTopLevel[] = {"format.json", "jwt.secret", "vapid_private_key.pem",
                                     "roster.json"};

struct Vanished {};  // a listed file was gone when it was opened: list again

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool is_segment_name(const std::string& name) {
  std::uint64_t lsn = 0;
  return wal::parse_numbered_name(name, "", ".wal", lsn);
}

// Opens `rel` under `root`; a missing optional file is skipped, a missing listed
// one means the directory changed under us.
Result<bool> open_into(const std::string& root, const std::string& rel, bool optional,
                       std::vector<HeldFile>& out, bool& vanished) {
  const int fd = ::open((root + "/" + rel).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0) {
    out.emplace_back(rel, fd, is_segment_name(fs::path(rel).filename().string()));
    return true;
  }
  if (errno == ENOENT) {
    if (!optional) vanished = true;
    return false;
  }
  return Error{"cannot open " + root + "/" + rel + ": " + std::strerror(errno)};
}

// The regular files of one directory (relative to the data directory), sorted,
// temporary files left out.
Result<std::vector<std::string>> list_files(const std::string& root, const std::string& rel) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root + "/" + rel, ec)) {
    const std::string name = entry.path().filename().string();
    std::error_code type_ec;
    if (!entry.is_regular_file(type_ec) || ends_with(name, ".tmp")) continue;
    names.push_back(rel + "/" + name);
  }
  if (ec) return Error{"cannot list " + root + "/" + rel + ": " + ec.message()};
  std::sort(names.begin(), names.end());
  return names;
}

// Shard directories of the generation, shard 0 last (see the header).
Result<std::vector<std::string>> shard_dirs(const std::string& root, const std::string& gen_rel) {
  std::vector<std::pair<unsigned, std::string>> shards;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root + "/" + gen_rel, ec)) {
    const std::string name = entry.path().filename().string();
    unsigned k = 0;
    if (name.rfind("shard-", 0) != 0 || std::sscanf(name.c_str() + 6, "%u", &k) != 1) continue;
    shards.emplace_back(k == 0 ? ~0u : k, gen_rel + "/" + name);
  }
  if (ec) return Error{"cannot list " + root + "/" + gen_rel + ": " + ec.message()};
  std::sort(shards.begin(), shards.end());
  std::vector<std::string> out;
  for (auto& s : shards) out.push_back(std::move(s.second));
  return out;
}

Result<HeldSet> hold_once(const std::string& root, bool& vanished) {
  HeldSet set;
  Result<std::uint64_t> gen = wal::LogStore(root).current_generation();
  if (!gen) return Error{gen.error()};
  if (*gen == 0) return Error{root + " holds no rollcall log (wal/CURRENT): nothing to back up"};
  set.generation = *gen;
  for (const char* name : kTopLevel) {
    if (Result<bool> r = open_into(root, name, true, set.files, vanished); !r)
      return Error{r.error()};
  }
  if (Result<bool> r = open_into(root, "wal/CURRENT", false, set.files, vanished); !r) {
    return Error{r.error()};
  }
  char gen_name[32];
  std::snprintf(gen_name, sizeof gen_name, "wal/%08llu", static_cast<unsigned long long>(*gen));
  Result<std::vector<std::string>> dirs = shard_dirs(root, gen_name);
  if (!dirs) return Error{dirs.error()};
  dirs->insert(dirs->begin(), gen_name);  // the generation's roster and push directory first
  for (const std::string& dir : *dirs) {
    Result<std::vector<std::string>> names = list_files(root, dir);
    if (!names) return Error{names.error()};
    for (const std::string& rel : *names) {
      if (Result<bool> r = open_into(root, rel, false, set.files, vanished); !r)
        return Error{r.error()};
    }
  }
  return set;
}

}  // namespace

HeldFile::~HeldFile() {
  if (fd >= 0) ::close(fd);
}

Result<HeldSet> hold_backup_files(const std::string& data_dir) {
  for (int attempt = 0; attempt < kAttemptsMax; ++attempt) {
    bool vanished = false;
    Result<HeldSet> set = hold_once(data_dir, vanished);
    if (!set || !vanished) return set;
  }
  return Error{"files in " + data_dir + " kept changing while they were listed (" +
               std::to_string(kAttemptsMax) + " attempts)"};
}

Result<std::string> read_held(const HeldFile& file) {
  struct stat st {};
  if (::fstat(file.fd, &st) != 0)
    return Error{"cannot stat " + file.path + ": " + std::strerror(errno)};
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        ::pread(file.fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{"cannot read " + file.path + ": " + std::strerror(errno)};
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  bytes.resize(done);
  if (!file.segment) return bytes;
  const wal::ScanResult scan = wal::scan_segment(bytes, nullptr);
  if (scan.end == wal::ScanResult::End::Corrupt && scan.valid_bytes == 0) {
    // A segment being created has no header yet, so no acknowledged record: left out.
    const std::string_view head = std::string_view(bytes).substr(0, wal::kSegmentHeaderBytes);
    if (head.find_first_not_of('\0') == std::string_view::npos) return std::string();
    return Error{file.path + ": " + scan.reason + " (run rollcall wal verify)"};
  }
  bytes.resize(scan.valid_bytes);
  return bytes;
}

}  // namespace rollcall::app
