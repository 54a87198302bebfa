// Token buckets per device.
#include "rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace feedback::hq {

std::optional<int> RateLimiter::take(std::string_view key, std::chrono::steady_clock::time_point now)
{
    std::lock_guard lock(m_mutex);
    auto [it, inserted] = m_buckets.try_emplace(std::string(key), Bucket{m_burst, now});
    Bucket& bucket = it->second;
    if (!inserted) {
        double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
        bucket.tokens = std::min(m_burst, bucket.tokens + std::max(0.0, elapsed) * m_per_second);
        bucket.updated = now;
    }
    if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return std::nullopt;
    }
    double wait = (1 - bucket.tokens) / m_per_second;
    return std::max(1, static_cast<int>(std::ceil(wait)));
}

} // namespace feedback::hq
