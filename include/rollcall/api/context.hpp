#pragma once
/// What the REST handlers run on: the process-wide services (immutable after start)
/// and each shard's own state (its roster snapshot, the classes it owns, its JSON
/// parser). A shard's state is touched only by that shard's thread.

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "rollcall/auth/attempt_limiter.hpp"
#include "rollcall/auth/jwt.hpp"
#include "rollcall/auth/qr_token.hpp"
#include "rollcall/api/request.hpp"
#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/roster.hpp"
#include "rollcall/http/server.hpp"
#include "rollcall/shard/shard.hpp"

namespace rollcall::api {

class RosterStore;

/// Shared by every shard, read-only once the runtime starts.
struct Services {
  Services(const auth::Key& jwt_key, const auth::Key& qr_key) : jwt(jwt_key), qr(qr_key) {}
  auth::JwtCodec jwt;
  auth::QrCodec qr;
  std::int64_t token_ttl_s = 3600;
  std::int64_t qr_rotation_s = 15;
  std::string public_url;        ///< base of check_in_url; empty: from the Host header
  unsigned data_shards = 1;      ///< shards owning classes (0..data_shards-1)
  unsigned auth_shard = 0;       ///< the shard that verifies passwords (auxiliary)
  RosterStore* roster_store = nullptr;  ///< used by shard 0 (the roster owner) only
};

/// The shard that owns class `c`: a mixed hash of its id modulo the shard count.
unsigned owner_of(domain::ClassId c, unsigned shards);
/// The shard that owns the roster (joins, roster persistence).
inline constexpr unsigned kRosterOwner = 0;

/// One shard's state. Created before the runtime starts, used only on its shard.
struct ShardState {
  shard::Shard* shard = nullptr;
  http::Server* http = nullptr;
  const Services* services = nullptr;
  std::shared_ptr<const domain::Roster> roster;
  std::unordered_map<domain::ClassId, domain::ClassAttendance> classes;  ///< owned, made on first use
  /// Wrong verification codes: 5 per (session, student) per 10 minutes.
  auth::IdPairAttemptLimiter wrong_codes{5, 10 * 60 * 1000, 100000};
  /// Failed logins per username (auth shard only): 5 per 10 minutes.
  auth::AttemptLimiter failed_logins{5, 10 * 60 * 1000, 100'000};
  JsonScratch json;

  /// The class's attendance state; the class must be owned by this shard.
  domain::ClassAttendance& attendance(domain::ClassId c);

  static ShardState& of(shard::Shard& s) { return *static_cast<ShardState*>(s.context()); }
};

}  // namespace rollcall::api
