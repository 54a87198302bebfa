// The dashboard's and the status page's Content-Security-Policy as a real
// browser enforces it (Debian's chromium, headless, through chromedriver):
// on the login page, pages behind the login and the customer's status pages
// chromium reports no violation of the policy, and the stylesheet the policy
// allows is applied. Violations are read from chromium's ReportingObserver
// with `buffered`, which hands over those the page caused before the test
// asked; the test first proves that it sees one.
#include "crypto/status_key.h"
#include "hq/hq_store.h"
#include "support/temp_dir.h"
#include "support/webdriver.h"
#include "status_page_support.h"
#include "sync_support.h"

#include <catch2/catch.hpp>

using namespace feedback;
using namespace feedback::testing;

namespace {

// Every CSP violation report of the page so far, as "directive blocked-url at line".
nlohmann::json csp_violations(BrowserSession& browser)
{
    return browser.execute(
        "var observer = new ReportingObserver(function() {}, {types: ['csp-violation'], buffered: true});"
        "observer.observe();"
        "var found = observer.takeRecords().map(function(r) {"
        "  return r.body.effectiveDirective + ' ' + r.body.blockedURL + ' at line ' + r.body.lineNumber; });"
        "observer.disconnect();"
        "return found;");
}

// The page's stylesheet is loaded and in force (a blocked one would leave the browser's defaults).
void check_styled(BrowserSession& browser)
{
    auto sheets = browser.execute("var rules = 0; for (var i = 0; i < document.styleSheets.length; i++)"
                                  "  rules += document.styleSheets[i].cssRules.length;"
                                  "return [document.styleSheets.length, rules,"
                                  "        getComputedStyle(document.querySelector('a.skip')).position];");
    INFO(sheets.dump());
    CHECK(sheets[0].get<int>() == 1);
    CHECK(sheets[1].get<int>() > 10);
    CHECK(sheets[2].get<std::string>() != "static"); // the skip link is moved out of sight by the stylesheet
}

void check_page(BrowserSession& browser, const std::string& url, const std::string& wait_for)
{
    INFO(url);
    browser.navigate(url);
    browser.wait_for(wait_for);
    auto violations = csp_violations(browser);
    INFO("CSP violations: " << violations.dump());
    CHECK(violations.empty());
    check_styled(browser);
}

} // namespace

TEST_CASE("chromium reports no Content-Security-Policy violation on the dashboard and the status pages",
          "[dashboard][browser][security][headers]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    REQUIRE(add_dashboard_user(hq, "ada", "admin", "admin password 1").exit_code == 0);
    publish_default_config(hq);
    TerminalDir terminal(temp.path() / "utr");
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    REQUIRE(terminal.record(rating_lines(12)).exit_code == 0);
    const std::string key = crypto::make_status_key();
    auto opened = terminal.record(
        {R"({"type":"complaint.opened","actor":"staff:anna","channel":"walk_in","category":"product",)"
         R"("description":"De lamp flikkert","customer_wish":"Een nieuwe lamp",)"
         R"("contact":{"consent":true,"name":"Jan Jansen","phone":"+31 6 1234 5678"},)"
         R"("status_key_hash":")" +
         crypto::status_key_hash(key) + R"("})"});
    INFO(opened.out << opened.err);
    REQUIRE(opened.exit_code == 0);
    const auto complaint = recorded_complaint(opened);
    REQUIRE(terminal.sync_once().exit_code == 0);

    ChromeDriver driver;
    BrowserSession browser(driver, BrowserOptions{1280, 1000, "nl-NL", true});

    // The detector sees a violation: an inline style added to a page is refused and reported.
    browser.navigate(hq.url() + "/login");
    browser.wait_for("#login");
    browser.execute("var s = document.createElement('style'); s.textContent = 'body { color: red; }';"
                    "document.head.appendChild(s);");
    auto provoked = csp_violations(browser);
    INFO(provoked.dump());
    REQUIRE(provoked.size() == 1);
    CHECK(provoked[0].get<std::string>().rfind("style-src-elem inline", 0) == 0);

    check_page(browser, hq.url() + "/login", "#login");
    browser.send_keys(browser.find("#name"), "ada");
    browser.send_keys(browser.find("#password"), "admin password 1");
    browser.click(browser.find("#login"));
    browser.wait_for("#nps-chain");
    for (const auto& [path, css] : std::vector<std::pair<std::string, std::string>>{
             {"/overview", "#nps-chain"},
             {"/complaints", "#complaints"},
             {"/complaints/" + complaint.complaint_id, "#timeline"},
             {"/config", "#publish"},
             {"/devices", "#devices"},
             {"/users", "#users"},
             {"/review", "main h1"},
             {"/account", "main h1"}})
        check_page(browser, hq.url() + path, css);

    check_page(browser, hq.url() + "/status", "#status-form");
    check_page(browser, hq.url() + "/status?ref=" + complaint.reference, "#reference");
    check_page(browser, hq.url() + "/status?ref=" + complaint.reference + "&key=" + key, "#reference");
}
