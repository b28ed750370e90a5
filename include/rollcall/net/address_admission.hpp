#pragma once
/// The per-address connection cap (`--max-connections-per-ip`): how many open
/// connections one client address may hold in the whole process, counted across
/// shards (common/shared_counts.hpp). Addresses in `exempt` (the trusted reverse
/// proxies, through which every client comes) are not counted. A connection over
/// the cap is closed at once by the shard that accepted it, and counted.

#include <cstdint>
#include <optional>

#include "rollcall/common/shared_counts.hpp"
#include "rollcall/net/ip_address.hpp"

namespace rollcall::net {

class AddressAdmission {
 public:
  /// What an admitted connection holds: a counter, or nothing (exempt, or no IP peer).
  static constexpr std::uint32_t kNotCounted = 0xFFFFFFFFu;

  AddressAdmission(std::uint32_t per_address_max, AddressSet exempt);

  /// For a newly accepted socket: what it holds until `release`, or nullopt when
  /// its address already holds `per_address_max` connections.
  std::optional<std::uint32_t> admit(int fd);
  void release(std::uint32_t held) {
    if (held != kNotCounted) counts_.release(held);
  }
  std::uint32_t per_address_max() const { return per_address_max_; }

 private:
  std::uint32_t per_address_max_;
  AddressSet exempt_;
  SharedCounts counts_;
};

}  // namespace rollcall::net
