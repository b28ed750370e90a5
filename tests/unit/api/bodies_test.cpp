#include "rollcall/api/bodies.hpp"

#include <gtest/gtest.h>

namespace rollcall::api {
namespace {

using domain::AttendanceStatus;

class BodiesTest : public ::testing::Test {
 protected:
  wire::JsonScratch json_;
};

TEST_F(BodiesTest, CheckInByCodeAndByQr) {
  CheckInBody code;
  ASSERT_FALSE(parse_check_in(
      json_, R"({"method":"verification_code","class_id":4,"code":"123456","extra":[1,{"x":2}]})",
      code));
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
      {R"({"method":"verification_code","class_id":"4","code":"1"})", 422, "invalid_field",
       "class_id"},
      {R"({"method":"verification_code","class_id":0,"code":"1"})", 422, "invalid_field",
       "class_id"},
      {R"({"method":"verification_code","class_id":-3,"code":"1"})", 422, "invalid_field",
       "class_id"},
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
    const std::optional<wire::Error> e = parse_check_in(json_, c.body, out);
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
  const std::string body =
      R"({"status":"late","reason":")" + std::string(kReasonBytesMax + 1, 'x') + "\"}";
  ASSERT_TRUE(parse_override(json_, body, too_long).has_value());
}

TEST_F(BodiesTest, BulkItemsAndMarkRemaining) {
  BulkBody b;
  ASSERT_FALSE(parse_bulk(
      json_,
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
  const auto e2 = parse_bulk(
      json_, R"({"updates":[{"student_id":5,"status":"absent"},{"status":"absent"}]})", bad_item);
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

TEST_F(BodiesTest, SyncOpsOfBothKinds) {
  SyncBody b;
  ASSERT_FALSE(parse_sync(json_, R"({"client_id":"phone-1","ops":[
      {"op_id":"a","kind":"check_in","method":"verification_code","class_id":4,"code":"123456",
       "client_time":"2026-11-22T08:01:02.345Z"},
      {"op_id":"b","kind":"check_in","method":"qr_code","class_id":4,"qr_token":"tok","client_time":"2026-11-22T09:01:02+01:00"},
      {"op_id":"c","kind":"override","class_session_id":4194305,"student_id":10,"status":"excused","reason":null,
       "client_time":"2026-11-22T08:00:00Z","extra":{"ignored":true}}]})",
                          b));
  EXPECT_EQ(b.client_id, "phone-1");
  ASSERT_EQ(b.ops.size(), 3u);
  EXPECT_EQ(b.ops[0].kind, SyncOpBody::Kind::CheckIn);
  EXPECT_EQ(b.ops[0].code, "123456");
  EXPECT_EQ(b.ops[0].client_time_ms, 1795334462345);
  EXPECT_EQ(b.ops[1].method, CheckInBody::Method::QrCode);
  EXPECT_EQ(b.ops[1].client_time_ms, 1795334462000);
  EXPECT_EQ(b.ops[2].kind, SyncOpBody::Kind::Override);
  EXPECT_EQ(b.ops[2].session_id, 4194305u);
  EXPECT_EQ(b.ops[2].status, AttendanceStatus::Excused);
  EXPECT_EQ(b.ops[2].reason, std::nullopt);
  for (const SyncOpBody& op : b.ops)
    EXPECT_FALSE(op.error) << op.op_id << ": " << op.error->message;
}

TEST_F(BodiesTest, ABadOpIsRejectedAloneAndNamed) {
  SyncBody b;
  ASSERT_FALSE(parse_sync(json_, R"({"client_id":"p","ops":[
      {"op_id":"1","kind":"teleport","client_time":"2026-11-22T08:00:00Z"},
      {"op_id":"2","kind":"check_in","method":"verification_code","class_id":4,"code":"1","client_time":"yesterday"},
      {"op_id":"3","kind":"check_in","method":"verification_code","class_id":4,"client_time":"2026-11-22T08:00:00Z"},
      {"op_id":"4","kind":"override","class_session_id":1,"student_id":2,"status":"unmarked","client_time":"2026-11-22T08:00:00Z"},
      {"op_id":"5","kind":"override","class_session_id":1,"student_id":2,"status":"absent"},
      {"op_id":"6","kind":"check_in","method":"smoke_signal","class_id":4,"client_time":"2026-11-22T08:00:00Z"},
      {"op_id":"7","kind":"override","class_session_id":1,"student_id":2,"status":"absent","client_time":"2026-11-22T08:00:00Z"}]})",
                          b));
  ASSERT_EQ(b.ops.size(), 7u);
  const char* expect[] = {"ops[0].kind",   "ops[1].client_time", "ops[2].code",
                          "ops[3].status", "ops[4].client_time", "ops[5].method"};
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(b.ops[i].error) << i;
    EXPECT_EQ(b.ops[i].error->code, "invalid_field");
    EXPECT_EQ(b.ops[i].error->message.rfind(expect[i], 0), 0u) << b.ops[i].error->message;
  }
  EXPECT_FALSE(b.ops[6].error);
}

TEST_F(BodiesTest, BatchLevelProblemsRefuseTheWholeBatch) {
  struct Case {
    std::string body;
    int status;
    const char* code;
    const char* mention;
  };
  std::string many = R"({"client_id":"p","ops":[)";
  for (int i = 0; i < 501; ++i) {
    if (i != 0) many += ',';
    many += R"({"op_id":"o)" + std::to_string(i) + "\"}";
  }
  many += "]}";
  const std::vector<Case> cases = {
      {"not json", 400, "invalid_json", ""},
      {R"({"ops":[]})", 422, "invalid_field", "client_id"},
      {R"({"client_id":"","ops":[]})", 422, "invalid_field", "client_id"},
      {R"({"client_id":"p"})", 422, "invalid_field", "ops"},
      {R"({"client_id":"p","ops":{}})", 422, "invalid_field", "ops"},
      {R"({"client_id":"p","ops":[7]})", 422, "invalid_field", "ops[0]"},
      {R"({"client_id":"p","ops":[{"kind":"check_in"}]})", 422, "invalid_field", "ops[0].op_id"},
      {R"({"client_id":"p","ops":[{"op_id":""}]})", 422, "invalid_field", "ops[0].op_id"},
      {R"({"client_id":"p","ops":[{"op_id":")" + std::string(65, 'x') + "\"}]}", 422,
       "invalid_field", "ops[0].op_id"},
      {R"({"client_id":"p","ops":[{"op_id":"x"},{"op_id":"y"},{"op_id":"x"}]})", 422,
       "duplicate_op_id", "ops[2]"},
      {many, 413, "too_many_ops", "500"},
  };
  for (const Case& c : cases) {
    SyncBody b;
    const std::optional<wire::Error> e = parse_sync(json_, c.body, b);
    ASSERT_TRUE(e) << c.body.substr(0, 80);
    EXPECT_EQ(e->status, c.status) << c.body.substr(0, 80);
    EXPECT_EQ(e->code, c.code) << c.body.substr(0, 80);
    EXPECT_NE(e->message.find(c.mention), std::string::npos) << e->message;
  }
  // Exactly 500 is fine; 64-byte op_ids are fine.
  std::string full = R"({"client_id":"p","ops":[)";
  for (int i = 0; i < 500; ++i) {
    if (i != 0) full += ',';
    full += R"({"op_id":")" + std::string(60, 'k') + std::to_string(1000 + i) + "\"}";
  }
  full += "]}";
  SyncBody ok;
  EXPECT_FALSE(parse_sync(json_, full, ok));
  EXPECT_EQ(ok.ops.size(), 500u);
}

}  // namespace
}  // namespace rollcall::api
