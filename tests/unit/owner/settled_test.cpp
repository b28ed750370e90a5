// Reads wait until what they show is durable (API.md §7): the owner says a class is
// `settled` only once every change to it that it appended has been reported durable
// by its log. Driven with a log whose durability the test decides.

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "../domain/fixtures.hpp"
#include "rollcall/owner/owner.hpp"
#include "rollcall/shard/runtime.hpp"

namespace rollcall::owner {
namespace {

using namespace domain::fixtures;

// A log that holds every waiter until the test settles them, in order.
class HeldLog final : public storage::Log {
 public:
  explicit HeldLog(shard::Shard& shard) : shard_(shard) {}
  bool healthy() const override { return healthy_; }
  void append(const domain::Command&) override { ++appended; }
  void when_durable(std::unique_ptr<storage::Waiter> w) override {
    waiting_.push_back(std::move(w));
  }
  void flush() override { ++flushes; }
  bool checkpoint_due() const override { return false; }
  void checkpoint(const storage::Checkpoint&) override {}

  /// Tells every waiter registered so far `durable`, in registration order (as the
  /// loop would on a later turn); a failure stays.
  void settle(bool durable) {
    if (!durable) healthy_ = false;
    std::vector<std::unique_ptr<storage::Waiter>> now = std::move(waiting_);
    waiting_.clear();
    for (auto& w : now) {
      w->settle(durable);
      storage::Waiter* raw = w.get();
      raw->run(shard_, std::move(w));
    }
  }
  std::size_t waiting() const { return waiting_.size(); }

  int appended = 0;
  int flushes = 0;

 private:
  shard::Shard& shard_;
  bool healthy_ = true;
  std::vector<std::unique_ptr<storage::Waiter>> waiting_;
};

shard::Runtime::Options one_shard() {
  shard::Runtime::Options o;
  o.shard_count = 1;
  o.mailbox_capacity = 4;
  o.shard.max_connections = 4;
  o.shard.recv_buffers = 16;
  o.shard.sq_entries = 16;
  o.shard.cq_entries = 32;
  o.shard.pin_to_core = false;
  return o;
}

class Settled : public ::testing::Test {
 protected:
  Settled() {
    auto log = std::make_unique<HeldLog>(runtime.shard(0));
    held = log.get();
    owner = std::make_unique<Owner>(runtime.shard(0), 1, domain::RosterBuilder().build(), Classes{},
                                    std::move(log));
  }
  domain::ClassInfo other() const {
    domain::ClassInfo c = cls;
    c.id = domain::ClassId{kClass.value + 1};
    return c;
  }

  shard::Runtime runtime{one_shard()};
  HeldLog* held = nullptr;
  std::unique_ptr<Owner> owner;
  const domain::ClassInfo cls = class_info();
};

TEST_F(Settled, AClassNobodyChangedIsSettled) {
  EXPECT_TRUE(owner->settled(kClass));
  owner->end_turn({});
  EXPECT_EQ(held->waiting(), 0u);  // nothing appended: nothing to watch
}

TEST_F(Settled, AChangeUnsettlesItsClassUntilTheLogSaysItIsDurable) {
  ASSERT_TRUE(owner->apply(cls, open_cmd(kStart)).applied());
  EXPECT_FALSE(owner->settled(kClass));
  EXPECT_TRUE(owner->settled(other().id));  // another class is not held up
  owner->end_turn({});
  EXPECT_FALSE(owner->settled(kClass));  // handed to the disk, not yet durable
  held->settle(true);
  EXPECT_TRUE(owner->settled(kClass));
}

TEST_F(Settled, AChangeAfterTheWatchWaitsForItsOwnTurn) {
  ASSERT_TRUE(owner->apply(cls, open_cmd(kStart)).applied());
  owner->end_turn({});
  ASSERT_TRUE(
      owner->apply(other(), domain::OpenSession{other().id, kTeacher, 5, kCode, kStart}).applied());
  held->settle(true);  // the first turn is durable; the second is only appended
  EXPECT_TRUE(owner->settled(kClass));
  EXPECT_FALSE(owner->settled(other().id));
  owner->end_turn({});
  held->settle(true);
  EXPECT_TRUE(owner->settled(other().id));
}

TEST_F(Settled, ARefusedCommandChangesNothingToWaitFor) {
  ASSERT_TRUE(owner->apply(cls, open_cmd(kStart)).applied());
  owner->end_turn({});
  held->settle(true);
  // A second open while one is open is refused: nothing appended.
  EXPECT_FALSE(owner->apply(cls, open_cmd(kStart + kMinute)).applied());
  EXPECT_TRUE(owner->settled(kClass));
}

TEST_F(Settled, AChangeThatCouldNotBeMadeDurableNeverSettles) {
  ASSERT_TRUE(owner->apply(cls, open_cmd(kStart)).applied());
  owner->end_turn({});
  held->settle(false);
  EXPECT_FALSE(owner->settled(kClass));
  owner->end_turn({});  // a failed log is not watched again
  EXPECT_EQ(held->waiting(), 0u);
  EXPECT_FALSE(owner->settled(kClass));
}

TEST_F(Settled, AReadThatWaitedIsToldWhenItsChangeIsDurable) {
  ASSERT_TRUE(owner->apply(cls, open_cmd(kStart)).applied());
  ASSERT_FALSE(owner->settled(kClass));
  int told = 0;
  bool verdict = false;
  owner->after_durable(domain::ClassId{}, [&](bool durable) {
    ++told;
    verdict = durable;
  });
  owner->end_turn({});
  EXPECT_EQ(told, 0);
  held->settle(true);
  EXPECT_EQ(told, 1);
  EXPECT_TRUE(verdict);
}

}  // namespace
}  // namespace rollcall::owner
