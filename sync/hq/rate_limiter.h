// A token bucket per key (a device id, a client address): `per_second`
// requests a second on average, up to `burst` at once (PROTOCOL.md 6).
// Thread-safe. Memory grows with the number of keys seen recently, not with
// requests: buckets that have filled up again are forgotten (a full bucket
// is what a new key gets anyway) once there are many of them.
//
// On PostgreSQL, where several head-office processes share one database,
// the buckets are rows of the database (rate_buckets, one UPSERT per request
// under the row's lock), so a terminal gets the same rate however many
// processes a load balancer spreads its requests over. On SQLite the one
// process keeps them in memory.
#pragma once

#include "sql/connection.h"

#include <atomic>
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
    // `scope` tells this limit's buckets from other limits' in the database
    // ("device", "enrol", ...).
    RateLimiter(std::string scope, double per_second, double burst)
        : m_scope(std::move(scope)), m_per_second(per_second), m_burst(burst)
    {
    }

    // Takes one token for `key`. Nothing when allowed; otherwise the whole
    // seconds (at least 1) until a token is there, for Retry-After.
    std::optional<int> take(std::string_view key, std::chrono::steady_clock::time_point now);
    // The same, with the bucket in `db` when it is PostgreSQL (shared by
    // every process; its clock is the wall clock), else as take(key, now).
    // When the database does not answer, the request is let through: it
    // needs the database anyway, and gets its error there.
    std::optional<int> take(std::string_view key, std::chrono::steady_clock::time_point now, sql::Connection& db);
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
    std::optional<int> take_in_database(std::string_view key, sql::Connection& db);

    // Looking for full buckets starts at this many keys, and then at twice
    // as many as were left, so the cost per request stays constant.
    static constexpr size_t first_sweep_at = 4096;

    // Shared buckets are swept every this many takes of this process.
    static constexpr uint64_t shared_sweep_every = 4096;

    std::string m_scope;
    double m_per_second;
    double m_burst;
    std::atomic<uint64_t> m_shared_takes{0};
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, Bucket> m_buckets;
    size_t m_sweep_at = first_sweep_at;
};

} // namespace feedback::hq
