#pragma once
/// `POST /api/v1/auth/login`. Argon2id costs tens of milliseconds, so passwords are
/// checked on the auxiliary auth shard (its own thread, no connections): the
/// connection shards never block on it. Unknown users cost as much as known ones.

#include <cstdint>

#include "rollcall/api/reply.hpp"
#include "rollcall/api/services.hpp"
#include "rollcall/api/shard_api.hpp"
#include "rollcall/auth/attempt_limiter.hpp"
#include "rollcall/shard/shard.hpp"

namespace rollcall::api {

/// Failed logins: 5 per username per 10 minutes, at most 100,000 usernames held.
inline constexpr std::uint32_t kFailedLoginsMax = 5;
inline constexpr std::int64_t kFailedLoginsWindowMs = 10 * 60 * 1000;
inline constexpr std::size_t kFailedLoginKeysMax = 100'000;

/// The auth shard's state.
class AuthWorker {
 public:
  AuthWorker(shard::Shard& shard, const Services& services) : shard_(shard), services_(services) {}
  shard::Shard& shard() { return shard_; }
  const Services& services() const { return services_; }
  auth::AttemptLimiter& failed_logins() { return failed_logins_; }

 private:
  shard::Shard& shard_;
  const Services& services_;
  auth::AttemptLimiter failed_logins_{kFailedLoginsMax, kFailedLoginsWindowMs, kFailedLoginKeysMax};
};

/// Handles a login on the accepting shard: parses it, looks the user up, and hands
/// the password check to the auth shard (`503 overloaded` when its queue is full).
Answer login(ShardApi& api, http::Exchange& ex);

}  // namespace rollcall::api
