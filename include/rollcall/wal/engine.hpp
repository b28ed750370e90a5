#pragma once
/// The embedded storage engine: per-shard write-ahead logs with snapshots, in
/// generations under `<data-dir>/wal` (store.hpp). The default engine.

#include <cstdint>
#include <memory>
#include <string>

#include "rollcall/storage/engine.hpp"
#include "rollcall/storage/health.hpp"

namespace rollcall::wal {

struct EngineConfig {
  std::string data_dir;
  std::uint64_t segment_bytes = 64ull << 20;           ///< `--wal-segment-bytes`
  std::uint64_t checkpoint_after_bytes = 64ull << 20;  ///< `--wal-snapshot-bytes`
  /// Where each shard's log says it failed (`/readyz`); may be null.
  storage::Health* health = nullptr;
};

class Engine final : public storage::Engine {
 public:
  explicit Engine(EngineConfig config) : config_(std::move(config)) {}

  std::string location() const override { return config_.data_dir; }
  Result<storage::Stored> load(std::shared_ptr<const domain::Roster> seed) override;
  Status start_generation(const storage::Generation& next) override;
  Result<std::unique_ptr<storage::Log>> open_log(shard::Shard& shard, unsigned index,
                                                 std::uint64_t generation) override;

 private:
  EngineConfig config_;
};

}  // namespace rollcall::wal
