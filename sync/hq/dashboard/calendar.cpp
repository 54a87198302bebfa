// Days and ISO weeks for the dashboard (calendar.h): floor division so
// that every millisecond has exactly one bucket, and std::chrono's civil
// calendar for the ISO week-year.
#include "calendar.h"

#include <chrono>
#include <cstdio>

namespace feedback::hq::dashboard {

namespace {

// 1970-01-05, the first Monday after the Unix epoch (a Thursday).
constexpr int64_t first_monday_ms = 4 * ms_per_day;

int64_t floor_to(int64_t value, int64_t step, int64_t origin)
{
    int64_t offset = (value - origin) % step;
    if (offset < 0)
        offset += step;
    return value - offset;
}

} // namespace

int64_t day_start_of(int64_t ms) { return floor_to(ms, ms_per_day, 0); }

int64_t week_start_of(int64_t ms) { return floor_to(ms, ms_per_week, first_monday_ms); }

std::string iso_week_label(int64_t week_start_ms)
{
    using namespace std::chrono;
    auto monday = floor<days>(sys_time<milliseconds>(milliseconds(week_start_of(week_start_ms))));
    auto thursday = monday + days(3);
    year_month_day civil{thursday};
    auto first_of_year = sys_days(civil.year() / January / 1);
    auto week = (thursday - first_of_year).count() / 7 + 1;
    char label[32];
    std::snprintf(label, sizeof label, "%04d-W%02d", static_cast<int>(civil.year()), static_cast<int>(week));
    return label;
}

} // namespace feedback::hq::dashboard
