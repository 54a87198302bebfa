// Strict validation of version-1 events: the envelope (ids, time, actor,
// sequence) and, per type, every payload rule. Each broken rule is reported
// on its own, naming the field, so a person can fix the input in one go.
//
// Payload rules, version 1 (unknown payload fields are refused):
//   nps.rated        score 0-10 (integer), survey_version >= 1 (integer),
//                    locale ("nl", "en", or "xx-YY"), misuse (optional:
//                    "burst" when the kiosk's misuse rule flagged the tap)
//   nps.detailed     subject = the rated event's id; reason_ids (array of ids,
//                    no repeats, at most 10); comment (at most 500 characters
//                    of valid UTF-8); contact (see below); at least one of them
//   complaint.opened channel (kiosk|walk_in|phone|email|letter|social),
//                    category (id), description (1-2000 characters),
//                    customer_wish (1-500 characters: what the customer would
//                    like us to do, ISO 10002), reference (the code customers
//                    quote, see refcode.h), product_ref and receipt_ref
//                    (optional, at most 100 characters), contact (optional),
//                    severity (optional: low|normal|high|safety),
//                    status_key_hash (optional: SHA-256 hex of the customer's
//                    status key, crypto/status_key.h), locale (optional: the
//                    customer's language, for head office's messages)
// (The channels, resolutions, outcomes, severities and text limits are the
// tables of vocabulary.h.)
//   complaint.acknowledged  note (optional, at most 1000 characters)
//   complaint.resolved      resolution (refund|replacement|repair|apology|
//                    explanation|voucher|other), on_the_spot (boolean),
//                    amount_cents (integer 0-10,000,000; required for refund
//                    and voucher, refused for apology and explanation),
//                    note (optional, at most 1000 characters)
//   complaint.customer_response  satisfied (boolean), handling_score
//                    (optional integer 1-5), comment (optional, at most 500),
//                    channel (optional: how the answer came, "email" for
//                    the survey after closing)
//   complaint.escalated     reason (1-500 characters)
//   complaint.closed        outcome (resolved|unresolved|withdrawn|
//                    referred_external), external_body (1-200 characters,
//                    required for referred_external and refused otherwise),
//                    note (optional, at most 1000 characters)
//   complaint.reopened      reason (1-500 characters)
//   complaint.assistance_requested  note (optional, at most 500 characters):
//                    the customer asked for a staff member to come now
//   complaint.messaged  (head office only) message (acknowledgement|decision|
//                    survey), status (queued|sent|failed), reason (optional,
//                    at most 500 characters: the mail server's answer)
//   complaint.erased  (head office only) texts (boolean): personal data
//                    erased on request, the free texts too when true
// Contact (personal data): {"consent": true, "name"?, "phone"?, "email"?};
// consent must be exactly true, and at least a phone number or an e-mail
// address must be given. Sealed (crypto/contact_seal.h): {"consent": true,
// "channels": ["name"?, "phone"?, "email"?] (phone or email among them),
// "key_id": 16 characters, "sealed": base64}. Messages never quote the
// values of contact fields.
// Complaint steps after opening need a staff or
// head-office actor; the kiosk may only open complaints and record the
// customer's response.
#pragma once

#include "event.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedback {

// The times an event may carry (occurred_at, due_at), UTC ms: from
// 2020-01-01 up to 2100-01-01, excluded.
constexpr int64_t earliest_occurred_at_ms = 1'577'836'800'000; // 2020-01-01T00:00:00Z
constexpr int64_t latest_occurred_at_ms = 4'102'444'800'000;   // 2100-01-01T00:00:00Z

struct Violation {
    std::string field;   // "payload.score", "id", "subject", ...
    std::string message; // "must be an integer from 0 to 10 (got 11)"
};

// "payload.score: must be an integer from 0 to 10 (got 11)"
std::string to_string(const Violation& violation);

// Every rule the event breaks; empty when it is valid.
std::vector<Violation> validate_event(const Event& event);

// Whether only head office records events of this type (complaint.root_cause_recorded,
// complaint.action_planned, complaint.action_checked, nps.followed_up): head
// office refuses them from terminals.
bool is_head_office_only(EventType type);

// All violations joined with "; ", for one-line error messages.
std::string describe(const std::vector<Violation>& violations);

// Counts Unicode code points; nothing when `text` is not valid UTF-8
// (overlong forms, surrogates and code points past U+10FFFF are invalid).
std::optional<size_t> utf8_length(std::string_view text);

// Ids used in configuration (reason ids, categories): 1-40 of [a-z0-9_].
bool is_config_id(std::string_view text);

// An e-mail address as contact.email must be (also head office's users' alert addresses).
bool is_valid_email(std::string_view text);

} // namespace feedback
