#pragma once
/// `rollcall token`: print a JWT for a user of a data directory.

#include "rollcall/app/config.hpp"

namespace rollcall::app {

/// Prints the token on stdout and returns 0; one line on stderr and 1 on failure.
int run_token(const TokenConfig& config);

}  // namespace rollcall::app
