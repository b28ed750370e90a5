#include "rollcall/wal/reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <thread>
#include <utility>
#include <vector>

#include "rollcall/wal/push_file.hpp"
#include "rollcall/wal/records.hpp"
#include "rollcall/wal/roster_file.hpp"
#include "rollcall/wal/snapshot.hpp"
#include "rollcall/wal/store.hpp"

namespace rollcall::wal {

namespace fs = std::filesystem;

namespace {

using Numbered = std::vector<std::pair<std::uint64_t, std::string>>;

Result<std::string> read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{"cannot read " + path + ": " + std::strerror(errno)};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Error{"cannot stat " + path + ": " + std::strerror(errno)};
  }
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(done);
  return out;
}

// What one shard directory holds: snapshots (newest first), segments (oldest
// first), roster checkpoints.
struct ShardFiles {
  Numbered snapshots, segments, rosters, pushes;
};

Result<ShardFiles> list_shard(const std::string& dir) {
  ShardFiles out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    std::uint64_t n = 0;
    if (parse_numbered_name(name, "snap-", ".snap", n)) out.snapshots.emplace_back(n, entry.path());
    if (parse_numbered_name(name, "", ".wal", n)) out.segments.emplace_back(n, entry.path());
    if (parse_numbered_name(name, "roster-", ".json", n)) out.rosters.emplace_back(n, entry.path());
    if (parse_numbered_name(name, "push-", ".bin", n)) out.pushes.emplace_back(n, entry.path());
  }
  if (ec) return Error{"cannot list " + dir + ": " + ec.message()};
  std::sort(out.snapshots.rbegin(), out.snapshots.rend());
  std::sort(out.segments.begin(), out.segments.end());
  return out;
}

// The newest snapshot that checks out. Older ones are only kept until a newer one
// is durable, so falling back is safe: the segments after it are still there.
Status load_snapshot(const std::string& dir, const ShardFiles& files, storage::ShardHistory& out) {
  for (const auto& [lsn, path] : files.snapshots) {
    Result<std::string> bytes = read_file(path);
    if (!bytes) continue;
    Result<DecodedSnapshot> snap = decode_snapshot(*bytes);
    if (!snap) continue;
    out.checkpoint_lsn = snap->header.covered_lsn;
    out.last_lsn = out.checkpoint_lsn;
    out.classes = std::move(snap->classes);
    const std::string feeds = dir + "/" + feeds_file_name(out.checkpoint_lsn);
    if (Result<std::string> f = read_file(feeds); f.ok()) out.feeds = std::move(*f);
    out.feeds_file = feeds;
    return Ok{};
  }
  return Error{"no valid snapshot in " + dir};
}

// Scans one segment, appending the commands after the snapshot to `out`.
Status read_segment(const std::string& path, bool newest, storage::ShardHistory& out) {
  Result<std::string> bytes = read_file(path);
  if (!bytes) return Error{bytes.error()};
  ++out.segments;
  std::string error;
  const ScanResult scan = scan_segment(*bytes, [&](const ScannedRecord& r) {
    if (r.lsn <= out.checkpoint_lsn || !error.empty()) return;
    if (r.lsn != out.last_lsn + 1) {
      error = "record at offset " + std::to_string(r.offset) + " has LSN " + std::to_string(r.lsn) +
              ", expected " + std::to_string(out.last_lsn + 1) + " (a segment is missing)";
      return;
    }
    out.last_lsn = r.lsn;
    if (r.type == RecordType::Commit) return;
    std::optional<domain::Command> c = decode(r.type, r.payload);
    if (!c) {
      error = "record at offset " + std::to_string(r.offset) + " (" + to_string(r.type) + ", LSN " +
              std::to_string(r.lsn) + ") has a malformed payload";
      return;
    }
    out.commands.push_back({r.lsn, std::move(*c)});
  });
  if (!error.empty()) return Error{path + ": " + error};
  if (scan.end == ScanResult::End::Corrupt || (scan.end == ScanResult::End::TornTail && !newest)) {
    return Error{path + ": corrupt at byte offset " + std::to_string(scan.bad_offset) + ": " +
                 scan.reason};
  }
  if (scan.end == ScanResult::End::TornTail) {
    out.torn_tail = storage::TornTail{path, scan.bad_offset, scan.reason};
  }
  return Ok{};
}

// The roster owner's files saved with the snapshot used (its roster and push
// directory), if any.
struct OwnerCheckpoint {
  std::string roster, push;
};

// Reads one shard directory.
Status read_shard(const std::string& dir, storage::ShardHistory& out, OwnerCheckpoint& saved) {
  Result<ShardFiles> files = list_shard(dir);
  if (!files) return Error{files.error()};
  if (Status s = load_snapshot(dir, *files, out); !s) return s;
  for (const auto& [lsn, path] : files->rosters) {
    if (lsn == out.checkpoint_lsn) saved.roster = path;
  }
  for (const auto& [lsn, path] : files->pushes) {
    if (lsn == out.checkpoint_lsn) saved.push = path;
  }
  const Numbered& segments = files->segments;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const bool newest = i + 1 == segments.size();
    // Segments wholly covered by the snapshot (their successor starts at or below it).
    if (!newest && segments[i + 1].first - 1 <= out.checkpoint_lsn) continue;
    if (Status s = read_segment(segments[i].second, newest, out); !s) return s;
  }
  return Ok{};
}

// The shard directories of generation `gen`: must be exactly shard-0..shard-(n-1).
Result<std::vector<unsigned>> shards_of(const LogStore& store, std::uint64_t gen) {
  std::vector<unsigned> ids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(store.generation_dir(gen), ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || name.rfind("shard-", 0) != 0) continue;
    unsigned id = 0;
    const char* first = name.data() + 6;
    const char* last = name.data() + name.size();
    const auto [end, parsed] = std::from_chars(first, last, id);
    if (parsed != std::errc() || end != last || first == last) {
      return Error{store.generation_dir(gen) + " holds a directory that is not a shard: " + name};
    }
    ids.push_back(id);
  }
  if (ec) return Error{"cannot list " + store.generation_dir(gen) + ": " + ec.message()};
  std::sort(ids.begin(), ids.end());
  if (ids.empty() || ids.front() != 0 || ids.back() + 1 != ids.size()) {
    return Error{store.generation_dir(gen) + " does not hold shard directories 0..n-1"};
  }
  return ids;
}

}  // namespace

Result<storage::Stored> read_generation(const std::string& data_dir,
                                        std::shared_ptr<const domain::Roster> seed) {
  storage::Stored out;
  const LogStore store(data_dir);
  Result<std::uint64_t> gen = store.current_generation();
  if (!gen) return Error{gen.error()};
  out.generation = *gen;
  if (out.generation == 0) {
    out.roster = std::move(seed);
    return out;
  }
  Result<std::vector<unsigned>> ids = shards_of(store, out.generation);
  if (!ids) return Error{ids.error()};
  out.shards.resize(ids->size());
  std::vector<std::string> errors(ids->size());
  std::vector<OwnerCheckpoint> saved(ids->size());
  {
    std::vector<std::thread> readers;
    for (const unsigned shard : *ids) {
      readers.emplace_back([&, shard] {
        out.shards[shard].shard = shard;
        const std::string dir = store.shard_dir(out.generation, shard);
        if (Status s = read_shard(dir, out.shards[shard], saved[shard]); !s) {
          errors[shard] = s.error();
        }
      });
    }
    for (std::thread& t : readers) t.join();
  }
  for (const std::string& e : errors) {
    if (!e.empty()) return Error{e};
  }
  // The roster owner (shard 0) keeps a roster and a push directory with each of its
  // snapshots (a snapshot written before push subscriptions existed has none: then
  // the generation's, and before that an empty one).
  const OwnerCheckpoint& owner = saved[0];
  Result<std::shared_ptr<const domain::Roster>> roster =
      read_roster_file(owner.roster.empty() ? store.roster_path(out.generation) : owner.roster);
  if (!roster) return Error{roster.error()};
  out.roster = *roster;
  Result<domain::PushDirectory> push =
      read_push_file(owner.push.empty() ? store.push_path(out.generation) : owner.push);
  if (!push) return Error{push.error()};
  out.push = std::move(*push);
  return out;
}

}  // namespace rollcall::wal
