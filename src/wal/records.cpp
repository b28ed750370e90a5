// Log record payloads: the domain commands, encoded, decoded and dumped by walking
// each command's field list (domain/commands.hpp) with one visitor each.

#include "rollcall/wal/records.hpp"

#include <type_traits>
#include <utility>

#include "rollcall/common/assert.hpp"
#include "rollcall/common/json_escape.hpp"
#include "src/wal/payload_io.hpp"

namespace rollcall::wal {

namespace {

using domain::Command;

// The record type of each command, and back.
template <typename T>
constexpr RecordType record_type() {
  if constexpr (std::is_same_v<T, domain::OpenSession>)
    return RecordType::SessionOpened;
  else if constexpr (std::is_same_v<T, domain::CheckIn>)
    return RecordType::CheckedIn;
  else if constexpr (std::is_same_v<T, domain::Override>)
    return RecordType::Overridden;
  else if constexpr (std::is_same_v<T, domain::Bulk>)
    return RecordType::BulkApplied;
  else if constexpr (std::is_same_v<T, domain::CloseSession>)
    return RecordType::SessionClosed;
  else if constexpr (std::is_same_v<T, domain::AnnounceJoin>)
    return RecordType::ClassJoined;
  else if constexpr (std::is_same_v<T, domain::Enroll>)
    return RecordType::Enrolled;
  else if constexpr (std::is_same_v<T, domain::Subscribe>)
    return RecordType::PushSubscribed;
  else if constexpr (std::is_same_v<T, domain::Unsubscribe>)
    return RecordType::PushUnsubscribed;
  else if constexpr (std::is_same_v<T, domain::SetPushPreferences>)
    return RecordType::PushPreferencesSet;
  else if constexpr (std::is_same_v<T, domain::ImportRoster>)
    return RecordType::RosterImported;
  else
    static_assert(kAlwaysFalse<T>);
}

template <typename T>
std::optional<Command> read_as(std::string_view payload) {
  T c{};
  PayloadReader in(payload);
  T::fields(c, in);
  in.finish();
  if (!in.ok()) return std::nullopt;
  return Command{std::move(c)};
}

// Logs from before one check-in type: a live check-in had no op_id, a live
// override no at_ms or op_id. Read with their old field lists.
std::optional<Command> read_legacy_check_in(std::string_view payload) {
  domain::CheckIn c;
  PayloadReader in(payload);
  in("cls", c.cls), in("session", c.session), in("student", c.student), in("method", c.method);
  in("at_ms", c.at_ms), in("now_ms", c.now_ms), in.finish();
  if (!in.ok()) return std::nullopt;
  return Command{std::move(c)};
}

std::optional<Command> read_legacy_override(std::string_view payload) {
  domain::Override c;
  PayloadReader in(payload);
  in("cls", c.cls), in("session", c.session), in("actor", c.actor), in("student", c.student);
  in("status", c.status), in("reason", c.reason), in("now_ms", c.now_ms), in.finish();
  c.at_ms = c.now_ms;
  if (!in.ok()) return std::nullopt;
  return Command{std::move(c)};
}

// Logs from before rotating codes (data format 1): no seed, no rotation.
std::optional<Command> read_legacy_open(std::string_view payload) {
  domain::OpenSession c;
  PayloadReader in(payload);
  in("cls", c.cls), in("actor", c.actor), in("late_after_minutes", c.late_after_minutes);
  in("verification_code", c.verification_code), in("now_ms", c.now_ms), in.finish();
  if (!in.ok()) return std::nullopt;
  return Command{std::move(c)};
}

std::optional<Command> read_payload(RecordType type, std::string_view payload) {
  switch (type) {
    case RecordType::LegacySessionOpened: return read_legacy_open(payload);
    case RecordType::SessionOpened: return read_as<domain::OpenSession>(payload);
    case RecordType::LegacyCheckedIn: return read_legacy_check_in(payload);
    case RecordType::LegacyOverridden: return read_legacy_override(payload);
    case RecordType::BulkApplied: return read_as<domain::Bulk>(payload);
    case RecordType::SessionClosed: return read_as<domain::CloseSession>(payload);
    case RecordType::Enrolled: return read_as<domain::Enroll>(payload);
    case RecordType::ClassJoined: return read_as<domain::AnnounceJoin>(payload);
    case RecordType::CheckedIn: return read_as<domain::CheckIn>(payload);
    case RecordType::Overridden: return read_as<domain::Override>(payload);
    case RecordType::PushSubscribed: return read_as<domain::Subscribe>(payload);
    case RecordType::PushUnsubscribed: return read_as<domain::Unsubscribe>(payload);
    case RecordType::PushPreferencesSet: return read_as<domain::SetPushPreferences>(payload);
    case RecordType::RosterImported: return read_as<domain::ImportRoster>(payload);
    case RecordType::Commit: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

RecordType type_of(const Command& c) {
  return std::visit([](const auto& cmd) { return record_type<std::decay_t<decltype(cmd)>>(); }, c);
}

void encode(std::string& out, const Command& c) {
  RC_ASSERT(domain::well_formed(c));
  PayloadWriter w(out);
  std::visit([&w](const auto& cmd) { std::decay_t<decltype(cmd)>::fields(cmd, w); }, c);
}

std::optional<Command> decode(RecordType type, std::string_view payload) {
  std::optional<Command> c = read_payload(type, payload);
  // A record that decodes but could not have been written is damage, not data.
  if (c && !domain::well_formed(*c)) return std::nullopt;
  return c;
}

std::string to_json(const Command& c) {
  std::string out;
  PayloadJson j(out);
  j("type", std::string_view(domain::name_of(c)));
  std::visit([&j](const auto& cmd) { std::decay_t<decltype(cmd)>::fields(cmd, j); }, c);
  j.finish();
  return out;
}

std::optional<CommitRecord> decode_commit(std::string_view payload) {
  CommitRecord c;
  PayloadReader in(payload);
  in("batch_first_lsn", c.batch_first_lsn), in("batch_records", c.batch_records), in.finish();
  if (!in.ok()) return std::nullopt;
  return c;
}

}  // namespace rollcall::wal
