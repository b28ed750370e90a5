#include "rollcall/shard/proxy_intake.hpp"

#include <string>

#include "rollcall/common/assert.hpp"
#include "rollcall/common/log.hpp"

namespace rollcall::shard {

using net::Connection;
using net::Reactor;

namespace {

constexpr std::uint64_t kLogIntervalMs = 1000;

ProxyRefusal refusal_of(net::ProxyHeaderError error) {
  // ProxyRefusal starts with the parser's reasons, in their order.
  static_assert(static_cast<int>(ProxyRefusal::NotProxy) ==
                static_cast<int>(net::ProxyHeaderError::NotProxy));
  static_assert(static_cast<int>(ProxyRefusal::Unsupported) ==
                static_cast<int>(net::ProxyHeaderError::Unsupported));
  static_assert(static_cast<std::size_t>(ProxyRefusal::Truncated) == net::kProxyHeaderErrorCount);
  return static_cast<ProxyRefusal>(error);
}

}  // namespace

std::string_view reason_of(ProxyRefusal why) {
  switch (why) {
    case ProxyRefusal::Truncated: return "truncated";
    case ProxyRefusal::Timeout: return "timeout";
    default: {
      const auto i = static_cast<std::size_t>(why);
      RC_ASSERT(i < net::kProxyHeaderErrorCount);
      return net::reason_of(static_cast<net::ProxyHeaderError>(i));
    }
  }
}

void ProxyIntakeMetrics::describe(metrics::Sink& s) const {
  s.family("rollcall_proxy_protocol_headers_total",
           "PROXY protocol headers accepted from trusted proxies (--proxy-protocol), by version.")
      .add(headers[0], {"version", "1"})
      .add(headers[1], {"version", "2"});
  metrics::Family by_reason = s.family(
      "rollcall_proxy_protocol_errors_total",
      "Connections from trusted proxies closed for their PROXY header (--proxy-protocol): "
      "other bytes first (not_proxy), too_long, malformed, bad_address, bad_port, unsupported "
      "(v2 version, command, family or protocol), closed part-way (truncated), or not whole "
      "within --header-timeout-ms (timeout).");
  for (std::size_t k = 0; k < kProxyRefusalCount; ++k) {
    by_reason.add(refused[k], {"reason", reason_of(static_cast<ProxyRefusal>(k))});
  }
}

ProxyIntake::ProxyIntake(net::ConnectionHandler& next, const ProxyIntakeConfig& config,
                         metrics::Counter& refused_per_address, metrics::Registry& registry,
                         std::uint32_t slots)
    : next_(next), config_(config), refused_per_address_(refused_per_address), slots_(slots) {
  RC_ASSERT(config_.header_timeout_ms > 0);
  registry.add(metrics_);
}

void ProxyIntake::on_open(Reactor& r, Connection& c) {
  RC_ASSERT(c.index < slots_.size());
  Slot& s = slots_[c.index];
  s = Slot{};
  c.client_from_proxy_header = false;
  if (config_.senders == nullptr || !c.client || !config_.senders->trusts(*c.client)) {
    s.opened = true;
    next_.on_open(r, c);
    return;
  }
  s.awaiting = true;
  r.set_deadline(c, r.now_ms() + config_.header_timeout_ms);
}

void ProxyIntake::on_data(Reactor& r, Connection& c, char* data, std::size_t len) {
  Slot& s = slots_[c.index];
  if (!s.awaiting) return next_.on_data(r, c, data, len);
  read_header(r, c, s, data, len);
}

void ProxyIntake::read_header(Reactor& r, Connection& c, Slot& s, char* data, std::size_t len) {
  // The parser is pure: it reads everything received so far each time. What is
  // kept is bounded because it decides (Parsed or Error) by kProxyHeaderBytesMax.
  std::string_view seen(data, len);
  if (!c.in.empty()) {
    RC_ASSERT(c.in.size() < net::kProxyHeaderBytesMax);
    c.in.append(data, len);
    seen = c.in;
  }
  const net::ProxyHeader h = net::parse_proxy_header(seen);
  switch (h.status) {
    case net::ProxyHeader::Status::NeedMore:
      RC_ASSERT(seen.size() < net::kProxyHeaderBytesMax);
      if (c.in.empty()) c.in.assign(data, len);
      return;
    case net::ProxyHeader::Status::Error: return refuse(r, c, refusal_of(h.error));
    case net::ProxyHeader::Status::Parsed: break;
  }
  RC_ASSERT(h.consumed > 0 && h.consumed <= seen.size());
  accept_header(r, c, s, h);
  if (!c.open()) return;  // over the per-address cap
  // What followed the header is the protocol's first input.
  if (c.in.empty()) {
    if (h.consumed < len) next_.on_data(r, c, data + h.consumed, len - h.consumed);
    return;
  }
  std::string rest;
  rest.swap(c.in);
  rest.erase(0, h.consumed);
  if (!rest.empty()) next_.on_data(r, c, rest.data(), rest.size());
}

void ProxyIntake::accept_header(Reactor& r, Connection& c, Slot& s, const net::ProxyHeader& h) {
  RC_ASSERT(h.version == 1 || h.version == 2);
  s.awaiting = false;
  r.clear_deadline(c);
  metrics_.headers[h.version - 1].inc();
  c.client_from_proxy_header = true;
  if (h.source) {
    c.client = h.source;
    if (!admit(r, c, s)) return;
  }
  s.opened = true;
  next_.on_open(r, c);
}

bool ProxyIntake::admit(Reactor& r, Connection& c, Slot& s) {
  if (config_.per_address == nullptr) return true;
  RC_ASSERT(c.client.has_value());
  const std::optional<std::uint32_t> held = config_.per_address->admit(*c.client);
  if (held) {
    s.held = *held;
    return true;
  }
  refused_per_address_.inc();
  ++cap_refusals_since_log_;
  if (r.now_ms() - last_cap_log_ms_ >= kLogIntervalMs) {
    last_cap_log_ms_ = r.now_ms();
    log::warn("connection_refused", {{"shard", config_.shard_id},
                                     {"reason", "max_connections_per_ip"},
                                     {"limit", config_.per_address->per_address_max()},
                                     {"client", format_ip(*c.client)},
                                     {"via", "proxy_protocol"},
                                     {"refused_since_last_line", cap_refusals_since_log_}});
    cap_refusals_since_log_ = 0;
  }
  r.close(c, net::CloseMode::Abort);
  return false;
}

void ProxyIntake::refuse(Reactor& r, Connection& c, ProxyRefusal why) {
  metrics_.refused[static_cast<std::size_t>(why)].inc();
  ++refusals_since_log_;
  if (r.now_ms() - last_refusal_log_ms_ >= kLogIntervalMs) {
    last_refusal_log_ms_ = r.now_ms();
    const std::string peer = c.client ? format_ip(*c.client) : std::string("unknown");
    log::warn("proxy_header_refused", {{"shard", config_.shard_id},
                                       {"reason", reason_of(why)},
                                       {"peer", peer},
                                       {"bytes", static_cast<unsigned long>(c.in.size())},
                                       {"refused_since_last_line", refusals_since_log_}});
    refusals_since_log_ = 0;
  }
  r.close(c, net::CloseMode::Abort);
}

void ProxyIntake::on_peer_closed(Reactor& r, Connection& c) {
  if (slots_[c.index].awaiting) {
    // Closed before a whole header: an error if part of one came (a proxy that
    // connected and left without a byte said nothing wrong).
    if (!c.in.empty()) return refuse(r, c, ProxyRefusal::Truncated);
    return r.close(c, net::CloseMode::Abort);
  }
  next_.on_peer_closed(r, c);
}

void ProxyIntake::on_drained(Reactor& r, Connection& c) {
  if (slots_[c.index].opened) next_.on_drained(r, c);
}

void ProxyIntake::on_deadline(Reactor& r, Connection& c) {
  if (slots_[c.index].awaiting) return refuse(r, c, ProxyRefusal::Timeout);
  next_.on_deadline(r, c);
}

void ProxyIntake::on_closed(Connection& c) {
  Slot& s = slots_[c.index];
  if (config_.per_address != nullptr) config_.per_address->release(s.held);
  const bool opened = s.opened;
  s = Slot{};
  if (opened) next_.on_closed(c);
}

void ProxyIntake::on_shutdown(Reactor& r, Connection& c) {
  if (slots_[c.index].awaiting) return r.close(c, net::CloseMode::Abort);
  next_.on_shutdown(r, c);
}

}  // namespace rollcall::shard
