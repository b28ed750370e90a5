#pragma once
/// The PROXY protocol header (haproxy's proxy-protocol.txt, versions 1 and 2): the
/// bytes a reverse proxy sends first on a connection to say which client it
/// forwards. Version 1 is one text line, `PROXY TCP4 192.0.2.1 198.51.100.7 51000
/// 443\r\n` (`TCP6` with IPv6 text; `PROXY UNKNOWN ...\r\n` when the proxy does not
/// know), at most 107 bytes with its CRLF. Version 2 is binary: the 12-byte
/// signature `\r\n\r\n\0\r\nQUIT\n`, a version/command byte (0x21 PROXY, 0x20
/// LOCAL), a family/protocol byte, a big-endian length, then that many bytes: the
/// addresses and ports, then TLVs, which we skip.
///
/// The parser is pure: it reads whatever has arrived so far, and answers the same
/// for the same bytes however they were split, so it needs no state of its own
/// (a caller keeps the bytes until the answer is final). Its answer:
///   - Parsed: the header is whole and valid; `consumed` bytes are the header, the
///     rest belongs to the client; `source` is the client's address, or none when
///     the header names none (v1 UNKNOWN, v2 LOCAL, families and protocols other
///     than TCP over IPv4/IPv6): the connection then keeps its TCP peer's address.
///   - NeedMore: every byte so far could begin a valid header. Never once
///     kProxyHeaderBytesMax bytes have arrived.
///   - Error: these bytes cannot begin a valid header; `error` says why. Decided as
///     early as the bytes allow (a signature that does not match, a v2 length over
///     the cap, a forbidden character in a v1 line).
///
/// Strictness follows the specification: v1 fields separated by exactly one
/// space, addresses of the family the line names, in canonical form (no heading
/// zeroes in IPv4), ports 0..65535 in decimal without heading zeroes, the line
/// ended by CRLF (a lone CR or LF is an error), printable US-ASCII only; v2
/// version 2, command LOCAL or PROXY, known family and protocol nibbles, a length
/// that holds the address block of its family and is at most kProxyV2LengthMax.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "rollcall/net/ip_address.hpp"

namespace rollcall::net {

/// The longest v1 line, CRLF included (the specification's worst case).
inline constexpr std::size_t kProxyV1BytesMax = 107;
/// The fixed part of a v2 header: signature, version/command, family, length.
inline constexpr std::size_t kProxyV2FixedBytes = 16;
/// Our cap on a v2 header's length field: the largest address block (AF_UNIX, 216
/// bytes) plus 304 bytes of TLVs, which haproxy's usual ones (ALPN, authority,
/// unique id, SSL) fit in. A longer header is refused as soon as its length is read.
inline constexpr std::size_t kProxyV2LengthMax = 520;
/// The most bytes a header may take: after this many, the answer is final.
inline constexpr std::size_t kProxyHeaderBytesMax = kProxyV2FixedBytes + kProxyV2LengthMax;

enum class ProxyHeaderError : std::uint8_t {
  NotProxy,     ///< starts with neither signature (e.g. an HTTP request)
  TooLong,      ///< v1: no CRLF within 107 bytes; v2: length over kProxyV2LengthMax
  Malformed,    ///< v1 syntax (spaces, fields, protocol name, CRLF); v2 length too short
  BadAddress,   ///< v1: an address that is not of the line's family, or not canonical
  BadPort,      ///< v1: a port that is not 0..65535 in decimal, or has heading zeroes
  Unsupported,  ///< v2: a version, command, family or protocol the specification forbids
};
inline constexpr std::size_t kProxyHeaderErrorCount = 6;

/// The metric label of `error` (`not_proxy`, `too_long`, ...).
std::string_view reason_of(ProxyHeaderError error);

struct ProxyHeader {
  enum class Status : std::uint8_t { Parsed, NeedMore, Error };
  Status status = Status::NeedMore;
  std::uint8_t version = 0;         ///< 1 or 2 once Parsed
  std::size_t consumed = 0;         ///< the header's bytes, once Parsed
  std::optional<IpAddress> source;  ///< the client, once Parsed; none: keep the TCP peer's
  ProxyHeaderError error = ProxyHeaderError::NotProxy;  ///< why, on Error
};

/// Reads the PROXY header at the start of `bytes` (everything received so far).
ProxyHeader parse_proxy_header(std::string_view bytes);

}  // namespace rollcall::net
