// The sliding window of misuse_detector.h.
#include "flows/misuse_detector.h"

namespace feedback::flows {

bool MisuseDetector::note_rating(int64_t now_ms)
{
    const int64_t window_ms = static_cast<int64_t>(m_rule.window_seconds) * 1000;
    while (!m_times.empty() && now_ms - m_times.front() >= window_ms)
        m_times.pop_front();
    m_times.push_back(now_ms);
    return static_cast<int64_t>(m_times.size()) > m_rule.max_ratings;
}

} // namespace feedback::flows
