#include "rollcall/http/static_files.hpp"

#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "rollcall/http/parser.hpp"
#include "rollcall/http/server.hpp"

namespace rollcall::http {

namespace fs = std::filesystem;

namespace {

std::string etag_of(std::string_view content) {
  unsigned char hash[16];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(content.data()),
                     content.size(), nullptr, 0);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string etag = "\"";
  for (unsigned char b : hash) {
    etag.push_back(kHex[b >> 4]);
    etag.push_back(kHex[b & 0xF]);
  }
  etag.push_back('"');
  return etag;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match == "*") return true;
  // A comma-separated list of entity tags, possibly weak (W/"..."): weak comparison.
  std::size_t pos = 0;
  while (pos < if_none_match.size()) {
    std::size_t comma = if_none_match.find(',', pos);
    if (comma == std::string_view::npos) comma = if_none_match.size();
    std::string_view tag = if_none_match.substr(pos, comma - pos);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.size() > 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
    if (tag == etag) return true;
    pos = comma + 1;
  }
  return false;
}

}  // namespace

std::string_view StaticFiles::content_type_for(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  const std::string_view ext = name.substr(dot + 1);
  struct Entry {
    std::string_view ext;
    std::string_view type;
  };
  static constexpr Entry kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"txt", "text/plain; charset=utf-8"},
      {"woff2", "font/woff2"},
      {"woff", "font/woff"},
      {"wasm", "application/wasm"},
  };
  for (const Entry& e : kTypes) {
    if (ascii_iequals(e.ext, ext)) return e.type;
  }
  return "application/octet-stream";
}

bool StaticFiles::percent_decode(std::string_view path, std::string& out) {
  out.clear();
  auto hex = [](char ch) -> int {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      out.push_back(path[i]);
      continue;
    }
    if (i + 2 >= path.size()) return false;
    const int hi = hex(path[i + 1]);
    const int lo = hex(path[i + 2]);
    if (hi < 0 || lo < 0) return false;
    const char decoded = static_cast<char>(hi * 16 + lo);
    if (decoded == '\0') return false;
    out.push_back(decoded);
    i += 2;
  }
  return true;
}

Result<StaticFiles> StaticFiles::load(const std::string& root, const Limits& limits) {
  StaticFiles out;
  out.root_ = root;
  std::error_code ec;
  if (!fs::exists(root, ec)) return out;
  if (!fs::is_directory(root, ec)) return Error{"web directory " + root + " is not a directory"};
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) return Error{"cannot read web directory " + root + ": " + ec.message()};
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Error{"cannot read web directory " + root + ": " + ec.message()};
    // Symlinks are skipped: what is served is exactly what lives under the root.
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
    const fs::path rel = fs::relative(it->path(), root, ec);
    if (ec) continue;
    if (out.files_.size() >= limits.files_max) {
      return Error{"web directory " + root + " holds more than " +
                   std::to_string(limits.files_max) + " files"};
    }
    const auto size = it->file_size(ec);
    if (ec || size > limits.file_bytes_max) {
      return Error{"web file " + it->path().string() + " is larger than the per-file limit"};
    }
    if (out.total_bytes_ + size > limits.total_bytes_max) {
      return Error{"web directory " + root + " is larger than the total limit"};
    }
    std::ifstream in(it->path(), std::ios::binary);
    if (!in) return Error{"cannot read web file " + it->path().string()};
    File f;
    f.content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    f.etag = etag_of(f.content);
    const std::string url = "/" + rel.generic_string();
    f.content_type = content_type_for(url);
    f.immutable = url.rfind("/assets/", 0) == 0;
    out.total_bytes_ += f.content.size();
    out.files_.emplace(url, std::move(f));
  }
  return out;
}

const StaticFiles::File* StaticFiles::find(std::string_view path) const {
  const std::string key = path == "/" ? std::string("/index.html") : std::string(path);
  const auto it = files_.find(key);
  return it == files_.end() ? nullptr : &it->second;
}

void StaticFiles::serve(Exchange& ex) const {
  const RequestHead& req = ex.request;
  if (req.method != Method::Get && req.method != Method::Head) {
    ex.respond_error(405, "method_not_allowed", "only GET and HEAD are allowed here",
                     {{"Allow", "GET, HEAD"}});
    return;
  }
  std::string decoded;
  if (req.path.empty() || req.path.front() != '/') {
    ex.respond_error(404, "not_found", "no such file");
    return;
  }
  if (!percent_decode(req.path, decoded)) {
    ex.respond_error(400, "bad_path", "the path has a malformed percent-escape");
    return;
  }
  const File* file = find(decoded);
  if (file == nullptr) {
    // Client-side routes of the web app (no file extension in the last segment).
    const std::string_view last = std::string_view(decoded).substr(decoded.rfind('/') + 1);
    if (last.find('.') == std::string_view::npos) file = find("/index.html");
  }
  if (file == nullptr) {
    ex.respond_error(404, "not_found", "no such file");
    return;
  }
  const std::string_view cache =
      file->immutable ? "public, max-age=31536000, immutable" : "no-cache";
  const std::string_view inm = req.header("if-none-match");
  if (!inm.empty() && etag_matches(inm, file->etag)) {
    ex.respond(304, {}, {}, {{"ETag", file->etag}, {"Cache-Control", cache}});
    return;
  }
  ex.respond(
      200, file->content_type, file->content,
      {{"ETag", file->etag}, {"Cache-Control", cache}, {"X-Content-Type-Options", "nosniff"}});
}

}  // namespace rollcall::http
