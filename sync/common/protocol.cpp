// Sync protocol version 1: limits and batch answers to and from JSON, gzip
// with a capped inflate, SHA-256 and random secrets (libsodium).
#include "protocol.h"

#include <sodium.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <utility>

namespace feedback::sync {

namespace {

Error bad(std::string message) { return Error{ErrorKind::invalid_input, std::move(message)}; }

} // namespace

// [SECTION] Limits

nlohmann::json to_json(const Limits& limits)
{
    return {
        {"max_events_per_batch", limits.max_events_per_batch},
        {"max_compressed_bytes", limits.max_compressed_bytes},
        {"max_body_bytes", limits.max_body_bytes},
        {"max_feed_events", limits.max_feed_events},
        {"rate_per_second", limits.rate_per_second},
        {"rate_burst", limits.rate_burst},
    };
}

Result<Limits> limits_from_json(const nlohmann::json& json)
{
    if (!json.is_object())
        return bad("limits: must be a JSON object");
    Limits limits;
    auto integer = [&](const char* key, int64_t& target) -> Result<void> {
        auto it = json.find(key);
        if (it == json.end())
            return {};
        if (!it->is_number_integer() || it->get<int64_t>() < 1)
            return bad(std::string("limits.") + key + ": must be an integer of at least 1");
        target = it->get<int64_t>();
        return {};
    };
    auto number = [&](const char* key, double& target) -> Result<void> {
        auto it = json.find(key);
        if (it == json.end())
            return {};
        if (!it->is_number() || it->get<double>() <= 0)
            return bad(std::string("limits.") + key + ": must be a number above 0");
        target = it->get<double>();
        return {};
    };
    FEEDBACK_TRY(integer("max_events_per_batch", limits.max_events_per_batch));
    FEEDBACK_TRY(integer("max_compressed_bytes", limits.max_compressed_bytes));
    FEEDBACK_TRY(integer("max_body_bytes", limits.max_body_bytes));
    FEEDBACK_TRY(integer("max_feed_events", limits.max_feed_events));
    FEEDBACK_TRY(number("rate_per_second", limits.rate_per_second));
    FEEDBACK_TRY(number("rate_burst", limits.rate_burst));
    return limits;
}

// [SECTION] Batch answers

const char* to_string(EventOutcome outcome)
{
    switch (outcome) {
    case EventOutcome::accepted: return "accepted";
    case EventOutcome::duplicate: return "duplicate";
    case EventOutcome::rejected: return "rejected";
    }
    return "?";
}

nlohmann::json to_json(const BatchAnswer& answer)
{
    nlohmann::json results = nlohmann::json::array();
    for (const auto& result : answer.results) {
        nlohmann::json item{{"id", result.id ? nlohmann::json(*result.id) : nlohmann::json()},
                            {"outcome", to_string(result.outcome)}};
        if (result.outcome == EventOutcome::rejected)
            item["reason"] = result.reason;
        results.push_back(std::move(item));
    }
    return {{"batch_id", answer.batch_id},
            {"accepted", answer.accepted},
            {"duplicate", answer.duplicate},
            {"rejected", answer.rejected},
            {"results", std::move(results)}};
}

Result<BatchAnswer> batch_answer_from_json(const nlohmann::json& json)
{
    if (!json.is_object())
        return bad("the answer is not a JSON object");
    BatchAnswer answer;
    auto batch_id = json.find("batch_id");
    if (batch_id == json.end() || !batch_id->is_string())
        return bad("the answer has no batch_id");
    answer.batch_id = batch_id->get<std::string>();
    auto results = json.find("results");
    if (results == json.end() || !results->is_array())
        return bad("the answer has no results array");
    for (const auto& item : *results) {
        if (!item.is_object())
            return bad("an answer result is not an object");
        EventResult result;
        auto id = item.find("id");
        if (id != item.end() && id->is_string())
            result.id = id->get<std::string>();
        auto outcome = item.find("outcome");
        if (outcome == item.end() || !outcome->is_string())
            return bad("an answer result has no outcome");
        std::string name = outcome->get<std::string>();
        if (name == "accepted") {
            result.outcome = EventOutcome::accepted;
            ++answer.accepted;
        } else if (name == "duplicate") {
            result.outcome = EventOutcome::duplicate;
            ++answer.duplicate;
        } else if (name == "rejected") {
            result.outcome = EventOutcome::rejected;
            ++answer.rejected;
            auto reason = item.find("reason");
            result.reason = reason != item.end() && reason->is_string() ? reason->get<std::string>()
                                                                         : "rejected by head office without a reason";
        } else {
            return bad("an answer result has the unknown outcome \"" + name + "\"");
        }
        answer.results.push_back(std::move(result));
    }
    return answer;
}

// [SECTION] Error codes

namespace {

constexpr std::pair<ErrorCode, std::string_view> error_code_names[] = {
    {ErrorCode::bad_request, "bad_request"},
    {ErrorCode::unauthorized, "unauthorized"},
    {ErrorCode::forbidden, "forbidden"},
    {ErrorCode::not_found, "not_found"},
    {ErrorCode::rate_limited, "rate_limited"},
    {ErrorCode::busy, "busy"},
    {ErrorCode::storage, "storage"},
    {ErrorCode::internal, "internal"},
    {ErrorCode::unavailable, "unavailable"},
    {ErrorCode::headers_too_large, "headers_too_large"},
    {ErrorCode::body_too_large, "body_too_large"},
    {ErrorCode::unsupported_encoding, "unsupported_encoding"},
    {ErrorCode::unsupported_transfer_encoding, "unsupported_transfer_encoding"},
    {ErrorCode::expectation_failed, "expectation_failed"},
    {ErrorCode::http_version, "http_version"},
    {ErrorCode::enrol_code_invalid, "enrol_code_invalid"},
    {ErrorCode::device_already_enrolled, "device_already_enrolled"},
    {ErrorCode::device_enrolled_elsewhere, "device_enrolled_elsewhere"},
    {ErrorCode::device_revoked, "device_revoked"},
    {ErrorCode::replace_code_other_device, "replace_code_other_device"},
    {ErrorCode::unreadable_body, "unreadable_body"},
    {ErrorCode::bad_body_hash, "bad_body_hash"},
    {ErrorCode::malformed_json, "malformed_json"},
    {ErrorCode::bad_batch, "bad_batch"},
    {ErrorCode::batch_id_mismatch, "batch_id_mismatch"},
    {ErrorCode::too_many_events, "too_many_events"},
    {ErrorCode::batch_conflict, "batch_conflict"},
    {ErrorCode::no_config, "no_config"},
    {ErrorCode::token_revoked, "token_revoked"},
    {ErrorCode::invalid_field, "invalid_field"},
    {ErrorCode::idempotency_conflict, "idempotency_conflict"},
    {ErrorCode::unknown_store, "unknown_store"},
    {ErrorCode::bad_reference, "bad_reference"},
};

} // namespace

std::string_view wire_name(ErrorCode code)
{
    for (const auto& [known, name] : error_code_names)
        if (known == code)
            return name;
    assert(false && "an ErrorCode without a wire name");
    return "internal";
}

std::optional<ErrorCode> error_code_from_wire(std::string_view name)
{
    for (const auto& [code, known] : error_code_names)
        if (known == name)
            return code;
    return std::nullopt;
}

Error coded_error(ErrorKind kind, ErrorCode code, std::string message)
{
    return Error{kind, std::move(message), static_cast<int>(code)};
}

std::optional<ErrorCode> error_code_of(const Error& error)
{
    for (const auto& entry : error_code_names)
        if (static_cast<int>(entry.first) == error.code)
            return entry.first;
    return std::nullopt;
}

std::string error_body(ErrorCode code, std::string_view message)
{
    return nlohmann::json{{"error", wire_name(code)}, {"message", message}}.dump();
}

// [SECTION] Bytes

Result<std::string> gzip_compress(std::string_view bytes, int level)
{
    z_stream stream{};
    // 15 window bits + 16: a gzip header and trailer instead of zlib's.
    if (deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return Error{ErrorKind::internal, "zlib could not start compressing"};
    std::string out;
    out.resize(deflateBound(&stream, static_cast<uLong>(bytes.size())) + 32);
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    stream.avail_in = static_cast<uInt>(bytes.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    int status = deflate(&stream, Z_FINISH);
    size_t produced = stream.total_out;
    deflateEnd(&stream);
    if (status != Z_STREAM_END)
        return Error{ErrorKind::internal, "zlib could not compress the body"};
    out.resize(produced);
    return out;
}

Result<Inflated> gzip_inflate(std::string_view compressed, size_t max_output)
{
    z_stream stream{};
    // 15 + 32: accept a gzip or a zlib header.
    if (inflateInit2(&stream, 15 + 32) != Z_OK)
        return Error{ErrorKind::internal, "zlib could not start inflating"};
    Inflated result;
    std::array<char, 64 * 1024> buffer{};
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    stream.avail_in = static_cast<uInt>(compressed.size());
    int status = Z_OK;
    while (status != Z_STREAM_END) {
        stream.next_out = reinterpret_cast<Bytef*>(buffer.data());
        stream.avail_out = static_cast<uInt>(buffer.size());
        status = inflate(&stream, Z_NO_FLUSH);
        if (status != Z_OK && status != Z_STREAM_END) {
            inflateEnd(&stream);
            return bad("the body is not valid gzip data");
        }
        size_t produced = buffer.size() - stream.avail_out;
        if (result.bytes.size() + produced > max_output) {
            inflateEnd(&stream);
            result.limit = InflateLimit::exceeded;
            return result;
        }
        result.bytes.append(buffer.data(), produced);
        if (status == Z_OK && produced == 0 && stream.avail_in == 0) {
            inflateEnd(&stream);
            return bad("the gzip data is truncated");
        }
    }
    inflateEnd(&stream);
    return result;
}

bool is_plausible_app_version(std::string_view text)
{
    return !text.empty() && text.size() <= max_app_version_length &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

std::string random_hex(size_t count)
{
    [[maybe_unused]] int ready = sodium_init();
    assert(ready >= 0 && "libsodium could not be initialised");
    std::vector<unsigned char> bytes(count);
    randombytes_buf(bytes.data(), bytes.size());
    std::string hex(count * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
    hex.resize(count * 2);
    return hex;
}

uint32_t random_below(uint32_t bound)
{
    [[maybe_unused]] int ready = sodium_init();
    assert(ready >= 0 && "libsodium could not be initialised");
    return bound == 0 ? 0 : randombytes_uniform(bound);
}

} // namespace feedback::sync
