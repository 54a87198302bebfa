// The customer's status page in a real browser (Debian's chromium, headless,
// through chromedriver): on a phone (390x844) and a desktop (1280x800), in
// Dutch and English chosen by the browser's Accept-Language and by the
// switch on the page, with JavaScript off for the page itself (it has none:
// the form is a plain GET). Nothing may need a sideways scroll; the form is
// typed into and sent with the keyboard and the button; the status link with
// its key shows the decision. Screenshots stay in the build folder
// (screenshots/status/).
#include "crypto/status_key.h"
#include "support/temp_dir.h"
#include "support/webdriver.h"
#include "status_page_support.h"
#include "sync_support.h"

#include "hq/hq_store.h"

#include <catch2/catch.hpp>

using namespace feedback;
using namespace feedback::testing;

namespace {

const std::filesystem::path screenshots =
    std::filesystem::path(FEEDBACK_DASHBOARD_SCREENSHOT_DIR).parent_path() / "status";

struct Screen {
    const char* name;
    int width;
    int height;
    Viewport viewport;
};

// The page fits the window's width: no sideways scrolling, on any element.
void check_fits(BrowserSession& browser)
{
    auto widths = browser.execute("return [document.documentElement.scrollWidth, window.innerWidth, "
                                  "document.body.scrollWidth];");
    INFO(widths.dump());
    CHECK(widths[0].get<int>() <= widths[1].get<int>());
    CHECK(widths[2].get<int>() <= widths[1].get<int>());
}

// The element's box within the window's width.
void check_within(BrowserSession& browser, const std::string& css)
{
    auto box = browser.execute("var r = document.querySelector(arguments[0]).getBoundingClientRect();"
                               "return [r.left, r.right, window.innerWidth, r.height];",
                               {css});
    INFO(css << " " << box.dump());
    CHECK(box[0].get<double>() >= 0);
    CHECK(box[1].get<double>() <= box[2].get<double>());
    CHECK(box[3].get<double>() >= 24); // big enough to tap
}

} // namespace

TEST_CASE("the status page works on a phone and a desktop, in Dutch and English, without JavaScript",
          "[dashboard][browser][status]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq", {{"status_lookups_per_minute", 1000}});
    publish_default_config(hq);
    TerminalDir terminal(temp.path() / "utr");
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    const std::string key = crypto::make_status_key();
    auto opened = terminal.record(
        {R"({"type":"complaint.opened","actor":"staff:anna","channel":"walk_in","category":"product",)"
         R"("description":"De theepot lekt","customer_wish":"Een nieuwe theepot",)"
         R"("contact":{"consent":true,"name":"Jan Jansen","phone":"+31 6 1234 5678"},)"
         R"("status_key_hash":")" +
         crypto::status_key_hash(key) + R"("})"});
    REQUIRE(opened.exit_code == 0);
    const std::string reference = recorded_complaint(opened).reference;
    auto decided = terminal.record(
        {R"({"type":"complaint.resolved","actor":"staff:anna","complaint":")" + reference +
         R"(","resolution":"replacement","on_the_spot":false,"communicated":"email",)"
         R"("decision":"U krijgt een nieuwe theepot, die we volgende week thuis bezorgen. Excuses voor het ongemak."})"});
    INFO(decided.out << decided.err);
    REQUIRE(decided.exit_code == 0);
    REQUIRE(terminal.sync_once().exit_code == 0);
    std::error_code ignored;
    std::filesystem::remove_all(screenshots, ignored);

    ChromeDriver driver;
    for (const Screen& screen :
         {Screen{"phone", 390, 844, Viewport::phone}, Screen{"desktop", 1280, 800, Viewport::window}}) {
        for (const std::string& language : {std::string("nl-NL"), std::string("en-GB")}) {
            const bool dutch = language == "nl-NL";
            const std::string shot = std::string(screen.name) + "-" + language.substr(0, 2);
            INFO(shot);
            BrowserSession browser(driver, BrowserOptions{screen.width, screen.height, language, true, screen.viewport});

            // The form, in the browser's language, at the screen's width.
            browser.navigate(hq.url() + "/status");
            browser.wait_for("#status-form");
            CHECK(browser.execute("return window.innerWidth;") == screen.width);
            CHECK(browser.text(browser.find("h1")) == (dutch ? "Uw klacht" : "Your complaint"));
            CHECK(browser.execute("return document.scripts.length;") == 0);
            check_fits(browser);
            check_within(browser, "#ref");
            check_within(browser, "#look-up");
            browser.save_screenshot(screenshots / (shot + "-1-form.png"));

            // A typo: the code typed with one character wrong, sent with the button.
            std::string typo = reference;
            typo[typo.size() - 1] = typo.back() == 'A' ? 'B' : 'A';
            browser.send_keys(browser.find("#ref"), typo);
            browser.click(browser.find("#look-up"));
            CHECK(browser.text(browser.wait_for("#ref-error")).find(dutch ? "verkeerd getypt" : "probably mistyped") !=
                  std::string::npos);
            check_fits(browser);
            browser.save_screenshot(screenshots / (shot + "-2-typo.png"));

            // Corrected and sent with the Enter key: the status without the decision.
            browser.clear(browser.find("#ref"));
            browser.send_keys(browser.find("#ref"), reference + "\xEE\x80\x87"); // WebDriver's Enter key
            browser.wait_for("#phase");
            CHECK(browser.text(browser.find("#reference")) == reference);
            CHECK(browser.execute("return document.getElementById('phase').dataset.phase;") == "decided");
            CHECK(browser.exists("#decision-hidden"));
            CHECK_FALSE(browser.exists("#decision-text"));
            check_fits(browser);
            browser.save_full_page_screenshot(screenshots / (shot + "-3-status.png"));

            // The link from the receipt: the decision too.
            browser.navigate(hq.url() + "/status?ref=" + reference + "&key=" + key);
            CHECK(browser.text(browser.wait_for("#decision-text")).find("nieuwe theepot") != std::string::npos);
            CHECK(browser.text(browser.find("#resolution")) == (dutch ? "Vervanging" : "Replacement"));
            CHECK(browser.page_source().find("1234 5678") == std::string::npos);
            CHECK(browser.page_source().find("Jansen") == std::string::npos);
            check_fits(browser);
            check_within(browser, "#decision");
            browser.save_full_page_screenshot(screenshots / (shot + "-4-decision.png"));

            // The switch to the other language keeps the complaint and its key.
            browser.click(browser.find(dutch ? "a[lang=\"en\"]" : "a[lang=\"nl\"]"));
            browser.wait_for("#decision-text");
            CHECK(browser.text(browser.find("h1")) == (dutch ? "Your complaint" : "Uw klacht"));
            CHECK(browser.execute("return document.documentElement.lang;") == (dutch ? "en" : "nl"));
            check_fits(browser);
        }
    }
    for (const char* name : {"phone-nl-1-form.png", "phone-en-4-decision.png", "desktop-nl-3-status.png"}) {
        INFO(name);
        CHECK(std::filesystem::file_size(screenshots / name) > 5'000);
    }
}
