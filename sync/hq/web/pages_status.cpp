// The customer's status page, GET /status (no login, no JavaScript): the
// customer types the reference code from their receipt, or follows the
// status link (/status?ref=REF&key=KEY) from the receipt's QR code or an
// e-mail, and reads how their complaint stands in plain words, its dates and
// the promised deadline; with the right key, also head office's decision.
// Only what the customer may see: never contact details, staff, notes or
// root causes.
//
//   ref given? --no--> the form
//     | yes
//     v
//   lookups from this address within hq.json's status_lookups_per_minute? --no--> 429, Retry-After
//     | yes
//     v
//   read_refcode() --mistake--> 400, the form saying what is wrong (a mistyped character, ...)
//     | a well-formed code
//     v
//   a complaint with it? --no--> 404, the same neutral words for any code (which stores exist stays unsaid)
//     | yes
//     v
//   200: phase, dates, deadline and whether it was kept
//        + the decision only when sha256(key) == complaint.opened's status_key_hash (constant time)
#include "pages.h"

#include "config/kiosk_config.h"
#include "crypto/status_key.h"
#include "domain/refcode.h"
#include "domain/time_zone.h"
#include "domain/vocabulary.h"

#include <array>
#include <chrono>

namespace feedback::hq::web {

namespace {

// Longer input is not a code anyway, and is not shown back.
constexpr size_t max_typed_reference = 64;

// [SECTION] What the customer reads

// The complaint's phase in the customer's words. Staff states that say
// nothing new to the customer (acknowledged, escalated, not satisfied) are
// "being handled".
//
//   received --> being handled --> decided --> closed
enum class Phase { received, handling, decided, closed };
constexpr std::array phases{Phase::received, Phase::handling, Phase::decided, Phase::closed};

std::string_view phase_name(Phase phase)
{
    switch (phase) {
    case Phase::received: return "received";
    case Phase::handling: return "handling";
    case Phase::decided: return "decided";
    case Phase::closed: return "closed";
    }
    return "received";
}

// A decision head office recorded with "a message follows" has not reached
// the customer yet: until it has, the page does not show it either.
bool decision_released(const ComplaintState& state)
{
    return (!state.decision.empty() || !state.last_resolution.empty()) && state.communicated != "not_yet";
}

Phase phase_of(const ComplaintState& state)
{
    switch (state.status.value_or(ComplaintStatus::open)) {
    case ComplaintStatus::open: return Phase::received;
    case ComplaintStatus::acknowledged:
    case ComplaintStatus::escalated:
    case ComplaintStatus::dissatisfied: return Phase::handling;
    case ComplaintStatus::awaiting_response:
    case ComplaintStatus::satisfied: return decision_released(state) ? Phase::decided : Phase::handling;
    case ComplaintStatus::closed: return Phase::closed;
    }
    return Phase::received;
}

// A time as the customer reads it: in the store's time zone when head
// office has its configuration, else in UTC (said so).
std::string local_time(const Text& t, const ComplaintView& view, int64_t utc_ms)
{
    const bool zoned = view.config != nullptr;
    LocalTime local = zoned ? view.config->calendar.zone.to_local(utc_ms) : TimeZone().to_local(utc_ms);
    auto two_digits = [](int n) { return (n < 10 ? "0" : "") + std::to_string(n); };
    std::string text = t.format("public.date_time",
                                {{"day", two_digits(local.civil.day)},
                                 {"month", two_digits(local.civil.month)},
                                 {"year", std::to_string(local.civil.year)},
                                 {"time", two_digits(local.civil.hour) + ":" + two_digits(local.civil.minute)}});
    return zoned ? text : text + " UTC";
}

// The form; `typed` is shown back, `problem` next to it.
std::string lookup_form(const Text& t, const std::string& typed, const std::string& problem)
{
    std::string html = "<form class=\"card status-form\" id=\"status-form\" method=\"get\" action=\"" +
                       std::string(status_page_path) + "\">";
    html += "<label for=\"ref\">" + escape(t("public.reference")) + "</label>";
    html += "<p class=\"note\" id=\"ref-hint\">" + escape(t("public.reference_hint")) + "</p>";
    if (!problem.empty())
        html += "<p class=\"error\" role=\"alert\" id=\"ref-error\">" + escape(problem) + "</p>";
    html += "<input id=\"ref\" name=\"ref\" required maxlength=\"" + std::to_string(max_typed_reference) +
            "\" autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\" placeholder=\"UTR-2A-4F9TN\" "
            "aria-describedby=\"ref-hint" +
            std::string(problem.empty() ? "" : " ref-error") + "\" value=\"" + escape(typed) + "\">";
    html += "<input type=\"hidden\" name=\"lang\" value=\"" + escape(t.locale()) + "\">";
    html += "<button type=\"submit\" id=\"look-up\">" + escape(t("public.look_up")) + "</button></form>";
    return html;
}

std::string mistake_text(const Text& t, const RefcodeMistake& mistake)
{
    switch (mistake.problem) {
    case RefcodeProblem::foreign_character:
        if (mistake.look_alike())
            return t.format("public.mistake.look_alike", {{"character", std::string(1, mistake.character)}});
        if (mistake.character > ' ' && mistake.character < 127)
            return t.format("public.mistake.character", {{"character", std::string(1, mistake.character)}});
        return t("public.mistake.characters");
    case RefcodeProblem::wrong_length: return t("public.mistake.length");
    case RefcodeProblem::check_mismatch: return t("public.mistake.check");
    }
    return t("public.mistake.check");
}

// The phases as a list, the current one marked.
std::string phase_steps(const Text& t, Phase now)
{
    std::string html = "<ol class=\"phases\" id=\"phases\">";
    bool past = true;
    for (Phase phase : phases) {
        bool current = phase == now;
        std::string name(phase_name(phase));
        html += "<li class=\"" + std::string(current ? "current" : (past ? "done" : "todo")) + "\"" +
                (current ? " aria-current=\"step\"" : "") + ">" + escape(t("public.phase." + name)) + "</li>";
        if (current)
            past = false;
    }
    return html + "</ol>";
}

std::string deadline_text(const Text& t, const ComplaintView& view, int64_t now_ms)
{
    if (!view.deadline_at_ms)
        return {};
    std::string due = local_time(t, view, *view.deadline_at_ms);
    switch (config::deadline_standing(*view.deadline_at_ms, view.state.answered_at, now_ms)) {
    case config::DeadlineStanding::pending: return t.format("public.deadline.pending", {{"date", due}});
    case config::DeadlineStanding::kept: return t.format("public.deadline.kept", {{"date", due}});
    case config::DeadlineStanding::missed: return t.format("public.deadline.missed", {{"date", due}});
    case config::DeadlineStanding::overdue: return t.format("public.deadline.overdue", {{"date", due}});
    }
    return {};
}

// Whether `key` is the complaint's status key: its hash against the one
// complaint.opened carried, compared in constant time.
bool key_fits(const ComplaintState& state, const std::string& key)
{
    if (state.status_key_hash.empty() || !crypto::is_status_key(key))
        return false;
    return constant_time_equal(crypto::status_key_hash(key), state.status_key_hash);
}

std::string decision_section(Page& page, const ComplaintView& view, const std::string& key)
{
    const Text& t = page.t;
    const ComplaintState& state = view.state;
    std::string html = "<section class=\"card\" id=\"decision\"><h2>" + escape(t("public.decision")) + "</h2>";
    if (!key_fits(state, key)) {
        std::string why = state.status_key_hash.empty() ? "public.decision_told"
                          : key.empty()                 ? "public.decision_by_link"
                                                        : "public.decision_wrong_key";
        return html + "<p class=\"note\" id=\"decision-hidden\">" + escape(t(why)) + "</p></section>";
    }
    if (!decision_released(state))
        return html + "<p class=\"note\" id=\"decision-none\">" + escape(t("public.decision_none")) + "</p></section>";
    html += "<dl class=\"facts\">";
    if (std::string_view key_of = resolution_key(state.last_resolution); !key_of.empty())
        html += "<div><dt>" + escape(t("public.resolution")) + "</dt><dd id=\"resolution\">" + escape(t(key_of)) +
                (state.amount_cents ? " " + escape(format_euros(*state.amount_cents, t.locale())) : std::string()) +
                "</dd></div>";
    if (std::string_view key_of = outcome_key(state.close_outcome); !key_of.empty() && state.closed_at)
        html += "<div><dt>" + escape(t("public.outcome")) + "</dt><dd id=\"outcome\">" + escape(t(key_of)) +
                "</dd></div>";
    html += "</dl>";
    if (!state.decision.empty())
        html += "<p class=\"text\" id=\"decision-text\">" + escape(state.decision) + "</p>";
    return html + "</section>";
}

std::string status_section(Page& page, const ComplaintView& view)
{
    const Text& t = page.t;
    const ComplaintState& state = view.state;
    Phase phase = phase_of(state);
    std::string html = "<section class=\"card\" id=\"status\"><p class=\"reference\">" +
                       escape(t("public.reference")) + ": <strong id=\"reference\">" + escape(state.reference) +
                       "</strong></p>";
    html += phase_steps(t, phase);
    html += "<p class=\"phase\" id=\"phase\" data-phase=\"" + std::string(phase_name(phase)) + "\">" +
            escape(t("public.phase_said." + std::string(phase_name(phase)))) + "</p>";
    html += "<dl class=\"facts\">";
    auto fact = [&](const std::string& label, const std::string& value, const std::string& id) {
        html += "<div><dt>" + escape(label) + "</dt><dd id=\"" + id + "\">" + escape(value) + "</dd></div>";
    };
    if (state.opened_at)
        fact(t("public.received"), local_time(t, view, *state.opened_at), "received");
    fact(t("public.answered"), state.answered_at ? local_time(t, view, *state.answered_at) : t("public.not_yet"),
         "answered");
    if (state.closed_at && phase == Phase::closed)
        fact(t("public.closed"), local_time(t, view, *state.closed_at), "closed");
    html += "</dl>";
    if (std::string deadline = deadline_text(t, view, page.now_ms); !deadline.empty())
        html += "<p class=\"deadline\" id=\"deadline\">" + escape(deadline) + "</p>";
    return html + "</section>";
}

} // namespace

// [SECTION] The page

void status_page(Page& page)
{
    const Text& t = page.t;
    std::string typed = page.param("ref");
    const std::string key = page.param("key");
    if (typed.size() > max_typed_reference)
        typed.clear();
    auto language_links = [&](const std::string& reference) {
        Page::LanguageLinks links;
        for (const std::string& locale : dashboard_locales)
            links.emplace_back(locale, std::string(status_page_path) +
                                           query_string({{"ref", reference}, {"key", key}, {"lang", locale}}));
        return links;
    };
    auto answer = [&](int status, const std::string& reference, const std::string& body) {
        page.send_public_page(status, t("public.title"), body, language_links(reference));
    };
    const std::string intro = "<p class=\"intro\">" + escape(t("public.intro")) + "</p>";

    if (typed.empty() && page.param("ref").empty())
        return answer(200, "", intro + lookup_form(t, "", ""));
    if (auto wait = page.app.status_lookups.take(page.address(), std::chrono::steady_clock::now(),
                                                 page.store.connection())) {
        page.res.set_header("Retry-After", std::to_string(*wait));
        return answer(429, typed,
                      "<p class=\"error\" role=\"alert\" id=\"rate-limited\">" +
                          escape(t.format("public.rate_limited", {{"seconds", std::to_string(*wait)}})) + "</p>" +
                          lookup_form(t, typed, ""));
    }
    auto read = read_refcode(typed);
    if (const auto* mistake = std::get_if<RefcodeMistake>(&read))
        return answer(400, typed, intro + lookup_form(t, typed, mistake_text(t, *mistake)));
    const std::string& reference = std::get<std::string>(read);

    auto found = page.app.complaints.find(page.store, reference);
    if (!found) {
        if (found.error().kind == ErrorKind::busy)
            page.res.set_header("Retry-After", "1");
        return answer(found.error().kind == ErrorKind::busy ? 503 : 500, reference,
                      "<p class=\"error\" role=\"alert\">" +
                          escape(t(found.error().kind == ErrorKind::busy ? "error.busy" : "public.failed")) + "</p>" +
                          lookup_form(t, reference, ""));
    }
    if (!*found)
        return answer(404, reference,
                      "<p class=\"error\" role=\"alert\" id=\"not-found\">" +
                          escape(t.format("public.not_found", {{"reference", reference}})) + "</p>" +
                          lookup_form(t, reference, ""));
    const ComplaintView& view = **found;
    answer(200, reference,
           status_section(page, view) + decision_section(page, view, key) + "<h2>" +
               escape(t("public.another")) + "</h2>" + lookup_form(t, "", ""));
}

std::string status_link_box(Page& page, const std::string& link)
{
    const Text& t = page.t;
    return "<section class=\"card status-link\" id=\"status-link-box\"><h2>" + escape(t("register.status_link")) +
           "</h2><p>" + escape(t("register.status_link_once")) + "</p><p><a id=\"status-link\" href=\"" +
           escape(link) + "\">" + escape(link) + "</a></p></section>";
}

} // namespace feedback::hq::web
