// A token bucket per device: `per_second` requests a second on average, up to
// `burst` at once (PROTOCOL.md 6). Thread-safe; memory grows with the number
// of devices, not with requests.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace feedback::hq {

class RateLimiter {
public:
    RateLimiter(double per_second, double burst) : m_per_second(per_second), m_burst(burst) {}

    // Takes one token for `key`. Nothing when allowed; otherwise the whole
    // seconds (at least 1) until a token is there, for Retry-After.
    std::optional<int> take(std::string_view key, std::chrono::steady_clock::time_point now);

private:
    struct Bucket {
        double tokens = 0;
        std::chrono::steady_clock::time_point updated;
    };
    double m_per_second;
    double m_burst;
    std::mutex m_mutex;
    std::unordered_map<std::string, Bucket> m_buckets;
};

} // namespace feedback::hq
