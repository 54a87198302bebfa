// What a person has typed but not yet submitted (contact details, a complaint)
// and the checks that turn it into a payload: the shared event validation is
// run on the would-be event, so a flow never records what the store refuses.
#pragma once

#include "domain/event.h"
#include "domain/result.h"
#include "flows/flow_types.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::flows {

// Contact details are taken only with a ticked consent (validation.h).
struct ContactDraft {
    bool consent = false;
    std::string name;
    std::string phone;
    std::string email;

    // Nothing ticked and nothing typed.
    bool empty() const;
    // {"consent": <tick>, "name"?, "phone"?, "email"?}: blank fields left out.
    nlohmann::json to_json() const;
};

// A complaint being registered, by a shopper or by staff.
struct ComplaintDraft {
    std::string channel; // "kiosk" for shoppers; staff pick one
    std::string category;
    std::string description;
    std::string product_ref;
    std::string receipt_ref;
    std::string customer_wish;
    ContactDraft contact;

    // The complaint.opened payload without the reference (the store adds it);
    // blank optional fields are left out, contact only when `with_contact`.
    nlohmann::json payload(bool with_contact) const;
};

// Stores `text` in the draft field it names; false when the draft has no
// such field (the intent is then ignored).
bool set_text(ContactDraft& draft, Field field, std::string text);
bool set_text(ComplaintDraft& draft, Field field, std::string text);

// Runs validate_event() on an event of `type` by `actor` with `payload` (the
// envelope filled with placeholders, and a placeholder reference for
// complaint.opened) and returns the broken payload rules that concern
// `fields`, one per field, as messages of message_keys.h: a missing or blank
// field (keys::required, or the field's own "... needed" key), one over
// max_chars (keys::too_long with {max}), a malformed phone number or e-mail
// address, a contact without consent or without a phone or e-mail.
std::vector<FieldError> check_payload(EventType type, std::string_view actor, const nlohmann::json& payload,
                                      std::span<const Field> fields);

// What to show when the store refused to record: keys::disk_full,
// keys::storage (I/O, busy, damaged) or keys::generic (a transition refused
// because the complaint's state moved on elsewhere, anything else); the
// store's message is in args["detail"] for staff screens (it never holds
// contact details).
FieldError store_error(const Error& error);

// True when the text is empty or only whitespace.
bool is_blank(std::string_view text);

} // namespace feedback::flows
