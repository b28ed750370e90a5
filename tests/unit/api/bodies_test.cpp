#include "rollcall/api/bodies.hpp"

#include <gtest/gtest.h>

namespace rollcall::api {
namespace {

using domain::AttendanceStatus;

class BodiesTest : public ::testing::Test {
 protected:
  JsonScratch json_;
};

TEST_F(BodiesTest, CheckInByCodeAndByQr) {
  CheckInBody code;
  ASSERT_FALSE(parse_check_in(json_, R"({"method":"verification_code","class_id":4,"code":"123456","extra":[1,{"x":2}]})", code));
  EXPECT_EQ(code.method, CheckInBody::Method::VerificationCode);
  EXPECT_EQ(code.class_id, 4u);
  EXPECT_EQ(code.code, "123456");
  CheckInBody qr;
  ASSERT_FALSE(parse_check_in(json_, R"({"qr_token":"abc","method":"qr_code"})", qr));
  EXPECT_EQ(qr.method, CheckInBody::Method::QrCode);
  EXPECT_EQ(qr.qr_token, "abc");
}

TEST_F(BodiesTest, MissingAndMistypedFieldsAreNamed) {
  struct Case {
    const char* body;
    int status;
    const char* code;
    const char* field;
  };
  const Case cases[] = {
      {R"({"class_id":4,"code":"1"})", 422, "invalid_field", "method"},
      {R"({"method":"verification_code","code":"1"})", 422, "invalid_field", "class_id"},
      {R"({"method":"verification_code","class_id":4})", 422, "invalid_field", "code"},
      {R"({"method":"verification_code","class_id":"4","code":"1"})", 422, "invalid_field", "class_id"},
      {R"({"method":"verification_code","class_id":0,"code":"1"})", 422, "invalid_field", "class_id"},
      {R"({"method":"verification_code","class_id":-3,"code":"1"})", 422, "invalid_field", "class_id"},
      {R"({"method":"qr_code"})", 422, "invalid_field", "qr_token"},
      {R"({"method":"smoke_signal"})", 422, "invalid_field", "method"},
      {R"({"method":7})", 422, "invalid_field", "method"},
      {R"([1,2])", 400, "invalid_json", ""},
      {R"({"method":"qr_code","qr_token":"a"} trailing)", 400, "invalid_json", ""},
      {R"({"method":"qr_code",)", 400, "invalid_json", ""},
      {R"(not json)", 400, "invalid_json", ""},
      {"", 400, "invalid_json", ""},
  };
  for (const Case& c : cases) {
    CheckInBody out;
    const std::optional<ApiError> e = parse_check_in(json_, c.body, out);
    ASSERT_TRUE(e.has_value()) << c.body;
    EXPECT_EQ(e->status, c.status) << c.body;
    EXPECT_EQ(e->code, c.code) << c.body;
    EXPECT_EQ(e->message.rfind(c.field, 0), 0u) << c.body << " -> " << e->message;
  }
}

TEST_F(BodiesTest, OverrideStatusReasonAndEscapes) {
  OverrideBody o;
  ASSERT_FALSE(parse_override(json_, R"({"status":"excused","reason":"Dr. \"Who\"\n\u00e9"})", o));
  EXPECT_EQ(o.status, AttendanceStatus::Excused);
  EXPECT_EQ(o.reason, "Dr. \"Who\"\n\xc3\xa9");
  OverrideBody null_reason;
  ASSERT_FALSE(parse_override(json_, R"({"status":"late","reason":null})", null_reason));
  EXPECT_FALSE(null_reason.reason.has_value());
  for (const char* bad : {R"({"status":"unmarked"})", R"({"status":"bogus"})", R"({"status":1})",
                          R"({"reason":"x"})", R"({"status":"late","reason":5})"}) {
    OverrideBody out;
    const auto e = parse_override(json_, bad, out);
    ASSERT_TRUE(e.has_value()) << bad;
    EXPECT_EQ(e->code, "invalid_field") << bad;
  }
  OverrideBody too_long;
  const std::string body = R"({"status":"late","reason":")" + std::string(kReasonBytesMax + 1, 'x') + "\"}";
  ASSERT_TRUE(parse_override(json_, body, too_long).has_value());
}

TEST_F(BodiesTest, BulkItemsAndMarkRemaining) {
  BulkBody b;
  ASSERT_FALSE(parse_bulk(json_,
                          R"({"updates":[{"student_id":5,"status":"absent","reason":null},{"student_id":6,"status":"late"}],"mark_remaining":"absent"})",
                          b));
  ASSERT_EQ(b.updates.size(), 2u);
  EXPECT_EQ(b.updates[0].student.value, 5u);
  EXPECT_EQ(b.updates[1].status, AttendanceStatus::Late);
  EXPECT_EQ(b.mark_remaining, AttendanceStatus::Absent);
  BulkBody only_remaining;
  ASSERT_FALSE(parse_bulk(json_, R"({"mark_remaining":"excused"})", only_remaining));
  EXPECT_TRUE(only_remaining.updates.empty());
  BulkBody nothing;
  const auto e = parse_bulk(json_, R"({"updates":[]})", nothing);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "invalid_field");
  BulkBody bad_item;
  const auto e2 = parse_bulk(json_, R"({"updates":[{"student_id":5,"status":"absent"},{"status":"absent"}]})", bad_item);
  ASSERT_TRUE(e2.has_value());
  EXPECT_EQ(e2->message.rfind("updates[1].student_id", 0), 0u) << e2->message;
}

TEST_F(BodiesTest, OpenSessionBodyIsOptionalAndBounded) {
  OpenSessionBody d;
  ASSERT_FALSE(parse_open_session(json_, "", d));
  EXPECT_EQ(d.late_after_minutes, 5u);
  OpenSessionBody z;
  ASSERT_FALSE(parse_open_session(json_, R"({"late_after_minutes":0})", z));
  EXPECT_EQ(z.late_after_minutes, 0u);
  for (const char* bad : {R"({"late_after_minutes":-1})", R"({"late_after_minutes":1441})",
                          R"({"late_after_minutes":"10"})", R"({"late_after_minutes":2.5})"}) {
    OpenSessionBody out;
    const auto e = parse_open_session(json_, bad, out);
    ASSERT_TRUE(e.has_value()) << bad;
    EXPECT_EQ(e->code, "invalid_field") << bad;
  }
}

TEST_F(BodiesTest, LoginAndJoin) {
  LoginBody l;
  ASSERT_FALSE(parse_login(json_, R"({"username":"teacher1","password":"rollcall-demo"})", l));
  EXPECT_EQ(l.username, "teacher1");
  EXPECT_EQ(parse_login(json_, R"({"username":"teacher1"})", l)->message.rfind("password", 0), 0u);
  JoinBody j;
  ASSERT_FALSE(parse_join(json_, R"({"join_code":"ABCD2345"})", j));
  EXPECT_EQ(j.join_code, "ABCD2345");
  EXPECT_EQ(parse_join(json_, R"({})", j)->code, "invalid_field");
}

}  // namespace
}  // namespace rollcall::api
