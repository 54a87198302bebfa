// The corner hold of staff_gesture.h.
#include "flows/staff_gesture.h"

namespace feedback::flows {

bool StaffGesture::press_ended(int64_t now_ms)
{
    bool completed = tick(now_ms);
    m_pressed_at.reset();
    return completed;
}

bool StaffGesture::tick(int64_t now_ms)
{
    if (!m_pressed_at || now_ms - *m_pressed_at < hold_ms)
        return false;
    m_pressed_at.reset(); // once per press
    return true;
}

} // namespace feedback::flows
