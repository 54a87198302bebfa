// UTC time helpers (civil-date arithmetic after Howard Hinnant's algorithms,
// through C++20 <chrono> calendar types).
#include "clock.h"

#include <chrono>
#include <cstdio>

namespace feedback {

int64_t now_utc_ms()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_utc_iso8601(int64_t unix_ms)
{
    using namespace std::chrono;
    sys_time<milliseconds> t{milliseconds{unix_ms}};
    auto day = floor<days>(t);
    year_month_day ymd{day};
    hh_mm_ss<milliseconds> hms{t - day};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                  static_cast<int>(hms.subseconds().count()));
    return buf;
}

namespace {

// Whether `text` starts with `shape`, in which 'd' stands for a digit:
// sscanf's %d alone would also take a sign or blanks ("2026-03- 5").
bool has_shape(std::string_view text, std::string_view shape)
{
    if (text.size() < shape.size())
        return false;
    for (size_t i = 0; i < shape.size(); ++i)
        if (shape[i] == 'd' ? text[i] < '0' || text[i] > '9' : text[i] != shape[i])
            return false;
    return true;
}

} // namespace

std::optional<int64_t> parse_utc_iso8601(std::string_view text)
{
    using namespace std::chrono;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
    std::string copy(text);
    int consumed = 0;
    if (!has_shape(text, "dddd-dd-dd") ||
        std::sscanf(copy.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3 || consumed != 10)
        return std::nullopt;
    std::string_view rest = text.substr(10);
    if (!rest.empty()) {
        int n = 0;
        if (!has_shape(rest, "Tdd:dd:dd") || std::sscanf(copy.c_str() + 10, "T%2d:%2d:%2d%n", &h, &mi, &s, &n) != 3 ||
            n != 9)
            return std::nullopt;
        rest = rest.substr(9);
        if (!rest.empty() && rest[0] == '.') {
            if (rest.size() < 5 || std::sscanf(std::string(rest.substr(1, 3)).c_str(), "%3d", &ms) != 1)
                return std::nullopt;
            for (char c : rest.substr(1, 3))
                if (c < '0' || c > '9')
                    return std::nullopt;
            rest = rest.substr(4);
        }
        if (rest != "Z")
            return std::nullopt;
    }
    year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || s > 59)
        return std::nullopt;
    auto t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
    return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

std::optional<int64_t> parse_iso8601_instant(std::string_view text)
{
    using namespace std::chrono;
    size_t at = 0;
    // `count` digits at `at`, as a number; nothing when they are not all digits.
    auto digits = [&](size_t count) -> std::optional<int> {
        if (text.size() < at + count)
            return std::nullopt;
        int value = 0;
        for (size_t i = 0; i < count; ++i) {
            char c = text[at + i];
            if (c < '0' || c > '9')
                return std::nullopt;
            value = value * 10 + (c - '0');
        }
        at += count;
        return value;
    };
    auto literal = [&](char expected) {
        if (at >= text.size() || text[at] != expected)
            return false;
        ++at;
        return true;
    };
    auto y = digits(4);
    if (!y || !literal('-'))
        return std::nullopt;
    auto mo = digits(2);
    if (!mo || !literal('-'))
        return std::nullopt;
    auto d = digits(2);
    if (!d || !literal('T'))
        return std::nullopt;
    auto h = digits(2);
    if (!h || !literal(':'))
        return std::nullopt;
    auto mi = digits(2);
    if (!mi || !literal(':'))
        return std::nullopt;
    auto s = digits(2);
    if (!s)
        return std::nullopt;
    int ms = 0;
    if (literal('.')) {
        size_t first = at;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9')
            ++at;
        size_t count = at - first;
        if (count < 1 || count > 9)
            return std::nullopt;
        for (size_t i = 0; i < 3; ++i)
            ms = ms * 10 + (i < count ? text[first + i] - '0' : 0);
    }
    int offset_minutes = 0;
    if (!literal('Z')) {
        if (at >= text.size() || (text[at] != '+' && text[at] != '-'))
            return std::nullopt;
        int sign = text[at] == '-' ? -1 : 1;
        ++at;
        auto oh = digits(2);
        if (!oh || !literal(':'))
            return std::nullopt;
        auto om = digits(2);
        if (!om || *oh > 23 || *om > 59)
            return std::nullopt;
        offset_minutes = sign * (*oh * 60 + *om);
    }
    if (at != text.size())
        return std::nullopt;
    year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
    if (!ymd.ok() || *h > 23 || *mi > 59 || *s > 59)
        return std::nullopt;
    auto local = sys_days{ymd} + hours{*h} + minutes{*mi} + seconds{*s} + milliseconds{ms};
    return duration_cast<milliseconds>((local - minutes{offset_minutes}).time_since_epoch()).count();
}

} // namespace feedback
