#pragma once
/// Which proxy a push request goes through. Districts may only reach the Internet
/// through one, so the sender honours the proxy environment variables the way
/// libcurl reads them; but it decides per request itself (and tells libcurl), for it
/// must know whether a connection goes to the push service (whose address is
/// checked) or to the operator's proxy (which is not: it is usually private, and it
/// resolves the push service's name itself).

#include <string>
#include <string_view>

namespace rollcall::push {

class ProxyEnv {
 public:
  /// No proxy at all.
  ProxyEnv() = default;
  /// `https` for https URLs, `http` for http URLs (either may be empty: direct),
  /// `no_proxy` as in the environment.
  ProxyEnv(std::string https, std::string http, std::string no_proxy)
      : https_(std::move(https)), http_(std::move(http)), no_proxy_(std::move(no_proxy)) {}

  /// As libcurl reads the environment: `https_proxy` (or `HTTPS_PROXY`), `http_proxy`
  /// (lower case only), both falling back to `all_proxy` (or `ALL_PROXY`); `no_proxy`
  /// (or `NO_PROXY`).
  static ProxyEnv from_environment();

  /// The proxy for a request to `scheme`://`host` (host as `Endpoint::host`), or
  /// empty: connect directly. `no_proxy` is `*` (no proxy for anyone) or a list
  /// separated by commas or blanks of names, each matching that host and the hosts
  /// under it (a leading dot is ignored), or of addresses matched exactly.
  std::string_view proxy_for(std::string_view scheme, std::string_view host) const;

 private:
  std::string https_;
  std::string http_;
  std::string no_proxy_;
};

}  // namespace rollcall::push
