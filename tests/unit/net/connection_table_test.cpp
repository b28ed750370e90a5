#include <gtest/gtest.h>

#include "rollcall/net/connection.hpp"

namespace rollcall::net {
namespace {

TEST(ConnectionTable, RefusesBeyondCapacity) {
  ConnectionTable t(2);
  EXPECT_NE(t.acquire(10, 0), nullptr);
  EXPECT_NE(t.acquire(11, 0), nullptr);
  EXPECT_EQ(t.acquire(12, 0), nullptr);
  EXPECT_EQ(t.in_use(), 2u);
}

TEST(ConnectionTable, ReusedSlotGetsNewGenerationAndOldHandleGoesStale) {
  ConnectionTable t(1);
  Connection* c = t.acquire(10, 0);
  ASSERT_NE(c, nullptr);
  const ConnectionHandle old = c->handle();
  EXPECT_EQ(t.find(old), c);
  c->state = Connection::State::Closing;
  t.release(*c);
  EXPECT_EQ(t.find(old), nullptr);  // freed
  Connection* again = t.acquire(11, 0);
  ASSERT_EQ(again, c);  // same slot
  EXPECT_NE(again->generation, old.generation);
  EXPECT_EQ(t.find(old), nullptr);  // reused: the old handle must not reach the new peer
  EXPECT_EQ(t.find(again->handle()), again);
}

TEST(ConnectionTable, ReleaseDropsBuffers) {
  ConnectionTable t(1);
  Connection* c = t.acquire(10, 0);
  c->in = "partial request";
  c->out.append("unsent answer");
  c->state = Connection::State::Closing;
  t.release(*c);
  Connection* again = t.acquire(11, 0);
  EXPECT_TRUE(again->in.empty());
  EXPECT_TRUE(again->out.empty());
}

}  // namespace
}  // namespace rollcall::net
