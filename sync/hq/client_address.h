// The address of the client a request to head office came from. Requests
// reach the routes through head office's TLS front (tls_front.h), which
// passes on the peer's address, or the address a trusted reverse proxy
// forwarded (hq.json's trusted_proxies), in a header only the front can set.
// Rate limits, login slowing and the request log use this, never the socket.
#pragma once

#include <string>

namespace httplib {
struct Request;
}

namespace feedback::hq {

std::string client_address(const httplib::Request& req);

} // namespace feedback::hq
