// The push worker's thread (see worker.hpp).

#include "rollcall/push/worker.hpp"

#include <pthread.h>

#include <algorithm>
#include <map>
#include <utility>

#include "rollcall/common/clock.hpp"
#include "rollcall/common/log.hpp"
#include "rollcall/push/base64url.hpp"
#include "rollcall/push/batcher.hpp"
#include "rollcall/push/ece.hpp"
#include "rollcall/push/endpoint.hpp"

namespace rollcall::push {

namespace {

constexpr std::int64_t kVapidRenewMs = 60 * 60 * 1000;  // a new JWT per origin hourly
constexpr std::int64_t kVapidLifetimeS = 12 * 60 * 60;  // RFC 8292: at most 24 h
constexpr std::int64_t kIdleWaitMs = 1000;              // the loop's longest sleep
constexpr std::int64_t kBusyLookMs = 10;                // while notes come: the next look, unwoken

const char* urgency(domain::PushKind kind) {
  return kind == domain::PushKind::SessionOpened ? "high" : "normal";
}

}  // namespace

// What only the worker thread touches.
class Worker::Loop {
 public:
  Loop(Worker& w, VapidKeys keys, domain::PushDirectory directory)
      : worker_(w),
        keys_(std::move(keys)),
        directory_(std::move(directory)),
        batcher_(w.config_.batch_ms, w.config_.batched_max) {}

  Status start_sender() {
    Result<std::unique_ptr<Sender>> s = Sender::create(
        worker_.config_.sender,
        [this](const Delivery& d, Outcome o, int status) { on_outcome(d, o, status); },
        worker_.sender_metrics_);
    if (!s) return Error{s.error()};
    sender_ = std::move(*s);
    return Ok{};
  }

  void take(Item& item, std::int64_t now_ms);
  void send_due(std::int64_t now_ms);
  void wait(std::int64_t now_ms, std::int64_t longest_ms);
  Sender& sender() { return *sender_; }

 private:
  void deliver(const Batched& m, const domain::PushSubscription& sub, std::int64_t now_ms);
  const std::string& authorization(const std::string& origin, std::int64_t now_ms);
  void on_outcome(const Delivery& d, Outcome o, int status);

  Worker& worker_;
  VapidKeys keys_;
  domain::PushDirectory directory_;
  Batcher batcher_;
  std::unique_ptr<Sender> sender_;
  std::map<std::string, std::pair<std::string, std::int64_t>> vapid_;  ///< origin: header, renew
  std::vector<Batched> due_;
};

void Worker::Loop::take(Item& item, std::int64_t now_ms) {
  if (auto* change = std::get_if<domain::Command>(&item)) {
    domain::apply_push(directory_, *change);  // may be gone already (404/410): fine
    worker_.metrics_.subscriptions.set(static_cast<std::int64_t>(directory_.subscription_count()));
    return;
  }
  Note& note = std::get<Note>(item);
  for (Message& m : note.messages) {
    worker_.metrics_.messages[static_cast<int>(note.kind)].inc();
    // Most students have no subscription: their messages end here, so they cost no
    // batch entry and can never crowd out those who subscribed.
    if (directory_.user(m.user) == nullptr) continue;
    const Batcher::Added added = batcher_.add(
        Batched{m.user, note.kind, note.session, std::move(m.payload), note.event_ms}, now_ms);
    if (added == Batcher::Added::Replaced) worker_.metrics_.batched.inc();
    if (added == Batcher::Added::Refused) worker_.metrics_.dropped_batch.inc();
  }
}

void Worker::Loop::send_due(std::int64_t now_ms) {
  due_.clear();
  batcher_.take_due(now_ms, due_);
  for (const Batched& m : due_) {
    const domain::PushDirectory::UserPush* user = directory_.user(m.user);
    if (user == nullptr) continue;  // no subscription, default preferences
    if (!user->preferences.wants(m.kind)) {
      worker_.metrics_.unwanted.inc();
      continue;
    }
    for (const domain::PushSubscription& sub : user->subscriptions) deliver(m, sub, now_ms);
  }
}

void Worker::Loop::deliver(const Batched& m, const domain::PushSubscription& sub,
                           std::int64_t now_ms) {
  // Checked when subscribed (a later version's stricter rules may still refuse an
  // old one: skipped, logged); `allow_private` here only because the sender checks
  // every address again when it connects.
  Result<Endpoint> endpoint = parse_endpoint(sub.endpoint, true);
  std::optional<std::string> key = base64url_decode(sub.p256dh);
  std::optional<std::string> auth = base64url_decode(sub.auth);
  Result<std::string> body = Error{"the stored endpoint or keys no longer pass the checks"};
  if (endpoint && key && auth) body = encrypt(m.payload, *key, *auth);
  if (!body) {
    log::error(
        "push_subscription_unusable",
        {{"subscription", static_cast<unsigned long long>(sub.id)}, {"error", body.error()}});
    return;
  }
  Delivery d;
  d.subscription_id = sub.id;
  d.endpoint = sub.endpoint;
  d.host = endpoint->host;
  d.authorization = authorization(endpoint->origin, now_ms);
  d.topic = topic(m.kind, m.session);
  d.urgency = urgency(m.kind);
  d.ttl_s = worker_.config_.ttl_s;
  d.body = std::move(*body);
  d.event_ms = m.event_ms;
  sender_->submit(std::move(d));
}

const std::string& Worker::Loop::authorization(const std::string& origin, std::int64_t now_ms) {
  auto& [header, renew_ms] = vapid_[origin];
  if (header.empty() || now_ms >= renew_ms) {
    header = keys_.authorization(origin, worker_.config_.contact, now_ms / 1000 + kVapidLifetimeS);
    renew_ms = now_ms + kVapidRenewMs;
  }
  return header;
}

void Worker::Loop::on_outcome(const Delivery& d, Outcome o, int) {
  if (o != Outcome::Gone) return;
  for (const auto& [user, push] : directory_.users()) {
    if (directory_.find(user, d.subscription_id) == nullptr) continue;
    const domain::Unsubscribe gone{user, d.subscription_id, wall_ms()};
    directory_.apply(gone);
    worker_.metrics_.subscriptions.set(static_cast<std::int64_t>(directory_.subscription_count()));
    const std::lock_guard<std::mutex> lock(worker_.inbox_mutex_);
    worker_.gone_.push_back(gone);
    worker_.gone_waiting_.store(true, std::memory_order_release);
    return;
  }
}

void Worker::Loop::wait(std::int64_t now_ms, std::int64_t longest_ms) {
  std::int64_t wait_ms = longest_ms;
  if (const auto due = batcher_.next_due())
    wait_ms = std::clamp<std::int64_t>(*due - now_ms, 0, wait_ms);
  sender_->run_once(wait_ms);
}

Worker::Worker(WorkerConfig config) : config_(std::move(config)) {}

Result<std::unique_ptr<Worker>> Worker::create(WorkerConfig config, VapidKeys keys,
                                               domain::PushDirectory directory) {
  std::unique_ptr<Worker> w(new Worker(std::move(config)));
  w->public_key_ = keys.public_key_b64url();
  w->metrics_.subscriptions.set(static_cast<std::int64_t>(directory.subscription_count()));
  w->loop_ = std::make_unique<Loop>(*w, std::move(keys), std::move(directory));
  if (Status s = w->loop_->start_sender(); !s) return Error{"push: " + s.error()};
  return w;
}

Worker::~Worker() {
  stop();
}

void Worker::start() {
  RC_ASSERT(!thread_.joinable());
  thread_ = std::thread([this] { run(); });
}

void Worker::stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true, std::memory_order_release);
  loop_->sender().wakeup();
  thread_.join();
}

void Worker::changed(domain::Command change) {
  RC_ASSERT(domain::is_push_command(change));
  {
    const std::lock_guard<std::mutex> lock(inbox_mutex_);
    inbox_.emplace_back(std::move(change));
  }
  loop_->sender().wakeup();
}

void Worker::notify(Note note) {
  if (note.messages.empty()) return;
  {
    const std::lock_guard<std::mutex> lock(inbox_mutex_);
    if (inbox_notes_ >= config_.inbox_notes_max) {
      ++inbox_dropped_;
      return;
    }
    ++inbox_notes_;
    inbox_.emplace_back(std::move(note));
    // The worker takes the whole inbox at once: only the first note since it last
    // did needs to wake it, and none while it comes back by itself (worker.hpp).
    if (inbox_.size() > 1 || looking_soon_) return;
    ++inbox_wakeups_;
  }
  loop_->sender().wakeup();
}

std::vector<domain::Unsubscribe> Worker::take_gone() {
  const std::lock_guard<std::mutex> lock(inbox_mutex_);
  gone_waiting_.store(false, std::memory_order_release);
  return std::exchange(gone_, {});
}

void Worker::run() {
  ::pthread_setname_np(::pthread_self(), "rollcall-push");  // for top -H, perf, bench/push.py
  std::vector<Item> items;
  while (!stopping_.load(std::memory_order_acquire)) {
    take_inbox(items);
    const bool busy = !items.empty();
    const std::int64_t now_ms = wall_ms();
    for (Item& item : items) loop_->take(item, now_ms);
    items.clear();
    loop_->send_due(now_ms);
    loop_->wait(wall_ms(), busy ? kBusyLookMs : kIdleWaitMs);
  }
}

void Worker::take_inbox(std::vector<Item>& items) {
  std::uint64_t dropped = 0, wakeups = 0;
  {
    const std::lock_guard<std::mutex> lock(inbox_mutex_);
    items.swap(inbox_);
    inbox_notes_ = 0;
    // Decided under the lock that notify() reads it under: a note that comes after
    // a look that found nothing finds looking_soon_ false and wakes the worker.
    looking_soon_ = !items.empty();
    dropped = std::exchange(inbox_dropped_, 0);
    wakeups = std::exchange(inbox_wakeups_, 0);
  }
  metrics_.dropped_inbox.inc(dropped);
  metrics_.wakeups.inc(wakeups);
}

}  // namespace rollcall::push
