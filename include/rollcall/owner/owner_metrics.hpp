#pragma once
/// What an owner shard counts about its state of record (owner/owner.hpp).

#include "rollcall/metrics/metrics.hpp"

namespace rollcall::owner {

struct alignas(64) OwnerMetrics {
  metrics::Counter reads_held;  ///< reads answered only once a change they show was durable

  void describe(metrics::Sink& s) const {
    s.family("rollcall_reads_held_for_log_total",
             "Reads (REST, CSV, WebSocket snapshot) of a class whose latest change was not yet "
             "durable, so answered only once it was (nothing is shown before it is durable).")
        .add(reads_held);
  }
};

}  // namespace rollcall::owner
