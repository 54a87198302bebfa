// Switching between the shopper flow and the staff overlay (kiosk_flow.h).
#include "flows/kiosk_flow.h"

namespace feedback::flows {

KioskFlow::KioskFlow(const config::KioskConfig& config, store::LocalStore& store)
    : m_shopper(config), m_staff(config, store)
{
}

Effects KioskFlow::apply(const ShopperIntent& intent, int64_t now_ms)
{
    if (m_mode != Mode::shopper)
        return {};
    return m_shopper.apply(intent, now_ms);
}

Effects KioskFlow::apply(const StaffIntent& intent, int64_t now_ms)
{
    if (m_mode != Mode::staff)
        return {};
    Effects effects = m_staff.apply(intent, now_ms);
    follow_staff(now_ms);
    return effects;
}

Effects KioskFlow::apply(const GestureIntent& intent, int64_t now_ms)
{
    if (m_mode != Mode::shopper)
        return {};
    if (std::holds_alternative<CornerPressStarted>(intent))
        m_gesture.press_started(now_ms);
    else if (m_gesture.press_ended(now_ms))
        enter_staff(now_ms);
    return {};
}

Effects KioskFlow::apply(const EffectResult& result, int64_t now_ms)
{
    if (!m_staff.awaiting())
        return m_shopper.apply(result, now_ms);
    Effects effects = m_staff.apply(result, now_ms);
    follow_staff(now_ms);
    return effects;
}

void KioskFlow::tick(int64_t now_ms)
{
    if (m_mode == Mode::shopper && m_gesture.tick(now_ms))
        enter_staff(now_ms);
    // The shopper side keeps its timeouts underneath staff mode, so an
    // abandoned shopper session is gone when staff mode ends.
    m_shopper.tick(now_ms);
    if (m_mode == Mode::staff) {
        m_staff.tick(now_ms);
        follow_staff(now_ms);
    }
}

void KioskFlow::enter_staff(int64_t now_ms)
{
    m_staff.enter(now_ms);
    m_mode = Mode::staff;
}

void KioskFlow::follow_staff(int64_t now_ms)
{
    if (m_mode == Mode::staff && !m_staff.active()) {
        m_mode = Mode::shopper;
        m_shopper.reset(now_ms);
    }
}

} // namespace feedback::flows
