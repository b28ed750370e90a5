#pragma once
/// Writing HTTP/1.1 responses straight into a connection's output buffer.

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace rollcall::http {

struct HeaderField {
  std::string_view name;
  std::string_view value;
};

/// Standard reason phrase for `status` ("OK", "Not Found"...), "Unknown" otherwise.
std::string_view reason_phrase(int status);

/// What goes into a response head besides the caller's headers.
struct ResponseHead {
  int status = 200;
  std::string_view content_type;  ///< omitted when empty
  std::size_t content_length = 0;
  bool keep_alive = true;            ///< false adds `Connection: close`
  bool announce_keep_alive = false;  ///< HTTP/1.0 client that asked for keep-alive
  std::string_view date;             ///< IMF-fixdate, from the server's per-second cache
};

/// Appends status line, Server, Date, Content-Type, Content-Length, Connection and
/// `extra` headers, then the blank line.
void append_response_head(std::string& out, const ResponseHead& head,
                          std::span<const HeaderField> extra);
inline void append_response_head(std::string& out, const ResponseHead& head,
                                 std::initializer_list<HeaderField> extra) {
  append_response_head(out, head, std::span(extra.begin(), extra.size()));
}

/// Appends the API's error body: {"error":{"code":"...","message":"..."}}.
void append_error_body(std::string& out, std::string_view code, std::string_view message);

}  // namespace rollcall::http
