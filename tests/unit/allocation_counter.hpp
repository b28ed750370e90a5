#pragma once
/// The unit-test binary counts heap allocations on the calling thread between these
/// two calls: the global operator new is replaced in tests/unit/http/allocation_test.cpp,
/// and OpenSSL's allocator there too (CRYPTO_set_mem_functions), since libcrypto
/// mallocs without operator new.

#include <cstddef>

namespace rollcall::testing {
void start_counting_allocations();
std::size_t stop_counting_allocations();
}  // namespace rollcall::testing
