#include "rollcall/net/address_admission.hpp"

#include <string_view>
#include <utility>

namespace rollcall::net {

namespace {
constexpr std::uint32_t kBuckets = 1u << 16;  // 256 KiB of counters per process
}  // namespace

AddressAdmission::AddressAdmission(std::uint32_t per_address_max, AddressSet exempt)
    : per_address_max_(per_address_max), exempt_(std::move(exempt)), counts_(kBuckets) {}

std::optional<std::uint32_t> AddressAdmission::admit(int fd) {
  const std::optional<IpAddress> peer = peer_address(fd);
  if (!peer || exempt_.trusts(*peer)) return kNotCounted;
  const std::string_view key(reinterpret_cast<const char*>(peer->bytes.data()), peer->bytes.size());
  return counts_.try_acquire(key, per_address_max_);
}

}  // namespace rollcall::net
