#include "rollcall/api/bodies.hpp"

#include <unordered_set>

#include "rollcall/common/clock.hpp"

namespace rollcall::api {

using namespace domain;
using simdjson::ondemand::value;
using wire::invalid_field;
using wire::invalid_json;
using wire::parse_object;
using wire::read_id;
using wire::read_optional_string;
using wire::read_status;
using wire::read_string;
using wire::read_uint;

namespace {

constexpr std::size_t kUsernameBytesMax = 256;
constexpr std::size_t kPasswordBytesMax = 1024;
constexpr std::size_t kCodeBytesMax = 32;
constexpr std::size_t kQrTokenBytesMax = 256;
constexpr std::size_t kJoinCodeBytesMax = 64;

std::optional<wire::Error> required(bool present, std::string_view field) {
  if (present) return std::nullopt;
  return invalid_field(field, "required");
}

std::optional<wire::Error> read_bulk_item(value v, std::size_t index, BulkItem& item) {
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
    std::optional<wire::Error> e;
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

std::optional<wire::Error> parse_login(wire::JsonScratch& json, std::string_view body,
                                       LoginBody& out) {
  bool has_username = false, has_password = false;
  auto err =
      parse_object(json, body, [&](std::string_view key, value v) -> std::optional<wire::Error> {
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

std::optional<wire::Error> parse_check_in(wire::JsonScratch& json, std::string_view body,
                                          CheckInBody& out) {
  std::string method;
  bool has_method = false, has_class = false, has_code = false, has_token = false;
  auto err =
      parse_object(json, body, [&](std::string_view key, value v) -> std::optional<wire::Error> {
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

std::optional<wire::Error> parse_open_session(wire::JsonScratch& json, std::string_view body,
                                              OpenSessionBody& out) {
  if (body.empty()) return std::nullopt;
  std::uint64_t late = out.late_after_minutes;
  auto err =
      parse_object(json, body, [&](std::string_view key, value v) -> std::optional<wire::Error> {
        if (key == "late_after_minutes") return read_uint(v, key, kLateAfterMinutesMax, late);
        if (key == "rotating_code") return wire::read_bool(v, key, out.rotating_code);
        return std::nullopt;
      });
  if (err) return err;
  out.late_after_minutes = static_cast<std::uint32_t>(late);
  return std::nullopt;
}

std::optional<wire::Error> parse_override(wire::JsonScratch& json, std::string_view body,
                                          OverrideBody& out) {
  bool has_status = false;
  auto err =
      parse_object(json, body, [&](std::string_view key, value v) -> std::optional<wire::Error> {
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

std::optional<wire::Error> parse_bulk(wire::JsonScratch& json, std::string_view body,
                                      BulkBody& out) {
  auto err =
      parse_object(json, body, [&](std::string_view key, value v) -> std::optional<wire::Error> {
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

std::optional<wire::Error> parse_join(wire::JsonScratch& json, std::string_view body,
                                      JoinBody& out) {
  bool has_code = false;
  auto err =
      parse_object(json, body, [&](std::string_view key, value v) -> std::optional<wire::Error> {
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

// The fields of one op as read, before its kind says which ones it needs.
struct OpFields {
  bool op_id = false, kind = false, method = false, class_id = false, code = false,
       qr_token = false, session = false, student = false, status = false, time = false;
  std::string kind_name, method_name;
};

// Keeps the op's first problem with one of its fields (the op is then rejected).
void keep(SyncOpBody& op, std::optional<wire::Error> e) {
  if (e && !op.error) op.error = std::move(e);
}

void read_client_time(value v, const std::string& name, SyncOpBody& op) {
  std::string time;
  if (auto e = read_string(v, name, 64, time)) return keep(op, std::move(e));
  if (const std::optional<std::int64_t> t = parse_rfc3339_ms(time)) {
    op.client_time_ms = *t;
    return;
  }
  keep(op, invalid_field(name, "expected an RFC 3339 time such as 2026-11-22T08:01:02.345Z"));
}

// Reads one member of an op. A problem with the op as a whole (op_id) is returned.
std::optional<wire::Error> read_op_field(std::string_view key, value v, const std::string& name,
                                         SyncOpBody& op, OpFields& has) {
  if (key == "op_id") {
    has.op_id = true;
    if (auto e = read_string(v, name, kOpIdBytesMax, op.op_id)) return e;
    if (op.op_id.empty()) return invalid_field(name, "must not be empty");
  } else if (key == "kind") {
    has.kind = true;
    keep(op, read_string(v, name, 32, has.kind_name));
  } else if (key == "method") {
    has.method = true;
    keep(op, read_string(v, name, 32, has.method_name));
  } else if (key == "class_id") {
    has.class_id = true;
    keep(op, read_id(v, name, op.class_id));
  } else if (key == "code") {
    has.code = true;
    keep(op, read_string(v, name, kCodeBytesMax, op.code));
  } else if (key == "qr_token") {
    has.qr_token = true;
    keep(op, read_string(v, name, kQrTokenBytesMax, op.qr_token));
  } else if (key == "class_session_id") {
    has.session = true;
    keep(op, read_id(v, name, op.session_id));
  } else if (key == "student_id") {
    has.student = true;
    keep(op, read_id(v, name, op.student_id));
  } else if (key == "status") {
    has.status = true;
    keep(op, read_status(v, name, op.status));
  } else if (key == "reason") {
    keep(op, read_optional_string(v, name, kReasonBytesMax, op.reason));
  } else if (key == "client_time") {
    has.time = true;
    read_client_time(v, name, op);
  }
  return std::nullopt;
}

// What the op's kind needs, once its fields are read.
void check_op_kind(const std::string& where, const OpFields& has, SyncOpBody& op) {
  auto need = [&](bool present, const char* field) {
    if (!present) keep(op, invalid_field(where + "." + field, "required"));
  };
  need(has.kind, "kind");
  need(has.time, "client_time");
  if (op.error) return;
  if (has.kind_name == "check_in") {
    op.kind = SyncOpBody::Kind::CheckIn;
    need(has.method, "method");
    need(has.class_id, "class_id");
    if (op.error) return;
    if (has.method_name == "verification_code") {
      op.method = CheckInBody::Method::VerificationCode;
      need(has.code, "code");
    } else if (has.method_name == "qr_code") {
      op.method = CheckInBody::Method::QrCode;
      need(has.qr_token, "qr_token");
    } else {
      keep(op, invalid_field(where + ".method", "expected qr_code or verification_code"));
    }
  } else if (has.kind_name == "override") {
    op.kind = SyncOpBody::Kind::Override;
    need(has.session, "class_session_id");
    need(has.student, "student_id");
    need(has.status, "status");
  } else {
    keep(op, invalid_field(where + ".kind", "expected check_in or override"));
  }
}

// Reads one op. A problem with the op as a whole (not an object, op_id) is
// returned; a problem with one of its other fields goes into `op.error`.
std::optional<wire::Error> read_sync_op(value v, std::size_t index, SyncOpBody& op) {
  const std::string where = "ops[" + std::to_string(index) + "]";
  simdjson::ondemand::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) {
    return invalid_field(where, "expected an object");
  }
  OpFields has;
  for (auto member : obj) {
    simdjson::ondemand::field f;
    std::string_view key;
    if (std::move(member).get(f) != simdjson::SUCCESS ||
        f.unescaped_key().get(key) != simdjson::SUCCESS) {
      return invalid_json();
    }
    const std::string name = where + "." + std::string(key);
    if (auto e = read_op_field(key, f.value(), name, op, has)) return e;
  }
  if (!has.op_id) return invalid_field(where + ".op_id", "required");
  if (!op.error) check_op_kind(where, has, op);
  return std::nullopt;
}

}  // namespace

std::optional<wire::Error> parse_sync(wire::JsonScratch& json, std::string_view body,
                                      SyncBody& out) {
  bool has_client = false, has_ops = false;
  auto err =
      parse_object(json, body, [&](std::string_view key, value v) -> std::optional<wire::Error> {
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
              return wire::Error{413, "too_many_ops",
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
      return wire::Error{422, "duplicate_op_id",
                         "ops[" + std::to_string(i) + "].op_id \"" + out.ops[i].op_id +
                             "\" appears twice; nothing applied"};
    }
  }
  return std::nullopt;
}

}  // namespace rollcall::api
