#pragma once
/// Reading JSON request bodies and client messages with simdjson's on-demand API:
/// one object at a time, typed readers that answer `422 invalid_field` naming the
/// field, `400 invalid_json` for anything that is not one JSON object.

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rollcall/domain/types.hpp"
#include "rollcall/wire/errors.hpp"

namespace rollcall::wire {

/// A reusable simdjson parser and a buffer for copying bodies with the padding
/// simdjson reads past the end. One per thread (each shard has its own).
struct JsonScratch {
  simdjson::ondemand::parser parser;
  std::string buffer;
};

/// Parses `body` as one JSON object and calls `on_field(key, value)` for every
/// member in order; `on_field` returns an error to stop. Unknown keys must be
/// skipped by the callback (return nullopt without reading the value). Unparseable
/// JSON or a non-object is `400 invalid_json`.
template <typename OnField>
std::optional<Error> parse_object(JsonScratch& json, std::string_view body, OnField&& on_field);

// Typed readers: `422 invalid_field` naming the field when the type is wrong.
std::optional<Error> read_id(simdjson::ondemand::value v, std::string_view field,
                             std::uint64_t& out);
std::optional<Error> read_uint(simdjson::ondemand::value v, std::string_view field,
                               std::uint64_t max, std::uint64_t& out);
std::optional<Error> read_string(simdjson::ondemand::value v, std::string_view field,
                                 std::size_t max_bytes, std::string& out);
std::optional<Error> read_bool(simdjson::ondemand::value v, std::string_view field, bool& out);
/// A string or null (null leaves `out` empty).
std::optional<Error> read_optional_string(simdjson::ondemand::value v, std::string_view field,
                                          std::size_t max_bytes, std::optional<std::string>& out);
/// One of present/late/absent/excused.
std::optional<Error> read_status(simdjson::ondemand::value v, std::string_view field,
                                 domain::AttendanceStatus& out);

template <typename OnField>
std::optional<Error> parse_object(JsonScratch& json, std::string_view body, OnField&& on_field) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end: copy into a padded buffer.
  std::string& buf = json.buffer;
  buf.assign(body.data(), body.size());
  buf.resize(body.size() + simdjson::SIMDJSON_PADDING, '\0');
  simdjson::ondemand::document doc;
  if (json.parser.iterate(buf.data(), body.size(), buf.size()).get(doc) != simdjson::SUCCESS) {
    return invalid_json();
  }
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return invalid_json();
  for (auto member : obj) {
    simdjson::ondemand::field f;
    if (std::move(member).get(f) != simdjson::SUCCESS) return invalid_json();
    std::string_view key;
    if (f.unescaped_key().get(key) != simdjson::SUCCESS) return invalid_json();
    simdjson::ondemand::value v = f.value();
    if (auto err = on_field(key, v)) return err;
    // Whatever the callback did not read is skipped by the iterator; a syntax error
    // anywhere surfaces when iteration reaches it.
  }
  // Anything after the object (`{...} x`) is not one JSON value.
  const char* trailing = nullptr;
  if (doc.current_location().get(trailing) == simdjson::SUCCESS) return invalid_json();
  return std::nullopt;
}

}  // namespace rollcall::wire
