#pragma once
/// RFC 6455 WebSocket: the opening handshake's checks and accept key, the server's
/// frame encoder, and an incremental decoder of client frames that assembles
/// messages, validates UTF-8 across fragments, and reports protocol errors with the
/// close code to send. No extensions (no compression): RSV bits must be zero.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rollcall::ws {

enum class Opcode : std::uint8_t {
  Continuation = 0x0,
  Text = 0x1,
  Binary = 0x2,
  Close = 0x8,
  Ping = 0x9,
  Pong = 0xA
};

/// Close codes we send (RFC 6455 §7.4.1).
enum class CloseCode : std::uint16_t {
  Normal = 1000,
  GoingAway = 1001,  ///< server shutting down
  ProtocolError = 1002,
  UnsupportedData = 1003,
  InvalidPayload = 1007,  ///< text that is not UTF-8
  PolicyViolation = 1008,
  MessageTooBig = 1009,  ///< over the 64 KiB message limit
  InternalError = 1011,
  TryAgainLater = 1013,  ///< the subscriber cannot keep up
};

// ---------------------------------------------------------------------------
// Handshake

/// What is wrong with an upgrade request, if anything.
enum class HandshakeError : std::uint8_t {
  None,
  NotGet,      ///< 405
  NotUpgrade,  ///< 400/426: no `Upgrade: websocket` with a `Connection: upgrade` token
  BadVersion,  ///< 426 with `Sec-WebSocket-Version: 13`
  BadKey,      ///< 400: Sec-WebSocket-Key missing or not base64 of 16 bytes
};

/// Checks the upgrade headers. `method` is the request method; the header values
/// are the raw field values (empty when absent). Token lists are compared
/// case-insensitively (`Connection: keep-alive, Upgrade` is fine).
HandshakeError check_handshake(std::string_view method, std::string_view upgrade,
                               std::string_view connection, std::string_view version,
                               std::string_view key);

/// A Sec-WebSocket-Accept value: 28 base64 characters, held inline (an upgrade
/// allocates nothing for it).
struct AcceptKey {
  std::array<char, 29> text{};  ///< NUL-terminated
  std::string_view view() const { return {text.data(), 28}; }
};

/// Sec-WebSocket-Accept for `key`: base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
AcceptKey accept_key(std::string_view key);

/// Appends the complete `101 Switching Protocols` response for `key`.
void append_handshake_response(std::string& out, std::string_view key);

// ---------------------------------------------------------------------------
// Encoding (server to client: never masked)

/// Appends a frame header for a final frame of `opcode` with `payload_bytes`.
void append_frame_header(std::string& out, Opcode opcode, std::size_t payload_bytes);
/// Appends a whole unmasked frame.
void append_frame(std::string& out, Opcode opcode, std::string_view payload);
/// Appends a Close frame with `code` and a UTF-8 `reason` (truncated to fit 125 bytes).
void append_close(std::string& out, CloseCode code, std::string_view reason = {});
/// Size of the header `append_frame_header` writes for `payload_bytes`.
constexpr std::size_t frame_header_bytes(std::size_t payload_bytes) {
  return payload_bytes < 126 ? 2 : payload_bytes <= 0xFFFF ? 4 : 10;
}

// ---------------------------------------------------------------------------
// Decoding (client to server)

/// Incremental UTF-8 validator (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
class Utf8Validator {
 public:
  /// Feeds more bytes; false as soon as they cannot be valid UTF-8.
  bool feed(std::string_view bytes);
  /// True if everything fed so far ends on a character boundary.
  bool complete() const { return state_ == 0; }
  void reset() { state_ = 0; }

 private:
  std::uint32_t state_ = 0;
};

/// One event from the decoder.
struct Event {
  enum class Kind : std::uint8_t {
    NeedMore,  ///< nothing complete yet
    Message,   ///< a complete text or binary message: `opcode`, `payload`
    Ping,      ///< `payload` (<= 125 bytes): answer with a Pong carrying it
    Pong,      ///< `payload`
    Close,     ///< the peer's Close: `close_code` (1005 if none), `payload` = reason
    Error,     ///< protocol error: send Close with `close_code`, then close
  };
  Kind kind = Kind::NeedMore;
  Opcode opcode = Opcode::Text;
  std::string_view payload;  ///< valid until the next call to `next`
  std::uint16_t close_code = 0;
  std::string_view error;  ///< Error: a short reason for the Close frame and logs
};

class Decoder {
 public:
  explicit Decoder(std::size_t message_bytes_max = 64 * 1024)
      : message_bytes_max_(message_bytes_max) {}

  /// Appends received bytes (copied; the decoder unmasks in its own buffer).
  void feed(std::string_view bytes);
  /// The next event from what has been fed. Call until NeedMore. After Error or
  /// Close the decoder stays in that state.
  Event next();
  /// Bytes fed but not yet consumed (bounded: a frame header + one frame's payload,
  /// at most message_bytes_max + 14).
  std::size_t buffered_bytes() const { return buffer_.size() - consumed_; }

 private:
  /// The frame being received: its header is parsed, its payload may be partial.
  struct Frame {
    bool active = false;  // a header has been parsed
    bool fin = false;
    bool text = false;  // part of a text message: validate as it arrives
    Opcode opcode = Opcode::Text;
    std::size_t header_bytes = 0;
    std::size_t payload_bytes = 0;
    std::size_t unmasked = 0;  // payload bytes already unmasked (and validated) in place
    std::uint8_t mask[4] = {};
  };

  Event fail(std::uint16_t code, std::string_view why);
  bool parse_header();   // false: need more bytes, or failed (done_)
  Event finish_frame();  // the frame's payload is complete and unmasked
  Event close_event(std::string_view payload);

  std::size_t message_bytes_max_;
  Frame frame_;
  std::string buffer_;  // received bytes; [consumed_, size) not yet parsed
  std::size_t consumed_ = 0;
  std::string message_;  // the fragmented message being assembled
  bool in_message_ = false;
  Opcode message_opcode_ = Opcode::Text;
  Utf8Validator utf8_;
  std::string control_;  // unmasked payload of the last control frame
  bool done_ = false;    // after Close or Error
  Event final_;
};

/// True if `code` may appear in a Close frame from the peer (RFC 6455 §7.4).
bool valid_close_code(std::uint16_t code);

}  // namespace rollcall::ws
