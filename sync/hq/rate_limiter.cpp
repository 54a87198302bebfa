// Token buckets per key, forgetting the ones that have filled up again.
#include "rate_limiter.h"

#include "domain/clock.h"

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

std::optional<int> RateLimiter::take(std::string_view key, std::chrono::steady_clock::time_point now,
                                     sql::Connection& db)
{
    if (db.backend() != sql::Backend::postgresql)
        return take(key, now);
    return take_in_database(key, db);
}

std::optional<int> RateLimiter::take_in_database(std::string_view key, sql::Connection& db)
{
    double per_second = 0;
    double burst = 0;
    {
        std::lock_guard lock(m_mutex);
        per_second = m_per_second;
        burst = m_burst;
    }
    const int64_t now_ms = now_utc_ms();
    // The bucket refilled since its last request, then one token taken if
    // there is one: in one statement, under the row's lock, so requests at
    // several processes at once each see the others'.
    constexpr const char* refilled = "least(CAST(?3 AS DOUBLE PRECISION), b.tokens + "
                                     "greatest(0, CAST(?2 AS BIGINT) - b.updated_ms) * CAST(?4 AS DOUBLE PRECISION) "
                                     "/ 1000.0)";
    auto take = db.cached(std::string("INSERT INTO rate_buckets AS b (key, tokens, updated_ms, taken) "
                                      "VALUES (?1, CAST(?3 AS DOUBLE PRECISION) - 1, ?2, 1) "
                                      "ON CONFLICT (key) DO UPDATE SET tokens = ") +
                          refilled + " - CASE WHEN " + refilled + " >= 1 THEN 1 ELSE 0 END, taken = CASE WHEN " +
                          refilled + " >= 1 THEN 1 ELSE 0 END, updated_ms = greatest(b.updated_ms, ?2) "
                          "RETURNING taken, tokens");
    if (!take)
        return std::nullopt;
    (*take)->bind(1, m_scope + ":" + std::string(key)).bind(2, now_ms).bind(3, burst).bind(4, per_second);
    auto row = (*take)->step();
    if (!row || !*row)
        return std::nullopt;
    const bool taken = (*take)->column_int64(0) != 0;
    const double tokens = (*take)->column_double(1);
    (*take)->reset();
    if (++m_shared_takes % shared_sweep_every == 0) {
        // Buckets full again are what a new key gets anyway: forgotten.
        auto sweep = db.cached("DELETE FROM rate_buckets WHERE key LIKE ?1 AND tokens + greatest(0, CAST(?2 AS BIGINT) "
                               "- updated_ms) * CAST(?4 AS DOUBLE PRECISION) / 1000.0 >= CAST(?3 AS DOUBLE PRECISION)");
        if (sweep)
            (void)(*sweep)->bind(1, m_scope + ":%").bind(2, now_ms).bind(3, burst).bind(4, per_second).run();
    }
    if (taken)
        return std::nullopt;
    return std::max(1, static_cast<int>(std::ceil((1 - tokens) / per_second)));
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
