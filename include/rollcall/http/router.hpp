#pragma once
/// Routes requests to handlers by method and path. Patterns are literal segments
/// and `{name}` parameters: `/api/v1/sessions/{id}/attendance/{student_id}`.
/// Matching allocates nothing; a path that matches a pattern but not the method
/// yields 405 with the pattern's `Allow` list (GET routes also answer HEAD).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rollcall/http/parser.hpp"

namespace rollcall::net {
struct Connection;
}

namespace rollcall::http {

class Exchange;

/// An answer that refuses a request before its body is read.
struct Refusal {
  int status = 400;
  std::string code;
  std::string message;
};

/// What an admitted upload holds while its body is read and handled (e.g. the one
/// roster-import slot): released when the request is answered or its connection
/// closes, unless the handler took it over (`Exchange::take_upload`).
class UploadGrant {
 public:
  virtual ~UploadGrant() = default;
};

/// A route that takes bodies over the server's general limit (an upload). Asked
/// once the head is complete and before any of the body is read, so a request that
/// may not upload (not signed in, not allowed, one already running) costs no more
/// than its head. Bodies within the general limit skip the question: the handler
/// asks it itself.
struct UploadPolicy {
  std::uint64_t body_bytes_max = 0;  ///< this route's limit (413 above it)
  std::function<std::variant<std::unique_ptr<UploadGrant>, Refusal>(const RequestHead&,
                                                                    const net::Connection&)>
      admit;
};

/// A handler: runs with the exchange, capturing whatever state it needs (typed:
/// no context pointer to cast). Registered once at start; matching hands out a
/// pointer to it, so a request copies nothing.
using Handler = std::function<void(Exchange& exchange)>;

/// Path parameters captured by a match, in pattern order.
struct RouteParams {
  static constexpr std::size_t kMax = 4;
  std::string_view values[kMax];
  std::uint8_t count = 0;

  std::string_view operator[](std::size_t i) const {
    return i < count ? values[i] : std::string_view{};
  }
  /// Parameter `i` as a positive 64-bit id; nullopt unless it is 1..2^63-1 in plain decimal.
  std::optional<std::uint64_t> id(std::size_t i) const;
};

class Router {
 public:
  struct Match {
    enum class Kind : std::uint8_t { Found, NotFound, MethodNotAllowed };
    Kind kind = Kind::NotFound;
    const Handler* handler = nullptr;
    const UploadPolicy* upload = nullptr;  ///< for an upload route
    RouteParams params;
    std::string_view allow;  ///< for MethodNotAllowed: e.g. "GET, HEAD, POST"
  };

  /// Patterns have at most this many segments; deeper paths only reach the fallback.
  static constexpr std::size_t kSegmentsMax = 16;

  /// Registers `handler` for `method_name` (e.g. "GET") on `pattern`. Patterns must
  /// start with '/', and a (method, pattern) pair may be registered once.
  void add(std::string_view method_name, std::string_view pattern, Handler handler);
  /// The same for an upload route, whose bodies may be as large as `upload` says.
  void add(std::string_view method_name, std::string_view pattern, Handler handler,
           UploadPolicy upload);
  /// The largest body any route takes (the general limit, or an upload's).
  std::uint64_t body_bytes_max(std::uint64_t general) const {
    return general > upload_bytes_max_ ? general : upload_bytes_max_;
  }

  /// Handler for requests whose path matches no pattern, any method (static files:
  /// it answers 404/405 itself).
  void set_fallback(Handler handler) { fallback_ = std::move(handler); }

  Match match(std::string_view method_name, std::string_view path) const;

 private:
  struct Entry {
    std::string method;
    Handler handler;
    std::unique_ptr<UploadPolicy> upload;  ///< stable address for `Match::upload`
  };
  struct Route {
    std::vector<std::string> segments;  ///< "{}" marks a parameter
    std::vector<Entry> entries;
    std::string allow;
  };

  std::vector<Route> routes_;
  Handler fallback_;
  std::uint64_t upload_bytes_max_ = 0;
};

}  // namespace rollcall::http
