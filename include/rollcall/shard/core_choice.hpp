#pragma once
/// Which core a connection shard pins itself to: the (id % n)-th of the n cores the
/// process may run on (its affinity mask: `taskset`, systemd's `CPUAffinity=`, a
/// cgroup cpuset), never a core outside them. Counting online cores instead once
/// moved shard 1 of a server started with `taskset -c 0` onto core 1, beside the
/// work its operator had put there.

#include <sched.h>

#include <optional>

namespace rollcall::shard {

/// The core for shard `id` within `allowed`; none when the set is empty.
std::optional<int> core_for_shard(const cpu_set_t& allowed, unsigned id);

/// Pins the calling thread to `core_for_shard(its own affinity mask, id)`. A thread
/// inherits its creator's mask, so this is the process's set. Pinning is an
/// optimisation: false (and nothing changed) when the mask cannot be read or set.
bool pin_to_allowed_core(unsigned id);

}  // namespace rollcall::shard
