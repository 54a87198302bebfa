// The domain event: the one record of every fact the terminal and head office
// know (a rating, a complaint step). Events are immutable once recorded; the
// state of a complaint is a fold over its events (complaint_fold.h).
//
// Wire form, schema version 1 (one JSON object per event):
//   {"v":1, "id":"<uuidv7>", "type":"complaint.opened", "subject":"<uuid>",
//    "occurred_at":1732441800123, "actor":"staff:anna", "device_id":"<uuid>",
//    "seq":17, "payload":{...}}
// "subject" is the complaint id for complaint.* events, the rated event's id
// for nps.detailed and nps.followed_up, and absent for nps.rated. Readers keep a parser per "v"
// so that later versions can be read next to old ones.
#pragma once

#include "result.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace feedback {

constexpr int event_schema_version = 1;

enum class EventType {
    nps_rated,
    nps_detailed,
    complaint_opened,
    complaint_acknowledged,
    complaint_resolved,
    complaint_customer_response,
    complaint_escalated,
    complaint_closed,
    complaint_reopened,
    complaint_assistance_requested,
    // Head office's follow-up (ISO 9001 / ISO 10002 analysis): the cause,
    // what is done about it, and whether that worked.
    complaint_root_cause_recorded,
    complaint_action_planned,
    complaint_action_checked,
    // The call-back to a detractor who agreed to be contacted (closing the loop).
    nps_followed_up,
    // Handling at head office or the counter: the initial assessment (how
    // serious, who owns it) and investigation notes. Any state, no change.
    complaint_assessed,
    complaint_noted,
    // Head office's mail outbox: a message to the complainant was queued,
    // sent or failed (vocabulary.h's message kinds). Any state, no change.
    complaint_messaged,
    // Head office erased the customer's personal data on request (GDPR
    // article 17): the contact details and, when asked, the free texts.
    // Any state, no change; terminals erase their copies when it arrives.
    complaint_erased,
};

inline constexpr std::array all_event_types{
    EventType::nps_rated,           EventType::nps_detailed,
    EventType::complaint_opened,    EventType::complaint_acknowledged,
    EventType::complaint_resolved,  EventType::complaint_customer_response,
    EventType::complaint_escalated, EventType::complaint_closed,
    EventType::complaint_reopened,  EventType::complaint_assistance_requested,
    EventType::complaint_root_cause_recorded, EventType::complaint_action_planned,
    EventType::complaint_action_checked, EventType::nps_followed_up,
    EventType::complaint_assessed,  EventType::complaint_noted,
    EventType::complaint_messaged,  EventType::complaint_erased,
};

// "nps.rated", "complaint.customer_response", ...
std::string_view to_string(EventType type);
std::optional<EventType> event_type_from_string(std::string_view name);
bool is_complaint_event(EventType type);

struct Event {
    int v = event_schema_version;
    std::string id;            // UUIDv7 made on the device
    EventType type = EventType::nps_rated;
    std::string subject;       // see the header comment; empty when none
    int64_t occurred_at_ms = 0; // UTC, device clock
    std::string actor;         // "kiosk", "staff:<id>" or "hq:<id>"
    std::string device_id;     // UUID of the recording terminal (or head office)
    int64_t device_seq = 0;    // 1, 2, 3 ... per device, never reused
    nlohmann::json payload = nlohmann::json::object();
};

// The wire form above.
nlohmann::json to_json(const Event& event);

// Reads the wire form: checks the envelope's shape and types (an object, "v"
// known, each field of the right JSON type) but not the rules of the payload;
// run validate_event() for those.
Result<Event> event_from_json(const nlohmann::json& json);

// Payload fields that hold data about a person (name, phone, e-mail). They are
// stored apart from the event so that retention can erase them while the
// event stays.
inline constexpr std::array personal_payload_fields{std::string_view{"contact"}};

// Days after which contact details are erased when nobody needs them any
// more: a closed complaint, an answered call-back request (the terminal's
// `retention` and head office's hourly check).
inline constexpr int default_contact_retention_days = 30;

// The free texts a complaint's events may hold about a person (what they
// wrote or said), which an erasure on request blanks when asked to, and what
// stands in their place: the rest of each event (category, dates, outcome,
// amounts) stays for the figures.
inline constexpr std::array free_text_fields{std::string_view{"description"}, std::string_view{"customer_wish"},
                                             std::string_view{"comment"}, std::string_view{"note"}};
inline constexpr std::string_view erased_text = "[erased]";
// Replaces the free texts of `payload` with erased_text; true when one changed.
bool erase_free_texts(nlohmann::json& payload);

// Moves the personal fields out of `payload` into the returned object (empty
// object when there were none).
nlohmann::json take_personal_fields(nlohmann::json& payload);
// The event as exports show it: personal fields left out.
Event without_personal_fields(Event event);

} // namespace feedback
