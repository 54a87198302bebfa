// The shopper's complaint steps: category, what happened, product and
// receipt, what they would like, and the done screen with the reference code
// in huge letters and "call a staff member now". The contact steps are
// shared with the rating (shopper_screens.h).
#pragma once

#include "screens/screen_kit.h"

namespace feedback::screens {

void draw_complaint_category(ScreenContext& ctx, const flows::ShopperView& view);
void draw_complaint_description(ScreenContext& ctx, const flows::ShopperView& view);
void draw_complaint_reference(ScreenContext& ctx, const flows::ShopperView& view);
void draw_complaint_wish(ScreenContext& ctx, const flows::ShopperView& view);
void draw_complaint_done(ScreenContext& ctx, const flows::ShopperView& view);

} // namespace feedback::screens
