// The port through which a complaint's receipt reaches paper: a flow asks
// for it with a print_receipt effect once the complaint.opened is recorded,
// the app's EffectRunner hands it on, and the app implements it with the
// counter's ESC/POS printer (receipt/receipt_printer.h) when the
// configuration names one; tests use a fake that keeps the requests.
#pragma once

#include <cstdint>
#include <string>

namespace feedback::flows {

// What the customer's receipt says about their complaint; the printer adds
// the store, the promise and the status link.
struct ReceiptRequest {
    std::string reference;     // the code to quote
    std::string status_key;    // the secret in the status link (never stored); empty: a link without it
    std::string locale;        // the customer's language
    std::string customer_wish; // what the customer asked for
    int64_t opened_at_ms = 0;  // when the complaint was recorded (UTC ms)
};

class ReceiptPrinter {
public:
    virtual ~ReceiptPrinter() = default;
    // Called on the UI thread once per recorded complaint. Must not block
    // the frame loop and never fails the flow: a printer that is missing,
    // offline or out of paper is the app's to show to staff.
    virtual void print(const ReceiptRequest& receipt) = 0;
};

} // namespace feedback::flows
