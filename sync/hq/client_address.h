// The address of the client a request to head office came from. Requests
// reach the routes only through head office's TLS front (front/tls_front.h),
// which passes on the peer's address, or the address a trusted reverse proxy
// forwarded (hq.json's trusted_proxies), in a header only the front can set:
// the routes refuse a request without the front's secret. Rate limits, login
// slowing and the request log use this, never the socket's address.
#pragma once

#include <string>

namespace httplib {
struct Request;
}

namespace feedback::hq {

// The headers the front adds to each request it passes to the routes (and
// removes from what clients send).
inline constexpr const char* header_front_secret = "Feedback-Front-Secret";
inline constexpr const char* header_client_address = "Feedback-Client-Address";

std::string client_address(const httplib::Request& req);

} // namespace feedback::hq
