// A device is confined to its enrolment (PROTOCOL.md 2 and 3), against the
// real feedback-hq serve over HTTPS: re-enrolment needs the current token or
// an admin's replacement code and never crosses stores, and a batch may not
// act on another store's complaints or pose as head office. Every refusal
// names its rule and leaves the real terminal as it was.
#include "client/credentials.h"
#include "client/http_client.h"
#include "common/protocol.h"
#include "domain/clock.h"
#include "domain/ids.h"
#include "hq/hq_store.h"
#include "sqlite/database.h"
#include "store/local_store.h"
#include "support/temp_dir.h"
#include "sync_support.h"

#include <catch2/catch.hpp>

#include <map>
#include <string>

using namespace feedback;
using namespace feedback::testing;

namespace {

sync::Credentials credentials_of(const TerminalDir& terminal)
{
    auto credentials = sync::load_credentials(terminal.dir());
    REQUIRE(credentials);
    REQUIRE(*credentials);
    return **credentials;
}

std::string device_of(TerminalDir& terminal) { return terminal.status()["device"]["device_id"]; }

// POST /v1/enrol as any client may send it, with a bearer token when given.
sync::HttpResponse post_enrol(const HqProcess& hq, const std::string& code, const std::string& device_id,
                              const std::string& token = "")
{
    sync::HttpClient http({hq.ca_file().string()});
    nlohmann::json body{{"code", code}, {"device_id", device_id}, {"app_version", "0.1.0"}};
    sync::HttpRequest request{"POST", hq.url() + "/v1/enrol", {{"Content-Type", "application/json"}}, body.dump()};
    if (!token.empty())
        request.headers.emplace_back("Authorization", "Bearer " + token);
    auto response = http.perform(request);
    REQUIRE(response);
    CHECK(response->header("feedback-protocol") == "1");
    return *response;
}

// An authenticated GET (the feed): 200 while the token is valid.
long feed_status(const HqProcess& hq, const std::string& token)
{
    sync::HttpClient http({hq.ca_file().string()});
    auto response = http.perform({"GET", hq.url() + "/v1/feed", {{"Authorization", "Bearer " + token}}, {}});
    REQUIRE(response);
    return response->status;
}

std::string id_of(const nlohmann::json& event) { return event["id"].get<std::string>(); }

std::string error_of(const sync::HttpResponse& response)
{
    return nlohmann::json::parse(response.body)["error"].get<std::string>();
}

std::string message_of(const sync::HttpResponse& response)
{
    return nlohmann::json::parse(response.body)["message"].get<std::string>();
}

nlohmann::json device_row(HqProcess& hq, const std::string& device_id)
{
    for (const auto& device : hq.devices())
        if (device["device_id"] == device_id)
            return device;
    FAIL("head office does not list device " << device_id);
    return {};
}

// `feedback-hq enroll --replace`: the code (first line) and the whole run.
Finished replacement_code(HqProcess& hq, const std::string& store, const std::string& device_id)
{
    return hq.run({"enroll", "--store", store, "--name", "Counter 1", "--replace", device_id});
}

const std::string walk_in_complaint =
    R"({"type":"complaint.opened","actor":"staff:anna","channel":"walk_in","category":"product",)"
    R"("description":"Waterkoker lekt","customer_wish":"Een nieuwe"})";

} // namespace

TEST_CASE("a code of another store cannot take over a terminal: refused with the reason, the terminal untouched",
          "[sync][e2e][confinement]")
{
    sync::init_transport();
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir ams(temp.path() / "ams");
    REQUIRE(ams.enroll(hq, hq.enrol_code("AMS", "Counter 1")).exit_code == 0);
    REQUIRE(ams.record(rating_lines(3)).exit_code == 0);
    REQUIRE(ams.sync_once().exit_code == 0);
    const std::string device = device_of(ams);
    const sync::Credentials before = credentials_of(ams);
    const nlohmann::json row_before = device_row(hq, device);

    // The attack: a code of store UTR with the AMS terminal's (public) device id.
    const std::string utr_code = hq.enrol_code("UTR", "Intruder");
    auto takeover = post_enrol(hq, utr_code, device);
    CHECK(takeover.status == 403);
    CHECK(error_of(takeover) == "device_enrolled_elsewhere");
    CHECK(message_of(takeover).find("never moves to another store") != std::string::npos);
    // Not even the terminal's own token moves it to another store.
    auto with_token = post_enrol(hq, utr_code, device, before.token);
    CHECK(with_token.status == 403);
    CHECK(error_of(with_token) == "device_enrolled_elsewhere");
    // A code of its own store, without the token (or with a wrong one), does not replace it either.
    const std::string ams_code = hq.enrol_code("AMS", "Intruder");
    auto same_store = post_enrol(hq, ams_code, device);
    CHECK(same_store.status == 403);
    CHECK(error_of(same_store) == "device_already_enrolled");
    CHECK(message_of(same_store).find("--replace " + device) != std::string::npos);
    auto wrong_token = post_enrol(hq, ams_code, device, std::string(64, 'a'));
    CHECK(error_of(wrong_token) == "device_already_enrolled");

    // The real terminal is untouched: same store, same terminal code, its token still works.
    const nlohmann::json row_after = device_row(hq, device);
    CHECK(row_after["store_code"] == "AMS");
    CHECK(row_after["terminal_code"] == row_before["terminal_code"]);
    CHECK(row_after["enrolled_at"] == row_before["enrolled_at"]);
    CHECK(row_after["revoked_at"].is_null());
    CHECK(feed_status(hq, before.token) == 200);
    REQUIRE(ams.record(rating_lines(2)).exit_code == 0);
    auto synced = ams.sync_once();
    INFO(synced.out << synced.err);
    CHECK(synced.exit_code == 0);
    CHECK(hq.export_jsonl().size() == 5);

    // A copy of the terminal that lost its credentials is told what to do, by
    // feedback-terminal enroll itself.
    TerminalDir lost(temp.path() / "ams-lost");
    std::filesystem::copy(ams.dir(), lost.dir(), std::filesystem::copy_options::recursive);
    std::filesystem::remove(lost.dir() / sync::credentials_file_name);
    auto refused = lost.enroll(hq, ams_code);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("device_already_enrolled") != std::string::npos);
    CHECK(refused.err.find("feedback-hq enroll --replace " + device) != std::string::npos);
    CHECK(refused.err.find("was not used") != std::string::npos);
    auto elsewhere = lost.enroll(hq, utr_code);
    CHECK(elsewhere.exit_code == 1);
    CHECK(elsewhere.err.find("device_enrolled_elsewhere") != std::string::npos);
    CHECK(elsewhere.err.find("stays in the store") != std::string::npos);
    CHECK(device_row(hq, device)["store_code"] == "AMS");

    // The refused attempts used neither code: each still enrols a new terminal.
    TerminalDir newcomer(temp.path() / "utr");
    auto enrolled = newcomer.enroll(hq, utr_code);
    INFO(enrolled.err);
    CHECK(enrolled.exit_code == 0);
    CHECK(enrolled.out.find("enrolled as terminal UTR-22") != std::string::npos);
    CHECK(post_enrol(hq, ams_code, make_uuid_v7(now_utc_ms())).status == 200);
}

TEST_CASE("a terminal re-enrols with its current token: a new token, the old one refused, same terminal code",
          "[sync][e2e][confinement]")
{
    sync::init_transport();
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir terminal(temp.path() / "t1");
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    REQUIRE(terminal.record(rating_lines(4)).exit_code == 0);
    REQUIRE(terminal.sync_once().exit_code == 0);
    const sync::Credentials before = credentials_of(terminal);

    auto again = terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1 by the door"));
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    CHECK(again.out.find("enrolled as terminal UTR-22 (\"Counter 1 by the door\"") != std::string::npos);
    const sync::Credentials after = credentials_of(terminal);
    CHECK(after.token != before.token);
    CHECK(feed_status(hq, before.token) == 401);
    CHECK(feed_status(hq, after.token) == 200);
    REQUIRE(terminal.record(rating_lines(3)).exit_code == 0);
    CHECK(terminal.sync_once().exit_code == 0);
    CHECK(hq.export_jsonl().size() == 7);
    auto devices = hq.devices();
    REQUIRE(devices.size() == 1);
    CHECK(devices[0]["store_code"] == "UTR");
    CHECK(devices[0]["name"] == "Counter 1 by the door");
}

TEST_CASE("a revoked terminal comes back only with a replacement code made for it", "[sync][e2e][confinement]")
{
    sync::init_transport();
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir terminal(temp.path() / "t1");
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    const std::string device = device_of(terminal);
    REQUIRE(hq.run({"revoke", "--device", device}).exit_code == 0);

    // An ordinary code of its own store, even with its (revoked) token: refused, unused.
    const std::string code = hq.enrol_code("UTR", "Counter 1");
    auto refused = terminal.enroll(hq, code);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("device_revoked") != std::string::npos);
    CHECK(refused.err.find("only head office can let it back in") != std::string::npos);
    CHECK(refused.err.find("feedback-hq enroll --replace " + device) != std::string::npos);
    CHECK(device_row(hq, device)["revoked_at"].is_string());
    CHECK(feed_status(hq, credentials_of(terminal).token) == 401);

    // The admin's decision: a replacement code, for this device only.
    auto made = replacement_code(hq, "UTR", device);
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    CHECK(made.out.find("replacement code for device " + device) != std::string::npos);
    const std::string replacement = lines_of(made.out).at(0);
    TerminalDir other(temp.path() / "t2");
    auto not_for_it = other.enroll(hq, replacement);
    CHECK(not_for_it.exit_code == 1);
    CHECK(not_for_it.err.find("replace_code_other_device") != std::string::npos);
    CHECK(not_for_it.err.find("ask head office for a code for this one") != std::string::npos);

    auto back = terminal.enroll(hq, replacement);
    INFO(back.err);
    REQUIRE(back.exit_code == 0);
    CHECK(back.out.find("enrolled as terminal UTR-22") != std::string::npos); // its own terminal code
    CHECK(device_row(hq, device)["revoked_at"].is_null());
    REQUIRE(terminal.record(rating_lines(2)).exit_code == 0);
    CHECK(terminal.sync_once().exit_code == 0);
    CHECK(hq.export_jsonl().size() == 2);
    // Used once.
    CHECK(post_enrol(hq, replacement, device).status == 403);
    // The ordinary code the revoked terminal could not use still enrols a new one.
    auto newcomer = other.enroll(hq, code);
    CHECK(newcomer.exit_code == 0);
    CHECK(newcomer.out.find("enrolled as terminal UTR-23") != std::string::npos);
}

TEST_CASE("feedback-hq enroll --replace refuses an unknown device and one of another store", "[sync][e2e][confinement]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir ams(temp.path() / "ams");
    REQUIRE(ams.enroll(hq, hq.enrol_code("AMS", "Counter 1")).exit_code == 0);
    const std::string device = device_of(ams);

    auto other_store = replacement_code(hq, "UTR", device);
    CHECK(other_store.exit_code == 1);
    CHECK(other_store.out.empty());
    CHECK(other_store.err.find("device " + device + " is enrolled in store AMS, not UTR") != std::string::npos);
    CHECK(other_store.err.find("never moves to another store") != std::string::npos);

    const std::string stranger = make_uuid_v7(now_utc_ms());
    auto unknown = replacement_code(hq, "UTR", stranger);
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.out.empty());
    CHECK(unknown.err.find("no device " + stranger + " is enrolled here") != std::string::npos);

    auto empty = replacement_code(hq, "UTR", "");
    CHECK(empty.exit_code == 2);
    CHECK(empty.err.find("--replace needs a non-empty value") != std::string::npos);

    // No code was made by the refusals; one for its own store is.
    auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
    REQUIRE(store);
    CHECK(*store->connection().query_int64("SELECT count(*) FROM enrolment_codes") == 1);
    auto own = replacement_code(hq, "AMS", device);
    CHECK(own.exit_code == 0);
    CHECK(*store->connection().query_int64("SELECT count(*) FROM enrolment_codes WHERE replaces_device_id = '" +
                                         device + "'") == 1);
}

TEST_CASE("a batch about another store's complaint or posing as head office is refused per event, the rest is taken",
          "[sync][e2e][confinement]")
{
    sync::init_transport();
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir ams(temp.path() / "ams");
    TerminalDir utr(temp.path() / "utr");
    REQUIRE(ams.enroll(hq, hq.enrol_code("AMS", "Counter 1")).exit_code == 0);
    REQUIRE(utr.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    auto opened = ams.record({walk_in_complaint});
    REQUIRE(opened.exit_code == 0);
    const std::string complaint = recorded_complaint(opened).complaint_id;
    REQUIRE(is_uuid(complaint));
    REQUIRE(ams.sync_once().exit_code == 0);

    // The UTR terminal's token, a batch of its own device id: a 500 euro refund
    // for the AMS complaint as hq:admin, the same as staff, head office's own
    // analysis and call-back, and one honest rating.
    const sync::Credentials utr_credentials = credentials_of(utr);
    const std::string utr_device = utr_credentials.device_id;
    const int64_t now = now_utc_ms();
    int seq = 1000;
    auto event = [&](const std::string& type, const std::string& subject, const std::string& actor,
                     nlohmann::json payload) {
        nlohmann::json e{{"v", 1},         {"id", make_uuid_v7(now)}, {"type", type},
                         {"occurred_at", now}, {"actor", actor},        {"device_id", utr_device},
                         {"seq", ++seq},   {"payload", std::move(payload)}};
        if (!subject.empty())
            e["subject"] = subject;
        return e;
    };
    const nlohmann::json refund{{"resolution", "refund"}, {"on_the_spot", false}, {"amount_cents", 50000}};
    auto as_head_office = event("complaint.resolved", complaint, "hq:admin", refund);
    auto other_store = event("complaint.resolved", complaint, "staff:eve", refund);
    auto analysis =
        event("complaint.root_cause_recorded", complaint, "staff:eve", {{"root_cause", "supplier_quality"}});
    auto rating = event("nps.rated", "", "kiosk", {{"score", 3}, {"survey_version", 1}, {"locale", "nl"}});
    auto call_back = event("nps.followed_up", id_of(rating), "staff:eve", {{"outcome", "reached"}});
    const std::string batch_id = make_uuid_v7(now);
    const std::string body =
        nlohmann::json{{"batch_id", batch_id}, {"events", {as_head_office, other_store, analysis, rating, call_back}}}
            .dump();
    sync::HttpClient http({hq.ca_file().string()});
    auto answer = http.perform({"POST",
                                hq.url() + "/v1/batches",
                                {{"Authorization", "Bearer " + utr_credentials.token},
                                 {"Idempotency-Key", batch_id},
                                 {"Content-Type", "application/json"},
                                 {"Content-Encoding", "gzip"}},
                                *sync::gzip_compress(body)});
    REQUIRE(answer);
    REQUIRE(answer->status == 200);
    const auto counts = nlohmann::json::parse(answer->body);
    CHECK(counts["accepted"] == 1);
    CHECK(counts["duplicate"] == 0);
    CHECK(counts["rejected"] == 4);
    auto parsed = sync::batch_answer_from_json(counts);
    REQUIRE(parsed);
    REQUIRE(parsed->results.size() == 4); // the accepted event is not named
    std::map<std::string, std::string> reasons;
    for (const auto& result : parsed->results) {
        CHECK(result.outcome == sync::EventOutcome::rejected);
        reasons[result.id.value_or("")] = result.reason;
    }
    INFO(answer->body);
    CHECK(reasons[id_of(as_head_office)].rfind("head_office_actor: actor hq:admin is head office's", 0) == 0);
    CHECK(reasons[id_of(other_store)].rfind("complaint_of_other_store: complaint " + complaint, 0) == 0);
    CHECK(reasons[id_of(other_store)].find("store UTR's complaints only") != std::string::npos);
    CHECK(reasons[id_of(analysis)].rfind("head_office_only_type: complaint.root_cause_recorded", 0) == 0);
    CHECK(reasons[id_of(call_back)].rfind("head_office_only_type: nps.followed_up", 0) == 0);
    CHECK_FALSE(reasons.contains(id_of(rating)));

    // Head office's state of the AMS complaint is unchanged: opened, nothing else.
    {
        auto office = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
        REQUIRE(office);
        auto state = office->complaint_state(complaint);
        REQUIRE(state);
        CHECK(state->status == ComplaintStatus::open);
        auto about = office->events_about(complaint);
        REQUIRE(about);
        CHECK(about->size() == 1);
    }
    CHECK(hq.export_jsonl().size() == 2); // the complaint and the rating
    REQUIRE(ams.sync_once().exit_code == 0);
    CHECK(ams.status()["open_complaints"] == 1);

    // The UTR terminal's token still works, and through the terminal itself an
    // event posing as head office is quarantined with the reason, while its
    // own complaint's steps, opened earlier in the same batch, are taken.
    auto own = utr.record({walk_in_complaint});
    REQUIRE(own.exit_code == 0);
    const std::string reference = recorded_complaint(own).reference;
    REQUIRE(utr.record({R"({"type":"complaint.acknowledged","actor":"staff:bob","complaint":")" + reference + "\"}",
                        R"({"type":"complaint.escalated","actor":"hq:admin","reason":"Te duur","complaint":")" +
                            reference + "\"}"})
                .exit_code == 0);
    auto synced = utr.sync_once();
    INFO(synced.out << synced.err);
    CHECK(synced.exit_code == 1); // not every event was acknowledged
    CHECK(synced.out.find("2 events acknowledged (0 already at head office), 1 quarantined") != std::string::npos);
    CHECK(utr.status()["quarantined"] == 1);
    auto local = sqlite::Database::open(utr.dir() / store::database_file_name, sqlite::OpenMode::read_only);
    REQUIRE(local);
    auto quarantined = local->query_texts("SELECT reason FROM quarantine");
    REQUIRE(quarantined);
    REQUIRE(quarantined->size() == 1);
    CHECK(quarantined->front().rfind("head_office_actor: ", 0) == 0);
    CHECK(feed_status(hq, utr_credentials.token) == 200);
    CHECK(hq.export_jsonl().size() == 4);
}
