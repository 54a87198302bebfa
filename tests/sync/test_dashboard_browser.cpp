// The dashboard in a real browser: Debian's chromium, headless, driven
// through chromedriver by the small WebDriver client in support/webdriver.h,
// against the real feedback-hq over HTTPS. An admin publishes the
// configuration from its form, a manager opens the overview and a complaint
// and records a root cause and an action through the forms; the screenshots
// stay in the build folder (screenshots/dashboard/). Without chromium or
// chromedriver the test fails and says what to install.
#include "hq/hq_store.h"
#include "support/temp_dir.h"
#include "support/webdriver.h"
#include "sync_support.h"

#include <catch2/catch.hpp>

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
    auto audited = store->database().query_texts("SELECT action FROM web_audit WHERE action = 'contact.viewed'");
    REQUIRE(audited);
    CHECK(audited->size() == 1);
    for (const char* name : {"01-login.png", "02-overview.png", "03-config.png", "04-complaint.png", "05-follow-up.png",
                             "06-overview-en.png"}) {
        INFO(name);
        CHECK(std::filesystem::file_size(screenshots / name) > 10'000);
    }
}
