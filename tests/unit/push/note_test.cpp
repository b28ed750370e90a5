// What each change tells Web Push, and to whom.

#include "rollcall/push/note.hpp"

#include <gtest/gtest.h>

namespace rollcall::push {
namespace {

using namespace domain;

ClassInfo class_3() {
  return ClassInfo{ClassId{3}, "Class 3", "JOIN", "", {UserId{2}}, {UserId{10}, UserId{11}}};
}

Outcome applied(Command logged, std::vector<Event> events, SessionId session) {
  Outcome out;
  out.change = Change::Applied;
  out.logged = std::move(logged);
  out.events = std::move(events);
  out.session = session;
  return out;
}

Record record(std::uint64_t student, AttendanceStatus status) {
  Record r;
  r.student = UserId{student};
  r.status = status;
  return r;
}

const SessionId kSid = make_session_id(ClassId{3}, 1);

TEST(PushNoteTest, SessionOpenedGoesToEveryStudentWithTheCheckInAction) {
  const OpenSession cmd{ClassId{3}, UserId{2}, 5, "123456", 1000};
  const auto note = note_for(class_3(), cmd, applied(cmd, {}, kSid), 1000);
  ASSERT_TRUE(note.has_value());
  EXPECT_EQ(note->kind, PushKind::SessionOpened);
  EXPECT_EQ(note->session, kSid);
  ASSERT_EQ(note->messages.size(), 2u);
  EXPECT_EQ(note->messages[0].user, UserId{10});
  EXPECT_EQ(note->messages[1].user, UserId{11});
  const std::string& p = note->messages[0].payload;
  EXPECT_EQ(p,
            "{\"kind\":\"session_opened\",\"title\":\"Attendance is open\",\"body\":\"Class 3: "
            "check in now\",\"url\":\"/class/3#check-in\",\"class_id\":3,\"session_id\":" +
                std::to_string(kSid.value) +
                ",\"actions\":[{\"action\":\"check_in\",\"title\":\"Check in\"}]}");
}

TEST(PushNoteTest, TeachersChangesTellEachStudentTheirOwnStatusOnly) {
  const Bulk cmd{ClassId{3}, kSid, UserId{2}, {}, AttendanceStatus::Absent, {}, 1000};
  Event e{Event::Kind::BulkChanged,
          kSid,
          {record(10, AttendanceStatus::Absent), record(11, AttendanceStatus::Excused)}};
  const auto note = note_for(class_3(), cmd, applied(cmd, {e}, kSid), 1000);
  ASSERT_TRUE(note.has_value());
  EXPECT_EQ(note->kind, PushKind::StatusChanged);
  ASSERT_EQ(note->messages.size(), 2u);
  EXPECT_NE(note->messages[0].payload.find("you are marked absent"), std::string::npos);
  EXPECT_EQ(note->messages[0].payload.find("excused"), std::string::npos);
  EXPECT_NE(note->messages[1].payload.find("you are marked excused"), std::string::npos);
  EXPECT_NE(note->messages[1].payload.find("\"actions\":[]"), std::string::npos);
}

TEST(PushNoteTest, StudentsOwnCheckInAndRefusalsTellNothing) {
  const CheckIn cmd{ClassId{3}, kSid, UserId{10}, Method::VerificationCode, 1, 1, ""};
  Event e{Event::Kind::CheckedIn, kSid, {record(10, AttendanceStatus::Present)}};
  EXPECT_FALSE(note_for(class_3(), cmd, applied(cmd, {e}, kSid), 1).has_value());
  const Override ov{ClassId{3},   kSid, UserId{2}, UserId{10}, AttendanceStatus::Late,
                    std::nullopt, 1,    1,         ""};
  Outcome refused;
  refused.refusal = Refusal::SessionClosed;
  EXPECT_FALSE(note_for(class_3(), ov, refused, 1).has_value());
  // Applied, but nothing a user sees (a synced override's newer time): no event.
  EXPECT_FALSE(note_for(class_3(), ov, applied(ov, {}, kSid), 1).has_value());
}

TEST(PushNoteTest, DigestGoesToTheTeachersWithTheCounts) {
  const Note n = missing_digest(class_3(), kSid, 27, 30, 5);
  EXPECT_EQ(n.kind, PushKind::MissingDigest);
  ASSERT_EQ(n.messages.size(), 1u);
  EXPECT_EQ(n.messages[0].user, UserId{2});
  EXPECT_NE(n.messages[0].payload.find("Class 3: 27 of 30 students have not checked in"),
            std::string::npos);
  EXPECT_NE(n.messages[0].payload.find("\"action\":\"open_roster\""), std::string::npos);
  EXPECT_NE(n.messages[0].payload.find("/class/3#roster"), std::string::npos);
}

TEST(PushNoteTest, TopicFitsRfc8030) {
  const std::string t = topic(PushKind::MissingDigest, SessionId{(1ull << 53) - 1});
  EXPECT_LE(t.size(), 32u);
  for (const char c : t) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << t;
  }
  EXPECT_EQ(topic(PushKind::SessionOpened, SessionId{42}), "session_opened-42");
}

}  // namespace
}  // namespace rollcall::push
