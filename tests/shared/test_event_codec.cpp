// Tests for the version-1 wire codec (to_json / event_from_json), event type
// names, and take_personal_fields(), which splits personal data off a payload.
#include "domain/event.h"
#include "domain/ids.h"

#include <catch2/catch.hpp>

#include <string>

using namespace feedback;
using Json = nlohmann::json;

namespace {

constexpr int64_t test_time_ms = 1'732'441'800'123; // 2024-11-24T09:50:00.123Z

Event sample_event(EventType type)
{
    Event event;
    event.type = type;
    event.id = make_uuid_v7(test_time_ms);
    event.occurred_at_ms = test_time_ms;
    event.actor = "staff:anna";
    event.device_id = make_uuid_v7(test_time_ms - 86'400'000);
    event.device_seq = 17;
    if (type != EventType::nps_rated)
        event.subject = make_uuid_v7(test_time_ms - 60'000);
    event.payload = Json{{"note", "één"}, {"contact", {{"consent", true}, {"email", "anna@example.nl"}}}};
    return event;
}

// A valid wire object to break one field at a time.
Json sample_wire()
{
    return to_json(sample_event(EventType::complaint_opened));
}

// The error message event_from_json gives, or "" when it succeeds.
std::string read_error(const Json& wire)
{
    auto event = event_from_json(wire);
    if (event)
        return "";
    CHECK(event.error().kind == ErrorKind::invalid_input);
    return event.error().message;
}

} // namespace

TEST_CASE("event type names round-trip", "[codec]")
{
    for (EventType type : all_event_types) {
        INFO(to_string(type));
        CHECK(event_type_from_string(to_string(type)) == type);
    }
    CHECK(to_string(EventType::nps_rated) == "nps.rated");
    CHECK(to_string(EventType::complaint_customer_response) == "complaint.customer_response");
    CHECK_FALSE(event_type_from_string("complaint.deleted"));
    CHECK_FALSE(event_type_from_string(""));
    CHECK_FALSE(event_type_from_string("NPS.RATED"));
    CHECK_FALSE(is_complaint_event(EventType::nps_rated));
    CHECK_FALSE(is_complaint_event(EventType::nps_detailed));
    CHECK(is_complaint_event(EventType::complaint_opened));
    CHECK(is_complaint_event(EventType::complaint_reopened));
}

TEST_CASE("to_json writes the documented wire form", "[codec]")
{
    Event event = sample_event(EventType::complaint_opened);
    Json wire = to_json(event);
    CHECK(wire.size() == 9);
    CHECK(wire["v"] == 1);
    CHECK(wire["id"] == event.id);
    CHECK(wire["type"] == "complaint.opened");
    CHECK(wire["subject"] == event.subject);
    CHECK(wire["occurred_at"] == test_time_ms);
    CHECK(wire["occurred_at"].is_number_integer());
    CHECK(wire["actor"] == "staff:anna");
    CHECK(wire["device_id"] == event.device_id);
    CHECK(wire["seq"] == 17);
    CHECK(wire["payload"] == event.payload);

    SECTION("no subject for nps.rated")
    {
        Json rated = to_json(sample_event(EventType::nps_rated));
        CHECK_FALSE(rated.contains("subject"));
        CHECK(rated.size() == 8);
    }
}

TEST_CASE("every event type round-trips through the wire form", "[codec]")
{
    for (EventType type : all_event_types) {
        INFO(to_string(type));
        Event original = sample_event(type);
        // Through text too, as the outbox and the server see it.
        auto read = event_from_json(Json::parse(to_json(original).dump()));
        REQUIRE(read);
        CHECK(read->v == original.v);
        CHECK(read->id == original.id);
        CHECK(read->type == original.type);
        CHECK(read->subject == original.subject);
        CHECK(read->occurred_at_ms == original.occurred_at_ms);
        CHECK(read->actor == original.actor);
        CHECK(read->device_id == original.device_id);
        CHECK(read->device_seq == original.device_seq);
        CHECK(read->payload == original.payload);
        CHECK(to_json(*read) == to_json(original));
    }
}

TEST_CASE("event_from_json reads the envelope", "[codec]")
{
    SECTION("a missing or null subject is empty")
    {
        Json wire = sample_wire();
        wire.erase("subject");
        auto read = event_from_json(wire);
        REQUIRE(read);
        CHECK(read->subject.empty());
        wire["subject"] = nullptr;
        read = event_from_json(wire);
        REQUIRE(read);
        CHECK(read->subject.empty());
    }
    SECTION("an empty payload object is fine")
    {
        Json wire = sample_wire();
        wire["payload"] = Json::object();
        auto read = event_from_json(wire);
        REQUIRE(read);
        CHECK(read->payload == Json::object());
    }
    SECTION("the payload is not checked here")
    {
        Json wire = sample_wire();
        wire["payload"] = Json{{"anything", {1, 2, 3}}};
        CHECK(event_from_json(wire));
    }
}

TEST_CASE("event_from_json refuses a malformed envelope", "[codec]")
{
    SECTION("not an object")
    {
        CHECK(read_error(Json::array()) == "an event must be a JSON object");
        CHECK(read_error(Json("event")) == "an event must be a JSON object");
        CHECK(read_error(Json()) == "an event must be a JSON object");
    }
    SECTION("schema version")
    {
        Json wire = sample_wire();
        wire.erase("v");
        CHECK(read_error(wire) == "v: the schema version is missing or not an integer");
        wire["v"] = "1";
        CHECK(read_error(wire) == "v: the schema version is missing or not an integer");
        wire["v"] = 1.0;
        CHECK(read_error(wire) == "v: the schema version is missing or not an integer");
        wire["v"] = 2;
        CHECK(read_error(wire) == "v: schema version 2 is not known to this program (it reads version 1)");
        wire["v"] = 0;
        CHECK(read_error(wire) == "v: schema version 0 is not known to this program (it reads version 1)");
        wire["v"] = 18'446'744'073'709'551'615ULL;
        CHECK(read_error(wire)
              == "v: schema version 18446744073709551615 is not known to this program (it reads version 1)");
    }
    SECTION("unknown envelope field")
    {
        Json wire = sample_wire();
        wire["device_seq"] = 17;
        CHECK(read_error(wire) == "device_seq: unknown field in the event envelope");
    }
    SECTION("required text fields")
    {
        for (const char* key : {"id", "type", "actor", "device_id"}) {
            INFO(key);
            Json wire = sample_wire();
            wire.erase(key);
            CHECK(read_error(wire) == std::string(key) + ": required");
            wire[key] = nullptr;
            CHECK(read_error(wire) == std::string(key) + ": required");
            wire[key] = 5;
            CHECK(read_error(wire) == std::string(key) + ": must be a string");
        }
    }
    SECTION("subject of the wrong type")
    {
        Json wire = sample_wire();
        wire["subject"] = 12;
        CHECK(read_error(wire) == "subject: must be a string");
    }
    SECTION("unknown event type")
    {
        Json wire = sample_wire();
        wire["type"] = "complaint.deleted";
        CHECK(read_error(wire) == "type: unknown event type \"complaint.deleted\"");
    }
    SECTION("integer fields")
    {
        for (const char* key : {"occurred_at", "seq"}) {
            INFO(key);
            Json wire = sample_wire();
            wire.erase(key);
            CHECK(read_error(wire) == std::string(key) + ": required");
            wire[key] = "17";
            CHECK(read_error(wire) == std::string(key) + ": must be an integer");
            wire[key] = 17.5;
            CHECK(read_error(wire) == std::string(key) + ": must be an integer");
            wire[key] = nullptr;
            CHECK(read_error(wire) == std::string(key) + ": must be an integer");
        }
    }
    SECTION("integers that do not fit in 64 signed bits")
    {
        for (const char* key : {"occurred_at", "seq"}) {
            INFO(key);
            Json wire = sample_wire();
            wire[key] = 18'446'744'073'709'551'615ULL;
            CHECK(read_error(wire) == std::string(key) + ": must be an integer of at most 9223372036854775807");
            wire[key] = 9'223'372'036'854'775'807ULL;
            CHECK(read_error(wire).empty());
        }
    }
    SECTION("payload")
    {
        Json wire = sample_wire();
        wire.erase("payload");
        CHECK(read_error(wire) == "payload: required, and must be a JSON object");
        wire["payload"] = Json::array();
        CHECK(read_error(wire) == "payload: required, and must be a JSON object");
        wire["payload"] = "{}";
        CHECK(read_error(wire) == "payload: required, and must be a JSON object");
    }
}

TEST_CASE("take_personal_fields moves contact out of the payload", "[codec]")
{
    SECTION("contact present")
    {
        Json payload = Json{{"reason_ids", Json::array({"queue"})},
                            {"contact", {{"consent", true}, {"name", "Anna"}, {"email", "anna@example.nl"}}}};
        Json contact = payload["contact"];
        Json personal = take_personal_fields(payload);
        CHECK(personal == Json{{"contact", contact}});
        CHECK(payload == Json{{"reason_ids", Json::array({"queue"})}});
    }
    SECTION("no personal fields")
    {
        Json payload = Json{{"score", 9}};
        Json personal = take_personal_fields(payload);
        CHECK(personal == Json::object());
        CHECK(personal.is_object());
        CHECK(payload == Json{{"score", 9}});
    }
    SECTION("taking twice finds nothing the second time")
    {
        Json payload = Json{{"contact", {{"consent", true}, {"phone", "0612345678"}}}};
        CHECK(take_personal_fields(payload).contains("contact"));
        CHECK(payload == Json::object());
        CHECK(take_personal_fields(payload) == Json::object());
    }
    SECTION("a payload that is not an object is left alone")
    {
        Json payload = Json::array({1, 2});
        CHECK(take_personal_fields(payload) == Json::object());
        CHECK(payload == Json::array({1, 2}));
    }
    SECTION("the list of personal fields is the contact object")
    {
        REQUIRE(personal_payload_fields.size() == 1);
        CHECK(personal_payload_fields[0] == "contact");
    }
}
