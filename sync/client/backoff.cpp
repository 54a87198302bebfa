// Full-jitter backoff and Retry-After parsing.
#include "backoff.h"

#include "common/protocol.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <string>

namespace feedback::sync {

Backoff::Backoff(BackoffPolicy policy, std::function<uint32_t(uint32_t)> random)
    : m_policy(policy), m_random_below(random ? std::move(random) : std::function<uint32_t(uint32_t)>(random_below))
{
}

std::chrono::milliseconds Backoff::next_delay(std::optional<std::chrono::milliseconds> retry_after)
{
    int64_t ceiling = m_policy.base.count();
    for (int i = 0; i < m_failures && ceiling < m_policy.cap.count(); ++i)
        ceiling *= 2;
    ceiling = std::min<int64_t>(ceiling, m_policy.cap.count());
    ++m_failures;
    auto bound = static_cast<uint32_t>(std::min<int64_t>(ceiling, UINT32_MAX - 1) + 1);
    std::chrono::milliseconds delay{m_random_below(bound)};
    if (retry_after && *retry_after > delay)
        delay = *retry_after;
    return delay;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, int64_t now_utc_ms)
{
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r'))
        value.remove_suffix(1);
    if (value.empty())
        return std::nullopt;
    int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc{} && end == value.data() + value.size())
        return seconds < 0 ? std::nullopt : std::optional<std::chrono::milliseconds>(std::chrono::seconds(seconds));
    // IMF-fixdate (RFC 9110): "Sun, 06 Nov 1994 08:49:37 GMT".
    std::tm tm{};
    std::string text(value);
    const char* parsed = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!parsed || *parsed != '\0')
        return std::nullopt;
    int64_t at_ms = static_cast<int64_t>(timegm(&tm)) * 1000;
    return std::chrono::milliseconds(std::max<int64_t>(0, at_ms - now_utc_ms));
}

} // namespace feedback::sync
