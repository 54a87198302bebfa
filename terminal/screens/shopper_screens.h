// The shopper's rating screens: the start screen (NPS 0-10 coloured by band,
// language, "I have a complaint", the shop's promises), why, the contact
// offer and details (rating and complaint share them), and thank you.
#pragma once

#include "screens/screen_kit.h"

namespace feedback::screens {

void draw_shopper_start(ScreenContext& ctx, const flows::ShopperView& view);
void draw_shopper_why(ScreenContext& ctx, const flows::ShopperView& view);
// shopper_contact_offer and complaint_contact_offer.
void draw_contact_offer(ScreenContext& ctx, const flows::ShopperView& view);
// shopper_contact_details and complaint_contact_details.
void draw_contact_details(ScreenContext& ctx, const flows::ShopperView& view);
void draw_shopper_thank_you(ScreenContext& ctx, const flows::ShopperView& view);

// The large-text, high-contrast toggle ("start.accessible") and the store's
// languages: up to three as chips ("start.language_nl", ...), more as one
// chip ("start.language") that opens language_list() under it.
void language_switch(ScreenContext& ctx, const flows::ShopperView& view);
float language_switch_width(ScreenContext& ctx, const flows::ShopperView& view);
// The store's languages as chips, while the list is open.
void language_list(ScreenContext& ctx, const flows::ShopperView& view);

} // namespace feedback::screens
