#pragma once
/// The server's master secret: 32 random bytes in a file of the data directory,
/// created on first start, from which every signing key is derived.
///
/// Requires `sodium_init()` to have succeeded (the app calls it at start).

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "rollcall/common/result.hpp"

namespace rollcall::auth {

/// A 32-byte symmetric key (HMAC-SHA256 key size).
using Key = std::array<unsigned char, 32>;

/// Reads the secret at `path`, or creates it with 32 random bytes if it does not
/// exist. Creation is atomic and durable: the bytes go to `path + ".tmp"` (mode
/// 0600, whatever the umask), are fsynced, renamed over `path`, and the directory
/// is fsynced. An existing file must be a regular file of exactly 32 bytes that
/// group and others cannot access (`mode & 077 == 0`); otherwise the Error names
/// the file and what is wrong. The caller must hold the data directory's lock
/// (two processes creating the secret at once would each rename their own).
Result<Key> load_or_create_secret(const std::string& path);

/// Reads an existing secret (same checks as above) and never creates one: for
/// tools that run beside a server without holding the data directory's lock.
Result<Key> load_secret(const std::string& path);

/// A file of the data directory that only its owner may read: the secret above, the
/// VAPID private key (push/vapid.hpp).
struct PrivateFile {
  std::string path;
  std::string_view kind;  ///< names the file in errors: "secret file", "VAPID key file"
  std::size_t bytes_max;  ///< a larger file is refused unread
};

/// The whole content of `file`, or nullopt if it does not exist. It must be a
/// regular file, not a symbolic link, that group and others cannot access
/// (`mode & 077 == 0`), of at most `bytes_max` bytes; otherwise the Error names the
/// file (its kind and path) and what is wrong.
Result<std::optional<std::string>> read_private_file(const PrivateFile& file);

/// Creates or replaces `file` with `bytes` (at most `bytes_max`), atomically and
/// durably: written to `path + ".tmp"` (mode 0600 whatever the umask, a stale one
/// removed first), fsynced, renamed over `path`, then the directory is fsynced. The
/// caller holds the data directory's lock.
Status write_private_file(const PrivateFile& file, std::string_view bytes);

/// HMAC-SHA256(master, purpose): independent keys per use ("jwt", "qr", ...), so a
/// value signed for one purpose never verifies for another.
Key derive_key(const Key& master, std::string_view purpose);

}  // namespace rollcall::auth
