#include "rollcall/api/login_gate.hpp"

#include "rollcall/common/assert.hpp"

namespace rollcall::api {

LoginGate::LoginGate(const LoginLimits& limits)
    : limits_(limits), slots_(std::make_unique<Slot[]>(limits.in_flight_max)) {
  RC_ASSERT(limits.in_flight_max >= 1);
  RC_ASSERT(limits.per_address_max >= 1 && limits.per_username_max >= 1);
  free_.reserve(limits.in_flight_max);
  for (std::uint32_t i = limits.in_flight_max; i > 0; --i) free_.push_back(i - 1);
  per_address_.reserve(limits.in_flight_max);
  per_username_.reserve(limits.in_flight_max);
}

std::uint32_t LoginGate::count_of(const Counts& counts, std::string_view key) {
  const auto it = counts.find(key);
  return it == counts.end() ? 0 : it->second;
}

void LoginGate::decrement(Counts& counts, const std::string& key) {
  const auto it = counts.find(key);
  RC_ASSERT(it != counts.end() && it->second > 0);
  if (--it->second == 0) counts.erase(it);
}

LoginGate::Refusal LoginGate::admit(std::string_view address, std::string_view username,
                                    net::ConnectionHandle connection, Ticket& ticket) {
  if (free_.empty()) return Refusal::QueueFull;
  if (count_of(per_address_, address) >= limits_.per_address_max) return Refusal::AddressBusy;
  if (count_of(per_username_, username) >= limits_.per_username_max) return Refusal::UsernameBusy;
  const std::uint32_t i = free_.back();
  free_.pop_back();
  Slot& s = slots_[i];
  RC_ASSERT(!s.used);
  s.used = true;
  s.gone.store(false, std::memory_order_relaxed);  // published by the job's mailbox post
  s.connection = connection;
  s.address.assign(address);
  s.username.assign(username);
  ++per_address_[s.address];
  ++per_username_[s.username];
  ++in_flight_;
  ticket.slot = i;
  return Refusal::None;
}

void LoginGate::release(Ticket ticket) {
  RC_ASSERT(ticket.slot < limits_.in_flight_max);
  Slot& s = slots_[ticket.slot];
  RC_ASSERT(s.used);
  decrement(per_address_, s.address);
  decrement(per_username_, s.username);
  s.used = false;
  --in_flight_;
  free_.push_back(ticket.slot);
}

std::uint32_t LoginGate::sweep(net::ConnectionTable& connections) {
  if (in_flight_ == 0) return 0;
  std::uint32_t marked = 0;
  for (std::uint32_t i = 0; i < limits_.in_flight_max; ++i) {
    Slot& s = slots_[i];
    if (!s.used || s.gone.load(std::memory_order_relaxed)) continue;
    const net::Connection* c = connections.find(s.connection);
    if (c != nullptr && c->open()) continue;
    s.gone.store(true, std::memory_order_release);
    ++marked;
  }
  return marked;
}

const std::atomic<bool>& LoginGate::gone_flag(Ticket ticket) const {
  RC_ASSERT(ticket.slot < limits_.in_flight_max);
  RC_ASSERT(slots_[ticket.slot].used);
  return slots_[ticket.slot].gone;
}

const std::string& LoginGate::address_of(Ticket ticket) const {
  RC_ASSERT(ticket.slot < limits_.in_flight_max);
  RC_ASSERT(slots_[ticket.slot].used);
  return slots_[ticket.slot].address;
}

}  // namespace rollcall::api
