// The pool of hq.db connections: lend an idle one or open one, take it back.
#include "hq/store_pool.h"

namespace feedback::hq {

StorePool::Lease::~Lease()
{
    if (m_store)
        m_pool->give_back(std::move(m_store));
}

Result<StorePool::Lease> StorePool::borrow()
{
    {
        std::lock_guard lock(m_mutex);
        if (!m_idle.empty()) {
            auto store = std::move(m_idle.back());
            m_idle.pop_back();
            return Lease(*this, std::move(store));
        }
    }
    auto store = HqStore::open(m_dir, HqStore::Intent::existing_only);
    FEEDBACK_TRY(store);
    return Lease(*this, std::make_unique<HqStore>(std::move(*store)));
}

void StorePool::give_back(std::unique_ptr<HqStore> store)
{
    std::lock_guard lock(m_mutex);
    m_idle.push_back(std::move(store));
}

} // namespace feedback::hq
