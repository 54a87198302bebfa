// How every route of head office's HTTPS server answers alike: JSON bodies,
// error bodies {"error", "message"} (PROTOCOL.md 1), a storage failure (500,
// or 503 busy with Retry-After), 429 from a rate limiter, and reading the
// request's bearer token. Shared by the protocol's routes (server.cpp) and
// the intake API (api/intake_api.cpp).
#pragma once

#include "common/protocol.h"
#include "domain/result.h"
#include "rate_limiter.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace httplib {
struct Request;
struct Response;
} // namespace httplib

namespace feedback::hq {

void send_error(httplib::Response& res, int status, sync::ErrorCode code, std::string_view message);
void send_json(httplib::Response& res, const nlohmann::json& body, int status = 200);
// The same with the keys in the order given (the intake API's answers read as documented).
void send_json_in_order(httplib::Response& res, const nlohmann::ordered_json& body, int status = 200);
// Head office failed, not the request: 503 busy (Retry-After: 1) when the
// database was busy, else 500 storage; the client sends it again later.
void send_storage_failure(httplib::Response& res, const Error& error);
// Takes a token from `bucket` for `key` (in `db` when it is PostgreSQL,
// shared by the processes); when there is none, answers 429 rate_limited
// with Retry-After, `what` saying what was too much, and returns true.
bool refused_by(RateLimiter& bucket, std::string_view key, sql::Connection& db, std::string_view what,
                httplib::Response& res);
// Sets `name` to `value`, replacing what was set before under that name (in
// any case): the routes' common headers are set before a handler runs, and a
// header sent twice is read differently by different clients (testssl.sh
// reports a doubled X-Content-Type-Options as MEDIUM).
void replace_header(httplib::Response& res, const std::string& name, const std::string& value);
// The token of "Authorization: Bearer TOKEN"; nothing without one.
std::optional<std::string_view> bearer_token(const httplib::Request& req);

} // namespace feedback::hq
