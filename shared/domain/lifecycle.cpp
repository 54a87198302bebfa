// The complaint state machine of lifecycle.h as one transition table: each
// complaint event (split by the payload field that steers it) lists the states
// it may leave and the state it enters; everything else is refused with a reason.
#include "lifecycle.h"

#include <array>
#include <cassert>
#include <initializer_list>
#include <string>

namespace feedback {

namespace {

constexpr std::array all_statuses{
    ComplaintStatus::open,      ComplaintStatus::acknowledged, ComplaintStatus::escalated,
    ComplaintStatus::awaiting_response, ComplaintStatus::satisfied, ComplaintStatus::dissatisfied,
    ComplaintStatus::closed,
};

constexpr std::array<std::string_view, all_statuses.size()> status_names{
    "open", "acknowledged", "escalated", "awaiting_response", "satisfied", "dissatisfied", "closed",
};

// What an event asks of the machine once its steering payload field is read.
enum class Move {
    acknowledge,
    escalate,
    resolve,
    respond_satisfied,
    respond_dissatisfied,
    close_resolved,
    close_other, // unresolved, withdrawn, referred_external
    reopen,
    request_assistance,
    analyse, // root cause, actions, their checks, assessment, notes: any state, no change
};

// A set of states as bits, so that a table row reads like the diagram.
using StatusSet = unsigned;

constexpr StatusSet bit(ComplaintStatus status)
{
    return 1u << static_cast<unsigned>(status);
}

constexpr StatusSet states(std::initializer_list<ComplaintStatus> list)
{
    StatusSet set = 0;
    for (auto status : list)
        set |= bit(status);
    return set;
}

struct Transition {
    Move move;
    StatusSet from;
    std::optional<ComplaintStatus> to; // nothing: the state stays as it is
    std::string_view refusal;          // why, in the states not in `from`
};

using enum ComplaintStatus;

// The diagram in lifecycle.h, row by row.
constexpr std::array transitions{
    Transition{Move::acknowledge, states({open}), acknowledged,
               "only a complaint nobody has acted on yet is acknowledged"},
    Transition{Move::escalate, states({open, acknowledged, awaiting_response, dissatisfied}), escalated,
               "the complaint is already escalated"},
    Transition{Move::resolve, states({open, acknowledged, escalated, dissatisfied}), awaiting_response,
               "a resolution is already waiting for the customer's response"},
    Transition{Move::respond_satisfied, states({awaiting_response}), satisfied,
               "no resolution is waiting for the customer's response"},
    Transition{Move::respond_dissatisfied, states({awaiting_response}), dissatisfied,
               "no resolution is waiting for the customer's response"},
    Transition{Move::close_resolved, states({satisfied}), closed,
               "the customer has not yet said they are satisfied, and the customer leads the closing"},
    Transition{Move::close_other, states({open, acknowledged, escalated, awaiting_response, dissatisfied}), closed,
               "the customer is satisfied: close it as resolved"},
    Transition{Move::reopen, states({closed}), open, "only a closed complaint can be reopened"},
    Transition{Move::request_assistance,
               states({open, acknowledged, escalated, awaiting_response, satisfied, dissatisfied}), std::nullopt,
               "the complaint is closed"},
    Transition{Move::analyse,
               states({open, acknowledged, escalated, awaiting_response, satisfied, dissatisfied, closed}),
               std::nullopt, "never refused: finding the cause never waits for, nor blocks, the closing"},
};

// The refusal in CLOSED and SATISFIED is the same for most moves, so it is
// stated once here rather than in every row.
std::string_view refusal_reason(const Transition& row, ComplaintStatus current)
{
    if (current == closed)
        return row.move == Move::close_resolved || row.move == Move::close_other
                   ? "the complaint is already closed"
                   : "the complaint is closed: reopen it first";
    if (current == satisfied && row.move != Move::reopen && row.move != Move::request_assistance)
        return "the customer is satisfied: close it as resolved";
    return row.refusal;
}

std::string diagram_name(ComplaintStatus status)
{
    std::string name(to_string(status));
    for (char& c : name)
        if (c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 'a' + 'A');
    return name;
}

Error refused(std::string_view label, std::optional<ComplaintStatus> current, std::string_view why)
{
    std::string message(label);
    message += " is not allowed";
    if (current)
        message += " in state " + diagram_name(*current);
    message += ": ";
    message += why;
    return Error{ErrorKind::invalid_transition, std::move(message)};
}

// What the event asks for and how to name it in messages. Payload fields are
// read defensively: a malformed one is refused, never thrown on.
struct Request {
    std::optional<Move> move;
    std::string label;
    std::string_view problem; // why there is no move
};

Request read_request(const Event& event)
{
    std::string type(to_string(event.type));
    const auto& payload = event.payload;
    switch (event.type) {
    case EventType::complaint_acknowledged: return {Move::acknowledge, type, {}};
    case EventType::complaint_escalated: return {Move::escalate, type, {}};
    case EventType::complaint_resolved: return {Move::resolve, type, {}};
    case EventType::complaint_reopened: return {Move::reopen, type, {}};
    case EventType::complaint_assistance_requested: return {Move::request_assistance, type, {}};
    case EventType::complaint_root_cause_recorded:
    case EventType::complaint_action_planned:
    case EventType::complaint_action_checked:
    case EventType::complaint_assessed:
    case EventType::complaint_noted:
    case EventType::complaint_messaged:
    case EventType::complaint_erased: return {Move::analyse, type, {}};
    case EventType::complaint_customer_response: {
        auto it = payload.is_object() ? payload.find("satisfied") : payload.end();
        if (it == payload.end() || !it->is_boolean())
            return {std::nullopt, type, "payload.satisfied must be true or false"};
        bool yes = it->get<bool>();
        return {yes ? Move::respond_satisfied : Move::respond_dissatisfied,
                type + (yes ? " (satisfied)" : " (not satisfied)"), {}};
    }
    case EventType::complaint_closed: {
        auto it = payload.is_object() ? payload.find("outcome") : payload.end();
        if (it == payload.end() || !it->is_string())
            return {std::nullopt, type, "payload.outcome must be a string"};
        const auto& outcome = it->get_ref<const std::string&>();
        std::string label = type + " with outcome " + outcome;
        if (outcome == "resolved")
            return {Move::close_resolved, label, {}};
        if (outcome == "unresolved" || outcome == "withdrawn" || outcome == "referred_external")
            return {Move::close_other, label, {}};
        return {std::nullopt, label,
                "the outcome must be resolved, unresolved, withdrawn or referred_external"};
    }
    case EventType::complaint_opened:
    case EventType::nps_rated:
    case EventType::nps_detailed:
    case EventType::nps_followed_up:
        break;
    }
    return {std::nullopt, type, "not a step of an existing complaint"};
}

} // namespace

std::string_view to_string(ComplaintStatus status)
{
    return status_names[static_cast<size_t>(status)];
}

std::optional<ComplaintStatus> complaint_status_from_string(std::string_view name)
{
    for (size_t i = 0; i < status_names.size(); ++i)
        if (status_names[i] == name)
            return all_statuses[i];
    return std::nullopt;
}

bool is_open(ComplaintStatus status)
{
    return status != closed;
}

Result<ComplaintStatus> next_status(std::optional<ComplaintStatus> current, const Event& event)
{
    if (!is_complaint_event(event.type))
        return Error{ErrorKind::invalid_transition,
                     std::string(to_string(event.type)) + " is not a complaint event"};
    if (event.type == EventType::complaint_opened) {
        if (current)
            return refused(to_string(event.type), current, "the complaint already exists");
        return open;
    }

    Request request = read_request(event);
    if (!current)
        return refused(request.label, current, "the complaint has not been opened");
    // The customer's answer to the survey after closing: on the record, the
    // complaint stays closed (reopening is staff's decision).
    if (event.type == EventType::complaint_customer_response && *current == closed && request.move)
        return closed;
    if (!request.move)
        return refused(request.label, current, request.problem);

    for (const auto& row : transitions) {
        if (row.move != *request.move)
            continue;
        if (row.from & bit(*current))
            return row.to.value_or(*current);
        return refused(request.label, current, refusal_reason(row, *current));
    }
    assert(false && "next_status: a move without a row in the transition table");
    return refused(request.label, current, "the lifecycle has no rule for it");
}

} // namespace feedback
