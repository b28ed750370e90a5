// Log record payloads: every command type round trips, the layouts are the ones
// logs were written with (types 2, 5..10 byte for byte as before; the legacy live
// check-in and override, types 3 and 4, still read), anything malformed or not well
// formed is refused, and `to_json` (for `rollcall wal dump`) names every field.

#include "rollcall/wal/records.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <climits>
#include <string>
#include <type_traits>
#include <vector>

#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/session_code.hpp"
#include "rollcall/wal/roster_file.hpp"

namespace rollcall::wal {
namespace {

using domain::AnnounceJoin;
using domain::AttendanceStatus;
using domain::Bulk;
using domain::CheckIn;
using domain::ClassId;
using domain::CloseSession;
using domain::Command;
using domain::Enroll;
using domain::Method;
using domain::OpenSession;
using domain::Override;
using domain::SessionId;
using domain::UserId;

constexpr std::int64_t kNow = 1'795'334'400'000;  // 2026-11-22T08:00:00Z

const ClassId kCls{4};
const SessionId kSid = domain::make_session_id(kCls, 3);

// --- The layouts logs were written with, by hand -----------------------------------

// The old encoder's primitives (little-endian), so the tests can build payloads the
// encoder would refuse to write (not well formed) and check the encoder's layout.
class Bytes {
 public:
  Bytes& u8(std::uint8_t v) {
    out.push_back(static_cast<char>(v));
    return *this;
  }
  Bytes& u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
  }
  Bytes& u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
  }
  Bytes& i64(std::int64_t v) { return u64(static_cast<std::uint64_t>(v)); }
  Bytes& str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out.append(s);
    return *this;
  }
  Bytes& opt_str(const std::optional<std::string>& s) {
    u8(s ? 1 : 0);
    if (s) str(*s);
    return *this;
  }
  Bytes& ids(const std::vector<UserId>& v) {
    u32(static_cast<std::uint32_t>(v.size()));
    for (const UserId id : v) u64(id.value);
    return *this;
  }
  std::string out;
};

// The payload of `c` as the encoder before commands wrote it: types 2, 5, 6, 7, 8 as
// they were, types 9 and 10 as the offline-only SyncCheckedIn / SyncOverridden.
std::string old_layout(const Command& c) {
  Bytes b;
  std::visit(
      [&b](const auto& cmd) {
        using T = std::decay_t<decltype(cmd)>;
        if constexpr (std::is_same_v<T, OpenSession>) {  // type 15 (type 2 + the code's seed)
          b.u64(cmd.cls.value).u64(cmd.actor.value).u32(cmd.late_after_minutes);
          b.str(cmd.verification_code).i64(cmd.now_ms);
          b.str(cmd.code_seed).u32(cmd.code_rotation_s);
        } else if constexpr (std::is_same_v<T, CheckIn>) {
          b.u64(cmd.cls.value).u64(cmd.session.value).u64(cmd.student.value);
          b.u8(static_cast<std::uint8_t>(cmd.method)).i64(cmd.at_ms).i64(cmd.now_ms);
          b.str(cmd.op_id);
        } else if constexpr (std::is_same_v<T, Override>) {
          b.u64(cmd.cls.value).u64(cmd.session.value).u64(cmd.actor.value).u64(cmd.student.value);
          b.u8(static_cast<std::uint8_t>(cmd.status)).opt_str(cmd.reason);
          b.i64(cmd.at_ms).i64(cmd.now_ms).str(cmd.op_id);
        } else if constexpr (std::is_same_v<T, Bulk>) {
          b.u64(cmd.cls.value).u64(cmd.session.value).u64(cmd.actor.value);
          b.u32(static_cast<std::uint32_t>(cmd.items.size()));
          for (const domain::BulkItem& item : cmd.items) {
            b.u64(item.student.value).u8(static_cast<std::uint8_t>(item.status));
            b.opt_str(item.reason);
          }
          b.u8(cmd.mark_remaining ? 1 : 0);
          if (cmd.mark_remaining) b.u8(static_cast<std::uint8_t>(*cmd.mark_remaining));
          b.ids(cmd.remaining.value_or(std::vector<UserId>{})).i64(cmd.now_ms);
        } else if constexpr (std::is_same_v<T, CloseSession>) {
          b.u64(cmd.cls.value).u64(cmd.session.value).u64(cmd.actor.value);
          b.ids(cmd.marked_absent.value_or(std::vector<UserId>{})).i64(cmd.now_ms);
        } else if constexpr (std::is_same_v<T, AnnounceJoin>) {
          b.u64(cmd.cls.value).u64(cmd.student.value).i64(cmd.now_ms);
        } else if constexpr (std::is_same_v<T, Enroll>) {
          b.u64(cmd.student.value).u64(cmd.cls.value).u64(cmd.roster_version);
        } else if constexpr (std::is_same_v<T, domain::Subscribe>) {
          b.u64(cmd.user.value).u64(cmd.id).str(cmd.endpoint).str(cmd.p256dh).str(cmd.auth);
          b.i64(cmd.now_ms);
        } else if constexpr (std::is_same_v<T, domain::Unsubscribe>) {
          b.u64(cmd.user.value).u64(cmd.id).i64(cmd.now_ms);
        } else if constexpr (std::is_same_v<T, domain::SetPushPreferences>) {
          b.u64(cmd.user.value).u8(cmd.session_opened).u8(cmd.status_changed);
          b.u8(cmd.missing_digest).i64(cmd.now_ms);
        } else if constexpr (std::is_same_v<T, domain::ImportRoster>) {
          b.u64(cmd.roster_version).str(*cmd.image.encoded);  // new in type 14
        }
      },
      c);
  return b.out;
}

// The old CheckedInRecord (type 3): no op_id.
std::string legacy_check_in(ClassId cls, SessionId session, UserId student, Method method,
                            std::int64_t at_ms, std::int64_t now_ms) {
  Bytes b;
  b.u64(cls.value).u64(session.value).u64(student.value).u8(static_cast<std::uint8_t>(method));
  b.i64(at_ms).i64(now_ms);
  return b.out;
}

// The old SessionOpened (type 2): a static code only.
std::string legacy_open(ClassId cls, UserId actor, std::uint32_t late, std::string_view code,
                        std::int64_t now_ms) {
  Bytes b;
  b.u64(cls.value).u64(actor.value).u32(late).str(code).i64(now_ms);
  return b.out;
}

// The old OverriddenRecord (type 4): no at_ms, no op_id.
std::string legacy_override(ClassId cls, SessionId session, UserId actor, UserId student,
                            AttendanceStatus status, std::optional<std::string> reason,
                            std::int64_t now_ms) {
  Bytes b;
  b.u64(cls.value).u64(session.value).u64(actor.value).u64(student.value);
  b.u8(static_cast<std::uint8_t>(status)).opt_str(reason).i64(now_ms);
  return b.out;
}

// --- Samples -----------------------------------------------------------------------

Bulk big_bulk(std::size_t n) {
  Bulk r{kCls, kSid, UserId{2}, {}, AttendanceStatus::Absent, std::vector<UserId>{}, kNow};
  for (std::size_t i = 0; i < n; ++i) {
    std::optional<std::string> reason;
    if (i % 3 == 1) reason = "reason " + std::to_string(i);
    if (i % 3 == 2) reason = "";
    r.items.push_back({UserId{1000 + 2 * i}, static_cast<AttendanceStatus>(1 + i % 4), reason});
    r.remaining->push_back(UserId{1001 + 2 * i});
  }
  return r;
}

// A roster import: a small roster, whole, as the roster file encodes it.
domain::ImportRoster imported_roster() {
  domain::RosterBuilder b;
  b.set_version(7);
  domain::User t{UserId{2}, "teacher \"q\"", "Ms. Ö", domain::Role::Teacher, "$argon2id$x", "", {}};
  EXPECT_TRUE(b.add_user(t));
  const std::shared_ptr<const domain::Roster> roster = b.build();
  auto encoded = std::make_shared<const std::string>(wal::encode_roster(*roster));
  return domain::ImportRoster{7, domain::RosterImage{encoded, roster}};
}

// One of every kind, with the awkward values: empty, absent, unicode, extremes.
std::vector<Command> samples() {
  std::vector<Command> out;
  out.push_back(OpenSession{kCls, UserId{2}, 5, "123456", kNow});
  out.push_back(OpenSession{ClassId{domain::kClassIdMax}, UserId{~0ull}, 0xFFFFFFFFu, "", -1});
  out.push_back(OpenSession{kCls, UserId{2}, 0, "код-✓-\"q\"\\\n\x01", INT64_MIN});
  out.push_back(OpenSession{kCls, UserId{2}, 0, std::string(64, '9'), kNow});  // longest code
  out.push_back(OpenSession{kCls, UserId{2}, 5, "", kNow, std::string(32, 'f'), 15});  // rotating
  out.push_back(OpenSession{kCls, UserId{2}, 5, "", kNow, "0123456789abcdef0123456789abcdef",
                            domain::kCodeRotationSMax});
  for (const Method m : {Method::QrCode, Method::VerificationCode}) {
    out.push_back(CheckIn{kCls, kSid, UserId{10}, m, kNow + 1, kNow + 1000, ""});
  }
  out.push_back(
      CheckIn{kCls, kSid, UserId{10}, Method::QrCode, kNow - 3'600'000, kNow, "phone-7f3a:42"});
  out.push_back(CheckIn{kCls, kSid, UserId{~0ull}, Method::VerificationCode, INT64_MIN, INT64_MAX,
                        std::string(domain::kOpIdBytesMax, 'o')});
  out.push_back(
      CheckIn{ClassId{domain::kClassIdMax},
              domain::make_session_id(ClassId{domain::kClassIdMax}, domain::kSessionSeqMax),
              UserId{1}, Method::QrCode, 0, 0, "ü"});
  out.push_back(Override{kCls, kSid, UserId{2}, UserId{11}, AttendanceStatus::Excused, std::nullopt,
                         kNow, kNow, ""});
  out.push_back(Override{kCls, kSid, UserId{2}, UserId{11}, AttendanceStatus::Late, std::string(),
                         kNow - 5, kNow, ""});
  out.push_back(Override{kCls, kSid, UserId{2}, UserId{12}, AttendanceStatus::Present,
                         std::string("Arzttermin – 医者 🩺 \"quoted\"\ttab"), INT64_MIN,
                         INT64_MAX, "tablet:1"});
  out.push_back(Override{kCls, kSid, UserId{2}, UserId{11}, AttendanceStatus::Excused,
                         std::string("train 🚆"), kNow - 1, kNow,
                         std::string(domain::kOpIdBytesMax, 'z')});
  out.push_back(Override{kCls, kSid, UserId{2}, UserId{11}, AttendanceStatus::Absent,
                         std::string(domain::kReasonBytesMax, 'r'), 0, 0, "ü"});
  out.push_back(
      Bulk{kCls, kSid, UserId{2}, {}, std::nullopt, std::vector<UserId>{}, kNow});  // nothing
  out.push_back(Bulk{kCls,
                     kSid,
                     UserId{2},
                     {},
                     AttendanceStatus::Excused,
                     std::vector<UserId>{},
                     kNow});  // nobody
                              // left
  out.push_back(Bulk{kCls,
                     kSid,
                     UserId{2},
                     {{UserId{10}, AttendanceStatus::Present, std::nullopt},
                      {UserId{11}, AttendanceStatus::Excused, std::string("sick")}},
                     AttendanceStatus::Absent,
                     std::vector<UserId>{UserId{12}, UserId{13}},
                     kNow});
  out.push_back(big_bulk(10'000));
  out.push_back(CloseSession{kCls, kSid, UserId{2}, std::vector<UserId>{}, kNow + 3'600'000});
  out.push_back(CloseSession{kCls, kSid, UserId{2},
                             std::vector<UserId>{UserId{10}, UserId{12}, UserId{~0ull}}, kNow});
  out.push_back(AnnounceJoin{kCls, UserId{10}, kNow});
  out.push_back(AnnounceJoin{ClassId{domain::kClassIdMax}, UserId{~0ull}, INT64_MIN});
  out.push_back(Enroll{UserId{10}, kCls, 42});
  out.push_back(Enroll{UserId{1}, ClassId{1}, 1});
  out.push_back(Enroll{UserId{~0ull}, ClassId{domain::kClassIdMax}, ~0ull});
  out.push_back(imported_roster());
  const std::string key(domain::kPushKeyTextBytes, 'B'), auth(domain::kPushAuthTextBytes, 'a');
  out.push_back(domain::Subscribe{UserId{10}, 1, "https://push.example/ab", key, auth, kNow});
  out.push_back(domain::Subscribe{
      UserId{~0ull}, ~0ull, "https://p.example/" + std::string(1006, 'x'), key, auth, INT64_MIN});
  out.push_back(domain::Unsubscribe{UserId{10}, 1, kNow});
  out.push_back(domain::Unsubscribe{UserId{~0ull}, ~0ull, INT64_MAX});
  out.push_back(domain::SetPushPreferences{UserId{10}, false, true, false, kNow});
  out.push_back(domain::SetPushPreferences{UserId{11}, true, false, true, 0});
  return out;
}

std::string encoded(const Command& c) {
  std::string out;
  encode(out, c);
  return out;
}

std::string trace(const Command& c) {
  return to_json(c).substr(0, 200);
}

// --- Round trips and layouts -------------------------------------------------------

TEST(WalRecordTest, EveryTypeRoundTrips) {
  std::vector<bool> seen(std::variant_size_v<Command>, false);
  for (const Command& c : samples()) {
    SCOPED_TRACE(trace(c));
    ASSERT_TRUE(domain::well_formed(c));
    seen[c.index()] = true;
    const std::string bytes = encoded(c);
    const std::optional<Command> back = decode(type_of(c), bytes);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, c);
    EXPECT_EQ(encoded(*back), bytes);
  }
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_TRUE(seen[i]) << "no sample of type " << i;
}

TEST(WalRecordTest, LayoutsAreTheOnesLogsWereWrittenWith) {
  // Types 5..8 as before commands (2 became 15: the code seed appended); 9 and 10 as
  // the former offline-only layouts;
  // 11..13 (push) as first written.
  for (const Command& c : samples()) {
    SCOPED_TRACE(trace(c));
    EXPECT_EQ(encoded(c), old_layout(c));
  }
}

TEST(WalRecordTest, EncodeAppends) {
  std::string out = "prefix";
  encode(out, Enroll{UserId{10}, kCls, 42});
  EXPECT_EQ(out.size(), 6u + 24u);
  EXPECT_EQ(out.substr(0, 6), "prefix");
  EXPECT_EQ(out.substr(6), old_layout(Enroll{UserId{10}, kCls, 42}));
}

TEST(WalRecordTest, EncodingACommandThatIsNotWellFormedIsABug) {
  std::string out;
  EXPECT_DEATH(encode(out, Enroll{UserId{10}, kCls, 0}), "well_formed");
  EXPECT_DEATH(encode(out, CloseSession{kCls, kSid, UserId{2}, std::nullopt, kNow}), "well_formed");
}

TEST(WalRecordTest, TypeOf) {
  EXPECT_EQ(type_of(OpenSession{}), RecordType::SessionOpened);
  EXPECT_EQ(type_of(CheckIn{}), RecordType::CheckedIn);
  EXPECT_EQ(type_of(Override{}), RecordType::Overridden);
  EXPECT_EQ(type_of(Bulk{}), RecordType::BulkApplied);
  EXPECT_EQ(type_of(CloseSession{}), RecordType::SessionClosed);
  EXPECT_EQ(type_of(AnnounceJoin{}), RecordType::ClassJoined);
  EXPECT_EQ(type_of(Enroll{}), RecordType::Enrolled);
  // The numbers on disk.
  EXPECT_EQ(static_cast<int>(type_of(OpenSession{})), 15);
  EXPECT_EQ(static_cast<int>(type_of(Bulk{})), 5);
  EXPECT_EQ(static_cast<int>(type_of(CloseSession{})), 6);
  EXPECT_EQ(static_cast<int>(type_of(Enroll{})), 7);
  EXPECT_EQ(static_cast<int>(type_of(AnnounceJoin{})), 8);
  EXPECT_EQ(static_cast<int>(type_of(CheckIn{})), 9);
  EXPECT_EQ(static_cast<int>(type_of(Override{})), 10);
  EXPECT_EQ(static_cast<int>(type_of(domain::Subscribe{})), 11);
  EXPECT_EQ(static_cast<int>(type_of(domain::Unsubscribe{})), 12);
  EXPECT_EQ(static_cast<int>(type_of(domain::SetPushPreferences{})), 13);
}

TEST(WalRecordTest, KnownLayoutOfACheckIn) {
  const SessionId sid = domain::make_session_id(ClassId{1}, 2);
  const std::string bytes =
      encoded(CheckIn{ClassId{1}, sid, UserId{3}, Method::QrCode, 4, 5, "ab"});
  ASSERT_EQ(bytes.size(), 8u * 3 + 1 + 8 * 2 + 4 + 2);
  EXPECT_EQ(bytes[0], 1);
  EXPECT_EQ(bytes[8], 2);
  EXPECT_EQ(bytes[8 + 2], 0x10);  // (1 << 20) | 2
  EXPECT_EQ(bytes[16], 3);
  EXPECT_EQ(bytes[24], static_cast<char>(Method::QrCode));
  EXPECT_EQ(bytes[25], 4);
  EXPECT_EQ(bytes[33], 5);
  EXPECT_EQ(bytes[41], 2);  // op_id length
  EXPECT_EQ(bytes.substr(45), "ab");
}

// --- The offline mark: from the logged command, not from replay ------------------

// Applies `logged` (after an encode/decode round trip) to a class whose session
// kSid is open, and returns the student's record.
domain::Record replayed(const Command& logged) {
  domain::ClassInfo info;
  info.id = kCls;
  info.students = {UserId{10}};
  domain::ClassAttendance att(kCls);
  for (int i = 0; i < 3; ++i) {  // sessions 1..3; kSid is the third
    EXPECT_TRUE(att.apply(info, OpenSession{kCls, UserId{2}, 5, "1", kNow - 10}).applied());
    if (i < 2) {
      EXPECT_TRUE(att.apply(info, domain::CloseSession{kCls, domain::make_session_id(kCls, i + 1),
                                                       UserId{2}, std::nullopt, kNow - 10})
                      .applied());
    }
  }
  EXPECT_TRUE(att.apply(info, logged).applied());
  return att.session(kSid)->records.at(UserId{10});
}

TEST(WalRecordTest, ASyncedCommandReplaysAsAnOfflineVersionReceivedAtItsNowMs) {
  // The op_id marks a command as synced, and now_ms is when the server received it:
  // both are in the record, so a replay days later marks the version exactly so.
  const Command in = CheckIn{kCls, kSid, UserId{10}, Method::QrCode, kNow - 5, kNow + 7, "p-1"};
  const Command ov = Override{kCls,  kSid,     UserId{2}, UserId{10}, AttendanceStatus::Excused,
                              "bus", kNow - 5, kNow + 8,  "t-1"};
  for (const Command& c : {in, ov}) {
    std::string payload;
    encode(payload, c);
    const std::optional<Command> back = decode(type_of(c), payload);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, c);
    const domain::Record r = replayed(*back);
    EXPECT_TRUE(r.offline) << domain::name_of(c);
    EXPECT_EQ(r.timestamp_ms, domain::applied_at_ms(c));  // synced_at
  }
  // The same without an op_id (live), and a legacy live check-in: not offline.
  const Command live = CheckIn{kCls, kSid, UserId{10}, Method::QrCode, kNow - 5, kNow + 7, ""};
  EXPECT_FALSE(replayed(live).offline);
  const std::optional<Command> legacy =
      decode(RecordType::LegacyCheckedIn,
             legacy_check_in(kCls, kSid, UserId{10}, Method::QrCode, kNow - 5, kNow + 7));
  ASSERT_TRUE(legacy.has_value());
  EXPECT_FALSE(replayed(*legacy).offline);
}

// --- Legacy types 3 and 4 ----------------------------------------------------------

TEST(WalRecordTest, LegacyCheckInIsReadAsALiveCheckIn) {
  for (const Method m : {Method::QrCode, Method::VerificationCode}) {
    const std::optional<Command> got =
        decode(RecordType::LegacyCheckedIn,
               legacy_check_in(kCls, kSid, UserId{10}, m, kNow + 7, kNow + 9));
    ASSERT_TRUE(got.has_value());
    const Command want = CheckIn{kCls, kSid, UserId{10}, m, kNow + 7, kNow + 9, ""};
    EXPECT_EQ(*got, want);
  }
  // Extremes.
  const std::optional<Command> got =
      decode(RecordType::LegacyCheckedIn,
             legacy_check_in(kCls, kSid, UserId{~0ull}, Method::QrCode, INT64_MIN, INT64_MAX));
  ASSERT_TRUE(got.has_value());
  const Command want = CheckIn{kCls, kSid, UserId{~0ull}, Method::QrCode, INT64_MIN, INT64_MAX, ""};
  EXPECT_EQ(*got, want);
  // Written again, it is a type 9 record.
  EXPECT_EQ(type_of(*got), RecordType::CheckedIn);
}

TEST(WalRecordTest, LegacyOverrideIsReadAsMadeAtItsCommitTime) {
  const std::optional<Command> got =
      decode(RecordType::LegacyOverridden,
             legacy_override(kCls, kSid, UserId{2}, UserId{11}, AttendanceStatus::Excused,
                             std::string("Arzt – 医者 🩺"), kNow + 3));
  ASSERT_TRUE(got.has_value());
  const Command want = Override{kCls,
                                kSid,
                                UserId{2},
                                UserId{11},
                                AttendanceStatus::Excused,
                                std::string("Arzt – 医者 🩺"),
                                kNow + 3,
                                kNow + 3,
                                ""};
  EXPECT_EQ(*got, want);
  EXPECT_EQ(type_of(*got), RecordType::Overridden);

  const std::optional<Command> no_reason = decode(
      RecordType::LegacyOverridden,
      legacy_override(kCls, kSid, UserId{2}, UserId{12}, AttendanceStatus::Late, std::nullopt, -1));
  ASSERT_TRUE(no_reason.has_value());
  const Command want_no_reason =
      Override{kCls, kSid, UserId{2}, UserId{12}, AttendanceStatus::Late, std::nullopt, -1, -1, ""};
  EXPECT_EQ(*no_reason, want_no_reason);
  const std::optional<Command> empty_reason = decode(
      RecordType::LegacyOverridden,
      legacy_override(kCls, kSid, UserId{2}, UserId{12}, AttendanceStatus::Absent, "", kNow));
  ASSERT_TRUE(empty_reason.has_value());
  EXPECT_EQ(std::get<Override>(*empty_reason).reason, std::optional<std::string>(""));
}

TEST(WalRecordTest, LegacyOpenIsReadAsAStaticSession) {
  const std::optional<Command> got =
      decode(RecordType::LegacySessionOpened, legacy_open(kCls, UserId{2}, 7, "123456", kNow));
  ASSERT_TRUE(got.has_value());
  const Command want = OpenSession{kCls, UserId{2}, 7, "123456", kNow};
  EXPECT_EQ(*got, want);
  EXPECT_EQ(std::get<OpenSession>(*got).code_rotation_s, 0u);
  // Written again, it is a type 15 record; the two layouts do not pass for each other.
  EXPECT_EQ(type_of(*got), RecordType::SessionOpened);
  EXPECT_FALSE(decode(RecordType::SessionOpened, legacy_open(kCls, UserId{2}, 7, "1", kNow)));
  EXPECT_FALSE(decode(RecordType::LegacySessionOpened, encoded(want)));
  // Checked like the others: a class 0 is damage.
  EXPECT_FALSE(
      decode(RecordType::LegacySessionOpened, legacy_open(ClassId{0}, UserId{2}, 7, "1", kNow)));
}

TEST(WalRecordTest, LegacyAndCurrentLayoutsDoNotPassForEachOther) {
  const std::string old_in = legacy_check_in(kCls, kSid, UserId{10}, Method::QrCode, kNow, kNow);
  const std::string new_in =
      encoded(CheckIn{kCls, kSid, UserId{10}, Method::QrCode, kNow, kNow, ""});
  EXPECT_FALSE(decode(RecordType::CheckedIn, old_in));        // no op_id
  EXPECT_FALSE(decode(RecordType::LegacyCheckedIn, new_in));  // trailing op_id
  const std::string old_ov = legacy_override(kCls, kSid, UserId{2}, UserId{11},
                                             AttendanceStatus::Late, std::nullopt, kNow);
  const std::string new_ov = encoded(Override{
      kCls, kSid, UserId{2}, UserId{11}, AttendanceStatus::Late, std::nullopt, kNow, kNow, ""});
  EXPECT_FALSE(decode(RecordType::Overridden, old_ov));
  EXPECT_FALSE(decode(RecordType::LegacyOverridden, new_ov));
}

TEST(WalRecordTest, LegacyPayloadsAreCheckedLikeTheOthers) {
  const std::string in = legacy_check_in(kCls, kSid, UserId{10}, Method::QrCode, kNow, kNow);
  const std::string ov = legacy_override(kCls, kSid, UserId{2}, UserId{11}, AttendanceStatus::Late,
                                         std::string("why"), kNow);
  for (const auto& [type, bytes] :
       {std::pair{RecordType::LegacyCheckedIn, in}, std::pair{RecordType::LegacyOverridden, ov}}) {
    ASSERT_TRUE(decode(type, bytes));
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      EXPECT_FALSE(decode(type, std::string_view(bytes).substr(0, n))) << n;
    }
    EXPECT_FALSE(decode(type, bytes + '\0'));
  }
  std::string bad = in;
  bad[24] = 6;  // no such method
  EXPECT_FALSE(decode(RecordType::LegacyCheckedIn, bad));
  bad[24] = static_cast<char>(Method::SessionClose);  // not a check-in's method
  EXPECT_FALSE(decode(RecordType::LegacyCheckedIn, bad));
  bad = ov;
  bad[32] = 5;  // no such status
  EXPECT_FALSE(decode(RecordType::LegacyOverridden, bad));
  bad[32] = static_cast<char>(AttendanceStatus::Unmarked);  // not settable
  EXPECT_FALSE(decode(RecordType::LegacyOverridden, bad));
  bad = ov;
  bad[33] = 2;  // optional flag
  EXPECT_FALSE(decode(RecordType::LegacyOverridden, bad));
  // Not well formed: a session of another class, a zero student, a zero actor.
  EXPECT_FALSE(decode(RecordType::LegacyCheckedIn,
                      legacy_check_in(kCls, domain::make_session_id(ClassId{5}, 3), UserId{10},
                                      Method::QrCode, kNow, kNow)));
  EXPECT_FALSE(decode(RecordType::LegacyCheckedIn,
                      legacy_check_in(kCls, kSid, UserId{0}, Method::QrCode, kNow, kNow)));
  EXPECT_FALSE(decode(RecordType::LegacyOverridden,
                      legacy_override(kCls, kSid, UserId{0}, UserId{11}, AttendanceStatus::Late,
                                      std::nullopt, kNow)));
}

// --- Malformed payloads ------------------------------------------------------------

TEST(WalRecordTest, TruncatedOrPaddedPayloadsAreRejected) {
  for (const Command& c : samples()) {
    SCOPED_TRACE(trace(c));
    const std::string bytes = encoded(c);
    if (bytes.size() > 2000) continue;  // the big bulk: covered below with a stride
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      EXPECT_FALSE(decode(type_of(c), std::string_view(bytes).substr(0, n)).has_value()) << n;
    }
    EXPECT_FALSE(decode(type_of(c), bytes + '\0').has_value());
    EXPECT_FALSE(decode(type_of(c), bytes + "xyz").has_value());
  }
  const std::string big = encoded(big_bulk(10'000));
  ASSERT_TRUE(decode(RecordType::BulkApplied, big));
  for (std::size_t n = 0; n < big.size(); n += 997)
    EXPECT_FALSE(decode(RecordType::BulkApplied, big.substr(0, n))) << n;
  EXPECT_FALSE(decode(RecordType::BulkApplied, big.substr(0, big.size() - 1)));
  EXPECT_FALSE(decode(RecordType::BulkApplied, big + '\0'));
}

TEST(WalRecordTest, OutOfRangeEnumsAndFlagsAreRejected) {
  std::string checked_in =
      encoded(CheckIn{kCls, kSid, UserId{10}, Method::QrCode, kNow, kNow, "op"});
  checked_in[24] = 6;  // Method has 0..5
  EXPECT_FALSE(decode(RecordType::CheckedIn, checked_in));
  checked_in[24] = static_cast<char>(0xFF);
  EXPECT_FALSE(decode(RecordType::CheckedIn, checked_in));
  // Methods that exist but are not a check-in's.
  for (const Method m :
       {Method::None, Method::TeacherOverride, Method::Bulk, Method::SessionClose}) {
    checked_in[24] = static_cast<char>(m);
    EXPECT_FALSE(decode(RecordType::CheckedIn, checked_in)) << static_cast<int>(m);
  }
  checked_in[24] = static_cast<char>(Method::VerificationCode);
  EXPECT_TRUE(decode(RecordType::CheckedIn, checked_in));

  std::string overridden = encoded(Override{kCls, kSid, UserId{2}, UserId{11},
                                            AttendanceStatus::Late, std::nullopt, kNow, kNow, ""});
  overridden[32] = 9;  // status 9
  EXPECT_FALSE(decode(RecordType::Overridden, overridden));
  overridden[32] = 5;
  EXPECT_FALSE(decode(RecordType::Overridden, overridden));
  overridden[32] = 0;  // unmarked: exists, but is not a status one can set
  EXPECT_FALSE(decode(RecordType::Overridden, overridden));
  overridden[32] = 4;
  EXPECT_TRUE(decode(RecordType::Overridden, overridden));
  overridden[33] = 2;  // optional flag neither 0 nor 1
  EXPECT_FALSE(decode(RecordType::Overridden, overridden));

  const Bulk bulk{kCls,
                  kSid,
                  UserId{2},
                  {{UserId{10}, AttendanceStatus::Present, std::nullopt}},
                  AttendanceStatus::Absent,
                  std::vector<UserId>{},
                  kNow};
  std::string b = encoded(bulk);
  const std::size_t item_status = 8 * 3 + 4 + 8;
  ASSERT_EQ(b[item_status], static_cast<char>(AttendanceStatus::Present));
  b[item_status] = 7;
  EXPECT_FALSE(decode(RecordType::BulkApplied, b));
  b[item_status] = 0;  // unmarked
  EXPECT_FALSE(decode(RecordType::BulkApplied, b));
  b = encoded(bulk);
  b[item_status + 1] = 2;  // the reason's flag
  EXPECT_FALSE(decode(RecordType::BulkApplied, b));
  b = encoded(bulk);
  const std::size_t mark_remaining = item_status + 2 + 1;  // after the item's absent reason
  ASSERT_EQ(b[mark_remaining - 1], 1);
  b[mark_remaining] = 9;
  EXPECT_FALSE(decode(RecordType::BulkApplied, b));
  b[mark_remaining] = 0;  // mark the rest unmarked
  EXPECT_FALSE(decode(RecordType::BulkApplied, b));
  b[mark_remaining] = static_cast<char>(AttendanceStatus::Excused);
  EXPECT_TRUE(decode(RecordType::BulkApplied, b));
  b[mark_remaining - 1] = 3;  // its flag
  EXPECT_FALSE(decode(RecordType::BulkApplied, b));
}

TEST(WalRecordTest, HugeCountsAndLengthsAreRejectedWithoutAllocating) {
  std::string b =
      encoded(Bulk{kCls, kSid, UserId{2}, {}, std::nullopt, std::vector<UserId>{}, kNow});
  b[24] = b[25] = b[26] = b[27] = '\xFF';  // 4 billion items in a few bytes
  EXPECT_FALSE(decode(RecordType::BulkApplied, b));
  b = encoded(
      Bulk{kCls, kSid, UserId{2}, {}, AttendanceStatus::Absent, std::vector<UserId>{}, kNow});
  b[30] = b[31] = b[32] = b[33] = '\xFF';  // remaining count
  EXPECT_FALSE(decode(RecordType::BulkApplied, b));
  std::string s = encoded(OpenSession{kCls, UserId{2}, 5, "123456", kNow});
  s[20] = s[21] = s[22] = s[23] = '\xFF';  // string length
  EXPECT_FALSE(decode(RecordType::SessionOpened, s));
  std::string c = encoded(CloseSession{kCls, kSid, UserId{2}, std::vector<UserId>{}, kNow});
  c[24] = c[25] = c[26] = c[27] = '\xFF';  // marked_absent count
  EXPECT_FALSE(decode(RecordType::SessionClosed, c));
  std::string i = encoded(CheckIn{kCls, kSid, UserId{10}, Method::QrCode, kNow, kNow, ""});
  i[41] = i[42] = i[43] = i[44] = '\xFF';  // op_id length
  EXPECT_FALSE(decode(RecordType::CheckedIn, i));
}

// Payloads that decode field by field but that the owner could never have logged:
// each `bad` is refused, and the same command without the fault (`good`) is read.
TEST(WalRecordTest, PayloadsThatAreNotWellFormedAreRejected) {
  const SessionId other_class = domain::make_session_id(ClassId{5}, 3);
  const std::string too_long_op(domain::kOpIdBytesMax + 1, 'o');
  const std::string too_long_reason(domain::kReasonBytesMax + 1, 'r');
  const CheckIn in{kCls, kSid, UserId{10}, Method::QrCode, kNow, kNow, "op"};
  const Override ov{kCls,         kSid, UserId{2}, UserId{11}, AttendanceStatus::Late,
                    std::nullopt, kNow, kNow,      "op"};
  const Bulk bulk{kCls,
                  kSid,
                  UserId{2},
                  {{UserId{10}, AttendanceStatus::Present, std::nullopt}},
                  AttendanceStatus::Absent,
                  std::vector<UserId>{UserId{11}, UserId{12}},
                  kNow};
  const CloseSession close{kCls, kSid, UserId{2}, std::vector<UserId>{UserId{1}, UserId{2}}, kNow};

  struct Case {
    const char* name;
    Command good;
    Command bad;
  };
  std::vector<Case> cases;
  auto add = [&cases](const char* name, const Command& good, auto edit) {
    Command bad = good;
    edit(bad);
    cases.push_back({name, good, std::move(bad)});
  };
  using Cmd = Command&;
  add("open: class 0", OpenSession{kCls, UserId{2}, 5, "1", kNow},
      [](Cmd c) { std::get<OpenSession>(c).cls = ClassId{0}; });
  add("open: actor 0", OpenSession{kCls, UserId{2}, 5, "1", kNow},
      [](Cmd c) { std::get<OpenSession>(c).actor = UserId{0}; });
  add("open: code too long", OpenSession{kCls, UserId{2}, 5, std::string(64, '1'), kNow},
      [](Cmd c) { std::get<OpenSession>(c).verification_code += '1'; });
  const OpenSession rotating{kCls, UserId{2}, 5, "", kNow, std::string(32, 'a'), 15};
  add("open: seed of a static code", OpenSession{kCls, UserId{2}, 5, "123456", kNow},
      [](Cmd c) { std::get<OpenSession>(c).code_seed = std::string(32, 'a'); });
  add("open: rotation of a static code", OpenSession{kCls, UserId{2}, 5, "123456", kNow},
      [](Cmd c) { std::get<OpenSession>(c).code_rotation_s = 15; });
  add("open: rotating with a static code", rotating,
      [](Cmd c) { std::get<OpenSession>(c).verification_code = "123456"; });
  add("open: seed too short", rotating,
      [](Cmd c) { std::get<OpenSession>(c).code_seed.pop_back(); });
  add("open: seed not hex", rotating, [](Cmd c) { std::get<OpenSession>(c).code_seed[3] = 'g'; });
  add("open: seed upper case", rotating,
      [](Cmd c) { std::get<OpenSession>(c).code_seed[3] = 'A'; });
  add("open: rotation too long", rotating,
      [](Cmd c) { std::get<OpenSession>(c).code_rotation_s = domain::kCodeRotationSMax + 1; });
  add("check-in: session of another class", in,
      [&](Cmd c) { std::get<CheckIn>(c).session = other_class; });
  add("check-in: session 0", in, [](Cmd c) { std::get<CheckIn>(c).session = SessionId{0}; });
  add("check-in: class 0", in, [](Cmd c) {
    std::get<CheckIn>(c).cls = ClassId{0};
    std::get<CheckIn>(c).session = domain::make_session_id(ClassId{0}, 3);
  });
  add("check-in: student 0", in, [](Cmd c) { std::get<CheckIn>(c).student = UserId{0}; });
  add("check-in: teacher's method", in,
      [](Cmd c) { std::get<CheckIn>(c).method = Method::TeacherOverride; });
  add("check-in: op_id too long", in, [&](Cmd c) { std::get<CheckIn>(c).op_id = too_long_op; });
  add("override: session of another class", ov,
      [&](Cmd c) { std::get<Override>(c).session = other_class; });
  add("override: actor 0", ov, [](Cmd c) { std::get<Override>(c).actor = UserId{0}; });
  add("override: student 0", ov, [](Cmd c) { std::get<Override>(c).student = UserId{0}; });
  add("override: unmarked", ov,
      [](Cmd c) { std::get<Override>(c).status = AttendanceStatus::Unmarked; });
  add("override: reason too long", ov,
      [&](Cmd c) { std::get<Override>(c).reason = too_long_reason; });
  add("override: op_id too long", ov, [&](Cmd c) { std::get<Override>(c).op_id = too_long_op; });
  add("bulk: session of another class", bulk,
      [&](Cmd c) { std::get<Bulk>(c).session = other_class; });
  add("bulk: actor 0", bulk, [](Cmd c) { std::get<Bulk>(c).actor = UserId{0}; });
  add("bulk: item student 0", bulk, [](Cmd c) { std::get<Bulk>(c).items[0].student = UserId{0}; });
  add("bulk: item unmarked", bulk,
      [](Cmd c) { std::get<Bulk>(c).items[0].status = AttendanceStatus::Unmarked; });
  add("bulk: item reason too long", bulk,
      [&](Cmd c) { std::get<Bulk>(c).items[0].reason = too_long_reason; });
  add("bulk: remaining unsorted", bulk, [](Cmd c) {
    std::get<Bulk>(c).remaining = std::vector<UserId>{UserId{12}, UserId{11}};
  });
  add("bulk: remaining twice", bulk, [](Cmd c) {
    std::get<Bulk>(c).remaining = std::vector<UserId>{UserId{11}, UserId{11}};
  });
  add("bulk: remaining student 0", bulk, [](Cmd c) {
    std::get<Bulk>(c).remaining = std::vector<UserId>{UserId{0}, UserId{11}};
  });
  add("bulk: remaining without a status", bulk,
      [](Cmd c) { std::get<Bulk>(c).mark_remaining.reset(); });
  add("close: session of another class", close,
      [&](Cmd c) { std::get<CloseSession>(c).session = other_class; });
  add("close: actor 0", close, [](Cmd c) { std::get<CloseSession>(c).actor = UserId{0}; });
  add("close: unsorted", close, [](Cmd c) {
    std::get<CloseSession>(c).marked_absent = std::vector<UserId>{UserId{2}, UserId{1}};
  });
  add("close: twice", close, [](Cmd c) {
    std::get<CloseSession>(c).marked_absent = std::vector<UserId>{UserId{2}, UserId{2}};
  });
  add("close: student 0", close,
      [](Cmd c) { std::get<CloseSession>(c).marked_absent = std::vector<UserId>{UserId{0}}; });
  add("join: class 0", AnnounceJoin{kCls, UserId{10}, kNow},
      [](Cmd c) { std::get<AnnounceJoin>(c).cls = ClassId{0}; });
  add("join: student 0", AnnounceJoin{kCls, UserId{10}, kNow},
      [](Cmd c) { std::get<AnnounceJoin>(c).student = UserId{0}; });
  add("enroll: version 0", Enroll{UserId{10}, kCls, 1},
      [](Cmd c) { std::get<Enroll>(c).roster_version = 0; });
  add("enroll: student 0", Enroll{UserId{10}, kCls, 1},
      [](Cmd c) { std::get<Enroll>(c).student = UserId{0}; });
  add("enroll: class 0", Enroll{UserId{10}, kCls, 1},
      [](Cmd c) { std::get<Enroll>(c).cls = ClassId{0}; });

  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    ASSERT_TRUE(domain::well_formed(k.good));
    ASSERT_FALSE(domain::well_formed(k.bad));
    const std::optional<Command> good = decode(type_of(k.good), old_layout(k.good));
    ASSERT_TRUE(good.has_value());
    EXPECT_EQ(*good, k.good);
    EXPECT_FALSE(decode(type_of(k.bad), old_layout(k.bad)));
  }
}

TEST(WalRecordTest, CommitAndUnknownTypesAreNotDecoded) {
  EXPECT_FALSE(decode(RecordType::Commit, std::string(12, '\0')));
  EXPECT_FALSE(decode(static_cast<RecordType>(0), ""));
  EXPECT_FALSE(decode(static_cast<RecordType>(11), encoded(Enroll{UserId{10}, kCls, 42})));
  EXPECT_FALSE(decode(static_cast<RecordType>(200), std::string(24, '\0')));
  // A payload of another type does not pass for this one.
  EXPECT_FALSE(decode(RecordType::CheckedIn, encoded(Enroll{UserId{10}, kCls, 42})));
  EXPECT_FALSE(decode(RecordType::SessionClosed, encoded(AnnounceJoin{kCls, UserId{10}, kNow})));
}

TEST(WalRecordTest, DecodeCommit) {
  std::string c;
  for (int i = 0; i < 8; ++i) c.push_back(static_cast<char>(i == 0 ? 0x2A : 0));
  c += std::string("\x03\x00\x00\x00", 4);
  const std::optional<CommitRecord> ok = decode_commit(c);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->batch_first_lsn, 42u);
  EXPECT_EQ(ok->batch_records, 3u);
  const std::optional<CommitRecord> big =
      decode_commit(Bytes().u64(~0ull - 1).u32(0xFFFFFFFFu).out);
  ASSERT_TRUE(big);
  EXPECT_EQ(big->batch_first_lsn, ~0ull - 1);
  EXPECT_EQ(big->batch_records, 0xFFFFFFFFu);
  EXPECT_FALSE(decode_commit(""));
  EXPECT_FALSE(decode_commit(c.substr(0, 11)));
  EXPECT_FALSE(decode_commit(c + '\0'));
  EXPECT_FALSE(decode_commit(std::string(8, '\0')));
}

// --- to_json -----------------------------------------------------------------------

TEST(WalRecordTest, ToJsonOfSimpleCommandsExactly) {
  EXPECT_EQ(to_json(Enroll{UserId{10}, kCls, 42}),
            R"({"type":"enrolled","student":10,"cls":4,"roster_version":42})");
  EXPECT_EQ(to_json(AnnounceJoin{kCls, UserId{10}, -5}),
            R"({"type":"class_joined","cls":4,"student":10,"now_ms":-5})");
  EXPECT_EQ(to_json(OpenSession{kCls, UserId{2}, 5, "12\"3", 7}),
            R"({"type":"session_opened","cls":4,"actor":2,"late_after_minutes":5,)"
            R"("verification_code":"12\"3","now_ms":7,"code_seed":"","code_rotation_s":0})");
  const SessionId sid = domain::make_session_id(ClassId{1}, 2);  // 1048578
  EXPECT_EQ(to_json(CheckIn{ClassId{1}, sid, UserId{3}, Method::QrCode, 4, 5, ""}),
            R"({"type":"checked_in","cls":1,"session":1048578,"student":3,"method":"qr_code",)"
            R"("at_ms":4,"now_ms":5,"op_id":""})");
  EXPECT_EQ(to_json(Override{ClassId{1}, sid, UserId{2}, UserId{3}, AttendanceStatus::Excused,
                             std::nullopt, 4, 5, "t:1"}),
            R"({"type":"overridden","cls":1,"session":1048578,"actor":2,"student":3,)"
            R"("status":"excused","reason":null,"at_ms":4,"now_ms":5,"op_id":"t:1"})");
  EXPECT_EQ(to_json(Bulk{ClassId{1},
                         sid,
                         UserId{2},
                         {{UserId{3}, AttendanceStatus::Late, std::string("x")},
                          {UserId{4}, AttendanceStatus::Present, std::nullopt}},
                         std::nullopt,
                         std::vector<UserId>{},
                         9}),
            R"({"type":"bulk_applied","cls":1,"session":1048578,"actor":2,"items":[)"
            R"({"student":3,"status":"late","reason":"x"},)"
            R"({"student":4,"status":"present","reason":null}],)"
            R"("mark_remaining":null,"remaining":[],"now_ms":9})");
  EXPECT_EQ(to_json(CloseSession{ClassId{1}, sid, UserId{2},
                                 std::vector<UserId>{UserId{3}, UserId{5}}, 9}),
            R"({"type":"session_closed","cls":1,"session":1048578,"actor":2,)"
            R"("marked_absent":[3,5],"now_ms":9})");
}

template <typename T>
std::string_view str_of(T&& element) {
  std::string_view s;
  EXPECT_EQ(element.get_string().get(s), simdjson::SUCCESS);
  return s;
}

void expect_ids(simdjson::dom::element e, const std::optional<std::vector<UserId>>& want) {
  ASSERT_TRUE(want.has_value());
  simdjson::dom::array a;
  ASSERT_EQ(e.get_array().get(a), simdjson::SUCCESS);
  ASSERT_EQ(a.size(), want->size());
  std::size_t i = 0;
  for (simdjson::dom::element id : a) EXPECT_EQ(std::uint64_t(id), (*want)[i++].value);
}

void expect_reason(simdjson::dom::element e, const std::optional<std::string>& want) {
  if (want) {
    EXPECT_EQ(str_of(e), *want);
  } else {
    EXPECT_TRUE(e.is_null());
  }
}

TEST(WalRecordTest, ToJsonIsValidJsonWithEveryFieldByName) {
  simdjson::dom::parser parser;
  for (const Command& c : samples()) {
    const std::string json = to_json(c);
    SCOPED_TRACE(json.substr(0, 300));
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS);
    simdjson::dom::object obj;
    ASSERT_EQ(doc.get_object().get(obj), simdjson::SUCCESS);
    EXPECT_EQ(str_of(obj["type"]), domain::name_of(c));
    std::size_t field_count = 0;
    std::visit(
        [&field_count](const auto& cmd) {
          std::decay_t<decltype(cmd)>::fields(cmd, [&](auto&&...) { ++field_count; });
        },
        c);
    EXPECT_EQ(obj.size(), field_count + 1);  // "type" and every field, nothing else
    std::visit(
        [&obj](const auto& cmd) {
          using T = std::decay_t<decltype(cmd)>;
          if constexpr (std::is_same_v<T, OpenSession>) {
            EXPECT_EQ(str_of(obj["type"]), "session_opened");
            EXPECT_EQ(std::uint64_t(obj["cls"]), cmd.cls.value);
            EXPECT_EQ(std::uint64_t(obj["actor"]), cmd.actor.value);
            EXPECT_EQ(std::uint64_t(obj["late_after_minutes"]), cmd.late_after_minutes);
            EXPECT_EQ(str_of(obj["verification_code"]), cmd.verification_code);
            EXPECT_EQ(std::int64_t(obj["now_ms"]), cmd.now_ms);
          } else if constexpr (std::is_same_v<T, CheckIn>) {
            EXPECT_EQ(str_of(obj["type"]), "checked_in");
            EXPECT_EQ(std::uint64_t(obj["cls"]), cmd.cls.value);
            EXPECT_EQ(std::uint64_t(obj["session"]), cmd.session.value);
            EXPECT_EQ(std::uint64_t(obj["student"]), cmd.student.value);
            EXPECT_EQ(str_of(obj["method"]), domain::to_string(cmd.method));
            EXPECT_EQ(std::int64_t(obj["at_ms"]), cmd.at_ms);
            EXPECT_EQ(std::int64_t(obj["now_ms"]), cmd.now_ms);
            EXPECT_EQ(str_of(obj["op_id"]), cmd.op_id);
          } else if constexpr (std::is_same_v<T, Override>) {
            EXPECT_EQ(str_of(obj["type"]), "overridden");
            EXPECT_EQ(std::uint64_t(obj["cls"]), cmd.cls.value);
            EXPECT_EQ(std::uint64_t(obj["session"]), cmd.session.value);
            EXPECT_EQ(std::uint64_t(obj["actor"]), cmd.actor.value);
            EXPECT_EQ(std::uint64_t(obj["student"]), cmd.student.value);
            EXPECT_EQ(str_of(obj["status"]), domain::to_string(cmd.status));
            expect_reason(obj["reason"], cmd.reason);
            EXPECT_EQ(std::int64_t(obj["at_ms"]), cmd.at_ms);
            EXPECT_EQ(std::int64_t(obj["now_ms"]), cmd.now_ms);
            EXPECT_EQ(str_of(obj["op_id"]), cmd.op_id);
          } else if constexpr (std::is_same_v<T, Bulk>) {
            EXPECT_EQ(str_of(obj["type"]), "bulk_applied");
            EXPECT_EQ(std::uint64_t(obj["cls"]), cmd.cls.value);
            EXPECT_EQ(std::uint64_t(obj["session"]), cmd.session.value);
            EXPECT_EQ(std::uint64_t(obj["actor"]), cmd.actor.value);
            simdjson::dom::array items = obj["items"];
            ASSERT_EQ(items.size(), cmd.items.size());
            std::size_t i = 0;
            for (simdjson::dom::element item : items) {
              EXPECT_EQ(std::uint64_t(item["student"]), cmd.items[i].student.value);
              EXPECT_EQ(str_of(item["status"]), domain::to_string(cmd.items[i].status));
              expect_reason(item["reason"], cmd.items[i].reason);
              ++i;
            }
            if (cmd.mark_remaining) {
              EXPECT_EQ(str_of(obj["mark_remaining"]), domain::to_string(*cmd.mark_remaining));
            } else {
              EXPECT_TRUE(obj["mark_remaining"].is_null());
            }
            expect_ids(obj["remaining"], cmd.remaining);
            EXPECT_EQ(std::int64_t(obj["now_ms"]), cmd.now_ms);
          } else if constexpr (std::is_same_v<T, CloseSession>) {
            EXPECT_EQ(str_of(obj["type"]), "session_closed");
            EXPECT_EQ(std::uint64_t(obj["cls"]), cmd.cls.value);
            EXPECT_EQ(std::uint64_t(obj["session"]), cmd.session.value);
            EXPECT_EQ(std::uint64_t(obj["actor"]), cmd.actor.value);
            expect_ids(obj["marked_absent"], cmd.marked_absent);
            EXPECT_EQ(std::int64_t(obj["now_ms"]), cmd.now_ms);
          } else if constexpr (std::is_same_v<T, AnnounceJoin>) {
            EXPECT_EQ(str_of(obj["type"]), "class_joined");
            EXPECT_EQ(std::uint64_t(obj["cls"]), cmd.cls.value);
            EXPECT_EQ(std::uint64_t(obj["student"]), cmd.student.value);
            EXPECT_EQ(std::int64_t(obj["now_ms"]), cmd.now_ms);
          } else if constexpr (std::is_same_v<T, Enroll>) {
            EXPECT_EQ(str_of(obj["type"]), "enrolled");
            EXPECT_EQ(std::uint64_t(obj["student"]), cmd.student.value);
            EXPECT_EQ(std::uint64_t(obj["cls"]), cmd.cls.value);
            EXPECT_EQ(std::uint64_t(obj["roster_version"]), cmd.roster_version);
          }
        },
        c);
  }
}

TEST(WalRecordTest, ToJsonOfALegacyRecordIsItsCommand) {
  const std::optional<Command> in =
      decode(RecordType::LegacyCheckedIn,
             legacy_check_in(kCls, kSid, UserId{10}, Method::VerificationCode, 7, 8));
  ASSERT_TRUE(in);
  EXPECT_EQ(to_json(*in),
            to_json(CheckIn{kCls, kSid, UserId{10}, Method::VerificationCode, 7, 8, ""}));
  const std::optional<Command> ov =
      decode(RecordType::LegacyOverridden,
             legacy_override(kCls, kSid, UserId{2}, UserId{10}, AttendanceStatus::Absent, "r", 9));
  ASSERT_TRUE(ov);
  EXPECT_NE(to_json(*ov).find(R"("at_ms":9,"now_ms":9,"op_id":"")"), std::string::npos)
      << to_json(*ov);
}

}  // namespace
}  // namespace rollcall::wal
