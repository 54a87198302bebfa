// How the app carries out what the flows ask (flows/effects.h): records the
// event in the store and sends the result back to the flow that asked, runs
// the staff call, hands a receipt to the printer, and hands a PIN check to
// its caller, who runs check_pin() where it likes (the kiosk: off the frame
// loop; tests: at once) and sends PinChecked back on the UI thread. No SDL or ImGui here; tests drive flows
// through it exactly as the app does.
#pragma once

#include "flows/effects.h"
#include "flows/pin_lock.h"
#include "flows/receipt_printer.h"
#include "flows/staff_caller.h"
#include "store/local_store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace feedback::app {

class EffectRunner {
public:
    // `store`, `caller` and `printer` must outlive the runner; no printer:
    // receipts are not printed (none is configured). Use it on the UI thread
    // only, like the flow and the store's connection.
    EffectRunner(store::LocalStore& store, flows::StaffCaller& caller, flows::ReceiptPrinter* printer = nullptr)
        : m_store(store), m_caller(caller), m_printer(printer)
    {
    }
    // The printer from now on (a new configuration names one, or none).
    void set_printer(flows::ReceiptPrinter* printer) { m_printer = printer; }

    // Carries out `effects` of `flow` (KioskFlow, ShopperFlow or StaffFlow)
    // at `now_ms`, feeding each result back into flow.apply(), until nothing
    // is left to do. A PIN check is not run: it is returned, and its
    // PinChecked goes to flow.apply() later.
    template <class Flow>
    std::optional<flows::CheckPin> carry_out(Flow& flow, flows::Effects effects, int64_t now_ms)
    {
        while (std::optional<flows::EffectResult> result = carry_out_one(effects, now_ms))
            effects = flow.apply(*result, now_ms);
        return std::move(effects.check_pin);
    }

    // carry_out(), with a PIN check run at once on this thread and its
    // result fed back too: scripted runs and tests, where a slow frame does
    // not matter.
    template <class Flow>
    void carry_out_now(Flow& flow, flows::Effects effects, int64_t now_ms)
    {
        for (auto check = carry_out(flow, std::move(effects), now_ms); check;)
            check = carry_out(flow, flow.apply(flows::EffectResult{flows::check_pin(*check)}, now_ms), now_ms);
    }

    // The ids of the events recorded since the last call (the app wakes the
    // uploader when there are any).
    std::vector<std::string> take_recorded() { return std::exchange(m_recorded, {}); }

private:
    // Runs the staff call and the receipt, then records the event, if asked; the recording's
    // result, or nothing when no recording was asked for.
    std::optional<flows::EffectResult> carry_out_one(flows::Effects& effects, int64_t now_ms);

    store::LocalStore& m_store;
    flows::StaffCaller& m_caller;
    flows::ReceiptPrinter* m_printer = nullptr;
    std::vector<std::string> m_recorded;
};

} // namespace feedback::app
