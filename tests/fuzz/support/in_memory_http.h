// Head office's routes answered in memory for the harnesses: one raw HTTP
// request goes through cpp-httplib's own request parsing and routing to the
// handlers the production code mounted, without a socket or a thread.
#pragma once

#include <httplib.h>

#include <string>
#include <string_view>

namespace feedback::fuzz {

class InMemoryServer : public httplib::Server {
public:
    // The raw answer (status line, headers, body) to one raw request, as
    // cpp-httplib would write it to a client that asked to close afterwards.
    std::string answer(std::string_view request);
};

// The status code of a raw answer; 0 when it has no status line.
int status_of(std::string_view answer);
// The body of a raw answer (after the blank line); empty when it has none.
std::string_view body_of(std::string_view answer);
// The value of the first header `name` (as cpp-httplib spells it) of a raw
// answer; empty when it has none.
std::string_view header_of(std::string_view answer, std::string_view name);

// Aborts, printing the request and the answer, when the answer is a 500:
// head office answers one only when a handler threw or failed on its own
// database, which no request must be able to cause.
void require_no_server_error(std::string_view request, std::string_view answer);

} // namespace feedback::fuzz
