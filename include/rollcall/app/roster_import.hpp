#pragma once
/// POST /api/v1/admin/oneroster (API.md §7, docs/api.md "Roster import"): the
/// OneRoster import of `rollcall import`, on the running server, all or nothing.
///
/// Path: admitted before its body is read (an admin, a zip, no other import
/// running: the one slot) -> the import shard (an auxiliary shard of its own: the
/// zip is read, the CSVs parsed, merged into the roster the accepting shard had
/// installed, new passwords hashed, the new roster encoded, all off the data shards)
/// -> the roster owner (shard 0): if the roster changed since (a class join), back to
/// the import shard to merge again (at most kImportAttemptsMax times); else the
/// whole roster is logged as one `roster_imported` record and, once durable,
/// installed on every data shard like a join's (api/roster_rollout.hpp), the joins
/// into existing classes announced to their teachers -> answered. Nobody is signed
/// out and no socket closes: sessions read the roster of their shard, which only
/// grows (imports never delete).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "rollcall/api/shard_api.hpp"
#include "rollcall/http/router.hpp"

namespace rollcall::app {

/// How long the admin's request may wait for its answer: under the 300 s the
/// shipped proxy configurations give this route, so rollcall answers first.
inline constexpr std::uint32_t kImportTimeoutMs = 280 * 1000;
/// Passwords one online import may hash (Argon2id, one at a time, 70-140 ms each
/// here: at most ~140 s, well within kImportTimeoutMs).
inline constexpr std::size_t kImportPasswordsMax = 1000;
/// Merges against a roster that changed meanwhile before the import gives up (409).
inline constexpr int kImportAttemptsMax = 3;

/// The one import that may run at a time, and the shard it runs on. Shared by the
/// data shards (the slot is an atomic flag).
class RosterImports {
 public:
  explicit RosterImports(unsigned import_shard) : shard_(import_shard) {}
  RosterImports(const RosterImports&) = delete;
  RosterImports& operator=(const RosterImports&) = delete;

  unsigned shard() const { return shard_; }
  /// The slot while it is free (held until the grant is destroyed), else null.
  std::unique_ptr<http::UploadGrant> try_begin();
  bool running() const { return busy_.load(std::memory_order_acquire); }

 private:
  unsigned shard_;
  std::atomic<bool> busy_{false};
};

/// Registers the route on one data shard's router.
void add_import_route(http::Router& router, api::ShardApi& api, RosterImports& imports);

}  // namespace rollcall::app
