// Incremental UTF-8 validation (RFC 3629) with a table-driven shift DFA.
//
// Each byte maps to one 64-bit row of the table. The DFA state is a bit offset (a
// multiple of 6) into that row, and the 6 bits found there are the next state:
// `state = (kRows[byte] >> state) & 63`, one load and one shift per byte. ASCII runs
// between characters are skipped 16 and then 8 bytes at a time.
#include <cstring>

#include "rollcall/ws/codec.hpp"

namespace rollcall::ws {
namespace {

// States, as bit offsets into a row. kAccept must be 0: `complete()` tests state_ == 0.
constexpr unsigned kAccept = 0;    // at a character boundary
constexpr unsigned kReject = 6;    // absorbing
constexpr unsigned kCont1 = 12;    // one more 80..BF
constexpr unsigned kCont2 = 18;    // two more 80..BF
constexpr unsigned kCont3 = 24;    // three more 80..BF
constexpr unsigned kAfterE0 = 30;  // A0..BF, then one more (no overlong 3-byte forms)
constexpr unsigned kAfterED = 36;  // 80..9F, then one more (no surrogates D800..DFFF)
constexpr unsigned kAfterF0 = 42;  // 90..BF, then two more (no overlong 4-byte forms)
constexpr unsigned kAfterF4 = 48;  // 80..8F, then two more (nothing above U+10FFFF)
constexpr unsigned kStates[] = {kAccept,  kReject,  kCont1,   kCont2,  kCont3,
                                kAfterE0, kAfterED, kAfterF0, kAfterF4};

constexpr unsigned next_state(unsigned state, unsigned byte) {
  if (state == kAccept) {
    if (byte < 0x80) return kAccept;
    if (byte < 0xC2) return kReject;  // stray continuation, or overlong C0/C1
    if (byte < 0xE0) return kCont1;
    if (byte == 0xE0) return kAfterE0;
    if (byte == 0xED) return kAfterED;
    if (byte < 0xF0) return kCont2;
    if (byte == 0xF0) return kAfterF0;
    if (byte < 0xF4) return kCont3;
    if (byte == 0xF4) return kAfterF4;
    return kReject;  // F5..FF
  }
  if (state == kReject) return kReject;
  unsigned lo = 0x80, hi = 0xBF, then = kReject;
  switch (state) {
    case kCont1: then = kAccept; break;
    case kCont2: then = kCont1; break;
    case kCont3: then = kCont2; break;
    case kAfterE0: lo = 0xA0, then = kCont1; break;
    case kAfterED: hi = 0x9F, then = kCont1; break;
    case kAfterF0: lo = 0x90, then = kCont2; break;
    case kAfterF4: hi = 0x8F, then = kCont2; break;
    default: break;
  }
  return byte >= lo && byte <= hi ? then : kReject;
}

struct Rows {
  std::uint64_t row[256];
};

constexpr Rows make_rows() {
  Rows rows{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    std::uint64_t row = 0;
    for (const unsigned state : kStates) row |= std::uint64_t{next_state(state, byte)} << state;
    rows.row[byte] = row;
  }
  return rows;
}

constexpr Rows kRows = make_rows();

static_assert((kRows.row[0xC3] >> kAccept & 63) == kCont1);
static_assert((kRows.row[0xA9] >> kCont1 & 63) == kAccept);
static_assert((kRows.row[0x41] >> kReject & 63) == kReject);

constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

inline std::uint64_t load64(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

bool Utf8Validator::feed(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* const end = p + bytes.size();
  std::uint64_t state = state_;
  if (state == kReject) return false;
  while (p != end) {
    if (state == kAccept && *p < 0x80) {
      // An ASCII run: skip whole words without the high bit, then the odd bytes.
      while (end - p >= 16 && ((load64(p) | load64(p + 8)) & kHighBits) == 0) p += 16;
      while (end - p >= 8 && (load64(p) & kHighBits) == 0) p += 8;
      while (p != end && *p < 0x80) ++p;
      if (p == end) break;
    }
    // One multi-byte character (or the rest of one begun in an earlier feed).
    do {
      state = kRows.row[*p++] >> state & 63;
    } while (p != end && state > kReject);
    if (state == kReject) {
      state_ = kReject;
      return false;
    }
  }
  state_ = static_cast<std::uint32_t>(state);
  return true;
}

}  // namespace rollcall::ws
