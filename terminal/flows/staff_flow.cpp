// Staff mode's state machine (diagram in staff_flow.h): PIN entry, the menu,
// walk-in complaints solved on the spot, the open list, find by reference,
// the complaint hub and its actions, the status panel.
#include "flows/staff_flow.h"

#include "domain/lifecycle.h"
#include "domain/money.h"
#include "domain/refcode.h"
#include "domain/vocabulary.h"
#include "flows/message_keys.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <utility>

namespace feedback::flows {

namespace {

using Json = nlohmann::json;

constexpr int64_t ms_per_second = 1000;


constexpr std::array complaint_fields{Field::channel,     Field::category,    Field::description,
                                      Field::product_ref, Field::receipt_ref, Field::customer_wish,
                                      Field::consent,     Field::name,        Field::phone,
                                      Field::email};
constexpr std::array resolution_fields{Field::resolution, Field::amount, Field::note};
constexpr std::array response_fields{Field::handling_score, Field::comment};
constexpr std::array reason_fields{Field::reason};
constexpr std::array close_fields{Field::external_body, Field::note};

// Staff pick every channel but the kiosk's own.
bool is_staff_channel(std::string_view id)
{
    const Channel* channel = find_channel(id);
    return channel && channel->use == ChannelUse::people;
}

bool amount_allowed(std::string_view resolution)
{
    return amount_rule(resolution) != AmountRule::refused;
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
    m_drafts.pin.clear();
    go(Screen::staff_pin);
}

void StaffFlow::log_out()
{
    m_active = false;
    m_awaiting = Awaiting::nothing; // a result still to come finds nobody waiting
    m_member.reset();
    m_drafts = {};
    m_open.clear();
    m_complaint.reset();
    m_complaint_events.clear();
    m_contact_left = {};
    m_complaint_origin = Screen::staff_menu;
    m_status.reset();
    go(Screen::staff_pin);
}

Effects StaffFlow::apply(const StaffIntent& intent, int64_t now_ms)
{
    if (!m_active)
        return {};
    m_last_intent_ms = now_ms;
    if (awaiting())
        return {};
    return std::visit([&](const auto& concrete) { return on(concrete, now_ms); }, intent);
}

Effects StaffFlow::apply(const EffectResult& result, int64_t now_ms)
{
    const Awaiting what = std::exchange(m_awaiting, Awaiting::nothing);
    if (!m_active || what == Awaiting::nothing)
        return {};
    if (const auto* answer = std::get_if<PinChecked>(&result)) {
        assert(what == Awaiting::pin && "StaffFlow: a PIN check's result while waiting for a recording");
        pin_checked(*answer, now_ms);
        return {};
    }
    if (const auto* left = std::get_if<StoreLeft>(&result)) {
        assert(what == Awaiting::leaving && "StaffFlow: leaving's result while waiting for something else");
        store_left(*left, now_ms);
        return {};
    }
    assert(what != Awaiting::pin && what != Awaiting::leaving &&
           "StaffFlow: a recording's result while waiting for something else");
    if (const auto* failed = std::get_if<RecordFailed>(&result)) {
        record_failed(what, failed->error);
        return {};
    }
    return recorded(what, std::get<EventRecorded>(result).event, now_ms);
}

void StaffFlow::tick(int64_t now_ms)
{
    if (!m_active || awaiting()) // a result is due; the idle time counts from it
        return;
    if (m_screen == Screen::staff_left_store)
        return; // the app restarts the kiosk; nothing is left to log out of
    int seconds = logged_in() ? m_config.timeouts.staff_idle_seconds : m_config.timeouts.shopper_idle_seconds;
    if (now_ms - m_last_intent_ms >= int64_t{seconds} * ms_per_second)
        log_out();
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
    for (const config::Choice& choice : choices)
        if (choice.id == id)
            return choice.label.in(m_config.default_locale);
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
            m_drafts.pin = intent.text;
        break;
    }
    case Screen::staff_log_complaint: taken = set_text(m_drafts.complaint, field, intent.text); break;
    case Screen::staff_solve:
        if (field == Field::amount)
            m_drafts.amount_text = intent.text;
        else if (field == Field::note)
            m_drafts.note = intent.text;
        else
            taken = false;
        break;
    case Screen::staff_customer_response:
        taken = field == Field::comment;
        if (taken)
            m_drafts.comment = intent.text;
        break;
    case Screen::staff_escalate:
    case Screen::staff_reopen:
        taken = field == Field::reason;
        if (taken)
            m_drafts.reason = intent.text;
        break;
    case Screen::staff_close:
        if (field == Field::note)
            m_drafts.note = intent.text;
        else if (field == Field::external_body && m_drafts.close_outcome == "referred_external")
            m_drafts.external_body = intent.text;
        else
            taken = false;
        break;
    case Screen::staff_find:
        taken = field == Field::reference_query;
        if (taken)
            m_drafts.query = intent.text;
        break;
    default: taken = false; break;
    }
    if (taken)
        std::erase_if(m_errors, [&](const FieldError& error) { return error.field == field; });
    return {};
}

Effects StaffFlow::on(const staff::Select& intent, int64_t)
{
    if (m_screen == Screen::staff_log_complaint && intent.field == Field::channel && is_staff_channel(intent.id)) {
        m_drafts.complaint.channel = intent.id;
    } else if (m_screen == Screen::staff_log_complaint && intent.field == Field::category &&
               std::any_of(m_config.complaint_categories.begin(), m_config.complaint_categories.end(),
                           [&](const config::Choice& choice) { return choice.id == intent.id; })) {
        m_drafts.complaint.category = intent.id;
    } else if (m_screen == Screen::staff_solve && intent.field == Field::resolution && find_resolution(intent.id)) {
        m_drafts.resolution = intent.id;
    } else {
        return {};
    }
    std::erase_if(m_errors, [&](const FieldError& error) { return error.field == intent.field; });
    return {};
}

Effects StaffFlow::on(const staff::ToggleConsent&, int64_t)
{
    if (m_screen == Screen::staff_log_complaint)
        m_drafts.complaint.contact.consent = !m_drafts.complaint.contact.consent;
    return {};
}

Effects StaffFlow::on(const staff::ToggleOnTheSpot&, int64_t)
{
    if (m_screen == Screen::staff_solve)
        m_drafts.on_the_spot = !m_drafts.on_the_spot;
    return {};
}

Effects StaffFlow::on(const staff::SetSatisfaction& intent, int64_t)
{
    if (m_screen == Screen::staff_customer_response) {
        m_drafts.satisfaction = intent.answer;
        std::erase_if(m_errors, [](const FieldError& error) { return error.field == Field::satisfied; });
    }
    return {};
}

Effects StaffFlow::on(const staff::SetHandlingScore& intent, int64_t)
{
    if (m_screen == Screen::staff_customer_response && intent.score >= 1 && intent.score <= 5)
        m_drafts.handling_score = intent.score;
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
        m_drafts.complaint = {};
        m_drafts.complaint.channel = "walk_in"; // the usual case; one tap to change
        go(Screen::staff_log_complaint);
        break;
    case MenuItem::open_complaints:
        go(Screen::staff_open_complaints);
        load_open_complaints();
        break;
    case MenuItem::find:
        m_drafts.query.clear();
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

Effects StaffFlow::on(const staff::Back&, int64_t now_ms)
{
    switch (m_screen) {
    case Screen::staff_pin: log_out(); break;
    case Screen::staff_log_complaint:
    case Screen::staff_open_complaints:
    case Screen::staff_find:
    case Screen::staff_status: go(Screen::staff_menu); break;
    case Screen::staff_leave_store:
        go(Screen::staff_status);
        load_status(now_ms);
        break;
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

Effects StaffFlow::on(const staff::ConnectAgain&, int64_t)
{
    if (m_screen != Screen::staff_status)
        return {};
    log_out(); // the setup screens take over; staff log in again afterwards
    Effects effects;
    effects.device = DeviceRequest::connect_again;
    return effects;
}

Effects StaffFlow::on(const staff::AskToLeave&, int64_t now_ms)
{
    if (m_screen != Screen::staff_status || !m_sync.enrolled)
        return {};
    go(Screen::staff_leave_store);
    load_status(now_ms); // how much is still to be sent
    return {};
}

Effects StaffFlow::submit_leave()
{
    m_errors.clear();
    m_awaiting = Awaiting::leaving;
    Effects effects;
    effects.device = DeviceRequest::leave_store;
    return effects;
}

void StaffFlow::store_left(const StoreLeft& answer, int64_t now_ms)
{
    if (answer.problem) {
        load_status(now_ms);
        m_errors.push_back({Field::none, *answer.problem});
        return;
    }
    go(Screen::staff_left_store);
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
        auto next = next_status(m_complaint->status, event);
        // A customer's answer that moves nothing is the survey after closing,
        // which comes by e-mail: the counter asks only about a waiting resolution.
        if (next && !(probe.type == EventType::complaint_customer_response && *next == *m_complaint->status))
            out.push_back(probe.action);
    }
    return out;
}

void StaffFlow::start_solving(bool on_the_spot)
{
    m_drafts.resolution.clear();
    m_drafts.amount_text.clear();
    m_drafts.note.clear();
    m_drafts.on_the_spot = on_the_spot;
    go(Screen::staff_solve);
}

Effects StaffFlow::on(const staff::Act& intent, int64_t)
{
    if (m_screen != Screen::staff_complaint && m_screen != Screen::staff_not_satisfied)
        return {};
    if (m_screen == Screen::staff_not_satisfied && intent.action != ComplaintAction::resolve &&
        intent.action != ComplaintAction::escalate)
        return {};
    auto allowed = allowed_actions();
    if (std::find(allowed.begin(), allowed.end(), intent.action) == allowed.end())
        return {};

    switch (intent.action) {
    case ComplaintAction::acknowledge:
        return record(EventType::complaint_acknowledged, actor(), Json::object(), Awaiting::step);
    case ComplaintAction::resolve:
        // The customer is at the counter after a dissatisfied answer or when
        // they quoted their code; not necessarily when working the list.
        start_solving(m_screen == Screen::staff_not_satisfied || m_complaint_origin != Screen::staff_open_complaints);
        break;
    case ComplaintAction::record_answer:
        m_drafts.satisfaction.reset();
        m_drafts.handling_score.reset();
        m_drafts.comment.clear();
        go(Screen::staff_customer_response);
        break;
    case ComplaintAction::escalate:
        m_drafts.reason.clear();
        go(Screen::staff_escalate);
        break;
    case ComplaintAction::reopen:
        m_drafts.reason.clear();
        go(Screen::staff_reopen);
        break;
    case ComplaintAction::close_resolved:
        return record(EventType::complaint_closed, actor(), Json{{"outcome", "resolved"}}, Awaiting::step);
    case ComplaintAction::close_unresolved:
    case ComplaintAction::refer_external:
    case ComplaintAction::withdraw:
        m_drafts.close_outcome = intent.action == ComplaintAction::close_unresolved ? "unresolved"
                          : intent.action == ComplaintAction::withdraw       ? "withdrawn"
                                                                              : "referred_external";
        m_drafts.note.clear();
        m_drafts.external_body.clear();
        go(Screen::staff_close);
        break;
    }
    return {};
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
    case Screen::staff_leave_store: return submit_leave();
    default: return {};
    }
}

Effects StaffFlow::submit_pin(int64_t now_ms)
{
    std::string pin = std::exchange(m_drafts.pin, {});
    m_errors.clear();
    const PinLock::Attempt attempt = m_lock.submit(pin, now_ms);
    if (attempt.outcome != PinLock::Outcome::check) {
        show_attempt(attempt);
        return {};
    }
    m_awaiting = Awaiting::pin;
    Effects effects;
    effects.check_pin = m_lock.check_for(std::move(pin));
    return effects;
}

void StaffFlow::pin_checked(const PinChecked& answer, int64_t now_ms)
{
    show_attempt(m_lock.checked(answer, now_ms));
}

void StaffFlow::show_attempt(const PinLock::Attempt& attempt)
{
    switch (attempt.outcome) {
    case PinLock::Outcome::accepted:
        m_member = attempt.member;
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
    case PinLock::Outcome::check: assert(false && "StaffFlow::show_attempt: a PIN still to be checked"); break;
    }
}

Effects StaffFlow::submit_complaint(int64_t)
{
    Json payload = m_drafts.complaint.payload(!m_drafts.complaint.contact.empty());
    m_errors = check_payload(EventType::complaint_opened, actor(), payload, complaint_fields);
    if (!m_errors.empty())
        return {};
    m_complaint.reset();
    return record(EventType::complaint_opened, actor(), std::move(payload), Awaiting::logged);
}

Effects StaffFlow::submit_resolution(int64_t)
{
    m_errors.clear();
    Json payload{{"on_the_spot", m_drafts.on_the_spot}};
    if (!m_drafts.resolution.empty())
        payload["resolution"] = m_drafts.resolution;
    if (amount_allowed(m_drafts.resolution) && !is_blank(m_drafts.amount_text)) {
        auto cents = parse_amount_cents(m_drafts.amount_text);
        if (!cents) {
            m_errors.push_back(error_on(Field::amount, keys::amount_needed));
        } else if (*cents > m_member->refund_limit_cents) {
            m_errors.push_back(FieldError{
                Field::amount, Message{std::string(keys::above_limit), {}, {{"limit", m_member->refund_limit_cents}}}});
        } else {
            payload["amount_cents"] = *cents;
        }
    }
    if (!is_blank(m_drafts.note))
        payload["note"] = m_drafts.note;
    for (FieldError& error : check_payload(EventType::complaint_resolved, actor(), payload, resolution_fields))
        if (!find_error(m_errors, error.field))
            m_errors.push_back(std::move(error));
    if (!m_errors.empty())
        return {};
    return record(EventType::complaint_resolved, actor(), std::move(payload), Awaiting::resolution);
}

Effects StaffFlow::submit_response(int64_t)
{
    m_errors.clear();
    if (!m_drafts.satisfaction) {
        m_errors.push_back(error_on(Field::satisfied, keys::required));
        return {};
    }
    bool satisfied = *m_drafts.satisfaction == Satisfaction::satisfied;
    Json payload{{"satisfied", satisfied}};
    if (m_drafts.handling_score)
        payload["handling_score"] = *m_drafts.handling_score;
    if (!is_blank(m_drafts.comment))
        payload["comment"] = m_drafts.comment;
    m_errors = check_payload(EventType::complaint_customer_response, "kiosk", payload, response_fields);
    if (!m_errors.empty())
        return {};
    // The customer answers on the handed-over screen: the kiosk is the actor.
    return record(EventType::complaint_customer_response, "kiosk", std::move(payload), Awaiting::answer);
}

Effects StaffFlow::submit_reason(EventType type, int64_t)
{
    Json payload = Json::object();
    if (!is_blank(m_drafts.reason))
        payload["reason"] = m_drafts.reason;
    m_errors = check_payload(type, actor(), payload, reason_fields);
    if (!m_errors.empty())
        return {};
    return record(type, actor(), std::move(payload), Awaiting::step);
}

Effects StaffFlow::submit_close(int64_t)
{
    Json payload{{"outcome", m_drafts.close_outcome}};
    if (m_drafts.close_outcome == "referred_external" && !is_blank(m_drafts.external_body))
        payload["external_body"] = m_drafts.external_body;
    if (!is_blank(m_drafts.note))
        payload["note"] = m_drafts.note;
    m_errors = check_payload(EventType::complaint_closed, actor(), payload, close_fields);
    if (!m_errors.empty())
        return {};
    return record(EventType::complaint_closed, actor(), std::move(payload), Awaiting::step);
}

Effects StaffFlow::submit_find(int64_t)
{
    m_errors.clear();
    if (is_blank(m_drafts.query)) {
        m_errors.push_back(error_on(Field::reference_query, keys::required));
        return {};
    }
    auto code = parse_refcode(m_drafts.query);
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
    auto events = m_store.complaint_events(complaint_id);
    auto contact = m_store.contact_left(complaint_id);
    if (!events || !contact) {
        m_errors.push_back(store_error(!events ? events.error() : contact.error()));
        return false;
    }
    m_complaint = std::move(*state);
    m_complaint_events = std::move(*events);
    m_contact_left = *contact;
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

Effects StaffFlow::record(EventType type, std::string actor, Json payload, Awaiting then)
{
    assert(!awaiting() && "StaffFlow::record: a second effect before the first one's result");
    store::NewEvent event;
    event.type = type;
    if (type != EventType::complaint_opened) {
        assert(m_complaint && "StaffFlow::record: a complaint step without a complaint");
        event.subject = m_complaint->complaint_id;
    }
    event.actor = std::move(actor);
    event.payload = std::move(payload);
    m_awaiting = then;
    Effects effects;
    effects.record = std::move(event);
    return effects;
}

Effects StaffFlow::recorded(Awaiting what, const store::RecordedEvent& event, int64_t now_ms)
{
    switch (what) {
    case Awaiting::logged: {
        // The walk-in customer's receipt, in the store's language.
        Effects receipt = print_receipt_for(event, m_config.default_locale,
                                            std::exchange(m_drafts.complaint, {}).customer_wish, now_ms);
        if (!load_complaint(event.subject))
            return receipt;
        m_complaint_origin = Screen::staff_menu;
        start_solving(true); // solve first, find the cause later
        m_notice = notice(keys::complaint_logged, {{"reference", event.reference}});
        return receipt;
    }
    case Awaiting::step:
    case Awaiting::closing: show_complaint(notice(keys::saved)); break;
    case Awaiting::resolution:
        load_complaint(m_complaint->complaint_id);
        m_drafts.satisfaction.reset();
        m_drafts.handling_score.reset();
        m_drafts.comment.clear();
        go(Screen::staff_customer_response); // hand the screen to the customer
        break;
    case Awaiting::answer:
        if (m_drafts.satisfaction == Satisfaction::satisfied) // the customer leads the closing
            return record(EventType::complaint_closed, actor(), Json{{"outcome", "resolved"}}, Awaiting::closing);
        load_complaint(m_complaint->complaint_id);
        go(Screen::staff_not_satisfied);
        break;
    case Awaiting::nothing:
    case Awaiting::pin:
    case Awaiting::leaving: assert(false && "StaffFlow::recorded: no recording was awaited"); break;
    }
    return {};
}

void StaffFlow::record_failed(Awaiting what, const Error& error)
{
    m_errors.push_back(store_error(error));
    if (what == Awaiting::step && m_complaint) {
        load_complaint(m_complaint->complaint_id); // the state may have moved on elsewhere
    } else if (what == Awaiting::closing) {
        // The answer is recorded; the hub offers close_resolved again, with the error.
        std::vector<FieldError> errors = m_errors;
        show_complaint(std::nullopt);
        m_errors.insert(m_errors.end(), errors.begin(), errors.end());
    }
}

// =============================================================================
// [SECTION] The whole complaint: what was said, who did what, where
// =============================================================================

namespace {

std::string payload_string(const Json& payload, const char* field)
{
    auto it = payload.find(field);
    return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The text a step carries, whichever field its type writes it in.
std::string step_text(const Event& event)
{
    const Json& p = event.payload;
    if (event.type == EventType::complaint_action_planned)
        return payload_string(p, "description") + " · " + payload_string(p, "owner");
    for (const char* field : {"reason", "comment", "decision", "note"})
        if (std::string text = payload_string(p, field); !text.empty())
            return text;
    return {};
}

} // namespace

TimelineStep StaffFlow::timeline_step(const Event& event) const
{
    TimelineStep step;
    step.type = event.type;
    step.key = "staff.step." + std::string(to_string(event.type));
    step.at_ms = event.occurred_at_ms;
    step.by_head_office = event.actor.starts_with("hq:");
    if (step.by_head_office) {
        step.who = event.actor.substr(3);
        step.place = StepPlace::head_office;
    } else {
        step.place = event.device_id == m_store.device().device_id ? StepPlace::this_terminal
                                                                    : StepPlace::other_terminal;
        if (event.actor.starts_with("staff:")) {
            step.who = event.actor.substr(6);
            for (const config::StaffMember& member : m_config.staff)
                if (member.id == step.who)
                    step.who = member.name;
        }
    }
    const Json& p = event.payload;
    if (std::string_view key = resolution_key(payload_string(p, "resolution")); !key.empty())
        step.choice_key = key;
    if (std::string_view key = outcome_key(payload_string(p, "outcome")); !key.empty())
        step.choice_key = key;
    if (std::string_view key = severity_key(payload_string(p, "severity")); !key.empty())
        step.choice_key = key;
    if (event.type == EventType::complaint_assessed)
        step.owner = payload_string(p, "owner");
    if (std::string_view key = communication_key(payload_string(p, "communicated")); !key.empty())
        step.communicated_key = key;
    if (event.type == EventType::complaint_messaged) {
        step.choice_key = message_kind_key(payload_string(p, "message"));
        step.communicated_key = message_status_key(payload_string(p, "status"));
    }
    if (event.type == EventType::complaint_root_cause_recorded)
        step.choice_text = choice_text(m_config.root_causes, payload_string(p, "root_cause"));
    if (auto amount = p.find("amount_cents"); amount != p.end() && amount->is_number_integer())
        step.amount_cents = amount->get<int64_t>();
    if (event.type != EventType::complaint_opened) // its description has a line of its own
        step.text = step_text(event);
    return step;
}

ComplaintDetail StaffFlow::complaint_detail() const
{
    ComplaintDetail detail;
    detail.contact = m_contact_left;
    for (const Event& event : m_complaint_events) {
        const Json& p = event.payload;
        if (event.type == EventType::complaint_opened) {
            detail.description = payload_string(p, "description");
            detail.customer_wish = payload_string(p, "customer_wish");
            detail.product_ref = payload_string(p, "product_ref");
            detail.receipt_ref = payload_string(p, "receipt_ref");
            TimelineStep opened = timeline_step(event);
            detail.logged_by = opened.who;
            detail.logged_at = opened.place;
            // The reference's middle segment is the terminal that made it.
            const std::string reference = payload_string(p, "reference");
            if (opened.place != StepPlace::head_office && reference.size() > 6)
                detail.terminal_code = reference.substr(refcode_store_length + 1, refcode_terminal_length);
        }
        // The assessment may come with the opening or later from head office.
        if (!payload_string(p, "severity").empty())
            detail.severity_key = severity_key(m_complaint->severity);
        detail.timeline.push_back(timeline_step(event));
    }
    detail.owner = m_complaint->owner;
    return detail;
}

// =============================================================================
// [SECTION] The view
// =============================================================================

DeadlineStatus StaffFlow::deadline_status(int64_t opened_at_ms, std::string_view severity,
                                          const std::optional<int64_t>& answered_at, int64_t now_ms) const
{
    DeadlineStatus status;
    status.answered = answered_at.has_value();
    const auto deadline = config::complaint_deadline_with_limit(m_config, opened_at_ms, severity_level(severity));
    if (!deadline)
        return status;
    status.at_ms = deadline->due_at_ms;
    status.unit = deadline->limit.unit;
    if (status.answered)
        return status;
    status.left_ms = config::working_time_between(m_config.calendar, now_ms, deadline->due_at_ms, status.unit);
    status.overdue = now_ms > deadline->due_at_ms;
    return status;
}

namespace {

// The open list's working order (OpenComplaintRow): serious first, then what
// still has a deadline running by that deadline; the rest keep the store's
// order (oldest first).
bool works_before(const OpenComplaintRow& a, const OpenComplaintRow& b)
{
    auto serious = [](const OpenComplaintRow& row) { return row.severity >= Severity::high; };
    auto running = [](const OpenComplaintRow& row) { return row.deadline.left_ms.has_value(); };
    if (serious(a) != serious(b))
        return serious(a);
    if (running(a) != running(b))
        return running(a);
    return running(a) && *a.deadline.at_ms < *b.deadline.at_ms;
}

} // namespace

StaffView StaffFlow::view(int64_t now_ms) const
{
    StaffView view;
    view.screen = m_screen;
    view.pin_length = static_cast<int>(m_drafts.pin.size());
    view.locked = m_lock.locked(now_ms);
    view.lock_seconds_left = m_lock.seconds_left(now_ms);
    view.attempts_left = m_lock.attempts_left(now_ms);
    if (m_member) {
        view.staff_id = m_member->id;
        view.staff_name = m_member->name;
        view.refund_limit_cents = m_member->refund_limit_cents;
    }

    for (const Channel& channel : channels)
        if (channel.use == ChannelUse::people)
            view.channels.push_back(Chip{std::string(channel.wire), {}, std::string(channel.key),
                                         channel.wire == m_drafts.complaint.channel});
    for (const config::Choice& choice : m_config.complaint_categories)
        view.categories.push_back(Chip{choice.id, category_text(choice.id), {}, choice.id == m_drafts.complaint.category});
    view.draft = m_drafts.complaint;

    for (const Resolution& resolution : resolutions)
        view.resolutions.push_back(Chip{std::string(resolution.wire), {}, std::string(resolution.key),
                                        resolution.wire == m_drafts.resolution});
    view.amount_text = m_drafts.amount_text;
    view.amount_required = amount_rule(m_drafts.resolution) == AmountRule::required;
    view.amount_allowed = amount_allowed(m_drafts.resolution);
    view.note = m_drafts.note;
    view.on_the_spot = m_drafts.on_the_spot;

    view.satisfaction = m_drafts.satisfaction;
    view.handling_score = m_drafts.handling_score;
    view.comment = m_drafts.comment;

    view.promise_limits = config::promised_answer_limits(m_config);
    for (const store::ComplaintSummary& summary : m_open) {
        OpenComplaintRow row;
        row.complaint_id = summary.id;
        row.reference = summary.reference;
        row.status = summary.status;
        row.category = summary.category;
        row.category_text = category_text(summary.category);
        row.channel = summary.channel;
        row.severity = severity_level(summary.severity);
        row.severity_key = severity_key(summary.severity);
        row.opened_at_ms = summary.opened_at;
        row.deadline = deadline_status(summary.opened_at, summary.severity, summary.answered_at, now_ms);
        view.open_complaints.push_back(std::move(row));
    }
    std::stable_sort(view.open_complaints.begin(), view.open_complaints.end(), works_before);

    if (m_complaint) {
        view.complaint = m_complaint;
        view.complaint_category_text = category_text(m_complaint->category);
        if (!m_complaint->root_cause.empty())
            view.root_cause_text = choice_text(m_config.root_causes, m_complaint->root_cause);
        view.detail = complaint_detail();
        if (m_complaint->opened_at)
            view.deadline =
                deadline_status(*m_complaint->opened_at, m_complaint->severity, m_complaint->answered_at, now_ms);
        for (const PlannedAction& action : m_complaint->actions)
            view.planned_actions.push_back(PlannedActionRow{action, !action.checked_at && now_ms > action.due_at});
        view.actions = allowed_actions();
        if (m_screen == Screen::staff_not_satisfied)
            std::erase_if(view.actions, [](ComplaintAction action) {
                return action != ComplaintAction::resolve && action != ComplaintAction::escalate;
            });
    }
    view.reason = m_drafts.reason;
    view.close_outcome = m_drafts.close_outcome;
    view.external_body = m_drafts.external_body;
    view.reference_query = m_drafts.query;
    view.status = m_status;
    view.sync = m_sync;
    view.leaving = m_awaiting == Awaiting::leaving;
    view.printer_problem = m_printer_problem;
    view.contact_offered = m_contact_offered;
    view.notice = m_notice;
    view.errors = m_errors;
    if (m_screen == Screen::staff_pin && view.locked)
        view.errors = {error_on(Field::pin, keys::pin_locked, {{"seconds", std::to_string(view.lock_seconds_left)}})};
    return view;
}

} // namespace feedback::flows
