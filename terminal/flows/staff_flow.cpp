// Staff mode's state machine (diagram in staff_flow.h): PIN entry, the menu,
// walk-in complaints solved on the spot, the open list, find by reference,
// the complaint hub and its actions, the status panel.
#include "flows/staff_flow.h"

#include "domain/lifecycle.h"
#include "domain/refcode.h"
#include "flows/message_keys.h"

#include <algorithm>
#include <array>
#include <cassert>

namespace feedback::flows {

namespace {

using Json = nlohmann::json;

constexpr int64_t ms_per_second = 1000;

constexpr std::array<std::string_view, 5> staff_channels{"walk_in", "phone", "email", "letter", "social"};
constexpr std::array<std::string_view, 7> resolutions{"refund",      "replacement", "repair", "apology",
                                                      "explanation", "voucher",     "other"};

constexpr std::array complaint_fields{Field::channel,     Field::category,    Field::description,
                                      Field::product_ref, Field::receipt_ref, Field::customer_wish,
                                      Field::consent,     Field::name,        Field::phone,
                                      Field::email};
constexpr std::array resolution_fields{Field::resolution, Field::amount, Field::note};
constexpr std::array response_fields{Field::handling_score, Field::comment};
constexpr std::array reason_fields{Field::reason};
constexpr std::array close_fields{Field::external_body, Field::note};

template <size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view value)
{
    return std::find(list.begin(), list.end(), value) != list.end();
}

bool amount_required(std::string_view resolution)
{
    return resolution == "refund" || resolution == "voucher";
}

bool amount_allowed(std::string_view resolution)
{
    return resolution != "apology" && resolution != "explanation";
}

FieldError error_on(Field field, std::string_view key, std::map<std::string, std::string> args = {})
{
    return FieldError{field, Message{std::string(key), std::move(args)}};
}

Message notice(std::string_view key, std::map<std::string, std::string> args = {})
{
    return Message{std::string(key), std::move(args)};
}

struct ActionProbe {
    ComplaintAction action;
    EventType type;
    const char* outcome; // complaint.closed only
};

constexpr std::array<ActionProbe, 9> action_probes{{
    {ComplaintAction::acknowledge, EventType::complaint_acknowledged, nullptr},
    {ComplaintAction::resolve, EventType::complaint_resolved, nullptr},
    {ComplaintAction::record_answer, EventType::complaint_customer_response, nullptr},
    {ComplaintAction::escalate, EventType::complaint_escalated, nullptr},
    {ComplaintAction::close_resolved, EventType::complaint_closed, "resolved"},
    {ComplaintAction::close_unresolved, EventType::complaint_closed, "unresolved"},
    {ComplaintAction::refer_external, EventType::complaint_closed, "referred_external"},
    {ComplaintAction::withdraw, EventType::complaint_closed, "withdrawn"},
    {ComplaintAction::reopen, EventType::complaint_reopened, nullptr},
}};

} // namespace

std::string_view to_string(ComplaintAction action)
{
    switch (action) {
    case ComplaintAction::acknowledge: return "acknowledge";
    case ComplaintAction::resolve: return "resolve";
    case ComplaintAction::record_answer: return "record_answer";
    case ComplaintAction::escalate: return "escalate";
    case ComplaintAction::close_resolved: return "close_resolved";
    case ComplaintAction::close_unresolved: return "close_unresolved";
    case ComplaintAction::refer_external: return "refer_external";
    case ComplaintAction::withdraw: return "withdraw";
    case ComplaintAction::reopen: return "reopen";
    }
    assert(false && "to_string(ComplaintAction): an action without a name");
    return "unknown";
}

StaffFlow::StaffFlow(config::KioskConfig config, store::LocalStore& store)
    : m_config(std::move(config)), m_store(store), m_lock(m_config.staff)
{
}

// =============================================================================
// [SECTION] Entering, leaving, dispatch
// =============================================================================

void StaffFlow::enter(int64_t now_ms)
{
    if (m_active)
        return;
    m_active = true;
    m_last_intent_ms = now_ms;
    m_pin.clear();
    go(Screen::staff_pin);
}

void StaffFlow::log_out()
{
    m_active = false;
    m_member.reset();
    m_pin.clear();
    m_draft = {};
    m_resolution.clear();
    m_amount_text.clear();
    m_note.clear();
    m_on_the_spot = true;
    m_satisfaction.reset();
    m_handling_score.reset();
    m_comment.clear();
    m_reason.clear();
    m_close_outcome.clear();
    m_external_body.clear();
    m_query.clear();
    m_open.clear();
    m_complaint.reset();
    m_complaint_origin = Screen::staff_menu;
    m_status.reset();
    go(Screen::staff_pin);
}

Effects StaffFlow::apply(const StaffIntent& intent, int64_t now_ms)
{
    if (!m_active)
        return {};
    m_last_intent_ms = now_ms;
    return std::visit([&](const auto& concrete) { return on(concrete, now_ms); }, intent);
}

Effects StaffFlow::tick(int64_t now_ms)
{
    if (!m_active)
        return {};
    int seconds = logged_in() ? m_config.timeouts.staff_idle_seconds : m_config.timeouts.shopper_idle_seconds;
    if (now_ms - m_last_intent_ms >= int64_t{seconds} * ms_per_second)
        log_out();
    return {};
}

void StaffFlow::go(Screen screen)
{
    m_screen = screen;
    m_errors.clear();
    m_notice.reset();
}

std::string StaffFlow::actor() const
{
    assert(m_member && "StaffFlow::actor: nobody is logged in");
    return "staff:" + m_member->id;
}

std::string StaffFlow::choice_text(const std::vector<config::Choice>& choices, const std::string& id) const
{
    const std::string& locale = m_config.default_locale;
    bool supported = std::find(config::supported_locales.begin(), config::supported_locales.end(), locale) !=
                     config::supported_locales.end();
    for (const config::Choice& choice : choices)
        if (choice.id == id)
            return choice.label.in(supported ? locale : config::supported_locales.front());
    return id;
}

std::string StaffFlow::category_text(const std::string& id) const
{
    return choice_text(m_config.complaint_categories, id);
}

// =============================================================================
// [SECTION] Editing intents
// =============================================================================

Effects StaffFlow::on(const staff::SetText& intent, int64_t)
{
    Field field = intent.field;
    bool taken = true;
    switch (m_screen) {
    case Screen::staff_pin: {
        bool digits = std::all_of(intent.text.begin(), intent.text.end(), [](char c) { return c >= '0' && c <= '9'; });
        taken = field == Field::pin && digits && intent.text.size() <= static_cast<size_t>(max_chars(Field::pin));
        if (taken)
            m_pin = intent.text;
        break;
    }
    case Screen::staff_log_complaint: taken = set_text(m_draft, field, intent.text); break;
    case Screen::staff_solve:
        if (field == Field::amount)
            m_amount_text = intent.text;
        else if (field == Field::note)
            m_note = intent.text;
        else
            taken = false;
        break;
    case Screen::staff_customer_response:
        taken = field == Field::comment;
        if (taken)
            m_comment = intent.text;
        break;
    case Screen::staff_escalate:
    case Screen::staff_reopen:
        taken = field == Field::reason;
        if (taken)
            m_reason = intent.text;
        break;
    case Screen::staff_close:
        if (field == Field::note)
            m_note = intent.text;
        else if (field == Field::external_body && m_close_outcome == "referred_external")
            m_external_body = intent.text;
        else
            taken = false;
        break;
    case Screen::staff_find:
        taken = field == Field::reference_query;
        if (taken)
            m_query = intent.text;
        break;
    default: taken = false; break;
    }
    if (taken)
        std::erase_if(m_errors, [&](const FieldError& error) { return error.field == field; });
    return {};
}

Effects StaffFlow::on(const staff::Select& intent, int64_t)
{
    if (m_screen == Screen::staff_log_complaint && intent.field == Field::channel &&
        contains(staff_channels, intent.id)) {
        m_draft.channel = intent.id;
    } else if (m_screen == Screen::staff_log_complaint && intent.field == Field::category &&
               std::any_of(m_config.complaint_categories.begin(), m_config.complaint_categories.end(),
                           [&](const config::Choice& choice) { return choice.id == intent.id; })) {
        m_draft.category = intent.id;
    } else if (m_screen == Screen::staff_solve && intent.field == Field::resolution &&
               contains(resolutions, intent.id)) {
        m_resolution = intent.id;
    } else {
        return {};
    }
    std::erase_if(m_errors, [&](const FieldError& error) { return error.field == intent.field; });
    return {};
}

Effects StaffFlow::on(const staff::ToggleConsent&, int64_t)
{
    if (m_screen == Screen::staff_log_complaint)
        m_draft.contact.consent = !m_draft.contact.consent;
    return {};
}

Effects StaffFlow::on(const staff::ToggleOnTheSpot&, int64_t)
{
    if (m_screen == Screen::staff_solve)
        m_on_the_spot = !m_on_the_spot;
    return {};
}

Effects StaffFlow::on(const staff::SetSatisfaction& intent, int64_t)
{
    if (m_screen == Screen::staff_customer_response) {
        m_satisfaction = intent.answer;
        std::erase_if(m_errors, [](const FieldError& error) { return error.field == Field::satisfied; });
    }
    return {};
}

Effects StaffFlow::on(const staff::SetHandlingScore& intent, int64_t)
{
    if (m_screen == Screen::staff_customer_response && intent.score >= 1 && intent.score <= 5)
        m_handling_score = intent.score;
    return {};
}

// =============================================================================
// [SECTION] Navigation intents
// =============================================================================

Effects StaffFlow::on(const staff::ChooseMenu& intent, int64_t now_ms)
{
    if (m_screen != Screen::staff_menu)
        return {};
    switch (intent.item) {
    case MenuItem::log_complaint:
        m_draft = {};
        m_draft.channel = "walk_in"; // the usual case; one tap to change
        go(Screen::staff_log_complaint);
        break;
    case MenuItem::open_complaints:
        go(Screen::staff_open_complaints);
        load_open_complaints();
        break;
    case MenuItem::find:
        m_query.clear();
        go(Screen::staff_find);
        break;
    case MenuItem::status:
        go(Screen::staff_status);
        load_status(now_ms);
        break;
    case MenuItem::log_out: log_out(); break;
    }
    return {};
}

Effects StaffFlow::on(const staff::Back&, int64_t)
{
    switch (m_screen) {
    case Screen::staff_pin: log_out(); break;
    case Screen::staff_log_complaint:
    case Screen::staff_open_complaints:
    case Screen::staff_find:
    case Screen::staff_status: go(Screen::staff_menu); break;
    case Screen::staff_solve:
    case Screen::staff_not_satisfied:
    case Screen::staff_escalate:
    case Screen::staff_reopen:
    case Screen::staff_close: show_complaint(std::nullopt); break;
    case Screen::staff_complaint:
        go(m_complaint_origin);
        if (m_complaint_origin == Screen::staff_open_complaints)
            load_open_complaints();
        break;
    default: break; // staff_menu; staff_customer_response is the customer's (CustomerAbsent leaves it)
    }
    return {};
}

Effects StaffFlow::on(const staff::OpenComplaint& intent, int64_t)
{
    if (m_screen != Screen::staff_open_complaints)
        return {};
    bool listed = std::any_of(m_open.begin(), m_open.end(), [&](const store::ComplaintSummary& summary) {
        return summary.id == intent.complaint_id;
    });
    if (!listed || !load_complaint(intent.complaint_id))
        return {};
    m_complaint_origin = Screen::staff_open_complaints;
    go(Screen::staff_complaint);
    return {};
}

Effects StaffFlow::on(const staff::LeaveOpen&, int64_t)
{
    if (m_screen == Screen::staff_not_satisfied)
        show_complaint(notice(keys::saved));
    return {};
}

Effects StaffFlow::on(const staff::CustomerAbsent&, int64_t)
{
    if (m_screen == Screen::staff_customer_response)
        show_complaint(notice(keys::saved));
    return {};
}

Effects StaffFlow::on(const staff::Refresh&, int64_t now_ms)
{
    if (m_screen == Screen::staff_open_complaints)
        load_open_complaints();
    else if (m_screen == Screen::staff_status)
        load_status(now_ms);
    return {};
}

Effects StaffFlow::on(const staff::LogOut&, int64_t)
{
    log_out();
    return {};
}

// =============================================================================
// [SECTION] Complaint actions
// =============================================================================

std::vector<ComplaintAction> StaffFlow::allowed_actions() const
{
    std::vector<ComplaintAction> out;
    if (!m_complaint || !m_complaint->status)
        return out;
    for (const ActionProbe& probe : action_probes) {
        Event event;
        event.type = probe.type;
        if (probe.type == EventType::complaint_customer_response)
            event.payload["satisfied"] = true;
        if (probe.outcome)
            event.payload["outcome"] = probe.outcome;
        if (next_status(m_complaint->status, event))
            out.push_back(probe.action);
    }
    return out;
}

void StaffFlow::start_solving(bool on_the_spot)
{
    m_resolution.clear();
    m_amount_text.clear();
    m_note.clear();
    m_on_the_spot = on_the_spot;
    go(Screen::staff_solve);
}

Effects StaffFlow::on(const staff::Act& intent, int64_t now_ms)
{
    Effects effects;
    if (m_screen != Screen::staff_complaint && m_screen != Screen::staff_not_satisfied)
        return effects;
    if (m_screen == Screen::staff_not_satisfied && intent.action != ComplaintAction::resolve &&
        intent.action != ComplaintAction::escalate)
        return effects;
    auto allowed = allowed_actions();
    if (std::find(allowed.begin(), allowed.end(), intent.action) == allowed.end())
        return effects;

    switch (intent.action) {
    case ComplaintAction::acknowledge:
        if (record(EventType::complaint_acknowledged, actor(), Json::object(), now_ms, effects))
            show_complaint(notice(keys::saved));
        break;
    case ComplaintAction::resolve:
        // The customer is at the counter after a dissatisfied answer or when
        // they quoted their code; not necessarily when working the list.
        start_solving(m_screen == Screen::staff_not_satisfied || m_complaint_origin != Screen::staff_open_complaints);
        break;
    case ComplaintAction::record_answer:
        m_satisfaction.reset();
        m_handling_score.reset();
        m_comment.clear();
        go(Screen::staff_customer_response);
        break;
    case ComplaintAction::escalate:
        m_reason.clear();
        go(Screen::staff_escalate);
        break;
    case ComplaintAction::reopen:
        m_reason.clear();
        go(Screen::staff_reopen);
        break;
    case ComplaintAction::close_resolved:
        if (record(EventType::complaint_closed, actor(), Json{{"outcome", "resolved"}}, now_ms, effects))
            show_complaint(notice(keys::saved));
        break;
    case ComplaintAction::close_unresolved:
    case ComplaintAction::refer_external:
    case ComplaintAction::withdraw:
        m_close_outcome = intent.action == ComplaintAction::close_unresolved ? "unresolved"
                          : intent.action == ComplaintAction::withdraw       ? "withdrawn"
                                                                              : "referred_external";
        m_note.clear();
        m_external_body.clear();
        go(Screen::staff_close);
        break;
    }
    if (!m_errors.empty() && m_complaint)
        load_complaint(m_complaint->complaint_id); // the state may have moved on elsewhere
    return effects;
}

// =============================================================================
// [SECTION] Submit, per screen
// =============================================================================

Effects StaffFlow::on(const staff::Submit&, int64_t now_ms)
{
    switch (m_screen) {
    case Screen::staff_pin: return submit_pin(now_ms);
    case Screen::staff_log_complaint: return submit_complaint(now_ms);
    case Screen::staff_solve: return submit_resolution(now_ms);
    case Screen::staff_customer_response: return submit_response(now_ms);
    case Screen::staff_escalate: return submit_reason(EventType::complaint_escalated, now_ms);
    case Screen::staff_reopen: return submit_reason(EventType::complaint_reopened, now_ms);
    case Screen::staff_close: return submit_close(now_ms);
    case Screen::staff_find: return submit_find(now_ms);
    default: return {};
    }
}

Effects StaffFlow::submit_pin(int64_t now_ms)
{
    std::string pin = std::move(m_pin);
    m_pin.clear();
    m_errors.clear();
    PinLock::Attempt attempt = m_lock.try_pin(pin, now_ms);
    switch (attempt.outcome) {
    case PinLock::Outcome::accepted:
        m_member = std::move(attempt.member);
        go(Screen::staff_menu);
        break;
    case PinLock::Outcome::wrong:
        if (attempt.attempts_left == 1)
            m_errors.push_back(error_on(Field::pin, keys::wrong_pin_last));
        else
            m_errors.push_back(
                error_on(Field::pin, keys::wrong_pin, {{"tries", std::to_string(attempt.attempts_left)}}));
        break;
    case PinLock::Outcome::locked: break; // view() shows the lock with its countdown
    }
    return {};
}

Effects StaffFlow::submit_complaint(int64_t now_ms)
{
    Effects effects;
    Json payload = m_draft.payload(!m_draft.contact.empty());
    m_errors = check_payload(EventType::complaint_opened, actor(), payload, complaint_fields);
    if (!m_errors.empty())
        return effects;
    m_complaint.reset();
    auto recorded = record(EventType::complaint_opened, actor(), std::move(payload), now_ms, effects);
    if (!recorded || !load_complaint(recorded->subject))
        return effects;
    m_draft = {};
    m_complaint_origin = Screen::staff_menu;
    start_solving(true); // solve first, find the cause later
    m_notice = notice(keys::complaint_logged, {{"reference", recorded->reference}});
    return effects;
}

Effects StaffFlow::submit_resolution(int64_t now_ms)
{
    Effects effects;
    m_errors.clear();
    Json payload{{"on_the_spot", m_on_the_spot}};
    if (!m_resolution.empty())
        payload["resolution"] = m_resolution;
    if (amount_allowed(m_resolution) && !is_blank(m_amount_text)) {
        auto cents = parse_amount_cents(m_amount_text);
        if (!cents) {
            m_errors.push_back(error_on(Field::amount, keys::amount_needed));
        } else if (*cents > m_member->refund_limit_cents) {
            m_errors.push_back(error_on(Field::amount, keys::above_limit,
                                        {{"limit", format_cents(m_member->refund_limit_cents)},
                                         {"limit_cents", std::to_string(m_member->refund_limit_cents)}}));
        } else {
            payload["amount_cents"] = *cents;
        }
    }
    if (!is_blank(m_note))
        payload["note"] = m_note;
    for (FieldError& error : check_payload(EventType::complaint_resolved, actor(), payload, resolution_fields))
        if (!find_error(m_errors, error.field))
            m_errors.push_back(std::move(error));
    if (!m_errors.empty())
        return effects;
    if (!record(EventType::complaint_resolved, actor(), std::move(payload), now_ms, effects))
        return effects;
    load_complaint(m_complaint->complaint_id);
    m_satisfaction.reset();
    m_handling_score.reset();
    m_comment.clear();
    go(Screen::staff_customer_response); // hand the screen to the customer
    return effects;
}

Effects StaffFlow::submit_response(int64_t now_ms)
{
    Effects effects;
    m_errors.clear();
    if (!m_satisfaction) {
        m_errors.push_back(error_on(Field::satisfied, keys::required));
        return effects;
    }
    bool satisfied = *m_satisfaction == Satisfaction::satisfied;
    Json payload{{"satisfied", satisfied}};
    if (m_handling_score)
        payload["handling_score"] = *m_handling_score;
    if (!is_blank(m_comment))
        payload["comment"] = m_comment;
    m_errors = check_payload(EventType::complaint_customer_response, "kiosk", payload, response_fields);
    if (!m_errors.empty())
        return effects;
    // The customer answers on the handed-over screen: the kiosk is the actor.
    if (!record(EventType::complaint_customer_response, "kiosk", std::move(payload), now_ms, effects))
        return effects;
    if (!satisfied) {
        load_complaint(m_complaint->complaint_id);
        go(Screen::staff_not_satisfied);
        return effects;
    }
    // The customer leads the closing: satisfied, so it closes as resolved.
    Effects closing;
    bool closed = record(EventType::complaint_closed, actor(), Json{{"outcome", "resolved"}}, now_ms, closing).has_value();
    effects.merge(closing);
    std::vector<FieldError> errors = m_errors;
    show_complaint(closed ? std::optional<Message>{notice(keys::saved)} : std::nullopt);
    if (!closed)
        m_errors.insert(m_errors.end(), errors.begin(), errors.end()); // the hub offers close_resolved again
    return effects;
}

Effects StaffFlow::submit_reason(EventType type, int64_t now_ms)
{
    Effects effects;
    Json payload = Json::object();
    if (!is_blank(m_reason))
        payload["reason"] = m_reason;
    m_errors = check_payload(type, actor(), payload, reason_fields);
    if (!m_errors.empty())
        return effects;
    if (record(type, actor(), std::move(payload), now_ms, effects))
        show_complaint(notice(keys::saved));
    return effects;
}

Effects StaffFlow::submit_close(int64_t now_ms)
{
    Effects effects;
    Json payload{{"outcome", m_close_outcome}};
    if (m_close_outcome == "referred_external" && !is_blank(m_external_body))
        payload["external_body"] = m_external_body;
    if (!is_blank(m_note))
        payload["note"] = m_note;
    m_errors = check_payload(EventType::complaint_closed, actor(), payload, close_fields);
    if (!m_errors.empty())
        return effects;
    if (record(EventType::complaint_closed, actor(), std::move(payload), now_ms, effects))
        show_complaint(notice(keys::saved));
    return effects;
}

Effects StaffFlow::submit_find(int64_t)
{
    m_errors.clear();
    if (is_blank(m_query)) {
        m_errors.push_back(error_on(Field::reference_query, keys::required));
        return {};
    }
    auto code = parse_refcode(m_query);
    if (!code) {
        // A typo caught by the check character, a character codes never
        // hold, the wrong length: all "check the code again".
        m_errors.push_back(error_on(Field::reference_query, keys::code_invalid, {{"detail", code.error().message}}));
        return {};
    }
    auto id = m_store.find_complaint(*code);
    if (!id) {
        if (id.error().kind == ErrorKind::not_found)
            m_errors.push_back(error_on(Field::reference_query, keys::code_not_found, {{"reference", *code}}));
        else
            m_errors.push_back(store_error(id.error()));
        return {};
    }
    if (!load_complaint(*id))
        return {};
    m_complaint_origin = Screen::staff_find;
    go(Screen::staff_complaint);
    return {};
}

// =============================================================================
// [SECTION] Loading and recording
// =============================================================================

bool StaffFlow::load_complaint(const std::string& complaint_id)
{
    auto state = m_store.complaint_state(complaint_id);
    if (!state) {
        m_errors.push_back(store_error(state.error()));
        return false;
    }
    m_complaint = std::move(*state);
    return true;
}

void StaffFlow::show_complaint(std::optional<Message> notice)
{
    go(Screen::staff_complaint);
    if (m_complaint)
        load_complaint(m_complaint->complaint_id);
    m_notice = std::move(notice);
}

void StaffFlow::load_open_complaints()
{
    auto open = m_store.open_complaints();
    if (!open) {
        m_errors.push_back(store_error(open.error()));
        return;
    }
    m_open = std::move(*open);
}

void StaffFlow::load_status(int64_t now_ms)
{
    auto status = m_store.status(now_ms);
    if (!status) {
        m_errors.push_back(store_error(status.error()));
        return;
    }
    m_status = std::move(*status);
}

std::optional<store::RecordedEvent> StaffFlow::record(EventType type, std::string actor, Json payload,
                                                      int64_t now_ms, Effects& effects)
{
    store::NewEvent event;
    event.type = type;
    if (type != EventType::complaint_opened) {
        assert(m_complaint && "StaffFlow::record: a complaint step without a complaint");
        event.subject = m_complaint->complaint_id;
    }
    event.actor = std::move(actor);
    event.payload = std::move(payload);
    auto recorded = m_store.record(event, now_ms);
    if (!recorded) {
        m_errors.push_back(store_error(recorded.error()));
        return std::nullopt;
    }
    effects.recorded_event_ids.push_back(recorded->id);
    return std::move(*recorded);
}

// =============================================================================
// [SECTION] The view
// =============================================================================

StaffView StaffFlow::view(int64_t now_ms) const
{
    StaffView view;
    view.screen = m_screen;
    view.pin_length = static_cast<int>(m_pin.size());
    view.locked = m_lock.locked(now_ms);
    view.lock_seconds_left = m_lock.seconds_left(now_ms);
    view.attempts_left = m_lock.attempts_left(now_ms);
    if (m_member) {
        view.staff_id = m_member->id;
        view.staff_name = m_member->name;
        view.refund_limit_cents = m_member->refund_limit_cents;
    }

    for (std::string_view id : staff_channels)
        view.channels.push_back(Chip{std::string(id), {}, "staff.channel." + std::string(id), id == m_draft.channel});
    for (const config::Choice& choice : m_config.complaint_categories)
        view.categories.push_back(Chip{choice.id, category_text(choice.id), {}, choice.id == m_draft.category});
    view.draft = m_draft;

    for (std::string_view id : resolutions)
        view.resolutions.push_back(Chip{std::string(id), {}, "staff.resolution." + std::string(id), id == m_resolution});
    view.amount_text = m_amount_text;
    view.amount_required = amount_required(m_resolution);
    view.amount_allowed = amount_allowed(m_resolution);
    view.note = m_note;
    view.on_the_spot = m_on_the_spot;

    view.satisfaction = m_satisfaction;
    view.handling_score = m_handling_score;
    view.comment = m_comment;

    view.promise_hours = config::promised_answer_hours(m_config);
    for (const store::ComplaintSummary& summary : m_open) {
        OpenComplaintRow row;
        row.complaint_id = summary.id;
        row.reference = summary.reference;
        row.status = summary.status;
        row.category = summary.category;
        row.category_text = category_text(summary.category);
        row.channel = summary.channel;
        row.opened_at_ms = summary.opened_at;
        row.age_ms = std::max<int64_t>(0, now_ms - summary.opened_at);
        row.deadline_at_ms = config::complaint_deadline(m_config, summary.opened_at);
        row.overdue = row.deadline_at_ms && now_ms > *row.deadline_at_ms;
        view.open_complaints.push_back(std::move(row));
    }

    if (m_complaint) {
        view.complaint = m_complaint;
        view.complaint_category_text = category_text(m_complaint->category);
        if (!m_complaint->root_cause.empty())
            view.root_cause_text = choice_text(m_config.root_causes, m_complaint->root_cause);
        if (m_complaint->opened_at)
            view.deadline_at_ms = config::complaint_deadline(m_config, *m_complaint->opened_at);
        bool open = m_complaint->status && is_open(*m_complaint->status);
        view.overdue = open && view.deadline_at_ms && now_ms > *view.deadline_at_ms;
        view.actions = allowed_actions();
        if (m_screen == Screen::staff_not_satisfied)
            std::erase_if(view.actions, [](ComplaintAction action) {
                return action != ComplaintAction::resolve && action != ComplaintAction::escalate;
            });
    }
    view.reason = m_reason;
    view.close_outcome = m_close_outcome;
    view.external_body = m_external_body;
    view.reference_query = m_query;
    view.status = m_status;
    view.sync = m_sync;
    view.notice = m_notice;
    view.errors = m_errors;
    if (m_screen == Screen::staff_pin && view.locked)
        view.errors = {error_on(Field::pin, keys::pin_locked, {{"seconds", std::to_string(view.lock_seconds_left)}})};
    return view;
}

} // namespace feedback::flows
