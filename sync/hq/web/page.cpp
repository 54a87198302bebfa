// The per-request context of the dashboard: reading parameters, the page
// layout (navigation, language switch, logout), answers and shared pieces.
#include "page.h"

#include "config/store_calendar.h"
#include "domain/clock.h"
#include "domain/refcode.h"
#include "hq/dashboard/calendar.h"
#include "hq/http_answers.h"

#include <algorithm>
#include <set>

namespace feedback::hq::web {

// [SECTION] Page: reading the request

Page::Page(App& app_, const httplib::Request& req_, httplib::Response& res_, HqStore& store_, std::string locale,
           int64_t now)
    : app(app_), req(req_), res(res_), store(store_), t(app_.text, std::move(locale)), now_ms(now)
{
}

std::string Page::param(const std::string& name) const
{
    if (req.has_param(name))
        return req.get_param_value(name);
    if (req.has_file(name))
        return req.get_file_value(name).content;
    return {};
}

bool Page::has_param(const std::string& name) const { return req.has_param(name) || req.has_file(name); }

std::string Page::capture(size_t index) const
{
    return index < req.matches.size() ? req.matches[index].str() : std::string();
}

std::string Page::path_and_query() const
{
    QueryParams params;
    for (const auto& [name, value] : req.params)
        if (req.method == "GET")
            params.emplace_back(name, value);
    return req.path + query_string(params);
}

const std::string& Page::user_name() const
{
    assert(session && "Page::user_name() without a session");
    return session->user.name;
}

Result<void> Page::audit(std::string_view action, std::string_view subject)
{
    std::string who = session ? session->user.name : std::string();
    return write([&] { return users().audit(who, action, subject, address(), now_ms); });
}

Result<void> Page::refresh_figures()
{
    // The worker projects; the page only waits for it, a few seconds at most,
    // and then shows what there is.
    auto current = app.projector.wait_until_current(store, figures_wait);
    FEEDBACK_TRY(current);
    return {};
}

TimeZone Page::dashboard_zone(const std::string& store_code) const
{
    auto document = store.config_for(store_code.empty() ? std::string_view("default") : store_code);
    if (document && *document) {
        const nlohmann::json& json = (*document)->document;
        if (auto calendar = json.find("calendar"); calendar != json.end() && calendar->is_object())
            if (auto name = calendar->find("time_zone"); name != calendar->end() && name->is_string())
                if (auto zone = TimeZone::load(name->get<std::string>()))
                    return std::move(*zone);
    }
    auto calendar = config::default_store_calendar();
    return calendar ? calendar->zone : TimeZone();
}

const TimeZone& Page::zone_of(const std::string& store_code) const
{
    auto known = m_zones.find(store_code);
    if (known == m_zones.end())
        known = m_zones.emplace(store_code, dashboard_zone(store_code)).first;
    return known->second;
}

std::string Page::time_text(int64_t utc_ms, const std::string& store_code) const
{
    return format_time(zone_of(store_code).wall_clock_ms(utc_ms));
}

std::string Page::date_text(int64_t utc_ms, const std::string& store_code) const
{
    return format_date(zone_of(store_code).wall_clock_ms(utc_ms));
}

int64_t Page::moment_of(int64_t wall_ms, const std::string& store_code) const
{
    return zone_of(store_code).to_utc(civil_of(wall_ms));
}

Filters Page::filters() const
{
    Filters out;
    out.store = param("store");
    if (!out.store.empty() && !is_refcode_segment(out.store, refcode_store_length, refcode_store_length)) {
        out.errors.push_back(t("filter.bad_store"));
        out.store.clear();
    }
    // A store manager looks at one of their stores at a time: every figure,
    // list and export then holds that store's data only.
    if (const auto& stores = scope(); !stores.empty() &&
                                      std::find(stores.begin(), stores.end(), out.store) == stores.end()) {
        if (!out.store.empty())
            out.errors.push_back(t("filter.store_not_yours"));
        out.store = stores.front();
    }
    // The dates are the stores' own days (analytics.h); "today" is the one
    // on the store's wall clock, or the chain's.
    int64_t today = dashboard::day_start_of(zone_of(out.store).wall_clock_ms(now_ms));
    int64_t from = today - 83 * ms_per_day; // twelve whole weeks, today included
    int64_t to = today;
    out.from_text = param("from");
    out.to_text = param("to");
    if (!out.from_text.empty()) {
        if (auto parsed = parse_date(out.from_text))
            from = *parsed;
        else
            out.errors.push_back(t.format("filter.bad_date", {{"value", out.from_text}}));
    }
    if (!out.to_text.empty()) {
        if (auto parsed = parse_date(out.to_text))
            to = *parsed;
        else
            out.errors.push_back(t.format("filter.bad_date", {{"value", out.to_text}}));
    }
    if (to < from) {
        out.errors.push_back(t("filter.to_before_from"));
        std::swap(from, to);
    }
    if (to - from > 3 * 366 * ms_per_day) {
        out.errors.push_back(t("filter.too_long"));
        from = to - 3 * 366 * ms_per_day;
    }
    out.from_text = format_date(from);
    out.to_text = format_date(to);
    out.filter.store_code = out.store;
    out.filter.period = dashboard::Period{from, to + ms_per_day};
    return out;
}

// [SECTION] Page: answering

void set_page_security_headers(httplib::Response& res)
{
    replace_header(res, "Content-Security-Policy",
                   "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                   "frame-ancestors 'none'; base-uri 'none'");
    replace_header(res, "X-Content-Type-Options", "nosniff");
    replace_header(res, "Referrer-Policy", "no-referrer");
    replace_header(res, "X-Frame-Options", "DENY");
    replace_header(res, "Cache-Control", "no-store");
}

namespace {

struct NavItem {
    const char* id;
    const char* path;
    Role need;
};

constexpr NavItem nav_items[] = {
    {"overview", "/overview", Role::viewer},   {"complaints", "/complaints", Role::viewer},
    {"callbacks", "/callbacks", Role::viewer}, {"promises", "/promises", Role::viewer},
    {"learning", "/learning", Role::viewer},   {"review", "/review", Role::viewer},
    {"devices", "/devices", Role::viewer},
    {"config", "/config", Role::admin},        {"users", "/users", Role::admin},
    {"audit", "/audit", Role::admin},
};

// The HTML document around every page: the head, a skip link, the header
// holding `header`, <main> with the title as its heading, and the footer.
std::string html_document(const Text& t, const std::string& title, const std::string& brand,
                          const std::string& header, const std::string& body, const std::string& footer)
{
    return "<!DOCTYPE html>\n<html lang=\"" + t.locale() +
           "\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
           escape(title) + " \xC2\xB7 " + escape(brand) +
           "</title>\n<link rel=\"stylesheet\" href=\"/static/dashboard.css\">\n</head>\n<body>\n"
           "<a class=\"skip\" href=\"#main\">" +
           escape(t("layout.skip")) + "</a>\n<header class=\"top\">\n" + header + "</header>\n<main id=\"main\">\n<h1>" +
           escape(title) + "</h1>\n" + body + "\n</main>\n<footer>" + escape(footer) + "</footer>\n</body>\n</html>\n";
}

// The language switch: the page's language in bold, the others as links to `href_of(locale)`.
template <class HrefOf>
std::string language_switch(const Text& t, HrefOf href_of)
{
    std::string html = "<span class=\"lang\">";
    for (const std::string& locale : dashboard_locales) {
        std::string label = t("layout.language_" + locale);
        if (locale == t.locale())
            html += "<strong lang=\"" + locale + "\">" + escape(label) + "</strong> ";
        else
            html += "<a lang=\"" + locale + "\" href=\"" + escape(href_of(locale)) + "\">" + escape(label) + "</a> ";
    }
    return html + "</span>";
}

} // namespace

void Page::send_page(int status, const std::string& title, std::string_view nav, const std::string& body)
{
    std::string back = url_encode(path_and_query());
    std::string header = "<a class=\"brand\" href=\"/overview\">" + escape(t("layout.brand")) + "</a>\n";
    if (session) {
        header += "<nav class=\"main\" aria-label=\"" + escape(t("layout.navigation")) + "\">";
        for (const NavItem& item : nav_items) {
            if (!can(item.need))
                continue;
            bool active = nav == item.id;
            header += std::string("<a href=\"") + item.path + "\"" +
                      (active ? " class=\"active\" aria-current=\"page\"" : "") + ">" +
                      escape(t(std::string("nav.") + item.id)) + "</a>";
        }
        header += "</nav>\n";
    }
    header += "<div class=\"who\">";
    if (session)
        header += "<a class=\"user\" href=\"/account\">" + escape(session->user.name) + " (" +
                  escape(t("role." + std::string(to_string(session->user.role)))) + ")</a> ";
    header += language_switch(t, [&](const std::string& locale) { return "/lang/" + locale + "?back=" + back; });
    if (session)
        header += "<form class=\"inline\" method=\"post\" enctype=\"multipart/form-data\" action=\"/logout\">" +
                  csrf_field() + "<button type=\"submit\" class=\"link\" id=\"logout\">" +
                  escape(t("layout.logout")) + "</button></form>";
    header += "</div>\n";
    set_page_security_headers(res);
    res.status = status;
    res.set_content(html_document(t, title, t("layout.brand"), header, body,
                                  t.format("layout.footer", {{"time", time_text(now_ms)}, {"zone", zone_name()}})),
                    "text/html; charset=utf-8");
}

void Page::send_public_page(int status, const std::string& title, const std::string& body,
                            const LanguageLinks& language_links)
{
    std::string header = "<span class=\"brand\">" + escape(t("public.brand")) + "</span>\n<div class=\"who\">" +
                         language_switch(t, [&](const std::string& locale) {
                             for (const auto& [link_locale, href] : language_links)
                                 if (link_locale == locale)
                                     return href;
                             return std::string("?lang=") + locale;
                         }) +
                         "</div>\n";
    set_page_security_headers(res);
    res.status = status;
    res.set_content(html_document(t, title, t("public.brand"), header, body, t("public.footer")),
                    "text/html; charset=utf-8");
}

void Page::send_redirect(const std::string& location)
{
    set_page_security_headers(res);
    res.status = 303;
    res.set_header("Location", location);
    res.set_content("<!DOCTYPE html><a href=\"" + escape(location) + "\">" + escape(location) + "</a>",
                    "text/html; charset=utf-8");
}

void Page::send_message(int status, const std::string& title, const std::string& message)
{
    std::string body = "<p class=\"message\">" + escape(message) + "</p>";
    if (session)
        body += "<p><a href=\"/overview\">" + escape(t("layout.to_overview")) + "</a></p>";
    else
        body += "<p><a href=\"/login\">" + escape(t("login.title")) + "</a></p>";
    send_page(status, title, "", body);
}

void Page::send_failure(const Error& error)
{
    if (error.kind == ErrorKind::busy) {
        res.set_header("Retry-After", "1");
        send_message(503, t("error.title"), t("error.busy"));
        return;
    }
    if (error.kind == ErrorKind::not_found) {
        send_message(404, t("error.not_found_title"), t("error.not_found"));
        return;
    }
    // The kind, not the message: a storage message may quote stored data.
    send_message(500, t("error.title"), t.format("error.storage", {{"kind", to_string(error.kind)}}));
}

void Page::send_download(const std::string& content, const std::string& content_type, const std::string& file_name)
{
    set_page_security_headers(res);
    res.status = 200;
    res.set_header("Content-Disposition", "attachment; filename=\"" + file_name + "\"");
    res.set_content(content, content_type);
}

void Page::send_inline(const std::string& content, const std::string& content_type)
{
    set_page_security_headers(res); // no-store among them
    res.status = 200;
    res.set_content(content, content_type);
}

// [SECTION] Pieces of pages

std::string Page::csrf_field() const
{
    return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(csrf) + "\">";
}

std::string Page::flash() const
{
    std::string done = param("done");
    if (done.empty())
        return {};
    std::string key = "done." + done;
    if (!t.has(key))
        return {};
    return "<p class=\"flash\" role=\"status\">" + escape(t(key)) + "</p>";
}

std::vector<std::string> Page::known_stores()
{
    if (m_stores)
        return *m_stores;
    std::set<std::string> codes;
    if (auto devices = store.devices())
        for (const auto& device : *devices)
            codes.insert(device.store_code);
    // The stores the projector has seen in the events (dashboard_stores),
    // and those with a configuration of their own.
    for (const char* sql : {"SELECT store_code FROM dashboard_stores", "SELECT scope FROM configs WHERE scope <> 'default'"}) {
        auto stmt = store.connection().prepare(sql);
        if (!stmt)
            continue;
        for (auto row = stmt->step(); row && *row; row = stmt->step())
            codes.insert(stmt->column_text(0));
    }
    std::erase_if(codes, [&](const std::string& code) { return !may_see_store(code); });
    m_stores = std::vector<std::string>(codes.begin(), codes.end());
    return *m_stores;
}

const std::vector<std::string>& Page::scope() const
{
    static const std::vector<std::string> whole_chain;
    return session ? session->user.stores : whole_chain;
}

Result<std::string> Page::contact_facts(const nlohmann::json& contact, std::string_view subject)
{
    FEEDBACK_TRY(audit("contact.viewed", subject));
    auto opened = store.open_contact(contact);
    if (!opened && opened.error().kind == ErrorKind::not_found) // a key file hq.json no longer names
        return "<p class=\"error\">" +
               escape(t.format("contact.key_missing", {{"key", contact.value("key_id", std::string())}})) + "</p>";
    FEEDBACK_TRY(opened);
    std::string html = "<p class=\"note\">" + escape(t("contact.audit_note")) + "</p><dl class=\"facts\" id=\"contact\">";
    for (const char* field : {"name", "phone", "email"})
        if (opened->contains(field) && (*opened)[field].is_string())
            html += "<div><dt>" + escape(t(std::string("contact.") + field)) + "</dt><dd>" +
                    escape((*opened)[field].get<std::string>()) + "</dd></div>";
    return html + "</dl>";
}

std::string Page::store_select(const std::string& selected, bool with_all)
{
    std::string html = "<select name=\"store\" id=\"store\">";
    if (with_all && scope().empty())
        html += "<option value=\"\">" + escape(t("filter.all_stores")) + "</option>";
    for (const std::string& code : known_stores())
        html += "<option value=\"" + escape(code) + "\"" + (code == selected ? " selected" : "") + ">" + escape(code) +
                "</option>";
    return html + "</select>";
}

std::optional<nlohmann::json> Page::config_document(const std::string& store_code)
{
    auto found = store.config_for(store_code.empty() ? "default" : store_code);
    if (!found || !*found)
        return std::nullopt;
    return (*found)->document;
}

std::string Page::label_of(const std::optional<nlohmann::json>& config, std::string_view list, std::string_view id) const
{
    if (!config || id.empty())
        return std::string(id);
    auto search = [&](const nlohmann::json& choices) -> std::optional<std::string> {
        if (!choices.is_array())
            return std::nullopt;
        for (const auto& choice : choices)
            if (choice.is_object() && choice.value("id", "") == id) {
                const auto& label = choice.contains("label") ? choice["label"] : choice["text"];
                if (label.is_object() && label.contains(t.locale()) && label[t.locale()].is_string())
                    return label[t.locale()].get<std::string>();
            }
        return std::nullopt;
    };
    if (list == "reasons") {
        if (config->contains("reasons") && (*config)["reasons"].is_object())
            for (const auto& [band, choices] : (*config)["reasons"].items())
                if (auto label = search(choices))
                    return *label;
        return std::string(id);
    }
    if (config->contains(list))
        if (auto label = search((*config)[std::string(list)]))
            return *label;
    return std::string(id);
}

std::string filter_form(Page& page, const Filters& filters, const std::string& action, const std::string& extra)
{
    const Text& t = page.t;
    std::string html;
    for (const std::string& error : filters.errors)
        html += "<p class=\"error\" role=\"alert\">" + escape(error) + "</p>";
    html += "<form class=\"filters\" method=\"get\" action=\"" + escape(action) + "\">";
    html += "<label for=\"store\">" + escape(t("filter.store")) + "</label>" + page.store_select(filters.store, true);
    html += "<label for=\"from\">" + escape(t("filter.from")) + "</label><input type=\"date\" id=\"from\" name=\"from\" "
            "value=\"" + escape(filters.from_text) + "\">";
    html += "<label for=\"to\">" + escape(t("filter.to")) + "</label><input type=\"date\" id=\"to\" name=\"to\" value=\"" +
            escape(filters.to_text) + "\">";
    html += extra;
    html += "<button type=\"submit\">" + escape(t("filter.apply")) + "</button></form>";
    return html;
}

QueryParams filter_params(const Filters& filters)
{
    return {{"store", filters.store}, {"from", filters.from_text}, {"to", filters.to_text}};
}

std::string form_error(const FormFeedback* feedback, std::string_view form)
{
    if (!feedback || feedback->form != form || feedback->message.empty())
        return {};
    return "<p class=\"error\" role=\"alert\">" + escape(feedback->message) + "</p>";
}

} // namespace feedback::hq::web
