// When to try again: exponential backoff with full jitter, capped, with
// Retry-After (seconds or an HTTP date) as a floor (PROTOCOL.md 7). Delays
// are durations for the monotonic clock; nothing here reads the wall clock
// except to turn an HTTP date into a duration.
//
//   attempt n (0, 1, 2 ...) waits uniform[0, min(cap, base * 2^n)], at least Retry-After
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

namespace feedback::sync {

struct BackoffPolicy {
    std::chrono::milliseconds base{1000};
    std::chrono::milliseconds cap{5 * 60 * 1000};
};

class Backoff {
public:
    // `random_below(n)` returns a uniform integer in [0, n); the default is the kernel's.
    explicit Backoff(BackoffPolicy policy, std::function<uint32_t(uint32_t)> random_below = {});

    // The delay before the next try, counting this failure.
    std::chrono::milliseconds next_delay(std::optional<std::chrono::milliseconds> retry_after = std::nullopt);
    void reset() { m_failures = 0; }
    int failures() const { return m_failures; }

private:
    BackoffPolicy m_policy;
    std::function<uint32_t(uint32_t)> m_random_below;
    int m_failures = 0;
};

// "120" or "Wed, 21 Oct 2015 07:28:00 GMT" (relative to `now_utc_ms`); a date
// in the past is zero; nothing when unreadable.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, int64_t now_utc_ms);

} // namespace feedback::sync
