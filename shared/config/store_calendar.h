// The store's calendar (its time zone, opening hours, working days and public
// holidays), deadlines counted in it (clock hours, working hours or working
// days) and the working time between two instants. The one rule the terminal
// and head office both use.
#pragma once

#include "domain/time_zone.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::config {

// Weekdays as the calendar counts them: 0 Sunday .. 6 Saturday.
inline constexpr std::array<std::string_view, 7> weekday_names{"sunday",   "monday", "tuesday", "wednesday",
                                                                "thursday", "friday", "saturday"};

// Open from `opens` to `closes`, local wall-clock minutes after midnight
// (0-1440, opens < closes; 1440 is "24:00").
struct OpeningHours {
    int opens_minute = 0;
    int closes_minute = 0;
    friend bool operator==(const OpeningHours&, const OpeningHours&) = default;
};

// A day of the calendar: days since 1970-01-01 (a local date, no zone).
using LocalDay = int64_t;

struct StoreCalendar {
    TimeZone zone; // the store's IANA zone, loaded from the system's tzdata
    // Per weekday (index 0 Sunday); nothing: closed.
    std::array<std::optional<OpeningHours>, 7> opening_hours{};
    // Per weekday: a working day unless it is a public holiday.
    std::array<bool, 7> working_days{false, true, true, true, true, true, false};
    std::vector<LocalDay> public_holidays; // ascending, no repeats
};

// What the configuration says when it has no "calendar" (documents from
// before calendars): Europe/Amsterdam; Monday to Friday 09:00-18:00,
// Saturday 10:00-17:00, closed on Sunday; working days Monday to Friday; no
// public holidays. The zone is loaded from `zoneinfo`.
Result<StoreCalendar> default_store_calendar(const std::filesystem::path& zoneinfo = system_zoneinfo_dir);

// Whether the local date `day` is a working day: its weekday is, and it is
// not a public holiday.
bool is_working_day(const StoreCalendar& calendar, LocalDay day);

// How long a promise gives, and in what time.
//   clock_hours    hours as any clock counts them (elapsed time)
//   working_hours  only the opening hours of working days count
//   working_days   the same wall-clock time on the amount-th working day
//                  after the local day it starts on (Friday 16:00 + 2 is
//                  Tuesday 16:00; Saturday 11:00 + 2 is Tuesday 11:00)
enum class TimeUnit { clock_hours, working_hours, working_days };

struct TimeLimit {
    TimeUnit unit = TimeUnit::clock_hours;
    int amount = 0; // at least 1
    friend bool operator==(const TimeLimit&, const TimeLimit&) = default;
};

// When something started at `from_utc_ms` (UTC ms) is due under `limit`, in
// UTC ms. Working hours: a start outside opening hours counts from the next
// opening; the amount used up exactly at closing is due at closing. The
// calendar must have a working day with opening hours (validation makes
// sure) when the unit is working_hours.
int64_t due_after(const StoreCalendar& calendar, int64_t from_utc_ms, TimeLimit limit);

// The working time from `from_utc_ms` to `to_utc_ms` (UTC ms), in ms of the
// unit's time; negative when `to` is before `from` (how long ago, overdue).
//   clock_hours    the elapsed time, to - from
//   working_hours  the time inside the opening hours of working days: the
//                  inverse of due_after, working_time_between(c, a,
//                  due_after(c, a, {working_hours, n})) is n hours for any a
//   working_days   the time inside working days, each counted as the 24 h
//                  of its local wall clock (a day with a clock change counts
//                  24 h too), so that due_after(c, a, {working_days, n}) is n
//                  x 24 h after any `a` on a working day. From a day that is
//                  not a working day the count starts at the next working
//                  day's midnight: Saturday 11:00 to Tuesday 11:00 is 1
//                  working day and 11 h, although due_after counts Saturday
//                  11:00 + 2 working days as Tuesday 11:00 (a due time keeps
//                  its time of day; time left is time that can still be worked).
// Walks the calendar day by day between the two instants.
int64_t working_time_between(const StoreCalendar& calendar, int64_t from_utc_ms, int64_t to_utc_ms, TimeUnit unit);

} // namespace feedback::config
