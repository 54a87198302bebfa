// Deadlines and durations in the store's working time (store_calendar.h):
// walks the local calendar day by day and converts each day's opening and
// closing times to UTC with the store's zone, so a daylight-saving change is
// counted right.
#include "config/store_calendar.h"

#include <algorithm>
#include <cassert>

namespace feedback::config {

namespace {

constexpr int64_t ms_per_minute = 60'000;
constexpr int64_t ms_per_hour = 60 * ms_per_minute;
constexpr int64_t ms_per_local_day = 24 * ms_per_hour;
// Far more days than any valid limit needs (30 working days, 720 working
// hours, at most 400 holidays); reaching it is a bug.
constexpr int max_days_walked = 20 * 366;

LocalDay local_day_of(const CivilTime& civil)
{
    return civil_ms({civil.year, civil.month, civil.day}) / ms_per_local_day;
}

CivilTime at_minute(LocalDay day, int64_t minute_of_day)
{
    return civil_of(day * ms_per_local_day + minute_of_day * ms_per_minute);
}

int weekday_of_day(LocalDay day)
{
    return static_cast<int>(((day % 7) + 7 + 4) % 7); // 1970-01-01 was a Thursday
}

int64_t add_working_days(const StoreCalendar& calendar, int64_t from_utc_ms, int days)
{
    LocalTime local = calendar.zone.to_local(from_utc_ms);
    LocalDay day = local_day_of(local.civil);
    int64_t time_of_day = civil_ms(local.civil) - day * ms_per_local_day;
    for (int walked = 0, counted = 0; counted < days; ++walked) {
        assert(walked < max_days_walked && "add_working_days: a calendar without working days");
        if (walked >= max_days_walked)
            break;
        ++day;
        if (is_working_day(calendar, day))
            ++counted;
    }
    return calendar.zone.to_utc(civil_of(day * ms_per_local_day + time_of_day));
}

int64_t add_working_hours(const StoreCalendar& calendar, int64_t from_utc_ms, int64_t duration_ms)
{
    LocalDay day = local_day_of(calendar.zone.to_local(from_utc_ms).civil);
    int64_t left = duration_ms;
    for (int walked = 0; walked < max_days_walked; ++walked, ++day) {
        const auto& hours = calendar.opening_hours[static_cast<size_t>(weekday_of_day(day))];
        if (!hours || !is_working_day(calendar, day))
            continue;
        int64_t opens = calendar.zone.to_utc(at_minute(day, hours->opens_minute));
        int64_t closes = calendar.zone.to_utc(at_minute(day, hours->closes_minute));
        int64_t start = std::max(opens, from_utc_ms);
        if (start >= closes)
            continue;
        if (left <= closes - start)
            return start + left;
        left -= closes - start;
    }
    assert(false && "add_working_hours: a calendar without opening hours on working days");
    return from_utc_ms + duration_ms;
}

// Opening hours of working days between `from` and `to` (from <= to).
int64_t working_hours_between(const StoreCalendar& calendar, int64_t from_utc_ms, int64_t to_utc_ms)
{
    const LocalDay last = local_day_of(calendar.zone.to_local(to_utc_ms).civil);
    int64_t total = 0;
    for (LocalDay day = local_day_of(calendar.zone.to_local(from_utc_ms).civil); day <= last; ++day) {
        const auto& hours = calendar.opening_hours[static_cast<size_t>(weekday_of_day(day))];
        if (!hours || !is_working_day(calendar, day))
            continue;
        const int64_t opens = std::max(calendar.zone.to_utc(at_minute(day, hours->opens_minute)), from_utc_ms);
        const int64_t closes = std::min(calendar.zone.to_utc(at_minute(day, hours->closes_minute)), to_utc_ms);
        total += std::max<int64_t>(0, closes - opens);
    }
    return total;
}

// The local wall clock's ms since 1970-01-01 00:00 at `utc_ms`.
int64_t local_wall_ms(const StoreCalendar& calendar, int64_t utc_ms)
{
    return utc_ms + int64_t{calendar.zone.offset_at(utc_ms)} * 1000;
}

LocalDay floor_day(int64_t wall_ms)
{
    return wall_ms >= 0 ? wall_ms / ms_per_local_day : -((-wall_ms + ms_per_local_day - 1) / ms_per_local_day);
}

// Working days' wall-clock time between `from` and `to` (from <= to).
int64_t working_days_between(const StoreCalendar& calendar, int64_t from_utc_ms, int64_t to_utc_ms)
{
    const int64_t from = local_wall_ms(calendar, from_utc_ms);
    const int64_t to = local_wall_ms(calendar, to_utc_ms);
    const LocalDay first = floor_day(from);
    const LocalDay last = floor_day(to);
    if (to <= from) // inside the hour repeated when summer time ends
        return 0;
    if (first == last)
        return is_working_day(calendar, first) ? to - from : 0;
    int64_t total = 0;
    if (is_working_day(calendar, first))
        total += (first + 1) * ms_per_local_day - from;
    for (LocalDay day = first + 1; day < last; ++day)
        if (is_working_day(calendar, day))
            total += ms_per_local_day;
    if (is_working_day(calendar, last))
        total += to - last * ms_per_local_day;
    return total;
}

} // namespace

Result<StoreCalendar> default_store_calendar(const std::filesystem::path& zoneinfo)
{
    auto zone = TimeZone::load("Europe/Amsterdam", zoneinfo);
    FEEDBACK_TRY(zone);
    StoreCalendar calendar;
    calendar.zone = std::move(*zone);
    for (size_t weekday = 1; weekday <= 5; ++weekday)
        calendar.opening_hours[weekday] = OpeningHours{9 * 60, 18 * 60};
    calendar.opening_hours[6] = OpeningHours{10 * 60, 17 * 60};
    return calendar;
}

bool is_working_day(const StoreCalendar& calendar, LocalDay day)
{
    return calendar.working_days[static_cast<size_t>(weekday_of_day(day))] &&
           !std::binary_search(calendar.public_holidays.begin(), calendar.public_holidays.end(), day);
}

int64_t due_after(const StoreCalendar& calendar, int64_t from_utc_ms, TimeLimit limit)
{
    assert(limit.amount >= 1 && "due_after: a time limit of less than 1");
    switch (limit.unit) {
    case TimeUnit::clock_hours: return from_utc_ms + int64_t{limit.amount} * ms_per_hour;
    case TimeUnit::working_hours: return add_working_hours(calendar, from_utc_ms, int64_t{limit.amount} * ms_per_hour);
    case TimeUnit::working_days: return add_working_days(calendar, from_utc_ms, limit.amount);
    }
    assert(false && "due_after: a TimeUnit without a rule");
    return from_utc_ms;
}

int64_t working_time_between(const StoreCalendar& calendar, int64_t from_utc_ms, int64_t to_utc_ms, TimeUnit unit)
{
    if (to_utc_ms < from_utc_ms)
        return -working_time_between(calendar, to_utc_ms, from_utc_ms, unit);
    switch (unit) {
    case TimeUnit::clock_hours: return to_utc_ms - from_utc_ms;
    case TimeUnit::working_hours: return working_hours_between(calendar, from_utc_ms, to_utc_ms);
    case TimeUnit::working_days: return working_days_between(calendar, from_utc_ms, to_utc_ms);
    }
    assert(false && "working_time_between: a TimeUnit without a rule");
    return to_utc_ms - from_utc_ms;
}

} // namespace feedback::config
