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

std::optional<int64_t> parse_utc_iso8601(std::string_view text)
{
    using namespace std::chrono;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
    std::string copy(text);
    int consumed = 0;
    if (std::sscanf(copy.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3 || consumed != 10)
        return std::nullopt;
    std::string_view rest = text.substr(10);
    if (!rest.empty()) {
        int n = 0;
        if (std::sscanf(copy.c_str() + 10, "T%2d:%2d:%2d%n", &h, &mi, &s, &n) != 3 || n != 9)
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

} // namespace feedback
