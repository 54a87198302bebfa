// HTTPS requests on libcurl for the terminal: TLS 1.2 or newer, the server's
// chain and host name always verified (against the CA file from enrolment, or
// the system's store), https only, no signals (safe on a background thread).
// One HttpClient keeps one connection alive between requests; use it from one
// thread. Call init_transport() once in main() before any thread starts.
#pragma once

#include "domain/result.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace feedback::sync {

// curl_global_init; not thread-safe in every libcurl, hence once, early.
void init_transport();

struct HttpRequest {
    std::string method = "GET"; // GET or POST
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body; // POST only, sent as is
};

struct HttpResponse {
    long status = 0;
    std::map<std::string, std::string> headers; // names in lower case; the last value wins
    std::string body;
    int64_t sent_at_ms = 0;     // wall clock, for the clock offset
    int64_t received_at_ms = 0;
    int64_t bytes_sent = 0;     // HTTP bytes on the wire: request line, headers and body (TLS framing not counted)
    int64_t bytes_received = 0; // status line, headers and the body as transferred (compressed)

    std::string header(const std::string& lower_case_name) const;
};

// Why no answer came.
enum class TransportFailure {
    network,       // refused, reset, cut mid-answer, DNS, ...
    timeout,
    untrusted,     // the certificate or host name did not verify: nothing was sent
};

struct HttpOptions {
    std::string ca_file; // empty: the system's trust store
    std::string ca_pem = {}; // instead of ca_file: the CA's PEM text (setup checks a CA before it is saved)
    // Only for fetching head office's public CA at setup, which a person then
    // checks by its fingerprint before anything secret is sent (check_server_trust).
    bool verify_peer = true;
    std::chrono::milliseconds connect_timeout{10000};
    std::chrono::milliseconds total_timeout{60000};
    size_t max_response_bytes = 64 * 1024 * 1024;
};

class HttpClient {
public:
    explicit HttpClient(HttpOptions options);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // An answer of any status, or an Error (kind io) whose message says what
    // failed; last_failure() tells the kind of failure.
    Result<HttpResponse> perform(const HttpRequest& request);
    TransportFailure last_failure() const { return m_last_failure; }

private:
    HttpOptions m_options;
    void* m_curl = nullptr; // CURL*, kept for connection reuse
    TransportFailure m_last_failure = TransportFailure::network;
};

} // namespace feedback::sync
