#include "rollcall/wire/json_reader.hpp"

namespace rollcall::wire {

std::optional<Error> read_id(simdjson::ondemand::value v, std::string_view field,
                             std::uint64_t& out) {
  std::uint64_t n = 0;
  if (v.get_uint64().get(n) != simdjson::SUCCESS || n == 0 ||
      n > static_cast<std::uint64_t>(INT64_MAX)) {
    return invalid_field(field, "expected a positive integer id");
  }
  out = n;
  return std::nullopt;
}

std::optional<Error> read_uint(simdjson::ondemand::value v, std::string_view field,
                               std::uint64_t max, std::uint64_t& out) {
  std::uint64_t n = 0;
  if (v.get_uint64().get(n) != simdjson::SUCCESS || n > max) {
    return invalid_field(field, "expected an integer from 0 to " + std::to_string(max));
  }
  out = n;
  return std::nullopt;
}

std::optional<Error> read_string(simdjson::ondemand::value v, std::string_view field,
                                 std::size_t max_bytes, std::string& out) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return invalid_field(field, "expected a string");
  if (s.size() > max_bytes) {
    return invalid_field(field, "longer than " + std::to_string(max_bytes) + " bytes");
  }
  out.assign(s.data(), s.size());
  return std::nullopt;
}

std::optional<Error> read_bool(simdjson::ondemand::value v, std::string_view field, bool& out) {
  if (v.get_bool().get(out) != simdjson::SUCCESS)
    return invalid_field(field, "expected true or false");
  return std::nullopt;
}

std::optional<Error> read_optional_string(simdjson::ondemand::value v, std::string_view field,
                                          std::size_t max_bytes, std::optional<std::string>& out) {
  bool is_null = false;
  if (v.is_null().get(is_null) == simdjson::SUCCESS && is_null) {
    out.reset();
    return std::nullopt;
  }
  std::string_view text;
  if (v.get_string().get(text) != simdjson::SUCCESS) {
    return invalid_field(field, "expected a string or null");
  }
  if (text.size() > max_bytes) {
    return invalid_field(field, "longer than " + std::to_string(max_bytes) + " bytes");
  }
  out = std::string(text);
  return std::nullopt;
}

std::optional<Error> read_status(simdjson::ondemand::value v, std::string_view field,
                                 domain::AttendanceStatus& out) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) {
    return invalid_field(field, "expected a status string");
  }
  const std::optional<domain::AttendanceStatus> st = domain::status_from_string(s);
  if (!st || *st == domain::AttendanceStatus::Unmarked) {
    return invalid_field(field, "expected one of present, late, absent, excused");
  }
  out = *st;
  return std::nullopt;
}

}  // namespace rollcall::wire
