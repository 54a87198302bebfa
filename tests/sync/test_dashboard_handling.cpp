// Central handling at head office, over real HTTPS with the real feedback-hq
// and terminals that synced real complaints: a complaint handled to the end
// in the dashboard (acknowledge, assess, note, decide, the customer's
// response, close) under the lifecycle's rules; a complaint registered at
// head office by phone; and store managers, who see and handle only their
// own stores by every page, form and export.
#include "domain/ids.h"
#include "domain/refcode.h"
#include "hq/hq_store.h"
#include "hq_contents.h"
#include "support/temp_dir.h"
#include "sync_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>

using namespace feedback;
using namespace feedback::testing;

namespace {

const std::string password = "a long password 1";

// Head office with a manager for the chain (max) and a store manager of UTR
// (sam); terminals in UTR and AMS that each synced one complaint; the
// default configuration published.
struct TwoStores {
    TempDir temp;
    HqProcess hq{temp.path() / "hq"};
    TerminalDir utrecht{temp.path() / "utr"};
    TerminalDir amsterdam{temp.path() / "ams"};
    std::string utr_complaint;
    std::string ams_complaint;
    std::string ams_rating;

    TwoStores()
    {
        REQUIRE(add_dashboard_user(hq, "ada", "admin", password).exit_code == 0);
        REQUIRE(add_dashboard_user(hq, "max", "manager", password).exit_code == 0);
        auto sam = run_process({FEEDBACK_HQ_BINARY, "user", "add", "--dir", hq.dir().string(), "--name", "sam", "--role",
                                "manager", "--stores", "UTR", "--password-stdin"},
                               password + "\n");
        INFO(sam.out << sam.err);
        REQUIRE(sam.exit_code == 0);
        CHECK(sam.out == "added manager sam (stores UTR)\n");
        REQUIRE(utrecht.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
        REQUIRE(amsterdam.enroll(hq, hq.enrol_code("AMS", "Counter 1")).exit_code == 0);
        utr_complaint = recorded_complaint(utrecht.record(
            {R"({"type":"complaint.opened","actor":"staff:anna","channel":"walk_in","category":"product",)"
             R"("description":"Utrecht: de pot is gebarsten","customer_wish":"Een nieuwe pot"})"}))
                            .complaint_id;
        ams_complaint = recorded_complaint(amsterdam.record(
            {R"({"type":"complaint.opened","actor":"staff:anna","channel":"walk_in","category":"service",)"
             R"("description":"Amsterdam: onvriendelijk geholpen","customer_wish":"Excuses",)"
             R"("contact":{"consent":true,"phone":"+31 6 1111 2222"}})"}))
                            .complaint_id;
        REQUIRE(is_uuid(utr_complaint));
        REQUIRE(is_uuid(ams_complaint));
        auto rated = amsterdam.record({R"({"type":"nps.rated","score":2,"locale":"nl"})"});
        for (const auto& line : lines_of(rated.out))
            if (is_uuid(line))
                ams_rating = line;
        REQUIRE(amsterdam
                    .record({R"({"type":"nps.detailed","rating":")" + ams_rating +
                             R"(","comment":"Amsterdam wacht lang","contact":{"consent":true,"phone":"+31 6 3333 4444"}})"})
                    .exit_code == 0);
        REQUIRE(utrecht.sync_once().exit_code == 0);
        REQUIRE(amsterdam.sync_once().exit_code == 0);
        WebClient admin(hq);
        REQUIRE(admin.login("ada", password).status == 303);
        REQUIRE(admin.get("/config").status == 200);
        auto published = admin.post_multipart(
            "/config",
            {{"csrf", admin.csrf()},
             {"scope", "default"},
             {"mode", "json"},
             {"document", read_text(std::filesystem::path(FEEDBACK_SOURCE_DIR) / "assets/config/default.json")}});
        REQUIRE(published.status == 303);
    }

    std::vector<nlohmann::json> events_of(const std::string& complaint_id)
    {
        std::vector<nlohmann::json> out;
        for (const auto& event : hq.export_jsonl())
            if (event.value("subject", "") == complaint_id)
                out.push_back(event);
        return out;
    }
};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

TEST_CASE("head office handles an escalated complaint to the end, the customer leading the closing",
          "[dashboard][handling]")
{
    TwoStores chain;
    REQUIRE(chain.utrecht.record({R"({"type":"complaint.escalated","actor":"staff:anna","complaint":")" +
                                  chain.utr_complaint + R"(","reason":"Boven de limiet van de winkel"})"})
                .exit_code == 0);
    REQUIRE(chain.utrecht.sync_once().exit_code == 0);
    WebClient max(chain.hq);
    REQUIRE(max.login("max", password).status == 303);
    const std::string base = "/complaints/" + chain.utr_complaint;

    // The escalation queue names it.
    auto list = max.get("/complaints?status=escalated&from=2020-01-01");
    REQUIRE(list.status == 200);
    CHECK(has(list.body, chain.utr_complaint));
    CHECK_FALSE(has(list.body, chain.ams_complaint));
    CHECK(has(max.get("/complaints").body, "Doorgezet naar het hoofdkantoor: 1"));

    auto page = max.get(base);
    REQUIRE(page.status == 200);
    CHECK(has(page.body, "id=\"decide-form\""));
    CHECK_FALSE(has(page.body, "id=\"response-form\"")); // nothing waits for the customer yet

    // Assess: safety, owned by max; a note of the investigation.
    CHECK(max.post(base + "/assess", {{"csrf", max.csrf()}, {"severity", "safety"}, {"owner", "max"}}).status == 303);
    CHECK(max.post(base + "/note", {{"csrf", max.csrf()}, {"note", "Leverancier gebeld: bekende partij"}}).status ==
          303);
    // An owner who is not a head-office manager, a refund without an amount: refused, nothing recorded.
    auto bad_owner = max.post(base + "/assess", {{"csrf", max.csrf()}, {"severity", "high"}, {"owner", "nobody"}});
    CHECK(bad_owner.status == 400);
    auto no_amount = max.post(base + "/decide", {{"csrf", max.csrf()},
                                                 {"decision", "We betalen terug."},
                                                 {"resolution", "refund"},
                                                 {"communicated", "phone"}});
    CHECK(no_amount.status == 400);
    CHECK(has(no_amount.body, "Deze oplossing heeft een bedrag nodig"));
    // Closing as resolved before the customer said yes is the lifecycle's refusal.
    auto too_early = max.post(base + "/close", {{"csrf", max.csrf()}, {"outcome", "resolved"}});
    CHECK(too_early.status == 409);
    CHECK(has(too_early.body, "the customer leads the closing"));

    // Decide (told by phone), the customer's yes, then close as resolved.
    auto decided = max.post(base + "/decide", {{"csrf", max.csrf()},
                                               {"decision", "U krijgt een nieuwe pot en 12,50 terug."},
                                               {"resolution", "refund"},
                                               {"amount", "12,50"},
                                               {"communicated", "phone"}});
    INFO(decided.body);
    REQUIRE(decided.status == 303);
    page = max.get(base);
    CHECK(has(page.body, "id=\"response-form\""));
    CHECK(max.post(base + "/response",
                   {{"csrf", max.csrf()}, {"satisfied", "yes"}, {"handling_score", "4"}, {"comment", "Netjes"}})
              .status == 303);
    CHECK(max.post(base + "/close", {{"csrf", max.csrf()}, {"outcome", "resolved"}}).status == 303);
    page = max.get(base);
    CHECK(has(page.body, "<dd id=\"status\">Gesloten</dd>"));
    CHECK(has(page.body, "<dd id=\"severity\">Veiligheid</dd>"));
    CHECK(has(page.body, "<dd id=\"owner\">max</dd>"));
    CHECK(has(page.body, "<dd id=\"decision\">U krijgt een nieuwe pot en 12,50 terug.</dd>"));
    CHECK(has(page.body, "id=\"reopen-form\""));

    std::vector<std::string> types;
    for (const auto& event : chain.events_of(chain.utr_complaint))
        types.push_back(event["type"]);
    CHECK(types == std::vector<std::string>{"complaint.opened", "complaint.escalated", "complaint.assessed",
                                            "complaint.noted", "complaint.resolved", "complaint.customer_response",
                                            "complaint.closed"});
    auto resolved = chain.events_of(chain.utr_complaint)[4];
    CHECK(resolved["payload"]["amount_cents"] == 1250);
    CHECK(resolved["payload"]["communicated"] == "phone");
    CHECK(resolved["payload"]["on_the_spot"] == false);
    CHECK(resolved["actor"] == "hq:max");
}

TEST_CASE("a complaint that came in by phone is registered at head office with its own reference code",
          "[dashboard][handling]")
{
    TwoStores chain;
    WebClient max(chain.hq);
    REQUIRE(max.login("max", password).status == 303);
    auto form = max.get("/complaints/new");
    REQUIRE(form.status == 200);
    CHECK(has(form.body, "id=\"register-form\""));
    size_t before = chain.hq.export_jsonl().size();

    WebClient::Fields fields{{"csrf", max.csrf()},        {"store", "UTR"},
                             {"channel", "phone"},        {"category", "delivery"},
                             {"severity", "high"},        {"received_date", "2026-12-04"},
                             {"received_time", "16:00"},  {"description", "De bank is beschadigd bezorgd."},
                             {"customer_wish", "Een nieuwe bank"}, {"name", "Jan Jansen"},
                             {"phone", "+31 6 5555 6666"}};
    // Contact details without the customer's consent: refused, nothing recorded.
    auto no_consent = max.post_multipart("/complaints/new", fields);
    CHECK(no_consent.status == 400);
    CHECK(has(no_consent.body, "alleen met toestemming"));
    CHECK(has(no_consent.body, "De bank is beschadigd bezorgd.")); // what was typed is kept
    CHECK(chain.hq.export_jsonl().size() == before);

    fields.emplace_back("consent", "yes");
    auto registered = max.post_multipart("/complaints/new", fields);
    INFO(registered.body);
    REQUIRE(registered.status == 303);
    std::smatch match;
    std::string location = registered.header("location");
    REQUIRE(std::regex_match(location, match, std::regex("/complaints/([0-9a-f-]{36})\\?done=registered")));
    auto events = chain.events_of(match[1].str());
    REQUIRE(events.size() == 1);
    const auto& opened = events[0];
    CHECK(opened["type"] == "complaint.opened");
    CHECK(opened["actor"] == "hq:max");
    CHECK(opened["payload"]["reference"] == make_refcode("UTR", "HQ", 0));
    CHECK(opened["payload"]["channel"] == "phone");
    CHECK(opened["payload"]["severity"] == "high");
    CHECK_FALSE(opened["payload"].contains("contact")); // exports leave it out
    CHECK(stored_contact(chain.hq.dir(), match[1].str()) ==
          nlohmann::json{{"consent", true}, {"name", "Jan Jansen"}, {"phone", "+31 6 5555 6666"}});
    // 16:00 in Amsterdam on 4 December is 15:00 UTC.
    CHECK(opened["occurred_at"] == 1'796'396'400'000);
    auto page = max.get(location);
    CHECK(has(page.body, "De klacht is geregistreerd"));
    CHECK(has(page.body, make_refcode("UTR", "HQ", 0)));
    CHECK(has(page.body, "2026-12-04 16:00")); // on the store's clock, as typed
    CHECK_FALSE(has(page.body, "2026-12-04 15:00"));

    // Half past midnight on 5 December in Utrecht is still the 4th in UTC:
    // the list's days are the store's.
    for (auto& [name, value] : fields)
        if (name == "received_date")
            value = "2026-12-05";
        else if (name == "received_time")
            value = "00:30";
    REQUIRE(max.post_multipart("/complaints/new", fields).status == 303);
    auto fourth = max.get("/complaints?store=UTR&from=2026-12-04&to=2026-12-04");
    CHECK(has(fourth.body, make_refcode("UTR", "HQ", 0)));
    CHECK_FALSE(has(fourth.body, make_refcode("UTR", "HQ", 1)));
    auto fifth = max.get("/complaints?store=UTR&from=2026-12-05&to=2026-12-05");
    CHECK(has(fifth.body, make_refcode("UTR", "HQ", 1)));
    CHECK(has(fifth.body, "2026-12-05 00:30"));
    CHECK_FALSE(has(fifth.body, make_refcode("UTR", "HQ", 0)));

    // The store's terminal gets both on its next sync.
    auto synced = chain.utrecht.sync_once();
    INFO(synced.out << synced.err);
    CHECK(has(synced.out, "store feed: 2 new events from"));
}

TEST_CASE("a store manager sees and handles only their own stores, by any page, form or export",
          "[dashboard][handling][security]")
{
    // What AMS's customers wrote (the pages say "Europe/Amsterdam" beside times, which is no leak).
    auto has_amsterdam_text = [](const std::string& body) {
        return has(body, "Amsterdam: onvriendelijk") || has(body, "Amsterdam wacht");
    };
    TwoStores chain;
    WebClient sam(chain.hq);
    REQUIRE(sam.login("sam", password).status == 303);

    // Another store's complaint and rating do not exist for them, by any URL.
    for (const std::string& path : {"/complaints/" + chain.ams_complaint,
                                    "/complaints/" + chain.ams_complaint + "/contact",
                                    "/callbacks/" + chain.ams_rating}) {
        INFO(path);
        auto answer = sam.get(path);
        CHECK(answer.status == 404);
        CHECK_FALSE(has_amsterdam_text(answer.body));
        CHECK_FALSE(has(answer.body, "+31 6"));
    }
    CHECK(sam.get("/complaints/" + chain.utr_complaint).status == 200);

    // Lists, figures and exports: their store, even when the query asks for another or for all.
    size_t before = chain.hq.export_jsonl().size();
    for (std::string query : {"", "?store=AMS", "?store=", "?store=XYZ"}) {
        for (std::string path : {"/overview", "/complaints", "/callbacks", "/promises", "/learning",
                                        "/complaints/new", "/export/complaints.csv", "/export/callbacks.csv",
                                        "/export/stores.csv", "/export/weeks.csv", "/export/promises.csv",
                                        "/export/learning.csv"}) {
            INFO(path + query);
            auto answer = sam.get(path + query);
            CHECK(answer.status == 200);
            CHECK_FALSE(has_amsterdam_text(answer.body));
            CHECK_FALSE(has(answer.body, chain.ams_complaint));
            CHECK_FALSE(has(answer.body, chain.ams_rating));
            CHECK_FALSE(has(answer.body, ">AMS<"));
            CHECK_FALSE(has(answer.body, "\"AMS\""));
            CHECK_FALSE(has(answer.body, "AMS,"));
        }
    }
    CHECK(has(sam.get("/complaints").body, chain.utr_complaint));
    CHECK(sam.get("/export/dump.json").status == 403);

    // Forms on another store's complaint or rating, and registering for another store: refused, nothing recorded.
    REQUIRE(sam.get("/complaints/" + chain.utr_complaint).status == 200);
    const std::string other = "/complaints/" + chain.ams_complaint;
    for (const auto& [path, fields] : std::vector<std::pair<std::string, WebClient::Fields>>{
             {other + "/acknowledge", {}},
             {other + "/assess", {{"severity", "low"}}},
             {other + "/note", {{"note", "x"}}},
             {other + "/decide", {{"decision", "x"}, {"resolution", "apology"}, {"communicated", "phone"}}},
             {other + "/close", {{"outcome", "withdrawn"}}},
             {other + "/root-cause", {{"root_cause", "training"}}},
             {other + "/reopen", {{"reason", "x"}}},
             {other + "/refer", {{"external_body", "x"}}},
             {"/callbacks/" + chain.ams_rating + "/outcome", {{"outcome", "reached"}}},
             {"/complaints/new",
              {{"store", "AMS"}, {"channel", "phone"}, {"category", "service"}, {"severity", "normal"},
               {"description", "x"}, {"customer_wish", "y"}}}}) {
        INFO(path);
        WebClient::Fields with = fields;
        with.insert(with.begin(), {"csrf", sam.csrf()});
        auto answer = sam.post(path, with);
        CHECK((answer.status == 404 || answer.status == 400));
    }
    CHECK(chain.hq.export_jsonl().size() == before);

    // Their own store's complaint they handle.
    CHECK(sam.post("/complaints/" + chain.utr_complaint + "/acknowledge", {{"csrf", sam.csrf()}}).status == 303);

    // The chain's manager sees both stores.
    WebClient max(chain.hq);
    REQUIRE(max.login("max", password).status == 303);
    auto all = max.get("/complaints");
    CHECK(has(all.body, chain.utr_complaint));
    CHECK(has(all.body, chain.ams_complaint));
}

TEST_CASE("the call-back page lists the first 200 still to call and says so, while the export has all",
          "[dashboard][handling]")
{
    TwoStores chain;
    // 201 more detractors in Amsterdam who want to be called: 202 with the one already there.
    std::vector<std::string> rated(201, R"({"type":"nps.rated","score":3,"locale":"nl"})");
    std::vector<std::string> ratings;
    for (const auto& line : lines_of(chain.amsterdam.record(rated).out))
        if (is_uuid(line))
            ratings.push_back(line);
    REQUIRE(ratings.size() == 201);
    std::vector<std::string> details;
    for (const std::string& rating : ratings)
        details.push_back(R"({"type":"nps.detailed","rating":")" + rating +
                          R"(","contact":{"consent":true,"phone":"+31 6 5555 6666"}})");
    REQUIRE(chain.amsterdam.record(details).exit_code == 0);
    REQUIRE(chain.amsterdam.sync_once().exit_code == 0);

    WebClient max(chain.hq);
    REQUIRE(max.login("max", password).status == 303);
    auto page = max.get("/callbacks?store=AMS");
    REQUIRE(page.status == 200);
    CHECK(has(page.body, "202 beoordelingen"));
    CHECK(has(page.body, "de eerste 200 (oudste eerst) staan hier, allemaal in de export"));
    size_t rows = 0;
    for (size_t at = page.body.find("<tr><td><a href=\"/callbacks/"); at != std::string::npos;
         at = page.body.find("<tr><td><a href=\"/callbacks/", at + 1))
        ++rows;
    CHECK(rows == 200);
    // Oldest first: the one from before is listed, two of the new ones are left for the export.
    CHECK(has(page.body, "/callbacks/" + chain.ams_rating + "\""));
    CHECK(std::count_if(ratings.begin(), ratings.end(), [&](const std::string& rating) {
              return !has(page.body, "/callbacks/" + rating + "\"");
          }) == 2);
    auto csv = max.get("/export/callbacks.csv?store=AMS");
    REQUIRE(csv.status == 200);
    CHECK(std::count(csv.body.begin(), csv.body.end(), '\n') == 1 + 202);
}

TEST_CASE("the learning page lists the newest 100 repeat complaints and says how many there are, while the export has all",
          "[dashboard][handling]")
{
    TwoStores chain;
    WebClient max(chain.hq);
    REQUIRE(max.login("max", password).status == 303);
    // 103 complaints about the same product in one day: 102 repeats.
    std::vector<std::string> registered;
    for (int i = 0; i < 103; ++i) {
        char time[6];
        std::snprintf(time, sizeof time, "%02d:%02d", 9 + i / 60, i % 60);
        REQUIRE(max.get("/complaints/new").status == 200); // the form, as a person opens it
        WebClient::Fields fields{{"csrf", max.csrf()},       {"store", "UTR"},           {"channel", "phone"},
                                 {"category", "delivery"},   {"severity", "normal"},     {"received_date", "2026-12-04"},
                                 {"received_time", time},    {"description", "Kapot"},   {"customer_wish", "Nieuw"},
                                 {"product_ref", "SKU-7"}};
        auto answer = max.post_multipart("/complaints/new", fields);
        INFO(answer.body);
        REQUIRE(answer.status == 303);
        std::smatch match;
        const std::string location = answer.header("location");
        REQUIRE(std::regex_search(location, match, std::regex("/complaints/([0-9a-f-]{36})")));
        registered.push_back(match[1].str());
    }
    auto page = max.get("/learning?store=UTR&from=2026-12-04&to=2026-12-04&window=14");
    REQUIRE(page.status == 200);
    CHECK(has(page.body, "102 herhaalklachten; de nieuwste 100 staan hier"));
    const size_t section = page.body.find("id=\"repeats\"");
    const size_t section_end = page.body.find("id=\"effects\"");
    REQUIRE(section != std::string::npos);
    REQUIRE(section_end != std::string::npos);
    const std::string repeats = page.body.substr(section, section_end - section);
    size_t rows = 0;
    for (size_t at = repeats.find("<tr><td>"); at != std::string::npos; at = repeats.find("<tr><td>", at + 1))
        ++rows;
    CHECK(rows == 100);
    // Newest first; the two oldest repeats (the second and third complaint) are left for the export.
    auto row_of = [&](int i) { return repeats.find("<tr><td><a href=\"/complaints/" + registered[static_cast<size_t>(i)]); };
    REQUIRE(row_of(102) != std::string::npos);
    REQUIRE(row_of(3) != std::string::npos);
    CHECK(row_of(102) < row_of(101));
    CHECK(row_of(4) < row_of(3));
    CHECK(row_of(2) == std::string::npos);
    CHECK(row_of(1) == std::string::npos);
    auto csv = max.get("/export/learning.csv?store=UTR&from=2026-12-04&to=2026-12-04&window=14");
    REQUIRE(csv.status == 200);
    size_t exported = 0;
    for (size_t at = csv.body.find("\nrepeat,"); at != std::string::npos; at = csv.body.find("\nrepeat,", at + 1))
        ++exported;
    CHECK(exported == 102);
}
