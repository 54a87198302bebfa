// The terminal's local store: opening and migrating, recording events with
// their projection, the outbox, retention, and the status report.
#include "local_store.h"

#include "crypto/sha256.h"
#include "crypto/contact_seal.h"
#include "crypto/status_key.h"
#include "domain/clock.h"
#include "domain/ids.h"
#include "domain/lifecycle.h"
#include "domain/refcode.h"
#include "domain/validation.h"
#include "files/private_files.h"
#include "schema.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>

namespace feedback::store {

namespace {

using sqlite::Database;
using sqlite::Statement;
using sqlite::Transaction;


constexpr const char* event_columns = "e.pos, e.id, e.v, e.type, e.subject, e.occurred_at, e.actor, e.device_id, "
                                      "e.device_seq, e.payload";

// Reads an Event from a row that starts with event_columns.
Event event_from_row(const Statement& row)
{
    Event event;
    event.id = row.column_text(1);
    event.v = static_cast<int>(row.column_int64(2));
    event.type = event_type_from_string(row.column_text(3)).value_or(EventType::nps_rated);
    event.subject = row.column_optional_text(4).value_or("");
    event.occurred_at_ms = row.column_int64(5);
    event.actor = row.column_text(6);
    event.device_id = row.column_text(7);
    event.device_seq = row.column_int64(8);
    event.payload = nlohmann::json::parse(row.column_text(9), nullptr, false);
    return event;
}

std::string random_terminal_code()
{
    std::string code;
    for (size_t i = 0; i < refcode_terminal_length; ++i)
        code.push_back(refcode_alphabet[randombytes_uniform(static_cast<uint32_t>(refcode_alphabet.size()))]);
    return code;
}

Result<std::optional<std::string>> read_setting(Database& db, std::string_view key)
{
    auto stmt = db.cached("SELECT value FROM settings WHERE key = ?1");
    FEEDBACK_TRY(stmt);
    (*stmt)->bind(1, key);
    auto row = (*stmt)->step();
    FEEDBACK_TRY(row);
    if (!*row)
        return std::optional<std::string>{};
    std::string value = (*stmt)->column_text(0);
    (*stmt)->reset();
    return std::optional<std::string>{std::move(value)};
}

Result<void> write_setting(Database& db, std::string_view key, std::string_view value)
{
    auto stmt = db.cached("INSERT INTO settings(key, value) VALUES (?1, ?2) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    FEEDBACK_TRY(stmt);
    return (*stmt)->bind(1, key).bind(2, value).run();
}

// The device identity, made on first open.
Result<DeviceIdentity> load_or_create_identity(Database& db, int64_t now_ms)
{
    auto txn = Transaction::begin(db);
    FEEDBACK_TRY(txn);
    DeviceIdentity identity;
    struct Field {
        const char* key;
        std::string* target;
        std::string fallback;
    };
    std::array fields{
        Field{"device_id", &identity.device_id, make_uuid_v7(now_ms)},
        Field{"store_code", &identity.store_code, "XXX"},
        Field{"terminal_code", &identity.terminal_code, random_terminal_code()},
    };
    for (auto& field : fields) {
        auto value = read_setting(db, field.key);
        FEEDBACK_TRY(value);
        if (*value) {
            *field.target = **value;
        } else {
            *field.target = field.fallback;
            FEEDBACK_TRY(write_setting(db, field.key, field.fallback));
        }
    }
    FEEDBACK_TRY(txn->commit());
    return identity;
}

Error with_context(const Error& error, std::string_view context)
{
    return Error{error.kind, std::string(context) + ": " + error.message};
}

} // namespace

int current_schema_version() { return schema_version_count(); }

// [SECTION] Opening

Result<LocalStore> LocalStore::open(const std::filesystem::path& data_dir, StoreOptions options)
{
    if (sodium_init() < 0)
        return Error{ErrorKind::internal, "libsodium could not be initialised"};
    std::error_code ec;
    if (!std::filesystem::is_directory(data_dir, ec))
        return Error{ErrorKind::not_found, "the data folder " + data_dir.string() + " does not exist"};
    // Contact details and the sync token live here: readable by the kiosk's
    // user only, also when the folder was made by mkdir or an older version.
    FEEDBACK_TRY(files::tighten_private_directory(data_dir));
    auto file = data_dir / database_file_name;
    bool exists = std::filesystem::exists(file, ec);
    if (!exists && options.intent == OpenIntent::existing_only)
        return Error{ErrorKind::not_found, "there is no store in " + data_dir.string() + " (record an event first)"};

    auto db = Database::open(file, sqlite::OpenMode::read_write_create);
    FEEDBACK_TRY(db);
    // WAL + FULL: a commit is on disk when it returns; WAL lets the uploader
    // read while the kiosk writes.
    std::string pragmas = "PRAGMA busy_timeout = " + std::to_string(options.busy_timeout_ms) +
                          "; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
                          // what retention deletes is overwritten in its page, not left in free space
                          " PRAGMA secure_delete = FAST;";
    if (options.max_page_count)
        pragmas += " PRAGMA max_page_count = " + std::to_string(*options.max_page_count) + ";";
    if (auto set = db->exec(pragmas); !set)
        return with_context(set.error(), "opening the store in " + data_dir.string());

    auto integrity = db->query_texts("PRAGMA quick_check");
    if (!integrity)
        return with_context(integrity.error(), "checking the store");
    if (integrity->empty() || integrity->front() != "ok")
        return Error{ErrorKind::corrupt, "the store " + file.string() + " failed its integrity check: " +
                                             (integrity->empty() ? "no answer" : integrity->front())};

    FEEDBACK_TRY(migrate(*db));
    auto identity = load_or_create_identity(*db, now_utc_ms());
    FEEDBACK_TRY(identity);
    return LocalStore(std::move(*db), std::move(*identity), data_dir);
}

sync::OpenOutbox outbox_opener(std::filesystem::path data_dir)
{
    return [data_dir = std::move(data_dir)]() -> Result<std::unique_ptr<sync::Outbox>> {
        auto store = LocalStore::open(data_dir);
        FEEDBACK_TRY(store);
        return std::unique_ptr<sync::Outbox>(std::make_unique<LocalStore>(std::move(*store)));
    };
}

Result<void> LocalStore::set_identity(std::string_view store_code, std::string_view terminal_code)
{
    if (!is_refcode_segment(store_code, refcode_store_length, refcode_store_length))
        return Error{ErrorKind::invalid_input, "store code \"" + std::string(store_code) + "\" must be " +
                                                   std::to_string(refcode_store_length) + " characters of " +
                                                   std::string(refcode_alphabet)};
    if (!is_refcode_segment(terminal_code, refcode_terminal_length, refcode_terminal_length))
        return Error{ErrorKind::invalid_input, "terminal code \"" + std::string(terminal_code) + "\" must be " +
                                                   std::to_string(refcode_terminal_length) + " characters of " +
                                                   std::string(refcode_alphabet)};
    auto txn = Transaction::begin(m_db);
    FEEDBACK_TRY(txn);
    FEEDBACK_TRY(write_setting(m_db, "store_code", store_code));
    FEEDBACK_TRY(write_setting(m_db, "terminal_code", terminal_code));
    FEEDBACK_TRY(txn->commit());
    m_device.store_code = store_code;
    m_device.terminal_code = terminal_code;
    return {};
}

// [SECTION] Recording

Result<RecordedEvent> LocalStore::record(const NewEvent& event, int64_t now_ms)
{
    auto txn = Transaction::begin(m_db);
    if (!txn)
        return with_context(txn.error(), "recording the event");
    auto recorded = record_in_transaction(event, now_ms);
    FEEDBACK_TRY(recorded);
    if (auto committed = txn->commit(); !committed)
        return with_context(committed.error(), "recording the event");
    return recorded;
}

Result<std::vector<RecordedEvent>> LocalStore::record_all(std::span<const NewEvent> events, int64_t now_ms)
{
    auto txn = Transaction::begin(m_db);
    if (!txn)
        return with_context(txn.error(), "recording the events");
    std::vector<RecordedEvent> out;
    out.reserve(events.size());
    for (size_t i = 0; i < events.size(); ++i) {
        auto recorded = record_in_transaction(events[i], now_ms);
        if (!recorded)
            return with_context(recorded.error(), "event " + std::to_string(i + 1));
        out.push_back(std::move(*recorded));
    }
    if (auto committed = txn->commit(); !committed)
        return with_context(committed.error(), "recording the events");
    return out;
}

Result<RecordedEvent> LocalStore::record_in_transaction(const NewEvent& input, int64_t now_ms)
{
    Event event;
    event.id = make_uuid_v7(now_ms);
    event.type = input.type;
    event.subject = input.subject;
    event.occurred_at_ms = input.occurred_at_ms.value_or(now_ms);
    event.actor = input.actor;
    event.device_id = m_device.device_id;
    event.payload = input.payload;

    // This device's events are recorded in sequence order, so the newest one
    // holds the last number; found from the end without an index on the tap path.
    auto last_seq = m_db.cached("SELECT device_seq FROM events WHERE device_id = ?1 ORDER BY pos DESC LIMIT 1");
    FEEDBACK_TRY(last_seq);
    auto has_last = (*last_seq)->bind(1, event.device_id).step();
    FEEDBACK_TRY(has_last);
    event.device_seq = *has_last ? (*last_seq)->column_int64(0) + 1 : 1;
    (*last_seq)->reset();

    RecordedEvent recorded;
    if (event.type == EventType::complaint_opened) {
        auto counter = read_setting(m_db, "next_complaint_number");
        FEEDBACK_TRY(counter);
        uint64_t number = 0;
        if (*counter)
            std::from_chars((*counter)->data(), (*counter)->data() + (*counter)->size(), number);
        event.subject = make_uuid_v7(now_ms);
        recorded.reference = make_refcode(m_device.store_code, m_device.terminal_code, number);
        event.payload["reference"] = recorded.reference;
        if (!event.payload.contains("status_key_hash")) {
            recorded.status_key = crypto::make_status_key();
            event.payload["status_key_hash"] = crypto::status_key_hash(recorded.status_key);
        }
        FEEDBACK_TRY(write_setting(m_db, "next_complaint_number", std::to_string(number + 1)));
    }

    if (auto violations = validate_event(event); !violations.empty())
        return Error{ErrorKind::invalid_input, describe(violations)};
    if (event.type == EventType::nps_detailed) {
        auto pos = find_event(event.subject);
        FEEDBACK_TRY(pos);
        bool is_rating = false;
        if (*pos) {
            auto rating = m_db.cached("SELECT 1 FROM events WHERE pos = ?1 AND type = 'nps.rated'");
            FEEDBACK_TRY(rating);
            auto found = (*rating)->bind(1, **pos).step();
            FEEDBACK_TRY(found);
            (*rating)->reset();
            is_rating = *found;
        }
        if (!is_rating)
            return Error{ErrorKind::not_found, "subject: no rating with id " + event.subject + " in this store"};
    }
    if (is_complaint_event(event.type) && event.type != EventType::complaint_opened) {
        auto history = events_of_subject(event.subject);
        FEEDBACK_TRY(history);
        if (history->empty())
            return Error{ErrorKind::not_found, "subject: no complaint with id " + event.subject + " in this store"};
        ComplaintState state = fold_complaint(*history);
        auto next = next_status(state.status, event);
        FEEDBACK_TRY(next);
    }

    auto inserted = insert_event(event, Origin::local, now_ms);
    FEEDBACK_TRY(inserted);
    if (!*inserted)
        return Error{ErrorKind::conflict, "an event with id " + event.id + " is already stored"};
    if (is_complaint_event(event.type))
        FEEDBACK_TRY(refresh_complaint(event.subject));

    recorded.id = event.id;
    recorded.subject = event.subject;
    recorded.device_seq = event.device_seq;
    return recorded;
}

// [SECTION] Finding events by id
//
// The events table has no index on id: one would be a second page written on
// every tap (schema.cpp, migration 4). event_ids holds the id of every event
// up to settings.event_ids_through; the newer ones, at most
// event_ids_tail_max of them, are read by position. The run is moved into
// event_ids in the transaction that makes it that long, so a tap pays one
// index write per run instead of one each.

Result<int64_t> LocalStore::event_ids_through()
{
    auto through = read_setting(m_db, "event_ids_through");
    FEEDBACK_TRY(through);
    assert(*through && "migration 4 sets event_ids_through");
    int64_t value = 0;
    std::from_chars((*through)->data(), (*through)->data() + (*through)->size(), value);
    return value;
}

Result<std::optional<int64_t>> LocalStore::find_event(std::string_view id)
{
    auto through = event_ids_through();
    FEEDBACK_TRY(through);
    auto stmt = m_db.cached("SELECT pos FROM event_ids WHERE id = ?1 "
                            "UNION ALL SELECT pos FROM events WHERE pos > ?2 AND id = ?1 LIMIT 1");
    FEEDBACK_TRY(stmt);
    auto row = (*stmt)->bind(1, id).bind(2, *through).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return std::optional<int64_t>{};
    int64_t pos = (*stmt)->column_int64(0);
    (*stmt)->reset();
    return std::optional<int64_t>{pos};
}

Result<void> LocalStore::fold_event_ids(int64_t newest_pos)
{
    auto through = event_ids_through();
    FEEDBACK_TRY(through);
    if (newest_pos - *through < event_ids_tail_max)
        return {};
    auto fold = m_db.cached("INSERT INTO event_ids(id, pos) SELECT id, pos FROM events WHERE pos > ?1 AND pos <= ?2");
    FEEDBACK_TRY(fold);
    FEEDBACK_TRY((*fold)->bind(1, *through).bind(2, newest_pos).run());
    return write_setting(m_db, "event_ids_through", std::to_string(newest_pos));
}

Result<bool> LocalStore::insert_event(const Event& event, Origin origin, int64_t now_ms)
{
    // An id is stored once: a repeat from head office is skipped (and a local
    // id, new from make_uuid_v7, is never found).
    auto existing = find_event(event.id);
    FEEDBACK_TRY(existing);
    if (*existing)
        return false;
    // Personal fields go to their own table so that retention can erase them.
    nlohmann::json stored_payload = event.payload;
    nlohmann::json personal = take_personal_fields(stored_payload);
    // Contact details are sealed to head office's key before anything is
    // written: the clear values never reach the file, its WAL or a batch.
    // (Head office's feed never carries one; should it, it is not kept.)
    if (auto contact = personal.find("contact"); contact != personal.end() && !crypto::is_sealed_contact(*contact)) {
        if (origin == Origin::remote) {
            personal.erase(contact);
        } else {
            auto key = contact_key();
            FEEDBACK_TRY(key);
            if (!*key)
                return Error{ErrorKind::invalid_input, "payload.contact: contact details can only be recorded once "
                                                       "head office's contact key has arrived (with the enrolment)"};
            *contact = crypto::seal_contact(*contact, **key);
        }
    }
    auto insert = m_db.cached("INSERT INTO events(id, v, type, subject, occurred_at, actor, device_id, device_seq, "
                              "payload, recorded_at, origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    FEEDBACK_TRY(insert);
    Statement& s = **insert;
    s.bind(1, event.id)
        .bind(2, event.v)
        .bind(3, to_string(event.type))
        .bind(5, event.occurred_at_ms)
        .bind(6, event.actor)
        .bind(7, event.device_id)
        .bind(8, event.device_seq)
        .bind(9, stored_payload.dump())
        .bind(10, now_ms)
        .bind(11, origin == Origin::local ? "local" : "remote");
    if (event.subject.empty())
        s.bind_null(4);
    else
        s.bind(4, event.subject);
    FEEDBACK_TRY(s.run());
    int64_t pos = m_db.last_insert_rowid();
    if (!personal.empty()) {
        auto keep = m_db.cached("INSERT INTO personal_data(event_pos, fields) VALUES (?1, ?2)");
        FEEDBACK_TRY(keep);
        FEEDBACK_TRY((*keep)->bind(1, pos).bind(2, personal.dump()).run());
    }
    FEEDBACK_TRY(fold_event_ids(pos));
    return true;
}

Result<std::vector<Event>> LocalStore::events_of_subject(std::string_view subject)
{
    // The type's condition is the subject index's own (schema.cpp, migration 4):
    // only complaints are looked up by subject.
    auto stmt = m_db.cached(std::string("SELECT ") + event_columns +
                            " FROM events e WHERE e.subject = ?1 AND e.type GLOB 'complaint.*'");
    FEEDBACK_TRY(stmt);
    (*stmt)->bind(1, subject);
    std::vector<Event> events;
    for (;;) {
        auto row = (*stmt)->step();
        FEEDBACK_TRY(row);
        if (!*row)
            return events;
        events.push_back(event_from_row(**stmt));
    }
}

Result<void> LocalStore::refresh_complaint(std::string_view complaint_id)
{
    auto events = events_of_subject(complaint_id);
    FEEDBACK_TRY(events);
    ComplaintState state = fold_complaint(*events);
    if (!state.status)
        return {}; // events of a complaint whose opening has not arrived yet
    // The reference comes with the opening, so it is written when the row is
    // made and left out of the update: setting it again would rewrite its
    // index's page on every step of the complaint.
    auto upsert = m_db.cached(R"sql(
        INSERT INTO complaints(id, reference, status, channel, category, opened_at, acknowledged_at,
            first_resolution_at, closed_at, close_outcome, satisfied, handling_score, solved_on_the_spot,
            time_to_resolution_ms, last_event_at, skipped_events)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
        ON CONFLICT(id) DO UPDATE SET status = excluded.status,
            channel = excluded.channel, category = excluded.category, opened_at = excluded.opened_at,
            acknowledged_at = excluded.acknowledged_at, first_resolution_at = excluded.first_resolution_at,
            closed_at = excluded.closed_at, close_outcome = excluded.close_outcome,
            satisfied = excluded.satisfied, handling_score = excluded.handling_score,
            solved_on_the_spot = excluded.solved_on_the_spot,
            time_to_resolution_ms = excluded.time_to_resolution_ms, last_event_at = excluded.last_event_at,
            skipped_events = excluded.skipped_events)sql");
    FEEDBACK_TRY(upsert);
    Statement& s = **upsert;
    auto optional_text = [](const std::string& text) {
        return text.empty() ? std::optional<std::string>{} : std::optional<std::string>{text};
    };
    s.bind(1, state.complaint_id)
        .bind(2, optional_text(state.reference))
        .bind(3, to_string(*state.status))
        .bind(4, optional_text(state.channel))
        .bind(5, optional_text(state.category))
        .bind(6, state.opened_at)
        .bind(7, state.acknowledged_at)
        .bind(8, state.first_resolution_at)
        .bind(9, state.closed_at)
        .bind(10, optional_text(state.close_outcome))
        .bind(12, state.handling_score)
        .bind(13, state.solved_on_the_spot ? 1 : 0)
        .bind(14, state.time_to_resolution_ms)
        .bind(15, state.last_event_at)
        .bind(16, static_cast<int64_t>(state.skipped.size()));
    if (state.satisfied)
        s.bind(11, *state.satisfied ? 1 : 0);
    else
        s.bind_null(11);
    return s.run();
}

Result<std::string> LocalStore::find_complaint(std::string_view id_or_reference)
{
    std::string key(id_or_reference);
    if (!is_uuid(key)) {
        auto reference = parse_refcode(key);
        if (!reference)
            return Error{ErrorKind::invalid_input,
                         "\"" + key + "\" is neither a complaint id nor a valid reference code: " +
                             reference.error().message};
        key = *reference;
    }
    auto stmt = m_db.cached("SELECT id FROM complaints WHERE id = ?1 OR reference = ?1");
    FEEDBACK_TRY(stmt);
    auto row = (*stmt)->bind(1, key).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return Error{ErrorKind::not_found, "no complaint " + key + " in this store"};
    std::string id = (*stmt)->column_text(0);
    (*stmt)->reset();
    return id;
}

Result<ComplaintState> LocalStore::complaint_state(std::string_view complaint_id)
{
    auto events = events_of_subject(complaint_id);
    FEEDBACK_TRY(events);
    if (events->empty())
        return Error{ErrorKind::not_found, "no complaint " + std::string(complaint_id) + " in this store"};
    return fold_complaint(*events);
}

Result<std::vector<Event>> LocalStore::complaint_events(std::string_view complaint_id)
{
    auto events = events_of_subject(complaint_id);
    FEEDBACK_TRY(events);
    std::sort(events->begin(), events->end(), fold_order_less);
    return std::move(*events);
}

Result<ContactLeft> LocalStore::contact_left(std::string_view complaint_id)
{
    auto stmt = m_db.cached("SELECT p.fields FROM personal_data p JOIN events e ON e.pos = p.event_pos "
                            "WHERE e.subject = ?1 AND e.type = 'complaint.opened' AND e.type GLOB 'complaint.*'");
    FEEDBACK_TRY(stmt);
    auto row = (*stmt)->bind(1, complaint_id).step();
    FEEDBACK_TRY(row);
    ContactLeft left;
    if (!*row)
        return left;
    // Only which fields are there leaves this function, never their values.
    const auto fields = nlohmann::json::parse((*stmt)->column_text(0), nullptr, false);
    (*stmt)->reset();
    const auto contact = fields.is_object() ? fields.find("contact") : fields.end();
    if (contact == fields.end() || !contact->is_object())
        return left;
    for (const std::string& channel : crypto::contact_channels(*contact)) {
        left.phone = left.phone || channel == "phone";
        left.email = left.email || channel == "email";
    }
    left.consent = contact->value("consent", false);
    return left;
}

Result<std::vector<ComplaintSummary>> LocalStore::open_complaints()
{
    auto stmt = m_db.cached("SELECT id, coalesce(reference, ''), status, coalesce(category, ''), "
                            "coalesce(channel, ''), coalesce(opened_at, 0), coalesce(last_event_at, 0) "
                            "FROM complaints WHERE status <> 'closed' ORDER BY opened_at, id");
    FEEDBACK_TRY(stmt);
    std::vector<ComplaintSummary> out;
    for (;;) {
        auto row = (*stmt)->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        Statement& s = **stmt;
        ComplaintSummary summary;
        summary.id = s.column_text(0);
        summary.reference = s.column_text(1);
        summary.status = complaint_status_from_string(s.column_text(2)).value_or(ComplaintStatus::open);
        summary.category = s.column_text(3);
        summary.channel = s.column_text(4);
        summary.opened_at = s.column_int64(5);
        summary.last_event_at = s.column_int64(6);
        out.push_back(std::move(summary));
    }
    for (ComplaintSummary& summary : out) {
        auto state = complaint_state(summary.id);
        FEEDBACK_TRY(state);
        summary.severity = state->severity;
        summary.answered_at = state->answered_at;
    }
    return out;
}

// [SECTION] Outbox

Result<std::string> LocalStore::batch_body(std::string_view batch_id, const std::vector<int64_t>& positions)
{
    nlohmann::json events = nlohmann::json::array();
    auto stmt = m_db.cached(std::string("SELECT ") + event_columns +
                            ", p.fields FROM events e LEFT JOIN personal_data p ON p.event_pos = e.pos "
                            "WHERE e.pos = ?1");
    FEEDBACK_TRY(stmt);
    for (int64_t pos : positions) {
        auto row = (*stmt)->bind(1, pos).step();
        FEEDBACK_TRY(row);
        assert(*row && "a batch names a missing event");
        Event event = event_from_row(**stmt);
        if (auto personal = (*stmt)->column_optional_text(10))
            event.payload.update(nlohmann::json::parse(*personal, nullptr, false));
        (*stmt)->reset();
        events.push_back(to_json(event));
    }
    nlohmann::json body{{"batch_id", batch_id}, {"events", std::move(events)}};
    return body.dump();
}

Result<std::optional<FrozenBatch>> LocalStore::freeze_batch(size_t max_events, int64_t now_ms)
{
    assert(max_events > 0 && "freeze_batch needs room for at least one event");
    auto txn = Transaction::begin(m_db);
    FEEDBACK_TRY(txn);
    FrozenBatch batch;
    std::vector<int64_t> positions;

    auto ids_of_batch = [&](std::string_view batch_id) -> Result<void> {
        auto stmt = m_db.cached("SELECT be.event_pos, e.id FROM batch_events be JOIN events e ON e.pos = be.event_pos "
                                "WHERE be.batch_id = ?1 ORDER BY be.event_pos");
        FEEDBACK_TRY(stmt);
        (*stmt)->bind(1, batch_id);
        for (;;) {
            auto row = (*stmt)->step();
            FEEDBACK_TRY(row);
            if (!*row)
                return {};
            positions.push_back((*stmt)->column_int64(0));
            batch.event_ids.push_back((*stmt)->column_text(1));
        }
    };

    // An unanswered batch is sent again, byte for byte.
    auto open_batch = m_db.cached("SELECT id, body, body_sha256 FROM batches WHERE acknowledged_at IS NULL "
                                  "ORDER BY created_at LIMIT 1");
    FEEDBACK_TRY(open_batch);
    auto has_open = (*open_batch)->step();
    FEEDBACK_TRY(has_open);
    if (*has_open) {
        batch.batch_id = (*open_batch)->column_text(0);
        batch.body = (*open_batch)->column_text(1);
        batch.body_sha256 = (*open_batch)->column_text(2);
        (*open_batch)->reset();
        FEEDBACK_TRY(ids_of_batch(batch.batch_id));
        FEEDBACK_TRY(txn->commit());
        return std::optional<FrozenBatch>{std::move(batch)};
    }

    auto pending = m_db.cached("SELECT event_pos, event_id FROM outbox WHERE batch_id IS NULL "
                               "ORDER BY event_pos LIMIT ?1");
    FEEDBACK_TRY(pending);
    (*pending)->bind(1, static_cast<int64_t>(max_events));
    for (;;) {
        auto row = (*pending)->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        positions.push_back((*pending)->column_int64(0));
        batch.event_ids.push_back((*pending)->column_text(1));
    }
    if (positions.empty())
        return std::optional<FrozenBatch>{};

    batch.batch_id = make_uuid_v7(now_ms);
    auto body = batch_body(batch.batch_id, positions);
    FEEDBACK_TRY(body);
    batch.body = std::move(*body);
    batch.body_sha256 = crypto::sha256_hex(batch.body);

    auto insert = m_db.cached("INSERT INTO batches(id, created_at, event_count, body, body_sha256) "
                              "VALUES (?1, ?2, ?3, ?4, ?5)");
    FEEDBACK_TRY(insert);
    FEEDBACK_TRY((*insert)
                     ->bind(1, batch.batch_id)
                     .bind(2, now_ms)
                     .bind(3, static_cast<int64_t>(positions.size()))
                     .bind_blob(4, batch.body)
                     .bind(5, batch.body_sha256)
                     .run());
    auto assign = m_db.cached("INSERT INTO batch_events(batch_id, event_pos) VALUES (?1, ?2)");
    FEEDBACK_TRY(assign);
    for (int64_t pos : positions)
        FEEDBACK_TRY((*assign)->bind(1, batch.batch_id).bind(2, pos).run());
    FEEDBACK_TRY(txn->commit());
    return std::optional<FrozenBatch>{std::move(batch)};
}

Result<AckSummary> LocalStore::acknowledge_batch(std::string_view batch_id, std::span<const EventAck> acks,
                                                 int64_t now_ms)
{
    auto txn = Transaction::begin(m_db);
    FEEDBACK_TRY(txn);
    auto known = m_db.cached("SELECT acknowledged_at FROM batches WHERE id = ?1");
    FEEDBACK_TRY(known);
    auto row = (*known)->bind(1, batch_id).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return Error{ErrorKind::not_found, "no batch " + std::string(batch_id) + " was sent from this store"};
    bool already = !(*known)->is_null(0);
    (*known)->reset();
    if (already)
        return Error{ErrorKind::conflict, "batch " + std::string(batch_id) + " was already acknowledged"};

    AckSummary summary;
    // Events of this batch not yet settled, by id, read once (the events
    // table has no id index: a query per answer would read the batch each
    // time). An answer naming one twice counts once.
    std::map<std::string, int64_t, std::less<>> unsettled;
    auto members = m_db.cached(
        "SELECT be.event_pos, e.id FROM batch_events be JOIN events e ON e.pos = be.event_pos "
        "WHERE be.batch_id = ?1"
        " AND NOT EXISTS (SELECT 1 FROM acknowledged a WHERE a.event_pos = be.event_pos)"
        " AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.event_pos = be.event_pos)");
    FEEDBACK_TRY(members);
    (*members)->bind(1, batch_id);
    for (;;) {
        auto member = (*members)->step();
        FEEDBACK_TRY(member);
        if (!*member)
            break;
        unsettled.emplace((*members)->column_text(1), (*members)->column_int64(0));
    }
    auto ack = m_db.cached("INSERT INTO acknowledged(event_pos, batch_id, outcome, acknowledged_at) "
                           "VALUES (?1, ?2, ?3, ?4)");
    auto reject = m_db.cached("INSERT INTO quarantine(event_pos, batch_id, reason, quarantined_at) "
                              "VALUES (?1, ?2, ?3, ?4)");
    FEEDBACK_TRY(ack);
    FEEDBACK_TRY(reject);
    for (const auto& answer : acks) {
        auto found = unsettled.find(answer.event_id);
        if (found == unsettled.end())
            continue; // not in this batch (or answered already): an answer about something we did not send
        int64_t pos = found->second;
        unsettled.erase(found);
        if (answer.outcome == AckOutcome::rejected) {
            std::string reason = answer.reason.empty() ? "rejected by head office without a reason" : answer.reason;
            FEEDBACK_TRY((*reject)->bind(1, pos).bind(2, batch_id).bind(3, reason).bind(4, now_ms).run());
            ++summary.quarantined;
        } else {
            const char* outcome = answer.outcome == AckOutcome::accepted ? "accepted" : "duplicate";
            FEEDBACK_TRY((*ack)->bind(1, pos).bind(2, batch_id).bind(3, outcome).bind(4, now_ms).run());
            ++summary.acknowledged;
        }
    }
    // Events the answer did not mention go back to PENDING once the batch is
    // closed, for a new batch.
    summary.returned_to_pending = static_cast<int>(unsettled.size());
    // The body held personal data; it is no longer needed once answered.
    auto close = m_db.cached("UPDATE batches SET acknowledged_at = ?2, body = NULL WHERE id = ?1");
    FEEDBACK_TRY(close);
    FEEDBACK_TRY((*close)->bind(1, batch_id).bind(2, now_ms).run());
    // ORDER BY ... LIMIT 1 stops at the first unsettled event; min() over the
    // view would visit every pending one (a 100,000-event backlog made each
    // acknowledgement scan it all).
    auto settle = m_db.cached(
        "UPDATE settings SET value = coalesce((SELECT event_pos - 1 FROM outbox ORDER BY event_pos LIMIT 1), "
        "(SELECT coalesce(max(pos), 0) FROM events)) WHERE key = 'outbox_settled_through'");
    FEEDBACK_TRY(settle);
    FEEDBACK_TRY((*settle)->run());
    FEEDBACK_TRY(txn->commit());
    return summary;
}

// [SECTION] Sync state

Result<RemoteApplied> LocalStore::apply_remote_events(std::span<const Event> events, std::string_view cursor,
                                                      int64_t now_ms)
{
    auto txn = Transaction::begin(m_db);
    if (!txn)
        return with_context(txn.error(), "applying events from head office");
    RemoteApplied applied;
    std::vector<std::string> complaints;
    for (const Event& event : events) {
        if (!validate_event(event).empty()) {
            ++applied.invalid;
            continue;
        }
        auto inserted = insert_event(event, Origin::remote, now_ms);
        FEEDBACK_TRY(inserted);
        if (!*inserted) {
            ++applied.already_present;
            continue;
        }
        ++applied.inserted;
        if (is_complaint_event(event.type))
            complaints.push_back(event.subject);
        if (event.type == EventType::complaint_erased)
            FEEDBACK_TRY(erase_complaint_data(event.subject, event.payload.value("texts", false), now_ms));
    }
    std::sort(complaints.begin(), complaints.end());
    complaints.erase(std::unique(complaints.begin(), complaints.end()), complaints.end());
    for (const auto& complaint : complaints)
        FEEDBACK_TRY(refresh_complaint(complaint));
    FEEDBACK_TRY(set_sync_state("feed_cursor", cursor));
    if (auto committed = txn->commit(); !committed)
        return with_context(committed.error(), "applying events from head office");
    return applied;
}

Result<std::optional<std::string>> LocalStore::sync_state(std::string_view key)
{
    auto stmt = m_db.cached("SELECT value FROM sync_state WHERE key = ?1");
    FEEDBACK_TRY(stmt);
    auto row = (*stmt)->bind(1, key).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return std::optional<std::string>{};
    std::string value = (*stmt)->column_text(0);
    (*stmt)->reset();
    return std::optional<std::string>{std::move(value)};
}

Result<std::optional<crypto::ContactPublicKey>> LocalStore::contact_key()
{
    auto kept = sync_state("contact_key");
    FEEDBACK_TRY(kept);
    if (!*kept || (*kept)->empty())
        return std::optional<crypto::ContactPublicKey>{};
    auto key = crypto::contact_public_key_from_json(nlohmann::json::parse(**kept, nullptr, false));
    FEEDBACK_TRY(key);
    return std::optional<crypto::ContactPublicKey>(std::move(*key));
}

Result<void> LocalStore::set_contact_key(const crypto::ContactPublicKey& key)
{
    auto txn = Transaction::begin(m_db);
    FEEDBACK_TRY(txn);
    FEEDBACK_TRY(set_sync_state("contact_key", crypto::to_json(key).dump()));
    // Contact details an older version kept in the clear are sealed now.
    auto clear = m_db.prepare("SELECT event_pos, fields FROM personal_data "
                              "WHERE json_extract(fields, '$.contact.sealed') IS NULL");
    FEEDBACK_TRY(clear);
    std::vector<std::pair<int64_t, nlohmann::json>> rows;
    for (;;) {
        auto row = clear->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        rows.emplace_back(clear->column_int64(0), nlohmann::json::parse(clear->column_text(1), nullptr, false));
    }
    auto seal = m_db.prepare("UPDATE personal_data SET fields = ?2 WHERE event_pos = ?1");
    FEEDBACK_TRY(seal);
    for (auto& [pos, fields] : rows) {
        if (!fields.is_object() || !fields.contains("contact"))
            continue;
        fields["contact"] = crypto::seal_contact(fields["contact"], key);
        FEEDBACK_TRY(seal->bind(1, pos).bind(2, fields.dump()).run());
    }
    return txn->commit();
}

Result<void> LocalStore::set_sync_state(std::string_view key, std::string_view value)
{
    auto stmt = m_db.cached("INSERT INTO sync_state(key, value) VALUES (?1, ?2) "
                            "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    FEEDBACK_TRY(stmt);
    return (*stmt)->bind(1, key).bind(2, value).run();
}

Result<int64_t> LocalStore::outbox_size() { return m_db.query_int64("SELECT count(*) FROM outbox"); }

int64_t LocalStore::bytes_on_disk() const
{
    int64_t bytes = 0;
    std::error_code ec;
    for (const std::string& name : {std::string(database_file_name), std::string(database_file_name) + "-wal"}) {
        auto size = std::filesystem::file_size(m_data_dir / name, ec);
        if (!ec)
            bytes += static_cast<int64_t>(size);
    }
    return bytes;
}

// [SECTION] Erasure on request

Result<void> LocalStore::erase_personal_fields(int64_t event_pos, std::string_view fields_json, int64_t now_ms)
{
    nlohmann::json names = nlohmann::json::array(); // what was erased, never its values
    auto fields = nlohmann::json::parse(fields_json, nullptr, false);
    if (fields.is_object())
        for (const auto& item : fields.items())
            names.push_back(item.key());
    auto erase = m_db.cached("DELETE FROM personal_data WHERE event_pos = ?1");
    auto note = m_db.cached("INSERT OR REPLACE INTO erasures(event_pos, erased_at, fields) VALUES (?1, ?2, ?3)");
    FEEDBACK_TRY(erase);
    FEEDBACK_TRY(note);
    FEEDBACK_TRY((*erase)->bind(1, event_pos).run());
    return (*note)->bind(1, event_pos).bind(2, now_ms).bind(3, names.dump()).run();
}

Result<int> LocalStore::mark_contact_erased(std::string_view complaint_id, int64_t now_ms)
{
    auto mark = m_db.cached("UPDATE complaints SET contact_erased_at = ?2 WHERE id = ?1 AND contact_erased_at IS NULL");
    FEEDBACK_TRY(mark);
    FEEDBACK_TRY((*mark)->bind(1, complaint_id).bind(2, now_ms).run());
    return m_db.changes();
}

Result<void> LocalStore::erase_complaint_data(std::string_view complaint_id, bool texts, int64_t now_ms)
{
    // The contact details: as retention erases them.
    auto contacts = m_db.prepare("SELECT p.event_pos, p.fields FROM personal_data p JOIN events e ON e.pos = p.event_pos "
                                 "WHERE e.subject = ?1 AND e.type GLOB 'complaint.*'");
    FEEDBACK_TRY(contacts);
    contacts->bind(1, complaint_id);
    std::vector<std::pair<int64_t, std::string>> erased;
    for (;;) {
        auto row = contacts->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        erased.emplace_back(contacts->column_int64(0), contacts->column_text(1));
    }
    for (const auto& [pos, fields] : erased)
        FEEDBACK_TRY(erase_personal_fields(pos, fields, now_ms));
    FEEDBACK_TRY(mark_contact_erased(complaint_id, now_ms));
    if (!texts)
        return {};

    // The free texts: the one change events ever get. The append-only
    // trigger steps aside inside this transaction only (DDL is transactional
    // in SQLite: a crash or an error brings it back with the rest).
    auto with_texts = m_db.prepare("SELECT pos, payload FROM events WHERE subject = ?1 AND type GLOB 'complaint.*'");
    FEEDBACK_TRY(with_texts);
    with_texts->bind(1, complaint_id);
    std::vector<std::pair<int64_t, nlohmann::json>> changed;
    for (;;) {
        auto row = with_texts->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        auto payload = nlohmann::json::parse(with_texts->column_text(1), nullptr, false);
        if (erase_free_texts(payload))
            changed.emplace_back(with_texts->column_int64(0), std::move(payload));
    }
    if (changed.empty())
        return {};
    FEEDBACK_TRY(m_db.exec("DROP TRIGGER events_are_append_only_update"));
    auto rewrite = m_db.prepare("UPDATE events SET payload = ?2 WHERE pos = ?1");
    FEEDBACK_TRY(rewrite);
    for (const auto& [pos, payload] : changed)
        FEEDBACK_TRY(rewrite->bind(1, pos).bind(2, payload.dump()).run());
    return m_db.exec("CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events "
                     "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;");
}

// [SECTION] Retention

Result<RetentionReport> LocalStore::apply_retention(int64_t now_ms, int days)
{
    assert(days >= 0 && "retention days must not be negative");
    int64_t cutoff = now_ms - static_cast<int64_t>(days) * ms_per_day;
    auto txn = Transaction::begin(m_db);
    FEEDBACK_TRY(txn);
    RetentionReport report;

    // Personal data whose event may now lose it: events of complaints closed
    // before the cutoff with every event of theirs acknowledged (or from head
    // office), and nps.detailed events acknowledged before the cutoff.
    auto expired = m_db.prepare(R"sql(
        SELECT p.event_pos, p.fields, e.subject, e.type FROM personal_data p
        JOIN events e ON e.pos = p.event_pos
        LEFT JOIN complaints c ON c.id = e.subject AND e.type LIKE 'complaint.%'
        LEFT JOIN acknowledged a ON a.event_pos = e.pos
        WHERE (c.status = 'closed' AND c.closed_at <= ?1
               AND NOT EXISTS (SELECT 1 FROM events x
                               WHERE x.subject = c.id AND x.type GLOB 'complaint.*' AND x.origin = 'local'
                               AND x.pos NOT IN (SELECT event_pos FROM acknowledged)))
           OR (e.type = 'nps.detailed' AND a.acknowledged_at <= ?1))sql");
    FEEDBACK_TRY(expired);
    expired->bind(1, cutoff);
    struct Expired {
        int64_t pos;
        std::string fields;
        std::string complaint_id;
    };
    std::vector<Expired> rows;
    for (;;) {
        auto row = expired->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        bool is_complaint = expired->column_text(3).rfind("complaint.", 0) == 0;
        rows.push_back({expired->column_int64(0), expired->column_text(1), is_complaint ? expired->column_text(2) : ""});
    }
    for (const auto& row : rows) {
        FEEDBACK_TRY(erase_personal_fields(row.pos, row.fields, now_ms));
        ++report.events_erased;
        if (!row.complaint_id.empty()) {
            auto marked = mark_contact_erased(row.complaint_id, now_ms);
            FEEDBACK_TRY(marked);
            report.complaints_erased += *marked;
        }
    }
    FEEDBACK_TRY(txn->commit());
    return report;
}

// [SECTION] Reading

Result<std::string> LocalStore::quick_check()
{
    auto lines = m_db.query_texts("PRAGMA quick_check");
    FEEDBACK_TRY(lines);
    std::string text;
    for (const auto& line : *lines)
        text += (text.empty() ? "" : "; ") + line;
    return text.empty() ? std::string("no answer") : text;
}

Result<StoreStatus> LocalStore::status(int64_t now_ms)
{
    StoreStatus status;
    status.device = m_device;
    auto by_type = m_db.prepare("SELECT type, count(*) FROM events GROUP BY type ORDER BY type");
    FEEDBACK_TRY(by_type);
    for (;;) {
        auto row = by_type->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        status.events_by_type[by_type->column_text(0)] = by_type->column_int64(1);
        status.events_total += by_type->column_int64(1);
    }
    auto scores = m_db.prepare("SELECT json_extract(payload, '$.score') FROM events "
                               "WHERE type = 'nps.rated' AND occurred_at >= ?1 "
                               "AND json_extract(payload, '$.misuse') IS NULL");
    FEEDBACK_TRY(scores);
    scores->bind(1, now_ms - 30 * ms_per_day);
    for (;;) {
        auto row = scores->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        status.nps_last_30_days.add(static_cast<int>(scores->column_int64(0)));
    }
    struct Count {
        const char* sql;
        int64_t* target;
    };
    int64_t schema = 0;
    std::array counts{
        Count{"SELECT count(*) FROM complaints WHERE status <> 'closed'", &status.open_complaints},
        Count{"SELECT count(*) FROM outbox", &status.unsent_backlog},
        Count{"SELECT count(*) FROM quarantine", &status.quarantined},
        Count{"PRAGMA user_version", &schema},
    };
    for (const auto& count : counts) {
        auto value = m_db.query_int64(count.sql);
        FEEDBACK_TRY(value);
        *count.target = *value;
    }
    status.schema_version = static_cast<int>(schema);
    auto last = m_db.query_int64("SELECT coalesce(max(occurred_at), -1) FROM events");
    FEEDBACK_TRY(last);
    if (*last >= 0)
        status.last_event_at = *last;
    auto integrity = quick_check();
    FEEDBACK_TRY(integrity);
    status.integrity = *integrity;
    return status;
}

Result<void> LocalStore::for_each_event(const std::function<void(const Event&)>& visit)
{
    auto stmt = m_db.prepare(std::string("SELECT ") + event_columns +
                             ", p.fields FROM events e LEFT JOIN personal_data p ON p.event_pos = e.pos "
                             "ORDER BY e.pos");
    FEEDBACK_TRY(stmt);
    for (;;) {
        auto row = stmt->step();
        FEEDBACK_TRY(row);
        if (!*row)
            return {};
        Event event = event_from_row(*stmt);
        if (auto personal = stmt->column_optional_text(10))
            event.payload.update(nlohmann::json::parse(*personal, nullptr, false));
        visit(event);
    }
}

} // namespace feedback::store
