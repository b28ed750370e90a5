#pragma once
/// What `POST /sync` counts (api/sync.cpp), on the shard that accepted the batch:
/// one per data shard's `ShardApi`.

#include <cstddef>
#include <string_view>

#include "rollcall/metrics/metrics.hpp"

namespace rollcall::api {

struct alignas(64) SyncMetrics {
  /// Why ops are rejected, as counted: the bounds on what a client's clock may make
  /// the server do (API.md §6 rule 2), the other time and proof refusals, the rest.
  static constexpr std::string_view kRejectionReasons[] = {
      "offline_too_old", "too_many_changes", "invalid_client_time", "invalid_code", "other"};
  static constexpr std::size_t kRejectionReasonCount = std::size(kRejectionReasons);

  metrics::Counter batches;  ///< batches answered 200
  metrics::Counter ops[4];   ///< their ops, by outcome (sync::Outcome's order)
  metrics::Counter rejections[kRejectionReasonCount];  ///< rejected ops, by reason

  /// The `rejections` slot of an error code: its reason, or "other".
  static std::size_t rejection_index(std::string_view code) {
    for (std::size_t i = 0; i + 1 < kRejectionReasonCount; ++i) {
      if (kRejectionReasons[i] == code) return i;
    }
    return kRejectionReasonCount - 1;
  }

  void describe(metrics::Sink& s) const {
    static constexpr std::string_view kOutcomes[] = {"applied", "duplicate", "superseded",
                                                     "rejected"};
    s.family("rollcall_sync_batches_total", "Offline sync batches answered 200.").add(batches);
    metrics::Family by_outcome =
        s.family("rollcall_sync_ops_total", "Offline sync ops, by outcome.");
    for (int k = 0; k < 4; ++k) by_outcome.add(ops[k], {"outcome", kOutcomes[k]});
    metrics::Family by_reason =
        s.family("rollcall_sync_rejections_total",
                 "Offline sync ops rejected, by reason (error code; other codes count as other).");
    for (std::size_t k = 0; k < kRejectionReasonCount; ++k) {
      by_reason.add(rejections[k], {"reason", kRejectionReasons[k]});
    }
  }
};

}  // namespace rollcall::api
