// The complaint lifecycle as a state machine. Each complaint.* event moves a
// complaint from one state to the next; anything else is an error naming the
// transition and why it is refused.
//
//                      complaint.opened
//                             |
//                             v
//        +-------------->  OPEN  ---acknowledged--->  ACKNOWLEDGED
//        |                  |  \                      /    |
//        |                  |   +---escalated--------+     |
//        |                  |   |                    |     |
//        |                  |   v                    |     |
//        |                  | ESCALATED <--escalated-+     |
//        |                  |   |   ^                      |
//        |          resolved|   |resolved                  |resolved
//        |                  v   v   |escalated             v
//        |          AWAITING_RESPONSE ----------------------+
//        |            |           \ (resolution given, customer not yet asked)
//        |  customer_response     customer_response
//        |  (satisfied)           (not satisfied)
//        |            v                 v
//        |        SATISFIED        DISSATISFIED --resolved--> AWAITING_RESPONSE
//        |            |                 |       --escalated--> ESCALATED
//        |   closed(resolved)           |
//        |            v                 v
//     reopened     CLOSED <-- closed(unresolved | withdrawn | referred_external)
//        |            |        from any state but SATISFIED and CLOSED
//        +------------+
//
// What holds in each state:
//   OPEN               registered, nobody has acted yet
//   ACKNOWLEDGED       the customer was told it is being handled
//   ESCALATED          handed to head office (or a senior) with a reason
//   AWAITING_RESPONSE  a resolution was given; the customer has not answered
//   SATISFIED          the customer said the resolution satisfies them
//   DISSATISFIED       the customer said it does not; still open
//   CLOSED             finished, with an outcome
// complaint.assistance_requested (the customer asks for a staff member to
// come now) is allowed in every state but CLOSED and changes none.
// complaint.root_cause_recorded, complaint.action_planned and
// complaint.action_checked (head office's analysis), complaint.assessed (the
// severity and owner), complaint.noted (an investigation note) and
// complaint.messaged (head office's mail to the customer) and
// complaint.erased (personal data erased on request) are allowed in every
// state, CLOSED included, and change none.
// complaint.customer_response in CLOSED is the customer's answer to the
// survey after closing: allowed, and the complaint stays CLOSED.
// The customer leads the closing (Gouden Oor): closed(resolved) is allowed
// only from SATISFIED. Root-cause analysis never blocks closing.
#pragma once

#include "event.h"
#include "result.h"

#include <optional>
#include <string_view>

namespace feedback {

enum class ComplaintStatus {
    open,
    acknowledged,
    escalated,
    awaiting_response,
    satisfied,
    dissatisfied,
    closed,
};

std::string_view to_string(ComplaintStatus status);
std::optional<ComplaintStatus> complaint_status_from_string(std::string_view name);

// True in every state but CLOSED.
bool is_open(ComplaintStatus status);

// The state after `event` is applied to a complaint in state `current`
// (nothing when the complaint does not exist yet). Refused transitions are an
// ErrorKind::invalid_transition Error such as "complaint.closed with outcome
// resolved is not allowed in state AWAITING_RESPONSE: the customer has not yet
// said they are satisfied". Only the event's type and the payload fields that
// steer the machine (satisfied, outcome) are read; validate the event first.
Result<ComplaintStatus> next_status(std::optional<ComplaintStatus> current, const Event& event);

} // namespace feedback
