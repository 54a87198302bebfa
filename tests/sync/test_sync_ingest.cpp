// Unit tests of head office's fast ingest path (sync/hq/hq_store.h): a
// terminal's body read event by event and stored as received when it is
// already canonical, with the same outcome as reading the whole body and
// writing each event anew; the compact answer text; group commit
// (store_batches) with its per-batch answers, replays and conflicts.
#include "common/protocol.h"
#include "crypto/sha256.h"
#include "domain/ids.h"
#include "domain/validation.h"
#include "hq/hq_store.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace feedback;
using feedback::testing::TempDir;

namespace {

constexpr int64_t now = 1'800'000'000'000;

hq::Device enrolled_device(hq::HqStore& store)
{
    auto code = store.create_enrolment_code("UTR", "Counter 1", now, 3600 * 1000);
    REQUIRE(code);
    auto enrolled = store.enrol(code->code, make_uuid_v7(now), "0.1.0", now);
    REQUIRE(enrolled);
    auto device = store.authenticate(enrolled->token);
    REQUIRE(device);
    return *device;
}

// What check_batch() must make of each event: the whole body parsed at once,
// each event read, validated and written anew with to_json().dump().
struct Expected {
    std::optional<std::string> id;
    bool rejected = false;
    std::string wire;
};

std::vector<Expected> reference_reading(const hq::Device& device, const std::string& body)
{
    auto parsed = nlohmann::json::parse(body);
    std::vector<Expected> out;
    for (const auto& item : parsed["events"]) {
        Expected expected;
        if (item.is_object() && item.contains("id") && item["id"].is_string())
            expected.id = item["id"].get<std::string>();
        auto event = event_from_json(item);
        expected.rejected = !event || !validate_event(*event).empty() || event->device_id != device.id;
        if (!expected.rejected)
            expected.wire = to_json(*event).dump();
        out.push_back(expected);
    }
    return out;
}

std::string canonical_body(const std::string& batch_id, const std::vector<std::string>& event_texts)
{
    std::string body = "{\"batch_id\":\"" + batch_id + "\",\"events\":[";
    for (size_t i = 0; i < event_texts.size(); ++i)
        body += (i ? "," : "") + event_texts[i];
    return body + "]}";
}

} // namespace

TEST_CASE("check_batch stores a canonical event as received and writes any other anew, as the whole-body reading does",
          "[sync][unit][hq][ingest]")
{
    TempDir dir;
    auto store = hq::HqStore::open(dir.path(), hq::HqStore::Intent::create);
    REQUIRE(store);
    hq::Device device = enrolled_device(*store);
    const std::string d = device.id;
    const std::string rated = make_uuid_v7(now);
    auto envelope = [&](const std::string& type, const std::string& subject, const std::string& payload) {
        // Keys in dump()'s order; subject left out when empty.
        return "{\"actor\":\"kiosk\",\"device_id\":\"" + d + "\",\"id\":\"" + make_uuid_v7(now) +
               "\",\"occurred_at\":" + std::to_string(now) + ",\"payload\":" + payload + ",\"seq\":7" +
               (subject.empty() ? std::string() : ",\"subject\":\"" + subject + "\"") + ",\"type\":\"" + type +
               "\",\"v\":1}";
    };
    const std::string rating = envelope("nps.rated", "", R"({"locale":"nl","score":9,"survey_version":1})");
    auto detailed = [&](const std::string& comment_json) {
        return envelope("nps.detailed", rated, "{\"comment\":" + comment_json + "}");
    };
    std::vector<std::string> events{
        rating,
        // A terminal's own form, made by to_json().dump().
        nlohmann::json::parse(rating).dump(),
        detailed(R"("Café, \"snel\" \\ klaar\tja\u0001")"),                  // dump()'s escapes
        detailed(R"("Caf\u00e9")"),                                            // an escape dump() does not write
        detailed(R"("regel\u000aregel")"),                                     // dump() writes \n
        detailed(R"("a\/b")"),                                                 // dump() writes /
        envelope("nps.rated", "", R"({"score":9,"locale":"nl","survey_version":1})"), // keys out of order
        envelope("nps.rated", "", R"({"locale":"nl","score":5,"score":9,"survey_version":1})"), // a key twice
        envelope("nps.rated", "", R"({"locale":"nl","score":9,"survey_version":1.0})"),         // a fraction
        envelope("nps.rated", "", R"({"locale":"nl","score":9,"survey_version":1e0})"),         // an exponent
        envelope("nps.rated", "", R"({"locale":"nl","score":-0,"survey_version":1})"),          // "-0"
        envelope("nps.rated", "", R"({"locale":"nl","score":9,"survey_version":123456789012345678901})"),
        envelope("nps.rated", "", R"({ "locale":"nl","score":9,"survey_version":1})"),          // white space
        "{\"actor\":\"kiosk\",\"device_id\":\"" + d + "\",\"id\":\"" + make_uuid_v7(now) + "\",\"occurred_at\":" +
            std::to_string(now) +
            R"(,"payload":{"locale":"nl","score":9,"survey_version":1},"seq":8,"subject":null,"type":"nps.rated","v":1})",
        "{\"actor\":\"kiosk\",\"device_id\":\"" + d + "\",\"id\":\"" + make_uuid_v7(now) + "\",\"occurred_at\":" +
            std::to_string(now) +
            R"(,"payload":{"locale":"nl","score":9,"survey_version":1},"seq":8,"subject":"","type":"nps.rated","v":1})",
        envelope("nps.rated", "", R"({"locale":"nl","score":11,"survey_version":1})"),          // breaks a rule
        envelope("nps.rated", "", "[]"),                                                        // payload not an object
        envelope("nps.rated", "", R"({"locale":"nl","score":9,"survey_version":1,"x":{"a":[1,{"b":null}]}})"),
        envelope("nps.detailed", R"(\u0030)" + rated.substr(1), R"({"comment":"ok"})"),         // an escaped subject
        "{\"actor\":\"staff:zoë\",\"device_id\":\"" + d + "\",\"id\":\"" + make_uuid_v7(now) +
            R"(","occurred_at":-5,"payload":{"locale":"nl","score":9,"survey_version":1},"seq":0,"type":"nps.rated","v":1})",
        "{\"actor\":\"kiosk\",\"device_id\":\"" + d + "\",\"id\":\"" + make_uuid_v7(now) +
            R"(","occurred_at":1,"payload":{"locale":"nl","score":9,"survey_version":1},"seq":2,"type":"nps.rated","v":2})",
        "{\"actor\":\"kiosk\",\"device_id\":\"" + d + "\",\"id\":\"" + make_uuid_v7(now) +
            R"(","occurred_at":1,"payload":{"locale":"nl","score":9,"survey_version":1},"seq":2,"type":"nps.rated","v":1,"w":0})",
        envelope("nps.teleported", "", R"({})"),                                                // unknown type
        R"({"id":17,"v":1})",                                                                   // unreadable id
    };
    for (const auto& text : events) {
        INFO(text);
        std::string batch = make_uuid_v7(now);
        std::string body = canonical_body(batch, {text, rating});
        auto checked = hq::check_batch(device, batch, body, 1000);
        REQUIRE(checked);
        CHECK(checked->body_sha256 == crypto::sha256_hex(body));
        auto expected = reference_reading(device, body);
        REQUIRE(checked->events.size() == expected.size());
        for (size_t i = 0; i < expected.size(); ++i) {
            CHECK(checked->events[i].id == expected[i].id);
            CHECK(checked->events[i].rejection.empty() == !expected[i].rejected);
            CHECK(checked->events[i].wire == expected[i].wire);
        }
        // The same body with white space takes the whole-body reading: the same outcome.
        std::string spaced = nlohmann::json::parse(body).dump(1);
        auto general = hq::check_batch(device, batch, spaced, 1000);
        REQUIRE(general);
        REQUIRE(general->events.size() == expected.size());
        for (size_t i = 0; i < expected.size(); ++i)
            CHECK(general->events[i].wire == expected[i].wire);
    }
}

TEST_CASE("check_batch gives the protocol's errors on the fast path too", "[sync][unit][hq][ingest]")
{
    TempDir dir;
    auto store = hq::HqStore::open(dir.path(), hq::HqStore::Intent::create);
    REQUIRE(store);
    hq::Device device = enrolled_device(*store);
    std::string batch = make_uuid_v7(now);
    auto error_of = [&](const std::string& body, int64_t max_events = 1000) {
        auto checked = hq::check_batch(device, batch, body, max_events);
        REQUIRE_FALSE(checked);
        return sync::error_code_of(checked.error());
    };
    CHECK(error_of(canonical_body(batch, {"{\"v\":1,"})) == sync::ErrorCode::malformed_json);
    CHECK(error_of(canonical_body(batch, {"{\"v\":1}}"})) == sync::ErrorCode::malformed_json);
    CHECK(error_of(canonical_body(make_uuid_v7(now), {"{\"v\":1,"})) == sync::ErrorCode::malformed_json); // before the mismatch
    CHECK(error_of(canonical_body(make_uuid_v7(now), {})) == sync::ErrorCode::batch_id_mismatch);
    CHECK(error_of(canonical_body(batch, {"{}", "{}"}), 1) == sync::ErrorCode::too_many_events);
    CHECK(error_of("{\"batch_id\":\"" + batch + "\",\"events\":{}}") == sync::ErrorCode::bad_batch);
    auto empty = hq::check_batch(device, batch, canonical_body(batch, {}), 1000);
    REQUIRE(empty);
    CHECK(empty->events.empty());
    // Not objects: read as events and rejected one by one.
    auto odd = hq::check_batch(device, batch, "{\"batch_id\":\"" + batch + "\",\"events\":[1,\"x\",null]}", 1000);
    REQUIRE(odd);
    REQUIRE(odd->events.size() == 3);
    for (const auto& event : odd->events)
        CHECK_FALSE(event.rejection.empty());
}

TEST_CASE("the answer text names only what was not accepted, byte for byte as dump() writes it",
          "[sync][unit][hq][ingest]")
{
    sync::BatchAnswer answer;
    answer.batch_id = make_uuid_v7(now);
    answer.results = {{"e1", sync::EventOutcome::accepted, ""},
                      {"e2", sync::EventOutcome::duplicate, ""},
                      {std::nullopt, sync::EventOutcome::rejected, "v: the schema version is missing"},
                      {"é \"quoted\" \\ \x01\x7f", sync::EventOutcome::rejected, "payload.comment: \xff not UTF-8 \n"},
                      {"e5", sync::EventOutcome::accepted, ""}};
    answer.accepted = 2;
    answer.duplicate = 1;
    answer.rejected = 2;
    sync::BatchAnswer named = answer;
    named.results.erase(std::remove_if(named.results.begin(), named.results.end(),
                                       [](const auto& r) { return r.outcome == sync::EventOutcome::accepted; }),
                        named.results.end());
    CHECK(hq::batch_answer_text(answer) ==
          sync::to_json(named).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));

    sync::BatchAnswer all_accepted{"b", {{"e1", sync::EventOutcome::accepted, ""}}, 1, 0, 0};
    CHECK(hq::batch_answer_text(all_accepted) ==
          R"({"accepted":1,"batch_id":"b","duplicate":0,"rejected":0,"results":[]})");
}

TEST_CASE("group commit: batches stored together each get their own answer, replay and conflict included",
          "[sync][unit][hq][ingest]")
{
    TempDir dir;
    auto store = hq::HqStore::open(dir.path(), hq::HqStore::Intent::create);
    REQUIRE(store);
    hq::Device device = enrolled_device(*store);
    auto rating = [&](int seq, int score) {
        return nlohmann::json{{"v", 1}, {"id", make_uuid_v7(now)}, {"type", "nps.rated"}, {"occurred_at", now},
                              {"actor", "kiosk"}, {"device_id", device.id}, {"seq", seq},
                              {"payload", {{"score", score}, {"survey_version", 1}, {"locale", "nl"}}}};
    };
    auto body_of = [](const std::string& batch, const nlohmann::json& events) {
        return nlohmann::json{{"batch_id", batch}, {"events", events}}.dump();
    };
    auto e1 = rating(1, 9);
    auto e2 = rating(2, 4);
    auto e3 = rating(3, 10);

    // An earlier batch, stored on its own.
    std::string earlier = make_uuid_v7(now);
    REQUIRE(store->ingest(device, earlier, body_of(earlier, nlohmann::json::array({e3})), 1000, {}, now));

    std::string a = make_uuid_v7(now);
    std::string d = make_uuid_v7(now);
    auto checked_a = hq::check_batch(device, a, body_of(a, {e1, e2}), 1000);
    auto checked_conflict = hq::check_batch(device, earlier, body_of(earlier, nlohmann::json::array({e1})), 1000); // same id, other body
    auto checked_a_again = hq::check_batch(device, a, body_of(a, {e1, e2}), 1000);          // a retry racing A
    auto checked_d = hq::check_batch(device, d, body_of(d, {e2, e3, rating(4, 11)}), 1000);
    REQUIRE(checked_a);
    REQUIRE(checked_conflict);
    REQUIRE(checked_a_again);
    REQUIRE(checked_d);
    hq::DeviceHealth health{12, 3, "0.2.0", std::nullopt};
    auto results = store->store_batches({{&device, &*checked_a, &health},
                                         {&device, &*checked_conflict, &health},
                                         {&device, &*checked_a_again, &health},
                                         {&device, &*checked_d, &health}},
                                        now + 10);
    REQUIRE(results.size() == 4);
    REQUIRE(results[0]);
    CHECK(results[0]->kind == hq::IngestKind::stored);
    CHECK(results[0]->answer == R"({"accepted":2,"batch_id":")" + a + R"(","duplicate":0,"rejected":0,"results":[]})");
    REQUIRE_FALSE(results[1]);
    CHECK(results[1].error().kind == ErrorKind::conflict);
    REQUIRE(results[2]);
    CHECK(results[2]->kind == hq::IngestKind::replayed);
    CHECK(results[2]->answer == results[0]->answer);
    CHECK(results[2]->summary.accepted == 2);
    REQUIRE(results[3]);
    CHECK(results[3]->summary.accepted == 0);
    CHECK(results[3]->summary.duplicate == 2);
    CHECK(results[3]->summary.rejected == 1);
    CHECK(*store->event_count() == 3);

    // Committed: a later replay of D is its stored answer, byte for byte.
    auto replay = store->store_batch(device, *checked_d, health, now + 20);
    REQUIRE(replay);
    CHECK(replay->kind == hq::IngestKind::replayed);
    CHECK(replay->answer == results[3]->answer);
    CHECK(replay->summary.duplicate == 2);
    CHECK(replay->summary.rejected == 1);
    auto devices = store->devices();
    REQUIRE(devices);
    CHECK((*devices)[0].events_received == 3);
    CHECK((*devices)[0].clock_offset_ms == 12);
}
