// Fuzzes event reading and validation, shared by the terminal and head
// office: event_from_json(), validate_event() and describe() for each line;
// for each valid event its wire form read back (to_json() then
// event_from_json() gives the same event), its CSV row and its personal
// fields taken out; then fold_complaint() over the valid events of the first
// complaint, which must give the same state in any order.
//
// Input: events as JSON lines, as `feedback-terminal record` and the
// exports read and write them.
#include "domain/complaint_fold.h"
#include "domain/event.h"
#include "domain/event_csv.h"
#include "domain/validation.h"
#include "support/finding.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace feedback;

bool same_event(const Event& a, const Event& b)
{
    return a.v == b.v && a.id == b.id && a.type == b.type && a.subject == b.subject &&
           a.occurred_at_ms == b.occurred_at_ms && a.actor == b.actor && a.device_id == b.device_id &&
           a.device_seq == b.device_seq && a.payload == b.payload;
}

void check_valid_event(const Event& event, std::string_view line)
{
    auto again = event_from_json(to_json(event));
    if (!again || !same_event(*again, event))
        fuzz::report_finding("a valid event does not read back from its wire form", line);
    if (!validate_event(*again).empty())
        fuzz::report_finding("a valid event's wire form is not valid", line);
    if (csv_row(event).empty())
        fuzz::report_finding("a valid event has no CSV row", line);
    nlohmann::json payload = event.payload;
    nlohmann::json personal = take_personal_fields(payload);
    if (!personal.is_object() || !payload.is_object())
        fuzz::report_finding("taking the personal fields out left no objects", line);
}

// What the fold made, in words: any two orders of the same events must
// give the same text.
std::string state_text(const ComplaintState& state)
{
    auto time = [](const std::optional<int64_t>& ms) { return ms ? std::to_string(*ms) : std::string("-"); };
    std::string text = state.complaint_id + " " + state.reference + " " +
                       (state.status ? std::string(to_string(*state.status)) : std::string("-"));
    for (const auto& field : {state.channel, state.category, state.severity, state.owner, state.last_resolution,
                              state.decision, state.close_outcome, state.external_body, state.root_cause})
        text += " " + field;
    for (const auto& moment : {state.opened_at, state.acknowledged_at, state.escalated_at, state.first_resolution_at,
                               state.closed_at, state.reopened_at, state.answered_at, state.last_event_at,
                               state.time_to_resolution_ms})
        text += " " + time(moment);
    text += " " + std::to_string(state.event_count) + " " + std::to_string(state.reopen_count) + " " +
            std::to_string(state.actions.size()) + " " + std::to_string(state.skipped.size()) +
            (state.solved_on_the_spot ? " on the spot" : "");
    return text;
}

void check_fold(std::vector<Event> events)
{
    std::set<std::string> ids;
    for (const Event& event : events)
        if (!ids.insert(event.id).second)
            return; // the fold's order is total only over distinct ids
    std::string in_order = state_text(fold_complaint(events));
    std::reverse(events.begin(), events.end());
    std::string reversed = state_text(fold_complaint(events));
    if (in_order != reversed)
        fuzz::report_finding("the fold depends on the order of its events:\n" + in_order + "\n" + reversed, "");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::vector<Event> complaint_events;
    while (!input.empty()) {
        size_t end = std::min(input.find('\n'), input.size());
        std::string_view line = input.substr(0, end);
        input.remove_prefix(std::min(end + 1, input.size()));

        auto json = nlohmann::json::parse(line, nullptr, false);
        auto event = event_from_json(json);
        if (!event)
            continue;
        auto violations = validate_event(*event);
        if (!violations.empty()) {
            (void)describe(violations);
            continue;
        }
        check_valid_event(*event, line);
        if (is_complaint_event(event->type) &&
            (complaint_events.empty() || complaint_events.front().subject == event->subject))
            complaint_events.push_back(std::move(*event));
    }
    check_fold(std::move(complaint_events));
    return 0;
}
