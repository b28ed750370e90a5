#pragma once
/// RC_ASSERT: invariant checks that stay on in every build mode (release included).
/// A failed invariant means state may be corrupt; the process stops at once with the
/// file, line and expression rather than carry on and write bad data.

namespace rollcall::detail {
[[noreturn]] void assert_failed(const char* expr, const char* file, int line) noexcept;
}  // namespace rollcall::detail

#define RC_ASSERT(expr)                                             \
  do {                                                              \
    if (__builtin_expect(!(expr), 0))                               \
      ::rollcall::detail::assert_failed(#expr, __FILE__, __LINE__); \
  } while (0)

namespace rollcall {
/// For `static_assert(kAlwaysFalse<T>)` in the last branch of an `if constexpr`
/// chain over a variant's alternatives: a new alternative nobody handles does not
/// compile.
template <typename T>
inline constexpr bool kAlwaysFalse = false;
}  // namespace rollcall
