// The whole kiosk as one state machine for the app shell: the shopper flow,
// with staff mode laid over it once the corner gesture and a PIN open it.
// The shell sends every intent and a tick per frame here and draws screen();
// what an intent asks for (record an event, check a PIN, call staff) comes
// back as Effects, and their results go to apply(EffectResult).
//
//   SHOPPER (shopper_* / complaint_* screens)
//      | corner held >= 3 s (CornerPressStarted ... tick / CornerPressEnded)
//      v
//   STAFF (staff_pin, then staff_menu ...): the shopper flow waits underneath
//      | Back on the PIN pad, LogOut, or idle
//      v
//   SHOPPER, reset to shopper_start (nothing of a previous shopper reappears)
#pragma once

#include "config/kiosk_config.h"
#include "flows/effects.h"
#include "flows/flow_types.h"
#include "flows/shopper_flow.h"
#include "flows/staff_flow.h"
#include "flows/staff_gesture.h"
#include "store/local_store.h"

#include <cstdint>
#include <variant>

namespace feedback::flows {

enum class Mode { shopper, staff };

// The top-left corner press (the screen decides what "the corner" is).
struct CornerPressStarted {};
struct CornerPressEnded {};
using GestureIntent = std::variant<CornerPressStarted, CornerPressEnded>;

class KioskFlow {
public:
    // Copies the configuration; `store` is read by staff mode (never
    // written) and must outlive the flow.
    KioskFlow(const config::KioskConfig& config, store::LocalStore& store);

    // Shopper intents are ignored in staff mode and staff intents in shopper
    // mode (a stale tap from the screen that was just left).
    Effects apply(const ShopperIntent& intent, int64_t now_ms);
    Effects apply(const StaffIntent& intent, int64_t now_ms);
    Effects apply(const GestureIntent& intent, int64_t now_ms);
    // The result of an effect, to the side that asked for it.
    Effects apply(const EffectResult& result, int64_t now_ms);
    // Call every frame (or at least once a second): gesture hold, thank-you
    // and idle timeouts, staff logout.
    void tick(int64_t now_ms);

    Mode mode() const { return m_mode; }
    Screen screen() const { return m_mode == Mode::staff ? m_staff.screen() : m_shopper.screen(); }
    ShopperView shopper_view(int64_t now_ms) const { return m_shopper.view(now_ms); }
    StaffView staff_view(int64_t now_ms) const { return m_staff.view(now_ms); }

    void set_sync_status(SyncStatus sync) { m_staff.set_sync_status(std::move(sync)); }
    void set_status_page_url(std::string url) { m_shopper.set_status_page_url(std::move(url)); }
    void set_printer_problem(std::optional<Message> problem) { m_staff.set_printer_problem(std::move(problem)); }
    // Whether contact details may be asked for: only once head office's
    // contact key has arrived, which record() seals them to.
    void set_contact_offered(bool offered)
    {
        m_shopper.set_contact_offered(offered);
        m_staff.set_contact_offered(offered);
    }

private:
    void enter_staff(int64_t now_ms);
    // Back to the shopper side when staff mode has ended.
    void follow_staff(int64_t now_ms);

    ShopperFlow m_shopper;
    StaffFlow m_staff;
    StaffGesture m_gesture;
    Mode m_mode = Mode::shopper;
};

} // namespace feedback::flows
