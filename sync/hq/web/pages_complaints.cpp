// The complaints pages: the filtered, paged list; one complaint with the
// timeline of every event (who, when, which terminal); its contact details
// for managers and admins (each view audited); and head office's follow-up
// forms (root cause, corrective and preventive actions, effectiveness
// checks, reopen, referral to an external dispute body), each recorded as
// an event through HqStore::record_hq_event so it syncs down to the store.
#include "pages.h"

#include "config/kiosk_config.h"
#include "domain/clock.h"
#include "domain/complaint_fold.h"
#include "domain/ids.h"
#include "domain/validation.h"
#include "domain/vocabulary.h"
#include "forms.h"

#include <algorithm>
#include <map>

namespace feedback::hq::web {

namespace {

constexpr int64_t page_size = 50;
// "open" filters every state but closed (analytics.h); the others one state each.
const std::vector<std::string> statuses{"open",      "acknowledged", "escalated", "awaiting_response",
                                        "satisfied", "dissatisfied", "closed"};

// [SECTION] Labels

std::string status_label(const Text& t, std::string_view status)
{
    return status.empty() ? std::string() : t("status." + std::string(status));
}

// A vocabulary entry's label (vocabulary.h); an unknown wire name as it is.
std::string vocabulary_label(const Text& t, std::string_view key, std::string_view wire)
{
    return key.empty() ? std::string(wire) : t(key);
}

std::string channel_label(const Text& t, std::string_view channel)
{
    return vocabulary_label(t, channel_key(channel), channel);
}

std::string yes_no(const Text& t, bool value) { return t(value ? "common.yes" : "common.no"); }

// "Anna de Vries (staff)", "mia (head office)", "Kiosk".
std::string actor_label(const Text& t, const std::optional<nlohmann::json>& config, const std::string& actor)
{
    if (actor == "kiosk")
        return t("actor.kiosk");
    if (actor.rfind("staff:", 0) == 0) {
        std::string id = actor.substr(6);
        if (config && config->contains("staff") && (*config)["staff"].is_array())
            for (const auto& person : (*config)["staff"])
                if (person.value("id", "") == id)
                    return t.format("actor.staff", {{"name", person.value("name", id)}});
        return t.format("actor.staff", {{"name", id}});
    }
    if (actor.rfind("hq:", 0) == 0)
        return t.format("actor.head_office", {{"name", actor.substr(3)}});
    return actor;
}

// When the complaint must be answered by, by the same rule as the terminal
// (config::complaint_deadline), from the store's configuration.
std::optional<int64_t> deadline_of(const std::optional<nlohmann::json>& config, int64_t opened_at,
                                   std::string_view severity)
{
    if (!config)
        return std::nullopt;
    auto parsed = config::parse_config(*config);
    if (!parsed)
        return std::nullopt;
    return config::complaint_deadline(*parsed, opened_at, severity_level(severity));
}

// [SECTION] The list

} // namespace

// The list's query from the request; mistakes are added to filters.errors
// (and that filter is left out).
dashboard::ComplaintQuery complaint_query_of(Page& page, Filters& filters)
{
    dashboard::ComplaintQuery query;
    query.filter = filters.filter;
    std::string status = page.param("status");
    if (!status.empty() && std::find(statuses.begin(), statuses.end(), status) == statuses.end())
        filters.errors.push_back(page.t("complaints.bad_status"));
    else
        query.status = status; // "open": every state but closed
    std::string category = page.param("category");
    if (!category.empty() && !is_config_id(category))
        filters.errors.push_back(page.t("complaints.bad_category"));
    else
        query.category = category;
    std::string channel = page.param("channel");
    if (!channel.empty() && !find_channel(channel))
        filters.errors.push_back(page.t("complaints.bad_channel"));
    else
        query.channel = channel;
    query.overdue_only = page.param("overdue") == "1";
    return query;
}

void complaints_page(Page& page)
{
    const Text& t = page.t;
    Filters filters = page.filters();
    if (auto fresh = page.refresh_figures(); !fresh)
        return page.send_failure(fresh.error());
    auto query = complaint_query_of(page, filters);
    const std::string& status_param = query.status;
    int64_t page_number = 1;
    if (auto number = parse_positive(page.param("page")))
        page_number = *number;
    query.limit = page_size;
    query.offset = (page_number - 1) * page_size;
    auto config = page.config_document(filters.store);

    std::string extra;
    extra += "<label for=\"status\">" + escape(t("complaints.status")) + "</label><select id=\"status\" name=\"status\">"
             "<option value=\"\">" + escape(t("filter.all")) + "</option>";
    for (const auto& status : statuses)
        extra += "<option value=\"" + status + "\"" + (status_param == status ? " selected" : "") + ">" +
                 escape(t(status == "open" ? "complaints.not_closed" : "status." + status)) + "</option>";
    extra += "</select>";
    extra += "<label for=\"category\">" + escape(t("complaints.category")) +
             "</label><select id=\"category\" name=\"category\"><option value=\"\">" + escape(t("filter.all")) +
             "</option>";
    if (config && config->contains("complaint_categories") && (*config)["complaint_categories"].is_array())
        for (const auto& choice : (*config)["complaint_categories"]) {
            std::string choice_id = choice.value("id", "");
            extra += "<option value=\"" + escape(choice_id) + "\"" + (query.category == choice_id ? " selected" : "") +
                     ">" + escape(page.label_of(config, "complaint_categories", choice_id)) + "</option>";
        }
    extra += "</select>";
    extra += "<label for=\"channel\">" + escape(t("complaints.channel")) +
             "</label><select id=\"channel\" name=\"channel\"><option value=\"\">" + escape(t("filter.all")) +
             "</option>";
    for (const Channel& channel : channels)
        extra += "<option value=\"" + std::string(channel.wire) + "\"" +
                 (query.channel == channel.wire ? " selected" : "") + ">" + escape(t(channel.key)) + "</option>";
    extra += "</select>";
    extra += "<label class=\"check\"><input type=\"checkbox\" name=\"overdue\" value=\"1\"" +
             std::string(query.overdue_only ? " checked" : "") + "> " + escape(t("complaints.overdue_only")) +
             "</label>";

    std::string body = filter_form(page, filters, "/complaints", extra);
    // The escalation queue: every complaint waiting at head office, whenever opened.
    body += "<p class=\"actions\">";
    if (page.can(Role::manager))
        body += "<a class=\"button\" id=\"register\" href=\"/complaints/new\">" + escape(t("register.link")) +
                "</a> ";
    auto escalated = dashboard::escalated_count(page.store.connection(), filters.filter);
    if (!escalated)
        return page.send_failure(escalated.error());
    body += "<a id=\"escalated-queue\" href=\"/complaints" +
            escape(query_string({{"store", filters.store}, {"status", "escalated"}, {"from", "2020-01-01"}})) + "\">" +
            escape(t.format("complaints.escalated_queue", {{"count", std::to_string(*escalated)}})) + "</a></p>";
    auto found = dashboard::complaints(page.store.connection(), query, page.now_ms);
    if (!found) {
        page.send_failure(found.error());
        return;
    }
    QueryParams params = filter_params(filters);
    params.emplace_back("status", status_param);
    params.emplace_back("category", query.category);
    params.emplace_back("channel", query.channel);
    params.emplace_back("overdue", query.overdue_only ? "1" : "");
    body += "<p class=\"summary\">" +
            escape(t.format("complaints.count", {{"count", std::to_string(found->total)}})) +
            " <a class=\"export\" href=\"/export/complaints.csv" + escape(query_string(params)) + "\">" +
            escape(t("export.csv")) + "</a></p>";
    if (found->rows.empty()) {
        body += "<p class=\"empty\">" + escape(t("complaints.none")) + "</p>";
    } else {
        body += "<table class=\"list\" id=\"complaints\"><thead><tr><th>" + escape(t("complaints.reference")) +
                "</th><th>" + escape(t("filter.store")) + "</th><th>" + escape(t("complaints.opened")) + "</th><th>" +
                escape(t("complaints.status")) + "</th><th>" + escape(t("complaints.channel")) + "</th><th>" +
                escape(t("complaints.category")) + "</th><th>" + escape(t("complaints.severity")) + "</th><th>" +
                escape(t("complaints.deadline")) + "</th><th>" + escape(t("complaints.root_cause")) +
                "</th></tr></thead><tbody>";
        for (const auto& row : found->rows) {
            body += "<tr" + std::string(row.overdue ? " class=\"overdue\"" : "") + "><td><a href=\"/complaints/" +
                    escape(row.complaint_id) + "\">" + escape(row.reference.empty() ? row.complaint_id : row.reference) +
                    "</a></td><td>" + escape(row.store_code) + "</td><td>" + escape(page.time_text(row.opened_at, row.store_code)) +
                    "</td><td>" + escape(status_label(t, row.status)) +
                    (row.solved_on_the_spot ? " <span class=\"tag\">" + escape(t("complaints.on_the_spot")) + "</span>"
                                            : std::string()) +
                    "</td><td>" + escape(channel_label(t, row.channel)) + "</td><td>" +
                    escape(page.label_of(config, "complaint_categories", row.category)) + "</td><td" +
                    (row.severity == "high" || row.severity == "safety" ? " class=\"serious\"" : "") + ">" +
                    escape(vocabulary_label(t, severity_key(row.severity), row.severity)) + "</td><td>" +
                    (row.deadline_at ? escape(page.time_text(*row.deadline_at, row.store_code)) : std::string()) +
                    (row.overdue ? " <span class=\"tag late\">" + escape(t("complaints.overdue")) + "</span>"
                                 : std::string()) +
                    "</td><td>" + escape(page.label_of(config, "root_causes", row.root_cause)) + "</td></tr>";
        }
        body += "</tbody></table>";
        int64_t pages = (found->total + page_size - 1) / page_size;
        if (pages > 1) {
            body += "<nav class=\"pages\" aria-label=\"" + escape(t("complaints.paging")) + "\">";
            auto link = [&](int64_t number, const std::string& label) {
                QueryParams with_page = params;
                with_page.emplace_back("page", std::to_string(number));
                return "<a href=\"/complaints" + escape(query_string(with_page)) + "\">" + escape(label) + "</a>";
            };
            if (page_number > 1)
                body += link(page_number - 1, t("complaints.previous")) + " ";
            body += "<span>" + escape(t.format("complaints.page_of", {{"page", std::to_string(page_number)},
                                                                       {"pages", std::to_string(pages)}})) +
                    "</span>";
            if (page_number < pages)
                body += " " + link(page_number + 1, t("complaints.next"));
            body += "</nav>";
        }
    }
    page.send_page(200, t("complaints.title"), "complaints", body);
}

// [SECTION] One complaint

namespace {

struct Loaded {
    std::vector<StoredEvent> events;
    ComplaintState state;
    std::string store_code;
    const StoredEvent* opened = nullptr;
};

std::optional<Loaded> load_complaint(Page& page, const std::string& complaint_id)
{
    auto events = page.store.events_about(complaint_id);
    if (!events) {
        page.send_failure(events.error());
        return std::nullopt;
    }
    Loaded loaded;
    loaded.events = std::move(*events);
    std::vector<Event> plain;
    for (const auto& stored : loaded.events)
        if (stored.event.subject == complaint_id && is_complaint_event(stored.event.type))
            plain.push_back(stored.event);
    if (plain.empty()) {
        page.send_message(404, page.t("error.not_found_title"), page.t("complaint.unknown"));
        return std::nullopt;
    }
    loaded.state = fold_complaint(plain);
    for (const auto& stored : loaded.events)
        if (stored.event.type == EventType::complaint_opened) {
            loaded.opened = &stored;
            loaded.store_code = stored.store_code;
            break;
        }
    if (loaded.store_code.empty())
        loaded.store_code = loaded.events.front().store_code;
    // Another store's complaint is, to a store manager, not there at all.
    if (!page.may_see_store(loaded.store_code)) {
        page.send_message(404, page.t("error.not_found_title"), page.t("complaint.unknown"));
        return std::nullopt;
    }
    return loaded;
}

std::string payload_text(const nlohmann::json& payload, const char* field)
{
    if (payload.contains(field) && payload[field].is_string())
        return payload[field].get<std::string>();
    return {};
}

// What one event says, for the timeline (never contact details).
std::string event_details(Page& page, const std::optional<nlohmann::json>& config, const Event& event,
                          const ComplaintState& state, const std::string& store_code)
{
    const Text& t = page.t;
    const nlohmann::json& p = event.payload;
    std::vector<std::string> parts;
    auto add = [&](const std::string& label, const std::string& value) {
        if (!value.empty())
            parts.push_back("<span class=\"k\">" + escape(label) + ":</span> " + escape(value));
    };
    switch (event.type) {
    case EventType::complaint_opened:
        add(t("complaints.channel"), channel_label(t, payload_text(p, "channel")));
        add(t("complaints.category"), page.label_of(config, "complaint_categories", payload_text(p, "category")));
        break;
    case EventType::complaint_resolved: {
        std::string resolution = payload_text(p, "resolution");
        add(t("complaint.resolution"), vocabulary_label(t, resolution_key(resolution), resolution));
        if (p.contains("amount_cents") && p["amount_cents"].is_number_integer())
            add(t("complaint.amount"), format_euros(p["amount_cents"].get<int64_t>(), t.locale()));
        if (p.contains("on_the_spot") && p["on_the_spot"].is_boolean())
            add(t("complaint.on_the_spot"), yes_no(t, p["on_the_spot"].get<bool>()));
        add(t("complaint.decision"), payload_text(p, "decision"));
        if (std::string way = payload_text(p, "communicated"); !way.empty())
            add(t("complaint.communicated"), vocabulary_label(t, communication_key(way), way));
        break;
    }
    case EventType::complaint_assessed: {
        std::string severity = payload_text(p, "severity");
        add(t("complaint.severity"), vocabulary_label(t, severity_key(severity), severity));
        std::string owner = payload_text(p, "owner");
        add(t("complaint.owner"), owner.empty() ? t("complaint.owner_store") : owner);
        break;
    }
    case EventType::complaint_customer_response:
        if (p.contains("satisfied") && p["satisfied"].is_boolean())
            add(t("complaint.satisfied"), yes_no(t, p["satisfied"].get<bool>()));
        if (p.contains("handling_score") && p["handling_score"].is_number_integer())
            add(t("complaint.handling_score"), std::to_string(p["handling_score"].get<int>()) + "/5");
        add(t("complaint.comment"), payload_text(p, "comment"));
        if (std::string channel = payload_text(p, "channel"); !channel.empty())
            add(t("complaints.channel"), channel_label(t, channel));
        break;
    case EventType::complaint_messaged: {
        std::string kind = payload_text(p, "message");
        std::string status = payload_text(p, "status");
        add(t("complaint.message"), vocabulary_label(t, message_kind_key(kind), kind) + ": " +
                                        vocabulary_label(t, message_status_key(status), status));
        add(t("complaint.reason"), payload_text(p, "reason"));
        break;
    }
    case EventType::complaint_erased:
        add(t("erase.texts_too"), yes_no(t, p.value("texts", false)));
        break;
    case EventType::complaint_escalated:
    case EventType::complaint_reopened:
        add(t("complaint.reason"), payload_text(p, "reason"));
        break;
    case EventType::complaint_closed: {
        std::string outcome = payload_text(p, "outcome");
        add(t("complaint.outcome"), vocabulary_label(t, outcome_key(outcome), outcome));
        add(t("complaint.external_body"), payload_text(p, "external_body"));
        break;
    }
    case EventType::complaint_root_cause_recorded:
        add(t("complaint.root_cause"), page.label_of(config, "root_causes", payload_text(p, "root_cause")));
        break;
    case EventType::complaint_action_planned:
        add(t("action.kind"), t("action." + payload_text(p, "kind")));
        add(t("action.description"), payload_text(p, "description"));
        add(t("action.owner"), payload_text(p, "owner"));
        if (p.contains("due_at") && p["due_at"].is_number_integer())
            add(t("action.due"), page.date_text(p["due_at"].get<int64_t>(), store_code));
        break;
    case EventType::complaint_action_checked: {
        std::string action_id = payload_text(p, "action_id");
        for (const auto& action : state.actions)
            if (action.action_id == action_id)
                add(t("action.description"), action.description);
        if (p.contains("effective") && p["effective"].is_boolean())
            add(t("action.effective"), yes_no(t, p["effective"].get<bool>()));
        break;
    }
    default:
        break;
    }
    add(t("timeline.note"), payload_text(p, "note"));
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i)
        out += (i > 0 ? "<br>" : "") + parts[i];
    return out;
}

} // namespace

void render_complaint(Page& page, const std::string& complaint_id, int status, const FormFeedback* feedback)
{
    const Text& t = page.t;
    auto loaded = load_complaint(page, complaint_id);
    if (!loaded)
        return;
    const ComplaintState& state = loaded->state;
    auto config = page.config_document(loaded->store_code);
    std::map<std::string, std::string> terminals;
    if (auto devices = page.store.devices())
        for (const auto& device : *devices)
            terminals[device.id] = device.store_code + "-" + device.terminal_code + " \xC2\xB7 " + device.name;
    std::string hq_device;
    if (auto id = page.store.hq_device_id())
        hq_device = *id;
    const std::string base = "/complaints/" + complaint_id;
    bool manager = page.can(Role::manager);

    std::string body = "<p class=\"back\"><a href=\"/complaints\">" + escape(t("complaint.back")) + "</a></p>" +
                       page.flash();
    // Just registered here: the customer's status link, this once.
    if (page.param("done") == "registered")
        if (auto link = page.app.status_links.take(page.csrf, complaint_id, page.now_ms))
            body += status_link_box(page, *link);
    // Summary.
    body += "<section class=\"card\"><dl class=\"facts\">";
    auto fact = [&](const std::string& label, const std::string& value, const std::string& id = "") {
        if (!value.empty())
            body += "<div><dt>" + escape(label) + "</dt><dd" + (id.empty() ? "" : " id=\"" + id + "\"") + ">" +
                    escape(value) + "</dd></div>";
    };
    fact(t("complaints.reference"), state.reference, "reference");
    fact(t("filter.store"), loaded->store_code);
    fact(t("complaints.status"), state.status ? status_label(t, to_string(*state.status)) : "", "status");
    fact(t("complaints.channel"), channel_label(t, state.channel));
    fact(t("complaints.category"), page.label_of(config, "complaint_categories", state.category));
    if (state.opened_at)
        fact(t("complaints.opened"), page.time_text(*state.opened_at, loaded->store_code));
    fact(t("complaint.severity"), vocabulary_label(t, severity_key(state.severity), state.severity), "severity");
    fact(t("complaint.owner"), state.owner.empty() ? t("complaint.owner_store") : state.owner, "owner");
    if (auto deadline = state.opened_at ? deadline_of(config, *state.opened_at, state.severity) : std::nullopt) {
        // Answered: the customer had an answer (not a staff acknowledgement).
        auto standing = config::deadline_standing(*deadline, state.answered_at, page.now_ms);
        bool late = standing == config::DeadlineStanding::overdue || standing == config::DeadlineStanding::missed;
        fact(t("complaints.deadline"), page.time_text(*deadline, loaded->store_code) + (late ? " \xE2\x80\x94 " + t("complaints.overdue") : ""),
             "deadline");
    }
    if (state.answered_at)
        fact(t("complaint.answered_at"), page.time_text(*state.answered_at, loaded->store_code), "answered");
    if (!state.decision.empty()) {
        std::string way = state.communicated.empty() ? "in_person" : state.communicated;
        fact(t("complaint.decision"), state.decision, "decision");
        fact(t("complaint.communicated"), vocabulary_label(t, communication_key(way), way));
    }
    if (state.closed_at)
        fact(t("complaint.closed_at"), page.time_text(*state.closed_at, loaded->store_code));
    if (!state.close_outcome.empty())
        fact(t("complaint.outcome"), vocabulary_label(t, outcome_key(state.close_outcome), state.close_outcome));
    fact(t("complaint.external_body"), state.external_body);
    fact(t("complaints.root_cause"), page.label_of(config, "root_causes", state.root_cause), "root-cause");
    fact(t("complaint.root_cause_note"), state.root_cause_note);
    if (state.handling_score)
        fact(t("complaint.handling_score"), std::to_string(*state.handling_score) + "/5");
    if (state.satisfied)
        fact(t("complaint.satisfied"), yes_no(t, *state.satisfied));
    if (state.solved_on_the_spot)
        fact(t("complaints.on_the_spot"), t("common.yes"));
    body += "</dl>";
    if (loaded->opened) {
        const auto& p = loaded->opened->event.payload;
        body += "<h2>" + escape(t("complaint.description")) + "</h2><p class=\"text\">" +
                escape(payload_text(p, "description")) + "</p>";
        body += "<h2>" + escape(t("complaint.customer_wish")) + "</h2><p class=\"text\">" +
                escape(payload_text(p, "customer_wish")) + "</p>";
        std::string product = payload_text(p, "product_ref");
        std::string receipt = payload_text(p, "receipt_ref");
        if (!product.empty() || !receipt.empty())
            body += "<p>" + escape(t("complaint.product_ref")) + ": " + escape(product) + " \xC2\xB7 " +
                    escape(t("complaint.receipt_ref")) + ": " + escape(receipt) + "</p>";
    }
    body += "</section>";

    // Contact details: managers and admins, one click (audited) away.
    bool has_contact = loaded->opened && loaded->opened->event.payload.contains("contact");
    body += "<section class=\"card\"><h2>" + escape(t("contact.title")) + "</h2>";
    if (!has_contact)
        body += "<p>" + escape(t("contact.none")) + "</p>";
    else if (manager)
        body += "<p><a id=\"show-contact\" href=\"" + base + "/contact\">" + escape(t("contact.show")) + "</a> " +
                escape(t("contact.audited")) + "</p>";
    else
        body += "<p>" + escape(t("contact.hidden")) + "</p>";
    body += "</section>";

    // Timeline.
    body += "<section class=\"card\"><h2>" + escape(t("timeline.title")) + "</h2><table class=\"list timeline\" "
            "id=\"timeline\"><thead><tr><th>" + escape(t("timeline.when")) + "</th><th>" + escape(t("timeline.what")) +
            "</th><th>" + escape(t("timeline.who")) + "</th><th>" + escape(t("timeline.terminal")) + "</th><th>" +
            escape(t("timeline.details")) + "</th></tr></thead><tbody>";
    std::vector<const StoredEvent*> ordered;
    for (const auto& stored : loaded->events)
        ordered.push_back(&stored);
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const StoredEvent* a, const StoredEvent* b) { return fold_order_less(a->event, b->event); });
    for (const StoredEvent* stored : ordered) {
        const Event& event = stored->event;
        std::string terminal = event.device_id == hq_device ? t("timeline.head_office")
                               : terminals.contains(event.device_id) ? terminals[event.device_id]
                                                                     : event.device_id.substr(0, 8);
        bool skipped = std::any_of(state.skipped.begin(), state.skipped.end(),
                                   [&](const SkippedEvent& s) { return s.event_id == event.id; });
        body += "<tr" + std::string(skipped ? " class=\"skipped\"" : "") + "><td>" +
                escape(page.time_text(event.occurred_at_ms, loaded->store_code)) + "</td><td>" +
                escape(t("event." + std::string(to_string(event.type)))) +
                (skipped ? " <span class=\"tag late\">" + escape(t("timeline.skipped")) + "</span>" : std::string()) +
                "</td><td>" + escape(actor_label(t, config, event.actor)) + "</td><td>" + escape(terminal) +
                "</td><td>" + event_details(page, config, event, state, loaded->store_code) + "</td></tr>";
    }
    body += "</tbody></table></section>";

    // Actions and their checks.
    body += "<section class=\"card\" id=\"actions\"><h2>" + escape(t("action.title")) + "</h2>";
    if (state.actions.empty()) {
        body += "<p>" + escape(t("action.none")) + "</p>";
    } else {
        body += "<table class=\"list\" id=\"action-list\"><thead><tr><th>" + escape(t("action.kind")) + "</th><th>" +
                escape(t("action.description")) + "</th><th>" + escape(t("action.owner")) + "</th><th>" +
                escape(t("action.due")) + "</th><th>" + escape(t("action.check")) + "</th></tr></thead><tbody>";
        for (const auto& action : state.actions) {
            std::string check = action.effective
                                    ? yes_no(t, *action.effective) + (action.checked_at ? " (" +
                                                                           page.date_text(*action.checked_at, loaded->store_code) + ")"
                                                                                        : std::string())
                                    : t("action.not_checked");
            bool late = !action.checked_at && page.now_ms > action.due_at;
            body += "<tr><td>" + escape(t("action." + action.kind)) + "</td><td>" + escape(action.description) +
                    "</td><td>" + escape(action.owner) + "</td><td>" + escape(page.date_text(action.due_at, loaded->store_code)) +
                    (late ? " <span class=\"tag late\">" + escape(t("complaints.overdue")) + "</span>" : std::string()) +
                    "</td><td>" + escape(check) +
                    (action.check_note.empty() ? std::string() : "<br>" + escape(action.check_note));
            if (manager) {
                const std::string form = "check-" + action.action_id;
                body += "<form class=\"check\" method=\"post\" enctype=\"multipart/form-data\" action=\"" + base + "/actions/" + action.action_id +
                        "/check\">" + page.csrf_field() + form_error(feedback, form) +
                        "<fieldset><legend>" + escape(t("action.effective")) + "</legend>"
                        "<label class=\"check\"><input type=\"radio\" name=\"effective\" value=\"yes\" required> " +
                        escape(t("common.yes")) + "</label><label class=\"check\"><input type=\"radio\" "
                        "name=\"effective\" value=\"no\"> " + escape(t("common.no")) + "</label></fieldset>" +
                        text_input("note-" + action.action_id, "note", t("complaint.note"), "", limits::note_chars, false) +
                        "<button type=\"submit\">" + escape(t("action.record_check")) + "</button></form>";
            }
            body += "</td></tr>";
        }
        body += "</tbody></table>";
    }
    body += "</section>";

    if (manager) {
        body += handling_forms(page, state, base, feedback);
        // Root cause.
        body += "<section class=\"card form\" id=\"root-cause-form\"><h2>" + escape(t("complaint.record_root_cause")) +
                "</h2>";
        std::vector<std::pair<std::string, std::string>> causes;
        if (config && config->contains("root_causes") && (*config)["root_causes"].is_array())
            for (const auto& choice : (*config)["root_causes"])
                causes.emplace_back(choice.value("id", ""), page.label_of(config, "root_causes", choice.value("id", "")));
        if (causes.empty()) {
            body += "<p>" + escape(t("complaint.no_root_causes")) + "</p>";
        } else {
            std::string chosen = feedback && feedback->form == "root_cause" ? feedback->value("root_cause")
                                                                             : state.root_cause;
            body += "<form method=\"post\" enctype=\"multipart/form-data\" action=\"" + base + "/root-cause\">" + page.csrf_field() +
                    form_error(feedback, "root_cause") + "<label for=\"root_cause\">" +
                    escape(t("complaints.root_cause")) + "</label><select id=\"root_cause\" name=\"root_cause\" "
                    "required><option value=\"\">" + escape(t("common.choose")) + "</option>";
            for (const auto& [cause_id, label] : causes)
                body += "<option value=\"" + escape(cause_id) + "\"" + (cause_id == chosen ? " selected" : "") + ">" +
                        escape(label) + "</option>";
            body += "</select>" +
                    text_area("root_cause_note", "note", t("complaint.note"),
                              feedback && feedback->form == "root_cause" ? feedback->value("note") : "", limits::note_chars, false) +
                    "<button type=\"submit\" id=\"save-root-cause\">" + escape(t("common.save")) + "</button></form>";
        }
        body += "</section>";

        // A new action.
        const FormFeedback* mine = feedback && feedback->form == "action" ? feedback : nullptr;
        std::string kind = mine ? mine->value("kind") : "corrective";
        body += "<section class=\"card form\" id=\"action-form\"><h2>" + escape(t("action.plan")) + "</h2>"
                "<form method=\"post\" enctype=\"multipart/form-data\" action=\"" + base + "/actions\">" + page.csrf_field() +
                form_error(feedback, "action") + "<fieldset><legend>" + escape(t("action.kind")) + "</legend>";
        for (const char* option : {"corrective", "preventive"})
            body += "<label class=\"check\"><input type=\"radio\" name=\"kind\" id=\"kind-" + std::string(option) +
                    "\" value=\"" + option + "\"" + (kind == option ? " checked" : "") + "> " +
                    escape(t(std::string("action.") + option)) + "</label>";
        body += "</fieldset>" +
                text_area("action_description", "description", t("action.description"),
                          mine ? mine->value("description") : "", limits::action_description_chars, true) +
                text_input("action_owner", "owner", t("action.owner"), mine ? mine->value("owner") : "", limits::name_chars, true) +
                "<label for=\"action_due\">" + escape(t("action.due")) +
                "</label><input type=\"date\" id=\"action_due\" name=\"due\" required value=\"" +
                escape(mine ? mine->value("due") : "") + "\"><button type=\"submit\" id=\"save-action\">" +
                escape(t("action.save")) + "</button></form></section>";

        // Reopen, or refer to an external dispute body.
        if (state.status == ComplaintStatus::closed) {
            body += "<section class=\"card form\" id=\"reopen-form\"><h2>" + escape(t("complaint.reopen")) + "</h2>"
                    "<form method=\"post\" enctype=\"multipart/form-data\" action=\"" + base + "/reopen\">" + page.csrf_field() +
                    form_error(feedback, "reopen") +
                    text_area("reopen_reason", "reason", t("complaint.reason"),
                              feedback && feedback->form == "reopen" ? feedback->value("reason") : "", limits::reason_chars, true) +
                    "<button type=\"submit\">" + escape(t("complaint.reopen")) + "</button></form></section>";
        } else {
            const FormFeedback* refer = feedback && feedback->form == "refer" ? feedback : nullptr;
            body += "<section class=\"card form\" id=\"refer-form\"><h2>" + escape(t("complaint.refer")) + "</h2><p>" +
                    escape(t("complaint.refer_explained")) + "</p><form method=\"post\" enctype=\"multipart/form-data\" action=\"" + base +
                    "/refer\">" + page.csrf_field() + form_error(feedback, "refer") +
                    text_input("external_body", "external_body", t("complaint.external_body"),
                               refer ? refer->value("external_body") : "", limits::external_body_chars, true) +
                    text_area("refer_note", "note", t("complaint.note"), refer ? refer->value("note") : "", limits::note_chars,
                              false) +
                    "<button type=\"submit\">" + escape(t("complaint.refer_submit")) + "</button></form></section>";
        }
    }
    // A mistake about a form this page does not show (reopen while open, say) goes on top.
    if (feedback && !feedback->message.empty() && body.find(escape(feedback->message)) == std::string::npos)
        body.insert(0, "<p class=\"error\" role=\"alert\">" + escape(feedback->message) + "</p>");
    std::string title = t.format("complaint.title", {{"reference", state.reference.empty() ? complaint_id
                                                                                            : state.reference}});
    page.send_page(status, title, "complaints", body);
}

// Records the event, then shows the complaint again: on success through a
// redirect (so a reload does not record it twice), on a mistake with the
// form's message and what was typed.
bool complaint_in_scope(Page& page, const std::string& complaint_id)
{
    auto store_code = page.store.complaint_store(complaint_id);
    if (!store_code) {
        page.send_failure(store_code.error());
        return false;
    }
    if (!*store_code || !page.may_see_store(**store_code)) {
        page.send_message(404, page.t("error.not_found_title"), page.t("complaint.unknown"));
        return false;
    }
    return true;
}

void record_and_answer(Page& page, const std::string& complaint_id, EventType type, nlohmann::json payload,
                       FormFeedback feedback, const std::string& done)
{
    if (!complaint_in_scope(page, complaint_id))
        return;
    auto recorded = page.write([&] {
        return page.store.record_hq_event(type, complaint_id, page.actor(), std::move(payload), page.now_ms);
    });
    if (recorded) {
        page.send_redirect("/complaints/" + complaint_id + "?done=" + done);
        return;
    }
    const Error& error = recorded.error();
    int status = 400;
    if (error.kind == ErrorKind::invalid_input) {
        feedback.message = page.t.format("form.rejected", {{"reason", error.message}});
    } else if (error.kind == ErrorKind::invalid_transition) {
        status = 409;
        feedback.message = page.t.format("form.not_now", {{"reason", error.message}});
    } else if (error.kind == ErrorKind::not_found) {
        page.send_message(404, page.t("error.not_found_title"), page.t("complaint.unknown"));
        return;
    } else {
        page.send_failure(error);
        return;
    }
    render_complaint(page, complaint_id, status, &feedback);
}

void show_mistake(Page& page, const std::string& complaint_id, FormFeedback feedback, const std::string& message)
{
    feedback.message = message;
    render_complaint(page, complaint_id, 400, &feedback);
}

void complaint_page(Page& page) { render_complaint(page, page.capture(1), 200, nullptr); }

void complaint_contact_page(Page& page)
{
    const Text& t = page.t;
    std::string complaint_id = page.capture(1);
    auto loaded = load_complaint(page, complaint_id);
    if (!loaded)
        return;
    if (!loaded->opened || !loaded->opened->event.payload.contains("contact")) {
        page.send_message(404, t("contact.title"), t("contact.none"));
        return;
    }
    auto facts = page.contact_facts(loaded->opened->event.payload["contact"], complaint_id);
    if (!facts) {
        page.send_failure(facts.error());
        return;
    }
    std::string body = "<p class=\"back\"><a href=\"/complaints/" + escape(complaint_id) + "\">" +
                       escape(t("complaint.back_to")) + "</a></p><section class=\"card\">" + *facts + "</section>";
    page.send_page(200, t.format("contact.page_title", {{"reference", loaded->state.reference}}), "complaints", body);
}

void post_root_cause(Page& page)
{
    std::string complaint_id = page.capture(1);
    FormReader form(page);
    FormFeedback feedback{"root_cause", "", {}};
    std::string cause = form.text("root_cause", feedback);
    std::string note = form.text("note", feedback);
    if (cause.empty())
        return show_mistake(page, complaint_id, feedback, page.t("form.root_cause_required"));
    // Only a cause the store's configuration lists.
    auto events = page.store.events_about(complaint_id);
    std::string store_code = events && !events->empty() ? events->front().store_code : "";
    auto config = page.config_document(store_code);
    bool listed = false;
    if (config && config->contains("root_causes") && (*config)["root_causes"].is_array())
        for (const auto& choice : (*config)["root_causes"])
            listed = listed || choice.value("id", "") == cause;
    if (!listed)
        return show_mistake(page, complaint_id, feedback, page.t("form.root_cause_unknown"));
    if (auto problem = form.length_problem(note, 0, limits::note_chars))
        return show_mistake(page, complaint_id, feedback, *problem);
    nlohmann::json payload{{"root_cause", cause}};
    if (!note.empty())
        payload["note"] = note;
    record_and_answer(page, complaint_id, EventType::complaint_root_cause_recorded, std::move(payload), feedback,
                      "root_cause");
}

void post_action(Page& page)
{
    std::string complaint_id = page.capture(1);
    FormReader form(page);
    FormFeedback feedback{"action", "", {}};
    std::string kind = form.text("kind", feedback);
    std::string description = form.text("description", feedback);
    std::string owner = form.text("owner", feedback);
    std::string due = form.text("due", feedback);
    const Text& t = page.t;
    if (kind != "corrective" && kind != "preventive")
        return show_mistake(page, complaint_id, feedback, t("form.kind_required"));
    if (auto problem = form.length_problem(description, 1, limits::action_description_chars))
        return show_mistake(page, complaint_id, feedback, t("action.description") + ": " + *problem);
    if (auto problem = form.length_problem(owner, 1, limits::name_chars))
        return show_mistake(page, complaint_id, feedback, t("action.owner") + ": " + *problem);
    auto due_day = parse_date(due);
    if (!due_day)
        return show_mistake(page, complaint_id, feedback, t("form.bad_due_date"));
    auto store_code = page.store.complaint_store(complaint_id);
    if (!store_code)
        return page.send_failure(store_code.error());
    // The end of the due day on the store's clock (an unknown complaint is
    // refused when recorded).
    int64_t due_at = page.moment_of(*due_day + ms_per_day, store_code->value_or("")) - 1;
    nlohmann::json payload{{"action_id", make_uuid_v7(page.now_ms)},
                           {"kind", kind},
                           {"description", description},
                           {"owner", owner},
                           {"due_at", due_at}};
    record_and_answer(page, complaint_id, EventType::complaint_action_planned, std::move(payload), feedback, "action");
}

void post_action_check(Page& page)
{
    std::string complaint_id = page.capture(1);
    std::string action_id = page.capture(2);
    FormReader form(page);
    FormFeedback feedback{"check-" + action_id, "", {}};
    std::string effective = form.text("effective", feedback);
    std::string note = form.text("note", feedback);
    if (effective != "yes" && effective != "no")
        return show_mistake(page, complaint_id, feedback, page.t("form.effective_required"));
    if (auto problem = form.length_problem(note, 0, limits::note_chars))
        return show_mistake(page, complaint_id, feedback, *problem);
    auto state = page.store.complaint_state(complaint_id);
    if (!state) {
        page.send_failure(state.error());
        return;
    }
    bool known = std::any_of(state->actions.begin(), state->actions.end(),
                             [&](const PlannedAction& action) { return action.action_id == action_id; });
    if (!known) {
        page.send_message(404, page.t("error.not_found_title"), page.t("action.unknown"));
        return;
    }
    nlohmann::json payload{{"action_id", action_id}, {"effective", effective == "yes"}};
    if (!note.empty())
        payload["note"] = note;
    record_and_answer(page, complaint_id, EventType::complaint_action_checked, std::move(payload), feedback, "check");
}

void post_reopen(Page& page)
{
    std::string complaint_id = page.capture(1);
    FormReader form(page);
    FormFeedback feedback{"reopen", "", {}};
    std::string reason = form.text("reason", feedback);
    if (auto problem = form.length_problem(reason, 1, limits::reason_chars))
        return show_mistake(page, complaint_id, feedback, page.t("complaint.reason") + ": " + *problem);
    record_and_answer(page, complaint_id, EventType::complaint_reopened, {{"reason", reason}}, feedback, "reopened");
}

void post_refer(Page& page)
{
    std::string complaint_id = page.capture(1);
    FormReader form(page);
    FormFeedback feedback{"refer", "", {}};
    std::string external_body = form.text("external_body", feedback);
    std::string note = form.text("note", feedback);
    if (auto problem = form.length_problem(external_body, 1, limits::external_body_chars))
        return show_mistake(page, complaint_id, feedback, page.t("complaint.external_body") + ": " + *problem);
    if (auto problem = form.length_problem(note, 0, limits::note_chars))
        return show_mistake(page, complaint_id, feedback, *problem);
    nlohmann::json payload{{"outcome", "referred_external"}, {"external_body", external_body}};
    if (!note.empty())
        payload["note"] = note;
    record_and_answer(page, complaint_id, EventType::complaint_closed, std::move(payload), feedback, "referred");
}

} // namespace feedback::hq::web
