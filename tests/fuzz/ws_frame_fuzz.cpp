// libFuzzer target for the WebSocket frame decoder. The input is 3 bytes of settings
// (the message limit and the seed of the delivery) and then a client's byte stream.
// The stream is decoded twice: fed all at once, and fed in random-sized pieces (from
// 1 byte up) with the events drained after each. Both must give the same events.
// Every event must stay within its limits: message sizes, control payloads <= 125,
// text and close reasons valid UTF-8 (checked against a plain reference decoder),
// close and error codes from the allowed sets, and the decoder's buffer bounded to
// one frame. The UTF-8 validator is also checked against the reference on the raw
// stream, split at a derived point.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rollcall/ws/codec.hpp"

namespace {

using namespace rollcall::ws;

#define FUZZ_CHECK(cond)                                                     \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                          \
    }                                                                        \
  } while (0)

// RFC 3629, decoded the slow and obvious way.
bool reference_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp, min;
    if (b0 < 0x80) {
      ++i;
      continue;
    } else if ((b0 & 0xE0) == 0xC0) {
      n = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      n = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      n = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = cp << 6 | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

class Pieces {
 public:
  explicit Pieces(std::uint32_t seed) : state_(seed | 1) {}
  std::size_t next() {
    state_ ^= state_ << 13;  // xorshift32
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    // Mostly tiny pieces to split every header field; sometimes large ones.
    return (state_ & 0x30) != 0 ? 1 + (state_ >> 8) % 8 : 1 + (state_ >> 8) % 1024;
  }

 private:
  std::uint32_t state_;
};

void check_event(const Event& e, std::size_t max) {
  switch (e.kind) {
    case Event::Kind::Message:
      FUZZ_CHECK(e.opcode == Opcode::Text || e.opcode == Opcode::Binary);
      FUZZ_CHECK(e.payload.size() <= max);
      if (e.opcode == Opcode::Text) FUZZ_CHECK(reference_utf8(e.payload));
      break;
    case Event::Kind::Ping:
    case Event::Kind::Pong: FUZZ_CHECK(e.payload.size() <= 125); break;
    case Event::Kind::Close:
      FUZZ_CHECK(e.close_code == 1005 ? e.payload.empty() : valid_close_code(e.close_code));
      FUZZ_CHECK(e.payload.size() <= 123);
      FUZZ_CHECK(reference_utf8(e.payload));
      break;
    case Event::Kind::Error:
      FUZZ_CHECK(e.close_code == 1002 || e.close_code == 1007 || e.close_code == 1009);
      FUZZ_CHECK(!e.error.empty());
      break;
    case Event::Kind::NeedMore: break;
  }
}

void record(std::string& log, const Event& e) {
  log += std::to_string(static_cast<int>(e.kind));
  log += ' ';
  if (e.kind != Event::Kind::Error) log += std::to_string(static_cast<int>(e.opcode));
  log += ' ';
  log += std::to_string(e.close_code);
  log += ' ';
  log += e.error;
  log += ' ';
  log += std::to_string(e.payload.size());
  log += ':';
  log.append(e.payload);
  log += '\n';
}

bool is_final(const Event& e) {
  return e.kind == Event::Kind::Close || e.kind == Event::Kind::Error;
}

// Drains events until NeedMore or a final one; true when final.
bool drain(Decoder& d, std::string& log, std::size_t max) {
  for (;;) {
    const Event e = d.next();
    check_event(e, max);
    if (e.kind == Event::Kind::NeedMore) return false;
    record(log, e);
    if (is_final(e)) {
      // It stays final.
      const Event again = d.next();
      FUZZ_CHECK(again.kind == e.kind && again.close_code == e.close_code &&
                 again.payload == e.payload);
      return true;
    }
  }
}

std::string run(std::string_view stream, std::size_t max, const std::uint32_t* seed) {
  Decoder d(max);
  std::string log;
  if (seed == nullptr) {
    d.feed(stream);
    drain(d, log, max);
    return log;
  }
  Pieces pieces(*seed);
  bool done = false;
  for (std::size_t pos = 0; pos < stream.size();) {
    const std::size_t n = std::min(pieces.next(), stream.size() - pos);
    d.feed(stream.substr(pos, n));
    pos += n;
    if (done) continue;
    done = drain(d, log, max);
    // At most one frame (its header and its payload) waits in the buffer.
    if (!done) FUZZ_CHECK(d.buffered_bytes() <= std::max<std::size_t>(max, 125) + 14);
  }
  return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  // A small limit half of the time, so that 1009 is reached with short inputs.
  const std::size_t max = (data[0] & 0x80) != 0 ? (data[0] & 0x7F) * 4u : 64 * 1024;
  const std::uint32_t seed = data[1] | static_cast<std::uint32_t>(data[2]) << 8;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 3, size - 3);

  const std::string at_once = run(stream, max, nullptr);
  const std::string pieces = run(stream, max, &seed);
  if (at_once != pieces) {
    std::fprintf(stderr, "at once:\n%s\nin pieces:\n%s\n", at_once.c_str(), pieces.c_str());
    std::abort();
  }

  // The validator on the raw bytes, in two feeds.
  const std::size_t split = seed % (stream.size() + 1);
  Utf8Validator v;
  const bool ok = v.feed(stream.substr(0, split)) && v.feed(stream.substr(split)) && v.complete();
  FUZZ_CHECK(ok == reference_utf8(stream));
  return 0;
}
