#include "src/app/backup_manifest.hpp"

#include <simdjson.h>
#include <sodium.h>

#include "rollcall/common/json_writer.hpp"

namespace rollcall::app {

std::string encode_manifest(const Manifest& m) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("format").value(kBackupFormat);
  w.key("version").value(kBackupVersion);
  w.key("created_at").time_ms(m.created_ms);
  w.key("created_ms").value(m.created_ms);
  w.key("rollcall_version").value(m.rollcall_version);
  w.key("generation").value(m.generation);
  w.key("data_format").value(m.data_format);
  w.key("files").begin_array();
  for (const ManifestEntry& f : m.files) {
    w.begin_object();
    w.key("path").value(f.path);
    w.key("bytes").value(f.bytes);
    w.key("sha256").value(f.sha256);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  out += '\n';
  return out;
}

namespace {

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<ManifestEntry> parse_entry(simdjson::dom::element e) {
  ManifestEntry f;
  std::string_view path, sha;
  std::uint64_t bytes = 0;
  if (e["path"].get(path) || e["bytes"].get(bytes) || e["sha256"].get(sha)) {
    return Error{"a file entry lacks path, bytes or sha256"};
  }
  if (!is_backup_path(path)) return Error{"a file entry has a path that is not allowed"};
  if (!is_hex64(sha)) return Error{"file " + std::string(path) + " has a malformed sha256"};
  f.path = std::string(path);
  f.bytes = bytes;
  f.sha256 = std::string(sha);
  return f;
}

// "data_format": absent in backups made before it was recorded (0), else 1..2^32-1.
Status parse_data_format_field(simdjson::dom::element root, Manifest& m) {
  simdjson::dom::element field;
  if (root["data_format"].get(field) != simdjson::SUCCESS) return Ok{};
  std::uint64_t version = 0;
  if (field.get(version) || version == 0 || version > UINT32_MAX) {
    return Error{"manifest.json has a data_format that is not an integer from 1 to " +
                 std::to_string(UINT32_MAX)};
  }
  m.data_format = static_cast<std::uint32_t>(version);
  return Ok{};
}

}  // namespace

Result<Manifest> parse_manifest(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (json.size() > kManifestBytesMax || parser.parse(json.data(), json.size()).get(root)) {
    return Error{"manifest.json is not JSON"};
  }
  std::string_view format, version_text;
  std::uint64_t version = 0;
  if (root["format"].get(format) || format != kBackupFormat) {
    return Error{"manifest.json is not a rollcall backup's"};
  }
  if (root["version"].get(version) || version != kBackupVersion) {
    return Error{"backup format version " + std::to_string(version) + " is not " +
                 std::to_string(kBackupVersion) + " (made by another rollcall version?)"};
  }
  Manifest m;
  simdjson::dom::array files;
  if (root["created_ms"].get(m.created_ms) || root["generation"].get(m.generation) ||
      root["rollcall_version"].get(version_text) || root["files"].get(files)) {
    return Error{"manifest.json lacks created_ms, generation, rollcall_version or files"};
  }
  m.rollcall_version = std::string(version_text);
  if (Status s = parse_data_format_field(root, m); !s) return Error{s.error()};
  for (simdjson::dom::element e : files) {
    if (m.files.size() == kBackupFilesMax) return Error{"manifest.json lists too many files"};
    Result<ManifestEntry> f = parse_entry(e);
    if (!f) return Error{"manifest.json: " + f.error()};
    m.files.push_back(std::move(*f));
  }
  return m;
}

bool is_backup_path(std::string_view path) {
  if (path.empty() || path.size() > 255) return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    for (char c : part) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex, 2 * crypto_hash_sha256_BYTES);
}

}  // namespace rollcall::app
