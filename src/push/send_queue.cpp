#include "rollcall/push/send_queue.hpp"

#include <algorithm>

#include "rollcall/common/assert.hpp"

namespace rollcall::push {

SendQueue::SendQueue(Limits limits) : limits_(limits) {
  RC_ASSERT(limits_.deliveries_max > 0);
  RC_ASSERT(limits_.host_in_flight_max > 0);
  RC_ASSERT(limits_.in_flight_max > 0);
}

const SendQueue::Entry& SendQueue::entry(Ticket t) const {
  RC_ASSERT(t < entries_.size());
  RC_ASSERT(entries_[t].state != State::Free);
  return entries_[t];
}

SendQueue::Entry& SendQueue::entry(Ticket t) {
  RC_ASSERT(t < entries_.size());
  RC_ASSERT(entries_[t].state != State::Free);
  return entries_[t];
}

// The host is part of the key so that a replacement always stays in its host's
// FIFO (a subscription's endpoint never changes, but the accounting must not rest
// on that).
std::string SendQueue::key_of(const Delivery& d) {
  return std::to_string(d.subscription_id) + ' ' + d.host + ' ' + d.topic;
}

SendQueue::Ticket SendQueue::allocate() {
  RC_ASSERT(size_ < limits_.deliveries_max);
  ++size_;
  if (!free_.empty()) {
    const Ticket t = free_.back();
    free_.pop_back();
    return t;
  }
  entries_.emplace_back();
  return static_cast<Ticket>(entries_.size() - 1);
}

Delivery SendQueue::release(Ticket t) {
  RC_ASSERT(size_ > 0);
  forget_key(t);
  Delivery out = std::move(entries_[t].delivery);
  entries_[t] = Entry{};  // frees the delivery's strings now, not when reused
  free_.push_back(t);
  --size_;
  return out;
}

void SendQueue::forget_key(Ticket t) {
  const Entry& e = entries_[t];
  if (e.delivery.topic.empty()) return;
  const auto it = newest_.find(key_of(e.delivery));
  if (it != newest_.end() && it->second == t) newest_.erase(it);
}

SendQueue::Host& SendQueue::host(const std::string& name) {
  Host& h = hosts_[name];
  if (h.name.empty()) h.name = name;
  return h;
}

void SendQueue::push_ready(Ticket t) {
  Entry& e = entries_[t];
  e.state = State::Ready;
  Host& h = host(e.delivery.host);
  if (h.ready.empty()) rotation_.push_back(&h);
  h.ready.push_back(t);
}

void SendQueue::drop_idle_host(Host& h) {
  if (!h.ready.empty() || h.in_flight != 0) return;
  hosts_.erase(h.name);  // not in rotation_: its FIFO is empty
}

SendQueue::Admitted SendQueue::admit(Delivery d, std::int64_t expires_ms) {
  RC_ASSERT(!d.host.empty());
  if (!d.topic.empty()) {
    const auto it = newest_.find(key_of(d));
    if (it != newest_.end() && entries_[it->second].state != State::InFlight) {
      Entry& e = entries_[it->second];
      Admitted out{Admission::Replaced, std::move(e.delivery)};
      e.delivery = std::move(d);
      e.expires_ms = expires_ms;
      return out;
    }
  }
  if (size_ >= limits_.deliveries_max) return {Admission::Full, {}};
  const Ticket t = allocate();
  Entry& e = entries_[t];
  e.delivery = std::move(d);
  e.expires_ms = expires_ms;
  e.attempts = 0;
  if (!e.delivery.topic.empty()) newest_[key_of(e.delivery)] = t;
  push_ready(t);
  return {Admission::Accepted, {}};
}

std::optional<SendQueue::Ticket> SendQueue::start_next() {
  if (in_flight_ >= limits_.in_flight_max) return std::nullopt;
  for (std::size_t turns = rotation_.size(); turns > 0; --turns) {
    Host* h = rotation_.front();
    rotation_.pop_front();
    RC_ASSERT(!h->ready.empty());
    if (h->in_flight >= limits_.host_in_flight_max) {
      rotation_.push_back(h);  // keeps its turn order; its FIFO waits for room
      continue;
    }
    const Ticket t = h->ready.front();
    h->ready.pop_front();
    if (!h->ready.empty()) rotation_.push_back(h);
    ++h->in_flight;
    ++in_flight_;
    Entry& e = entry(t);
    RC_ASSERT(e.state == State::Ready);
    e.state = State::InFlight;
    ++e.attempts;
    return t;
  }
  return std::nullopt;
}

Delivery SendQueue::finish(Ticket t) {
  Entry& e = entry(t);
  RC_ASSERT(e.state == State::InFlight);
  const auto it = hosts_.find(e.delivery.host);
  RC_ASSERT(it != hosts_.end());
  RC_ASSERT(it->second.in_flight > 0);
  --it->second.in_flight;
  --in_flight_;
  drop_idle_host(it->second);
  return release(t);
}

std::optional<Delivery> SendQueue::wait_for_retry(Ticket t, std::int64_t due_ms) {
  Entry& e = entry(t);
  RC_ASSERT(e.state == State::InFlight);
  if (!e.delivery.topic.empty()) {
    const auto it = newest_.find(key_of(e.delivery));
    if (it != newest_.end() && it->second != t) return finish(t);  // a newer one carries it
  }
  Host& h = hosts_.at(e.delivery.host);
  RC_ASSERT(h.in_flight > 0);
  --h.in_flight;
  --in_flight_;
  drop_idle_host(h);
  e.state = State::Waiting;
  e.due_ms = due_ms;
  waiting_.emplace(due_ms, t);
  return std::nullopt;
}

void SendQueue::promote_due(std::int64_t now_ms) {
  while (!waiting_.empty() && waiting_.begin()->first <= now_ms) {
    const Ticket t = waiting_.begin()->second;
    waiting_.erase(waiting_.begin());
    RC_ASSERT(entry(t).state == State::Waiting);
    push_ready(t);
  }
}

std::optional<std::int64_t> SendQueue::next_due_ms() const {
  if (waiting_.empty()) return std::nullopt;
  return waiting_.begin()->first;
}

void SendQueue::drop_expired_ready(std::int64_t now_ms, std::vector<Delivery>& out) {
  for (auto it = hosts_.begin(); it != hosts_.end();) {
    Host& h = it->second;
    const auto expired = [&](Ticket t) { return entries_[t].expires_ms <= now_ms; };
    for (Ticket t : h.ready) {
      if (!expired(t)) continue;
      out.push_back(release(t));
    }
    std::erase_if(h.ready, [&](Ticket t) { return entries_[t].state == State::Free; });
    if (h.ready.empty()) std::erase(rotation_, &h);
    const bool idle = h.ready.empty() && h.in_flight == 0;
    it = idle ? hosts_.erase(it) : std::next(it);
  }
}

void SendQueue::take_expired(std::int64_t now_ms, std::vector<Delivery>& out) {
  drop_expired_ready(now_ms, out);
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    const Ticket t = it->second;
    if (entries_[t].expires_ms > now_ms) {
      ++it;
      continue;
    }
    it = waiting_.erase(it);
    out.push_back(release(t));
  }
}

unsigned SendQueue::host_in_flight(std::string_view name) const {
  const auto it = hosts_.find(std::string(name));
  return it == hosts_.end() ? 0 : it->second.in_flight;
}

}  // namespace rollcall::push
