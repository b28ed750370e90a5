#include "rollcall/api/shard_api.hpp"

#include "rollcall/common/assert.hpp"

namespace rollcall::api {

ShardApi& Directory::at(unsigned shard) const {
  RC_ASSERT(shard < shards.size());
  RC_ASSERT(shards[shard] != nullptr);
  return *shards[shard];
}

}  // namespace rollcall::api
