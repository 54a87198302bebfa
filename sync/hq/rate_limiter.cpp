// Token buckets per key, forgetting the ones that have filled up again.
#include "rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace feedback::hq {

std::optional<int> RateLimiter::take(std::string_view key, std::chrono::steady_clock::time_point now)
{
    std::lock_guard lock(m_mutex);
    if (m_buckets.size() >= m_sweep_at)
        forget_full(now);
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

void RateLimiter::configure(double per_second, double burst)
{
    std::lock_guard lock(m_mutex);
    m_per_second = per_second;
    m_burst = burst;
    m_buckets.clear();
}

size_t RateLimiter::keys() const
{
    std::lock_guard lock(m_mutex);
    return m_buckets.size();
}

void RateLimiter::forget_full(std::chrono::steady_clock::time_point now)
{
    std::erase_if(m_buckets, [&](const auto& entry) {
        double elapsed = std::chrono::duration<double>(now - entry.second.updated).count();
        return entry.second.tokens + std::max(0.0, elapsed) * m_per_second >= m_burst;
    });
    m_sweep_at = std::max(first_sweep_at, 2 * m_buckets.size());
}

} // namespace feedback::hq
