#include "rollcall/api/gather.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include "rollcall/common/assert.hpp"
#include "rollcall/owner/owner.hpp"
#include "rollcall/shard/call.hpp"

namespace rollcall::api {

using domain::ClassId;

namespace {

// A gather being answered, on the accepting shard.
struct Gathered {
  http::Deferred deferred;
  GatherRead read;
  std::vector<GatherItem> items;
  unsigned parts_pending = 0;
  bool failed = false;
};

bool by_key(const GatherItem& a, const GatherItem& b) {
  return a.key < b.key;
}

// Keeps the first `max` + 1 items by key: enough to tell that there were more.
void keep_first(std::vector<GatherItem>& items, std::size_t max) {
  if (items.size() <= max + 1) return;
  std::nth_element(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(max), items.end(),
                   by_key);
  items.resize(max + 1);
}

Response answer_of(const Gathered& g) {
  if (g.failed) return wire::storage_unavailable();
  std::vector<GatherItem> items = g.items;
  std::sort(items.begin(), items.end(), by_key);
  const bool truncated = items.size() > g.read.max;
  if (truncated) items.resize(g.read.max);
  return Reply{200, "application/json", g.read.write(g.read, items, truncated), {}};
}

// One owner's share: its classes there and back.
struct GatherJob {
  const Directory* directory;
  std::shared_ptr<Gathered> gathered;  ///< touched on the accepting shard only
  GatherRead read;
  std::vector<ClassId> classes;
  std::vector<GatherItem> items;
  bool failed = false;

  void run(shard::Shard& here, shard::Reply<GatherJob> reply) {
    ShardApi& owner = directory->at(here.id());
    std::vector<ClassId> unsettled;
    for (const ClassId cls : classes) {
      // A tainted class may hold changes that never reached the disk: not shown.
      if (owner.owner.tainted(cls)) failed = true;
      if (failed) return reply.send();
      read.part(owner, read, cls, items);
      keep_first(items, read.max);  // after each class: a student in 100 classes stays bounded
      if (!owner.owner.settled(cls)) unsettled.push_back(cls);
    }
    if (unsettled.empty()) return reply.send();
    owner.owner.after_durable(
        std::move(unsettled), [reply = std::move(reply)](bool durable) mutable {
          if (!durable) reply.job().failed = true;  // shown from memory, not on disk: not shown
          reply.send();
        });
  }

  void finish(shard::Shard& here, net::Connection& c) {
    Gathered& g = *gathered;
    g.failed = g.failed || failed;
    for (GatherItem& item : items) g.items.push_back(std::move(item));
    keep_first(g.items, g.read.max);
    if (--g.parts_pending > 0) return;
    complete(*directory->at(here.id()).http, here, c, g.deferred, answer_of(g));
  }
};

}  // namespace

Answer dispatch_gather(ShardApi& api, http::Exchange& ex, GatherRead read,
                       const std::vector<ClassId>& classes) {
  RC_ASSERT(read.part != nullptr && read.write != nullptr && read.max > 0);
  std::map<unsigned, std::vector<ClassId>> by_owner;
  for (const ClassId cls : classes) {
    by_owner[owner::owner_of(cls, api.services.data_shards)].push_back(cls);
  }
  auto gathered = std::make_shared<Gathered>();
  gathered->read = read;
  if (by_owner.empty()) return std::get<Reply>(answer_of(*gathered));
  shard::Shard& self = api.shard();
  for (const auto& [owner, owned] : by_owner) {
    if (owner != self.id() && !self.can_post(owner)) return wire::overloaded();
  }
  gathered->deferred = ex.defer();
  gathered->parts_pending = static_cast<unsigned>(by_owner.size());
  for (auto& [owner, owned] : by_owner) {
    const bool submitted =
        shard::submit(self, owner, gathered->deferred.connection,
                      GatherJob{&api.directory, gathered, read, std::move(owned), {}, false});
    RC_ASSERT(submitted);  // can_post said there was room
  }
  return Handled{};
}

}  // namespace rollcall::api
