#pragma once
/// HTTP/1.1 request parsing: a strict, hand-written parser for the request line and
/// header block, and a resumable decoder for chunked bodies.
///
/// Why hand-written: Debian 12's llhttp (8.1) accepts 11 of the strict request cases
/// in shared/testdata/http/llhttp_cases.json that current llhttp rejects, several of
/// them request-smuggling vectors (a bare CR before the body, dummy bytes after the
/// header block). This parser rejects them and is tested against every strict case.
///
/// The parser never allocates and never copies: a parsed `RequestHead` holds
/// `std::string_view`s into the caller's buffer, valid while that buffer is.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rollcall::http {

/// Methods the server distinguishes. Every method llhttp knows is accepted by the
/// parser (`Other` with the text in `RequestHead::method_name`); the router answers
/// the ones it has no route for.
enum class Method : std::uint8_t {
  Get,
  Head,
  Post,
  Put,
  Delete,
  Options,
  Patch,
  Connect,
  Trace,
  Other
};

/// Protocol named in the request line. RTSP and ICE are parsed (so framing stays
/// correct) but the server answers them 505.
enum class Protocol : std::uint8_t { Http, Rtsp, Ice };

/// How the body of a request is framed (RFC 9112 §6.3).
enum class BodyFraming : std::uint8_t { None, ContentLength, Chunked };

struct Header {
  std::string_view name;   ///< as sent (case preserved); compare with `ascii_iequals`
  std::string_view value;  ///< leading and trailing SP/HTAB removed
};

/// Why a request was refused. Each maps to one HTTP status via `status_of`.
enum class ParseError : std::uint8_t {
  None = 0,
  BadRequestLine,       ///< 400: malformed method, target, version or line ending
  UnknownMethod,        ///< 501: a well-formed token that is no method we know
  BadVersion,           ///< 505 when well-formed but not 1.0/1.1, 400 when malformed
  UnsupportedVersion,   ///< 505: HTTP/x.y other than 1.0 and 1.1 (or RTSP/ICE)
  BadHeader,            ///< 400: bad field name or value byte, missing colon, bad line end
  TooManyHeaders,       ///< 431: more than `Limits::headers_max` fields
  HeadTooLarge,         ///< 431: request line + headers larger than `Limits::head_bytes_max`
  TargetTooLong,        ///< 414: request target longer than `Limits::target_bytes_max`
  BadContentLength,     ///< 400: empty, non-digit, overflow, or duplicate Content-Length
  BadTransferEncoding,  ///< 400: Transfer-Encoding whose last coding is not chunked, or
                        ///<      chunked applied twice
  ContentLengthWithTransferEncoding,  ///< 400: both present (smuggling vector)
  BadChunk,                           ///< 400: malformed chunk size, extension, or chunk terminator
  BodyTooLarge,  ///< 413: declared or decoded body over `Limits::body_bytes_max`
};

/// HTTP status code to answer for `error` (400, 413, 414, 431, 501 or 505).
int status_of(ParseError error);
/// Stable snake_case code for the JSON error body, e.g. "bad_request_line".
std::string_view code_of(ParseError error);
/// One-sentence human explanation for the JSON error body and logs.
std::string_view message_of(ParseError error);

/// Limits enforced while parsing. Units are in the names.
struct Limits {
  std::size_t head_bytes_max = 16 * 1024;      ///< request line + header block, CRLFs included
  std::size_t target_bytes_max = 8 * 1024;     ///< request target (URI)
  std::size_t headers_max = 100;               ///< header fields per request
  std::uint64_t body_bytes_max = 1024 * 1024;  ///< Content-Length or decoded chunked size
};

inline constexpr std::size_t kHeadersCapacity = 128;  ///< hard upper bound for headers_max

/// A parsed request line and header block. Views point into the parsed buffer.
struct RequestHead {
  Method method = Method::Other;
  Protocol protocol = Protocol::Http;
  std::string_view method_name;  ///< e.g. "GET", "M-SEARCH"
  std::string_view target;       ///< request target as sent, e.g. "/a/b?x=1" or "http://h/a"
  std::string_view path;         ///< path part of target ("/" for absolute-form without one,
                                 ///< "*" for asterisk-form, authority for CONNECT)
  std::string_view query;        ///< after '?', before '#'; empty if none
  std::uint8_t version_major = 1;
  std::uint8_t version_minor = 1;  ///< 0.9 when the request line had no version
  BodyFraming framing = BodyFraming::None;
  std::uint64_t content_length = 0;  ///< valid when framing == ContentLength
  bool keep_alive = true;            ///< after this request (HTTP/1.1 default, `Connection` tokens)
  bool upgrade = false;              ///< `Connection: upgrade` token and an `Upgrade` header
  bool expect_continue = false;      ///< `Expect: 100-continue`
  std::uint16_t header_count = 0;
  Header headers[kHeadersCapacity];

  /// First header with this name (ASCII case-insensitive), or an empty view.
  std::string_view header(std::string_view name) const;
  /// True if `name` is present (even with an empty value).
  bool has_header(std::string_view name) const;
  /// How many times `name` appears.
  unsigned header_occurrences(std::string_view name) const;
};

/// Outcome of `parse_head`.
struct HeadResult {
  enum class Status : std::uint8_t { Complete, Incomplete, Error };
  Status status = Status::Incomplete;
  std::size_t consumed = 0;  ///< Complete: bytes of the head, including leading empty lines
                             ///< and the final CRLF CRLF; the body starts here.
  ParseError error = ParseError::None;
};

/// Parses the request line and header block at the start of `buf`.
///
/// Strict: lines end in CRLF; a bare CR or LF is an error (except that up to a few
/// empty CRLF lines before the request line are skipped, RFC 9112 §2.2); no
/// whitespace before a colon or at the start of a field line (no obs-fold); field
/// names are tokens; field values are VCHAR / obs-text / SP / HTAB; the target is
/// printable ASCII without spaces; the version is HTTP/1.0, HTTP/1.1, or absent
/// (HTTP/0.9 form, reported as version 0.9). Errors are reported as soon as the
/// bytes seen so far prove them, even before the head is complete, so a caller may
/// call again with more bytes after `Incomplete` (the parse restarts from the first
/// byte; callers bound the cost by re-parsing only when a new line completed).
///
/// Framing (RFC 9112 §6): Transfer-Encoding must end in `chunked` and name it once;
/// Content-Length must be one run of digits (surrounding SP/HTAB allowed), appear
/// once, and fit in 64 bits; both together is an error; a Content-Length above
/// `limits.body_bytes_max` is `BodyTooLarge` (so 413 goes out before the body).
HeadResult parse_head(std::string_view buf, RequestHead& out, const Limits& limits);

/// Resumable decoder for a chunked request body (RFC 9112 §7.1), trailers included.
///
/// Decodes in place: the caller passes a mutable view of the raw bytes that follow
/// the head; decoded data is written to the front of that same buffer (decoded
/// output never overtakes input). Call `feed` again with the whole raw region
/// (previous unconsumed bytes plus new ones); `decoded_bytes` grows monotonically.
class ChunkedDecoder {
 public:
  enum class Status : std::uint8_t { NeedMore, Done, Error };

  explicit ChunkedDecoder(std::uint64_t body_bytes_max = 1024 * 1024)
      : body_bytes_max_(body_bytes_max) {}

  /// `raw` points at the start of the body region (the byte after the head).
  /// `raw_len` is how many raw bytes are available there now. Returns Done when
  /// the last chunk and trailer section have been read; then `raw_consumed()` is
  /// the body's size on the wire and bytes [0, decoded_bytes()) hold the data.
  Status feed(char* raw, std::size_t raw_len);

  std::size_t decoded_bytes() const { return decoded_; }
  std::size_t raw_consumed() const { return raw_pos_; }
  ParseError error() const { return error_; }

 private:
  // Order matters: states up to SizeLf read a chunk-size line, from TrailerStart on
  // the trailer section (each has its own byte budget).
  enum class State : std::uint8_t {
    Size,
    SizeDigits,
    Ext,
    ExtName,
    ExtValue,
    ExtToken,
    ExtQuoted,
    ExtQuotedEscape,
    ExtQuotedEnd,
    SizeLf,
    Data,
    DataCr,
    DataLf,
    TrailerStart,
    TrailerName,
    TrailerValue,
    TrailerLf,
    FinalLf,
    Done
  };
  // The per-byte path, defined in chunked.cpp (its only user). Declared inline so
  // that it all stays inlined into feed(): out of line, decoding runs at half speed.
  inline bool step(unsigned char c);
  inline bool step_size_line(unsigned char c);
  inline bool step_extension(unsigned char c);
  inline bool end_size_or_extension(unsigned char c);
  inline bool step_data_end(unsigned char c);
  inline bool step_trailer(unsigned char c);
  bool fail(ParseError error);

  std::uint64_t body_bytes_max_;
  std::uint64_t chunk_remaining_ = 0;  // chunk size being read, then data bytes left
  std::size_t decoded_ = 0;
  std::size_t raw_pos_ = 0;
  std::size_t trailer_bytes_ = 0;
  std::size_t line_bytes_ = 0;  // bytes of the current chunk-size line (size + extensions)
  State state_ = State::Size;
  ParseError error_ = ParseError::None;
};

/// ASCII case-insensitive equality (header names, tokens).
bool ascii_iequals(std::string_view a, std::string_view b);

/// True if the comma-separated token list `list` contains `token`
/// (case-insensitive, optional whitespace around items), e.g. "keep-alive, Upgrade".
bool list_contains_token(std::string_view list, std::string_view token);

}  // namespace rollcall::http
