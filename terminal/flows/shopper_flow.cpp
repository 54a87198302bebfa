// The shopper's state machine (diagram in shopper_flow.h): one handler per
// intent, each checking that the intent belongs to the current screen.
#include "flows/shopper_flow.h"

#include "crypto/status_key.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <utility>

namespace feedback::flows {

namespace {

constexpr std::array rating_fields{Field::comment};
constexpr std::array rating_contact_fields{Field::comment, Field::consent, Field::name, Field::phone, Field::email};
constexpr std::array category_fields{Field::category};
constexpr std::array description_fields{Field::description};
constexpr std::array reference_fields{Field::product_ref, Field::receipt_ref};
constexpr std::array wish_fields{Field::customer_wish};
constexpr std::array complaint_fields{Field::channel,     Field::category,    Field::description,
                                      Field::product_ref, Field::receipt_ref, Field::customer_wish,
                                      Field::consent,     Field::name,        Field::phone,
                                      Field::email};

constexpr int64_t ms_per_second = 1000;

// Whole seconds left until `deadline_ms`, rounded up, never negative.
int seconds_until(int64_t deadline_ms, int64_t now_ms)
{
    int64_t left = deadline_ms - now_ms;
    if (left <= 0)
        return 0;
    return static_cast<int>((left + ms_per_second - 1) / ms_per_second);
}

void forget_errors_of(std::vector<FieldError>& errors, Field field)
{
    std::erase_if(errors, [&](const FieldError& error) { return error.field == field || error.field == Field::none; });
}

} // namespace

ShopperFlow::ShopperFlow(config::KioskConfig config)
    : m_config(std::move(config)), m_misuse(m_config.misuse), m_locale(m_config.default_locale)
{
    if (!config::offers_language(m_config, m_locale))
        m_locale = m_config.languages.front();
}

// =============================================================================
// [SECTION] Dispatch, timeouts, reset
// =============================================================================

Effects ShopperFlow::apply(const ShopperIntent& intent, int64_t now_ms)
{
    m_last_intent_ms = now_ms;
    if (awaiting())
        return {};
    return std::visit([&](const auto& concrete) { return on(concrete, now_ms); }, intent);
}

Effects ShopperFlow::apply(const EffectResult& result, int64_t now_ms)
{
    const Awaiting what = std::exchange(m_awaiting, Awaiting::nothing);
    if (what == Awaiting::nothing)
        return {};
    if (const auto* recorded_event = std::get_if<EventRecorded>(&result))
        return recorded(what, recorded_event->event, now_ms);
    if (const auto* failed = std::get_if<RecordFailed>(&result))
        return record_failed(what, failed->error);
    assert(false && "ShopperFlow: a PIN check's or leaving's result for the shopper side");
    return {};
}

void ShopperFlow::tick(int64_t now_ms)
{
    if (awaiting())
        return; // the result comes in this frame; a timeout waits for it
    const int64_t idle_ms = int64_t{m_config.timeouts.shopper_idle_seconds} * ms_per_second;
    const int64_t thank_you_ms = int64_t{m_config.timeouts.thank_you_seconds} * ms_per_second;
    if (m_screen == Screen::shopper_thank_you && now_ms - m_screen_since_ms >= thank_you_ms) {
        reset(now_ms);
        return;
    }
    bool pristine = m_screen == Screen::shopper_start && m_locale == m_config.default_locale && m_errors.empty() &&
                    !m_accessible;
    if (!pristine && now_ms - m_last_intent_ms >= idle_ms)
        reset(now_ms);
}

void ShopperFlow::reset(int64_t now_ms)
{
    m_locale = config::offers_language(m_config, m_config.default_locale) ? m_config.default_locale
                                                                          : m_config.languages.front();
    m_awaiting = Awaiting::nothing;
    m_accessible = false;
    m_score.reset();
    m_rating_id.clear();
    m_reasons.clear();
    m_comment.clear();
    m_contact = {};
    m_complaint = {};
    m_complaint_id.clear();
    m_reference.clear();
    m_status_key.clear();
    m_staff_called = false;
    go(Screen::shopper_start, now_ms);
}

void ShopperFlow::go(Screen screen, int64_t now_ms)
{
    m_screen = screen;
    m_screen_since_ms = now_ms;
    m_errors.clear();
}

bool ShopperFlow::is_detractor() const
{
    return m_score && nps_band(*m_score) == NpsBand::detractor;
}

bool ShopperFlow::is_complaint_screen() const
{
    switch (m_screen) {
    case Screen::complaint_category:
    case Screen::complaint_description:
    case Screen::complaint_reference:
    case Screen::complaint_wish:
    case Screen::complaint_contact_offer:
    case Screen::complaint_contact_details: return true;
    default: return false;
    }
}

// =============================================================================
// [SECTION] Rating
// =============================================================================

Effects ShopperFlow::on(const shopper::TapScore& intent, int64_t now_ms)
{
    if (m_screen != Screen::shopper_start || intent.score < 0 || intent.score > 10)
        return {};
    nlohmann::json payload{{"score", intent.score}, {"survey_version", m_config.version}, {"locale", m_locale}};
    if (m_misuse.note_rating(now_ms))
        payload["misuse"] = "burst";
    m_tapped_score = intent.score;
    return record(EventType::nps_rated, "", std::move(payload), Awaiting::rating);
}

Effects ShopperFlow::on(const shopper::ToggleAccessible&, int64_t)
{
    m_accessible = !m_accessible;
    return {};
}

Effects ShopperFlow::on(const shopper::SetLocale& intent, int64_t)
{
    if (config::offers_language(m_config, intent.locale))
        m_locale = intent.locale;
    return {};
}

Effects ShopperFlow::on(const shopper::ToggleReason& intent, int64_t)
{
    constexpr size_t max_reasons = 10; // validation.h: reason_ids
    if (m_screen != Screen::shopper_why || !m_score)
        return {};
    auto band = m_config.reasons.find(nps_band(*m_score));
    if (band == m_config.reasons.end())
        return {};
    bool offered = std::any_of(band->second.begin(), band->second.end(),
                               [&](const config::Choice& choice) { return choice.id == intent.id; });
    if (!offered)
        return {};
    auto selected = std::find(m_reasons.begin(), m_reasons.end(), intent.id);
    if (selected != m_reasons.end())
        m_reasons.erase(selected);
    else if (m_reasons.size() < max_reasons)
        m_reasons.push_back(intent.id);
    return {};
}

nlohmann::json ShopperFlow::detailed_payload(bool with_contact) const
{
    nlohmann::json payload = nlohmann::json::object();
    if (!m_reasons.empty())
        payload["reason_ids"] = m_reasons;
    if (!is_blank(m_comment))
        payload["comment"] = m_comment;
    if (with_contact)
        payload["contact"] = m_contact.to_json();
    return payload;
}

Effects ShopperFlow::finish_rating(bool with_contact, int64_t now_ms)
{
    nlohmann::json payload = detailed_payload(with_contact);
    if (!payload.empty())
        return record(EventType::nps_detailed, m_rating_id, std::move(payload), Awaiting::details);
    go(Screen::shopper_thank_you, now_ms);
    return {};
}

// =============================================================================
// [SECTION] Complaint
// =============================================================================

Effects ShopperFlow::on(const shopper::StartComplaint&, int64_t now_ms)
{
    if (m_screen != Screen::shopper_start)
        return {};
    m_complaint = {};
    m_complaint.channel = "kiosk";
    go(Screen::complaint_category, now_ms);
    return {};
}

Effects ShopperFlow::on(const shopper::SelectCategory& intent, int64_t)
{
    if (m_screen != Screen::complaint_category)
        return {};
    bool offered = std::any_of(m_config.complaint_categories.begin(), m_config.complaint_categories.end(),
                               [&](const config::Choice& choice) { return choice.id == intent.id; });
    if (offered) {
        m_complaint.category = intent.id;
        forget_errors_of(m_errors, Field::category);
    }
    return {};
}

std::vector<FieldError> ShopperFlow::check_complaint_step(std::span<const Field> fields) const
{
    return check_payload(EventType::complaint_opened, "kiosk", m_complaint.payload(false), fields);
}

Effects ShopperFlow::submit_complaint(bool with_contact, int64_t)
{
    nlohmann::json payload = m_complaint.payload(with_contact);
    payload["locale"] = m_locale; // head office writes to the customer in it
    m_errors = check_payload(EventType::complaint_opened, "kiosk", payload, complaint_fields);
    if (!m_errors.empty())
        return {};
    return record(EventType::complaint_opened, "", std::move(payload), Awaiting::complaint);
}

Effects ShopperFlow::on(const shopper::CallStaff&, int64_t)
{
    if (m_screen != Screen::complaint_done || m_staff_called)
        return {};
    // The request is recorded first; the call follows its result (recorded()).
    return record(EventType::complaint_assistance_requested, m_complaint_id, nlohmann::json::object(),
                  Awaiting::assistance);
}

// =============================================================================
// [SECTION] Shared steps: text, consent, yes / no, next, skip, back
// =============================================================================

Effects ShopperFlow::on(const shopper::SetText& intent, int64_t)
{
    bool taken = false;
    switch (m_screen) {
    case Screen::shopper_why:
        if (intent.field == Field::comment) {
            m_comment = intent.text;
            taken = true;
        }
        break;
    case Screen::shopper_contact_details: taken = set_text(m_contact, intent.field, intent.text); break;
    case Screen::complaint_description:
        taken = intent.field == Field::description && set_text(m_complaint, intent.field, intent.text);
        break;
    case Screen::complaint_reference:
        taken = (intent.field == Field::product_ref || intent.field == Field::receipt_ref) &&
                set_text(m_complaint, intent.field, intent.text);
        break;
    case Screen::complaint_wish:
        taken = intent.field == Field::customer_wish && set_text(m_complaint, intent.field, intent.text);
        break;
    case Screen::complaint_contact_details: taken = set_text(m_complaint.contact, intent.field, intent.text); break;
    default: break;
    }
    if (taken)
        forget_errors_of(m_errors, intent.field);
    return {};
}

Effects ShopperFlow::on(const shopper::ToggleConsent&, int64_t)
{
    if (m_screen == Screen::shopper_contact_details)
        m_contact.consent = !m_contact.consent;
    else if (m_screen == Screen::complaint_contact_details)
        m_complaint.contact.consent = !m_complaint.contact.consent;
    else
        return {};
    forget_errors_of(m_errors, Field::consent);
    return {};
}

Effects ShopperFlow::on(const shopper::Yes&, int64_t now_ms)
{
    if (m_screen == Screen::shopper_contact_offer)
        go(Screen::shopper_contact_details, now_ms);
    else if (m_screen == Screen::complaint_contact_offer)
        go(Screen::complaint_contact_details, now_ms);
    return {};
}

Effects ShopperFlow::on(const shopper::No&, int64_t now_ms)
{
    if (m_screen == Screen::shopper_contact_offer)
        return finish_rating(false, now_ms);
    if (m_screen == Screen::complaint_contact_offer)
        return submit_complaint(false, now_ms);
    return {};
}

Effects ShopperFlow::on(const shopper::Next&, int64_t now_ms)
{
    // Each complaint step checks its own fields and moves on.
    auto step = [&](std::span<const Field> fields, Screen next) {
        m_errors = check_complaint_step(fields);
        if (m_errors.empty())
            go(next, now_ms);
        return Effects{};
    };
    switch (m_screen) {
    case Screen::shopper_why:
        m_errors = check_payload(EventType::nps_detailed, "kiosk", detailed_payload(false), rating_fields);
        if (!m_errors.empty())
            return {};
        if (is_detractor() && m_contact_offered) {
            go(Screen::shopper_contact_offer, now_ms);
            return {};
        }
        return finish_rating(false, now_ms);
    case Screen::shopper_contact_details:
        m_errors = check_payload(EventType::nps_detailed, "kiosk", detailed_payload(true), rating_contact_fields);
        if (!m_errors.empty())
            return {};
        return finish_rating(true, now_ms);
    case Screen::complaint_category: return step(category_fields, Screen::complaint_description);
    case Screen::complaint_description: return step(description_fields, Screen::complaint_reference);
    case Screen::complaint_reference: return step(reference_fields, Screen::complaint_wish);
    case Screen::complaint_wish:
        if (m_contact_offered)
            return step(wish_fields, Screen::complaint_contact_offer);
        m_errors = check_complaint_step(wish_fields);
        return m_errors.empty() ? submit_complaint(false, now_ms) : Effects{};
    case Screen::complaint_contact_details: return submit_complaint(true, now_ms);
    case Screen::shopper_thank_you:
    case Screen::complaint_done: reset(now_ms); return {};
    default: return {};
    }
}

Effects ShopperFlow::on(const shopper::Skip&, int64_t now_ms)
{
    switch (m_screen) {
    case Screen::shopper_why:
        m_reasons.clear();
        m_comment.clear();
        if (is_detractor() && m_contact_offered) {
            go(Screen::shopper_contact_offer, now_ms);
            return {};
        }
        return finish_rating(false, now_ms); // records nothing: nothing was chosen
    case Screen::shopper_contact_details: return finish_rating(false, now_ms);
    case Screen::complaint_reference:
        m_complaint.product_ref.clear();
        m_complaint.receipt_ref.clear();
        go(Screen::complaint_wish, now_ms);
        return {};
    case Screen::complaint_contact_details: return submit_complaint(false, now_ms);
    default: return {};
    }
}

Effects ShopperFlow::on(const shopper::Back&, int64_t now_ms)
{
    // The rating is recorded once tapped, so there is no way back from
    // shopper_why (a second tap would count twice).
    switch (m_screen) {
    case Screen::shopper_contact_offer: go(Screen::shopper_why, now_ms); break;
    case Screen::shopper_contact_details: go(Screen::shopper_contact_offer, now_ms); break;
    case Screen::complaint_category: reset(now_ms); break;
    case Screen::complaint_description: go(Screen::complaint_category, now_ms); break;
    case Screen::complaint_reference: go(Screen::complaint_description, now_ms); break;
    case Screen::complaint_wish: go(Screen::complaint_reference, now_ms); break;
    case Screen::complaint_contact_offer: go(Screen::complaint_wish, now_ms); break;
    case Screen::complaint_contact_details: go(Screen::complaint_contact_offer, now_ms); break;
    default: break;
    }
    return {};
}

Effects ShopperFlow::on(const shopper::Cancel&, int64_t now_ms)
{
    if (is_complaint_screen())
        reset(now_ms);
    return {};
}

Effects ShopperFlow::on(const shopper::Done&, int64_t now_ms)
{
    if (m_screen == Screen::shopper_thank_you || m_screen == Screen::complaint_done)
        reset(now_ms);
    return {};
}

// =============================================================================
// [SECTION] Recording and the view
// =============================================================================

Effects ShopperFlow::record(EventType type, const std::string& subject, nlohmann::json payload, Awaiting then)
{
    assert(!awaiting() && "ShopperFlow::record: a second effect before the first one's result");
    store::NewEvent event;
    event.type = type;
    event.subject = subject;
    event.actor = "kiosk";
    event.payload = std::move(payload);
    m_awaiting = then;
    Effects effects;
    effects.record = std::move(event);
    return effects;
}

Effects ShopperFlow::recorded(Awaiting what, const store::RecordedEvent& event, int64_t now_ms)
{
    switch (what) {
    case Awaiting::rating:
        m_score = m_tapped_score;
        m_rating_id = event.id;
        m_reasons.clear();
        m_comment.clear();
        m_contact = {};
        go(Screen::shopper_why, now_ms);
        return {};
    case Awaiting::details: go(Screen::shopper_thank_you, now_ms); return {};
    case Awaiting::complaint:
        m_complaint_id = event.subject;
        m_reference = event.reference;
        m_status_key = event.status_key;
        m_staff_called = false;
        go(Screen::complaint_done, now_ms);
        return print_receipt_for(event, m_locale, m_complaint.customer_wish, now_ms);
    case Awaiting::assistance: return call_staff();
    case Awaiting::nothing: break;
    }
    return {};
}

Effects ShopperFlow::call_staff()
{
    m_staff_called = true;
    Effects effects;
    effects.call_staff = m_reference;
    return effects;
}

Effects ShopperFlow::record_failed(Awaiting what, const Error& error)
{
    // The error is shown on the same screen and the input stays.
    forget_errors_of(m_errors, Field::none);
    m_errors.push_back(store_error(error));
    // The customer gets a person even when the request cannot be recorded.
    return what == Awaiting::assistance ? call_staff() : Effects{};
}

ShopperView ShopperFlow::view(int64_t now_ms) const
{
    ShopperView view;
    view.screen = m_screen;
    view.locale = m_locale;
    view.locales = m_config.languages;
    view.accessible = m_accessible;
    view.question = m_config.question.in(m_locale);
    for (const config::Promise& promise : m_config.promises)
        view.promises.push_back(promise.text.in(m_locale));

    view.score = m_score;
    if (m_score) {
        auto band = m_config.reasons.find(nps_band(*m_score));
        if (band != m_config.reasons.end()) {
            for (const config::Choice& choice : band->second) {
                bool selected = std::find(m_reasons.begin(), m_reasons.end(), choice.id) != m_reasons.end();
                view.reasons.push_back(Chip{choice.id, choice.label.in(m_locale), {}, selected});
            }
        }
    }
    view.comment = m_comment;
    bool complaint_contact =
        m_screen == Screen::complaint_contact_offer || m_screen == Screen::complaint_contact_details;
    view.contact = complaint_contact ? m_complaint.contact : m_contact;

    for (const config::Choice& choice : m_config.complaint_categories)
        view.categories.push_back(
            Chip{choice.id, choice.label.in(m_locale), {}, choice.id == m_complaint.category});
    view.complaint = m_complaint;
    view.reference = m_reference;
    if (!m_reference.empty() && !m_status_page_url.empty())
        view.status_link = crypto::status_link(m_status_page_url, m_reference, m_status_key);
    view.staff_on_the_way = m_staff_called;

    if (m_screen == Screen::shopper_thank_you)
        view.seconds_left = seconds_until(
            m_screen_since_ms + int64_t{m_config.timeouts.thank_you_seconds} * ms_per_second, now_ms);
    view.errors = m_errors;
    return view;
}

} // namespace feedback::flows
