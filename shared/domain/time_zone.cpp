// Reading TZif files (RFC 8536) and the POSIX TZ footer (POSIX.1-2017,
// section 8.3, with RFC 8536's extension of hours up to 167), and converting
// between UTC and local civil time with them (time_zone.h).
#include "domain/time_zone.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>

namespace feedback {

namespace {

constexpr int64_t seconds_per_day = 86'400;
constexpr size_t max_tzif_bytes = 1024 * 1024; // real zones are a few KiB

// [SECTION] Reading big-endian fields

class Reader {
public:
    explicit Reader(std::string_view bytes) : m_bytes(bytes) {}

    bool has(size_t count) const { return m_bytes.size() - m_at >= count; }
    void skip(size_t count) { m_at += count; }
    std::string_view take(size_t count)
    {
        auto out = m_bytes.substr(m_at, count);
        m_at += count;
        return out;
    }
    uint64_t unsigned_be(size_t width)
    {
        uint64_t value = 0;
        for (size_t i = 0; i < width; ++i)
            value = (value << 8) | static_cast<unsigned char>(m_bytes[m_at + i]);
        m_at += width;
        return value;
    }
    int64_t signed_be(size_t width)
    {
        uint64_t value = unsigned_be(width);
        if (width < 8 && (value >> (width * 8 - 1)) != 0)
            value |= ~uint64_t{0} << (width * 8); // sign-extend
        return static_cast<int64_t>(value);
    }
    std::string_view rest() const { return m_bytes.substr(m_at); }

private:
    std::string_view m_bytes;
    size_t m_at = 0;
};

struct Counts {
    uint64_t isut = 0, isstd = 0, leap = 0, time = 0, type = 0, chars = 0;
};

std::optional<Counts> read_header(Reader& in, char& version)
{
    if (!in.has(44) || in.take(4) != "TZif")
        return std::nullopt;
    version = in.take(1)[0];
    in.skip(15);
    Counts c;
    c.isut = in.unsigned_be(4);
    c.isstd = in.unsigned_be(4);
    c.leap = in.unsigned_be(4);
    c.time = in.unsigned_be(4);
    c.type = in.unsigned_be(4);
    c.chars = in.unsigned_be(4);
    return c;
}

// The size of a data block whose times are `time_size` bytes wide.
uint64_t block_size(const Counts& c, uint64_t time_size)
{
    return c.time * time_size + c.time + c.type * 6 + c.chars + c.leap * (time_size + 4) + c.isstd + c.isut;
}

// [SECTION] The POSIX TZ string

class PosixText {
public:
    explicit PosixText(std::string_view text) : m_text(text) {}
    bool done() const { return m_at == m_text.size(); }
    char peek() const { return done() ? '\0' : m_text[m_at]; }
    bool accept(char c)
    {
        if (peek() != c)
            return false;
        ++m_at;
        return true;
    }
    // A zone abbreviation: 3 or more letters, or <...> with signs and digits.
    bool name()
    {
        size_t start = m_at;
        if (accept('<')) {
            while (!done() && peek() != '>')
                ++m_at;
            return accept('>') && m_at - start >= 5;
        }
        while (!done() && ((peek() >= 'A' && peek() <= 'Z') || (peek() >= 'a' && peek() <= 'z')))
            ++m_at;
        return m_at - start >= 3;
    }
    std::optional<int> number(int max)
    {
        if (peek() < '0' || peek() > '9')
            return std::nullopt;
        int value = 0;
        while (peek() >= '0' && peek() <= '9') {
            value = value * 10 + (m_text[m_at++] - '0');
            if (value > max)
                return std::nullopt;
        }
        return value;
    }
    // [+-]hh[:mm[:ss]] in seconds, hours up to 167.
    std::optional<int64_t> time()
    {
        int sign = 1;
        if (accept('-'))
            sign = -1;
        else
            accept('+'); // optional
        auto hours = number(167);
        if (!hours)
            return std::nullopt;
        int64_t seconds = int64_t{*hours} * 3600;
        if (accept(':')) {
            auto minutes = number(59);
            if (!minutes)
                return std::nullopt;
            seconds += *minutes * 60;
            if (accept(':')) {
                auto secs = number(59);
                if (!secs)
                    return std::nullopt;
                seconds += *secs;
            }
        }
        return sign * seconds;
    }

private:
    std::string_view m_text;
    size_t m_at = 0;
};

int days_in_month(int year, int month)
{
    using namespace std::chrono;
    return static_cast<int>(static_cast<unsigned>(
        year_month_day_last(std::chrono::year(year), month_day_last(std::chrono::month(static_cast<unsigned>(month))))
            .day()));
}

bool is_leap(int year) { return std::chrono::year(year).is_leap(); }

int64_t days_from_civil(int year, int month, int day)
{
    using namespace std::chrono;
    return sys_days(std::chrono::year(year) / month / day)
        .time_since_epoch()
        .count();
}

int64_t floor_div(int64_t value, int64_t step)
{
    int64_t quotient = value / step;
    return (value % step != 0 && value < 0) ? quotient - 1 : quotient;
}

} // namespace

// [SECTION] Civil time

int64_t civil_ms(const CivilTime& civil)
{
    int64_t days = days_from_civil(civil.year, civil.month, civil.day);
    return ((days * 24 + civil.hour) * 60 + civil.minute) * 60'000 + int64_t{civil.second} * 1000 + civil.millisecond;
}

CivilTime civil_of(int64_t ms)
{
    using namespace std::chrono;
    int64_t days = floor_div(ms, seconds_per_day * 1000);
    int64_t in_day = ms - days * seconds_per_day * 1000;
    year_month_day date{sys_days(std::chrono::days(days))};
    CivilTime civil;
    civil.year = static_cast<int>(date.year());
    civil.month = static_cast<int>(static_cast<unsigned>(date.month()));
    civil.day = static_cast<int>(static_cast<unsigned>(date.day()));
    civil.hour = static_cast<int>(in_day / 3'600'000);
    civil.minute = static_cast<int>(in_day / 60'000 % 60);
    civil.second = static_cast<int>(in_day / 1000 % 60);
    civil.millisecond = static_cast<int>(in_day % 1000);
    return civil;
}

int weekday_of(int year, int month, int day)
{
    // 1970-01-01 was a Thursday (4).
    int64_t days = days_from_civil(year, month, day);
    return static_cast<int>(((days % 7) + 7 + 4) % 7);
}

// [SECTION] Loading

Result<TimeZone> TimeZone::load(std::string_view name, const std::filesystem::path& root)
{
    bool name_ok = !name.empty() && name.size() <= 100 && name.front() != '/' && name.find("..") == std::string::npos &&
                   std::all_of(name.begin(), name.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
                              c == '_' || c == '+' || c == '-';
                   });
    if (!name_ok)
        return Error{ErrorKind::invalid_input, "\"" + std::string(name) + "\" is not a time zone name"};
    std::filesystem::path file = root / std::string(name);
    std::error_code error;
    auto status = std::filesystem::status(file, error);
    if (status.type() == std::filesystem::file_type::not_found)
        return Error{ErrorKind::not_found, "time zone \"" + std::string(name) + "\" is not in " + root.string() +
                                               " (is tzdata installed?)"};
    if (!std::filesystem::is_regular_file(status))
        return Error{ErrorKind::invalid_input, "time zone \"" + std::string(name) + "\" is not a zone file"};
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return Error{ErrorKind::io, "time zone file " + file.string() + " cannot be opened: " + std::strerror(errno)};
    std::string bytes;
    bytes.resize(max_tzif_bytes + 1);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (in.bad())
        return Error{ErrorKind::io, "reading time zone file " + file.string() + " failed"};
    bytes.resize(static_cast<size_t>(in.gcount()));
    if (bytes.size() > max_tzif_bytes)
        return Error{ErrorKind::invalid_input, "time zone file " + file.string() + " is larger than 1 MiB"};
    return parse(std::string(name), bytes);
}

Result<TimeZone> TimeZone::parse(std::string name, std::string_view tzif)
{
    auto bad = [&](const std::string& why) {
        return Error{ErrorKind::invalid_input, "time zone \"" + name + "\": " + why};
    };
    Reader in(tzif);
    char version = 0;
    auto v1 = read_header(in, version);
    if (!v1)
        return bad("not a TZif file");
    if (version < '2')
        return bad("TZif version 1 has no 64-bit times; version 2 or later is needed");
    uint64_t v1_size = block_size(*v1, 4);
    if (!in.has(v1_size))
        return bad("the file is cut short");
    in.skip(v1_size);
    char version2 = 0;
    auto c = read_header(in, version2);
    if (!c || c->type == 0 || c->type > 256 || c->time > 100'000 || c->chars > 10'000 || c->leap > 10'000)
        return bad("the 64-bit header is damaged");
    if (!in.has(block_size(*c, 8)))
        return bad("the file is cut short");

    TimeZone zone;
    zone.m_name = std::move(name);
    zone.m_transitions.reserve(c->time);
    for (uint64_t i = 0; i < c->time; ++i)
        zone.m_transitions.push_back(in.signed_be(8));
    std::vector<uint64_t> type_of(c->time);
    for (uint64_t i = 0; i < c->time; ++i) {
        type_of[i] = in.unsigned_be(1);
        if (type_of[i] >= c->type)
            return bad("a transition names a local time type that does not exist");
    }
    std::vector<int> offsets(c->type);
    for (uint64_t i = 0; i < c->type; ++i) {
        offsets[i] = static_cast<int>(in.signed_be(4));
        in.skip(2); // isdst, abbreviation index: not needed
    }
    if (!std::is_sorted(zone.m_transitions.begin(), zone.m_transitions.end()))
        return bad("the transitions are not in order");
    zone.m_initial_offset = offsets[0]; // RFC 8536: type 0 before the first transition
    for (uint64_t type : type_of)
        zone.m_offsets_after.push_back(offsets[type]);
    // Leap-second records ("right/" zones) are skipped: we count POSIX time.
    in.skip(c->chars + c->leap * 12 + c->isstd + c->isut);

    std::string_view footer = in.rest();
    if (footer.size() >= 2 && footer.front() == '\n') {
        auto end = footer.find('\n', 1);
        if (end == std::string_view::npos)
            return bad("the footer is not ended by a newline");
        std::string_view text = footer.substr(1, end - 1);
        if (!text.empty()) {
            auto posix = parse_posix(text);
            if (!posix)
                return bad(posix.error().message);
            zone.m_posix = *posix;
        }
    }
    return zone;
}

Result<TimeZone::Posix> TimeZone::parse_posix(std::string_view text)
{
    auto bad = [&] { return Error{ErrorKind::invalid_input, "the TZ footer \"" + std::string(text) + "\" is not understood"}; };
    PosixText in(text);
    Posix posix;
    posix.present = true;
    if (!in.name())
        return bad();
    auto std_west = in.time();
    if (!std_west)
        return bad();
    posix.std_offset = static_cast<int>(-*std_west);
    if (in.done())
        return posix;
    if (!in.name())
        return bad();
    posix.has_dst = true;
    posix.dst_offset = posix.std_offset + 3600;
    if (in.peek() != ',') {
        auto dst_west = in.time();
        if (!dst_west)
            return bad();
        posix.dst_offset = static_cast<int>(-*dst_west);
    }
    auto rule = [&](PosixRule& out) -> bool {
        if (!in.accept(','))
            return false;
        if (in.accept('M')) {
            out.kind = PosixRule::Kind::month_week_day;
            auto month = in.number(12);
            if (!month || *month < 1 || !in.accept('.'))
                return false;
            auto week = in.number(5);
            if (!week || *week < 1 || !in.accept('.'))
                return false;
            auto weekday = in.number(6);
            if (!weekday)
                return false;
            out.month = *month;
            out.week = *week;
            out.weekday = *weekday;
        } else if (in.accept('J')) {
            out.kind = PosixRule::Kind::julian_no_leap;
            auto day = in.number(365);
            if (!day || *day < 1)
                return false;
            out.day = *day;
        } else {
            out.kind = PosixRule::Kind::zero_based_day;
            auto day = in.number(365);
            if (!day)
                return false;
            out.day = *day;
        }
        if (in.accept('/')) {
            auto time = in.time();
            if (!time)
                return false;
            out.time_seconds = *time;
        }
        return true;
    };
    // A zone name with summer time but no rules is not in tzdata's output.
    if (!rule(posix.start) || !rule(posix.end) || !in.done())
        return bad();
    return posix;
}

// [SECTION] Converting

int64_t TimeZone::rule_utc_seconds(const PosixRule& rule, int year, int offset_in_force) const
{
    int64_t day = 0; // days since 1970-01-01
    switch (rule.kind) {
    case PosixRule::Kind::month_week_day: {
        int first = weekday_of(year, rule.month, 1);
        int date = 1 + (rule.weekday - first + 7) % 7 + (rule.week - 1) * 7;
        while (date > days_in_month(year, rule.month))
            date -= 7; // week 5: the last such weekday of the month
        day = days_from_civil(year, rule.month, date);
        break;
    }
    case PosixRule::Kind::julian_no_leap:
        // 1-365, 29 February never counted: day 60 is always 1 March.
        day = days_from_civil(year, 1, 1) + rule.day - 1 + (is_leap(year) && rule.day >= 60 ? 1 : 0);
        break;
    case PosixRule::Kind::zero_based_day: day = days_from_civil(year, 1, 1) + rule.day; break;
    }
    return day * seconds_per_day + rule.time_seconds - offset_in_force;
}

int TimeZone::posix_offset_at(int64_t utc_seconds) const
{
    if (!m_posix.has_dst)
        return m_posix.std_offset;
    // The year by standard time; the changes are never near New Year in tzdata.
    int year = civil_of((utc_seconds + m_posix.std_offset) * 1000).year;
    int64_t start = rule_utc_seconds(m_posix.start, year, m_posix.std_offset);
    int64_t end = rule_utc_seconds(m_posix.end, year, m_posix.dst_offset);
    bool summer = start < end ? (utc_seconds >= start && utc_seconds < end) // northern hemisphere
                              : !(utc_seconds >= end && utc_seconds < start); // southern: summer spans New Year
    return summer ? m_posix.dst_offset : m_posix.std_offset;
}

int TimeZone::offset_at(int64_t utc_ms) const
{
    int64_t seconds = floor_div(utc_ms, 1000);
    if (m_transitions.empty() || seconds < m_transitions.front())
        return m_transitions.empty() && m_posix.present ? posix_offset_at(seconds) : m_initial_offset;
    if (seconds >= m_transitions.back() && m_posix.present)
        return posix_offset_at(seconds);
    // The last transition at or before `seconds`.
    auto after = std::upper_bound(m_transitions.begin(), m_transitions.end(), seconds);
    return m_offsets_after[static_cast<size_t>(std::distance(m_transitions.begin(), after) - 1)];
}

LocalTime TimeZone::to_local(int64_t utc_ms) const
{
    LocalTime local;
    local.offset_seconds = offset_at(utc_ms);
    local.civil = civil_of(utc_ms + int64_t{local.offset_seconds} * 1000);
    local.weekday = weekday_of(local.civil.year, local.civil.month, local.civil.day);
    return local;
}

int64_t TimeZone::to_utc(const CivilTime& local) const
{
    int64_t as_utc = civil_ms(local);
    constexpr int64_t day_ms = seconds_per_day * 1000;
    // Transitions are months apart: the offsets a day either side are the
    // only ones that can apply.
    int before = offset_at(as_utc - day_ms);
    int after = offset_at(as_utc + day_ms);
    int64_t with_before = as_utc - int64_t{before} * 1000;
    int64_t with_after = as_utc - int64_t{after} * 1000;
    bool before_fits = offset_at(with_before) == before;
    bool after_fits = offset_at(with_after) == after;
    if (before_fits && after_fits)
        return std::min(with_before, with_after); // repeated: the first occurrence
    if (after_fits)
        return with_after;
    return with_before; // fits, or skipped: read with the offset before the gap
}

} // namespace feedback
