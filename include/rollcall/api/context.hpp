#pragma once
/// What the REST handlers run on: the process-wide services (immutable after start)
/// and each shard's own state (its roster snapshot, the classes it owns, its JSON
/// parser). A shard's state is touched only by that shard's thread.

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "rollcall/api/feed.hpp"
#include "rollcall/api/request.hpp"
#include "rollcall/auth/attempt_limiter.hpp"
#include "rollcall/auth/jwt.hpp"
#include "rollcall/auth/qr_token.hpp"
#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/roster.hpp"
#include "rollcall/http/server.hpp"
#include "rollcall/shard/shard.hpp"
#include "rollcall/wal/log_writer.hpp"

namespace rollcall::api {

/// Shared by every shard, read-only once the runtime starts.
struct Services {
  Services(const auth::Key& jwt_key, const auth::Key& qr_key) : jwt(jwt_key), qr(qr_key) {}
  auth::JwtCodec jwt;
  auth::QrCodec qr;
  std::int64_t token_ttl_s = 3600;
  std::int64_t qr_rotation_s = 15;
  std::string public_url;    ///< base of check_in_url; empty: from the Host header
  unsigned data_shards = 1;  ///< shards owning classes (0..data_shards-1)
  unsigned auth_shard = 0;   ///< the shard that verifies passwords (auxiliary)
  std::uint64_t snapshot_after_bytes = 64ull << 20;  ///< log growth that triggers a snapshot
  std::int64_t sync_clock_skew_ms =
      120'000;  ///< `--sync-clock-skew-s`: how far ahead client_time may be
  const LiveConfig* live = nullptr;
};

struct ShardState;
class LiveEndpoint;

/// Connects a shard's LogWriter to its ring: batches become linked write+fdatasync
/// SQEs, their completions come back here.
class ShardLog final : public wal::LogIo, public shard::LogCompletions {
 public:
  ShardLog(shard::Shard& shard, wal::LogWriter& writer) : shard_(shard), writer_(writer) {}
  void write_and_sync(int fd, std::uint64_t offset, std::string_view data) override;
  void on_log_write(int result) override { writer_.on_write(result); }
  void on_log_sync(int result) override;
  /// Hands the turn's batch to the ring (and counts a failure if that failed).
  void flush();

 private:
  shard::Shard& shard_;
  wal::LogWriter& writer_;
  std::uint64_t batch_started_ns_ = 0;
  bool batch_open_ = false;
  wal::LogWriterStats seen_;  ///< writer stats already turned into metrics
  bool failure_counted_ = false;
  void note_health();
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
  std::shared_ptr<const domain::Roster> roster;  ///< durable roster, as this shard sees it
  /// Roster owner only: the roster with every join appended so far (some perhaps not
  /// yet durable); new joins build on it.
  std::shared_ptr<const domain::Roster> roster_head;
  std::unordered_map<domain::ClassId, domain::ClassAttendance>
      classes;  ///< owned, made on first use
  /// This shard's log (connection shards only) and its ring adapter.
  std::unique_ptr<wal::LogWriter> log;
  std::unique_ptr<ShardLog> log_io;
  std::string log_dir;  ///< where snapshots go
  std::uint64_t generation = 0;
  /// Classes whose last change could not be made durable: answered 503 until restart.
  std::unordered_set<domain::ClassId> tainted;
  /// Live updates: this shard's subscribers, and the feeds of the classes it owns.
  LiveEndpoint* live = nullptr;
  std::unordered_map<domain::ClassId, ClassFeed> feeds;
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
