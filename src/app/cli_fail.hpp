#pragma once
/// How a command that cannot do its work ends: one line on stderr, exit code 1.

#include <cstdio>
#include <string>

namespace rollcall::app {

inline int fail(const std::string& why) {
  std::fprintf(stderr, "rollcall: %s\n", why.c_str());
  return 1;
}

}  // namespace rollcall::app
