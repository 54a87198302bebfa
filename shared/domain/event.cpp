// Event type names and the version-1 wire codec.
#include "event.h"

namespace feedback {

namespace {

constexpr std::array<std::string_view, all_event_types.size()> event_type_names{
    "nps.rated",          "nps.detailed",       "complaint.opened",
    "complaint.acknowledged", "complaint.resolved", "complaint.customer_response",
    "complaint.escalated", "complaint.closed",  "complaint.reopened",
    "complaint.assistance_requested", "complaint.root_cause_recorded", "complaint.action_planned",
    "complaint.action_checked", "nps.followed_up", "complaint.assessed",
    "complaint.noted",    "complaint.messaged", "complaint.erased",
};

Error envelope_error(std::string message)
{
    return Error{ErrorKind::invalid_input, std::move(message)};
}

} // namespace

std::string_view to_string(EventType type)
{
    return event_type_names[static_cast<size_t>(type)];
}

std::optional<EventType> event_type_from_string(std::string_view name)
{
    for (size_t i = 0; i < event_type_names.size(); ++i)
        if (event_type_names[i] == name)
            return all_event_types[i];
    return std::nullopt;
}

bool is_complaint_event(EventType type)
{
    return type != EventType::nps_rated && type != EventType::nps_detailed && type != EventType::nps_followed_up;
}

nlohmann::json to_json(const Event& event)
{
    nlohmann::json out{
        {"v", event.v},
        {"id", event.id},
        {"type", to_string(event.type)},
    };
    if (!event.subject.empty())
        out["subject"] = event.subject;
    out["occurred_at"] = event.occurred_at_ms;
    out["actor"] = event.actor;
    out["device_id"] = event.device_id;
    out["seq"] = event.device_seq;
    out["payload"] = event.payload;
    return out;
}

Result<Event> event_from_json(const nlohmann::json& json)
{
    if (!json.is_object())
        return envelope_error("an event must be a JSON object");
    auto v = json.find("v");
    if (v == json.end() || !v->is_number_integer())
        return envelope_error("v: the schema version is missing or not an integer");
    if (v->get<int64_t>() != event_schema_version)
        return envelope_error("v: schema version " + v->dump() + " is not known to this program (it reads version 1)");

    static constexpr std::array<std::string_view, 9> known{
        "v", "id", "type", "subject", "occurred_at", "actor", "device_id", "seq", "payload"};
    for (const auto& [key, value] : json.items()) {
        bool is_known = false;
        for (auto k : known)
            is_known = is_known || k == key;
        if (!is_known)
            return envelope_error(key + ": unknown field in the event envelope");
    }

    auto text = [&](const char* key, bool required) -> Result<std::string> {
        auto it = json.find(key);
        if (it == json.end() || it->is_null()) {
            if (required)
                return envelope_error(std::string(key) + ": required");
            return std::string{};
        }
        if (!it->is_string())
            return envelope_error(std::string(key) + ": must be a string");
        return it->get<std::string>();
    };
    auto integer = [&](const char* key) -> Result<int64_t> {
        auto it = json.find(key);
        if (it == json.end())
            return envelope_error(std::string(key) + ": required");
        if (!it->is_number_integer())
            return envelope_error(std::string(key) + ": must be an integer");
        // get<int64_t>() would wrap an unsigned value past INT64_MAX to a negative one.
        if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
            return envelope_error(std::string(key) + ": must be an integer of at most " + std::to_string(INT64_MAX));
        return it->get<int64_t>();
    };

    Event event;
    event.v = event_schema_version;
    auto id = text("id", true);
    if (!id) return id.error();
    auto type_name = text("type", true);
    if (!type_name) return type_name.error();
    auto type = event_type_from_string(*type_name);
    if (!type)
        return envelope_error("type: unknown event type \"" + *type_name + "\"");
    auto subject = text("subject", false);
    if (!subject) return subject.error();
    auto occurred = integer("occurred_at");
    if (!occurred) return occurred.error();
    auto actor = text("actor", true);
    if (!actor) return actor.error();
    auto device = text("device_id", true);
    if (!device) return device.error();
    auto seq = integer("seq");
    if (!seq) return seq.error();
    auto payload = json.find("payload");
    if (payload == json.end() || !payload->is_object())
        return envelope_error("payload: required, and must be a JSON object");

    event.id = std::move(*id);
    event.type = *type;
    event.subject = std::move(*subject);
    event.occurred_at_ms = *occurred;
    event.actor = std::move(*actor);
    event.device_id = std::move(*device);
    event.device_seq = *seq;
    event.payload = *payload;
    return event;
}

bool erase_free_texts(nlohmann::json& payload)
{
    bool changed = false;
    if (!payload.is_object())
        return false;
    for (std::string_view field : free_text_fields) {
        auto it = payload.find(field);
        if (it != payload.end() && it->is_string() && *it != erased_text) {
            *it = erased_text;
            changed = true;
        }
    }
    return changed;
}

Event without_personal_fields(Event event)
{
    take_personal_fields(event.payload);
    return event;
}

nlohmann::json take_personal_fields(nlohmann::json& payload)
{
    nlohmann::json personal = nlohmann::json::object();
    if (!payload.is_object())
        return personal;
    for (auto field : personal_payload_fields) {
        std::string key(field);
        auto it = payload.find(key);
        if (it != payload.end()) {
            personal[key] = std::move(*it);
            payload.erase(it);
        }
    }
    return personal;
}

} // namespace feedback
