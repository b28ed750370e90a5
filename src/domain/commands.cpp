#include "rollcall/domain/commands.hpp"

#include <algorithm>
#include <type_traits>

#include "rollcall/common/assert.hpp"
#include "rollcall/domain/session_code.hpp"

namespace rollcall::domain {

namespace {

template <typename T>
inline constexpr bool kPushCommand =
    std::is_same_v<T, Subscribe> || std::is_same_v<T, Unsubscribe> ||
    std::is_same_v<T, SetPushPreferences>;

bool ascending(const std::vector<UserId>& ids) {
  return std::adjacent_find(ids.begin(), ids.end(), [](UserId a, UserId b) { return !(a < b); }) ==
             ids.end() &&
         (ids.empty() || ids.front());
}

bool present_and_ascending(const std::optional<std::vector<UserId>>& ids) {
  return ids.has_value() && ascending(*ids);
}

bool reason_ok(const std::optional<std::string>& r) {
  return !r || r->size() <= kReasonBytesMax;
}

bool settable(AttendanceStatus s) {
  return s != AttendanceStatus::Unmarked && s <= AttendanceStatus::Excused;
}

bool in_session(ClassId cls, SessionId session) {
  return cls && session && class_of(session) == cls;
}

// A static code (at most 64 bytes; no seed, no rotation) or a rotating one (a
// seed, a rotation, no static code).
bool well_formed_codes(const OpenSession& c) {
  if (c.code_rotation_s == 0) return c.code_seed.empty() && c.verification_code.size() <= 64;
  return valid_code_seed(c.code_seed) && c.verification_code.empty() &&
         c.code_rotation_s <= kCodeRotationSMax;
}

bool well_formed_bulk(const Bulk& c) {
  for (const BulkItem& item : c.items) {
    if (!item.student || !settable(item.status) || !reason_ok(item.reason)) return false;
  }
  if (c.mark_remaining && !settable(*c.mark_remaining)) return false;
  // Students are marked "remaining" only when there is a status to mark them with.
  if (!c.mark_remaining && c.remaining && !c.remaining->empty()) return false;
  return present_and_ascending(c.remaining);
}

}  // namespace

const char* name_of(const Command& c) {
  return std::visit(
      [](const auto& cmd) -> const char* {
        using T = std::decay_t<decltype(cmd)>;
        if constexpr (std::is_same_v<T, OpenSession>)
          return "session_opened";
        else if constexpr (std::is_same_v<T, CheckIn>)
          return "checked_in";
        else if constexpr (std::is_same_v<T, Override>)
          return "overridden";
        else if constexpr (std::is_same_v<T, Bulk>)
          return "bulk_applied";
        else if constexpr (std::is_same_v<T, CloseSession>)
          return "session_closed";
        else if constexpr (std::is_same_v<T, AnnounceJoin>)
          return "class_joined";
        else if constexpr (std::is_same_v<T, Enroll>)
          return "enrolled";
        else if constexpr (std::is_same_v<T, Subscribe>)
          return "push_subscribed";
        else if constexpr (std::is_same_v<T, Unsubscribe>)
          return "push_unsubscribed";
        else if constexpr (std::is_same_v<T, SetPushPreferences>)
          return "push_preferences_set";
        else if constexpr (std::is_same_v<T, ImportRoster>)
          return "roster_imported";
        else
          static_assert(kAlwaysFalse<T>);
      },
      c);
}

ClassId class_of(const Command& c) {
  return std::visit(
      [](const auto& cmd) -> ClassId {
        using T = std::decay_t<decltype(cmd)>;
        if constexpr (kRosterCommand<T> || kPushCommand<T>) {
          return ClassId{};
        } else {
          return cmd.cls;
        }
      },
      c);
}

bool is_push_command(const Command& c) {
  return std::visit([](const auto& cmd) { return kPushCommand<std::decay_t<decltype(cmd)>>; }, c);
}

PushDirectory::Change apply_push(PushDirectory& directory, const Command& c) {
  RC_ASSERT(is_push_command(c));
  return std::visit(
      [&directory](const auto& cmd) -> PushDirectory::Change {
        if constexpr (kPushCommand<std::decay_t<decltype(cmd)>>) {
          return directory.apply(cmd);
        } else {
          return {};
        }
      },
      c);
}

std::int64_t applied_at_ms(const Command& c) {
  return std::visit(
      [](const auto& cmd) -> std::int64_t {
        if constexpr (kRosterCommand<std::decay_t<decltype(cmd)>>) {
          return 0;
        } else {
          return cmd.now_ms;
        }
      },
      c);
}

bool well_formed(const Command& c) {
  return std::visit(
      [](const auto& cmd) -> bool {
        using T = std::decay_t<decltype(cmd)>;
        if constexpr (std::is_same_v<T, OpenSession>) {
          return cmd.cls && cmd.actor && well_formed_codes(cmd);
        } else if constexpr (std::is_same_v<T, CheckIn>) {
          return in_session(cmd.cls, cmd.session) && cmd.student &&
                 (cmd.method == Method::VerificationCode || cmd.method == Method::QrCode) &&
                 cmd.op_id.size() <= kOpIdBytesMax;
        } else if constexpr (std::is_same_v<T, Override>) {
          return in_session(cmd.cls, cmd.session) && cmd.actor && cmd.student &&
                 settable(cmd.status) && reason_ok(cmd.reason) && cmd.op_id.size() <= kOpIdBytesMax;
        } else if constexpr (std::is_same_v<T, Bulk>) {
          return in_session(cmd.cls, cmd.session) && cmd.actor && well_formed_bulk(cmd);
        } else if constexpr (std::is_same_v<T, CloseSession>) {
          return in_session(cmd.cls, cmd.session) && cmd.actor &&
                 present_and_ascending(cmd.marked_absent);
        } else if constexpr (std::is_same_v<T, AnnounceJoin>) {
          return cmd.cls && cmd.student;
        } else if constexpr (std::is_same_v<T, Enroll>) {
          return cmd.cls && cmd.student && cmd.roster_version > 0;
        } else if constexpr (std::is_same_v<T, Subscribe>) {
          return cmd.user && cmd.id && !cmd.endpoint.empty() &&
                 cmd.endpoint.size() <= kPushEndpointBytesMax &&
                 cmd.p256dh.size() == kPushKeyTextBytes && cmd.auth.size() == kPushAuthTextBytes;
        } else if constexpr (std::is_same_v<T, Unsubscribe>) {
          return cmd.user && cmd.id;
        } else if constexpr (std::is_same_v<T, SetPushPreferences>) {
          return static_cast<bool>(cmd.user);
        } else if constexpr (std::is_same_v<T, ImportRoster>) {
          return cmd.roster_version > 0 && cmd.image.encoded && cmd.image.roster &&
                 cmd.image.roster->version() == cmd.roster_version;
        } else {
          static_assert(kAlwaysFalse<T>);
        }
      },
      c);
}

}  // namespace rollcall::domain
