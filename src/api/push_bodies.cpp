// The push requests' bodies (API.md §8); declared with the others in bodies.hpp.

#include "rollcall/api/bodies.hpp"
#include "rollcall/domain/push.hpp"

namespace rollcall::api {

namespace {

using simdjson::ondemand::value;

// Longer than any usable key's base64url (with padding), so a longer one is refused
// without being copied.
constexpr std::size_t kKeyTextBytesMax = 96;

wire::Error invalid(std::string_view why) {
  return wire::Error{422, "invalid_subscription", std::string(why)};
}

std::optional<wire::Error> read_text(value v, std::string_view field, std::size_t max,
                                     std::string& out) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) {
    return invalid(std::string(field) + ": expected a string");
  }
  if (s.size() > max) {
    return invalid(std::string(field) + ": longer than " + std::to_string(max) + " characters");
  }
  out.assign(s);
  return std::nullopt;
}

std::optional<wire::Error> read_keys(value v, PushSubscriptionBody& out) {
  simdjson::ondemand::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return invalid("keys: expected an object");
  bool p256dh = false, auth = false;
  for (auto member : obj) {
    simdjson::ondemand::field f;
    std::string_view key;
    if (std::move(member).get(f) != simdjson::SUCCESS ||
        f.unescaped_key().get(key) != simdjson::SUCCESS) {
      return wire::invalid_json();
    }
    std::optional<wire::Error> e;
    if (key == "p256dh") {
      p256dh = true;
      e = read_text(f.value(), "keys.p256dh", kKeyTextBytesMax, out.p256dh);
    } else if (key == "auth") {
      auth = true;
      e = read_text(f.value(), "keys.auth", kKeyTextBytesMax, out.auth);
    }
    if (e) return e;
  }
  if (!p256dh) return invalid("keys.p256dh: required");
  if (!auth) return invalid("keys.auth: required");
  return std::nullopt;
}

}  // namespace

std::optional<wire::Error> parse_push_subscription(wire::JsonScratch& json, std::string_view body,
                                                   PushSubscriptionBody& out) {
  bool endpoint = false, keys = false;
  auto err = wire::parse_object(
      json, body, [&](std::string_view key, value v) -> std::optional<wire::Error> {
        if (key == "endpoint") {
          endpoint = true;
          return read_text(v, "endpoint", domain::kPushEndpointBytesMax, out.endpoint);
        }
        if (key == "keys") {
          keys = true;
          return read_keys(v, out);
        }
        return std::nullopt;
      });
  if (err) return err;
  if (!endpoint) return invalid("endpoint: required");
  if (!keys) return invalid("keys: required");
  return std::nullopt;
}

std::optional<wire::Error> parse_push_preferences(wire::JsonScratch& json, std::string_view body,
                                                  PushPreferencesBody& out) {
  return wire::parse_object(
      json, body, [&](std::string_view key, value v) -> std::optional<wire::Error> {
        std::optional<bool>* slot = key == "session_opened"   ? &out.session_opened
                                    : key == "status_changed" ? &out.status_changed
                                    : key == "missing_digest" ? &out.missing_digest
                                                              : nullptr;
        if (slot == nullptr) return std::nullopt;
        bool b = false;
        if (auto e = wire::read_bool(v, key, b)) return e;
        *slot = b;
        return std::nullopt;
      });
}

}  // namespace rollcall::api
