#pragma once
/// `rollcall serve`: wires configuration, data directory, listeners, routes and the
/// shard runtime together and runs until SIGTERM/SIGINT.

#include "rollcall/app/config.hpp"

namespace rollcall::app {

/// Runs the server. Returns the process exit code (0 after a clean shutdown, 1 when
/// it could not start; the reason is printed as one line on stderr).
int run_serve(const ServeConfig& config);

}  // namespace rollcall::app
