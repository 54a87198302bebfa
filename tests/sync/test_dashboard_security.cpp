// The web dashboard over real HTTPS on loopback, with the real feedback-hq
// process and a terminal that synced real events to it: sessions, roles,
// CSRF, slowed logins, cookie flags and expiry, personal data and its audit
// log, the follow-up forms (and what reaches the store's terminals),
// malformed input, the configuration editor and the exports.
#include "config/pin.h"
#include "domain/clock.h"
#include "domain/ids.h"
#include "hq/hq_store.h"
#include "support/temp_dir.h"
#include "sync_support.h"

#include <catch2/catch.hpp>

#include <regex>
#include <thread>

using namespace feedback;
using namespace feedback::testing;

namespace {

const std::string password_admin = "admin password 1";
const std::string password_manager = "manager password 1";
const std::string password_viewer = "viewer password 1";
const std::string phone = "+31 6 1234 5678";
const std::string rating_phone = "+31 6 9876 5432";

std::string first_uuid(const Finished& recorded)
{
    for (const auto& line : lines_of(recorded.out))
        if (is_uuid(line))
            return line;
    return {};
}

std::string complaint_of(const Finished& recorded)
{
    std::smatch match;
    std::regex line("reference (\\S+) complaint ([0-9a-f-]{36})");
    if (std::regex_search(recorded.out, match, line))
        return match[2].str();
    return {};
}

// Head office with three users and a terminal of store UTR that synced a
// detractor who left a phone number, a promoter, and a complaint with
// contact details; the default configuration published.
struct Chain {
    TempDir temp;
    HqProcess hq{temp.path() / "hq"};
    TerminalDir terminal{temp.path() / "t1"};
    std::string complaint_id;
    std::string rating_id;

    Chain()
    {
        REQUIRE(add_dashboard_user(hq, "ada", "admin", password_admin).exit_code == 0);
        REQUIRE(add_dashboard_user(hq, "max", "manager", password_manager).exit_code == 0);
        REQUIRE(add_dashboard_user(hq, "vic", "viewer", password_viewer).exit_code == 0);
        REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
        auto rated = terminal.record({R"({"type":"nps.rated","score":3,"locale":"nl"})"});
        REQUIRE(rated.exit_code == 0);
        rating_id = first_uuid(rated);
        REQUIRE(terminal
                    .record({R"({"type":"nps.detailed","rating":")" + rating_id +
                                 R"(","comment":"Lang gewacht","contact":{"consent":true,"phone":")" + rating_phone +
                                 R"("}})",
                             R"({"type":"nps.rated","score":10,"locale":"nl"})"})
                    .exit_code == 0);
        auto complaint = terminal.record(
            {R"({"type":"complaint.opened","actor":"staff:anna","channel":"walk_in","category":"product",)"
             R"("description":"Waterkoker lekt","customer_wish":"Een nieuwe","contact":{"consent":true,"phone":")" +
             phone + R"("}})"});
        REQUIRE(complaint.exit_code == 0);
        complaint_id = complaint_of(complaint);
        REQUIRE(is_uuid(complaint_id));
        auto synced = terminal.sync_once();
        INFO(synced.out << synced.err);
        REQUIRE(synced.exit_code == 0);
        WebClient admin(hq);
        REQUIRE(admin.login("ada", password_admin).status == 303);
        REQUIRE(admin.get("/config").status == 200);
        auto published = admin.post_multipart(
            "/config", {{"csrf", admin.csrf()},
                        {"scope", "default"},
                        {"mode", "json"},
                        {"document", read_text(std::filesystem::path(FEEDBACK_SOURCE_DIR) / "assets/config/default.json")}});
        INFO(published.body);
        REQUIRE(published.status == 303);
    }

    int64_t event_count()
    {
        auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
        REQUIRE(store);
        return *store->event_count();
    }

    // Runs SQL on head office's database while it serves (WAL: a second connection is fine).
    void exec(const std::string& sql)
    {
        auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
        REQUIRE(store);
        REQUIRE(store->connection().exec(sql));
    }

    std::vector<std::string> query(const std::string& sql)
    {
        auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
        REQUIRE(store);
        auto rows = store->connection().query_texts(sql);
        REQUIRE(rows);
        return *rows;
    }

    std::vector<std::string> pages() const
    {
        return {"/overview",
                "/complaints",
                "/complaints/" + complaint_id,
                "/complaints/" + complaint_id + "/contact",
                "/complaints/new",
                "/callbacks",
                "/callbacks/" + rating_id,
                "/promises",
                "/learning",
                "/devices",
                "/config",
                "/users",
                "/audit",
                "/account"};
    }

    std::vector<std::string> exports() const
    {
        return {"/export/complaints.csv", "/export/callbacks.csv", "/export/stores.csv", "/export/weeks.csv",
                "/export/promises.csv",   "/export/learning.csv",  "/export/devices.csv", "/export/audit.csv",
                "/export/dump.json"};
    }

    // Every form that changes something (logout and a user's own password aside).
    std::vector<std::pair<std::string, WebClient::Fields>> changes() const
    {
        std::string action = make_uuid_v7(now_utc_ms());
        return {
            {"/complaints/" + complaint_id + "/root-cause", {{"root_cause", "supplier_quality"}}},
            {"/complaints/" + complaint_id + "/actions",
             {{"kind", "corrective"}, {"description", "x"}, {"owner", "y"}, {"due", "2026-12-01"}}},
            {"/complaints/" + complaint_id + "/actions/" + action + "/check", {{"effective", "yes"}}},
            {"/complaints/" + complaint_id + "/reopen", {{"reason", "again"}}},
            {"/complaints/" + complaint_id + "/refer", {{"external_body", "Geschillencommissie"}}},
            {"/complaints/" + complaint_id + "/acknowledge", {}},
            {"/complaints/" + complaint_id + "/assess", {{"severity", "high"}}},
            {"/complaints/" + complaint_id + "/note", {{"note", "called"}}},
            {"/complaints/" + complaint_id + "/decide",
             {{"decision", "sorry"}, {"resolution", "apology"}, {"communicated", "phone"}}},
            {"/complaints/" + complaint_id + "/response", {{"satisfied", "yes"}}},
            {"/complaints/" + complaint_id + "/close", {{"outcome", "withdrawn"}}},
            {"/complaints/new",
             {{"store", "UTR"}, {"channel", "phone"}, {"category", "product"}, {"severity", "normal"},
              {"description", "x"}, {"customer_wish", "y"}}},
            {"/callbacks/" + rating_id + "/outcome", {{"outcome", "reached"}}},
            {"/devices/enrol", {{"store", "AMS"}, {"name", "Counter 9"}}},
            {"/devices/" + make_uuid_v7(now_utc_ms()) + "/revoke", {}},
            {"/devices/" + make_uuid_v7(now_utc_ms()) + "/screenshot", {}},
            {"/config", {{"scope", "default"}, {"mode", "json"}, {"document", "{}"}}},
            {"/users", {{"name", "eve"}, {"role", "admin"}, {"password", "a long password 1"}}},
            {"/users/max", {{"change", "role"}, {"role", "admin"}}},
        };
    }
};

WebClient::Fields with_csrf(const WebClient& client, WebClient::Fields fields)
{
    fields.insert(fields.begin(), {"csrf", client.csrf()});
    return fields;
}

} // namespace

TEST_CASE("no dashboard page, export or form without a session", "[dashboard][security]")
{
    Chain chain;
    WebClient anonymous(chain.hq);
    for (const auto& path : chain.pages()) {
        auto answer = anonymous.get(path);
        INFO(path);
        CHECK(answer.status == 303);
        CHECK(answer.header("location").rfind("/login?next=", 0) == 0);
        CHECK(answer.body.find("Waterkoker") == std::string::npos);
    }
    for (const auto& path : chain.exports()) {
        INFO(path);
        CHECK(anonymous.get(path).status == 401);
    }
    for (const auto& [path, fields] : chain.changes()) {
        INFO(path);
        CHECK(anonymous.post(path, fields).status == 401);
    }
    // A made-up session cookie is no session either.
    anonymous.cookies()["__Host-feedback_session"] = std::string(64, 'a');
    CHECK(anonymous.get("/overview").status == 303);
    CHECK(anonymous.get("/export/dump.json").status == 401);
    CHECK(anonymous.post("/complaints/" + chain.complaint_id + "/root-cause", {{"root_cause", "supplier_quality"}})
              .status == 401);
    // The login page itself, the stylesheet and the protocol stay open.
    CHECK(anonymous.get("/login").status == 200);
    CHECK(anonymous.get("/static/dashboard.css").status == 200);
    CHECK(anonymous.get("/v1/hello").status == 200);
    CHECK(chain.event_count() == 4);
}

TEST_CASE("a viewer sees no contact details and every change is refused with 403", "[dashboard][security]")
{
    Chain chain;
    WebClient viewer(chain.hq);
    REQUIRE(viewer.login("vic", password_viewer).status == 303);
    for (const auto& path : chain.pages()) {
        auto answer = viewer.get(path);
        INFO(path);
        bool forbidden = path.ends_with("/contact") || path == "/config" || path == "/users" || path == "/audit" ||
                         path == "/complaints/new";
        CHECK(answer.status == (forbidden ? 403 : 200));
        CHECK(answer.body.find("1234 5678") == std::string::npos);
        CHECK(answer.body.find("9876 5432") == std::string::npos);
    }
    auto complaint = viewer.get("/complaints/" + chain.complaint_id);
    CHECK(complaint.body.find("Waterkoker lekt") != std::string::npos); // the complaint itself is not personal data
    CHECK(complaint.body.find("show-contact") == std::string::npos);
    CHECK(complaint.body.find("root-cause-form") == std::string::npos); // no forms for a viewer
    CHECK(viewer.get("/export/dump.json").status == 403);
    CHECK(viewer.get("/export/audit.csv").status == 403);
    CHECK(viewer.get("/export/complaints.csv").status == 200);

    REQUIRE(viewer.get("/overview").status == 200);
    std::string token = viewer.csrf();
    REQUIRE_FALSE(token.empty());
    for (const auto& [path, fields] : chain.changes()) {
        INFO(path);
        auto answer = viewer.post(path, with_csrf(viewer, fields));
        CHECK(answer.status == 403);
    }
    CHECK(chain.event_count() == 4);
    CHECK(chain.query("SELECT count(*) FROM configs") == std::vector<std::string>{"1"});
    CHECK(chain.query("SELECT count(*) FROM web_users") == std::vector<std::string>{"3"});
    CHECK(chain.query("SELECT role FROM web_users WHERE name = 'max'") == std::vector<std::string>{"manager"});
}

TEST_CASE("every user sets their own alert address and choices on their account page", "[dashboard][alerts]")
{
    Chain chain;
    WebClient viewer(chain.hq);
    REQUIRE(viewer.login("vic", password_viewer).status == 303);
    auto page = viewer.get("/account");
    REQUIRE(page.status == 200);
    CHECK(page.body.find("id=\"alerts\"") != std::string::npos);
    CHECK(page.body.find("name=\"alert_deadline_missed\"") != std::string::npos);

    WebClient::Fields choices{{"email", "vic@example.nl"}};
    for (const char* cause : {"escalated", "serious", "deadline_near", "deadline_missed", "call_back",
                              "terminal_silent", "backlog_growing", "device_trouble"})
        choices.push_back({std::string("alert_") + cause, "immediate"});
    choices[4].second = "digest"; // deadline_missed
    choices[5].second = "off";    // call_back
    auto saved = viewer.post("/account/alerts", with_csrf(viewer, choices));
    CHECK(saved.status == 303);
    CHECK(chain.query("SELECT email FROM web_users WHERE name = 'vic'") == std::vector<std::string>{"vic@example.nl"});
    CHECK(chain.query("SELECT cause || '=' || delivery FROM alert_choices WHERE user_name = 'vic' AND "
                      "delivery != 'immediate' ORDER BY cause") ==
          std::vector<std::string>{"call_back=off", "deadline_missed=digest"});
    auto again = viewer.get("/account");
    CHECK(again.body.find("value=\"vic@example.nl\"") != std::string::npos);
    CHECK(chain.query("SELECT count(*) FROM web_audit WHERE action = 'user.alerts' AND user_name = 'vic'") ==
          std::vector<std::string>{"1"});

    // Not an address: said on the page, nothing changed.
    choices[0].second = "vic at example";
    auto refused = viewer.post("/account/alerts", with_csrf(viewer, choices));
    CHECK(refused.status == 400);
    CHECK(refused.body.find("vic at example") != std::string::npos); // what was typed stays in the form
    CHECK(chain.query("SELECT email FROM web_users WHERE name = 'vic'") == std::vector<std::string>{"vic@example.nl"});
    // Without the CSRF token: refused.
    CHECK(viewer.post("/account/alerts", choices).status == 403);
}

TEST_CASE("a manager's view of contact details is in the audit log, the data itself nowhere but the page", "[dashboard][security]")
{
    Chain chain;
    WebClient manager(chain.hq);
    REQUIRE(manager.login("max", password_manager).status == 303);
    auto complaint = manager.get("/complaints/" + chain.complaint_id);
    CHECK(complaint.body.find(phone) == std::string::npos); // one click away
    CHECK(complaint.body.find("show-contact") != std::string::npos);
    auto contact = manager.get("/complaints/" + chain.complaint_id + "/contact");
    CHECK(contact.status == 200);
    CHECK(contact.body.find(phone) != std::string::npos);
    auto call_back = manager.get("/callbacks/" + chain.rating_id);
    CHECK(call_back.status == 200);
    CHECK(call_back.body.find(rating_phone) != std::string::npos);
    CHECK(call_back.header("cache-control") == "no-store");

    auto audit = chain.query("SELECT user_name || ' ' || action || ' ' || subject FROM web_audit "
                             "WHERE action = 'contact.viewed' ORDER BY seq");
    REQUIRE(audit.size() == 2);
    CHECK(audit[0] == "max contact.viewed " + chain.complaint_id);
    CHECK(audit[1] == "max contact.viewed " + chain.rating_id);
    for (const auto& row : chain.query("SELECT at || user_name || action || subject || address FROM web_audit")) {
        CHECK(row.find("1234") == std::string::npos);
        CHECK(row.find("9876") == std::string::npos);
    }
    // The request log has one line per request and no personal data.
    std::string log = chain.hq.log();
    CHECK(log.find("GET /complaints/" + chain.complaint_id + "/contact 200") != std::string::npos);
    CHECK(log.find("1234") == std::string::npos);
    CHECK(log.find("9876") == std::string::npos);
    CHECK(log.find(password_manager) == std::string::npos);

    // An admin reads the audit log.
    WebClient admin(chain.hq);
    REQUIRE(admin.login("ada", password_admin).status == 303);
    auto page = admin.get("/audit");
    CHECK(page.status == 200);
    CHECK(page.body.find(chain.complaint_id) != std::string::npos);
}

TEST_CASE("a form without the CSRF token or with a wrong one is refused and records nothing", "[dashboard][security]")
{
    Chain chain;
    WebClient manager(chain.hq);
    REQUIRE(manager.login("max", password_manager).status == 303);
    WebClient admin(chain.hq);
    REQUIRE(admin.login("ada", password_admin).status == 303);
    REQUIRE(admin.get("/overview").status == 200);
    REQUIRE(manager.get("/complaints/" + chain.complaint_id).status == 200);
    std::string path = "/complaints/" + chain.complaint_id + "/root-cause";

    CHECK(manager.post(path, {{"root_cause", "supplier_quality"}}).status == 403);
    CHECK(manager.post(path, {{"csrf", std::string(64, '0')}, {"root_cause", "supplier_quality"}}).status == 403);
    CHECK(manager.post(path, {{"csrf", admin.csrf()}, {"root_cause", "supplier_quality"}}).status == 403);
    CHECK(manager.post(path + "?csrf=" + manager.csrf(), {{"root_cause", "supplier_quality"}}).status == 403);
    CHECK(manager.post("/logout", {}).status == 403);
    CHECK(chain.event_count() == 4);

    auto done = manager.post(path, {{"csrf", manager.csrf()}, {"root_cause", "supplier_quality"}});
    CHECK(done.status == 303);
    CHECK(chain.event_count() == 5);

    // The login form has a token of its own, tied to a cookie.
    WebClient stranger(chain.hq);
    auto forged = stranger.post("/login", {{"name", "max"}, {"password", password_manager}});
    CHECK(forged.status == 403);
    CHECK(stranger.cookies().count("__Host-feedback_session") == 0);
}

TEST_CASE("five wrong passwords slow further attempts for that name", "[dashboard][security]")
{
    Chain chain;
    WebClient guesser(chain.hq);
    for (int i = 0; i < 5; ++i) {
        auto answer = guesser.login("max", "wrong password " + std::to_string(i));
        INFO(i);
        CHECK(answer.status == 401);
        CHECK(guesser.cookies().count("__Host-feedback_session") == 0);
    }
    // The sixth attempt, even with the right password, must wait.
    auto slowed = guesser.login("max", password_manager);
    CHECK(slowed.status == 429);
    CHECK(guesser.cookies().count("__Host-feedback_session") == 0);
    int retry_after = std::stoi(slowed.header("retry-after"));
    CHECK(retry_after >= 1);
    CHECK(retry_after <= 2);
    // Another user from the same address is not held up by it.
    WebClient colleague(chain.hq);
    CHECK(colleague.login("ada", password_admin).status == 303);
    // An unknown name is slowed the same way (it does not give away which names exist).
    for (int i = 0; i < 5; ++i)
        CHECK(guesser.login("nobody", "wrong password").status == 401);
    CHECK(guesser.login("nobody", "wrong password").status == 429);

    std::this_thread::sleep_for(std::chrono::seconds(retry_after) + std::chrono::milliseconds(200));
    auto wrong_again = guesser.login("max", "still wrong password");
    CHECK(wrong_again.status == 401);
    auto longer = guesser.login("max", password_manager);
    CHECK(longer.status == 429);
    CHECK(std::stoi(longer.header("retry-after")) >= 3); // the wait grows: 2 s, then 4 s
    std::this_thread::sleep_for(std::chrono::seconds(std::stoi(longer.header("retry-after"))) +
                                std::chrono::milliseconds(200));
    CHECK(guesser.login("max", password_manager).status == 303);
    // After a success the count starts again.
    WebClient later(chain.hq);
    CHECK(later.login("max", "one wrong password").status == 401);
    CHECK(later.login("max", password_manager).status == 303);
}

TEST_CASE("wrong passwords for a name from another address do not lock its owner out", "[dashboard][security]")
{
    Chain chain;
    // Someone at 127.0.0.2 who knows the name guesses (all of 127.0.0.0/8 is loopback).
    WebClient guesser(chain.hq, "127.0.0.2");
    for (int i = 0; i < 5; ++i) {
        INFO(i);
        CHECK(guesser.login("max", "wrong password " + std::to_string(i)).status == 401);
    }
    // Once more after each wait, so that the guesser's wait (8 s) outlasts
    // the rest of the test even under the sanitizers.
    for (int round = 0; round < 2; ++round) {
        auto slowed = guesser.login("max", "wrong password");
        REQUIRE(slowed.status == 429);
        std::this_thread::sleep_for(std::chrono::seconds(std::stoi(slowed.header("retry-after"))) +
                                    std::chrono::milliseconds(200));
        CHECK(guesser.login("max", "wrong password again").status == 401);
    }
    auto slowed = guesser.login("max", password_manager);
    CHECK(slowed.status == 429);
    CHECK(std::stoi(slowed.header("retry-after")) >= 7);
    // The owner, at 127.0.0.1, logs in at once with the right password.
    WebClient owner(chain.hq, "127.0.0.1");
    auto login = owner.login("max", password_manager);
    CHECK(login.status == 303);
    CHECK(login.header("location") == "/overview");
    CHECK(owner.get("/overview").status == 200);
    // The guesser is still slowed, the right password too, and head office saw two addresses.
    CHECK(guesser.login("max", password_manager).status == 429);
    CHECK(guesser.cookies().count("__Host-feedback_session") == 0);
    CHECK(chain.hq.log().find("127.0.0.2 POST /login 429") != std::string::npos);
    CHECK(chain.hq.log().find("127.0.0.1 POST /login 303") != std::string::npos);
}

TEST_CASE("the session cookie is HttpOnly, Secure and SameSite=Strict, and sessions end", "[dashboard][security]")
{
    Chain chain;
    WebClient manager(chain.hq);
    auto login = manager.login("max", password_manager);
    REQUIRE(login.status == 303);
    std::string session_cookie;
    for (const auto& cookie : login.all("set-cookie"))
        if (cookie.rfind("__Host-feedback_session=", 0) == 0)
            session_cookie = cookie;
    REQUIRE_FALSE(session_cookie.empty());
    CHECK(session_cookie.find("; HttpOnly") != std::string::npos);
    CHECK(session_cookie.find("; Secure") != std::string::npos);
    CHECK(session_cookie.find("; SameSite=Strict") != std::string::npos);
    CHECK(session_cookie.find("; Path=/") != std::string::npos);
    CHECK(session_cookie.find("Domain") == std::string::npos);
    std::string token = manager.cookies().at("__Host-feedback_session");
    // Only a hash of the token is stored.
    CHECK(chain.query("SELECT count(*) FROM web_sessions WHERE token_hash = '" + token + "'") ==
          std::vector<std::string>{"0"});
    CHECK(manager.get("/overview").status == 200);

    SECTION("idle for longer than 30 minutes")
    {
        chain.exec("UPDATE web_sessions SET last_seen_at = last_seen_at - 31 * 60 * 1000");
        CHECK(manager.get("/overview").status == 303);
        CHECK(chain.query("SELECT count(*) FROM web_sessions WHERE user_name = 'max'") == std::vector<std::string>{"0"});
    }
    SECTION("logged in more than 12 hours ago, even when busy")
    {
        chain.exec("UPDATE web_sessions SET created_at = created_at - 13 * 60 * 60 * 1000");
        CHECK(manager.get("/overview").status == 303);
    }
    SECTION("logged out")
    {
        REQUIRE(manager.get("/overview").status == 200);
        auto out = manager.post("/logout", {{"csrf", manager.csrf()}});
        CHECK(out.status == 303);
        CHECK(out.header("location") == "/login");
        WebClient replay(chain.hq);
        replay.cookies()["__Host-feedback_session"] = token;
        CHECK(replay.get("/overview").status == 303);
    }
    SECTION("disabled by an admin")
    {
        WebClient admin(chain.hq);
        REQUIRE(admin.login("ada", password_admin).status == 303);
        REQUIRE(admin.get("/users").status == 200);
        CHECK(admin.post("/users/max", {{"csrf", admin.csrf()}, {"change", "disable"}}).status == 303);
        CHECK(manager.get("/overview").status == 303);
        WebClient again(chain.hq);
        CHECK(again.login("max", password_manager).status == 401);
    }
}

TEST_CASE("follow-up recorded at head office is in the store's feed for its terminals", "[dashboard][follow-up]")
{
    Chain chain;
    WebClient manager(chain.hq);
    REQUIRE(manager.login("max", password_manager).status == 303);
    std::string base = "/complaints/" + chain.complaint_id;
    REQUIRE(manager.get(base).status == 200);
    auto cause = manager.post(base + "/root-cause",
                              {{"csrf", manager.csrf()}, {"root_cause", "supplier_quality"}, {"note", "batch 42"}});
    REQUIRE(cause.status == 303);
    CHECK(cause.header("location") == base + "?done=root_cause");
    auto action = manager.post(base + "/actions", {{"csrf", manager.csrf()},
                                                   {"kind", "preventive"},
                                                   {"description", "Inspect every delivery of kettles"},
                                                   {"owner", "Mehmet"},
                                                   {"due", "2026-12-15"}});
    REQUIRE(action.status == 303);
    auto page = manager.get(base + "?done=action");
    CHECK(page.body.find("Inspect every delivery of kettles") != std::string::npos);
    CHECK(page.body.find("max (hoofdkantoor)") != std::string::npos); // who, in the timeline
    // The forms are multipart: a long note of multi-byte characters fits (urlencoded, it would pass 8 KiB).
    auto long_note = manager.post_multipart(base + "/root-cause", {{"csrf", manager.csrf()},
                                                                   {"root_cause", "training"},
                                                                   {"note", [] {
                                                                        std::string euros;
                                                                        for (int i = 0; i < 1000; ++i)
                                                                            euros += "\xE2\x82\xAC";
                                                                        return euros;
                                                                    }()}});
    CHECK(long_note.status == 303);
    auto call = manager.post("/callbacks/" + chain.rating_id + "/outcome",
                             {{"csrf", manager.csrf()}, {"outcome", "reached"}, {"note", "coupon sent"}});
    CHECK(call.status == 303);

    // Head office's feed for the store's terminal holds them, without personal data.
    auto store = hq::HqStore::open(chain.hq.dir(), hq::HqStore::Intent::existing_only);
    REQUIRE(store);
    auto devices = store->devices();
    REQUIRE(devices);
    REQUIRE(devices->size() == 1);
    auto feed = store->feed(devices->front(), 0, 100);
    REQUIRE(feed);
    REQUIRE(feed->events.size() == 4);
    CHECK(feed->events[0]["type"] == "complaint.root_cause_recorded");
    CHECK(feed->events[0]["subject"] == chain.complaint_id);
    CHECK(feed->events[0]["actor"] == "hq:max");
    CHECK(feed->events[0]["payload"]["root_cause"] == "supplier_quality");
    CHECK(feed->events[1]["type"] == "complaint.action_planned");
    CHECK(feed->events[1]["payload"]["kind"] == "preventive");
    CHECK(feed->events[1]["payload"]["owner"] == "Mehmet");
    CHECK(is_uuid(feed->events[1]["payload"]["action_id"].get<std::string>()));
    CHECK(feed->events[2]["payload"]["note"].get<std::string>().size() == 3000);
    CHECK(feed->events[3]["type"] == "nps.followed_up");
    CHECK(feed->events[3]["subject"] == chain.rating_id);
    CHECK(feed->events[0]["device_id"] != devices->front().id);
    CHECK(feed->events[1]["seq"].get<int64_t>() == feed->events[0]["seq"].get<int64_t>() + 1);
    // And the terminal takes them on its next sync.
    auto synced = chain.terminal.sync_once();
    INFO(synced.out << synced.err);
    CHECK(synced.exit_code == 0);
    CHECK(synced.out.find("store feed: 4 new events") != std::string::npos);

    // The effectiveness check of the action, then the figures show the root cause.
    std::string action_id = feed->events[1]["payload"]["action_id"].get<std::string>();
    REQUIRE(manager.get(base).status == 200);
    auto check = manager.post(base + "/actions/" + action_id + "/check",
                              {{"csrf", manager.csrf()}, {"effective", "yes"}, {"note", "no leaks since"}});
    CHECK(check.status == 303);
    auto list = manager.get("/complaints");
    CHECK(list.body.find("Kennis of training van medewerkers") != std::string::npos); // the last root cause

    auto refer = manager.post(base + "/refer", {{"csrf", manager.csrf()}, {"external_body", "De Geschillencommissie"}});
    CHECK(refer.status == 303);
    auto closed = manager.get(base);
    CHECK(closed.body.find("reopen-form") != std::string::npos);
    CHECK(closed.body.find("De Geschillencommissie") != std::string::npos);
    CHECK(chain.event_count() == 4 + 6);
}

TEST_CASE("malformed form input shows a clear error and records nothing", "[dashboard][follow-up]")
{
    Chain chain;
    WebClient manager(chain.hq);
    REQUIRE(manager.login("max", password_manager).status == 303);
    std::string base = "/complaints/" + chain.complaint_id;
    REQUIRE(manager.get(base).status == 200);
    std::string token = manager.csrf();

    auto no_description = manager.post(base + "/actions", {{"csrf", token},
                                                           {"kind", "corrective"},
                                                           {"description", "   "},
                                                           {"owner", "Mehmet"},
                                                           {"due", "2026-12-01"}});
    CHECK(no_description.status == 400);
    CHECK(no_description.body.find("Maatregel: dit is verplicht") != std::string::npos);
    CHECK(no_description.body.find("value=\"Mehmet\"") != std::string::npos); // what was typed stays
    auto bad_date = manager.post(base + "/actions", {{"csrf", token},
                                                     {"kind", "corrective"},
                                                     {"description", "Check"},
                                                     {"owner", "Mehmet"},
                                                     {"due", "2026-13-45"}});
    CHECK(bad_date.status == 400);
    CHECK(bad_date.body.find("jjjj-mm-dd") != std::string::npos);
    auto bad_kind = manager.post(base + "/actions", {{"csrf", token},
                                                     {"kind", "sideways"},
                                                     {"description", "Check"},
                                                     {"owner", "Mehmet"},
                                                     {"due", "2026-12-01"}});
    CHECK(bad_kind.status == 400);
    auto too_long = manager.post(base + "/actions", {{"csrf", token},
                                                     {"kind", "corrective"},
                                                     {"description", std::string(1001, 'x')},
                                                     {"owner", "Mehmet"},
                                                     {"due", "2026-12-01"}});
    CHECK(too_long.status == 400);
    CHECK(too_long.body.find("hoogstens 1000 tekens") != std::string::npos);
    auto unknown_cause = manager.post(base + "/root-cause", {{"csrf", token}, {"root_cause", "the_moon"}});
    CHECK(unknown_cause.status == 400);
    CHECK(unknown_cause.body.find("staat niet in de configuratie") != std::string::npos);
    auto not_closed = manager.post(base + "/reopen", {{"csrf", token}, {"reason", "why not"}});
    CHECK(not_closed.status == 409);
    CHECK(not_closed.body.find("only a closed complaint can be reopened") != std::string::npos);
    auto bad_utf8 = manager.post(base + "/refer", {{"csrf", token}, {"external_body", "Geschil\xC3"}});
    CHECK(bad_utf8.status == 400);
    auto unknown_complaint =
        manager.post("/complaints/" + make_uuid_v7(now_utc_ms()) + "/root-cause",
                     {{"csrf", token}, {"root_cause", "supplier_quality"}});
    CHECK(unknown_complaint.status == 404);
    auto no_outcome = manager.post("/callbacks/" + chain.rating_id + "/outcome", {{"csrf", token}, {"outcome", "maybe"}});
    CHECK(no_outcome.status == 400);
    auto bad_filter = manager.get("/complaints?from=yesterday&status=lost");
    CHECK(bad_filter.status == 200);
    CHECK(bad_filter.body.find("is geen datum") != std::string::npos);
    CHECK(chain.event_count() == 4);
}

TEST_CASE("an admin edits the configuration: mistakes are shown by their part, a good one is a new version", "[dashboard][config]")
{
    Chain chain;
    WebClient admin(chain.hq);
    REQUIRE(admin.login("ada", password_admin).status == 303);
    REQUIRE(admin.get("/config?scope=UTR").status == 200);
    WebClient::Fields form{{"csrf", admin.csrf()},
                           {"scope", "UTR"},
                           {"mode", "form"},
                           {"staff_rows", "2"},
                           {"version", "2"},
                           {"store_name", "Tuincentrum Utrecht"},
                           {"default_locale", "nl"},
                           {"question_nl", "Zou u ons aanbevelen?"},
                           {"question_en", "Would you recommend us?"},
                           {"reasons_detractor", "waiting_time | Wachttijd | Waiting time\n"},
                           {"reasons_passive", "prices | Prijzen | Prices\n"},
                           {"reasons_promoter", "friendly_staff | Vriendelijk | Friendly\n"},
                           {"complaint_categories", "product | Product | Product\nservice | Service | Service\n"},
                           {"root_causes", "supplier_quality | Leverancier | Supplier\n"},
                           {"promise0_id", "answer_2_days"},
                           {"promise0_hours", "48"},
                           {"promise0_measure", "answered_within_hours"},
                           {"promise0_target", "95"},
                           {"promise0_nl", "Binnen twee dagen antwoord."},
                           {"promise0_en", "An answer within two days."},
                           {"staff0_id", "anna"},
                           {"staff0_name", "Anna de Vries"},
                           {"staff0_refund", "50,00"},
                           {"staff0_pin", "4321"},
                           {"shopper_idle_seconds", "45"},
                           {"thank_you_seconds", "6"},
                           {"staff_idle_seconds", "120"},
                           {"max_ratings", "5"},
                           {"window_seconds", "20"}};
    auto broken = form;
    for (auto& [name, value] : broken) {
        if (name == "question_en")
            value = "";
        if (name == "staff0_pin")
            value = "12";
        if (name == "complaint_categories")
            value = "product Product\n";
    }
    auto refused = admin.post_multipart("/config", broken);
    CHECK(refused.status == 400);
    std::smatch question;
    REQUIRE(std::regex_search(refused.body, question, std::regex("id=\"errors-question\">(.*?)</ul>")));
    CHECK(question[1].str().find("question.en") != std::string::npos);
    CHECK(refused.body.find("id=\"errors-staff\"") != std::string::npos);
    CHECK(refused.body.find("een pincode is 4 tot 8 cijfers") != std::string::npos);
    CHECK(refused.body.find("regel 1: schrijf id | Nederlands | Engels") != std::string::npos);
    CHECK(refused.body.find("value=\"12\"") == std::string::npos); // a PIN is never shown again
    CHECK(chain.query("SELECT count(*) FROM configs WHERE scope = 'UTR'") == std::vector<std::string>{"0"});

    auto published = admin.post_multipart("/config", form);
    INFO(published.body.substr(0, 3000));
    REQUIRE(published.status == 303);
    auto store = hq::HqStore::open(chain.hq.dir(), hq::HqStore::Intent::existing_only);
    REQUIRE(store);
    auto config = store->config_for("UTR");
    REQUIRE(config);
    REQUIRE(*config);
    CHECK((*config)->scope == "UTR");
    CHECK((*config)->version == 1);
    const auto& doc = (*config)->document;
    CHECK(doc["question"]["en"] == "Would you recommend us?");
    CHECK(doc["promises"][0]["target_percent"] == 95);
    CHECK(doc["staff"][0]["refund_limit_cents"] == 5000);
    CHECK(config::verify_pin(doc["staff"][0]["pin_hash"].get<std::string>(), "4321"));
    CHECK(doc["staff"][0]["pin_hash"].get<std::string>().find("4321") == std::string::npos);
    CHECK_FALSE(doc.contains("messages")); // a form without the messages' fields keeps the defaults

    // The messages to customers: the previews show the typed texts filled in, a bad placeholder is named,
    // nothing is published.
    {
        auto page = admin.get("/config?scope=UTR");
        REQUIRE(page.status == 200);
        CHECK(page.body.find("id=\"section-messages\"") != std::string::npos);
        CHECK(page.body.find("id=\"preview-decision-en\"") != std::string::npos);
        auto preview = form;
        for (auto& [name, value] : preview)
            if (name == "csrf")
                value = admin.csrf();
        preview.emplace_back("preview", "1");
        preview.emplace_back("message_acknowledgement_subject_nl", "Ontvangen {reference}");
        preview.emplace_back("message_acknowledgement_subject_en", "Received {reference}");
        preview.emplace_back("message_acknowledgement_body_nl", "Link: {status_link}");
        preview.emplace_back("message_acknowledgement_body_en", "Dear {nmae}");
        auto shown = admin.post_multipart("/config", preview);
        CHECK(shown.status == 400); // the mistake is an error like any other, with the previews beside it
        CHECK(shown.body.find("Ontvangen UTR-2A-0042-K") != std::string::npos);
        CHECK(shown.body.find("unknown placeholder {nmae}") != std::string::npos);
        CHECK(chain.query("SELECT count(*) FROM configs WHERE scope = 'UTR'") == std::vector<std::string>{"1"});
    }

    // The same form without a new PIN keeps the hash.
    REQUIRE(admin.get("/config?scope=UTR").status == 200);
    auto again = form;
    for (auto& [name, value] : again) {
        if (name == "csrf")
            value = admin.csrf();
        if (name == "staff0_pin")
            value = "";
    }
    again.emplace_back("staff0_was", "anna"); // the id the row had when the page was made
    REQUIRE(admin.post_multipart("/config", again).status == 303);
    auto second = store->config_for("UTR");
    REQUIRE((*second)->version == 2);
    CHECK((*second)->document["staff"][0]["pin_hash"] == doc["staff"][0]["pin_hash"]);
    CHECK(chain.query("SELECT count(*) FROM web_audit WHERE action = 'config.published'") ==
          std::vector<std::string>{"3"});

    // The terminal pulls the store's own version.
    auto synced = chain.terminal.sync_once();
    INFO(synced.out);
    CHECK(synced.exit_code == 0);
    CHECK(read_text(chain.terminal.dir() / "config.json").find("Tuincentrum Utrecht") != std::string::npos);
}

TEST_CASE("exports: each list as CSV with its filters, and the JSON dump for audits without personal data", "[dashboard][export]")
{
    Chain chain;
    WebClient viewer(chain.hq);
    REQUIRE(viewer.login("vic", password_viewer).status == 303);
    auto all = viewer.get("/export/complaints.csv");
    CHECK(all.status == 200);
    CHECK(all.header("content-type").rfind("text/csv", 0) == 0);
    CHECK(all.header("content-disposition").find("attachment") != std::string::npos);
    auto rows = lines_of(all.body);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].rfind("complaint_id,reference,store,status", 0) == 0);
    CHECK(rows[1].rfind(chain.complaint_id + ",UTR-", 0) == 0);
    CHECK(lines_of(viewer.get("/export/complaints.csv?status=closed").body).size() == 1);
    CHECK(lines_of(viewer.get("/export/complaints.csv?store=AMS").body).size() == 1);
    auto stores = viewer.get("/export/stores.csv");
    CHECK(stores.body.find("UTR,") != std::string::npos);
    auto call_backs = viewer.get("/export/callbacks.csv");
    CHECK(call_backs.body.find(chain.rating_id) != std::string::npos);
    CHECK(call_backs.body.find("9876") == std::string::npos);
    for (const auto& path : {"/export/weeks.csv", "/export/promises.csv", "/export/learning.csv", "/export/devices.csv"})
        CHECK(viewer.get(path).status == 200);

    WebClient manager(chain.hq);
    REQUIRE(manager.login("max", password_manager).status == 303);
    auto dump = manager.get("/export/dump.json");
    CHECK(dump.status == 200);
    auto json = nlohmann::json::parse(dump.body, nullptr, false);
    REQUIRE(json.is_object());
    CHECK(json["exported_by"] == "max");
    CHECK(json["events"].size() == 4);
    CHECK(json["configs"].size() == 1);
    CHECK(dump.body.find("1234 5678") == std::string::npos);
    CHECK(dump.body.find("9876 5432") == std::string::npos);
    CHECK(chain.query("SELECT count(*) FROM web_audit WHERE action = 'export.dump'") == std::vector<std::string>{"1"});
}

TEST_CASE("feedback-hq user add refuses short passwords, bad roles and bad names, and has help", "[dashboard][cli]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    auto short_password = add_dashboard_user(hq, "mia", "admin", "short");
    CHECK(short_password.exit_code == 1);
    CHECK(short_password.err.find("at least 12 characters") != std::string::npos);
    CHECK(add_dashboard_user(hq, "mia", "boss", "long enough password").exit_code == 2);
    CHECK(add_dashboard_user(hq, "hq:mia", "admin", "long enough password").exit_code == 2);
    auto tool_name = add_dashboard_user(hq, "api.crm", "admin", "long enough password");
    CHECK(tool_name.exit_code == 1); // the intake API's token "crm" records as hq:api.crm
    CHECK(tool_name.err.find("may not start with \"api.\"") != std::string::npos);
    auto added = add_dashboard_user(hq, "mia", "admin", "long enough password");
    CHECK(added.exit_code == 0);
    auto twice = add_dashboard_user(hq, "mia", "viewer", "long enough password");
    CHECK(twice.exit_code == 1);
    CHECK(twice.err.find("already") != std::string::npos);
    auto no_stdin = run_process({FEEDBACK_HQ_BINARY, "user", "add", "--dir", hq.dir().string(), "--name", "bob",
                                 "--role", "viewer"});
    CHECK(no_stdin.exit_code == 1);
    CHECK(no_stdin.err.find("--password-stdin") != std::string::npos);
    auto list = run_process({FEEDBACK_HQ_BINARY, "user", "list", "--dir", hq.dir().string()});
    CHECK(list.out.find("mia  admin") != std::string::npos);
    auto help = run_process({FEEDBACK_HQ_BINARY, "user", "add", "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--password-stdin") != std::string::npos);
    CHECK(run_process({FEEDBACK_HQ_BINARY, "--help"}).out.find("user") != std::string::npos);
    // Where a user's alerts go: set, refused when it is no address, removed.
    auto email = [&](const std::string& name, const std::string& address) {
        return run_process({FEEDBACK_HQ_BINARY, "user", "email", "--dir", hq.dir().string(), "--name", name,
                            "--email", address});
    };
    auto set = email("mia", "mia@example.nl");
    CHECK(set.exit_code == 0);
    CHECK(set.out.find("mia@example.nl") == std::string::npos); // not echoed
    auto bad = email("mia", "mia at example");
    CHECK(bad.exit_code == 1);
    CHECK(bad.err.find("looks like name@example.nl") != std::string::npos);
    CHECK(email("nobody", "x@example.nl").exit_code == 1);
    {
        auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
        REQUIRE(store);
        CHECK(store->connection().query_texts("SELECT email FROM web_users WHERE name = 'mia'").value() ==
              std::vector<std::string>{"mia@example.nl"});
    }
    CHECK(run_process({FEEDBACK_HQ_BINARY, "user", "email", "--dir", hq.dir().string(), "--name", "mia", "--remove"})
              .out.find("gets no alerts") != std::string::npos);
    CHECK(run_process({FEEDBACK_HQ_BINARY, "user", "email", "--dir", hq.dir().string(), "--name", "mia"}).exit_code ==
          1);
    CHECK(run_process({FEEDBACK_HQ_BINARY, "user", "email", "--help"}).exit_code == 0);
    // The password works on the dashboard; the database holds only its hash.
    WebClient client(hq);
    CHECK(client.login("mia", "long enough password").status == 303);
    auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
    auto hashes = store->connection().query_texts("SELECT password_hash FROM web_users");
    REQUIRE(hashes);
    CHECK(hashes->front().rfind("$argon2id$", 0) == 0);
}

TEST_CASE("a manager asks for a terminal's screenshot on the devices page: audited, said to the terminal, shown "
          "once it came",
          "[dashboard][screenshot]")
{
    Chain chain;
    WebClient manager(chain.hq);
    REQUIRE(manager.login("max", password_manager).status == 303);
    const std::string device_id = chain.hq.devices().at(0)["device_id"].get<std::string>();
    const std::string picture_path = "/devices/" + device_id + "/screenshot.png";
    auto page = manager.get("/devices");
    CHECK(page.body.find("action=\"/devices/" + device_id + "/screenshot\"") != std::string::npos);
    CHECK(manager.get(picture_path).status == 404);

    auto asked = manager.post("/devices/" + device_id + "/screenshot", with_csrf(manager, {}));
    CHECK(asked.status == 303);
    CHECK(asked.header("location") == "/devices?done=screenshot_requested");
    page = manager.get("/devices");
    CHECK(page.body.find("data-screenshot=\"wanted\"") != std::string::npos);
    CHECK(chain.query("SELECT user_name || ' ' || subject FROM web_audit WHERE action = 'device.screenshot_requested'") ==
          std::vector<std::string>{"max " + device_id});

    // The terminal's next answer from head office asks for it; once it came, no more.
    auto synced = chain.terminal.sync_once();
    REQUIRE(synced.exit_code == 0);
    CHECK(chain.hq.log().find("GET /v1/feed 200") != std::string::npos);
    {
        auto store = hq::HqStore::open(chain.hq.dir(), hq::HqStore::Intent::existing_only);
        REQUIRE(store);
        auto device = store->device(device_id);
        REQUIRE(device);
        CHECK(device->screenshot_wanted());
        REQUIRE(store->store_screenshot(device_id, "\x89PNG picture bytes", now_utc_ms() - 1000, now_utc_ms()));
        CHECK_FALSE(store->device(device_id)->screenshot_wanted());
    }
    auto shown = manager.get(picture_path);
    CHECK(shown.status == 200);
    CHECK(shown.header("content-type") == "image/png");
    CHECK(shown.body == "\x89PNG picture bytes");
    page = manager.get("/devices");
    CHECK(page.body.find("href=\"" + picture_path + "\"") != std::string::npos);
    // Viewers see it too, but cannot ask.
    WebClient viewer(chain.hq);
    REQUIRE(viewer.login("vic", password_viewer).status == 303);
    CHECK(viewer.get(picture_path).status == 200);
    CHECK(viewer.get("/devices").body.find("action=\"/devices/" + device_id + "/screenshot\"") == std::string::npos);
}

