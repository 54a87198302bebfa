// The setup screens of an unenrolled kiosk (flows/setup_flow.h): head
// office's address and the one-time code typed on the on-screen keyboard,
// the fingerprint a person compares, "connecting", and which store and
// terminal the kiosk has become. Staff read them, in Dutch or English.
#pragma once

#include "flows/setup_flow.h"
#include "screens/screen_kit.h"

namespace feedback::screens {

void draw_setup_start(ScreenContext& ctx, const flows::SetupView& view);
void draw_setup_check(ScreenContext& ctx, const flows::SetupView& view);
void draw_setup_busy(ScreenContext& ctx, const flows::SetupView& view);
void draw_setup_done(ScreenContext& ctx, const flows::SetupView& view);

} // namespace feedback::screens
