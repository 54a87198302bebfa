// The setup of an unenrolled kiosk, before any shopper sees it, as a plain
// state machine (no network, no clock): staff type head office's address and
// the one-time code, or a USB stick brings a setup file; a person compares
// the CA's fingerprint with the one head office gave; then the kiosk enrols.
// What needs the network comes back as a SetupRequest that the app runs off
// the frame loop, and its answer goes to apply().
//
//   setup_start --Connect--> setup_busy --ServerChecked--> setup_check (own CA)
//        ^   \                   |   \__ system-trusted: EnrolTerminal at once
//        |    \--SetupOffer (USB file) --------------------^  |
//        |                       |                 Accept |   | Reject
//        +---- any problem ------+<-- setup_busy <--------+   +--> setup_start
//                                |
//                       TerminalEnrolled --> setup_done --Start--> finished()
//
// Problems come back as messages for the start screen ("setup.error.*"),
// and what was typed stays, so a typo costs one correction. Opened from staff
// mode ("connect again": new credentials, a moved head office) it starts
// with head office's address filled in and Cancel goes back to the survey.
#pragma once

#include "flows/flow_types.h"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace feedback::flows {

// [SECTION] Intents

namespace setup {
struct SetText { Field field = Field::none; std::string text; }; // server_address, enrol_code
struct Connect {};                                              // setup_start
struct Accept {};                                               // setup_check: the fingerprints are the same
struct Reject {};                                               // setup_check: they are not
struct Start {};                                                // setup_done: on to the survey
struct Cancel {};                                               // setup_start, when cancellable
} // namespace setup

using SetupIntent =
    std::variant<setup::SetText, setup::Connect, setup::Accept, setup::Reject, setup::Start, setup::Cancel>;

// [SECTION] Requests to the app and their answers

// How head office's certificate may be trusted (sync::check_server_trust):
// `typed_address` as staff typed it.
struct CheckServer { std::string typed_address; };
// The enrolment itself (sync::enrol_with_ca); an empty CA: the system's store.
struct EnrolTerminal {
    std::string server_url;
    std::string code;
    std::string ca_certificate;
};
using SetupRequest = std::variant<CheckServer, EnrolTerminal>;

struct ServerChecked {
    std::optional<Message> problem; // nothing else counts when set
    std::string server_url;         // the typed address as a URL
    bool system_trusted = false;
    std::string ca_certificate;     // head office's own CA, for a person to accept
    std::string fingerprint;
};

struct TerminalEnrolled {
    std::optional<Message> problem;
    std::string store_code;
    std::string terminal_code;
    std::string name;
};

// A setup file the app found on a USB stick, or why it is not usable.
struct SetupOffer {
    std::optional<Message> problem;
    std::string server_url;
    std::string code;
    std::string store_code;
    std::string terminal_name;
    std::string ca_certificate; // empty: head office is trusted by the system
    std::string fingerprint;    // of ca_certificate
};

using SetupAnswer = std::variant<ServerChecked, TerminalEnrolled, SetupOffer>;

// [SECTION] View

struct SetupView {
    Screen screen = Screen::setup_start;
    std::string address;  // as typed
    std::string code;     // as typed
    std::vector<FieldError> errors;
    // setup_check: what the person compares and what the kiosk will be
    std::string server_url;
    std::string fingerprint;
    std::string store_code;      // from a setup file; empty when typed
    std::string terminal_name;   // idem
    bool from_file = false;
    bool cancellable = false;    // opened from staff mode: Cancel on setup_start
    // setup_done
    std::string enrolled_store;
    std::string enrolled_terminal;
    std::string enrolled_name;
};

// [SECTION] Flow

class SetupFlow {
public:
    SetupFlow() = default;
    // From staff mode: `address` filled in, and Cancel offered.
    SetupFlow(std::string address, bool cancellable);

    std::optional<SetupRequest> apply(const SetupIntent& intent);
    std::optional<SetupRequest> apply(const SetupAnswer& answer);

    Screen screen() const { return m_view.screen; }
    const SetupView& view() const { return m_view; }
    // A USB setup file is taken on the start screen only (not while one is
    // being checked or used).
    bool takes_offers() const { return m_view.screen == Screen::setup_start; }
    // Enrolled and staff tapped Start: the app shows the survey.
    bool finished() const { return m_finished; }
    // Staff cancelled a setup they opened from staff mode: the survey again.
    bool cancelled() const { return m_cancelled; }

private:
    std::optional<SetupRequest> fail(Message problem);

    SetupView m_view;
    std::string m_code_in_use; // typed or from the file
    std::string m_ca_pending;  // the CA waiting for a person's Accept
    bool m_finished = false;
    bool m_cancelled = false;
};

} // namespace feedback::flows
