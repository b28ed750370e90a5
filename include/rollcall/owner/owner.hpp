#pragma once
/// One data shard's state of record: the roster as this shard sees it, the classes
/// it owns (`owner_of`), and the log it writes their changes through. Only this
/// shard's thread touches it; other shards reach it by running a job here
/// (shard/call.hpp).
///
/// Every change goes the same way: `apply` (or `check_in` / `override_record` for
/// requests still judged) runs the domain function and appends the command it
/// logged; `after_durable` runs what follows (answer, publish) once the log holds
/// it. A class whose change could not be made durable is tainted: its in-memory
/// state may hold what nobody may see, so it answers 503 until a restart recovers
/// the durable state.
///
/// Reads wait as well (API.md §7: no read shows a change before it is durable): the
/// owner knows, per class, the last change it appended and how far the log has
/// told it things are durable; a read of a class with a change still on its way
/// (`settled` false) is answered through `after_durable`, from the state as it was
/// read, once that change is durable.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "rollcall/auth/attempt_limiter.hpp"
#include "rollcall/domain/attendance.hpp"
#include "rollcall/domain/commands.hpp"
#include "rollcall/domain/roster.hpp"
#include "rollcall/owner/owner_metrics.hpp"
#include "rollcall/shard/shard.hpp"
#include "rollcall/storage/log.hpp"

namespace rollcall::owner {

/// The shard that owns class `c`: a mixed hash of its id modulo the shard count.
unsigned owner_of(domain::ClassId c, unsigned shards);
/// The shard that owns the roster (joins, roster persistence).
inline constexpr unsigned kRosterOwner = 0;

/// Wrong verification codes: 5 per (session, student) per 10 minutes (API.md §4).
inline constexpr std::uint32_t kWrongCodesMax = 5;
inline constexpr std::int64_t kWrongCodesWindowMs = 10 * 60 * 1000;
inline constexpr std::size_t kWrongCodeKeysMax = 100'000;

using Classes = std::unordered_map<domain::ClassId, domain::ClassAttendance>;

class Owner {
 public:
  /// `log` may be null only for a shard that owns nothing (tests).
  Owner(shard::Shard& shard, unsigned data_shards, std::shared_ptr<const domain::Roster> roster,
        Classes classes, std::unique_ptr<storage::Log> log);
  Owner(const Owner&) = delete;
  Owner& operator=(const Owner&) = delete;

  shard::Shard& shard() { return shard_; }
  unsigned data_shards() const { return data_shards_; }
  bool owns(domain::ClassId c) const { return owner_of(c, data_shards_) == shard_.id(); }

  // The roster.
  const domain::Roster& roster() const { return *roster_; }
  const std::shared_ptr<const domain::Roster>& roster_ptr() const { return roster_; }
  /// Installs a newer roster (versions only go up: installs arrive in order).
  void install_roster(std::shared_ptr<const domain::Roster> next);
  /// Roster owner only: the roster with every join appended so far (some perhaps
  /// not yet durable); new joins build on it.
  const std::shared_ptr<const domain::Roster>& roster_head() const { return roster_head_; }
  void set_roster_head(std::shared_ptr<const domain::Roster> head);

  // The classes.
  /// The class's attendance, made on first use; the class must be owned here.
  domain::ClassAttendance& attendance(domain::ClassId c);
  const Classes& classes() const { return classes_; }
  bool tainted(domain::ClassId c) const { return tainted_.count(c) != 0; }
  /// The log takes writes (it has not failed).
  bool writable() const { return log_ != nullptr && log_->healthy(); }
  /// Every change to `c` appended so far is known durable: what `c` shows may be
  /// read now. Otherwise the read waits for `after_durable`; counted.
  bool settled(domain::ClassId c);

  // Changes.
  /// Applies `cmd` to its class (owned here, writable) and appends what it logged.
  domain::Outcome apply(const domain::ClassInfo& cls, const domain::Command& cmd);
  /// A student's check-in as presented: the attempt limit is this shard's (wrong
  /// codes are counted here); then as `apply`.
  domain::Outcome check_in(const domain::ClassInfo& cls, domain::CheckInAttempt attempt);
  /// A teacher's override as presented; then as `apply`.
  domain::Outcome override_record(const domain::ClassInfo& cls,
                                  const domain::OverrideAttempt& attempt);
  /// Appends a command that changes no class here (the roster owner's Enroll).
  void append(const domain::Command& cmd);

  // The push directory (the roster owner's: domain/push.hpp). Changes apply at
  // once (so ids and duplicates are judged against every change so far) and are
  // answered through `after_durable`, like joins.
  const domain::PushDirectory& push() const { return push_; }
  /// Before the shard runs: the recovered directory.
  void adopt_push(domain::PushDirectory push);
  /// Applies a push command (`domain::is_push_command`) and appends it if it
  /// changed something.
  domain::PushDirectory::Change apply_push(const domain::Command& cmd);
  /// Calls `then(durable)` on a later turn once everything appended so far is
  /// durable (or never can be: then the classes in `changed` are tainted first).
  /// One waiter per call, `then` stored in it.
  template <typename Then>
  void after_durable(std::vector<domain::ClassId> changed, Then then) {
    RC_ASSERT(log_ != nullptr);
    log_->when_durable(storage::then(
        [this, changed = std::move(changed), then = std::move(then)](bool durable) mutable {
          if (!durable) taint(changed);
          then(durable);
        }));
  }
  /// As above for a change to one class (`changed` may be none: ClassId{}).
  template <typename Then>
  void after_durable(domain::ClassId changed, Then then) {
    RC_ASSERT(log_ != nullptr);
    log_->when_durable(storage::then([this, changed, then = std::move(then)](bool durable) mutable {
      if (!durable && changed) tainted_.insert(changed);
      then(durable);
    }));
  }

  /// Once per loop turn: a checkpoint when the log asks for one (`history` gives the
  /// live-update history to keep with it), then the turn's group commit.
  void end_turn(const std::function<std::string()>& history);

 private:
  domain::Outcome logged(domain::ClassId c, domain::Outcome out);
  void taint(const std::vector<domain::ClassId>& classes);
  /// Registers one waiter for everything appended since the last one; it moves
  /// `durable_` up when the log says so.
  void watch_durability();

  shard::Shard& shard_;
  const unsigned data_shards_;
  std::shared_ptr<const domain::Roster> roster_;
  std::shared_ptr<const domain::Roster> roster_head_;
  Classes classes_;
  std::unique_ptr<storage::Log> log_;
  std::unordered_set<domain::ClassId> tainted_;
  domain::PushDirectory push_;
  // Durability as reads need it: changes are numbered in append order.
  std::uint64_t appended_ = 0;  ///< changes appended so far
  std::uint64_t watched_ = 0;   ///< `appended_` when the last watch was registered
  std::uint64_t durable_ = 0;   ///< changes the log has said are durable
  std::unordered_map<domain::ClassId, std::uint64_t> last_change_;  ///< per class owned
  OwnerMetrics metrics_;
  auth::IdPairAttemptLimiter wrong_codes_{kWrongCodesMax, kWrongCodesWindowMs, kWrongCodeKeysMax};
};

}  // namespace rollcall::owner
