#include "rollcall/auth/secret.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace rollcall::auth {

namespace {

Error io_error(const std::string& what, const std::string& path, int err) {
  return Error{what + " " + path + ": " + std::strerror(err)};
}

std::string parent_dir(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

/// Writes all of `size` bytes, retrying on EINTR and short writes.
bool write_all(int fd, const unsigned char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

Status fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open directory", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("cannot fsync directory", dir, err);
  return Ok{};
}

Result<Key> create_secret(const std::string& path) {
  const std::string tmp = path + ".tmp";
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT)
    return io_error("cannot remove stale", tmp, errno);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io_error("cannot create secret file", tmp, errno);
  Key key;
  randombytes_buf(key.data(), key.size());
  // fchmod: the umask may have removed owner bits; 0600 is what we read back.
  const bool written =
      ::fchmod(fd, 0600) == 0 && write_all(fd, key.data(), key.size()) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return io_error("cannot write secret file", tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int rename_err = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot rename secret file to", path, rename_err);
  }
  Status synced = fsync_dir(parent_dir(path));
  if (!synced) return Error{synced.error()};
  return key;
}

Result<Key> read_secret(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return io_error("cannot stat secret file", path, errno);
  if (!S_ISREG(st.st_mode)) return Error{"secret file " + path + " is not a regular file"};
  if ((st.st_mode & 077) != 0) {
    return Error{"secret file " + path + " is accessible by group or others (mode " +
                 mode_text(st.st_mode) + "); run chmod 600 " + path};
  }
  if (st.st_size != static_cast<off_t>(Key{}.size())) {
    return Error{"secret file " + path + " must be exactly 32 bytes, it has " +
                 std::to_string(st.st_size)};
  }
  Key key;
  std::size_t got = 0;
  while (got < key.size()) {
    const ssize_t n = ::read(fd, key.data() + got, key.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read secret file", path, errno);
    if (n == 0) return Error{"secret file " + path + " shrank while being read"};
    got += static_cast<std::size_t>(n);
  }
  return key;
}

}  // namespace

Result<Key> load_secret(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ELOOP) return Error{"secret file " + path + " is a symbolic link"};
    return io_error("cannot open secret file", path, errno);
  }
  Result<Key> key = read_secret(fd, path);
  ::close(fd);
  return key;
}

Result<Key> load_or_create_secret(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return create_secret(path);
    if (errno == ELOOP) return Error{"secret file " + path + " is a symbolic link"};
    return io_error("cannot open secret file", path, errno);
  }
  Result<Key> key = read_secret(fd, path);
  ::close(fd);
  return key;
}

Key derive_key(const Key& master, std::string_view purpose) {
  static_assert(sizeof(Key) == crypto_auth_hmacsha256_KEYBYTES);
  static_assert(sizeof(Key) == crypto_auth_hmacsha256_BYTES);
  Key out;
  crypto_auth_hmacsha256(out.data(), reinterpret_cast<const unsigned char*>(purpose.data()),
                         purpose.size(), master.data());
  return out;
}

}  // namespace rollcall::auth
