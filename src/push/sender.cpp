#include "rollcall/push/sender.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <climits>
#include <random>
#include <unordered_map>
#include <vector>

#include "rollcall/common/assert.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/common/log.hpp"
#include "rollcall/push/ca_bundle.hpp"
#include "rollcall/push/send_queue.hpp"
#include "transfer.hpp"

namespace rollcall::push {

namespace {

/// Connections libcurl may open to one push host. HTTP/2 services multiplex every
/// request on one; an HTTP/1.1 service gets this many in parallel, and the rest of
/// the host's in-flight requests wait inside libcurl (their timeout running).
constexpr long kConnectionsPerHostMax = 8;
/// Idle connections libcurl keeps for reuse, all hosts together.
constexpr long kConnectionsCachedMax = 64;
/// Easy handles kept for reuse when idle (the rest are freed).
constexpr std::size_t kIdleTransfersMax = 64;
/// How often deliveries still queued are checked for expiry.
constexpr std::int64_t kExpirySweepMs = 1000;
/// Log lines of one kind (queue full, blocked address, ...): at most one a second.
constexpr std::int64_t kLogIntervalMs = 1000;

std::string_view scheme_of(std::string_view url) {
  const std::size_t colon = url.find("://");
  return colon == std::string_view::npos ? std::string_view() : url.substr(0, colon);
}

bool listed(std::string_view list, std::string_view item) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    if (list.substr(0, comma) == item) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};

enum class LogKind : std::uint8_t { QueueFull, Refused, Blocked, Tls, Network, Count };

Status check(const SenderConfig& c) {
  if (c.queue_max == 0) return Error{"the push queue bound must be at least 1"};
  if (c.host_concurrency == 0) return Error{"the push host concurrency must be at least 1"};
  if (c.in_flight_max == 0) return Error{"the push requests in flight must be at least 1"};
  if (c.timeout_ms == 0) return Error{"the push timeout must be at least 1 ms"};
  return Ok{};
}

}  // namespace

struct Sender::Impl {
  Impl(SenderConfig c, OnOutcome o, SenderMetrics& m)
      : config(std::move(c)),
        on_outcome(std::move(o)),
        metrics(m),
        queue({.deliveries_max = config.queue_max,
               .host_in_flight_max = config.host_concurrency,
               .in_flight_max = config.in_flight_max}),
        random(static_cast<std::uint32_t>(monotonic_ns())) {}
  ~Impl();

  Status open();
  bool submit(Delivery d);
  void run_once(std::int64_t max_wait_ms);
  void step();
  void start_transfers(std::int64_t now_ms);
  void collect();
  void finish_attempt(detail::Transfer& t, CURLcode code);
  void retry(SendQueue::Ticket ticket, const detail::Transfer& t, int status);
  void delivered(SendQueue::Ticket ticket, int status);
  void report(const Delivery& d, Outcome outcome, int status);
  void drop(DropReason why, const Delivery& d, Outcome outcome, int status);
  void sweep_expired(std::int64_t now_ms);
  std::unique_ptr<detail::Transfer> acquire();
  void recycle(std::unique_ptr<detail::Transfer> t);
  bool log_due(LogKind kind);
  void update_gauges();

  SenderConfig config;
  OnOutcome on_outcome;
  SenderMetrics& metrics;
  ProxyEnv proxy;
  std::string ca_bundle;  ///< with --push-ca-file: the system's CAs and the file's
  curl_blob ca_blob{};
  detail::TransferOptions options;
  std::unique_ptr<CURLM, MultiDeleter> multi;
  SendQueue queue;
  std::vector<std::unique_ptr<detail::Transfer>> idle;
  std::unordered_map<CURL*, std::unique_ptr<detail::Transfer>> active;
  std::minstd_rand random;
  std::int64_t next_sweep_ms = 0;
  bool running = false;  ///< inside run_once
  std::vector<Delivery> expired;
  std::int64_t logged_ms[static_cast<unsigned>(LogKind::Count)] = {};
};

Sender::Impl::~Impl() {
  for (auto& [easy, transfer] : active) curl_multi_remove_handle(multi.get(), easy);
  active.clear();
  idle.clear();
}

Status Sender::Impl::open() {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return Error{"libcurl: global init"};
  if (!config.ca_file.empty()) {
    Result<std::string> bundle = combined_ca_bundle(curl_default_ca_bundle(), config.ca_file);
    if (!bundle) return Error{bundle.error()};
    ca_bundle = std::move(*bundle);
    ca_blob = curl_blob{ca_bundle.data(), ca_bundle.size(), CURL_BLOB_NOCOPY};
    options.ca_bundle = &ca_blob;
  }
  proxy = config.proxy ? *config.proxy : ProxyEnv::from_environment();
  options.timeout_ms = config.timeout_ms;
  options.protocols = config.protocols;
  options.check_addresses = !config.allow_private;
  multi.reset(curl_multi_init());
  if (!multi) return Error{"libcurl: cannot create a multi handle"};
  const bool set =
      curl_multi_setopt(multi.get(), CURLMOPT_PIPELINING, long{CURLPIPE_MULTIPLEX}) == CURLM_OK &&
      curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, kConnectionsPerHostMax) ==
          CURLM_OK &&
      curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS, kConnectionsCachedMax) == CURLM_OK &&
      // One connection per request in flight at most (the queue keeps to in_flight_max);
      // this is the sender's bound on file descriptors.
      curl_multi_setopt(multi.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS,
                        static_cast<long>(config.in_flight_max)) == CURLM_OK;
  if (!set) return Error{"libcurl: cannot set up the multi handle"};
  return Ok{};
}

bool Sender::Impl::log_due(LogKind kind) {
  const std::int64_t now = static_cast<std::int64_t>(monotonic_ms());
  std::int64_t& last = logged_ms[static_cast<unsigned>(kind)];
  if (last != 0 && now - last < kLogIntervalMs) return false;
  last = now;
  return true;
}

void Sender::Impl::update_gauges() {
  metrics.in_flight.set(static_cast<std::int64_t>(queue.in_flight()));
  metrics.queue_depth.set(static_cast<std::int64_t>(queue.size() - queue.in_flight()));
}

void Sender::Impl::report(const Delivery& d, Outcome outcome, int status) {
  on_outcome(d, outcome, status);
}

void Sender::Impl::drop(DropReason why, const Delivery& d, Outcome outcome, int status) {
  count(metrics, why);
  report(d, outcome, status);
}

bool Sender::Impl::submit(Delivery d) {
  std::string_view problem = delivery_problem(d);
  if (problem.empty() && !listed(config.protocols, scheme_of(d.endpoint))) {
    problem = "the endpoint's scheme is not allowed";
  }
  if (!problem.empty()) {
    count(metrics, DropReason::Rejected);
    if (log_due(LogKind::Refused)) log::error("push_delivery_refused", {{"why", problem}});
    return false;
  }
  const std::int64_t now = static_cast<std::int64_t>(monotonic_ms());
  const std::int64_t age_ms =
      d.event_ms > 0 ? std::max<std::int64_t>(0, wall_ms() - d.event_ms) : 0;
  const std::int64_t expires_ms = now + std::int64_t{d.ttl_s} * 1000 - age_ms;
  if (expires_ms <= now) {
    count(metrics, DropReason::Expired);
    return false;
  }
  SendQueue::Admitted admitted = queue.admit(std::move(d), expires_ms);
  if (admitted.admission == SendQueue::Admission::Full) {
    count(metrics, DropReason::QueueFull);
    if (log_due(LogKind::QueueFull)) {
      log::warn("push_queue_full", {{"queue_max", static_cast<unsigned long>(config.queue_max)}});
    }
    return false;
  }
  metrics.queued.inc();
  if (admitted.admission == SendQueue::Admission::Replaced) {
    drop(DropReason::Replaced, admitted.replaced, Outcome::Dropped, 0);
  }
  update_gauges();
  return true;
}

std::unique_ptr<detail::Transfer> Sender::Impl::acquire() {
  if (idle.empty()) return std::make_unique<detail::Transfer>();
  std::unique_ptr<detail::Transfer> t = std::move(idle.back());
  idle.pop_back();
  return t;
}

void Sender::Impl::recycle(std::unique_ptr<detail::Transfer> t) {
  t->reset();
  if (idle.size() < kIdleTransfersMax) idle.push_back(std::move(t));
}

void Sender::Impl::start_transfers(std::int64_t now_ms) {
  while (std::optional<SendQueue::Ticket> ticket = queue.start_next()) {
    const Delivery& d = queue.delivery(*ticket);
    const std::int64_t remaining_ms = queue.expires_ms(*ticket) - now_ms;
    if (remaining_ms <= 0) {
      drop(DropReason::Expired, queue.finish(*ticket), Outcome::Expired, 0);
      continue;
    }
    // The TTL left, rounded up: a fresh delivery says its whole TTL.
    const auto ttl_s = static_cast<std::uint32_t>((remaining_ms + 999) / 1000);
    std::unique_ptr<detail::Transfer> t = acquire();
    t->prepare(d, ttl_s, proxy.proxy_for(scheme_of(d.endpoint), d.host), options, *ticket);
    const CURLMcode rc = curl_multi_add_handle(multi.get(), t->easy());
    RC_ASSERT(rc == CURLM_OK);
    CURL* easy = t->easy();
    const bool fresh = active.emplace(easy, std::move(t)).second;
    RC_ASSERT(fresh);
  }
}

void Sender::Impl::delivered(SendQueue::Ticket ticket, int status) {
  const Delivery d = queue.finish(ticket);
  metrics.sent.inc();
  if (d.event_ms > 0) {
    const std::int64_t latency_ms = std::max<std::int64_t>(0, wall_ms() - d.event_ms);
    metrics.latency.observe_ns(static_cast<std::uint64_t>(latency_ms) * 1'000'000u);
    if (latency_ms > SenderMetrics::kLateAfterMs) metrics.late.inc();
  }
  report(d, Outcome::Delivered, status);
}

void Sender::Impl::retry(SendQueue::Ticket ticket, const detail::Transfer& t, int status) {
  const std::int64_t now = static_cast<std::int64_t>(monotonic_ms());
  const unsigned attempts = queue.attempts(ticket);
  const std::int64_t backoff = backoff_ms(attempts, config.backoff_base_ms,
                                          std::uniform_real_distribution<double>(0.0, 1.0)(random));
  const std::optional<std::int64_t> asked = retry_after_ms(t.retry_after(), wall_ms());
  const RetryPlan plan =
      plan_retry(attempts, config.retries_max, backoff, asked, queue.expires_ms(ticket) - now);
  switch (plan.kind) {
    case RetryPlan::Kind::Exhausted:
      drop(DropReason::RetriesExhausted, queue.finish(ticket), Outcome::GaveUp, status);
      return;
    case RetryPlan::Kind::Expired:
      drop(DropReason::Expired, queue.finish(ticket), Outcome::Expired, status);
      return;
    case RetryPlan::Kind::Retry: break;
  }
  // Due from now rounded up to the next ms, so that a retry never leaves before
  // what the push service asked for (the queue's clock is whole ms).
  const std::int64_t now_ceil_ms =
      static_cast<std::int64_t>((monotonic_ns() + 999'999) / 1'000'000);
  const std::int64_t due_ms = now_ceil_ms + plan.delay_ms;
  if (std::optional<Delivery> superseded = queue.wait_for_retry(ticket, due_ms)) {
    drop(DropReason::Replaced, *superseded, Outcome::Dropped, status);
    return;
  }
  metrics.retries.inc();
}

void Sender::Impl::finish_attempt(detail::Transfer& t, CURLcode code) {
  const SendQueue::Ticket ticket = t.ticket();
  const TransportError error = t.error(code);
  const int status = error == TransportError::None ? t.http_status() : 0;
  const Judgement j = judge_attempt(error, status);
  if (j.verdict == Verdict::Delivered) return delivered(ticket, status);
  count(metrics, j.reason);
  const Delivery& d = queue.delivery(ticket);
  if (error == TransportError::BlockedAddress && log_due(LogKind::Blocked)) {
    log::warn("push_address_blocked", {{"host", d.host}});
  } else if (error == TransportError::Tls && log_due(LogKind::Tls)) {
    log::warn("push_tls_error", {{"host", d.host}, {"error", t.error_text()}});
  } else if (error == TransportError::Network && log_due(LogKind::Network)) {
    log::warn("push_network_error", {{"host", d.host}, {"error", t.error_text()}});
  }
  switch (j.verdict) {
    case Verdict::Gone:
      metrics.gone.inc();
      return report(queue.finish(ticket), Outcome::Gone, status);
    case Verdict::Reject:
      return drop(DropReason::Rejected, queue.finish(ticket), Outcome::Rejected, status);
    case Verdict::Retry: return retry(ticket, t, status);
    case Verdict::Delivered: break;
  }
}

void Sender::Impl::collect() {
  int left = 0;
  while (CURLMsg* m = curl_multi_info_read(multi.get(), &left)) {
    if (m->msg != CURLMSG_DONE) continue;
    CURL* easy = m->easy_handle;
    const CURLcode code = m->data.result;
    auto node = active.extract(easy);
    RC_ASSERT(!node.empty());
    const CURLMcode rc = curl_multi_remove_handle(multi.get(), easy);
    RC_ASSERT(rc == CURLM_OK);
    finish_attempt(*node.mapped(), code);
    recycle(std::move(node.mapped()));
  }
}

void Sender::Impl::sweep_expired(std::int64_t now_ms) {
  if (now_ms < next_sweep_ms) return;
  next_sweep_ms = now_ms + kExpirySweepMs;
  expired.clear();
  queue.take_expired(now_ms, expired);
  for (const Delivery& d : expired) drop(DropReason::Expired, d, Outcome::Expired, 0);
  expired.clear();
}

void Sender::Impl::step() {
  const std::int64_t now = static_cast<std::int64_t>(monotonic_ms());
  sweep_expired(now);
  queue.promote_due(now);
  start_transfers(now);
  int running_handles = 0;
  const CURLMcode rc = curl_multi_perform(multi.get(), &running_handles);
  RC_ASSERT(rc == CURLM_OK);
  collect();
  // Answers free host slots and may make retries due at once (a zero delay).
  queue.promote_due(now);
  start_transfers(now);
  RC_ASSERT(active.size() == queue.in_flight());  // one easy handle per delivery in flight
  RC_ASSERT(queue.size() <= config.queue_max);
}

void Sender::Impl::run_once(std::int64_t max_wait_ms) {
  RC_ASSERT(!running);  // not from OnOutcome
  running = true;
  step();
  const std::int64_t now = static_cast<std::int64_t>(monotonic_ms());
  std::int64_t wait_ms = std::max<std::int64_t>(0, max_wait_ms);
  if (std::optional<std::int64_t> due = queue.next_due_ms())
    wait_ms = std::min(wait_ms, *due - now);
  if (queue.size() > queue.in_flight()) wait_ms = std::min(wait_ms, next_sweep_ms - now);
  wait_ms = std::clamp<std::int64_t>(wait_ms, 0, INT_MAX);
  // libcurl shortens the wait to its own next timeout (a request's deadline).
  const CURLMcode rc = curl_multi_poll(multi.get(), nullptr, 0, static_cast<int>(wait_ms), nullptr);
  RC_ASSERT(rc == CURLM_OK);
  step();
  update_gauges();
  running = false;
}

Result<std::unique_ptr<Sender>> Sender::create(SenderConfig config, OnOutcome on_outcome,
                                               SenderMetrics& metrics) {
  RC_ASSERT(on_outcome != nullptr);
  if (Status s = check(config); !s) return Error{s.error()};
  auto impl = std::make_unique<Impl>(std::move(config), std::move(on_outcome), metrics);
  if (Status s = impl->open(); !s) return Error{s.error()};
  return std::unique_ptr<Sender>(new Sender(std::move(impl)));
}

Sender::Sender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Sender::~Sender() = default;

bool Sender::submit(Delivery d) {
  return impl_->submit(std::move(d));
}
void Sender::run_once(std::int64_t max_wait_ms) {
  impl_->run_once(max_wait_ms);
}
std::size_t Sender::pending() const {
  return impl_->queue.size();
}

void Sender::wakeup() {
  const CURLMcode rc = curl_multi_wakeup(impl_->multi.get());
  RC_ASSERT(rc == CURLM_OK);
}

}  // namespace rollcall::push
