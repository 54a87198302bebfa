// HqStore's own events (hq_store.h): what head office records itself
// (follow-up, decisions, complaints registered at head office or through the
// intake API, with their reference codes), stored like a device's.
#include "hq_store.h"

#include "config/kiosk_config.h"
#include "crypto/status_key.h"
#include "domain/clock.h"
#include "domain/ids.h"
#include "domain/refcode.h"
#include "domain/text_escape.h"
#include "domain/validation.h"
#include "domain/vocabulary.h"

namespace feedback::hq {

namespace {

using sql::Statement;
using sql::Transaction;

} // namespace

// [SECTION] Events head office makes

namespace {

struct HqIdentity {
    std::string device_id;
    int64_t last_seq = 0;
};

// Head office's recorder identity, made on first use; inside the caller's transaction.
Result<HqIdentity> hq_identity(sql::Connection& db, int64_t now_ms)
{
    auto read = db.prepare("SELECT device_id, last_seq FROM hq_identity WHERE id = 1");
    FEEDBACK_TRY(read);
    auto row = read->step();
    FEEDBACK_TRY(row);
    if (*row) {
        HqIdentity identity{read->column_text(0), read->column_int64(1)};
        read->reset();
        return identity;
    }
    HqIdentity identity{make_uuid_v7(now_ms), 0};
    auto insert = db.prepare("INSERT INTO hq_identity(id, device_id, last_seq) VALUES (1, ?1, 0)");
    FEEDBACK_TRY(insert);
    FEEDBACK_TRY(insert->bind(1, identity.device_id).run());
    return identity;
}

} // namespace

Result<std::string> HqStore::hq_device_id()
{
    auto txn = Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    auto identity = hq_identity(*m_db, now_utc_ms());
    FEEDBACK_TRY(identity);
    FEEDBACK_TRY(txn->commit());
    return identity->device_id;
}

Result<void> HqStore::store_head_office_event(const Event& event, std::string_view store_code, int64_t now_ms)
{
    FEEDBACK_TRY(lock_event_order());
    nlohmann::json body = to_json(event);
    const bool has_contact = event.payload.contains("contact");
    if (has_contact)
        FEEDBACK_TRY(seal_contact(body["payload"])); // what a person typed at head office is sealed like a kiosk's
    auto insert = m_db->prepare("INSERT INTO events(id, type, subject, occurred_at, device_id, store_code, "
                                "received_at, batch_id, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'head-office', ?8) "
                                "RETURNING seq");
    FEEDBACK_TRY(insert);
    auto inserted = insert->bind(1, event.id)
                        .bind(2, to_string(event.type))
                        .bind(3, event.subject)
                        .bind(4, event.occurred_at_ms)
                        .bind(5, event.device_id)
                        .bind(6, store_code)
                        .bind(7, now_ms)
                        .bind(8, body.dump())
                        .step();
    FEEDBACK_TRY(inserted);
    const int64_t seq = insert->column_int64(0);
    insert->reset();
    if (has_contact)
        FEEDBACK_TRY(note_personal_event(seq, to_string(event.type), event.subject));
    return {};
}

Result<Event> HqStore::record_hq_event(EventType type, std::string subject, std::string actor, nlohmann::json payload,
                                       int64_t now_ms)
{
    auto txn = Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    auto event = record_hq_event_in_transaction(type, std::move(subject), std::move(actor), std::move(payload), now_ms);
    FEEDBACK_TRY(event);
    FEEDBACK_TRY(txn->commit());
    return event;
}

Result<Event> HqStore::record_hq_event_in_transaction(EventType type, std::string subject, std::string actor,
                                                      nlohmann::json payload, int64_t now_ms)
{
    bool about_complaint = is_complaint_event(type);
    if (type == EventType::complaint_opened)
        return Error{ErrorKind::invalid_input, "head office opens a complaint with register_complaint()"};
    if (!about_complaint && type != EventType::nps_followed_up)
        return Error{ErrorKind::invalid_input, "head office records complaint follow-up and call-back outcomes only, not " +
                                                   std::string(to_string(type))};
    // The store the complaint (or rating) belongs to: its terminals get the event.
    std::optional<std::string> owner;
    if (about_complaint) {
        auto store = complaint_store(subject);
        FEEDBACK_TRY(store);
        owner = std::move(*store);
    } else {
        auto rating = m_db->prepare("SELECT store_code FROM events WHERE id = ?1 AND type = 'nps.rated'");
        FEEDBACK_TRY(rating);
        auto found = rating->bind(1, subject).step();
        FEEDBACK_TRY(found);
        if (*found) {
            owner = rating->column_text(0);
            rating->reset();
        }
    }
    if (!owner)
        return Error{ErrorKind::not_found, std::string(about_complaint ? "no complaint " : "no rating ") + subject +
                                               " at head office"};
    auto event = make_hq_event(type, std::move(subject), std::move(actor), std::move(payload), now_ms, now_ms);
    FEEDBACK_TRY(event);
    if (about_complaint) {
        auto state = complaint_state(event->subject);
        FEEDBACK_TRY(state);
        FEEDBACK_TRY(next_status(state->status, *event));
    }
    FEEDBACK_TRY(store_hq_event(*event, *owner, now_ms));
    return std::move(*event);
}

Result<Event> HqStore::make_hq_event(EventType type, std::string subject, std::string actor, nlohmann::json payload,
                                     int64_t occurred_at_ms, int64_t now_ms)
{
    auto identity = hq_identity(*m_db, now_ms);
    FEEDBACK_TRY(identity);
    Event event;
    event.id = make_uuid_v7(now_ms);
    event.type = type;
    event.subject = std::move(subject);
    event.occurred_at_ms = occurred_at_ms;
    event.actor = std::move(actor);
    event.device_id = identity->device_id;
    event.device_seq = identity->last_seq + 1;
    event.payload = std::move(payload);
    if (auto violations = validate_event(event); !violations.empty())
        return Error{ErrorKind::invalid_input, describe(violations)};
    return event;
}

Result<void> HqStore::store_hq_event(const Event& event, std::string_view store_code, int64_t now_ms)
{
    FEEDBACK_TRY(store_head_office_event(event, store_code, now_ms));
    auto advance = m_db->prepare("UPDATE hq_identity SET last_seq = ?1 WHERE id = 1");
    FEEDBACK_TRY(advance);
    return advance->bind(1, event.device_seq).run();
}

Result<bool> HqStore::is_known_store(std::string_view store_code)
{
    auto stmt = m_db->cached("SELECT EXISTS (SELECT 1 FROM terminal_codes WHERE store_code = ?1) "
                            "OR EXISTS (SELECT 1 FROM enrolment_codes WHERE store_code = ?1) "
                            "OR EXISTS (SELECT 1 FROM configs WHERE scope = ?1)");
    FEEDBACK_TRY(stmt);
    FEEDBACK_TRY((*stmt)->bind(1, store_code).step());
    bool known = (*stmt)->column_int64(0) != 0;
    (*stmt)->reset();
    return known;
}

Result<std::vector<std::string>> HqStore::known_stores()
{
    auto stmt = m_db->cached("SELECT store_code FROM terminal_codes UNION SELECT store_code FROM enrolment_codes "
                            "UNION SELECT scope FROM configs WHERE scope != 'default' ORDER BY 1");
    FEEDBACK_TRY(stmt);
    std::vector<std::string> stores;
    for (;;) {
        auto row = (*stmt)->step();
        FEEDBACK_TRY(row);
        if (!*row)
            return stores;
        stores.push_back((*stmt)->column_text(0));
    }
}

Result<std::string> HqStore::next_hq_reference(std::string_view store_code, const std::string& hq_device_id)
{
    auto read = m_db->cached("SELECT terminal_code, next_counter FROM hq_reference_codes WHERE store_code = ?1");
    FEEDBACK_TRY(read);
    auto row = (*read)->bind(1, store_code).step();
    FEEDBACK_TRY(row);
    std::string terminal_code;
    int64_t counter = 0;
    if (*row) {
        terminal_code = (*read)->column_text(0);
        counter = (*read)->column_int64(1);
        (*read)->reset();
    } else {
        auto code = next_terminal_code(store_code, true);
        FEEDBACK_TRY(code);
        terminal_code = std::move(*code);
        auto reserve = m_db->prepare("INSERT INTO terminal_codes(store_code, terminal_code, device_id) VALUES (?1, ?2, ?3)");
        FEEDBACK_TRY(reserve);
        FEEDBACK_TRY(reserve->bind(1, store_code).bind(2, terminal_code).bind(3, hq_device_id).run());
    }
    auto advance = m_db->prepare("INSERT INTO hq_reference_codes(store_code, terminal_code, next_counter) "
                                "VALUES (?1, ?2, ?3) ON CONFLICT(store_code) DO UPDATE SET next_counter = ?3");
    FEEDBACK_TRY(advance);
    FEEDBACK_TRY(advance->bind(1, store_code).bind(2, terminal_code).bind(3, counter + 1).run());
    return make_refcode(store_code, terminal_code, static_cast<uint64_t>(counter));
}

Result<RegisteredComplaint> HqStore::register_complaint(const ComplaintIntake& intake, int64_t now_ms,
                                                       const std::function<Result<void>(const Event&)>& before_commit)
{
    if (!is_refcode_segment(intake.store_code, refcode_store_length, refcode_store_length))
        return Error{ErrorKind::invalid_input, "store: a store code is 3 characters of " +
                                                   std::string(refcode_alphabet) + " (got \"" +
                                                   escape_control_characters(intake.store_code) + "\")"};
    if (!intake.payload.is_object())
        return Error{ErrorKind::invalid_input, "payload: must be a JSON object"};
    if (intake.payload.contains("reference"))
        return Error{ErrorKind::invalid_input, "reference: head office makes the reference code itself"};
    if (intake.payload.contains("status_key_hash"))
        return Error{ErrorKind::invalid_input, "status_key_hash: head office makes the status key itself"};
    int64_t received_at = intake.received_at_ms.value_or(now_ms);
    if (received_at > now_ms + max_received_ahead_ms)
        return Error{ErrorKind::invalid_input, "received_at: lies in the future"};

    auto txn = Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    auto known = is_known_store(intake.store_code);
    FEEDBACK_TRY(known);
    if (!*known)
        return Error{ErrorKind::not_found, "store: no store " + intake.store_code +
                                               " at head office (no terminal, enrolment code or configuration)"};
    FEEDBACK_TRY(check_intake_choices(intake));

    auto identity = hq_identity(*m_db, now_ms);
    FEEDBACK_TRY(identity);
    auto reference = next_hq_reference(intake.store_code, identity->device_id);
    FEEDBACK_TRY(reference);
    std::string status_key = crypto::make_status_key();
    nlohmann::json payload = intake.payload;
    payload["reference"] = *reference;
    payload["status_key_hash"] = crypto::status_key_hash(status_key);
    auto event = make_hq_event(EventType::complaint_opened, make_uuid_v7(received_at), intake.actor, std::move(payload),
                               received_at, now_ms);
    FEEDBACK_TRY(event);
    FEEDBACK_TRY(store_hq_event(*event, intake.store_code, now_ms));
    if (before_commit)
        FEEDBACK_TRY(before_commit(*event));
    FEEDBACK_TRY(txn->commit());
    return RegisteredComplaint{std::move(*event), std::move(status_key)};
}

Result<std::optional<ComplaintLocation>> HqStore::find_complaint(std::string_view reference)
{
    // The expression and the condition are events_by_reference's, so the index answers.
    auto stmt = m_db->cached("SELECT subject, store_code FROM events WHERE type = 'complaint.opened' AND " +
                             m_db->dialect().json_text("body", "payload.reference") + " = ?1 ORDER BY seq LIMIT 1");
    FEEDBACK_TRY(stmt);
    auto row = (*stmt)->bind(1, reference).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return std::optional<ComplaintLocation>{};
    ComplaintLocation found{(*stmt)->column_text(0), (*stmt)->column_text(1)};
    (*stmt)->reset();
    return std::optional<ComplaintLocation>{std::move(found)};
}

Result<void> HqStore::check_intake_choices(const ComplaintIntake& intake)
{
    auto channel = intake.payload.find("channel");
    if (channel != intake.payload.end() && channel->is_string())
        if (const Channel* found = find_channel(channel->get_ref<const std::string&>());
            found && found->use == ChannelUse::kiosk_only)
            return Error{ErrorKind::invalid_input, "payload.channel: \"" + std::string(found->wire) +
                                                       "\" is the shopper at a kiosk, not a channel head office "
                                                       "registers"};
    auto category = intake.payload.find("category");
    if (category == intake.payload.end() || !category->is_string())
        return {}; // validate_event() names it
    auto document = config_for(intake.store_code);
    FEEDBACK_TRY(document);
    if (!*document)
        return {}; // nothing published: the terminals use their own; any configured id is taken
    auto config = config::parse_config((*document)->document);
    if (!config)
        return {};
    for (const auto& choice : config->complaint_categories)
        if (choice.id == category->get_ref<const std::string&>())
            return {};
    std::string known;
    for (const auto& choice : config->complaint_categories)
        known += (known.empty() ? "" : ", ") + choice.id;
    return Error{ErrorKind::invalid_input, "payload.category: \"" + escape_control_characters(category->get<std::string>()) +
                                               "\" is not one of store " + intake.store_code + "'s categories (" +
                                               known + ")"};
}

} // namespace feedback::hq
