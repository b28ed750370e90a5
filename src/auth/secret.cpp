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

constexpr std::string_view kSecretKind = "secret file";
/// A secret file is 32 bytes; anything up to this is read to say how big it is.
constexpr std::size_t kSecretFileBytesMax = 4096;

Error io_error(const std::string& what, const std::string& path, int err) {
  return Error{what + " " + path + ": " + std::strerror(err)};
}

/// "<kind> <path> <problem>": every error about a private file names it.
Error file_error(const PrivateFile& file, const std::string& problem) {
  return Error{std::string(file.kind) + " " + file.path + " " + problem};
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

/// Writes all of `bytes`, retrying on EINTR and short writes.
bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
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

/// The checks of read_private_file, then the content (fd open on file.path).
Result<std::string> read_open_file(int fd, const PrivateFile& file) {
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return io_error("cannot stat " + std::string(file.kind), file.path, errno);
  if (!S_ISREG(st.st_mode)) return file_error(file, "is not a regular file");
  if ((st.st_mode & 077) != 0) {
    return file_error(file, "is accessible by group or others (mode " + mode_text(st.st_mode) +
                                "); run chmod 600 " + file.path);
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size > file.bytes_max) {
    return file_error(file, "is too large: " + std::to_string(size) + " bytes, at most " +
                                std::to_string(file.bytes_max));
  }
  std::string bytes(size, '\0');
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd, bytes.data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read " + std::string(file.kind), file.path, errno);
    if (n == 0) return file_error(file, "shrank while being read");
    got += static_cast<std::size_t>(n);
  }
  return bytes;
}

/// The key in `bytes` (a secret file's content), which is wiped either way.
Result<Key> key_of(const PrivateFile& file, std::string& bytes) {
  const std::size_t size = bytes.size();
  Key key{};
  if (size == key.size()) std::memcpy(key.data(), bytes.data(), key.size());
  sodium_memzero(bytes.data(), size);
  if (size != key.size())
    return file_error(file, "must be exactly 32 bytes, it has " + std::to_string(size));
  return key;
}

Result<Key> create_secret(const PrivateFile& file) {
  std::string bytes(Key{}.size(), '\0');
  randombytes_buf(bytes.data(), bytes.size());
  Status written = write_private_file(file, bytes);
  if (!written) {
    sodium_memzero(bytes.data(), bytes.size());
    return Error{written.error()};
  }
  return key_of(file, bytes);
}

}  // namespace

Result<std::optional<std::string>> read_private_file(const PrivateFile& file) {
  const int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    if (errno == ELOOP) return file_error(file, "is a symbolic link");
    return io_error("cannot open " + std::string(file.kind), file.path, errno);
  }
  Result<std::string> bytes = read_open_file(fd, file);
  ::close(fd);
  if (!bytes) return Error{bytes.error()};
  return std::optional<std::string>(std::move(*bytes));
}

Status write_private_file(const PrivateFile& file, std::string_view bytes) {
  RC_ASSERT(bytes.size() <= file.bytes_max);
  const std::string tmp = file.path + ".tmp";
  const std::string kind(file.kind);
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT)
    return io_error("cannot remove stale", tmp, errno);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io_error("cannot create " + kind, tmp, errno);
  // fchmod: the umask may have removed owner bits; 0600 is what we read back.
  const bool written = ::fchmod(fd, 0600) == 0 && write_all(fd, bytes) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return io_error("cannot write " + kind, tmp, err);
  }
  if (::rename(tmp.c_str(), file.path.c_str()) != 0) {
    const int rename_err = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot rename " + kind + " to", file.path, rename_err);
  }
  return fsync_dir(parent_dir(file.path));
}

Result<Key> load_secret(const std::string& path) {
  const PrivateFile file{path, kSecretKind, kSecretFileBytesMax};
  Result<std::optional<std::string>> bytes = read_private_file(file);
  if (!bytes) return Error{bytes.error()};
  if (!bytes->has_value()) return io_error("cannot open secret file", path, ENOENT);
  return key_of(file, **bytes);
}

Result<Key> load_or_create_secret(const std::string& path) {
  const PrivateFile file{path, kSecretKind, kSecretFileBytesMax};
  Result<std::optional<std::string>> bytes = read_private_file(file);
  if (!bytes) return Error{bytes.error()};
  if (!bytes->has_value()) return create_secret(file);
  return key_of(file, **bytes);
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
