#include "rollcall/shard/core_choice.hpp"

#include <pthread.h>

namespace rollcall::shard {

std::optional<int> core_for_shard(const cpu_set_t& allowed, unsigned id) {
  const int count = CPU_COUNT(&allowed);
  if (count <= 0) return std::nullopt;
  int wanted = static_cast<int>(id % static_cast<unsigned>(count));
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    if (wanted == 0) return cpu;
    --wanted;
  }
  return std::nullopt;  // unreachable: CPU_COUNT counted `count` set bits
}

bool pin_to_allowed_core(unsigned id) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (pthread_getaffinity_np(pthread_self(), sizeof allowed, &allowed) != 0) return false;
  const std::optional<int> core = core_for_shard(allowed, id);
  if (!core) return false;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(*core, &one);
  return pthread_setaffinity_np(pthread_self(), sizeof one, &one) == 0;
}

}  // namespace rollcall::shard
