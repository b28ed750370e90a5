#include "rollcall/wal/store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "rollcall/wal/push_file.hpp"
#include "rollcall/wal/roster_file.hpp"
#include "rollcall/wal/snapshot.hpp"

namespace rollcall::wal {

namespace fs = std::filesystem;

namespace {

std::string padded(std::uint64_t n, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*" PRIu64, width, n);
  return buf;
}

Status make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return Error{"cannot create " + path + ": " + std::strerror(errno)};
  }
  return Ok{};
}

}  // namespace

std::string snapshot_file_name(std::uint64_t covered_lsn) {
  return "snap-" + padded(covered_lsn, 20) + ".snap";
}
std::string roster_snapshot_file_name(std::uint64_t covered_lsn) {
  return "roster-" + padded(covered_lsn, 20) + ".json";
}
std::string push_snapshot_file_name(std::uint64_t covered_lsn) {
  return "push-" + padded(covered_lsn, 20) + ".bin";
}

std::string feeds_file_name(std::uint64_t covered_lsn) {
  return "feeds-" + padded(covered_lsn, 20) + ".bin";
}

bool parse_numbered_name(std::string_view name, std::string_view prefix, std::string_view suffix,
                         std::uint64_t& n) {
  if (name.size() != prefix.size() + 20 + suffix.size() ||
      name.substr(0, prefix.size()) != prefix ||
      name.substr(name.size() - suffix.size()) != suffix) {
    return false;
  }
  n = 0;
  for (std::size_t i = prefix.size(); i < prefix.size() + 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    n = n * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  return true;
}

Status fsync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error{"cannot open " + dir + ": " + std::strerror(errno)};
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Error{"cannot fsync " + dir + ": " + std::strerror(err)};
  return Ok{};
}

Status write_file_atomically(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot create " + tmp + ": " + std::strerror(errno)};
  std::string_view rest = bytes;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      return Error{"cannot write " + tmp + ": " + std::strerror(err)};
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return Error{"cannot fsync " + tmp + ": " + std::strerror(err)};
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Error{"cannot rename " + tmp + " to " + path + ": " + std::strerror(errno)};
  }
  return fsync_directory(fs::path(path).parent_path().string());
}

LogStore::LogStore(std::string data_dir)
    : data_dir_(std::move(data_dir)), wal_dir_(data_dir_ + "/wal") {}

std::string LogStore::generation_dir(std::uint64_t gen) const {
  return wal_dir_ + "/" + padded(gen, 8);
}

std::string LogStore::shard_dir(std::uint64_t gen, unsigned shard) const {
  return generation_dir(gen) + "/shard-" + std::to_string(shard);
}

std::string LogStore::roster_path(std::uint64_t gen) const {
  return generation_dir(gen) + "/roster.json";
}

std::string LogStore::push_path(std::uint64_t gen) const {
  return generation_dir(gen) + "/push.bin";
}

Result<std::uint64_t> LogStore::current_generation() const {
  const std::string path = wal_dir_ + "/CURRENT";
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT || !fs::exists(path)) return std::uint64_t{0};
    return Error{"cannot read " + path + ": " + std::strerror(errno)};
  }
  std::string text;
  std::getline(in, text);
  std::uint64_t gen = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), gen);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || gen == 0) {
    return Error{path + " does not hold a generation number"};
  }
  if (!fs::is_directory(generation_dir(gen)))
    return Error{path + " names generation " + text + ", which is missing"};
  return gen;
}

Status LogStore::start_generation(
    std::uint64_t gen, const domain::Roster& roster, const domain::PushDirectory& push,
    const std::vector<std::vector<const domain::ClassAttendance*>>& classes_by_shard,
    const std::vector<std::string>& feeds_by_shard) const {
  if (Status s = make_dir(wal_dir_); !s) return s;
  const std::string dir = generation_dir(gen);
  std::error_code ec;
  fs::remove_all(dir, ec);  // leftovers of a start that crashed before switching
  if (Status s = make_dir(dir); !s) return s;
  if (Status s = write_roster_file(roster_path(gen), roster); !s) return s;
  if (Status s = write_push_file(push_path(gen), push); !s) return s;
  for (unsigned shard = 0; shard < classes_by_shard.size(); ++shard) {
    const std::string sdir = shard_dir(gen, shard);
    if (Status s = make_dir(sdir); !s) return s;
    if (shard < feeds_by_shard.size()) {
      if (Status s = write_file_atomically(sdir + "/" + feeds_file_name(0), feeds_by_shard[shard]);
          !s)
        return s;
    }
    const std::string image =
        encode_snapshot(SnapshotHeader{shard, gen, 0}, classes_by_shard[shard]);
    if (Status s = write_file_atomically(sdir + "/" + snapshot_file_name(0), image); !s) return s;
  }
  if (Status s = fsync_directory(dir); !s) return s;
  if (Status s = fsync_directory(wal_dir_); !s) return s;
  // The switch: from here on, the new generation is the state of record.
  if (Status s = write_file_atomically(wal_dir_ + "/CURRENT", std::to_string(gen) + "\n"); !s)
    return s;
  for (const auto& entry : fs::directory_iterator(wal_dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name != padded(gen, 8)) fs::remove_all(entry.path(), ec);
  }
  return Ok{};
}

}  // namespace rollcall::wal
