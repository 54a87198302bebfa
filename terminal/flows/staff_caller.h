// The port through which a shopper's "call a staff member now" reaches a
// person: the shopper flow asks for it with a call_staff effect, the app's
// EffectRunner calls it, and the app implements it by running
// config.staff_call_command (a bell, a pager); tests use a fake that records
// the calls.
#pragma once

#include <string>

namespace feedback::flows {

class StaffCaller {
public:
    virtual ~StaffCaller() = default;
    // Called once per request, after complaint.assistance_requested was
    // recorded (or failed to be: the customer still gets a person), on the UI
    // thread. Must not block the frame loop; report failures through the
    // app's own log.
    virtual void call_staff(const std::string& reference) = 0;
};

} // namespace feedback::flows
