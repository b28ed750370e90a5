#include "rollcall/wal/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ROLLCALL_CRC32C_X86 1
#endif

namespace rollcall::wal {

namespace {

constexpr std::uint32_t kPolyReflected = 0x82F63B78u;  // Castagnoli, bit-reversed

// Slice-by-8 tables: kTables[0] is the classic byte table; kTables[k][b] is the CRC
// of byte b followed by k zero bytes, so eight bytes fold in one step.
using Tables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr Tables make_tables() {
  Tables t{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c >> 1) ^ ((c & 1u) ? kPolyReflected : 0u);
    t[0][b] = c;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::uint32_t b = 0; b < 256; ++b)
      t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFFu];
  }
  return t;
}

constexpr Tables kTables = make_tables();

// Reads 8 bytes as a little-endian integer (the table folding assumes that order).
inline std::uint64_t load_le64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];  // compilers turn this into one load on LE
  return v;
}

#ifdef ROLLCALL_CRC32C_X86
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(const void* data, std::size_t size,
                                                             std::uint32_t crc) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t state = ~crc;
  // Byte steps until 8-aligned, so the 64-bit loads below never straddle lines needlessly.
  while (size != 0 && (reinterpret_cast<std::uintptr_t>(p) & 7u) != 0) {
    state = _mm_crc32_u8(state, *p++);
    --size;
  }
#if defined(__x86_64__)
  std::uint64_t state64 = state;
  while (size >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    state64 = _mm_crc32_u64(state64, word);
    p += 8;
    size -= 8;
  }
  state = static_cast<std::uint32_t>(state64);
#endif
  while (size != 0) {
    state = _mm_crc32_u8(state, *p++);
    --size;
  }
  return ~state;
}

bool detect_sse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2") != 0;
}
#endif

}  // namespace

std::uint32_t crc32c_table(const void* data, std::size_t size, std::uint32_t crc) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t state = ~crc;
  while (size >= 8) {
    const std::uint64_t word = load_le64(p) ^ state;
    state = kTables[7][word & 0xFFu] ^ kTables[6][(word >> 8) & 0xFFu] ^
            kTables[5][(word >> 16) & 0xFFu] ^ kTables[4][(word >> 24) & 0xFFu] ^
            kTables[3][(word >> 32) & 0xFFu] ^ kTables[2][(word >> 40) & 0xFFu] ^
            kTables[1][(word >> 48) & 0xFFu] ^ kTables[0][word >> 56];
    p += 8;
    size -= 8;
  }
  while (size != 0) {
    state = (state >> 8) ^ kTables[0][(state ^ *p++) & 0xFFu];
    --size;
  }
  return ~state;
}

bool crc32c_hardware() {
#ifdef ROLLCALL_CRC32C_X86
  // Decided once; the local static's initialisation is thread-safe.
  static const bool has = detect_sse42();
  return has;
#else
  return false;
#endif
}

std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc) {
#ifdef ROLLCALL_CRC32C_X86
  if (crc32c_hardware()) return crc32c_sse42(data, size, crc);
#endif
  return crc32c_table(data, size, crc);
}

}  // namespace rollcall::wal
