#include "rollcall/domain/push.hpp"

#include <algorithm>
#include <set>

namespace rollcall::domain {

std::string_view to_string(PushKind k) {
  switch (k) {
    case PushKind::SessionOpened: return "session_opened";
    case PushKind::StatusChanged: return "status_changed";
    case PushKind::MissingDigest: return "missing_digest";
  }
  return "unknown";
}

bool PushPreferences::wants(PushKind k) const {
  switch (k) {
    case PushKind::SessionOpened: return session_opened;
    case PushKind::StatusChanged: return status_changed;
    case PushKind::MissingDigest: return missing_digest;
  }
  return false;
}

PushDirectory::Change PushDirectory::apply(const Subscribe& c) {
  if (!c.user) return {};
  if (PushSubscription* known = subscription(c.user, c.endpoint); known != nullptr) {
    // The same endpoint with new keys (the browser renewed them): same id, new keys.
    if (known->id != c.id || (known->p256dh == c.p256dh && known->auth == c.auth)) return {};
    known->p256dh = c.p256dh;
    known->auth = c.auth;
    return {true, std::nullopt};
  }
  if (c.id < next_id_) return {};
  Change change{true, std::nullopt};
  std::vector<PushSubscription>& subs = users_[c.user].subscriptions;
  if (subs.size() >= kPushSubscriptionsPerUserMax) {
    change.dropped = subs.front().id;
    subs.erase(subs.begin());
    --subscription_count_;
  }
  subs.push_back(PushSubscription{c.id, c.user, c.endpoint, c.p256dh, c.auth, c.now_ms});
  ++subscription_count_;
  next_id_ = c.id + 1;
  return change;
}

PushDirectory::Change PushDirectory::apply(const Unsubscribe& c) {
  auto it = users_.find(c.user);
  if (it == users_.end()) return {};
  std::vector<PushSubscription>& subs = it->second.subscriptions;
  auto sub = std::find_if(subs.begin(), subs.end(),
                          [&](const PushSubscription& s) { return s.id == c.id; });
  if (sub == subs.end()) return {};
  subs.erase(sub);
  --subscription_count_;
  if (subs.empty() && it->second.preferences == PushPreferences{}) users_.erase(it);
  return {true, std::nullopt};
}

PushDirectory::Change PushDirectory::apply(const SetPushPreferences& c) {
  if (!c.user) return {};
  auto it = users_.try_emplace(c.user).first;
  it->second.preferences = c.preferences();
  if (it->second.subscriptions.empty() && it->second.preferences == PushPreferences{}) {
    users_.erase(it);
  }
  return {true, std::nullopt};
}

namespace {

// Const and non-const lookups share one body.
template <typename Users>
auto* subscription_in(Users& users, UserId u, std::string_view endpoint) {
  auto it = users.find(u);
  decltype(&it->second.subscriptions.front()) found = nullptr;
  if (it == users.end()) return found;
  for (auto& s : it->second.subscriptions) {
    if (s.endpoint == endpoint) return &s;
  }
  return found;
}

}  // namespace

PushSubscription* PushDirectory::subscription(UserId u, std::string_view endpoint) {
  return subscription_in(users_, u, endpoint);
}

const PushDirectory::UserPush* PushDirectory::user(UserId u) const {
  auto it = users_.find(u);
  return it == users_.end() ? nullptr : &it->second;
}

PushPreferences PushDirectory::preferences(UserId u) const {
  const UserPush* p = user(u);
  return p == nullptr ? PushPreferences{} : p->preferences;
}

const PushSubscription* PushDirectory::find(UserId u, std::string_view endpoint) const {
  return subscription_in(users_, u, endpoint);
}

const PushSubscription* PushDirectory::find(UserId u, std::uint64_t id) const {
  const UserPush* p = user(u);
  if (p == nullptr) return nullptr;
  for (const PushSubscription& s : p->subscriptions) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

namespace {

bool consistent(UserId user, const std::vector<PushSubscription>& subs, std::uint64_t next_id,
                std::set<std::uint64_t>& ids) {
  if (subs.size() > kPushSubscriptionsPerUserMax) return false;
  std::uint64_t previous = 0;
  for (const PushSubscription& s : subs) {
    const bool fits = s.user == user && s.id > previous && s.id < next_id &&
                      s.p256dh.size() == kPushKeyTextBytes && s.auth.size() == kPushAuthTextBytes &&
                      s.endpoint.size() <= kPushEndpointBytesMax && ids.insert(s.id).second;
    if (!fits) return false;
    previous = s.id;
  }
  return true;
}

}  // namespace

std::optional<PushDirectory> PushDirectory::from_parts(std::map<UserId, UserPush> users,
                                                       std::uint64_t next_id) {
  PushDirectory d;
  std::set<std::uint64_t> ids;
  for (const auto& [user, push] : users) {
    if (!user || !consistent(user, push.subscriptions, next_id, ids)) return std::nullopt;
    d.subscription_count_ += push.subscriptions.size();
  }
  if (next_id == 0) return std::nullopt;
  d.users_ = std::move(users);
  d.next_id_ = next_id;
  return d;
}

}  // namespace rollcall::domain
