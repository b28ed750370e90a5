// libFuzzer target for the HTTP request parser. The input is a connection's byte stream
// (after a 2-byte seed). It is run twice: once with all bytes available at once, and
// once delivered in random-sized pieces, re-parsing the head on the growing buffer and
// feeding bodies incrementally, as the server does. Both runs must see the same
// sequence of requests, bodies and errors, and every result must stay in bounds.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rollcall/http/parser.hpp"

namespace {

using namespace rollcall::http;

#define FUZZ_CHECK(cond)                                                     \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                          \
    }                                                                        \
  } while (0)

// Delivers the stream: how many bytes are readable now, growing in random steps.
class Delivery {
 public:
  Delivery(std::size_t total, std::uint32_t seed, bool at_once)
      : total_(total), state_(seed | 1), available_(at_once ? total : 0) {}

  std::size_t available() const { return available_; }
  bool exhausted() const { return available_ == total_; }
  void grow() {
    state_ ^= state_ << 13;  // xorshift32
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    // Mostly tiny pieces (1..8 bytes) to split every token; sometimes large ones.
    const std::size_t step = (state_ & 0x30) != 0 ? 1 + (state_ >> 8) % 8 : 1 + (state_ >> 8) % 512;
    available_ = std::min(total_, available_ + step);
  }

 private:
  std::size_t total_;
  std::uint32_t state_;
  std::size_t available_;
};

bool within(std::string_view view, const std::string& buf) {
  return view.empty() ||
         (view.data() >= buf.data() && view.data() + view.size() <= buf.data() + buf.size());
}

// Runs a connection over `buf` and returns a transcript of everything it saw.
std::string run(std::string buf, Delivery delivery, const Limits& limits) {
  std::string log;
  std::size_t pos = 0;
  RequestHead head;
  for (int requests = 0; requests < 64; ++requests) {
    HeadResult r;
    for (;;) {  // re-parse the head as bytes arrive
      const std::string_view readable(buf.data() + pos, delivery.available() - pos);
      r = parse_head(readable, head, limits);
      if (r.status == HeadResult::Status::Complete) FUZZ_CHECK(r.consumed <= readable.size());
      if (r.status != HeadResult::Status::Incomplete || delivery.exhausted()) break;
      delivery.grow();
    }
    if (r.status == HeadResult::Status::Incomplete) return log + "head incomplete\n";
    if (r.status == HeadResult::Status::Error) {
      return log + "head error " + std::string(code_of(r.error)) + "\n";
    }
    FUZZ_CHECK(head.header_count <= limits.headers_max);
    FUZZ_CHECK(within(head.target, buf) && within(head.query, buf));
    for (std::uint16_t i = 0; i < head.header_count; ++i) {
      FUZZ_CHECK(within(head.headers[i].name, buf) && within(head.headers[i].value, buf));
      FUZZ_CHECK(!head.headers[i].name.empty());
    }
    pos += r.consumed;
    log += "head " + std::to_string(r.consumed) + " " + std::string(head.method_name) + " " +
           std::string(head.path) + " ?" + std::string(head.query) + " v" +
           std::to_string(head.version_major) + "." + std::to_string(head.version_minor) +
           " framing " + std::to_string(static_cast<int>(head.framing)) + " cl " +
           std::to_string(head.content_length) + " ka " + std::to_string(head.keep_alive) + " up " +
           std::to_string(head.upgrade) + " headers " + std::to_string(head.header_count) + "\n";
    if (head.method == Method::Connect || head.upgrade) return log + "tunnel\n";

    if (head.framing == BodyFraming::ContentLength) {
      FUZZ_CHECK(head.content_length <= limits.body_bytes_max);
      while (delivery.available() - pos < head.content_length && !delivery.exhausted()) {
        delivery.grow();
      }
      if (delivery.available() - pos < head.content_length) return log + "body incomplete\n";
      log += "body " + buf.substr(pos, head.content_length) + "\n";
      pos += head.content_length;
    } else if (head.framing == BodyFraming::Chunked) {
      ChunkedDecoder decoder(limits.body_bytes_max);
      ChunkedDecoder::Status s;
      for (;;) {
        const std::size_t raw_len = delivery.available() - pos;
        s = decoder.feed(buf.data() + pos, raw_len);
        FUZZ_CHECK(decoder.raw_consumed() <= raw_len);
        FUZZ_CHECK(decoder.decoded_bytes() <= decoder.raw_consumed());
        FUZZ_CHECK(decoder.decoded_bytes() <= limits.body_bytes_max);
        if (s != ChunkedDecoder::Status::NeedMore || delivery.exhausted()) break;
        delivery.grow();
      }
      if (s == ChunkedDecoder::Status::Error) {
        return log + "chunk error " + std::string(code_of(decoder.error())) + " at " +
               std::to_string(decoder.raw_consumed()) + "\n";
      }
      if (s == ChunkedDecoder::Status::NeedMore) return log + "chunks incomplete\n";
      log += "chunked " + std::to_string(decoder.raw_consumed()) + " " +
             buf.substr(pos, decoder.decoded_bytes()) + "\n";
      pos += decoder.raw_consumed();
    }
    if (!head.keep_alive) return log + "close\n";
  }
  return log + "request limit\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint32_t seed = data[0] | static_cast<std::uint32_t>(data[1]) << 8;
  const std::string stream(reinterpret_cast<const char*>(data) + 2, size - 2);
  Limits limits;
  if (seed & 0x8000) {  // small limits half of the time, so every limit gets hit
    limits.head_bytes_max = 32 + (seed & 0xFF);
    limits.target_bytes_max = 1 + (seed >> 8 & 0x1F);
    limits.headers_max = seed >> 8 & 0x7;
    limits.body_bytes_max = seed & 0x3F;
  }
  const std::string at_once = run(stream, Delivery(stream.size(), seed, true), limits);
  const std::string pieces = run(stream, Delivery(stream.size(), seed, false), limits);
  if (at_once != pieces) {
    std::fprintf(stderr, "at once:\n%s\nin pieces:\n%s\n", at_once.c_str(), pieces.c_str());
    std::abort();
  }
  return 0;
}
