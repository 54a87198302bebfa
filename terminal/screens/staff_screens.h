// Staff mode's way in and its overview screens: the PIN pad (with the lock
// countdown), the menu, find by reference, and the status panel. The
// complaint screens are in staff_complaint_screens.h.
#pragma once

#include "screens/screen_kit.h"

namespace feedback::screens {

void draw_staff_pin(ScreenContext& ctx, const flows::StaffView& view);
void draw_staff_menu(ScreenContext& ctx, const flows::StaffView& view);
void draw_staff_find(ScreenContext& ctx, const flows::StaffView& view);
void draw_staff_status(ScreenContext& ctx, const flows::StaffView& view);
void draw_staff_leave_store(ScreenContext& ctx, const flows::StaffView& view);
void draw_staff_left_store(ScreenContext& ctx, const flows::StaffView& view);

// What a staff screen shows while the app checks a PIN off the frame loop.
void draw_staff_checking_pin(ScreenContext& ctx);

// "Open", "Escalated", ...: a complaint status for people.
const std::string& status_name(const ScreenContext& ctx, ComplaintStatus status);

} // namespace feedback::screens
