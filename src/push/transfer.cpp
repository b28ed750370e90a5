#include "transfer.hpp"

#include <sys/socket.h>

#include <string>

#include "rollcall/common/assert.hpp"
#include "rollcall/push/endpoint.hpp"
#include "rollcall_build_config.h"

namespace rollcall::push::detail {

namespace {

// Every option set here is one this libcurl supports (7.88, with HTTP/2): a
// refusal is a build problem, not something to carry on without.
template <typename Value>
void set(CURL* easy, CURLoption option, Value value) {
  const CURLcode rc = curl_easy_setopt(easy, option, value);
  RC_ASSERT(rc == CURLE_OK);
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char ch = text[i];
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    if (ch != prefix[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool tls_error(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED: return true;
    default: return false;
  }
}

}  // namespace

Transfer::Transfer() : easy_(curl_easy_init()) {
  RC_ASSERT(easy_ != nullptr);
}

Transfer::~Transfer() {
  RC_ASSERT(tag_ == kTag);
  tag_ = 0;
  curl_slist_free_all(headers_);
  curl_easy_cleanup(easy_);
}

// The one place a libcurl userdata pointer becomes a Transfer: every callback
// registers `this` (prepare) and starts here.
Transfer& Transfer::from_userdata(void* userdata) {
  RC_ASSERT(userdata != nullptr);
  Transfer* t = static_cast<Transfer*>(userdata);
  RC_ASSERT(t->tag_ == kTag);
  return *t;
}

void Transfer::set_headers(const Delivery& d, std::uint32_t ttl_s) {
  RC_ASSERT(headers_ == nullptr);
  const auto add = [this](const std::string& line) {
    curl_slist* grown = curl_slist_append(headers_, line.c_str());
    RC_ASSERT(grown != nullptr);
    headers_ = grown;
  };
  add("TTL: " + std::to_string(ttl_s));
  add("Urgency: " + d.urgency);
  if (!d.topic.empty()) add("Topic: " + d.topic);
  add("Content-Encoding: aes128gcm");
  add("Content-Type: application/octet-stream");
  add("Authorization: " + d.authorization);
  add("Expect:");  // no 100-continue round trip (libcurl's default above 1 KiB)
}

void Transfer::prepare(const Delivery& d, std::uint32_t ttl_s, std::string_view proxy,
                       const TransferOptions& options, SendQueue::Ticket ticket) {
  RC_ASSERT(d.body.size() <= kBodyBytesMax);
  ticket_ = ticket;
  check_addresses_ = options.check_addresses && proxy.empty();
  set_headers(d, ttl_s);
  set(easy_, CURLOPT_ERRORBUFFER, error_text_);
  set(easy_, CURLOPT_URL, d.endpoint.c_str());
  set(easy_, CURLOPT_POST, 1L);
  set(easy_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(d.body.size()));
  set(easy_, CURLOPT_POSTFIELDS, d.body.data());
  set(easy_, CURLOPT_HTTPHEADER, headers_);
  set(easy_, CURLOPT_USERAGENT, "rollcall/" ROLLCALL_VERSION);
  set(easy_, CURLOPT_PROTOCOLS_STR, options.protocols.c_str());
  set(easy_, CURLOPT_FOLLOWLOCATION, 0L);
  set(easy_, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  // Over TLS, wait for a connection being set up to learn (ALPN) whether it
  // multiplexes rather than open more. Plain HTTP (tests) never multiplexes, and
  // waiting would serialize every request behind the first.
  if (starts_with_ignoring_case(d.endpoint, "https://")) set(easy_, CURLOPT_PIPEWAIT, 1L);
  set(easy_, CURLOPT_NOSIGNAL, 1L);
  set(easy_, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout_ms));
  set(easy_, CURLOPT_TCP_KEEPALIVE, 1L);
  // An empty proxy turns libcurl's own reading of the environment off: the sender
  // decided (ProxyEnv), and the address check depends on that decision.
  const std::string proxy_url(proxy);
  set(easy_, CURLOPT_PROXY, proxy_url.c_str());
  set(easy_, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  set(easy_, CURLOPT_HEADERDATA, static_cast<void*>(this));
  set(easy_, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
  set(easy_, CURLOPT_WRITEDATA, static_cast<void*>(this));
  set(easy_, CURLOPT_OPENSOCKETFUNCTION, &Transfer::on_open_socket);
  set(easy_, CURLOPT_OPENSOCKETDATA, static_cast<void*>(this));
  if (options.ca_bundle != nullptr) set(easy_, CURLOPT_CAINFO_BLOB, options.ca_bundle);
}

void Transfer::reset() {
  curl_easy_reset(easy_);  // keeps the handle's caches (DNS, TLS sessions)
  curl_slist_free_all(headers_);
  headers_ = nullptr;
  addresses_refused_ = addresses_allowed_ = 0;
  header_bytes_ = body_bytes_ = 0;
  header_overflow_ = body_overflow_ = false;
  retry_after_.clear();
  error_text_[0] = '\0';
}

TransportError Transfer::error(CURLcode code) const {
  switch (code) {
    case CURLE_OK: return TransportError::None;
    case CURLE_OPERATION_TIMEDOUT: return TransportError::Timeout;
    case CURLE_WRITE_ERROR:
      // Our body bound cut it short: the status is known and decides.
      return body_overflow_ && !header_overflow_ ? TransportError::None : TransportError::Network;
    case CURLE_COULDNT_CONNECT:
      return addresses_refused_ > 0 && addresses_allowed_ == 0 ? TransportError::BlockedAddress
                                                               : TransportError::Network;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT: return TransportError::Unsendable;
    default: return tls_error(code) ? TransportError::Tls : TransportError::Network;
  }
}

int Transfer::http_status() const {
  long status = 0;
  if (curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK) return 0;
  return static_cast<int>(status);
}

std::size_t Transfer::on_header(char* data, std::size_t size, std::size_t count, void* userdata) {
  Transfer& t = from_userdata(userdata);
  const std::size_t n = size * count;
  t.header_bytes_ += n;
  if (t.header_bytes_ > kResponseHeaderBytesMax) {
    t.header_overflow_ = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  const std::string_view line(data, n);
  if (starts_with_ignoring_case(line, "http/")) {
    t.retry_after_.clear();  // a new response (after a 1xx): only the final one counts
  } else if (starts_with_ignoring_case(line, "retry-after:")) {
    const std::string_view value = trim(line.substr(12));
    if (value.size() <= kRetryAfterBytesMax) t.retry_after_.assign(value);
  }
  return n;
}

std::size_t Transfer::on_body(char*, std::size_t size, std::size_t count, void* userdata) {
  Transfer& t = from_userdata(userdata);
  const std::size_t n = size * count;
  t.body_bytes_ += n;
  if (t.body_bytes_ > kResponseBodyBytesMax) {
    t.body_overflow_ = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR); the status decides
  }
  return n;  // discarded: a push service's body tells us nothing we act on
}

curl_socket_t Transfer::on_open_socket(void* userdata, curlsocktype, curl_sockaddr* address) {
  Transfer& t = from_userdata(userdata);
  if (t.check_addresses_ && !public_address(&address->addr, address->addrlen)) {
    ++t.addresses_refused_;
    return CURL_SOCKET_BAD;  // libcurl tries the name's next address, if any
  }
  ++t.addresses_allowed_;
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

}  // namespace rollcall::push::detail
