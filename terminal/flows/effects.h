// What a flow asks the app to do (Effects), and the intents that bring the
// result back (EffectResult). Flows never write to the store, verify a PIN or
// run a command themselves: apply() returns the effect, the app carries it
// out (app/effect_runner.h) and sends the result to the same flow on the UI
// thread, where the flow goes on from where it waited.
//
//   screen intent --apply()--> Effects{record}     --app: store.record()------+
//                                                                              |
//   flow waits (ignores screen intents) <--apply(EventRecorded | RecordFailed)-+
//
//   Submit on the PIN pad --apply()--> Effects{check_pin} --app: check_pin(), off the
//   frame loop if it likes--> apply(PinChecked) on the UI thread
#pragma once

#include "domain/result.h"
#include "flows/flow_types.h"
#include "flows/receipt_printer.h"
#include "store/local_store.h"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace feedback::flows {

// A staff member's PIN hash, copied out of the configuration so that the
// check can run on any thread without touching the flow.
struct PinHolder {
    std::string staff_id;
    std::string pin_hash; // argon2id (config/pin.h)
};

// Check a typed PIN against every staff member's hash (check_pin() in
// pin_lock.h: tens of milliseconds per member, on purpose).
struct CheckPin {
    std::string pin;
    std::vector<PinHolder> staff;
};

// What staff asked of the terminal itself on the status screen.
enum class DeviceRequest {
    connect_again, // the setup screens, head office's address filled in (staff mode has ended); no answer
    leave_store,   // leave the store (sync/client/leaving.h): StoreLeft comes back
};

// What one apply() asks for. `call_staff` and `print_receipt` are carried
// out first; then at most one of `record` and `check_pin`, whose result the
// flow waits for.
struct Effects {
    std::optional<std::string> call_staff;  // run the staff call for this reference code (no answer)
    std::optional<ReceiptRequest> print_receipt; // print the customer's receipt, when there is a printer (no answer)
    std::optional<store::NewEvent> record;  // record this event: EventRecorded or RecordFailed comes back
    std::optional<CheckPin> check_pin;      // check this PIN: PinChecked comes back
    std::optional<DeviceRequest> device;    // only ever alone; carried out by the app itself
};

// The effect that prints the receipt for the complaint.opened just recorded
// (`opened`, at `opened_at_ms`), in the customer's language.
inline Effects print_receipt_for(const store::RecordedEvent& opened, std::string locale, std::string customer_wish,
                                 int64_t opened_at_ms)
{
    Effects effects;
    effects.print_receipt =
        ReceiptRequest{opened.reference, opened.status_key, std::move(locale), std::move(customer_wish), opened_at_ms};
    return effects;
}

// [SECTION] Results, sent back as intents

struct EventRecorded {
    store::RecordedEvent event;
};
struct RecordFailed {
    Error error; // shown as store_error() (drafts.h); the input stays
};
// What leaving the store came to; nothing: the terminal left.
struct StoreLeft {
    std::optional<Message> problem;
};

struct PinChecked {
    std::optional<std::string> staff_id; // whose PIN it is; nothing: nobody's
};

using EffectResult = std::variant<EventRecorded, RecordFailed, PinChecked, StoreLeft>;

} // namespace feedback::flows
