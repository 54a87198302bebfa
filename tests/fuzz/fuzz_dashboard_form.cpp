// Fuzzes the dashboard's form parsing: a logged-in admin's form posts (and
// GET forms: filters, searches) through cpp-httplib's parsing of URL-encoded
// and multipart bodies to the real handlers mounted by
// hq::web::mount_dashboard(), which read the fields (FormReader, dates,
// times, amounts, counts, choices) and act on a real hq.db, put back after
// each input. Head office must never answer 500, redirect off the site, or
// echo a field's text unescaped (the markers below, which the dashboard
// never writes itself, must not appear raw in a page).
//
// Input:
//   line 1  METHOD and target, e.g. "POST /complaints/{complaint}/decide";
//           {complaint}, {action}, {rating} and {device} become the ids of a
//           complaint (with a planned action), a rating and a device made
//           at setup
//   rest    the form body: URL-encoded, or multipart/form-data with the
//           boundary "fuzz-boundary" when it starts with "--fuzz-boundary"
// The session cookie and (for a POST) the session's CSRF field are added,
// as the browser would send them.
#include "domain/clock.h"
#include "domain/event.h"
#include "domain/ids.h"
#include "hq/web/dashboard.h"
#include "hq/web/users.h"
#include "support/finding.h"
#include "support/hq_fixture.h"
#include "support/in_memory_http.h"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using namespace feedback;
namespace web = feedback::hq::web;

constexpr std::string_view multipart_boundary = "fuzz-boundary";
// Typed into a field, these come back as text only when escaped: raw, they
// would be markup (a tag, or an attribute after a closed quote).
constexpr std::array<std::string_view, 2> injection_markers{"<fuzzmark", " fuzzattr=\""};
constexpr const char* user_name = "fuzz";
constexpr const char* user_password = "fuzz-password-2026";

// The value of attribute `name="field" value="..."` of the first hidden csrf field.
std::string csrf_field_in(std::string_view html)
{
    constexpr std::string_view field = R"(name="csrf" value=")";
    size_t start = html.find(field);
    if (start == std::string_view::npos)
        return {};
    start += field.size();
    return std::string(html.substr(start, html.find('"', start) - start));
}

// A browser's cookie jar: what each Set-Cookie of the answers said, the
// cookies that were deleted (an empty value) left out.
class CookieJar {
public:
    void take(std::string_view answer)
    {
        std::string_view head = answer.substr(0, answer.find("\r\n\r\n"));
        constexpr std::string_view set_cookie = "\r\nSet-Cookie: ";
        for (size_t at = head.find(set_cookie); at != std::string_view::npos; at = head.find(set_cookie, at + 1)) {
            std::string_view cookie = head.substr(at + set_cookie.size());
            cookie = cookie.substr(0, std::min(cookie.find(';'), cookie.find("\r\n")));
            size_t equals = cookie.find('=');
            std::string name(cookie.substr(0, equals));
            std::string value(equals == std::string_view::npos ? "" : cookie.substr(equals + 1));
            if (value.empty())
                m_cookies.erase(name);
            else
                m_cookies[name] = value;
        }
    }
    std::string header() const
    {
        std::string out;
        for (const auto& [name, value] : m_cookies)
            out += (out.empty() ? "" : "; ") + name + "=" + value;
        return "Cookie: " + out + "\r\n";
    }

private:
    std::map<std::string, std::string> m_cookies;
};

std::string url_encoded(std::string_view text)
{
    constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '_' || c == '.';
        out += plain ? std::string(1, static_cast<char>(c)) : std::string{'%', hex[c >> 4], hex[c & 15]};
    }
    return out;
}

// The dashboard, logged in as an admin, over a head office with something
// to handle. libFuzzer calls the harness with no state of its own, so it
// lives for the whole run.
class DashboardHarness {
public:
    DashboardHarness()
    {
        web::DashboardOptions options;
        // Inputs keep using the session made at setup (restore() puts it back as it was then).
        options.sessions.idle_ms = options.sessions.absolute_ms = 30LL * 24 * 60 * 60 * 1000;
        fuzz::must(web::mount_dashboard(m_http, m_hq.dir(), m_hq.settings, m_hq.writer_turns, options),
                   "mounting the dashboard");
        add_admin();
        make_work();
        log_in();
        m_hq.snapshot();
    }

    void send(std::string_view input)
    {
        m_hq.restore();
        size_t newline = std::min(input.find('\n'), input.size());
        std::string target_line = with_ids(input.substr(0, newline));
        std::string_view body = input.substr(std::min(newline + 1, input.size()));
        bool post = target_line.starts_with("POST ");
        std::string request = target_line + " HTTP/1.1\r\n" + common_headers();
        if (post)
            request += form_headers_and_body(body);
        else
            request += "\r\n";
        std::string answer = m_http.answer(request);
        fuzz::require_no_server_error(request, answer);
        check_answer(request, answer);
    }

private:
    static void check_answer(std::string_view request, std::string_view answer)
    {
        int status = fuzz::status_of(answer);
        if (status >= 300 && status < 400 && status != 304) {
            std::string_view location = fuzz::header_of(answer, "Location");
            bool on_site = location.starts_with('/') && !location.starts_with("//") && !location.starts_with("/\\");
            if (!on_site)
                fuzz::report_finding("a redirect off the site", request, answer);
        }
        if (!fuzz::header_of(answer, "Content-Type").starts_with("text/html"))
            return; // an export's CSV or JSON holds the text as it is
        std::string_view body = fuzz::body_of(answer);
        for (std::string_view marker : injection_markers)
            if (body.find(marker) != std::string_view::npos)
                fuzz::report_finding("a page with a field's text unescaped", request, answer);
    }

    // [SECTION] Setup
    void add_admin()
    {
        web::UserStore users(m_hq.store().connection());
        auto hash = fuzz::must(web::hash_password(user_password), "hashing the password");
        fuzz::must(users.add_user(user_name, web::Role::admin, hash, now_utc_ms()), "adding the admin");
    }

    // A complaint registered at head office with an action planned, and a
    // detractor's rating from an enrolled terminal.
    void make_work()
    {
        hq::HqStore& store = m_hq.store();
        int64_t now = now_utc_ms();
        hq::ComplaintIntake intake;
        intake.store_code = std::string(fuzz::fixture_store);
        intake.actor = std::string("hq:") + user_name;
        intake.payload = {{"channel", "phone"},
                          {"category", "product"},
                          {"description", "De waterkoker lekt na een week"},
                          {"customer_wish", "Een nieuwe waterkoker"}};
        auto registered = fuzz::must(store.register_complaint(intake, now), "registering a complaint");
        m_ids["{complaint}"] = registered.event.subject;

        m_ids["{action}"] = make_uuid_v7(now);
        nlohmann::json action{{"action_id", m_ids["{action}"]},
                              {"kind", "corrective"},
                              {"description", "Leverancier aanspreken op de afdichting"},
                              {"owner", user_name},
                              {"due_at", now + 7LL * 24 * 60 * 60 * 1000}};
        fuzz::must(store.record_hq_event(EventType::complaint_action_planned, m_ids["{complaint}"],
                                         intake.actor, std::move(action), now),
                   "planning an action");

        auto code = fuzz::must(store.create_enrolment_code(fuzz::fixture_store, "Kassa 1", now, 60 * 60 * 1000),
                               "making an enrolment code");
        auto enrolled = fuzz::must(store.enrol(code.code, make_uuid_v7(now), "0.1.0", now), "enrolling a terminal");
        auto device = fuzz::must(store.authenticate(enrolled.token), "authenticating the terminal");
        m_ids["{device}"] = device.id;

        Event rating;
        rating.id = make_uuid_v7(now);
        rating.type = EventType::nps_rated;
        rating.occurred_at_ms = now;
        rating.actor = "kiosk";
        rating.device_id = device.id;
        rating.device_seq = 1;
        rating.payload = {{"score", 3}, {"survey_version", 1}, {"locale", "nl"}};
        m_ids["{rating}"] = rating.id;
        std::string batch_id = make_uuid_v7(now);
        nlohmann::json body{{"batch_id", batch_id}, {"events", {to_json(rating)}}};
        fuzz::must(store.ingest(device, batch_id, body.dump(), 1000, {}, now), "receiving the rating");
    }

    // As a browser logs in: the login form (its cookie and CSRF field), the
    // name and password posted, then a page for the session's CSRF field.
    void log_in()
    {
        std::string form = get("/login");
        std::string body = "csrf=" + csrf_field_in(fuzz::body_of(form)) + "&name=" + user_name +
                           "&password=" + url_encoded(user_password);
        std::string answer = m_http.answer("POST /login HTTP/1.1\r\n" + common_headers() +
                                           "Content-Type: application/x-www-form-urlencoded\r\n"
                                           "Content-Length: " +
                                           std::to_string(body.size()) + "\r\n\r\n" + body);
        m_cookies.take(answer);
        if (fuzz::status_of(answer) != 303)
            fuzz::setup_failed("logging in", Error{ErrorKind::internal, answer});
        m_csrf = csrf_field_in(fuzz::body_of(get("/account")));
        if (m_csrf.empty())
            fuzz::setup_failed("finding the session's CSRF field", Error{ErrorKind::internal, "/account has none"});
    }

    std::string get(const std::string& path)
    {
        std::string answer = m_http.answer("GET " + path + " HTTP/1.1\r\n" + common_headers() + "\r\n");
        m_cookies.take(answer);
        return answer;
    }

    // [SECTION] Requests
    std::string common_headers() const
    {
        return "Host: hq.example\r\n" + m_cookies.header() + "Feedback-Client-Address: 192.0.2.10\r\n";
    }

    std::string with_ids(std::string_view line) const
    {
        std::string out(line);
        for (const auto& [token, id] : m_ids)
            for (size_t at = out.find(token); at != std::string::npos; at = out.find(token, at + id.size()))
                out.replace(at, token.size(), id);
        return out;
    }

    // The body with the session's CSRF field first, as the dashboard's forms have it.
    std::string form_headers_and_body(std::string_view fields) const
    {
        std::string type;
        std::string body;
        if (fields.starts_with("--" + std::string(multipart_boundary))) {
            type = "multipart/form-data; boundary=" + std::string(multipart_boundary);
            body = "--" + std::string(multipart_boundary) +
                   "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + m_csrf + "\r\n" + std::string(fields);
        } else {
            type = "application/x-www-form-urlencoded";
            body = "csrf=" + m_csrf + (fields.empty() ? "" : "&") + std::string(fields);
        }
        return "Content-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    }

    fuzz::HqFixture m_hq;
    fuzz::InMemoryServer m_http;
    CookieJar m_cookies;
    std::string m_csrf;
    std::map<std::string, std::string> m_ids; // token in the corpus -> the real id
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static DashboardHarness harness; // libFuzzer gives no other place to keep it
    harness.send(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
