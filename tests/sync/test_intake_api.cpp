// The intake API (sync/API.md) against the real feedback-hq serve over
// HTTPS: registering with the promised deadline, idempotent retries, every
// refusal with the field named and nothing stored, tokens (401, revoked,
// rate limited), 413 from the TLS front, reading a complaint by reference
// without contact details, the customer's status link in the answer, and
// `feedback-hq token` on the command line.
#include "client/credentials.h"
#include "config/kiosk_config.h"
#include "crypto/status_key.h"
#include "domain/clock.h"
#include "domain/ids.h"
#include "domain/refcode.h"
#include "hq/hq_store.h"
#include "hq_contents.h"
#include "intake_api_support.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>
#include <string>

using namespace feedback;
using namespace feedback::testing;

namespace {

// What a customer-service tool sends for a phone call.
nlohmann::json phone_call()
{
    return {{"store", "UTR"},
            {"channel", "phone"},
            {"category", "delivery"},
            {"description", "De bank is met een gescheurd kussen bezorgd."},
            {"customer_wish", "Een nieuw kussen."},
            {"received_at", "2026-11-24T10:15:00+01:00"},
            {"contact", {{"consent", true}, {"name", "Jan Jansen"}, {"phone", "+31 6 1234 5678"},
                         {"email", "jan@example.nl"}}}};
}

nlohmann::json body_of(const sync::HttpResponse& response) { return nlohmann::json::parse(response.body); }

// The events a token's tool recorded, from head office's export.
std::vector<nlohmann::json> recorded_by(HqProcess& hq, const std::string& actor)
{
    std::vector<nlohmann::json> out;
    for (auto& event : hq.export_jsonl())
        if (event["actor"] == actor)
            out.push_back(std::move(event));
    return out;
}

// The promised deadline as the store's configuration gives it, worked out
// here with the configuration the test published.
std::string expected_deadline(const nlohmann::json& patch, int64_t opened_at, Severity severity)
{
    auto document = config::read_json_file(FEEDBACK_SOURCE_DIR "/assets/config/default.json", "config file");
    REQUIRE(document);
    document->merge_patch(patch);
    auto parsed = config::parse_config(*document);
    REQUIRE(parsed);
    auto due = config::complaint_deadline(*parsed, opened_at, severity);
    REQUIRE(due);
    return format_utc_iso8601(*due);
}

const nlohmann::json safety_in_four_hours = {{"severity_deadlines", {{"safety", {{"answer_within_hours", 4}}}}}};

} // namespace

TEST_CASE("a complaint registered through the API: 201 with its id, reference and promised deadline",
          "[sync][e2e][api]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    publish_store_config(hq, "UTR", safety_in_four_hours);
    ApiClient api(hq, add_api_token(hq, "crm"));
    const int64_t received_at = *parse_iso8601_instant("2026-11-24T10:15:00+01:00");

    auto answer = api.post(phone_call());
    REQUIRE(answer.status == 201);
    auto body = body_of(answer);
    CHECK(body.size() == 4);
    CHECK(is_uuid(body["id"].get<std::string>()));
    const std::string reference = body["reference"];
    CHECK(reference == make_refcode("UTR", "HQ", 0)); // head office's own code in the store
    CHECK(answer.header("location") == "/api/v1/complaints/" + reference);
    // The customer's status link, with the status key head office made (its
    // public URL defaults to https://<hostname>:<port>, here 127.0.0.1); only the key's hash is kept.
    const std::string status_link = body["status_link"];
    const std::string without_key = hq.url() + "/status?ref=" + reference + "&key=";
    REQUIRE(status_link.starts_with(without_key));
    const std::string status_key = status_link.substr(without_key.size());
    CHECK(crypto::is_status_key(status_key));
    // Two working days in Amsterdam, as the store's promise says.
    CHECK(body["deadline"] == expected_deadline(safety_in_four_hours, received_at, Severity::normal));

    // A safety complaint gets the configuration's shorter deadline.
    auto safety = phone_call();
    safety["severity"] = "safety";
    auto urgent = api.post(safety);
    REQUIRE(urgent.status == 201);
    CHECK(body_of(urgent)["deadline"] == format_utc_iso8601(received_at + 4 * 3'600'000));
    CHECK(body_of(urgent)["reference"] == make_refcode("UTR", "HQ", 1));

    // Recorded as head office's complaint.opened by the tool, contact kept at head office only.
    auto events = recorded_by(hq, "hq:api.crm");
    REQUIRE(events.size() == 2);
    CHECK(events[0]["type"] == "complaint.opened");
    CHECK(events[0]["subject"] == body["id"]);
    CHECK(events[0]["occurred_at"] == received_at);
    CHECK(events[0]["payload"]["reference"] == reference);
    CHECK(events[0]["payload"]["channel"] == "phone");
    CHECK_FALSE(events[0]["payload"].contains("contact")); // exports leave it out; head office keeps it sealed
    CHECK(stored_contact(hq.dir(), events[0]["subject"])["phone"] == "+31 6 1234 5678");
    CHECK(events[0]["payload"]["status_key_hash"] == crypto::status_key_hash(status_key));
    CHECK(events[0].dump().find(status_key) == std::string::npos);

    // Without received_at it came in now; a store without a configuration has no promise to keep.
    publish_store_config(hq, "AMS");
    auto now_call = phone_call();
    now_call.erase("received_at");
    now_call["store"] = "AMS";
    const int64_t before = now_utc_ms();
    auto now_answer = api.post(now_call);
    REQUIRE(now_answer.status == 201);
    auto stored = recorded_by(hq, "hq:api.crm").back();
    CHECK(stored["occurred_at"].get<int64_t>() >= before);
    CHECK(stored["occurred_at"].get<int64_t>() <= now_utc_ms());
    CHECK(body_of(now_answer)["reference"] == make_refcode("AMS", "HQ", 0));
    // The log names the route and status, never a customer's details.
    const std::string log = hq.log();
    CHECK(log.find("POST /api/v1/complaints 201") != std::string::npos);
    for (const char* personal : {"1234 5678", "jan@example", "Jansen", "gescheurd"})
        CHECK(log.find(personal) == std::string::npos);
    CHECK(log.find(status_key) == std::string::npos);
}

TEST_CASE("an Idempotency-Key makes a retry give the same answer without recording again, keys per token",
          "[sync][e2e][api]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    publish_store_config(hq, "UTR");
    ApiClient crm(hq, add_api_token(hq, "crm"));
    const ApiClient::Headers key{{"Idempotency-Key", "8d5e0f3a-call-2026-11-24-0042"}};

    auto first = crm.post(phone_call(), key);
    REQUIRE(first.status == 201);
    CHECK(first.header("feedback-replayed").empty());
    // A retry gets the first answer byte for byte, but for the status key,
    // which head office did not keep: the link without it.
    REQUIRE(std::regex_search(first.body, std::regex("&key=[0-9a-f]{32}\"")));
    const std::string kept = std::regex_replace(first.body, std::regex("&key=[0-9a-f]{32}\""), "\"");
    for (int retry = 0; retry < 3; ++retry) {
        auto again = crm.post(phone_call(), key);
        CHECK(again.status == 201);
        CHECK(again.body == kept);
        CHECK(again.header("feedback-replayed") == "true");
        CHECK(again.header("location") == first.header("location"));
    }
    // The same JSON written otherwise (key order, spacing) is the same request.
    auto reordered = crm.send("POST", "/api/v1/complaints", phone_call().dump(2), key);
    CHECK(reordered.status == 201);
    CHECK(reordered.body == kept);
    CHECK(recorded_by(hq, "hq:api.crm").size() == 1);

    // The same key with another body is refused, and changes nothing.
    auto changed = phone_call();
    changed["customer_wish"] = "Geld terug.";
    auto conflict = crm.post(changed, key);
    CHECK(conflict.status == 422);
    CHECK(error_of(conflict) == "idempotency_conflict");
    CHECK(message_of(conflict).starts_with("Idempotency-Key: "));
    CHECK(message_of(conflict).find(body_of(first)["reference"].get<std::string>()) != std::string::npos);
    CHECK(recorded_by(hq, "hq:api.crm").size() == 1);

    // Another tool's key of the same text is its own.
    ApiClient shop(hq, add_api_token(hq, "webshop"));
    auto other = shop.post(phone_call(), key);
    CHECK(other.status == 201);
    CHECK(body_of(other)["reference"] != body_of(first)["reference"]);
    CHECK(recorded_by(hq, "hq:api.webshop").size() == 1);

    // Without a key every POST is a new complaint; a key of the wrong form is refused.
    CHECK(crm.post(phone_call()).status == 201);
    CHECK(recorded_by(hq, "hq:api.crm").size() == 2);
    auto bad_key = crm.post(phone_call(), {{"Idempotency-Key", std::string(256, 'k')}});
    CHECK(bad_key.status == 400);
    CHECK(message_of(bad_key).starts_with("Idempotency-Key: "));
}

TEST_CASE("bad input is refused with the field named and nothing recorded", "[sync][e2e][api]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    publish_store_config(hq, "UTR");
    ApiClient api(hq, add_api_token(hq, "crm"));
    const size_t before = events_stored(hq);

    struct Case {
        std::string what;
        std::string body;
        long status;
        std::string error;
        std::string message_starts;
    };
    auto with = [](const char* field, nlohmann::json value) {
        auto body = phone_call();
        body[field] = std::move(value);
        return body.dump();
    };
    auto without = [](const char* field) {
        auto body = phone_call();
        body.erase(field);
        return body.dump();
    };
    const std::string future = format_utc_iso8601(now_utc_ms() + 3'600'000);
    const std::vector<Case> cases{
        {"not JSON", "store=UTR&channel=phone", 400, "malformed_json", "body: "},
        {"JSON but no object", "[1, 2]", 400, "bad_request", "body: must be a JSON object"},
        {"a missing field", without("description"), 400, "bad_request", "description: is required"},
        {"a wrong type", with("customer_wish", 5), 400, "bad_request", "customer_wish: must be a string"},
        {"contact not an object", with("contact", "+31 6 1234 5678"), 400, "bad_request", "contact: must be an object"},
        {"an unknown field", with("priority", "high"), 400, "bad_request", "\"priority\": is not a field"},
        {"a reference of its own", with("reference", "UTR-HQ-2222F"), 400, "bad_request",
         "reference: head office makes"},
        {"an unknown store", with("store", "ZZZ"), 422, "unknown_store", "store: no store ZZZ"},
        {"a store code of the wrong form", with("store", "utrecht"), 422, "invalid_field", "store: "},
        {"an unknown category", with("category", "parking_fines"), 422, "invalid_field", "category: "},
        {"the kiosk's channel", with("channel", "kiosk"), 422, "invalid_field", "channel: \"kiosk\""},
        {"an unknown channel", with("channel", "pigeon"), 422, "invalid_field", "channel: must be one of"},
        {"an empty description", with("description", " "), 422, "invalid_field", "description: "},
        {"an unknown severity", with("severity", "urgent"), 422, "invalid_field", "severity: "},
        {"a future received_at", with("received_at", future), 422, "invalid_field", "received_at: lies in the future"},
        {"received_at without an offset", with("received_at", "2026-11-24T10:15:00"), 422, "invalid_field",
         "received_at: must be a date and time with Z or an offset"},
        {"received_at before 2020", with("received_at", "2019-12-31T23:00:00Z"), 422, "invalid_field",
         "received_at: must be 2020-01-01"},
        {"contact without consent", with("contact", {{"phone", "+31 6 1234 5678"}}), 422, "invalid_field",
         "contact.consent: "},
        {"contact without a way to reach", with("contact", {{"consent", true}, {"name", "Jan Jansen"}}), 422,
         "invalid_field", "contact: needs a phone number or an e-mail address"},
        {"a bad e-mail address", with("contact", {{"consent", true}, {"email", "jan-at-example"}}), 422,
         "invalid_field", "contact.email: "},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        auto answer = api.send("POST", "/api/v1/complaints", c.body);
        CHECK(answer.status == c.status);
        CHECK(error_of(answer) == c.error);
        CHECK(message_of(answer).starts_with(c.message_starts));
        // Contact values never come back in a message.
        for (const char* personal : {"1234 5678", "jan-at-example", "Jansen"})
            CHECK(message_of(answer).find(personal) == std::string::npos);
    }
    // Everything wrong at once is named at once.
    auto many = nlohmann::json{{"store", "UTR"}, {"channel", 7}, {"colour", "red"}};
    auto all = api.post(many);
    CHECK(all.status == 400);
    for (const char* field : {"\"colour\"", "channel: must be a string", "category: is required",
                              "description: is required", "customer_wish: is required"})
        CHECK(message_of(all).find(field) != std::string::npos);

    CHECK(events_stored(hq) == before);
    CHECK(recorded_by(hq, "hq:api.crm").empty());
}

TEST_CASE("a request without a valid token is 401: none, unknown, a terminal's, revoked", "[sync][e2e][api]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    publish_store_config(hq, "UTR");
    const std::string token = add_api_token(hq, "crm");
    ApiClient api(hq, token);
    auto first = api.post(phone_call());
    REQUIRE(first.status == 201);
    const std::string reference = body_of(first)["reference"];

    ApiClient anonymous(hq, "");
    ApiClient guessing(hq, std::string(64, 'a'));
    for (ApiClient* client : {&anonymous, &guessing}) {
        auto posted = client->post(phone_call());
        CHECK(posted.status == 401);
        CHECK(error_of(posted) == "unauthorized");
        CHECK(client->get(reference).status == 401);
    }
    // A terminal's token is for the sync protocol, not for the API.
    TerminalDir counter(temp.path() / "counter");
    REQUIRE(counter.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    auto credentials = sync::load_credentials(counter.dir());
    REQUIRE(credentials);
    REQUIRE(*credentials);
    ApiClient terminal(hq, (*credentials)->token);
    CHECK(terminal.post(phone_call()).status == 401);

    REQUIRE(hq.run({"token", "revoke", "--name", "crm"}).exit_code == 0);
    auto revoked = api.post(phone_call());
    CHECK(revoked.status == 401);
    CHECK(error_of(revoked) == "token_revoked");
    auto read = api.get(reference);
    CHECK(read.status == 401);
    CHECK(error_of(read) == "token_revoked");
    CHECK(recorded_by(hq, "hq:api.crm").size() == 1);
}

TEST_CASE("each token has its own rate limit: 429 with Retry-After", "[sync][e2e][api]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq", {{"limits", {{"rate_per_second", 0.2}, {"rate_burst", 3}}}});
    publish_store_config(hq, "UTR");
    ApiClient crm(hq, add_api_token(hq, "crm"));
    ApiClient shop(hq, add_api_token(hq, "webshop"));
    for (int i = 0; i < 3; ++i)
        CHECK(crm.post(phone_call()).status == 201);
    auto limited = crm.post(phone_call());
    CHECK(limited.status == 429);
    CHECK(error_of(limited) == "rate_limited");
    CHECK_FALSE(limited.header("retry-after").empty());
    CHECK(crm.get(make_refcode("UTR", "HQ", 0)).status == 429);
    CHECK(shop.post(phone_call()).status == 201); // another token is not held up
    CHECK(recorded_by(hq, "hq:api.crm").size() == 3);
}

TEST_CASE("a body over 64 KiB is refused by the TLS front with 413 before any route reads it", "[sync][e2e][api]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    publish_store_config(hq, "UTR");
    const std::string token = add_api_token(hq, "crm");
    // A JSON body of exactly `bytes` bytes.
    auto body_of_size = [](size_t bytes) {
        auto body = phone_call();
        body["description"] = "";
        std::string text = body.dump();
        body["description"] = std::string(bytes - text.size(), 'x');
        text = body.dump();
        REQUIRE(text.size() == bytes);
        return text;
    };
    {
        ApiClient api(hq, token);
        auto too_large = api.send("POST", "/api/v1/complaints", body_of_size(65 * 1024));
        CHECK(too_large.status == 413);
        CHECK(error_of(too_large) == "body_too_large");
    }
    CHECK(hq.log().find("POST /api/v1/complaints 413 front: body_too_large") != std::string::npos);
    // 64 KiB itself is read, and its over-long description is the complaint's problem.
    ApiClient api(hq, token);
    auto at_limit = api.send("POST", "/api/v1/complaints", body_of_size(64 * 1024));
    CHECK(at_limit.status == 422);
    CHECK(message_of(at_limit).starts_with("description: "));
    CHECK(recorded_by(hq, "hq:api.crm").empty());
}

TEST_CASE("GET by reference: the complaint as the fold sees it, typed loosely, a typo named, never contact details",
          "[sync][e2e][api]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    publish_store_config(hq, "UTR", safety_in_four_hours);
    ApiClient api(hq, add_api_token(hq, "crm"));
    auto posted = api.post(phone_call());
    REQUIRE(posted.status == 201);
    const std::string reference = body_of(posted)["reference"];
    const std::string complaint_id = body_of(posted)["id"];

    // Head office assesses it (safety, an owner), acknowledges it and decides, as the dashboard would.
    {
        auto office = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
        REQUIRE(office);
        const int64_t now = now_utc_ms();
        REQUIRE(office->record_hq_event(EventType::complaint_assessed, complaint_id, "hq:quality.lead",
                                        {{"severity", "safety"}, {"owner", "quality.lead"}}, now));
        REQUIRE(office->record_hq_event(EventType::complaint_acknowledged, complaint_id, "hq:quality.lead",
                                        nlohmann::json::object(), now + 1));
        REQUIRE(office->record_hq_event(EventType::complaint_resolved, complaint_id, "hq:quality.lead",
                                        {{"resolution", "replacement"},
                                         {"on_the_spot", false},
                                         {"decision", "We sturen u een nieuw kussen."},
                                         {"communicated", "phone"}},
                                        now + 2));
    }
    const int64_t received_at = *parse_iso8601_instant("2026-11-24T10:15:00+01:00");
    // Lower case, spaces (%20 in the URL) for dashes: the same code.
    std::string loose = "utr%20hq%20" + reference.substr(7);
    std::transform(loose.begin(), loose.end(), loose.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const std::string& typed : {reference, loose}) {
        INFO(typed);
        auto read = api.get(typed);
        REQUIRE(read.status == 200);
        auto body = body_of(read);
        CHECK(body["id"] == complaint_id);
        CHECK(body["reference"] == reference);
        CHECK(body["store"] == "UTR");
        CHECK(body["status"] == "awaiting_response");
        CHECK(body["channel"] == "phone");
        CHECK(body["category"] == "delivery");
        CHECK(body["severity"] == "safety");
        CHECK(body["owner"] == "quality.lead");
        CHECK(body["received_at"] == format_utc_iso8601(received_at));
        // The assessment made it a safety complaint: the shorter deadline.
        CHECK(body["deadline"] == format_utc_iso8601(received_at + 4 * 3'600'000));
        CHECK(body["acknowledged_at"].is_string());
        CHECK(body["answered_at"].is_string()); // the decision reached the customer by phone
        CHECK(body["closed_at"].is_null());
        CHECK(body["outcome"].is_null());
        CHECK(body["decision"] == "We sturen u een nieuw kussen.");
        // The mail worker may already have queued the acknowledgement and the decision (the
        // customer gave an e-mail address): those steps come and go with its timing.
        std::vector<nlohmann::json> handling;
        for (const auto& step : body["steps"])
            if (step["type"] != "complaint.messaged")
                handling.push_back(step);
        REQUIRE(handling.size() == 4);
        CHECK(handling[0] == nlohmann::json{{"type", "complaint.opened"},
                                            {"at", format_utc_iso8601(received_at)},
                                            {"by", "head_office"}});
        CHECK(handling[3]["type"] == "complaint.resolved");
        // No contact details, not even whether there are any.
        for (const char* personal : {"contact", "1234 5678", "jan@example", "Jansen", "phone\":", "email"})
            CHECK(read.body.find(personal) == std::string::npos);
    }

    // A typo names the check character; a well-formed code head office does not have is 404.
    std::string typo = reference;
    typo[8] = typo[8] == '3' ? '4' : '3';
    auto mistyped = api.get(typo);
    CHECK(mistyped.status == 400);
    CHECK(error_of(mistyped) == "bad_reference");
    CHECK(message_of(mistyped).find("check character") != std::string::npos);
    auto foreign = api.get("UTR-HQ-0000");
    CHECK(foreign.status == 400);
    CHECK(message_of(foreign).starts_with("reference \"UTR-HQ-0000\": "));
    auto unknown = api.get(make_refcode("UTR", "HQ", 99));
    CHECK(unknown.status == 404);
    CHECK(error_of(unknown) == "not_found");
}

TEST_CASE("GET shows a terminal's complaint too: steps made at the counter are the terminal's",
          "[sync][e2e][api]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir counter(temp.path() / "counter");
    REQUIRE(counter.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    auto opened = counter.record(
        {R"({"type":"complaint.opened","actor":"staff:anna","channel":"walk_in","category":"product",)"
         R"("description":"Waterkoker lekt","customer_wish":"Een nieuwe",)"
         R"("contact":{"consent":true,"phone":"+31 6 8765 4321","email":"klant@example.nl"}})"});
    REQUIRE(opened.exit_code == 0);
    const RecordedComplaint complaint = recorded_complaint(opened);
    REQUIRE_FALSE(complaint.reference.empty());
    REQUIRE(counter.sync_once().exit_code == 0);

    ApiClient api(hq, add_api_token(hq, "crm"));
    auto read = api.get(complaint.reference);
    REQUIRE(read.status == 200);
    auto body = body_of(read);
    CHECK(body["reference"] == complaint.reference);
    CHECK(body["status"] == "open");
    CHECK(body["channel"] == "walk_in");
    CHECK(body["owner"].is_null()); // the store's
    CHECK(body["deadline"].is_null()); // no configuration published: no promise to keep
    // The opening, then head office's mail to the customer (the acknowledgement, queued or sent).
    REQUIRE(body["steps"].size() >= 1);
    CHECK(body["steps"][0]["by"] == "terminal");
    for (size_t i = 1; i < body["steps"].size(); ++i)
        CHECK(body["steps"][i]["type"] == "complaint.messaged");
    for (const char* personal : {"contact", "8765", "klant@example", "anna"})
        CHECK(read.body.find(personal) == std::string::npos);
}

TEST_CASE("feedback-hq token add, list and revoke: the token printed once, errors with a reason", "[sync][e2e][api]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    publish_store_config(hq, "UTR");

    auto added = hq.run({"token", "add", "--name", "crm"});
    REQUIRE(added.exit_code == 0);
    const std::string token = lines_of(added.out).at(0);
    CHECK(std::regex_match(token, std::regex("[0-9a-f]{64}")));
    CHECK(added.out.find("shown this once") != std::string::npos);
    // Only its hash is kept.
    CHECK(read_text(hq.dir() / "hq.db").find(token) == std::string::npos);

    auto listed = hq.run({"token", "list"});
    REQUIRE(listed.exit_code == 0);
    CHECK(std::regex_search(listed.out, std::regex("^crm  created \\S+Z  last used never\n$")));
    CHECK(listed.out.find(token) == std::string::npos);
    ApiClient api(hq, token);
    REQUIRE(api.post(phone_call()).status == 201);
    listed = hq.run({"token", "list"});
    CHECK(std::regex_search(listed.out, std::regex("^crm  created \\S+Z  last used 20\\S+Z\n$")));

    // Errors: a name taken, a bad name, an unknown name, a second revocation.
    auto twice = hq.run({"token", "add", "--name", "crm"});
    CHECK(twice.exit_code == 1);
    CHECK(twice.err.find("already a token named crm") != std::string::npos);
    auto bad = hq.run({"token", "add", "--name", "crm tool"});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("--name must be 1 to 36 characters") != std::string::npos);
    CHECK(hq.run({"token", "add", "--name", std::string(37, 'a')}).exit_code == 2);
    CHECK(hq.run({"token", "add", "--name", std::string(36, 'a')}).exit_code == 0);
    auto unknown = hq.run({"token", "revoke", "--name", "erp"});
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.err.find("no token named erp") != std::string::npos);
    REQUIRE(hq.run({"token", "revoke", "--name", "crm"}).exit_code == 0);
    auto again = hq.run({"token", "revoke", "--name", "crm"});
    CHECK(again.exit_code == 1);
    CHECK(again.err.find("already revoked") != std::string::npos);
    listed = hq.run({"token", "list"});
    CHECK(std::regex_search(listed.out, std::regex("\ncrm  created \\S+  last used \\S+  REVOKED 20\\S+Z\n")));
    // A revoked name is never given again: its complaints keep naming that tool.
    auto reused = hq.run({"token", "add", "--name", "crm"});
    CHECK(reused.exit_code == 1);
    CHECK(reused.err.find("(revoked)") != std::string::npos);
    CHECK(hq.run({"token", "list", "--name", "crm"}).exit_code == 2); // list takes no name
    CHECK(hq.run({"token", "frobnicate"}).exit_code == 2);

    // --help for the group and each command.
    auto help = run_process({FEEDBACK_HQ_BINARY, "token", "--help"});
    CHECK(help.exit_code == 0);
    for (const char* command : {"add", "list", "revoke"})
        CHECK(help.out.find(std::string("  ") + command) != std::string::npos);
    for (const char* command : {"add", "list", "revoke"}) {
        auto one = run_process({FEEDBACK_HQ_BINARY, "token", command, "--help"});
        CHECK(one.exit_code == 0);
        CHECK(one.out.find(std::string("usage: feedback-hq token ") + command + " --dir DIR") != std::string::npos);
    }
    auto overview = run_process({FEEDBACK_HQ_BINARY, "--help"});
    CHECK(overview.out.find("token") != std::string::npos);
}
