// The little of HTTP/1.1 (RFC 9112) that head office's TLS front must
// understand to hold a request until it is whole and to pass an answer back:
// the request head, the body's framing (Content-Length or chunked), and where
// a response ends. Plain functions over bytes, no sockets: unit-tested alone.
//
// The front is strict where request smuggling and resource exhaustion live:
// Content-Length and Transfer-Encoding together, two different lengths, a
// transfer coding other than chunked, a line ending without CR, or a header
// line without a colon are refused, never guessed at.
#pragma once

#include "common/protocol.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace feedback::hq::front {

// An answer the front gives itself, without asking head office's routes.
struct Refusal {
    int status = 400;
    sync::ErrorCode code = sync::ErrorCode::bad_request;
    std::string message; // for a person
};

struct Header {
    std::string name; // as sent
    std::string value; // without surrounding white space
};

struct RequestHead {
    std::string method;  // "POST"
    std::string target;  // "/v1/batches?x=1"
    std::string version; // "HTTP/1.1" or "HTTP/1.0"
    std::vector<Header> headers;
    std::optional<uint64_t> content_length;
    bool chunked = false;
    bool expect_continue = false;
    bool wants_close = false;      // Connection: close, or HTTP/1.0 without keep-alive
    std::string content_encoding;  // lower case; "" for none or identity

    std::string_view path() const; // the target without its query
    // The first header of that name (case-insensitive), or nullptr.
    const std::string* find(std::string_view name) const;
};

// Parses the bytes of a request head up to, not including, the blank line.
std::variant<RequestHead, Refusal> parse_request_head(std::string_view text);

// Whether `name` equals `other` ignoring ASCII case.
bool same_name(std::string_view name, std::string_view other);

// Takes a chunked body (RFC 9112 7.1) as it arrives, in pieces of any size,
// and keeps the data; counts it against a limit as it goes, so a body that
// never ends costs at most `limit` bytes of memory.
//
//   SIZE --digits CRLF--> DATA --n bytes--> DATA_END --CRLF--> SIZE ...
//   SIZE --0 CRLF--> TRAILER --(lines) CRLF--> DONE
class ChunkedDecoder {
public:
    explicit ChunkedDecoder(uint64_t limit) : m_limit(limit) {}

    enum class Status { need_more, done, too_large, malformed };
    // Feeds `bytes`; `used` says how many of them belonged to the body (the
    // rest is the next request's, when done).
    Status feed(std::string_view bytes, size_t& used);
    std::string& data() { return m_data; }

private:
    enum class State { size, data, data_end, trailer, done };
    uint64_t m_limit;
    State m_state = State::size;
    std::string m_line;       // a size or trailer line being read
    uint64_t m_remaining = 0; // bytes of the current chunk still to come
    size_t m_trailer_bytes = 0;
    std::string m_data;
};

// What the front needs to know of head office's answer to relay it: where
// its head ends, and whether the client can tell where its body ends
// (Content-Length or chunked) so the connection may stay open.
struct ResponseHead {
    size_t head_bytes = 0;  // up to and including the blank line
    int status = 0;
    bool self_delimited = false;
};
// nullopt while the head is incomplete; a malformed head is not self-delimited.
std::optional<ResponseHead> scan_response_head(std::string_view bytes, bool head_request);

// The response head with every Connection and Keep-Alive header removed and
// `connection` ("keep-alive" or "close") set instead.
std::string rewrite_connection(std::string_view head, std::string_view connection);

} // namespace feedback::hq::front
