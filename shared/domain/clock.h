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

// An instant as other systems send one (the intake API's received_at): a
// date and time with "Z" or an offset "+HH:MM" / "-HH:MM", and optionally a
// fraction of 1-9 digits (kept to the millisecond, cut, not rounded):
// "2026-11-24T09:30:00Z", "2026-11-24T10:30:00.5+01:00". The date alone is
// not an instant; nothing for it or anything else.
std::optional<int64_t> parse_iso8601_instant(std::string_view text);

} // namespace feedback
