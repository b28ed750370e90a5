#pragma once
/// The web app's files, loaded into memory once at start-up (so serving them never
/// blocks a shard on disk) and shared read-only by every shard.
///
/// Only regular files found under the root are served, by exact path: there is no
/// path arithmetic at request time, so `..`, encoded slashes or symlinks cannot
/// reach outside the root. Each file has a strong ETag (BLAKE2b of its bytes) for
/// If-None-Match. Files change on disk only take effect after a restart.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "rollcall/common/result.hpp"

namespace rollcall::http {

class Exchange;

class StaticFiles {
 public:
  struct Limits {
    std::size_t file_bytes_max = 16 * 1024 * 1024;
    std::size_t total_bytes_max = 128 * 1024 * 1024;
    std::size_t files_max = 4096;
  };
  struct File {
    std::string content;
    std::string etag;  ///< quoted, e.g. "\"3f2a...\""
    std::string_view content_type;
    bool immutable = false;  ///< under /assets/ (content-hashed names): cache for a year
  };

  /// Loads every regular file under `root`. A missing root is not an error (nothing
  /// is served; `/` answers 404); an unreadable one is.
  static Result<StaticFiles> load(const std::string& root, const Limits& limits);

  /// The file for URL path `path` ("/" means "/index.html"), or nullptr.
  const File* find(std::string_view path) const;
  std::size_t file_count() const { return files_.size(); }
  std::size_t total_bytes() const { return total_bytes_; }
  const std::string& root() const { return root_; }

  /// Answers a GET or HEAD for `exchange.request.path`: the file, 304 when the
  /// If-None-Match matches, `index.html` for extension-less paths (client-side
  /// routes of the web app), 404 otherwise; 405 for other methods.
  void serve(Exchange& exchange) const;

  /// Content-Type for a file name by extension.
  static std::string_view content_type_for(std::string_view name);
  /// Percent-decodes `path`; false on malformed escapes or a decoded NUL.
  static bool percent_decode(std::string_view path, std::string& out);

 private:
  std::unordered_map<std::string, File> files_;
  std::size_t total_bytes_ = 0;
  std::string root_;
};

}  // namespace rollcall::http
