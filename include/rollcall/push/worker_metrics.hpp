#pragma once
/// What the push worker counts before the sender (sender_metrics.hpp): notes taken
/// in, messages merged by batching, what was dropped on the way. One group in the
/// process registry; the worker thread writes it, except the inbox drops, which the
/// worker copies from a count kept under the inbox lock.

#include <string_view>

#include "rollcall/domain/push.hpp"
#include "rollcall/metrics/metrics.hpp"

namespace rollcall::push {

struct alignas(64) WorkerMetrics {
  metrics::Counter messages[3];  ///< by kind (domain::PushKind): one per user a note named
  metrics::Counter batched;      ///< messages that replaced one still waiting in its batch
  metrics::Counter unwanted;     ///< messages to users whose preferences turn the kind off
  /// Dropped before any delivery: the inbox full, the batches full.
  metrics::Counter dropped_inbox, dropped_batch;
  metrics::Gauge subscriptions;  ///< in the worker's copy of the directory
  metrics::Counter wakeups;      ///< by a note (counted under the inbox lock, copied here)

  void describe(metrics::Sink& s) const {
    metrics::Family by_kind =
        s.family("rollcall_push_messages_total",
                 "Notifications for one user that events produced, by kind, before batching.");
    for (int k = 0; k < 3; ++k) {
      by_kind.add(messages[k], {"kind", domain::to_string(static_cast<domain::PushKind>(k))});
    }
    s.family("rollcall_push_batched_total",
             "Notifications merged into one still waiting for the same user, kind and session "
             "(--push-batch-ms).")
        .add(batched);
    s.family("rollcall_push_unwanted_total",
             "Notifications not sent because the user's preferences turn their kind off.")
        .add(unwanted);
    s.family("rollcall_push_notes_dropped_total",
             "Notifications dropped before delivery: the worker's inbox was full (inbox_full) or "
             "too many waited in batches (batch_full).")
        .add(dropped_inbox, {"reason", "inbox_full"})
        .add(dropped_batch, {"reason", "batch_full"});
    s.family("rollcall_push_subscriptions", "Push subscriptions the server delivers to.")
        .add(subscriptions);
    s.family("rollcall_push_worker_wakeups_total",
             "Times a note woke the push worker; while notes keep coming it looks every 10 ms "
             "without one.")
        .add(wakeups);
  }
};

}  // namespace rollcall::push
