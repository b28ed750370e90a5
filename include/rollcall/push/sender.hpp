#pragma once
/// The push sender: POSTs deliveries to push services (API.md §8) over libcurl's
/// multi interface (HTTP/2 multiplexed where the service speaks it, connections
/// reused), from one thread, the push worker's, which drives it with `run_once`.
///
/// Bounds, each answered: at most `queue_max` deliveries held (ready, waiting for a
/// retry or in flight; `submit` refuses beyond, counted); at most
/// `host_concurrency` requests in flight per push host and `in_flight_max` in all
/// (the rest wait, FIFO per host, hosts taking turns); `timeout_ms` per request;
/// `retries_max` retries; a response's headers (16 KiB) and body (64 KiB,
/// discarded) read. What each answer means: `retry_policy.hpp`. Unless `allow_private`, a
/// connection to an address that is not `public_address` is refused at connect time (Rejected,
/// counted as `blocked_address`), whatever the name resolved to.
///
/// Every delivery `submit` accepted is reported exactly once to `OnOutcome`, on the
/// thread that drives the sender: from `run_once`, or from `submit` itself for the
/// delivery a newer one replaced (Dropped). The callback may call `submit`, not
/// `run_once`.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "rollcall/common/result.hpp"
#include "rollcall/push/delivery.hpp"
#include "rollcall/push/proxy_env.hpp"
#include "rollcall/push/sender_metrics.hpp"

namespace rollcall::push {

struct SenderConfig {
  std::size_t queue_max = 50000;   ///< --push-queue-max: held, in flight included
  unsigned host_concurrency = 64;  ///< --push-host-concurrency: in flight per push host
  /// In flight, all hosts together: bounds the sender's connections (file
  /// descriptors) however many distinct hosts subscriptions name.
  std::size_t in_flight_max = 1024;
  std::uint32_t timeout_ms = 10000;      ///< --push-timeout-ms: one request, connecting included
  std::uint32_t backoff_base_ms = 1000;  ///< the first retry's delay (then doubled)
  unsigned retries_max = 5;              ///< attempts = retries_max + 1
  std::string ca_file;                   ///< --push-ca-file: trusted besides the system CAs
  bool allow_private = false;            ///< --push-allow-private
  std::string protocols = "https";       ///< URL schemes allowed; unit tests over loopback add http
  /// Proxies; nullopt: read from the environment once, in `create`.
  std::optional<ProxyEnv> proxy;
};

class Sender {
 public:
  /// `http_status` is the last answer's status, 0 when there was none (a timeout,
  /// a network error, a refused address, an expiry or replacement before any answer).
  using OnOutcome = std::function<void(const Delivery&, Outcome, int http_status)>;

  /// A sender with nothing queued. `metrics` must outlive it; it is written only
  /// from the driving thread. An error when `ca_file` is unusable or libcurl cannot
  /// be set up (say so and refuse to start).
  static Result<std::unique_ptr<Sender>> create(SenderConfig config, OnOutcome on_outcome,
                                                SenderMetrics& metrics);
  /// Abandons what is still held, without reporting it. No `wakeup` may run or
  /// follow.
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  /// Queues `d` (counted `queued`). False when it is not taken, counted under
  /// `dropped`: the queue is full (`queue_full`), its TTL already ran out
  /// (`expired`), or it cannot be sent as is (`rejected`: `delivery_problem`,
  /// logged). A refused delivery is not reported to `OnOutcome`.
  bool submit(Delivery d);

  /// Waits at most `max_wait_ms` (0: not at all) for the network, a retry falling
  /// due or `wakeup`, then makes progress: reads answers, reports outcomes,
  /// schedules retries, drops what expired, starts what may start.
  void run_once(std::int64_t max_wait_ms);

  /// Ends the current or next `run_once` wait early. Any thread.
  void wakeup();

  /// Deliveries held: ready, waiting for a retry, in flight.
  std::size_t pending() const;

 private:
  struct Impl;
  explicit Sender(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rollcall::push
