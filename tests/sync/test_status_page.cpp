// The customer's status page (GET /status, sync/hq/web/pages_status.cpp)
// over real HTTPS with the real feedback-hq and a terminal that synced a real
// complaint with a status key: the status by reference to anyone, the
// decision only with the key, mistyped and unknown references, the rate
// limit per client address, that no page holds contact details, staff or
// notes, and the status link head office hands out, once, for a complaint it
// registers itself.
#include "crypto/status_key.h"
#include "domain/refcode.h"
#include "hq/hq_settings.h"
#include "hq/hq_store.h"
#include "support/temp_dir.h"
#include "status_page_support.h"
#include "sync_support.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>

using namespace feedback;
using namespace feedback::testing;

namespace {

const std::string password = "a long password 1";

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// What the customer gave at the counter, and what staff and head office
// wrote about the complaint: none of it may reach the status page.
const std::vector<std::string> never_shown{"Jan Jansen", "Jansen",        "+31 6 1234 5678", "1234 5678",
                                           "jan.jansen@example.nl",      "staff:anna",      "Anna",
                                           "Kussenfabriek", "supplier_quality", "Het kussen is gescheurd"};

// Head office with the default configuration and a manager (max); a
// terminal in UTR that synced a walk-in complaint with contact details and
// the status key `key`, which the receipt's link carries.
struct Shop {
    TempDir temp;
    HqProcess hq;
    TerminalDir terminal{temp.path() / "utr"};
    std::string key = crypto::make_status_key();
    std::string reference;
    std::string complaint_id;

    explicit Shop(const nlohmann::json& settings_patch = nlohmann::json::object())
        : hq(temp.path() / "hq", settings_patch)
    {
        REQUIRE(add_dashboard_user(hq, "max", "manager", password).exit_code == 0);
        publish_default_config(hq);
        REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
        auto opened = terminal.record(
            {R"({"type":"complaint.opened","actor":"staff:anna","channel":"walk_in","category":"product",)"
             R"("description":"Het kussen is gescheurd","customer_wish":"Een nieuw kussen",)"
             R"("contact":{"consent":true,"name":"Jan Jansen","phone":"+31 6 1234 5678","email":"jan.jansen@example.nl"},)"
             R"("status_key_hash":")" +
             crypto::status_key_hash(key) + R"("})"});
        INFO(opened.out << opened.err);
        REQUIRE(opened.exit_code == 0);
        reference = recorded_complaint(opened).reference;
        complaint_id = recorded_complaint(opened).complaint_id;
        REQUIRE_FALSE(reference.empty());
        REQUIRE(terminal.sync_once().exit_code == 0);
    }

    std::string status_path(const std::string& ref, const std::string& with_key = "", const std::string& lang = "")
    {
        std::string path = "/status?ref=" + ref;
        if (!with_key.empty())
            path += "&key=" + with_key;
        if (!lang.empty())
            path += "&lang=" + lang;
        return path;
    }
};

void check_nothing_personal(const WebAnswer& page)
{
    for (const std::string& secret : never_shown) {
        INFO(secret);
        CHECK_FALSE(has(page.body, secret));
    }
}

} // namespace

TEST_CASE("the status page shows anyone with the reference how a complaint stands, and the decision only with its key",
          "[dashboard][status]")
{
    Shop shop;
    WebClient customer(shop.hq); // no login
    std::vector<WebAnswer> pages;

    // The form, in Dutch unless asked otherwise; no session is made.
    auto form = customer.get("/status");
    REQUIRE(form.status == 200);
    CHECK(has(form.body, "id=\"status-form\""));
    CHECK(has(form.body, "<html lang=\"nl\""));
    CHECK(form.all("set-cookie").empty());
    CHECK(form.header("referrer-policy") == "no-referrer"); // the key in the address goes nowhere else
    CHECK(form.header("cache-control") == "no-store");
    CHECK(has(form.header("content-security-policy"), "default-src 'none'"));
    CHECK_FALSE(has(form.body, "<script"));
    pages.push_back(form);

    // By the reference alone: received, the promise, and where the decision is.
    auto status = customer.get(shop.status_path(shop.reference));
    INFO(status.body);
    REQUIRE(status.status == 200);
    CHECK(has(status.body, "<strong id=\"reference\">" + shop.reference + "</strong>"));
    CHECK(has(status.body, "data-phase=\"received\""));
    CHECK(has(status.body, "We hebben uw klacht ontvangen."));
    CHECK(has(status.body, "<dd id=\"answered\">Nog niet</dd>"));
    CHECK(std::regex_search(status.body, std::regex("<dd id=\"received\">\\d\\d-\\d\\d-20\\d\\d om \\d\\d:\\d\\d</dd>")));
    CHECK(has(status.body, "We hebben u een antwoord beloofd vóór"));
    CHECK(has(status.body, "Het besluit ziet u via de link op uw bon of in onze e-mail."));
    pages.push_back(status);
    // With its key there is no decision yet; typed loosely it is the same complaint.
    auto loose = customer.get(shop.status_path("%20" + std::string(shop.reference).replace(3, 1, "%20"), shop.key));
    REQUIRE(loose.status == 200);
    CHECK(has(loose.body, "id=\"decision-none\""));
    pages.push_back(loose);

    // Head office decides, with a note and a root cause the customer never sees.
    WebClient max(shop.hq);
    REQUIRE(max.login("max", password).status == 303);
    const std::string base = "/complaints/" + shop.complaint_id;
    REQUIRE(max.get(base).status == 200);
    REQUIRE(max.post(base + "/note", {{"csrf", max.csrf()}, {"note", "Kussenfabriek gebeld"}}).status == 303);
    REQUIRE(max.post(base + "/root-cause",
                     {{"csrf", max.csrf()}, {"root_cause", "supplier_quality"}, {"note", "Kussenfabriek levert slecht"}})
                .status == 303);
    auto decided = max.post(base + "/decide", {{"csrf", max.csrf()},
                                               {"decision", "U krijgt een nieuw kussen en 12,50 terug."},
                                               {"resolution", "refund"},
                                               {"amount", "12,50"},
                                               {"communicated", "email"}});
    INFO(decided.body);
    REQUIRE(decided.status == 303);

    // With the key from the receipt: the decision, the answer date, the promise kept.
    auto with_key = customer.get(shop.status_path(shop.reference, shop.key));
    REQUIRE(with_key.status == 200);
    CHECK(has(with_key.body, "data-phase=\"decided\""));
    CHECK(has(with_key.body, "<p class=\"text\" id=\"decision-text\">U krijgt een nieuw kussen en 12,50 terug.</p>"));
    CHECK(has(with_key.body, "<dd id=\"resolution\">Geld terug \xE2\x82\xAC 12,50</dd>"));
    CHECK(has(with_key.body, "en die belofte is nagekomen"));
    CHECK_FALSE(has(with_key.body, "<dd id=\"answered\">Nog niet</dd>"));
    pages.push_back(with_key);
    // The same in English, by the switch on the page.
    CHECK(has(with_key.body, "href=\"/status?ref=" + shop.reference + "&amp;key=" + shop.key + "&amp;lang=en\""));
    auto english = customer.get(shop.status_path(shop.reference, shop.key, "en"));
    REQUIRE(english.status == 200);
    CHECK(has(english.body, "<html lang=\"en\""));
    CHECK(has(english.body, "We have made a decision on your complaint."));
    CHECK(has(english.body, "<dd id=\"resolution\">Refund \xE2\x82\xAC 12.50</dd>"));
    pages.push_back(english);

    // Without the key, or with a wrong one: the status, never the decision.
    std::string wrong_key = shop.key;
    wrong_key[0] = wrong_key[0] == 'a' ? 'b' : 'a';
    for (const std::string& key : {std::string(), wrong_key, std::string("not-a-key"), crypto::status_key_hash(shop.key)}) {
        INFO("key " << key);
        auto hidden = customer.get(shop.status_path(shop.reference, key));
        REQUIRE(hidden.status == 200);
        CHECK(has(hidden.body, "data-phase=\"decided\""));
        CHECK_FALSE(has(hidden.body, "decision-text"));
        CHECK_FALSE(has(hidden.body, "12,50"));
        CHECK(has(hidden.body, key.empty() ? "Het besluit ziet u via de link op uw bon of in onze e-mail."
                                           : "De sleutel in deze link klopt niet"));
        pages.push_back(hidden);
    }

    // No page holds the customer's contact details, staff or head office's notes.
    for (const WebAnswer& page : pages)
        check_nothing_personal(page);
    // Nor does the log hold the key (the request log has the path, not the query).
    CHECK_FALSE(has(shop.hq.log(), shop.key));
    CHECK(has(shop.hq.log(), "GET /status 200"));
}

TEST_CASE("a mistyped reference is caught by its check character, and an unknown one is not found, whatever the store",
          "[dashboard][status]")
{
    Shop shop;
    WebClient customer(shop.hq);

    // One character typed wrong: the check character says so, in words.
    std::string mistyped = shop.reference;
    mistyped[mistyped.size() - 2] = mistyped[mistyped.size() - 2] == 'A' ? 'B' : 'A';
    auto wrong = customer.get(shop.status_path(mistyped));
    INFO(wrong.body);
    CHECK(wrong.status == 400);
    CHECK(has(wrong.body, "id=\"ref-error\""));
    CHECK(has(wrong.body, "waarschijnlijk is er een teken verkeerd getypt"));
    CHECK(has(wrong.body, "value=\"" + mistyped + "\"")); // kept in the form to correct
    auto wrong_en = customer.get(shop.status_path(mistyped, "", "en"));
    CHECK(wrong_en.status == 400);
    CHECK(has(wrong_en.body, "a character is probably mistyped"));
    // A letter O for a zero, a code too short.
    auto look_alike = customer.get(shop.status_path("UTR-2A-66GOE", "", "en"));
    CHECK(look_alike.status == 400);
    CHECK(has(look_alike.body, "Codes never contain “O”"));
    CHECK(has(customer.get(shop.status_path("UTR-2A")).body, "te kort of te lang"));

    // Well-formed codes head office does not have: in a store it knows, in
    // one it does not, and head office's own series: one neutral answer.
    const std::string terminal_code = shop.reference.substr(4, 2);
    std::vector<std::string> unknown{make_refcode("UTR", terminal_code, 999), make_refcode("ZZZ", "2A", 0),
                                     make_refcode("UTR", "HQ", 0)};
    std::vector<std::string> bodies;
    for (const std::string& code : unknown) {
        INFO(code);
        auto answer = customer.get(shop.status_path(code, crypto::make_status_key()));
        CHECK(answer.status == 404);
        CHECK(has(answer.body, "We vinden geen klacht met code " + code));
        std::string body = answer.body;
        for (size_t at = body.find(code); at != std::string::npos; at = body.find(code))
            body.replace(at, code.size(), "CODE");
        bodies.push_back(std::regex_replace(body, std::regex("key=[0-9a-f]{32}"), "key=KEY"));
    }
    CHECK(bodies[0] == bodies[1]);
    CHECK(bodies[0] == bodies[2]);
}

TEST_CASE("status lookups are limited per client address: 429 with Retry-After", "[dashboard][status]")
{
    Shop shop(nlohmann::json{{"status_lookups_per_minute", 3}});
    WebClient customer(shop.hq);
    for (int i = 0; i < 3; ++i)
        CHECK(customer.get(shop.status_path(shop.reference)).status == 200);
    auto refused = customer.get(shop.status_path(shop.reference));
    INFO(refused.body);
    CHECK(refused.status == 429);
    // 3 a minute: the next lookup in 20 seconds at most.
    int wait = std::stoi(refused.header("retry-after"));
    CHECK(wait >= 1);
    CHECK(wait <= 20);
    CHECK(has(refused.body, "Probeer het over " + std::to_string(wait) + " seconden opnieuw"));
    CHECK_FALSE(has(refused.body, "data-phase")); // nothing looked up
    CHECK(has(refused.body, "id=\"status-form\""));
    // Mistyped codes count too; the empty form does not.
    CHECK(customer.get(shop.status_path("UTR-2A-2222D")).status == 429);
    CHECK(customer.get("/status").status == 200);
    // Another address has its own allowance.
    WebClient neighbour(shop.hq, "127.0.0.2");
    CHECK(neighbour.get(shop.status_path(shop.reference)).status == 200);
}

TEST_CASE("hq.json's public_url and status_lookups_per_minute are checked, with defaults", "[dashboard][status][unit]")
{
    TempDir temp;
    auto write = [&](const nlohmann::json& json) { std::ofstream(temp.path() / "hq.json") << json.dump(); };
    write(nlohmann::json::object());
    auto defaults = hq::load_settings(temp.path());
    REQUIRE(defaults);
    CHECK(defaults->public_url.empty());
    CHECK(defaults->status_lookups_per_minute == 20);
    CHECK(hq::public_url_or_default(*defaults, 8443) == "https://localhost:8443");
    defaults->hostname = "feedback.example.nl";
    CHECK(hq::public_url_or_default(*defaults, 443) == "https://feedback.example.nl");

    write({{"public_url", "https://klachten.example.nl/"}, {"status_lookups_per_minute", 60}});
    auto set = hq::load_settings(temp.path());
    REQUIRE(set);
    CHECK(set->public_url == "https://klachten.example.nl"); // no trailing "/"
    CHECK(hq::public_url_or_default(*set, 8443) == "https://klachten.example.nl");
    CHECK(set->status_lookups_per_minute == 60);
    REQUIRE(hq::save_settings(temp.path(), *set));
    auto saved = hq::load_settings(temp.path());
    REQUIRE(saved);
    CHECK(saved->public_url == "https://klachten.example.nl");

    for (const nlohmann::json& bad : {nlohmann::json{{"public_url", "http://klachten.example.nl"}},
                                      nlohmann::json{{"public_url", "https://klachten.example.nl/status"}},
                                      nlohmann::json{{"public_url", "https://"}},
                                      nlohmann::json{{"status_lookups_per_minute", 0}},
                                      nlohmann::json{{"status_lookups_per_minute", "20"}}}) {
        INFO(bad.dump());
        write(bad);
        auto refused = hq::load_settings(temp.path());
        REQUIRE_FALSE(refused);
        CHECK(refused.error().kind == ErrorKind::invalid_input);
    }
}

TEST_CASE("a complaint registered at head office gets a status link, shown to staff once", "[dashboard][status]")
{
    Shop shop;
    WebClient max(shop.hq);
    REQUIRE(max.login("max", password).status == 303);
    REQUIRE(max.get("/complaints/new").status == 200);
    auto registered = max.post_multipart("/complaints/new", {{"csrf", max.csrf()},
                                                             {"store", "UTR"},
                                                             {"channel", "phone"},
                                                             {"category", "delivery"},
                                                             {"severity", "normal"},
                                                             {"description", "De bank kwam beschadigd aan."},
                                                             {"customer_wish", "Een nieuwe bank"},
                                                             {"name", "Jan Jansen"},
                                                             {"phone", "+31 6 1234 5678"},
                                                             {"consent", "yes"}});
    INFO(registered.body);
    REQUIRE(registered.status == 303);
    const std::string location = registered.header("location");
    REQUIRE(has(location, "?done=registered"));

    // The confirmation shows the link with the key; the next view does not.
    auto confirmation = max.get(location);
    REQUIRE(confirmation.status == 200);
    std::smatch match;
    const std::string reference = make_refcode("UTR", "HQ", 0);
    REQUIRE(std::regex_search(confirmation.body, match,
                              std::regex("<a id=\"status-link\" href=\"([^\"]+)\"")));
    const std::string link = match[1].str();
    const std::string prefix = shop.hq.url() + "/status?ref=" + reference + "&amp;key=";
    REQUIRE(link.starts_with(prefix));
    const std::string key = link.substr(prefix.size());
    CHECK(crypto::is_status_key(key));
    CHECK_FALSE(has(max.get(location).body, "status-link"));

    // Head office kept only the key's hash.
    bool found = false;
    for (const auto& event : shop.hq.export_jsonl()) {
        CHECK_FALSE(has(event.dump(), key));
        if (event["type"] == "complaint.opened" && event["payload"]["reference"] == reference) {
            found = true;
            CHECK(event["payload"]["status_key_hash"] == crypto::status_key_hash(key));
        }
    }
    CHECK(found);

    // The customer follows it: the key fits (no decision yet).
    WebClient customer(shop.hq);
    auto followed = customer.get("/status?ref=" + reference + "&key=" + key);
    REQUIRE(followed.status == 200);
    CHECK(has(followed.body, "id=\"decision-none\""));
    check_nothing_personal(followed);
    CHECK_FALSE(has(shop.hq.log(), key));
}
