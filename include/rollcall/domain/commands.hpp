#pragma once
/// The changes the attendance state (and the roster) can go through, one type per
/// change, each with every input resolved (times, codes, ids, the students a close
/// or a bulk "mark remaining" marks). A command is what the owner shard applies
/// live, what the log stores, and what recovery replays: the same value all three
/// times.
///
/// Each type lists its fields once (`fields`): the log's encoder, decoder and
/// `rollcall wal dump` all walk that list, so a field added here is stored, read
/// and shown without another edit.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "rollcall/domain/push.hpp"
#include "rollcall/domain/roster.hpp"
#include "rollcall/domain/types.hpp"

namespace rollcall::domain {

inline constexpr std::size_t kReasonBytesMax = 500;  ///< override and bulk reasons
inline constexpr std::size_t kOpIdBytesMax = 64;     ///< offline op ids (API.md §6)

/// A teacher opens a session with a freshly drawn verification code, or, with a
/// rotating code (API.md §4 `rotating_code`), a freshly drawn seed the code of each
/// `code_rotation_s` window derives from (domain/session_code.hpp); the static
/// code is then empty. A static session has no seed and a rotation of 0.
struct OpenSession {
  ClassId cls;
  UserId actor;
  std::uint32_t late_after_minutes = 5;
  std::string verification_code;
  std::int64_t now_ms = 0;
  std::string code_seed;
  std::uint32_t code_rotation_s = 0;

  bool operator==(const OpenSession&) const = default;
  template <typename Self, typename Visit>
  static void fields(Self& c, Visit&& v) {
    v("cls", c.cls);
    v("actor", c.actor);
    v("late_after_minutes", c.late_after_minutes);
    v("verification_code", c.verification_code);
    v("now_ms", c.now_ms);
    v("code_seed", c.code_seed);
    v("code_rotation_s", c.code_rotation_s);
  }
};

/// A student's check-in whose proof (code or QR token) was accepted. `at_ms` is when
/// it counts (the server's time live; the device's client_time for an offline op);
/// `op_id` is the student's offline op id, "" for a live check-in. An op_id is what
/// marks the version it writes `offline`, synced at `now_ms` (so logs written before
/// records had that mark replay with it: live ones never had an op_id).
struct CheckIn {
  ClassId cls;
  SessionId session;
  UserId student;
  Method method = Method::VerificationCode;
  std::int64_t at_ms = 0;
  std::int64_t now_ms = 0;
  std::string op_id;

  bool operator==(const CheckIn&) const = default;
  template <typename Self, typename Visit>
  static void fields(Self& c, Visit&& v) {
    v("cls", c.cls);
    v("session", c.session);
    v("student", c.student);
    v("method", c.method);
    v("at_ms", c.at_ms);
    v("now_ms", c.now_ms);
    v("op_id", c.op_id);
  }
};

/// A teacher sets one student's status. `at_ms` is when the decision was made (the
/// server's time live; client_time offline); `op_id` the teacher's offline op id,
/// "" live (a synced one is `offline`, as for CheckIn). Between overrides the later
/// (at_ms, op_id) wins.
struct Override {
  ClassId cls;
  SessionId session;
  UserId actor;
  UserId student;
  AttendanceStatus status = AttendanceStatus::Present;
  std::optional<std::string> reason;
  std::int64_t at_ms = 0;
  std::int64_t now_ms = 0;
  std::string op_id;

  bool operator==(const Override&) const = default;
  template <typename Self, typename Visit>
  static void fields(Self& c, Visit&& v) {
    v("cls", c.cls);
    v("session", c.session);
    v("actor", c.actor);
    v("student", c.student);
    v("status", c.status);
    v("reason", c.reason);
    v("at_ms", c.at_ms);
    v("now_ms", c.now_ms);
    v("op_id", c.op_id);
  }
};

struct BulkItem {
  UserId student;
  AttendanceStatus status = AttendanceStatus::Absent;
  std::optional<std::string> reason;

  bool operator==(const BulkItem&) const = default;
};

/// A teacher marks several students at once, and/or every student still unmarked.
/// `remaining` lists the students "mark remaining" marks: live, leave it empty and
/// the owner's state decides (everyone unmarked after the updates); the command that
/// is logged always lists them, so replay marks exactly those.
struct Bulk {
  ClassId cls;
  SessionId session;
  UserId actor;
  std::vector<BulkItem> items;
  std::optional<AttendanceStatus> mark_remaining;
  std::optional<std::vector<UserId>> remaining;  ///< ascending
  std::int64_t now_ms = 0;

  bool operator==(const Bulk&) const = default;
  template <typename Self, typename Visit>
  static void fields(Self& c, Visit&& v) {
    v("cls", c.cls);
    v("session", c.session);
    v("actor", c.actor);
    v("items", c.items);
    v("mark_remaining", c.mark_remaining);
    v("remaining", c.remaining);
    v("now_ms", c.now_ms);
  }
};

/// A teacher closes a session; every student still unmarked becomes absent.
/// `marked_absent` as `Bulk::remaining`: empty live, listed when logged.
struct CloseSession {
  ClassId cls;
  SessionId session;
  UserId actor;
  std::optional<std::vector<UserId>> marked_absent;  ///< ascending
  std::int64_t now_ms = 0;

  bool operator==(const CloseSession&) const = default;
  template <typename Self, typename Visit>
  static void fields(Self& c, Visit&& v) {
    v("cls", c.cls);
    v("session", c.session);
    v("actor", c.actor);
    v("marked_absent", c.marked_absent);
    v("now_ms", c.now_ms);
  }
};

/// The class's owner tells the class a student joined (`student_joined_class`).
/// Changes no attendance; logged so that replay gives later events the seqs they
/// had live, and so replay knows from when on the class counted that student.
struct AnnounceJoin {
  ClassId cls;
  UserId student;
  std::int64_t now_ms = 0;

  bool operator==(const AnnounceJoin&) const = default;
  template <typename Self, typename Visit>
  static void fields(Self& c, Visit&& v) {
    v("cls", c.cls);
    v("student", c.student);
    v("now_ms", c.now_ms);
  }
};

/// A student joined a class with its join code (the roster owner's log).
struct Enroll {
  UserId student;
  ClassId cls;
  std::uint64_t roster_version = 0;  ///< the roster version this enrollment produced

  bool operator==(const Enroll&) const = default;
  template <typename Self, typename Visit>
  static void fields(Self& c, Visit&& v) {
    v("student", c.student);
    v("cls", c.cls);
    v("roster_version", c.roster_version);
  }
};

/// A whole roster as a logged value: its roster-file encoding (wal/roster_file.hpp,
/// what the log stores) and the roster that decodes to, both shared so a command
/// copies no megabytes. The encoding is made once, off the shard threads.
struct RosterImage {
  std::shared_ptr<const std::string> encoded;
  std::shared_ptr<const Roster> roster;

  bool operator==(const RosterImage& o) const {
    return encoded && o.encoded ? *encoded == *o.encoded : encoded == o.encoded;
  }
};

/// A roster import applied while the server runs (POST /api/v1/admin/oneroster):
/// the roster it produced, whole, which replaces the roster in force.
struct ImportRoster {
  std::uint64_t roster_version = 0;  ///< the version the import produced
  RosterImage image;

  bool operator==(const ImportRoster&) const = default;
  template <typename Self, typename Visit>
  static void fields(Self& c, Visit&& v) {
    v("roster_version", c.roster_version);
    v("roster", c.image);
  }
};

/// Every change that is logged: a class's (the first six), or the roster owner's
/// (Enroll, ImportRoster and the push directory's, domain/push.hpp).
using Command = std::variant<OpenSession, CheckIn, Override, Bulk, CloseSession, AnnounceJoin,
                             Enroll, Subscribe, Unsubscribe, SetPushPreferences, ImportRoster>;

/// The roster owner's roster changes (no class, no time of their own).
template <typename T>
inline constexpr bool kRosterCommand = std::is_same_v<T, Enroll> || std::is_same_v<T, ImportRoster>;

/// The command's name as `rollcall wal dump` shows it ("checked_in", ...).
const char* name_of(const Command& c);
/// The class a command changes (none for the roster owner's commands).
ClassId class_of(const Command& c);
/// Whether `c` changes the push directory (Subscribe, Unsubscribe, SetPushPreferences).
bool is_push_command(const Command& c);
/// Applies a push command (`is_push_command(c)`) to `directory`.
PushDirectory::Change apply_push(PushDirectory& directory, const Command& c);
/// When the command was applied (what its live events carry); 0 for roster commands.
std::int64_t applied_at_ms(const Command& c);

/// Whether `c` could have been produced by the owner: ids set, the session in the
/// class, settable statuses, bounded strings, ascending student lists that are
/// present. The log asserts it before appending and checks it after decoding.
bool well_formed(const Command& c);

}  // namespace rollcall::domain
