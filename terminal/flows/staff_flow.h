// Staff mode as a plain state machine: PIN entry with a lockout, then a menu
// to log walk-in complaints and solve them on the spot (the main path), work
// through open complaints, find one by its reference, and see the status.
//
//   (inactive) --enter()--> staff_pin --right PIN--> staff_menu
//                            | Cancel / idle: inactive     | LogOut / staff_idle_seconds: inactive
//                                                          |
//   staff_menu --log_complaint--> staff_log_complaint --Submit: complaint.opened--+
//              --open_complaints--> staff_open_complaints --OpenComplaint--+      |
//              --find--> staff_find --Submit (code found)-----------------+|      |
//              --status--> staff_status --ConnectAgain: DeviceRequest, staff mode ends (the setup screens)
//                          staff_status --AskToLeave--> staff_leave_store --Submit: DeviceRequest::leave_store
//                              --StoreLeft without a problem--> staff_left_store (the app restarts the kiosk)
//                                                                         vv      v
//                                                              staff_complaint   staff_solve
//   staff_complaint (the hub: state, deadline, the actions next_status allows)    |
//      --acknowledge / close_resolved: recorded at once--> staff_complaint        |
//      --resolve------------------------------------------------------------------+
//      --escalate--> staff_escalate --Submit--> staff_complaint
//      --reopen--> staff_reopen --Submit--> staff_complaint
//      --close_unresolved / withdraw / refer_external--> staff_close --Submit--> staff_complaint
//      --record_answer--> staff_customer_response
//   staff_solve --Submit: complaint.resolved--> staff_customer_response (handed to the customer)
//   staff_customer_response --Submit satisfied: customer_response (actor kiosk) and
//                             closed(resolved) (actor staff)--> staff_complaint
//                           --Submit not satisfied: customer_response--> staff_not_satisfied
//                           --CustomerAbsent--> staff_complaint (awaiting the answer)
//   staff_not_satisfied --escalate--> staff_escalate;  --resolve--> staff_solve;
//                       --LeaveOpen--> staff_complaint
//   Back leaves a sub-screen for the screen it came from (the hub, then the
//   list / find / menu); Back on staff_pin leaves staff mode.
//
// Everything recorded by the logged-in member carries actor "staff:<id>";
// the customer's answer carries "kiosk". A failed recording shows an error
// and keeps the input.
//
// The flow reads the store (lists, a complaint's events) but never writes
// it: "recorded" above means apply() returns a record effect (effects.h) and
// the arrow is taken when the app sends back EventRecorded (RecordFailed:
// the error, same screen). The PIN is checked the same way (CheckPin, then
// PinChecked). While a result is awaited, screen intents are ignored.
#pragma once

#include "config/kiosk_config.h"
#include "domain/complaint_fold.h"
#include "flows/drafts.h"
#include "flows/effects.h"
#include "flows/flow_types.h"
#include "flows/pin_lock.h"
#include "store/local_store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace feedback::flows {

enum class MenuItem { log_complaint, open_complaints, find, status, log_out };

// What staff can do to a complaint; offered only when next_status() allows it.
enum class ComplaintAction {
    acknowledge,
    resolve,          // the solve-now path
    record_answer,    // the customer answers a resolution given earlier
    escalate,
    close_resolved,   // only after the customer said they are satisfied
    close_unresolved,
    refer_external,   // ISO 10003: to an external dispute body
    withdraw,
    reopen,
};

// "acknowledge", "close_unresolved", ...: for the translation key
// "staff.action.<name>".
std::string_view to_string(ComplaintAction action);

enum class Satisfaction { satisfied, not_satisfied };

// Filled by the app from the uploader; staff mode only carries it.
struct SyncStatus {
    std::optional<int64_t> last_success_at_ms; // the last batch head office acknowledged
    std::string last_error;                    // empty when the last attempt worked
    bool enrolled = false;                     // with head office: it can leave; else "connect" sets it up
};

// [SECTION] Intents: what a staff screen sends.
namespace staff {
struct SetText { Field field = Field::none; std::string text; }; // the whole text of a field
struct Select { Field field = Field::none; std::string id; };    // channel, category, resolution chips
struct ToggleConsent {};                                          // staff_log_complaint
struct ToggleOnTheSpot {};                                        // staff_solve
struct SetSatisfaction { Satisfaction answer = Satisfaction::satisfied; }; // staff_customer_response
struct SetHandlingScore { int score = 0; };                       // staff_customer_response: 1-5
struct Submit {};                                                 // PIN, forms
struct Back {};
struct ChooseMenu { MenuItem item = MenuItem::log_complaint; };   // staff_menu
struct OpenComplaint { std::string complaint_id; };               // staff_open_complaints
struct Act { ComplaintAction action = ComplaintAction::acknowledge; }; // staff_complaint, staff_not_satisfied
struct LeaveOpen {};                                              // staff_not_satisfied
struct CustomerAbsent {};                                         // staff_customer_response
struct Refresh {};                                                // staff_open_complaints, staff_status
struct ConnectAgain {};                                           // staff_status: the setup screens
struct AskToLeave {};                                             // staff_status: staff_leave_store
struct LogOut {};                                                 // any screen after the PIN
} // namespace staff

using StaffIntent =
    std::variant<staff::SetText, staff::Select, staff::ToggleConsent, staff::ToggleOnTheSpot,
                 staff::SetSatisfaction, staff::SetHandlingScore, staff::Submit, staff::Back, staff::ChooseMenu,
                 staff::OpenComplaint, staff::Act, staff::LeaveOpen, staff::CustomerAbsent, staff::Refresh,
                 staff::ConnectAgain, staff::AskToLeave, staff::LogOut>;

// Where a complaint stands against its answer deadline: the deadline of
// config::complaint_deadline for its current severity (head office may
// change it with complaint.assessed), counted in the unit of the limit that
// set it (config::working_time_between).
struct DeadlineStatus {
    std::optional<int64_t> at_ms;   // UTC ms; nothing: no promise or severity names one
    config::TimeUnit unit = config::TimeUnit::clock_hours;
    // Working time until the deadline, in ms of `unit`'s time; negative:
    // overdue by that much. Nothing without a deadline, or once answered.
    std::optional<int64_t> left_ms;
    bool answered = false; // the customer has had an answer (ComplaintState::answered_at)
    bool overdue = false;  // past the deadline and not answered
};

// A line of staff_open_complaints. The list is in working order: high and
// safety complaints first, then the ones still to be answered by their
// deadline (the most overdue first, then the least time left), then the
// answered ones, oldest first.
struct OpenComplaintRow {
    std::string complaint_id;
    std::string reference;
    ComplaintStatus status = ComplaintStatus::open;
    std::string category;      // id
    std::string category_text; // label in the staff language
    std::string channel;
    Severity severity = Severity::normal;
    std::string severity_key;  // "severity.high"
    int64_t opened_at_ms = 0;
    DeadlineStatus deadline;
};

// A corrective or preventive action head office planned, as staff see it.
struct PlannedActionRow {
    PlannedAction action;
    bool overdue = false; // past its due date and not checked yet
};

// Where a step of a complaint was recorded.
enum class StepPlace { this_terminal, other_terminal, head_office };

// One line of a complaint's timeline on staff_complaint: who did what, when
// and where. Never contact details (the store does not hand them out).
struct TimelineStep {
    EventType type = EventType::complaint_opened;
    std::string key;             // "staff.step.complaint.resolved": what happened
    int64_t at_ms = 0;
    std::string who;             // a staff member's name, a head-office user; empty: the customer at the kiosk
    bool by_head_office = false;
    StepPlace place = StepPlace::this_terminal;
    std::string choice_key;      // resolution, outcome, severity or message ("resolution.refund"), or empty
    std::string choice_text;     // a configured choice (root cause) in the staff language, or empty
    std::optional<std::string> owner; // complaint.assessed: whom it was given to (empty: the store)
    std::string communicated_key; // complaint.resolved: how the customer was told ("communicated.phone");
                                  // complaint.messaged: where the e-mail stands ("message_status.sent"); or empty
    std::optional<int64_t> amount_cents;
    std::string text;            // what was written: reason, note, comment, action
};

// What staff_complaint shows beyond the folded state: what the customer said
// and wants, the assessment, who logged it where, whether and how the
// customer can be reached (never the details), and every step.
struct ComplaintDetail {
    std::string description;
    std::string customer_wish;
    std::string product_ref;
    std::string receipt_ref;
    std::string severity_key;    // "severity.high" (the fold's); empty until given or assessed
    std::string owner;           // a head-office user (the fold's); empty: the store
    std::string logged_by;       // staff name, head-office user; empty: the customer at the kiosk
    StepPlace logged_at = StepPlace::this_terminal;
    std::string terminal_code;   // of the terminal it was logged on ("2A"); empty at head office
    store::ContactLeft contact;
    std::vector<TimelineStep> timeline; // oldest first
};

// [SECTION] View: everything a staff screen draws.
struct StaffView {
    Screen screen = Screen::staff_pin;

    // staff_pin
    int pin_length = 0; // dots, never the digits
    bool locked = false;
    int lock_seconds_left = 0;
    int attempts_left = PinLock::max_attempts;

    // logged in
    std::string staff_id;
    std::string staff_name;
    int64_t refund_limit_cents = 0;

    // staff_log_complaint
    std::vector<Chip> channels;   // the vocabulary's, but the kiosk's own: key "channel.<id>"
    std::vector<Chip> categories; // configured
    ComplaintDraft draft;
    bool contact_offered = false; // head office's contact key is here (kiosk_flow.h)

    // staff_solve
    std::vector<Chip> resolutions; // the vocabulary's: key "resolution.<id>"
    std::string amount_text;
    bool amount_required = false;  // refund, voucher
    bool amount_allowed = true;    // not for apology, explanation
    std::string note;              // staff_solve, staff_close
    bool on_the_spot = true;

    // staff_customer_response
    std::optional<Satisfaction> satisfaction;
    std::optional<int> handling_score;
    std::string comment;

    // staff_open_complaints
    std::vector<OpenComplaintRow> open_complaints;
    std::vector<config::TimeLimit> promise_limits; // what the promises give to answer, each once

    // staff_complaint and its sub-screens
    std::optional<ComplaintState> complaint;
    std::string complaint_category_text;
    std::string root_cause_text;   // head office's analysis, synced down; empty until recorded
    ComplaintDetail detail;
    DeadlineStatus deadline;
    std::vector<PlannedActionRow> planned_actions; // head office's, in the order planned
    std::vector<ComplaintAction> actions;
    std::string reason;            // staff_escalate, staff_reopen
    std::string close_outcome;     // staff_close: unresolved | withdrawn | referred_external
    std::string external_body;     // staff_close with referred_external

    // staff_find
    std::string reference_query;

    // staff_status, staff_leave_store (status.unsent_backlog), staff_left_store (status.device)
    std::optional<store::StoreStatus> status;
    SyncStatus sync;
    bool leaving = false; // staff_leave_store: head office is being told
    // The receipt printer's problem (keys::printer_*), on the menu and the status screen.
    std::optional<Message> printer_problem;

    std::optional<Message> notice; // "staff.saved", or "staff.log.saved" {reference} for a new complaint
    std::vector<FieldError> errors;
};

// What the member on duty has typed or picked and not yet recorded. One
// struct, reset as a whole on log-out (m_drafts = {}), so nothing of one
// person's input survives to the next, whatever field is added later.
struct StaffDrafts {
    std::string pin;
    ComplaintDraft complaint;
    std::string resolution;
    std::string amount_text;
    std::string note;           // staff_solve, staff_close
    bool on_the_spot = true;
    std::optional<Satisfaction> satisfaction;
    std::optional<int> handling_score;
    std::string comment;
    std::string reason;         // staff_escalate, staff_reopen
    std::string close_outcome;
    std::string external_body;
    std::string query;          // staff_find
};

class StaffFlow {
public:
    // Copies the configuration; `store` is read, never written, and must
    // outlive the flow.
    StaffFlow(config::KioskConfig config, store::LocalStore& store);

    // Staff mode is on screen (the PIN pad or beyond).
    bool active() const { return m_active; }
    bool logged_in() const { return m_member.has_value(); }
    // The staff gesture completed: show the PIN pad (no-op when active).
    void enter(int64_t now_ms);

    Effects apply(const StaffIntent& intent, int64_t now_ms);
    // The result of the effect the flow waits for; ignored when it waits for
    // none (a result that comes after a log-out).
    Effects apply(const EffectResult& result, int64_t now_ms);
    // Idle logout: the PIN pad after shopper_idle_seconds, staff mode after
    // staff_idle_seconds without an intent.
    void tick(int64_t now_ms);
    // An effect's result is awaited (a recording, the PIN check).
    bool awaiting() const { return m_awaiting != Awaiting::nothing; }

    Screen screen() const { return m_screen; }
    StaffView view(int64_t now_ms) const;

    void set_sync_status(SyncStatus sync) { m_sync = std::move(sync); }
    // Filled by the app from the receipt printer; nothing when it prints (or there is none).
    void set_printer_problem(std::optional<Message> problem) { m_printer_problem = std::move(problem); }
    // Without it (no contact key yet) a logged complaint takes no contact details.
    void set_contact_offered(bool offered) { m_contact_offered = offered; }

private:
    // What an effect was for: where its result takes the flow.
    enum class Awaiting {
        nothing,
        pin,          // CheckPin: the menu, or the PIN pad with the error
        logged,       // the walk-in complaint.opened: solving it
        step,         // a step recorded from the hub or its sub-screens: the hub
        resolution,   // complaint.resolved: the screen handed to the customer
        answer,       // the customer's response: closing, or "not satisfied"
        closing,      // closed as resolved after a satisfied answer: the hub
        leaving,      // DeviceRequest::leave_store: staff_left_store, or the problem
    };

    Effects on(const staff::SetText& intent, int64_t now_ms);
    Effects on(const staff::Select& intent, int64_t now_ms);
    Effects on(const staff::ToggleConsent& intent, int64_t now_ms);
    Effects on(const staff::ToggleOnTheSpot& intent, int64_t now_ms);
    Effects on(const staff::SetSatisfaction& intent, int64_t now_ms);
    Effects on(const staff::SetHandlingScore& intent, int64_t now_ms);
    Effects on(const staff::Submit& intent, int64_t now_ms);
    Effects on(const staff::Back& intent, int64_t now_ms);
    Effects on(const staff::ChooseMenu& intent, int64_t now_ms);
    Effects on(const staff::OpenComplaint& intent, int64_t now_ms);
    Effects on(const staff::Act& intent, int64_t now_ms);
    Effects on(const staff::LeaveOpen& intent, int64_t now_ms);
    Effects on(const staff::CustomerAbsent& intent, int64_t now_ms);
    Effects on(const staff::Refresh& intent, int64_t now_ms);
    Effects on(const staff::ConnectAgain& intent, int64_t now_ms);
    Effects on(const staff::AskToLeave& intent, int64_t now_ms);
    Effects on(const staff::LogOut& intent, int64_t now_ms);

    // One Submit per screen.
    Effects submit_pin(int64_t now_ms);
    Effects submit_complaint(int64_t now_ms);
    Effects submit_resolution(int64_t now_ms);
    Effects submit_response(int64_t now_ms);
    Effects submit_reason(EventType type, int64_t now_ms);
    Effects submit_close(int64_t now_ms);
    Effects submit_find(int64_t now_ms);
    Effects submit_leave();

    void go(Screen screen);
    void log_out();
    std::string actor() const;
    void start_solving(bool on_the_spot);
    // Reloads the current complaint; false (with the error shown) on failure.
    bool load_complaint(const std::string& complaint_id);
    void load_open_complaints();
    void load_status(int64_t now_ms);
    // Back to the hub with the complaint reloaded and `notice` shown.
    void show_complaint(std::optional<Message> notice);
    std::vector<ComplaintAction> allowed_actions() const;
    // Asks for an event about the current complaint (or a new one) to be
    // recorded, and waits for the result.
    Effects record(EventType type, std::string actor, nlohmann::json payload, Awaiting then);
    Effects recorded(Awaiting what, const store::RecordedEvent& event, int64_t now_ms);
    void record_failed(Awaiting what, const Error& error);
    void pin_checked(const PinChecked& answer, int64_t now_ms);
    void store_left(const StoreLeft& answer, int64_t now_ms);
    void show_attempt(const PinLock::Attempt& attempt);
    // The label of `id` in `choices` in the staff language, or the id itself.
    std::string choice_text(const std::vector<config::Choice>& choices, const std::string& id) const;
    std::string category_text(const std::string& id) const;
    ComplaintDetail complaint_detail() const;
    TimelineStep timeline_step(const Event& event) const;
    DeadlineStatus deadline_status(int64_t opened_at_ms, std::string_view severity,
                                   const std::optional<int64_t>& answered_at, int64_t now_ms) const;

    config::KioskConfig m_config;
    store::LocalStore& m_store;
    PinLock m_lock; // outlives log-outs, so re-entering does not lift a lock
    SyncStatus m_sync;
    std::optional<Message> m_printer_problem;
    bool m_contact_offered = false;

    bool m_active = false;
    Awaiting m_awaiting = Awaiting::nothing;
    Screen m_screen = Screen::staff_pin;
    int64_t m_last_intent_ms = 0;
    std::optional<config::StaffMember> m_member;
    std::vector<FieldError> m_errors;
    std::optional<Message> m_notice;

    StaffDrafts m_drafts;

    // What is being looked at.
    std::vector<store::ComplaintSummary> m_open;
    std::optional<ComplaintState> m_complaint;
    std::vector<Event> m_complaint_events; // its timeline, without personal fields
    store::ContactLeft m_contact_left;
    Screen m_complaint_origin = Screen::staff_menu; // where Back from the hub goes
    std::optional<store::StoreStatus> m_status;
};

} // namespace feedback::flows
