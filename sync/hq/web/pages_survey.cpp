// The satisfaction survey after closing (issue 11): the page behind the link
// in the survey e-mail, for the customer, without a login. The link's
// single-use token is the only key. A GET never records anything and
// preselects nothing, so a mail scanner that follows every link answers no
// survey; only the customer's POST records a complaint.customer_response
// (channel "email"), once.
#include "pages.h"

#include "crypto/status_key.h"
#include "hq/mail/outbox.h"

namespace feedback::hq::web {

namespace {

// A token as the links carry it: 32 lower-case hex characters.
bool is_token(const std::string& token)
{
    return crypto::is_status_key(token); // the same shape as a status key
}

void send_gone(Page& page, int status, const std::string& key)
{
    page.send_page(status, page.t("survey.title"), "",
                   "<section class=\"card survey\"><p id=\"survey-message\">" + escape(page.t(key)) + "</p></section>");
}

void render_survey(Page& page, int status, const std::string& token, const std::string& error)
{
    const Text& t = page.t;
    std::string body = "<section class=\"card survey\"><p>" + escape(t("survey.intro")) + "</p>";
    if (!error.empty())
        body += "<p class=\"error\" role=\"alert\" id=\"survey-error\">" + escape(error) + "</p>";
    body += "<form method=\"post\" action=\"/survey\">";
    body += "<input type=\"hidden\" name=\"t\" value=\"" + escape(token) + "\">";
    body += "<fieldset><legend>" + escape(t("survey.satisfied")) + "</legend>";
    for (const char* answer : {"yes", "no"})
        body += std::string("<label class=\"choice\"><input type=\"radio\" name=\"satisfied\" value=\"") + answer +
                "\" required> " + escape(t(std::string("survey.") + answer)) + "</label>";
    body += "</fieldset><fieldset><legend>" + escape(t("survey.handling")) + "</legend>";
    for (int score = 1; score <= 5; ++score)
        body += "<label class=\"choice\"><input type=\"radio\" name=\"score\" value=\"" + std::to_string(score) +
                "\" required> " + escape(t("survey.score_" + std::to_string(score))) + "</label>";
    body += "</fieldset><label for=\"comment\">" + escape(t("survey.comment")) + "</label>"
            "<textarea id=\"comment\" name=\"comment\" maxlength=\"500\" rows=\"4\"></textarea>";
    body += "<button type=\"submit\" id=\"survey-send\">" + escape(t("survey.send")) + "</button></form></section>";
    page.send_page(status, t("survey.title"), "", body);
}

} // namespace

void survey_page(Page& page)
{
    page.res.set_header("Cache-Control", "no-store");
    page.res.set_header("Referrer-Policy", "no-referrer"); // the token stays out of other sites' logs
    std::string token = page.param("t");
    if (!is_token(token)) {
        send_gone(page, 404, "survey.unknown");
        return;
    }
    auto link = mail::find_survey(page.store.connection(), token);
    if (!link) {
        page.send_failure(link.error());
        return;
    }
    if (!*link) {
        send_gone(page, 404, "survey.unknown");
        return;
    }
    if ((*link)->answered_at) {
        send_gone(page, 200, "survey.already");
        return;
    }
    render_survey(page, 200, token, "");
}

void post_survey(Page& page)
{
    page.res.set_header("Cache-Control", "no-store");
    page.res.set_header("Referrer-Policy", "no-referrer");
    std::string token = page.param("t");
    if (!is_token(token)) {
        send_gone(page, 404, "survey.unknown");
        return;
    }
    std::string satisfied = page.param("satisfied");
    std::string score = page.param("score");
    std::string comment = page.param("comment");
    bool score_ok = score.size() == 1 && score[0] >= '1' && score[0] <= '5';
    if ((satisfied != "yes" && satisfied != "no") || !score_ok) {
        render_survey(page, 422, token, page.t("survey.answer_both"));
        return;
    }
    nlohmann::json answer{{"satisfied", satisfied == "yes"}, {"handling_score", score[0] - '0'}};
    if (!comment.empty())
        answer["comment"] = comment;
    auto recorded = page.write([&] { return mail::answer_survey(page.store, token, std::move(answer), page.now_ms); });
    if (!recorded) {
        switch (recorded.error().kind) {
        case ErrorKind::not_found: send_gone(page, 404, "survey.unknown"); return;
        case ErrorKind::conflict: send_gone(page, 409, "survey.already"); return;
        case ErrorKind::invalid_transition: send_gone(page, 409, "survey.reopened"); return;
        case ErrorKind::invalid_input: render_survey(page, 422, token, page.t("survey.comment_too_long")); return;
        default: page.send_failure(recorded.error()); return;
        }
    }
    send_gone(page, 200, "survey.thanks");
}

} // namespace feedback::hq::web
