// Drafts of contact details and complaints, and the pre-recording check that
// runs the shared event validation and turns broken rules into translation
// keys per field (drafts.h).
#include "flows/drafts.h"

#include "domain/refcode.h"
#include "domain/validation.h"
#include "flows/message_keys.h"

#include <algorithm>

namespace feedback::flows {

namespace {

using Json = nlohmann::json;

// A valid envelope around the payload being checked, so that only the
// payload's own rules can fail.
constexpr std::string_view placeholder_id = "0192f4a8-0000-7000-8000-000000000000";
constexpr int64_t placeholder_time_ms = 1'764'000'000'000; // 2025-11-24

void put_unless_blank(Json& object, const char* key, const std::string& text)
{
    if (!is_blank(text))
        object[key] = text;
}

// The payload key a violation is about: "payload.contact.phone" -> "phone",
// "payload.amount_cents" -> "amount_cents", "payload.reason_ids[1]" -> "reason_ids".
std::string_view violation_key(std::string_view path)
{
    for (std::string_view prefix : {std::string_view{"payload.contact."}, std::string_view{"payload."}}) {
        if (path.starts_with(prefix)) {
            path.remove_prefix(prefix.size());
            return path.substr(0, path.find('['));
        }
    }
    return {};
}

std::optional<Field> field_of_key(std::string_view key)
{
    if (key == "amount_cents")
        return Field::amount;
    for (int i = 0; i <= static_cast<int>(Field::handling_score); ++i) {
        auto field = static_cast<Field>(i);
        if (field != Field::none && to_string(field) == key)
            return field;
    }
    return std::nullopt;
}

// The value a violation is about, or null when it is missing.
const Json* violated_value(const Json& payload, std::string_view path, std::string_view key)
{
    const Json* owner = &payload;
    if (path.starts_with("payload.contact.")) {
        auto contact = payload.find("contact");
        if (contact == payload.end() || !contact->is_object())
            return nullptr;
        owner = &*contact;
    }
    auto it = owner->find(key);
    return it == owner->end() ? nullptr : &*it;
}

FieldError error_on(Field field, std::string_view key, std::map<std::string, std::string> args = {})
{
    return FieldError{field, Message{std::string(key), std::move(args)}};
}

std::string_view required_key(Field field)
{
    switch (field) {
    case Field::description: return keys::description_needed;
    case Field::customer_wish: return keys::wish_needed;
    case Field::amount: return keys::amount_needed;
    case Field::reason: return keys::reason_needed;
    case Field::external_body: return keys::body_needed;
    default: return keys::required;
    }
}

std::string_view invalid_key(Field field)
{
    switch (field) {
    case Field::phone: return keys::invalid_phone;
    case Field::email: return keys::invalid_email;
    case Field::amount: return keys::amount_needed;
    default: return keys::generic; // invalid UTF-8: no keyboard makes it
    }
}

std::optional<FieldError> to_field_error(const Violation& violation, const Json& payload)
{
    if (violation.field == "payload.contact")
        return error_on(Field::phone, keys::need_phone_or_email);
    if (violation.field == "payload.contact.consent")
        return error_on(Field::consent, keys::consent_needed);
    std::string_view key = violation_key(violation.field);
    auto field = field_of_key(key);
    if (!field)
        return std::nullopt;
    const Json* value = violated_value(payload, violation.field, key);
    if (!value || (value->is_string() && is_blank(value->get_ref<const std::string&>())))
        return error_on(*field, required_key(*field));
    if (value->is_string() && max_chars(*field) > 0) {
        auto length = utf8_length(value->get_ref<const std::string&>());
        if (length && *length > static_cast<size_t>(max_chars(*field)))
            return error_on(*field, keys::too_long, {{"max", std::to_string(max_chars(*field))}});
    }
    return error_on(*field, invalid_key(*field));
}

} // namespace

// =============================================================================
// [SECTION] Drafts
// =============================================================================

bool ContactDraft::empty() const
{
    return !consent && is_blank(name) && is_blank(phone) && is_blank(email);
}

nlohmann::json ContactDraft::to_json() const
{
    Json contact{{"consent", consent}};
    put_unless_blank(contact, "name", name);
    put_unless_blank(contact, "phone", phone);
    put_unless_blank(contact, "email", email);
    return contact;
}

nlohmann::json ComplaintDraft::payload(bool with_contact) const
{
    Json out = Json::object();
    put_unless_blank(out, "channel", channel);
    put_unless_blank(out, "category", category);
    out["description"] = description;
    out["customer_wish"] = customer_wish;
    put_unless_blank(out, "product_ref", product_ref);
    put_unless_blank(out, "receipt_ref", receipt_ref);
    if (with_contact)
        out["contact"] = contact.to_json();
    return out;
}

bool set_text(ContactDraft& draft, Field field, std::string text)
{
    switch (field) {
    case Field::name: draft.name = std::move(text); return true;
    case Field::phone: draft.phone = std::move(text); return true;
    case Field::email: draft.email = std::move(text); return true;
    default: return false;
    }
}

bool set_text(ComplaintDraft& draft, Field field, std::string text)
{
    switch (field) {
    case Field::description: draft.description = std::move(text); return true;
    case Field::product_ref: draft.product_ref = std::move(text); return true;
    case Field::receipt_ref: draft.receipt_ref = std::move(text); return true;
    case Field::customer_wish: draft.customer_wish = std::move(text); return true;
    default: return set_text(draft.contact, field, std::move(text));
    }
}

// =============================================================================
// [SECTION] Checks
// =============================================================================

std::vector<FieldError> check_payload(EventType type, std::string_view actor, const nlohmann::json& payload,
                                      std::span<const Field> fields)
{
    Event event;
    event.id = placeholder_id;
    event.type = type;
    event.occurred_at_ms = placeholder_time_ms;
    event.actor = actor;
    event.device_id = placeholder_id;
    event.device_seq = 1;
    event.payload = payload;
    if (type != EventType::nps_rated)
        event.subject = placeholder_id;
    if (type == EventType::complaint_opened && !event.payload.contains("reference"))
        event.payload["reference"] = make_refcode("XXX", "22", 0);

    std::vector<FieldError> out;
    for (const Violation& violation : validate_event(event)) {
        auto error = to_field_error(violation, event.payload);
        if (!error || std::find(fields.begin(), fields.end(), error->field) == fields.end())
            continue;
        if (!find_error(out, error->field)) // the first broken rule per field is enough
            out.push_back(std::move(*error));
    }
    return out;
}

FieldError store_error(const Error& error)
{
    std::string_view key = keys::generic;
    switch (error.kind) {
    case ErrorKind::disk_full: key = keys::disk_full; break;
    case ErrorKind::io:
    case ErrorKind::busy:
    case ErrorKind::corrupt: key = keys::storage; break;
    default: break;
    }
    return error_on(Field::none, key, {{"detail", error.message}});
}

bool is_blank(std::string_view text)
{
    return text.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

} // namespace feedback::flows
