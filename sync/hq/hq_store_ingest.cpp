// HqStore's ingest (hq_store.h): checked batches (batch_reader.h) stored in
// one transaction per group, exactly once across processes, each batch's
// answer kept for replays; a device's health noted on each request.
#include "hq_store.h"

#include "hq_schema.h"

#include "crypto/contact_seal.h"
#include "crypto/sha256.h"

namespace feedback::hq {

namespace {

using sql::Statement;
using sql::Transaction;

// The condition as stored: the header's JSON written anew from what was read
// of it (never the bytes as sent); nothing when none was reported.
std::optional<std::string> condition_text(const DeviceHealth& health)
{
    return health.condition ? std::optional<std::string>(sync::condition_to_header(*health.condition)) : std::nullopt;
}

} // namespace

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
    auto lock = m_db->cached("SELECT pg_advisory_xact_lock(" + std::to_string(advisory_lock::event_order) +
                             "), pg_notify('" + std::string(events_channel) +
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

} // namespace feedback::hq
