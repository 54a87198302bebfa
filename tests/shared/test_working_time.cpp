// Deadlines in working time (config/store_calendar.h, config::complaint_deadline)
// on the shipped calendar: Europe/Amsterdam, Monday-Friday 09:00-18:00,
// Saturday 10:00-17:00, the Dutch public holidays of 2026. Every expected
// instant is worked out by hand in the comment above it; CEST is UTC+2
// (from 29 March 2026 01:00 UTC to 25 October 2026 01:00 UTC), CET UTC+1.
// Then the working time between two instants (config::working_time_between),
// hand-worked on the same cases and checked to invert due_after over a year
// of start times. Also the calendar's validation rules.
#include "config/kiosk_config.h"
#include "support/files.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <random>

using namespace feedback;
using namespace feedback::config;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

constexpr int64_t hour = 3'600'000;
constexpr int64_t day = 24 * hour;

// Friday 2026-06-12 14:00 UTC = 16:00 CEST (1,781,272,800,000 ms).
constexpr int64_t friday_1600_june = 1'781'272'800'000;

Json default_json()
{
    return Json::parse(feedback::testing::read_all(std::filesystem::path(FEEDBACK_SOURCE_DIR) / "assets" /
                                                   "config" / "default.json"));
}

KioskConfig parsed(const Json& json)
{
    auto config = parse_config(json);
    REQUIRE(config);
    return *config;
}

std::string error_after(const std::function<void(Json&)>& change)
{
    Json json = default_json();
    change(json);
    auto config = parse_config(json);
    return config ? std::string() : config.error().message;
}

} // namespace

TEST_CASE("two working days: Friday 16:00 is due Tuesday 16:00", "[config][working_time]")
{
    KioskConfig config = parsed(default_json());
    // Saturday and Sunday do not count: Monday is the first working day,
    // Tuesday the second; Tuesday 2026-06-16 16:00 CEST = 14:00 UTC, 4 days on.
    CHECK(complaint_deadline(config, friday_1600_june) == friday_1600_june + 4 * day);
    // Received on Saturday 2026-06-13 11:00 CEST (09:00 UTC): Monday is the
    // first, Tuesday the second working day after it: Tuesday 11:00 CEST.
    constexpr int64_t saturday_1100 = 1'781'341'200'000;
    CHECK(complaint_deadline(config, saturday_1100) == saturday_1100 + 3 * day);
}

TEST_CASE("a public holiday moves the deadline one day later", "[config][working_time]")
{
    KioskConfig config = parsed(default_json());
    // Friday 2026-04-24 16:00 CEST (14:00 UTC). Monday 27 April is King's Day
    // (in the default holidays): Tuesday 28 is the first working day,
    // Wednesday 29 the second: 16:00 CEST = 14:00 UTC, 5 days on.
    constexpr int64_t friday_before_kings_day = 1'777'039'200'000;
    CHECK(complaint_deadline(config, friday_before_kings_day) == friday_before_kings_day + 5 * day);
    // Without the holiday it is Tuesday, 4 days on.
    Json json = default_json();
    json["calendar"]["public_holidays"] = Json::array();
    CHECK(complaint_deadline(parsed(json), friday_before_kings_day) == friday_before_kings_day + 4 * day);
}

TEST_CASE("the due time keeps its wall-clock time across both daylight-saving changes", "[config][working_time]")
{
    KioskConfig config = parsed(default_json());
    // Friday 2026-03-27 16:00 CET = 15:00 UTC (1,774,623,600,000). Summer time
    // starts on Sunday 29 March. Due Tuesday 2026-03-31 16:00 CEST = 14:00
    // UTC: 4 days less the hour skipped (1,774,965,600,000).
    constexpr int64_t friday_march = 1'774'623'600'000;
    CHECK(complaint_deadline(config, friday_march) == 1'774'965'600'000);
    CHECK(complaint_deadline(config, friday_march) == friday_march + 4 * day - hour);
    // Friday 2026-10-23 16:00 CEST = 14:00 UTC (1,792,764,000,000). Summer
    // time ends on Sunday 25 October. Due Tuesday 2026-10-27 16:00 CET = 15:00
    // UTC: 4 days and the hour repeated (1,793,113,200,000).
    constexpr int64_t friday_october = 1'792'764'000'000;
    CHECK(complaint_deadline(config, friday_october) == 1'793'113'200'000);
    CHECK(complaint_deadline(config, friday_october) == friday_october + 4 * day + hour);
}

TEST_CASE("working hours count only opening hours on working days", "[config][working_time]")
{
    Json json = default_json();
    json["promises"][0].erase("answer_within_working_days");
    json["promises"][0]["answer_within_working_hours"] = 4;
    KioskConfig config = parsed(json);
    // Monday 2026-06-15 17:00 CEST (15:00 UTC), open until 18:00: one hour on
    // Monday, three from 09:00 on Tuesday: Tuesday 12:00 CEST = 10:00 UTC.
    constexpr int64_t monday_1700 = 1'781'535'600'000;
    CHECK(complaint_deadline(config, monday_1700) == 1'781'604'000'000);
    CHECK(complaint_deadline(config, monday_1700) == monday_1700 + 19 * hour);
    // Before opening the clock starts at 09:00: Monday 07:00 CEST (05:00 UTC)
    // is due 13:00 CEST (11:00 UTC).
    constexpr int64_t monday_0700 = 1'781'499'600'000;
    CHECK(complaint_deadline(config, monday_0700) == monday_0700 + 6 * hour);
    // Used up exactly at closing: Monday 14:00 CEST is due 18:00 CEST, not 09:00 Tuesday.
    CHECK(complaint_deadline(config, monday_0700 + 7 * hour) == monday_0700 + 11 * hour);
}

TEST_CASE("a deadline is kept, missed, overdue or still running", "[config][working_time]")
{
    constexpr int64_t due = friday_1600_june;
    CHECK(deadline_standing(due, std::nullopt, due - hour) == DeadlineStanding::pending);
    CHECK(deadline_standing(due, std::nullopt, due) == DeadlineStanding::pending); // due means by then
    CHECK(deadline_standing(due, std::nullopt, due + 1) == DeadlineStanding::overdue);
    CHECK(deadline_standing(due, due, due + day) == DeadlineStanding::kept);
    CHECK(deadline_standing(due, due - day, due - hour) == DeadlineStanding::kept);
    CHECK(deadline_standing(due, due + 1, due + day) == DeadlineStanding::missed);
}

TEST_CASE("high and safety complaints get their shorter deadlines", "[config][working_time]")
{
    Json json = default_json();
    json["severity_deadlines"] = {{"high", {{"answer_within_working_hours", 8}}},
                                  {"safety", {{"answer_within_hours", 4}}}};
    KioskConfig config = parsed(json);
    // Friday 2026-06-12 15:00 CEST (13:00 UTC). High, 8 working hours: 3 on
    // Friday until 18:00; Saturday is open but not a working day, Sunday is
    // closed; 5 from Monday 09:00: Monday 2026-06-15 14:00 CEST = 12:00 UTC.
    constexpr int64_t friday_1500 = 1'781'269'200'000;
    CHECK(complaint_deadline(config, friday_1500, Severity::high) == 1'781'524'800'000);
    CHECK(complaint_deadline(config, friday_1500, Severity::high) == friday_1500 + 3 * day - hour);
    // Safety, 4 clock hours: Friday 19:00 CEST, tighter than high's Monday.
    CHECK(complaint_deadline(config, friday_1500, Severity::safety) == friday_1500 + 4 * hour);
    // Normal and low keep the promise: Tuesday 15:00 CEST.
    CHECK(complaint_deadline(config, friday_1500) == friday_1500 + 4 * day);
    CHECK(complaint_deadline(config, friday_1500, Severity::low) == friday_1500 + 4 * day);
    // A safety complaint without its own deadline has at least high's.
    json["severity_deadlines"].erase("safety");
    CHECK(complaint_deadline(parsed(json), friday_1500, Severity::safety) == friday_1500 + 3 * day - hour);
    // A severity deadline never makes a deadline later than the promise.
    json["severity_deadlines"]["high"] = {{"answer_within_working_days", 5}};
    CHECK(complaint_deadline(parsed(json), friday_1500, Severity::high) == friday_1500 + 4 * day);
}

TEST_CASE("the calendar names its zone, opening hours, working days and holidays", "[config][working_time]")
{
    // A document without a calendar gets the default one.
    Json old = default_json();
    old.erase("calendar");
    KioskConfig without = parsed(old);
    CHECK(without.calendar.zone.name() == "Europe/Amsterdam");
    CHECK(without.calendar.opening_hours[1] == OpeningHours{9 * 60, 18 * 60});
    CHECK(without.calendar.opening_hours[6] == OpeningHours{10 * 60, 17 * 60});
    CHECK_FALSE(without.calendar.opening_hours[0]);
    CHECK(without.calendar.public_holidays.empty());

    CHECK_THAT(error_after([](Json& j) { j["calendar"]["time_zone"] = "Europe/Atlantis"; }),
               Contains("calendar.time_zone: cannot be loaded: time zone \"Europe/Atlantis\" is not in"));
    CHECK_THAT(error_after([](Json& j) { j["calendar"]["time_zone"] = "../../etc/passwd"; }),
               Contains("calendar.time_zone: cannot be loaded: \"../../etc/passwd\" is not a time zone name"));
    CHECK_THAT(error_after([](Json& j) { j["calendar"]["opening_hours"]["monday"] = "18:00-09:00"; }),
               Contains("calendar.opening_hours.monday: must be \"HH:MM-HH:MM\", opening before closing"));
    CHECK_THAT(error_after([](Json& j) { j["calendar"]["opening_hours"]["maandag"] = "09:00-18:00"; }),
               Contains("calendar.opening_hours.maandag: unknown key"));
    CHECK(error_after([](Json& j) { j["calendar"]["opening_hours"]["sunday"] = "00:00-24:00"; }).empty());
    CHECK_THAT(error_after([](Json& j) { j["calendar"]["working_days"] = {"monday", "monday"}; }),
               Contains("calendar.working_days[1]: \"monday\" is already listed"));
    CHECK_THAT(error_after([](Json& j) { j["calendar"]["working_days"] = {"sunday"}; }),
               Contains("calendar.opening_hours: no working day has opening hours"));
    CHECK_THAT(error_after([](Json& j) { j["calendar"]["public_holidays"] = {"2026-02-30"}; }),
               Contains("calendar.public_holidays[0]: must be a date \"YYYY-MM-DD\" (got \"2026-02-30\")"));
    CHECK_THAT(error_after([](Json& j) { j["severity_deadlines"] = {{"high", Json::object()}}; }),
               Contains("severity_deadlines.high: must give a deadline"));
    CHECK_THAT(error_after([](Json& j) { j["severity_deadlines"] = {{"urgent", {{"answer_within_hours", 2}}}}; }),
               Contains("severity_deadlines.urgent: unknown key"));

    // Saturday as a working day: Friday 16:00 + 2 is then Monday 16:00.
    Json six_days = default_json();
    six_days["calendar"]["working_days"] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
    CHECK(complaint_deadline(parsed(six_days), friday_1600_june) == friday_1600_june + 3 * day);
    // And the calendar is written back as read.
    CHECK(to_json(parsed(six_days)) == six_days);
}

// =============================================================================
// [SECTION] The working time between two instants
// =============================================================================

TEST_CASE("working time from Friday afternoon to Tuesday, in each unit", "[config][working_time][between]")
{
    const StoreCalendar calendar = parsed(default_json()).calendar;
    // Friday 2026-06-12 16:00 CEST to Tuesday 2026-06-16 16:00 CEST (the
    // complaint's deadline): 8 h of Friday, Monday whole, 16 h of Tuesday.
    constexpr int64_t tuesday_1600 = 1'781'618'400'000;
    CHECK(working_time_between(calendar, friday_1600_june, tuesday_1600, TimeUnit::working_days) == 2 * day);
    // Opening hours: Friday 16:00-18:00, Monday 09:00-18:00, Tuesday 09:00-16:00
    // (Saturday is open but not a working day).
    CHECK(working_time_between(calendar, friday_1600_june, tuesday_1600, TimeUnit::working_hours) == 18 * hour);
    CHECK(working_time_between(calendar, friday_1600_june, tuesday_1600, TimeUnit::clock_hours) == 4 * day);
    // Backwards it is negative: how long ago, or how long overdue.
    CHECK(working_time_between(calendar, tuesday_1600, friday_1600_june, TimeUnit::working_days) == -2 * day);
    CHECK(working_time_between(calendar, tuesday_1600, friday_1600_june, TimeUnit::working_hours) == -18 * hour);
    CHECK(working_time_between(calendar, friday_1600_june, friday_1600_june, TimeUnit::working_days) == 0);

    // Monday 2026-06-15 11:00 CEST: 13 h of Monday and 16 h of Tuesday left,
    // 1 working day and 5 h; Friday's 8 h and Monday's 11 h have gone by.
    constexpr int64_t monday_1100 = 1'781'514'000'000;
    CHECK(working_time_between(calendar, monday_1100, tuesday_1600, TimeUnit::working_days) == day + 5 * hour);
    CHECK(working_time_between(calendar, friday_1600_june, monday_1100, TimeUnit::working_days) == 19 * hour);
    // The weekend itself is no working time at all.
    constexpr int64_t saturday_1100 = 1'781'341'200'000;
    CHECK(working_time_between(calendar, saturday_1100, saturday_1100 + day, TimeUnit::working_days) == 0);
    CHECK(working_time_between(calendar, saturday_1100, saturday_1100 + day, TimeUnit::working_hours) == 0);
    // From Saturday 11:00 the count starts on Monday at midnight: to Tuesday
    // 11:00 (where due_after puts 2 working days) is Monday and 11 h.
    constexpr int64_t tuesday_1100 = 1'781'600'400'000;
    REQUIRE(due_after(calendar, saturday_1100, {TimeUnit::working_days, 2}) == tuesday_1100);
    CHECK(working_time_between(calendar, saturday_1100, tuesday_1100, TimeUnit::working_days) == day + 11 * hour);

    // Working hours: Monday 17:00 CEST to Tuesday 12:00 CEST is 1 + 3 hours.
    constexpr int64_t monday_1700 = 1'781'535'600'000;
    constexpr int64_t tuesday_1200 = 1'781'604'000'000;
    CHECK(working_time_between(calendar, monday_1700, tuesday_1200, TimeUnit::working_hours) == 4 * hour);
}

TEST_CASE("working time across a public holiday", "[config][working_time][between]")
{
    // Friday 2026-04-24 16:00 CEST to Wednesday 2026-04-29 16:00 CEST; Monday
    // the 27th is King's Day.
    constexpr int64_t friday = 1'777'039'200'000;
    constexpr int64_t wednesday = 1'777'471'200'000;
    const StoreCalendar calendar = parsed(default_json()).calendar;
    // Friday 8 h, Tuesday whole, Wednesday 16 h: the deadline's 2 working days.
    CHECK(working_time_between(calendar, friday, wednesday, TimeUnit::working_days) == 2 * day);
    // Friday 16:00-18:00, Tuesday 09:00-18:00, Wednesday 09:00-16:00.
    CHECK(working_time_between(calendar, friday, wednesday, TimeUnit::working_hours) == 18 * hour);
    // Without the holiday Monday counts too.
    Json json = default_json();
    json["calendar"]["public_holidays"] = Json::array();
    const StoreCalendar without = parsed(json).calendar;
    CHECK(working_time_between(without, friday, wednesday, TimeUnit::working_days) == 3 * day);
    CHECK(working_time_between(without, friday, wednesday, TimeUnit::working_hours) == 27 * hour);
}

TEST_CASE("working time across both daylight-saving changes", "[config][working_time][between]")
{
    const StoreCalendar calendar = parsed(default_json()).calendar;
    // Friday 2026-03-27 16:00 CET to Tuesday 2026-03-31 16:00 CEST: the
    // clock lost an hour on Sunday, which is no working day.
    constexpr int64_t friday_march = 1'774'623'600'000;
    constexpr int64_t tuesday_march = 1'774'965'600'000;
    CHECK(working_time_between(calendar, friday_march, tuesday_march, TimeUnit::working_days) == 2 * day);
    CHECK(working_time_between(calendar, friday_march, tuesday_march, TimeUnit::working_hours) == 18 * hour);
    CHECK(working_time_between(calendar, friday_march, tuesday_march, TimeUnit::clock_hours) == 4 * day - hour);
    // Friday 2026-10-23 16:00 CEST to Tuesday 2026-10-27 16:00 CET: an hour
    // repeated on Sunday.
    constexpr int64_t friday_october = 1'792'764'000'000;
    constexpr int64_t tuesday_october = 1'793'113'200'000;
    CHECK(working_time_between(calendar, friday_october, tuesday_october, TimeUnit::working_days) == 2 * day);
    CHECK(working_time_between(calendar, friday_october, tuesday_october, TimeUnit::working_hours) == 18 * hour);
    CHECK(working_time_between(calendar, friday_october, tuesday_october, TimeUnit::clock_hours) == 4 * day + hour);

    // A store open round the clock every day: the Sundays of the changes are
    // working days. Sunday 2026-03-29 lasts 23 h and 2026-10-25 25 h; a
    // working day counts as its 24 wall-clock hours, opening hours as they pass.
    Json json = default_json();
    json["calendar"]["working_days"] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
    for (const char* weekday : {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"})
        json["calendar"]["opening_hours"][weekday] = "00:00-24:00";
    const StoreCalendar always = parsed(json).calendar;
    constexpr int64_t sunday_march = 1'774'738'800'000;   // 2026-03-29 00:00 CET
    constexpr int64_t monday_march = 1'774'821'600'000;   // 2026-03-30 00:00 CEST
    constexpr int64_t sunday_october = 1'792'879'200'000; // 2026-10-25 00:00 CEST
    constexpr int64_t monday_october = 1'792'969'200'000; // 2026-10-26 00:00 CET
    CHECK(working_time_between(always, sunday_march, monday_march, TimeUnit::working_days) == day);
    CHECK(working_time_between(always, sunday_march, monday_march, TimeUnit::working_hours) == 23 * hour);
    CHECK(working_time_between(always, sunday_october, monday_october, TimeUnit::working_days) == day);
    CHECK(working_time_between(always, sunday_october, monday_october, TimeUnit::working_hours) == 25 * hour);
}

TEST_CASE("working time between a start and due_after's deadline is the limit", "[config][working_time][between]")
{
    // Start times all over 2026 (a fixed seed, so a failure repeats), with
    // every amount a configuration allows.
    const StoreCalendar calendar = parsed(default_json()).calendar;
    constexpr int64_t year_start = 1'767'222'000'000; // 2026-01-01 00:00 CET
    std::mt19937_64 random(20260101);
    std::uniform_int_distribution<int64_t> instant(year_start, year_start + 365 * day);
    std::uniform_int_distribution<int> days(1, 30);
    std::uniform_int_distribution<int> hours(1, 720);
    int working_day_starts = 0;
    for (int i = 0; i < 2000; ++i) {
        const int64_t start = instant(random);
        INFO("start " << start);
        const TimeLimit in_hours{TimeUnit::working_hours, hours(random)};
        const int64_t due_hours = due_after(calendar, start, in_hours);
        CHECK(working_time_between(calendar, start, due_hours, TimeUnit::working_hours) == in_hours.amount * hour);
        CHECK(working_time_between(calendar, due_hours, start, TimeUnit::working_hours) == -in_hours.amount * hour);
        const TimeLimit in_clock{TimeUnit::clock_hours, hours(random)};
        CHECK(working_time_between(calendar, start, due_after(calendar, start, in_clock), TimeUnit::clock_hours) ==
              in_clock.amount * hour);
        // Working days from a start on a working day (see the header for
        // other days).
        const LocalTime local = calendar.zone.to_local(start);
        if (!is_working_day(calendar, civil_ms({local.civil.year, local.civil.month, local.civil.day}) / day))
            continue;
        ++working_day_starts;
        const TimeLimit in_days{TimeUnit::working_days, days(random)};
        const int64_t due_days = due_after(calendar, start, in_days);
        CHECK(working_time_between(calendar, start, due_days, TimeUnit::working_days) == in_days.amount * day);
        CHECK(working_time_between(calendar, due_days, start, TimeUnit::working_days) == -in_days.amount * day);
    }
    CHECK(working_day_starts > 1000);
}
