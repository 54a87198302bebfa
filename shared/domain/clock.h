// Wall-clock time in UTC milliseconds and its ISO 8601 text form. Event times
// are device wall-clock times and are never rewritten afterwards.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace feedback {

constexpr int64_t ms_per_day = 24LL * 60 * 60 * 1000;

// Milliseconds since the Unix epoch, UTC, from the system clock.
int64_t now_utc_ms();

// "2026-11-24T09:30:00.123Z"
std::string format_utc_iso8601(int64_t unix_ms);

// Accepts "2026-11-24", "2026-11-24T09:30:00Z" and "2026-11-24T09:30:00.123Z";
// nothing for anything else.
std::optional<int64_t> parse_utc_iso8601(std::string_view text);

} // namespace feedback
