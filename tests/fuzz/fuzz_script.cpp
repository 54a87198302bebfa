// Fuzzes the kiosk's script parser, ui::parse_script(): the JSON lines that
// `feedback-terminal run --headless --script FILE` drives the real screens
// with (terminal/ui/script.h). A parsed step must keep what the parser
// promises: exactly one action, "ms" only on hold and drag, checks only on
// expect_target, and a failure that names its line.
//
// Input: a script, like tests/scripts/*.jsonl.
#include "ui/script.h"
#include "support/finding.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace feedback;

void check_step(const ui::ScriptStep& step, std::string_view script)
{
    using ui::StepKind;
    if (step.wait_ms < 0)
        fuzz::report_finding(step.where + ": a step waits a negative time", script);
    if (step.kind != StepKind::wait && step.argument.empty())
        fuzz::report_finding(step.where + ": a step without its target or text", script);
    bool checks = step.value || step.value_not || step.selected || step.enabled;
    if (checks && step.kind != StepKind::expect_target)
        fuzz::report_finding(step.where + ": checks on a step that is not expect_target", script);
    if (!step.where.starts_with("fuzz.jsonl:"))
        fuzz::report_finding("a step that does not say where it came from: " + step.where, script);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view script(reinterpret_cast<const char*>(data), size);
    auto steps = ui::parse_script(script, "fuzz.jsonl");
    if (!steps) {
        if (!steps.error().message.starts_with("fuzz.jsonl:"))
            fuzz::report_finding("an error that does not name its line: " + steps.error().message, script);
        return 0;
    }
    for (const ui::ScriptStep& step : *steps)
        check_step(step, script);
    return 0;
}
