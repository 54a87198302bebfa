// Tests of UUIDv7 ids and UTC time helpers.
#include "domain/clock.h"
#include "domain/ids.h"

#include <catch2/catch.hpp>

#include <set>

using namespace feedback;

TEST_CASE("UUIDv7 carries its time, version and variant", "[ids]")
{
    int64_t ms = 1764000000123;
    std::string id = make_uuid_v7(ms);
    REQUIRE(is_uuid(id));
    CHECK(id[14] == '7');
    CHECK(std::string("89ab").find(id[19]) != std::string::npos);
    CHECK(uuid_v7_unix_ms(id) == ms);
}

TEST_CASE("UUIDv7 ids are unique and sort by time", "[ids]")
{
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i)
        seen.insert(make_uuid_v7(1764000000000));
    CHECK(seen.size() == 10000);
    CHECK(make_uuid_v7(1764000000000) < make_uuid_v7(1764000000001));
}

TEST_CASE("is_uuid refuses what is not a canonical UUID", "[ids]")
{
    CHECK(is_uuid("0192f4a8-1b2c-7d3e-8f40-123456789abc"));
    CHECK(is_uuid("0192F4A8-1B2C-7D3E-8F40-123456789ABC"));
    CHECK_FALSE(is_uuid(""));
    CHECK_FALSE(is_uuid("0192f4a81b2c7d3e8f40123456789abc"));
    CHECK_FALSE(is_uuid("0192f4a8-1b2c-7d3e-8f40-123456789abg"));
    CHECK_FALSE(is_uuid("0192f4a8-1b2c-7d3e-8f40_123456789abc"));
    CHECK_FALSE(uuid_v7_unix_ms("0192f4a8-1b2c-4d3e-8f40-123456789abc")); // version 4
}

TEST_CASE("UTC times format and parse as ISO 8601", "[clock]")
{
    CHECK(format_utc_iso8601(0) == "1970-01-01T00:00:00.000Z");
    CHECK(format_utc_iso8601(1764000000123) == "2025-11-24T16:00:00.123Z");
    CHECK(parse_utc_iso8601("2025-11-24T16:00:00.123Z") == 1764000000123);
    CHECK(parse_utc_iso8601("2025-11-24T16:00:00Z") == 1764000000000);
    CHECK(parse_utc_iso8601("2025-11-24") == 1763942400000);
    CHECK(parse_utc_iso8601("2024-02-29") == 1709164800000);
    CHECK_FALSE(parse_utc_iso8601("2025-02-29"));
    CHECK_FALSE(parse_utc_iso8601("2025-11-24T25:00:00Z"));
    CHECK_FALSE(parse_utc_iso8601("2025-11-24T16:00:00+01:00"));
    CHECK_FALSE(parse_utc_iso8601("yesterday"));
    int64_t now = now_utc_ms();
    CHECK(parse_utc_iso8601(format_utc_iso8601(now)) == now);
}

TEST_CASE("UTC times are read only with plain digits, as format_utc_iso8601 writes them", "[clock]")
{
    // Found by tests/fuzz/fuzz_form_fields (regressions/form_fields/): sscanf's
    // %d also took a sign or a blank, so "2026-03- 5" was the 5th of March.
    CHECK_FALSE(parse_utc_iso8601("2026-03- 5"));
    CHECK_FALSE(parse_utc_iso8601("2026-+3-05"));
    CHECK_FALSE(parse_utc_iso8601(" 202-03-05"));
    CHECK_FALSE(parse_utc_iso8601("-026-03-05"));
    CHECK_FALSE(parse_utc_iso8601("2026-03-05T 9:30:00Z"));
    CHECK_FALSE(parse_utc_iso8601("2026-03-05T09:-3:00Z"));
    CHECK(parse_utc_iso8601("2026-03-05T09:30:00Z") == 1772703000000);
}

TEST_CASE("instants with an offset parse to UTC, and a date alone or a bad offset does not", "[clock]")
{
    CHECK(parse_iso8601_instant("2025-11-24T16:00:00Z") == 1764000000000);
    CHECK(parse_iso8601_instant("2025-11-24T17:00:00+01:00") == 1764000000000);
    CHECK(parse_iso8601_instant("2025-11-24T11:30:00-04:30") == 1764000000000);
    CHECK(parse_iso8601_instant("2025-11-24T16:00:00.123Z") == 1764000000123);
    CHECK(parse_iso8601_instant("2025-11-24T16:00:00.5Z") == 1764000000500);
    CHECK(parse_iso8601_instant("2025-11-24T16:00:00.123999999+00:00") == 1764000000123); // cut, not rounded
    CHECK(parse_iso8601_instant("2025-11-25T00:30:00+08:30") == 1764000000000);          // the day before in UTC
    CHECK_FALSE(parse_iso8601_instant("2025-11-24"));
    CHECK_FALSE(parse_iso8601_instant("2025-11-24T16:00:00"));       // no offset: whose clock?
    CHECK_FALSE(parse_iso8601_instant("2025-11-24T16:00:00+0100"));
    CHECK_FALSE(parse_iso8601_instant("2025-11-24T16:00:00+24:00"));
    CHECK_FALSE(parse_iso8601_instant("2025-11-24T16:00:00.Z"));
    CHECK_FALSE(parse_iso8601_instant("2025-11-24T16:00:00.1234567890Z"));
    CHECK_FALSE(parse_iso8601_instant("2025-02-29T16:00:00Z"));
    CHECK_FALSE(parse_iso8601_instant("2025-11-24T16:00:00Z "));
    CHECK_FALSE(parse_iso8601_instant("2025-11-24 16:00:00Z"));
    CHECK(parse_iso8601_instant(format_utc_iso8601(1764000000123)) == 1764000000123);
}
