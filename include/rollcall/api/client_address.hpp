#pragma once
/// Who the client is, by address, for per-client limits (sign-in fairness): the TCP
/// peer, unless the peer is a reverse proxy we trust (`--trusted-proxy`), in which
/// case `X-Forwarded-For` names it. Only trusted proxies are believed, since anyone
/// can send the header: the list is read right to left (each proxy appends the
/// address it received from), skipping addresses that are themselves trusted
/// proxies; the first other address is the client. When every listed address is a
/// trusted proxy the left-most one is; when an entry does not parse, the last
/// address read (the trusted proxy that passed it on) is, since nothing left of it
/// can be believed.
///
/// With `--proxy-protocol` a trusted proxy's connection names its client in a PROXY
/// header instead (net::Connection::client_from_proxy_header), and this is not used.
///
/// Addresses are net::IpAddress; their text is the key limits count by.

#include "rollcall/http/parser.hpp"
#include "rollcall/net/ip_address.hpp"

namespace rollcall::api {

/// The client of a request from TCP peer `peer` (see the top of this file).
net::IpAddress client_address(const net::IpAddress& peer, const http::RequestHead& head,
                              const net::AddressSet& trusted);

}  // namespace rollcall::api
