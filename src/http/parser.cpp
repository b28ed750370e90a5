// Strict HTTP/1.1 request-head parser. The chunked body decoder is in chunked.cpp.
//
// Every check looks only at bytes already scanned, left to right, so a parse of a
// prefix of a request fails exactly when, and with the same error as, a parse of the
// whole request would fail at that point: re-parsing a growing buffer is consistent.
#include "rollcall/http/parser.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include "char_class.hpp"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace rollcall::http {
namespace {

using Byte = unsigned char;

using namespace chars;

constexpr std::array<Byte, 256> make_lower() {
  std::array<Byte, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[static_cast<std::size_t>(c)] = static_cast<Byte>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  return t;
}
constexpr auto kLower = make_lower();

// First byte in [p, end) outside `cls`, or end. Unrolled: this loop is the parser's
// hot path (header values make up most of a head).
inline const Byte* scan(const Byte* p, const Byte* end, std::uint16_t cls) {
  while (end - p >= 4) {
    if (!has(p[0], cls)) return p;
    if (!has(p[1], cls)) return p + 1;
    if (!has(p[2], cls)) return p + 2;
    if (!has(p[3], cls)) return p + 3;
    p += 4;
  }
  while (p < end && has(*p, cls)) ++p;
  return p;
}

// scan(p, end, kValue), 16 bytes at a time: field values are most of a head's bytes.
inline const Byte* scan_value(const Byte* p, const Byte* end) {
#ifdef __SSE2__
  const __m128i ctl_max = _mm_set1_epi8(0x1F);
  const __m128i del = _mm_set1_epi8(0x7F);
  while (end - p >= 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(x, ctl_max), x);  // x <= 0x1F
    const int mask = _mm_movemask_epi8(_mm_or_si128(ctl, _mm_cmpeq_epi8(x, del)));
    if (mask != 0) {
      p += __builtin_ctz(static_cast<unsigned>(mask));
      if (*p != '\t') return p;  // HTAB is the one allowed control byte
      ++p;
      continue;
    }
    p += 16;
  }
#endif
  return scan(p, end, kValue);
}

inline bool all_of(std::string_view s, std::uint16_t cls) {
  auto b = reinterpret_cast<const Byte*>(s.data());
  return scan(b, b + s.size(), cls) == b + s.size();
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && has(static_cast<Byte>(s.front()), kOws)) s.remove_prefix(1);
  while (!s.empty() && has(static_cast<Byte>(s.back()), kOws)) s.remove_suffix(1);
  return s;
}

// Splits a comma-separated list: returns the next trimmed element and advances `list`.
std::string_view next_list_item(std::string_view& list) {
  std::size_t comma = list.find(',');
  std::string_view item = list.substr(0, comma);
  list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
  return trim_ows(item);
}

constexpr std::uint8_t kHttpBit = 1, kRtspBit = 2, kIceBit = 4;

struct MethodDef {
  std::string_view name;
  Method method;
  std::uint8_t protocols;  // kHttpBit | kRtspBit | kIceBit
};

// llhttp's method set, most frequent first (the lookup is a linear scan).
constexpr MethodDef kMethods[] = {
    {"GET", Method::Get, kHttpBit | kRtspBit},
    {"POST", Method::Post, kHttpBit | kRtspBit},
    {"PUT", Method::Put, kHttpBit},
    {"HEAD", Method::Head, kHttpBit},
    {"DELETE", Method::Delete, kHttpBit},
    {"OPTIONS", Method::Options, kHttpBit | kRtspBit},
    {"PATCH", Method::Patch, kHttpBit},
    {"CONNECT", Method::Connect, kHttpBit},
    {"TRACE", Method::Trace, kHttpBit},
    {"COPY", Method::Other, kHttpBit},
    {"LOCK", Method::Other, kHttpBit},
    {"MKCOL", Method::Other, kHttpBit},
    {"MOVE", Method::Other, kHttpBit},
    {"PROPFIND", Method::Other, kHttpBit},
    {"PROPPATCH", Method::Other, kHttpBit},
    {"SEARCH", Method::Other, kHttpBit},
    {"UNLOCK", Method::Other, kHttpBit},
    {"BIND", Method::Other, kHttpBit},
    {"REBIND", Method::Other, kHttpBit},
    {"UNBIND", Method::Other, kHttpBit},
    {"ACL", Method::Other, kHttpBit},
    {"REPORT", Method::Other, kHttpBit},
    {"MKACTIVITY", Method::Other, kHttpBit},
    {"CHECKOUT", Method::Other, kHttpBit},
    {"MERGE", Method::Other, kHttpBit},
    {"M-SEARCH", Method::Other, kHttpBit},
    {"NOTIFY", Method::Other, kHttpBit},
    {"SUBSCRIBE", Method::Other, kHttpBit},
    {"UNSUBSCRIBE", Method::Other, kHttpBit},
    {"PURGE", Method::Other, kHttpBit},
    {"MKCALENDAR", Method::Other, kHttpBit},
    {"LINK", Method::Other, kHttpBit},
    {"UNLINK", Method::Other, kHttpBit},
    {"SOURCE", Method::Other, kHttpBit | kIceBit},
    {"QUERY", Method::Other, kHttpBit},
    {"PRI", Method::Other, kHttpBit},
    {"DESCRIBE", Method::Other, kRtspBit},
    {"ANNOUNCE", Method::Other, kRtspBit},
    {"SETUP", Method::Other, kRtspBit},
    {"PLAY", Method::Other, kRtspBit},
    {"PAUSE", Method::Other, kRtspBit},
    {"TEARDOWN", Method::Other, kRtspBit},
    {"GET_PARAMETER", Method::Other, kRtspBit},
    {"SET_PARAMETER", Method::Other, kRtspBit},
    {"REDIRECT", Method::Other, kRtspBit},
    {"RECORD", Method::Other, kRtspBit},
    {"FLUSH", Method::Other, kRtspBit},
};
constexpr std::size_t kMethodLenMax = 13;  // GET_PARAMETER, SET_PARAMETER
constexpr const MethodDef* kPri = &kMethods[35];
static_assert(kMethods[35].name == "PRI");

const MethodDef* find_method(std::string_view name) {
  for (const MethodDef& m : kMethods) {
    if (m.name.size() == name.size() && std::memcmp(m.name.data(), name.data(), name.size()) == 0) {
      return &m;
    }
  }
  return nullptr;
}

// RFC 9112 §2.2 allows ignoring "at least one" empty line before the request line.
constexpr int kLeadingEmptyLinesMax = 4;

// Framing and connection facts gathered from the header fields.
struct FieldFacts {
  bool content_length = false;
  bool transfer_encoding = false;
  bool chunked = false;  // `chunked` seen; any coding after it is an error, so it is last
  bool host = false;
  bool conn_close = false;
  bool conn_keep_alive = false;
  bool conn_upgrade = false;
  bool upgrade_header = false;
};

class HeadParser {
 public:
  HeadParser(std::string_view buf, RequestHead& out, const Limits& limits)
      : begin_(reinterpret_cast<const Byte*>(buf.data())),
        p_(begin_),
        end_(begin_ + std::min(buf.size(), limits.head_bytes_max)),
        truncated_(buf.size() > limits.head_bytes_max),
        out_(out),
        limits_(limits) {}

  HeadResult run() {
    reset();
    if (!skip_empty_lines() || !method() || !target() || !version() || !fields() || !finish()) {
      return result_;
    }
    return {HeadResult::Status::Complete, static_cast<std::size_t>(p_ - begin_), ParseError::None};
  }

 private:
  bool fail(ParseError error) {
    result_ = {HeadResult::Status::Error, 0, error};
    return false;
  }
  // The bytes ran out. Only the first head_bytes_max bytes are ever looked at, so a
  // head still open there is too large.
  bool more() {
    if (truncated_) return fail(ParseError::HeadTooLarge);
    result_ = {HeadResult::Status::Incomplete, 0, ParseError::None};
    return false;
  }
  static std::string_view view(const Byte* from, const Byte* to) {
    return {reinterpret_cast<const char*>(from), static_cast<std::size_t>(to - from)};
  }

  void reset();
  bool crlf(ParseError error);
  bool skip_empty_lines();
  bool method();
  bool known_method(const MethodDef* def, const Byte* sp);
  bool target();
  bool split_target();
  void split_query(std::string_view rest);
  bool version();
  bool fields();
  bool inspect(const Header& h);
  bool content_length(std::string_view value);
  bool transfer_encoding(std::string_view value);
  void connection(std::string_view value);
  bool finish();

  const Byte* const begin_;
  const Byte* p_;
  const Byte* const end_;
  const bool truncated_;
  RequestHead& out_;
  const Limits& limits_;
  const MethodDef* method_ = nullptr;
  FieldFacts facts_;
  HeadResult result_;
};

void HeadParser::reset() {
  // Field by field: the 4 KiB headers array is left alone (header_count bounds it).
  out_.method = Method::Other;
  out_.protocol = Protocol::Http;
  out_.method_name = out_.target = out_.path = out_.query = {};
  out_.version_major = 1;
  out_.version_minor = 1;
  out_.framing = BodyFraming::None;
  out_.content_length = 0;
  out_.keep_alive = true;
  out_.upgrade = false;
  out_.expect_continue = false;
  out_.header_count = 0;
}

// Consumes CR LF at p_, failing with `error` on anything else.
inline bool HeadParser::crlf(ParseError error) {
  if (p_ == end_) return more();
  if (*p_ != '\r') return fail(error);
  if (p_ + 1 == end_) return more();
  if (p_[1] != '\n') return fail(error);
  p_ += 2;
  return true;
}

bool HeadParser::skip_empty_lines() {
  for (int i = 0;; ++i) {
    if (p_ == end_) return more();
    if (*p_ != '\r' && *p_ != '\n') return true;
    if (i == kLeadingEmptyLinesMax) return fail(ParseError::BadRequestLine);
    if (!crlf(ParseError::BadRequestLine)) return false;
  }
}

bool HeadParser::method() {
  if (end_ - p_ >= 5) {  // fast path for the two methods nearly all traffic uses
    if (std::memcmp(p_, "GET ", 4) == 0) return known_method(&kMethods[0], p_ + 3);
    if (std::memcmp(p_, "POST ", 5) == 0) return known_method(&kMethods[1], p_ + 4);
  }
  const Byte* lim = std::min(end_, p_ + kMethodLenMax + 1);
  const Byte* q = scan(p_, lim, kTchar);
  if (q == p_ + kMethodLenMax + 1) return fail(ParseError::UnknownMethod);
  if (q == end_) return more();
  if (*q != ' ' || q == p_) return fail(ParseError::BadRequestLine);
  const MethodDef* def = find_method(view(p_, q));
  if (def == nullptr) return fail(ParseError::UnknownMethod);
  return known_method(def, q);
}

// Records the method; `sp` points at the SP after it.
bool HeadParser::known_method(const MethodDef* def, const Byte* sp) {
  method_ = def;
  out_.method = def->method;
  out_.method_name = def->name;
  p_ = sp + 1;
  return true;
}

bool HeadParser::target() {
  const std::size_t max = limits_.target_bytes_max;
  const Byte* lim = static_cast<std::size_t>(end_ - p_) > max ? p_ + max + 1 : end_;
  const Byte* path_end = scan(p_, lim, kPath);
  const Byte* q = scan(path_end, lim, kTarget);
  if (static_cast<std::size_t>(q - p_) > max) return fail(ParseError::TargetTooLong);
  if (q == end_) return more();
  // An empty target ("GET  HTTP/1.1") is served as "/"; desync-guardian rates it
  // compliant, and it cannot be read two ways.
  if ((*q != ' ' && *q != '\r') || (q == p_ && *q != ' ')) {
    return fail(ParseError::BadRequestLine);
  }
  out_.target = view(p_, q);
  out_.path = view(p_, path_end);
  p_ = q;
  return split_target();
}

// Fills path and query from target: origin-form, absolute-form, authority-form
// (CONNECT only) or asterisk-form.
bool HeadParser::split_target() {
  std::string_view t = out_.target;
  if (out_.method == Method::Connect) {
    // host ":" port, host non-empty and without path, query or userinfo delimiters.
    std::size_t colon = t.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || t.size() - colon - 1 == 0 ||
        t.size() - colon - 1 > 5 || !all_of(t.substr(colon + 1), kDigit) ||
        t.substr(0, colon).find_first_of("/?#@") != std::string_view::npos) {
      return fail(ParseError::BadRequestLine);
    }
    out_.path = t;
    return true;
  }
  if (method_ == kPri && t != "*") return fail(ParseError::BadRequestLine);
  if (t.empty()) {
    out_.path = "/";
    return true;
  }
  if (t == "*") {
    out_.path = t;
    return true;
  }
  if (t.front() == '/') {  // origin-form: target() already found the end of the path
    split_query(t);
    return true;
  }
  // absolute-form: scheme "://" authority [path-abempty] ["?" query] ["#" fragment]
  std::size_t sep = t.find("://");
  if (sep == std::string_view::npos || sep == 0 || !is_alpha(t.front()) ||
      !all_of(t.substr(0, sep), kScheme)) {
    return fail(ParseError::BadRequestLine);
  }
  std::string_view rest = t.substr(sep + 3);
  std::size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  if (authority_end == 0) return fail(ParseError::BadRequestLine);
  rest.remove_prefix(authority_end);
  out_.path = rest.substr(0, std::min(rest.find_first_of("?#"), rest.size()));
  split_query(rest);
  if (out_.path.empty()) out_.path = "/";
  return true;
}

// Sets the query from `rest`, whose first out_.path.size() bytes are the path.
void HeadParser::split_query(std::string_view rest) {
  rest.remove_prefix(out_.path.size());
  if (rest.empty() || rest.front() != '?') return;
  rest.remove_prefix(1);
  out_.query = rest.substr(0, std::min(rest.find('#'), rest.size()));
}

bool HeadParser::version() {
  if (*p_ == '\r') {  // no version: HTTP/0.9 form
    if (!(method_->protocols & kHttpBit)) return fail(ParseError::BadRequestLine);
    out_.version_major = 0;
    out_.version_minor = 9;
    return crlf(ParseError::BadRequestLine);
  }
  ++p_;  // the SP after the target
  if (end_ - p_ >= 10 && std::memcmp(p_, "HTTP/1.", 7) == 0 && (p_[7] == '1' || p_[7] == '0') &&
      p_[8] == '\r' && p_[9] == '\n') {  // fast path
    if (!(method_->protocols & kHttpBit)) return fail(ParseError::BadRequestLine);
    out_.version_minor = static_cast<std::uint8_t>(p_[7] - '0');
    p_ += 10;
    return true;
  }
  if (p_ == end_) return more();
  std::string_view name;
  std::uint8_t bit = 0;
  switch (*p_) {
    case 'H': name = "HTTP/", bit = kHttpBit, out_.protocol = Protocol::Http; break;
    case 'R': name = "RTSP/", bit = kRtspBit, out_.protocol = Protocol::Rtsp; break;
    case 'I': name = "ICE/", bit = kIceBit, out_.protocol = Protocol::Ice; break;
    default: return fail(ParseError::BadVersion);
  }
  std::size_t n = std::min(name.size(), static_cast<std::size_t>(end_ - p_));
  if (std::memcmp(p_, name.data(), n) != 0) return fail(ParseError::BadVersion);
  if (n < name.size()) return more();
  if (!(method_->protocols & bit)) return fail(ParseError::BadRequestLine);
  p_ += name.size();
  for (int i = 0; i < 3; ++i) {  // DIGIT "." DIGIT
    if (p_ + i == end_) return more();
    if (i == 1 ? p_[i] != '.' : !has(p_[i], kDigit)) return fail(ParseError::BadVersion);
  }
  out_.version_major = static_cast<std::uint8_t>(p_[0] - '0');
  out_.version_minor = static_cast<std::uint8_t>(p_[2] - '0');
  if (out_.protocol == Protocol::Http && (out_.version_major != 1 || out_.version_minor > 1)) {
    return fail(ParseError::UnsupportedVersion);
  }
  p_ += 3;
  if (p_ != end_ && *p_ != '\r' && *p_ != '\n') return fail(ParseError::BadVersion);
  return crlf(ParseError::BadRequestLine);
}

bool HeadParser::fields() {
  const std::size_t count_max = std::min(limits_.headers_max, kHeadersCapacity);
  for (;;) {
    if (p_ == end_) return more();
    if (*p_ == '\r') return crlf(ParseError::BadHeader);  // end of the header block
    // A leading SP/HTAB (obs-fold), an empty name or a non-token byte stops here.
    const Byte* name_end = scan(p_, end_, kTchar);
    if (name_end == end_) return more();
    if (*name_end != ':' || name_end == p_) return fail(ParseError::BadHeader);
    const Byte* value = scan(name_end + 1, end_, kOws);
    const Byte* line_end = scan_value(value, end_);
    if (line_end == end_) return more();
    if (*line_end != '\r') return fail(ParseError::BadHeader);
    if (line_end + 1 == end_) return more();
    if (line_end[1] != '\n') return fail(ParseError::BadHeader);
    const Byte* value_end = line_end;
    while (value_end > value && has(value_end[-1], kOws)) --value_end;
    if (out_.header_count == count_max) return fail(ParseError::TooManyHeaders);
    Header& h = out_.headers[out_.header_count++];
    h = {view(p_, name_end), view(value, value_end)};
    if (!inspect(h)) return false;
    p_ = line_end + 2;
  }
}

// Records what the framing and connection handling need from one field.
bool HeadParser::inspect(const Header& h) {
  switch (h.name.size()) {  // cheap pre-filter before any case-insensitive compare
    case 4:
      if (ascii_iequals(h.name, "host")) {
        // RFC 9112 §3.2: more than one Host is a 400.
        if (facts_.host) return fail(ParseError::BadHeader);
        facts_.host = true;
      }
      return true;
    case 6:
      if (ascii_iequals(h.name, "expect") && ascii_iequals(h.value, "100-continue")) {
        out_.expect_continue = true;
      }
      return true;
    case 7:
      if (ascii_iequals(h.name, "upgrade") && !h.value.empty()) facts_.upgrade_header = true;
      return true;
    case 10:
      if (ascii_iequals(h.name, "connection")) connection(h.value);
      return true;
    case 14: return !ascii_iequals(h.name, "content-length") || content_length(h.value);
    case 17: return !ascii_iequals(h.name, "transfer-encoding") || transfer_encoding(h.value);
    default: return true;
  }
}

bool HeadParser::content_length(std::string_view value) {
  if (facts_.transfer_encoding) return fail(ParseError::ContentLengthWithTransferEncoding);
  // A second one is refused even when equal: it means some hop combined messages.
  if (facts_.content_length || value.empty()) return fail(ParseError::BadContentLength);
  facts_.content_length = true;
  std::uint64_t n = 0;
  for (char c : value) {
    if (!has(static_cast<Byte>(c), kDigit)) return fail(ParseError::BadContentLength);
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
      return fail(ParseError::BadContentLength);
    }
    n = n * 10 + digit;
  }
  out_.content_length = n;
  return true;
}

// transfer-coding = token *( OWS ";" OWS transfer-parameter ). Parameters are not
// interpreted (desync-guardian rates `chunked;custom_param;` compliant); the coding
// name must be a token and `chunked` must come last, once, across all TE fields.
bool HeadParser::transfer_encoding(std::string_view value) {
  if (facts_.content_length) return fail(ParseError::ContentLengthWithTransferEncoding);
  facts_.transfer_encoding = true;
  while (!value.empty()) {
    std::string_view item = next_list_item(value);
    if (item.empty()) continue;  // RFC 9110 §5.6.1: empty list elements are ignored
    std::string_view coding = trim_ows(item.substr(0, item.find(';')));
    if (coding.empty() || !all_of(coding, kTchar) || facts_.chunked) {
      return fail(ParseError::BadTransferEncoding);
    }
    facts_.chunked = ascii_iequals(coding, "chunked");
  }
  return true;
}

void HeadParser::connection(std::string_view value) {
  while (!value.empty()) {
    std::string_view token = next_list_item(value);
    if (ascii_iequals(token, "close")) facts_.conn_close = true;
    if (ascii_iequals(token, "keep-alive")) facts_.conn_keep_alive = true;
    if (ascii_iequals(token, "upgrade")) facts_.conn_upgrade = true;
  }
}

bool HeadParser::finish() {
  const bool http = out_.protocol == Protocol::Http && out_.version_major == 1;
  const bool http11 = http && out_.version_minor == 1;
  if (facts_.transfer_encoding) {
    if (!facts_.chunked) return fail(ParseError::BadTransferEncoding);
    out_.framing = BodyFraming::Chunked;
  } else if (facts_.content_length) {
    if (out_.content_length > limits_.body_bytes_max) return fail(ParseError::BodyTooLarge);
    out_.framing = BodyFraming::ContentLength;
  }
  if (facts_.conn_close || !http) {
    out_.keep_alive = false;  // RTSP/ICE and HTTP/0.9 get one answer and a close
  } else {
    out_.keep_alive = http11 || facts_.conn_keep_alive;
  }
  // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing;
  // close after it. PRI is the HTTP/2 preface: answer it, never read what follows.
  if ((facts_.transfer_encoding && !http11) || method_ == kPri) out_.keep_alive = false;
  out_.upgrade = facts_.conn_upgrade && facts_.upgrade_header;
  return true;
}

}  // namespace

HeadResult parse_head(std::string_view buf, RequestHead& out, const Limits& limits) {
  return HeadParser(buf, out, limits).run();
}

std::string_view RequestHead::header(std::string_view name) const {
  for (std::uint16_t i = 0; i < header_count; ++i) {
    if (ascii_iequals(headers[i].name, name)) return headers[i].value;
  }
  return {};
}

bool RequestHead::has_header(std::string_view name) const {
  for (std::uint16_t i = 0; i < header_count; ++i) {
    if (ascii_iequals(headers[i].name, name)) return true;
  }
  return false;
}

unsigned RequestHead::header_occurrences(std::string_view name) const {
  unsigned n = 0;
  for (std::uint16_t i = 0; i < header_count; ++i)
    n += ascii_iequals(headers[i].name, name) ? 1 : 0;
  return n;
}

bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (kLower[static_cast<Byte>(a[i])] != kLower[static_cast<Byte>(b[i])]) return false;
  }
  return true;
}

bool list_contains_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    if (ascii_iequals(next_list_item(list), token)) return true;
  }
  return false;
}

int status_of(ParseError error) {
  switch (error) {
    case ParseError::UnknownMethod: return 501;
    case ParseError::UnsupportedVersion: return 505;
    case ParseError::TooManyHeaders:
    case ParseError::HeadTooLarge: return 431;
    case ParseError::TargetTooLong: return 414;
    case ParseError::BodyTooLarge: return 413;
    default: return 400;  // None included: callers never ask for it
  }
}

std::string_view code_of(ParseError error) {
  switch (error) {
    case ParseError::None: return "none";
    case ParseError::BadRequestLine: return "bad_request_line";
    case ParseError::UnknownMethod: return "unknown_method";
    case ParseError::BadVersion: return "bad_version";
    case ParseError::UnsupportedVersion: return "unsupported_version";
    case ParseError::BadHeader: return "bad_header";
    case ParseError::TooManyHeaders: return "too_many_headers";
    case ParseError::HeadTooLarge: return "head_too_large";
    case ParseError::TargetTooLong: return "target_too_long";
    case ParseError::BadContentLength: return "bad_content_length";
    case ParseError::BadTransferEncoding: return "bad_transfer_encoding";
    case ParseError::ContentLengthWithTransferEncoding:
      return "content_length_with_transfer_encoding";
    case ParseError::BadChunk: return "bad_chunk";
    case ParseError::BodyTooLarge: return "body_too_large";
  }
  return "unknown";
}

std::string_view message_of(ParseError error) {
  switch (error) {
    case ParseError::None: return "No error.";
    case ParseError::BadRequestLine: return "The request line is malformed.";
    case ParseError::UnknownMethod: return "The request method is not one this server knows.";
    case ParseError::BadVersion: return "The HTTP version in the request line is malformed.";
    case ParseError::UnsupportedVersion: return "Only HTTP/1.0 and HTTP/1.1 are supported.";
    case ParseError::BadHeader: return "A header field is malformed.";
    case ParseError::TooManyHeaders: return "The request has too many header fields.";
    case ParseError::HeadTooLarge: return "The request header section is too large.";
    case ParseError::TargetTooLong: return "The request target is too long.";
    case ParseError::BadContentLength: return "The Content-Length header is invalid.";
    case ParseError::BadTransferEncoding:
      return "Transfer-Encoding must end in chunked and name it once.";
    case ParseError::ContentLengthWithTransferEncoding:
      return "Content-Length and Transfer-Encoding must not both be present.";
    case ParseError::BadChunk: return "The chunked request body is malformed.";
    case ParseError::BodyTooLarge: return "The request body is too large.";
  }
  return "Unknown error.";
}

}  // namespace rollcall::http
