#pragma once
/// How a new roster reaches every data shard once it is durable (class joins,
/// online roster imports): the roster owner installs it, posts it to every other
/// data shard (messages between a pair of shards are FIFO, so rosters are installed
/// in version order), each shard announces the joins into the classes it owns
/// (`student_joined_class`, logged so live-update seqs replay), and the roster owner
/// runs `done` once every shard has acknowledged.

#include <functional>
#include <memory>
#include <vector>

#include "rollcall/api/shard_api.hpp"
#include "rollcall/domain/roster.hpp"

namespace rollcall::api {

/// A student newly enrolled in a class that existed before.
struct Joined {
  domain::UserId student;
  domain::ClassId cls;
};

/// On the roster owner, once `next` is durable. `done` runs there, on a later turn
/// when there are other data shards, at once otherwise.
void roll_out_roster(ShardApi& api, std::shared_ptr<const domain::Roster> next,
                     std::vector<Joined> joins, std::function<void()> done);

}  // namespace rollcall::api
