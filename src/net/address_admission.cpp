#include "rollcall/net/address_admission.hpp"

#include <string_view>

namespace rollcall::net {

namespace {
constexpr std::uint32_t kBuckets = 1u << 16;  // 256 KiB of counters per process
}  // namespace

AddressAdmission::AddressAdmission(std::uint32_t per_address_max, const AddressSet& exempt)
    : per_address_max_(per_address_max), exempt_(exempt), counts_(kBuckets) {}

std::optional<std::uint32_t> AddressAdmission::admit(const IpAddress& client) {
  if (exempt_.trusts(client)) return kNotCounted;
  const std::string_view key(reinterpret_cast<const char*>(client.bytes.data()),
                             client.bytes.size());
  return counts_.try_acquire(key, per_address_max_);
}

}  // namespace rollcall::net
