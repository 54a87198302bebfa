// Strict validation of version-1 events: the envelope checks, then one table
// of field rules per event type run by shared per-kind checkers, then the few
// rules that tie fields together (amount with resolution, and so on).
#include "validation.h"

#include "ids.h"
#include "refcode.h"
#include "vocabulary.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <limits>
#include <span>

namespace feedback {

namespace {

using Json = nlohmann::json;
using Violations = std::vector<Violation>;

// =============================================================================
// [SECTION] Rule tables
// =============================================================================

enum class Kind {
    text,       // a string of valid UTF-8 with min..max code points
    integer,    // a JSON integer in min..max
    boolean,    // a JSON true or false
    choice,     // one of `choices`
    config_id,  // is_config_id()
    id_list,    // array of distinct config ids, at most `max` of them
    locale,     // "nl", "en", "xx" or "xx-YY"
    reference,  // a canonical reference code (refcode.h)
    contact,    // the personal-data object, see check_contact()
    phone,      // digits, spaces, + - ( ), with 6-20 digits
    email,      // one @, a local part, a domain with a dot
    uuid,       // a UUID in its canonical text form
    time_ms,    // a JSON integer: UTC milliseconds from 2020-01-01 up to 2100-01-01
    sha256,     // 64 lower-case hex characters (a hash, e.g. of the status key)
};

enum class Presence { required, optional };

struct FieldRule {
    std::string_view name;
    Kind kind;
    Presence presence;
    int64_t min = 0; // text: code points; integer: value
    int64_t max = 0; // text: code points; integer: value; id_list: entries
    std::span<const std::string_view> choices = {};
};

// Text with min_chars >= 1 must also hold something other than whitespace.
constexpr FieldRule text(std::string_view name, Presence presence, int64_t min_chars, int64_t max_chars)
{
    return {name, Kind::text, presence, min_chars, max_chars};
}

constexpr FieldRule integer(std::string_view name, Presence presence, int64_t min, int64_t max)
{
    return {name, Kind::integer, presence, min, max};
}

constexpr FieldRule choice(std::string_view name, std::span<const std::string_view> choices,
                           Presence presence = Presence::required)
{
    return {name, Kind::choice, presence, 0, 0, choices};
}

constexpr FieldRule of_kind(std::string_view name, Kind kind, Presence presence, int64_t max = 0)
{
    return {name, kind, presence, 0, max};
}

constexpr int64_t no_limit = std::numeric_limits<int64_t>::max();
constexpr int64_t max_reason_ids = 10;

constexpr std::array<std::string_view, 1> misuse_kinds{"burst"};
constexpr std::array<std::string_view, 2> action_kinds{"corrective", "preventive"};
constexpr std::array<std::string_view, 4> follow_up_outcomes{"reached", "no_answer", "declined", "wrong_contact"};

constexpr std::array nps_rated_fields{
    integer("score", Presence::required, 0, 10),
    integer("survey_version", Presence::required, 1, no_limit),
    of_kind("locale", Kind::locale, Presence::required),
    choice("misuse", misuse_kinds, Presence::optional),
};
// At least one of the three must be given: see check_nps_detailed().
constexpr std::array nps_detailed_fields{
    of_kind("reason_ids", Kind::id_list, Presence::optional, max_reason_ids),
    text("comment", Presence::optional, 0, limits::comment_chars),
    of_kind("contact", Kind::contact, Presence::optional),
};
constexpr std::array complaint_opened_fields{
    choice("channel", channel_names),
    of_kind("category", Kind::config_id, Presence::required),
    text("description", Presence::required, 1, limits::description_chars),
    text("customer_wish", Presence::required, 1, limits::customer_wish_chars),
    of_kind("reference", Kind::reference, Presence::required),
    text("product_ref", Presence::optional, 0, limits::reference_chars),
    text("receipt_ref", Presence::optional, 0, limits::reference_chars),
    of_kind("contact", Kind::contact, Presence::optional),
    choice("severity", severity_names, Presence::optional),
    of_kind("status_key_hash", Kind::sha256, Presence::optional), // crypto/status_key.h
    of_kind("locale", Kind::locale, Presence::optional), // the customer's language, for messages
};
constexpr std::array complaint_acknowledged_fields{
    text("note", Presence::optional, 0, limits::note_chars),
};
// amount_cents is required or refused by resolution: see check_resolved().
constexpr std::array complaint_resolved_fields{
    choice("resolution", resolution_names),
    of_kind("on_the_spot", Kind::boolean, Presence::required),
    integer("amount_cents", Presence::optional, 0, limits::max_amount_cents),
    text("note", Presence::optional, 0, limits::note_chars),
    text("decision", Presence::optional, 0, limits::description_chars),
    choice("communicated", communication_names, Presence::optional),
};
constexpr std::array complaint_customer_response_fields{
    of_kind("satisfied", Kind::boolean, Presence::required),
    integer("handling_score", Presence::optional, 1, 5),
    text("comment", Presence::optional, 0, limits::comment_chars),
    choice("channel", channel_names, Presence::optional), // how the answer came: "email" for the survey
};
constexpr std::array complaint_reason_fields{
    text("reason", Presence::required, 1, limits::reason_chars),
};
// external_body is required or refused by outcome: see check_closed().
constexpr std::array complaint_closed_fields{
    choice("outcome", outcome_names),
    text("external_body", Presence::optional, 1, limits::external_body_chars),
    text("note", Presence::optional, 0, limits::note_chars),
};
constexpr std::array complaint_assistance_fields{
    text("note", Presence::optional, 0, 500),
};
constexpr std::array complaint_root_cause_fields{
    of_kind("root_cause", Kind::config_id, Presence::required),
    text("note", Presence::optional, 0, limits::note_chars),
};
constexpr std::array complaint_action_planned_fields{
    of_kind("action_id", Kind::uuid, Presence::required),
    choice("kind", action_kinds),
    text("description", Presence::required, 1, limits::action_description_chars),
    text("owner", Presence::required, 1, limits::name_chars),
    of_kind("due_at", Kind::time_ms, Presence::required),
};
constexpr std::array complaint_action_checked_fields{
    of_kind("action_id", Kind::uuid, Presence::required),
    of_kind("effective", Kind::boolean, Presence::required),
    text("note", Presence::optional, 0, limits::note_chars),
};
constexpr std::array nps_followed_up_fields{
    choice("outcome", follow_up_outcomes),
    text("note", Presence::optional, 0, limits::note_chars),
};
// owner: a head-office user's name; absent or empty, the store owns it.
constexpr std::array complaint_assessed_fields{
    choice("severity", severity_names),
    text("owner", Presence::optional, 0, limits::name_chars),
    text("note", Presence::optional, 0, limits::note_chars),
};
constexpr std::array complaint_noted_fields{
    text("note", Presence::required, 1, limits::note_chars),
};
constexpr std::array complaint_messaged_fields{
    choice("message", message_kind_names),
    choice("status", message_status_names),
    text("reason", Presence::optional, 0, limits::reason_chars), // the mail server's words when it failed
};
constexpr std::array complaint_erased_fields{
    of_kind("texts", Kind::boolean, Presence::required), // the free texts too (event.h's free_text_fields)
};
constexpr std::array contact_fields{
    of_kind("consent", Kind::boolean, Presence::optional), // see check_contact()
    text("name", Presence::optional, 1, limits::name_chars),
    of_kind("phone", Kind::phone, Presence::optional),
    of_kind("email", Kind::email, Presence::optional),
};
// The same contact sealed to head office's key (crypto/contact_seal.h): the
// channels given, never their values.
constexpr int64_t max_sealed_chars = 2048; // a clear contact at its longest, sealed, in base64
constexpr std::array sealed_contact_fields{
    of_kind("consent", Kind::boolean, Presence::optional), // see check_contact()
    of_kind("channels", Kind::id_list, Presence::required, 3),
    text("key_id", Presence::required, 16, 16),
    text("sealed", Presence::required, 1, max_sealed_chars),
};
constexpr std::array<std::string_view, 3> contact_channel_names{"name", "phone", "email"};

void check_nps_detailed(const Json& payload, Violations& out);
void check_resolved(const Json& payload, Violations& out);
void check_closed(const Json& payload, Violations& out);

enum class Subject { none, rated_event, complaint };
// Who may record a type. head_office: only head office makes it (its own
// analysis and call-backs); a terminal's batch may not hold it.
enum class Recorder { anyone, staff_or_head_office, head_office };

struct TypeRules {
    EventType type;
    Subject subject;
    Recorder recorder;
    std::span<const FieldRule> fields;
    void (*cross_check)(const Json& payload, Violations& out); // may be null
};

// In the order of EventType.
constexpr std::array<TypeRules, all_event_types.size()> type_rules{{
    {EventType::nps_rated, Subject::none, Recorder::anyone, nps_rated_fields, nullptr},
    {EventType::nps_detailed, Subject::rated_event, Recorder::anyone, nps_detailed_fields, check_nps_detailed},
    {EventType::complaint_opened, Subject::complaint, Recorder::anyone, complaint_opened_fields, nullptr},
    {EventType::complaint_acknowledged, Subject::complaint, Recorder::staff_or_head_office,
     complaint_acknowledged_fields, nullptr},
    {EventType::complaint_resolved, Subject::complaint, Recorder::staff_or_head_office, complaint_resolved_fields,
     check_resolved},
    {EventType::complaint_customer_response, Subject::complaint, Recorder::anyone,
     complaint_customer_response_fields, nullptr},
    {EventType::complaint_escalated, Subject::complaint, Recorder::staff_or_head_office, complaint_reason_fields,
     nullptr},
    {EventType::complaint_closed, Subject::complaint, Recorder::staff_or_head_office, complaint_closed_fields,
     check_closed},
    {EventType::complaint_reopened, Subject::complaint, Recorder::staff_or_head_office, complaint_reason_fields,
     nullptr},
    {EventType::complaint_assistance_requested, Subject::complaint, Recorder::anyone, complaint_assistance_fields,
     nullptr},
    {EventType::complaint_root_cause_recorded, Subject::complaint, Recorder::head_office,
     complaint_root_cause_fields, nullptr},
    {EventType::complaint_action_planned, Subject::complaint, Recorder::head_office,
     complaint_action_planned_fields, nullptr},
    {EventType::complaint_action_checked, Subject::complaint, Recorder::head_office,
     complaint_action_checked_fields, nullptr},
    {EventType::nps_followed_up, Subject::rated_event, Recorder::head_office, nps_followed_up_fields, nullptr},
    {EventType::complaint_assessed, Subject::complaint, Recorder::staff_or_head_office, complaint_assessed_fields,
     nullptr},
    {EventType::complaint_noted, Subject::complaint, Recorder::staff_or_head_office, complaint_noted_fields, nullptr},
    {EventType::complaint_messaged, Subject::complaint, Recorder::head_office, complaint_messaged_fields, nullptr},
    {EventType::complaint_erased, Subject::complaint, Recorder::head_office, complaint_erased_fields, nullptr},
}};

const TypeRules& rules_for(EventType type)
{
    auto index = static_cast<size_t>(type);
    assert(index < type_rules.size() && "rules_for: not an EventType");
    const TypeRules& rules = type_rules[index];
    assert(rules.type == type && "type_rules must list the event types in the order of EventType");
    return rules;
}

// =============================================================================
// [SECTION] Small helpers
// =============================================================================

bool is_event_time(int64_t ms)
{
    return ms >= earliest_occurred_at_ms && ms < latest_occurred_at_ms;
}

void add(Violations& out, std::string field, std::string message)
{
    out.push_back(Violation{std::move(field), std::move(message)});
}

// A JSON value as shown in a message: never throws on invalid UTF-8 and is cut
// short so that a pasted essay does not flood the message.
std::string shown(const Json& value)
{
    constexpr size_t max_shown = 60;
    std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (text.size() <= max_shown)
        return text;
    size_t cut = max_shown - 3;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut; // do not split a multi-byte character
    return text.substr(0, cut) + "...";
}

std::string got(const Json& value)
{
    return " (got " + shown(value) + ")";
}

// The same, but silent for personal fields: a message may end up in a log,
// and data about a person must never do so.
std::string got(std::string_view path, const Json& value)
{
    return path.find("contact") == std::string_view::npos ? got(value) : std::string{};
}

std::string quoted_list(std::span<const std::string_view> choices)
{
    std::string out;
    for (size_t i = 0; i < choices.size(); ++i) {
        if (i > 0)
            out += i + 1 == choices.size() ? " or " : ", ";
        out += choices[i];
    }
    return out;
}

bool is_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_blank(std::string_view text)
{
    return std::all_of(text.begin(), text.end(), is_ascii_space);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

bool is_locale(std::string_view text)
{
    bool language = text.size() >= 2 && is_lower(text[0]) && is_lower(text[1]);
    if (text.size() == 2)
        return language;
    return text.size() == 5 && language && text[2] == '-' && is_upper(text[3]) && is_upper(text[4]);
}

bool is_actor_id(std::string_view id)
{
    if (id.empty() || id.size() > 40)
        return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return is_lower(c) || is_upper(c) || is_digit(c) || c == '_' || c == '.' || c == '-';
    });
}

bool is_valid_actor(std::string_view actor)
{
    if (actor == "kiosk")
        return true;
    for (std::string_view prefix : {std::string_view{"staff:"}, std::string_view{"hq:"}})
        if (actor.starts_with(prefix))
            return is_actor_id(actor.substr(prefix.size()));
    return false;
}

// The value of a JSON integer, or nothing when it does not fit in int64_t.
std::optional<int64_t> as_int64(const Json& value)
{
    if (value.is_number_unsigned()) {
        auto unsigned_value = value.get<uint64_t>();
        if (unsigned_value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            return std::nullopt;
        return static_cast<int64_t>(unsigned_value);
    }
    return value.get<int64_t>();
}

// =============================================================================
// [SECTION] One checker per kind of field
// =============================================================================

// Type, then UTF-8, then blankness (when at least one character is needed), then length.
void check_text(const FieldRule& rule, const Json& value, const std::string& path, Violations& out)
{
    if (!value.is_string()) {
        add(out, path, "must be a string" + got(path, value));
        return;
    }
    const auto& text = value.get_ref<const std::string&>();
    auto length = utf8_length(text);
    if (!length) {
        add(out, path, "must be valid UTF-8");
        return;
    }
    if (rule.min > 0 && is_blank(text)) {
        add(out, path, "must not be empty or only whitespace");
        return;
    }
    auto chars = static_cast<int64_t>(*length);
    if (chars < rule.min || chars > rule.max) {
        std::string range = rule.min > 0
            ? "must be " + std::to_string(rule.min) + " to " + std::to_string(rule.max) + " characters"
            : "must be at most " + std::to_string(rule.max) + " characters";
        add(out, path, range + " (got " + std::to_string(chars) + ")");
    }
}

void check_integer(const FieldRule& rule, const Json& value, const std::string& path, Violations& out)
{
    std::string expected = rule.max == no_limit
        ? "must be an integer of at least " + std::to_string(rule.min)
        : "must be an integer from " + std::to_string(rule.min) + " to " + std::to_string(rule.max);
    if (!value.is_number_integer()) {
        add(out, path, expected + got(path, value));
        return;
    }
    auto number = as_int64(value);
    if (!number || *number < rule.min || *number > rule.max)
        add(out, path, expected + got(path, value));
}

void check_boolean(const Json& value, const std::string& path, Violations& out)
{
    if (!value.is_boolean())
        add(out, path, "must be a boolean, true or false" + got(path, value));
}

void check_choice(const FieldRule& rule, const Json& value, const std::string& path, Violations& out)
{
    bool known = value.is_string()
        && std::find(rule.choices.begin(), rule.choices.end(), value.get_ref<const std::string&>())
               != rule.choices.end();
    if (!known)
        add(out, path, "must be one of " + quoted_list(rule.choices) + got(path, value));
}

constexpr std::string_view config_id_rule = "an id of 1 to 40 characters from a-z, 0-9 and _";

void check_config_id(const Json& value, const std::string& path, Violations& out)
{
    if (!value.is_string() || !is_config_id(value.get_ref<const std::string&>()))
        add(out, path, "must be " + std::string(config_id_rule) + got(path, value));
}

void check_id_list(const FieldRule& rule, const Json& value, const std::string& path, Violations& out)
{
    if (!value.is_array()) {
        add(out, path, "must be an array of ids" + got(path, value));
        return;
    }
    if (static_cast<int64_t>(value.size()) > rule.max)
        add(out, path,
            "must have at most " + std::to_string(rule.max) + " ids (got " + std::to_string(value.size()) + ")");
    for (size_t i = 0; i < value.size(); ++i) {
        std::string item_path = path + "[" + std::to_string(i) + "]";
        check_config_id(value[i], item_path, out);
        for (size_t earlier = 0; earlier < i; ++earlier) {
            if (value[earlier] == value[i]) {
                add(out, item_path, shown(value[i]) + " is repeated");
                break;
            }
        }
    }
}

void check_locale(const Json& value, const std::string& path, Violations& out)
{
    if (!value.is_string() || !is_locale(value.get_ref<const std::string&>()))
        add(out, path, "must be a language code like \"nl\", \"en\" or \"nl-BE\"" + got(path, value));
}

void check_reference(const Json& value, const std::string& path, Violations& out)
{
    if (!value.is_string()) {
        add(out, path, "must be a string" + got(path, value));
        return;
    }
    const auto& typed = value.get_ref<const std::string&>();
    auto parsed = parse_refcode(typed);
    if (!parsed) {
        add(out, path, parsed.error().message);
        return;
    }
    if (*parsed != typed)
        add(out, path, "must be written in the canonical form \"" + *parsed + "\"" + got(path, value));
}

void check_phone(const Json& value, const std::string& path, Violations& out)
{
    if (!value.is_string()) {
        add(out, path, "must be a string" + got(path, value));
        return;
    }
    const auto& phone = value.get_ref<const std::string&>();
    bool allowed = std::all_of(phone.begin(), phone.end(), [](char c) {
        return is_digit(c) || c == ' ' || c == '+' || c == '-' || c == '(' || c == ')';
    });
    if (!allowed) {
        add(out, path, "may only contain digits, spaces, +, -, ( and )");
        return;
    }
    auto digits = std::count_if(phone.begin(), phone.end(), is_digit);
    if (digits < limits::phone_min_digits || digits > limits::phone_max_digits)
        add(out, path, "must have " + std::to_string(limits::phone_min_digits) + " to " +
                           std::to_string(limits::phone_max_digits) + " digits (got " + std::to_string(digits) + ")");
}

void check_email(const Json& value, const std::string& path, Violations& out)
{
    constexpr auto max_email_chars = static_cast<size_t>(limits::email_chars);
    if (!value.is_string()) {
        add(out, path, "must be a string" + got(path, value));
        return;
    }
    const auto& email = value.get_ref<const std::string&>();
    auto length = utf8_length(email);
    if (!length) {
        add(out, path, "must be valid UTF-8");
        return;
    }
    if (*length > max_email_chars) {
        add(out, path, "must be at most " + std::to_string(max_email_chars) + " characters (got " +
                           std::to_string(*length) + ")");
        return;
    }
    if (std::any_of(email.begin(), email.end(), is_ascii_space)) {
        add(out, path, "must not contain spaces");
        return;
    }
    auto at = email.find('@');
    if (at == std::string::npos || email.find('@', at + 1) != std::string::npos) {
        add(out, path, "must contain exactly one @");
        return;
    }
    if (at == 0) {
        add(out, path, "must have a name before the @");
        return;
    }
    if (email.find('.', at + 1) == std::string::npos)
        add(out, path, "must have a domain with a dot after the @, like example.com");
}

void check_uuid(const Json& value, const std::string& path, Violations& out)
{
    if (!value.is_string() || !is_uuid(value.get_ref<const std::string&>()))
        add(out, path, "must be a UUID" + got(path, value));
}

void check_time(const Json& value, const std::string& path, Violations& out)
{
    auto ms = value.is_number_integer() ? as_int64(value) : std::nullopt;
    if (!ms || !is_event_time(*ms))
        add(out, path, "must be a time in milliseconds from 2020-01-01 up to 2100-01-01" + got(path, value));
}

void check_sha256(const Json& value, const std::string& path, Violations& out)
{
    auto is_hash = [](const std::string& text) {
        return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
                   return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
               });
    };
    if (!value.is_string() || !is_hash(value.get_ref<const std::string&>()))
        add(out, path, "must be 64 lower-case hex characters (a SHA-256)" + got(path, value));
}

void check_object(std::span<const FieldRule> rules, const Json& object, const std::string& prefix,
                  std::string_view owner, Violations& out);

// Personal data: only with consent, and only when there is a way to reach the
// customer.
void check_contact(const Json& value, const std::string& path, Violations& out)
{
    if (!value.is_object()) {
        add(out, path, "must be an object" + got(path, value));
        return;
    }
    auto consent = value.find("consent");
    if (consent == value.end() || (consent->is_boolean() && !consent->get<bool>()))
        add(out, path + ".consent", "contact details are recorded only with the customer's consent");
    if (!value.contains("sealed")) {
        check_object(contact_fields, value, path + ".", "in contact", out);
        if (!value.contains("phone") && !value.contains("email"))
            add(out, path, "needs a phone number or an e-mail address");
        return;
    }
    check_object(sealed_contact_fields, value, path + ".", "in a sealed contact", out);
    auto channels = value.find("channels");
    if (channels == value.end() || !channels->is_array())
        return; // check_object() said so
    bool reachable = false;
    for (const auto& channel : *channels) {
        bool known = channel.is_string() && std::find(contact_channel_names.begin(), contact_channel_names.end(),
                                                      channel.get_ref<const std::string&>()) != contact_channel_names.end();
        if (!known)
            add(out, path + ".channels", "may hold only \"name\", \"phone\" and \"email\"" + got(channel));
        else if (channel != "name")
            reachable = true;
    }
    if (!reachable)
        add(out, path + ".channels", "needs \"phone\" or \"email\"");
}

void check_field(const FieldRule& rule, const Json& value, const std::string& path, Violations& out)
{
    switch (rule.kind) {
    case Kind::text: check_text(rule, value, path, out); return;
    case Kind::integer: check_integer(rule, value, path, out); return;
    case Kind::boolean: check_boolean(value, path, out); return;
    case Kind::choice: check_choice(rule, value, path, out); return;
    case Kind::config_id: check_config_id(value, path, out); return;
    case Kind::id_list: check_id_list(rule, value, path, out); return;
    case Kind::locale: check_locale(value, path, out); return;
    case Kind::reference: check_reference(value, path, out); return;
    case Kind::contact: check_contact(value, path, out); return;
    case Kind::phone: check_phone(value, path, out); return;
    case Kind::email: check_email(value, path, out); return;
    case Kind::uuid: check_uuid(value, path, out); return;
    case Kind::time_ms: check_time(value, path, out); return;
    case Kind::sha256: check_sha256(value, path, out); return;
    }
    assert(false && "check_field: a Kind without a checker");
}

// Unknown keys, missing required fields, then each field by its rule.
void check_object(std::span<const FieldRule> rules, const Json& object, const std::string& prefix,
                  std::string_view owner, Violations& out)
{
    for (const auto& item : object.items()) { // not a structured binding: clang-14 cannot capture one (tests/fuzz)
        const std::string& key = item.key();
        bool known = std::any_of(rules.begin(), rules.end(), [&](const FieldRule& rule) { return rule.name == key; });
        if (!known)
            add(out, prefix + key, "unknown field " + std::string(owner));
    }
    for (const FieldRule& rule : rules) {
        std::string path = prefix + std::string(rule.name);
        auto it = object.find(rule.name);
        if (it == object.end()) {
            if (rule.presence == Presence::required)
                add(out, path, "is required");
            continue;
        }
        check_field(rule, *it, path, out);
    }
}

// =============================================================================
// [SECTION] Rules that tie fields together
// =============================================================================

// The value of a string field, or empty when it is missing or not a string.
std::string_view string_field(const Json& object, std::string_view key)
{
    auto it = object.find(key);
    if (it == object.end() || !it->is_string())
        return {};
    return it->get_ref<const std::string&>();
}

void check_nps_detailed(const Json& payload, Violations& out)
{
    auto reasons = payload.find("reason_ids");
    bool has_reasons = reasons != payload.end() && !(reasons->is_array() && reasons->empty());
    auto comment = payload.find("comment");
    bool has_comment = comment != payload.end()
        && !(comment->is_string() && is_blank(comment->get_ref<const std::string&>()));
    bool has_contact = payload.contains("contact");
    if (!has_reasons && !has_comment && !has_contact)
        add(out, "payload", "needs at least one of reason_ids, comment or contact");
}

void check_resolved(const Json& payload, Violations& out)
{
    std::string_view resolution = string_field(payload, "resolution");
    bool has_amount = payload.contains("amount_cents");
    AmountRule rule = amount_rule(resolution);
    if (rule == AmountRule::required && !has_amount)
        add(out, "payload.amount_cents", "is required with resolution " + std::string(resolution));
    if (rule == AmountRule::refused && has_amount)
        add(out, "payload.amount_cents", "not allowed with resolution " + std::string(resolution));
}

void check_closed(const Json& payload, Violations& out)
{
    auto outcome = payload.find("outcome");
    if (outcome == payload.end() || !outcome->is_string())
        return; // the outcome's own rule reports it
    std::string_view value = outcome->get_ref<const std::string&>();
    bool has_body = payload.contains("external_body");
    if (value == "referred_external" && !has_body)
        add(out, "payload.external_body", "is required when outcome is referred_external");
    if (value != "referred_external" && has_body)
        add(out, "payload.external_body", "only allowed when outcome is referred_external (outcome is "
                                              + std::string(value) + ")");
}

// =============================================================================
// [SECTION] Envelope
// =============================================================================

void check_envelope(const Event& event, const TypeRules& rules, Violations& out)
{
    if (event.v != event_schema_version)
        add(out, "v", "must be " + std::to_string(event_schema_version) + " (got " + std::to_string(event.v) + ")");

    if (!is_uuid(event.id))
        add(out, "id", "must be a UUID" + got(event.id));
    else if (!uuid_v7_unix_ms(event.id))
        add(out, "id", "must be a version 7 UUID" + got(event.id));

    if (!is_uuid(event.device_id))
        add(out, "device_id", "must be a UUID" + got(event.device_id));
    if (event.device_seq < 1)
        add(out, "seq", "must be at least 1 (got " + std::to_string(event.device_seq) + ")");
    if (!is_event_time(event.occurred_at_ms))
        add(out, "occurred_at",
            "must be a time in milliseconds from 2020-01-01 up to 2100-01-01 (got "
                + std::to_string(event.occurred_at_ms) + ")");

    if (!is_valid_actor(event.actor))
        add(out, "actor",
            "must be \"kiosk\", \"staff:<id>\" or \"hq:<id>\" with an id of 1 to 40 characters from A-Z, a-z, "
            "0-9, _, . and -"
                + got(event.actor));
    else if (event.actor == "kiosk" && rules.recorder != Recorder::anyone)
        add(out, "actor",
            std::string(to_string(event.type)) + " must be recorded by staff or head office, not the kiosk");

    std::string type_name(to_string(event.type));
    switch (rules.subject) {
    case Subject::none:
        if (!event.subject.empty())
            add(out, "subject", "must be empty for " + type_name + got(event.subject));
        break;
    case Subject::rated_event:
        if (!is_uuid(event.subject))
            add(out, "subject", "must be the id (a UUID) of the rating this is about" + got(event.subject));
        break;
    case Subject::complaint:
        if (!is_uuid(event.subject))
            add(out, "subject", "must be the complaint's id (a UUID)" + got(event.subject));
        break;
    }
}

} // namespace

// =============================================================================
// [SECTION] Public functions
// =============================================================================

std::string to_string(const Violation& violation)
{
    return violation.field + ": " + violation.message;
}

std::vector<Violation> validate_event(const Event& event)
{
    Violations out;
    const TypeRules& rules = rules_for(event.type);
    check_envelope(event, rules, out);
    if (!event.payload.is_object()) {
        add(out, "payload", "must be an object" + got(event.payload));
        return out;
    }
    check_object(rules.fields, event.payload, "payload.", "for " + std::string(to_string(event.type)), out);
    if (rules.cross_check)
        rules.cross_check(event.payload, out);
    return out;
}

bool is_head_office_only(EventType type)
{
    return rules_for(type).recorder == Recorder::head_office;
}

std::string describe(const std::vector<Violation>& violations)
{
    std::string out;
    for (const Violation& violation : violations) {
        if (!out.empty())
            out += "; ";
        out += to_string(violation);
    }
    return out;
}

std::optional<size_t> utf8_length(std::string_view text)
{
    size_t count = 0;
    size_t i = 0;
    while (i < text.size()) {
        auto lead = static_cast<unsigned char>(text[i]);
        size_t continuation = 0;
        // The second byte's range excludes overlong forms (E0, F0),
        // surrogates (ED) and code points past U+10FFFF (F4).
        unsigned char second_min = 0x80;
        unsigned char second_max = 0xBF;
        if (lead < 0x80) {
            continuation = 0;
        } else if (lead >= 0xC2 && lead <= 0xDF) {
            continuation = 1;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            continuation = 2;
            if (lead == 0xE0) second_min = 0xA0;
            if (lead == 0xED) second_max = 0x9F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            continuation = 3;
            if (lead == 0xF0) second_min = 0x90;
            if (lead == 0xF4) second_max = 0x8F;
        } else {
            return std::nullopt; // continuation byte, C0/C1 overlong lead, or F5-FF
        }
        if (text.size() - i <= continuation)
            return std::nullopt; // truncated at the end
        for (size_t k = 1; k <= continuation; ++k) {
            auto byte = static_cast<unsigned char>(text[i + k]);
            unsigned char lo = k == 1 ? second_min : 0x80;
            unsigned char hi = k == 1 ? second_max : 0xBF;
            if (byte < lo || byte > hi)
                return std::nullopt;
        }
        i += continuation + 1;
        ++count;
    }
    return count;
}

bool is_valid_email(std::string_view text)
{
    Violations found;
    check_email(Json(std::string(text)), "email", found);
    return found.empty();
}

bool is_config_id(std::string_view text)
{
    if (text.empty() || text.size() > 40)
        return false;
    return std::all_of(text.begin(), text.end(), [](char c) { return is_lower(c) || is_digit(c) || c == '_'; });
}

} // namespace feedback
