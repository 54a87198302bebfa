// Names and shapes of sync protocol version 1 (sync/PROTOCOL.md) that both
// ends share: headers, error codes, limits, the batch answer, and the byte
// helpers (gzip, SHA-256, random secrets) both sides need.
#pragma once

#include "domain/result.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::sync {

inline constexpr int protocol_version = 1;

// [SECTION] Headers (HTTP header names are case-insensitive; these are the
// spellings we send).
inline constexpr const char* header_protocol = "Feedback-Protocol";
inline constexpr const char* header_server_time = "Feedback-Server-Time";
inline constexpr const char* header_batch_id = "Feedback-Batch-Id";
inline constexpr const char* header_replayed = "Feedback-Replayed";
inline constexpr const char* header_body_sha256 = "Feedback-Body-SHA256";
inline constexpr const char* header_clock_offset = "Feedback-Clock-Offset";
inline constexpr const char* header_backlog = "Feedback-Backlog";
inline constexpr const char* header_app_version = "Feedback-App-Version";
inline constexpr const char* header_idempotency_key = "Idempotency-Key";
// Head office to a terminal, on any answer to it: "wanted" while a user asked
// for a screenshot of its start screen that has not arrived (PROTOCOL.md 9).
inline constexpr const char* header_screenshot = "Feedback-Screenshot";
inline constexpr std::string_view screenshot_wanted_value = "wanted";
// POST /v1/screenshot: when the kiosk took it (UTC ms, its own clock).
inline constexpr const char* header_screenshot_taken = "Feedback-Screenshot-Taken";
inline constexpr size_t max_screenshot_bytes = 4 * 1024 * 1024; // a 1920x1080 start screen is ~100 KiB

// [SECTION] What a terminal reports about itself in Feedback-Clock-Offset,
// Feedback-Backlog and Feedback-App-Version (PROTOCOL.md 5). Head office
// takes a value outside these bounds as not reported, and still accepts the
// request: a terminal with a broken clock must go on uploading.
inline constexpr int64_t max_reported_clock_offset_ms = 10LL * 365 * 24 * 60 * 60 * 1000; // ten years, either way
inline constexpr int64_t max_reported_backlog = 100'000'000;                             // events, 0 at least
inline constexpr size_t max_app_version_length = 40;
// 1 to max_app_version_length printable ASCII characters ("0.1.0", "1.2.0-rc.1+7").
bool is_plausible_app_version(std::string_view text);

// [SECTION] Error codes: the "error" of every error answer head office sends,
// {"error": code, "message": words} (PROTOCOL.md 1, 8; the intake API's
// INTAKE.md), as one typed value both ends share. The wire name is the
// enumerator's name.
enum class ErrorCode : int {
    // Any route, or the TLS front before a route sees the request.
    bad_request = 1,
    unauthorized,
    forbidden,
    not_found,
    rate_limited,
    busy,
    storage,
    internal,
    unavailable,
    headers_too_large,
    body_too_large,
    unsupported_encoding,
    unsupported_transfer_encoding,
    expectation_failed,
    http_version,
    // POST /v1/enrol refused (403); nothing was changed and the code stays valid.
    enrol_code_invalid,
    device_already_enrolled,
    device_enrolled_elsewhere,
    device_revoked, // also 401 on every other route
    replace_code_other_device,
    // POST /v1/batches
    unreadable_body,
    bad_body_hash,
    malformed_json,
    bad_batch,
    batch_id_mismatch,
    too_many_events,
    batch_conflict,
    // GET /v1/config
    no_config,
    // The intake API (sync/hq/api/)
    token_revoked,
    invalid_field,
    idempotency_conflict,
    unknown_store,
    bad_reference,
};

std::string_view wire_name(ErrorCode code);
// Nothing for a name this version does not know (a newer head office's).
std::optional<ErrorCode> error_code_from_wire(std::string_view name);
// An Error that carries `code` (domain/result.h's Error::code) and words for
// people; the code travels with it through FEEDBACK_TRY.
Error coded_error(ErrorKind kind, ErrorCode code, std::string message);
// The code coded_error() put in; nothing for any other Error.
std::optional<ErrorCode> error_code_of(const Error& error);

// One event of a batch rejected because a terminal may not record it.
inline constexpr std::string_view reason_complaint_of_other_store = "complaint_of_other_store";
inline constexpr std::string_view reason_head_office_only_type = "head_office_only_type";
inline constexpr std::string_view reason_head_office_actor = "head_office_actor";

// [SECTION] Limits head office announces and enforces.
struct Limits {
    int64_t max_events_per_batch = 1000;
    int64_t max_compressed_bytes = 2 * 1024 * 1024;
    int64_t max_body_bytes = 16 * 1024 * 1024;
    int64_t max_feed_events = 1000;
    double rate_per_second = 50;
    double rate_burst = 200;
};

nlohmann::json to_json(const Limits& limits);
// Missing fields keep their defaults; wrong types or values below 1 are errors.
Result<Limits> limits_from_json(const nlohmann::json& json);

// [SECTION] The answer to POST /v1/batches.
enum class EventOutcome { accepted, duplicate, rejected };
const char* to_string(EventOutcome outcome);

struct EventResult {
    std::optional<std::string> id; // nothing when the event's id was unreadable
    EventOutcome outcome = EventOutcome::accepted;
    std::string reason; // for rejected
};

struct BatchAnswer {
    std::string batch_id;
    std::vector<EventResult> results;
    int64_t accepted = 0;
    int64_t duplicate = 0;
    int64_t rejected = 0;
};

nlohmann::json to_json(const BatchAnswer& answer);
Result<BatchAnswer> batch_answer_from_json(const nlohmann::json& json);

// {"error": code, "message": message}
std::string error_body(ErrorCode code, std::string_view message);

// [SECTION] Bytes
// gzip (RFC 1952) at the given zlib level.
Result<std::string> gzip_compress(std::string_view bytes, int level = 6);
enum class InflateLimit { within, exceeded };
// Inflates gzip (or zlib) data, stopping as soon as the output would pass
// `max_output` bytes: a gzip bomb costs at most `max_output` of memory.
// invalid_input when the data is not gzip; the flag says when it stopped.
struct Inflated {
    std::string bytes;
    InflateLimit limit = InflateLimit::within;
};
Result<Inflated> gzip_inflate(std::string_view compressed, size_t max_output);

// `count` random bytes from the kernel as lower-case hex.
std::string random_hex(size_t count);
// A uniformly random integer in [0, bound) from the kernel's random source.
uint32_t random_below(uint32_t bound);

} // namespace feedback::sync
