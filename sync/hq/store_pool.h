// Connections to head office's hq.db lent to request threads (the device
// routes and the dashboard), one request at a time each, and kept open for
// the next request instead of being opened anew.
#pragma once

#include "hq/hq_store.h"

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

namespace feedback::hq {

class StorePool {
public:
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

    // An idle connection, or a new one to the existing database.
    Result<Lease> borrow();

private:
    void give_back(std::unique_ptr<HqStore> store);

    std::filesystem::path m_dir;
    std::mutex m_mutex;
    std::vector<std::unique_ptr<HqStore>> m_idle;
};

} // namespace feedback::hq
