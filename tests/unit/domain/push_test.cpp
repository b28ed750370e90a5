// The push directory: subscriptions and preferences as the commands change them.

#include "rollcall/domain/push.hpp"

#include <gtest/gtest.h>

#include "rollcall/domain/commands.hpp"

namespace rollcall::domain {
namespace {

const std::string kKey(kPushKeyTextBytes, 'K');
const std::string kAuth(kPushAuthTextBytes, 'a');

Subscribe sub(std::uint64_t user, std::uint64_t id, std::string endpoint) {
  return Subscribe{UserId{user}, id, std::move(endpoint), kKey, kAuth, 1000};
}

TEST(PushDirectoryTest, SubscribeAddsAndDrawsIdsUpward) {
  PushDirectory d;
  EXPECT_EQ(d.next_id(), 1u);
  EXPECT_TRUE(d.apply(sub(7, 1, "https://a.example/1")).applied);
  EXPECT_EQ(d.next_id(), 2u);
  ASSERT_NE(d.find(UserId{7}, "https://a.example/1"), nullptr);
  EXPECT_EQ(d.find(UserId{7}, std::uint64_t{1})->endpoint, "https://a.example/1");
  EXPECT_EQ(d.find(UserId{8}, std::uint64_t{1}), nullptr);  // another user's id
  // An id already drawn cannot be drawn again.
  EXPECT_FALSE(d.apply(sub(8, 1, "https://a.example/2")).applied);
  EXPECT_EQ(d.subscription_count(), 1u);
}

TEST(PushDirectoryTest, SameEndpointIsOneSubscriptionWhoseKeysMayBeRenewed) {
  PushDirectory d;
  ASSERT_TRUE(d.apply(sub(7, 1, "https://a.example/1")).applied);
  EXPECT_FALSE(d.apply(sub(7, 1, "https://a.example/1")).applied);  // nothing new
  EXPECT_FALSE(d.apply(sub(7, 2, "https://a.example/1")).applied);  // not a second one
  Subscribe renewed = sub(7, 1, "https://a.example/1");
  renewed.auth = std::string(kPushAuthTextBytes, 'b');
  EXPECT_TRUE(d.apply(renewed).applied);
  EXPECT_EQ(d.find(UserId{7}, std::uint64_t{1})->auth, renewed.auth);
  EXPECT_EQ(d.subscription_count(), 1u);
  // Another user may hold the same endpoint (a shared device): their own subscription.
  EXPECT_TRUE(d.apply(sub(8, 2, "https://a.example/1")).applied);
}

TEST(PushDirectoryTest, TheEleventhDropsTheOldest) {
  PushDirectory d;
  for (std::uint64_t i = 1; i <= kPushSubscriptionsPerUserMax; ++i) {
    const PushDirectory::Change c = d.apply(sub(7, i, "https://a.example/" + std::to_string(i)));
    ASSERT_TRUE(c.applied);
    EXPECT_FALSE(c.dropped.has_value());
  }
  const PushDirectory::Change c = d.apply(sub(7, 11, "https://a.example/11"));
  ASSERT_TRUE(c.applied);
  ASSERT_TRUE(c.dropped.has_value());
  EXPECT_EQ(*c.dropped, 1u);
  EXPECT_EQ(d.find(UserId{7}, std::uint64_t{1}), nullptr);
  EXPECT_EQ(d.user(UserId{7})->subscriptions.size(), kPushSubscriptionsPerUserMax);
  EXPECT_EQ(d.subscription_count(), kPushSubscriptionsPerUserMax);
}

TEST(PushDirectoryTest, UnsubscribeOnlyTheOwnersAndOnlyOnce) {
  PushDirectory d;
  ASSERT_TRUE(d.apply(sub(7, 1, "https://a.example/1")).applied);
  EXPECT_FALSE(d.apply(Unsubscribe{UserId{8}, 1, 0}).applied);
  EXPECT_TRUE(d.apply(Unsubscribe{UserId{7}, 1, 0}).applied);
  EXPECT_FALSE(d.apply(Unsubscribe{UserId{7}, 1, 0}).applied);
  EXPECT_EQ(d.subscription_count(), 0u);
  EXPECT_EQ(d.user(UserId{7}), nullptr);  // nothing left to keep
  EXPECT_EQ(d.next_id(), 2u);             // ids are never drawn twice
}

TEST(PushDirectoryTest, PreferencesDefaultOnAndAreKeptPerUser) {
  PushDirectory d;
  EXPECT_EQ(d.preferences(UserId{7}), PushPreferences{});
  EXPECT_TRUE(d.preferences(UserId{7}).wants(PushKind::MissingDigest));
  ASSERT_TRUE(d.apply(SetPushPreferences{UserId{7}, false, true, true, 0}).applied);
  EXPECT_FALSE(d.preferences(UserId{7}).wants(PushKind::SessionOpened));
  EXPECT_TRUE(d.preferences(UserId{7}).wants(PushKind::StatusChanged));
  EXPECT_EQ(d.preferences(UserId{8}), PushPreferences{});
  ASSERT_TRUE(d.apply(SetPushPreferences{UserId{7}, true, true, true, 0}).applied);
  EXPECT_EQ(d.user(UserId{7}), nullptr);  // back to the default: nothing kept
}

TEST(PushDirectoryTest, CommandsApplyThroughTheVariant) {
  PushDirectory d;
  EXPECT_TRUE(is_push_command(Command{sub(7, 1, "https://a.example/1")}));
  EXPECT_FALSE(is_push_command(Command{Enroll{UserId{7}, ClassId{1}, 1}}));
  EXPECT_FALSE(class_of(Command{Unsubscribe{UserId{7}, 1, 0}}));
  EXPECT_TRUE(apply_push(d, Command{sub(7, 1, "https://a.example/1")}).applied);
  EXPECT_STREQ(name_of(Command{SetPushPreferences{}}), "push_preferences_set");
  EXPECT_TRUE(well_formed(Command{sub(7, 1, "https://a.example/1")}));
  Subscribe bad_key = sub(7, 1, "https://a.example/1");
  bad_key.p256dh.pop_back();
  EXPECT_FALSE(well_formed(Command{bad_key}));
  EXPECT_FALSE(well_formed(Command{sub(7, 1, "https://a.example/" + std::string(1024, 'x'))}));
}

TEST(PushDirectoryTest, FromPartsRefusesWhatCouldNotHaveBeenBuilt) {
  PushDirectory d;
  ASSERT_TRUE(d.apply(sub(7, 1, "https://a.example/1")).applied);
  ASSERT_TRUE(d.apply(sub(8, 2, "https://a.example/2")).applied);
  const std::optional<PushDirectory> same = PushDirectory::from_parts(d.users(), d.next_id());
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(*same, d);
  EXPECT_FALSE(PushDirectory::from_parts(d.users(), 2).has_value());  // id 2 not below next
  auto twice = d.users();
  twice[UserId{8}].subscriptions[0].id = 1;  // the same id twice
  EXPECT_FALSE(PushDirectory::from_parts(twice, 3).has_value());
  auto wrong_user = d.users();
  wrong_user[UserId{8}].subscriptions[0].user = UserId{7};
  EXPECT_FALSE(PushDirectory::from_parts(wrong_user, 3).has_value());
}

TEST(PushDirectoryTest, RetainUsersDropsThoseAnImportRemoved) {
  PushDirectory d;
  ASSERT_TRUE(d.apply(sub(7, 1, "https://a.example/1")).applied);
  ASSERT_TRUE(d.apply(sub(8, 2, "https://a.example/2")).applied);
  d.retain_users([](UserId u) { return u == UserId{8}; });
  EXPECT_EQ(d.user(UserId{7}), nullptr);
  EXPECT_EQ(d.subscription_count(), 1u);
  EXPECT_EQ(d.next_id(), 3u);
}

}  // namespace
}  // namespace rollcall::domain
