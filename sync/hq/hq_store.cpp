// Head office's storage: schema and migrations, enrolment, ingest of batches
// (one transaction each), export, the feed, and configuration documents.
#include "hq_store.h"

#include "crypto/sha256.h"
#include "domain/ids.h"
#include "domain/refcode.h"
#include "domain/validation.h"

#include <array>
#include <cctype>
#include <set>

namespace feedback::hq {

namespace {

using sqlite::Database;
using sqlite::Statement;
using sqlite::Transaction;

constexpr size_t enrolment_code_length = 10;

// [SECTION] Schema: append migrations, never edit a shipped one.
constexpr std::array migrations{
    R"sql(
CREATE TABLE devices(
    id              TEXT PRIMARY KEY,   -- the terminal's own device id (UUID)
    name            TEXT NOT NULL,
    store_code      TEXT NOT NULL,
    terminal_code   TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE, -- SHA-256 of the token; the token is never stored
    enrolled_at     INTEGER NOT NULL,
    revoked_at      INTEGER,
    last_seen_at    INTEGER,
    events_received INTEGER NOT NULL DEFAULT 0,
    last_backlog    INTEGER,
    clock_offset_ms INTEGER,
    app_version     TEXT NOT NULL DEFAULT ''
);
-- Every terminal code ever given in a store: never given twice, because
-- reference codes made with it are in customers' hands.
CREATE TABLE terminal_codes(
    store_code    TEXT NOT NULL,
    terminal_code TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    PRIMARY KEY (store_code, terminal_code)
) WITHOUT ROWID;
CREATE TABLE enrolment_codes(
    code_hash  TEXT PRIMARY KEY,  -- SHA-256 of the canonical code
    store_code TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    device_id  TEXT
) WITHOUT ROWID;
-- Each batch once, with the answer given, returned as is on a replay.
CREATE TABLE batches(
    id          TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL REFERENCES devices(id),
    body_sha256 TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    event_count INTEGER NOT NULL,
    answer      TEXT NOT NULL
) WITHOUT ROWID;
-- Every event exactly once. `seq` is head office's arrival order (the feed's cursor).
CREATE TABLE events(
    seq         INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL UNIQUE,
    type        TEXT    NOT NULL,
    subject     TEXT,
    occurred_at INTEGER NOT NULL,
    device_id   TEXT    NOT NULL,
    store_code  TEXT    NOT NULL,  -- the sending device's store when received
    received_at INTEGER NOT NULL,
    batch_id    TEXT    NOT NULL,
    body        TEXT    NOT NULL   -- the wire event, personal fields included
);
CREATE INDEX events_by_store ON events(store_code, seq);
CREATE INDEX events_by_subject ON events(subject) WHERE subject IS NOT NULL;
CREATE INDEX events_by_received ON events(received_at);
CREATE TABLE configs(
    scope        TEXT    NOT NULL,  -- a store code or 'default'
    version      INTEGER NOT NULL,
    document     TEXT    NOT NULL CHECK (json_valid(document)),
    published_at INTEGER NOT NULL,
    PRIMARY KEY (scope, version)
) WITHOUT ROWID;
)sql",
};

Result<void> migrate(Database& db)
{
    auto version = db.query_int64("PRAGMA user_version");
    FEEDBACK_TRY(version);
    auto known = static_cast<int64_t>(migrations.size());
    if (*version > known)
        return Error{ErrorKind::conflict, "head office's database has schema version " + std::to_string(*version) +
                                              ", newer than this program knows; update the program"};
    for (auto next = *version; next < known; ++next) {
        auto txn = Transaction::begin(db);
        FEEDBACK_TRY(txn);
        FEEDBACK_TRY(db.exec(migrations[static_cast<size_t>(next)]));
        FEEDBACK_TRY(db.exec("PRAGMA user_version = " + std::to_string(next + 1)));
        FEEDBACK_TRY(txn->commit());
    }
    return {};
}

Device device_from_row(const Statement& s)
{
    Device device;
    device.id = s.column_text(0);
    device.name = s.column_text(1);
    device.store_code = s.column_text(2);
    device.terminal_code = s.column_text(3);
    device.enrolled_at = s.column_int64(4);
    device.revoked_at = s.column_optional_int64(5);
    device.last_seen_at = s.column_optional_int64(6);
    device.events_received = s.column_int64(7);
    device.last_backlog = s.column_optional_int64(8);
    device.clock_offset_ms = s.column_optional_int64(9);
    device.app_version = s.column_text(10);
    return device;
}

constexpr const char* device_columns = "id, name, store_code, terminal_code, enrolled_at, revoked_at, last_seen_at, "
                                       "events_received, last_backlog, clock_offset_ms, app_version";

} // namespace

std::optional<std::string> normalise_enrolment_code(std::string_view typed)
{
    std::string code;
    for (char c : typed) {
        if (c == '-' || c == ' ')
            continue;
        code.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    if (!is_refcode_segment(code, enrolment_code_length, enrolment_code_length))
        return std::nullopt;
    return code;
}

// [SECTION] Opening

Result<HqStore> HqStore::open(const std::filesystem::path& dir, Intent intent, int busy_timeout_ms)
{
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        return Error{ErrorKind::not_found, "the folder " + dir.string() + " does not exist"};
    auto file = dir / database_file_name;
    if (intent == Intent::existing_only && !std::filesystem::exists(file, ec))
        return Error{ErrorKind::not_found,
                     "there is no head-office database in " + dir.string() + " (run feedback-hq init first)"};
    auto db = Database::open(file, sqlite::OpenMode::read_write_create);
    FEEDBACK_TRY(db);
    // WAL + FULL: an acknowledged batch is on disk before the answer leaves.
    FEEDBACK_TRY(db->exec("PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms) +
                          "; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"));
    FEEDBACK_TRY(migrate(*db));
    return HqStore(std::move(*db));
}

// [SECTION] Enrolment and devices

Result<EnrolmentCode> HqStore::create_enrolment_code(std::string_view store_code, std::string_view name,
                                                     int64_t now_ms, int64_t ttl_ms)
{
    if (!is_refcode_segment(store_code, refcode_store_length, refcode_store_length))
        return Error{ErrorKind::invalid_input, "store code \"" + std::string(store_code) + "\" must be " +
                                                   std::to_string(refcode_store_length) + " symbols of " +
                                                   std::string(refcode_alphabet)};
    if (name.empty() || name.size() > 100)
        return Error{ErrorKind::invalid_input, "the terminal's name must be 1-100 characters"};
    std::string raw;
    for (size_t i = 0; i < enrolment_code_length; ++i)
        raw.push_back(refcode_alphabet[sync::random_below(static_cast<uint32_t>(refcode_alphabet.size()))]);
    EnrolmentCode code{raw.substr(0, 5) + "-" + raw.substr(5), std::string(store_code), std::string(name),
                       now_ms + ttl_ms};
    auto insert = m_db.prepare("INSERT INTO enrolment_codes(code_hash, store_code, name, created_at, expires_at) "
                               "VALUES (?1, ?2, ?3, ?4, ?5)");
    FEEDBACK_TRY(insert);
    FEEDBACK_TRY(insert->bind(1, crypto::sha256_hex(raw))
                     .bind(2, store_code)
                     .bind(3, name)
                     .bind(4, now_ms)
                     .bind(5, code.expires_at)
                     .run());
    return code;
}

Result<std::string> HqStore::next_terminal_code(std::string_view store_code)
{
    std::set<std::string> taken;
    auto stmt = m_db.cached("SELECT terminal_code FROM terminal_codes WHERE store_code = ?1");
    FEEDBACK_TRY(stmt);
    (*stmt)->bind(1, store_code);
    for (;;) {
        auto row = (*stmt)->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        taken.insert((*stmt)->column_text(0));
    }
    for (char first : refcode_alphabet)
        for (char second : refcode_alphabet) {
            std::string code{first, second};
            if (!taken.contains(code))
                return code;
        }
    return Error{ErrorKind::conflict, "store " + std::string(store_code) + " has no terminal codes left"};
}

Result<Enrolled> HqStore::enrol(std::string_view typed_code, std::string_view device_id,
                                std::string_view app_version, int64_t now_ms)
{
    auto code = normalise_enrolment_code(typed_code);
    if (!code)
        return Error{ErrorKind::not_found, "the enrolment code is unknown, used or expired"};
    if (!is_uuid(device_id))
        return Error{ErrorKind::invalid_input, "device_id: must be a UUID"};
    auto txn = Transaction::begin(m_db);
    FEEDBACK_TRY(txn);
    auto find = m_db.prepare("SELECT store_code, name FROM enrolment_codes "
                             "WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2");
    FEEDBACK_TRY(find);
    auto found = find->bind(1, crypto::sha256_hex(*code)).bind(2, now_ms).step();
    FEEDBACK_TRY(found);
    if (!*found)
        return Error{ErrorKind::not_found, "the enrolment code is unknown, used or expired"};
    Enrolled enrolled;
    enrolled.device_id = std::string(device_id);
    enrolled.store_code = find->column_text(0);
    enrolled.name = find->column_text(1);
    find->reset();

    auto existing = m_db.prepare("SELECT store_code, terminal_code FROM devices WHERE id = ?1");
    FEEDBACK_TRY(existing);
    auto known = existing->bind(1, device_id).step();
    FEEDBACK_TRY(known);
    if (*known && existing->column_text(0) == enrolled.store_code) {
        enrolled.terminal_code = existing->column_text(1);
    } else {
        auto terminal_code = next_terminal_code(enrolled.store_code);
        FEEDBACK_TRY(terminal_code);
        enrolled.terminal_code = *terminal_code;
        auto reserve = m_db.prepare("INSERT INTO terminal_codes(store_code, terminal_code, device_id) VALUES (?1, ?2, ?3)");
        FEEDBACK_TRY(reserve);
        FEEDBACK_TRY(reserve->bind(1, enrolled.store_code).bind(2, enrolled.terminal_code).bind(3, device_id).run());
    }
    existing->reset();

    enrolled.token = sync::random_hex(32);
    auto upsert = m_db.prepare(R"sql(
        INSERT INTO devices(id, name, store_code, terminal_code, token_hash, enrolled_at, app_version)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        ON CONFLICT(id) DO UPDATE SET name = excluded.name, store_code = excluded.store_code,
            terminal_code = excluded.terminal_code, token_hash = excluded.token_hash,
            enrolled_at = excluded.enrolled_at, revoked_at = NULL, app_version = excluded.app_version)sql");
    FEEDBACK_TRY(upsert);
    FEEDBACK_TRY(upsert->bind(1, device_id)
                     .bind(2, enrolled.name)
                     .bind(3, enrolled.store_code)
                     .bind(4, enrolled.terminal_code)
                     .bind(5, crypto::sha256_hex(enrolled.token))
                     .bind(6, now_ms)
                     .bind(7, app_version)
                     .run());
    auto use = m_db.prepare("UPDATE enrolment_codes SET used_at = ?2, device_id = ?3 WHERE code_hash = ?1");
    FEEDBACK_TRY(use);
    FEEDBACK_TRY(use->bind(1, crypto::sha256_hex(*code)).bind(2, now_ms).bind(3, device_id).run());
    FEEDBACK_TRY(txn->commit());
    return enrolled;
}

Result<Device> HqStore::authenticate(std::string_view token)
{
    auto stmt = m_db.cached(std::string("SELECT ") + device_columns + " FROM devices WHERE token_hash = ?1");
    FEEDBACK_TRY(stmt);
    auto row = (*stmt)->bind(1, crypto::sha256_hex(token)).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return Error{ErrorKind::not_found, "the device token is not known here: enrol the terminal"};
    Device device = device_from_row(**stmt);
    (*stmt)->reset();
    if (device.revoked_at)
        return Error{ErrorKind::conflict, "this device was revoked by head office: enrol the terminal again"};
    return device;
}

Result<void> HqStore::revoke(std::string_view device_id, int64_t now_ms)
{
    auto stmt = m_db.prepare("UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL");
    FEEDBACK_TRY(stmt);
    FEEDBACK_TRY(stmt->bind(1, device_id).bind(2, now_ms).run());
    if (m_db.changes() == 0) {
        auto known = m_db.prepare("SELECT 1 FROM devices WHERE id = ?1");
        FEEDBACK_TRY(known);
        auto row = known->bind(1, device_id).step();
        FEEDBACK_TRY(row);
        if (!*row)
            return Error{ErrorKind::not_found, "no device " + std::string(device_id) + " is enrolled here"};
        return Error{ErrorKind::conflict, "device " + std::string(device_id) + " was already revoked"};
    }
    return {};
}

Result<std::vector<Device>> HqStore::devices()
{
    auto stmt = m_db.prepare(std::string("SELECT ") + device_columns + " FROM devices ORDER BY store_code, terminal_code");
    FEEDBACK_TRY(stmt);
    std::vector<Device> out;
    for (;;) {
        auto row = stmt->step();
        FEEDBACK_TRY(row);
        if (!*row)
            return out;
        out.push_back(device_from_row(*stmt));
    }
}

// [SECTION] Ingest

Result<CheckedBatch> check_batch(const Device& device, std::string_view batch_id, std::string_view body,
                                 int64_t max_events)
{
    auto parsed = nlohmann::json::parse(body, nullptr, false);
    if (parsed.is_discarded())
        return Error{ErrorKind::invalid_input, "malformed_json: the body is not valid JSON"};
    if (!parsed.is_object() || !parsed.contains("batch_id") || !parsed["batch_id"].is_string() ||
        !parsed.contains("events") || !parsed["events"].is_array())
        return Error{ErrorKind::invalid_input,
                     "bad_batch: the body must be an object with \"batch_id\" (a string) and \"events\" (an array)"};
    if (parsed["batch_id"].get<std::string>() != batch_id)
        return Error{ErrorKind::invalid_input, "batch_id_mismatch: the body's batch_id differs from the Idempotency-Key"};
    if (static_cast<int64_t>(parsed["events"].size()) > max_events)
        return Error{ErrorKind::invalid_input, "too_many_events: a batch may hold at most " +
                                                   std::to_string(max_events) + " events (this one has " +
                                                   std::to_string(parsed["events"].size()) + ")"};
    CheckedBatch checked;
    checked.batch_id = std::string(batch_id);
    checked.body_sha256 = crypto::sha256_hex(body);
    checked.events.reserve(parsed["events"].size());
    for (const auto& item : parsed["events"]) {
        CheckedEvent out;
        if (item.is_object() && item.contains("id") && item["id"].is_string())
            out.id = item["id"].get<std::string>();
        auto event = event_from_json(item);
        if (!event) {
            out.rejection = event.error().message;
        } else if (auto violations = validate_event(*event); !violations.empty()) {
            out.rejection = describe(violations);
        } else if (event->device_id != device.id) {
            out.rejection = "device_id: this terminal is enrolled as " + device.id;
        } else {
            out.type = std::string(to_string(event->type));
            out.subject = event->subject;
            out.occurred_at_ms = event->occurred_at_ms;
            out.wire = to_json(*event).dump();
        }
        checked.events.push_back(std::move(out));
    }
    return checked;
}

Result<IngestResult> HqStore::ingest(const Device& device, std::string_view batch_id, std::string_view body,
                                     int64_t max_events, const DeviceHealth& health, int64_t now_ms)
{
    auto checked = check_batch(device, batch_id, body, max_events);
    FEEDBACK_TRY(checked);
    return store_batch(device, *checked, health, now_ms);
}

Result<IngestResult> HqStore::store_batch(const Device& device, const CheckedBatch& batch, const DeviceHealth& health,
                                          int64_t now_ms)
{
    const std::string& batch_id = batch.batch_id;
    auto txn = Transaction::begin(m_db);
    FEEDBACK_TRY(txn);
    auto earlier = m_db.cached("SELECT device_id, body_sha256, answer FROM batches WHERE id = ?1");
    FEEDBACK_TRY(earlier);
    auto seen = (*earlier)->bind(1, batch_id).step();
    FEEDBACK_TRY(seen);
    if (*seen) {
        bool same = (*earlier)->column_text(0) == device.id && (*earlier)->column_text(1) == batch.body_sha256;
        IngestResult replay{IngestKind::replayed, (*earlier)->column_text(2), {}};
        (*earlier)->reset();
        if (!same)
            return Error{ErrorKind::conflict, "batch_conflict: batch " + batch_id +
                                                  " was received before with a different body"};
        auto summary = sync::batch_answer_from_json(nlohmann::json::parse(replay.answer, nullptr, false));
        if (summary)
            replay.summary = std::move(*summary);
        FEEDBACK_TRY(touch(device.id, now_ms));
        FEEDBACK_TRY(txn->commit());
        return replay;
    }

    auto insert = m_db.cached("INSERT INTO events(id, type, subject, occurred_at, device_id, store_code, "
                              "received_at, batch_id, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                              "ON CONFLICT(id) DO NOTHING");
    FEEDBACK_TRY(insert);
    sync::BatchAnswer answer;
    answer.batch_id = batch_id;
    answer.results.reserve(batch.events.size());
    for (const auto& event : batch.events) {
        sync::EventResult result;
        result.id = event.id;
        if (!event.rejection.empty()) {
            result.outcome = sync::EventOutcome::rejected;
            result.reason = event.rejection;
            ++answer.rejected;
        } else {
            Statement& s = **insert;
            s.bind(1, *event.id)
                .bind(2, event.type)
                .bind(4, event.occurred_at_ms)
                .bind(5, device.id)
                .bind(6, device.store_code)
                .bind(7, now_ms)
                .bind(8, batch_id)
                .bind(9, event.wire);
            if (event.subject.empty())
                s.bind_null(3);
            else
                s.bind(3, event.subject);
            FEEDBACK_TRY(s.run());
            if (m_db.changes() == 1) {
                result.outcome = sync::EventOutcome::accepted;
                ++answer.accepted;
            } else {
                result.outcome = sync::EventOutcome::duplicate;
                ++answer.duplicate;
            }
        }
        answer.results.push_back(std::move(result));
    }

    // Reasons quote the input, which the JSON parser has already checked is UTF-8.
    IngestResult out{IngestKind::stored,
                     sync::to_json(answer).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                     std::move(answer)};
    auto keep = m_db.cached("INSERT INTO batches(id, device_id, body_sha256, received_at, event_count, answer) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    FEEDBACK_TRY(keep);
    FEEDBACK_TRY((*keep)
                     ->bind(1, batch_id)
                     .bind(2, device.id)
                     .bind(3, batch.body_sha256)
                     .bind(4, now_ms)
                     .bind(5, static_cast<int64_t>(out.summary.results.size()))
                     .bind(6, out.answer)
                     .run());
    auto health_update = m_db.cached(
        "UPDATE devices SET last_seen_at = ?2, events_received = events_received + ?3, "
        "last_backlog = coalesce(?4, last_backlog), clock_offset_ms = coalesce(?5, clock_offset_ms), "
        "app_version = CASE WHEN ?6 = '' THEN app_version ELSE ?6 END WHERE id = ?1");
    FEEDBACK_TRY(health_update);
    FEEDBACK_TRY((*health_update)
                     ->bind(1, device.id)
                     .bind(2, now_ms)
                     .bind(3, out.summary.accepted)
                     .bind(4, health.backlog)
                     .bind(5, health.clock_offset_ms)
                     .bind(6, health.app_version)
                     .run());
    FEEDBACK_TRY(txn->commit());
    return out;
}

Result<void> HqStore::touch(std::string_view device_id, int64_t now_ms, const DeviceHealth& health)
{
    auto stmt = m_db.cached("UPDATE devices SET last_seen_at = ?2, last_backlog = coalesce(?3, last_backlog), "
                            "clock_offset_ms = coalesce(?4, clock_offset_ms), "
                            "app_version = CASE WHEN ?5 = '' THEN app_version ELSE ?5 END WHERE id = ?1");
    FEEDBACK_TRY(stmt);
    return (*stmt)
        ->bind(1, device_id)
        .bind(2, now_ms)
        .bind(3, health.backlog)
        .bind(4, health.clock_offset_ms)
        .bind(5, health.app_version)
        .run();
}

// [SECTION] Reading

Result<void> HqStore::for_each_event(std::optional<int64_t> since_ms,
                                     const std::function<void(const std::string&)>& visit)
{
    auto stmt = m_db.prepare("SELECT body FROM events WHERE received_at >= ?1 ORDER BY seq");
    FEEDBACK_TRY(stmt);
    stmt->bind(1, since_ms.value_or(INT64_MIN));
    for (;;) {
        auto row = stmt->step();
        FEEDBACK_TRY(row);
        if (!*row)
            return {};
        visit(stmt->column_text(0));
    }
}

Result<int64_t> HqStore::event_count() { return m_db.query_int64("SELECT count(*) FROM events"); }

Result<FeedPage> HqStore::feed(const Device& device, int64_t after, int64_t limit)
{
    auto stmt = m_db.cached("SELECT seq, body FROM events WHERE store_code = ?1 AND device_id <> ?2 AND seq > ?3 "
                            "ORDER BY seq LIMIT ?4");
    FEEDBACK_TRY(stmt);
    (*stmt)->bind(1, device.store_code).bind(2, device.id).bind(3, after).bind(4, limit + 1);
    FeedPage page;
    page.cursor = after;
    for (;;) {
        auto row = (*stmt)->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        if (static_cast<int64_t>(page.events.size()) == limit) {
            page.more = true;
            (*stmt)->reset();
            break;
        }
        page.cursor = (*stmt)->column_int64(0);
        auto event = nlohmann::json::parse((*stmt)->column_text(1), nullptr, false);
        if (event.is_object() && event.contains("payload"))
            take_personal_fields(event["payload"]); // the other counter needs the complaint, not the phone number
        page.events.push_back(std::move(event));
    }
    return page;
}

Result<ComplaintState> HqStore::complaint_state(std::string_view complaint_id)
{
    auto stmt = m_db.prepare("SELECT body FROM events WHERE subject = ?1");
    FEEDBACK_TRY(stmt);
    stmt->bind(1, complaint_id);
    std::vector<Event> events;
    for (;;) {
        auto row = stmt->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        auto event = event_from_json(nlohmann::json::parse(stmt->column_text(0), nullptr, false));
        if (event)
            events.push_back(std::move(*event));
    }
    if (events.empty())
        return Error{ErrorKind::not_found, "no complaint " + std::string(complaint_id) + " at head office"};
    return fold_complaint(events);
}

// [SECTION] Configuration documents

Result<ConfigDocument> HqStore::publish_config(std::string_view scope, const nlohmann::json& document, int64_t now_ms)
{
    if (scope != "default" && !is_refcode_segment(scope, refcode_store_length, refcode_store_length))
        return Error{ErrorKind::invalid_input, "a configuration's scope is a store code or \"default\""};
    if (!document.is_object())
        return Error{ErrorKind::invalid_input, "a configuration document must be a JSON object"};
    auto txn = Transaction::begin(m_db);
    FEEDBACK_TRY(txn);
    auto last = m_db.prepare("SELECT coalesce(max(version), 0) FROM configs WHERE scope = ?1");
    FEEDBACK_TRY(last);
    FEEDBACK_TRY(last->bind(1, scope).step());
    ConfigDocument out{std::string(scope), last->column_int64(0) + 1, document};
    last->reset();
    auto insert = m_db.prepare("INSERT INTO configs(scope, version, document, published_at) VALUES (?1, ?2, ?3, ?4)");
    FEEDBACK_TRY(insert);
    FEEDBACK_TRY(insert->bind(1, scope).bind(2, out.version).bind(3, document.dump()).bind(4, now_ms).run());
    FEEDBACK_TRY(txn->commit());
    return out;
}

Result<std::optional<ConfigDocument>> HqStore::config_for(std::string_view store_code)
{
    auto stmt = m_db.cached("SELECT scope, version, document FROM configs WHERE scope IN (?1, 'default') "
                            "ORDER BY scope = 'default', version DESC LIMIT 1");
    FEEDBACK_TRY(stmt);
    auto row = (*stmt)->bind(1, store_code).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return std::optional<ConfigDocument>{};
    ConfigDocument doc{(*stmt)->column_text(0), (*stmt)->column_int64(1),
                       nlohmann::json::parse((*stmt)->column_text(2), nullptr, false)};
    (*stmt)->reset();
    return std::optional<ConfigDocument>{std::move(doc)};
}

} // namespace feedback::hq
