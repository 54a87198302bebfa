// The client's address as head office's TLS front passed it on (see client_address.h).
#include "client_address.h"

#include <httplib.h>

namespace feedback::hq {

std::string client_address(const httplib::Request& req)
{
    // The routes answer only requests that carry the front's secret (the
    // pre-routing check in server.cpp), so this header is the front's.
    std::string forwarded = req.get_header_value(header_client_address);
    return forwarded.empty() ? req.remote_addr : forwarded;
}

} // namespace feedback::hq
