// The dashboard's front door: mounting the routes, and for each request the
// checks that come before any page (session cookie, expiry, CSRF token of
// every POST, the route's role), plus login, logout, the language switch and
// the stylesheet.
//
//   request --> session cookie valid? --no--> page: 303 /login?next=...   export or POST: 401
//                  | yes
//                  v
//               POST? --> CSRF field == the session's token? --no--> 403, nothing done
//                  |
//                  v
//               role >= the route's? --no--> 403
//                  |
//                  v
//               the page handler (pages_*.cpp)
#include "dashboard.h"

#include "assets.h"
#include "crypto/argon2id.h"
#include "crypto/sha256.h"
#include "common/protocol.h"
#include "domain/clock.h"
#include "hq/http_answers.h"
#include "page.h"
#include "pages.h"

#include <httplib.h>

namespace feedback::hq::web {

namespace {

constexpr const char* session_cookie = "__Host-feedback_session";
constexpr const char* login_cookie = "__Host-feedback_login";
constexpr const char* language_cookie = "feedback_lang";

// What a request without a session gets: a page redirects to the login, an
// export or a form's POST is refused with 401. A public page (the
// customer's status page) needs none and never looks one up.
enum class Kind { page, download, action, public_page };

struct Route {
    Role need = Role::viewer;
    Kind kind = Kind::page;
    void (*handler)(Page&) = nullptr;
};

// The value of cookie `name` in the request's Cookie headers ("" when none).
std::string cookie(const httplib::Request& req, std::string_view name)
{
    auto range = req.headers.equal_range("Cookie");
    for (auto it = range.first; it != range.second; ++it) {
        std::string_view header = it->second;
        while (!header.empty()) {
            size_t end = header.find(';');
            std::string_view pair = header.substr(0, end);
            while (!pair.empty() && pair.front() == ' ')
                pair.remove_prefix(1);
            size_t eq = pair.find('=');
            if (eq != std::string_view::npos && pair.substr(0, eq) == name)
                return std::string(pair.substr(eq + 1));
            if (end == std::string_view::npos)
                break;
            header.remove_prefix(end + 1);
        }
    }
    return {};
}

std::string locale_of(const httplib::Request& req, Kind kind)
{
    // A public page is for people without the dashboard's cookie: its switch is ?lang=.
    if (kind == Kind::public_page)
        for (const std::string& locale : dashboard_locales)
            if (req.get_param_value("lang") == locale)
                return locale;
    std::string chosen = cookie(req, language_cookie);
    for (const std::string& locale : dashboard_locales)
        if (chosen == locale)
            return locale;
    std::string accepted = req.get_header_value("Accept-Language");
    if (accepted.rfind("en", 0) == 0)
        return "en";
    return dashboard_locales.front();
}

std::string session_cookie_header(const std::string& token, int64_t max_age_s)
{
    return std::string(session_cookie) + "=" + token + "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=" +
           std::to_string(max_age_s);
}

// The login form's CSRF token: tied to a random value in a cookie of its
// own (there is no session yet), so another site cannot log a browser in.
std::string login_csrf(std::string_view nonce) { return crypto::sha256_hex("login:" + std::string(nonce)); }

// A POST's CSRF field, from the body only (not the query string).
std::string posted_csrf(const httplib::Request& req)
{
    if (req.has_file("csrf"))
        return req.get_file_value("csrf").content;
    std::string type = req.get_header_value("Content-Type");
    if (type.rfind("application/x-www-form-urlencoded", 0) != 0)
        return {};
    httplib::Params body;
    httplib::detail::parse_query_text(req.body, body);
    auto found = body.find("csrf");
    return found == body.end() ? std::string() : found->second;
}

void send_plain(httplib::Response& res, int status, const std::string& text)
{
    res.status = status;
    res.set_header("Cache-Control", "no-store");
    replace_header(res, "X-Content-Type-Options", "nosniff");
    res.set_content(text + "\n", "text/plain; charset=utf-8");
}

// [SECTION] Login and logout

void render_login(Page& page, int status, const std::string& error, const std::string& name)
{
    const Text& t = page.t;
    std::string nonce = sync::random_hex(16);
    page.res.set_header("Set-Cookie", std::string(login_cookie) + "=" + nonce +
                                          "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=3600");
    std::string next = page.param("next");
    if (!is_local_path(next))
        next = "/overview";
    std::string body = "<form class=\"login card\" method=\"post\" enctype=\"multipart/form-data\" action=\"/login\">";
    if (!error.empty())
        body += "<p class=\"error\" role=\"alert\" id=\"login-error\">" + escape(error) + "</p>";
    body += "<input type=\"hidden\" name=\"csrf\" value=\"" + login_csrf(nonce) + "\">";
    body += "<input type=\"hidden\" name=\"next\" value=\"" + escape(next) + "\">";
    body += "<label for=\"name\">" + escape(t("login.name")) + "</label>"
            "<input id=\"name\" name=\"name\" autocomplete=\"username\" required maxlength=\"40\" value=\"" +
            escape(name) + "\">";
    body += "<label for=\"password\">" + escape(t("login.password")) + "</label>"
            "<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>";
    body += "<button type=\"submit\" id=\"login\">" + escape(t("login.submit")) + "</button></form>";
    body += "<p class=\"note\">" + escape(t("login.note")) + "</p>";
    page.send_page(status, t("login.title"), "", body);
}

void login_form(Page& page)
{
    std::string token = cookie(page.req, session_cookie);
    if (!token.empty()) {
        auto session = page.write([&] { return page.users().session(token, page.now_ms); });
        if (session && *session) {
            page.send_redirect("/overview");
            return;
        }
    }
    render_login(page, 200, "", "");
}

void login_submit(Page& page)
{
    const Text& t = page.t;
    std::string nonce = cookie(page.req, login_cookie);
    if (nonce.empty() || !constant_time_equal(posted_csrf(page.req), login_csrf(nonce))) {
        render_login(page, 403, t("login.expired"), "");
        return;
    }
    std::string name = page.param("name");
    std::string password = page.param("password");
    if (name.size() > 200 || password.size() > 1024) {
        render_login(page, 400, t("login.wrong"), "");
        return;
    }
    auto wait = page.write([&] { return page.users().begin_attempt(name, page.address(), page.now_ms); });
    if (!wait) {
        page.send_failure(wait.error());
        return;
    }
    if (*wait) {
        int64_t seconds = (**wait + 999) / 1000;
        page.res.set_header("Retry-After", std::to_string(seconds));
        render_login(page, 429, t.format("login.throttled", {{"seconds", std::to_string(seconds)}}), name);
        return;
    }
    auto hash = page.users().password_hash(name);
    if (!hash) {
        page.send_failure(hash.error());
        return;
    }
    // Always one argon2id check, so an unknown name costs as long as a wrong password.
    bool right = crypto::verify_argon2id(hash->empty() ? page.app.dummy_password_hash : *hash, password);
    if (!right || hash->empty()) {
        if (!hash->empty())
            (void)page.write([&] { return page.users().audit(name, "login.failed", "", page.address(), page.now_ms); });
        render_login(page, 401, t("login.wrong"), is_valid_user_name(name) ? name : "");
        return;
    }
    auto token = page.write([&]() -> Result<std::string> {
        UserStore users = page.users();
        FEEDBACK_TRY(users.attempt_succeeded(name, page.address()));
        auto made = users.create_session(name, page.now_ms);
        FEEDBACK_TRY(made);
        FEEDBACK_TRY(users.audit(name, "login", "", page.address(), page.now_ms));
        return made;
    });
    if (!token) {
        page.send_failure(token.error());
        return;
    }
    page.res.set_header("Set-Cookie", session_cookie_header(*token, page.app.sessions.absolute_ms / 1000));
    page.res.set_header("Set-Cookie", std::string(login_cookie) + "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
    std::string next = page.param("next");
    page.send_redirect(is_local_path(next) && next.rfind("/login", 0) != 0 ? next : "/overview");
}

void logout(Page& page)
{
    std::string token = cookie(page.req, session_cookie);
    (void)page.audit("logout", "");
    auto ended = page.write([&] { return page.users().end_session(token); });
    if (!ended) {
        page.send_failure(ended.error());
        return;
    }
    page.res.set_header("Set-Cookie", session_cookie_header("", 0));
    page.send_redirect("/login");
}

// [SECTION] Serving one request

void serve(App& app, const Route& route, const httplib::Request& req, httplib::Response& res)
{
    int64_t now = now_utc_ms();
    auto lease = app.pool.borrow();
    if (!lease) {
        send_plain(res, 503, "head office cannot open its database: " + std::string(to_string(lease.error().kind)));
        return;
    }
    Page page(app, req, res, **lease, locale_of(req, route.kind), now);
    try {
        if (route.kind == Kind::public_page || (route.kind == Kind::page && route.handler == login_form)) {
            route.handler(page);
            return;
        }
        std::string token = cookie(req, session_cookie);
        if (!token.empty()) {
            // Reading is enough for most requests; a writer's turn only when
            // the session's last use is to be refreshed or it expired.
            auto lookup = page.users().look_up_session(token, now);
            if (!lookup) {
                page.send_failure(lookup.error());
                return;
            }
            if (lookup->write_due) {
                auto session = page.write([&] { return page.users().session(token, now); });
                if (!session) {
                    page.send_failure(session.error());
                    return;
                }
                page.session = std::move(*session);
            } else {
                page.session = std::move(lookup->session);
            }
            if (page.session)
                page.csrf = csrf_token_for(token);
        }
        if (!page.session) {
            if (route.kind == Kind::page) {
                page.send_redirect("/login" + query_string({{"next", page.path_and_query()}}));
            } else if (route.kind == Kind::download) {
                send_plain(res, 401, page.t("auth.required"));
            } else {
                page.send_message(401, page.t("auth.required_title"), page.t("auth.required"));
            }
            return;
        }
        if (req.method == "POST" && !constant_time_equal(posted_csrf(req), page.csrf)) {
            page.send_message(403, page.t("auth.csrf_title"), page.t("auth.csrf"));
            return;
        }
        if (!page.can(route.need)) {
            if (route.kind == Kind::download)
                send_plain(res, 403, page.t("auth.forbidden"));
            else
                page.send_message(403, page.t("auth.forbidden_title"), page.t("auth.forbidden"));
            return;
        }
        route.handler(page);
    } catch (const std::exception&) {
        // The exception's text may quote stored data; the page says only that it failed.
        page.send_message(500, page.t("error.title"), page.t("error.internal"));
    }
}

} // namespace

Result<void> mount_dashboard(httplib::Server& http, const std::filesystem::path& dir, const HqSettings& settings,
                             WriterTurns& writer_turns, const DashboardOptions& options)
{
    auto text = load_dashboard_text();
    FEEDBACK_TRY(text);
    auto css = embedded_asset("dashboard.css");
    if (!css)
        return Error{ErrorKind::internal, "the dashboard's stylesheet was not embedded at build time"};
    auto app = std::make_shared<App>(dir, settings, writer_turns, std::move(*text), options.sessions, options.logins);
    auto dummy = hash_password(sync::random_hex(16));
    FEEDBACK_TRY(dummy);
    app->dummy_password_hash = std::move(*dummy);

    auto add = [&](const char* method, const std::string& pattern, Route route) {
        auto handler = [app, route](const httplib::Request& req, httplib::Response& res) {
            serve(*app, route, req, res);
        };
        if (std::string_view(method) == "GET")
            http.Get(pattern, handler);
        else
            http.Post(pattern, handler);
    };
    const std::string id = "([0-9a-fA-F-]{36})";

    http.Get("/", [](const httplib::Request&, httplib::Response& res) {
        set_page_security_headers(res);
        res.status = 303;
        res.set_header("Location", "/overview");
    });
    http.Get("/static/dashboard.css", [bytes = *css](const httplib::Request&, httplib::Response& res) {
        res.set_header("Cache-Control", "max-age=3600");
        replace_header(res, "X-Content-Type-Options", "nosniff");
        res.set_content(std::string(bytes), "text/css; charset=utf-8");
    });
    http.Get("/lang/(nl|en)", [](const httplib::Request& req, httplib::Response& res) {
        std::string back = req.get_param_value("back");
        set_page_security_headers(res);
        res.status = 303;
        res.set_header("Set-Cookie", std::string(language_cookie) + "=" + req.matches[1].str() +
                                         "; Path=/; Secure; SameSite=Lax; Max-Age=31536000");
        res.set_header("Location", is_local_path(back) ? back : "/overview");
    });

    add("GET", "/login", {Role::viewer, Kind::page, login_form});
    http.Post("/login", [app](const httplib::Request& req, httplib::Response& res) {
        auto lease = app->pool.borrow();
        if (!lease) {
            send_plain(res, 503, "head office cannot open its database");
            return;
        }
        Page page(*app, req, res, **lease, locale_of(req, Kind::action), now_utc_ms());
        login_submit(page);
    });
    add("POST", "/logout", {Role::viewer, Kind::action, logout});
    add("GET", std::string(status_page_path), {Role::viewer, Kind::public_page, status_page});

    // The survey after closing: public, its link's token is the only key.
    add("GET", "/survey", {Role::viewer, Kind::public_page, survey_page});
    add("POST", "/survey", {Role::viewer, Kind::public_page, post_survey});

    add("GET", "/overview", {Role::viewer, Kind::page, overview_page});
    add("GET", "/promises", {Role::viewer, Kind::page, promises_page});
    add("GET", "/learning", {Role::viewer, Kind::page, learning_page});
    add("GET", "/review", {Role::viewer, Kind::page, review_page});

    add("GET", "/complaints", {Role::viewer, Kind::page, complaints_page});
    add("GET", "/complaints/new", {Role::manager, Kind::page, register_page});
    add("POST", "/complaints/new", {Role::manager, Kind::action, post_register});
    add("GET", "/complaints/" + id, {Role::viewer, Kind::page, complaint_page});
    add("GET", "/complaints/" + id + "/contact", {Role::manager, Kind::page, complaint_contact_page});
    add("POST", "/complaints/" + id + "/root-cause", {Role::manager, Kind::action, post_root_cause});
    add("POST", "/complaints/" + id + "/actions", {Role::manager, Kind::action, post_action});
    add("POST", "/complaints/" + id + "/actions/" + id + "/check", {Role::manager, Kind::action, post_action_check});
    add("POST", "/complaints/" + id + "/reopen", {Role::manager, Kind::action, post_reopen});
    add("POST", "/complaints/" + id + "/refer", {Role::manager, Kind::action, post_refer});
    add("POST", "/complaints/" + id + "/acknowledge", {Role::manager, Kind::action, post_acknowledge});
    add("POST", "/complaints/" + id + "/assess", {Role::manager, Kind::action, post_assess});
    add("POST", "/complaints/" + id + "/note", {Role::manager, Kind::action, post_note});
    add("POST", "/complaints/" + id + "/decide", {Role::manager, Kind::action, post_decide});
    add("POST", "/complaints/" + id + "/response", {Role::manager, Kind::action, post_response});
    add("POST", "/complaints/" + id + "/close", {Role::manager, Kind::action, post_close});
    add("POST", "/complaints/" + id + "/erase", {Role::admin, Kind::action, post_erase});

    add("GET", "/callbacks", {Role::viewer, Kind::page, callbacks_page});
    add("GET", "/callbacks/" + id, {Role::viewer, Kind::page, callback_page});
    add("POST", "/callbacks/" + id + "/outcome", {Role::manager, Kind::action, post_callback_outcome});

    add("GET", "/devices", {Role::viewer, Kind::page, devices_page});
    add("POST", "/devices/enrol", {Role::admin, Kind::action, post_enrol});
    add("POST", "/devices/" + id + "/revoke", {Role::admin, Kind::action, post_revoke});
    add("POST", "/devices/" + id + "/screenshot", {Role::manager, Kind::action, post_screenshot_request});
    add("GET", "/devices/" + id + "/screenshot\\.png", {Role::viewer, Kind::download, device_screenshot});

    add("GET", "/config", {Role::admin, Kind::page, config_page});
    add("POST", "/config", {Role::admin, Kind::action, post_config});

    add("GET", "/users", {Role::admin, Kind::page, users_page});
    add("POST", "/users", {Role::admin, Kind::action, post_user_add});
    add("POST", "/users/([A-Za-z0-9_.-]{1,40})", {Role::admin, Kind::action, post_user_change});
    add("GET", "/audit", {Role::admin, Kind::page, audit_page});
    add("GET", "/account", {Role::viewer, Kind::page, account_page});
    add("POST", "/account/password", {Role::viewer, Kind::action, post_password});
    add("POST", "/account/alerts", {Role::viewer, Kind::action, post_alerts});

    add("GET", "/export/([a-z]+)\\.csv", {Role::viewer, Kind::download, export_csv});
    add("GET", "/export/dump\\.json", {Role::manager, Kind::download, export_dump});
    return {};
}

} // namespace feedback::hq::web
