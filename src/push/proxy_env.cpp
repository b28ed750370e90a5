#include "rollcall/push/proxy_env.hpp"

#include <cstdlib>

namespace rollcall::push {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

std::string first_set(std::initializer_list<const char*> names) {
  for (const char* n : names) {
    std::string v = env(n);
    if (!v.empty()) return v;
  }
  return {};
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto fold = [](char ch) { return ch >= 'A' && ch <= 'Z' ? char(ch - 'A' + 'a') : ch; };
    if (fold(a[i]) != fold(b[i])) return false;
  }
  return true;
}

// `host` is `name` or a host under it.
bool matches(std::string_view host, std::string_view name) {
  if (!name.empty() && name.front() == '.') name.remove_prefix(1);
  if (name.empty()) return false;
  if (iequal(host, name)) return true;
  return host.size() > name.size() && host[host.size() - name.size() - 1] == '.' &&
         iequal(host.substr(host.size() - name.size()), name);
}

bool excluded(std::string_view no_proxy, std::string_view host) {
  std::size_t i = 0;
  while (i < no_proxy.size()) {
    const std::size_t end = no_proxy.find_first_of(", \t", i);
    const std::string_view entry =
        no_proxy.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    if (entry == "*" || matches(host, entry)) return true;
    // An IPv6 host is bracketed in a URL; no_proxy may name it either way.
    if (host.size() > 2 && host.front() == '[' && matches(host.substr(1, host.size() - 2), entry)) {
      return true;
    }
    if (end == std::string_view::npos) break;
    i = end + 1;
  }
  return false;
}

}  // namespace

ProxyEnv ProxyEnv::from_environment() {
  const std::string all = first_set({"all_proxy", "ALL_PROXY"});
  std::string https = first_set({"https_proxy", "HTTPS_PROXY"});
  std::string http = env("http_proxy");  // libcurl ignores HTTP_PROXY (CGI's HTTP_ headers)
  return ProxyEnv(https.empty() ? all : https, http.empty() ? all : http,
                  first_set({"no_proxy", "NO_PROXY"}));
}

std::string_view ProxyEnv::proxy_for(std::string_view scheme, std::string_view host) const {
  const std::string* proxy = nullptr;
  if (scheme == "https") proxy = &https_;
  if (scheme == "http") proxy = &http_;
  if (proxy == nullptr || proxy->empty() || excluded(no_proxy_, host)) return {};
  return *proxy;
}

}  // namespace rollcall::push
