#pragma once
// One push request on a libcurl easy handle (internal to the sender): the options
// every POST gets, the request's headers, and what libcurl's callbacks read of the
// answer. Transfers are pooled by the sender and reused, one request at a time.
//
// libcurl hands its callbacks our object back as `void*` userdata. The one place
// that turns it into a `Transfer` is `Transfer::from_userdata` (every callback kind
// calls it first); it checks a tag written at construction, so a wrong pointer
// stops the process instead of being read as a transfer.

#include <curl/curl.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rollcall/push/delivery.hpp"
#include "rollcall/push/retry_policy.hpp"
#include "rollcall/push/send_queue.hpp"

namespace rollcall::push::detail {

/// What every request of one sender gets.
struct TransferOptions {
  std::uint32_t timeout_ms = 10000;
  std::string protocols = "https";
  /// The CA bundle (PEM) used in place of libcurl's, owned by the sender (set with
  /// CURL_BLOB_NOCOPY: it must outlive every transfer); null: libcurl's own.
  curl_blob* ca_bundle = nullptr;
  bool check_addresses = true;  ///< refuse connecting to addresses that are not public
};

/// Most of a response's headers read (curl's own line limit is 100 KiB); beyond,
/// the transfer is aborted and counts as a network error.
inline constexpr std::size_t kResponseHeaderBytesMax = 16u << 10;
/// Most of a response's body read (and discarded); beyond, the transfer is cut
/// short and judged by its status.
inline constexpr std::size_t kResponseBodyBytesMax = 64u << 10;
/// Longest `Retry-After` value kept.
inline constexpr std::size_t kRetryAfterBytesMax = 64;

class Transfer {
 public:
  Transfer();
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  CURL* easy() const { return easy_; }
  SendQueue::Ticket ticket() const { return ticket_; }

  /// Sets up one POST of `d` (which must stay put until the transfer ends) with
  /// `TTL: ttl_s`, through `proxy` (empty: directly; the address check applies
  /// only then, since through a proxy we connect to the operator's proxy).
  void prepare(const Delivery& d, std::uint32_t ttl_s, std::string_view proxy,
               const TransferOptions& options, SendQueue::Ticket ticket);
  /// Clears everything `prepare` set, for the pool.
  void reset();

  /// How the transfer that ended with `code` went below HTTP.
  TransportError error(CURLcode code) const;
  /// The final response's status, 0 if none came.
  int http_status() const;
  /// The final response's `Retry-After` value, empty if none.
  const std::string& retry_after() const { return retry_after_; }
  /// libcurl's words for the failure (for logs), possibly empty.
  const char* error_text() const { return error_text_; }

 private:
  static Transfer& from_userdata(void* userdata);
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* userdata);
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* userdata);
  static curl_socket_t on_open_socket(void* userdata, curlsocktype purpose, curl_sockaddr* address);
  void set_headers(const Delivery& d, std::uint32_t ttl_s);

  static constexpr std::uint64_t kTag = 0x7075736874786672;  // "pushtxfr"
  std::uint64_t tag_ = kTag;
  CURL* easy_ = nullptr;
  curl_slist* headers_ = nullptr;
  SendQueue::Ticket ticket_ = 0;
  bool check_addresses_ = true;
  unsigned addresses_refused_ = 0;
  unsigned addresses_allowed_ = 0;
  std::size_t header_bytes_ = 0;
  std::size_t body_bytes_ = 0;
  bool header_overflow_ = false;
  bool body_overflow_ = false;
  std::string retry_after_;
  char error_text_[CURL_ERROR_SIZE] = {};
};

}  // namespace rollcall::push::detail
