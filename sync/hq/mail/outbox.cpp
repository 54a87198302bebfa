// The mail outbox: planning messages from events, leasing them to a sender,
// recording what became of them, and the survey links (outbox.h).
#include "hq/mail/outbox.h"

#include "common/protocol.h"
#include "hq/hq_settings.h"
#include "config/kiosk_config.h"
#include "config/message_templates.h"
#include "crypto/sha256.h"
#include "crypto/status_key.h"
#include "domain/money.h"
#include "domain/vocabulary.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace feedback::hq::mail {

namespace {

using Json = nlohmann::json;
using sql::Transaction;

constexpr const char* mail_actor = "hq:mail";
constexpr const char* survey_actor = "hq:survey";
constexpr size_t max_reason_bytes = 480; // complaint.messaged's reason is at most 500 characters

std::string text_of(const Json& payload, const char* key)
{
    auto it = payload.find(key);
    return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// "2026-12-08 16:00" in the store's zone.
std::string local_time_text(const config::KioskConfig& config, int64_t utc_ms)
{
    CivilTime t = config.calendar.zone.to_local(utc_ms).civil;
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d", t.year, t.month, t.day, t.hour, t.minute);
    return text;
}

// The complaint.opened of a complaint, as stored.
Result<std::optional<Event>> opening_of(HqStore& store, const std::string& complaint_id)
{
    auto stmt = store.connection().cached(
        "SELECT body FROM events WHERE subject = ?1 AND type = 'complaint.opened' ORDER BY seq LIMIT 1");
    FEEDBACK_TRY(stmt);
    auto row = (*stmt)->bind(1, complaint_id).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return std::optional<Event>{};
    Json body = Json::parse((*stmt)->column_text(0), nullptr, false);
    (*stmt)->reset();
    auto event = event_from_json(body);
    if (!event)
        return std::optional<Event>{};
    return std::optional<Event>(std::move(*event));
}

struct Recipient {
    std::string email;
    std::string name;
    std::string locale;
};

// The customer's e-mail address, when they gave one with consent: the
// sealed contact opened, in memory only. A contact that does not open (its
// key file is gone) has nobody to write to; the contact page says why.
Result<std::optional<Recipient>> recipient_of(HqStore& store, const Event& opened, const config::KioskConfig& config)
{
    auto sealed = opened.payload.find("contact");
    if (sealed == opened.payload.end() || !sealed->is_object() || sealed->value("consent", false) != true)
        return std::optional<Recipient>{};
    auto contact = store.open_contact(*sealed);
    if (!contact && (contact.error().kind == ErrorKind::not_found || contact.error().kind == ErrorKind::invalid_input ||
                     contact.error().kind == ErrorKind::corrupt))
        return std::optional<Recipient>{};
    FEEDBACK_TRY(contact);
    Recipient recipient{text_of(*contact, "email"), text_of(*contact, "name"), text_of(opened.payload, "locale")};
    if (recipient.email.empty())
        return std::optional<Recipient>{};
    const auto& subjects = config.messages.at("acknowledgement").subject.by_locale;
    if (!subjects.contains(recipient.locale))
        recipient.locale = config.default_locale;
    return std::optional<Recipient>(std::move(recipient));
}

// The message kind an event calls for, or empty.
std::string_view kind_for(const Event& event)
{
    switch (event.type) {
    case EventType::complaint_opened: return "acknowledgement";
    case EventType::complaint_resolved: return "decision";
    case EventType::complaint_closed: return text_of(event.payload, "outcome") == "withdrawn" ? "" : "survey";
    default: return "";
    }
}

// The placeholders' values for a message about `event`.
Result<std::map<std::string, std::string>> values_for(HqStore& store, std::string_view kind, const Event& event,
                                                      const Event& opened, const Recipient& recipient,
                                                      const config::KioskConfig& config, const PlanContext& context,
                                                      int64_t now_ms)
{
    std::string reference = text_of(opened.payload, "reference");
    std::map<std::string, std::string> values{
        {"name", recipient.name},
        {"reference", reference},
        {"store", config.store_name},
        {"status_link", crypto::status_link(status_page_url(context.public_url), reference, "")},
    };
    if (kind == "acknowledgement") {
        values["customer_wish"] = text_of(opened.payload, "customer_wish");
        Severity severity = severity_level(text_of(opened.payload, "severity"));
        if (auto due = config::complaint_deadline(config, opened.occurred_at_ms, severity))
            values["deadline"] = local_time_text(config, *due);
    } else if (kind == "decision") {
        values["decision"] = text_of(event.payload, "decision");
        std::string resolution = text_of(event.payload, "resolution");
        std::string_view key = resolution_key(resolution);
        std::string words = key.empty() || !context.label ? resolution : context.label(recipient.locale, key);
        if (auto amount = event.payload.find("amount_cents"); amount != event.payload.end() && amount->is_number_integer())
            words += " " + format_euros(amount->get<int64_t>(), recipient.locale);
        values["resolution"] = words;
    } else if (kind == "survey") {
        std::string token = sync::random_hex(16);
        auto insert = store.connection().cached(
            "INSERT INTO survey_tokens(token_hash, complaint_id, created_at) VALUES (?1, ?2, ?3)");
        FEEDBACK_TRY(insert);
        FEEDBACK_TRY((*insert)->bind(1, crypto::sha256_hex(token)).bind(2, event.subject).bind(3, now_ms).run());
        values["survey_link"] = context.public_url + "/survey?t=" + token;
    }
    return values;
}

// Queues the message `event` calls for, once; true when it is new.
Result<bool> queue_message(HqStore& store, const Event& event, const std::string& store_code,
                           const PlanContext& context, ConfigCache& configs,
                           int64_t now_ms)
{
    std::string_view kind = kind_for(event);
    if (kind.empty())
        return false;
    auto opened = event.type == EventType::complaint_opened ? Result<std::optional<Event>>(event)
                                                             : opening_of(store, event.subject);
    FEEDBACK_TRY(opened);
    if (!*opened)
        return false; // the opening has not arrived: nobody to write to yet
    const config::KioskConfig& config = store_config(store, store_code, context.fallback_config, configs);
    auto recipient = recipient_of(store, **opened, config);
    FEEDBACK_TRY(recipient);
    if (!*recipient)
        return false;
    std::string key = std::string(kind) + ":" + event.id;
    auto exists = store.connection().cached("SELECT 1 FROM mail_outbox WHERE message_key = ?1");
    FEEDBACK_TRY(exists);
    auto found = (*exists)->bind(1, key).step();
    FEEDBACK_TRY(found);
    if (*found) {
        (*exists)->reset();
        return false;
    }
    auto values = values_for(store, kind, event, **opened, **recipient, config, context, now_ms);
    FEEDBACK_TRY(values);
    // Address, subject and body (which may name the customer) wait sealed
    // like the contact they came from, and are opened only to be sent.
    auto keys = store.keyring();
    FEEDBACK_TRY(keys);
    const Recipient& to = **recipient;
    const config::MessageTemplate& message = config.messages.at(std::string(kind));
    auto insert = store.connection().cached(
        "INSERT INTO mail_outbox(message_key, kind, complaint_id, store_code, recipient, subject, body, status, "
        "next_attempt_at, queued_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?8, ?8)");
    FEEDBACK_TRY(insert);
    FEEDBACK_TRY((*insert)
                     ->bind(1, key)
                     .bind(2, kind)
                     .bind(3, event.subject)
                     .bind(4, store_code)
                     .bind(5, (*keys)->seal_value(to.email))
                     .bind(6, (*keys)->seal_value(config::render_template(message.subject.in(to.locale), *values)))
                     .bind(7, (*keys)->seal_value(config::render_template(message.body.in(to.locale), *values)))
                     .bind(8, now_ms)
                     .run());
    FEEDBACK_TRY(store.record_hq_event_in_transaction(EventType::complaint_messaged, event.subject, mail_actor,
                                                      Json{{"message", kind}, {"status", "queued"}}, now_ms));
    return true;
}

// An outbox column as it is to be sent: sealed for a customer
// (queue_message), in the clear for head office's own people (alerts).
Result<std::string> open_value(HqStore& store, std::string text)
{
    if (!text.starts_with("sealed:"))
        return text;
    auto keys = store.keyring(text.substr(7, crypto::contact_key_id_chars));
    FEEDBACK_TRY(keys);
    return (*keys)->open_value(text);
}

// At most max_reason_bytes, not cutting a UTF-8 character.
std::string short_reason(std::string reason)
{
    if (reason.size() <= max_reason_bytes)
        return reason;
    size_t end = max_reason_bytes;
    while (end > 0 && (static_cast<unsigned char>(reason[end]) & 0xC0) == 0x80)
        --end;
    return reason.substr(0, end) + "...";
}

// The domain of head office's sending address, for Message-IDs.
std::string message_id_domain(const MailSettings& settings)
{
    std::string address = address_of(settings.mail_from);
    auto at = address.rfind('@');
    return at == std::string::npos ? "feedback-hq.invalid" : address.substr(at + 1);
}

} // namespace

const config::KioskConfig& store_config(HqStore& store, const std::string& store_code,
                                        const nlohmann::json& fallback_config, ConfigCache& cache)
{
    auto found = cache.find(store_code);
    if (found != cache.end())
        return found->second;
    config::KioskConfig config;
    config.store_name = store_code;
    auto document = store.config_for(store_code);
    const nlohmann::json& chosen = document && *document ? (*document)->document : fallback_config;
    if (auto parsed = config::parse_config(chosen))
        config = std::move(*parsed);
    return cache.emplace(store_code, std::move(config)).first->second;
}

Result<Planned> plan_messages(HqStore& store, const PlanContext& context, int64_t now_ms, int64_t chunk)
{
    sql::Connection& db = store.connection();
    auto cursor = db.query_int64("SELECT last_seq FROM mail_cursor WHERE id = 1");
    FEEDBACK_TRY(cursor);
    auto newest = db.query_int64("SELECT coalesce(max(seq), 0) FROM events");
    FEEDBACK_TRY(newest);
    Planned planned;
    if (*newest <= *cursor)
        return planned;

    auto txn = Transaction::begin(db);
    FEEDBACK_TRY(txn);
    // The cursor again, now locked: on PostgreSQL another process planning
    // at the same moment waits here until this one commits, then reads the
    // cursor it left (SQLite's BEGIN IMMEDIATE already let one writer in).
    auto locked = db.cached("UPDATE mail_cursor SET last_seq = last_seq WHERE id = 1 RETURNING last_seq");
    FEEDBACK_TRY(locked);
    auto found = (*locked)->step();
    FEEDBACK_TRY(found);
    if (!*found)
        return Error{ErrorKind::corrupt, "head office's mail cursor is missing"};
    const int64_t from = (*locked)->column_int64(0);
    (*locked)->reset();
    auto events = db.prepare("SELECT seq, store_code, body FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    FEEDBACK_TRY(events);
    events->bind(1, from).bind(2, chunk);
    struct Row {
        int64_t seq;
        std::string store_code;
        std::string body;
    };
    std::vector<Row> rows;
    for (;;) {
        auto row = events->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        rows.push_back({events->column_int64(0), events->column_text(1), events->column_text(2)});
    }
    ConfigCache configs;
    int64_t last = from;
    for (const Row& row : rows) {
        last = row.seq;
        ++planned.events;
        // Only complaint steps call for messages; a quick look before parsing.
        if (row.body.find("\"complaint.opened\"") == std::string::npos &&
            row.body.find("\"complaint.resolved\"") == std::string::npos &&
            row.body.find("\"complaint.closed\"") == std::string::npos)
            continue;
        auto event = event_from_json(Json::parse(row.body, nullptr, false));
        if (!event)
            continue;
        auto queued = queue_message(store, *event, row.store_code, context, configs, now_ms);
        FEEDBACK_TRY(queued);
        planned.queued += *queued ? 1 : 0;
    }
    auto advance = db.cached("UPDATE mail_cursor SET last_seq = ?1 WHERE id = 1");
    FEEDBACK_TRY(advance);
    FEEDBACK_TRY((*advance)->bind(1, last).run());
    FEEDBACK_TRY(txn->commit());
    return planned;
}

Result<std::vector<ClaimedMessage>> claim_due_messages(HqStore& store, const MailSettings& settings, int64_t now_ms,
                                                       int limit, int64_t lease_ms)
{
    sql::Connection& db = store.connection();
    auto txn = Transaction::begin(db);
    FEEDBACK_TRY(txn);
    // On PostgreSQL, the rows are locked until the leases are committed and
    // those another process is leasing now are skipped: a message is never
    // leased to two senders at once (SQLite lets one writer in at a time).
    std::string select_due = "SELECT id, kind, complaint_id, recipient, subject, body, attempts, queued_at "
                             "FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= ?1 AND lease_until <= ?1 "
                             "ORDER BY next_attempt_at, id LIMIT ?2";
    if (db.backend() == sql::Backend::postgresql)
        select_due += " FOR UPDATE SKIP LOCKED";
    auto due = db.prepare(select_due);
    FEEDBACK_TRY(due);
    due->bind(1, now_ms).bind(2, limit);
    std::vector<ClaimedMessage> claimed;
    std::vector<int64_t> unopenable; // sealed to a key hq.json no longer names: given up
    std::string domain = message_id_domain(settings);
    for (;;) {
        auto row = due->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        ClaimedMessage message;
        message.id = due->column_int64(0);
        message.kind = due->column_text(1);
        message.complaint_id = due->column_text(2);
        auto to = open_value(store, due->column_text(3));
        auto subject = open_value(store, due->column_text(4));
        auto body = open_value(store, due->column_text(5));
        if (!to || !subject || !body) {
            unopenable.push_back(due->column_int64(0));
            continue;
        }
        message.mail.to = std::move(*to);
        message.mail.subject = std::move(*subject);
        message.mail.body = std::move(*body);
        message.attempts = static_cast<int>(due->column_int64(6));
        message.queued_at = due->column_int64(7);
        message.mail.from = settings.mail_from;
        message.mail.date_ms = now_ms;
        message.mail.message_id = "<outbox-" + std::to_string(message.id) + "." + message.kind + "@" + domain + ">";
        claimed.push_back(std::move(message));
    }
    auto lease = db.cached("UPDATE mail_outbox SET lease_until = ?2 WHERE id = ?1");
    FEEDBACK_TRY(lease);
    for (const ClaimedMessage& message : claimed)
        FEEDBACK_TRY((*lease)->bind(1, message.id).bind(2, now_ms + lease_ms).run());
    auto give_up = db.cached("UPDATE mail_outbox SET status = 'failed', recipient = '', subject = '', body = '', "
                             "last_error = 'sealed to a contact key hq.json no longer names', done_at = ?2 "
                             "WHERE id = ?1");
    FEEDBACK_TRY(give_up);
    for (int64_t id : unopenable)
        FEEDBACK_TRY((*give_up)->bind(1, id).bind(2, now_ms).run());
    FEEDBACK_TRY(txn->commit());
    return claimed;
}

Result<void> record_delivery(HqStore& store, const ClaimedMessage& message, const SendResult& result,
                             const MailSettings& settings, int64_t now_ms)
{
    sql::Connection& db = store.connection();
    auto txn = Transaction::begin(db);
    FEEDBACK_TRY(txn);
    std::string reason = short_reason(result.reason);
    int attempts = message.attempts + 1;
    bool given_up = result.delivery == Delivery::permanent_failure ||
                    (result.delivery == Delivery::temporary_failure &&
                     now_ms - message.queued_at >= int64_t{settings.give_up_hours} * 3'600'000);
    std::string status;
    if (result.delivery == Delivery::accepted || given_up) {
        status = result.delivery == Delivery::accepted ? "sent" : "failed";
        // Done with: the address and the text (with its links) are not kept.
        auto done = db.cached("UPDATE mail_outbox SET status = ?2, attempts = ?3, last_error = ?4, recipient = '', "
                              "body = '', lease_until = 0, done_at = ?5 WHERE id = ?1");
        FEEDBACK_TRY(done);
        FEEDBACK_TRY((*done)
                         ->bind(1, message.id)
                         .bind(2, status)
                         .bind(3, attempts)
                         .bind(4, status == "sent" ? std::string{} : reason)
                         .bind(5, now_ms)
                         .run());
    } else {
        int64_t wait_s = settings.retry_first_seconds;
        for (int i = 1; i < attempts && wait_s < settings.retry_max_seconds; ++i)
            wait_s *= 2;
        wait_s = std::min<int64_t>(wait_s, settings.retry_max_seconds);
        auto retry = db.cached("UPDATE mail_outbox SET attempts = ?2, last_error = ?3, next_attempt_at = ?4, "
                               "lease_until = 0 WHERE id = ?1");
        FEEDBACK_TRY(retry);
        FEEDBACK_TRY((*retry)->bind(1, message.id).bind(2, attempts).bind(3, reason).bind(4, now_ms + wait_s * 1000).run());
    }
    if (!status.empty() && !is_staff_mail(message.kind)) { // staff alerts are on no complaint's timeline
        Json payload{{"message", message.kind}, {"status", status}};
        if (status == "failed")
            payload["reason"] = reason.empty() ? std::string("the mail server did not accept it") : reason;
        FEEDBACK_TRY(store.record_hq_event_in_transaction(EventType::complaint_messaged, message.complaint_id,
                                                          mail_actor, std::move(payload), now_ms));
    }
    return txn->commit();
}

Result<OutboxSummary> outbox_summary(sql::Connection& db, int64_t count_limit)
{
    if (count_limit < 0)
        return Error{ErrorKind::invalid_input, "count limit: must not be negative"};
    // The partial indexes mail_outbox_due and mail_outbox_failed answer;
    // a count over every status would read every message ever sent.
    auto stmt = db.cached("SELECT (SELECT count(*) FROM (SELECT 1 FROM mail_outbox WHERE status = 'queued' LIMIT ?1) AS q), "
                          "(SELECT count(*) FROM (SELECT 1 FROM mail_outbox WHERE status = 'failed' LIMIT ?1) AS f)");
    FEEDBACK_TRY(stmt);
    auto row = (*stmt)->bind(1, count_limit + 1).step();
    FEEDBACK_TRY(row);
    OutboxSummary summary{(*stmt)->column_int64(0), (*stmt)->column_int64(1)};
    (*stmt)->reset();
    return summary;
}

Result<std::vector<MessageLine>> messages_of(sql::Connection& db, std::string_view complaint_id)
{
    auto stmt = db.cached("SELECT kind, status, attempts, last_error, queued_at, next_attempt_at, done_at "
                          "FROM mail_outbox WHERE complaint_id = ?1 AND kind NOT IN ('alert', 'digest') ORDER BY id");
    FEEDBACK_TRY(stmt);
    (*stmt)->bind(1, complaint_id);
    std::vector<MessageLine> lines;
    for (;;) {
        auto row = (*stmt)->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        lines.push_back({(*stmt)->column_text(0), (*stmt)->column_text(1), static_cast<int>((*stmt)->column_int64(2)),
                         (*stmt)->column_text(3), (*stmt)->column_int64(4), (*stmt)->column_int64(5),
                         (*stmt)->column_optional_int64(6)});
    }
    return lines;
}

Result<std::optional<SurveyLink>> find_survey(sql::Connection& db, std::string_view token)
{
    auto stmt = db.cached("SELECT complaint_id, answered_at FROM survey_tokens WHERE token_hash = ?1");
    FEEDBACK_TRY(stmt);
    auto row = (*stmt)->bind(1, crypto::sha256_hex(token)).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return std::optional<SurveyLink>{};
    SurveyLink link{(*stmt)->column_text(0), (*stmt)->column_optional_int64(1)};
    (*stmt)->reset();
    return std::optional<SurveyLink>(std::move(link));
}

Result<Event> answer_survey(HqStore& store, std::string_view token, nlohmann::json answer, int64_t now_ms)
{
    sql::Connection& db = store.connection();
    auto txn = Transaction::begin(db);
    FEEDBACK_TRY(txn);
    auto link = find_survey(db, token);
    FEEDBACK_TRY(link);
    if (!*link)
        return Error{ErrorKind::not_found, "no survey has this link"};
    if ((*link)->answered_at)
        return Error{ErrorKind::conflict, "this survey was answered already"};
    // Spent only if nobody spent it since: on PostgreSQL another process
    // answering at the same moment waits for this row, then finds it spent.
    auto spend = db.cached(
        "UPDATE survey_tokens SET answered_at = ?2 WHERE token_hash = ?1 AND answered_at IS NULL RETURNING 1");
    FEEDBACK_TRY(spend);
    auto spent = (*spend)->bind(1, crypto::sha256_hex(token)).bind(2, now_ms).step();
    FEEDBACK_TRY(spent);
    (*spend)->reset();
    if (!*spent)
        return Error{ErrorKind::conflict, "this survey was answered already"};
    answer["channel"] = "email";
    auto event = store.record_hq_event_in_transaction(EventType::complaint_customer_response, (*link)->complaint_id,
                                                      survey_actor, std::move(answer), now_ms);
    FEEDBACK_TRY(event);
    FEEDBACK_TRY(txn->commit());
    return event;
}

} // namespace feedback::hq::mail
