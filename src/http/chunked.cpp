// Resumable, in-place decoder for chunked request bodies (RFC 9112 §7.1).
//
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   chunk-ext    = *( ";" token [ "=" ( token / quoted-string ) ] )
//
// Strict like llhttp: no whitespace anywhere in a chunk-size line. The state machine
// takes one byte at a time except for chunk data, which is moved in bulk.
#include <algorithm>
#include <array>
#include <cstring>

#include "char_class.hpp"
#include "rollcall/http/parser.hpp"

namespace rollcall::http {
namespace {

// Bounds the work an attacker can make us do per decoded byte.
constexpr std::size_t kChunkLineBytesMax = 4096;  // chunk size + extensions
constexpr std::size_t kTrailerBytesMax = 16 * 1024;

using namespace chars;

inline unsigned hex_value(unsigned char c) {
  return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

}  // namespace

bool ChunkedDecoder::fail(ParseError error) {
  error_ = error;
  return false;
}

ChunkedDecoder::Status ChunkedDecoder::feed(char* raw, std::size_t raw_len) {
  if (error_ != ParseError::None) return Status::Error;
  std::size_t pos = raw_pos_;
  while (pos < raw_len && state_ != State::Done) {
    if (state_ == State::Data) {
      // Decoded bytes trail raw ones (each consumed one raw byte), so the move is safe.
      const auto n =
          static_cast<std::size_t>(std::min<std::uint64_t>(chunk_remaining_, raw_len - pos));
      if (decoded_ != pos) std::memmove(raw + decoded_, raw + pos, n);
      decoded_ += n;
      pos += n;
      chunk_remaining_ -= n;
      if (chunk_remaining_ == 0) state_ = State::DataCr;
      continue;
    }
    if (!step(static_cast<unsigned char>(raw[pos]))) {
      raw_pos_ = pos;
      return Status::Error;
    }
    ++pos;
  }
  raw_pos_ = pos;
  return state_ == State::Done ? Status::Done : Status::NeedMore;
}

// Consumes one byte outside chunk data. Returns false (with error_ set) to stop.
// Dispatches on the state; each group of states has its own function below.
bool ChunkedDecoder::step(unsigned char c) {
  if (state_ <= State::SizeLf && ++line_bytes_ > kChunkLineBytesMax) {
    return fail(ParseError::BadChunk);
  }
  if (state_ >= State::TrailerStart && ++trailer_bytes_ > kTrailerBytesMax) {
    return fail(ParseError::HeadTooLarge);
  }
  switch (state_) {
    case State::Size:
    case State::SizeDigits:
    case State::SizeLf: return step_size_line(c);
    case State::Ext:
    case State::ExtName:
    case State::ExtToken:
    case State::ExtValue:
    case State::ExtQuoted:
    case State::ExtQuotedEscape:
    case State::ExtQuotedEnd: return step_extension(c);
    case State::Data:  // handled in bulk by feed()
      return true;
    case State::DataCr:
    case State::DataLf: return step_data_end(c);
    case State::TrailerStart:
    case State::TrailerName:
    case State::TrailerValue:
    case State::TrailerLf:
    case State::FinalLf: return step_trailer(c);
    case State::Done: return true;
  }
  return true;
}

// The chunk size (hex digits) and the CRLF that ends the chunk-size line.
bool ChunkedDecoder::step_size_line(unsigned char c) {
  switch (state_) {
    case State::Size:  // first hex digit; an empty size line is a missing last-chunk
      if (!has(c, kHex)) return fail(ParseError::BadChunk);
      chunk_remaining_ = hex_value(c);
      state_ = State::SizeDigits;
      return true;
    case State::SizeDigits:
      if (has(c, kHex)) {
        if (chunk_remaining_ >> 60 != 0) return fail(ParseError::BadChunk);  // overflow
        chunk_remaining_ = chunk_remaining_ << 4 | hex_value(c);
        return true;
      }
      if (chunk_remaining_ > body_bytes_max_ - decoded_) return fail(ParseError::BodyTooLarge);
      return end_size_or_extension(c);
    case State::SizeLf:
      if (c != '\n') return fail(ParseError::BadChunk);
      line_bytes_ = 0;
      state_ = chunk_remaining_ == 0 ? State::TrailerStart : State::Data;
      return true;
    default: return fail(ParseError::BadChunk);  // not reached: step() sends only the above
  }
}

// chunk-ext after the size: names, token values and quoted-string values.
bool ChunkedDecoder::step_extension(unsigned char c) {
  switch (state_) {
    case State::Ext:  // after ';': an extension name must follow
      if (!has(c, kTchar)) return fail(ParseError::BadChunk);
      state_ = State::ExtName;
      return true;
    case State::ExtName:
    case State::ExtToken:
      if (has(c, kTchar)) return true;
      if (c == '=' && state_ == State::ExtName) {
        state_ = State::ExtValue;
        return true;
      }
      return end_size_or_extension(c);
    case State::ExtValue:
      if (c == '"') {
        state_ = State::ExtQuoted;
      } else if (has(c, kTchar)) {
        state_ = State::ExtToken;
      } else {
        return fail(ParseError::BadChunk);
      }
      return true;
    case State::ExtQuoted:  // an unterminated quote reaching CR fails here
      if (c == '"') {
        state_ = State::ExtQuotedEnd;
      } else if (c == '\\') {
        state_ = State::ExtQuotedEscape;
      } else if (!has(c, kQdtext)) {
        return fail(ParseError::BadChunk);
      }
      return true;
    case State::ExtQuotedEscape:  // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
      if (!has(c, kValue)) return fail(ParseError::BadChunk);
      state_ = State::ExtQuoted;
      return true;
    case State::ExtQuotedEnd: return end_size_or_extension(c);
    default: return fail(ParseError::BadChunk);  // not reached: step() sends only the above
  }
}

// End of the chunk size, an extension name, token value or quoted value: ';' starts
// (another) extension, CR ends the line.
bool ChunkedDecoder::end_size_or_extension(unsigned char c) {
  if (c == ';') {
    state_ = State::Ext;
  } else if (c == '\r') {
    state_ = State::SizeLf;
  } else {
    return fail(ParseError::BadChunk);
  }
  return true;
}

// The CRLF after chunk data.
bool ChunkedDecoder::step_data_end(unsigned char c) {
  if (state_ == State::DataCr) {
    if (c != '\r') return fail(ParseError::BadChunk);
    state_ = State::DataLf;
    return true;
  }
  if (c != '\n') return fail(ParseError::BadChunk);
  state_ = State::Size;
  return true;
}

// The trailer section after the last chunk, and the CRLF that ends the body.
bool ChunkedDecoder::step_trailer(unsigned char c) {
  switch (state_) {
    case State::TrailerStart:  // a trailer field, or the CRLF that ends the body
      if (c == '\r') {
        state_ = State::FinalLf;
      } else if (has(c, kTchar)) {
        state_ = State::TrailerName;
      } else {
        return fail(ParseError::BadHeader);
      }
      return true;
    case State::TrailerName:
      if (c == ':') {
        state_ = State::TrailerValue;
      } else if (!has(c, kTchar)) {
        return fail(ParseError::BadHeader);
      }
      return true;
    case State::TrailerValue:
      if (c == '\r') {
        state_ = State::TrailerLf;
      } else if (!has(c, kValue)) {
        return fail(ParseError::BadHeader);
      }
      return true;
    case State::TrailerLf:
      if (c != '\n') return fail(ParseError::BadHeader);
      state_ = State::TrailerStart;
      return true;
    case State::FinalLf:
      if (c != '\n') return fail(ParseError::BadChunk);
      state_ = State::Done;
      return true;
    default: return fail(ParseError::BadChunk);  // not reached: step() sends only the above
  }
}

}  // namespace rollcall::http
