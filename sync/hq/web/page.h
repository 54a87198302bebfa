// What every dashboard handler works with: the shared state of the mounted
// dashboard (App) and one request's context (Page): who is asking, in which
// language, a store connection, and the ways to answer (a page in the
// layout, a redirect, an error page, a download). Internal to sync/hq/web/.
#pragma once

#include "hq/client_address.h"
#include "hq/complaint_view.h"
#include "hq/hq_settings.h"
#include "hq/hq_store.h"
#include "hq/rate_limiter.h"
#include "hq/store_pool.h"
#include "hq/writer_turns.h"
#include "hq/web/html.h"
#include "hq/web/status_link_handoff.h"
#include "hq/web/text.h"
#include "hq/web/users.h"

#include "domain/time_zone.h"
#include "hq/dashboard/analytics.h"
#include "hq/dashboard/projector_worker.h"

#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace feedback::hq::web {

// The dashboard's state, shared by every request; lives as long as the routes.
struct App {
    App(std::filesystem::path dir_, const HqSettings& settings_, WriterTurns& writer_turns_, config::Translations text_,
        SessionLimits sessions_, LoginLimits logins_)
        : dir(std::move(dir_)), settings(settings_), writer_turns(writer_turns_), text(std::move(text_)),
          sessions(sessions_), logins(logins_), pool(dir),
          status_lookups("status", settings_.status_lookups_per_minute / 60.0, settings_.status_lookups_per_minute),
          projector(dir, writer_turns_)
    {
    }
    std::filesystem::path dir;
    const HqSettings& settings; // the server's (server.h ExtraRoutes), which outlive the routes
    WriterTurns& writer_turns;
    config::Translations text;
    SessionLimits sessions;
    LoginLimits logins;
    StorePool pool;
    // Checked against when the user name is unknown, so a wrong name takes
    // as long as a wrong password and does not give itself away.
    std::string dummy_password_hash;
    // The customer's status page (pages_status.cpp): lookups per client
    // address, and complaints read by reference with the shared fold.
    RateLimiter status_lookups;
    ComplaintViewer complaints;
    // Status links of complaints just registered, until their confirmation shows them.
    StatusLinkHandoff status_links;
    // Keeps the figures up to date in the background (Page::refresh_figures).
    dashboard::ProjectorWorker projector;
};

// A form's answer shown on the page again after a mistake: which form,
// what was wrong, and what had been typed (never a password).
struct FormFeedback {
    std::string form;    // "root_cause", "action", ...
    std::string message; // shown next to the form
    std::map<std::string, std::string> values;
    std::string value(const std::string& name) const
    {
        auto found = values.find(name);
        return found == values.end() ? std::string() : found->second;
    }
};

// The store and period every overview-like page filters on, read from the query.
struct Filters {
    std::string store;     // "" for the whole chain
    std::string from_text; // "2026-09-01" as typed (or the default)
    std::string to_text;   // the last day included
    dashboard::Filter filter;
    std::vector<std::string> errors; // shown above the page; the defaults were used instead
};

class Page {
public:
    Page(App& app, const httplib::Request& req, httplib::Response& res, HqStore& store, std::string locale,
         int64_t now_ms);

    App& app;
    const httplib::Request& req;
    httplib::Response& res;
    HqStore& store;
    Text t;
    int64_t now_ms;
    std::optional<Session> session;
    std::string csrf; // of the session; empty without one

    // [SECTION] Reading the request
    // A query or form field ("" when absent); multipart fields too.
    std::string param(const std::string& name) const;
    bool has_param(const std::string& name) const;
    // The first capture of the route's pattern (an id in the path).
    std::string capture(size_t index) const;
    std::string address() const { return client_address(req); }
    std::string path_and_query() const;
    Filters filters() const;
    // The zone the dashboard's dates are on for a store ("" = the chain): its
    // configuration's calendar, else the chain's, else the default calendar's.
    TimeZone dashboard_zone(const std::string& store_code) const;
    // A moment as the dashboard shows it, "2026-11-24 10:30" (time_text) or
    // "2026-11-24" (date_text): on the wall clock of the store it happened
    // in, or the chain's for "" (dashboard_zone).
    std::string time_text(int64_t utc_ms, const std::string& store_code = {}) const;
    std::string date_text(int64_t utc_ms, const std::string& store_code = {}) const;
    // The name of that wall clock's zone ("Europe/Amsterdam"), said beside a time.
    std::string zone_name(const std::string& store_code = {}) const { return zone_of(store_code).name(); }
    // The moment a date and time typed on the store's wall clock names
    // (`wall_ms`: ms of the typed date and time read as if it were UTC).
    int64_t moment_of(int64_t wall_ms, const std::string& store_code = {}) const;

    // [SECTION] Who is asking
    Role role() const { return session ? session->user.role : Role::viewer; }
    bool can(Role need) const { return session && at_least(session->user.role, need); }
    // Whether the user may see and handle a store's data (a store manager:
    // only their stores; everyone else: every store).
    bool may_see_store(std::string_view store_code) const { return session && session->user.may_see(store_code); }
    // The user's stores; empty for the whole chain.
    const std::vector<std::string>& scope() const;
    const std::string& user_name() const;
    std::string actor() const { return "hq:" + user_name(); }
    UserStore users() { return UserStore(store.connection(), app.sessions, app.logins); }
    // Runs `work` in a writer's turn (hq/writer_turns.h).
    template <class F>
    auto write(F&& work)
    {
        auto turn = app.writer_turns.take();
        return work();
    }
    Result<void> audit(std::string_view action, std::string_view subject);
    // Waits until the read model the figures come from (hq/dashboard/
    // projector.h) holds every event stored before this request: the
    // projector worker does the work, the page waits `figures_wait` at most.
    static constexpr std::chrono::milliseconds figures_wait{3000};
    Result<void> refresh_figures();

    // [SECTION] Answering
    // The page in the layout: title, the navigation with `nav` marked.
    void send_page(int status, const std::string& title, std::string_view nav, const std::string& body);
    // A page for the public (the customer's status page): the layout without
    // navigation, user, logout or the dashboard's links; the language switch
    // goes to `language_links` (locale -> href on this page).
    using LanguageLinks = std::vector<std::pair<std::string, std::string>>;
    void send_public_page(int status, const std::string& title, const std::string& body,
                          const LanguageLinks& language_links);
    void send_redirect(const std::string& location);
    void send_message(int status, const std::string& title, const std::string& message);
    // A storage failure as a page ("head office is busy", ...).
    void send_failure(const Error& error);
    void send_download(const std::string& content, const std::string& content_type, const std::string& file_name);
    // Shown in the browser (a picture), not saved.
    void send_inline(const std::string& content, const std::string& content_type);

    // [SECTION] Pieces of pages
    std::string csrf_field() const;
    std::string flash() const; // "done" message after a successful POST
    // <select> of the stores head office knows, "" = the chain.
    std::string store_select(const std::string& selected, bool with_all);
    std::vector<std::string> known_stores();
    // The configuration for a store (its own, else "default", else nothing).
    std::optional<nlohmann::json> config_document(const std::string& store_code);
    // Label of a configured choice (category, root cause, reason) in the
    // page's language, else the id itself.
    std::string label_of(const std::optional<nlohmann::json>& config, std::string_view list, std::string_view id) const;
    // A customer's contact details as facts (<dl id="contact">), for a user
    // allowed to see them: the viewing is audited ("contact.viewed" on
    // `subject`) first, then the sealed value is opened. No record, no data.
    Result<std::string> contact_facts(const nlohmann::json& contact, std::string_view subject);

private:
    const TimeZone& zone_of(const std::string& store_code) const;

    std::optional<std::vector<std::string>> m_stores;
    mutable std::map<std::string, TimeZone> m_zones; // dashboard_zone() per store, read once per request
};

// The headers of every page the dashboard and the status page answer with
// (and their redirects), each sent once:
//   Content-Security-Policy  nothing but this origin's stylesheet, pictures
//                            and forms: no script at all, no inline style
//                            (no 'unsafe-inline'), no framing (frame-ancestors 'none')
//   Referrer-Policy          no-referrer: a status link's key or a page's
//                            query goes to no other site
//   X-Content-Type-Options   nosniff;  X-Frame-Options DENY for old browsers
//   Cache-Control            no-store: personal data stays out of caches
// Strict-Transport-Security is on every answer of head office (server.cpp).
void set_page_security_headers(httplib::Response& res);

// The filter form at the top of overview-like pages (store, from, to) plus
// `extra` fields, submitting to `action` with GET.
std::string filter_form(Page& page, const Filters& filters, const std::string& action, const std::string& extra);
// The same filters as query parameters, for links (paging, exports).
QueryParams filter_params(const Filters& filters);

// An error box for a form, when `feedback` is about `form`.
std::string form_error(const FormFeedback* feedback, std::string_view form);

} // namespace feedback::hq::web
