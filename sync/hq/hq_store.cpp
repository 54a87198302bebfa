// Head office's storage: enrolment and devices, storing checked batches
// (batch_reader.h reads them; group commit), the feed, events head office
// makes, configuration documents, sealed contacts, erasure and retention.
// The schema is in hq_schema.cpp.
#include "hq_store.h"

#include "hq_schema.h"
#include "hq_settings.h"

#include "config/kiosk_config.h"
#include "crypto/contact_seal.h"
#include "crypto/sha256.h"
#include "crypto/status_key.h"
#include "domain/clock.h"
#include "domain/ids.h"
#include "domain/refcode.h"
#include "domain/text_escape.h"
#include "domain/validation.h"
#include "domain/vocabulary.h"
#include "files/private_files.h"


#include <algorithm>
#include <array>
#include <cassert>
#include <cctype>
#include <set>

namespace feedback::hq {

namespace {

using sql::Statement;
using sql::Transaction;

constexpr size_t enrolment_code_length = 10;

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
    if (auto condition = s.column_optional_text(11))
        device.condition = sync::condition_from_header(*condition);
    device.screenshot_requested_at = s.column_optional_int64(12);
    device.screenshot_taken_at = s.column_optional_int64(13);
    device.screenshot_received_at = s.column_optional_int64(14);
    device.left_at = s.column_optional_int64(15);
    return device;
}

constexpr const char* device_columns = "id, name, store_code, terminal_code, enrolled_at, revoked_at, last_seen_at, "
                                       "events_received, last_backlog, clock_offset_ms, app_version, condition, "
                                       "screenshot_requested_at, screenshot_taken_at, screenshot_received_at, left_at";

// The condition as stored: the header's JSON written anew from what was read
// of it (never the bytes as sent); nothing when none was reported.
std::optional<std::string> condition_text(const DeviceHealth& health)
{
    return health.condition ? std::optional<std::string>(sync::condition_to_header(*health.condition)) : std::nullopt;
}

// How enrol() refuses a known device (PROTOCOL.md 2): the protocol's code
// (a 403), and words saying what to do.
Error enrol_refused(sync::ErrorCode code, std::string words)
{
    return sync::coded_error(ErrorKind::conflict, code, std::move(words));
}

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
    // A folder made by an older version (0755, files 0644) is private from now on.
    FEEDBACK_TRY(files::tighten_private_directory(dir));
    // hq.json may name a PostgreSQL database; without one (or without
    // hq.json, before init has written it) the data is in DIR/hq.db.
    if (auto settings = load_settings(dir); settings && !settings->database.empty()) {
        auto db = sql::open_postgresql(settings->database);
        if (!db)
            return Error{db.error().kind, "head office's database (hq.json \"database\"): " + db.error().message};
        FEEDBACK_TRY(migrate_schema(**db));
        return HqStore(std::move(*db), dir);
    } else if (!settings && settings.error().kind != ErrorKind::not_found) {
        return settings.error();
    }
    auto file = dir / database_file_name;
    if (intent == Intent::existing_only && !std::filesystem::exists(file, ec))
        return Error{ErrorKind::not_found,
                     "there is no head-office database in " + dir.string() + " (run feedback-hq init first)"};
    auto db = sqlite::Database::open(file, sqlite::OpenMode::read_write_create);
    FEEDBACK_TRY(db);
    // WAL + FULL: an acknowledged batch is on disk before the answer leaves.
    // secure_delete: what an erasure or retention rewrites is overwritten, not left in free space.
    FEEDBACK_TRY(db->exec("PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms) +
                          "; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
                          " PRAGMA secure_delete = ON;"));
    auto connection = sql::over_sqlite(std::move(*db));
    FEEDBACK_TRY(migrate_schema(*connection));
    return HqStore(std::move(connection), dir);
}

Result<void> HqStore::check_reachable()
{
    auto answered = m_db->query_int64("SELECT 1");
    FEEDBACK_TRY(answered);
    return {};
}

// [SECTION] Enrolment and devices

Result<EnrolmentCode> HqStore::create_enrolment_code(std::string_view store_code, std::string_view name,
                                                     int64_t now_ms, int64_t ttl_ms,
                                                     std::string_view replaces_device_id)
{
    if (!is_refcode_segment(store_code, refcode_store_length, refcode_store_length))
        return Error{ErrorKind::invalid_input, "store code \"" + std::string(store_code) + "\" must be " +
                                                   std::to_string(refcode_store_length) + " symbols of " +
                                                   std::string(refcode_alphabet)};
    if (name.empty() || name.size() > 100)
        return Error{ErrorKind::invalid_input, "the terminal's name must be 1-100 characters"};
    if (!replaces_device_id.empty()) {
        // An admin's decision about a terminal head office knows, in its own store only.
        auto owner = m_db->prepare("SELECT store_code FROM devices WHERE id = ?1");
        FEEDBACK_TRY(owner);
        auto found = owner->bind(1, replaces_device_id).step();
        FEEDBACK_TRY(found);
        std::string device(replaces_device_id);
        if (!*found)
            return Error{ErrorKind::not_found, "no device " + device +
                                                   " is enrolled here (feedback-hq devices lists them); a new "
                                                   "terminal needs no --replace"};
        std::string owner_store = owner->column_text(0);
        owner->reset();
        if (owner_store != store_code)
            return Error{ErrorKind::conflict, "device " + device + " is enrolled in store " + owner_store + ", not " +
                                                  std::string(store_code) +
                                                  ": a terminal never moves to another store; its replacement code "
                                                  "must be of store " + owner_store};
    }
    std::string raw;
    for (size_t i = 0; i < enrolment_code_length; ++i)
        raw.push_back(refcode_alphabet[sync::random_below(static_cast<uint32_t>(refcode_alphabet.size()))]);
    EnrolmentCode code{raw.substr(0, 5) + "-" + raw.substr(5), std::string(store_code), std::string(name),
                       now_ms + ttl_ms, std::string(replaces_device_id)};
    auto insert = m_db->prepare("INSERT INTO enrolment_codes(code_hash, store_code, name, created_at, expires_at, "
                               "replaces_device_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    FEEDBACK_TRY(insert);
    insert->bind(1, crypto::sha256_hex(raw)).bind(2, store_code).bind(3, name).bind(4, now_ms).bind(5, code.expires_at);
    if (replaces_device_id.empty())
        insert->bind_null(6);
    else
        insert->bind(6, replaces_device_id);
    FEEDBACK_TRY(insert->run());
    return code;
}

Result<std::string> HqStore::next_terminal_code(std::string_view store_code, bool for_head_office)
{
    std::set<std::string> taken;
    auto stmt = m_db->cached("SELECT terminal_code FROM terminal_codes WHERE store_code = ?1");
    FEEDBACK_TRY(stmt);
    (*stmt)->bind(1, store_code);
    for (;;) {
        auto row = (*stmt)->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        taken.insert((*stmt)->column_text(0));
    }
    // Head office asks for the code it prefers; terminals never get that one,
    // so that a store's complaints registered at head office read "...-HQ-...".
    if (for_head_office && !taken.contains(std::string(head_office_terminal_code)))
        return std::string(head_office_terminal_code);
    for (char first : refcode_alphabet)
        for (char second : refcode_alphabet) {
            std::string code{first, second};
            if (!taken.contains(code) && code != head_office_terminal_code)
                return code;
        }
    return Error{ErrorKind::conflict, "store " + std::string(store_code) + " has no terminal codes left"};
}

Result<Enrolled> HqStore::enrol(std::string_view typed_code, std::string_view device_id,
                                std::string_view app_version, int64_t now_ms, std::string_view current_token)
{
    auto code = normalise_enrolment_code(typed_code);
    if (!code)
        return Error{ErrorKind::not_found, "the enrolment code is unknown, used or expired"};
    if (!is_uuid(device_id))
        return Error{ErrorKind::invalid_input, "device_id: must be a UUID"};
    auto txn = Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    auto find = m_db->prepare("SELECT store_code, name, replaces_device_id FROM enrolment_codes "
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
    std::string replaces = find->column_text(2);
    find->reset();
    // Every refusal below returns before anything is written: the
    // transaction rolls back, the code stays unused and the device as it was.
    if (!replaces.empty() && replaces != device_id)
        return enrol_refused(sync::ErrorCode::replace_code_other_device,
                             "this code was made to replace another terminal, not device " + enrolled.device_id +
                                 ": head office must make a code for this one");

    auto existing = m_db->prepare("SELECT store_code, terminal_code, token_hash, revoked_at FROM devices WHERE id = ?1");
    FEEDBACK_TRY(existing);
    auto known = existing->bind(1, device_id).step();
    FEEDBACK_TRY(known);
    if (*known) {
        // Device ids are public (every event carries one): a known device
        // proves itself with its token, or an admin made a code for it.
        std::string store_code = existing->column_text(0);
        enrolled.terminal_code = existing->column_text(1);
        bool token_matches = !current_token.empty() && crypto::sha256_hex(current_token) == existing->column_text(2);
        bool revoked = !existing->is_null(3);
        existing->reset();
        if (store_code != enrolled.store_code)
            return enrol_refused(sync::ErrorCode::device_enrolled_elsewhere,
                                 "device " + enrolled.device_id + " is enrolled in store " + store_code +
                                     ", and a terminal never moves to another store: enrol it with a code of store " +
                                     store_code);
        if (replaces.empty() && revoked)
            return enrol_refused(sync::ErrorCode::device_revoked,
                                 "device " + enrolled.device_id +
                                     " was revoked by head office; only head office can let it back in, with a "
                                     "replacement code (feedback-hq enroll --replace " + enrolled.device_id + ")");
        if (replaces.empty() && !token_matches)
            return enrol_refused(sync::ErrorCode::device_already_enrolled,
                                 "device " + enrolled.device_id + " is already enrolled in store " + store_code +
                                     "; enrolling it again needs its current token, or a replacement code from "
                                     "head office (feedback-hq enroll --replace " + enrolled.device_id + ")");
    } else {
        auto terminal_code = next_terminal_code(enrolled.store_code);
        FEEDBACK_TRY(terminal_code);
        enrolled.terminal_code = *terminal_code;
        auto reserve = m_db->prepare("INSERT INTO terminal_codes(store_code, terminal_code, device_id) VALUES (?1, ?2, ?3)");
        FEEDBACK_TRY(reserve);
        FEEDBACK_TRY(reserve->bind(1, enrolled.store_code).bind(2, enrolled.terminal_code).bind(3, device_id).run());
    }

    enrolled.token = sync::random_hex(32);
    auto upsert = m_db->prepare(R"sql(
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
    auto use = m_db->prepare("UPDATE enrolment_codes SET used_at = ?2, device_id = ?3 WHERE code_hash = ?1");
    FEEDBACK_TRY(use);
    FEEDBACK_TRY(use->bind(1, crypto::sha256_hex(*code)).bind(2, now_ms).bind(3, device_id).run());
    FEEDBACK_TRY(txn->commit());
    return enrolled;
}

Result<Device> HqStore::authenticate(std::string_view token)
{
    auto stmt = m_db->cached(std::string("SELECT ") + device_columns + " FROM devices WHERE token_hash = ?1");
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
    auto stmt = m_db->prepare("UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL RETURNING 1");
    FEEDBACK_TRY(stmt);
    auto revoked = stmt->bind(1, device_id).bind(2, now_ms).step();
    FEEDBACK_TRY(revoked);
    stmt->reset();
    if (!*revoked) {
        auto known = m_db->prepare("SELECT 1 FROM devices WHERE id = ?1");
        FEEDBACK_TRY(known);
        auto row = known->bind(1, device_id).step();
        FEEDBACK_TRY(row);
        if (!*row)
            return Error{ErrorKind::not_found, "no device " + std::string(device_id) + " is enrolled here"};
        return Error{ErrorKind::conflict, "device " + std::string(device_id) + " was already revoked"};
    }
    return {};
}

Result<void> HqStore::leave(std::string_view device_id, int64_t now_ms)
{
    auto stmt = m_db->prepare(
        "UPDATE devices SET revoked_at = ?2, left_at = ?2 WHERE id = ?1 AND revoked_at IS NULL RETURNING 1");
    FEEDBACK_TRY(stmt);
    auto left = stmt->bind(1, device_id).bind(2, now_ms).step();
    FEEDBACK_TRY(left);
    stmt->reset();
    if (!*left)
        return Error{ErrorKind::conflict, "device " + std::string(device_id) + " is not enrolled here (any more)"};
    return {};
}

Result<std::vector<Device>> HqStore::devices()
{
    auto stmt = m_db->prepare(std::string("SELECT ") + device_columns + " FROM devices ORDER BY store_code, terminal_code");
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

Result<Device> HqStore::device(std::string_view device_id)
{
    auto stmt = m_db->prepare(std::string("SELECT ") + device_columns + " FROM devices WHERE id = ?1");
    FEEDBACK_TRY(stmt);
    auto row = stmt->bind(1, device_id).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return Error{ErrorKind::not_found, "no terminal " + std::string(device_id) + " is enrolled"};
    return device_from_row(*stmt);
}

// [SECTION] Screenshots

Result<void> HqStore::request_screenshot(std::string_view device_id, int64_t now_ms)
{
    auto known = device(device_id);
    FEEDBACK_TRY(known);
    if (known->revoked_at)
        return Error{ErrorKind::conflict, "terminal " + std::string(device_id) + " was revoked"};
    auto stmt = m_db->prepare("UPDATE devices SET screenshot_requested_at = ?2 WHERE id = ?1");
    FEEDBACK_TRY(stmt);
    return stmt->bind(1, device_id).bind(2, now_ms).run();
}

Result<void> HqStore::store_screenshot(std::string_view device_id, std::string_view png, int64_t taken_at_ms,
                                       int64_t now_ms)
{
    auto txn = Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    auto picture = m_db->prepare("INSERT INTO device_screenshots(device_id, png) VALUES (?1, ?2) "
                                "ON CONFLICT(device_id) DO UPDATE SET png = excluded.png");
    FEEDBACK_TRY(picture);
    FEEDBACK_TRY(picture->bind(1, device_id).bind_blob(2, png).run());
    auto times = m_db->prepare("UPDATE devices SET screenshot_taken_at = ?2, screenshot_received_at = ?3 WHERE id = ?1");
    FEEDBACK_TRY(times);
    FEEDBACK_TRY(times->bind(1, device_id).bind(2, taken_at_ms).bind(3, now_ms).run());
    return txn->commit();
}

Result<std::optional<std::string>> HqStore::screenshot(std::string_view device_id)
{
    auto stmt = m_db->prepare("SELECT png FROM device_screenshots WHERE device_id = ?1");
    FEEDBACK_TRY(stmt);
    auto row = stmt->bind(1, device_id).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return std::optional<std::string>();
    return std::optional<std::string>(stmt->column_blob(0));
}

// [SECTION] Ingest: storing

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
    auto results = store_batches({BatchToStore{&device, &batch, &health}}, now_ms);
    return std::move(results.front());
}

std::vector<Result<IngestResult>> HqStore::store_batches(const std::vector<BatchToStore>& batches, int64_t now_ms)
{
    std::vector<Result<IngestResult>> out;
    out.reserve(batches.size());
    auto fail_all = [&](const Error& error) {
        out.clear();
        for (size_t i = 0; i < batches.size(); ++i)
            out.emplace_back(error);
        return std::move(out);
    };
    auto txn = Transaction::begin(*m_db);
    if (!txn)
        return fail_all(txn.error());
    if (auto locked = lock_event_order(); !locked)
        return fail_all(locked.error());
    for (const BatchToStore& item : batches) {
        auto stored = store_in_transaction(*item.device, *item.batch, *item.health, now_ms);
        // A batch_conflict is found before the batch writes anything; any
        // other error (a constraint from SQLite is a conflict too) leaves the
        // transaction in doubt, so none of the group is kept (the Transaction
        // rolls back) and every batch is tried again.
        if (!stored && sync::error_code_of(stored.error()) != sync::ErrorCode::batch_conflict)
            return fail_all(stored.error());
        out.push_back(std::move(stored));
    }
    auto committed = txn->commit();
    if (!committed)
        return fail_all(committed.error());
    return out;
}

Result<void> HqStore::lock_event_order()
{
    // SQLite's BEGIN IMMEDIATE already lets one writer in at a time.
    if (m_db->backend() != sql::Backend::postgresql)
        return {};
    // PostgreSQL hands out events.seq at each insert, and transactions
    // commit in any order: a reader of "seq > cursor" (the store feed, the
    // projector, the mail planner) would pass over an event committed late
    // with a lower seq. So one transaction at a time, across all processes,
    // inserts events, as on SQLite: held until its commit. It also makes the
    // same batch sent to two processes be stored by one and replayed, with
    // the same answer, by the other. The NOTIFY reaches every listener (the
    // dashboard's projector worker in each process) when this commits.
    auto lock = m_db->cached("SELECT pg_advisory_xact_lock(7461636802), pg_notify('" + std::string(events_channel) +
                             "', '')");
    FEEDBACK_TRY(lock);
    return (*lock)->run();
}

Result<IngestResult> HqStore::store_in_transaction(const Device& device, const CheckedBatch& batch,
                                                   const DeviceHealth& health, int64_t now_ms)
{
    const std::string& batch_id = batch.batch_id;
    auto earlier = m_db->cached("SELECT device_id, body_sha256, answer FROM batches WHERE id = ?1");
    FEEDBACK_TRY(earlier);
    auto seen = (*earlier)->bind(1, batch_id).step();
    FEEDBACK_TRY(seen);
    if (*seen) {
        bool same = (*earlier)->column_text(0) == device.id && (*earlier)->column_text(1) == batch.body_sha256;
        IngestResult replay{IngestKind::replayed, (*earlier)->column_text(2), {}};
        (*earlier)->reset();
        if (!same)
            return sync::coded_error(ErrorKind::conflict, sync::ErrorCode::batch_conflict,
                                     "batch " + batch_id + " was received before with a different body");
        auto stored = nlohmann::json::parse(replay.answer, nullptr, false);
        if (auto summary = sync::batch_answer_from_json(stored)) {
            replay.summary = std::move(*summary);
            // The counts cover the events the answer does not name (the accepted ones).
            for (auto [key, count] : {std::pair{"accepted", &replay.summary.accepted},
                                      std::pair{"duplicate", &replay.summary.duplicate},
                                      std::pair{"rejected", &replay.summary.rejected}})
                if (stored.contains(key) && stored[key].is_number_integer())
                    *count = stored[key].get<int64_t>();
        }
        FEEDBACK_TRY(touch(device.id, now_ms));
        return replay;
    }

    auto insert = m_db->cached("INSERT INTO events(id, type, subject, occurred_at, device_id, store_code, "
                               "received_at, batch_id, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                               "ON CONFLICT(id) DO NOTHING RETURNING seq");
    FEEDBACK_TRY(insert);
    sync::BatchAnswer answer;
    answer.batch_id = batch_id;
    answer.results.reserve(batch.events.size());
    for (const auto& event : batch.events) {
        sync::EventResult result;
        result.id = event.id;
        // A complaint is its store's (PROTOCOL.md 3, step 5): the store of
        // its complaint.opened, stored already or earlier in this batch
        // (inserted above). One look-up on the subject index, for complaint
        // events only.
        std::string other_store;
        if (event.rejection.empty() && event.about_complaint) {
            auto owner = complaint_store(event.subject);
            FEEDBACK_TRY(owner);
            if (*owner && **owner != device.store_code)
                other_store = std::string(sync::reason_complaint_of_other_store) + ": complaint " + event.subject +
                              " was opened in another store; this terminal acts on store " + device.store_code +
                              "'s complaints only";
        }
        if (!event.rejection.empty() || !other_store.empty()) {
            result.outcome = sync::EventOutcome::rejected;
            result.reason = event.rejection.empty() ? std::move(other_store) : event.rejection;
            ++answer.rejected;
        } else {
            // Contact details: a terminal of this version seals them; one of
            // an older version sends them in the clear, and head office seals
            // them before they are stored.
            bool has_contact = false;
            std::string sealed_wire;
            if (event.wire.find("\"contact\":") != std::string::npos) {
                auto body = nlohmann::json::parse(event.wire, nullptr, false);
                has_contact = body.is_object() && body.contains("payload") && body["payload"].is_object() &&
                              body["payload"].contains("contact");
                if (has_contact && !crypto::is_sealed_contact(body["payload"]["contact"])) {
                    FEEDBACK_TRY(seal_contact(body["payload"]));
                    sealed_wire = body.dump();
                }
            }
            Statement& s = **insert;
            s.bind(1, *event.id)
                .bind(2, event.type)
                .bind(4, event.occurred_at_ms)
                .bind(5, device.id)
                .bind(6, device.store_code)
                .bind(7, now_ms)
                .bind(8, batch_id)
                .bind(9, sealed_wire.empty() ? event.wire : sealed_wire);
            if (event.subject.empty())
                s.bind_null(3);
            else
                s.bind(3, event.subject);
            auto inserted = s.step(); // a row (its seq) when stored now, none for an id stored before
            FEEDBACK_TRY(inserted);
            const int64_t seq = *inserted ? s.column_int64(0) : 0;
            s.reset();
            if (*inserted) {
                if (has_contact)
                    FEEDBACK_TRY(note_personal_event(seq, event.type, event.subject));
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
    IngestResult out{IngestKind::stored, batch_answer_text(answer), std::move(answer)};
    auto keep = m_db->cached("INSERT INTO batches(id, device_id, body_sha256, received_at, event_count, answer) "
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
    auto health_update = m_db->cached(
        "UPDATE devices SET last_seen_at = ?2, events_received = events_received + ?3, "
        "last_backlog = coalesce(?4, last_backlog), clock_offset_ms = coalesce(?5, clock_offset_ms), "
        "app_version = CASE WHEN ?6 = '' THEN app_version ELSE ?6 END, condition = coalesce(?7, condition) "
        "WHERE id = ?1");
    FEEDBACK_TRY(health_update);
    FEEDBACK_TRY((*health_update)
                     ->bind(1, device.id)
                     .bind(2, now_ms)
                     .bind(3, out.summary.accepted)
                     .bind(4, health.backlog)
                     .bind(5, health.clock_offset_ms)
                     .bind(6, health.app_version)
                     .bind(7, condition_text(health))
                     .run());
    return out;
}

Result<std::optional<std::string>> HqStore::complaint_store(std::string_view complaint_id)
{
    // events_by_subject: a complaint's few events, in arrival order.
    auto stmt = m_db->cached("SELECT store_code FROM events WHERE subject = ?1 AND type = 'complaint.opened' "
                            "ORDER BY seq LIMIT 1");
    FEEDBACK_TRY(stmt);
    auto found = (*stmt)->bind(1, complaint_id).step();
    FEEDBACK_TRY(found);
    if (!*found)
        return std::optional<std::string>{};
    std::string store_code = (*stmt)->column_text(0);
    (*stmt)->reset();
    return std::optional<std::string>{std::move(store_code)};
}

Result<void> HqStore::touch(std::string_view device_id, int64_t now_ms, const DeviceHealth& health)
{
    auto stmt = m_db->cached("UPDATE devices SET last_seen_at = ?2, last_backlog = coalesce(?3, last_backlog), "
                            "clock_offset_ms = coalesce(?4, clock_offset_ms), "
                            "app_version = CASE WHEN ?5 = '' THEN app_version ELSE ?5 END, "
                            "condition = coalesce(?6, condition) WHERE id = ?1");
    FEEDBACK_TRY(stmt);
    return (*stmt)
        ->bind(1, device_id)
        .bind(2, now_ms)
        .bind(3, health.backlog)
        .bind(4, health.clock_offset_ms)
        .bind(5, health.app_version)
        .bind(6, condition_text(health))
        .run();
}

// [SECTION] Reading

Result<void> HqStore::for_each_event(std::optional<int64_t> since_ms,
                                     const std::function<void(const std::string&)>& visit)
{
    auto stmt = m_db->prepare("SELECT body FROM events WHERE received_at >= ?1 ORDER BY seq");
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

Result<int64_t> HqStore::event_count() { return m_db->query_int64("SELECT count(*) FROM events"); }

Result<FeedPage> HqStore::feed(const Device& device, int64_t after, int64_t limit)
{
    auto stmt = m_db->cached("SELECT seq, body FROM events WHERE store_code = ?1 AND device_id <> ?2 AND seq > ?3 "
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
    auto stmt = m_db->prepare("SELECT body FROM events WHERE subject = ?1");
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

Result<std::vector<StoredEvent>> HqStore::events_about(std::string_view subject)
{
    auto stmt = m_db->prepare("SELECT body, store_code, received_at, seq FROM events WHERE subject = ?1 OR id = ?1 "
                             "ORDER BY seq");
    FEEDBACK_TRY(stmt);
    stmt->bind(1, subject);
    std::vector<StoredEvent> out;
    for (;;) {
        auto row = stmt->step();
        FEEDBACK_TRY(row);
        if (!*row)
            return out;
        auto event = event_from_json(nlohmann::json::parse(stmt->column_text(0), nullptr, false));
        if (!event)
            continue; // every stored event was read and checked when it arrived
        out.push_back(StoredEvent{std::move(*event), stmt->column_text(1), stmt->column_int64(2),
                                  stmt->column_int64(3)});
    }
}

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

// [SECTION] Configuration documents

Result<ConfigDocument> HqStore::publish_config(std::string_view scope, const nlohmann::json& document, int64_t now_ms)
{
    if (scope != "default" && !is_refcode_segment(scope, refcode_store_length, refcode_store_length))
        return Error{ErrorKind::invalid_input, "a configuration's scope is a store code or \"default\""};
    if (!document.is_object())
        return Error{ErrorKind::invalid_input, "a configuration document must be a JSON object"};
    auto txn = Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    auto last = m_db->prepare("SELECT coalesce(max(version), 0) FROM configs WHERE scope = ?1");
    FEEDBACK_TRY(last);
    FEEDBACK_TRY(last->bind(1, scope).step());
    ConfigDocument out{std::string(scope), last->column_int64(0) + 1, document};
    last->reset();
    auto insert = m_db->prepare("INSERT INTO configs(scope, version, document, published_at) VALUES (?1, ?2, ?3, ?4)");
    FEEDBACK_TRY(insert);
    FEEDBACK_TRY(insert->bind(1, scope).bind(2, out.version).bind(3, document.dump()).bind(4, now_ms).run());
    FEEDBACK_TRY(txn->commit());
    return out;
}

Result<std::optional<ConfigDocument>> HqStore::config_for(std::string_view store_code)
{
    auto stmt = m_db->cached("SELECT scope, version, document FROM configs WHERE scope IN (?1, 'default') "
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

// [SECTION] Contact details

Result<std::optional<crypto::ContactPublicKey>> HqStore::contact_key()
{
    auto stmt = m_db->cached("SELECT id, public_key FROM contact_keys ORDER BY seq DESC LIMIT 1");
    FEEDBACK_TRY(stmt);
    auto row = (*stmt)->step();
    FEEDBACK_TRY(row);
    if (!*row)
        return std::optional<crypto::ContactPublicKey>{};
    auto key = crypto::contact_public_key_from_json(
        nlohmann::json{{"id", (*stmt)->column_text(0)}, {"public_key", (*stmt)->column_text(1)}});
    (*stmt)->reset();
    FEEDBACK_TRY(key);
    return std::optional<crypto::ContactPublicKey>(std::move(*key));
}

Result<void> HqStore::add_contact_key(const crypto::ContactPublicKey& key, int64_t now_ms)
{
    auto insert = m_db->prepare("INSERT INTO contact_keys(id, public_key, added_at) VALUES (?1, ?2, ?3)");
    FEEDBACK_TRY(insert);
    return insert->bind(1, key.id)
        .bind(2, crypto::to_json(key)["public_key"].get<std::string>())
        .bind(3, now_ms)
        .run();
}

Result<const ContactKeyring*> HqStore::keyring(std::string_view needed_key_id)
{
    auto has_needed = [&] { return needed_key_id.empty() ? !m_keyring->empty() : m_keyring->has(needed_key_id); };
    if (!m_keyring || !has_needed()) {
        auto loaded = ContactKeyring::load(m_dir);
        FEEDBACK_TRY(loaded);
        m_keyring = std::move(*loaded);
    }
    if (m_keyring->empty())
        return Error{ErrorKind::not_found, "hq.json names no contact key (feedback-hq rotate-contact-key makes one)"};
    return &*m_keyring;
}

Result<nlohmann::json> HqStore::open_contact(const nlohmann::json& contact)
{
    if (!crypto::is_sealed_contact(contact))
        return contact;
    auto ring = keyring(contact.value("key_id", ""));
    FEEDBACK_TRY(ring);
    return (*ring)->open_contact(contact);
}

Result<void> HqStore::seal_contact(nlohmann::json& payload)
{
    auto contact = payload.find("contact");
    if (contact == payload.end() || crypto::is_sealed_contact(*contact))
        return {};
    auto key = contact_key();
    FEEDBACK_TRY(key);
    if (!*key)
        return Error{ErrorKind::conflict, "head office has no contact key to seal contact details to "
                                          "(feedback-hq rotate-contact-key makes one)"};
    *contact = crypto::seal_contact(*contact, **key);
    return {};
}

void HqStore::flush_rewritten_pages()
{
    // SQLite: the old pages leave the WAL too, when no reader holds them.
    // PostgreSQL keeps the old version of each rewritten row until a VACUUM
    // removes it: done now for the tables an erasure rewrites, not whenever
    // autovacuum comes by (after the commit: VACUUM runs in none).
    if (m_db->backend() == sql::Backend::sqlite)
        (void)m_db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    else
        (void)m_db->exec("VACUUM events, mail_outbox, personal_events");
}

Result<void> HqStore::note_personal_event(int64_t seq, std::string_view type, std::string_view subject)
{
    auto note = m_db->cached("INSERT INTO personal_events(seq, type, subject) VALUES (?1, ?2, ?3) "
                             "ON CONFLICT DO NOTHING");
    FEEDBACK_TRY(note);
    return (*note)->bind(1, seq).bind(2, type).bind(3, subject).run();
}

Result<void> HqStore::rewrite_body(int64_t seq, const nlohmann::json& body)
{
    auto update = m_db->cached("UPDATE events SET body = ?2 WHERE seq = ?1");
    FEEDBACK_TRY(update);
    return (*update)->bind(1, seq).bind(2, body.dump()).run();
}

Result<int64_t> HqStore::seal_clear_contacts()
{
    auto txn = Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    auto rows = m_db->prepare("SELECT e.seq, e.body FROM personal_events p JOIN events e ON e.seq = p.seq WHERE " +
                              m_db->dialect().json_text("e.body", "payload.contact.sealed") + " IS NULL");
    FEEDBACK_TRY(rows);
    std::vector<std::pair<int64_t, nlohmann::json>> clear;
    for (;;) {
        auto row = rows->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        clear.emplace_back(rows->column_int64(0), nlohmann::json::parse(rows->column_text(1), nullptr, false));
    }
    for (auto& [seq, body] : clear) {
        if (!body.is_object() || !body.contains("payload"))
            continue;
        FEEDBACK_TRY(seal_contact(body["payload"]));
        FEEDBACK_TRY(rewrite_body(seq, body));
    }
    FEEDBACK_TRY(txn->commit());
    if (!clear.empty())
        flush_rewritten_pages();
    return static_cast<int64_t>(clear.size());
}

// [SECTION] Erasure and retention

namespace {

// Takes the contact, and the free texts when `texts`, out of a stored
// body's payload; true when something changed.
bool erase_from_body(nlohmann::json& body, bool texts)
{
    if (!body.is_object() || !body.contains("payload") || !body["payload"].is_object())
        return false;
    nlohmann::json& payload = body["payload"];
    bool changed = payload.erase("contact") > 0;
    if (texts && erase_free_texts(payload))
        changed = true;
    return changed;
}

} // namespace

Result<int64_t> HqStore::erase_subject(std::string_view subject, bool texts, std::string_view why, int64_t now_ms)
{
    auto rows = m_db->prepare("SELECT seq, body FROM events WHERE subject = ?1 ORDER BY seq");
    FEEDBACK_TRY(rows);
    rows->bind(1, subject);
    std::vector<std::pair<int64_t, nlohmann::json>> changed;
    for (;;) {
        auto row = rows->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        auto body = nlohmann::json::parse(rows->column_text(1), nullptr, false);
        if (erase_from_body(body, texts))
            changed.emplace_back(rows->column_int64(0), std::move(body));
    }
    for (const auto& [seq, body] : changed)
        FEEDBACK_TRY(rewrite_body(seq, body));
    auto forget = m_db->cached("DELETE FROM personal_events WHERE subject = ?1");
    FEEDBACK_TRY(forget);
    FEEDBACK_TRY((*forget)->bind(1, subject).run());
    // Messages not yet sent hold the address and the name (sealed): they go too.
    auto unsent = m_db->cached("UPDATE mail_outbox SET status = 'failed', recipient = '', body = '', "
                              "last_error = 'personal data erased', done_at = ?2 "
                              "WHERE complaint_id = ?1 AND status = 'queued'");
    FEEDBACK_TRY(unsent);
    FEEDBACK_TRY((*unsent)->bind(1, subject).bind(2, now_ms).run());
    auto note = m_db->cached("INSERT INTO erasures(subject, why, texts, events, erased_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    FEEDBACK_TRY(note);
    FEEDBACK_TRY((*note)
                     ->bind(1, subject)
                     .bind(2, why)
                     .bind(3, texts ? 1 : 0)
                     .bind(4, static_cast<int64_t>(changed.size()))
                     .bind(5, now_ms)
                     .run());
    return static_cast<int64_t>(changed.size());
}

Result<ErasureReport> HqStore::erase_complaint(std::string_view complaint_id, bool texts, std::string actor,
                                               int64_t now_ms)
{
    auto txn = Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    // The event first: it checks that the complaint exists (not_found otherwise).
    FEEDBACK_TRY(record_hq_event_in_transaction(EventType::complaint_erased, std::string(complaint_id),
                                                std::move(actor), nlohmann::json{{"texts", texts}}, now_ms));
    auto events = erase_subject(complaint_id, texts, "request", now_ms);
    FEEDBACK_TRY(events);
    FEEDBACK_TRY(txn->commit());
    flush_rewritten_pages();
    return ErasureReport{1, *events};
}

Result<ErasureReport> HqStore::apply_retention(int64_t now_ms, int days)
{
    const int64_t cutoff = now_ms - static_cast<int64_t>(days) * ms_per_day;
    auto candidates = m_db->prepare("SELECT DISTINCT subject, type LIKE 'complaint.%' FROM personal_events "
                                   "WHERE subject IS NOT NULL AND subject <> ''");
    FEEDBACK_TRY(candidates);
    std::vector<std::pair<std::string, bool>> subjects;
    for (;;) {
        auto row = candidates->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        subjects.emplace_back(candidates->column_text(0), candidates->column_int64(1) != 0);
    }
    auto followed_up = m_db->prepare("SELECT max(occurred_at) FROM events WHERE subject = ?1 AND type = 'nps.followed_up'");
    FEEDBACK_TRY(followed_up);
    ErasureReport report;
    auto txn = Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    for (const auto& [subject, is_complaint] : subjects) {
        bool expired = false;
        if (is_complaint) {
            auto state = complaint_state(subject);
            FEEDBACK_TRY(state);
            expired = state->status == ComplaintStatus::closed && state->closed_at && *state->closed_at <= cutoff;
        } else {
            FEEDBACK_TRY(followed_up->bind(1, subject).step());
            auto at = followed_up->column_optional_int64(0);
            expired = at && *at <= cutoff;
            followed_up->reset();
        }
        if (!expired)
            continue;
        auto events = erase_subject(subject, false, "retention", now_ms);
        FEEDBACK_TRY(events);
        ++report.subjects;
        report.events += *events;
    }
    FEEDBACK_TRY(txn->commit());
    if (report.subjects > 0)
        flush_rewritten_pages();
    return report;
}

} // namespace feedback::hq
