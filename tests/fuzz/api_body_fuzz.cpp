// libFuzzer target for the JSON request bodies of the REST API (check-in, override,
// bulk, open-session, login, join, sync). The first byte picks the parser; the rest is the
// body. Invariants: no crash or sanitizer report; every answer is either success
// with fields inside their limits or one error with a known status and code.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rollcall/api/bodies.hpp"

using namespace rollcall;
using namespace rollcall::api;

namespace {

void check_error(const std::optional<wire::Error>& e) {
  if (!e) return;
  const bool known = (e->status == 400 && e->code == "invalid_json") ||
                     (e->status == 422 && e->code == "invalid_field");
  if (!known || e->message.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static wire::JsonScratch json;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 7) {
    case 0: {
      CheckInBody out;
      const auto e = parse_check_in(json, body, out);
      check_error(e);
      if (!e && out.method == CheckInBody::Method::VerificationCode &&
          (out.class_id == 0 || out.code.size() > 32)) {
        std::abort();
      }
      break;
    }
    case 1: {
      OverrideBody out;
      const auto e = parse_override(json, body, out);
      check_error(e);
      if (!e && (out.status == domain::AttendanceStatus::Unmarked ||
                 (out.reason && out.reason->size() > kReasonBytesMax))) {
        std::abort();
      }
      break;
    }
    case 2: {
      BulkBody out;
      const auto e = parse_bulk(json, body, out);
      check_error(e);
      if (!e && out.updates.empty() && !out.mark_remaining) std::abort();
      if (out.updates.size() > kBulkItemsMax) std::abort();
      for (const auto& item : out.updates) {
        if (!e && (!item.student || item.status == domain::AttendanceStatus::Unmarked))
          std::abort();
      }
      break;
    }
    case 3: {
      OpenSessionBody out;
      const auto e = parse_open_session(json, body, out);
      check_error(e);
      if (out.late_after_minutes > kLateAfterMinutesMax) std::abort();
      break;
    }
    case 4: {
      LoginBody out;
      check_error(parse_login(json, body, out));
      break;
    }
    case 6: {
      SyncBody out;
      const auto e = parse_sync(json, body, out);
      const bool batch_error = e && ((e->status == 413 && e->code == "too_many_ops") ||
                                     (e->status == 422 && e->code == "duplicate_op_id"));
      if (!batch_error) check_error(e);
      if (out.ops.size() > kSyncOpsMax) std::abort();
      for (const SyncOpBody& op : out.ops) {
        if (op.op_id.empty() || op.op_id.size() > kOpIdBytesMax) std::abort();
        if (!e && !op.error && op.kind == SyncOpBody::Kind::CheckIn &&
            op.method == CheckInBody::Method::VerificationCode && op.class_id == 0) {
          std::abort();
        }
        if (op.error && (op.error->code != "invalid_field" || op.error->message.empty()))
          std::abort();
      }
      break;
    }
    default: {
      JoinBody out;
      check_error(parse_join(json, body, out));
      break;
    }
  }
  return 0;
}
