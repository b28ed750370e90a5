#include "rollcall/api/bodies.hpp"

#include <unordered_set>

#include "rollcall/common/clock.hpp"

namespace rollcall::api {

using namespace domain;
using simdjson::ondemand::value;

namespace {

constexpr std::size_t kUsernameBytesMax = 256;
constexpr std::size_t kPasswordBytesMax = 1024;
constexpr std::size_t kCodeBytesMax = 32;
constexpr std::size_t kQrTokenBytesMax = 256;
constexpr std::size_t kJoinCodeBytesMax = 64;

std::optional<ApiError> required(bool present, std::string_view field) {
  if (present) return std::nullopt;
  return invalid_field(field, "required");
}

std::optional<ApiError> read_bulk_item(value v, std::size_t index, BulkItem& item) {
  const std::string where = "updates[" + std::to_string(index) + "]";
  simdjson::ondemand::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS)
    return invalid_field(where, "expected an object");
  bool has_student = false, has_status = false;
  for (auto member : obj) {
    simdjson::ondemand::field f;
    std::string_view key;
    if (std::move(member).get(f) != simdjson::SUCCESS ||
        f.unescaped_key().get(key) != simdjson::SUCCESS) {
      return invalid_json();
    }
    std::optional<ApiError> e;
    if (key == "student_id") {
      std::uint64_t id = 0;
      e = read_id(f.value(), where + ".student_id", id);
      item.student = UserId{id};
      has_student = true;
    } else if (key == "status") {
      e = read_status(f.value(), where + ".status", item.status);
      has_status = true;
    } else if (key == "reason") {
      e = read_optional_string(f.value(), where + ".reason", kReasonBytesMax, item.reason);
    }
    if (e) return e;
  }
  if (auto e = required(has_student, where + ".student_id")) return e;
  return required(has_status, where + ".status");
}

}  // namespace

std::optional<ApiError> parse_login(JsonScratch& json, std::string_view body, LoginBody& out) {
  bool has_username = false, has_password = false;
  auto err =
      parse_object(json, body, [&](std::string_view key, value v) -> std::optional<ApiError> {
        if (key == "username") {
          has_username = true;
          return read_string(v, key, kUsernameBytesMax, out.username);
        }
        if (key == "password") {
          has_password = true;
          return read_string(v, key, kPasswordBytesMax, out.password);
        }
        return std::nullopt;
      });
  if (err) return err;
  if (auto e = required(has_username, "username")) return e;
  return required(has_password, "password");
}

std::optional<ApiError> parse_check_in(JsonScratch& json, std::string_view body, CheckInBody& out) {
  std::string method;
  bool has_method = false, has_class = false, has_code = false, has_token = false;
  auto err =
      parse_object(json, body, [&](std::string_view key, value v) -> std::optional<ApiError> {
        if (key == "method") {
          has_method = true;
          return read_string(v, key, kCodeBytesMax, method);
        }
        if (key == "class_id") {
          has_class = true;
          return read_id(v, key, out.class_id);
        }
        if (key == "code") {
          has_code = true;
          return read_string(v, key, kCodeBytesMax, out.code);
        }
        if (key == "qr_token") {
          has_token = true;
          return read_string(v, key, kQrTokenBytesMax, out.qr_token);
        }
        return std::nullopt;
      });
  if (err) return err;
  if (auto e = required(has_method, "method")) return e;
  if (method == "verification_code") {
    out.method = CheckInBody::Method::VerificationCode;
    if (auto e = required(has_class, "class_id")) return e;
    return required(has_code, "code");
  }
  if (method == "qr_code") {
    out.method = CheckInBody::Method::QrCode;
    return required(has_token, "qr_token");
  }
  return invalid_field("method", "expected qr_code or verification_code");
}

std::optional<ApiError> parse_open_session(JsonScratch& json, std::string_view body,
                                           OpenSessionBody& out) {
  if (body.empty()) return std::nullopt;
  std::uint64_t late = out.late_after_minutes;
  auto err =
      parse_object(json, body, [&](std::string_view key, value v) -> std::optional<ApiError> {
        if (key == "late_after_minutes") return read_uint(v, key, kLateAfterMinutesMax, late);
        return std::nullopt;
      });
  if (err) return err;
  out.late_after_minutes = static_cast<std::uint32_t>(late);
  return std::nullopt;
}

std::optional<ApiError> parse_override(JsonScratch& json, std::string_view body,
                                       OverrideBody& out) {
  bool has_status = false;
  auto err =
      parse_object(json, body, [&](std::string_view key, value v) -> std::optional<ApiError> {
        if (key == "status") {
          has_status = true;
          return read_status(v, key, out.status);
        }
        if (key == "reason") return read_optional_string(v, key, kReasonBytesMax, out.reason);
        return std::nullopt;
      });
  if (err) return err;
  return required(has_status, "status");
}

std::optional<ApiError> parse_bulk(JsonScratch& json, std::string_view body, BulkBody& out) {
  auto err =
      parse_object(json, body, [&](std::string_view key, value v) -> std::optional<ApiError> {
        if (key == "updates") {
          simdjson::ondemand::array arr;
          if (v.get_array().get(arr) != simdjson::SUCCESS)
            return invalid_field(key, "expected an array");
          for (auto element : arr) {
            value item_value;
            if (std::move(element).get(item_value) != simdjson::SUCCESS) return invalid_json();
            if (out.updates.size() >= kBulkItemsMax)
              return invalid_field(key, "more than 10000 updates");
            BulkItem item;
            if (auto e = read_bulk_item(item_value, out.updates.size(), item)) return e;
            out.updates.push_back(std::move(item));
          }
          return std::nullopt;
        }
        if (key == "mark_remaining") {
          bool is_null = false;
          if (v.is_null().get(is_null) == simdjson::SUCCESS && is_null) return std::nullopt;
          AttendanceStatus s = AttendanceStatus::Absent;
          if (auto e = read_status(v, key, s)) return e;
          out.mark_remaining = s;
        }
        return std::nullopt;
      });
  if (err) return err;
  if (out.updates.empty() && !out.mark_remaining) {
    return invalid_field("updates", "give updates and/or mark_remaining");
  }
  return std::nullopt;
}

std::optional<ApiError> parse_join(JsonScratch& json, std::string_view body, JoinBody& out) {
  bool has_code = false;
  auto err =
      parse_object(json, body, [&](std::string_view key, value v) -> std::optional<ApiError> {
        if (key == "join_code") {
          has_code = true;
          return read_string(v, key, kJoinCodeBytesMax, out.join_code);
        }
        return std::nullopt;
      });
  if (err) return err;
  return required(has_code, "join_code");
}

namespace {

// Reads one op. A problem with the op as a whole (not an object, op_id) is
// returned; a problem with one of its other fields goes into `op.error`.
std::optional<ApiError> read_sync_op(value v, std::size_t index, SyncOpBody& op) {
  const std::string where = "ops[" + std::to_string(index) + "]";
  simdjson::ondemand::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS)
    return invalid_field(where, "expected an object");
  bool has_op_id = false, has_kind = false, has_method = false, has_class = false, has_code = false,
       has_token = false, has_session = false, has_student = false, has_status = false,
       has_time = false;
  std::string kind, method, time;
  auto keep = [&op](std::optional<ApiError> e) {
    if (e && !op.error) op.error = std::move(e);
  };
  for (auto member : obj) {
    simdjson::ondemand::field f;
    std::string_view key;
    if (std::move(member).get(f) != simdjson::SUCCESS ||
        f.unescaped_key().get(key) != simdjson::SUCCESS) {
      return invalid_json();
    }
    const std::string name = where + "." + std::string(key);
    if (key == "op_id") {
      has_op_id = true;
      if (auto e = read_string(f.value(), name, kOpIdBytesMax, op.op_id)) return e;
      if (op.op_id.empty()) return invalid_field(name, "must not be empty");
    } else if (key == "kind") {
      has_kind = true;
      keep(read_string(f.value(), name, 32, kind));
    } else if (key == "method") {
      has_method = true;
      keep(read_string(f.value(), name, 32, method));
    } else if (key == "class_id") {
      has_class = true;
      keep(read_id(f.value(), name, op.class_id));
    } else if (key == "code") {
      has_code = true;
      keep(read_string(f.value(), name, kCodeBytesMax, op.code));
    } else if (key == "qr_token") {
      has_token = true;
      keep(read_string(f.value(), name, kQrTokenBytesMax, op.qr_token));
    } else if (key == "class_session_id") {
      has_session = true;
      keep(read_id(f.value(), name, op.session_id));
    } else if (key == "student_id") {
      has_student = true;
      keep(read_id(f.value(), name, op.student_id));
    } else if (key == "status") {
      has_status = true;
      keep(read_status(f.value(), name, op.status));
    } else if (key == "reason") {
      keep(read_optional_string(f.value(), name, kReasonBytesMax, op.reason));
    } else if (key == "client_time") {
      has_time = true;
      if (auto e = read_string(f.value(), name, 64, time)) {
        keep(std::move(e));
      } else if (const std::optional<std::int64_t> t = parse_rfc3339_ms(time)) {
        op.client_time_ms = *t;
      } else {
        keep(invalid_field(name, "expected an RFC 3339 time such as 2026-11-22T08:01:02.345Z"));
      }
    }
  }
  if (!has_op_id) return invalid_field(where + ".op_id", "required");
  if (op.error) return std::nullopt;
  auto need = [&](bool present, const char* field) {
    if (!present) keep(invalid_field(where + "." + field, "required"));
  };
  need(has_kind, "kind");
  need(has_time, "client_time");
  if (op.error) return std::nullopt;
  if (kind == "check_in") {
    op.kind = SyncOpBody::Kind::CheckIn;
    need(has_method, "method");
    need(has_class, "class_id");
    if (op.error) return std::nullopt;
    if (method == "verification_code") {
      op.method = CheckInBody::Method::VerificationCode;
      need(has_code, "code");
    } else if (method == "qr_code") {
      op.method = CheckInBody::Method::QrCode;
      need(has_token, "qr_token");
    } else {
      keep(invalid_field(where + ".method", "expected qr_code or verification_code"));
    }
  } else if (kind == "override") {
    op.kind = SyncOpBody::Kind::Override;
    need(has_session, "class_session_id");
    need(has_student, "student_id");
    need(has_status, "status");
  } else {
    keep(invalid_field(where + ".kind", "expected check_in or override"));
  }
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> parse_sync(JsonScratch& json, std::string_view body, SyncBody& out) {
  bool has_client = false, has_ops = false;
  auto err =
      parse_object(json, body, [&](std::string_view key, value v) -> std::optional<ApiError> {
        if (key == "client_id") {
          has_client = true;
          if (auto e = read_string(v, key, kClientIdBytesMax, out.client_id)) return e;
          if (out.client_id.empty()) return invalid_field(key, "must not be empty");
          return std::nullopt;
        }
        if (key == "ops") {
          has_ops = true;
          simdjson::ondemand::array arr;
          if (v.get_array().get(arr) != simdjson::SUCCESS)
            return invalid_field(key, "expected an array");
          for (auto element : arr) {
            value item;
            if (std::move(element).get(item) != simdjson::SUCCESS) return invalid_json();
            if (out.ops.size() >= kSyncOpsMax) {
              return ApiError{413, "too_many_ops",
                              "at most 500 ops per sync call; send the rest in another"};
            }
            SyncOpBody op;
            if (auto e = read_sync_op(item, out.ops.size(), op)) return e;
            out.ops.push_back(std::move(op));
          }
        }
        return std::nullopt;
      });
  if (err) return err;
  if (auto e = required(has_client, "client_id")) return e;
  if (auto e = required(has_ops, "ops")) return e;
  std::unordered_set<std::string_view> seen;
  for (std::size_t i = 0; i < out.ops.size(); ++i) {
    if (!seen.insert(out.ops[i].op_id).second) {
      return ApiError{422, "duplicate_op_id",
                      "ops[" + std::to_string(i) + "].op_id \"" + out.ops[i].op_id +
                          "\" appears twice; nothing applied"};
    }
  }
  return std::nullopt;
}

}  // namespace rollcall::api
