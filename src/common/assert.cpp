#include "rollcall/common/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace rollcall::detail {

void assert_failed(const char* expr, const char* file, int line) noexcept {
  std::fprintf(
      stderr,
      "{\"level\":\"fatal\",\"event\":\"assertion_failed\",\"expr\":\"%s\",\"at\":\"%s:%d\"}\n",
      expr, file, line);
  std::fflush(stderr);
  std::abort();
}

}  // namespace rollcall::detail
