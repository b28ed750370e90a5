#pragma once
/// The Web Push calls (API.md §8). The VAPID public key is answered by any shard;
/// subscriptions and preferences live in the roster owner's push directory
/// (domain/push.hpp), so those calls run there as a job: checked on the accepting
/// shard (the endpoint's form and host, the keys on the curve), applied and logged
/// on the roster owner, answered once durable, and only then handed to the push
/// worker, so nothing is ever sent to a subscription that a crash could lose.

#include "rollcall/api/reply.hpp"
#include "rollcall/api/shard_api.hpp"
#include "rollcall/http/router.hpp"

namespace rollcall::api {

/// Adds the five push routes.
void add_push_routes(http::Router& router, ShardApi& api);

/// On the roster owner: deletes, durably, a subscription its push service called gone
/// (404/410), if it is still there; the worker hears of it once durable.
void push_gone(ShardApi& api, const domain::Unsubscribe& gone);

}  // namespace rollcall::api
