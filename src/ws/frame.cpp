// RFC 6455 framing (§5): the server's encoder and the incremental decoder of client
// frames, with message assembly, UTF-8 validation across fragments and the checks of
// Autobahn|Testsuite cases 1-10 (no extensions).
#include <algorithm>
#include <cstring>

#include "rollcall/ws/codec.hpp"

namespace rollcall::ws {
namespace {

constexpr std::size_t kControlPayloadMax = 125;
constexpr std::size_t kCloseReasonMax = kControlPayloadMax - 2;

bool is_control(Opcode op) {
  return (static_cast<std::uint8_t>(op) & 0x8) != 0;
}

bool known_opcode(std::uint8_t op) {
  return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

/// Unmasks `n` bytes in place; `offset` is their position in the payload (for the key phase).
void unmask(char* p, std::size_t n, const std::uint8_t (&mask)[4], std::size_t offset) {
  std::uint8_t key[4];
  for (std::size_t j = 0; j < 4; ++j) key[j] = mask[(offset + j) & 3];
  std::uint32_t key32;
  std::memcpy(&key32, key, 4);
  const std::uint64_t key64 = key32 | std::uint64_t{key32} << 32;  // key repeated, in memory order
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, p + i, 8);
    word ^= key64;
    std::memcpy(p + i, &word, 8);
  }
  for (; i < n; ++i) p[i] = static_cast<char>(p[i] ^ key[i & 3]);
}

}  // namespace

// ---------------------------------------------------------------------------
// Encoding

void append_frame_header(std::string& out, Opcode opcode, std::size_t payload_bytes) {
  char header[10];
  header[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));
  std::size_t n;
  if (payload_bytes < 126) {
    header[1] = static_cast<char>(payload_bytes);
    n = 2;
  } else if (payload_bytes <= 0xFFFF) {
    header[1] = 126;
    header[2] = static_cast<char>(payload_bytes >> 8);
    header[3] = static_cast<char>(payload_bytes);
    n = 4;
  } else {
    header[1] = 127;
    const std::uint64_t len = payload_bytes;
    for (int i = 0; i < 8; ++i) header[2 + i] = static_cast<char>(len >> (56 - 8 * i));
    n = 10;
  }
  out.append(header, n);
}

void append_frame(std::string& out, Opcode opcode, std::string_view payload) {
  out.reserve(out.size() + frame_header_bytes(payload.size()) + payload.size());
  append_frame_header(out, opcode, payload.size());
  out.append(payload);
}

void append_close(std::string& out, CloseCode code, std::string_view reason) {
  if (reason.size() > kCloseReasonMax) {
    std::size_t cut = kCloseReasonMax;  // back up to the first byte of the cut character
    while (cut > 0 && (static_cast<std::uint8_t>(reason[cut]) & 0xC0) == 0x80) --cut;
    reason = reason.substr(0, cut);
  }
  const auto value = static_cast<std::uint16_t>(code);
  append_frame_header(out, Opcode::Close, 2 + reason.size());
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value & 0xFF));
  out.append(reason);
}

bool valid_close_code(std::uint16_t code) {
  // §7.4.1 defines 1000-1003 and 1007-1011 for use on the wire (1004 is reserved and
  // 1005, 1006, 1015 must never be sent); 1012-2999 are reserved for the standard
  // and its extensions; 3000-3999 are registered with IANA; 4000-4999 are private.
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
         (code >= 3000 && code <= 4999);
}

// ---------------------------------------------------------------------------
// Decoding

void Decoder::feed(std::string_view bytes) {
  if (done_) return;  // after Close or Error nothing more is read
  if (consumed_ == buffer_.size()) {
    // Everything parsed: start over, and give back the room of a large frame.
    if (buffer_.capacity() > 16 * 1024) {
      std::string().swap(buffer_);
    } else {
      buffer_.clear();
    }
    consumed_ = 0;
  } else if (consumed_ > 0) {
    buffer_.erase(0, consumed_);  // what remains is part of one frame
    consumed_ = 0;
  }
  buffer_.append(bytes);
}

Event Decoder::fail(std::uint16_t code, std::string_view why) {
  done_ = true;
  final_ = Event{};
  final_.kind = Event::Kind::Error;
  final_.close_code = code;
  final_.error = why;
  return final_;
}

bool Decoder::parse_header() {
  const auto* p = reinterpret_cast<const std::uint8_t*>(buffer_.data() + consumed_);
  const std::size_t avail = buffer_.size() - consumed_;
  if (avail < 2) return false;

  // Everything the first two bytes decide is checked as soon as they are here.
  const bool fin = (p[0] & 0x80) != 0;
  const std::uint8_t op = p[0] & 0x0F;
  const bool masked = (p[1] & 0x80) != 0;
  const std::uint8_t len7 = p[1] & 0x7F;
  if ((p[0] & 0x70) != 0) return fail(1002, "reserved bits set"), false;
  if (!known_opcode(op)) return fail(1002, "reserved opcode"), false;
  const auto opcode = static_cast<Opcode>(op);
  if (is_control(opcode)) {
    if (!fin) return fail(1002, "fragmented control frame"), false;
  } else if (opcode == Opcode::Continuation) {
    if (!in_message_) return fail(1002, "continuation without a message"), false;
  } else if (in_message_) {
    return fail(1002, "new message inside a fragmented one"), false;
  }
  if (!masked) return fail(1002, "unmasked client frame"), false;

  const std::size_t length_bytes = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
  const std::size_t header_bytes = 2 + length_bytes + 4;
  if (avail < 2 + length_bytes) return false;
  std::uint64_t length = len7;
  if (length_bytes != 0) {
    length = 0;
    for (std::size_t i = 0; i < length_bytes; ++i) length = length << 8 | p[2 + i];
    if (length >> 63 != 0) return fail(1002, "payload length MSB set"), false;
  }
  if (is_control(opcode)) {
    // (A non-minimal 16- or 64-bit encoding of a short length is accepted, as for data.)
    if (length > kControlPayloadMax) return fail(1002, "control frame too long"), false;
  } else {
    // The whole message counts: the fragments so far and this frame.
    const std::size_t so_far = opcode == Opcode::Continuation ? message_.size() : 0;
    if (length > message_bytes_max_ || length > message_bytes_max_ - so_far) {
      return fail(1009, "message too big"), false;
    }
  }
  if (avail < header_bytes) return false;

  frame_.active = true;
  frame_.fin = fin;
  frame_.opcode = opcode;
  frame_.header_bytes = header_bytes;
  frame_.payload_bytes = static_cast<std::size_t>(length);
  frame_.unmasked = 0;
  std::memcpy(frame_.mask, p + 2 + length_bytes, 4);
  if (opcode == Opcode::Text || opcode == Opcode::Binary) {
    message_opcode_ = opcode;
    if (opcode == Opcode::Text) utf8_.reset();
  }
  frame_.text = !is_control(opcode) && message_opcode_ == Opcode::Text;
  return true;
}

Event Decoder::next() {
  if (done_) return final_;
  if (!in_message_ && message_.capacity() > 16 * 1024) std::string().swap(message_);
  while (true) {
    if (!frame_.active && !parse_header()) return done_ ? final_ : Event{};

    // Unmask (and validate, for text) whatever part of the payload has arrived, so
    // that invalid text fails as soon as its bytes are here.
    char* payload = buffer_.data() + consumed_ + frame_.header_bytes;
    const std::size_t arrived =
        std::min(buffer_.size() - consumed_ - frame_.header_bytes, frame_.payload_bytes);
    if (arrived > frame_.unmasked) {
      unmask(payload + frame_.unmasked, arrived - frame_.unmasked, frame_.mask, frame_.unmasked);
      if (frame_.text &&
          !utf8_.feed(std::string_view(payload + frame_.unmasked, arrived - frame_.unmasked))) {
        return fail(1007, "invalid UTF-8 in text message");
      }
      frame_.unmasked = arrived;
    }
    if (arrived < frame_.payload_bytes) return Event{};

    Event e = finish_frame();
    if (e.kind != Event::Kind::NeedMore) return e;
    // A fragment that does not end its message: go on with the next frame.
  }
}

Event Decoder::finish_frame() {
  const std::string_view payload(buffer_.data() + consumed_ + frame_.header_bytes,
                                 frame_.payload_bytes);
  consumed_ += frame_.header_bytes + frame_.payload_bytes;
  frame_.active = false;

  Event e;
  e.opcode = frame_.opcode;
  switch (frame_.opcode) {
    case Opcode::Ping:
      e.kind = Event::Kind::Ping;
      e.payload = payload;
      return e;
    case Opcode::Pong:
      e.kind = Event::Kind::Pong;
      e.payload = payload;
      return e;
    case Opcode::Close: return close_event(payload);
    default: break;
  }

  // Data. An unfragmented message is handed out where it lies; fragments are gathered.
  std::string_view message = payload;
  if (frame_.opcode != Opcode::Continuation) {
    if (!frame_.fin) {
      message_.assign(payload);
      in_message_ = true;
      return e;  // NeedMore: no event yet
    }
  } else {
    message_.append(payload);
    if (!frame_.fin) return e;
    in_message_ = false;
    message = message_;
  }
  if (message_opcode_ == Opcode::Text && !utf8_.complete()) {
    return fail(1007, "truncated UTF-8 in text message");
  }
  e.kind = Event::Kind::Message;
  e.opcode = message_opcode_;
  e.payload = message;
  return e;
}

Event Decoder::close_event(std::string_view payload) {
  if (payload.size() == 1) return fail(1002, "close frame with a 1-byte payload");
  std::uint16_t code = 1005;  // no status code present
  std::string_view reason;
  if (payload.size() >= 2) {
    code = static_cast<std::uint16_t>(static_cast<std::uint8_t>(payload[0]) << 8 |
                                      static_cast<std::uint8_t>(payload[1]));
    if (!valid_close_code(code)) return fail(1002, "invalid close code");
    reason = payload.substr(2);
    Utf8Validator utf8;
    if (!utf8.feed(reason) || !utf8.complete()) return fail(1007, "invalid UTF-8 in close reason");
  }
  control_.assign(reason);
  done_ = true;
  final_ = Event{};
  final_.kind = Event::Kind::Close;
  final_.opcode = Opcode::Close;
  final_.close_code = code;
  final_.payload = control_;
  return final_;
}

}  // namespace rollcall::ws
