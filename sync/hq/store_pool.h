// Connections to head office's database lent to request threads (the
// device routes and the dashboard), one request at a time each, and kept
// open for the next request instead of being opened anew. On PostgreSQL at
// most `max_open_postgresql` are open at once per pool (the server's limit,
// max_connections, is shared by every process: 100 by default); a request
// that finds them all lent waits for one, and after `wait_for_one` gets a
// busy error (answered 503 with Retry-After). SQLite's are not bounded.
#pragma once

#include "hq/hq_store.h"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

namespace feedback::hq {

class StorePool {
public:
    static constexpr size_t max_open_postgresql = 12;
    static constexpr std::chrono::seconds wait_for_one{10};

    explicit StorePool(std::filesystem::path dir) : m_dir(std::move(dir)) {}

    // A connection on loan; it goes back to the pool when the lease ends.
    class Lease {
    public:
        Lease(StorePool& pool, std::unique_ptr<HqStore> store) : m_pool(&pool), m_store(std::move(store)) {}
        Lease(Lease&&) = default;
        Lease& operator=(Lease&&) = delete;
        ~Lease();
        HqStore& operator*() { return *m_store; }
        HqStore* operator->() { return m_store.get(); }

    private:
        StorePool* m_pool;
        std::unique_ptr<HqStore> m_store;
    };

    // An idle connection, or a new one to the existing database; waits at
    // most `wait` when all are lent (busy after that).
    Result<Lease> borrow(std::chrono::milliseconds wait = wait_for_one);

private:
    void give_back(std::unique_ptr<HqStore> store);

    std::filesystem::path m_dir;
    std::mutex m_mutex;
    std::condition_variable m_given_back;
    std::vector<std::unique_ptr<HqStore>> m_idle;
    size_t m_open = 0;        // lent and idle
    bool m_bounded = false;   // PostgreSQL: known once the first one is open
};

} // namespace feedback::hq
