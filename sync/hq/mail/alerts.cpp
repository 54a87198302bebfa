// Raising alerts and queueing their e-mails and digests (alerts.h).
#include "hq/mail/alerts.h"

#include "config/kiosk_config.h"
#include "domain/clock.h"
#include "domain/time_zone.h"
#include "domain/vocabulary.h"
#include "hq/device_flags.h"
#include "hq/hq_schema.h"
#include "hq/mail/outbox.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace feedback::hq::mail {

namespace {

using sql::Transaction;

constexpr int64_t day_ms = 24 * 3'600'000LL;
// Complaints this old are history, not alerts (a head office that starts
// alerting does not mail about last year's complaints).
constexpr int64_t complaint_horizon_ms = 60 * day_ms;
constexpr int64_t call_back_horizon_ms = 7 * day_ms;

struct Person {
    std::string name;
    std::string role;
    std::string email;
    std::vector<std::string> stores; // empty: the whole chain
    std::map<AlertCause, AlertDelivery> choices;

    bool sees(const std::string& store_code) const
    {
        return stores.empty() || std::find(stores.begin(), stores.end(), store_code) != stores.end();
    }
    bool handles_complaints() const { return role == "manager" || role == "admin"; }
};

// Every enabled user with an e-mail address, with their choices.
Result<std::vector<Person>> people(sql::Connection& db)
{
    auto stmt = db.prepare("SELECT name, role, email FROM web_users WHERE disabled_at IS NULL AND email != '' "
                           "ORDER BY name");
    FEEDBACK_TRY(stmt);
    std::vector<Person> out;
    for (;;) {
        auto row = stmt->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        out.push_back(Person{stmt->column_text(0), stmt->column_text(1), stmt->column_text(2), {}, {}});
    }
    // Each one's stores by a query of their own: the two backends join
    // texts differently (group_concat, string_agg).
    auto stores = db.cached("SELECT store_code FROM web_user_stores WHERE user_name = ?1 ORDER BY store_code");
    FEEDBACK_TRY(stores);
    for (Person& person : out) {
        (*stores)->bind(1, person.name);
        for (;;) {
            auto row = (*stores)->step();
            FEEDBACK_TRY(row);
            if (!*row)
                break;
            person.stores.push_back((*stores)->column_text(0));
        }
        auto choices = alert_choices(db, person.name);
        FEEDBACK_TRY(choices);
        person.choices = std::move(*choices);
    }
    return out;
}

// "2026-12-08 16:00" in `zone`.
std::string local_text(const TimeZone& zone, int64_t utc_ms)
{
    CivilTime t = zone.to_local(utc_ms).civil;
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d", t.year, t.month, t.day, t.hour, t.minute);
    return text;
}

bool store_is_open(const config::StoreCalendar& calendar, int64_t utc_ms)
{
    const LocalTime local = calendar.zone.to_local(utc_ms);
    CivilTime midnight = local.civil;
    midnight.hour = midnight.minute = midnight.second = midnight.millisecond = 0;
    const config::LocalDay day = civil_ms(midnight) / day_ms;
    if (std::binary_search(calendar.public_holidays.begin(), calendar.public_holidays.end(), day))
        return false;
    const auto& hours = calendar.opening_hours[static_cast<size_t>(local.weekday)];
    const int minute = local.civil.hour * 60 + local.civil.minute;
    return hours && minute >= hours->opens_minute && minute < hours->closes_minute;
}

// One alert: what it is about and what it says.
struct Alert {
    AlertCause cause;
    std::string key;        // the cause's key, unique: "deadline_missed:<id>:<deadline>"
    std::string store_code;
    std::string complaint_id; // empty for a terminal's alerts
    std::string owner;        // a complaint's owner (a user name), if any
    std::string subject;
    std::string link;
};

class Raiser {
public:
    Raiser(HqStore& store, const AlertContext& context, std::vector<Person> people, int64_t now_ms)
        : m_db(store.connection()), m_context(context), m_people(std::move(people)), m_now(now_ms)
    {
    }

    Result<void> raise(const Alert& alert)
    {
        for (const Person& person : m_people) {
            const bool concerned = person.name == alert.owner ||
                                   (person.handles_complaints() && person.sees(alert.store_code));
            if (!concerned)
                continue;
            auto choice = person.choices.find(alert.cause);
            const AlertDelivery delivery =
                choice == person.choices.end() ? AlertDelivery::immediate : choice->second;
            if (delivery == AlertDelivery::off)
                continue;
            const std::string line = alert.subject + "\n  " + alert.link;
            auto insert = m_db.cached("INSERT INTO alerts_raised(cause_key, user_name, delivery, line, raised_at) "
                                      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING RETURNING 1");
            FEEDBACK_TRY(insert);
            auto inserted = (*insert)
                                ->bind(1, alert.key)
                                .bind(2, person.name)
                                .bind(3, to_string(delivery))
                                .bind(4, line)
                                .bind(5, m_now)
                                .step();
            FEEDBACK_TRY(inserted);
            (*insert)->reset();
            if (!*inserted)
                continue; // raised before: once per cause
            ++m_scan.raised;
            if (delivery == AlertDelivery::immediate) {
                const std::string body = m_context.text("alert.body", {{"what", alert.subject},
                                                                       {"link", alert.link},
                                                                       {"account", m_context.public_url + "/account"}});
                FEEDBACK_TRY(queue("alert", "alert:" + alert.key + ":" + person.name, alert.complaint_id,
                                   alert.store_code, person.email, alert.subject, body));
            }
        }
        return {};
    }

    // Once a day at digest_hour (chain time) or later: each person's digest
    // lines raised before that hour, in one e-mail.
    Result<void> send_digests(const TimeZone& zone)
    {
        const LocalTime local = zone.to_local(m_now);
        CivilTime digest_time = local.civil;
        digest_time.hour = m_context.digest_hour;
        digest_time.minute = digest_time.second = digest_time.millisecond = 0;
        const int64_t cutoff = zone.to_utc(digest_time);
        if (m_now < cutoff)
            return {};
        char day[16];
        std::snprintf(day, sizeof day, "%04d-%02d-%02d", local.civil.year, local.civil.month, local.civil.day);
        for (const Person& person : m_people) {
            auto lines = m_db.cached("SELECT line FROM alerts_raised WHERE user_name = ?1 AND delivery = 'digest' "
                                     "AND digest_at IS NULL AND raised_at < ?2 ORDER BY raised_at, cause_key");
            FEEDBACK_TRY(lines);
            (*lines)->bind(1, person.name).bind(2, cutoff);
            std::string text;
            int count = 0;
            for (;;) {
                auto row = (*lines)->step();
                FEEDBACK_TRY(row);
                if (!*row)
                    break;
                text += "- " + (*lines)->column_text(0) + "\n";
                ++count;
            }
            if (count == 0)
                continue;
            const std::string key = "digest:" + person.name + ":" + day;
            const std::string subject = m_context.text("alert.digest_subject", {{"date", day}, {"count", std::to_string(count)}});
            const std::string body = m_context.text("alert.digest_body", {{"lines", text},
                                                                          {"account", m_context.public_url + "/account"}});
            auto queued = queue("digest", key, "", "", person.email, subject, body);
            FEEDBACK_TRY(queued);
            if (!*queued)
                continue; // today's went out already
            auto taken = m_db.cached("UPDATE alerts_raised SET digest_at = ?2 WHERE user_name = ?1 AND "
                                     "delivery = 'digest' AND digest_at IS NULL AND raised_at < ?3");
            FEEDBACK_TRY(taken);
            FEEDBACK_TRY((*taken)->bind(1, person.name).bind(2, m_now).bind(3, cutoff).run());
        }
        return {};
    }

    const AlertScan& scan() const { return m_scan; }

private:
    // Queues one e-mail in the outbox; false when its key was queued before.
    Result<bool> queue(std::string_view kind, const std::string& key, const std::string& complaint_id,
                       const std::string& store_code, const std::string& to, const std::string& subject,
                       const std::string& body)
    {
        auto insert = m_db.cached(
            "INSERT INTO mail_outbox(message_key, kind, complaint_id, store_code, recipient, subject, body, status, "
            "next_attempt_at, queued_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?8, ?8) "
            "ON CONFLICT(message_key) DO NOTHING RETURNING id");
        FEEDBACK_TRY(insert);
        auto inserted = (*insert)
                            ->bind(1, key)
                            .bind(2, kind)
                            .bind(3, complaint_id)
                            .bind(4, store_code)
                            .bind(5, to)
                            .bind(6, subject)
                            .bind(7, body)
                            .bind(8, m_now)
                            .step();
        FEEDBACK_TRY(inserted);
        (*insert)->reset();
        if (!*inserted)
            return false;
        ++m_scan.queued;
        return true;
    }

    sql::Connection& m_db;
    const AlertContext& m_context;
    std::vector<Person> m_people;
    int64_t m_now;
    AlertScan m_scan;
};

// The alerts the complaints call for now.
Result<std::vector<Alert>> complaint_alerts(HqStore& store, const AlertContext& context, ConfigCache& configs,
                                            int64_t now_ms)
{
    auto stmt = store.connection().prepare(
        "SELECT complaint_id, reference, store_code, severity, owner, escalated, opened_at, deadline_at, "
        "first_response_at FROM dashboard_complaints WHERE opened_at >= ?1 AND status NOT IN ('closed', '') "
        "ORDER BY opened_at, complaint_id");
    FEEDBACK_TRY(stmt);
    stmt->bind(1, now_ms - complaint_horizon_ms);
    std::vector<Alert> alerts;
    for (;;) {
        auto row = stmt->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        const std::string id = stmt->column_text(0);
        const std::string reference = stmt->column_text(1);
        const std::string store_code = stmt->column_text(2);
        const std::string severity = stmt->column_text(3);
        const config::KioskConfig& config = store_config(store, store_code, context.fallback_config, configs);
        const std::map<std::string, std::string> values{{"reference", reference}, {"store", config.store_name}};
        Alert base{AlertCause::escalated, "", store_code, id, stmt->column_text(4), "",
                   context.public_url + "/complaints/" + id};
        auto add = [&](AlertCause cause, std::string key, std::map<std::string, std::string> extra = {}) {
            Alert alert = base;
            alert.cause = cause;
            alert.key = std::string(to_string(cause)) + ":" + id + key;
            extra.insert(values.begin(), values.end());
            alert.subject = context.text("alert.subject." + std::string(to_string(cause)), extra);
            alerts.push_back(std::move(alert));
        };
        if (stmt->column_int64(5) != 0)
            add(AlertCause::escalated, "");
        if (severity == "high" || severity == "safety")
            add(AlertCause::serious, ":" + severity,
                {{"severity", context.text(std::string(severity_key(severity)), {})}});
        const auto opened_at = stmt->column_int64(6);
        const auto deadline = stmt->column_optional_int64(7);
        const bool answered = stmt->column_optional_int64(8).has_value();
        if (deadline && !answered) {
            const std::string due = local_text(config.calendar.zone, *deadline);
            if (now_ms > *deadline)
                add(AlertCause::deadline_missed, ":" + std::to_string(*deadline), {{"deadline", due}});
            else if (now_ms >= opened_at + (*deadline - opened_at) * 4 / 5)
                add(AlertCause::deadline_near, ":" + std::to_string(*deadline), {{"deadline", due}});
        }
    }
    return alerts;
}

// Detractors who left contact details to be called back, not yet followed up.
Result<std::vector<Alert>> call_back_alerts(HqStore& store, const AlertContext& context, ConfigCache& configs,
                                            int64_t now_ms)
{
    auto stmt = store.connection().prepare(
        "SELECT rating_id, store_code, score FROM dashboard_ratings WHERE contact_given = 1 AND score <= 6 AND "
        "misuse = 0 AND followed_up_at IS NULL AND occurred_at >= ?1 ORDER BY occurred_at, rating_id");
    FEEDBACK_TRY(stmt);
    stmt->bind(1, now_ms - call_back_horizon_ms);
    std::vector<Alert> alerts;
    for (;;) {
        auto row = stmt->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        const std::string id = stmt->column_text(0);
        const std::string store_code = stmt->column_text(1);
        const config::KioskConfig& config = store_config(store, store_code, context.fallback_config, configs);
        alerts.push_back(Alert{AlertCause::call_back, "call_back:" + id, store_code, "", "",
                               context.text("alert.subject.call_back", {{"store", config.store_name},
                                                                        {"score", std::to_string(stmt->column_int64(2))}}),
                               context.public_url + "/callbacks/" + id});
    }
    return alerts;
}

// Terminals silent while their store is open, and backlogs that keep growing
// (alert_backlogs follows each terminal's reported backlog from scan to scan).
Result<std::vector<Alert>> terminal_alerts(HqStore& store, const AlertContext& context, ConfigCache& configs,
                                           int64_t now_ms)
{
    sql::Connection& db = store.connection();
    auto stmt = db.prepare("SELECT d.id, d.store_code, d.terminal_code, d.last_seen_at, d.last_backlog, "
                           "b.backlog, b.growing_since FROM devices d LEFT JOIN alert_backlogs b ON b.device_id = d.id "
                           "WHERE d.revoked_at IS NULL AND d.last_seen_at IS NOT NULL ORDER BY d.id");
    FEEDBACK_TRY(stmt);
    std::vector<Alert> alerts;
    struct Backlog {
        std::string device;
        int64_t backlog;
        std::optional<int64_t> growing_since;
    };
    std::vector<Backlog> backlogs;
    for (;;) {
        auto row = stmt->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        const std::string device = stmt->column_text(0);
        const std::string store_code = stmt->column_text(1);
        const std::string terminal = store_code + "-" + stmt->column_text(2);
        const int64_t last_seen = stmt->column_int64(3);
        const config::KioskConfig& config = store_config(store, store_code, context.fallback_config, configs);
        const std::string link = context.public_url + "/devices";
        if (now_ms - last_seen >= context.terminal_silent_ms && store_is_open(config.calendar, now_ms))
            alerts.push_back(Alert{AlertCause::terminal_silent,
                                   "terminal_silent:" + device + ":" + std::to_string(last_seen), store_code, "", "",
                                   context.text("alert.subject.terminal_silent",
                                                {{"terminal", terminal},
                                                 {"store", config.store_name},
                                                 {"since", local_text(config.calendar.zone, last_seen)}}),
                                   link});
        const auto reported = stmt->column_optional_int64(4);
        if (!reported)
            continue;
        const auto previous = stmt->column_optional_int64(5);
        const std::optional<int64_t> growing_before = stmt->column_optional_int64(6);
        std::optional<int64_t> growing_since = growing_before;
        if (previous && *reported > *previous)
            growing_since = growing_since.value_or(now_ms);
        else if (previous && *reported < *previous)
            growing_since.reset();
        // Only what changed is written: a fleet's terminals mostly report
        // the same backlog (0) scan after scan.
        if (previous != reported || growing_since != growing_before)
            backlogs.push_back({device, *reported, growing_since});
        if (growing_since && now_ms - *growing_since >= context.backlog_growing_ms &&
            *reported >= context.backlog_minimum)
            alerts.push_back(Alert{AlertCause::backlog_growing,
                                   "backlog_growing:" + device + ":" + std::to_string(*growing_since), store_code, "",
                                   "",
                                   context.text("alert.subject.backlog_growing",
                                                {{"terminal", terminal},
                                                 {"store", config.store_name},
                                                 {"backlog", std::to_string(*reported)}}),
                                   link});
    }
    // What needs a person on the spot (the devices page's flags), once a day
    // per terminal and problem while it lasts.
    auto devices = store.devices();
    FEEDBACK_TRY(devices);
    const std::string today = format_utc_iso8601(now_ms).substr(0, 10);
    for (const Device& d : *devices) {
        if (d.revoked_at)
            continue;
        const config::KioskConfig& config = store_config(store, d.store_code, context.fallback_config, configs);
        for (const std::string& flag : device_flags(d))
            alerts.push_back(Alert{AlertCause::device_trouble, "device_trouble:" + d.id + ":" + flag + ":" + today,
                                   d.store_code, "", "",
                                   context.text("alert.subject.device_trouble",
                                                {{"terminal", d.store_code + "-" + d.terminal_code},
                                                 {"store", config.store_name},
                                                 {"problem", context.text("devices.flag." + flag, {})}}),
                                   context.public_url + "/devices"});
    }
    auto keep = db.cached("INSERT INTO alert_backlogs(device_id, backlog, growing_since) VALUES (?1, ?2, ?3) "
                          "ON CONFLICT(device_id) DO UPDATE SET backlog = excluded.backlog, "
                          "growing_since = excluded.growing_since");
    FEEDBACK_TRY(keep);
    for (const Backlog& backlog : backlogs) {
        (*keep)->bind(1, backlog.device).bind(2, backlog.backlog);
        if (backlog.growing_since)
            (*keep)->bind(3, *backlog.growing_since);
        else
            (*keep)->bind_null(3);
        FEEDBACK_TRY((*keep)->run());
    }
    return alerts;
}

} // namespace

std::string_view to_string(AlertCause cause)
{
    switch (cause) {
    case AlertCause::escalated: return "escalated";
    case AlertCause::serious: return "serious";
    case AlertCause::deadline_near: return "deadline_near";
    case AlertCause::deadline_missed: return "deadline_missed";
    case AlertCause::call_back: return "call_back";
    case AlertCause::terminal_silent: return "terminal_silent";
    case AlertCause::backlog_growing: return "backlog_growing";
    case AlertCause::device_trouble: return "device_trouble";
    }
    return "escalated";
}

std::optional<AlertCause> alert_cause_from_string(std::string_view name)
{
    for (AlertCause cause : all_alert_causes)
        if (to_string(cause) == name)
            return cause;
    return std::nullopt;
}

std::string_view to_string(AlertDelivery delivery)
{
    switch (delivery) {
    case AlertDelivery::off: return "off";
    case AlertDelivery::immediate: return "immediate";
    case AlertDelivery::digest: return "digest";
    }
    return "off";
}

std::optional<AlertDelivery> alert_delivery_from_string(std::string_view name)
{
    for (AlertDelivery delivery : {AlertDelivery::off, AlertDelivery::immediate, AlertDelivery::digest})
        if (to_string(delivery) == name)
            return delivery;
    return std::nullopt;
}

Result<std::map<AlertCause, AlertDelivery>> alert_choices(sql::Connection& db, std::string_view user_name)
{
    std::map<AlertCause, AlertDelivery> choices;
    for (AlertCause cause : all_alert_causes)
        choices[cause] = AlertDelivery::immediate;
    auto stmt = db.cached("SELECT cause, delivery FROM alert_choices WHERE user_name = ?1");
    FEEDBACK_TRY(stmt);
    (*stmt)->bind(1, user_name);
    for (;;) {
        auto row = (*stmt)->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        auto cause = alert_cause_from_string((*stmt)->column_text(0));
        auto delivery = alert_delivery_from_string((*stmt)->column_text(1));
        if (cause && delivery)
            choices[*cause] = *delivery;
    }
    return choices;
}

Result<void> set_alert_choice(sql::Connection& db, std::string_view user_name, AlertCause cause,
                              AlertDelivery delivery)
{
    auto stmt = db.cached("INSERT INTO alert_choices(user_name, cause, delivery) VALUES (?1, ?2, ?3) "
                          "ON CONFLICT(user_name, cause) DO UPDATE SET delivery = excluded.delivery");
    FEEDBACK_TRY(stmt);
    return (*stmt)->bind(1, user_name).bind(2, to_string(cause)).bind(3, to_string(delivery)).run();
}

Result<AlertScan> scan_alerts(HqStore& store, const AlertContext& context, int64_t now_ms)
{
    sql::Connection& db = store.connection();
    auto txn = Transaction::begin(db);
    FEEDBACK_TRY(txn);
    if (db.backend() == sql::Backend::postgresql) {
        // One scan at a time across head-office processes: another one
        // scanning now raises the same alerts (each once, alerts_raised is
        // unique), so this one has nothing to add.
        auto mine = db.query_int64("SELECT CASE WHEN pg_try_advisory_xact_lock(" +
                                   std::to_string(advisory_lock::alert_scan) + ") THEN 1 ELSE 0 END");
        FEEDBACK_TRY(mine);
        if (*mine == 0)
            return AlertScan{};
    }
    auto everyone = people(db);
    FEEDBACK_TRY(everyone);
    ConfigCache configs;
    Raiser raiser(store, context, std::move(*everyone), now_ms);
    for (auto* find : {&complaint_alerts, &call_back_alerts, &terminal_alerts}) {
        auto alerts = (*find)(store, context, configs, now_ms);
        FEEDBACK_TRY(alerts);
        for (const Alert& alert : *alerts)
            FEEDBACK_TRY(raiser.raise(alert));
    }
    config::KioskConfig chain;
    if (auto parsed = config::parse_config(context.fallback_config))
        chain = std::move(*parsed);
    FEEDBACK_TRY(raiser.send_digests(chain.calendar.zone));
    FEEDBACK_TRY(txn->commit());
    return raiser.scan();
}

} // namespace feedback::hq::mail
