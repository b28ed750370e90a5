// The student's own history and the admin's today view: what each owner writes for
// its classes (the parts) and how the accepting shard answers (docs/api.md "History,
// reports and dates"). The trip between shards is api/gather.

#include "rollcall/api/history_reads.hpp"

#include "rollcall/api/gather.hpp"
#include "rollcall/api/request.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/wire/json.hpp"

namespace rollcall::api {

using namespace domain;

namespace {

// The caller's record in each of the class's sessions in range, newest first.
void my_records(ShardApi& owner, const GatherRead& read, ClassId cls,
                std::vector<GatherItem>& out) {
  const ClassInfo* info = owner.roster().class_info(cls);
  if (info == nullptr) return;
  const auto& sessions = owner.owner.attendance(cls).sessions();
  std::size_t kept = 0;
  for (auto it = sessions.rbegin(); it != sessions.rend() && kept <= read.max; ++it) {
    if (!read.range.contains(owner.services.time_zone.day_of(it->starts_at_ms))) continue;
    GatherItem item{-it->starts_at_ms, {}};
    JsonWriter w(item.json);
    wire::write_record(w, owner.roster(), *info, *it, it->record_of(read.user));
    out.push_back(std::move(item));
    ++kept;
  }
}

std::string records_body(const GatherRead&, const std::vector<GatherItem>& items, bool truncated) {
  std::string body;
  JsonWriter w(body);
  w.begin_object().key("records").begin_array();
  for (const GatherItem& item : items) w.raw(item.json);
  w.end_array();
  if (truncated) w.field("truncated", true);
  w.end_object();
  return body;
}

// The newest session of the class that started on `today`, or null.
const Session* started_on(const ClassAttendance& att, const TimeZone& zone, std::int64_t today) {
  const auto& sessions = att.sessions();
  for (auto it = sessions.rbegin(); it != sessions.rend(); ++it) {
    const std::int64_t day = zone.day_of(it->starts_at_ms);
    if (day == today) return &*it;
    if (day < today) break;
  }
  return nullptr;
}

void today_entry(ShardApi& owner, const GatherRead& read, ClassId cls,
                 std::vector<GatherItem>& out) {
  const ClassInfo* info = owner.roster().class_info(cls);
  if (info == nullptr) return;
  const TimeZone& zone = owner.services.time_zone;
  const Session* s = started_on(owner.owner.attendance(cls), zone, zone.day_of(read.now_ms));
  GatherItem item{static_cast<std::int64_t>(cls.value), {}};
  JsonWriter w(item.json);
  w.begin_object().field("class_id", cls.value).field("class_name", info->name);
  w.key("teachers").begin_array();
  for (const UserId t : info->teachers) {
    const User* u = owner.roster().user(t);
    w.begin_object().field("id", t.value);
    w.field("name", u != nullptr ? std::string_view(u->name) : std::string_view()).end_object();
  }
  w.end_array().key("session");
  const auto enrolled = static_cast<std::uint32_t>(info->students.size());
  if (s == nullptr) {
    w.null();
  } else {
    wire::write_session(w, *info, *s, true, read.now_ms);
  }
  w.key("counts");
  wire::write_counts(w, s != nullptr ? count(*info, *s) : Counts{0, 0, 0, 0, enrolled, enrolled});
  w.end_object();
  out.push_back(std::move(item));
}

std::string today_body(const GatherRead& read, const std::vector<GatherItem>& items,
                       bool truncated) {
  std::string body;
  JsonWriter w(body);
  // range.from_day is today's day number in the district's zone (admin_today).
  w.begin_object().field("date", civil_date(read.range.from_day)).key("classes").begin_array();
  for (const GatherItem& item : items) w.raw(item.json);
  w.end_array();
  if (truncated) w.field("truncated", true);
  w.end_object();
  return body;
}

}  // namespace

Answer my_attendance(ShardApi& api, http::Exchange& ex) {
  Expected<Principal, wire::Error> who = caller(api, ex);
  if (!who) return who.error();
  if (who->role != Role::Student) return wire::forbidden("only students have their own history");
  GatherRead read{my_records, records_body, who->id, {}, wall_ms(), kMyRecordsMax};
  if (auto err = parse_date_range(ex.request.query, read.range)) return *err;
  return dispatch_gather(api, ex, read, who->user->classes);
}

Answer admin_today(ShardApi& api, http::Exchange& ex) {
  Expected<Principal, wire::Error> who = caller(api, ex);
  if (!who) return who.error();
  if (who->role != Role::Admin) return wire::forbidden("only admins see every class");
  const std::int64_t now_ms = wall_ms();
  const std::int64_t today = api.services.time_zone.day_of(now_ms);
  GatherRead read{today_entry, today_body,      who->id, DateRange{today, today},
                  now_ms,      kTodayClassesMax};
  std::vector<ClassId> classes;
  for (const ClassInfo* c : api.roster().classes()) classes.push_back(c->id);
  return dispatch_gather(api, ex, read, classes);
}

}  // namespace rollcall::api
