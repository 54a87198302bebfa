// The one-time hand-over of a registered complaint's status link (status_link_handoff.h).
#include "status_link_handoff.h"

#include <algorithm>

namespace feedback::hq::web {

void StatusLinkHandoff::put(const std::string& session, const std::string& complaint_id, std::string link,
                            int64_t now_ms)
{
    std::lock_guard lock(m_mutex);
    forget_old(now_ms);
    if (m_held.size() >= max_held) {
        auto oldest = std::min_element(m_held.begin(), m_held.end(), [](const auto& a, const auto& b) {
            return a.second.put_at_ms < b.second.put_at_ms;
        });
        m_held.erase(oldest);
    }
    m_held[{session, complaint_id}] = Held{std::move(link), now_ms};
}

std::optional<std::string> StatusLinkHandoff::take(const std::string& session, const std::string& complaint_id,
                                                   int64_t now_ms)
{
    std::lock_guard lock(m_mutex);
    forget_old(now_ms);
    auto found = m_held.find({session, complaint_id});
    if (found == m_held.end())
        return std::nullopt;
    std::string link = std::move(found->second.link);
    m_held.erase(found);
    return link;
}

void StatusLinkHandoff::forget_old(int64_t now_ms)
{
    std::erase_if(m_held, [&](const auto& entry) { return now_ms - entry.second.put_at_ms > keep_ms; });
}

} // namespace feedback::hq::web
