// Kinetic scrolling (drag_scroll.h): the finger's movement, the speed of the
// last movement on release, and an exponential slow-down clamped at the ends.
#include "ui/drag_scroll.h"

#include <algorithm>
#include <cmath>

namespace feedback::ui {

void DragScroll::set_extent(float content_height, float viewport_height)
{
    m_max_offset = std::max(0.0f, content_height - viewport_height);
    m_offset = clamped(m_offset);
}

float DragScroll::clamped(float offset) const { return std::clamp(offset, 0.0f, m_max_offset); }

void DragScroll::press(float y, int64_t now_ms)
{
    m_dragging = true;
    m_velocity = 0.0; // a finger on gliding content stops it
    m_last_y = y;
    m_last_move_ms = now_ms;
    m_drag_distance = 0.0f;
}

void DragScroll::move(float y, int64_t now_ms)
{
    if (!m_dragging)
        return;
    const float delta = m_last_y - y; // the finger up, the content up: the offset grows
    if (delta == 0.0f)
        return;
    m_offset = clamped(m_offset + delta);
    m_drag_distance += std::fabs(delta);
    // The speed of this movement; the throw on release takes the last one.
    const int64_t elapsed = std::max<int64_t>(1, now_ms - m_last_move_ms);
    m_velocity = std::clamp(static_cast<double>(delta) / static_cast<double>(elapsed), -max_speed, max_speed);
    m_last_y = y;
    m_last_move_ms = now_ms;
}

void DragScroll::release(int64_t now_ms)
{
    if (!m_dragging)
        return;
    m_dragging = false;
    if (now_ms - m_last_move_ms >= rest_ms || std::fabs(m_velocity) < stop_speed)
        m_velocity = 0.0;
    m_last_step_ms = now_ms;
}

bool DragScroll::step(int64_t now_ms)
{
    if (m_dragging || m_velocity == 0.0)
        return false;
    const int64_t elapsed = now_ms - m_last_step_ms;
    if (elapsed <= 0)
        return true;
    m_last_step_ms = now_ms;
    // Distance is the integral of v0 * k^t over the step: v0 * (k^t - 1) / ln k.
    const double log_k = std::log(decay_per_ms);
    const double kept = std::pow(decay_per_ms, static_cast<double>(elapsed));
    const double distance = m_velocity * (kept - 1.0) / log_k;
    const float moved = clamped(m_offset + static_cast<float>(distance));
    const bool at_end = moved != m_offset + static_cast<float>(distance);
    m_offset = moved;
    m_velocity *= kept;
    if (at_end || std::fabs(m_velocity) < stop_speed)
        m_velocity = 0.0;
    return m_velocity != 0.0;
}

void DragScroll::scroll_to(float offset)
{
    m_offset = clamped(offset);
    m_velocity = 0.0;
}

} // namespace feedback::ui
