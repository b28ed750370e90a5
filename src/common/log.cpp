#include "rollcall/common/log.hpp"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <string>

#include "rollcall/common/clock.hpp"
#include "rollcall/common/json_escape.hpp"

namespace rollcall::log {

namespace {
std::atomic<Level> g_min_level{Level::Info};

constexpr std::string_view level_name(Level level) {
  switch (level) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warn: return "warn";
    case Level::Error: return "error";
  }
  return "info";
}

template <typename T>
void append_number(std::string& out, T value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  (void)ec;
  out.append(buf, static_cast<std::size_t>(end - buf));
}
}  // namespace

void set_min_level(Level level) {
  g_min_level.store(level, std::memory_order_relaxed);
}

void write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (level < g_min_level.load(std::memory_order_relaxed)) return;
  std::string line;
  line.reserve(256);
  char ts[32];
  line.append("{\"ts\":\"");
  line.append(ts, format_rfc3339_ms(wall_ms(), ts));
  line.append("\",\"level\":\"");
  line.append(level_name(level));
  line.append("\",\"event\":\"");
  append_json_escaped(line, event);
  line.push_back('"');
  for (const Field& f : fields) {
    line.append(",\"");
    append_json_escaped(line, f.key);
    line.append("\":");
    switch (f.kind) {
      case Field::Kind::Text:
        line.push_back('"');
        append_json_escaped(line, f.text);
        line.push_back('"');
        break;
      case Field::Kind::Int: append_number(line, f.i); break;
      case Field::Kind::Uint: append_number(line, f.u); break;
      case Field::Kind::Bool: line.append(f.b ? "true" : "false"); break;
    }
  }
  line.append("}\n");
  // One write(2) per line: atomic with respect to other writers for lines up to
  // PIPE_BUF on pipes, and in practice for regular files and terminals.
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;  // stderr gone: nothing sensible to do
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace rollcall::log
