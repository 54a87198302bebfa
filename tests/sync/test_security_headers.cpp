// The security headers of the dashboard and the customer's status page, read
// over real HTTPS from the real feedback-hq: a Content-Security-Policy with no
// script, no inline style ('unsafe-inline') and no framing, Referrer-Policy,
// X-Content-Type-Options and Strict-Transport-Security, each sent once, on the
// login page, pages behind the login, the status pages and the redirects; the
// pages hold nothing that policy would block; and no page for a browser comes
// compressed (BREACH), while terminals' answers still do.
#include "crypto/status_key.h"
#include "hq/hq_store.h"
#include "support/temp_dir.h"
#include "status_page_support.h"
#include "sync_support.h"

#include <catch2/catch.hpp>
#include <httplib.h>

#include <map>
#include <regex>
#include <sstream>

using namespace feedback;
using namespace feedback::testing;

namespace {

const std::string password = "a long password 1";

// "default-src 'none'; style-src 'self'" -> {"default-src": "'none'", "style-src": "'self'"}
std::map<std::string, std::string> directives_of(const std::string& policy)
{
    std::map<std::string, std::string> out;
    std::istringstream parts(policy);
    std::string part;
    while (std::getline(parts, part, ';')) {
        auto begin = part.find_first_not_of(' ');
        if (begin == std::string::npos)
            continue;
        part = part.substr(begin, part.find_last_not_of(' ') - begin + 1);
        auto space = part.find(' ');
        out[part.substr(0, space)] = space == std::string::npos ? "" : part.substr(space + 1);
    }
    return out;
}

// The headers every page (and redirect) of the dashboard and the status page carries.
void check_security_headers(const std::string& what, const WebAnswer& answer)
{
    INFO(what << " (HTTP " << answer.status << ")");
    for (const char* name : {"content-security-policy", "referrer-policy", "x-content-type-options",
                             "strict-transport-security", "x-frame-options"}) {
        INFO(name);
        CHECK(answer.all(name).size() == 1); // once: two of them are read differently by different clients
    }
    const std::string policy = answer.header("content-security-policy");
    INFO("Content-Security-Policy: " << policy);
    auto directives = directives_of(policy);
    CHECK(directives["default-src"] == "'none'"); // no script: script-src falls back to it
    CHECK(directives.count("script-src") == 0);
    CHECK(directives["style-src"] == "'self'"); // the stylesheet, no inline style
    CHECK(directives["frame-ancestors"] == "'none'");
    CHECK(directives["form-action"] == "'self'");
    CHECK(directives["base-uri"] == "'none'");
    CHECK(policy.find("unsafe-") == std::string::npos); // 'unsafe-inline', 'unsafe-eval', 'unsafe-hashes'
    CHECK(policy.find('*') == std::string::npos);
    CHECK(answer.header("referrer-policy") == "no-referrer");
    CHECK(answer.header("x-content-type-options") == "nosniff");
    CHECK(answer.header("x-frame-options") == "DENY");
    std::smatch age;
    const std::string hsts = answer.header("strict-transport-security");
    INFO("Strict-Transport-Security: " << hsts);
    REQUIRE(std::regex_match(hsts, age, std::regex("max-age=([0-9]+)(; ?includeSubDomains)?")));
    CHECK(std::stoll(age[1].str()) >= 365LL * 24 * 3600);
}

// Nothing in a page that its policy would block: no script, no inline
// style, no event handler attributes (a page that needed one would look or
// work differently in a browser that enforces the policy).
void check_nothing_inline(const std::string& what, const std::string& html)
{
    INFO(what);
    CHECK_FALSE(std::regex_search(html, std::regex("<script", std::regex::icase)));
    CHECK_FALSE(std::regex_search(html, std::regex("<style", std::regex::icase)));
    CHECK_FALSE(std::regex_search(html, std::regex("<[^>]*\\sstyle\\s*=", std::regex::icase)));
    CHECK_FALSE(std::regex_search(html, std::regex("<[^>]*\\son[a-z]+\\s*=", std::regex::icase)));
    CHECK_FALSE(std::regex_search(html, std::regex("javascript:", std::regex::icase)));
    CHECK(html.find("<link rel=\"stylesheet\" href=\"/static/dashboard.css\">") != std::string::npos);
}

// A GET as a browser sends it (every encoding accepted), the answer left as it came.
httplib::Result raw_get(const HqProcess& hq, const std::string& path, const httplib::Headers& extra = {})
{
    httplib::SSLClient client("127.0.0.1", hq.port());
    client.set_ca_cert_path(hq.ca_file().c_str());
    client.enable_server_certificate_verification(true);
    client.set_decompress(false);
    httplib::Headers headers = {{"Accept-Encoding", "gzip, deflate, br"}};
    headers.insert(extra.begin(), extra.end());
    return client.Get(path.c_str(), headers);
}

} // namespace

TEST_CASE("the dashboard and the status pages send CSP without unsafe-inline, frame-ancestors 'none', "
          "Referrer-Policy, nosniff and HSTS",
          "[dashboard][security][headers]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    REQUIRE(add_dashboard_user(hq, "max", "manager", password).exit_code == 0);
    publish_default_config(hq);
    // A complaint with a status key, synced by a real terminal.
    TerminalDir terminal(temp.path() / "utr");
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
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
    REQUIRE_FALSE(complaint.reference.empty());
    REQUIRE(terminal.sync_once().exit_code == 0);

    WebClient max(hq);
    auto root = max.get("/");
    REQUIRE(root.status == 303);
    check_security_headers("GET /", root);

    auto login_page = max.get("/login");
    REQUIRE(login_page.status == 200);
    check_security_headers("the login page", login_page);
    check_nothing_inline("the login page", login_page.body);
    auto logged_in = max.login("max", password);
    REQUIRE(logged_in.status == 303);
    check_security_headers("the redirect after logging in", logged_in);

    for (const std::string& path : {std::string("/overview"), std::string("/complaints"),
                                    "/complaints/" + complaint.complaint_id, std::string("/account")}) {
        auto page = max.get(path);
        INFO(path);
        REQUIRE(page.status == 200);
        check_security_headers(path, page);
        check_nothing_inline(path, page.body);
    }

    WebClient customer(hq);
    for (const std::string& path : {std::string("/status"), "/status?ref=" + complaint.reference,
                                    "/status?ref=" + complaint.reference + "&key=" + key}) {
        auto page = customer.get(path);
        INFO(path);
        REQUIRE(page.status == 200);
        check_security_headers(path, page);
        check_nothing_inline(path, page.body);
    }
    auto switched = customer.get("/lang/en?back=%2Fstatus");
    REQUIRE(switched.status == 303);
    check_security_headers("the language switch", switched);

    // The stylesheet the policy allows is served as CSS, sniffing off.
    auto css = customer.get("/static/dashboard.css");
    REQUIRE(css.status == 200);
    CHECK(css.header("content-type") == "text/css; charset=utf-8");
    CHECK(css.all("x-content-type-options") == std::vector<std::string>{"nosniff"});
    CHECK(css.all("strict-transport-security").size() == 1);
}

TEST_CASE("no page for a browser is compressed (BREACH), while answers to a bearer token may be", "[dashboard][security][headers]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    for (const char* path : {"/login", "/status", "/login?next=%2Foverview"}) {
        auto answer = raw_get(hq, path);
        INFO(path);
        REQUIRE(answer);
        CHECK(answer->status == 200);
        CHECK_FALSE(answer->has_header("Content-Encoding"));
        CHECK(answer->body.find("<!DOCTYPE html>") == 0);
    }
    // A terminal's (or the intake API's) request names its token in every
    // request: no other site can make a browser send it, so its answers may
    // be compressed.
    auto hello = raw_get(hq, "/v1/hello", {{"Authorization", "Bearer not-a-real-token"}});
    REQUIRE(hello);
    CHECK(hello->status == 200);
    CHECK(hello->get_header_value("Content-Encoding") != "");
    auto plain_hello = raw_get(hq, "/v1/hello");
    REQUIRE(plain_hello);
    CHECK_FALSE(plain_hello->has_header("Content-Encoding"));
}
