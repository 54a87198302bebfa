// libcurl behind HttpClient: verification, timeouts, header capture.
#include "http_client.h"

#include "domain/clock.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

namespace feedback::sync {

namespace {

struct Collected {
    HttpResponse* response;
    size_t max_bytes;
    bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user)
{
    auto* collected = static_cast<Collected*>(user);
    size_t bytes = size * count;
    if (collected->response->body.size() + bytes > collected->max_bytes) {
        collected->too_large = true;
        return 0; // aborts the transfer
    }
    collected->response->body.append(data, bytes);
    return bytes;
}

size_t on_header(char* data, size_t size, size_t count, void* user)
{
    auto* collected = static_cast<Collected*>(user);
    size_t bytes = size * count;
    std::string line(data, bytes);
    if (line.rfind("HTTP/", 0) == 0) {
        collected->response->headers.clear(); // a new response (after 100 Continue)
        return bytes;
    }
    auto colon = line.find(':');
    if (colon == std::string::npos)
        return bytes;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    auto first = value.find_first_not_of(" \t");
    auto last = value.find_last_not_of(" \t\r\n");
    value = first == std::string::npos ? std::string() : value.substr(first, last - first + 1);
    collected->response->headers[name] = value;
    return bytes;
}

} // namespace

void init_transport() { curl_global_init(CURL_GLOBAL_DEFAULT); }

std::string HttpResponse::header(const std::string& lower_case_name) const
{
    auto it = headers.find(lower_case_name);
    return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(HttpOptions options) : m_options(std::move(options)), m_curl(curl_easy_init()) {}

HttpClient::~HttpClient()
{
    if (m_curl)
        curl_easy_cleanup(static_cast<CURL*>(m_curl));
}

Result<HttpResponse> HttpClient::perform(const HttpRequest& request)
{
    auto* curl = static_cast<CURL*>(m_curl);
    if (!curl)
        return Error{ErrorKind::internal, "libcurl could not be initialised"};
    curl_easy_reset(curl); // keeps the live connection and the TLS session cache
    HttpResponse response;
    Collected collected{&response, m_options.max_response_bytes};
    char error_text[CURL_ERROR_SIZE] = {};

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, m_options.verify_peer ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, m_options.verify_peer ? 2L : 0L);
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    curl_blob ca_blob{const_cast<char*>(m_options.ca_pem.data()), m_options.ca_pem.size(), CURL_BLOB_COPY};
    if (!m_options.ca_pem.empty())
        curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &ca_blob);
    else if (!m_options.ca_file.empty())
        curl_easy_setopt(curl, CURLOPT_CAINFO, m_options.ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(m_options.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(m_options.total_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &collected);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &collected);
    // gzip only: offered brotli, cpp-httplib compresses at its slowest setting
    // (measured: half the CPU of an upload went to it).
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);

    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers)
        headers = curl_slist_append(headers, (name + ": " + value).c_str());
    headers = curl_slist_append(headers, "Expect:"); // no 100-continue round trip
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (request.method == "POST") {
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    } else {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }

    response.sent_at_ms = now_utc_ms();
    CURLcode code = curl_easy_perform(curl);
    response.received_at_ms = now_utc_ms();
    curl_slist_free_all(headers);

    if (code != CURLE_OK) {
        std::string detail = error_text[0] ? error_text : curl_easy_strerror(code);
        switch (code) {
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_ISSUER_ERROR:
            m_last_failure = TransportFailure::untrusted;
            return Error{ErrorKind::io, "head office's certificate is not trusted, nothing was sent (" + detail +
                                            "): check the server address and the CA file given at enrolment"};
        case CURLE_OPERATION_TIMEDOUT:
            m_last_failure = TransportFailure::timeout;
            return Error{ErrorKind::io, "head office did not answer in time (" + detail + ")"};
        default:
            m_last_failure = TransportFailure::network;
            if (collected.too_large)
                return Error{ErrorKind::io, "head office's answer was larger than expected; it was not read"};
            return Error{ErrorKind::io, "cannot reach head office (" + detail + ")"};
        }
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status = status;
    long request_size = 0;
    long header_size = 0;
    curl_off_t downloaded = 0;
    curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &request_size);
    curl_easy_getinfo(curl, CURLINFO_HEADER_SIZE, &header_size);
    curl_easy_getinfo(curl, CURLINFO_SIZE_DOWNLOAD_T, &downloaded);
    response.bytes_sent = request_size;
    response.bytes_received = header_size + static_cast<int64_t>(downloaded);
    return response;
}

} // namespace feedback::sync
