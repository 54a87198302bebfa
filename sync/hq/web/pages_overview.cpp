// The figures pages: the overview (NPS for the chain and per store with the
// weekly trend, complaints against their deadlines, solved on the spot,
// satisfaction with the handling), promises kept (ISO 10001) and learning
// (top categories and root causes, repeat complaints, the effect of actions).
// The figures come from hq/dashboard/analytics.h.
#include "pages.h"

#include "forms.h"
#include "svg.h"

#include "hq/mail/outbox.h"

#include "domain/clock.h"

namespace feedback::hq::web {

namespace {

std::string tile(const std::string& label, const std::string& value, const std::string& detail, const std::string& id)
{
    return "<div class=\"tile\"><div class=\"label\">" + escape(label) + "</div><div class=\"value\" id=\"" + id +
           "\">" + escape(value) + "</div><div class=\"detail\">" + escape(detail) + "</div></div>";
}

std::string nps_detail(const Text& t, const NpsSummary& counts)
{
    return t.format("overview.nps_detail", {{"promoters", std::to_string(counts.promoters)},
                                            {"passives", std::to_string(counts.passives)},
                                            {"detractors", std::to_string(counts.detractors)},
                                            {"count", std::to_string(counts.total())}});
}

} // namespace

// Name of the promise `id` in the page's language, from the configuration.
std::string promise_text(Page& page, const std::optional<nlohmann::json>& config, const std::string& id)
{
    if (config && config->contains("promises") && (*config)["promises"].is_array())
        for (const auto& promise : (*config)["promises"])
            if (promise.value("id", "") == id && promise.contains("text") && promise["text"].is_object() &&
                promise["text"].contains(page.t.locale()) && promise["text"][page.t.locale()].is_string())
                return promise["text"][page.t.locale()].get<std::string>();
    return id;
}

namespace {

// Messages to customers that wait for head office's SMTP settings, or that
// could not be sent: said where quality staff look first.
std::string mail_banner(Page& page)
{
    auto summary = mail::outbox_summary(page.store.connection());
    if (!summary)
        return {};
    const Text& t = page.t;
    auto count = [](int64_t counted) {
        return counted > mail::outbox_count_limit ? "> " + std::to_string(mail::outbox_count_limit)
                                                  : std::to_string(counted);
    };
    std::string banner;
    if (summary->queued > 0 && !page.app.settings.mail.configured())
        banner += "<p class=\"error\" role=\"status\" id=\"mail-waiting\">" +
                  escape(t.format("mail.waiting_no_smtp", {{"count", count(summary->queued)}})) + "</p>";
    if (summary->failed > 0)
        banner += "<p class=\"note\" id=\"mail-failed\">" +
                  escape(t.format("mail.failed_count", {{"count", count(summary->failed)}})) + "</p>";
    return banner;
}

// A chain's overview lists every store up to this many; past it, the half
// with the lowest NPS and the half with the highest (2,000 stores made a
// 1.4 MB page nobody reads); the export has every store.
constexpr size_t stores_listed = 50;

} // namespace

void overview_page(Page& page)
{
    const Text& t = page.t;
    Filters filters = page.filters();
    if (auto fresh = page.refresh_figures(); !fresh)
        return page.send_failure(fresh.error());
    auto figures = dashboard::overview(page.store.connection(), filters.filter, page.now_ms);
    if (!figures) {
        page.send_failure(figures.error());
        return;
    }
    const auto& chain = figures->chain.counts;
    const auto& complaints = figures->complaints;
    std::string body = page.flash() + mail_banner(page) + filter_form(page, filters, "/overview", "");

    body += "<section class=\"tiles\" aria-label=\"" + escape(t("overview.key_figures")) + "\">";
    body += tile(filters.store.empty() ? t("overview.nps_chain") : t.format("overview.nps_store", {{"store", filters.store}}),
                 format_nps(chain.score()), nps_detail(t, chain), "nps-chain");
    body += tile(t("overview.open_complaints"), std::to_string(complaints.open_now),
                 t.format("overview.opened_in_period", {{"count", std::to_string(complaints.opened)}}), "open-now");
    body += tile(t("overview.overdue"), std::to_string(complaints.overdue_now), t("overview.overdue_detail"),
                 "overdue-now");
    body += tile(t("overview.on_the_spot"), format_share(complaints.solved_on_the_spot_share, t.locale()),
                 t.format("overview.on_the_spot_detail", {{"solved", std::to_string(complaints.solved_on_the_spot)},
                                                          {"closed", std::to_string(complaints.closed_resolved)}}),
                 "on-the-spot");
    body += tile(t("overview.handling"),
                 complaints.mean_handling_score ? format_decimal(*complaints.mean_handling_score, 1, t.locale()) + " / 5"
                                                : "\xE2\x80\x93",
                 t.format("overview.handling_detail", {{"count", std::to_string(complaints.handling_scores)},
                                                       {"satisfied", format_share(complaints.satisfied_share, t.locale())}}),
                 "handling");
    body += "</section>";

    std::vector<TrendPoint> points;
    for (const auto& week : figures->weeks)
        points.push_back(TrendPoint{week.label, week.nps.counts.score(), week.nps.counts.total()});
    QueryParams params = filter_params(filters);
    body += "<section class=\"card\"><h2>" + escape(t("overview.trend")) + "</h2>" +
            nps_trend_svg(points, t("overview.trend"), t("overview.ratings_per_week")) +
            "<details><summary>" + escape(t("overview.trend_table")) + "</summary><table class=\"list\"><thead><tr><th>" +
            escape(t("overview.week")) + "</th><th>NPS</th><th>" + escape(t("overview.ratings")) +
            "</th></tr></thead><tbody>";
    for (const auto& week : figures->weeks)
        body += "<tr><td>" + escape(week.label) + "</td><td>" + format_nps(week.nps.counts.score()) + "</td><td>" +
                std::to_string(week.nps.counts.total()) + "</td></tr>";
    body += "</tbody></table></details><p><a class=\"export\" href=\"/export/weeks.csv" +
            escape(query_string(params)) + "\">" + escape(t("export.csv")) + "</a></p></section>";

    body += "<section class=\"card\"><h2>" + escape(t("overview.per_store")) + "</h2>";
    if (figures->stores.empty()) {
        body += "<p class=\"empty\">" + escape(t("overview.no_ratings")) + "</p>";
    } else {
        const auto listed = dashboard::lowest_and_highest(figures->stores, stores_listed);
        if (listed.size() < figures->stores.size())
            body += "<p id=\"stores-listed\">" +
                    escape(t.format("overview.stores_listed", {{"total", std::to_string(figures->stores.size())},
                                                               {"half", std::to_string(stores_listed / 2)}})) +
                    "</p>";
        body += "<table class=\"list\" id=\"stores\"><thead><tr><th>" + escape(t("filter.store")) +
                "</th><th>NPS</th><th>" + escape(t("overview.promoters")) + "</th><th>" +
                escape(t("overview.passives")) + "</th><th>" + escape(t("overview.detractors")) + "</th><th>" +
                escape(t("overview.ratings")) + "</th><th class=\"chart-cell\">" + escape(t("overview.split")) +
                "</th></tr></thead><tbody>";
        for (const dashboard::StoreNps* store : listed) {
            const auto& row = *store;
            const auto& counts = row.nps.counts;
            QueryParams store_params = params;
            store_params[0].second = row.store_code;
            body += "<tr><td><a href=\"/overview" + escape(query_string(store_params)) + "\">" +
                    escape(row.store_code) + "</a>" +
                    (row.store_name.empty() ? std::string() : " " + escape(row.store_name)) + "</td><td>" +
                    format_nps(counts.score()) + "</td><td>" + std::to_string(counts.promoters) + "</td><td>" +
                    std::to_string(counts.passives) + "</td><td>" + std::to_string(counts.detractors) + "</td><td>" +
                    std::to_string(counts.total()) + "</td><td class=\"chart-cell\">" +
                    nps_split_svg(counts.promoters, counts.passives, counts.detractors, nps_detail(t, counts)) +
                    "</td></tr>";
        }
        body += "</tbody></table>";
    }
    body += "<p><a class=\"export\" href=\"/export/stores.csv" + escape(query_string(params)) + "\">" +
            escape(t("export.csv")) + "</a></p></section>";
    page.send_page(200, t("overview.title"), "overview", body);
}

void promises_page(Page& page)
{
    const Text& t = page.t;
    Filters filters = page.filters();
    if (auto fresh = page.refresh_figures(); !fresh)
        return page.send_failure(fresh.error());
    auto measures = dashboard::promise_measures(page.store.connection(), filters.filter, page.now_ms);
    if (!measures) {
        page.send_failure(measures.error());
        return;
    }
    auto config = page.config_document(filters.store);
    std::string body = "<p class=\"intro\">" + escape(t("promises.intro")) + "</p>" +
                       filter_form(page, filters, "/promises", "");
    if (measures->empty()) {
        body += "<p class=\"empty\">" + escape(t("promises.none")) + "</p>";
    } else {
        body += "<table class=\"list\" id=\"promises\"><thead><tr><th>" + escape(t("promises.promise")) + "</th><th>" +
                escape(t("filter.store")) + "</th><th>" + escape(t("promises.measure")) + "</th><th>" +
                escape(t("promises.actual")) + "</th><th>" + escape(t("promises.target")) + "</th><th>" +
                escape(t("promises.counted")) + "</th></tr></thead><tbody>";
        for (const auto& m : *measures) {
            bool below = m.actual && m.target && *m.actual < *m.target;
            body += "<tr" + std::string(below ? " class=\"below\"" : "") + "><td>" +
                    escape(promise_text(page, config, m.promise_id)) + "</td><td>" +
                    escape(m.store_code.empty() ? t("promises.chain") : m.store_code) + "</td><td>" +
                    escape(t("measure." + m.measure)) + "</td><td>" + escape(format_share(m.actual, t.locale())) +
                    (below ? " <span class=\"tag late\">" + escape(t("promises.below")) + "</span>" : std::string()) +
                    "</td><td>" + escape(format_share(m.target, t.locale())) + "</td><td>" +
                    escape(t.format("promises.met_of", {{"met", std::to_string(m.met)},
                                                        {"counted", std::to_string(m.counted)}})) +
                    "</td></tr>";
        }
        body += "</tbody></table>";
    }
    body += "<p><a class=\"export\" href=\"/export/promises.csv" + escape(query_string(filter_params(filters))) + "\">" +
            escape(t("export.csv")) + "</a></p>";
    page.send_page(200, t("promises.title"), "promises", body);
}

int64_t repeat_window_days(Page& page, Filters& filters)
{
    std::string text = page.param("window");
    if (text.empty())
        return 90;
    auto days = parse_positive(text);
    if (!days || *days > 730) {
        filters.errors.push_back(page.t("learning.bad_window"));
        return 90;
    }
    return *days;
}

// The repeat complaints the learning page lists, newest first.
constexpr int64_t repeats_listed = 100;

void learning_page(Page& page)
{
    const Text& t = page.t;
    Filters filters = page.filters();
    if (auto fresh = page.refresh_figures(); !fresh)
        return page.send_failure(fresh.error());
    int64_t window = repeat_window_days(page, filters);
    auto found = dashboard::learning(page.store.connection(), filters.filter, window * ms_per_day, repeats_listed);
    if (!found) {
        page.send_failure(found.error());
        return;
    }
    auto config = page.config_document(filters.store);
    std::string extra = "<label for=\"window\">" + escape(t("learning.window")) +
                        "</label><input type=\"number\" id=\"window\" name=\"window\" min=\"1\" max=\"730\" value=\"" +
                        std::to_string(window) + "\">";
    std::string body = filter_form(page, filters, "/learning", extra);
    auto bars = [&](const std::vector<dashboard::CountRow>& rows, std::string_view list, const std::string& title,
                    const std::string& id) {
        std::string html = "<section class=\"card\" id=\"" + id + "\"><h2>" + escape(title) + "</h2>";
        if (rows.empty())
            return html + "<p class=\"empty\">" + escape(t("learning.nothing")) + "</p></section>";
        std::vector<BarItem> items;
        for (const auto& row : rows)
            items.push_back(BarItem{page.label_of(config, list, row.key), row.count});
        return html + bar_chart_svg(items, title) + "</section>";
    };
    body += bars(found->top_categories, "complaint_categories", t("learning.top_categories"), "top-categories");
    body += bars(found->top_root_causes, "root_causes", t("learning.top_root_causes"), "top-root-causes");

    body += "<section class=\"card\" id=\"repeats\"><h2>" + escape(t("learning.repeats")) + "</h2><p>" +
            escape(t.format("learning.repeats_intro", {{"days", std::to_string(window)}})) + "</p>";
    const dashboard::RepeatList& repeats = found->repeats;
    if (repeats.rows.empty()) {
        body += "<p class=\"empty\">" + escape(t("learning.nothing")) + "</p>";
    } else {
        // A chain's year can hold a quarter of a million: the page lists the
        // newest, the export (below) has every one.
        if (static_cast<int64_t>(repeats.rows.size()) < repeats.total)
            body += "<p id=\"repeats-listed\">" +
                    escape(t.format("learning.repeats_listed", {{"total", std::to_string(repeats.total)},
                                                                {"listed", std::to_string(repeats.rows.size())}})) +
                    "</p>";
        body += "<table class=\"list\"><thead><tr><th>" + escape(t("learning.complaint")) + "</th><th>" +
                escape(t("learning.earlier")) + "</th><th>" + escape(t("learning.why")) + "</th></tr></thead><tbody>";
        for (const auto& repeat : repeats.rows) {
            body += "<tr><td><a href=\"/complaints/" + escape(repeat.complaint_id) + "\">" +
                    escape(repeat.complaint_id.substr(0, 8)) + "</a></td><td><a href=\"/complaints/" +
                    escape(repeat.earlier_complaint_id) + "\">" + escape(repeat.earlier_complaint_id.substr(0, 8)) +
                    "</a></td><td>" + escape(t("repeat." + repeat.reason)) + "</td></tr>";
        }
        body += "</tbody></table>";
    }
    body += "</section><section class=\"card\" id=\"effects\"><h2>" + escape(t("learning.effects")) + "</h2><p>" +
            escape(t("learning.effects_intro")) + "</p>";
    if (found->action_effects.empty()) {
        body += "<p class=\"empty\">" + escape(t("learning.nothing")) + "</p>";
    } else {
        body += "<table class=\"list\"><thead><tr><th>" + escape(t("learning.complaint")) + "</th><th>" +
                escape(t("complaints.category")) + "</th><th>" + escape(t("learning.planned")) + "</th><th>" +
                escape(t("learning.before")) + "</th><th>" + escape(t("learning.after")) + "</th></tr></thead><tbody>";
        for (const auto& effect : found->action_effects)
            body += "<tr" + std::string(effect.after < effect.before ? " class=\"better\"" : "") +
                    "><td><a href=\"/complaints/" + escape(effect.complaint_id) + "\">" +
                    escape(effect.complaint_id.substr(0, 8)) + "</a></td><td>" +
                    escape(page.label_of(config, "complaint_categories", effect.category)) + "</td><td>" +
                    escape(page.date_text(effect.planned_at)) + "</td><td>" + std::to_string(effect.before) +
                    "</td><td>" + std::to_string(effect.after) + "</td></tr>";
        body += "</tbody></table>";
    }
    QueryParams params = filter_params(filters);
    params.emplace_back("window", std::to_string(window));
    body += "</section><p><a class=\"export\" href=\"/export/learning.csv" + escape(query_string(params)) + "\">" +
            escape(t("export.csv")) + "</a></p>";
    page.send_page(200, t("learning.title"), "learning", body);
}

} // namespace feedback::hq::web
