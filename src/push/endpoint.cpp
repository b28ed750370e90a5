#include "rollcall/push/endpoint.hpp"

#include <curl/curl.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>

namespace rollcall::push {

namespace {

// libcurl's URL handle and the strings it hands out, freed by their owners.
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using Url = std::unique_ptr<CURLU, UrlDeleter>;

// One part of `url`, or nullopt if it has none.
std::optional<std::string> part(CURLU* url, CURLUPart which, unsigned flags = 0) {
  char* text = nullptr;
  if (curl_url_get(url, which, &text, flags) != CURLUE_OK || text == nullptr) return std::nullopt;
  std::string out(text);
  curl_free(text);
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) { return ch > 0x20 && ch < 0x7f; });
}

bool all_of_chars(std::string_view s, std::string_view allowed) {
  return !s.empty() && s.find_first_not_of(allowed) == std::string_view::npos;
}

// A last label that makes a host a number (WHATWG "ends in a number"): decimal, or
// hexadecimal with 0x. libcurl turns the forms it knows into dotted quads; anything
// numeric that is still not one is no name either.
bool ends_in_number(std::string_view host) {
  const std::size_t dot = host.rfind('.');
  std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (all_of_chars(last, "0123456789")) return true;
  return last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X') &&
         (last.size() == 2 || all_of_chars(last.substr(2), "0123456789abcdefABCDEF"));
}

bool is_localhost(std::string_view host) {
  constexpr std::string_view kName = "localhost";
  constexpr std::string_view kSuffix = ".localhost";
  return host == kName ||
         (host.size() > kSuffix.size() && host.substr(host.size() - kSuffix.size()) == kSuffix);
}

// The address rules, for a host that is an address literal or a name.
Status judge_host(const std::string& host, bool allow_private) {
  if (host.empty()) return Error{"the endpoint has no host"};
  if (host.back() == '.') return Error{"the endpoint's host ends with a dot"};
  const bool bracketed = host.front() == '[';
  // An IPv6 literal is parsed without its brackets: net::parse_ip refuses an
  // IPv4-mapped address in brackets, and `[::ffff:127.0.0.1]` must be judged.
  std::optional<net::IpAddress> ip =
      net::parse_ip(bracketed ? std::string_view(host).substr(1, host.size() - 2) : host);
  if (bracketed && (!ip || host.back() != ']')) {
    return Error{"the endpoint's host " + host + " is not an IPv6 address"};
  }
  if (!ip && ends_in_number(host)) {
    return Error{"the endpoint's host '" + host + "' is neither a name nor an IPv4 address"};
  }
  if (allow_private) return Ok{};
  if (ip && !public_address(*ip)) {
    return Error{"the endpoint's host " + host +
                 " is a loopback, private, link-local or otherwise non-public address"};
  }
  if (!ip && is_localhost(host)) {
    return Error{"the endpoint's host " + host + " is localhost"};
  }
  return Ok{};
}

// Parts that must be absent, and the port that must not be 0.
Status judge_parts(CURLU* url) {
  if (part(url, CURLUPART_USER) || part(url, CURLUPART_PASSWORD) || part(url, CURLUPART_OPTIONS)) {
    return Error{"the endpoint must not hold user information"};
  }
  if (part(url, CURLUPART_FRAGMENT)) return Error{"the endpoint must not have a fragment"};
  if (part(url, CURLUPART_ZONEID)) return Error{"the endpoint must not name an IPv6 zone"};
  if (part(url, CURLUPART_PORT) == "0") return Error{"the endpoint's port must not be 0"};
  return Ok{};
}

Status judge_text(std::string_view url) {
  if (url.size() > kEndpointBytesMax) {
    return Error{"the endpoint is longer than " + std::to_string(kEndpointBytesMax) + " bytes"};
  }
  if (!printable_ascii(url)) {
    return Error{"the endpoint must be printable ASCII without blanks"};
  }
  constexpr std::string_view kScheme = "https://";
  if (url.size() <= kScheme.size() || lower(url.substr(0, kScheme.size())) != kScheme) {
    return Error{"the endpoint must be an https:// URL"};
  }
  if (url[kScheme.size()] == '/') return Error{"the endpoint has no host"};
  return Ok{};
}

}  // namespace

Result<Endpoint> parse_endpoint(std::string_view text, bool allow_private) {
  if (Status s = judge_text(text); !s) return Error{s.error()};
  Url url(curl_url());
  RC_ASSERT(url != nullptr);
  const std::string copy(text);
  if (const CURLUcode rc = curl_url_set(url.get(), CURLUPART_URL, copy.c_str(), 0);
      rc != CURLUE_OK) {
    return Error{std::string("the endpoint is not a URL: ") + curl_url_strerror(rc)};
  }
  if (part(url.get(), CURLUPART_SCHEME) != "https") {
    return Error{"the endpoint must be an https:// URL"};
  }
  if (Status s = judge_parts(url.get()); !s) return Error{s.error()};
  const std::string host = lower(part(url.get(), CURLUPART_HOST).value_or(""));
  if (Status s = judge_host(host, allow_private); !s) return Error{s.error()};
  // The host in lower case in the stored URL too, so one service is one host.
  if (curl_url_set(url.get(), CURLUPART_HOST, host.c_str(), 0) != CURLUE_OK) {
    return Error{"the endpoint's host '" + host + "' is not a host name"};
  }
  Endpoint e;
  e.url = part(url.get(), CURLUPART_URL).value_or("");
  e.host = host;
  e.origin = "https://" + host;
  if (std::optional<std::string> port = part(url.get(), CURLUPART_PORT, CURLU_NO_DEFAULT_PORT)) {
    e.origin += ":" + *port;
  }
  if (e.url.empty() || e.url.size() > kEndpointBytesMax) {
    return Error{"the endpoint is longer than " + std::to_string(kEndpointBytesMax) +
                 " bytes once normalized"};
  }
  return e;
}

namespace {

struct Network {
  std::uint8_t bytes[16];
  unsigned prefix;
};

bool in(const net::IpAddress& ip, const Network& n) {
  const unsigned whole = n.prefix / 8;
  if (std::memcmp(ip.bytes.data(), n.bytes, whole) != 0) return false;
  const unsigned rest = n.prefix % 8;
  if (rest == 0) return true;
  const std::uint8_t mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return (ip.bytes[whole] & mask) == (n.bytes[whole] & mask);
}

// IPv4 networks as IPv4-mapped IPv6 (::ffff:a.b.c.d, prefix + 96).
constexpr Network v4(std::uint8_t a, std::uint8_t b, unsigned prefix) {
  return Network{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, a, b, 0, 0}, prefix + 96};
}

constexpr Network kNotPublicV4[] = {
    v4(0, 0, 8),     v4(10, 0, 8),     v4(100, 64, 10), v4(127, 0, 8), v4(169, 254, 16),
    v4(172, 16, 12), v4(192, 168, 16), v4(198, 18, 15), v4(224, 0, 3),
};

constexpr Network kNotPublicV6[] = {
    {{0}, 96},                                   // ::/96: ::, ::1, IPv4-compatible
    {{0xFC}, 7},                                 // unique local
    {{0xFE, 0x80}, 10},                          // link-local
    {{0xFE, 0xC0}, 10},                          // site-local (deprecated)
    {{0xFF}, 8},                                 // multicast
    {{0x01, 0x00, 0, 0, 0, 0, 0, 0}, 64},        // discard-only
    {{0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01}, 48},  // local-use NAT64
};

constexpr Network kMapped = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, 96};
constexpr Network kNat64 = {{0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0}, 96};
constexpr Network k6to4 = {{0x20, 0x02}, 16};

bool public_v4(const std::uint8_t* four) {
  net::IpAddress mapped;
  mapped.bytes[10] = mapped.bytes[11] = 0xFF;
  std::memcpy(mapped.bytes.data() + 12, four, 4);
  return std::none_of(std::begin(kNotPublicV4), std::end(kNotPublicV4),
                      [&](const Network& n) { return in(mapped, n); });
}

}  // namespace

bool public_address(const net::IpAddress& ip) {
  if (in(ip, kMapped) || in(ip, kNat64)) return public_v4(ip.bytes.data() + 12);
  if (in(ip, k6to4)) return public_v4(ip.bytes.data() + 2);
  return std::none_of(std::begin(kNotPublicV6), std::end(kNotPublicV6),
                      [&](const Network& n) { return in(ip, n); });
}

bool public_address(const sockaddr* address, std::size_t length) {
  if (address == nullptr || length < sizeof(sa_family_t)) return false;
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in v4_address;
    std::memcpy(&v4_address, address, sizeof v4_address);
    std::uint8_t four[4];
    std::memcpy(four, &v4_address.sin_addr.s_addr, 4);
    return public_v4(four);
  }
  if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    sockaddr_in6 v6_address;
    std::memcpy(&v6_address, address, sizeof v6_address);
    net::IpAddress ip;
    std::memcpy(ip.bytes.data(), v6_address.sin6_addr.s6_addr, 16);
    return public_address(ip);
  }
  return false;
}

}  // namespace rollcall::push
