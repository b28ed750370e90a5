#pragma once
/// The data directory: created on first start (0700) and locked with flock(2) for
/// the process's lifetime, so two servers can never use it at once. The lock file
/// holds the owner's pid for the error message of the one that loses.

#include <string>

#include "rollcall/common/result.hpp"

namespace rollcall::app {

class DataDir {
 public:
  /// Creates `path` if needed, checks it is a writable directory and takes the lock.
  static Result<DataDir> open(const std::string& path);

  DataDir(DataDir&& other) noexcept : path_(std::move(other.path_)), lock_fd_(other.lock_fd_) {
    other.lock_fd_ = -1;
  }
  DataDir& operator=(DataDir&&) = delete;
  DataDir(const DataDir&) = delete;
  ~DataDir();

  const std::string& path() const { return path_; }

 private:
  DataDir(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::string path_;
  int lock_fd_ = -1;
};

}  // namespace rollcall::app
