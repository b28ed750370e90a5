// libFuzzer target for the PROXY protocol header parser (v1 and v2). The input is a
// trusted proxy's first bytes. The parser is pure over what has arrived, so a
// receiver that calls it after every read must see an answer that never
// contradicts the one for all the bytes: every prefix answers NeedMore or exactly
// what the whole answers. And: NeedMore never once kProxyHeaderBytesMax bytes are
// in; a header consumes at most what arrived and at most kProxyHeaderBytesMax
// (107 for v1, ending in CRLF); an error has a reason label.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "rollcall/net/proxy_header.hpp"

namespace {

using rollcall::net::kProxyHeaderBytesMax;
using rollcall::net::kProxyV1BytesMax;
using rollcall::net::parse_proxy_header;
using rollcall::net::ProxyHeader;

#define FUZZ_CHECK(cond)                                                     \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                          \
    }                                                                        \
  } while (0)

bool same(const ProxyHeader& a, const ProxyHeader& b) {
  return a.status == b.status && a.error == b.error && a.consumed == b.consumed &&
         a.version == b.version && a.source == b.source;
}

void check_alone(std::string_view in, const ProxyHeader& h) {
  switch (h.status) {
    case ProxyHeader::Status::NeedMore: FUZZ_CHECK(in.size() < kProxyHeaderBytesMax); break;
    case ProxyHeader::Status::Error: FUZZ_CHECK(!rollcall::net::reason_of(h.error).empty()); break;
    case ProxyHeader::Status::Parsed:
      FUZZ_CHECK(h.consumed > 0 && h.consumed <= in.size());
      FUZZ_CHECK(h.consumed <= kProxyHeaderBytesMax);
      FUZZ_CHECK(h.version == 1 || h.version == 2);
      if (h.version == 1) {
        FUZZ_CHECK(h.consumed <= kProxyV1BytesMax);
        FUZZ_CHECK(in.substr(h.consumed - 2, 2) == "\r\n");
      }
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Beyond the largest header nothing more can change the answer.
  const std::size_t n = size < kProxyHeaderBytesMax + 16 ? size : kProxyHeaderBytesMax + 16;
  const std::string_view whole(reinterpret_cast<const char*>(data), n);
  const ProxyHeader all = parse_proxy_header(whole);
  check_alone(whole, all);
  for (std::size_t k = 0; k < n; ++k) {
    const std::string_view part = whole.substr(0, k);
    const ProxyHeader h = parse_proxy_header(part);
    check_alone(part, h);
    if (h.status != ProxyHeader::Status::NeedMore) FUZZ_CHECK(same(h, all));
  }
  return 0;
}
