#pragma once
/// Web Push subscriptions and notification preferences (API.md §8): who gets
/// notified where. Kept by the roster owner, changed only by the commands below
/// (logged like every other change, replayed by `apply`), read by the push worker
/// through a copy it keeps up to date.
///
/// A subscription's keys are kept as canonical base64url without padding (`p256dh`
/// a 65-byte point, 87 characters; `auth` 16 bytes, 22 characters), so the log and
/// `rollcall wal dump` stay text. The endpoint and the point were checked (https, a
/// public host unless allowed, on the curve) before a command was made, so `apply`
/// only enforces what keeps the directory bounded and consistent.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rollcall/domain/types.hpp"

namespace rollcall::domain {

inline constexpr std::size_t kPushSubscriptionsPerUserMax = 10;  ///< API.md §8: the oldest goes
inline constexpr std::size_t kPushEndpointBytesMax = 1024;       ///< API.md §8
inline constexpr std::size_t kPushKeyBytes = 65;                 ///< an uncompressed P-256 point
inline constexpr std::size_t kPushAuthBytes = 16;                ///< the auth secret
inline constexpr std::size_t kPushKeyTextBytes = 87;             ///< base64url of kPushKeyBytes
inline constexpr std::size_t kPushAuthTextBytes = 22;            ///< base64url of kPushAuthBytes

/// The notification kinds (API.md §8), in the order of `PushPreferences`.
enum class PushKind : std::uint8_t { SessionOpened, StatusChanged, MissingDigest };
std::string_view to_string(PushKind k);

/// Which kinds a user wants; all on by default. A kind that does not fit the user's
/// role is kept but has no effect (students get no digest, teachers no status).
struct PushPreferences {
  bool session_opened = true;
  bool status_changed = true;
  bool missing_digest = true;

  bool wants(PushKind k) const;
  bool operator==(const PushPreferences&) const = default;
};

struct PushSubscription {
  std::uint64_t id = 0;
  UserId user;
  std::string endpoint;
  std::string p256dh;  ///< base64url, 87 characters
  std::string auth;    ///< base64url, 22 characters
  std::int64_t created_ms = 0;

  bool operator==(const PushSubscription&) const = default;
};

/// A user adds a subscription (`id` drawn by the roster owner, above every id so far),
/// or renews the keys of one they have (same endpoint, its id). An 11th one drops
/// the user's oldest.
struct Subscribe {
  UserId user;
  std::uint64_t id = 0;
  std::string endpoint;
  std::string p256dh;
  std::string auth;
  std::int64_t now_ms = 0;

  bool operator==(const Subscribe&) const = default;
  template <typename Self, typename Visit>
  static void fields(Self& c, Visit&& v) {
    v("user", c.user);
    v("id", c.id);
    v("endpoint", c.endpoint);
    v("p256dh", c.p256dh);
    v("auth", c.auth);
    v("now_ms", c.now_ms);
  }
};

/// A subscription ends: its owner deleted it, or its push service said it is gone
/// (404/410).
struct Unsubscribe {
  UserId user;
  std::uint64_t id = 0;
  std::int64_t now_ms = 0;

  bool operator==(const Unsubscribe&) const = default;
  template <typename Self, typename Visit>
  static void fields(Self& c, Visit&& v) {
    v("user", c.user);
    v("id", c.id);
    v("now_ms", c.now_ms);
  }
};

/// A user sets their preferences (all three, as PUT sends them).
struct SetPushPreferences {
  UserId user;
  bool session_opened = true;
  bool status_changed = true;
  bool missing_digest = true;
  std::int64_t now_ms = 0;

  PushPreferences preferences() const { return {session_opened, status_changed, missing_digest}; }
  bool operator==(const SetPushPreferences&) const = default;
  template <typename Self, typename Visit>
  static void fields(Self& c, Visit&& v) {
    v("user", c.user);
    v("session_opened", c.session_opened);
    v("status_changed", c.status_changed);
    v("missing_digest", c.missing_digest);
    v("now_ms", c.now_ms);
  }
};

class PushDirectory {
 public:
  struct UserPush {
    PushPreferences preferences;
    std::vector<PushSubscription> subscriptions;  ///< oldest first

    bool operator==(const UserPush&) const = default;
  };

  /// What a command changed; `applied` false when it was refused (nothing changed).
  struct Change {
    bool applied = false;
    std::optional<std::uint64_t> dropped;  ///< Subscribe: the oldest, dropped for room
  };

  /// Whether the command can apply: an id above every one so far (Subscribe), a
  /// subscription of that user (Unsubscribe).
  Change apply(const Subscribe& c);
  Change apply(const Unsubscribe& c);
  Change apply(const SetPushPreferences& c);

  /// Drops every user for whom `keep` is false (users an import removed).
  template <typename Keep>
  void retain_users(Keep keep) {
    for (auto it = users_.begin(); it != users_.end();) {
      if (keep(it->first)) {
        ++it;
        continue;
      }
      subscription_count_ -= it->second.subscriptions.size();
      it = users_.erase(it);
    }
  }

  const UserPush* user(UserId u) const;
  PushPreferences preferences(UserId u) const;
  /// The user's subscription with `endpoint`, or null.
  const PushSubscription* find(UserId u, std::string_view endpoint) const;
  /// The user's subscription `id`, or null.
  const PushSubscription* find(UserId u, std::uint64_t id) const;
  /// The id the next subscription gets.
  std::uint64_t next_id() const { return next_id_; }
  std::size_t subscription_count() const { return subscription_count_; }
  const std::map<UserId, UserPush>& users() const { return users_; }

  /// A directory as a checkpoint stored it; nullopt if the parts are inconsistent
  /// (a subscription id at or above `next_id`, or twice; a list over the limit, not
  /// oldest first, or of another user; keys of the wrong size).
  static std::optional<PushDirectory> from_parts(std::map<UserId, UserPush> users,
                                                 std::uint64_t next_id);

  bool operator==(const PushDirectory&) const = default;

 private:
  PushSubscription* subscription(UserId u, std::string_view endpoint);

  std::map<UserId, UserPush> users_;
  std::uint64_t next_id_ = 1;
  std::size_t subscription_count_ = 0;
};

}  // namespace rollcall::domain
