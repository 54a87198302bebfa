// The state of one complaint, folded from its events. Head office and the
// terminal run this same code, so both show the same state.
//
// The fold does not depend on the order in which events arrived: it sorts
// them by occurred_at, then device sequence, then id, and applies them in
// that order through the lifecycle (lifecycle.h). An event the lifecycle
// refuses in that order (two counters closing the same complaint, say) is
// skipped and listed in `skipped` with the reason, never silently dropped.
#pragma once

#include "event.h"
#include "lifecycle.h"

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace feedback {

struct SkippedEvent {
    std::string event_id;
    std::string reason;
};

// A corrective or preventive action head office planned for a complaint,
// and its effectiveness check once made (ISO 9001: Plan-Do-Check-Act).
struct PlannedAction {
    std::string action_id;
    std::string kind;        // "corrective" or "preventive"
    std::string description;
    std::string owner;
    int64_t due_at = 0;      // UTC ms
    int64_t planned_at = 0;
    std::string planned_by;  // the actor, "hq:<user>"
    std::optional<int64_t> checked_at; // last check
    std::optional<bool> effective;     // of the last check
    std::string check_note;
};

struct ComplaintState {
    std::string complaint_id;
    std::string reference;      // the code the customer quotes
    std::optional<ComplaintStatus> status; // nothing until complaint.opened is seen
    std::string channel;
    std::string category;
    std::string opened_by_device;
    // complaint.opened's status_key_hash: the SHA-256 of the customer's
    // status key (crypto/status_key.h); empty when none was made.
    std::string status_key_hash;

    // When each step happened (UTC ms); the first time for repeatable steps
    // unless named "last".
    std::optional<int64_t> opened_at;
    std::optional<int64_t> acknowledged_at;
    std::optional<int64_t> escalated_at;
    std::optional<int64_t> first_resolution_at;
    std::optional<int64_t> last_resolution_at;
    std::optional<int64_t> customer_response_at; // last
    std::optional<int64_t> closed_at;            // last
    std::optional<int64_t> reopened_at;          // last
    std::optional<int64_t> assistance_requested_at; // last
    std::optional<int64_t> last_event_at;

    // The assessment: from complaint.opened, then the last complaint.assessed.
    std::string severity = "normal";       // a vocabulary.h severity
    std::string owner;                     // a head-office user's name; empty: the store
    std::optional<int64_t> assessed_at;    // last

    // The first time the customer had an answer: a resolution given in person
    // or communicated (not "not_yet"), head office's decision e-mail sent
    // (complaint.messaged), the customer's response, or a close.
    // A staff tap on "acknowledge" is not an answer.
    std::optional<int64_t> answered_at;

    std::string last_resolution;           // "refund", ... of the last complaint.resolved
    std::string decision;                  // the text for the customer, of the last complaint.resolved
    std::string communicated;              // how it reached them, of the last complaint.resolved ("" in person)
    std::optional<int64_t> amount_cents;   // of the last complaint.resolved
    std::optional<bool> satisfied;         // the customer's last answer
    std::optional<int> handling_score;     // 1-5, the customer's last score
    std::string close_outcome;             // "resolved", ... of the last complaint.closed
    std::string external_body;             // for referred_external
    std::string root_cause;                // a configured root-cause id, the last one recorded
    std::string root_cause_note;
    std::vector<PlannedAction> actions;  // in the order they were planned
    int reopen_count = 0;
    int event_count = 0;                   // events applied, not counting skipped ones

    // Closed as resolved, and the resolution the customer accepted was given
    // on the spot (the Nordstrom measure).
    bool solved_on_the_spot = false;
    // From opening to the closing as resolved; nothing unless closed as resolved.
    std::optional<int64_t> time_to_resolution_ms;

    std::vector<SkippedEvent> skipped;
};

// Folds the events of one complaint (all with the same subject; others are
// skipped with a reason). Any order in, the same state out.
ComplaintState fold_complaint(std::span<const Event> events);

// The order the fold applies events in: occurred_at, device_seq, id.
bool fold_order_less(const Event& a, const Event& b);

} // namespace feedback
