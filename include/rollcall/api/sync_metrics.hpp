#pragma once
/// What `POST /sync` counts (api/sync.cpp), on the shard that accepted the batch:
/// one per data shard's `ShardApi`.

#include <string_view>

#include "rollcall/metrics/metrics.hpp"

namespace rollcall::api {

struct alignas(64) SyncMetrics {
  metrics::Counter batches;  ///< batches answered 200
  metrics::Counter ops[4];   ///< their ops, by outcome (sync::Outcome's order)

  void describe(metrics::Sink& s) const {
    static constexpr std::string_view kOutcomes[] = {"applied", "duplicate", "superseded",
                                                     "rejected"};
    s.family("rollcall_sync_batches_total", "Offline sync batches answered 200.").add(batches);
    metrics::Family by_outcome =
        s.family("rollcall_sync_ops_total", "Offline sync ops, by outcome.");
    for (int k = 0; k < 4; ++k) by_outcome.add(ops[k], {"outcome", kOutcomes[k]});
  }
};

}  // namespace rollcall::api
