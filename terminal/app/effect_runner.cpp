// Carrying out the flows' effects (effect_runner.h): one small store
// transaction per recorded event, on the UI thread; staff calls and receipts
// are handed on without waiting.
#include "app/effect_runner.h"

namespace feedback::app {

std::optional<flows::EffectResult> EffectRunner::carry_out_one(flows::Effects& effects, int64_t now_ms)
{
    if (effects.call_staff)
        m_caller.call_staff(*std::exchange(effects.call_staff, std::nullopt));
    if (auto receipt = std::exchange(effects.print_receipt, std::nullopt); receipt && m_printer)
        m_printer->print(*receipt);
    if (!effects.record)
        return std::nullopt;
    auto recorded = m_store.record(*effects.record, now_ms);
    effects.record.reset();
    if (!recorded)
        return flows::EffectResult{flows::RecordFailed{recorded.error()}};
    m_recorded.push_back(recorded->id);
    return flows::EffectResult{flows::EventRecorded{std::move(*recorded)}};
}

} // namespace feedback::app
