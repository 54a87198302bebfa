// The complaint vocabulary, in one place: the channels a complaint comes in
// by, the resolutions staff give, the ways a complaint is closed, the
// severities of an assessment, and the limits of the typed fields. Validation,
// the kiosk's flows and screens and head office's forms all read these
// tables, so a new channel or a longer description is one edit here.
//
// Each entry carries its wire name (the payload value, stable: changing it
// breaks stored events) and its translation key, the same in the kiosk's
// (assets/i18n) and the dashboard's (assets/dashboard/i18n) texts.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace feedback {

// [SECTION] Channels

// Who may register a complaint as having come in by this channel.
enum class ChannelUse {
    kiosk_only, // the shopper at the kiosk; staff and head office never pick it
    people,     // staff at the counter and head office pick it
};

struct Channel {
    std::string_view wire; // "walk_in"
    std::string_view key;  // "channel.walk_in"
    ChannelUse use;
};

inline constexpr std::array channels{
    Channel{"kiosk", "channel.kiosk", ChannelUse::kiosk_only},
    Channel{"walk_in", "channel.walk_in", ChannelUse::people},
    Channel{"phone", "channel.phone", ChannelUse::people},
    Channel{"email", "channel.email", ChannelUse::people},
    Channel{"letter", "channel.letter", ChannelUse::people},
    Channel{"social", "channel.social", ChannelUse::people},
    Channel{"web_form", "channel.web_form", ChannelUse::people},
};

// [SECTION] Resolutions

// Whether a resolution carries an amount (complaint.resolved amount_cents).
enum class AmountRule {
    required, // money changes hands: refund, voucher
    optional, // a replacement or repair may cost something, or not
    refused,  // an apology or an explanation has no amount
};

struct Resolution {
    std::string_view wire;
    std::string_view key; // "resolution.refund"
    AmountRule amount;
};

inline constexpr std::array resolutions{
    Resolution{"refund", "resolution.refund", AmountRule::required},
    Resolution{"replacement", "resolution.replacement", AmountRule::optional},
    Resolution{"repair", "resolution.repair", AmountRule::optional},
    Resolution{"apology", "resolution.apology", AmountRule::refused},
    Resolution{"explanation", "resolution.explanation", AmountRule::refused},
    Resolution{"voucher", "resolution.voucher", AmountRule::required},
    Resolution{"other", "resolution.other", AmountRule::optional},
};

// [SECTION] Closing outcomes

struct Outcome {
    std::string_view wire;
    std::string_view key; // "outcome.referred_external"
};

inline constexpr std::array outcomes{
    Outcome{"resolved", "outcome.resolved"},
    Outcome{"unresolved", "outcome.unresolved"},
    Outcome{"withdrawn", "outcome.withdrawn"},
    Outcome{"referred_external", "outcome.referred_external"},
};

// [SECTION] Severities (the initial assessment)

// Ordered from least to most serious: high and safety complaints get the
// shorter deadlines and stand at the top of lists.
enum class Severity { low, normal, high, safety };

struct SeverityEntry {
    Severity level;
    std::string_view wire;
    std::string_view key; // "severity.safety"
};

inline constexpr std::array severities{
    SeverityEntry{Severity::low, "low", "severity.low"},
    SeverityEntry{Severity::normal, "normal", "severity.normal"},
    SeverityEntry{Severity::high, "high", "severity.high"},
    SeverityEntry{Severity::safety, "safety", "severity.safety"},
};

// [SECTION] How a decision reached the customer

// complaint.resolved's "communicated": how the customer was told. Absent
// means in person (the counter). not_yet: head office recorded the decision
// and a message or call is still to come, so the customer has no answer yet.
struct Communication {
    std::string_view wire;
    std::string_view key; // "communicated.phone"
    bool answers;         // the customer has the answer
};

inline constexpr std::array communications{
    Communication{"in_person", "communicated.in_person", true},
    Communication{"phone", "communicated.phone", true},
    Communication{"email", "communicated.email", true},
    Communication{"letter", "communicated.letter", true},
    Communication{"not_yet", "communicated.not_yet", false},
};

// [SECTION] Messages to the complainant (head office's mail outbox)

// complaint.messaged's "message": which message head office sent the
// customer, and "status": where it stands. Only a decision that was sent
// answers the customer.
struct MessageKind {
    std::string_view wire;
    std::string_view key; // "message.decision"
};

inline constexpr std::array message_kinds{
    MessageKind{"acknowledgement", "message.acknowledgement"},
    MessageKind{"decision", "message.decision"},
    MessageKind{"survey", "message.survey"},
};

struct MessageStatus {
    std::string_view wire;
    std::string_view key; // "message_status.sent"
};

inline constexpr std::array message_statuses{
    MessageStatus{"queued", "message_status.queued"},
    MessageStatus{"sent", "message_status.sent"},
    MessageStatus{"failed", "message_status.failed"},
};

// [SECTION] Field limits (Unicode code points unless named otherwise)

namespace limits {
inline constexpr int description_chars = 2000;
inline constexpr int customer_wish_chars = 500;
inline constexpr int reference_chars = 100; // product_ref, receipt_ref
inline constexpr int name_chars = 100;      // a person's name, an action's owner
inline constexpr int email_chars = 254;
inline constexpr int phone_chars = 30;      // what the keyboard takes; validation counts digits
inline constexpr int phone_min_digits = 6;
inline constexpr int phone_max_digits = 20;
inline constexpr int comment_chars = 500;
inline constexpr int note_chars = 1000;
inline constexpr int reason_chars = 500;
inline constexpr int external_body_chars = 200;
inline constexpr int action_description_chars = 1000;
inline constexpr int64_t max_amount_cents = 10'000'000; // 100,000.00 in currency units
inline constexpr int amount_chars = 12;                 // "100000,00" with room for a typo
} // namespace limits

// [SECTION] Look-ups

// The wire names of a table, for validation's choice rules.
template <class Entry, std::size_t N>
constexpr std::array<std::string_view, N> wire_names(const std::array<Entry, N>& table)
{
    std::array<std::string_view, N> names{};
    for (std::size_t i = 0; i < N; ++i)
        names[i] = table[i].wire;
    return names;
}

inline constexpr auto channel_names = wire_names(channels);
inline constexpr auto resolution_names = wire_names(resolutions);
inline constexpr auto outcome_names = wire_names(outcomes);
inline constexpr auto severity_names = wire_names(severities);
inline constexpr auto communication_names = wire_names(communications);
inline constexpr auto message_kind_names = wire_names(message_kinds);
inline constexpr auto message_status_names = wire_names(message_statuses);

// The entry with this wire name, or null.
const Channel* find_channel(std::string_view wire);
const Resolution* find_resolution(std::string_view wire);
const Outcome* find_outcome(std::string_view wire);
const SeverityEntry* find_severity(std::string_view wire);
const Communication* find_communication(std::string_view wire);

// The severity of a wire name; normal for an unknown or empty one.
Severity severity_level(std::string_view wire);

// The amount rule of a resolution; optional for an unknown or empty one (the
// resolution's own rule reports it).
AmountRule amount_rule(std::string_view resolution);

// The translation key of a wire name; empty for an unknown one, so callers
// show the wire name itself.
std::string_view channel_key(std::string_view wire);
std::string_view resolution_key(std::string_view wire);
std::string_view outcome_key(std::string_view wire);
std::string_view severity_key(std::string_view wire);
std::string_view communication_key(std::string_view wire);
std::string_view message_kind_key(std::string_view wire);
std::string_view message_status_key(std::string_view wire);

} // namespace feedback
