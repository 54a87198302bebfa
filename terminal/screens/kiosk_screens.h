// The kiosk's screens behind one call per frame: picks the screen for the
// flow's current Screen, keeps the UI-only state of the screen on show (and
// drops it when the screen changes), and returns the intents of this frame.
#pragma once

#include "flows/setup_flow.h"
#include "screens/screen_kit.h"

#include <string>
#include <vector>

namespace feedback::screens {

class KioskScreens {
public:
    // A shopper screen (shopper_* and complaint_*).
    std::vector<KioskIntent> draw(ui::FrameContext& frame, const config::Strings& strings,
                                  const flows::ShopperView& view, std::string_view store_name, int64_t now_ms);
    // A staff screen (staff_*).
    std::vector<KioskIntent> draw(ui::FrameContext& frame, const config::Strings& strings,
                                  const flows::StaffView& view, std::string_view store_name, int64_t now_ms);
    // A setup screen (setup_*) of an unenrolled kiosk.
    std::vector<KioskIntent> draw(ui::FrameContext& frame, const config::Strings& strings,
                                  const flows::SetupView& view);
    // "Checking the PIN": while the app checks one off the frame loop.
    void draw_checking_pin(ui::FrameContext& frame, const config::Strings& strings);

    // The screen drawn last, for screenshot names.
    flows::Screen screen() const { return m_ui.screen; }

private:
    // Forgets the previous screen's UI state when `screen` is another one.
    void follow(flows::Screen screen);

    ScreenUi m_ui;
    bool m_drawn = false;
};

} // namespace feedback::screens
