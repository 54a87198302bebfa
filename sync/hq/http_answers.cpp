// The answers every head-office route gives alike (http_answers.h).
#include "http_answers.h"

#include "common/protocol.h"

#include <httplib.h>

#include <chrono>
#include <string>

namespace feedback::hq {

void send_error(httplib::Response& res, int status, sync::ErrorCode code, std::string_view message)
{
    res.status = status;
    res.set_content(sync::error_body(code, message), "application/json");
}

void send_json(httplib::Response& res, const nlohmann::json& body, int status)
{
    res.status = status;
    res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void send_json_in_order(httplib::Response& res, const nlohmann::ordered_json& body, int status)
{
    res.status = status;
    res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void send_storage_failure(httplib::Response& res, const Error& error)
{
    if (error.kind == ErrorKind::busy) {
        res.set_header("Retry-After", "1");
        send_error(res, 503, sync::ErrorCode::busy, "head office is busy; try again shortly");
        return;
    }
    send_error(res, 500, sync::ErrorCode::storage, std::string("head office could not store this: ") + to_string(error.kind));
}

bool refused_by(RateLimiter& bucket, std::string_view key, sql::Connection& db, std::string_view what,
                httplib::Response& res)
{
    auto wait = bucket.take(key, std::chrono::steady_clock::now(), db);
    if (!wait)
        return false;
    res.set_header("Retry-After", std::to_string(*wait));
    send_error(res, 429, sync::ErrorCode::rate_limited, std::string(what) + "; retry after " + std::to_string(*wait) + " s");
    return true;
}

void replace_header(httplib::Response& res, const std::string& name, const std::string& value)
{
    res.headers.erase(name); // httplib::Headers compares names without case
    res.set_header(name, value);
}

std::optional<std::string_view> bearer_token(const httplib::Request& req)
{
    constexpr std::string_view bearer = "Bearer ";
    auto found = req.headers.find("Authorization");
    if (found == req.headers.end() || !std::string_view(found->second).starts_with(bearer))
        return std::nullopt;
    return std::string_view(found->second).substr(bearer.size());
}

} // namespace feedback::hq
