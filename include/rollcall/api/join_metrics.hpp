#pragma once
/// What class joins count (api/join.cpp), on the roster owner: one group per data
/// shard's `ShardApi` (only the roster owner's moves).

#include <string_view>

#include "rollcall/metrics/metrics.hpp"

namespace rollcall::api {

struct alignas(64) JoinMetrics {
  metrics::Counter wrong_codes;  ///< 422 invalid_join_code
  metrics::Counter limited;      ///< 429 too_many_attempts

  void describe(metrics::Sink& s) const {
    s.family("rollcall_join_rejected_total",
             "Class joins refused: a code no class has (invalid_join_code), or a student who "
             "sent too many such codes recently (too_many_attempts).")
        .add(wrong_codes, {"reason", "invalid_join_code"})
        .add(limited, {"reason", "too_many_attempts"});
  }
};

}  // namespace rollcall::api
