#include "rollcall/wal/records.hpp"

#include <type_traits>

#include "rollcall/common/json_escape.hpp"

namespace rollcall::wal {

namespace {

using domain::AttendanceStatus;
using domain::Method;

constexpr std::uint8_t kStatusMax = static_cast<std::uint8_t>(AttendanceStatus::Excused);
constexpr std::uint8_t kMethodMax = static_cast<std::uint8_t>(Method::SessionClose);
// The smallest encoding of a bulk item (student, status, absent reason): a count is
// checked against it before anything is reserved.
constexpr std::size_t kBulkItemBytesMin = 8 + 1 + 1;

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
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
    u8(s ? 1 : 0);
    if (s) str(*s);
  }
  void ids(const std::vector<domain::UserId>& v) {
    u32(static_cast<std::uint32_t>(v.size()));
    for (const domain::UserId id : v) u64(id.value);
  }

 private:
  std::string& out_;
};

// Every read fails (returns false) rather than run past the end; callers stop at the
// first failure.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool done() const { return pos_ == in_.size(); }
  std::size_t left() const { return in_.size() - pos_; }

  bool u8(std::uint8_t& v) {
    if (left() < 1) return false;
    v = static_cast<std::uint8_t>(in_[pos_++]);
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (left() < 4) return false;
    v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in_[pos_ + i]);
    pos_ += 4;
    return true;
  }
  bool u64(std::uint64_t& v) {
    if (left() < 8) return false;
    v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in_[pos_ + i]);
    pos_ += 8;
    return true;
  }
  bool i64(std::int64_t& v) {
    std::uint64_t u;
    if (!u64(u)) return false;
    v = static_cast<std::int64_t>(u);
    return true;
  }
  template <typename Tag>
  bool id(domain::Id<Tag>& v) {
    return u64(v.value);
  }
  bool flag(bool& v) {
    std::uint8_t b;
    if (!u8(b) || b > 1) return false;
    v = b == 1;
    return true;
  }
  bool status(AttendanceStatus& v) {
    std::uint8_t b;
    if (!u8(b) || b > kStatusMax) return false;
    v = static_cast<AttendanceStatus>(b);
    return true;
  }
  bool method(Method& v) {
    std::uint8_t b;
    if (!u8(b) || b > kMethodMax) return false;
    v = static_cast<Method>(b);
    return true;
  }
  bool str(std::string& v) {
    std::uint32_t n;
    if (!u32(n) || n > left()) return false;
    v.assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool opt_str(std::optional<std::string>& v) {
    bool present;
    if (!flag(present)) return false;
    if (!present) {
      v.reset();
      return true;
    }
    return str(v.emplace());
  }
  bool opt_status(std::optional<AttendanceStatus>& v) {
    bool present;
    if (!flag(present)) return false;
    if (!present) {
      v.reset();
      return true;
    }
    return status(v.emplace());
  }
  /// A list of user ids, strictly ascending (so also non-zero and without repeats).
  bool ascending_ids(std::vector<domain::UserId>& v) {
    std::uint32_t n;
    if (!u32(n) || n > left() / 8) return false;
    v.clear();
    v.reserve(n);
    domain::UserId previous{0};
    for (std::uint32_t i = 0; i < n; ++i) {
      domain::UserId next;
      if (!id(next) || next <= previous) return false;
      v.push_back(next);
      previous = next;
    }
    return true;
  }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

// JSON object writer for to_json: `"name":value` pairs with the commas handled.
class Json {
 public:
  explicit Json(std::string& out) : out_(out) { out_.push_back('{'); }
  void finish() { out_.push_back('}'); }

  void raw(std::string_view name, std::string_view value) {
    key(name);
    out_.append(value);
  }
  void num(std::string_view name, std::uint64_t v) { raw(name, std::to_string(v)); }
  void snum(std::string_view name, std::int64_t v) { raw(name, std::to_string(v)); }
  void str(std::string_view name, std::string_view v) {
    key(name);
    quoted(v);
  }
  void opt_str(std::string_view name, const std::optional<std::string>& v) {
    if (v) {
      str(name, *v);
    } else {
      raw(name, "null");
    }
  }
  void method(std::string_view name, Method m) {
    if (m == Method::None) {
      raw(name, "null");
    } else {
      str(name, domain::to_string(m));
    }
  }
  void ids(std::string_view name, const std::vector<domain::UserId>& v) {
    key(name);
    out_.push_back('[');
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i != 0) out_.push_back(',');
      out_.append(std::to_string(v[i].value));
    }
    out_.push_back(']');
  }
  // For array items written by the caller.
  std::string& out() { return out_; }
  void key(std::string_view name) {
    if (!first_) out_.push_back(',');
    first_ = false;
    quoted(name);
    out_.push_back(':');
  }
  void quoted(std::string_view v) {
    out_.push_back('"');
    append_json_escaped(out_, v);
    out_.push_back('"');
  }

 private:
  std::string& out_;
  bool first_ = true;
};

template <typename T>
inline constexpr bool kAlwaysFalse = false;

}  // namespace

RecordType type_of(const Record& r) {
  return std::visit(
      [](const auto& rec) -> RecordType {
        using T = std::decay_t<decltype(rec)>;
        if constexpr (std::is_same_v<T, SessionOpenedRecord>)
          return RecordType::SessionOpened;
        else if constexpr (std::is_same_v<T, CheckedInRecord>)
          return RecordType::CheckedIn;
        else if constexpr (std::is_same_v<T, OverriddenRecord>)
          return RecordType::Overridden;
        else if constexpr (std::is_same_v<T, BulkAppliedRecord>)
          return RecordType::BulkApplied;
        else if constexpr (std::is_same_v<T, SessionClosedRecord>)
          return RecordType::SessionClosed;
        else if constexpr (std::is_same_v<T, EnrolledRecord>)
          return RecordType::Enrolled;
        else if constexpr (std::is_same_v<T, ClassJoinedRecord>)
          return RecordType::ClassJoined;
        else if constexpr (std::is_same_v<T, SyncCheckedInRecord>)
          return RecordType::SyncCheckedIn;
        else if constexpr (std::is_same_v<T, SyncOverriddenRecord>)
          return RecordType::SyncOverridden;
        else
          static_assert(kAlwaysFalse<T>);
      },
      r);
}

void encode(std::string& out, const Record& r) {
  Writer w(out);
  std::visit(
      [&w](const auto& rec) {
        using T = std::decay_t<decltype(rec)>;
        if constexpr (std::is_same_v<T, SessionOpenedRecord>) {
          w.u64(rec.cls.value);
          w.u64(rec.actor.value);
          w.u32(rec.late_after_minutes);
          w.str(rec.verification_code);
          w.i64(rec.now_ms);
        } else if constexpr (std::is_same_v<T, CheckedInRecord>) {
          w.u64(rec.cls.value);
          w.u64(rec.session.value);
          w.u64(rec.student.value);
          w.u8(static_cast<std::uint8_t>(rec.method));
          w.i64(rec.at_ms);
          w.i64(rec.now_ms);
        } else if constexpr (std::is_same_v<T, OverriddenRecord>) {
          w.u64(rec.cls.value);
          w.u64(rec.session.value);
          w.u64(rec.actor.value);
          w.u64(rec.student.value);
          w.u8(static_cast<std::uint8_t>(rec.status));
          w.opt_str(rec.reason);
          w.i64(rec.now_ms);
        } else if constexpr (std::is_same_v<T, BulkAppliedRecord>) {
          w.u64(rec.cls.value);
          w.u64(rec.session.value);
          w.u64(rec.actor.value);
          w.u32(static_cast<std::uint32_t>(rec.items.size()));
          for (const domain::BulkItem& item : rec.items) {
            w.u64(item.student.value);
            w.u8(static_cast<std::uint8_t>(item.status));
            w.opt_str(item.reason);
          }
          w.u8(rec.mark_remaining ? 1 : 0);
          if (rec.mark_remaining) w.u8(static_cast<std::uint8_t>(*rec.mark_remaining));
          w.ids(rec.remaining);
          w.i64(rec.now_ms);
        } else if constexpr (std::is_same_v<T, SessionClosedRecord>) {
          w.u64(rec.cls.value);
          w.u64(rec.session.value);
          w.u64(rec.actor.value);
          w.ids(rec.marked_absent);
          w.i64(rec.now_ms);
        } else if constexpr (std::is_same_v<T, EnrolledRecord>) {
          w.u64(rec.student.value);
          w.u64(rec.cls.value);
          w.u64(rec.roster_version);
        } else if constexpr (std::is_same_v<T, ClassJoinedRecord>) {
          w.u64(rec.cls.value);
          w.u64(rec.student.value);
          w.i64(rec.now_ms);
        } else if constexpr (std::is_same_v<T, SyncCheckedInRecord>) {
          w.u64(rec.cls.value);
          w.u64(rec.session.value);
          w.u64(rec.student.value);
          w.u8(static_cast<std::uint8_t>(rec.method));
          w.i64(rec.client_time_ms);
          w.i64(rec.now_ms);
          w.str(rec.op_id);
        } else if constexpr (std::is_same_v<T, SyncOverriddenRecord>) {
          w.u64(rec.cls.value);
          w.u64(rec.session.value);
          w.u64(rec.actor.value);
          w.u64(rec.student.value);
          w.u8(static_cast<std::uint8_t>(rec.status));
          w.opt_str(rec.reason);
          w.i64(rec.client_time_ms);
          w.i64(rec.now_ms);
          w.str(rec.op_id);
        } else {
          static_assert(kAlwaysFalse<T>);
        }
      },
      r);
}

std::optional<Record> decode(RecordType type, std::string_view payload) {
  Reader in(payload);
  std::optional<Record> out;
  bool ok = false;
  switch (type) {
    case RecordType::SessionOpened: {
      SessionOpenedRecord r;
      ok = in.id(r.cls) && in.id(r.actor) && in.u32(r.late_after_minutes) &&
           in.str(r.verification_code) && in.i64(r.now_ms);
      if (ok) out = std::move(r);
      break;
    }
    case RecordType::CheckedIn: {
      CheckedInRecord r;
      ok = in.id(r.cls) && in.id(r.session) && in.id(r.student) && in.method(r.method) &&
           in.i64(r.at_ms) && in.i64(r.now_ms);
      if (ok) out = std::move(r);
      break;
    }
    case RecordType::Overridden: {
      OverriddenRecord r;
      ok = in.id(r.cls) && in.id(r.session) && in.id(r.actor) && in.id(r.student) &&
           in.status(r.status) && in.opt_str(r.reason) && in.i64(r.now_ms);
      if (ok) out = std::move(r);
      break;
    }
    case RecordType::BulkApplied: {
      BulkAppliedRecord r;
      std::uint32_t count = 0;
      ok = in.id(r.cls) && in.id(r.session) && in.id(r.actor) && in.u32(count) &&
           count <= in.left() / kBulkItemBytesMin;
      if (ok) r.items.reserve(count);
      for (std::uint32_t i = 0; ok && i < count; ++i) {
        domain::BulkItem& item = r.items.emplace_back();
        ok = in.id(item.student) && in.status(item.status) && in.opt_str(item.reason);
      }
      // Students are marked "remaining" only when there is a status to mark them with.
      ok = ok && in.opt_status(r.mark_remaining) && in.ascending_ids(r.remaining) &&
           (r.mark_remaining || r.remaining.empty()) && in.i64(r.now_ms);
      if (ok) out = std::move(r);
      break;
    }
    case RecordType::SessionClosed: {
      SessionClosedRecord r;
      ok = in.id(r.cls) && in.id(r.session) && in.id(r.actor) &&
           in.ascending_ids(r.marked_absent) && in.i64(r.now_ms);
      if (ok) out = std::move(r);
      break;
    }
    case RecordType::Enrolled: {
      EnrolledRecord r;
      ok = in.id(r.student) && in.id(r.cls) && in.u64(r.roster_version);
      if (ok) out = std::move(r);
      break;
    }
    case RecordType::ClassJoined: {
      ClassJoinedRecord r;
      ok = in.id(r.cls) && in.id(r.student) && in.i64(r.now_ms);
      if (ok) out = std::move(r);
      break;
    }
    case RecordType::SyncCheckedIn: {
      SyncCheckedInRecord r;
      ok = in.id(r.cls) && in.id(r.session) && in.id(r.student) && in.method(r.method) &&
           in.i64(r.client_time_ms) && in.i64(r.now_ms) && in.str(r.op_id);
      if (ok) out = std::move(r);
      break;
    }
    case RecordType::SyncOverridden: {
      SyncOverriddenRecord r;
      ok = in.id(r.cls) && in.id(r.session) && in.id(r.actor) && in.id(r.student) &&
           in.status(r.status) && in.opt_str(r.reason) && in.i64(r.client_time_ms) &&
           in.i64(r.now_ms) && in.str(r.op_id);
      if (ok) out = std::move(r);
      break;
    }
    case RecordType::Commit: break;
  }
  if (!ok || !in.done()) return std::nullopt;
  return out;
}

std::string to_json(const Record& r) {
  std::string out;
  Json j(out);
  j.str("type", to_string(type_of(r)));
  std::visit(
      [&j](const auto& rec) {
        using T = std::decay_t<decltype(rec)>;
        if constexpr (std::is_same_v<T, SessionOpenedRecord>) {
          j.num("cls", rec.cls.value);
          j.num("actor", rec.actor.value);
          j.num("late_after_minutes", rec.late_after_minutes);
          j.str("verification_code", rec.verification_code);
          j.snum("now_ms", rec.now_ms);
        } else if constexpr (std::is_same_v<T, CheckedInRecord>) {
          j.num("cls", rec.cls.value);
          j.num("session", rec.session.value);
          j.num("student", rec.student.value);
          j.method("method", rec.method);
          j.snum("at_ms", rec.at_ms);
          j.snum("now_ms", rec.now_ms);
        } else if constexpr (std::is_same_v<T, OverriddenRecord>) {
          j.num("cls", rec.cls.value);
          j.num("session", rec.session.value);
          j.num("actor", rec.actor.value);
          j.num("student", rec.student.value);
          j.str("status", domain::to_string(rec.status));
          j.opt_str("reason", rec.reason);
          j.snum("now_ms", rec.now_ms);
        } else if constexpr (std::is_same_v<T, BulkAppliedRecord>) {
          j.num("cls", rec.cls.value);
          j.num("session", rec.session.value);
          j.num("actor", rec.actor.value);
          j.key("items");
          std::string& o = j.out();
          o.push_back('[');
          for (std::size_t i = 0; i < rec.items.size(); ++i) {
            if (i != 0) o.push_back(',');
            Json item(o);
            item.num("student", rec.items[i].student.value);
            item.str("status", domain::to_string(rec.items[i].status));
            item.opt_str("reason", rec.items[i].reason);
            item.finish();
          }
          o.push_back(']');
          if (rec.mark_remaining) {
            j.str("mark_remaining", domain::to_string(*rec.mark_remaining));
          } else {
            j.raw("mark_remaining", "null");
          }
          j.ids("remaining", rec.remaining);
          j.snum("now_ms", rec.now_ms);
        } else if constexpr (std::is_same_v<T, SessionClosedRecord>) {
          j.num("cls", rec.cls.value);
          j.num("session", rec.session.value);
          j.num("actor", rec.actor.value);
          j.ids("marked_absent", rec.marked_absent);
          j.snum("now_ms", rec.now_ms);
        } else if constexpr (std::is_same_v<T, EnrolledRecord>) {
          j.num("student", rec.student.value);
          j.num("cls", rec.cls.value);
          j.num("roster_version", rec.roster_version);
        } else if constexpr (std::is_same_v<T, ClassJoinedRecord>) {
          j.num("cls", rec.cls.value);
          j.num("student", rec.student.value);
          j.snum("now_ms", rec.now_ms);
        } else if constexpr (std::is_same_v<T, SyncCheckedInRecord>) {
          j.num("cls", rec.cls.value);
          j.num("session", rec.session.value);
          j.num("student", rec.student.value);
          j.method("method", rec.method);
          j.snum("client_time_ms", rec.client_time_ms);
          j.snum("now_ms", rec.now_ms);
          j.str("op_id", rec.op_id);
        } else if constexpr (std::is_same_v<T, SyncOverriddenRecord>) {
          j.num("cls", rec.cls.value);
          j.num("session", rec.session.value);
          j.num("actor", rec.actor.value);
          j.num("student", rec.student.value);
          j.str("status", domain::to_string(rec.status));
          j.opt_str("reason", rec.reason);
          j.snum("client_time_ms", rec.client_time_ms);
          j.snum("now_ms", rec.now_ms);
          j.str("op_id", rec.op_id);
        } else {
          static_assert(kAlwaysFalse<T>);
        }
      },
      r);
  j.finish();
  return out;
}

std::optional<CommitRecord> decode_commit(std::string_view payload) {
  Reader in(payload);
  CommitRecord c;
  if (!in.u64(c.batch_first_lsn) || !in.u32(c.batch_records) || !in.done()) return std::nullopt;
  return c;
}

}  // namespace rollcall::wal
