#include "rollcall/api/context.hpp"

namespace rollcall::api {

unsigned owner_of(domain::ClassId c, unsigned shards) {
  // splitmix64 finaliser: consecutive class ids spread evenly over shards.
  std::uint64_t x = c.value + 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  x ^= x >> 31;
  return static_cast<unsigned>(x % shards);
}

domain::ClassAttendance& ShardState::attendance(domain::ClassId c) {
  RC_ASSERT(owner_of(c, services->data_shards) == shard->id());
  auto it = classes.find(c);
  if (it == classes.end()) it = classes.emplace(c, domain::ClassAttendance(c)).first;
  return it->second;
}

}  // namespace rollcall::api
