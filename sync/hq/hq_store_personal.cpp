// HqStore's personal data (hq_store.h): the contact keys, sealing contacts
// that arrive in the clear, opening one for a person allowed to see it,
// erasure on request and retention, and removing the old versions of what
// they rewrote.
#include "hq_store.h"

#include "hq_schema.h"

#include "crypto/contact_seal.h"
#include "domain/clock.h"

namespace feedback::hq {

namespace {

using sql::Statement;
using sql::Transaction;

} // namespace

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
    auto txn = Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    // Several processes on PostgreSQL run retention each hour: one at a
    // time, each reading what is due only once it holds the lock, so a
    // subject is erased (and its erasure noted) once.
    if (m_db->backend() == sql::Backend::postgresql)
        FEEDBACK_TRY(m_db->exec("SELECT pg_advisory_xact_lock(" + std::to_string(advisory_lock::retention) + ")"));
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
