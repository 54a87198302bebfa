// A token bucket per key (a device id, a client address): `per_second`
// requests a second on average, up to `burst` at once (PROTOCOL.md 6).
// Thread-safe. Memory grows with the number of keys seen recently, not with
// requests: buckets that have filled up again are forgotten (a full bucket
// is what a new key gets anyway) once there are many of them.
#pragma once

#include <chrono>
#include <cstddef>
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
    // New rates, for every key from now on (before serving, or in tests).
    void configure(double per_second, double burst);
    // How many keys are remembered (for tests).
    size_t keys() const;

private:
    struct Bucket {
        double tokens = 0;
        std::chrono::steady_clock::time_point updated;
    };
    // Forgets the buckets that are full again at `now`.
    void forget_full(std::chrono::steady_clock::time_point now);

    // Looking for full buckets starts at this many keys, and then at twice
    // as many as were left, so the cost per request stays constant.
    static constexpr size_t first_sweep_at = 4096;

    double m_per_second;
    double m_burst;
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, Bucket> m_buckets;
    size_t m_sweep_at = first_sweep_at;
};

} // namespace feedback::hq
