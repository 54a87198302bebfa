// Helpers for the intake API's tests (sync/API.md): a client that calls
// the real feedback-hq serve over HTTPS with an API token, and setting up a
// store head office knows, with the default configuration published.
#pragma once

#include "client/http_client.h"
#include "sync_support.h"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace feedback::testing {

// One keep-alive HTTPS connection to head office (libcurl, trusting its CA).
class ApiClient {
public:
    ApiClient(const HqProcess& hq, std::string token);

    using Headers = std::vector<std::pair<std::string, std::string>>;
    // Any request; the token goes in Authorization unless it is empty.
    sync::HttpResponse send(const std::string& method, const std::string& path, const std::string& body = "",
                            Headers headers = {});
    sync::HttpResponse post(const nlohmann::json& body, Headers headers = {})
    {
        return send("POST", "/api/v1/complaints", body.dump(), std::move(headers));
    }
    sync::HttpResponse get(const std::string& reference) { return send("GET", "/api/v1/complaints/" + reference); }

private:
    sync::HttpClient m_http;
    std::string m_url;
    std::string m_token;
};

// The token `feedback-hq token add` printed (its first line).
std::string add_api_token(HqProcess& hq, const std::string& name);

// Publishes assets/config/default.json for `store` (which makes the store
// known to head office), with `patch` merged into it.
void publish_store_config(const HqProcess& hq, const std::string& store,
                          const nlohmann::json& patch = nlohmann::json::object());

// The events head office stored (feedback-hq export).
size_t events_stored(HqProcess& hq);

// {"error": ..., "message": ...} of an answer.
std::string error_of(const sync::HttpResponse& response);
std::string message_of(const sync::HttpResponse& response);

} // namespace feedback::testing
