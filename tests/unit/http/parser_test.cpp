#include "rollcall/http/parser.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>

namespace rollcall::http {

// Readable gtest failure messages.
void PrintTo(ParseError error, std::ostream* os) {
  *os << code_of(error);
}

namespace {

using Status = HeadResult::Status;

struct Parsed {
  std::shared_ptr<const std::string> raw;  // the views in `head` point into it
  HeadResult result;
  RequestHead head;
};

Parsed parse(std::string_view raw, const Limits& limits = {}) {
  Parsed p;
  p.raw = std::make_shared<const std::string>(raw);
  p.result = parse_head(*p.raw, p.head, limits);
  return p;
}

// The error `raw` is refused with, or None if it parses (Complete or Incomplete).
ParseError error_of(std::string_view raw, const Limits& limits = {}) {
  return parse(raw, limits).result.error;
}

ParseError header_error(std::string_view fields) {
  return error_of("GET / HTTP/1.1\r\n" + std::string(fields) + "\r\n");
}

bool complete(std::string_view raw) {
  return parse(raw).result.status == Status::Complete;
}

TEST(ParseHead, SmallGet) {
  const std::string raw = "GET /index.html?a=1&b=2 HTTP/1.1\r\nHost: localhost:8080\r\n\r\n";
  Parsed p = parse(raw + "GET /next");
  ASSERT_EQ(p.result.status, Status::Complete);
  EXPECT_EQ(p.result.consumed, raw.size());
  EXPECT_EQ(p.head.method, Method::Get);
  EXPECT_EQ(p.head.method_name, "GET");
  EXPECT_EQ(p.head.protocol, Protocol::Http);
  EXPECT_EQ(p.head.target, "/index.html?a=1&b=2");
  EXPECT_EQ(p.head.path, "/index.html");
  EXPECT_EQ(p.head.query, "a=1&b=2");
  EXPECT_EQ(p.head.version_major, 1);
  EXPECT_EQ(p.head.version_minor, 1);
  EXPECT_EQ(p.head.framing, BodyFraming::None);
  EXPECT_TRUE(p.head.keep_alive);
  EXPECT_FALSE(p.head.upgrade);
  ASSERT_EQ(p.head.header_count, 1);
  EXPECT_EQ(p.head.headers[0].name, "Host");
  EXPECT_EQ(p.head.headers[0].value, "localhost:8080");
}

TEST(ParseHead, HeaderLookupAndTrimming) {
  Parsed p = parse("GET / HTTP/1.1\r\nX-A:\t  spaced value \t\r\nX-Empty:\r\nx-a: second\r\n\r\n");
  ASSERT_EQ(p.result.status, Status::Complete);
  EXPECT_EQ(p.head.header("x-A"), "spaced value");
  EXPECT_TRUE(p.head.has_header("X-EMPTY"));
  EXPECT_EQ(p.head.header("x-empty"), "");
  EXPECT_FALSE(p.head.has_header("X-Missing"));
  EXPECT_EQ(p.head.header_count, 3);
}

TEST(ParseHead, ReusedHeadIsReset) {
  RequestHead head;
  parse_head("POST /a?q HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n", head, {});
  ASSERT_EQ(parse_head("GET / HTTP/1.1\r\n\r\n", head, {}).status, Status::Complete);
  EXPECT_EQ(head.method, Method::Get);
  EXPECT_EQ(head.query, "");
  EXPECT_EQ(head.framing, BodyFraming::None);
  EXPECT_EQ(head.content_length, 0u);
  EXPECT_FALSE(head.expect_continue);
  EXPECT_TRUE(head.keep_alive);
  EXPECT_EQ(head.header_count, 0);
}

TEST(ParseHead, TargetForms) {
  struct {
    std::string_view line, path, query;
  } cases[] = {
      {"GET / HTTP/1.1", "/", ""},
      {"GET /a/b?x=1?y#frag?z HTTP/1.1", "/a/b", "x=1?y"},
      {"GET /a#f?notquery HTTP/1.1", "/a", ""},
      {"GET /with_\"quotes\"?foo=\\\"bar\\\" HTTP/1.1", "/with_\"quotes\"", "foo=\\\"bar\\\""},
      {"GET http://hypnotoad.org?hail=all HTTP/1.1", "/", "hail=all"},
      {"GET http://hypnotoad.org:1234 HTTP/1.1", "/", ""},
      {"GET http://a%12:b!&*$@hypnotoad.org:1234/toto HTTP/1.1", "/toto", ""},
      {"GET https://h/p?q#f HTTP/1.1", "/p", "q"},
      {"OPTIONS * HTTP/1.1", "*", ""},
      {"CONNECT home_0.netscape.com:443 HTTP/1.0", "home_0.netscape.com:443", ""},
      {"CONNECT [::1]:8443 HTTP/1.1", "[::1]:8443", ""},
      {"GET  HTTP/1.1", "/", ""},  // empty target
  };
  for (const auto& c : cases) {
    Parsed p = parse(std::string(c.line) + "\r\n\r\n");
    ASSERT_EQ(p.result.status, Status::Complete) << c.line;
    EXPECT_EQ(p.head.path, c.path) << c.line;
    EXPECT_EQ(p.head.query, c.query) << c.line;
  }
}

TEST(ParseHead, BadTargets) {
  for (std::string_view line : {
           "GET /\xce\xb4 HTTP/1.1",
           "GET /a\tb HTTP/1.1",
           "GET /a\x7f HTTP/1.1",
           "GET /a\x01 HTTP/1.1",
           "GET http:/x HTTP/1.1",
           "GET 1http://x/ HTTP/1.1",
           "GET http:///x HTTP/1.1",
           "GET ** HTTP/1.1",
           "GET a/b HTTP/1.1",
           "CONNECT /x HTTP/1.1",
           "CONNECT host HTTP/1.1",
           "CONNECT host: HTTP/1.1",
           "CONNECT :443 HTTP/1.1",
           "CONNECT h:123456 HTTP/1.1",
           "CONNECT u@h:1 HTTP/1.1",
           "PRI / HTTP/1.1",
           "GET \r\n",
       }) {
    EXPECT_EQ(error_of(std::string(line) + "\r\n\r\n"), ParseError::BadRequestLine) << line;
  }
  EXPECT_EQ(error_of("GET /foo bar/ HTTP/1.1\r\n\r\n"), ParseError::BadVersion);
}

TEST(ParseHead, Http09FormHasNoVersion) {
  Parsed p = parse("GET /\r\nX: y\r\n\r\n");
  ASSERT_EQ(p.result.status, Status::Complete);
  EXPECT_EQ(p.head.version_major, 0);
  EXPECT_EQ(p.head.version_minor, 9);
  EXPECT_FALSE(p.head.keep_alive);
}

TEST(ParseHead, Versions) {
  EXPECT_EQ(parse("GET / HTTP/1.0\r\n\r\n").head.version_minor, 0);
  EXPECT_EQ(error_of("GET / HTTP/5.6"), ParseError::UnsupportedVersion);  // no CRLF needed
  EXPECT_EQ(error_of("GET / HTTP/1.2\r\n\r\n"), ParseError::UnsupportedVersion);
  EXPECT_EQ(error_of("GET / HTTP/2.0\r\n\r\n"), ParseError::UnsupportedVersion);
  EXPECT_EQ(error_of("GET / HTTP/0.9\r\n\r\n"), ParseError::UnsupportedVersion);
  EXPECT_EQ(error_of("GET / HTTP/1.10\r\n\r\n"), ParseError::BadVersion);
  EXPECT_EQ(error_of("GET / HTTP/1.1 \r\n\r\n"), ParseError::BadVersion);
  EXPECT_EQ(error_of("GET / HTTP/11\r\n\r\n"), ParseError::BadVersion);
  EXPECT_EQ(error_of("GET / http/1.1\r\n\r\n"), ParseError::BadVersion);
  EXPECT_EQ(error_of("GET / IHTTP/1.0\r\n\r\n"), ParseError::BadVersion);
  EXPECT_EQ(error_of("GET / HTTP/1.1\n\r\n"), ParseError::BadRequestLine);
  EXPECT_EQ(error_of("GET / HTTP/1.1\rX"), ParseError::BadRequestLine);
  EXPECT_EQ(error_of("GET  / HTTP/1.1\r\n\r\n"), ParseError::BadVersion);
  EXPECT_EQ(error_of(" GET / HTTP/1.1\r\n\r\n"), ParseError::BadRequestLine);
}

TEST(ParseHead, AllLlhttpMethods) {
  for (std::string_view m :
       {"DELETE",     "GET",      "HEAD",       "POST",     "PUT",    "CONNECT",   "OPTIONS",
        "TRACE",      "COPY",     "LOCK",       "MKCOL",    "MOVE",   "PROPFIND",  "PROPPATCH",
        "SEARCH",     "UNLOCK",   "BIND",       "REBIND",   "UNBIND", "ACL",       "REPORT",
        "MKACTIVITY", "CHECKOUT", "MERGE",      "M-SEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE",
        "PATCH",      "PURGE",    "MKCALENDAR", "LINK",     "UNLINK", "SOURCE",    "QUERY"}) {
    const std::string target = m == "CONNECT" ? "h:1" : "/";
    Parsed p = parse(std::string(m) + " " + target + " HTTP/1.1\r\n\r\n");
    ASSERT_EQ(p.result.status, Status::Complete) << m;
    EXPECT_EQ(p.head.method_name, m);
  }
  EXPECT_EQ(parse("DELETE / HTTP/1.1\r\n\r\n").head.method, Method::Delete);
  EXPECT_EQ(parse("M-SEARCH * HTTP/1.1\r\n\r\n").head.method, Method::Other);
}

TEST(ParseHead, UnknownAndMisplacedMethods) {
  EXPECT_EQ(error_of("get / HTTP/1.1\r\n\r\n"), ParseError::UnknownMethod);
  EXPECT_EQ(error_of("MKCOLA / HTTP/1.1\r\n\r\n"), ParseError::UnknownMethod);
  EXPECT_EQ(error_of("ABCDEFGHIJKLMN"), ParseError::UnknownMethod);  // longer than any
  EXPECT_EQ(error_of("GE\x01 / HTTP/1.1\r\n\r\n"), ParseError::BadRequestLine);
  EXPECT_EQ(error_of("ANNOUNCE / HTTP/1.0\r\n\r\n"), ParseError::BadRequestLine);
  EXPECT_EQ(error_of("PUT / RTSP/1.0\r\n\r\n"), ParseError::BadRequestLine);
  EXPECT_EQ(error_of("GET / ICE/1.0\r\n\r\n"), ParseError::BadRequestLine);
  EXPECT_EQ(error_of("ANNOUNCE /\r\n\r\n"), ParseError::BadRequestLine);
  Parsed rtsp = parse("GET_PARAMETER /x RTSP/1.0\r\n\r\n");
  ASSERT_EQ(rtsp.result.status, Status::Complete);
  EXPECT_EQ(rtsp.head.protocol, Protocol::Rtsp);
  EXPECT_FALSE(rtsp.head.keep_alive);
  Parsed ice = parse("SOURCE /x ICE/1.0\r\n\r\n");
  ASSERT_EQ(ice.result.status, Status::Complete);
  EXPECT_EQ(ice.head.protocol, Protocol::Ice);
}

TEST(ParseHead, PriIsAnsweredThenClosed) {
  Parsed p = parse("PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n");
  ASSERT_EQ(p.result.status, Status::Complete);
  EXPECT_EQ(p.result.consumed, 18u);
  EXPECT_EQ(p.head.method, Method::Other);
  EXPECT_EQ(p.head.method_name, "PRI");
  EXPECT_FALSE(p.head.keep_alive);
  EXPECT_EQ(error_of("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), ParseError::UnsupportedVersion);
}

TEST(ParseHead, KeepAlive) {
  auto ka = [](std::string_view raw) { return parse(raw).head.keep_alive; };
  EXPECT_TRUE(ka("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(ka("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
  EXPECT_FALSE(ka("GET / HTTP/1.1\r\nConnection: close\t\r\n\r\n"));
  EXPECT_FALSE(ka("GET / HTTP/1.1\r\nConnection: CLOSE\r\n\r\n"));
  EXPECT_FALSE(ka("GET / HTTP/1.1\r\nConnection: close, token, upgrade, keep-alive\r\n\r\n"));
  EXPECT_FALSE(ka("GET / HTTP/1.1\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"));
  EXPECT_TRUE(ka("GET / HTTP/1.1\r\nConnection: closed\r\n\r\n"));
  EXPECT_FALSE(ka("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(ka("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
  EXPECT_FALSE(ka("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"));
  // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing cannot be trusted.
  EXPECT_FALSE(
      ka("POST / HTTP/1.0\r\nConnection: keep-alive\r\n"
         "Transfer-Encoding: chunked\r\n\r\n"));
}

TEST(ParseHead, UpgradeAndExpect) {
  Parsed ws = parse(
      "GET /ws HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\n"
      "Upgrade: websocket\r\n\r\n");
  EXPECT_TRUE(ws.head.upgrade);
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n").head.upgrade);
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nConnection: upgrade\r\n\r\n").head.upgrade);
  EXPECT_TRUE(parse("PUT / HTTP/1.1\r\nExpect: 100-Continue\r\n\r\n").head.expect_continue);
  EXPECT_FALSE(parse("PUT / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n").head.expect_continue);
}

TEST(ParseHead, HeaderValueBytes) {
  EXPECT_TRUE(complete("GET / HTTP/1.1\r\nTest: D\xfcsseldorf\xff\x80\r\n\r\n"));
  EXPECT_TRUE(complete("GET / HTTP/1.1\r\nTest: a\tb \"c\" ~\r\n\r\n"));
  for (char bad : {'\x00', '\x01', '\x0b', '\x0c', '\x1f', '\x7f', '\n'}) {
    EXPECT_EQ(header_error(std::string("Test: a") + bad + "b\r\n"), ParseError::BadHeader)
        << int(bad);
  }
  // Every position of a long value, for the 16-bytes-at-a-time scan.
  for (std::size_t i = 0; i < 40; ++i) {
    std::string value(40, 'v');
    value[i] = '\t';
    EXPECT_TRUE(complete("GET / HTTP/1.1\r\nX: v" + value + "\r\n\r\n")) << i;
    value[i] = '\x7f';
    EXPECT_EQ(header_error("X: v" + value + "\r\n"), ParseError::BadHeader) << i;
    value[i] = '\x1f';
    EXPECT_EQ(header_error("X: v" + value + "\r\n"), ParseError::BadHeader) << i;
  }
  EXPECT_EQ(header_error("Test: a\rb\r\n"), ParseError::BadHeader);
  EXPECT_EQ(header_error("Test: ab\n"), ParseError::BadHeader);
}

TEST(ParseHead, HeaderNames) {
  EXPECT_TRUE(complete("GET / HTTP/1.1\r\nMy-Header.!#$%&'*+^_`|~09: v\r\n\r\n"));
  for (std::string_view bad :
       {"Fo@: x\r\n", ": x\r\n", "Foo : x\r\n", "Foo\t: x\r\n", " Foo: x\r\n", "\tFoo: x\r\n",
        "Foo\r\n", "Foo\x01: x\r\n", "F\xa0oo: x\r\n", "Foo: x\r\n bar\r\n", "A: b\r\n\rX",
        "A: b\r\n\n", "Host: a\r\nhost: b\r\n"}) {
    EXPECT_EQ(header_error(bad), ParseError::BadHeader) << bad;
  }
}

TEST(ParseHead, ContentLength) {
  auto cl = [](std::string_view value) {
    return parse("POST / HTTP/1.1\r\nContent-Length:" + std::string(value) + "\r\n\r\n");
  };
  Parsed p = cl(" 003");
  ASSERT_EQ(p.result.status, Status::Complete);
  EXPECT_EQ(p.head.framing, BodyFraming::ContentLength);
  EXPECT_EQ(p.head.content_length, 3u);
  EXPECT_EQ(cl("\t42\t  ").head.content_length, 42u);
  EXPECT_EQ(cl(" 0").head.content_length, 0u);
  EXPECT_EQ(cl(" 0").head.framing, BodyFraming::ContentLength);
  for (std::string_view bad : {" 4 2", "", "  ", " +1", " -1", " 1000,1000", " 1.0", " 0x10",
                               " 1000\xa0", " 18446744073709551616"}) {
    EXPECT_EQ(cl(bad).result.error, ParseError::BadContentLength) << bad;
  }
  EXPECT_EQ(cl(" 1000\x11").result.error, ParseError::BadHeader);  // not a field-value byte
  EXPECT_EQ(error_of("PUT / HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 1\r\n"),
            ParseError::BadContentLength);
  EXPECT_EQ(cl(" 1048577").result.error, ParseError::BodyTooLarge);
  EXPECT_EQ(cl(" 1048576").result.status, Status::Complete);
  Limits huge;
  huge.body_bytes_max = UINT64_MAX;
  EXPECT_EQ(parse("PUT / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n", huge)
                .head.content_length,
            UINT64_MAX);
}

TEST(ParseHead, TransferEncoding) {
  auto te = [](std::string_view fields) {
    return parse("POST / HTTP/1.1\r\n" + std::string(fields) + "\r\n");
  };
  for (std::string_view ok :
       {"Transfer-Encoding: chunked\r\n", "transfer-encoding: CHUNKED\r\n",
        "Transfer-Encoding: deflate, chunked\r\n",
        "Transfer-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: gzip , deflate , \tidentity\t, compress\t, chunked\r\n",
        "Transfer-Encoding: \t\tchunked;custom_param;\t\r\n",
        "Transfer-Encoding:   gzip   ;   \r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: ,chunked,\r\n"}) {
    Parsed p = te(ok);
    ASSERT_EQ(p.result.status, Status::Complete) << ok;
    EXPECT_EQ(p.head.framing, BodyFraming::Chunked) << ok;
  }
  for (std::string_view bad :
       {"Transfer-Encoding: chunked, deflate\r\n", "Transfer-Encoding: chunked,chunked\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: deflate\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: identity\r\n", "Transfer-Encoding: pigeons\r\n",
        "Transfer-Encoding: chunkedchunked\r\n", "Transfer-Encoding:\r\n",
        "Transfer-Encoding: xchunked\r\n",
        "Transfer-Encoding: \xa0"
        "chunked\r\n",
        "Transfer-Encoding: chunked\xa0\r\n", "Transfer-Encoding: chu nked\r\n",
        "Transfer-Encoding: ;chunked\r\n"}) {
    EXPECT_EQ(te(bad).result.error, ParseError::BadTransferEncoding) << bad;
  }
  for (std::string_view both : {"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n",
                                "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
                                "Content-Length: 10\r\nTransfer-Encoding:\r\n",
                                "Transfer-Encoding: identity\r\nContent-Length: 5\r\n"}) {
    EXPECT_EQ(te(both).result.error, ParseError::ContentLengthWithTransferEncoding) << both;
  }
}

TEST(ParseHead, LeadingEmptyLines) {
  Parsed p = parse("\r\n\r\nGET / HTTP/1.1\r\n\r\n");
  ASSERT_EQ(p.result.status, Status::Complete);
  EXPECT_EQ(p.result.consumed, 22u);
  EXPECT_TRUE(complete("\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(error_of("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n"), ParseError::BadRequestLine);
  EXPECT_EQ(error_of("\nGET / HTTP/1.1\r\n\r\n"), ParseError::BadRequestLine);
  EXPECT_EQ(error_of("\rGET / HTTP/1.1\r\n\r\n"), ParseError::BadRequestLine);
  EXPECT_EQ(parse("\r\n\r\n").result.status, Status::Incomplete);
  EXPECT_EQ(parse("").result.status, Status::Incomplete);
}

TEST(ParseHead, Limits) {
  Limits limits;
  limits.headers_max = 2;
  EXPECT_TRUE(parse("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n", limits).result.status ==
              Status::Complete);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits),
            ParseError::TooManyHeaders);

  limits = {};
  limits.target_bytes_max = 8;
  EXPECT_TRUE(parse("GET /1234567 HTTP/1.1\r\n\r\n", limits).result.status == Status::Complete);
  EXPECT_EQ(error_of("GET /12345678 HTTP/1.1\r\n\r\n", limits), ParseError::TargetTooLong);
  EXPECT_EQ(error_of("GET /12345678", limits), ParseError::TargetTooLong);  // before the SP

  const std::string head = "GET / HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n";
  limits = {};
  limits.head_bytes_max = head.size();
  EXPECT_EQ(parse(head + "next", limits).result.status, Status::Complete);
  limits.head_bytes_max = head.size() - 1;
  EXPECT_EQ(error_of(head, limits), ParseError::HeadTooLarge);
  EXPECT_EQ(parse(head.substr(0, head.size() - 1), limits).result.status, Status::Incomplete);

  // The capacity of RequestHead::headers bounds any configured limit.
  limits = {};
  limits.headers_max = 1000;
  std::string many = "GET / HTTP/1.1\r\n";
  for (std::size_t i = 0; i <= kHeadersCapacity; ++i) many += "X: y\r\n";
  EXPECT_EQ(error_of(many + "\r\n", limits), ParseError::TooManyHeaders);
}

// Every prefix of a request must give Incomplete until the bytes prove an error, then
// that same error: callers re-parse as bytes arrive.
TEST(ParseHead, PrefixesAreConsistent) {
  const std::string_view requests[] = {
      "POST /a?b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\n",
      "GET / HTTP/1.1\r\nFoo: bar\x01\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
      "GET / HTTP/1.7\r\n\r\n",
      "\r\nXYZ / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nA: b\r\n\rX",
      "\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n",  // found by the fuzzer
  };
  for (std::string_view req : requests) {
    const HeadResult full = parse(req).result;
    bool failed = false;
    for (std::size_t n = 0; n <= req.size(); ++n) {
      const HeadResult r = parse(req.substr(0, n)).result;
      if (r.status == Status::Error) {
        failed = true;
        EXPECT_EQ(r.error, full.error) << req << " at " << n;
      } else if (n < req.size()) {
        EXPECT_EQ(r.status, Status::Incomplete) << req << " at " << n;
        EXPECT_FALSE(failed) << req << " at " << n;
      }
    }
  }
}

// Decodes `body` fed `step` bytes at a time, the way a connection buffer grows.
struct Decoded {
  ChunkedDecoder::Status status;
  std::string data;
  std::size_t raw_consumed;
  ParseError error;
};

Decoded decode(std::string body, std::size_t step = SIZE_MAX, std::uint64_t max = 1024 * 1024) {
  ChunkedDecoder d(max);
  ChunkedDecoder::Status s = ChunkedDecoder::Status::NeedMore;
  for (std::size_t len = std::min(step, body.size());; len = std::min(len + step, body.size())) {
    s = d.feed(body.data(), len);
    EXPECT_LE(d.decoded_bytes(), d.raw_consumed());
    EXPECT_LE(d.raw_consumed(), len);
    if (s != ChunkedDecoder::Status::NeedMore || len == body.size()) break;
  }
  return {s, body.substr(0, d.decoded_bytes()), d.raw_consumed(), d.error()};
}

TEST(ChunkedDecoder, DecodesInPlace) {
  const std::string body =
      "5\r\nhello\r\n6;ext=1;q=\"a\\\"b; c\"\r\n world\r\nA\r\n0123456789\r\n000\r\n\r\n";
  for (std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{7}, body.size()}) {
    Decoded d = decode(body + "GET / HTTP/1.1\r\n", step);
    EXPECT_EQ(d.status, ChunkedDecoder::Status::Done) << step;
    EXPECT_EQ(d.data, "hello world0123456789") << step;
    EXPECT_EQ(d.raw_consumed, body.size()) << step;
  }
}

TEST(ChunkedDecoder, Trailers) {
  Decoded d = decode("5\r\nhello\r\n0\r\nVary: *\r\nContent-Type: text/plain\r\n\r\n");
  EXPECT_EQ(d.status, ChunkedDecoder::Status::Done);
  EXPECT_EQ(d.data, "hello");
  EXPECT_EQ(decode("0\r\nBad Name: x\r\n\r\n").error, ParseError::BadHeader);
  EXPECT_EQ(decode("0\r\nX: a\x01\r\n\r\n").error, ParseError::BadHeader);
  EXPECT_EQ(decode("0\r\n X: a\r\n\r\n").error, ParseError::BadHeader);
  EXPECT_EQ(decode("0\r\nX: a\n\r\n").error, ParseError::BadHeader);
  EXPECT_EQ(decode("0\r\n\rX").error, ParseError::BadChunk);
  std::string big = "0\r\n";
  while (big.size() < 17 * 1024) big += "X-Filler: " + std::string(100, 'f') + "\r\n";
  EXPECT_EQ(decode(big + "\r\n").error, ParseError::HeadTooLarge);
}

TEST(ChunkedDecoder, Errors) {
  for (std::string_view bad : {"a \r\n0123456789\r\n0\r\n\r\n",
                               "2 erfrferferf\r\naa\r\n0\r\n\r\n",
                               "2;\r\naa\r\n",
                               "2;a=\r\n",
                               "2;=b\r\n",
                               "2;a=\"b\r\n",
                               "2;a=\"b\"c\r\n",
                               "2;a b\r\n",
                               "2 ;a\r\n",
                               "3\r\nfoo\r\n\r\n",
                               "3\r\nfooX\r\n",
                               "3\r\nfoo\rX",
                               "3\nfoo\r\n",
                               "3\r\rfoo",
                               "g\r\n",
                               "-1\r\n",
                               "\r\n",
                               "0x3\r\n",
                               "3;a=\"\x01\"\r\n",
                               "10000000000000000\r\n"}) {
    Decoded d = decode(std::string(bad));
    EXPECT_EQ(d.status, ChunkedDecoder::Status::Error) << bad;
    EXPECT_EQ(d.error, ParseError::BadChunk) << bad;
  }
  EXPECT_EQ(decode(std::string(5000, '0') + "\r\n\r\n").error, ParseError::BadChunk);
  EXPECT_EQ(decode("ffffffffffffffff\r\n", SIZE_MAX, UINT64_MAX).status,
            ChunkedDecoder::Status::NeedMore);
}

TEST(ChunkedDecoder, BodyLimit) {
  EXPECT_EQ(decode("4\r\nabcd\r\n0\r\n\r\n", 1, 4).status, ChunkedDecoder::Status::Done);
  Decoded d = decode("4\r\nabcd\r\n1\r\ne\r\n0\r\n\r\n", 1, 4);
  EXPECT_EQ(d.error, ParseError::BodyTooLarge);
  EXPECT_EQ(d.data, "abcd");
  EXPECT_EQ(decode("100001\r\n").error, ParseError::BodyTooLarge);
}

TEST(ChunkedDecoder, StaysDoneOrFailed) {
  std::string body = "1\r\na\r\n0\r\n\r\n";
  ChunkedDecoder d;
  ASSERT_EQ(d.feed(body.data(), body.size()), ChunkedDecoder::Status::Done);
  EXPECT_EQ(d.feed(body.data(), body.size()), ChunkedDecoder::Status::Done);
  EXPECT_EQ(d.raw_consumed(), body.size());
  std::string bad = "x";
  ChunkedDecoder e;
  EXPECT_EQ(e.feed(bad.data(), 1), ChunkedDecoder::Status::Error);
  EXPECT_EQ(e.feed(bad.data(), 1), ChunkedDecoder::Status::Error);
  EXPECT_EQ(e.error(), ParseError::BadChunk);
}

TEST(Helpers, TokensAndCase) {
  EXPECT_TRUE(ascii_iequals("Content-Length", "content-LENGTH"));
  EXPECT_FALSE(ascii_iequals("Content-Length", "Content-Lengt"));
  EXPECT_FALSE(ascii_iequals("\xc0", "\xe0"));  // only ASCII letters fold
  EXPECT_TRUE(list_contains_token("keep-alive, Upgrade", "upgrade"));
  EXPECT_TRUE(list_contains_token(" close\t", "close"));
  EXPECT_FALSE(list_contains_token("closed, x", "close"));
  EXPECT_FALSE(list_contains_token("", "close"));
}

TEST(Helpers, ErrorDescriptions) {
  struct {
    ParseError error;
    int status;
  } expected[] = {
      {ParseError::BadRequestLine, 400},
      {ParseError::UnknownMethod, 501},
      {ParseError::BadVersion, 400},
      {ParseError::UnsupportedVersion, 505},
      {ParseError::BadHeader, 400},
      {ParseError::TooManyHeaders, 431},
      {ParseError::HeadTooLarge, 431},
      {ParseError::TargetTooLong, 414},
      {ParseError::BadContentLength, 400},
      {ParseError::BadTransferEncoding, 400},
      {ParseError::ContentLengthWithTransferEncoding, 400},
      {ParseError::BadChunk, 400},
      {ParseError::BodyTooLarge, 413},
  };
  for (const auto& e : expected) {
    EXPECT_EQ(status_of(e.error), e.status) << code_of(e.error);
    EXPECT_NE(code_of(e.error), "unknown");
    EXPECT_FALSE(message_of(e.error).empty());
  }
  EXPECT_EQ(code_of(ParseError::ContentLengthWithTransferEncoding),
            "content_length_with_transfer_encoding");
}

}  // namespace
}  // namespace rollcall::http
