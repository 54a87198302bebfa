// Kinetic scrolling for touch screens, without a window: a finger drags the
// content, and on release it keeps moving with the speed of the last drag
// movement, slowing down until it stops or reaches an end. Screens feed it
// the pointer and the clock and read the offset; tests drive it by numbers.
//
//   idle --press()--> dragging --release()--> gliding --step(): slow or at an end--> idle
//                      | move(): offset follows the finger, clamped
//                      '--release() after the finger rested: idle
//   A press while gliding catches the content (as a finger on a spinning list).
//
// Units: pixels and the UI clock's milliseconds. The offset is how far the
// content is scrolled up: 0 shows its top, max_offset() its bottom.
#pragma once

#include <cstdint>

namespace feedback::ui {

class DragScroll {
public:
    // Velocity kept per millisecond of glide: 0.9975^t, so about 63% of
    // the speed is gone after 400 ms, as on phones.
    static constexpr double decay_per_ms = 0.9975;
    // Below this speed (px/ms) the glide stops.
    static constexpr double stop_speed = 0.02;
    // A finger that rested this long before lifting throws nothing.
    static constexpr int64_t rest_ms = 80;
    // A throw never moves faster than this (px/ms), whatever one jittery
    // movement measured.
    static constexpr double max_speed = 6.0;

    // The content's and the viewport's heights; the offset is clamped to the
    // new range (the content may have changed).
    void set_extent(float content_height, float viewport_height);
    float max_offset() const { return m_max_offset; }

    // The finger goes down at `y`, moves to `y`, lifts. `now_ms` on the UI clock.
    void press(float y, int64_t now_ms);
    void move(float y, int64_t now_ms);
    void release(int64_t now_ms);

    // Advances the glide to `now_ms`; true while it is still moving (the
    // caller asks for another frame).
    bool step(int64_t now_ms);

    float offset() const { return m_offset; }
    // Jumps to an offset (clamped) and stops any glide: paging buttons.
    void scroll_to(float offset);
    bool dragging() const { return m_dragging; }
    bool gliding() const { return m_velocity != 0.0; }
    double velocity() const { return m_velocity; } // px/ms, positive: content moves up
    // How far the finger moved since press() (for telling a tap from a drag).
    float drag_distance() const { return m_drag_distance; }

private:
    float clamped(float offset) const;

    float m_offset = 0.0f;
    float m_max_offset = 0.0f;
    bool m_dragging = false;
    float m_last_y = 0.0f;
    int64_t m_last_move_ms = 0;
    float m_drag_distance = 0.0f;
    double m_velocity = 0.0;
    int64_t m_last_step_ms = 0;
};

} // namespace feedback::ui
