#pragma once
/// What every shard's API handlers share: codecs and settings, read-only once the
/// shards run.

#include <cstdint>
#include <string>

#include "rollcall/api/login_gate.hpp"
#include "rollcall/auth/jwt.hpp"
#include "rollcall/auth/qr_token.hpp"
#include "rollcall/auth/secret.hpp"
#include "rollcall/common/time_zone.hpp"
#include "rollcall/net/ip_address.hpp"

namespace rollcall::push {
class Worker;
}

namespace rollcall::api {

struct Services {
  static constexpr std::int64_t kQrRotationSDefault = 15;
  static constexpr std::int64_t kSyncClockSkewSDefault = 120;
  static constexpr std::int64_t kSyncMaxOfflineSDefault = 86400;  ///< API.md §6: a day

  /// `trusted_proxies` must outlive this (the one parse of `--trusted-proxy`).
  Services(const auth::Key& jwt_key, const auth::Key& qr_key,
           const net::AddressSet& trusted_proxy_set)
      : jwt(jwt_key), qr(qr_key), trusted_proxies(trusted_proxy_set) {}
  auth::JwtCodec jwt;
  auth::QrCodec qr;
  std::int64_t token_ttl_s = 3600;
  std::int64_t qr_rotation_s = kQrRotationSDefault;  ///< `--qr-rotation-s`
  std::string public_url;    ///< base of check_in_url; empty: the Host header
  TimeZone time_zone;        ///< `--timezone`: dates and "today" (installed before start)
  unsigned data_shards = 1;  ///< shards owning classes (0..data_shards-1)
  unsigned auth_shard = 0;   ///< the shard that verifies passwords
  std::int64_t sync_clock_skew_ms = kSyncClockSkewSDefault * 1000;  ///< `--sync-clock-skew-s`
  /// `--trusted-proxy`: whose X-Forwarded-For counts (or PROXY header, with
  /// --proxy-protocol); the same set the per-address cap exempts.
  const net::AddressSet& trusted_proxies;
  LoginLimits login_limits;  ///< sign-in admission, per accepting shard
  /// `--sync-max-offline-s`: an op's client_time at most this long before its arrival.
  std::int64_t sync_max_offline_ms = kSyncMaxOfflineSDefault * 1000;
  // Web Push (API.md §8).
  std::string vapid_public_key;         ///< base64url, what GET /push/vapid-public-key answers
  bool push_allow_private = false;      ///< `--push-allow-private`
  push::Worker* push_worker = nullptr;  ///< thread-safe; null: nothing is sent (tests)
};

}  // namespace rollcall::api
