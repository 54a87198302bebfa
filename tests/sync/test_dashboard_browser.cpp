// The dashboard in a real browser: Debian's chromium, headless, driven
// through chromedriver by the small WebDriver client in support/webdriver.h,
// against the real feedback-hq over HTTPS. An admin publishes the
// configuration from its form, a manager opens the overview and a complaint
// and records a root cause and an action through the forms; a complaint that
// came in by phone is registered and the management review printed to PDF
// (read back with pdftotext); the screenshots
// stay in the build folder (screenshots/dashboard/). Without chromium or
// chromedriver the test fails and says what to install.
#include "domain/refcode.h"
#include "hq/hq_store.h"
#include "support/temp_dir.h"
#include "support/webdriver.h"
#include "status_page_support.h"
#include "sync_support.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>

using namespace feedback;
using namespace feedback::testing;

namespace {

const std::filesystem::path screenshots = FEEDBACK_DASHBOARD_SCREENSHOT_DIR;

void login(BrowserSession& browser, const HqProcess& hq, const std::string& name, const std::string& password)
{
    browser.navigate(hq.url() + "/overview");
    browser.wait_for("#login");
    browser.send_keys(browser.find("#name"), name);
    browser.send_keys(browser.find("#password"), password);
    browser.click(browser.find("#login"));
    browser.wait_for("#nps-chain");
}

} // namespace

TEST_CASE("a real browser logs in, opens the overview and a complaint, and records a root cause and an action", "[dashboard][browser]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    REQUIRE(add_dashboard_user(hq, "ada", "admin", "admin password 1").exit_code == 0);
    REQUIRE(add_dashboard_user(hq, "max", "manager", "manager password 1").exit_code == 0);
    TerminalDir terminal(temp.path() / "t1");
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    REQUIRE(terminal.record(rating_lines(33)).exit_code == 0);
    auto complaint = terminal.record(
        {R"({"type":"complaint.opened","actor":"staff:anna","channel":"walk_in","category":"product",)"
         R"("description":"De waterkoker lekt na een week","customer_wish":"Een nieuwe waterkoker",)"
         R"("contact":{"consent":true,"phone":"+31 6 1234 5678"}})"});
    REQUIRE(complaint.exit_code == 0);
    REQUIRE(terminal.sync_once().exit_code == 0);
    std::error_code ignored;
    std::filesystem::remove_all(screenshots, ignored);

    ChromeDriver driver;
    BrowserSession browser(driver, BrowserOptions{1280, 1000, "nl-NL", true});

    // The login page, then the overview.
    browser.navigate(hq.url() + "/overview");
    browser.wait_for("#login");
    CHECK(browser.current_url().find("/login?next=%2Foverview") != std::string::npos);
    browser.save_screenshot(screenshots / "01-login.png");
    login(browser, hq, "ada", "admin password 1");
    CHECK(browser.current_url() == hq.url() + "/overview");
    CHECK(browser.text(browser.find("h1")) == "Overzicht");
    CHECK(browser.text(browser.find("#nps-chain")) == "-45"); // scores 0-10 three times: 6 promoters, 21 detractors of 33
    CHECK(browser.text(browser.find("#open-now")) == "1");
    CHECK(browser.exists("svg.trend path.line"));
    browser.save_full_page_screenshot(screenshots / "02-overview.png");

    // The admin publishes the configuration from the form (the built-in example).
    browser.navigate(hq.url() + "/config");
    browser.click(browser.wait_for("#publish"));
    CHECK(browser.text(browser.wait_for(".flash")).find("gepubliceerd") != std::string::npos);
    browser.save_full_page_screenshot(screenshots / "03-config.png");

    // Devices: an enrolment code made on the page, shown once.
    browser.navigate(hq.url() + "/devices");
    // What the terminal last reported of itself with its upload (Feedback-Health).
    CHECK(browser.text(browser.wait_for("#devices td.condition")).find("GB vrij van") != std::string::npos);
    browser.send_keys(browser.wait_for("#enrol_store"), "AMS");
    browser.send_keys(browser.find("#enrol_name"), "Balie 1");
    browser.click(browser.find("#enrol-form button"));
    CHECK(std::regex_match(browser.text(browser.wait_for("#enrol-code")), std::regex("[2-9A-Z]{5}-[2-9A-Z]{5}")));
    browser.save_full_page_screenshot(screenshots / "07-devices.png");
    browser.navigate(hq.url() + "/users");
    browser.wait_for("#users");
    browser.save_full_page_screenshot(screenshots / "08-users.png");
    browser.click(browser.find("#logout"));
    browser.wait_for("#login");

    // The manager opens the complaint from the list.
    login(browser, hq, "max", "manager password 1");
    browser.navigate(hq.url() + "/complaints");
    browser.click(browser.wait_for("#complaints tbody a"));
    browser.wait_for("#timeline");
    CHECK(browser.text(browser.find("#status")) == "Open");
    CHECK(browser.page_source().find("1234 5678") == std::string::npos); // one audited click away
    browser.save_full_page_screenshot(screenshots / "04-complaint.png");

    // A root cause from the configured list.
    browser.click(browser.find("#root_cause option[value=\"supplier_quality\"]"));
    browser.send_keys(browser.find("#root_cause_note"), "Een hele partij lekte");
    browser.click(browser.find("#save-root-cause"));
    browser.wait_for(".flash");
    CHECK(browser.text(browser.find("#root-cause")) == "Kwaliteit van de leverancier");

    // A preventive action with an owner and a due date.
    browser.click(browser.find("#kind-preventive"));
    browser.send_keys(browser.find("#action_description"), "Elke levering waterkokers steekproefsgewijs testen");
    browser.send_keys(browser.find("#action_owner"), "Mehmet Yilmaz");
    // A date field's typing order depends on the browser's locale; set its value as a date picker would.
    browser.execute("document.getElementById('action_due').value = arguments[0];", {"2026-12-15"});
    browser.click(browser.find("#save-action"));
    browser.wait_for(".flash");
    std::string actions = browser.text(browser.find("#action-list"));
    CHECK(actions.find("Elke levering waterkokers steekproefsgewijs testen") != std::string::npos);
    CHECK(actions.find("Mehmet Yilmaz") != std::string::npos);
    CHECK(actions.find("2026-12-15") != std::string::npos);
    CHECK(browser.text(browser.find("#timeline")).find("max (hoofdkantoor)") != std::string::npos);
    browser.save_full_page_screenshot(screenshots / "05-follow-up.png");

    // The other pages a manager reads.
    for (const char* page : {"callbacks", "promises", "learning"}) {
        browser.navigate(hq.url() + "/" + page);
        browser.wait_for("h1");
        CHECK(browser.current_url().find(page) != std::string::npos);
        browser.save_full_page_screenshot(screenshots / (std::string("09-") + page + ".png"));
    }
    browser.navigate(hq.url() + "/complaints");
    browser.click(browser.wait_for("#complaints tbody a"));
    browser.wait_for("#timeline");

    // The contact details, audited, and the page in English.
    browser.click(browser.find("#show-contact"));
    CHECK(browser.text(browser.wait_for("#contact")).find("+31 6 1234 5678") != std::string::npos);
    browser.navigate(hq.url() + "/overview");
    browser.click(browser.wait_for("a[lang=\"en\"]"));
    browser.wait_for("#nps-chain");
    CHECK(browser.text(browser.find("h1")) == "Overview");
    browser.save_full_page_screenshot(screenshots / "06-overview-en.png");

    // What the browser recorded is in the feed for the store's terminal.
    auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
    REQUIRE(store);
    auto devices = store->devices();
    REQUIRE(devices);
    auto feed = store->feed(devices->front(), 0, 100);
    REQUIRE(feed);
    REQUIRE(feed->events.size() == 2);
    CHECK(feed->events[0]["type"] == "complaint.root_cause_recorded");
    CHECK(feed->events[0]["payload"]["note"] == "Een hele partij lekte");
    CHECK(feed->events[1]["type"] == "complaint.action_planned");
    CHECK(feed->events[1]["payload"]["kind"] == "preventive");
    CHECK(feed->events[1]["actor"] == "hq:max");
    auto audited = store->connection().query_texts("SELECT action FROM web_audit WHERE action = 'contact.viewed'");
    REQUIRE(audited);
    CHECK(audited->size() == 1);
    for (const char* name : {"01-login.png", "02-overview.png", "03-config.png", "04-complaint.png", "05-follow-up.png",
                             "06-overview-en.png"}) {
        INFO(name);
        CHECK(std::filesystem::file_size(screenshots / name) > 10'000);
    }
}

TEST_CASE("a complaint that came in by phone is registered in a real browser, and the review is printed to PDF",
          "[dashboard][browser][review]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    REQUIRE(add_dashboard_user(hq, "max", "manager", "manager password 1").exit_code == 0);
    TerminalDir terminal(temp.path() / "t1");
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    // At the counter: a complaint solved on the spot with a refund of 12,50, the customer satisfied.
    auto opened = terminal.record(
        {R"({"type":"complaint.opened","actor":"staff:anna","channel":"walk_in","category":"product",)"
         R"("description":"Gebarsten pot","customer_wish":"Geld terug"})"});
    REQUIRE(opened.exit_code == 0);
    const std::string reference = recorded_complaint(opened).reference;
    auto solved = terminal.record(
        {R"({"type":"complaint.resolved","actor":"staff:anna","complaint":")" + reference +
             R"(","resolution":"refund","on_the_spot":true,"amount_cents":1250})",
         R"({"type":"complaint.customer_response","actor":"staff:anna","complaint":")" + reference +
             R"(","satisfied":true,"handling_score":4})",
         R"({"type":"complaint.closed","actor":"staff:anna","complaint":")" + reference + R"(","outcome":"resolved"})"});
    INFO(solved.out << solved.err);
    REQUIRE(solved.exit_code == 0);
    // A detractor who says why.
    auto rated = terminal.record({R"({"type":"nps.rated","score":3,"locale":"nl"})"});
    std::string rating_id;
    for (const auto& line : lines_of(rated.out))
        if (line.size() == 36)
            rating_id = line;
    REQUIRE(terminal
                .record({R"({"type":"nps.detailed","rating":")" + rating_id +
                         R"(","reason_ids":["waiting_time"],"comment":"Twintig minuten gewacht bij de kassa"})"})
                .exit_code == 0);
    REQUIRE(terminal.sync_once().exit_code == 0);
    publish_default_config(hq);

    ChromeDriver driver;
    BrowserSession browser(driver, BrowserOptions{1280, 1000, "nl-NL", true});
    login(browser, hq, "max", "manager password 1");

    // Head office registers the phone call.
    browser.navigate(hq.url() + "/complaints");
    browser.click(browser.wait_for("#register"));
    browser.wait_for("#register-form");
    browser.click(browser.find("#register_store option[value=\"UTR\"]"));
    browser.click(browser.find("#register_channel option[value=\"phone\"]"));
    browser.click(browser.find("#register_category option[value=\"delivery\"]"));
    browser.click(browser.find("#register_severity option[value=\"high\"]"));
    browser.send_keys(browser.find("#register_description"), "De bank is met een scheur bezorgd.");
    browser.send_keys(browser.find("#register_wish"), "Een nieuwe bank");
    browser.send_keys(browser.find("#register_phone"), "+31 6 5555 6666");
    browser.click(browser.find("#register_consent"));
    browser.save_full_page_screenshot(screenshots / "10-register.png");
    browser.click(browser.find("#save-register"));
    browser.wait_for(".flash");
    CHECK(browser.text(browser.find("#reference")) == make_refcode("UTR", "HQ", 0));
    CHECK(browser.text(browser.find("#severity")) == "Hoog");
    CHECK(browser.text(browser.find("#status")) == "Open");
    CHECK(browser.page_source().find("5555 6666") == std::string::npos); // contact one audited click away
    browser.save_full_page_screenshot(screenshots / "11-registered.png");

    // The management review, with a comment search, printed for the meeting.
    browser.navigate(hq.url() + "/review?q=gewacht");
    browser.wait_for("#review-opened");
    browser.save_full_page_screenshot(screenshots / "12-review.png");
    const auto pdf = temp.path() / "review.pdf";
    {
        std::string bytes = browser.print_pdf();
        REQUIRE(bytes.rfind("%PDF-", 0) == 0);
        std::ofstream(pdf, std::ios::binary) << bytes;
    }
    std::filesystem::copy_file(pdf, screenshots / "13-review.pdf", std::filesystem::copy_options::overwrite_existing);
    auto text = run_process({"/usr/bin/pdftotext", "-layout", pdf.string(), "-"});
    INFO(text.out << text.err);
    REQUIRE(text.exit_code == 0);
    // Hand-worked: two complaints (walk-in and phone), one closed as resolved
    // and solved on the spot, a refund of 12,50, nothing escalated; one
    // detractor who named the waiting time, and their comment found.
    auto line_has = [&](const std::string& pattern) { return std::regex_search(text.out, std::regex(pattern)); };
    CHECK(line_has("Directiebeoordeling van de hele keten"));
    CHECK(line_has("Klachten ontvangen +2"));
    CHECK(line_has("Direct opgelost +100%"));
    CHECK(line_has("Doorgezet +0%"));
    CHECK(line_has("Heropend +0%"));
    CHECK(line_has("Geld terug +1 +€ 12,50"));
    CHECK(line_has("Telefoon +1"));
    CHECK(line_has("Criticasters \\(0-6\\) +Wachttijd +1"));
    CHECK(line_has("Twintig minuten gewacht bij de kassa"));
    CHECK(line_has("NPS -100"));
}
