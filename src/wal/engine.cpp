#include "rollcall/wal/engine.hpp"

#include "rollcall/wal/reader.hpp"
#include "rollcall/wal/shard_log.hpp"
#include "rollcall/wal/store.hpp"

namespace rollcall::wal {

Result<storage::Stored> Engine::load(std::shared_ptr<const domain::Roster> seed) {
  return read_generation(config_.data_dir, std::move(seed));
}

Status Engine::start_generation(const storage::Generation& next) {
  RC_ASSERT(next.roster != nullptr);
  const LogStore store(config_.data_dir);
  const domain::PushDirectory none;
  return store.start_generation(next.number, *next.roster, next.push ? *next.push : none,
                                next.classes_by_shard, next.feeds_by_shard);
}

Result<std::unique_ptr<storage::Log>> Engine::open_log(shard::Shard& shard, unsigned index,
                                                       std::uint64_t generation) {
  const LogStore store(config_.data_dir);
  ShardLogConfig config;
  config.writer = LogWriterConfig{store.shard_dir(generation, index), index, generation, 1,
                                  config_.segment_bytes};
  config.checkpoint_after_bytes = config_.checkpoint_after_bytes;
  config.health = config_.health;
  return std::unique_ptr<storage::Log>(std::make_unique<ShardLog>(shard, config));
}

}  // namespace rollcall::wal
