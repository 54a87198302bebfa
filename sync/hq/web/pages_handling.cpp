// Head office handles a complaint to the end, on the complaint's page: acknowledge,
// assess (severity and owner), investigation notes, decide (the decision for
// the customer and how it reached them), the customer's response, and close
// (as resolved only after the customer's yes: the lifecycle's rule, the same
// as at the counter). Each is an event recorded through
// HqStore::record_hq_event, so the store's terminals see it after their next
// sync. Also the registration of a complaint that came in at head office (by
// phone, e-mail, letter, web form, social media, or on behalf of a store).
#include "pages.h"

#include "config/kiosk_config.h"
#include "crypto/status_key.h"
#include "domain/money.h"
#include "domain/refcode.h"
#include "domain/vocabulary.h"
#include "forms.h"

#include <algorithm>
#include <charconv>
#include <variant>

namespace feedback::hq::web {

namespace {

// [SECTION] Form parts

struct Option {
    std::string value;
    std::string label;
};

std::string select(const std::string& id, const std::string& name, const std::string& label,
                   const std::vector<Option>& options, const std::string& chosen, bool required)
{
    std::string html = "<label for=\"" + id + "\">" + escape(label) + "</label><select id=\"" + id + "\" name=\"" +
                       name + "\"" + (required ? " required" : "") + ">";
    for (const auto& option : options)
        html += "<option value=\"" + escape(option.value) + "\"" + (option.value == chosen ? " selected" : "") + ">" +
                escape(option.label) + "</option>";
    return html + "</select>";
}

template <class Table>
std::vector<Option> options_of(const Text& t, const Table& table)
{
    std::vector<Option> out;
    for (const auto& entry : table)
        out.push_back({std::string(entry.wire), t(entry.key)});
    return out;
}

// The head-office users a complaint can be given to: enabled managers and admins.
std::vector<Option> owner_options(Page& page)
{
    std::vector<Option> out{{"", page.t("complaint.owner_store")}};
    if (auto users = page.users().users())
        for (const auto& user : *users)
            if (!user.disabled_at && at_least(user.role, Role::manager))
                out.push_back({user.name, user.name});
    return out;
}

std::string form_start(Page& page, const std::string& action, const std::string& id, const std::string& title)
{
    return "<section class=\"card form\" id=\"" + id + "\"><h2>" + escape(page.t(title)) +
           "</h2><form method=\"post\" enctype=\"multipart/form-data\" action=\"" + action + "\">" +
           page.csrf_field();
}

std::string form_end(const std::string& button_id, const std::string& label)
{
    return "<button type=\"submit\" id=\"" + button_id + "\">" + escape(label) + "</button></form></section>";
}

const FormFeedback* feedback_for(const FormFeedback* feedback, const std::string& form)
{
    return feedback && feedback->form == form ? feedback : nullptr;
}

std::string typed(const FormFeedback* mine, const std::string& name, const std::string& otherwise = "")
{
    return mine ? mine->value(name) : otherwise;
}

bool one_of(ComplaintStatus status, std::initializer_list<ComplaintStatus> list)
{
    return std::find(list.begin(), list.end(), status) != list.end();
}

} // namespace

// [SECTION] The forms on the complaint's page

std::string handling_forms(Page& page, const ComplaintState& state, const std::string& base,
                           const FormFeedback* feedback)
{
    const Text& t = page.t;
    if (!state.status)
        return {};
    using enum ComplaintStatus;
    ComplaintStatus status = *state.status;
    std::string html;

    if (status == open) {
        const FormFeedback* mine = feedback_for(feedback, "acknowledge");
        html += form_start(page, base + "/acknowledge", "acknowledge-form", "handling.acknowledge") + "<p>" +
                escape(t("handling.acknowledge_explained")) + "</p>" + form_error(feedback, "acknowledge") +
                text_area("acknowledge_note", "note", t("complaint.note"), typed(mine, "note"), limits::note_chars,
                          false) +
                form_end("save-acknowledge", t("handling.acknowledge"));
    }

    {
        const FormFeedback* mine = feedback_for(feedback, "assess");
        html += form_start(page, base + "/assess", "assess-form", "handling.assess") + form_error(feedback, "assess") +
                select("assess_severity", "severity", t("complaint.severity"), options_of(t, severities),
                       typed(mine, "severity", state.severity), true) +
                select("assess_owner", "owner", t("complaint.owner"), owner_options(page),
                       typed(mine, "owner", state.owner), false) +
                text_area("assess_note", "note", t("complaint.note"), typed(mine, "note"), limits::note_chars, false) +
                form_end("save-assess", t("common.save"));
    }

    if (one_of(status, {open, acknowledged, escalated, dissatisfied})) {
        const FormFeedback* mine = feedback_for(feedback, "decide");
        html += form_start(page, base + "/decide", "decide-form", "handling.decide") + "<p>" +
                escape(t("handling.decide_explained")) + "</p>" + form_error(feedback, "decide") +
                text_area("decision", "decision", t("complaint.decision"), typed(mine, "decision"),
                          limits::description_chars, true) +
                select("decide_resolution", "resolution", t("complaint.resolution"), options_of(t, resolutions),
                       typed(mine, "resolution"), true) +
                text_input("decide_amount", "amount", t("handling.amount"), typed(mine, "amount"), limits::amount_chars,
                           false) +
                select("decide_communicated", "communicated", t("complaint.communicated"),
                       options_of(t, communications), typed(mine, "communicated", "phone"), true) +
                form_end("save-decide", t("handling.decide"));
    }

    if (status == awaiting_response) {
        const FormFeedback* mine = feedback_for(feedback, "response");
        std::string satisfied = typed(mine, "satisfied");
        std::vector<Option> scores{{"", t("handling.no_score")}};
        for (int score = 1; score <= 5; ++score)
            scores.push_back({std::to_string(score), std::to_string(score) + "/5"});
        html += form_start(page, base + "/response", "response-form", "handling.response") + "<p>" +
                escape(t("handling.response_explained")) + "</p>" + form_error(feedback, "response") +
                "<fieldset><legend>" + escape(t("complaint.satisfied")) + "</legend>";
        for (const char* answer : {"yes", "no"})
            html += "<label class=\"check\"><input type=\"radio\" name=\"satisfied\" id=\"satisfied-" +
                    std::string(answer) + "\" value=\"" + answer + "\"" + (satisfied == answer ? " checked" : "") +
                    " required> " + escape(t(std::string("common.") + answer)) + "</label>";
        html += "</fieldset>" +
                select("response_score", "handling_score", t("complaint.handling_score"), scores,
                       typed(mine, "handling_score"), false) +
                text_area("response_comment", "comment", t("complaint.comment"), typed(mine, "comment"),
                          limits::comment_chars, false) +
                form_end("save-response", t("handling.save_response"));
    }

    if (status != closed) {
        const FormFeedback* mine = feedback_for(feedback, "close");
        std::vector<Option> outcomes_here;
        if (status == satisfied)
            outcomes_here.push_back({"resolved", t("outcome.resolved")});
        else
            for (const char* outcome : {"unresolved", "withdrawn"})
                outcomes_here.push_back({outcome, t(std::string("outcome.") + outcome)});
        html += form_start(page, base + "/close", "close-form", "handling.close") + "<p>" +
                escape(t(status == satisfied ? "handling.close_resolved_explained" : "handling.close_explained")) +
                "</p>" + form_error(feedback, "close") +
                select("close_outcome", "outcome", t("complaint.outcome"), outcomes_here,
                       typed(mine, "outcome", outcomes_here.front().value), true) +
                text_area("close_note", "note", t("complaint.note"), typed(mine, "note"), limits::note_chars, false) +
                form_end("save-close", t("handling.close"));
    }

    {
        const FormFeedback* mine = feedback_for(feedback, "note");
        html += form_start(page, base + "/note", "note-form", "handling.note") + form_error(feedback, "note") +
                text_area("investigation_note", "note", t("complaint.note"), typed(mine, "note"), limits::note_chars,
                          true) +
                form_end("save-note", t("handling.add_note"));
    }
    // Erasure on request (GDPR article 17): admins, in any state, once the
    // reference code is typed again.
    if (page.can(Role::admin)) {
        const FormFeedback* mine = feedback_for(feedback, "erase");
        html += form_start(page, base + "/erase", "erase-form", "erase.title") + "<p>" + escape(t("erase.explained")) +
                "</p>" + form_error(feedback, "erase") +
                text_input("erase_reference", "reference", t("erase.reference"), typed(mine, "reference"), 20, true) +
                "<label class=\"check\"><input type=\"checkbox\" id=\"erase_texts\" name=\"texts\" value=\"yes\"" +
                (typed(mine, "texts") == "yes" ? " checked" : "") + "> " + escape(t("erase.texts")) + "</label>" +
                form_end("save-erase", t("erase.submit"));
    }
    return html;
}

// [SECTION] The steps

void post_acknowledge(Page& page)
{
    std::string complaint_id = page.capture(1);
    FormReader form(page);
    FormFeedback feedback{"acknowledge", "", {}};
    std::string note = form.text("note", feedback);
    if (auto problem = form.length_problem(note, 0, limits::note_chars))
        return show_mistake(page, complaint_id, feedback, page.t("complaint.note") + ": " + *problem);
    nlohmann::json payload = nlohmann::json::object();
    if (!note.empty())
        payload["note"] = note;
    record_and_answer(page, complaint_id, EventType::complaint_acknowledged, std::move(payload), feedback,
                      "acknowledged");
}

void post_assess(Page& page)
{
    std::string complaint_id = page.capture(1);
    FormReader form(page);
    FormFeedback feedback{"assess", "", {}};
    std::string severity = form.text("severity", feedback);
    std::string owner = form.text("owner", feedback);
    std::string note = form.text("note", feedback);
    const Text& t = page.t;
    if (!find_severity(severity))
        return show_mistake(page, complaint_id, feedback, t("handling.severity_required"));
    if (!owner.empty()) {
        auto user = page.users().find_user(owner);
        if (!user)
            return page.send_failure(user.error());
        if (!*user || (*user)->disabled_at || !at_least((*user)->role, Role::manager))
            return show_mistake(page, complaint_id, feedback, t("handling.owner_unknown"));
    }
    if (auto problem = form.length_problem(note, 0, limits::note_chars))
        return show_mistake(page, complaint_id, feedback, t("complaint.note") + ": " + *problem);
    nlohmann::json payload{{"severity", severity}, {"owner", owner}};
    if (!note.empty())
        payload["note"] = note;
    record_and_answer(page, complaint_id, EventType::complaint_assessed, std::move(payload), feedback, "assessed");
}

void post_note(Page& page)
{
    std::string complaint_id = page.capture(1);
    FormReader form(page);
    FormFeedback feedback{"note", "", {}};
    std::string note = form.text("note", feedback);
    if (auto problem = form.length_problem(note, 1, limits::note_chars))
        return show_mistake(page, complaint_id, feedback, page.t("complaint.note") + ": " + *problem);
    record_and_answer(page, complaint_id, EventType::complaint_noted, {{"note", note}}, feedback, "noted");
}

void post_decide(Page& page)
{
    std::string complaint_id = page.capture(1);
    FormReader form(page);
    FormFeedback feedback{"decide", "", {}};
    std::string decision = form.text("decision", feedback);
    std::string resolution = form.text("resolution", feedback);
    std::string amount = form.text("amount", feedback);
    std::string communicated = form.text("communicated", feedback);
    const Text& t = page.t;
    if (auto problem = form.length_problem(decision, 1, limits::description_chars))
        return show_mistake(page, complaint_id, feedback, t("complaint.decision") + ": " + *problem);
    if (!find_resolution(resolution))
        return show_mistake(page, complaint_id, feedback, t("handling.resolution_required"));
    if (!find_communication(communicated))
        return show_mistake(page, complaint_id, feedback, t("handling.communicated_required"));
    std::optional<int64_t> cents;
    if (!amount.empty()) {
        cents = parse_amount_cents(amount);
        if (!cents)
            return show_mistake(page, complaint_id, feedback, t("handling.bad_amount"));
    }
    AmountRule rule = amount_rule(resolution);
    if (rule == AmountRule::required && !cents)
        return show_mistake(page, complaint_id, feedback, t("handling.amount_required"));
    if (rule == AmountRule::refused && cents)
        return show_mistake(page, complaint_id, feedback, t("handling.amount_refused"));
    nlohmann::json payload{{"resolution", resolution},
                           {"on_the_spot", false},
                           {"decision", decision},
                           {"communicated", communicated}};
    if (cents)
        payload["amount_cents"] = *cents;
    record_and_answer(page, complaint_id, EventType::complaint_resolved, std::move(payload), feedback, "decided");
}

void post_response(Page& page)
{
    std::string complaint_id = page.capture(1);
    FormReader form(page);
    FormFeedback feedback{"response", "", {}};
    std::string satisfied = form.text("satisfied", feedback);
    std::string score = form.text("handling_score", feedback);
    std::string comment = form.text("comment", feedback);
    const Text& t = page.t;
    if (satisfied != "yes" && satisfied != "no")
        return show_mistake(page, complaint_id, feedback, t("handling.satisfied_required"));
    int handling_score = 0;
    if (!score.empty()) {
        auto [end, error] = std::from_chars(score.data(), score.data() + score.size(), handling_score);
        if (error != std::errc{} || end != score.data() + score.size() || handling_score < 1 || handling_score > 5)
            return show_mistake(page, complaint_id, feedback, t("handling.bad_score"));
    }
    if (auto problem = form.length_problem(comment, 0, limits::comment_chars))
        return show_mistake(page, complaint_id, feedback, t("complaint.comment") + ": " + *problem);
    nlohmann::json payload{{"satisfied", satisfied == "yes"}};
    if (handling_score > 0)
        payload["handling_score"] = handling_score;
    if (!comment.empty())
        payload["comment"] = comment;
    record_and_answer(page, complaint_id, EventType::complaint_customer_response, std::move(payload), feedback,
                      "response");
}

void post_close(Page& page)
{
    std::string complaint_id = page.capture(1);
    FormReader form(page);
    FormFeedback feedback{"close", "", {}};
    std::string outcome = form.text("outcome", feedback);
    std::string note = form.text("note", feedback);
    // Referral to an external body has its own form (it names the body).
    if (outcome != "resolved" && outcome != "unresolved" && outcome != "withdrawn")
        return show_mistake(page, complaint_id, feedback, page.t("handling.outcome_required"));
    if (auto problem = form.length_problem(note, 0, limits::note_chars))
        return show_mistake(page, complaint_id, feedback, page.t("complaint.note") + ": " + *problem);
    nlohmann::json payload{{"outcome", outcome}};
    if (!note.empty())
        payload["note"] = note;
    record_and_answer(page, complaint_id, EventType::complaint_closed, std::move(payload), feedback, "closed");
}

void post_erase(Page& page)
{
    std::string complaint_id = page.capture(1);
    FormReader form(page);
    FormFeedback feedback{"erase", "", {}};
    std::string typed_reference = form.text("reference", feedback);
    const bool texts = form.text("texts", feedback) == "yes";
    if (!complaint_in_scope(page, complaint_id))
        return;
    auto state = page.store.complaint_state(complaint_id);
    if (!state)
        return page.send_failure(state.error());
    auto reference = parse_refcode(typed_reference);
    if (!reference || *reference != state->reference)
        return show_mistake(page, complaint_id, feedback, page.t("erase.reference_mismatch"));
    auto erased = page.write([&] {
        return page.store.erase_complaint(complaint_id, texts, page.actor(), page.now_ms);
    });
    if (!erased)
        return page.send_failure(erased.error());
    if (auto audited = page.audit(texts ? "personal_data.erased_with_texts" : "personal_data.erased", complaint_id);
        !audited)
        return page.send_failure(audited.error());
    page.send_redirect("/complaints/" + complaint_id + "?done=erased");
}

// [SECTION] Registering a complaint that came in at head office

namespace {

void render_register(Page& page, int status, const FormFeedback* feedback)
{
    const Text& t = page.t;
    const FormFeedback* mine = feedback_for(feedback, "register");
    std::vector<Option> stores{{"", t("common.choose")}};
    for (const auto& code : page.known_stores())
        stores.push_back({code, code});
    std::vector<Option> channels_here;
    for (const Channel& channel : channels)
        if (channel.use == ChannelUse::people)
            channels_here.push_back({std::string(channel.wire), t(channel.key)});
    // The chain's categories (the "default" document); a store's own list is
    // checked when the complaint is registered.
    auto config = page.config_document("");
    std::vector<Option> categories{{"", t("common.choose")}};
    if (config && config->contains("complaint_categories") && (*config)["complaint_categories"].is_array())
        for (const auto& choice : (*config)["complaint_categories"]) {
            std::string id = choice.value("id", "");
            categories.push_back({id, page.label_of(config, "complaint_categories", id)});
        }
    bool consent = typed(mine, "consent") == "yes";

    std::string body = "<p class=\"back\"><a href=\"/complaints\">" + escape(t("complaint.back")) + "</a></p>";
    body += "<section class=\"card form\" id=\"register-form\"><p>" + escape(t("register.explained")) +
            "</p><form method=\"post\" enctype=\"multipart/form-data\" action=\"/complaints/new\">" +
            page.csrf_field() + form_error(feedback, "register") +
            select("register_store", "store", t("filter.store"), stores, typed(mine, "store"), true) +
            select("register_channel", "channel", t("complaints.channel"), channels_here,
                   typed(mine, "channel", "phone"), true) +
            select("register_category", "category", t("complaints.category"), categories, typed(mine, "category"),
                   true) +
            select("register_severity", "severity", t("complaint.severity"), options_of(t, severities),
                   typed(mine, "severity", "normal"), true) +
            "<label for=\"register_received_date\">" + escape(t("register.received")) +
            "</label><input type=\"date\" id=\"register_received_date\" name=\"received_date\" value=\"" +
            escape(typed(mine, "received_date")) + "\"><input type=\"time\" id=\"register_received_time\" "
            "name=\"received_time\" aria-label=\"" + escape(t("register.received_time")) + "\" value=\"" +
            escape(typed(mine, "received_time")) + "\"><p class=\"note\">" + escape(t("register.received_note")) +
            "</p>" +
            text_area("register_description", "description", t("complaint.description"), typed(mine, "description"),
                      limits::description_chars, true) +
            text_area("register_wish", "customer_wish", t("complaint.customer_wish"), typed(mine, "customer_wish"),
                      limits::customer_wish_chars, true) +
            text_input("register_product", "product_ref", t("complaint.product_ref"), typed(mine, "product_ref"),
                       limits::reference_chars, false) +
            text_input("register_receipt", "receipt_ref", t("complaint.receipt_ref"), typed(mine, "receipt_ref"),
                       limits::reference_chars, false) +
            "<fieldset><legend>" + escape(t("contact.title")) + "</legend><p class=\"note\">" +
            escape(t("register.contact_note")) + "</p>" +
            text_input("register_name", "name", t("contact.name"), typed(mine, "name"), limits::name_chars, false) +
            text_input("register_phone", "phone", t("contact.phone"), typed(mine, "phone"), limits::phone_chars,
                       false) +
            text_input("register_email", "email", t("contact.email"), typed(mine, "email"), limits::email_chars,
                       false) +
            "<label class=\"check\"><input type=\"checkbox\" id=\"register_consent\" name=\"consent\" value=\"yes\"" +
            (consent ? " checked" : "") + "> " + escape(t("register.consent")) + "</label></fieldset>" +
            "<button type=\"submit\" id=\"save-register\">" + escape(t("register.submit")) + "</button></form></section>";
    page.send_page(status, t("register.title"), "complaints", body);
}

void register_mistake(Page& page, FormFeedback feedback, const std::string& message)
{
    feedback.message = message;
    render_register(page, 400, &feedback);
}

// The typed local date and time in the store's zone, as UTC ms; nothing when
// both are empty (now); an error message when they do not make a time.
std::variant<std::monostate, int64_t, std::string> received_at(Page& page, const std::string& store_code,
                                                               const std::string& date, const std::string& time)
{
    if (date.empty() && time.empty())
        return std::monostate{};
    auto day = parse_date(date);
    auto minute = parse_date_time("1970-01-01", time.empty() ? "00:00" : time);
    if (!day || !minute)
        return page.t("register.bad_received");
    return page.moment_of(*day + *minute, store_code);
}

} // namespace

void register_page(Page& page) { render_register(page, 200, nullptr); }

void post_register(Page& page)
{
    FormReader form(page);
    FormFeedback feedback{"register", "", {}};
    const Text& t = page.t;
    std::string store_code = form.text("store", feedback);
    std::string channel = form.text("channel", feedback);
    std::string category = form.text("category", feedback);
    std::string severity = form.text("severity", feedback);
    std::string date = form.text("received_date", feedback);
    std::string time = form.text("received_time", feedback);
    std::string description = form.text("description", feedback);
    std::string wish = form.text("customer_wish", feedback);
    std::string product = form.text("product_ref", feedback);
    std::string receipt = form.text("receipt_ref", feedback);
    std::string name = form.text("name", feedback);
    std::string phone = form.text("phone", feedback);
    std::string email = form.text("email", feedback);
    bool consent = form.text("consent", feedback) == "yes";

    auto known = page.known_stores();
    if (std::find(known.begin(), known.end(), store_code) == known.end())
        return register_mistake(page, feedback, t("register.store_required"));
    if (auto problem = form.length_problem(description, 1, limits::description_chars))
        return register_mistake(page, feedback, t("complaint.description") + ": " + *problem);
    if (auto problem = form.length_problem(wish, 1, limits::customer_wish_chars))
        return register_mistake(page, feedback, t("complaint.customer_wish") + ": " + *problem);
    bool any_contact = !name.empty() || !phone.empty() || !email.empty();
    // Contact details are kept only with the customer's consent, recorded with them.
    if (any_contact && !consent)
        return register_mistake(page, feedback, t("register.consent_required"));
    auto received = received_at(page, store_code, date, time);
    if (auto* message = std::get_if<std::string>(&received))
        return register_mistake(page, feedback, *message);

    nlohmann::json payload{{"channel", channel}, {"category", category}, {"severity", severity},
                           {"description", description}, {"customer_wish", wish}};
    if (!product.empty())
        payload["product_ref"] = product;
    if (!receipt.empty())
        payload["receipt_ref"] = receipt;
    if (any_contact) {
        nlohmann::json contact{{"consent", true}};
        if (!name.empty())
            contact["name"] = name;
        if (!phone.empty())
            contact["phone"] = phone;
        if (!email.empty())
            contact["email"] = email;
        payload["contact"] = std::move(contact);
    }
    ComplaintIntake intake{store_code, std::move(payload), std::nullopt, page.actor()};
    if (auto* at = std::get_if<int64_t>(&received))
        intake.received_at_ms = *at;
    auto registered = page.write([&] { return page.store.register_complaint(intake, page.now_ms); });
    if (!registered) {
        const Error& error = registered.error();
        if (error.kind != ErrorKind::invalid_input && error.kind != ErrorKind::not_found)
            return page.send_failure(error);
        return register_mistake(page, feedback, t.format("form.rejected", {{"reason", error.message}}));
    }
    // The status key exists only now: its link waits for the confirmation page, in memory.
    const std::string& complaint_id = registered->event.subject;
    page.app.status_links.put(page.csrf, complaint_id,
                              crypto::status_link(status_page_url(page.app.settings.public_url),
                                                  registered->event.payload["reference"].get<std::string>(),
                                                  registered->status_key),
                              page.now_ms);
    page.send_redirect("/complaints/" + complaint_id + "?done=registered");
}

} // namespace feedback::hq::web
