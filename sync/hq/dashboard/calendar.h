// Calendar arithmetic for the dashboard: the day and ISO week (Monday 00:00)
// a time falls in, and ISO week labels ("2026-W47"). The times are a store's
// wall clock (TimeZone::wall_clock_ms: the local date and time read as if it
// were UTC), so days and weeks are the store's own. The projector stores
// these buckets and analytics groups by them, so both use this one definition.
#pragma once

#include <cstdint>
#include <string>

namespace feedback::hq::dashboard {

constexpr int64_t ms_per_hour = 3'600'000;
constexpr int64_t ms_per_day = 24 * ms_per_hour;
constexpr int64_t ms_per_week = 7 * ms_per_day;

// 00:00 of the day `ms` falls in; also right for times before 1970.
int64_t day_start_of(int64_t ms);
// Monday 00:00 of the ISO week `ms` falls in.
int64_t week_start_of(int64_t ms);
// The ISO 8601 week of a week start, "2026-W47": the week belongs to the
// year of its Thursday, so 2026-12-28 (a Monday) is "2026-W53" and
// 2024-12-30 is "2025-W01".
std::string iso_week_label(int64_t week_start_ms);

} // namespace feedback::hq::dashboard
