#pragma once
/// The per-address connection cap (`--max-connections-per-ip`): how many open
/// connections one client address may hold in the whole process, counted across
/// shards (common/shared_counts.hpp). Addresses in `exempt` (the trusted reverse
/// proxies, through which every client comes) are not counted. A connection over
/// the cap is closed at once by the shard that accepted it, and counted. The
/// address is the TCP peer's, or with `--proxy-protocol` the client a trusted
/// proxy's PROXY header names (shard/proxy_intake.hpp), admitted once it is read.

#include <cstdint>
#include <optional>

#include "rollcall/common/shared_counts.hpp"
#include "rollcall/net/ip_address.hpp"

namespace rollcall::net {

class AddressAdmission {
 public:
  /// What an admitted connection holds: a counter, or nothing (exempt, or no IP peer).
  static constexpr std::uint32_t kNotCounted = 0xFFFFFFFFu;

  /// `exempt` must outlive this (it is the one parse of `--trusted-proxy`, shared).
  AddressAdmission(std::uint32_t per_address_max, const AddressSet& exempt);

  /// For a new connection from `client`: what it holds until `release`, or nullopt
  /// when that address already holds `per_address_max` connections.
  std::optional<std::uint32_t> admit(const IpAddress& client);
  void release(std::uint32_t held) {
    if (held != kNotCounted) counts_.release(held);
  }
  std::uint32_t per_address_max() const { return per_address_max_; }

 private:
  std::uint32_t per_address_max_;
  const AddressSet& exempt_;
  SharedCounts counts_;
};

}  // namespace rollcall::net
