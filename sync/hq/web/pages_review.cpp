// The management review page (ISO 9001 9.3, the Gouden Oor audit): for a
// period and the chain or one store, the complaint figures, times in working
// hours, rates, remedies, promises, satisfaction with the handling, repeat
// complaints, corrective actions, NPS with its trend and drivers, and a
// search over shoppers' comments. The stylesheet's print rules make the same
// page the paper a quality manager takes to the review meeting. Figures come
// from hq/dashboard/review.h.
#include "pages.h"

#include "domain/vocabulary.h"
#include "forms.h"
#include "hq/dashboard/review.h"
#include "svg.h"

#include <functional>

namespace feedback::hq::web {

namespace {

constexpr int64_t comment_hits = 50;

std::string hours(const Text& t, const std::optional<double>& value)
{
    return value ? t.format("review.hours", {{"hours", format_decimal(*value, 1, t.locale())}}) : "\xE2\x80\x93";
}

std::string row(const std::string& label, const std::string& value, const std::string& id)
{
    return "<tr><th scope=\"row\">" + escape(label) + "</th><td id=\"" + id + "\">" + escape(value) + "</td></tr>";
}

std::string count_table(const std::string& caption, const std::string& column, const std::string& id,
                        const std::vector<dashboard::CountRow>& rows, const std::function<std::string(const std::string&)>& label)
{
    std::string html = "<table class=\"list\" id=\"" + id + "\"><caption>" + escape(caption) + "</caption><thead><tr><th>" +
                       escape(column) + "</th><th>#</th></tr></thead><tbody>";
    for (const auto& r : rows)
        html += "<tr><td>" + escape(label(r.key)) + "</td><td>" + std::to_string(r.count) + "</td></tr>";
    return html + "</tbody></table>";
}

} // namespace

void review_page(Page& page)
{
    const Text& t = page.t;
    Filters filters = page.filters();
    if (auto fresh = page.refresh_figures(); !fresh)
        return page.send_failure(fresh.error());
    auto figures = dashboard::review(page.store.connection(), filters.filter, page.now_ms);
    if (!figures)
        return page.send_failure(figures.error());
    auto config = page.config_document(filters.store);
    const auto& complaints = figures->overview.complaints;
    std::string words = trimmed(page.param("q"));

    std::string extra = "<label for=\"q\">" + escape(t("review.search")) + "</label><input id=\"q\" name=\"q\" "
                        "maxlength=\"200\" value=\"" + escape(words) + "\">";
    std::string scope = filters.store.empty() ? t("review.chain") : t.format("review.store", {{"store", filters.store}});
    std::string body = filter_form(page, filters, "/review", extra);
    body += "<p class=\"intro\" id=\"review-scope\">" +
            escape(t.format("review.scope", {{"scope", scope}, {"from", filters.from_text}, {"to", filters.to_text}})) +
            "</p>";

    // Complaints.
    body += "<section class=\"card\"><h2>" + escape(t("review.complaints")) + "</h2><table class=\"list facts\"><tbody>";
    body += row(t("review.opened"), std::to_string(complaints.opened), "review-opened");
    body += row(t("review.first_answer_median"), hours(t, figures->first_answer.median_hours), "review-answer-median");
    body += row(t("review.first_answer_p90"), hours(t, figures->first_answer.p90_hours), "review-answer-p90");
    body += row(t("review.resolution_median"), hours(t, figures->resolution.median_hours), "review-resolution-median");
    body += row(t("review.resolution_p90"), hours(t, figures->resolution.p90_hours), "review-resolution-p90");
    body += row(t("review.on_the_spot"), format_share(complaints.solved_on_the_spot_share, t.locale()),
                "review-on-the-spot");
    body += row(t("review.escalation_rate"), format_share(figures->escalation_rate, t.locale()), "review-escalation");
    body += row(t("review.reopen_rate"), format_share(figures->reopen_rate, t.locale()), "review-reopen");
    body += row(t("review.satisfied"), format_share(complaints.satisfied_share, t.locale()), "review-satisfied");
    body += row(t("review.handling_score"),
                complaints.mean_handling_score ? format_decimal(*complaints.mean_handling_score, 1, t.locale()) + "/5"
                                               : "\xE2\x80\x93",
                "review-handling");
    body += row(t("review.repeats"), std::to_string(figures->repeats), "review-repeats");
    body += row(t("review.actions"),
                t.format("review.actions_detail", {{"planned", std::to_string(figures->actions_planned)},
                                                   {"checked", std::to_string(figures->actions_checked)},
                                                   {"effective", std::to_string(figures->actions_effective)}}),
                "review-actions");
    body += "</tbody></table>";
    body += count_table(t("review.by_channel"), t("complaints.channel"), "review-channels", figures->by_channel,
                        [&](const std::string& wire) {
                            auto key = channel_key(wire);
                            return key.empty() ? wire : t(key);
                        });
    body += count_table(t("review.by_category"), t("complaints.category"), "review-categories", figures->by_category,
                        [&](const std::string& id) { return page.label_of(config, "complaint_categories", id); });
    body += "<table class=\"list\" id=\"review-remedies\"><caption>" + escape(t("review.remedies")) +
            "</caption><thead><tr><th>" + escape(t("complaint.resolution")) + "</th><th>#</th><th>" +
            escape(t("complaint.amount")) + "</th></tr></thead><tbody>";
    for (const auto& remedy : figures->remedies) {
        auto key = resolution_key(remedy.resolution);
        body += "<tr><td>" + escape(key.empty() ? remedy.resolution : t(key)) + "</td><td>" +
                std::to_string(remedy.count) + "</td><td>" + escape(format_euros(remedy.amount_cents, t.locale())) +
                "</td></tr>";
    }
    body += "</tbody></table></section>";

    // Promises.
    body += "<section class=\"card\"><h2>" + escape(t("review.promises")) + "</h2><table class=\"list\" "
            "id=\"review-promises\"><thead><tr><th>" + escape(t("promises.promise")) + "</th><th>" +
            escape(t("filter.store")) + "</th><th>" + escape(t("promises.actual")) + "</th><th>" +
            escape(t("promises.target")) + "</th><th>" + escape(t("review.kept")) + "</th></tr></thead><tbody>";
    for (const auto& promise : figures->promises) {
        std::string kept = !promise.actual || !promise.target
                               ? "\xE2\x80\x93"
                               : t(*promise.actual >= *promise.target ? "common.yes" : "common.no");
        body += "<tr><td>" + escape(promise_text(page, config, promise.promise_id)) + "</td><td>" +
                escape(promise.store_code.empty() ? t("review.chain") : promise.store_code) + "</td><td>" +
                escape(format_share(promise.actual, t.locale())) + " (" + std::to_string(promise.met) + "/" +
                std::to_string(promise.counted) + ")</td><td>" + escape(format_share(promise.target, t.locale())) +
                "</td><td>" + escape(kept) + "</td></tr>";
    }
    body += "</tbody></table></section>";

    // NPS, its trend and its drivers.
    const auto& nps = figures->overview.chain.counts;
    body += "<section class=\"card\"><h2>" + escape(t("review.nps")) + "</h2><p id=\"review-nps\">NPS " +
            escape(format_nps(nps.total() > 0 ? std::optional<double>(nps.score()) : std::nullopt)) + " \xC2\xB7 " +
            escape(t.format("overview.nps_detail", {{"promoters", std::to_string(nps.promoters)},
                                                    {"passives", std::to_string(nps.passives)},
                                                    {"detractors", std::to_string(nps.detractors)},
                                                    {"count", std::to_string(nps.total())}})) +
            "</p>";
    std::vector<TrendPoint> points;
    for (const auto& week : figures->overview.weeks)
        points.push_back(TrendPoint{week.label, week.nps.counts.score(), week.nps.counts.total()});
    body += nps_trend_svg(points, t("overview.trend"), t("overview.ratings_per_week"));
    body += "<table class=\"list\" id=\"review-drivers\"><caption>" + escape(t("review.drivers")) +
            "</caption><thead><tr><th>" + escape(t("review.band")) + "</th><th>" + escape(t("review.reason")) +
            "</th><th>#</th></tr></thead><tbody>";
    for (const auto& driver : figures->drivers)
        body += "<tr><td>" + escape(t("review.band." + driver.band)) + "</td><td>" +
                escape(page.label_of(config, "reasons", driver.reason_id)) + "</td><td>" +
                std::to_string(driver.count) + "</td></tr>";
    body += "</tbody></table></section>";

    // Comments.
    if (!words.empty()) {
        auto hits = dashboard::search_comments(page.store.connection(), filters.filter, words, comment_hits);
        if (!hits)
            return page.send_failure(hits.error());
        body += "<section class=\"card\"><h2>" +
                escape(t.format("review.comments_found", {{"count", std::to_string(hits->size())}, {"words", words}})) +
                "</h2><table class=\"list\" id=\"review-comments\"><thead><tr><th>" + escape(t("review.date")) +
                "</th><th>" + escape(t("filter.store")) + "</th><th>" + escape(t("review.score")) + "</th><th>" +
                escape(t("complaint.comment")) + "</th></tr></thead><tbody>";
        for (const auto& hit : *hits)
            body += "<tr><td>" + escape(page.date_text(hit.rated_at, hit.store_code)) + "</td><td>" + escape(hit.store_code) +
                    "</td><td>" + std::to_string(hit.score) + "</td><td>" + escape(hit.comment) + "</td></tr>";
        body += "</tbody></table></section>";
    }
    page.send_page(200, t("review.title"), "review", body);
}

} // namespace feedback::hq::web
