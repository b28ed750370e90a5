#include "rollcall/push/ca_bundle.hpp"

#include <curl/curl.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <optional>

namespace rollcall::push {

namespace {

struct EasyDeleter {
  void operator()(CURL* e) const { curl_easy_cleanup(e); }
};

// The whole file, or nullopt if it cannot be opened; `too_big` when over the bound.
std::optional<std::string> read_file(const std::string& path, bool& too_big) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kCaBundleBytesMax) {
      too_big = true;
      return std::nullopt;
    }
  }
  if (in.bad()) return std::nullopt;
  return text;
}

}  // namespace

std::string curl_default_ca_bundle() {
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) return {};
  char* path = nullptr;
  if (curl_easy_getinfo(easy.get(), CURLINFO_CAINFO, &path) != CURLE_OK || path == nullptr) {
    return {};
  }
  return path;
}

Result<std::string> combined_ca_bundle(std::string_view system_path, std::string_view extra_path) {
  bool too_big = false;
  const std::string extra_name(extra_path);
  std::optional<std::string> extra = read_file(extra_name, too_big);
  if (too_big) {
    return Error{"the CA file " + extra_name + " is larger than " +
                 std::to_string(kCaBundleBytesMax) + " bytes"};
  }
  if (!extra) return Error{"cannot read the CA file " + extra_name};
  if (extra->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return Error{"the CA file " + extra_name + " holds no PEM certificate"};
  }
  std::string bundle;
  if (!system_path.empty()) {
    const std::string system_name(system_path);
    bool system_too_big = false;
    std::optional<std::string> system = read_file(system_name, system_too_big);
    if (system_too_big) {
      return Error{"the system CA bundle " + system_name + " is larger than " +
                   std::to_string(kCaBundleBytesMax) + " bytes"};
    }
    if (system) bundle = std::move(*system);
    if (!bundle.empty() && bundle.back() != '\n') bundle += '\n';
  }
  bundle += *extra;
  return bundle;
}

}  // namespace rollcall::push
