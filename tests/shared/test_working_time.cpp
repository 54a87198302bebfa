// Deadlines in working time (config/store_calendar.h, config::complaint_deadline)
// on the shipped calendar: Europe/Amsterdam, Monday-Friday 09:00-18:00,
// Saturday 10:00-17:00, the Dutch public holidays of 2026. Every expected
// instant is worked out by hand in the comment above it; CEST is UTC+2
// (from 29 March 2026 01:00 UTC to 25 October 2026 01:00 UTC), CET UTC+1.
// Also the calendar's validation rules.
#include "config/kiosk_config.h"
#include "support/files.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <functional>

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
