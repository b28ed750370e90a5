#include "rollcall/http/response.hpp"

#include <charconv>

#include "rollcall/common/json_escape.hpp"

namespace rollcall::http {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

void append_response_head(std::string& out, const ResponseHead& head,
                          std::span<const HeaderField> extra) {
  char num[24];
  out.append("HTTP/1.1 ");
  auto [end, ec] = std::to_chars(num, num + sizeof num, head.status);
  (void)ec;
  out.append(num, static_cast<std::size_t>(end - num));
  out.push_back(' ');
  out.append(reason_phrase(head.status));
  out.append("\r\nServer: rollcall\r\nDate: ");
  out.append(head.date);
  if (!head.content_type.empty()) {
    out.append("\r\nContent-Type: ");
    out.append(head.content_type);
  }
  // 1xx and 204 must not carry Content-Length (RFC 9110 §8.6); a 304 would state
  // the length of the representation it does not send, so it carries none either.
  if (head.status >= 200 && head.status != 204 && head.status != 304) {
    out.append("\r\nContent-Length: ");
    auto [len_end, len_ec] = std::to_chars(num, num + sizeof num, head.content_length);
    (void)len_ec;
    out.append(num, static_cast<std::size_t>(len_end - num));
  }
  if (!head.keep_alive) {
    out.append("\r\nConnection: close");
  } else if (head.announce_keep_alive) {
    out.append("\r\nConnection: keep-alive");
  }
  for (const HeaderField& h : extra) {
    out.append("\r\n");
    out.append(h.name);
    out.append(": ");
    out.append(h.value);
  }
  out.append("\r\n\r\n");
}

void append_error_body(std::string& out, std::string_view code, std::string_view message) {
  out.append("{\"error\":{\"code\":\"");
  append_json_escaped(out, code);
  out.append("\",\"message\":\"");
  append_json_escaped(out, message);
  out.append("\"}}");
}

}  // namespace rollcall::http
