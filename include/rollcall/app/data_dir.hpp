#pragma once
/// The data directory: created on first start (0700) and locked with flock(2) for
/// the process's lifetime, so two servers can never use it at once. The lock file
/// holds the owner's pid for the error message of the one that loses. Opening it
/// checks its data format (data_format.hpp) under the lock, before anything is
/// written: a new directory gets its format.json, an older one is upgraded, one this
/// rollcall cannot read is refused untouched.

#include <cstdint>
#include <string>

#include "rollcall/common/result.hpp"

namespace rollcall::app {

class DataDir {
 public:
  /// Creates `path` if needed, checks it is a writable directory, takes the lock and
  /// checks the data format (`check_data_format`, FormatUse::Own).
  static Result<DataDir> open(const std::string& path);

  DataDir(DataDir&& other) noexcept
      : path_(std::move(other.path_)), lock_fd_(other.lock_fd_), format_(other.format_) {
    other.lock_fd_ = -1;
  }
  DataDir& operator=(DataDir&&) = delete;
  DataDir(const DataDir&) = delete;
  ~DataDir();

  const std::string& path() const { return path_; }
  /// The directory's data format version (this rollcall's, once opened).
  std::uint32_t format_version() const { return format_; }

 private:
  DataDir(std::string path, int lock_fd, std::uint32_t format)
      : path_(std::move(path)), lock_fd_(lock_fd), format_(format) {}
  std::string path_;
  int lock_fd_ = -1;
  std::uint32_t format_ = 0;
};

}  // namespace rollcall::app
