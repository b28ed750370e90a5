#pragma once
/// The push worker: one thread of its own that turns notes (note.hpp) into Web Push
/// requests, so that no connection shard ever waits on a push service.
///
/// Shards hand it two things, from any thread, without waiting:
///   - `changed`: a push directory change the roster owner made durable (it keeps a
///     copy of the directory: who has which subscriptions and preferences);
///   - `notify`: a note about an event that is durable.
/// Both go into one inbox (a short critical section: the worker is not a shard, it
/// sleeps in libcurl's poll, so the shards' mailboxes cannot wake it; posts are per
/// event, not per request). Notes beyond `inbox_notes_max` waiting are dropped and
/// counted; changes are never dropped (they are as rare as the requests that made them).
/// A note wakes the worker only when the inbox was empty and the worker is not
/// already coming back by itself: after a look that found notes it looks again within
/// `kBusyLookMs` unwoken, and only a look that finds none puts it back to waiting for
/// a wake-up. So a stream of overrides costs the shards a wake-up (a syscall, often
/// a cross-core interrupt) at most every `kBusyLookMs`, not one per event, and an idle
/// worker sleeps.
///
/// On its thread the worker batches (batcher.hpp: at most one notification per user,
/// kind and session per `batch_ms`, the latest winning), looks up the user's
/// preferences and subscriptions, encrypts each payload (ece.hpp), signs VAPID
/// (vapid.hpp, one header per push service origin, renewed hourly) and hands one
/// delivery per subscription to the sender (sender.hpp). A subscription its push
/// service calls gone (404/410) is dropped from the copy at once and queued for
/// the roster owner (`take_gone`), which deletes it durably.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "rollcall/domain/commands.hpp"
#include "rollcall/domain/push.hpp"
#include "rollcall/push/note.hpp"
#include "rollcall/push/sender.hpp"
#include "rollcall/push/vapid.hpp"
#include "rollcall/push/worker_metrics.hpp"

namespace rollcall::push {

struct WorkerConfig {
  std::string contact = "mailto:admin@localhost";  ///< `--push-contact`: the VAPID `sub`
  std::uint32_t ttl_s = 3600;                      ///< `--push-ttl-s`
  std::uint32_t batch_ms = 2000;                   ///< `--push-batch-ms`
  std::size_t inbox_notes_max = 4096;              ///< notes waiting for the worker
  std::size_t batched_max = 200'000;               ///< (user, kind, session) waiting in batches
  SenderConfig sender;
};

class Worker {
 public:
  /// A worker not yet started; an error when the sender cannot be set up (a CA file
  /// libcurl cannot use).
  static Result<std::unique_ptr<Worker>> create(WorkerConfig config, VapidKeys keys,
                                                domain::PushDirectory directory);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// Starts the thread; `stop` (or the destructor) ends it, dropping what waits.
  void start();
  void stop();

  // Any thread.
  void changed(domain::Command change);
  void notify(Note note);
  /// True when subscriptions called gone wait for the roster owner (cheap: polled).
  bool has_gone() const { return gone_waiting_.load(std::memory_order_acquire); }
  std::vector<domain::Unsubscribe> take_gone();

  const std::string& public_key_b64url() const { return public_key_; }
  /// The metrics, for the process registry (written by the worker thread only).
  const WorkerMetrics& metrics() const { return metrics_; }
  const SenderMetrics& sender_metrics() const { return sender_metrics_; }

 private:
  using Item = std::variant<domain::Command, Note>;
  class Loop;

  explicit Worker(WorkerConfig config);
  void run();
  /// Takes the inbox into `items`; what was counted under the lock goes to the metrics.
  void take_inbox(std::vector<Item>& items);

  WorkerConfig config_;
  std::string public_key_;
  WorkerMetrics metrics_;
  SenderMetrics sender_metrics_;
  std::unique_ptr<Loop> loop_;  ///< what only the worker thread touches

  std::mutex inbox_mutex_;
  std::vector<Item> inbox_;  ///< guarded by inbox_mutex_
  std::size_t inbox_notes_ = 0;
  std::uint64_t inbox_dropped_ = 0;  ///< since the worker last looked
  std::uint64_t inbox_wakeups_ = 0;  ///< since the worker last looked
  bool looking_soon_ = false;        ///< the worker looks within kBusyLookMs without a wake-up
  std::vector<domain::Unsubscribe> gone_;  ///< guarded by inbox_mutex_
  std::atomic<bool> gone_waiting_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace rollcall::push
