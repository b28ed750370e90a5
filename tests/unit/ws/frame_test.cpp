#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "rollcall/ws/codec.hpp"

namespace rollcall::ws {
namespace {

using Kind = Event::Kind;
constexpr std::size_t k64K = 64 * 1024;

std::string bytes(std::initializer_list<int> list) {
  std::string s;
  for (int b : list) s.push_back(static_cast<char>(b));
  return s;
}

enum class Len { Minimal, Bits16, Bits64 };

struct FrameSpec {
  bool fin = true;
  int rsv = 0;  // 0..7, as bits 6..4 of the first byte
  bool masked = true;
  Len len = Len::Minimal;
  std::array<std::uint8_t, 4> key = {0x37, 0xFA, 0x21, 0x3D};
};

/// A client frame: `opcode` (any 4-bit value) with `payload`, masked unless told.
std::string frame(int opcode, std::string_view payload, FrameSpec spec = {}) {
  std::string out;
  out.push_back(static_cast<char>((spec.fin ? 0x80 : 0) | (spec.rsv << 4) | opcode));
  const char mask_bit = spec.masked ? static_cast<char>(0x80) : 0;
  const std::uint64_t n = payload.size();
  Len len = spec.len;
  if (len == Len::Minimal) len = n < 126 ? Len::Minimal : n <= 0xFFFF ? Len::Bits16 : Len::Bits64;
  if (len == Len::Minimal) {
    out.push_back(static_cast<char>(mask_bit | n));
  } else if (len == Len::Bits16) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(n >> (8 * i)));
  }
  if (spec.masked) {
    for (auto k : spec.key) out.push_back(static_cast<char>(k));
    for (std::size_t i = 0; i < payload.size(); ++i)
      out.push_back(static_cast<char>(payload[i] ^ spec.key[i % 4]));
  } else {
    out.append(payload);
  }
  return out;
}

std::string frag(int opcode, std::string_view payload, bool fin) {
  FrameSpec spec;
  spec.fin = fin;
  return frame(opcode, payload, spec);
}

std::string close_payload(int code, std::string_view reason = {}) {
  return bytes({code >> 8, code & 0xFF}) + std::string(reason);
}

struct Seen {
  Kind kind;
  Opcode opcode;
  std::string payload;
  std::uint16_t code;
  std::string error;
  bool operator==(const Seen&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  static constexpr const char* kKinds[] = {"NeedMore", "Message", "Ping", "Pong", "Close", "Error"};
  os << kKinds[static_cast<int>(s.kind)] << " op=" << static_cast<int>(s.opcode)
     << " code=" << s.code << " payload(" << s.payload.size() << ")";
  if (s.payload.size() <= 40) os << "=\"" << s.payload << "\"";
  if (!s.error.empty()) os << " error=" << s.error;
  return os;
}

Seen seen(const Event& e) {
  Seen s{e.kind, e.opcode, std::string(e.payload), e.close_code, std::string(e.error)};
  if (s.kind == Kind::Error) s.opcode = Opcode::Text;  // not meaningful
  return s;
}

Seen message(std::string_view payload, Opcode op = Opcode::Text) {
  return {Kind::Message, op, std::string(payload), 0, {}};
}
Seen ping(std::string_view payload) {
  return {Kind::Ping, Opcode::Ping, std::string(payload), 0, {}};
}
Seen pong(std::string_view payload) {
  return {Kind::Pong, Opcode::Pong, std::string(payload), 0, {}};
}
Seen closed(std::uint16_t code, std::string_view reason = {}) {
  return {Kind::Close, Opcode::Close, std::string(reason), code, {}};
}

/// Events until NeedMore; a Close or Error ends the list.
void drain(Decoder& d, std::vector<Seen>& out) {
  for (int guard = 0; guard < 100000; ++guard) {
    const Event e = d.next();
    if (e.kind == Kind::NeedMore) return;
    out.push_back(seen(e));
    if (e.kind == Kind::Close || e.kind == Kind::Error) return;
  }
  FAIL() << "next() never returned NeedMore";
}

std::vector<Seen> decode(std::string_view stream, std::size_t max = k64K) {
  Decoder d(max);
  d.feed(stream);
  std::vector<Seen> out;
  drain(d, out);
  return out;
}

std::vector<Seen> decode_in_pieces(std::string_view stream, const std::vector<std::size_t>& sizes,
                                   std::size_t max = k64K) {
  Decoder d(max);
  std::vector<Seen> out;
  std::size_t pos = 0, i = 0;
  while (pos < stream.size()) {
    const std::size_t n = std::min(sizes[i++ % sizes.size()], stream.size() - pos);
    d.feed(stream.substr(pos, n));
    pos += n;
    if (!out.empty() && (out.back().kind == Kind::Close || out.back().kind == Kind::Error))
      continue;
    drain(d, out);
  }
  return out;
}

std::vector<Seen> decode_bytewise(std::string_view stream, std::size_t max = k64K) {
  return decode_in_pieces(stream, {1}, max);
}

Seen error(std::uint16_t code) {
  return {Kind::Error, Opcode::Text, {}, code, {}};
}

/// The single event of `stream`, with the error text dropped (compared by code).
Seen only(std::string_view stream, std::size_t max = k64K) {
  auto events = decode(stream, max);
  if (events.size() != 1)
    return {Kind::NeedMore, Opcode::Text, "events: " + std::to_string(events.size()), 0, {}};
  events[0].error.clear();
  return events[0];
}

std::string text_of(std::size_t n) {
  std::string s(n, 'a');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

// ---------------------------------------------------------------------------
// Encoder

TEST(WsFrameTest, EncodesMinimalLengths) {
  std::string out;
  append_frame_header(out, Opcode::Text, 0);
  EXPECT_EQ(out, bytes({0x81, 0x00}));
  out.clear();
  append_frame_header(out, Opcode::Binary, 125);
  EXPECT_EQ(out, bytes({0x82, 125}));
  out.clear();
  append_frame_header(out, Opcode::Text, 126);
  EXPECT_EQ(out, bytes({0x81, 126, 0x00, 126}));
  out.clear();
  append_frame_header(out, Opcode::Text, 0xFFFF);
  EXPECT_EQ(out, bytes({0x81, 126, 0xFF, 0xFF}));
  out.clear();
  append_frame_header(out, Opcode::Text, 0x10000);
  EXPECT_EQ(out, bytes({0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}));
  out.clear();
  append_frame_header(out, Opcode::Pong, 0x123456789AULL);
  EXPECT_EQ(out, bytes({0x8A, 127, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x9A}));
  for (std::size_t n : {0, 1, 125, 126, 127, 65535, 65536, 1 << 20}) {
    out.clear();
    append_frame_header(out, Opcode::Text, n);
    EXPECT_EQ(out.size(), frame_header_bytes(n)) << n;
  }
}

TEST(WsFrameTest, EncodesWholeFramesUnmaskedWithFin) {
  std::string out;
  append_frame(out, Opcode::Text, "Hello");
  EXPECT_EQ(out, bytes({0x81, 0x05}) + "Hello");  // RFC 6455 §5.7
  out.clear();
  append_frame(out, Opcode::Ping, "Hello");
  EXPECT_EQ(out, bytes({0x89, 0x05}) + "Hello");
  out.clear();
  const std::string big(256, 'x');
  append_frame(out, Opcode::Binary, big);
  EXPECT_EQ(out, bytes({0x82, 0x7E, 0x01, 0x00}) + big);  // RFC 6455 §5.7
  out.clear();
  const std::string huge(65536, 'y');
  append_frame(out, Opcode::Binary, huge);
  EXPECT_EQ(out, bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}) + huge);
}

TEST(WsFrameTest, EncodesClose) {
  std::string out;
  append_close(out, CloseCode::Normal);
  EXPECT_EQ(out, bytes({0x88, 0x02, 0x03, 0xE8}));
  out.clear();
  append_close(out, CloseCode::MessageTooBig, "too big");
  EXPECT_EQ(out, bytes({0x88, 0x09, 0x03, 0xF1}) + "too big");
  out.clear();
  append_close(out, CloseCode::TryAgainLater, std::string(123, 'r'));
  EXPECT_EQ(out, bytes({0x88, 125, 0x03, 0xF5}) + std::string(123, 'r'));
}

TEST(WsFrameTest, CloseReasonIsTruncatedAtACharacterBoundary) {
  // 61 two-byte characters = 122 bytes, then a 3-byte one that would end at 125.
  std::string reason;
  for (int i = 0; i < 61; ++i) reason += "\xC3\xA9";
  reason +=
      "\xE2\x82\xAC"
      "tail";
  std::string out;
  append_close(out, CloseCode::GoingAway, reason);
  ASSERT_EQ(out.size(), 2u + 2u + 122u);
  EXPECT_EQ(static_cast<std::uint8_t>(out[1]), 124);
  EXPECT_EQ(out.substr(4), reason.substr(0, 122));
  // Cut inside a 2-byte character: 1 ASCII + 61 x 2 bytes = 123 fits; one more does not.
  reason = "a";
  for (int i = 0; i < 62; ++i) reason += "\xC3\xA9";
  out.clear();
  append_close(out, CloseCode::GoingAway, reason);
  EXPECT_EQ(out.substr(4), reason.substr(0, 123));
  reason = "ab" + reason.substr(1);  // now the 123rd byte is a lead byte
  out.clear();
  append_close(out, CloseCode::GoingAway, reason);
  EXPECT_EQ(out.substr(4), reason.substr(0, 122));
  // And what it sends, our decoder accepts.
  Decoder d;
  std::string masked = out;
  masked[1] = static_cast<char>(masked[1] | 0x80);
  masked.insert(2, std::string(4, '\0'));  // zero mask key
  d.feed(masked);
  const Event e = d.next();
  EXPECT_EQ(e.kind, Kind::Close);
  EXPECT_EQ(e.close_code, 1001);
  EXPECT_EQ(e.payload, reason.substr(0, 122));
}

TEST(WsFrameTest, EncodedFramesDecodeBack) {
  for (std::size_t n : {0, 1, 125, 126, 65535, 65536}) {
    std::string out;
    append_frame(out, Opcode::Binary, text_of(n));
    // Turn the server frame into a client frame with an all-zero key.
    const std::size_t h = frame_header_bytes(n);
    out[1] = static_cast<char>(out[1] | 0x80);
    out.insert(h, std::string(4, '\0'));
    EXPECT_EQ(decode(out, 1 << 20), std::vector<Seen>{message(text_of(n), Opcode::Binary)}) << n;
  }
}

// ---------------------------------------------------------------------------
// Decoder: well-formed traffic

TEST(WsFrameTest, DecodesTheRfcMaskedHello) {
  const std::string rfc = bytes({0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58});
  EXPECT_EQ(decode(rfc), std::vector<Seen>{message("Hello")});
  EXPECT_EQ(decode(frame(0x1, "Hello")), std::vector<Seen>{message("Hello")});
}

TEST(WsFrameTest, DecodesTextBinaryAndEmptyMessages) {
  const std::string bin = bytes({0x00, 0xFF, 0x80, 0xC0, 0x41});
  const auto events =
      decode(frame(0x1, "") + frame(0x2, bin) + frame(0x2, "") + frame(0x1, "κόσμε"));
  EXPECT_EQ(events, (std::vector<Seen>{message(""), message(bin, Opcode::Binary),
                                       message("", Opcode::Binary), message("κόσμε")}));
}

TEST(WsFrameTest, AcceptsNonMinimalLengthEncodings) {
  FrameSpec s16, s64;
  s16.len = Len::Bits16;
  s64.len = Len::Bits64;
  EXPECT_EQ(decode(frame(0x1, "short", s16) + frame(0x1, "also", s64) + frame(0x9, "p", s16)),
            (std::vector<Seen>{message("short"), message("also"), ping("p")}));
}

TEST(WsFrameTest, Decodes16And64BitLengths) {
  const std::string a = text_of(126), b = text_of(65535), c = text_of(65536);
  EXPECT_EQ(decode(frame(0x1, a) + frame(0x2, b) + frame(0x1, c)),
            (std::vector<Seen>{message(a), message(b, Opcode::Binary), message(c)}));
}

TEST(WsFrameTest, UnmasksWithEveryKeyPhaseAndLength) {
  FrameSpec spec;
  spec.key = {0x01, 0x80, 0xFF, 0x5A};
  for (std::size_t n = 0; n < 40; ++n) {
    const std::string payload = text_of(n);
    EXPECT_EQ(decode(frame(0x2, payload, spec)),
              std::vector<Seen>{message(payload, Opcode::Binary)})
        << n;
    // fed in pieces of 3, so that unmasking resumes at every key phase
    EXPECT_EQ(decode_in_pieces(frame(0x2, payload, spec), {3}),
              std::vector<Seen>{message(payload, Opcode::Binary)});
  }
}

TEST(WsFrameTest, AssemblesFragmentedMessages) {
  EXPECT_EQ(decode(frag(0x1, "Hel", false) + frag(0x0, "lo", true)),
            std::vector<Seen>{message("Hello")});
  EXPECT_EQ(decode(frag(0x2, "a", false) + frag(0x0, "", false) + frag(0x0, "b", false) +
                   frag(0x0, "c", true)),
            std::vector<Seen>{message("abc", Opcode::Binary)});
  EXPECT_EQ(decode(frag(0x1, "", false) + frag(0x0, "", true)), std::vector<Seen>{message("")});
  // one message after another, fragmented and not
  EXPECT_EQ(decode(frag(0x1, "x", false) + frag(0x0, "y", true) + frame(0x2, "z") +
                   frag(0x1, "1", false) + frag(0x0, "2", true)),
            (std::vector<Seen>{message("xy"), message("z", Opcode::Binary), message("12")}));
}

TEST(WsFrameTest, TextSplitInsideAMultiByteCharacterAcrossFragmentsIsValid) {
  const std::string kosme = "κόσμε";  // CE BA E1 BD B9 CF 83 CE BC CE B5
  for (std::size_t cut = 0; cut <= kosme.size(); ++cut) {
    EXPECT_EQ(decode(frag(0x1, kosme.substr(0, cut), false) + frag(0x0, kosme.substr(cut), true)),
              std::vector<Seen>{message(kosme)})
        << cut;
  }
  // one byte per fragment
  std::string stream = frag(0x1, kosme.substr(0, 1), false);
  for (std::size_t i = 1; i + 1 < kosme.size(); ++i) stream += frag(0x0, kosme.substr(i, 1), false);
  stream += frag(0x0, kosme.substr(kosme.size() - 1), true);
  EXPECT_EQ(decode(stream), std::vector<Seen>{message(kosme)});
}

TEST(WsFrameTest, ControlFramesBetweenFragmentsAreReportedAtOnce) {
  Decoder d;
  std::vector<Seen> out;
  d.feed(frag(0x1, "Hel", false) + frame(0x9, "ping!"));
  drain(d, out);
  EXPECT_EQ(out, std::vector<Seen>{ping("ping!")});
  d.feed(frame(0xA, "pong") + frag(0x0, "l", false) + frame(0x9, ""));
  drain(d, out);
  d.feed(frag(0x0, "o", true));
  drain(d, out);
  EXPECT_EQ(out, (std::vector<Seen>{ping("ping!"), pong("pong"), ping(""), message("Hello")}));
}

TEST(WsFrameTest, CloseBetweenFragmentsEndsTheConnection) {
  EXPECT_EQ(decode(frag(0x1, "Hel", false) + frame(0x8, close_payload(1000, "bye")) +
                   frag(0x0, "lo", true)),
            std::vector<Seen>{closed(1000, "bye")});
}

TEST(WsFrameTest, PingWith125BytesIsFine) {
  const std::string p = text_of(125);
  EXPECT_EQ(decode(frame(0x9, p) + frame(0xA, p)), (std::vector<Seen>{ping(p), pong(p)}));
}

TEST(WsFrameTest, PingPayloadIsBinaryAndNotValidated) {
  const std::string p = bytes({0xFF, 0xFE, 0xC0});
  EXPECT_EQ(decode(frame(0x9, p)), std::vector<Seen>{ping(p)});
}

// ---------------------------------------------------------------------------
// Decoder: protocol errors (1002)

TEST(WsFrameTest, EveryReservedOpcodeIs1002) {
  for (int op : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    EXPECT_EQ(only(frame(op, "")), error(1002)) << op;
    EXPECT_EQ(only(frame(op, "payload")), error(1002)) << op;
    EXPECT_EQ(only(frag(op, "x", false)), error(1002)) << op;
    // also after a good message, and in the middle of a fragmented one
    EXPECT_EQ(decode(frame(0x1, "ok") + frame(op, "")).back().kind, Kind::Error) << op;
    EXPECT_EQ(decode(frag(0x1, "a", false) + frame(op, "")).back().code, 1002) << op;
    // detected from the first two bytes alone
    Decoder d;
    d.feed(frame(op, "payload").substr(0, 2));
    EXPECT_EQ(d.next().close_code, 1002) << op;
  }
  for (int op : {0x1, 0x2, 0x8, 0x9, 0xA}) {
    EXPECT_NE(only(frame(op, "")).kind, Kind::Error) << op;
  }
}

TEST(WsFrameTest, EveryReservedBitIs1002) {
  for (int rsv = 1; rsv < 8; ++rsv) {
    FrameSpec spec;
    spec.rsv = rsv;
    EXPECT_EQ(only(frame(0x1, "Hello", spec)), error(1002)) << rsv;
    EXPECT_EQ(only(frame(0x2, "", spec)), error(1002)) << rsv;
    EXPECT_EQ(only(frame(0x9, "p", spec)), error(1002)) << rsv;
    EXPECT_EQ(decode(frame(0x1, "ok") + frame(0x1, "bad", spec)),
              (std::vector<Seen>{message("ok"),
                                 {Kind::Error, Opcode::Text, {}, 1002, "reserved bits set"}}));
  }
}

TEST(WsFrameTest, UnmaskedClientFramesAre1002) {
  FrameSpec spec;
  spec.masked = false;
  for (int op : {0x0, 0x1, 0x2, 0x8, 0x9, 0xA}) {
    EXPECT_EQ(only(frame(op, "", spec)), error(1002)) << op;
  }
  EXPECT_EQ(only(frame(0x1, "Hello", spec)), error(1002));
  EXPECT_EQ(only(frame(0x8, close_payload(1000), spec)), error(1002));
}

TEST(WsFrameTest, ControlFramesLongerThan125Are1002) {
  for (int op : {0x8, 0x9, 0xA}) {
    std::string payload = text_of(126);
    if (op == 0x8) payload = close_payload(1000, text_of(124));
    EXPECT_EQ(only(frame(op, payload)), error(1002)) << op;
    FrameSpec s64;
    s64.len = Len::Bits64;
    EXPECT_EQ(only(frame(op, text_of(126), s64)), error(1002)) << op;
    // detected from the length, before the mask key and payload arrive
    Decoder d;
    d.feed(frame(op, payload).substr(0, 3));
    EXPECT_EQ(d.next().kind, Kind::NeedMore);
    d.feed(frame(op, payload).substr(3, 1));
    EXPECT_EQ(d.next().close_code, 1002);
  }
}

TEST(WsFrameTest, FragmentedControlFramesAre1002) {
  for (int op : {0x8, 0x9, 0xA}) {
    EXPECT_EQ(only(frag(op, "", false)), error(1002)) << op;
    EXPECT_EQ(only(frag(op, "abc", false) + frag(0x0, "def", true)), error(1002)) << op;
  }
}

TEST(WsFrameTest, ContinuationWithoutAMessageIs1002) {
  EXPECT_EQ(only(frag(0x0, "x", true)), error(1002));
  EXPECT_EQ(only(frag(0x0, "x", false)), error(1002));
  EXPECT_EQ(
      decode(frame(0x1, "done") + frag(0x0, "x", true)),
      (std::vector<Seen>{message("done"),
                         {Kind::Error, Opcode::Text, {}, 1002, "continuation without a message"}}));
  // after a fragmented message has ended
  EXPECT_EQ(decode(frag(0x1, "a", false) + frag(0x0, "b", true) + frag(0x0, "c", true)).back().code,
            1002);
}

TEST(WsFrameTest, NewDataFrameInsideAFragmentedMessageIs1002) {
  for (int op : {0x1, 0x2}) {
    for (bool fin : {true, false}) {
      EXPECT_EQ(only(frag(0x1, "a", false) + frag(op, "b", fin)), error(1002)) << op << fin;
      EXPECT_EQ(decode(frag(0x2, "a", false) + frame(0x9, "") + frag(op, "b", fin)),
                (std::vector<Seen>{
                    ping(""),
                    {Kind::Error, Opcode::Text, {}, 1002, "new message inside a fragmented one"}}));
    }
  }
}

TEST(WsFrameTest, LengthWithTheMostSignificantBitSetIs1002) {
  std::string header = bytes({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(only(header), error(1002));  // no mask key or payload needed
  header = bytes({0x82, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
  EXPECT_EQ(only(header), error(1002));
  // Without the MSB it is merely too big.
  header = bytes({0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
  EXPECT_EQ(only(header), error(1009));
  // Too little of the header: no verdict yet.
  EXPECT_TRUE(decode(header.substr(0, 9)).empty());
}

// ---------------------------------------------------------------------------
// Decoder: message size (1009)

TEST(WsFrameTest, MessageOf64KiBIsFineAndOneMoreByteIs1009) {
  EXPECT_EQ(decode(frame(0x2, text_of(k64K))),
            std::vector<Seen>{message(text_of(k64K), Opcode::Binary)});
  EXPECT_EQ(only(frame(0x2, text_of(k64K + 1))), error(1009));
  EXPECT_EQ(only(frame(0x1, text_of(k64K + 1))), error(1009));
  EXPECT_EQ(decode(frame(0x1, text_of(k64K))), std::vector<Seen>{message(text_of(k64K))});
}

TEST(WsFrameTest, TooBigIsReportedFromTheHeaderBeforeThePayloadIsBuffered) {
  Decoder d;
  const std::string f = frame(0x2, text_of(k64K + 1));
  d.feed(f.substr(0, 10));  // 0x82, 0xFF, 64-bit length: no mask key yet
  const Event e = d.next();
  EXPECT_EQ(e.kind, Kind::Error);
  EXPECT_EQ(e.close_code, 1009);
  d.feed(f.substr(10));  // ignored after the error
  EXPECT_EQ(d.buffered_bytes(), 10u);
  EXPECT_EQ(d.next().close_code, 1009);
}

TEST(WsFrameTest, FragmentedMessageCountsAllItsFragments) {
  const std::size_t q = k64K / 4;
  std::string ok;
  for (int i = 0; i < 4; ++i) ok += frag(i == 0 ? 0x1 : 0x0, text_of(q), i == 3);
  std::string expected;
  for (int i = 0; i < 4; ++i) expected += text_of(q);
  EXPECT_EQ(decode(ok), std::vector<Seen>{message(expected)});

  // 64 KiB in four fragments, then a fifth with one byte
  std::string over;
  for (int i = 0; i < 4; ++i) over += frag(i == 0 ? 0x2 : 0x0, text_of(q), false);
  EXPECT_EQ(only(over + frag(0x0, "x", true)), error(1009));
  // an empty final fragment still fits
  EXPECT_EQ(decode(over + frag(0x0, "", true)).size(), 1u);
  // the fifth fragment's header alone is enough to fail
  const std::string fifth = frag(0x0, "xyz", true);
  Decoder d;
  d.feed(over + fifth.substr(0, 2));
  EXPECT_EQ(d.next().close_code, 1009);
  // limits other than the default, with a ping in between
  EXPECT_EQ(decode(frag(0x1, "abcd", false) + frame(0x9, "p") + frag(0x0, "ef", true), 6),
            (std::vector<Seen>{ping("p"), message("abcdef")}));
  EXPECT_EQ(decode(frag(0x1, "abcd", false) + frame(0x9, "p") + frag(0x0, "efg", true), 6).back(),
            (Seen{Kind::Error, Opcode::Text, {}, 1009, "message too big"}));
  EXPECT_EQ(only(frame(0x1, "abcdefg"), 6), error(1009));
  // control frames do not count against the message limit
  EXPECT_EQ(decode(frame(0x9, text_of(100)), 6), std::vector<Seen>{ping(text_of(100))});
}

// ---------------------------------------------------------------------------
// Decoder: UTF-8 (1007)

TEST(WsFrameTest, InvalidTextIs1007) {
  EXPECT_EQ(only(frame(0x1, bytes({0xC0, 0x80}))), error(1007));
  EXPECT_EQ(only(frame(0x1, bytes({0xED, 0xA0, 0x80}))), error(1007));
  EXPECT_EQ(only(frame(0x1, "abc" + bytes({0xFF}))), error(1007));
  // binary is not validated
  EXPECT_EQ(only(frame(0x2, bytes({0xC0, 0x80}))), message(bytes({0xC0, 0x80}), Opcode::Binary));
  // a truncated binary message does not leak into the next text message
  EXPECT_EQ(
      decode(frame(0x1, "ok") + frame(0x2, bytes({0xCE})) + frame(0x1, "κ")),
      (std::vector<Seen>{message("ok"), message(bytes({0xCE}), Opcode::Binary), message("κ")}));
}

TEST(WsFrameTest, TextEndingInsideACharacterIs1007) {
  EXPECT_EQ(only(frame(0x1, bytes({0xCE}))), error(1007));
  EXPECT_EQ(only(frag(0x1, "κ", false) + frag(0x0, bytes({0xCF}), true)), error(1007));
  // split across fragments it is fine
  EXPECT_EQ(decode(frag(0x1, bytes({0xCE}), false) + frag(0x0, bytes({0xBA}), true)),
            std::vector<Seen>{message("κ")});
}

TEST(WsFrameTest, InvalidUtf8InTheMiddleFragmentFailsFast) {
  // Autobahn 6.4.1: the 2nd fragment makes the text invalid; the 3rd is never needed.
  const std::string first =
      bytes({0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5});
  const std::string second = bytes({0xF4, 0x90, 0x80, 0x80});
  Decoder d;
  std::vector<Seen> out;
  d.feed(frag(0x1, first, false));
  drain(d, out);
  EXPECT_TRUE(out.empty());
  d.feed(frag(0x0, second, false));
  drain(d, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, Kind::Error);
  EXPECT_EQ(out[0].code, 1007);
}

TEST(WsFrameTest, InvalidUtf8InsideAPartialFrameFailsFast) {
  // Autobahn 6.4.3: one frame, sent in chunks; fail on the chunk with the bad byte.
  const std::string payload = "κόσμε" + bytes({0xF4, 0x90, 0x80, 0x80}) + "edited";
  const std::string f = frame(0x1, payload);
  Decoder d;
  d.feed(f.substr(0, 6 + 11));  // header, mask and the valid prefix
  EXPECT_EQ(d.next().kind, Kind::NeedMore);
  d.feed(f.substr(6 + 11, 2));  // F4 90: already impossible
  const Event e = d.next();
  EXPECT_EQ(e.kind, Kind::Error);
  EXPECT_EQ(e.close_code, 1007);
}

// ---------------------------------------------------------------------------
// Decoder: Close

TEST(WsFrameTest, CloseWithoutPayloadIs1005) {
  EXPECT_EQ(decode(frame(0x8, "")), std::vector<Seen>{closed(1005)});
}

TEST(WsFrameTest, CloseWithCodeAndReason) {
  EXPECT_EQ(decode(frame(0x8, close_payload(1000))), std::vector<Seen>{closed(1000)});
  EXPECT_EQ(decode(frame(0x8, close_payload(1001, "going away"))),
            std::vector<Seen>{closed(1001, "going away")});
  EXPECT_EQ(decode(frame(0x8, close_payload(4999, "κόσμε"))),
            std::vector<Seen>{closed(4999, "κόσμε")});
  EXPECT_EQ(decode(frame(0x8, close_payload(3000, text_of(123)))),
            std::vector<Seen>{closed(3000, text_of(123))});
}

TEST(WsFrameTest, CloseWithOneByteIs1002) {
  EXPECT_EQ(only(frame(0x8, bytes({0x03}))), error(1002));
}

TEST(WsFrameTest, CloseWithAnInvalidCodeIs1002) {
  for (int code :
       {0, 1, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    EXPECT_EQ(only(frame(0x8, close_payload(code))), error(1002)) << code;
  }
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
    EXPECT_EQ(only(frame(0x8, close_payload(code))), closed(static_cast<std::uint16_t>(code)))
        << code;
  }
}

TEST(WsFrameTest, ValidCloseCodesFollowRfc6455AndIana) {
  for (int code = 0; code <= 65535; ++code) {
    const bool expected = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
                          (code >= 3000 && code <= 4999);
    ASSERT_EQ(valid_close_code(static_cast<std::uint16_t>(code)), expected) << code;
  }
}

TEST(WsFrameTest, CloseWithAnInvalidUtf8ReasonIs1007) {
  EXPECT_EQ(only(frame(0x8, close_payload(1000, bytes({0xCE, 0xBA, 0xFF})))), error(1007));
  EXPECT_EQ(only(frame(0x8, close_payload(1000, bytes({0xCE})))), error(1007));  // truncated
  EXPECT_EQ(only(frame(0x8, close_payload(1000, bytes({0xED, 0xA0, 0x80})))), error(1007));
}

TEST(WsFrameTest, CloseAndErrorAreFinal) {
  Decoder d;
  d.feed(frame(0x8, close_payload(1000, "bye")) + frame(0x1, "after"));
  for (int i = 0; i < 3; ++i) {
    const Event e = d.next();
    EXPECT_EQ(e.kind, Kind::Close);
    EXPECT_EQ(e.close_code, 1000);
    EXPECT_EQ(e.payload, "bye");
  }
  d.feed(frame(0x1, "more"));
  EXPECT_EQ(d.next().kind, Kind::Close);

  Decoder bad;
  bad.feed(frag(0x0, "x", true) + frame(0x1, "after"));
  for (int i = 0; i < 3; ++i) {
    const Event e = bad.next();
    EXPECT_EQ(e.kind, Kind::Error);
    EXPECT_EQ(e.close_code, 1002);
    EXPECT_FALSE(e.error.empty());
  }
}

// ---------------------------------------------------------------------------
// Decoder: delivery in pieces

std::string mixed_stream() {
  std::string s;
  s += frame(0x1, "Hello");
  s += frag(0x1, "κό", false);
  s += frame(0x9, "ping in the middle");
  s += frag(0x0, "σ" + std::string("\xCE"), false);
  s += frame(0xA, "");
  s += frag(0x0,
            "\xBC"
            "ε",
            true);
  s += frame(0x2, bytes({0, 1, 2, 0xFF}));
  FrameSpec s16;
  s16.len = Len::Bits16;
  s += frame(0x1, text_of(300), s16);
  s += frame(0x2, text_of(70000 % k64K));
  s += frag(0x2, "", false);
  s += frag(0x0, text_of(1000), true);
  s += frame(0x1, "");
  s += frame(0x8, close_payload(1000, "done"));
  return s;
}

TEST(WsFrameTest, ByteByByteEqualsAllAtOnce) {
  const std::string stream = mixed_stream();
  const auto all = decode(stream);
  ASSERT_EQ(all.size(), 10u);
  EXPECT_EQ(all.front(), message("Hello"));
  EXPECT_EQ(all[1], ping("ping in the middle"));
  EXPECT_EQ(all[2], pong(""));
  EXPECT_EQ(all[3], message("κόσμε"));
  EXPECT_EQ(all.back(), closed(1000, "done"));
  EXPECT_EQ(decode_bytewise(stream), all);
  std::mt19937 rng(42);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::size_t> sizes;
    for (int i = 0; i < 16; ++i) sizes.push_back(1 + rng() % (round < 10 ? 16 : 4000));
    EXPECT_EQ(decode_in_pieces(stream, sizes), all) << round;
  }
}

TEST(WsFrameTest, ByteByByteEqualsAllAtOnceForErrors) {
  const std::vector<std::string> bad = {
      frame(0x1, "ok") + frag(0x0, "x", true),
      frag(0x1, "κόσ", false) + frag(0x0, bytes({0xCE, 0xFF}), false) + frag(0x0, "rest", true),
      frame(0x1, "ok") + frame(0x1, text_of(k64K + 1)),
      frame(0x8, close_payload(1006)),
      frame(0x8, close_payload(1000, bytes({0xC0}))),
      frame(0x1, "ok") + bytes({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0}),
  };
  for (const std::string& stream : bad) {
    const auto all = decode(stream);
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(all.back().kind, Kind::Error);
    EXPECT_EQ(decode_bytewise(stream), all);
    EXPECT_EQ(decode_in_pieces(stream, {7, 1, 300, 2}), all);
  }
}

TEST(WsFrameTest, BuffersAtMostOneFrameBeyondWhatItConsumed) {
  Decoder d;
  const std::string big = frame(0x2, text_of(k64K));
  const std::string small = frame(0x1, "tail");
  const std::string stream = big + small + big;
  std::size_t most = 0;
  std::vector<Seen> out;
  for (std::size_t pos = 0; pos < stream.size(); pos += 1000) {
    d.feed(std::string_view(stream).substr(pos, 1000));
    drain(d, out);
    most = std::max(most, d.buffered_bytes());
    EXPECT_LE(d.buffered_bytes(), k64K + 14);
  }
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(d.buffered_bytes(), 0u);
  EXPECT_GT(most, k64K - 1000);
}

TEST(WsFrameTest, PartialFrameStaysBufferedAfterTheMessagesBeforeIt) {
  Decoder d;
  const std::string next = frame(0x1, "second");
  d.feed(frame(0x1, "first") + next.substr(0, 5));
  Event e = d.next();
  EXPECT_EQ(e.kind, Kind::Message);
  EXPECT_EQ(e.payload, "first");
  EXPECT_EQ(d.next().kind, Kind::NeedMore);
  EXPECT_EQ(d.buffered_bytes(), 5u);
  d.feed(next.substr(5));
  e = d.next();
  EXPECT_EQ(e.payload, "second");
  EXPECT_EQ(d.buffered_bytes(), 0u);
}

TEST(WsFrameTest, PayloadsStayValidUntilTheNextCall) {
  Decoder d;
  d.feed(frame(0x1, "one") + frame(0x9, "ping") + frag(0x1, "fr", false) + frag(0x0, "ag", true) +
         frame(0x2, "two"));
  std::vector<std::string> copies;
  for (Event e = d.next(); e.kind != Kind::NeedMore; e = d.next()) {
    copies.emplace_back(e.payload);  // read right away, as a caller does
  }
  EXPECT_EQ(copies, (std::vector<std::string>{"one", "ping", "frag", "two"}));
}

}  // namespace
}  // namespace rollcall::ws
