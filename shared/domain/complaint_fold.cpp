// Folds one complaint's events into its state: a fixed order (fold_order_less),
// the lifecycle deciding each step, and every refused or foreign event listed.
#include "complaint_fold.h"

#include "vocabulary.h"

#include <algorithm>
#include <cassert>
#include <tuple>
#include <vector>

namespace feedback {

namespace {

// Payload readers that never throw: a missing or mistyped field reads as nothing.
std::string payload_text(const Event& event, const char* key)
{
    auto it = event.payload.find(key);
    return it != event.payload.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::optional<int64_t> payload_integer(const Event& event, const char* key)
{
    auto it = event.payload.find(key);
    if (it == event.payload.end() || !it->is_number_integer())
        return std::nullopt;
    return it->get<int64_t>();
}

bool payload_true(const Event& event, const char* key)
{
    auto it = event.payload.find(key);
    return it != event.payload.end() && it->is_boolean() && it->get<bool>();
}

// What the fold needs to remember beyond ComplaintState itself.
struct Memory {
    bool last_resolution_on_the_spot = false; // of the last complaint.resolved
    bool accepted_on_the_spot = false;        // of the resolution the customer last accepted
};

void set_first(std::optional<int64_t>& field, int64_t at)
{
    if (!field)
        field = at;
}

PlannedAction* find_action(ComplaintState& state, const std::string& action_id)
{
    auto it = std::find_if(state.actions.begin(), state.actions.end(),
                           [&](const PlannedAction& action) { return action.action_id == action_id; });
    return it == state.actions.end() ? nullptr : &*it;
}

// Why the fold cannot use an analysis event the lifecycle allows: an action
// planned twice, or a check of an action never planned. Empty when it can.
std::string analysis_problem(ComplaintState& state, const Event& event)
{
    std::string action_id = payload_text(event, "action_id");
    if (event.type == EventType::complaint_action_planned && find_action(state, action_id))
        return "complaint.action_planned: action \"" + action_id + "\" is already planned";
    if (event.type == EventType::complaint_action_checked && !find_action(state, action_id))
        return "complaint.action_checked: no action \"" + action_id + "\" was planned before it";
    return {};
}

// Records what an event the lifecycle accepted says; `state.status` is
// already the state after it.
void record(ComplaintState& state, Memory& memory, const Event& event)
{
    int64_t at = event.occurred_at_ms;
    switch (event.type) {
    case EventType::complaint_opened:
        state.opened_at = at;
        state.reference = payload_text(event, "reference");
        state.channel = payload_text(event, "channel");
        state.category = payload_text(event, "category");
        state.opened_by_device = event.device_id;
        state.status_key_hash = payload_text(event, "status_key_hash");
        if (auto severity = payload_text(event, "severity"); !severity.empty())
            state.severity = std::move(severity);
        break;
    case EventType::complaint_acknowledged:
        set_first(state.acknowledged_at, at);
        break;
    case EventType::complaint_escalated:
        set_first(state.escalated_at, at);
        break;
    case EventType::complaint_resolved:
        set_first(state.first_resolution_at, at);
        state.last_resolution_at = at;
        state.last_resolution = payload_text(event, "resolution");
        state.amount_cents = payload_integer(event, "amount_cents");
        state.decision = payload_text(event, "decision");
        state.communicated = payload_text(event, "communicated");
        memory.last_resolution_on_the_spot = payload_true(event, "on_the_spot");
        if (const Communication* way = find_communication(state.communicated); !way || way->answers)
            set_first(state.answered_at, at);
        break;
    case EventType::complaint_customer_response: {
        state.customer_response_at = at;
        set_first(state.answered_at, at);
        state.satisfied = payload_true(event, "satisfied");
        auto score = payload_integer(event, "handling_score");
        if (score && *score >= 1 && *score <= 5)
            state.handling_score = static_cast<int>(*score);
        // A survey answer after closing changes how the complaint was closed
        // in nothing but the customer's satisfaction.
        if (*state.satisfied && state.status != ComplaintStatus::closed)
            memory.accepted_on_the_spot = memory.last_resolution_on_the_spot;
        break;
    }
    case EventType::complaint_closed: {
        state.closed_at = at;
        set_first(state.answered_at, at);
        state.close_outcome = payload_text(event, "outcome");
        state.external_body = payload_text(event, "external_body");
        bool resolved = state.close_outcome == "resolved";
        state.solved_on_the_spot = resolved && memory.accepted_on_the_spot;
        state.time_to_resolution_ms =
            resolved && state.opened_at ? std::optional<int64_t>(at - *state.opened_at) : std::nullopt;
        break;
    }
    case EventType::complaint_reopened:
        // closed_at stays as the last close; what described that close no
        // longer holds until the complaint is closed again.
        state.reopened_at = at;
        ++state.reopen_count;
        state.close_outcome.clear();
        state.external_body.clear();
        state.solved_on_the_spot = false;
        state.time_to_resolution_ms.reset();
        break;
    case EventType::complaint_assistance_requested:
        state.assistance_requested_at = at;
        break;
    case EventType::complaint_root_cause_recorded:
        state.root_cause = payload_text(event, "root_cause");
        state.root_cause_note = payload_text(event, "note");
        break;
    case EventType::complaint_action_planned: {
        PlannedAction action;
        action.action_id = payload_text(event, "action_id");
        action.kind = payload_text(event, "kind");
        action.description = payload_text(event, "description");
        action.owner = payload_text(event, "owner");
        action.due_at = payload_integer(event, "due_at").value_or(0);
        action.planned_at = at;
        action.planned_by = event.actor;
        state.actions.push_back(std::move(action));
        break;
    }
    case EventType::complaint_action_checked: {
        PlannedAction* action = find_action(state, payload_text(event, "action_id"));
        assert(action && "fold_complaint: analysis_problem() lets a check through only for a planned action");
        action->checked_at = at;
        action->effective = payload_true(event, "effective");
        action->check_note = payload_text(event, "note");
        break;
    }
    case EventType::complaint_assessed:
        state.severity = payload_text(event, "severity");
        state.owner = payload_text(event, "owner");
        state.assessed_at = at;
        break;
    case EventType::complaint_noted:
    case EventType::complaint_erased:
        break; // on the timeline only
    case EventType::complaint_messaged:
        // A decision that reached the customer's mailbox answers them.
        if (payload_text(event, "message") == "decision" && payload_text(event, "status") == "sent")
            set_first(state.answered_at, at);
        break;
    case EventType::nps_rated:
    case EventType::nps_detailed:
    case EventType::nps_followed_up:
        assert(false && "fold_complaint: the lifecycle accepted a non-complaint event");
        break;
    }
    state.last_event_at = at;
    ++state.event_count;
}

// The complaint's id: the subject of its (first) complaint.opened event, or
// of the first event when it has none. `sorted` is in fold order, so the
// choice does not depend on the order the events arrived in.
std::string pick_complaint_id(const std::vector<Event>& sorted)
{
    auto opened = std::find_if(sorted.begin(), sorted.end(), [](const Event& event) {
        return event.type == EventType::complaint_opened;
    });
    if (opened != sorted.end())
        return opened->subject;
    return sorted.empty() ? std::string{} : sorted.front().subject;
}

std::string foreign_subject_reason(const Event& event, const std::string& complaint_id)
{
    std::string about = event.subject.empty() ? "has no subject" : "is about \"" + event.subject + "\"";
    return std::string(to_string(event.type)) + " " + about + ", not complaint \"" + complaint_id + "\"";
}

} // namespace

bool fold_order_less(const Event& a, const Event& b)
{
    return std::tie(a.occurred_at_ms, a.device_seq, a.id) < std::tie(b.occurred_at_ms, b.device_seq, b.id);
}

ComplaintState fold_complaint(std::span<const Event> events)
{
    std::vector<Event> sorted(events.begin(), events.end());
    std::sort(sorted.begin(), sorted.end(), fold_order_less);

    ComplaintState state;
    state.complaint_id = pick_complaint_id(sorted);
    Memory memory;
    for (const auto& event : sorted) {
        if (event.subject != state.complaint_id) {
            state.skipped.push_back({event.id, foreign_subject_reason(event, state.complaint_id)});
            continue;
        }
        auto next = next_status(state.status, event);
        if (!next) {
            state.skipped.push_back({event.id, next.error().message});
            continue;
        }
        if (auto problem = analysis_problem(state, event); !problem.empty()) {
            state.skipped.push_back({event.id, std::move(problem)});
            continue;
        }
        state.status = *next;
        record(state, memory, event);
    }
    return state;
}

} // namespace feedback
