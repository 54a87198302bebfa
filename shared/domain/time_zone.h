// A time zone read from the system's TZif files (RFC 8536, /usr/share/zoneinfo),
// because GCC 12's libstdc++ has no std::chrono::tzdb and setenv("TZ") with
// localtime() is not thread-safe. UTC <-> local civil time, nothing more.
#pragma once

#include "domain/result.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace feedback {

// Where Debian's tzdata package puts the zones.
inline const std::filesystem::path system_zoneinfo_dir = "/usr/share/zoneinfo";

// A wall-clock date and time without a zone. month 1-12, day 1-31,
// hour 0-23, minute 0-59, second 0-59, millisecond 0-999.
struct CivilTime {
    int year = 1970;
    int month = 1;
    int day = 1;
    int hour = 0;
    int minute = 0;
    int second = 0;
    int millisecond = 0;
    friend bool operator==(const CivilTime&, const CivilTime&) = default;
};

// A local time and the offset from UTC in force then (seconds east of UTC:
// +3600 for Amsterdam in winter).
struct LocalTime {
    CivilTime civil;
    int offset_seconds = 0;
    int weekday = 0; // 0 Sunday .. 6 Saturday, as in POSIX and the TZ footer
};

// Milliseconds since 1970-01-01 00:00 of a civil time read as if it were
// UTC; the inverse of civil_of(). Proleptic Gregorian, also before 1970.
int64_t civil_ms(const CivilTime& civil);
CivilTime civil_of(int64_t ms);
// 0 Sunday .. 6 Saturday of a civil date.
int weekday_of(int year, int month, int day);

// One zone: the transitions of the TZif file's 64-bit (version 2+) section
// and its POSIX TZ footer ("CET-1CEST,M3.5.0,M10.5.0/3") for times after the
// last transition. Immutable and cheap enough to copy; safe to share between
// threads. A default-made TimeZone is UTC.
class TimeZone {
public:
    // Reads `root`/`name`. `name` is an IANA name ("Europe/Amsterdam",
    // "UTC"): letters, digits and "/_+-", no "..", not absolute. Errors:
    // invalid_input for a bad name or a file that is not TZif version 2 or
    // later, not_found for a zone the system does not have, io otherwise.
    static Result<TimeZone> load(std::string_view name, const std::filesystem::path& root = system_zoneinfo_dir);
    // The same from a TZif file's bytes.
    static Result<TimeZone> parse(std::string name, std::string_view tzif);

    const std::string& name() const { return m_name; }

    // The offset from UTC in force at `utc_ms` (seconds east of UTC).
    int offset_at(int64_t utc_ms) const;
    LocalTime to_local(int64_t utc_ms) const;
    // The local date and time at `utc_ms` as ms since 1970-01-01 00:00 read
    // as if it were UTC (civil_ms of to_local's civil time): what days and
    // weeks on this zone's wall clock are counted on.
    int64_t wall_clock_ms(int64_t utc_ms) const { return utc_ms + int64_t{offset_at(utc_ms)} * 1000; }
    // The UTC ms of a local civil time. A time that happens twice (the hour
    // repeated when summer time ends) is its first occurrence (the earlier
    // instant, still on summer time). A time that never happens (the hour
    // skipped when summer time starts) is read with the offset before the
    // gap, so it lands as far past the gap as it was into it: 02:30 on the
    // last Sunday of March in Amsterdam is 03:30 CEST (01:30 UTC), as a clock
    // that was not moved on would show.
    int64_t to_utc(const CivilTime& local) const;

private:
    // A POSIX TZ rule ("M3.5.0/2", "J60", "59"): the day of the year the
    // change happens and the local time of day, in seconds, it happens at.
    struct PosixRule {
        enum class Kind { month_week_day, julian_no_leap, zero_based_day } kind = Kind::month_week_day;
        int month = 0;  // 1-12, month_week_day
        int week = 0;   // 1-5 (5: the last), month_week_day
        int weekday = 0; // 0 Sunday .. 6
        int day = 0;    // julian_no_leap 1-365, zero_based_day 0-365
        int64_t time_seconds = 7200; // local time of the change, default 02:00
    };
    // The footer: standard offset, and, when the zone has summer time, its
    // offset and the two rules.
    struct Posix {
        bool present = false;
        int std_offset = 0; // seconds east of UTC
        bool has_dst = false;
        int dst_offset = 0;
        PosixRule start;
        PosixRule end;
    };

    static Result<Posix> parse_posix(std::string_view text);
    int64_t rule_utc_seconds(const PosixRule& rule, int year, int offset_in_force) const;
    int posix_offset_at(int64_t utc_seconds) const;

    std::string m_name = "UTC"; // a default-made zone is UTC
    std::vector<int64_t> m_transitions; // UTC seconds, ascending
    std::vector<int> m_offsets_after;   // the offset from each transition on
    int m_initial_offset = 0;           // before the first transition
    Posix m_posix;
};

} // namespace feedback
