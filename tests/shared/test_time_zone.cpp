// The TZif reader (shared/domain/time_zone.h) against offsets and transition
// instants worked out by hand from the EU rule (summer time from 01:00 UTC on
// the last Sunday of March to 01:00 UTC on the last Sunday of October).
#include "domain/time_zone.h"

#include <catch2/catch.hpp>

#include <string>

using namespace feedback;

namespace {

constexpr int64_t minute = 60'000;
constexpr int64_t hour = 60 * minute;
constexpr int64_t day = 24 * hour;

// 2026-03-29 01:00 UTC: 20,541 days after 1970-01-01 (56 years with 14 leap
// days = 20,454, + 87 days of 2026 before 29 March), plus an hour.
constexpr int64_t march_change_2026 = 1'774'746'000'000;
// 2026-10-25 01:00 UTC: 210 days after 29 March.
constexpr int64_t october_change_2026 = march_change_2026 + 210 * day;

TimeZone load(const char* name)
{
    auto zone = TimeZone::load(name);
    REQUIRE(zone);
    return *zone;
}

void put_be32(std::string& out, uint32_t value)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((value >> shift) & 0xff));
}

// A TZif version 2 file with no transitions and one local time type, so
// every time is read from `footer`.
std::string footer_only_tzif(int32_t offset, const std::string& footer)
{
    std::string header = "TZif2" + std::string(15, '\0');
    std::string counts;
    for (uint32_t count : {0u, 0u, 0u, 0u, 1u, 4u}) // isut, isstd, leap, time, type, chars
        put_be32(counts, count);
    std::string type;
    put_be32(type, static_cast<uint32_t>(offset));
    type += std::string("\0\0", 2) + std::string("XXX\0", 4);
    std::string block = header + counts + type;
    return block + block + "\n" + footer + "\n"; // the v1 and the v2 part are alike here
}

} // namespace

TEST_CASE("civil time round-trips through UTC ms, also before 1970", "[time_zone]")
{
    CHECK(civil_ms({1970, 1, 1, 0, 0, 0, 0}) == 0);
    CHECK(civil_ms({2026, 3, 29, 1, 0, 0, 0}) == march_change_2026);
    CHECK(civil_of(-1) == CivilTime{1969, 12, 31, 23, 59, 59, 999});
    CHECK(civil_of(october_change_2026) == CivilTime{2026, 10, 25, 1, 0, 0, 0});
    CHECK(weekday_of(2026, 3, 29) == 0); // a Sunday
    CHECK(weekday_of(1970, 1, 1) == 4);  // a Thursday
}

TEST_CASE("Amsterdam: +1 in winter, +2 in summer, changing at the 2026 instants", "[time_zone]")
{
    TimeZone amsterdam = load("Europe/Amsterdam");
    CHECK(amsterdam.name() == "Europe/Amsterdam");
    // 2026-01-15 12:00 UTC is 13:00 CET.
    LocalTime winter = amsterdam.to_local(1'768'478'400'000);
    CHECK(winter.offset_seconds == 3600);
    CHECK(winter.civil == CivilTime{2026, 1, 15, 13, 0, 0, 0});
    CHECK(winter.weekday == 4); // a Thursday
    // 2026-07-01 12:00 UTC is 14:00 CEST.
    LocalTime summer = amsterdam.to_local(1'782'907'200'000);
    CHECK(summer.offset_seconds == 7200);
    CHECK(summer.civil == CivilTime{2026, 7, 1, 14, 0, 0, 0});

    // The last millisecond of winter time is 01:59:59.999 CET, the next 03:00 CEST.
    CHECK(amsterdam.offset_at(march_change_2026 - 1) == 3600);
    CHECK(amsterdam.offset_at(march_change_2026) == 7200);
    CHECK(amsterdam.to_local(march_change_2026).civil == CivilTime{2026, 3, 29, 3, 0, 0, 0});
    // In October 02:59:59.999 CEST is followed by 02:00 CET.
    CHECK(amsterdam.offset_at(october_change_2026 - 1) == 7200);
    CHECK(amsterdam.offset_at(october_change_2026) == 3600);
    CHECK(amsterdam.to_local(october_change_2026).civil == CivilTime{2026, 10, 25, 2, 0, 0, 0});
}

TEST_CASE("local to UTC: the skipped hour lands past the gap, the repeated hour is its first time", "[time_zone]")
{
    TimeZone amsterdam = load("Europe/Amsterdam");
    // An ordinary time: 2026-07-01 14:00 CEST is 12:00 UTC.
    CHECK(amsterdam.to_utc({2026, 7, 1, 14, 0, 0, 0}) == 1'782'907'200'000);
    // 02:30 on 29 March 2026 never happens; read with CET (+1) it is 01:30
    // UTC, which is 03:30 CEST.
    CHECK(amsterdam.to_utc({2026, 3, 29, 2, 30, 0, 0}) == march_change_2026 + 30 * minute);
    // 02:30 on 25 October 2026 happens twice, at 00:30 UTC (CEST) and 01:30
    // UTC (CET): the first.
    CHECK(amsterdam.to_utc({2026, 10, 25, 2, 30, 0, 0}) == october_change_2026 - 30 * minute);
    CHECK(amsterdam.to_utc({2026, 10, 25, 3, 0, 0, 0}) == october_change_2026 + hour); // CET again
}

TEST_CASE("a zone without summer time: Tokyo is +9 all year", "[time_zone]")
{
    TimeZone tokyo = load("Asia/Tokyo");
    CHECK(tokyo.offset_at(1'768'478'400'000) == 9 * 3600); // January 2026
    CHECK(tokyo.offset_at(1'782'907'200'000) == 9 * 3600); // July 2026
    CHECK(tokyo.to_local(0).civil == CivilTime{1970, 1, 1, 9, 0, 0, 0});
    CHECK(tokyo.to_utc({2026, 7, 1, 21, 0, 0, 0}) == 1'782'907'200'000);
}

TEST_CASE("far past the last transition the POSIX footer decides", "[time_zone]")
{
    TimeZone amsterdam = load("Europe/Amsterdam");
    // tzdata writes transitions up to 2037; 2100 comes from
    // "CET-1CEST,M3.5.0,M10.5.0/3". The last Sunday of March 2100 is the
    // 28th: 2100-03-28 01:00 UTC.
    constexpr int64_t march_change_2100 = 4'109'878'800'000;
    CHECK(amsterdam.offset_at(4'103'697'600'000) == 3600); // 2100-01-15 12:00 UTC
    CHECK(amsterdam.offset_at(4'118'126'400'000) == 7200); // 2100-07-01 12:00 UTC
    CHECK(amsterdam.offset_at(march_change_2100 - 1) == 3600);
    CHECK(amsterdam.offset_at(march_change_2100) == 7200);
}

TEST_CASE("a footer with US rules, a second Sunday and a first Sunday", "[time_zone]")
{
    // EST5EDT: from 02:00 EST on the second Sunday of March (2026-03-08,
    // 07:00 UTC) to 02:00 EDT on the first Sunday of November (2026-11-01,
    // 06:00 UTC).
    auto zone = TimeZone::parse("Test/Eastern", footer_only_tzif(-5 * 3600, "EST5EDT,M3.2.0,M11.1.0"));
    REQUIRE(zone);
    constexpr int64_t start = 1'772'953'200'000;
    constexpr int64_t end = 1'793'512'800'000;
    CHECK(zone->offset_at(start - 1) == -5 * 3600);
    CHECK(zone->offset_at(start) == -4 * 3600);
    CHECK(zone->offset_at(end - 1) == -4 * 3600);
    CHECK(zone->offset_at(end) == -5 * 3600);
    // "<+0530>-5:30": a numeric name and minutes.
    auto india = TimeZone::parse("Test/India", footer_only_tzif(19800, "<+0530>-5:30"));
    REQUIRE(india);
    CHECK(india->offset_at(start) == 5 * 3600 + 30 * 60);
}

TEST_CASE("zones that cannot be loaded say why", "[time_zone]")
{
    auto missing = TimeZone::load("Mars/Olympus_Mons");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::not_found);
    CHECK_THAT(missing.error().message, Catch::Contains("Mars/Olympus_Mons"));
    for (const char* name : {"../etc/passwd", "/etc/passwd", "", "Europe/Amsterdam;rm"}) {
        INFO(name);
        auto refused = TimeZone::load(name);
        REQUIRE_FALSE(refused);
        CHECK(refused.error().kind == ErrorKind::invalid_input);
    }
    auto garbage = TimeZone::parse("Test/Garbage", "not a zone file");
    REQUIRE_FALSE(garbage);
    CHECK_THAT(garbage.error().message, Catch::Contains("not a TZif file"));
    std::string version1 = footer_only_tzif(0, "UTC0");
    version1[4] = '\0';
    auto old = TimeZone::parse("Test/Old", version1);
    REQUIRE_FALSE(old);
    CHECK_THAT(old.error().message, Catch::Contains("version 2"));
    auto bad_footer = TimeZone::parse("Test/BadFooter", footer_only_tzif(0, "CET-1CEST,M13.5.0"));
    REQUIRE_FALSE(bad_footer);
    CHECK_THAT(bad_footer.error().message, Catch::Contains("footer"));
}
