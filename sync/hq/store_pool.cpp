// The pool of head office's database connections (store_pool.h): lend an
// idle one or open one (on PostgreSQL up to a bound), take it back.
#include "hq/store_pool.h"

namespace feedback::hq {

StorePool::Lease::~Lease()
{
    if (m_store)
        m_pool->give_back(std::move(m_store));
}

Result<StorePool::Lease> StorePool::borrow(std::chrono::milliseconds wait)
{
    {
        std::unique_lock lock(m_mutex);
        const auto available = [this] { return !m_idle.empty() || !m_bounded || m_open < max_open_postgresql; };
        if (!m_given_back.wait_for(lock, wait, available))
            return Error{ErrorKind::busy, "every database connection of this process is in use"};
        if (!m_idle.empty()) {
            auto store = std::move(m_idle.back());
            m_idle.pop_back();
            return Lease(*this, std::move(store));
        }
        ++m_open; // counted before it is open, so that others wait meanwhile
    }
    auto store = HqStore::open(m_dir, HqStore::Intent::existing_only);
    std::lock_guard lock(m_mutex);
    if (!store) {
        --m_open;
        m_given_back.notify_one();
        return store.error();
    }
    m_bounded = store->connection().backend() == sql::Backend::postgresql;
    return Lease(*this, std::make_unique<HqStore>(std::move(*store)));
}

void StorePool::give_back(std::unique_ptr<HqStore> store)
{
    {
        std::lock_guard lock(m_mutex);
        m_idle.push_back(std::move(store));
    }
    m_given_back.notify_one();
}

} // namespace feedback::hq
