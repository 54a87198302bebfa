// The client's address as head office's TLS front passed it on (see client_address.h).
#include "client_address.h"

#include <httplib.h>

namespace feedback::hq {

std::string client_address(const httplib::Request& req) { return req.remote_addr; }

} // namespace feedback::hq
