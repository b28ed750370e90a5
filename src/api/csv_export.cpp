#include "rollcall/api/csv_export.hpp"

#include <charconv>

#include "rollcall/common/clock.hpp"

namespace rollcall::api {

using namespace domain;

namespace {

void field(std::string& out, std::string_view v) {
  // A spreadsheet reads a cell starting with any of these as a formula (OWASP's
  // list: TAB and CR too, which some programs skip before looking for '=').
  const bool formula =
      !v.empty() && std::string_view("=+-@\t\r").find(v[0]) != std::string_view::npos;
  const bool quote = formula || v.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out.append(v);
    return;
  }
  out.push_back('"');
  if (formula) out.push_back('\'');
  for (const char ch : v) {
    if (ch == '"') out.push_back('"');
    out.push_back(ch);
  }
  out.push_back('"');
}

void number(std::string& out, std::uint64_t n) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  (void)ec;
  out.append(buf, static_cast<std::size_t>(end - buf));
}

void time_field(std::string& out, std::int64_t ms) {
  char buf[32];
  out.append(buf, format_rfc3339_ms(ms, buf));
}

}  // namespace

void append_csv_field(std::string& out, std::string_view v) {
  field(out, v);
}

void write_attendance_csv(std::string& out, const Roster& roster, const ClassInfo& cls,
                          const ClassAttendance& att, const DateRange& range,
                          const TimeZone& zone) {
  out.append(kCsvHeader).append("\r\n");
  for (const Session& s : att.sessions()) {
    const std::int64_t day = zone.day_of(s.starts_at_ms);
    if (!range.contains(day)) continue;
    const std::string date = civil_date(day);
    for (const UserId student : cls.students) {
      const Record r = s.record_of(student);
      const User* u = roster.user(student);
      out.append(date).push_back(',');
      number(out, s.id.value);
      out.push_back(',');
      number(out, cls.id.value);
      out.push_back(',');
      field(out, cls.name);
      out.push_back(',');
      number(out, student.value);
      out.push_back(',');
      field(out, u != nullptr ? std::string_view(u->sourced_id) : std::string_view());
      out.push_back(',');
      field(out, u != nullptr ? std::string_view(u->name) : std::string_view());
      out.push_back(',');
      out.append(to_string(r.status)).push_back(',');
      if (r.check_in_time_ms) time_field(out, *r.check_in_time_ms);
      out.push_back(',');
      number(out, r.late_minutes);
      out.push_back(',');
      if (r.method != Method::None) out.append(to_string(r.method));
      out.push_back(',');
      out.append(r.is_manual_override ? "true" : "false").push_back(',');
      if (r.override_reason) field(out, *r.override_reason);
      out.append("\r\n");
    }
  }
}

}  // namespace rollcall::api
