#pragma once
/// Structured logging: one JSON object per line on stderr, written with a single
/// write(2) so lines from different shards never interleave. Logging is for events
/// worth a line (start, listen, refusals, shutdown), never per request.

#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace rollcall::log {

enum class Level : std::uint8_t { Debug, Info, Warn, Error };

/// One key/value of a log line. Numbers are written bare, text JSON-escaped.
struct Field {
  enum class Kind : std::uint8_t { Text, Int, Uint, Bool };
  std::string_view key;
  Kind kind;
  std::string_view text{};
  std::int64_t i = 0;
  std::uint64_t u = 0;
  bool b = false;

  Field(std::string_view k, std::string_view v) : key(k), kind(Kind::Text), text(v) {}
  Field(std::string_view k, const char* v) : key(k), kind(Kind::Text), text(v) {}
  Field(std::string_view k, int v) : key(k), kind(Kind::Int), i(v) {}
  Field(std::string_view k, long v) : key(k), kind(Kind::Int), i(v) {}
  Field(std::string_view k, long long v) : key(k), kind(Kind::Int), i(v) {}
  Field(std::string_view k, unsigned v) : key(k), kind(Kind::Uint), u(v) {}
  Field(std::string_view k, unsigned long v) : key(k), kind(Kind::Uint), u(v) {}
  Field(std::string_view k, unsigned long long v) : key(k), kind(Kind::Uint), u(v) {}
  Field(std::string_view k, bool v) : key(k), kind(Kind::Bool), b(v) {}
};

/// Lines below this level are dropped. Default Info.
void set_min_level(Level level);

/// Writes {"ts":..., "level":..., "event": event, fields...} to stderr.
void write(Level level, std::string_view event, std::initializer_list<Field> fields = {});

inline void info(std::string_view event, std::initializer_list<Field> f = {}) {
  write(Level::Info, event, f);
}
inline void warn(std::string_view event, std::initializer_list<Field> f = {}) {
  write(Level::Warn, event, f);
}
inline void error(std::string_view event, std::initializer_list<Field> f = {}) {
  write(Level::Error, event, f);
}

}  // namespace rollcall::log
