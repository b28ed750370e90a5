#include "rollcall/wal/records.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

namespace rollcall::wal {
namespace {

using domain::AttendanceStatus;
using domain::ClassId;
using domain::Method;
using domain::SessionId;
using domain::UserId;

constexpr std::int64_t kNow = 1'795'334'400'000;  // 2026-11-22T08:00:00Z

void expect_same(const domain::BulkItem& a, const domain::BulkItem& b) {
  EXPECT_EQ(a.student, b.student);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.reason, b.reason);
}

// Field-by-field equality (the record structs have no operator==).
void expect_same(const Record& want, const Record& got) {
  ASSERT_EQ(want.index(), got.index());
  std::visit(
      [&got](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        const T& b = std::get<T>(got);
        if constexpr (std::is_same_v<T, SessionOpenedRecord>) {
          EXPECT_EQ(a.cls, b.cls);
          EXPECT_EQ(a.actor, b.actor);
          EXPECT_EQ(a.late_after_minutes, b.late_after_minutes);
          EXPECT_EQ(a.verification_code, b.verification_code);
          EXPECT_EQ(a.now_ms, b.now_ms);
        } else if constexpr (std::is_same_v<T, CheckedInRecord>) {
          EXPECT_EQ(a.cls, b.cls);
          EXPECT_EQ(a.session, b.session);
          EXPECT_EQ(a.student, b.student);
          EXPECT_EQ(a.method, b.method);
          EXPECT_EQ(a.at_ms, b.at_ms);
          EXPECT_EQ(a.now_ms, b.now_ms);
        } else if constexpr (std::is_same_v<T, OverriddenRecord>) {
          EXPECT_EQ(a.cls, b.cls);
          EXPECT_EQ(a.session, b.session);
          EXPECT_EQ(a.actor, b.actor);
          EXPECT_EQ(a.student, b.student);
          EXPECT_EQ(a.status, b.status);
          EXPECT_EQ(a.reason, b.reason);
          EXPECT_EQ(a.now_ms, b.now_ms);
        } else if constexpr (std::is_same_v<T, BulkAppliedRecord>) {
          EXPECT_EQ(a.cls, b.cls);
          EXPECT_EQ(a.session, b.session);
          EXPECT_EQ(a.actor, b.actor);
          ASSERT_EQ(a.items.size(), b.items.size());
          for (std::size_t i = 0; i < a.items.size(); ++i) expect_same(a.items[i], b.items[i]);
          EXPECT_EQ(a.mark_remaining, b.mark_remaining);
          EXPECT_EQ(a.remaining, b.remaining);
          EXPECT_EQ(a.now_ms, b.now_ms);
        } else if constexpr (std::is_same_v<T, SessionClosedRecord>) {
          EXPECT_EQ(a.cls, b.cls);
          EXPECT_EQ(a.session, b.session);
          EXPECT_EQ(a.actor, b.actor);
          EXPECT_EQ(a.marked_absent, b.marked_absent);
          EXPECT_EQ(a.now_ms, b.now_ms);
        } else if constexpr (std::is_same_v<T, EnrolledRecord>) {
          EXPECT_EQ(a.student, b.student);
          EXPECT_EQ(a.cls, b.cls);
          EXPECT_EQ(a.roster_version, b.roster_version);
        } else if constexpr (std::is_same_v<T, ClassJoinedRecord>) {
          EXPECT_EQ(a.cls, b.cls);
          EXPECT_EQ(a.student, b.student);
          EXPECT_EQ(a.now_ms, b.now_ms);
        } else if constexpr (std::is_same_v<T, SyncCheckedInRecord>) {
          EXPECT_EQ(a.cls, b.cls);
          EXPECT_EQ(a.session, b.session);
          EXPECT_EQ(a.student, b.student);
          EXPECT_EQ(a.method, b.method);
          EXPECT_EQ(a.client_time_ms, b.client_time_ms);
          EXPECT_EQ(a.now_ms, b.now_ms);
          EXPECT_EQ(a.op_id, b.op_id);
        } else if constexpr (std::is_same_v<T, SyncOverriddenRecord>) {
          EXPECT_EQ(a.cls, b.cls);
          EXPECT_EQ(a.session, b.session);
          EXPECT_EQ(a.actor, b.actor);
          EXPECT_EQ(a.student, b.student);
          EXPECT_EQ(a.status, b.status);
          EXPECT_EQ(a.reason, b.reason);
          EXPECT_EQ(a.client_time_ms, b.client_time_ms);
          EXPECT_EQ(a.now_ms, b.now_ms);
          EXPECT_EQ(a.op_id, b.op_id);
        } else {
          ADD_FAILURE() << "no comparison for this record type";
        }
      },
      want);
}

const ClassId kCls{4};
const SessionId kSid = domain::make_session_id(kCls, 3);

BulkAppliedRecord big_bulk(std::size_t n) {
  BulkAppliedRecord r{kCls, kSid, UserId{2}, {}, AttendanceStatus::Absent, {}, kNow};
  for (std::size_t i = 0; i < n; ++i) {
    std::optional<std::string> reason;
    if (i % 3 == 1) reason = "reason " + std::to_string(i);
    if (i % 3 == 2) reason = "";
    r.items.push_back({UserId{1000 + 2 * i}, static_cast<AttendanceStatus>(1 + i % 4), reason});
    r.remaining.push_back(UserId{1001 + 2 * i});
  }
  return r;
}

// One of every kind, with the awkward values: empty, absent, unicode, extremes.
std::vector<Record> samples() {
  std::vector<Record> out;
  out.push_back(SessionOpenedRecord{kCls, UserId{2}, 5, "123456", kNow});
  out.push_back(
      SessionOpenedRecord{ClassId{domain::kClassIdMax}, UserId{~0ull}, 0xFFFFFFFFu, "", -1});
  out.push_back(SessionOpenedRecord{kCls, UserId{2}, 0, "код-✓-\"q\"\\\n\x01", INT64_MIN});
  for (std::uint8_t m = 0; m <= static_cast<std::uint8_t>(Method::SessionClose); ++m) {
    out.push_back(CheckedInRecord{kCls, kSid, UserId{10u + m}, static_cast<Method>(m), kNow + m,
                                  kNow + 1000});
  }
  out.push_back(OverriddenRecord{kCls, kSid, UserId{2}, UserId{11}, AttendanceStatus::Excused,
                                 std::nullopt, kNow});
  out.push_back(OverriddenRecord{kCls, kSid, UserId{2}, UserId{11}, AttendanceStatus::Late,
                                 std::string(), kNow});
  out.push_back(OverriddenRecord{kCls, kSid, UserId{2}, UserId{12}, AttendanceStatus::Unmarked,
                                 std::string("Arzttermin – 医者 🩺 \"quoted\"\ttab"),
                                 INT64_MAX});
  out.push_back(BulkAppliedRecord{kCls, kSid, UserId{2}, {}, std::nullopt, {}, kNow});
  out.push_back(BulkAppliedRecord{
      kCls, kSid, UserId{2}, {}, AttendanceStatus::Excused, {}, kNow});  // nobody left
  out.push_back(BulkAppliedRecord{kCls,
                                  kSid,
                                  UserId{2},
                                  {{UserId{10}, AttendanceStatus::Present, std::nullopt},
                                   {UserId{11}, AttendanceStatus::Excused, std::string("sick")}},
                                  AttendanceStatus::Absent,
                                  {UserId{12}, UserId{13}},
                                  kNow});
  out.push_back(big_bulk(10'000));
  out.push_back(SessionClosedRecord{kCls, kSid, UserId{2}, {}, kNow + 3'600'000});
  out.push_back(
      SessionClosedRecord{kCls, kSid, UserId{2}, {UserId{10}, UserId{12}, UserId{~0ull}}, kNow});
  out.push_back(EnrolledRecord{UserId{10}, kCls, 42});
  out.push_back(EnrolledRecord{UserId{1}, ClassId{1}, 0});
  out.push_back(ClassJoinedRecord{kCls, UserId{10}, kNow});
  out.push_back(SyncCheckedInRecord{kCls, kSid, UserId{10}, Method::QrCode, kNow - 3'600'000, kNow,
                                    "phone-7f3a:42"});
  out.push_back(SyncCheckedInRecord{kCls, kSid, UserId{10}, Method::VerificationCode, INT64_MIN,
                                    INT64_MAX, ""});
  out.push_back(SyncOverriddenRecord{kCls, kSid, UserId{2}, UserId{11}, AttendanceStatus::Excused,
                                     std::string("train 🚆"), kNow - 1, kNow, std::string(64, 'z')});
  out.push_back(SyncOverriddenRecord{kCls, kSid, UserId{2}, UserId{11}, AttendanceStatus::Absent,
                                     std::nullopt, 0, 0, "ü"});
  return out;
}

std::string encoded(const Record& r) {
  std::string out;
  encode(out, r);
  return out;
}

TEST(WalRecordTest, EveryTypeRoundTrips) {
  for (const Record& r : samples()) {
    SCOPED_TRACE(to_json(r).substr(0, 200));
    const std::string bytes = encoded(r);
    const std::optional<Record> back = decode(type_of(r), bytes);
    ASSERT_TRUE(back.has_value());
    expect_same(r, *back);
    EXPECT_EQ(encoded(*back), bytes);
  }
}

TEST(WalRecordTest, EncodeAppends) {
  std::string out = "prefix";
  encode(out, EnrolledRecord{UserId{10}, kCls, 42});
  EXPECT_EQ(out.size(), 6u + 24u);
  EXPECT_EQ(out.substr(0, 6), "prefix");
}

TEST(WalRecordTest, TypeOf) {
  EXPECT_EQ(type_of(SessionOpenedRecord{}), RecordType::SessionOpened);
  EXPECT_EQ(type_of(CheckedInRecord{}), RecordType::CheckedIn);
  EXPECT_EQ(type_of(OverriddenRecord{}), RecordType::Overridden);
  EXPECT_EQ(type_of(BulkAppliedRecord{}), RecordType::BulkApplied);
  EXPECT_EQ(type_of(SessionClosedRecord{}), RecordType::SessionClosed);
  EXPECT_EQ(type_of(EnrolledRecord{}), RecordType::Enrolled);
  EXPECT_EQ(type_of(ClassJoinedRecord{}), RecordType::ClassJoined);
  EXPECT_EQ(type_of(SyncCheckedInRecord{}), RecordType::SyncCheckedIn);
  EXPECT_EQ(type_of(SyncOverriddenRecord{}), RecordType::SyncOverridden);
}

TEST(WalRecordTest, KnownLayoutOfACheckIn) {
  const std::string bytes =
      encoded(CheckedInRecord{ClassId{1}, SessionId{2}, UserId{3}, Method::QrCode, 4, 5});
  ASSERT_EQ(bytes.size(), 8u * 3 + 1 + 8 * 2);
  EXPECT_EQ(bytes[0], 1);
  EXPECT_EQ(bytes[8], 2);
  EXPECT_EQ(bytes[16], 3);
  EXPECT_EQ(bytes[24], static_cast<char>(Method::QrCode));
  EXPECT_EQ(bytes[25], 4);
  EXPECT_EQ(bytes[33], 5);
}

TEST(WalRecordTest, TruncatedOrPaddedPayloadsAreRejected) {
  for (const Record& r : samples()) {
    const std::string bytes = encoded(r);
    if (bytes.size() > 2000) continue;  // the big bulk: covered below with a stride
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      EXPECT_FALSE(decode(type_of(r), std::string_view(bytes).substr(0, n)).has_value()) << n;
    }
    EXPECT_FALSE(decode(type_of(r), bytes + '\0').has_value());
    EXPECT_FALSE(decode(type_of(r), bytes + "xyz").has_value());
  }
  const std::string big = encoded(big_bulk(10'000));
  for (std::size_t n = 0; n < big.size(); n += 997)
    EXPECT_FALSE(decode(RecordType::BulkApplied, big.substr(0, n)));
  EXPECT_FALSE(decode(RecordType::BulkApplied, big.substr(0, big.size() - 1)));
}

TEST(WalRecordTest, OutOfRangeEnumsAndFlagsAreRejected) {
  std::string checked_in =
      encoded(CheckedInRecord{kCls, kSid, UserId{10}, Method::QrCode, kNow, kNow});
  checked_in[24] = 6;  // Method has 0..5
  EXPECT_FALSE(decode(RecordType::CheckedIn, checked_in));
  checked_in[24] = 5;
  EXPECT_TRUE(decode(RecordType::CheckedIn, checked_in));

  std::string overridden = encoded(OverriddenRecord{kCls, kSid, UserId{2}, UserId{11},
                                                    AttendanceStatus::Late, std::nullopt, kNow});
  overridden[32] = 9;  // status 9
  EXPECT_FALSE(decode(RecordType::Overridden, overridden));
  overridden[32] = 5;
  EXPECT_FALSE(decode(RecordType::Overridden, overridden));
  overridden[32] = 4;
  EXPECT_TRUE(decode(RecordType::Overridden, overridden));
  overridden[33] = 2;  // optional flag neither 0 nor 1
  EXPECT_FALSE(decode(RecordType::Overridden, overridden));

  const BulkAppliedRecord bulk{kCls,
                               kSid,
                               UserId{2},
                               {{UserId{10}, AttendanceStatus::Present, std::nullopt}},
                               AttendanceStatus::Absent,
                               {},
                               kNow};
  std::string b = encoded(bulk);
  const std::size_t item_status = 8 * 3 + 4 + 8;
  b[item_status] = 7;
  EXPECT_FALSE(decode(RecordType::BulkApplied, b));
  b = encoded(bulk);
  const std::size_t mark_remaining = item_status + 2 + 1;  // after the item's absent reason
  ASSERT_EQ(b[mark_remaining - 1], 1);
  b[mark_remaining] = 9;
  EXPECT_FALSE(decode(RecordType::BulkApplied, b));
}

TEST(WalRecordTest, HugeCountsAndLengthsAreRejectedWithoutAllocating) {
  std::string b = encoded(BulkAppliedRecord{kCls, kSid, UserId{2}, {}, std::nullopt, {}, kNow});
  b[24] = b[25] = b[26] = b[27] = '\xFF';  // 4 billion items in a few bytes
  EXPECT_FALSE(decode(RecordType::BulkApplied, b));
  std::string s = encoded(SessionOpenedRecord{kCls, UserId{2}, 5, "123456", kNow});
  s[20] = s[21] = s[22] = s[23] = '\xFF';  // string length
  EXPECT_FALSE(decode(RecordType::SessionOpened, s));
  std::string c = encoded(SessionClosedRecord{kCls, kSid, UserId{2}, {}, kNow});
  c[24] = c[25] = c[26] = c[27] = '\xFF';  // marked_absent count
  EXPECT_FALSE(decode(RecordType::SessionClosed, c));
}

TEST(WalRecordTest, StudentListsMustBeAscending) {
  auto closed = [](std::vector<UserId> ids) {
    return encoded(SessionClosedRecord{kCls, kSid, UserId{2}, std::move(ids), kNow});
  };
  EXPECT_TRUE(decode(RecordType::SessionClosed, closed({UserId{1}, UserId{2}})));
  EXPECT_FALSE(decode(RecordType::SessionClosed, closed({UserId{2}, UserId{1}})));
  EXPECT_FALSE(decode(RecordType::SessionClosed, closed({UserId{2}, UserId{2}})));
  EXPECT_FALSE(decode(RecordType::SessionClosed, closed({UserId{0}})));
  auto bulk = [](std::optional<AttendanceStatus> mark, std::vector<UserId> ids) {
    return encoded(BulkAppliedRecord{kCls, kSid, UserId{2}, {}, mark, std::move(ids), kNow});
  };
  EXPECT_TRUE(
      decode(RecordType::BulkApplied, bulk(AttendanceStatus::Absent, {UserId{5}, UserId{9}})));
  EXPECT_FALSE(
      decode(RecordType::BulkApplied, bulk(AttendanceStatus::Absent, {UserId{9}, UserId{5}})));
  // Marked "remaining" with no status to mark them with.
  EXPECT_FALSE(decode(RecordType::BulkApplied, bulk(std::nullopt, {UserId{5}})));
}

TEST(WalRecordTest, CommitAndUnknownTypesAreNotDecoded) {
  EXPECT_FALSE(decode(RecordType::Commit, std::string(12, '\0')));
  EXPECT_FALSE(decode(static_cast<RecordType>(0), ""));
  EXPECT_FALSE(decode(static_cast<RecordType>(200), std::string(24, '\0')));
  // A payload of another type does not pass for this one.
  EXPECT_FALSE(decode(RecordType::CheckedIn, encoded(EnrolledRecord{UserId{10}, kCls, 42})));
}

TEST(WalRecordTest, DecodeCommit) {
  std::string c;
  for (int i = 0; i < 8; ++i) c.push_back(static_cast<char>(i == 0 ? 0x2A : 0));
  c += std::string("\x03\x00\x00\x00", 4);
  const std::optional<CommitRecord> ok = decode_commit(c);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->batch_first_lsn, 42u);
  EXPECT_EQ(ok->batch_records, 3u);
  EXPECT_FALSE(decode_commit(""));
  EXPECT_FALSE(decode_commit(c.substr(0, 11)));
  EXPECT_FALSE(decode_commit(c + '\0'));
  EXPECT_FALSE(decode_commit(std::string(8, '\0')));
}

TEST(WalRecordTest, ToJsonIsValidJsonNamedLikeTheStructs) {
  simdjson::dom::parser parser;
  for (const Record& r : samples()) {
    const std::string json = to_json(r);
    SCOPED_TRACE(json.substr(0, 300));
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS);
    simdjson::dom::object obj;
    ASSERT_EQ(doc.get_object().get(obj), simdjson::SUCCESS);
    std::string_view type;
    ASSERT_EQ(obj["type"].get_string().get(type), simdjson::SUCCESS);
    EXPECT_EQ(type, to_string(type_of(r)));
    std::visit(
        [&obj](const auto& rec) {
          using T = std::decay_t<decltype(rec)>;
          if constexpr (std::is_same_v<T, SessionOpenedRecord>) {
            EXPECT_EQ(std::uint64_t(obj["cls"]), rec.cls.value);
            EXPECT_EQ(std::uint64_t(obj["actor"]), rec.actor.value);
            EXPECT_EQ(std::uint64_t(obj["late_after_minutes"]), rec.late_after_minutes);
            EXPECT_EQ(std::string_view(obj["verification_code"]), rec.verification_code);
            EXPECT_EQ(std::int64_t(obj["now_ms"]), rec.now_ms);
          } else if constexpr (std::is_same_v<T, CheckedInRecord>) {
            EXPECT_EQ(std::uint64_t(obj["session"]), rec.session.value);
            EXPECT_EQ(std::uint64_t(obj["student"]), rec.student.value);
            if (rec.method == Method::None) {
              EXPECT_TRUE(obj["method"].is_null());
            } else {
              EXPECT_EQ(std::string_view(obj["method"]), domain::to_string(rec.method));
            }
            EXPECT_EQ(std::int64_t(obj["at_ms"]), rec.at_ms);
          } else if constexpr (std::is_same_v<T, OverriddenRecord>) {
            EXPECT_EQ(std::string_view(obj["status"]), domain::to_string(rec.status));
            if (rec.reason) {
              EXPECT_EQ(std::string_view(obj["reason"]), *rec.reason);
            } else {
              EXPECT_TRUE(obj["reason"].is_null());
            }
            EXPECT_EQ(std::int64_t(obj["now_ms"]), rec.now_ms);
          } else if constexpr (std::is_same_v<T, BulkAppliedRecord>) {
            simdjson::dom::array items = obj["items"];
            ASSERT_EQ(items.size(), rec.items.size());
            std::size_t i = 0;
            for (simdjson::dom::element item : items) {
              EXPECT_EQ(std::uint64_t(item["student"]), rec.items[i].student.value);
              EXPECT_EQ(std::string_view(item["status"]), domain::to_string(rec.items[i].status));
              EXPECT_EQ(item["reason"].is_null(), !rec.items[i].reason.has_value());
              ++i;
            }
            if (rec.mark_remaining) {
              EXPECT_EQ(std::string_view(obj["mark_remaining"]),
                        domain::to_string(*rec.mark_remaining));
            } else {
              EXPECT_TRUE(obj["mark_remaining"].is_null());
            }
            simdjson::dom::array remaining = obj["remaining"];
            ASSERT_EQ(remaining.size(), rec.remaining.size());
            i = 0;
            for (simdjson::dom::element id : remaining)
              EXPECT_EQ(std::uint64_t(id), rec.remaining[i++].value);
          } else if constexpr (std::is_same_v<T, SessionClosedRecord>) {
            EXPECT_EQ(std::uint64_t(obj["actor"]), rec.actor.value);
            simdjson::dom::array marked = obj["marked_absent"];
            ASSERT_EQ(marked.size(), rec.marked_absent.size());
            std::size_t i = 0;
            for (simdjson::dom::element id : marked)
              EXPECT_EQ(std::uint64_t(id), rec.marked_absent[i++].value);
            EXPECT_EQ(std::int64_t(obj["now_ms"]), rec.now_ms);
          } else if constexpr (std::is_same_v<T, EnrolledRecord>) {
            EXPECT_EQ(std::uint64_t(obj["student"]), rec.student.value);
            EXPECT_EQ(std::uint64_t(obj["cls"]), rec.cls.value);
            EXPECT_EQ(std::uint64_t(obj["roster_version"]), rec.roster_version);
          }
        },
        r);
  }
}

}  // namespace
}  // namespace rollcall::wal
