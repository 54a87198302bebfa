// Dispatch from the flow's Screen to its drawing function (kiosk_screens.h).
#include "screens/kiosk_screens.h"

#include "screens/complaint_screens.h"
#include "screens/setup_screens.h"
#include "screens/shopper_screens.h"
#include "screens/staff_complaint_screens.h"
#include "screens/staff_screens.h"

namespace feedback::screens {

void KioskScreens::follow(flows::Screen screen)
{
    if (m_drawn && screen == m_ui.screen)
        return;
    m_ui.screen = screen;
    m_ui.focus.reset();
    m_ui.keyboard = ui::OnscreenKeyboard(ui::KeyboardLayout::text);
    m_ui.pin.clear();
    m_ui.page = 0;
    m_drawn = true;
}

std::vector<KioskIntent> KioskScreens::draw(ui::FrameContext& frame, const config::Strings& strings,
                                            const flows::ShopperView& view, std::string_view store_name,
                                            int64_t now_ms)
{
    follow(view.screen);
    std::vector<KioskIntent> intents;
    ScreenContext ctx{frame, strings, store_name, now_ms, m_ui, intents};
    using flows::Screen;
    switch (view.screen) {
    case Screen::shopper_start: draw_shopper_start(ctx, view); break;
    case Screen::shopper_why: draw_shopper_why(ctx, view); break;
    case Screen::shopper_contact_offer:
    case Screen::complaint_contact_offer: draw_contact_offer(ctx, view); break;
    case Screen::shopper_contact_details:
    case Screen::complaint_contact_details: draw_contact_details(ctx, view); break;
    case Screen::shopper_thank_you: draw_shopper_thank_you(ctx, view); break;
    case Screen::complaint_category: draw_complaint_category(ctx, view); break;
    case Screen::complaint_description: draw_complaint_description(ctx, view); break;
    case Screen::complaint_reference: draw_complaint_reference(ctx, view); break;
    case Screen::complaint_wish: draw_complaint_wish(ctx, view); break;
    case Screen::complaint_done: draw_complaint_done(ctx, view); break;
    default: IM_ASSERT(false && "KioskScreens: a staff screen in the shopper's view"); break;
    }
    return intents;
}

std::vector<KioskIntent> KioskScreens::draw(ui::FrameContext& frame, const config::Strings& strings,
                                            const flows::StaffView& view, std::string_view store_name,
                                            int64_t now_ms)
{
    follow(view.screen);
    std::vector<KioskIntent> intents;
    ScreenContext ctx{frame, strings, store_name, now_ms, m_ui, intents};
    using flows::Screen;
    switch (view.screen) {
    case Screen::staff_pin: draw_staff_pin(ctx, view); break;
    case Screen::staff_menu: draw_staff_menu(ctx, view); break;
    case Screen::staff_log_complaint: draw_staff_log_complaint(ctx, view); break;
    case Screen::staff_solve: draw_staff_solve(ctx, view); break;
    case Screen::staff_customer_response: draw_staff_customer_response(ctx, view); break;
    case Screen::staff_not_satisfied: draw_staff_not_satisfied(ctx, view); break;
    case Screen::staff_open_complaints: draw_staff_open_complaints(ctx, view); break;
    case Screen::staff_complaint: draw_staff_complaint(ctx, view); break;
    case Screen::staff_escalate:
    case Screen::staff_reopen: draw_staff_reason(ctx, view); break;
    case Screen::staff_close: draw_staff_close(ctx, view); break;
    case Screen::staff_find: draw_staff_find(ctx, view); break;
    case Screen::staff_status: draw_staff_status(ctx, view); break;
    case Screen::staff_leave_store: draw_staff_leave_store(ctx, view); break;
    case Screen::staff_left_store: draw_staff_left_store(ctx, view); break;
    default: IM_ASSERT(false && "KioskScreens: a shopper screen in the staff view"); break;
    }
    return intents;
}

std::vector<KioskIntent> KioskScreens::draw(ui::FrameContext& frame, const config::Strings& strings,
                                            const flows::SetupView& view)
{
    follow(view.screen);
    std::vector<KioskIntent> intents;
    ScreenContext ctx{frame, strings, {}, 0, m_ui, intents};
    using flows::Screen;
    switch (view.screen) {
    case Screen::setup_start: draw_setup_start(ctx, view); break;
    case Screen::setup_check: draw_setup_check(ctx, view); break;
    case Screen::setup_busy: draw_setup_busy(ctx, view); break;
    case Screen::setup_done: draw_setup_done(ctx, view); break;
    default: IM_ASSERT(false && "KioskScreens: not a setup screen"); break;
    }
    return intents;
}

void KioskScreens::draw_checking_pin(ui::FrameContext& frame, const config::Strings& strings)
{
    std::vector<KioskIntent> none;
    ScreenContext ctx{frame, strings, {}, 0, m_ui, none};
    draw_staff_checking_pin(ctx);
}

} // namespace feedback::screens
