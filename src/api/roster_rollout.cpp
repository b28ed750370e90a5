#include "rollcall/api/roster_rollout.hpp"

#include <utility>

#include "rollcall/common/clock.hpp"
#include "rollcall/live/events.hpp"
#include "rollcall/shard/task.hpp"

namespace rollcall::api {

using namespace domain;
using RosterPtr = std::shared_ptr<const Roster>;

namespace {

// The class's owner tells the class's teachers a student joined. It logs the
// announcement, so replay gives later events the same seqs, and publishes it once
// durable like every other event.
void announce_join(ShardApi& api, Joined j) {
  owner::Owner& owner = api.owner;
  if (!owner.owns(j.cls) || !owner.writable()) return;
  const ClassInfo* info = owner.roster().class_info(j.cls);
  if (info == nullptr) return;
  const std::int64_t now_ms = wall_ms();
  const Outcome out = owner.apply(*info, AnnounceJoin{j.cls, j.student, now_ms});
  std::vector<live::FeedEvent> events =
      live::feed_events(owner.roster(), *info, owner.attendance(j.cls), out.events, now_ms);
  owner.after_durable(ClassId{},
                      [&api, cls = j.cls, events = std::move(events)](bool durable) mutable {
                        if (durable) api.feeds.publish(cls, events);
                      });
}

// Installs `next` on this shard and announces the joins into its classes.
void install_here(ShardApi& api, RosterPtr next, const std::vector<Joined>& joins) {
  api.owner.install_roster(std::move(next));
  for (const Joined& j : joins) announce_join(api, j);
}

// A rollout waiting for the other shards' acknowledgements (on the roster owner).
struct Rollout {
  std::function<void()> done;
  unsigned acks_pending = 0;
};

// Back on the roster owner: one more shard installed the roster.
class InstallAck final : public shard::Task {
 public:
  explicit InstallAck(std::shared_ptr<Rollout> rollout) : rollout_(std::move(rollout)) {}
  void run(shard::Shard&, std::unique_ptr<shard::Task>) override {
    RC_ASSERT(rollout_->acks_pending > 0);
    if (--rollout_->acks_pending == 0) rollout_->done();
  }

 private:
  std::shared_ptr<Rollout> rollout_;
};

// On another data shard: take the new roster, announce, acknowledge.
class InstallRoster final : public shard::Task {
 public:
  InstallRoster(const Directory& d, RosterPtr next,
                std::shared_ptr<const std::vector<Joined>> joins, std::shared_ptr<Rollout> rollout)
      : directory_(d),
        next_(std::move(next)),
        joins_(std::move(joins)),
        rollout_(std::move(rollout)) {}
  void run(shard::Shard& here, std::unique_ptr<shard::Task>) override {
    install_here(directory_.at(here.id()), std::move(next_), *joins_);
    std::unique_ptr<shard::Task> ack = std::make_unique<InstallAck>(std::move(rollout_));
    const bool posted = here.post(owner::kRosterOwner, ack, shard::Shard::PostMode::Always);
    RC_ASSERT(posted);
  }

 private:
  const Directory& directory_;
  RosterPtr next_;
  std::shared_ptr<const std::vector<Joined>> joins_;
  std::shared_ptr<Rollout> rollout_;
};

}  // namespace

void roll_out_roster(ShardApi& api, RosterPtr next, std::vector<Joined> joins,
                     std::function<void()> done) {
  RC_ASSERT(api.shard().id() == owner::kRosterOwner && next != nullptr);
  install_here(api, next, joins);
  const unsigned shards = api.services.data_shards;
  if (shards == 1) return done();
  auto rollout = std::make_shared<Rollout>(Rollout{std::move(done), shards - 1});
  auto shared_joins = std::make_shared<const std::vector<Joined>>(std::move(joins));
  for (unsigned s = 0; s < shards; ++s) {
    if (s == api.shard().id()) continue;
    std::unique_ptr<shard::Task> install =
        std::make_unique<InstallRoster>(api.directory, next, shared_joins, rollout);
    const bool posted = api.shard().post(s, install, shard::Shard::PostMode::Always);
    RC_ASSERT(posted);
  }
}

}  // namespace rollcall::api
