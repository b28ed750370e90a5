#include "rollcall/app/data_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "rollcall/app/data_format.hpp"

namespace rollcall::app {

namespace {
constexpr const char* kLockFile = "rollcall.lock";
}

Result<DataDir> DataDir::open(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    fs::create_directories(path, ec);
    if (ec) return Error{"cannot create data directory " + path + ": " + ec.message()};
    ::chmod(path.c_str(), 0700);
  }
  if (!fs::is_directory(path, ec)) return Error{"data directory " + path + " is not a directory"};
  if (::access(path.c_str(), R_OK | W_OK | X_OK) != 0) {
    return Error{"data directory " + path + " is not writable: " + std::strerror(errno)};
  }
  const std::string lock_path = path + "/" + kLockFile;
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot open lock file " + lock_path + ": " + std::strerror(errno)};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char pid_text[32] = {};
    const ssize_t n = ::pread(fd, pid_text, sizeof pid_text - 1, 0);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      std::string owner = n > 0 ? std::string(pid_text, static_cast<std::size_t>(n)) : "";
      while (!owner.empty() && (owner.back() == '\n' || owner.back() == ' ')) owner.pop_back();
      return Error{"data directory " + path + " is in use by another rollcall process" +
                   (owner.empty() ? std::string() : " (pid " + owner + ")") +
                   ": stop the server first"};
    }
    return Error{"cannot lock data directory " + path + ": " + std::strerror(err)};
  }
  // Under the lock, before anything is written (the pid included): a directory
  // this rollcall cannot read is refused untouched.
  Result<std::uint32_t> format = check_data_format(path, FormatUse::Own);
  if (!format) {
    ::close(fd);
    return Error{format.error()};
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int err = errno;
    ::close(fd);
    return Error{"cannot write lock file " + lock_path + ": " + std::strerror(err)};
  }
  return DataDir(path, fd, *format);
}

DataDir::~DataDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

}  // namespace rollcall::app
