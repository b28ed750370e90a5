#pragma once
/// Value types of the attendance domain: strong ids, roles, statuses, methods.
/// Pure data: no I/O, no allocation beyond what the values hold.

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

namespace rollcall::domain {

/// A strongly typed 64-bit id: `UserId` and `ClassId` cannot be swapped silently.
/// Ids are positive; 0 means "none".
template <typename Tag>
struct Id {
  std::uint64_t value = 0;
  constexpr Id() = default;
  constexpr explicit Id(std::uint64_t v) : value(v) {}
  constexpr explicit operator bool() const { return value != 0; }
  constexpr auto operator<=>(const Id&) const = default;
};

using UserId = Id<struct UserTag>;
using ClassId = Id<struct ClassTag>;
using SessionId = Id<struct SessionTag>;

/// Session ids encode their class so any shard can route `/sessions/{id}` to the
/// class's owner without a lookup: id = class_id * 2^20 + n, n = 1..2^20-1 the
/// class's session number. Class ids stay below 2^33 so ids fit in 2^53 (exact in
/// JavaScript numbers).
inline constexpr unsigned kSessionSeqBits = 20;
inline constexpr std::uint64_t kClassIdMax = (1ull << 33) - 1;
inline constexpr std::uint64_t kSessionSeqMax = (1ull << kSessionSeqBits) - 1;

constexpr SessionId make_session_id(ClassId c, std::uint64_t seq) {
  return SessionId{(c.value << kSessionSeqBits) | seq};
}
constexpr ClassId class_of(SessionId s) {
  return ClassId{s.value >> kSessionSeqBits};
}

enum class Role : std::uint8_t { Admin, Teacher, Student };

enum class AttendanceStatus : std::uint8_t { Unmarked, Present, Late, Absent, Excused };

enum class Method : std::uint8_t {
  None,
  QrCode,
  VerificationCode,
  TeacherOverride,
  Bulk,
  SessionClose
};

std::string_view to_string(Role r);
std::string_view to_string(AttendanceStatus s);
/// "null" is not a method name: callers write JSON null for Method::None.
std::string_view to_string(Method m);
std::optional<Role> role_from_string(std::string_view s);
std::optional<AttendanceStatus> status_from_string(std::string_view s);

}  // namespace rollcall::domain

template <typename Tag>
struct std::hash<rollcall::domain::Id<Tag>> {
  std::size_t operator()(const rollcall::domain::Id<Tag>& id) const noexcept {
    return std::hash<std::uint64_t>{}(id.value);
  }
};
