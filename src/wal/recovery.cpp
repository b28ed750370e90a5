#include "rollcall/wal/recovery.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <limits>
#include <thread>

#include "rollcall/wal/roster_file.hpp"
#include "rollcall/wal/snapshot.hpp"
#include "rollcall/wal/store.hpp"

namespace rollcall::wal {

namespace fs = std::filesystem;
using namespace domain;

namespace {

struct LoggedRecord {
  std::uint64_t lsn;
  Record record;
};

// What one shard's directory holds, read and checked, not yet replayed.
struct ShardFiles {
  ShardLogSummary summary;
  std::vector<ClassAttendance> snapshot_classes;
  std::vector<LoggedRecord> records;  // after the snapshot, in LSN order
  std::string roster_snapshot;        // shard 0: roster file matching the snapshot, if any
  std::string error;                  // non-empty: corruption or I/O failure
};

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

// Parses "<prefix><20 digits><suffix>"; false if the name has another shape.
bool numbered_name(const std::string& name, std::string_view prefix, std::string_view suffix,
                   std::uint64_t& n) {
  if (name.size() != prefix.size() + 20 + suffix.size() || name.rfind(prefix, 0) != 0) return false;
  if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  n = 0;
  for (std::size_t i = prefix.size(); i < prefix.size() + 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    n = n * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  return true;
}

void read_shard(const std::string& dir, unsigned shard, ShardFiles& out) {
  out.summary.shard = shard;
  std::vector<std::pair<std::uint64_t, std::string>> snapshots, segments, rosters;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    std::uint64_t n = 0;
    if (numbered_name(name, "snap-", ".snap", n)) snapshots.emplace_back(n, entry.path().string());
    if (numbered_name(name, "", ".wal", n)) segments.emplace_back(n, entry.path().string());
    if (numbered_name(name, "roster-", ".json", n)) rosters.emplace_back(n, entry.path().string());
  }
  if (ec) {
    out.error = "cannot list " + dir + ": " + ec.message();
    return;
  }
  std::sort(snapshots.rbegin(), snapshots.rend());
  std::sort(segments.begin(), segments.end());

  // The newest snapshot that checks out. Older ones are only kept until a newer one
  // is durable, so falling back is safe: the segments after it are still there.
  bool have_snapshot = false;
  for (const auto& [lsn, path] : snapshots) {
    Result<std::string> bytes = read_file(path);
    if (!bytes) continue;
    Result<DecodedSnapshot> snap = decode_snapshot(*bytes);
    if (!snap) continue;
    out.summary.snapshot_lsn = snap->header.covered_lsn;
    out.snapshot_classes = std::move(snap->classes);
    have_snapshot = true;
    for (const auto& [rlsn, rpath] : rosters) {
      if (rlsn == out.summary.snapshot_lsn) out.roster_snapshot = rpath;
    }
    const std::string feeds = dir + "/" + feeds_file_name(out.summary.snapshot_lsn);
    if (fs::exists(feeds)) out.summary.feeds_file = feeds;
    break;
  }
  if (!have_snapshot) {
    out.error = "no valid snapshot in " + dir;
    return;
  }
  out.summary.last_lsn = out.summary.snapshot_lsn;

  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& [first_lsn, path] = segments[i];
    const bool newest = i + 1 == segments.size();
    // Segments wholly covered by the snapshot (their successor starts at or below it).
    if (!newest && segments[i + 1].first - 1 <= out.summary.snapshot_lsn) continue;
    Result<std::string> bytes = read_file(path);
    if (!bytes) {
      out.error = bytes.error();
      return;
    }
    ++out.summary.segments;
    std::string decode_error;
    const ScanResult scan = scan_segment(*bytes, [&](const ScannedRecord& r) {
      if (r.lsn <= out.summary.snapshot_lsn || !decode_error.empty()) return;
      if (r.lsn != out.summary.last_lsn + 1) {
        decode_error = "record at offset " + std::to_string(r.offset) + " has LSN " +
                       std::to_string(r.lsn) + ", expected " +
                       std::to_string(out.summary.last_lsn + 1) + " (a segment is missing)";
        return;
      }
      out.summary.last_lsn = r.lsn;
      if (r.type == RecordType::Commit) return;
      std::optional<Record> rec = decode(r.type, r.payload);
      if (!rec) {
        decode_error = "record at offset " + std::to_string(r.offset) + " (" + to_string(r.type) +
                       ", LSN " + std::to_string(r.lsn) + ") has a malformed payload";
        return;
      }
      out.records.push_back({r.lsn, std::move(*rec)});
    });
    if (!decode_error.empty()) {
      out.error = path + ": " + decode_error;
      return;
    }
    if (scan.end == ScanResult::End::Corrupt ||
        (scan.end == ScanResult::End::TornTail && !newest)) {
      out.error =
          path + ": corrupt at byte offset " + std::to_string(scan.bad_offset) + ": " + scan.reason;
      return;
    }
    if (scan.end == ScanResult::End::TornTail) {
      out.summary.torn_tail = TornTail{path, scan.bad_offset, scan.reason};
    }
  }
  out.summary.records = out.records.size();
}

// A class info restricted to `students` (ascending): what close and bulk saw live.
ClassInfo with_students(const ClassInfo& cls, std::vector<UserId> students) {
  ClassInfo out;
  out.id = cls.id;
  out.students = std::move(students);
  std::sort(out.students.begin(), out.students.end());
  return out;
}

}  // namespace

// Replay re-applies what was accepted: no clock-skew limit.
constexpr std::int64_t kNoLimit = std::numeric_limits<std::int64_t>::max();

bool replay(ClassAttendance& att, const ClassInfo& cls, const Record& record, std::string& why,
            std::vector<Event>* events) {
  auto emit = [&](const std::vector<Event>& produced) {
    if (events != nullptr) events->insert(events->end(), produced.begin(), produced.end());
  };
  auto refused = [&](Refusal r) {
    why = "the domain refused it (code " + std::to_string(static_cast<int>(r)) + ")";
    return false;
  };
  if (const auto* r = std::get_if<SessionOpenedRecord>(&record)) {
    const OpenResult out =
        att.open({r->actor, r->late_after_minutes, r->verification_code, r->now_ms});
    if (out.error != Refusal::None) return refused(out.error);
    emit(out.events);
    return true;
  }
  if (const auto* r = std::get_if<CheckedInRecord>(&record)) {
    const CheckInResult out =
        att.check_in(cls, r->session, {r->student, r->method, r->at_ms, r->now_ms});
    if (out.error != Refusal::None) return refused(out.error);
    if (!out.created) {
      why = "the check-in did not create a record, as it did live";
      return false;
    }
    emit(out.events);
    return true;
  }
  if (const auto* r = std::get_if<OverriddenRecord>(&record)) {
    const RecordResult out = att.override_record(
        cls, r->session, {r->actor, r->student, r->status, r->reason, r->now_ms});
    if (out.error != Refusal::None) return refused(out.error);
    emit(out.events);
    return true;
  }
  if (const auto* r = std::get_if<BulkAppliedRecord>(&record)) {
    std::vector<UserId> seen = r->remaining;
    for (const BulkItem& item : r->items) seen.push_back(item.student);
    const BulkResult out = att.bulk(with_students(cls, std::move(seen)), r->session,
                                    {r->actor, r->items, r->mark_remaining, r->now_ms});
    if (out.error != Refusal::None) return refused(out.error);
    if (out.changed.size() != r->items.size() + r->remaining.size()) {
      why = "bulk changed " + std::to_string(out.changed.size()) + " records, live it changed " +
            std::to_string(r->items.size() + r->remaining.size());
      return false;
    }
    emit(out.events);
    return true;
  }
  if (const auto* r = std::get_if<SessionClosedRecord>(&record)) {
    const CloseResult out =
        att.close(with_students(cls, r->marked_absent), r->session, {r->actor, r->now_ms});
    if (out.error != Refusal::None) return refused(out.error);
    if (out.marked_absent != r->marked_absent.size()) {
      why = "closing marked " + std::to_string(out.marked_absent) + " absent, live it marked " +
            std::to_string(r->marked_absent.size());
      return false;
    }
    emit(out.events);
    return true;
  }
  if (const auto* r = std::get_if<SyncCheckedInRecord>(&record)) {
    const SyncResult out = att.sync_check_in(
        cls, r->session, {r->student, r->method, r->client_time_ms, r->now_ms, kNoLimit, r->op_id});
    if (out.error != Refusal::None) return refused(out.error);
    if (out.outcome != SyncOutcome::Applied) {
      why = "the synced check-in did not apply, as it did live";
      return false;
    }
    emit(out.events);
    return true;
  }
  if (const auto* r = std::get_if<SyncOverriddenRecord>(&record)) {
    const SyncResult out = att.sync_override(cls, r->session,
                                             {r->actor, r->student, r->status, r->reason,
                                              r->client_time_ms, r->now_ms, kNoLimit, r->op_id});
    if (out.error != Refusal::None) return refused(out.error);
    if (out.outcome != SyncOutcome::Applied) {
      why = "the synced override did not apply, as it did live";
      return false;
    }
    emit(out.events);
    return true;
  }
  if (std::holds_alternative<ClassJoinedRecord>(record)) return true;  // an announcement only
  why = "not a class record";
  return false;
}

Result<RecoveredState> recover(const std::string& data_dir,
                               std::shared_ptr<const Roster> seed_roster,
                               const RecordVisitor& visit, const ReplayHook& on_replayed) {
  const auto started = std::chrono::steady_clock::now();
  RecoveredState state;
  const LogStore store(data_dir);
  Result<std::uint64_t> gen = store.current_generation();
  if (!gen) return Error{gen.error()};
  state.generation = *gen;
  if (state.generation == 0) {
    state.roster = std::move(seed_roster);
    return state;
  }

  // Which shards wrote this generation.
  std::vector<unsigned> shard_ids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(store.generation_dir(state.generation), ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.rfind("shard-", 0) == 0)
      shard_ids.push_back(std::stoul(name.substr(6)));
  }
  if (ec)
    return Error{"cannot list " + store.generation_dir(state.generation) + ": " + ec.message()};
  std::sort(shard_ids.begin(), shard_ids.end());
  if (shard_ids.empty() || shard_ids.front() != 0 || shard_ids.back() + 1 != shard_ids.size()) {
    return Error{store.generation_dir(state.generation) +
                 " does not hold shard directories 0..n-1"};
  }

  // Read every shard in parallel.
  std::vector<ShardFiles> files(shard_ids.size());
  {
    std::vector<std::thread> readers;
    for (const unsigned shard : shard_ids) {
      readers.emplace_back([&, shard] {
        read_shard(store.shard_dir(state.generation, shard), shard, files[shard]);
      });
    }
    for (std::thread& t : readers) t.join();
  }
  for (const ShardFiles& f : files) {
    if (!f.error.empty()) return Error{f.error};
  }

  // The roster: the generation's (or shard 0's newer roster snapshot) + enrollments.
  const std::string roster_path = files[0].roster_snapshot.empty()
                                      ? store.roster_path(state.generation)
                                      : files[0].roster_snapshot;
  Result<std::shared_ptr<const Roster>> roster = read_roster_file(roster_path);
  if (!roster) return Error{roster.error()};
  state.roster = *roster;
  for (const LoggedRecord& r : files[0].records) {
    const auto* e = std::get_if<EnrolledRecord>(&r.record);
    if (e == nullptr || e->roster_version <= state.roster->version()) continue;
    if (state.roster->user(e->student) == nullptr || state.roster->class_info(e->cls) == nullptr) {
      return Error{"shard 0 LSN " + std::to_string(r.lsn) +
                   ": enrollment of unknown student or class"};
    }
    state.roster = state.roster->with_enrollment(e->student, e->cls);
  }

  // Replay each shard's classes (disjoint sets of classes: in parallel).
  std::vector<std::unordered_map<ClassId, ClassAttendance>> per_shard(files.size());
  std::vector<std::string> errors(files.size());
  {
    std::vector<std::thread> replayers;
    for (std::size_t i = 0; i < files.size(); ++i) {
      replayers.emplace_back([&, i] {
        auto& classes = per_shard[i];
        std::vector<Event> events;
        for (ClassAttendance& c : files[i].snapshot_classes) classes.emplace(c.id(), std::move(c));
        // Students whose join this log announces: live, the owner installed the new
        // roster and logged the announcement in one step, so records before it were
        // applied (and their counts computed) without the student. Replay likewise.
        std::unordered_map<ClassId, std::vector<UserId>> joins_ahead;
        for (const LoggedRecord& r : files[i].records) {
          if (const auto* j = std::get_if<ClassJoinedRecord>(&r.record))
            joins_ahead[j->cls].push_back(j->student);
        }
        ClassInfo then;  // the class as it was at a record, while joins lie ahead
        for (const LoggedRecord& r : files[i].records) {
          if (std::holds_alternative<EnrolledRecord>(r.record)) continue;
          const ClassId cls = std::visit(
              [](const auto& rec) -> ClassId {
                if constexpr (std::is_same_v<std::decay_t<decltype(rec)>, EnrolledRecord>) {
                  return ClassId{};
                } else {
                  return rec.cls;
                }
              },
              r.record);
          const ClassInfo* info = state.roster->class_info(cls);
          if (info != nullptr) {
            if (auto ahead = joins_ahead.find(cls);
                ahead != joins_ahead.end() && !ahead->second.empty()) {
              std::vector<UserId>& pending = ahead->second;
              then = *info;
              std::erase_if(then.students, [&](UserId u) {
                return std::find(pending.begin(), pending.end(), u) != pending.end();
              });
              if (const auto* j = std::get_if<ClassJoinedRecord>(&r.record)) {
                pending.erase(std::find(pending.begin(), pending.end(), j->student));
              }
              info = &then;
            }
          }
          std::string why;
          if (info == nullptr) {
            why = "the class does not exist";
          } else {
            auto it = classes.find(cls);
            if (it == classes.end()) it = classes.emplace(cls, ClassAttendance(cls)).first;
            events.clear();
            if (replay(it->second, *info, r.record, why, &events)) {
              if (on_replayed)
                on_replayed(static_cast<unsigned>(i), *state.roster, *info, it->second, r.record,
                            events);
              continue;
            }
          }
          errors[i] = "shard " + std::to_string(i) + " LSN " + std::to_string(r.lsn) + " (" +
                      to_string(type_of(r.record)) + ", class " + std::to_string(cls.value) +
                      "): " + why;
          return;
        }
      });
    }
    for (std::thread& t : replayers) t.join();
  }
  for (const std::string& e : errors) {
    if (!e.empty()) return Error{"log record does not apply: " + e};
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    files[i].summary.classes = per_shard[i].size();
    state.records_replayed += files[i].summary.records;
    state.shards.push_back(files[i].summary);
    if (visit) {
      for (const LoggedRecord& r : files[i].records)
        visit(static_cast<unsigned>(i), r.lsn, r.record);
    }
    for (auto& [id, att] : per_shard[i]) {
      if (!state.classes.emplace(id, std::move(att)).second) {
        return Error{"class " + std::to_string(id.value) + " appears in more than one shard's log"};
      }
    }
  }
  state.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return state;
}

}  // namespace rollcall::wal
