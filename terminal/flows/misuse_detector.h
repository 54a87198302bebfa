// Spots bursts of ratings (a child playing, someone hammering 0): a sliding
// window over the times of recent ratings. Ratings past the configured limit
// are still recorded, marked "misuse":"burst", and left out of the NPS.
#pragma once

#include "config/kiosk_config.h"

#include <cstdint>
#include <deque>

namespace feedback::flows {

class MisuseDetector {
public:
    explicit MisuseDetector(config::MisuseRule rule) : m_rule(rule) {}

    // Notes a rating tapped at `now_ms` (wall clock ms, not decreasing) and
    // says whether it is past the limit: true when, counting it, more than
    // max_ratings ratings fall within the last window_seconds (a rating
    // exactly window_seconds old has left the window). Flagged ratings count
    // too, so steady hammering stays flagged.
    bool note_rating(int64_t now_ms);

private:
    config::MisuseRule m_rule;
    std::deque<int64_t> m_times; // ratings inside the window, oldest first
};

} // namespace feedback::flows
