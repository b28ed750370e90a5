#pragma once
/// `--proxy-protocol`: the PROXY header (net/proxy_header.hpp) that a trusted
/// reverse proxy sends first on each connection, read before the protocol (HTTP)
/// sees a byte.
///
/// `ProxyIntake` stands between a shard's loop and its protocol handler. A
/// connection whose TCP peer is not a trusted proxy goes straight on: its bytes are
/// never read as a PROXY header. One from a trusted proxy must first send a whole,
/// valid header within `header_timeout_ms` of its accept; until then the protocol
/// knows nothing of it (no on_open). Then:
///   - a header naming a client (v1 TCP4/TCP6, v2 PROXY over TCP) makes that address
///     the connection's client (`Connection::client`) for every per-client limit:
///     the per-address connection cap counts it now (over the cap: closed at once,
///     counted as any refusal of the cap), and sign-in fairness keys on it;
///   - a header naming none (v1 UNKNOWN, v2 LOCAL: the proxy's own health checks)
///     leaves the proxy's address, exempt from the cap as before;
///   - either way `Connection::client_from_proxy_header` is set: X-Forwarded-For on
///     that connection is not believed (the header is the truth);
///   - the bytes after the header are the protocol's first bytes.
/// A header that is missing (other bytes first), malformed, too long, cut short by
/// the peer's close, or late closes the connection at once (nothing is answered:
/// the framing is unknown), counted by reason and logged at most once a second.
///
/// Bounds: at most kProxyHeaderBytesMax bytes are kept for a header (the parser
/// decides by then) plus the one read that completed it; a peer sending one byte at
/// a time costs one parse of at most 107 bytes per byte, and the timeout ends it.

#include <cstdint>
#include <string_view>
#include <vector>

#include "rollcall/metrics/metrics.hpp"
#include "rollcall/net/address_admission.hpp"
#include "rollcall/net/handler.hpp"
#include "rollcall/net/ip_address.hpp"
#include "rollcall/net/proxy_header.hpp"

namespace rollcall::shard {

/// Why a trusted proxy's connection was closed: the parser's reasons, then ours.
enum class ProxyRefusal : std::uint8_t {
  // net::ProxyHeaderError, in its order
  NotProxy,
  TooLong,
  Malformed,
  BadAddress,
  BadPort,
  Unsupported,
  // the intake's own
  Truncated,  ///< the peer closed with part of a header sent
  Timeout,    ///< no whole header within the timeout
};
inline constexpr std::size_t kProxyRefusalCount = net::kProxyHeaderErrorCount + 2;

/// The metric label of `why`.
std::string_view reason_of(ProxyRefusal why);

struct alignas(64) ProxyIntakeMetrics {
  metrics::Counter headers[2];                   ///< accepted, by version (v1, v2)
  metrics::Counter refused[kProxyRefusalCount];  ///< connections closed, by ProxyRefusal

  void describe(metrics::Sink& s) const;
};

struct ProxyIntakeConfig {
  /// The peers that must send a PROXY header: `--trusted-proxy` when
  /// `--proxy-protocol` is on; null: none (every connection goes straight on).
  const net::AddressSet* senders = nullptr;
  /// The per-address connection cap, which counts a named client; null: none.
  net::AddressAdmission* per_address = nullptr;
  std::uint32_t header_timeout_ms = 10000;  ///< the whole header within this of the accept
  unsigned shard_id = 0;                    ///< for log lines
};

class ProxyIntake final : public net::ConnectionHandler {
 public:
  /// Hands connections on to `next`. `refused_per_address` counts clients over the
  /// per-address cap (the shard's own counter of that refusal). Adds its metrics
  /// to `registry`; `slots` is the shard's connection capacity.
  ProxyIntake(net::ConnectionHandler& next, const ProxyIntakeConfig& config,
              metrics::Counter& refused_per_address, metrics::Registry& registry,
              std::uint32_t slots);

  const ProxyIntakeMetrics& metrics() const { return metrics_; }

  // net::ConnectionHandler
  void on_open(net::Reactor& r, net::Connection& c) override;
  void on_data(net::Reactor& r, net::Connection& c, char* data, std::size_t len) override;
  void on_peer_closed(net::Reactor& r, net::Connection& c) override;
  void on_drained(net::Reactor& r, net::Connection& c) override;
  void on_deadline(net::Reactor& r, net::Connection& c) override;
  void on_closed(net::Connection& c) override;
  void on_shutdown(net::Reactor& r, net::Connection& c) override;

 private:
  struct Slot {
    bool awaiting = false;  ///< a trusted peer's connection, its header not yet whole
    bool opened = false;    ///< `next_` has seen on_open (and so must see on_closed)
    std::uint32_t held = net::AddressAdmission::kNotCounted;  ///< the named client's place
  };

  void read_header(net::Reactor& r, net::Connection& c, Slot& s, char* data, std::size_t len);
  /// The header was whole and valid: settle the client, admit it, open the protocol.
  void accept_header(net::Reactor& r, net::Connection& c, Slot& s, const net::ProxyHeader& h);
  /// Counts the named client against the per-address cap; false (closed) when over.
  bool admit(net::Reactor& r, net::Connection& c, Slot& s);
  void refuse(net::Reactor& r, net::Connection& c, ProxyRefusal why);

  net::ConnectionHandler& next_;
  ProxyIntakeConfig config_;
  metrics::Counter& refused_per_address_;
  ProxyIntakeMetrics metrics_;
  std::vector<Slot> slots_;
  std::uint64_t last_refusal_log_ms_ = 0;
  std::uint64_t refusals_since_log_ = 0;
  std::uint64_t last_cap_log_ms_ = 0;
  std::uint64_t cap_refusals_since_log_ = 0;
};

}  // namespace rollcall::shard
