// Parsing of `feedback-terminal record` input lines.
#include "event_input.h"

#include <array>

namespace feedback::terminal {

namespace {

// Survey version used until head office distributes a configuration.
constexpr int default_survey_version = 1;

Error input_error(std::string message) { return Error{ErrorKind::invalid_input, std::move(message)}; }

} // namespace

Result<InputEvent> parse_input_line(std::string_view line)
{
    nlohmann::json json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_discarded())
        return input_error("not valid JSON");
    if (!json.is_object())
        return input_error("must be a JSON object such as {\"type\":\"nps.rated\",\"score\":9,\"locale\":\"nl\"}");

    for (const char* filled : {"id", "v", "device_id", "seq", "occurred_at", "payload"})
        if (json.contains(filled))
            return input_error(std::string(filled) + ": filled in by the program; leave it out (payload fields go at "
                                                     "the top level)");

    auto type_field = json.find("type");
    if (type_field == json.end() || !type_field->is_string())
        return input_error("type: required, a string such as \"nps.rated\"");
    auto type = event_type_from_string(type_field->get<std::string>());
    if (!type)
        return input_error("type: unknown event type \"" + type_field->get<std::string>() + "\"");

    InputEvent input;
    input.event.type = *type;
    json.erase("type");

    int subject_fields = 0;
    for (const char* key : {"subject", "complaint", "rating", "actor"}) {
        auto it = json.find(key);
        if (it == json.end())
            continue;
        if (!it->is_string())
            return input_error(std::string(key) + ": must be a string");
        std::string value = it->get<std::string>();
        json.erase(it);
        std::string_view name(key);
        if (name == "actor") {
            input.event.actor = value;
            continue;
        }
        ++subject_fields;
        if (name == "complaint") {
            if (!is_complaint_event(*type))
                return input_error("complaint: only complaint events name a complaint");
            input.complaint = value;
        } else if (name == "rating") {
            if (*type != EventType::nps_detailed)
                return input_error("rating: only nps.detailed names a rating");
            input.event.subject = value;
        } else {
            input.event.subject = value;
        }
    }
    if (subject_fields > 1)
        return input_error("give only one of subject, complaint and rating");
    if (*type == EventType::complaint_opened && subject_fields > 0)
        return input_error("complaint.opened makes a new complaint; its id and reference are filled in by the program");
    if (*type == EventType::nps_rated && !json.contains("survey_version"))
        json["survey_version"] = default_survey_version;

    input.event.payload = std::move(json);
    return input;
}

} // namespace feedback::terminal
