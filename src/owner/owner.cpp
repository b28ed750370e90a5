#include "rollcall/owner/owner.hpp"

#include "rollcall/common/assert.hpp"

namespace rollcall::owner {

unsigned owner_of(domain::ClassId c, unsigned shards) {
  RC_ASSERT(shards > 0);
  // splitmix64 finaliser: consecutive class ids spread evenly over shards.
  std::uint64_t x = c.value + 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  x ^= x >> 31;
  return static_cast<unsigned>(x % shards);
}

Owner::Owner(shard::Shard& shard, unsigned data_shards,
             std::shared_ptr<const domain::Roster> roster, Classes classes,
             std::unique_ptr<storage::Log> log)
    : shard_(shard),
      data_shards_(data_shards),
      roster_(std::move(roster)),
      roster_head_(roster_),
      classes_(std::move(classes)),
      log_(std::move(log)) {
  RC_ASSERT(roster_ != nullptr);
  RC_ASSERT(data_shards_ > 0);
  for (const auto& [id, att] : classes_) {
    RC_ASSERT(id == att.id());
    RC_ASSERT(owns(id));
  }
  shard_.registry().add(metrics_);  // before the shard runs
}

void Owner::install_roster(std::shared_ptr<const domain::Roster> next) {
  RC_ASSERT(next != nullptr);
  RC_ASSERT(next->version() > roster_->version());
  roster_ = std::move(next);
}

void Owner::set_roster_head(std::shared_ptr<const domain::Roster> head) {
  RC_ASSERT(shard_.id() == kRosterOwner);
  RC_ASSERT(head != nullptr);
  roster_head_ = std::move(head);
}

domain::ClassAttendance& Owner::attendance(domain::ClassId c) {
  RC_ASSERT(owns(c));
  auto it = classes_.find(c);
  if (it == classes_.end()) it = classes_.emplace(c, domain::ClassAttendance(c)).first;
  return it->second;
}

bool Owner::settled(domain::ClassId c) {
  const auto it = last_change_.find(c);
  if (it == last_change_.end() || it->second <= durable_) return true;
  metrics_.reads_held.inc();
  return false;
}

domain::Outcome Owner::logged(domain::ClassId c, domain::Outcome out) {
  if (out.applied()) {
    RC_ASSERT(out.logged.has_value());
    log_->append(*out.logged);
    last_change_[c] = ++appended_;
  }
  return out;
}

domain::Outcome Owner::apply(const domain::ClassInfo& cls, const domain::Command& cmd) {
  RC_ASSERT(writable());
  return logged(cls.id, attendance(cls.id).apply(cls, cmd));
}

domain::Outcome Owner::check_in(const domain::ClassInfo& cls, domain::CheckInAttempt attempt) {
  RC_ASSERT(writable());
  const auth::IdPair key{attempt.session.value, attempt.student.value};
  attempt.attempts_exhausted = wrong_codes_.blocked(key, attempt.now_ms);
  domain::Outcome out = attendance(cls.id).attempt_check_in(cls, attempt);
  if (out.wrong_code) wrong_codes_.record_failure(key, attempt.now_ms);
  return logged(cls.id, std::move(out));
}

domain::Outcome Owner::override_record(const domain::ClassInfo& cls,
                                       const domain::OverrideAttempt& attempt) {
  RC_ASSERT(writable());
  return logged(cls.id, attendance(cls.id).attempt_override(cls, attempt));
}

void Owner::append(const domain::Command& cmd) {
  RC_ASSERT(writable());
  log_->append(cmd);
}

void Owner::adopt_push(domain::PushDirectory push) {
  RC_ASSERT(shard_.id() == kRosterOwner);
  push_ = std::move(push);
}

domain::PushDirectory::Change Owner::apply_push(const domain::Command& cmd) {
  RC_ASSERT(shard_.id() == kRosterOwner && writable());
  domain::PushDirectory::Change change = domain::apply_push(push_, cmd);
  if (change.applied) log_->append(cmd);
  return change;
}

void Owner::taint(const std::vector<domain::ClassId>& classes) {
  tainted_.insert(classes.begin(), classes.end());
}

void Owner::end_turn(const std::function<std::string()>& history) {
  if (log_ == nullptr) return;
  if (log_->checkpoint_due()) {
    storage::Checkpoint image;
    image.classes.reserve(classes_.size());
    for (const auto& [id, att] : classes_) image.classes.push_back(&att);
    if (shard_.id() == kRosterOwner) {
      image.roster = roster_.get();
      image.push = &push_;  // the log is idle: every change in it is durable
    }
    image.feeds = history ? history() : std::string();
    log_->checkpoint(image);
  }
  watch_durability();
  log_->flush();
}

void Owner::watch_durability() {
  if (watched_ == appended_ || !log_->healthy()) return;
  watched_ = appended_;
  // Waiters run in registration order, so `durable_` only grows. A failed log
  // never moves it again: reads of what changed then wait, and are told so.
  log_->when_durable(storage::then([this, upto = appended_](bool durable) {
    if (durable) durable_ = upto;
  }));
}

}  // namespace rollcall::owner
