// The way into staff mode that shoppers will not make by chance: a press held
// at least 3 seconds in the top-left corner. The screen reports the press
// starting and ending; the hold completes on a tick while still pressed or
// on the release.
//
//   IDLE --press_started--> PRESSED --tick / press_ended, held >= 3 s--> IDLE (completed: true)
//                             |
//                             +--press_ended, held < 3 s--> IDLE (nothing)
#pragma once

#include <cstdint>
#include <optional>

namespace feedback::flows {

class StaffGesture {
public:
    static constexpr int64_t hold_ms = 3000;

    void press_started(int64_t now_ms) { m_pressed_at = now_ms; }
    // True when this release completes a long enough hold.
    bool press_ended(int64_t now_ms);
    // True once when the press has been held long enough.
    bool tick(int64_t now_ms);
    bool pressed() const { return m_pressed_at.has_value(); }

private:
    std::optional<int64_t> m_pressed_at;
};

} // namespace feedback::flows
