#pragma once
/// Appends JSON to a std::string without building a tree: values are written in
/// order, commas placed automatically. Strings are escaped (quotes, backslashes,
/// control characters); bytes >= 0x80 pass through as UTF-8.

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "rollcall/common/assert.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/common/json_escape.hpp"

namespace rollcall {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }

  /// Writes `"name":` (inside an object; the next call writes the value).
  JsonWriter& key(std::string_view name) {
    separate();
    out_.push_back('"');
    append_json_escaped(out_, name);
    out_.append("\":", 2);
    after_key_ = true;
    return *this;
  }

  JsonWriter& value(std::string_view s) {
    separate();
    out_.push_back('"');
    append_json_escaped(out_, s);
    out_.push_back('"');
    return *this;
  }
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b) {
    separate();
    out_.append(b ? "true" : "false");
    return *this;
  }
  JsonWriter& value(std::int64_t n) { return number(n); }
  JsonWriter& value(std::uint64_t n) { return number(n); }
  JsonWriter& value(std::uint32_t n) { return number(static_cast<std::uint64_t>(n)); }
  JsonWriter& value(int n) { return number(static_cast<std::int64_t>(n)); }
  JsonWriter& null() {
    separate();
    out_.append("null");
    return *this;
  }
  /// An RFC 3339 UTC time with milliseconds: "2026-11-22T08:01:02.345Z".
  JsonWriter& time_ms(std::int64_t epoch_ms) {
    char buf[32];
    const std::size_t n = format_rfc3339_ms(epoch_ms, buf);
    return value(std::string_view(buf, n));
  }
  /// Inserts already-serialised JSON as one value.
  JsonWriter& raw(std::string_view json) {
    separate();
    out_.append(json);
    return *this;
  }

  template <typename T>
  JsonWriter& field(std::string_view name, T&& v) {
    key(name);
    return value(std::forward<T>(v));
  }

 private:
  template <typename N>
  JsonWriter& number(N n) {
    separate();
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    (void)ec;
    out_.append(buf, static_cast<std::size_t>(end - buf));
    return *this;
  }
  JsonWriter& open(char c) {
    separate();
    out_.push_back(c);
    first_ = true;
    ++depth_;
    return *this;
  }
  JsonWriter& close(char c) {
    RC_ASSERT(depth_ > 0);
    --depth_;
    out_.push_back(c);
    first_ = false;
    return *this;
  }
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_.push_back(',');
    first_ = false;
  }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
  int depth_ = 0;
};

}  // namespace rollcall
