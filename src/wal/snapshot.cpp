#include "rollcall/wal/snapshot.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <unordered_set>
#include <utility>

#include "rollcall/wal/crc32c.hpp"

namespace rollcall::wal {

namespace {

using domain::AttendanceStatus;
using domain::AuditEntry;
using domain::ClassId;
using domain::Method;
using domain::Session;

constexpr char kSnapshotMagic[8] = {'R', 'C', 'A', 'L', 'S', 'N', 'A', 'P'};
// 1: without override times/op_ids and applied ops; 2: without offline marks and sync counts;
// 3: without synced override counts
constexpr std::uint8_t kSnapshotVersion = 5;
constexpr std::size_t kFixedHeaderBytes = 8 + 1 + 3 + 4 + 8 + 8 + 4;  // through the class count
constexpr std::size_t kCrcBytes = 4;

// Smallest encodings, used to reject a count the remaining bytes cannot hold before
// anything is reserved (a flipped bit in a count must not allocate gigabytes).
constexpr std::size_t kClassBytesMin = 8 + 4;
constexpr std::size_t kSessionBytesMin = 8 + 1 + 8 + 8 + 4 + 4 + 4 + 4;
constexpr std::size_t kRecordBytesMin = 8 + 1 + 1 + 1 + 1 + 4 + 1 + 1 + 8;
constexpr std::size_t kAuditBytesMin = 8 + 8 + 8 + 1 + 1 + 1 + 1;
constexpr std::size_t kAppliedOpBytesMin = 8 + 4 + 8 + 8;

constexpr std::uint8_t kStatusMax = static_cast<std::uint8_t>(AttendanceStatus::Excused);
constexpr std::uint8_t kMethodMax = static_cast<std::uint8_t>(Method::SessionClose);

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void flag(bool v) { u8(v ? 1 : 0); }
  void u32(std::uint32_t v) {
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
    out_.append(b, sizeof b);
  }
  void u64(std::uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
    out_.append(b, sizeof b);
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  void opt_str(const std::optional<std::string>& s) {
    flag(s.has_value());
    if (s) str(*s);
  }
  void opt_i64(const std::optional<std::int64_t>& v) {
    flag(v.has_value());
    if (v) i64(*v);
  }

 private:
  std::string& out_;
};

// Reads fields and remembers the first problem; every read after a failure fails too,
// so a caller checks `ok()` once per structure.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t left() const { return in_.size() - pos_; }
  std::size_t pos() const { return pos_; }

  void fail(std::string what) {
    if (ok()) error_ = std::move(what) + " (at byte " + std::to_string(pos_) + ")";
  }

  std::uint8_t u8(const char* what) {
    if (!need(1, what)) return 0;
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::uint32_t u32(const char* what) {
    if (!need(4, what)) return 0;
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in_[pos_ + i]);
    pos_ += 4;
    return v;
  }
  std::uint64_t u64(const char* what) {
    if (!need(8, what)) return 0;
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in_[pos_ + i]);
    pos_ += 8;
    return v;
  }
  std::int64_t i64(const char* what) { return static_cast<std::int64_t>(u64(what)); }
  bool flag(const char* what) {
    const std::uint8_t b = u8(what);
    if (b > 1) fail(std::string(what) + " is " + std::to_string(b) + ", not 0 or 1");
    return b == 1;
  }
  AttendanceStatus status(const char* what) {
    const std::uint8_t b = u8(what);
    if (b > kStatusMax) fail(std::string(what) + ": status " + std::to_string(b) + " out of range");
    return ok() ? static_cast<AttendanceStatus>(b) : AttendanceStatus::Unmarked;
  }
  Method method(const char* what) {
    const std::uint8_t b = u8(what);
    if (b > kMethodMax) fail(std::string(what) + ": method " + std::to_string(b) + " out of range");
    return ok() ? static_cast<Method>(b) : Method::None;
  }
  std::string str(const char* what) {
    const std::uint32_t n = u32(what);
    if (!ok()) return {};
    if (n > left()) {
      fail(std::string(what) + ": length " + std::to_string(n) + " exceeds the bytes left");
      return {};
    }
    std::string s(in_.data() + pos_, n);
    pos_ += n;
    return s;
  }
  std::optional<std::string> opt_str(const char* what) {
    if (!flag(what) || !ok()) return std::nullopt;
    return str(what);
  }
  std::optional<std::int64_t> opt_i64(const char* what) {
    if (!flag(what) || !ok()) return std::nullopt;
    return i64(what);
  }
  /// A count of items of at least `item_bytes` each; fails if they cannot fit.
  std::uint32_t count(const char* what, std::size_t item_bytes) {
    const std::uint32_t n = u32(what);
    if (ok() && n > left() / item_bytes)
      fail(std::string(what) + " " + std::to_string(n) + " cannot fit in the bytes left");
    return ok() ? n : 0;
  }

 private:
  bool need(std::size_t n, const char* what) {
    if (!ok()) return false;
    if (left() < n) {
      fail(std::string("truncated: ") + what);
      return false;
    }
    return true;
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  std::string error_;
};

void encode_session(Writer& w, const Session& s) {
  w.u64(s.id.value);
  w.flag(s.open);
  w.i64(s.starts_at_ms);
  w.i64(s.closed_at_ms);
  w.u32(s.late_after_minutes);
  w.str(s.verification_code);
  w.str(s.code_seed);
  w.u32(s.code_rotation_s);

  // Ascending by student: the file does not depend on hash-map order.
  std::vector<const domain::Record*> records;
  records.reserve(s.records.size());
  for (const auto& [student, rec] : s.records) records.push_back(&rec);
  std::sort(records.begin(), records.end(), [](const domain::Record* a, const domain::Record* b) {
    return a->student < b->student;
  });
  w.u32(static_cast<std::uint32_t>(records.size()));
  for (const domain::Record* r : records) {
    w.u64(r->student.value);
    w.u8(static_cast<std::uint8_t>(r->status));
    w.u8(static_cast<std::uint8_t>(r->method));
    w.opt_i64(r->check_in_time_ms);
    w.flag(r->is_late);
    w.u32(r->late_minutes);
    w.flag(r->is_manual_override);
    w.opt_str(r->override_reason);
    w.i64(r->timestamp_ms);
    w.i64(r->override_at_ms);
    w.str(r->override_op);
    w.flag(r->offline);
    w.u32(r->sync_changes);
    w.u32(r->override_sync_changes);
    w.flag(r->remaining_absent);
  }

  w.u32(static_cast<std::uint32_t>(s.audit.size()));
  for (const AuditEntry& a : s.audit) {
    w.i64(a.at_ms);
    w.u64(a.actor.value);
    w.u64(a.student.value);
    w.u8(static_cast<std::uint8_t>(a.from));
    w.u8(static_cast<std::uint8_t>(a.to));
    w.u8(static_cast<std::uint8_t>(a.method));
    w.opt_str(a.reason);
    w.flag(a.offline);
  }
}

// A rotating code's seed and window (snapshot version 5 on); checked as the log
// checks an OpenSession.
void decode_session_code(Reader& in, Session& s) {
  s.code_seed = in.str("code seed");
  s.code_rotation_s = in.u32("code rotation");
  if (!in.ok()) return;
  const domain::OpenSession as_opened{s.class_id,  domain::UserId{1}, 0, s.verification_code, 0,
                                      s.code_seed, s.code_rotation_s};
  if (!domain::well_formed(as_opened)) in.fail("malformed session code");
}

// Reads session number `seq` of class `cls`; the Reader holds the error if any.
Session decode_session(Reader& in, ClassId cls, std::uint64_t seq, std::uint8_t version) {
  Session s;
  s.class_id = cls;
  s.id = domain::SessionId{in.u64("session id")};
  if (in.ok() && s.id != domain::make_session_id(cls, seq)) {
    in.fail("session " + std::to_string(s.id.value) + " of class " + std::to_string(cls.value) +
            " should have id " + std::to_string(domain::make_session_id(cls, seq).value));
  }
  s.open = in.flag("session open");
  s.starts_at_ms = in.i64("session start");
  s.closed_at_ms = in.i64("session close time");
  if (in.ok() && s.open && s.closed_at_ms != 0) in.fail("open session with a close time");
  s.late_after_minutes = in.u32("late_after_minutes");
  s.verification_code = in.str("verification code");
  if (version >= 5) decode_session_code(in, s);

  const std::uint32_t records = in.count("record count", kRecordBytesMin);
  s.records.reserve(records);
  domain::UserId previous{0};
  for (std::uint32_t i = 0; i < records && in.ok(); ++i) {
    domain::Record r;
    r.student = domain::UserId{in.u64("record student")};
    if (in.ok() && r.student <= previous) in.fail("records not strictly ascending by student");
    previous = r.student;
    r.status = in.status("record status");
    r.method = in.method("record method");
    r.check_in_time_ms = in.opt_i64("record check-in time");
    r.is_late = in.flag("record is_late");
    r.late_minutes = in.u32("record late_minutes");
    r.is_manual_override = in.flag("record is_manual_override");
    r.override_reason = in.opt_str("record override reason");
    r.timestamp_ms = in.i64("record timestamp");
    if (version >= 2) {
      r.override_at_ms = in.i64("record override time");
      r.override_op = in.str("record override op_id");
    } else if (r.is_manual_override) {
      r.override_at_ms = r.timestamp_ms;  // version 1 had only REST overrides: at commit time
    }
    if (version >= 3) {  // before: not marked offline, counted from 0 from now on
      r.offline = in.flag("record offline");
      r.sync_changes = in.u32("record sync changes");
    }
    if (version >= 4) {  // before: counted from 0 from now on
      r.override_sync_changes = in.u32("record synced override changes");
    }
    // Before: a "mark remaining" absent stood like any teacher's decision.
    if (version >= 5) r.remaining_absent = in.flag("record remaining absent");
    if (in.ok() && r.remaining_absent &&
        !(r.is_manual_override && r.status == domain::AttendanceStatus::Absent)) {
      in.fail("a remaining absent that is not a teacher's absent");
    }
    if (in.ok()) s.records.emplace(r.student, std::move(r));
  }

  const std::uint32_t audits = in.count("audit count", kAuditBytesMin);
  s.audit.reserve(audits);
  for (std::uint32_t i = 0; i < audits && in.ok(); ++i) {
    AuditEntry a;
    a.at_ms = in.i64("audit time");
    a.actor = domain::UserId{in.u64("audit actor")};
    a.student = domain::UserId{in.u64("audit student")};
    a.from = in.status("audit from");
    a.to = in.status("audit to");
    a.method = in.method("audit method");
    a.reason = in.opt_str("audit reason");
    if (version >= 3) a.offline = in.flag("audit offline");
    if (in.ok()) s.audit.push_back(std::move(a));
  }
  return s;
}

// The sessions of class `cls`, numbered from 1; at most one of them open.
std::deque<Session> decode_sessions(Reader& in, ClassId cls, std::uint8_t version) {
  const std::uint32_t session_count = in.count("session count", kSessionBytesMin);
  if (in.ok() && session_count > domain::kSessionSeqMax) in.fail("too many sessions");
  std::deque<Session> sessions;
  bool open_seen = false;
  for (std::uint32_t i = 0; i < session_count && in.ok(); ++i) {
    Session s = decode_session(in, cls, i + 1, version);
    if (in.ok() && s.open) {
      if (open_seen) in.fail("class " + std::to_string(cls.value) + " has two open sessions");
      open_seen = true;
    }
    sessions.push_back(std::move(s));
  }
  return sessions;
}

// The synced ops class `cls` applied (v2), each naming one of its `session_count`
// sessions, none twice.
std::vector<domain::AppliedOp> decode_applied_ops(Reader& in, ClassId cls,
                                                  std::size_t session_count) {
  const std::uint32_t op_count = in.count("applied op count", kAppliedOpBytesMin);
  std::vector<domain::AppliedOp> ops;
  ops.reserve(op_count);
  std::unordered_set<std::string> keys;
  for (std::uint32_t i = 0; i < op_count && in.ok(); ++i) {
    domain::AppliedOp op;
    op.user = domain::UserId{in.u64("op user")};
    op.op_id = in.str("op id");
    op.session = domain::SessionId{in.u64("op session")};
    op.student = domain::UserId{in.u64("op student")};
    const std::uint64_t seq = op.session.value & domain::kSessionSeqMax;
    if (in.ok() && (domain::class_of(op.session) != cls || seq == 0 || seq > session_count)) {
      in.fail("applied op " + op.op_id + " names session " + std::to_string(op.session.value) +
              ", not one of class " + std::to_string(cls.value));
    }
    if (in.ok() && !keys.insert(std::to_string(op.user.value) + ":" + op.op_id).second) {
      in.fail("applied op " + op.op_id + " appears twice");
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

// One class as plain data: ClassAttendance objects are built only from a snapshot
// known to be well formed (restore() asserts).
struct ParsedClass {
  ClassId cls;
  std::deque<Session> sessions;
  std::vector<domain::AppliedOp> ops;
};

// Reads one class; `seen` holds the ids of the classes before it.
ParsedClass decode_class(Reader& in, std::uint8_t version, std::unordered_set<ClassId>& seen) {
  const ClassId cls{in.u64("class id")};
  if (in.ok() && (cls.value == 0 || cls.value > domain::kClassIdMax)) {
    in.fail("class id " + std::to_string(cls.value) + " out of range");
  }
  if (in.ok() && !seen.insert(cls).second)
    in.fail("class " + std::to_string(cls.value) + " appears twice");
  std::deque<Session> sessions = decode_sessions(in, cls, version);
  std::vector<domain::AppliedOp> ops;
  if (version >= 2) ops = decode_applied_ops(in, cls, sessions.size());
  return ParsedClass{cls, std::move(sessions), std::move(ops)};
}

// Reads the fixed header after the magic into `header`; returns the format version.
Result<std::uint8_t> decode_header(Reader& in, SnapshotHeader& header) {
  const std::uint8_t version = in.u8("version");
  if (version < 1 || version > kSnapshotVersion) {
    return Error{"unsupported snapshot version " + std::to_string(version)};
  }
  if (in.u8("reserved") != 0 || in.u8("reserved") != 0 || in.u8("reserved") != 0) {
    return Error{"non-zero reserved bytes in the snapshot header"};
  }
  header.shard = in.u32("shard");
  header.generation = in.u64("generation");
  header.covered_lsn = in.u64("covered LSN");
  return version;
}

// Reads every class to the end of `in`, checking the structure as a whole.
Result<std::vector<ParsedClass>> decode_classes(Reader& in, std::uint8_t version) {
  std::vector<ParsedClass> parsed;
  std::unordered_set<ClassId> seen;
  const std::uint32_t class_count = in.count("class count", kClassBytesMin);
  parsed.reserve(class_count);
  for (std::uint32_t c = 0; c < class_count && in.ok(); ++c) {
    parsed.push_back(decode_class(in, version, seen));
  }
  if (!in.ok()) return Error{"malformed snapshot: " + in.error()};
  if (in.left() != 0)
    return Error{"malformed snapshot: " + std::to_string(in.left()) + " trailing bytes"};
  return parsed;
}

}  // namespace

std::string encode_snapshot(const SnapshotHeader& header,
                            const std::vector<const domain::ClassAttendance*>& classes) {
  std::string out;
  Writer w(out);
  out.append(kSnapshotMagic, sizeof kSnapshotMagic);
  w.u8(kSnapshotVersion);
  out.append(3, '\0');
  w.u32(header.shard);
  w.u64(header.generation);
  w.u64(header.covered_lsn);
  w.u32(static_cast<std::uint32_t>(classes.size()));
  for (const domain::ClassAttendance* c : classes) {
    w.u64(c->id().value);
    w.u32(static_cast<std::uint32_t>(c->sessions().size()));
    for (const Session& s : c->sessions()) encode_session(w, s);
    w.u32(static_cast<std::uint32_t>(c->applied_ops().size()));
    for (const domain::AppliedOp& op : c->applied_ops()) {
      w.u64(op.user.value);
      w.str(op.op_id);
      w.u64(op.session.value);
      w.u64(op.student.value);
    }
  }
  w.u32(crc32c(out.data(), out.size()));
  return out;
}

Result<DecodedSnapshot> decode_snapshot(std::string_view bytes) {
  if (bytes.size() < kFixedHeaderBytes + kCrcBytes) {
    return Error{"snapshot of " + std::to_string(bytes.size()) + " bytes is too short"};
  }
  const std::string_view body = bytes.substr(0, bytes.size() - kCrcBytes);
  Reader crc_in(bytes.substr(body.size()));
  if (crc_in.u32("crc") != crc32c(body.data(), body.size())) return Error{"snapshot CRC mismatch"};
  if (std::memcmp(body.data(), kSnapshotMagic, sizeof kSnapshotMagic) != 0)
    return Error{"not a snapshot (bad magic)"};

  Reader in(body.substr(sizeof kSnapshotMagic));
  DecodedSnapshot out;
  const Result<std::uint8_t> version = decode_header(in, out.header);
  if (!version) return Error{version.error()};
  Result<std::vector<ParsedClass>> parsed = decode_classes(in, *version);
  if (!parsed) return Error{parsed.error()};

  // Reserved up front: ClassAttendance points into its own sessions, so the vector
  // must not copy elements while growing.
  out.classes.reserve(parsed->size());
  for (ParsedClass& p : *parsed) {
    domain::ClassAttendance& c = out.classes.emplace_back(p.cls);
    c.restore(std::move(p.sessions));
    c.restore_applied_ops(std::move(p.ops));
  }
  return out;
}

}  // namespace rollcall::wal
