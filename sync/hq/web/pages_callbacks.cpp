// The call-back list (closing the loop with detractors who agreed to be
// contacted): the list, one rating with its contact details for managers and
// admins (each view audited), and the outcome of the call, recorded as
// nps.followed_up through HqStore::record_hq_event.
#include "pages.h"

#include "forms.h"


namespace feedback::hq::web {

namespace {

const std::vector<std::string> outcomes{"reached", "no_answer", "declined", "wrong_contact"};

// A chain's year held tens of thousands still to call (MBs of HTML): the
// list shows the first ones, the export all of them.
constexpr int64_t calls_listed = 200;

} // namespace

void callbacks_page(Page& page)
{
    const Text& t = page.t;
    Filters filters = page.filters();
    if (auto fresh = page.refresh_figures(); !fresh)
        return page.send_failure(fresh.error());
    bool all = page.param("all") == "1";
    std::string extra = "<label class=\"check\"><input type=\"checkbox\" name=\"all\" value=\"1\"" +
                        std::string(all ? " checked" : "") + "> " + escape(t("callbacks.include_done")) + "</label>";
    std::string body = "<p class=\"intro\">" + escape(t("callbacks.intro")) + "</p>" +
                       filter_form(page, filters, "/callbacks", extra);
    auto calls = dashboard::call_backs(page.store.connection(), filters.filter, !all, calls_listed);
    if (!calls) {
        page.send_failure(calls.error());
        return;
    }
    const std::vector<dashboard::CallBackRow>& rows = calls->rows;
    QueryParams params = filter_params(filters);
    params.emplace_back("all", all ? "1" : "");
    body += "<p class=\"summary\">" + escape(t.format("callbacks.count", {{"count", std::to_string(calls->total)}})) +
            " <a class=\"export\" href=\"/export/callbacks.csv" + escape(query_string(params)) + "\">" +
            escape(t("export.csv")) + "</a></p>";
    if (static_cast<int64_t>(rows.size()) < calls->total)
        body += "<p class=\"note\" id=\"callbacks-listed\">" +
                escape(t.format("callbacks.listed", {{"listed", std::to_string(rows.size())}})) + "</p>";
    if (rows.empty()) {
        body += "<p class=\"empty\">" + escape(t("callbacks.none")) + "</p>";
        page.send_page(200, t("callbacks.title"), "callbacks", body);
        return;
    }
    auto config = page.config_document(filters.store);
    body += "<table class=\"list\" id=\"callbacks\"><thead><tr><th>" + escape(t("callbacks.rated_at")) + "</th><th>" +
            escape(t("filter.store")) + "</th><th>" + escape(t("callbacks.score")) + "</th><th>" +
            escape(t("callbacks.reasons")) + "</th><th>" + escape(t("callbacks.comment")) + "</th><th>" +
            escape(t("callbacks.outcome")) + "</th></tr></thead><tbody>";
    for (const auto& row : rows) {
        std::string reasons;
        for (const auto& reason : row.reason_ids)
            reasons += (reasons.empty() ? "" : ", ") + page.label_of(config, "reasons", reason);
        body += "<tr><td><a href=\"/callbacks/" + escape(row.rating_id) + "\">" + escape(page.time_text(row.rated_at, row.store_code)) +
                "</a></td><td>" + escape(row.store_code) + "</td><td>" + std::to_string(row.score) + "</td><td>" +
                escape(reasons) + "</td><td>" + escape(row.comment) + "</td><td>" +
                escape(row.outcome.empty() ? t("callbacks.pending") : t("followup." + row.outcome)) +
                (row.followed_up_at ? " (" + escape(page.date_text(*row.followed_up_at, row.store_code)) + ")" : std::string()) +
                "</td></tr>";
    }
    body += "</tbody></table>";
    page.send_page(200, t("callbacks.title"), "callbacks", body);
}

namespace {

void render_callback(Page& page, const std::string& rating_id, int status, const FormFeedback* feedback)
{
    const Text& t = page.t;
    auto events = page.store.events_about(rating_id);
    if (!events) {
        page.send_failure(events.error());
        return;
    }
    const StoredEvent* rated = nullptr;
    for (const auto& stored : *events)
        if (stored.event.type == EventType::nps_rated && stored.event.id == rating_id)
            rated = &stored;
    // Another store's rating is, to a store manager, not there at all.
    if (!rated || !page.may_see_store(rated->store_code)) {
        page.send_message(404, t("error.not_found_title"), t("callbacks.unknown"));
        return;
    }
    auto config = page.config_document(rated->store_code);
    nlohmann::json contact;
    std::string comment;
    std::vector<std::string> reasons;
    for (const auto& stored : *events) {
        if (stored.event.type != EventType::nps_detailed)
            continue;
        const auto& p = stored.event.payload;
        if (p.contains("contact") && p["contact"].is_object())
            contact = p["contact"];
        if (p.contains("comment") && p["comment"].is_string())
            comment = p["comment"].get<std::string>();
        if (p.contains("reason_ids") && p["reason_ids"].is_array())
            for (const auto& reason : p["reason_ids"])
                if (reason.is_string())
                    reasons.push_back(page.label_of(config, "reasons", reason.get<std::string>()));
    }
    bool manager = page.can(Role::manager);
    std::string body = "<p class=\"back\"><a href=\"/callbacks\">" + escape(t("callbacks.back")) + "</a></p>" +
                       page.flash() + "<section class=\"card\"><dl class=\"facts\">";
    auto fact = [&](const std::string& label, const std::string& value) {
        if (!value.empty())
            body += "<div><dt>" + escape(label) + "</dt><dd>" + escape(value) + "</dd></div>";
    };
    fact(t("filter.store"), rated->store_code);
    fact(t("callbacks.rated_at"), page.time_text(rated->event.occurred_at_ms, rated->store_code));
    if (rated->event.payload.contains("score") && rated->event.payload["score"].is_number_integer())
        fact(t("callbacks.score"), std::to_string(rated->event.payload["score"].get<int>()));
    std::string reason_text;
    for (const auto& reason : reasons)
        reason_text += (reason_text.empty() ? "" : ", ") + reason;
    fact(t("callbacks.reasons"), reason_text);
    fact(t("callbacks.comment"), comment);
    body += "</dl></section><section class=\"card\"><h2>" + escape(t("contact.title")) + "</h2>";
    if (!contact.is_object()) {
        body += "<p>" + escape(t("contact.none")) + "</p>";
    } else if (!manager) {
        body += "<p>" + escape(t("contact.hidden")) + "</p>";
    } else {
        auto facts = page.contact_facts(contact, rating_id);
        if (!facts) {
            page.send_failure(facts.error());
            return;
        }
        body += *facts;
    }
    body += "</section><section class=\"card\"><h2>" + escape(t("callbacks.history")) + "</h2>";
    bool any = false;
    for (const auto& stored : *events) {
        if (stored.event.type != EventType::nps_followed_up)
            continue;
        if (!any)
            body += "<ul class=\"history\" id=\"followups\">";
        any = true;
        const auto& p = stored.event.payload;
        std::string outcome = p.value("outcome", "");
        body += "<li>" + escape(page.time_text(stored.event.occurred_at_ms, rated->store_code)) + " \xC2\xB7 " +
                escape(stored.event.actor.rfind("hq:", 0) == 0 ? stored.event.actor.substr(3) : stored.event.actor) +
                " \xC2\xB7 " + escape(t("followup." + outcome)) +
                (p.contains("note") && p["note"].is_string() ? " \xC2\xB7 " + escape(p["note"].get<std::string>())
                                                             : std::string()) +
                "</li>";
    }
    body += any ? "</ul>" : "<p>" + escape(t("callbacks.not_called")) + "</p>";
    body += "</section>";
    if (manager) {
        std::string chosen = feedback ? feedback->value("outcome") : "";
        body += "<section class=\"card form\" id=\"outcome-form\"><h2>" + escape(t("callbacks.record")) +
                "</h2><form method=\"post\" enctype=\"multipart/form-data\" action=\"/callbacks/" + escape(rating_id) + "/outcome\">" +
                page.csrf_field() + form_error(feedback, "outcome") + "<fieldset><legend>" +
                escape(t("callbacks.outcome")) + "</legend>";
        for (const auto& outcome : outcomes)
            body += "<label class=\"check\"><input type=\"radio\" name=\"outcome\" value=\"" + outcome + "\"" +
                    (chosen == outcome ? " checked" : "") + " required> " + escape(t("followup." + outcome)) +
                    "</label>";
        body += "</fieldset><label for=\"outcome_note\">" + escape(t("complaint.note")) +
                "</label><textarea id=\"outcome_note\" name=\"note\" rows=\"3\" maxlength=\"1000\">" +
                escape(feedback ? feedback->value("note") : "") + "</textarea><button type=\"submit\">" +
                escape(t("common.save")) + "</button></form></section>";
    }
    page.send_page(status, t("callbacks.one_title"), "callbacks", body);
}

} // namespace

void callback_page(Page& page) { render_callback(page, page.capture(1), 200, nullptr); }

void post_callback_outcome(Page& page)
{
    std::string rating_id = page.capture(1);
    FormReader form(page);
    FormFeedback feedback{"outcome", "", {}};
    std::string outcome = form.text("outcome", feedback);
    std::string note = form.text("note", feedback);
    auto mistake = [&](int status, const std::string& message) {
        feedback.message = message;
        render_callback(page, rating_id, status, &feedback);
    };
    if (std::find(outcomes.begin(), outcomes.end(), outcome) == outcomes.end())
        return mistake(400, page.t("form.outcome_required"));
    if (auto problem = form.length_problem(note, 0, 1000))
        return mistake(400, *problem);
    nlohmann::json payload{{"outcome", outcome}};
    if (!note.empty())
        payload["note"] = note;
    auto events = page.store.events_about(rating_id);
    if (!events)
        return page.send_failure(events.error());
    bool in_scope = std::any_of(events->begin(), events->end(), [&](const StoredEvent& stored) {
        return stored.event.id == rating_id && page.may_see_store(stored.store_code);
    });
    if (!in_scope) {
        page.send_message(404, page.t("error.not_found_title"), page.t("callbacks.unknown"));
        return;
    }
    auto recorded = page.write([&] {
        return page.store.record_hq_event(EventType::nps_followed_up, rating_id, page.actor(), std::move(payload),
                                          page.now_ms);
    });
    if (recorded) {
        page.send_redirect("/callbacks/" + rating_id + "?done=followed_up");
        return;
    }
    if (recorded.error().kind == ErrorKind::invalid_input)
        return mistake(400, page.t.format("form.rejected", {{"reason", recorded.error().message}}));
    if (recorded.error().kind == ErrorKind::not_found) {
        page.send_message(404, page.t("error.not_found_title"), page.t("callbacks.unknown"));
        return;
    }
    page.send_failure(recorded.error());
}

} // namespace feedback::hq::web
