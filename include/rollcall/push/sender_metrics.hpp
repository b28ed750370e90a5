#pragma once
/// What the push sender counts (push/sender.cpp): one group, written only by the
/// thread that drives the `Sender` (the push worker), read by /metrics.

#include <cstddef>
#include <string_view>

#include "rollcall/metrics/metrics.hpp"
#include "rollcall/push/retry_policy.hpp"

namespace rollcall::push {

/// Why a delivery left the sender without being delivered (Gone aside): the
/// `reason` label of `rollcall_push_dropped_total`, in `kDropLabels`' order.
enum class DropReason : std::uint8_t { QueueFull, RetriesExhausted, Expired, Replaced, Rejected };

struct alignas(64) SenderMetrics {
  /// `rollcall_push_failed_total{status}`, by `FailureReason`.
  static constexpr std::string_view kFailureLabels[kFailureReasonCount] = {
      "404", "410", "429", "4xx", "5xx", "other", "timeout", "network", "tls", "blocked_address"};
  static constexpr std::string_view kDropLabels[] = {"queue_full", "retries_exhausted", "expired",
                                                     "replaced", "rejected"};
  static constexpr std::size_t kDropReasonCount = std::size(kDropLabels);
  /// A delivery later than this after its event breaks API.md §8's promise.
  static constexpr std::int64_t kLateAfterMs = 5000;

  metrics::Counter queued;                       ///< accepted by `submit`
  metrics::Counter sent;                         ///< answered 201/202
  metrics::Counter failed[kFailureReasonCount];  ///< failed attempts, by why
  metrics::Counter retries;                      ///< attempts scheduled again
  metrics::Counter dropped[kDropReasonCount];    ///< deliveries given up, by why
  metrics::Counter gone;                         ///< answered 404/410
  metrics::LatencyHistogram latency;             ///< event -> the push service's 2xx
  metrics::Counter late;                         ///< delivered over kLateAfterMs after the event
  metrics::Gauge queue_depth;                    ///< ready + waiting for a retry
  metrics::Gauge in_flight;                      ///< requests started, not answered

  void describe(metrics::Sink& s) const {
    s.family("rollcall_push_queued_total", "Push deliveries accepted into the outgoing queue.")
        .add(queued);
    s.family("rollcall_push_sent_total", "Push deliveries the push service accepted (201/202).")
        .add(sent);
    metrics::Family by_status = s.family(
        "rollcall_push_failed_total",
        "Failed push attempts, by answer (404, 410, 429, other 4xx, 5xx, other statuses) or by "
        "what failed below HTTP (timeout, network, tls, blocked_address: not a public address).");
    for (unsigned k = 0; k < kFailureReasonCount; ++k) {
      by_status.add(failed[k], {"status", kFailureLabels[k]});
    }
    s.family("rollcall_push_retries_total", "Push attempts scheduled again after a failure.")
        .add(retries);
    metrics::Family by_reason = s.family(
        "rollcall_push_dropped_total",
        "Push deliveries given up: the queue was full (queue_full), retries ran out "
        "(retries_exhausted), the TTL ran out (expired), a newer one of the same topic replaced "
        "it (replaced), or the push service refused it or it could not be sent (rejected).");
    for (std::size_t k = 0; k < kDropReasonCount; ++k) {
      by_reason.add(dropped[k], {"reason", kDropLabels[k]});
    }
    s.family("rollcall_push_subscriptions_gone_total",
             "Push deliveries answered 404 or 410: the subscription is deleted.")
        .add(gone);
    s.family("rollcall_push_latency_seconds",
             "Push delivery latency: the causing event to the push service's 201/202.")
        .add(latency);
    s.family("rollcall_push_late_total",
             "Push deliveries accepted by the push service over 5 s after their event.")
        .add(late);
    s.family("rollcall_push_queue_depth",
             "Push deliveries waiting to be sent or for a retry (not in flight).")
        .add(queue_depth);
    s.family("rollcall_push_in_flight", "Push requests sent and not yet answered.").add(in_flight);
  }
};

inline void count(SenderMetrics& m, FailureReason why) {
  m.failed[static_cast<unsigned>(why)].inc();
}
inline void count(SenderMetrics& m, DropReason why) {
  m.dropped[static_cast<unsigned>(why)].inc();
}

}  // namespace rollcall::push
