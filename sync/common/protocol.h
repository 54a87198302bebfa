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
std::string error_body(std::string_view code, std::string_view message);

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
