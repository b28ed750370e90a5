#pragma once
/// The roster on disk: `<data-dir>/roster.json`, mode 0600 (it holds password
/// hashes), replaced atomically (temp file, fsync, rename, fsync of the directory)
/// on every change, so a crash leaves either the old or the new roster, never half.
/// Roster changes are rare (class joins, imports); attendance does not go here.

#include <memory>
#include <string>

#include "rollcall/common/result.hpp"
#include "rollcall/domain/roster.hpp"

namespace rollcall::api {

class RosterStore {
 public:
  explicit RosterStore(std::string data_dir);

  const std::string& path() const { return path_; }
  bool exists() const;

  /// Reads the roster; an Error names the file and what is wrong with it.
  Result<std::shared_ptr<const domain::Roster>> load() const;
  /// Writes `roster` durably (see above).
  Status save(const domain::Roster& roster) const;

  /// The JSON text of `roster` (also used by tests).
  static std::string to_json(const domain::Roster& roster);
  static Result<std::shared_ptr<const domain::Roster>> from_json(std::string_view json);

 private:
  std::string dir_;
  std::string path_;
};

}  // namespace rollcall::api
