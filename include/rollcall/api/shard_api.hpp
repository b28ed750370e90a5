#pragma once
/// One data shard as the API uses it: its state of record (owner/owner.hpp), its
/// live feeds and WebSocket endpoint (live/), its HTTP server, and the directory
/// that leads to every other shard's. Handlers run with the accepting shard's; a
/// job sent to a class's owner runs with the owner's (found by shard id).

#include <vector>

#include "rollcall/api/join_metrics.hpp"
#include "rollcall/api/login_gate.hpp"
#include "rollcall/api/login_metrics.hpp"
#include "rollcall/api/push_notes.hpp"
#include "rollcall/api/services.hpp"
#include "rollcall/api/sync_metrics.hpp"
#include "rollcall/auth/attempt_limiter.hpp"
#include "rollcall/http/server.hpp"
#include "rollcall/live/endpoint.hpp"
#include "rollcall/live/feed.hpp"
#include "rollcall/owner/owner.hpp"
#include "rollcall/wire/json_reader.hpp"

namespace rollcall::api {

class AuthWorker;

/// Wrong join codes: 5 per student per 10 minutes (like wrong verification codes),
/// then `429 too_many_attempts`; at most 100,000 students held.
inline constexpr std::uint32_t kWrongJoinCodesMax = 5;
inline constexpr std::int64_t kWrongJoinCodesWindowMs = 10 * 60 * 1000;
inline constexpr std::size_t kWrongJoinCodeKeysMax = 100'000;
struct ShardApi;

/// Every shard the API reaches, by shard id. Filled before the shards run.
struct Directory {
  std::vector<ShardApi*> shards;  ///< data shards
  AuthWorker* auth = nullptr;     ///< the auxiliary shard that verifies passwords

  ShardApi& at(unsigned shard) const;
};

struct ShardApi {
  ShardApi(const Services& services, const Directory& directory, owner::Owner& owner,
           live::Feeds& feeds, live::Endpoint& live)
      : services(services),
        directory(directory),
        owner(owner),
        feeds(feeds),
        live(live),
        login_gate(services.login_limits) {
    shard().registry().add(sync_metrics);  // before the shard runs
    shard().registry().add(login_metrics);
    shard().registry().add(join_metrics);
  }
  ShardApi(const ShardApi&) = delete;
  ShardApi& operator=(const ShardApi&) = delete;

  shard::Shard& shard() { return owner.shard(); }
  const domain::Roster& roster() const { return owner.roster(); }

  const Services& services;
  const Directory& directory;
  owner::Owner& owner;
  live::Feeds& feeds;
  live::Endpoint& live;
  http::Server* http = nullptr;  ///< set once the server exists (it needs the routes)
  wire::JsonScratch json;
  SyncMetrics sync_metrics;
  LoginGate login_gate;  ///< this shard's logins waiting for the auth shard
  LoginMetrics login_metrics;
  /// Wrong join codes per student (key: student id, 0); used on the roster owner only.
  auth::IdPairAttemptLimiter wrong_join_codes{kWrongJoinCodesMax, kWrongJoinCodesWindowMs,
                                              kWrongJoinCodeKeysMax};
  JoinMetrics join_metrics;
  DigestSchedule push_digests;  ///< this shard's classes' missing_digest times
};

}  // namespace rollcall::api
