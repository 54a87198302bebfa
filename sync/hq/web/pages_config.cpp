// The configuration editor (admins): the survey question, reasons,
// complaint categories, root causes, promises, staff (a new PIN is hashed
// with argon2id, shared/config/pin.h) and limits of the kiosk configuration
// for "default" or one store, checked with shared/config's parse_config
// (its messages shown next to the part they are about) and published as a
// new version with HqStore::publish_config, which terminals then pull. A
// raw JSON editor covers what the form does not.
#include "pages.h"

#include "config/message_templates.h"

#include <algorithm>

#include "assets.h"
#include "config/kiosk_config.h"
#include "config/pin.h"
#include "domain/refcode.h"
#include "forms.h"

#include <map>
#include <sstream>

namespace feedback::hq::web {

namespace {

using Values = std::map<std::string, std::string>;
using Errors = std::map<std::string, std::vector<std::string>>; // section -> messages

constexpr size_t promise_rows = 6;
constexpr size_t extra_staff_rows = 3;
const char* const bands[] = {"detractor", "passive", "promoter"};
const char* const measures[] = {"answered_within_hours", "solved_on_the_spot"};

bool is_scope(std::string_view scope)
{
    return scope == "default" || is_refcode_segment(scope, refcode_store_length, refcode_store_length);
}

// The section of the form a parse_config message is about, by its path.
std::string section_of(std::string_view message)
{
    for (const char* section :
         {"question", "reasons", "complaint_categories", "root_causes", "promises", "staff", "messages"})
        if (message.rfind(section, 0) == 0)
            return section;
    if (message.rfind("timeouts", 0) == 0 || message.rfind("misuse", 0) == 0)
        return "limits";
    return "general";
}

void add_config_errors(Errors& errors, const std::string& joined)
{
    size_t at = 0;
    while (at <= joined.size()) {
        size_t end = joined.find("; ", at);
        std::string message = joined.substr(at, end == std::string::npos ? std::string::npos : end - at);
        if (!message.empty())
            errors[section_of(message)].push_back(message);
        if (end == std::string::npos)
            break;
        at = end + 2;
    }
}

std::string localized(const nlohmann::json& text, const char* locale)
{
    if (text.is_object() && text.contains(locale) && text[locale].is_string())
        return text[locale].get<std::string>();
    return {};
}

std::string choice_lines(const nlohmann::json& choices)
{
    std::string out;
    if (!choices.is_array())
        return out;
    for (const auto& choice : choices)
        out += choice.value("id", "") + " | " + localized(choice.value("label", nlohmann::json()), "nl") + " | " +
               localized(choice.value("label", nlohmann::json()), "en") + "\n";
    return out;
}

std::string cents_text(int64_t cents)
{
    std::string part = std::to_string(cents % 100);
    return std::to_string(cents / 100) + "." + (part.size() < 2 ? "0" : "") + part;
}

// The form's fields from a configuration document.
Values values_of(const nlohmann::json& doc)
{
    Values v;
    auto number = [&](const nlohmann::json& parent, const char* key) {
        return parent.is_object() && parent.contains(key) && parent[key].is_number_integer()
                   ? std::to_string(parent[key].get<int64_t>())
                   : std::string();
    };
    v["version"] = number(doc, "version");
    v["store_name"] = doc.value("store_name", "");
    v["default_locale"] = doc.value("default_locale", "nl");
    v["question_nl"] = localized(doc.value("question", nlohmann::json()), "nl");
    v["question_en"] = localized(doc.value("question", nlohmann::json()), "en");
    nlohmann::json reasons = doc.value("reasons", nlohmann::json::object());
    for (const char* band : bands)
        v[std::string("reasons_") + band] = choice_lines(reasons.is_object() ? reasons.value(band, nlohmann::json())
                                                                             : nlohmann::json());
    v["complaint_categories"] = choice_lines(doc.value("complaint_categories", nlohmann::json()));
    v["root_causes"] = choice_lines(doc.value("root_causes", nlohmann::json()));
    nlohmann::json promises = doc.value("promises", nlohmann::json::array());
    for (size_t i = 0; promises.is_array() && i < promises.size() && i < promise_rows; ++i) {
        const auto& p = promises[i];
        std::string at = "promise" + std::to_string(i) + "_";
        v[at + "id"] = p.value("id", "");
        v[at + "hours"] = number(p, "answer_within_hours");
        v[at + "measure"] = p.value("measure", "");
        v[at + "target"] = number(p, "target_percent");
        v[at + "nl"] = localized(p.value("text", nlohmann::json()), "nl");
        v[at + "en"] = localized(p.value("text", nlohmann::json()), "en");
    }
    nlohmann::json staff = doc.value("staff", nlohmann::json::array());
    size_t rows = 0;
    for (size_t i = 0; staff.is_array() && i < staff.size(); ++i, ++rows) {
        const auto& s = staff[i];
        std::string at = "staff" + std::to_string(i) + "_";
        v[at + "id"] = s.value("id", "");
        v[at + "was"] = s.value("id", "");
        v[at + "name"] = s.value("name", "");
        v[at + "refund"] = s.contains("refund_limit_cents") && s["refund_limit_cents"].is_number_integer()
                               ? cents_text(s["refund_limit_cents"].get<int64_t>())
                               : "";
    }
    v["staff_rows"] = std::to_string(rows + extra_staff_rows);
    nlohmann::json timeouts = doc.value("timeouts", nlohmann::json::object());
    v["shopper_idle_seconds"] = number(timeouts, "shopper_idle_seconds");
    v["thank_you_seconds"] = number(timeouts, "thank_you_seconds");
    v["staff_idle_seconds"] = number(timeouts, "staff_idle_seconds");
    nlohmann::json misuse = doc.value("misuse", nlohmann::json::object());
    v["max_ratings"] = number(misuse, "max_ratings");
    v["window_seconds"] = number(misuse, "window_seconds");
    // The complainant's messages: the document's, else the defaults.
    nlohmann::json messages = doc.value("messages", nlohmann::json::object());
    const config::MessageTemplates defaults = config::default_message_templates();
    for (const auto& [kind, standard] : defaults) {
        nlohmann::json own = messages.is_object() ? messages.value(kind, nlohmann::json()) : nlohmann::json();
        for (const std::string& locale : dashboard_locales) {
            std::string at = "message_" + kind + "_";
            v[at + "subject_" + locale] = own.is_object() ? localized(own.value("subject", nlohmann::json()), locale.c_str())
                                                          : standard.subject.in(locale);
            v[at + "body_" + locale] = own.is_object() ? localized(own.value("body", nlohmann::json()), locale.c_str())
                                                       : standard.body.in(locale);
        }
    }
    return v;
}

// "id | nl | en" lines into choices; a malformed line is an error of `section`.
nlohmann::json choices_of(const Text& t, const std::string& text, const std::string& section, Errors& errors)
{
    nlohmann::json out = nlohmann::json::array();
    std::istringstream lines(text);
    int number = 0;
    for (std::string line; std::getline(lines, line);) {
        ++number;
        line = trimmed(line);
        if (line.empty())
            continue;
        std::vector<std::string> parts;
        size_t at = 0;
        for (;;) {
            size_t bar = line.find('|', at);
            parts.push_back(trimmed(line.substr(at, bar == std::string::npos ? std::string::npos : bar - at)));
            if (bar == std::string::npos)
                break;
            at = bar + 1;
        }
        if (parts.size() != 3) {
            errors[section].push_back(t.format("config.bad_line", {{"line", std::to_string(number)}}));
            continue;
        }
        out.push_back({{"id", parts[0]}, {"label", {{"nl", parts[1]}, {"en", parts[2]}}}});
    }
    return out;
}

// An integer field as typed: a JSON number when it is one, else the text
// (parse_config then names the field and its rule).
nlohmann::json integer_field(const std::string& text)
{
    if (auto value = parse_count(text))
        return *value;
    if (text.starts_with('-'))
        if (auto value = parse_count(text.substr(1)))
            return -*value;
    return text;
}

// Euros as typed ("50", "12,50", "12.5") in cents; nothing when not a sum.
std::optional<int64_t> cents_of(const std::string& text)
{
    std::string whole = text;
    std::string part;
    size_t sep = text.find_first_of(".,");
    if (sep != std::string::npos) {
        whole = text.substr(0, sep);
        part = text.substr(sep + 1);
        if (part.empty() || part.size() > 2)
            return std::nullopt;
        if (part.size() == 1)
            part += "0";
    }
    auto euros = parse_count(whole.empty() ? "0" : whole);
    auto cents = parse_count(part.empty() ? "0" : part);
    if (!euros || !cents)
        return std::nullopt;
    return *euros * 100 + *cents;
}

// A text as the form gives it (Dutch and English), with the base's texts in
// the kiosk's other languages (the form does not show them) kept.
nlohmann::json with_other_languages(const nlohmann::json& base_text, const std::string& nl, const std::string& en)
{
    nlohmann::json text = base_text.is_object() ? base_text : nlohmann::json::object();
    text["nl"] = nl;
    text["en"] = en;
    return text;
}

// The same for every choice of a list, matched by id.
void keep_other_languages(nlohmann::json& choices, const nlohmann::json& base_choices)
{
    if (!base_choices.is_array())
        return;
    for (auto& choice : choices)
        for (const auto& old : base_choices)
            if (old.is_object() && old.value("id", "") == choice.value("id", "") && old.contains("label"))
                choice["label"] = with_other_languages(old["label"], choice["label"].value("nl", ""),
                                                       choice["label"].value("en", ""));
}

// The document the form describes. `base` is the document it was made from
// (staff PIN hashes and what the form does not show come from it); PINs
// typed for staff are hashed here.
nlohmann::json document_of(const Text& t, const Values& v, const Values& pins, const nlohmann::json& base,
                           Errors& errors)
{
    auto get = [&](const std::string& name) {
        auto found = v.find(name);
        return found == v.end() ? std::string() : found->second;
    };
    nlohmann::json doc = base.is_object() ? base : nlohmann::json::object();
    doc["version"] = integer_field(get("version"));
    doc["store_name"] = get("store_name");
    doc["default_locale"] = get("default_locale");
    // Texts in the kiosk's other languages ("languages") are edited in the document itself; the form keeps them.
    const nlohmann::json no_base = nlohmann::json::object();
    auto base_of = [&](const char* key) -> const nlohmann::json& {
        return base.is_object() && base.contains(key) ? base[key] : no_base;
    };
    doc["question"] = with_other_languages(base_of("question"), get("question_nl"), get("question_en"));
    nlohmann::json reasons = nlohmann::json::object();
    for (const char* band : bands) {
        reasons[band] = choices_of(t, get(std::string("reasons_") + band), "reasons", errors);
        if (base_of("reasons").is_object() && base_of("reasons").contains(band))
            keep_other_languages(reasons[band], base_of("reasons")[band]);
    }
    doc["reasons"] = reasons;
    doc["complaint_categories"] = choices_of(t, get("complaint_categories"), "complaint_categories", errors);
    keep_other_languages(doc["complaint_categories"], base_of("complaint_categories"));
    doc["root_causes"] = choices_of(t, get("root_causes"), "root_causes", errors);
    keep_other_languages(doc["root_causes"], base_of("root_causes"));

    nlohmann::json promises = nlohmann::json::array();
    for (size_t i = 0; i < promise_rows; ++i) {
        std::string at = "promise" + std::to_string(i) + "_";
        if (get(at + "id").empty() && get(at + "nl").empty() && get(at + "en").empty())
            continue;
        nlohmann::json p{{"id", get(at + "id")}, {"text", {{"nl", get(at + "nl")}, {"en", get(at + "en")}}}};
        if (base_of("promises").is_array())
            for (const auto& old : base_of("promises"))
                if (old.is_object() && old.value("id", "") == get(at + "id") && old.contains("text"))
                    p["text"] = with_other_languages(old["text"], get(at + "nl"), get(at + "en"));
        if (!get(at + "hours").empty()) {
            p["answer_within_hours"] = integer_field(get(at + "hours"));
        } else if (base.contains("promises") && base["promises"].is_array()) {
            // A deadline in working time is not on the form: keep the base's
            // for the promise with the same id.
            for (const auto& old : base["promises"])
                if (old.is_object() && old.value("id", "") == get(at + "id"))
                    for (const char* key : {"answer_within_working_days", "answer_within_working_hours"})
                        if (old.contains(key))
                            p[key] = old[key];
        }
        if (!get(at + "measure").empty())
            p["measure"] = get(at + "measure");
        if (!get(at + "target").empty())
            p["target_percent"] = integer_field(get(at + "target"));
        promises.push_back(std::move(p));
    }
    doc["promises"] = promises;

    std::map<std::string, std::string> old_hashes;
    if (base.contains("staff") && base["staff"].is_array())
        for (const auto& s : base["staff"])
            old_hashes[s.value("id", "")] = s.value("pin_hash", "");
    nlohmann::json staff = nlohmann::json::array();
    size_t rows = parse_count(get("staff_rows")).value_or(extra_staff_rows);
    for (size_t i = 0; i < std::min<size_t>(rows, 200); ++i) {
        std::string at = "staff" + std::to_string(i) + "_";
        std::string id = get(at + "id");
        if (id.empty() && get(at + "name").empty())
            continue;
        if (get(at + "remove") == "1")
            continue;
        std::string label = "staff[" + std::to_string(staff.size()) + "]";
        auto cents = cents_of(get(at + "refund"));
        if (!cents)
            errors["staff"].push_back(label + ": " + t("config.bad_refund"));
        std::string pin;
        if (auto typed = pins.find(at + "pin"); typed != pins.end())
            pin = typed->second;
        std::string hash;
        if (!pin.empty()) {
            auto made = config::hash_pin(pin);
            if (!made)
                errors["staff"].push_back(label + ": " + t("config.bad_pin"));
            else
                hash = *made;
        } else {
            hash = old_hashes[get(at + "was")];
            if (hash.empty())
                errors["staff"].push_back(label + ": " + t("config.pin_required"));
        }
        staff.push_back({{"id", id},
                         {"name", get(at + "name")},
                         {"pin_hash", hash},
                         {"refund_limit_cents", cents.value_or(0)}});
    }
    doc["staff"] = staff;
    doc["timeouts"] = {{"shopper_idle_seconds", integer_field(get("shopper_idle_seconds"))},
                       {"thank_you_seconds", integer_field(get("thank_you_seconds"))},
                       {"staff_idle_seconds", integer_field(get("staff_idle_seconds"))}};
    doc["misuse"] = {{"max_ratings", integer_field(get("max_ratings"))},
                     {"window_seconds", integer_field(get("window_seconds"))}};
    if (!doc.contains("staff_call_command"))
        doc["staff_call_command"] = nlohmann::json::array();
    // Only the messages that differ from the defaults are written; a form
    // without any of the messages' fields (an older page) keeps the base's.
    if (std::none_of(v.begin(), v.end(), [](const auto& field) { return field.first.starts_with("message_"); }))
        return doc;
    nlohmann::json messages = nlohmann::json::object();
    for (const auto& [kind, standard] : config::default_message_templates()) {
        nlohmann::json subject = nlohmann::json::object();
        nlohmann::json body = nlohmann::json::object();
        bool own = false;
        for (const std::string& locale : dashboard_locales) {
            std::string at = "message_" + kind + "_";
            // A field the form left out keeps the default text.
            auto typed = [&](const std::string& name, const std::string& standard_text) {
                return v.count(name) ? get(name) : standard_text;
            };
            subject[locale] = typed(at + "subject_" + locale, standard.subject.in(locale));
            body[locale] = typed(at + "body_" + locale, standard.body.in(locale));
            own = own || subject[locale] != standard.subject.in(locale) || body[locale] != standard.body.in(locale);
        }
        if (own)
            messages[kind] = {{"subject", subject}, {"body", body}};
    }
    if (messages.empty())
        doc.erase("messages");
    else
        doc["messages"] = messages;
    return doc;
}

// A message as the customer would read it, with made-up values; the
// template's problem instead when it has one.
std::string message_preview(const Text& t, const std::string& kind, const std::string& subject,
                            const std::string& body)
{
    for (const std::string* text : {&subject, &body})
        if (auto problem = config::template_problem(*text, kind))
            return "<p class=\"error\">" + escape(*problem) + "</p>";
    const std::map<std::string, std::string> sample{
        {"name", "Anna de Vries"},
        {"reference", "UTR-2A-0042-K"},
        {"store", t("config.preview_store")},
        {"status_link", "https://feedback.example.nl/status?ref=UTR-2A-0042-K"},
        {"deadline", "2026-12-08 16:00"},
        {"customer_wish", t("config.preview_wish")},
        {"decision", t("config.preview_decision")},
        {"resolution", t("config.preview_resolution")},
        {"survey_link", "https://feedback.example.nl/survey?t=..."}};
    return "<div class=\"preview\"><p><strong>" + escape(config::render_template(subject, sample)) +
           "</strong></p><pre>" + escape(config::render_template(body, sample)) + "</pre></div>";
}

struct Current {
    nlohmann::json document;
    std::string from;    // the scope it was published for, or "" for the built-in template
    int64_t version = 0; // of that scope; 0 for the template
};

// What an edit of `scope` starts from: its newest document, else the
// newest "default", else the configuration built into feedback-hq (without
// its demo staff).
Result<Current> current_document(Page& page, const std::string& scope)
{
    auto found = page.store.config_for(scope);
    FEEDBACK_TRY(found);
    if (*found)
        return Current{(*found)->document, (*found)->scope, (*found)->version};
    auto bytes = embedded_asset("config/default.json");
    nlohmann::json doc = bytes ? nlohmann::json::parse(*bytes, nullptr, false) : nlohmann::json::object();
    if (!doc.is_object())
        doc = nlohmann::json::object();
    doc["staff"] = nlohmann::json::array();
    return Current{doc, "", 0};
}

std::string section_errors(const Errors& errors, const std::string& section)
{
    auto found = errors.find(section);
    if (found == errors.end())
        return {};
    std::string html = "<ul class=\"error\" role=\"alert\" id=\"errors-" + section + "\">";
    for (const auto& message : found->second)
        html += "<li>" + escape(message) + "</li>";
    return html + "</ul>";
}

void render_config(Page& page, int status, const std::string& scope, const Current& current, const Values& v,
                   const Errors& errors, const std::string& json_text)
{
    const Text& t = page.t;
    auto get = [&](const std::string& name) {
        auto found = v.find(name);
        return found == v.end() ? std::string() : found->second;
    };
    auto input = [&](const std::string& name, const std::string& label, const std::string& type = "text",
                     const std::string& attrs = "") {
        return "<label for=\"" + name + "\">" + escape(label) + "</label><input type=\"" + type + "\" id=\"" + name +
               "\" name=\"" + name + "\" value=\"" + escape(get(name)) + "\"" + attrs + ">";
    };
    auto area = [&](const std::string& name, const std::string& label, int rows) {
        return "<label for=\"" + name + "\">" + escape(label) + "</label><textarea id=\"" + name + "\" name=\"" + name +
               "\" rows=\"" + std::to_string(rows) + "\">" + escape(get(name)) + "</textarea>";
    };
    std::string body = page.flash();
    body += "<form class=\"filters\" method=\"get\" action=\"/config\"><label for=\"scope-pick\">" +
            escape(t("config.scope")) + "</label><input id=\"scope-pick\" name=\"scope\" list=\"scopes\" value=\"" +
            escape(scope) + "\" maxlength=\"7\"><datalist id=\"scopes\"><option value=\"default\">";
    for (const auto& code : page.known_stores())
        body += "<option value=\"" + escape(code) + "\">";
    body += "</datalist><button type=\"submit\">" + escape(t("config.open")) + "</button></form>";
    body += "<p class=\"intro\">" +
            escape(current.from.empty()
                       ? t.format("config.from_template", {{"scope", scope}})
                       : current.from == scope
                             ? t.format("config.from_version", {{"scope", scope},
                                                                {"version", std::to_string(current.version)}})
                             : t.format("config.from_default", {{"scope", scope},
                                                                {"version", std::to_string(current.version)}})) +
            "</p>";
    body += section_errors(errors, "general");

    body += "<form class=\"config\" method=\"post\" enctype=\"multipart/form-data\" action=\"/config\">" +
            page.csrf_field() + "<input type=\"hidden\" name=\"scope\" value=\"" + escape(scope) +
            "\"><input type=\"hidden\" name=\"mode\" value=\"form\"><input type=\"hidden\" name=\"staff_rows\" "
            "value=\"" + escape(get("staff_rows")) + "\">";
    body += "<fieldset class=\"card\" id=\"section-general\"><legend>" + escape(t("config.general")) + "</legend>" +
            input("store_name", t("config.store_name")) + input("version", t("config.version"), "number", " min=\"1\"") +
            "<label for=\"default_locale\">" + escape(t("config.default_locale")) +
            "</label><select id=\"default_locale\" name=\"default_locale\">";
    for (const std::string& locale : dashboard_locales)
        body += "<option value=\"" + locale + "\"" + (get("default_locale") == locale ? " selected" : "") + ">" +
                escape(t("layout.language_" + locale)) + "</option>";
    body += "</select></fieldset>";
    body += "<fieldset class=\"card\" id=\"section-question\"><legend>" + escape(t("config.question")) + "</legend>" +
            section_errors(errors, "question") + area("question_nl", t("config.in_dutch"), 2) +
            area("question_en", t("config.in_english"), 2) + "</fieldset>";
    body += "<fieldset class=\"card\" id=\"section-reasons\"><legend>" + escape(t("config.reasons")) + "</legend><p>" +
            escape(t("config.lines_help")) + "</p>" + section_errors(errors, "reasons");
    for (const char* band : bands)
        body += area(std::string("reasons_") + band, t(std::string("config.band_") + band), 6);
    body += "</fieldset>";
    body += "<fieldset class=\"card\" id=\"section-complaint_categories\"><legend>" + escape(t("config.categories")) +
            "</legend><p>" + escape(t("config.lines_help")) + "</p>" + section_errors(errors, "complaint_categories") +
            area("complaint_categories", t("config.categories"), 7) + "</fieldset>";
    body += "<fieldset class=\"card\" id=\"section-root_causes\"><legend>" + escape(t("config.root_causes")) +
            "</legend><p>" + escape(t("config.lines_help")) + "</p>" + section_errors(errors, "root_causes") +
            area("root_causes", t("config.root_causes"), 8) + "</fieldset>";

    body += "<fieldset class=\"card\" id=\"section-promises\"><legend>" + escape(t("config.promises")) + "</legend><p>" +
            escape(t("config.promises_help")) + "</p>" + section_errors(errors, "promises") +
            "<table class=\"rows\"><thead><tr><th>" + escape(t("config.id")) + "</th><th>" +
            escape(t("config.hours")) + "</th><th>" + escape(t("config.measure")) + "</th><th>" +
            escape(t("config.target")) + "</th><th>" + escape(t("config.in_dutch")) + "</th><th>" +
            escape(t("config.in_english")) + "</th></tr></thead><tbody>";
    for (size_t i = 0; i < promise_rows; ++i) {
        std::string at = "promise" + std::to_string(i) + "_";
        auto cell = [&](const std::string& field, const std::string& type, const std::string& label) {
            return "<td><input type=\"" + type + "\" name=\"" + at + field + "\" value=\"" + escape(get(at + field)) +
                   "\" aria-label=\"" + escape(label) + "\"></td>";
        };
        body += "<tr>" + cell("id", "text", t("config.id")) + cell("hours", "number", t("config.hours")) +
                "<td><select name=\"" + at + "measure\" aria-label=\"" + escape(t("config.measure")) +
                "\"><option value=\"\">" + escape(t("config.no_measure")) + "</option>";
        for (const char* measure : measures)
            body += "<option value=\"" + std::string(measure) + "\"" + (get(at + "measure") == measure ? " selected" : "") +
                    ">" + escape(t(std::string("measure.") + measure)) + "</option>";
        body += "</select></td>" + cell("target", "number", t("config.target")) +
                cell("nl", "text", t("config.in_dutch")) + cell("en", "text", t("config.in_english")) + "</tr>";
    }
    body += "</tbody></table></fieldset>";

    body += "<fieldset class=\"card\" id=\"section-staff\"><legend>" + escape(t("config.staff")) + "</legend><p>" +
            escape(t("config.staff_help")) + "</p>" + section_errors(errors, "staff") +
            "<table class=\"rows\"><thead><tr><th>" + escape(t("config.id")) + "</th><th>" +
            escape(t("config.staff_name")) + "</th><th>" + escape(t("config.refund_limit")) + "</th><th>" +
            escape(t("config.new_pin")) + "</th><th>" + escape(t("config.remove")) + "</th></tr></thead><tbody>";
    size_t staff_rows = parse_count(get("staff_rows")).value_or(extra_staff_rows);
    for (size_t i = 0; i < std::min<size_t>(staff_rows, 200); ++i) {
        std::string at = "staff" + std::to_string(i) + "_";
        body += "<tr><td><input type=\"hidden\" name=\"" + at + "was\" value=\"" + escape(get(at + "was")) +
                "\"><input name=\"" + at + "id\" value=\"" + escape(get(at + "id")) + "\" aria-label=\"" +
                escape(t("config.id")) + "\"></td><td><input name=\"" + at + "name\" value=\"" +
                escape(get(at + "name")) + "\" aria-label=\"" + escape(t("config.staff_name")) +
                "\"></td><td><input name=\"" + at + "refund\" value=\"" + escape(get(at + "refund")) +
                "\" inputmode=\"decimal\" aria-label=\"" + escape(t("config.refund_limit")) +
                "\"></td><td><input type=\"password\" name=\"" + at + "pin\" inputmode=\"numeric\" "
                "autocomplete=\"off\" maxlength=\"8\" aria-label=\"" + escape(t("config.new_pin")) +
                "\"></td><td><input type=\"checkbox\" name=\"" + at + "remove\" value=\"1\" aria-label=\"" +
                escape(t("config.remove")) + "\"" + (get(at + "remove") == "1" ? " checked" : "") + "></td></tr>";
    }
    body += "</tbody></table></fieldset>";
    body += "<fieldset class=\"card\" id=\"section-limits\"><legend>" + escape(t("config.limits")) + "</legend>" +
            section_errors(errors, "limits") +
            input("shopper_idle_seconds", t("config.shopper_idle"), "number") +
            input("thank_you_seconds", t("config.thank_you"), "number") +
            input("staff_idle_seconds", t("config.staff_idle"), "number") +
            input("max_ratings", t("config.max_ratings"), "number") +
            input("window_seconds", t("config.window_seconds"), "number") + "</fieldset>";
    body += "<fieldset class=\"card\" id=\"section-messages\"><legend>" + escape(t("config.messages")) +
            "</legend><p>" + escape(t("config.messages_help")) + "</p>" + section_errors(errors, "messages");
    for (const auto& [kind, ignored] : config::default_message_templates()) {
        std::string known;
        for (std::string_view name : config::placeholders_of(kind))
            known += (known.empty() ? "{" : ", {") + std::string(name) + "}";
        body += "<h3>" + escape(t("message." + kind)) + "</h3><p class=\"note\">" +
                escape(t.format("config.placeholders", {{"names", known}})) + "</p>";
        for (const std::string& locale : dashboard_locales) {
            std::string at = "message_" + kind + "_";
            body += input(at + "subject_" + locale, t("config.subject") + " (" + t("layout.language_" + locale) + ")") +
                    area(at + "body_" + locale, t("config.body") + " (" + t("layout.language_" + locale) + ")", 8) +
                    "<details class=\"preview\" id=\"preview-" + kind + "-" + locale + "\"><summary>" +
                    escape(t("config.preview")) + "</summary>" +
                    message_preview(t, kind, get(at + "subject_" + locale), get(at + "body_" + locale)) + "</details>";
        }
    }
    body += "<button type=\"submit\" name=\"preview\" value=\"1\" class=\"secondary\" id=\"preview\">" +
            escape(t("config.preview_button")) + "</button></fieldset>";
    body += "<button type=\"submit\" id=\"publish\">" + escape(t.format("config.publish", {{"scope", scope}})) +
            "</button></form>";

    body += "<details class=\"card\" id=\"raw\"" + std::string(json_text.empty() ? "" : " open") + "><summary>" +
            escape(t("config.raw")) + "</summary>" + section_errors(errors, "json") +
            "<form method=\"post\" enctype=\"multipart/form-data\" action=\"/config\">" + page.csrf_field() +
            "<input type=\"hidden\" name=\"scope\" value=\"" + escape(scope) +
            "\"><input type=\"hidden\" name=\"mode\" value=\"json\"><label for=\"document\">" +
            escape(t("config.raw_label")) + "</label><textarea id=\"document\" name=\"document\" rows=\"24\" "
            "class=\"code\">" +
            escape(json_text.empty() ? current.document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                                     : json_text) +
            "</textarea><button type=\"submit\">" + escape(t.format("config.publish", {{"scope", scope}})) +
            "</button></form></details>";
    page.send_page(status, t("config.title"), "config", body);
}

} // namespace

void config_page(Page& page)
{
    std::string scope = page.param("scope");
    if (scope.empty())
        scope = "default";
    if (!is_scope(scope)) {
        page.send_message(400, page.t("config.title"), page.t("config.bad_scope"));
        return;
    }
    auto current = current_document(page, scope);
    if (!current) {
        page.send_failure(current.error());
        return;
    }
    render_config(page, 200, scope, *current, values_of(current->document), {}, "");
}

void post_config(Page& page)
{
    const Text& t = page.t;
    std::string scope = page.param("scope");
    if (!is_scope(scope)) {
        page.send_message(400, t("config.title"), t("config.bad_scope"));
        return;
    }
    auto current = current_document(page, scope);
    if (!current) {
        page.send_failure(current.error());
        return;
    }
    Errors errors;
    nlohmann::json document;
    Values values;
    std::string json_text;
    if (page.param("mode") == "json") {
        json_text = page.param("document");
        document = nlohmann::json::parse(json_text, nullptr, false);
        values = values_of(current->document);
        if (!document.is_object())
            errors["json"].push_back(t("config.bad_json"));
    } else {
        // Every field the form has, as typed; PINs apart (never shown again).
        Values pins;
        auto take = [&](const std::string& name, const std::string& value) {
            if (name == "csrf" || name == "scope" || name == "mode" || name == "preview")
                return;
            (name.ends_with("_pin") ? pins : values)[name] = value;
        };
        for (const auto& [name, value] : page.req.params)
            take(name, value);
        for (const auto& [name, file] : page.req.files)
            take(name, file.content);
        document = document_of(t, values, pins, current->document, errors);
    }
    if (document.is_object()) {
        auto parsed = config::parse_config(document);
        if (!parsed)
            add_config_errors(errors, parsed.error().message);
    }
    if (!errors.empty()) {
        if (!json_text.empty() && errors.count("json") == 0) {
            // Show the raw editor's mistakes next to it.
            for (auto& [section, messages] : errors)
                if (section != "json")
                    for (auto& message : messages)
                        errors["json"].push_back(message);
            for (auto it = errors.begin(); it != errors.end();)
                it = it->first == "json" ? std::next(it) : errors.erase(it);
        }
        Errors shown = errors;
        shown["general"].insert(shown["general"].begin(), t("config.not_published"));
        render_config(page, 400, scope, *current, values, shown, json_text);
        return;
    }
    if (page.param("preview") == "1") {
        // The form as typed, with the messages' previews; nothing is published.
        render_config(page, 200, scope, *current, values, {}, "");
        return;
    }
    auto published = page.write([&]() -> Result<ConfigDocument> {
        auto saved = page.store.publish_config(scope, document, page.now_ms);
        FEEDBACK_TRY(saved);
        FEEDBACK_TRY(page.users().audit(page.user_name(), "config.published",
                                        scope + " v" + std::to_string(saved->version), page.address(), page.now_ms));
        return saved;
    });
    if (!published) {
        page.send_failure(published.error());
        return;
    }
    page.send_redirect("/config" + query_string({{"scope", scope}, {"done", "config_published"}}));
}

} // namespace feedback::hq::web
