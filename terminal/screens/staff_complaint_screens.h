// Staff mode's complaint screens: log a walk-in complaint, solve it now, the
// screen handed to the customer, "not satisfied", the open list, the
// complaint hub with the actions its state allows, escalate / reopen with a
// reason, and closing (unresolved, withdrawn, referred to an external body).
#pragma once

#include "screens/screen_kit.h"

namespace feedback::screens {

void draw_staff_log_complaint(ScreenContext& ctx, const flows::StaffView& view);
void draw_staff_solve(ScreenContext& ctx, const flows::StaffView& view);
void draw_staff_customer_response(ScreenContext& ctx, const flows::StaffView& view);
void draw_staff_not_satisfied(ScreenContext& ctx, const flows::StaffView& view);
void draw_staff_open_complaints(ScreenContext& ctx, const flows::StaffView& view);
void draw_staff_complaint(ScreenContext& ctx, const flows::StaffView& view);
// staff_escalate and staff_reopen.
void draw_staff_reason(ScreenContext& ctx, const flows::StaffView& view);
void draw_staff_close(ScreenContext& ctx, const flows::StaffView& view);

} // namespace feedback::screens
