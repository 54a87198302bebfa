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
