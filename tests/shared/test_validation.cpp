// Tests for validate_event(): a valid example of every event type passes, and
// every envelope and payload rule is broken once, with the exact message.
#include "domain/ids.h"
#include "domain/refcode.h"
#include "domain/validation.h"

#include <catch2/catch.hpp>

#include <string>

using namespace feedback;
using Json = nlohmann::json;

namespace {

constexpr int64_t test_time_ms = 1'732'441'800'123; // 2024-11-24T09:50:00.123Z

Json valid_contact()
{
    return Json{{"consent", true}, {"name", "Anna de Vries"}, {"phone", "+31 (0)20-123 4567"},
                {"email", "anna@example.nl"}};
}

Json valid_payload(EventType type)
{
    switch (type) {
    case EventType::nps_rated:
        return Json{{"score", 9}, {"survey_version", 1}, {"locale", "nl"}};
    case EventType::nps_detailed:
        return Json{{"reason_ids", Json::array({"friendly_staff", "short_queue"})},
                    {"comment", "Snelle service, één kassa open."},
                    {"contact", valid_contact()}};
    case EventType::complaint_opened:
        return Json{{"channel", "walk_in"},
                    {"category", "product_quality"},
                    {"description", "De broodrooster is na twee dagen kapot."},
                    {"customer_wish", "Een nieuwe broodrooster."},
                    {"reference", make_refcode("UTR", "2A", 7)},
                    {"product_ref", "SKU-48213"},
                    {"receipt_ref", "R-2024-11-24-0031"},
                    {"contact", valid_contact()}};
    case EventType::complaint_acknowledged:
        return Json{{"note", "Klant gebeld, we zoeken het uit."}};
    case EventType::complaint_resolved:
        return Json{{"resolution", "refund"}, {"on_the_spot", true}, {"amount_cents", 2499}, {"note", "Terugbetaald."}};
    case EventType::complaint_customer_response:
        return Json{{"satisfied", true}, {"handling_score", 5}, {"comment", "Netjes opgelost."}};
    case EventType::complaint_escalated:
        return Json{{"reason", "Bedrag boven de limiet van de winkel."}};
    case EventType::complaint_closed:
        return Json{{"outcome", "resolved"}, {"note", "Klant tevreden."}};
    case EventType::complaint_reopened:
        return Json{{"reason", "Klant belde terug: het nieuwe apparaat is ook kapot."}};
    case EventType::complaint_assistance_requested:
        return Json{{"note", "Klant wacht bij de kiosk."}};
    case EventType::complaint_root_cause_recorded:
        return Json{{"root_cause", "supplier_quality"}, {"note", "Partij broodroosters van leverancier X."}};
    case EventType::complaint_action_planned:
        return Json{{"action_id", "0192f4a8-0000-7000-8000-00000000ac01"},
                    {"kind", "preventive"},
                    {"description", "Steekproef bij elke nieuwe levering."},
                    {"owner", "Inkoop: Jan"},
                    {"due_at", test_time_ms + 14 * 86'400'000LL}};
    case EventType::complaint_action_checked:
        return Json{{"action_id", "0192f4a8-0000-7000-8000-00000000ac01"}, {"effective", true}};
    case EventType::nps_followed_up:
        return Json{{"outcome", "reached"}, {"note", "Excuses aangeboden."}};
    case EventType::complaint_assessed:
        return Json{{"severity", "safety"}, {"owner", "quality.lead"}, {"note", "Kind kon bij het snoer."}};
    case EventType::complaint_noted:
        return Json{{"note", "Leverancier gebeld: bekend probleem met deze partij."}};
    case EventType::complaint_messaged:
        return Json{{"message", "decision"}, {"status", "failed"}, {"reason", "SMTP 550: No such mailbox here"}};
    case EventType::complaint_erased:
        return Json{{"texts", true}};
    }
    return Json::object();
}

// A valid event of `type`, for tests to break one field at a time.
Event valid_event(EventType type)
{
    Event event;
    event.type = type;
    event.id = make_uuid_v7(test_time_ms);
    event.occurred_at_ms = test_time_ms;
    event.device_id = make_uuid_v7(test_time_ms - 86'400'000);
    event.device_seq = 1;
    bool staff_step = type == EventType::complaint_acknowledged || type == EventType::complaint_resolved
        || type == EventType::complaint_escalated || type == EventType::complaint_closed
        || type == EventType::complaint_reopened || type == EventType::complaint_assessed
        || type == EventType::complaint_noted;
    bool head_office_step = type == EventType::complaint_root_cause_recorded
        || type == EventType::complaint_action_planned || type == EventType::complaint_action_checked
        || type == EventType::nps_followed_up || type == EventType::complaint_messaged
        || type == EventType::complaint_erased;
    event.actor = staff_step ? "staff:anna" : head_office_step ? "hq:quality.lead" : "kiosk";
    if (type != EventType::nps_rated)
        event.subject = make_uuid_v7(test_time_ms - 60'000);
    event.payload = valid_payload(type);
    return event;
}

// Every violation as "field: message", joined with "; ".
std::string problems(const Event& event)
{
    return describe(validate_event(event));
}

Event with_payload(EventType type, const std::string& key, Json value)
{
    Event event = valid_event(type);
    event.payload[key] = std::move(value);
    return event;
}

Event without(EventType type, const std::string& key)
{
    Event event = valid_event(type);
    event.payload.erase(key);
    return event;
}

Event with_contact(const std::string& key, Json value)
{
    Event event = valid_event(EventType::complaint_opened);
    event.payload["contact"][key] = std::move(value);
    return event;
}

Event without_contact_field(const std::string& key)
{
    Event event = valid_event(EventType::complaint_opened);
    event.payload["contact"].erase(key);
    return event;
}

} // namespace

// =============================================================================
// [SECTION] Valid events
// =============================================================================

TEST_CASE("a valid event of every type passes", "[validation]")
{
    for (EventType type : all_event_types) {
        INFO(to_string(type));
        CHECK(problems(valid_event(type)).empty());
    }
}

TEST_CASE("valid variants pass", "[validation]")
{
    SECTION("nps.rated at both ends of the scale, with an English or regional locale")
    {
        CHECK(problems(with_payload(EventType::nps_rated, "score", 0)).empty());
        CHECK(problems(with_payload(EventType::nps_rated, "score", 10)).empty());
        CHECK(problems(with_payload(EventType::nps_rated, "locale", "en")).empty());
        CHECK(problems(with_payload(EventType::nps_rated, "locale", "nl-BE")).empty());
        CHECK(problems(with_payload(EventType::nps_rated, "locale", "de")).empty());
    }
    SECTION("nps.detailed with only one of reasons, comment or contact")
    {
        Event event = valid_event(EventType::nps_detailed);
        event.payload = Json{{"reason_ids", Json::array({"queue"})}};
        CHECK(problems(event).empty());
        event.payload = Json{{"comment", "Prima"}};
        CHECK(problems(event).empty());
        event.payload = Json{{"contact", {{"consent", true}, {"email", "a@b.nl"}}}};
        CHECK(problems(event).empty());
    }
    SECTION("complaint.opened without the optional fields")
    {
        Event event = valid_event(EventType::complaint_opened);
        for (const char* key : {"product_ref", "receipt_ref", "contact"})
            event.payload.erase(key);
        CHECK(problems(event).empty());
    }
    SECTION("contact with a phone number only or an e-mail address only")
    {
        CHECK(problems(without_contact_field("email")).empty());
        CHECK(problems(without_contact_field("phone")).empty());
        CHECK(problems(without_contact_field("name")).empty());
    }
    SECTION("complaint.resolved: amount optional for replacement, repair and other; none for apology")
    {
        for (const char* resolution : {"replacement", "repair", "other"}) {
            INFO(resolution);
            Event event = with_payload(EventType::complaint_resolved, "resolution", resolution);
            CHECK(problems(event).empty());
            event.payload.erase("amount_cents");
            CHECK(problems(event).empty());
        }
        Event apology = without(EventType::complaint_resolved, "amount_cents");
        apology.payload["resolution"] = "apology";
        CHECK(problems(apology).empty());
        CHECK(problems(with_payload(EventType::complaint_resolved, "amount_cents", 0)).empty());
        CHECK(problems(with_payload(EventType::complaint_resolved, "amount_cents", 10'000'000)).empty());
    }
    SECTION("complaint.closed referred to an external body")
    {
        Event event = with_payload(EventType::complaint_closed, "outcome", "referred_external");
        event.payload["external_body"] = "Geschillencommissie";
        CHECK(problems(event).empty());
    }
    SECTION("payloads with only the required fields")
    {
        CHECK(problems(without(EventType::complaint_acknowledged, "note")).empty());
        Event response = valid_event(EventType::complaint_customer_response);
        response.payload = Json{{"satisfied", false}};
        CHECK(problems(response).empty());
    }
    SECTION("staff and head-office actors")
    {
        Event event = valid_event(EventType::complaint_resolved);
        event.actor = "hq:quality.team-1";
        CHECK(problems(event).empty());
        event.actor = "staff:" + std::string(40, 'a');
        CHECK(problems(event).empty());
        Event opened = valid_event(EventType::complaint_opened);
        opened.actor = "staff:anna";
        CHECK(problems(opened).empty());
    }
    SECTION("the time range includes 2020-01-01T00:00:00Z")
    {
        Event event = valid_event(EventType::nps_rated);
        event.occurred_at_ms = 1'577'836'800'000;
        event.id = make_uuid_v7(event.occurred_at_ms);
        CHECK(problems(event).empty());
    }
}

// =============================================================================
// [SECTION] Envelope
// =============================================================================

TEST_CASE("envelope rules", "[validation]")
{
    Event event = valid_event(EventType::nps_rated);

    SECTION("v must be 1")
    {
        event.v = 2;
        CHECK(problems(event) == "v: must be 1 (got 2)");
    }
    SECTION("id must be a UUID")
    {
        event.id = "not-a-uuid";
        CHECK(problems(event) == "id: must be a UUID (got \"not-a-uuid\")");
    }
    SECTION("id must be a version 7 UUID")
    {
        event.id = "123e4567-e89b-42d3-a456-426614174000"; // version 4
        CHECK(problems(event) == "id: must be a version 7 UUID (got \"123e4567-e89b-42d3-a456-426614174000\")");
    }
    SECTION("device_id must be a UUID")
    {
        event.device_id = "";
        CHECK(problems(event) == "device_id: must be a UUID (got \"\")");
    }
    SECTION("seq must be at least 1")
    {
        event.device_seq = 0;
        CHECK(problems(event) == "seq: must be at least 1 (got 0)");
    }
    SECTION("occurred_at before 2020")
    {
        event.occurred_at_ms = 1'577'836'799'999;
        CHECK(problems(event)
              == "occurred_at: must be a time in milliseconds from 2020-01-01 up to 2100-01-01 (got 1577836799999)");
    }
    SECTION("occurred_at in 2100 or later")
    {
        event.occurred_at_ms = 4'102'444'800'000;
        CHECK(problems(event)
              == "occurred_at: must be a time in milliseconds from 2020-01-01 up to 2100-01-01 (got 4102444800000)");
    }
    SECTION("occurred_at in seconds instead of milliseconds")
    {
        event.occurred_at_ms = 1'732'441'800;
        CHECK(problems(event).starts_with("occurred_at: must be a time in milliseconds"));
    }
    SECTION("actor forms")
    {
        const std::string message = "actor: must be \"kiosk\", \"staff:<id>\" or \"hq:<id>\" with an id of 1 to 40 "
                                    "characters from A-Z, a-z, 0-9, _, . and -";
        for (const char* actor : {"", "Kiosk", "staff:", "staff", "hq:a b", "admin:anna", "staff:anna!"}) {
            INFO(actor);
            event.actor = actor;
            CHECK(problems(event) == message + " (got \"" + actor + "\")");
        }
        event.actor = "staff:" + std::string(41, 'a');
        CHECK(problems(event).starts_with(message));
    }
    SECTION("echoing invalid UTF-8 or a long value in a message neither throws nor floods it")
    {
        event.actor = "staff:\xC3";
        std::string message;
        REQUIRE_NOTHROW(message = problems(event));
        CHECK(message.starts_with("actor: must be \"kiosk\""));
        event.actor = "kiosk";
        event.payload["locale"] = std::string(5000, 'x');
        REQUIRE_NOTHROW(message = problems(event));
        CHECK(message.starts_with("payload.locale: must be a language code"));
        CHECK(message.size() < 200);
    }
    SECTION("payload must be an object")
    {
        event.payload = Json::array({1, 2});
        CHECK(problems(event) == "payload: must be an object (got [1,2])");
    }
    SECTION("every broken rule is reported, in one go")
    {
        event.v = 3;
        event.device_seq = -1;
        event.payload["score"] = 11;
        auto violations = validate_event(event);
        REQUIRE(violations.size() == 3);
        CHECK(to_string(violations[0]) == "v: must be 1 (got 3)");
        CHECK(describe(violations) == "v: must be 1 (got 3); seq: must be at least 1 (got -1); "
                                      "payload.score: must be an integer from 0 to 10 (got 11)");
    }
}

TEST_CASE("subject rules", "[validation]")
{
    SECTION("nps.rated has no subject")
    {
        Event event = valid_event(EventType::nps_rated);
        event.subject = make_uuid_v7(test_time_ms);
        CHECK(problems(event) == "subject: must be empty for nps.rated (got \"" + event.subject + "\")");
    }
    SECTION("nps.detailed needs the rating's id")
    {
        Event event = valid_event(EventType::nps_detailed);
        event.subject = "";
        CHECK(problems(event) == "subject: must be the id (a UUID) of the rating this is about (got \"\")");
    }
    SECTION("every complaint event needs the complaint id")
    {
        for (EventType type : all_event_types) {
            if (!is_complaint_event(type))
                continue;
            INFO(to_string(type));
            Event event = valid_event(type);
            event.subject = "UTR-2A-4F9TX";
            CHECK(problems(event) == "subject: must be the complaint's id (a UUID) (got \"UTR-2A-4F9TX\")");
        }
    }
}

TEST_CASE("only head office records its analysis and call-backs, terminals the rest", "[validation]")
{
    for (EventType type : all_event_types) {
        INFO(to_string(type));
        bool head_office_only = type == EventType::complaint_root_cause_recorded ||
                                type == EventType::complaint_action_planned ||
                                type == EventType::complaint_action_checked || type == EventType::nps_followed_up ||
                                type == EventType::complaint_messaged || type == EventType::complaint_erased;
        CHECK(is_head_office_only(type) == head_office_only);
    }
}

TEST_CASE("staff steps are not recorded by the kiosk", "[validation]")
{
    for (EventType type : {EventType::complaint_acknowledged, EventType::complaint_resolved,
                           EventType::complaint_escalated, EventType::complaint_closed,
                           EventType::complaint_reopened, EventType::complaint_root_cause_recorded,
                           EventType::complaint_action_planned, EventType::complaint_action_checked,
                           EventType::nps_followed_up, EventType::complaint_assessed, EventType::complaint_noted}) {
        INFO(to_string(type));
        Event event = valid_event(type);
        event.actor = "kiosk";
        CHECK(problems(event)
              == "actor: " + std::string(to_string(type)) + " must be recorded by staff or head office, not the kiosk");
    }
    for (EventType type : {EventType::nps_rated, EventType::nps_detailed, EventType::complaint_opened,
                           EventType::complaint_customer_response}) {
        INFO(to_string(type));
        Event event = valid_event(type);
        event.actor = "kiosk";
        CHECK(problems(event).empty());
        event.actor = "hq:care";
        CHECK(problems(event).empty());
    }
}

// =============================================================================
// [SECTION] Payload: shared rules
// =============================================================================

TEST_CASE("unknown payload fields are refused for every type", "[validation]")
{
    for (EventType type : all_event_types) {
        INFO(to_string(type));
        Event event = with_payload(type, "foo", 1);
        CHECK(problems(event) == "payload.foo: unknown field for " + std::string(to_string(type)));
    }
}

TEST_CASE("required fields", "[validation]")
{
    struct Case {
        EventType type;
        const char* field;
    };
    for (auto [type, field] : {Case{EventType::nps_rated, "score"}, Case{EventType::nps_rated, "survey_version"},
                               Case{EventType::nps_rated, "locale"}, Case{EventType::complaint_opened, "channel"},
                               Case{EventType::complaint_opened, "category"},
                               Case{EventType::complaint_opened, "description"},
                               Case{EventType::complaint_opened, "customer_wish"},
                               Case{EventType::complaint_opened, "reference"},
                               Case{EventType::complaint_resolved, "resolution"},
                               Case{EventType::complaint_resolved, "on_the_spot"},
                               Case{EventType::complaint_customer_response, "satisfied"},
                               Case{EventType::complaint_escalated, "reason"},
                               Case{EventType::complaint_closed, "outcome"},
                               Case{EventType::complaint_reopened, "reason"}}) {
        INFO(to_string(type) << " " << field);
        CHECK(problems(without(type, field)) == "payload." + std::string(field) + ": is required");
    }
}

TEST_CASE("wrong JSON types say what the type must be", "[validation]")
{
    SECTION("integers must be JSON integers")
    {
        CHECK(problems(with_payload(EventType::nps_rated, "score", 9.0))
              == "payload.score: must be an integer from 0 to 10 (got 9.0)");
        CHECK(problems(with_payload(EventType::nps_rated, "score", "9"))
              == "payload.score: must be an integer from 0 to 10 (got \"9\")");
        CHECK(problems(with_payload(EventType::nps_rated, "score", true))
              == "payload.score: must be an integer from 0 to 10 (got true)");
        CHECK(problems(with_payload(EventType::nps_rated, "score", nullptr))
              == "payload.score: must be an integer from 0 to 10 (got null)");
    }
    SECTION("booleans must be JSON booleans")
    {
        CHECK(problems(with_payload(EventType::complaint_resolved, "on_the_spot", 1))
              == "payload.on_the_spot: must be a boolean, true or false (got 1)");
        CHECK(problems(with_payload(EventType::complaint_customer_response, "satisfied", "true"))
              == "payload.satisfied: must be a boolean, true or false (got \"true\")");
    }
    SECTION("text must be a string")
    {
        CHECK(problems(with_payload(EventType::complaint_opened, "description", 42))
              == "payload.description: must be a string (got 42)");
        CHECK(problems(with_payload(EventType::complaint_acknowledged, "note", Json::array()))
              == "payload.note: must be a string (got [])");
    }
    SECTION("enums must be one of their strings")
    {
        CHECK(problems(with_payload(EventType::complaint_opened, "channel", 3))
              == "payload.channel: must be one of kiosk, walk_in, phone, email, letter, social or web_form (got 3)");
    }
    SECTION("reason_ids must be an array")
    {
        CHECK(problems(with_payload(EventType::nps_detailed, "reason_ids", "queue"))
              == "payload.reason_ids: must be an array of ids (got \"queue\")");
    }
    SECTION("contact must be an object")
    {
        CHECK(problems(with_payload(EventType::complaint_opened, "contact", "anna@example.nl"))
              == "payload.contact: must be an object");
    }
    SECTION("reference must be a string")
    {
        CHECK(problems(with_payload(EventType::complaint_opened, "reference", 7))
              == "payload.reference: must be a string (got 7)");
    }
}

TEST_CASE("integer ranges", "[validation]")
{
    CHECK(problems(with_payload(EventType::nps_rated, "score", 11))
          == "payload.score: must be an integer from 0 to 10 (got 11)");
    CHECK(problems(with_payload(EventType::nps_rated, "score", -1))
          == "payload.score: must be an integer from 0 to 10 (got -1)");
    CHECK(problems(with_payload(EventType::nps_rated, "survey_version", 0))
          == "payload.survey_version: must be an integer of at least 1 (got 0)");
    CHECK(problems(with_payload(EventType::complaint_customer_response, "handling_score", 0))
          == "payload.handling_score: must be an integer from 1 to 5 (got 0)");
    CHECK(problems(with_payload(EventType::complaint_customer_response, "handling_score", 6))
          == "payload.handling_score: must be an integer from 1 to 5 (got 6)");
    CHECK(problems(with_payload(EventType::complaint_resolved, "amount_cents", 10'000'001))
          == "payload.amount_cents: must be an integer from 0 to 10000000 (got 10000001)");
    CHECK(problems(with_payload(EventType::complaint_resolved, "amount_cents", -5))
          == "payload.amount_cents: must be an integer from 0 to 10000000 (got -5)");
    CHECK(problems(with_payload(EventType::complaint_resolved, "amount_cents", 18'446'744'073'709'551'615ULL))
          == "payload.amount_cents: must be an integer from 0 to 10000000 (got 18446744073709551615)");
}

TEST_CASE("enums", "[validation]")
{
    CHECK(problems(with_payload(EventType::complaint_opened, "channel", "fax"))
          == "payload.channel: must be one of kiosk, walk_in, phone, email, letter, social or web_form (got \"fax\")");
    CHECK(problems(with_payload(EventType::complaint_resolved, "resolution", "Refund"))
          == "payload.resolution: must be one of refund, replacement, repair, apology, explanation, voucher or "
             "other (got \"Refund\")");
    CHECK(problems(with_payload(EventType::complaint_closed, "outcome", "solved"))
          == "payload.outcome: must be one of resolved, unresolved, withdrawn or referred_external (got \"solved\")");
}

// =============================================================================
// [SECTION] Payload: text and UTF-8
// =============================================================================

TEST_CASE("text lengths count code points", "[validation]")
{
    auto dutch = [](size_t chars) {
        std::string text = "ë"; // two bytes, one character
        for (size_t i = 1; i < chars; ++i)
            text += static_cast<char>('a' + static_cast<char>(i % 26));
        return text;
    };
    SECTION("a 500-character comment with ë passes, 501 fails")
    {
        CHECK(problems(with_payload(EventType::nps_detailed, "comment", dutch(500))).empty());
        CHECK(problems(with_payload(EventType::nps_detailed, "comment", dutch(501)))
              == "payload.comment: must be at most 500 characters (got 501)");
    }
    SECTION("every limited text field, one past its limit")
    {
        struct Case {
            EventType type;
            const char* field;
            size_t max;
            bool required;
        };
        for (auto c : {Case{EventType::complaint_opened, "description", 2000, true},
                       Case{EventType::complaint_opened, "customer_wish", 500, true},
                       Case{EventType::complaint_opened, "product_ref", 100, false},
                       Case{EventType::complaint_opened, "receipt_ref", 100, false},
                       Case{EventType::complaint_acknowledged, "note", 1000, false},
                       Case{EventType::complaint_resolved, "note", 1000, false},
                       Case{EventType::complaint_customer_response, "comment", 500, false},
                       Case{EventType::complaint_escalated, "reason", 500, true},
                       Case{EventType::complaint_closed, "note", 1000, false},
                       Case{EventType::complaint_reopened, "reason", 500, true}}) {
            INFO(to_string(c.type) << " " << c.field);
            CHECK(problems(with_payload(c.type, c.field, dutch(c.max))).empty());
            std::string limit = c.required ? "1 to " + std::to_string(c.max) : "at most " + std::to_string(c.max);
            CHECK(problems(with_payload(c.type, c.field, dutch(c.max + 1)))
                  == "payload." + std::string(c.field) + ": must be " + limit + " characters (got "
                         + std::to_string(c.max + 1) + ")");
        }
        Event closed = with_payload(EventType::complaint_closed, "outcome", "referred_external");
        closed.payload["external_body"] = dutch(201);
        CHECK(problems(closed) == "payload.external_body: must be 1 to 200 characters (got 201)");
    }
    SECTION("required text must not be empty or only whitespace")
    {
        for (const char* blank : {"", "   ", " \t\n"}) {
            CHECK(problems(with_payload(EventType::complaint_opened, "description", blank))
                  == "payload.description: must not be empty or only whitespace");
            CHECK(problems(with_payload(EventType::complaint_escalated, "reason", blank))
                  == "payload.reason: must not be empty or only whitespace");
        }
        Event closed = with_payload(EventType::complaint_closed, "outcome", "referred_external");
        closed.payload["external_body"] = " ";
        CHECK(problems(closed) == "payload.external_body: must not be empty or only whitespace");
    }
    SECTION("optional text may be empty")
    {
        CHECK(problems(with_payload(EventType::complaint_acknowledged, "note", "")).empty());
    }
    SECTION("invalid UTF-8 is its own violation")
    {
        for (const char* bad : {"\xC3\x28", "\xC0\xAF", "\xED\xA0\x80", "caf\xC3", "\xF4\x90\x80\x80", "\x80"}) {
            INFO(Json(bad).dump(-1, ' ', false, Json::error_handler_t::replace));
            CHECK(problems(with_payload(EventType::nps_detailed, "comment", std::string("abc") + bad))
                  == "payload.comment: must be valid UTF-8");
        }
        CHECK(problems(with_payload(EventType::complaint_opened, "description", "\xC0\xAF"))
              == "payload.description: must be valid UTF-8");
    }
}

TEST_CASE("utf8_length is a strict decoder", "[validation]")
{
    CHECK(utf8_length("") == 0u);
    CHECK(utf8_length("abc") == 3u);
    CHECK(utf8_length("één") == 3u);
    CHECK(utf8_length("\xE2\x82\xAC") == 1u);         // U+20AC euro sign
    CHECK(utf8_length("\xF0\x9F\x98\x80") == 1u);     // U+1F600
    CHECK(utf8_length("\xEF\xBF\xBF") == 1u);         // U+FFFF
    CHECK(utf8_length("\xF4\x8F\xBF\xBF") == 1u);     // U+10FFFF, the last code point
    CHECK(utf8_length("\xED\x9F\xBF") == 1u);         // U+D7FF, just below the surrogates
    CHECK(utf8_length(std::string_view("a\0b", 3)) == 3u);

    CHECK_FALSE(utf8_length("\xC3\x28"));             // bad continuation
    CHECK_FALSE(utf8_length("\xC0\xAF"));             // overlong '/'
    CHECK_FALSE(utf8_length("\xC1\xBF"));             // overlong
    CHECK_FALSE(utf8_length("\xE0\x80\xAF"));         // overlong, three bytes
    CHECK_FALSE(utf8_length("\xF0\x80\x80\xAF"));     // overlong, four bytes
    CHECK_FALSE(utf8_length("\xED\xA0\x80"));         // U+D800, a surrogate
    CHECK_FALSE(utf8_length("\xED\xBF\xBF"));         // U+DFFF, a surrogate
    CHECK_FALSE(utf8_length("\xF4\x90\x80\x80"));     // U+110000
    CHECK_FALSE(utf8_length("\xF5\x80\x80\x80"));     // lead byte past F4
    CHECK_FALSE(utf8_length("\xFF"));
    CHECK_FALSE(utf8_length("\x80"));                 // lone continuation byte
    CHECK_FALSE(utf8_length("\xC3"));                 // truncated at the end
    CHECK_FALSE(utf8_length("\xE2\x82"));             // truncated at the end
    CHECK_FALSE(utf8_length("\xF0\x9F\x98"));         // truncated at the end
    CHECK_FALSE(utf8_length("\xE2\x82" "a"));         // truncated in the middle
}

TEST_CASE("is_config_id", "[validation]")
{
    CHECK(is_config_id("a"));
    CHECK(is_config_id("product_quality_2"));
    CHECK(is_config_id(std::string(40, 'x')));
    CHECK_FALSE(is_config_id(""));
    CHECK_FALSE(is_config_id(std::string(41, 'x')));
    CHECK_FALSE(is_config_id("Product"));
    CHECK_FALSE(is_config_id("short-queue"));
    CHECK_FALSE(is_config_id("a b"));
    CHECK_FALSE(is_config_id("caf\xC3\xA9"));
}

// =============================================================================
// [SECTION] Payload: per-type rules
// =============================================================================

TEST_CASE("locale", "[validation]")
{
    for (const char* locale : {"NL", "nl_BE", "nl-be", "dutch", "n", "", "nl-BEL"}) {
        INFO(locale);
        CHECK(problems(with_payload(EventType::nps_rated, "locale", locale))
              == "payload.locale: must be a language code like \"nl\", \"en\" or \"nl-BE\" (got \""
                     + std::string(locale) + "\")");
    }
}

TEST_CASE("reason_ids and category are config ids", "[validation]")
{
    const std::string id_rule = "must be an id of 1 to 40 characters from a-z, 0-9 and _";
    SECTION("each reason id")
    {
        CHECK(problems(with_payload(EventType::nps_detailed, "reason_ids", Json::array({"queue", "Bad Id"})))
              == "payload.reason_ids[1]: " + id_rule + " (got \"Bad Id\")");
        CHECK(problems(with_payload(EventType::nps_detailed, "reason_ids", Json::array({"queue", 3})))
              == "payload.reason_ids[1]: " + id_rule + " (got 3)");
    }
    SECTION("no repeats")
    {
        CHECK(problems(with_payload(EventType::nps_detailed, "reason_ids", Json::array({"queue", "price", "queue"})))
              == "payload.reason_ids[2]: \"queue\" is repeated");
    }
    SECTION("at most 10")
    {
        Json ids = Json::array();
        for (int i = 0; i < 10; ++i)
            ids.push_back("reason_" + std::to_string(i));
        CHECK(problems(with_payload(EventType::nps_detailed, "reason_ids", ids)).empty());
        ids.push_back("reason_10");
        CHECK(problems(with_payload(EventType::nps_detailed, "reason_ids", ids))
              == "payload.reason_ids: must have at most 10 ids (got 11)");
    }
    SECTION("category")
    {
        CHECK(problems(with_payload(EventType::complaint_opened, "category", "Product Quality"))
              == "payload.category: " + id_rule + " (got \"Product Quality\")");
        CHECK(problems(with_payload(EventType::complaint_opened, "category", std::string(41, 'a')))
                  .starts_with("payload.category: " + id_rule));
    }
}

TEST_CASE("nps.detailed needs at least one of reasons, comment or contact", "[validation]")
{
    Event event = valid_event(EventType::nps_detailed);
    const std::string message = "payload: needs at least one of reason_ids, comment or contact";
    event.payload = Json::object();
    CHECK(problems(event) == message);
    event.payload = Json{{"reason_ids", Json::array()}, {"comment", "  "}};
    CHECK(problems(event) == message);
}

TEST_CASE("complaint.opened reference is a canonical reference code", "[validation]")
{
    std::string code = make_refcode("UTR", "2A", 7);
    REQUIRE(parse_refcode(code));
    SECTION("a mistyped character fails the check")
    {
        std::string typo = code;
        char& last = typo.back();
        last = last == 'X' ? 'Y' : 'X';
        auto parsed = parse_refcode(typo);
        REQUIRE_FALSE(parsed);
        CHECK(problems(with_payload(EventType::complaint_opened, "reference", typo))
              == "payload.reference: " + parsed.error().message);
    }
    SECTION("garbage")
    {
        auto message = problems(with_payload(EventType::complaint_opened, "reference", "hello"));
        CHECK(message.starts_with("payload.reference: "));
        CHECK(message.size() > std::string("payload.reference: ").size());
    }
    SECTION("lower case or without dashes is valid input but not the canonical form")
    {
        std::string lower;
        for (char c : code)
            lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        CHECK(problems(with_payload(EventType::complaint_opened, "reference", lower))
              == "payload.reference: must be written in the canonical form \"" + code + "\" (got \"" + lower + "\")");
    }
}

TEST_CASE("complaint.opened may carry the hash of the customer's status key", "[validation]")
{
    std::string hash(64, 'a');
    CHECK(problems(with_payload(EventType::complaint_opened, "status_key_hash", hash)).empty());
    CHECK(problems(with_payload(EventType::complaint_opened, "status_key_hash", std::string(64, 'A')))
          .starts_with("payload.status_key_hash: must be 64 lower-case hex characters (a SHA-256) (got \"AAAA"));
    CHECK(problems(with_payload(EventType::complaint_opened, "status_key_hash", "abc"))
          .starts_with("payload.status_key_hash: must be 64 lower-case hex characters"));
    CHECK(problems(with_payload(EventType::complaint_opened, "status_key_hash", 7))
          .starts_with("payload.status_key_hash: must be 64 lower-case hex characters"));
}

TEST_CASE("complaint.resolved amount depends on the resolution", "[validation]")
{
    for (const char* resolution : {"refund", "voucher"}) {
        INFO(resolution);
        Event event = without(EventType::complaint_resolved, "amount_cents");
        event.payload["resolution"] = resolution;
        CHECK(problems(event) == "payload.amount_cents: is required with resolution " + std::string(resolution));
    }
    for (const char* resolution : {"apology", "explanation"}) {
        INFO(resolution);
        Event event = with_payload(EventType::complaint_resolved, "resolution", resolution);
        CHECK(problems(event) == "payload.amount_cents: not allowed with resolution " + std::string(resolution));
    }
}

TEST_CASE("complaint.closed external_body depends on the outcome", "[validation]")
{
    Event referred = with_payload(EventType::complaint_closed, "outcome", "referred_external");
    CHECK(problems(referred) == "payload.external_body: is required when outcome is referred_external");
    for (const char* outcome : {"resolved", "unresolved", "withdrawn"}) {
        INFO(outcome);
        Event event = with_payload(EventType::complaint_closed, "outcome", outcome);
        event.payload["external_body"] = "Geschillencommissie";
        CHECK(problems(event)
              == "payload.external_body: only allowed when outcome is referred_external (outcome is "
                     + std::string(outcome) + ")");
    }
}

// =============================================================================
// [SECTION] Payload: contact (personal data)
// =============================================================================

TEST_CASE("contact details need consent", "[validation]")
{
    const std::string message =
        "payload.contact.consent: contact details are recorded only with the customer's consent";
    CHECK(problems(with_contact("consent", false)) == message);
    CHECK(problems(without_contact_field("consent")) == message);
    CHECK(problems(with_contact("consent", "yes"))
          == "payload.contact.consent: must be a boolean, true or false");

    Event detailed = valid_event(EventType::nps_detailed);
    detailed.payload["contact"]["consent"] = false;
    CHECK(problems(detailed) == message);
}

TEST_CASE("contact fields", "[validation]")
{
    SECTION("only consent, name, phone and email")
    {
        CHECK(problems(with_contact("address", "Dorpsstraat 1"))
              == "payload.contact.address: unknown field in contact");
    }
    SECTION("a phone number or an e-mail address")
    {
        Event event = valid_event(EventType::complaint_opened);
        event.payload["contact"] = Json{{"consent", true}, {"name", "Anna"}};
        CHECK(problems(event) == "payload.contact: needs a phone number or an e-mail address");
    }
    SECTION("name is 1 to 100 characters")
    {
        CHECK(problems(with_contact("name", std::string(100, 'a'))).empty());
        CHECK(problems(with_contact("name", std::string(101, 'a')))
              == "payload.contact.name: must be 1 to 100 characters (got 101)");
        CHECK(problems(with_contact("name", "")) == "payload.contact.name: must not be empty or only whitespace");
        CHECK(problems(with_contact("name", 5)) == "payload.contact.name: must be a string");
    }
    SECTION("phone")
    {
        CHECK(problems(with_contact("phone", "0612345678")).empty());
        CHECK(problems(with_contact("phone", "123456")).empty());
        CHECK(problems(with_contact("phone", "06-1234 5678 ext 2"))
              == "payload.contact.phone: may only contain digits, spaces, +, -, ( and )");
        CHECK(problems(with_contact("phone", "+31 1234")).empty()); // 6 digits
        CHECK(problems(with_contact("phone", "12345")) == "payload.contact.phone: must have 6 to 20 digits (got 5)");
        CHECK(problems(with_contact("phone", std::string(21, '9')))
              == "payload.contact.phone: must have 6 to 20 digits (got 21)");
        CHECK(problems(with_contact("phone", 612345678)) == "payload.contact.phone: must be a string" /* the value is personal: never quoted */);
    }
    SECTION("email")
    {
        CHECK(problems(with_contact("email", "a.b+c@mail.example.com")).empty());
        CHECK(problems(with_contact("email", "anna.example.nl"))
              == "payload.contact.email: must contain exactly one @");
        CHECK(problems(with_contact("email", "anna@@example.nl"))
              == "payload.contact.email: must contain exactly one @");
        CHECK(problems(with_contact("email", "@example.nl")) == "payload.contact.email: must have a name before the @");
        CHECK(problems(with_contact("email", "anna@localhost"))
              == "payload.contact.email: must have a domain with a dot after the @, like example.com");
        CHECK(problems(with_contact("email", "anna de vries@example.nl"))
              == "payload.contact.email: must not contain spaces");
        std::string local(64, 'a');
        std::string long_email = local + "@" + std::string(185, 'b') + ".nl"; // 64 + 1 + 185 + 3 = 253
        CHECK(problems(with_contact("email", long_email)).empty());
        CHECK(problems(with_contact("email", long_email + "l")).empty()); // 254
        CHECK(problems(with_contact("email", long_email + "ll"))
              == "payload.contact.email: must be at most 254 characters (got 255)");
        CHECK(problems(with_contact("email", "anna@exa\xC0\xAFmple.nl"))
              == "payload.contact.email: must be valid UTF-8");
    }
}

TEST_CASE("a rating may carry the misuse mark, and only a known one", "[validation]")
{
    Event event = valid_event(EventType::nps_rated);
    event.payload["misuse"] = "burst";
    CHECK(validate_event(event).empty());
    event.payload["misuse"] = "angry";
    CHECK(describe(validate_event(event)) == "payload.misuse: must be one of burst (got \"angry\")");
}

TEST_CASE("a request for assistance names its complaint and may come from the kiosk", "[validation]")
{
    Event event = valid_event(EventType::complaint_assistance_requested);
    event.actor = "kiosk";
    CHECK(validate_event(event).empty());
    event.payload = Json{{"note", std::string(501, 'x')}};
    CHECK(describe(validate_event(event)) == "payload.note: must be at most 500 characters (got 501)");
    event.payload = Json::object();
    event.subject.clear();
    CHECK_FALSE(validate_event(event).empty());
}

TEST_CASE("head office's follow-up: root cause, actions and their checks, call-backs", "[validation]")
{
    SECTION("a root cause is a configured id")
    {
        CHECK(problems(with_payload(EventType::complaint_root_cause_recorded, "root_cause", "Supplier"))
              == "payload.root_cause: must be an id of 1 to 40 characters from a-z, 0-9 and _ (got \"Supplier\")");
    }
    SECTION("an action names itself by UUID, is corrective or preventive, and has an owner and a due time")
    {
        CHECK(problems(with_payload(EventType::complaint_action_planned, "action_id", "42"))
              == "payload.action_id: must be a UUID (got \"42\")");
        CHECK(problems(with_payload(EventType::complaint_action_planned, "kind", "punitive"))
              == "payload.kind: must be one of corrective or preventive (got \"punitive\")");
        CHECK(problems(with_payload(EventType::complaint_action_planned, "owner", "  "))
              == "payload.owner: must not be empty or only whitespace");
        CHECK(problems(with_payload(EventType::complaint_action_planned, "due_at", 17))
              == "payload.due_at: must be a time in milliseconds from 2020-01-01 up to 2100-01-01 (got 17)");
        CHECK(problems(with_payload(EventType::complaint_action_planned, "due_at", "2026-12-01"))
              == "payload.due_at: must be a time in milliseconds from 2020-01-01 up to 2100-01-01 (got "
                 "\"2026-12-01\")");
        Event event = valid_event(EventType::complaint_action_planned);
        event.payload.erase("description");
        CHECK(problems(event) == "payload.description: is required");
    }
    SECTION("a check says whether the action worked")
    {
        CHECK(problems(with_payload(EventType::complaint_action_checked, "effective", "yes"))
              == "payload.effective: must be a boolean, true or false (got \"yes\")");
    }
    SECTION("a call-back names the rating and its outcome")
    {
        CHECK(problems(with_payload(EventType::nps_followed_up, "outcome", "maybe"))
              == "payload.outcome: must be one of reached, no_answer, declined or wrong_contact (got \"maybe\")");
        Event event = valid_event(EventType::nps_followed_up);
        event.subject = "x";
        CHECK(problems(event) == "subject: must be the id (a UUID) of the rating this is about (got \"x\")");
    }
}
