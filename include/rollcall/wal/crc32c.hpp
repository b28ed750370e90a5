#pragma once
/// CRC32C (Castagnoli), as used by the log: the SSE4.2 instruction where the CPU has
/// it (checked once at run time), a table otherwise. Same results either way.

#include <cstddef>
#include <cstdint>

namespace rollcall::wal {

/// CRC32C of `data`, continuing from `crc` (0 to start). crc32c("123456789") == 0xE3069283.
std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0);

/// The portable table implementation (exposed for tests and benchmarks).
std::uint32_t crc32c_table(const void* data, std::size_t size, std::uint32_t crc = 0);

/// True if crc32c() uses the hardware instruction on this machine.
bool crc32c_hardware();

}  // namespace rollcall::wal
