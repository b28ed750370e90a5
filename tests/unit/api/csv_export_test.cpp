#include "rollcall/api/csv_export.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

namespace rollcall::api {
namespace {

using namespace domain;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find("\r\n", start);
    out.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 2;
  }
  return out;
}

TEST(CsvExport, HeaderRowsQuotingAndDateFilter) {
  RosterBuilder b;
  b.add_user(User{UserId{2}, "t", "Teacher", Role::Teacher, "", "", {}});
  b.add_user(User{UserId{10}, "a", "O'Brien, \"Al\"", Role::Student, "", "src-10", {}});
  b.add_user(User{UserId{11}, "b", "=HYPERLINK(1)", Role::Student, "", "", {}});
  b.add_class(ClassInfo{ClassId{4}, "Math, 101", "", "", {}, {}});
  b.assign_teacher(UserId{2}, ClassId{4});
  b.enroll(UserId{10}, ClassId{4});
  b.enroll(UserId{11}, ClassId{4});
  auto roster = b.build();
  const ClassInfo& cls = *roster->class_info(ClassId{4});
  ClassAttendance att(ClassId{4});
  const std::int64_t start = 1'795'334'400'000;  // 2026-11-22T08:00:00Z
  const SessionId sid =
      att.apply(cls, OpenSession{ClassId{4}, UserId{2}, 5, "123456", start}).session;
  ASSERT_TRUE(att.apply(cls, CheckIn{ClassId{4}, sid, UserId{10}, Method::QrCode, start + 60'000,
                                     start + 60'000, ""})
                  .applied());
  ASSERT_TRUE(
      att.apply(cls, Override{ClassId{4}, sid, UserId{2}, UserId{11}, AttendanceStatus::Excused,
                              std::string("note, \"quoted\""), start, start, ""})
          .applied());

  std::string out;
  write_attendance_csv(out, *roster, cls, att, DateRange{}, TimeZone{});
  const auto rows = lines(out);
  ASSERT_EQ(rows.size(), 3u) << out;
  EXPECT_EQ(rows[0], kCsvHeader);
  EXPECT_EQ(rows[1], "2026-11-22," + std::to_string(sid.value) +
                         ",4,\"Math, 101\",10,src-10,\"O'Brien, "
                         "\"\"Al\"\"\",present,2026-11-22T08:01:00.000Z,0,qr_code,false,");
  EXPECT_EQ(rows[2],
            "2026-11-22," + std::to_string(sid.value) +
                ",4,\"Math, 101\",11,,\"'=HYPERLINK(1)\",excused,,0,teacher_override,true,\"note, "
                "\"\"quoted\"\"\"");

  const std::int64_t day = *parse_day("2026-11-22");
  std::string none;
  write_attendance_csv(none, *roster, cls, att, DateRange{day + 1, day + 5}, TimeZone{});
  EXPECT_EQ(lines(none).size(), 1u);  // header only
  std::string same_day;
  write_attendance_csv(same_day, *roster, cls, att, DateRange{day, day}, TimeZone{});
  EXPECT_EQ(lines(same_day).size(), 3u);
}

TEST(CsvExport, ParseDayValidatesCalendarDates) {
  EXPECT_EQ(parse_day("1970-01-01"), 0);
  EXPECT_EQ(parse_day("2026-11-22"), 20779);  // 1795334400 s / 86400
  EXPECT_TRUE(parse_day("2024-02-29"));
  EXPECT_FALSE(parse_day("2026-02-29"));
  EXPECT_FALSE(parse_day("2026-13-01"));
  EXPECT_FALSE(parse_day("2026-1-01"));
  EXPECT_FALSE(parse_day("yesterday"));
}

}  // namespace
}  // namespace rollcall::api
