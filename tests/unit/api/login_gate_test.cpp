#include "rollcall/api/login_gate.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <vector>

namespace rollcall::api {
namespace {

using Refusal = LoginGate::Refusal;

class LoginGateTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(sodium_init(), 0); }

  net::ConnectionHandle open_connection() {
    net::Connection* c = table_.acquire(100 + static_cast<int>(table_.in_use()), 0);
    EXPECT_NE(c, nullptr);
    return c->handle();
  }
  void close_connection(net::ConnectionHandle h) {
    net::Connection* c = table_.find(h);
    ASSERT_NE(c, nullptr);
    c->state = net::Connection::State::Closing;  // as an abort or a graceful close does
  }

  net::ConnectionTable table_{64};
};

TEST_F(LoginGateTest, CapsLoginsPerAddressPerUsernameAndInAll) {
  LoginGate gate(LoginLimits{5, 2, 2});
  LoginGate::Ticket t[6];
  EXPECT_EQ(gate.admit("10.0.0.1", "u1", open_connection(), t[0]), Refusal::None);
  EXPECT_EQ(gate.admit("10.0.0.1", "u2", open_connection(), t[1]), Refusal::None);
  EXPECT_EQ(gate.admit("10.0.0.1", "u3", open_connection(), t[2]), Refusal::AddressBusy);
  EXPECT_EQ(gate.admit("10.0.0.2", "u1", open_connection(), t[2]), Refusal::None);
  EXPECT_EQ(gate.admit("10.0.0.3", "u1", open_connection(), t[3]), Refusal::UsernameBusy);
  EXPECT_EQ(gate.admit("10.0.0.3", "u3", open_connection(), t[3]), Refusal::None);
  EXPECT_EQ(gate.admit("10.0.0.4", "u4", open_connection(), t[4]), Refusal::None);
  EXPECT_EQ(gate.in_flight(), 5u);
  EXPECT_EQ(gate.admit("10.0.0.5", "u5", open_connection(), t[5]), Refusal::QueueFull);
  EXPECT_EQ(gate.address_of(t[2]), "10.0.0.2");
  // Answers coming back free the places, per address and per username too.
  gate.release(t[0]);
  EXPECT_EQ(gate.admit("10.0.0.1", "u1", open_connection(), t[0]), Refusal::None);
  for (int i = 0; i < 5; ++i) gate.release(t[i]);
  EXPECT_EQ(gate.in_flight(), 0u);
  EXPECT_EQ(gate.admit("10.0.0.1", "u1", open_connection(), t[0]), Refusal::None);
  EXPECT_EQ(gate.admit("10.0.0.1", "u2", open_connection(), t[1]), Refusal::None);
}

TEST_F(LoginGateTest, SweepMarksExactlyTheLoginsWhoseClientHungUp) {
  LoginGate gate(LoginLimits{8, 8, 8});
  std::vector<net::ConnectionHandle> conns;
  std::vector<LoginGate::Ticket> tickets(4);
  for (int i = 0; i < 4; ++i) {
    conns.push_back(open_connection());
    ASSERT_EQ(gate.admit("10.0.0.1", "u" + std::to_string(i), conns[i], tickets[i]), Refusal::None);
  }
  EXPECT_EQ(gate.sweep(table_), 0u);
  close_connection(conns[1]);
  close_connection(conns[3]);
  EXPECT_EQ(gate.sweep(table_), 2u);
  EXPECT_FALSE(gate.gone_flag(tickets[0]).load());
  EXPECT_TRUE(gate.gone_flag(tickets[1]).load());
  EXPECT_FALSE(gate.gone_flag(tickets[2]).load());
  EXPECT_TRUE(gate.gone_flag(tickets[3]).load());
  EXPECT_EQ(gate.sweep(table_), 0u);  // marked once
  // A reused slot starts unmarked.
  gate.release(tickets[1]);
  LoginGate::Ticket again;
  ASSERT_EQ(gate.admit("10.0.0.1", "u9", open_connection(), again), Refusal::None);
  EXPECT_FALSE(gate.gone_flag(again).load());
}

TEST_F(LoginGateTest, AReusedConnectionSlotCountsAsGone) {
  LoginGate gate(LoginLimits{4, 4, 4});
  const net::ConnectionHandle h = open_connection();
  LoginGate::Ticket t;
  ASSERT_EQ(gate.admit("10.0.0.1", "u", h, t), Refusal::None);
  close_connection(h);
  table_.release(*table_.find(h));  // the slot goes back; its generation moves on
  net::Connection* reused = table_.acquire(7, 0);
  ASSERT_NE(reused, nullptr);
  ASSERT_EQ(reused->index, h.index);
  EXPECT_EQ(gate.sweep(table_), 1u);
  EXPECT_TRUE(gate.gone_flag(t).load());
}

}  // namespace
}  // namespace rollcall::api
