// The terminal's local store: every event in SQLite before anything else
// happens to it. A committed event survives a power cut (WAL journal,
// synchronous=FULL); the complaint projection is updated in the same
// transaction as the event; the outbox holds what head office has not yet
// acknowledged; retention erases personal data that is no longer needed.
//
// Outbox states of a locally recorded event:
//
//   record() --> PENDING --freeze_batch()--> IN BATCH --acknowledge_batch()--+--> ACKNOWLEDGED
//                  ^                            |         (accepted or       |
//                  |                            |          duplicate)        +--> QUARANTINED
//                  +----- not answered for -----+         (rejected, with the server's reason)
//
// A frozen batch keeps its exact body until head office answers it, so a
// retry sends the same bytes. Nothing unacknowledged is ever deleted. The
// outbox is a view over the events (schema.cpp), so recording an event adds
// no write for it, and the id index is written in runs (event_ids): a rating
// writes one page of the events table, the wear target of issue 12.
//
// One LocalStore is one SQLite connection: use it from one thread. Another
// thread (the uploader) opens its own.
#pragma once

#include "client/outbox.h"
#include "crypto/contact_seal.h"
#include "domain/complaint_fold.h"
#include "domain/event.h"
#include "domain/nps.h"
#include "domain/result.h"
#include "sqlite/database.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace feedback::store {

constexpr const char* database_file_name = "feedback.db";

// The outbox's types are the uploader's (sync/client/outbox.h).
using sync::AckOutcome;
using sync::AckSummary;
using sync::DeviceIdentity;
using sync::EventAck;
using sync::FrozenBatch;
using sync::RemoteApplied;

// Events not yet in the id table (event_ids) at most; a lookup by id reads
// them by position (local_store.cpp, "Finding events by id").
constexpr int64_t event_ids_tail_max = 256;

// The schema version this program writes (PRAGMA user_version).
int current_schema_version();

enum class OpenIntent {
    create_if_missing, // record, run: a new store in an existing folder
    existing_only,     // status, export: a missing store is an error
};

struct StoreOptions {
    OpenIntent intent = OpenIntent::create_if_missing;
    int busy_timeout_ms = 5000;
    // Caps the database size in pages (tests use it to simulate a full disk).
    std::optional<int64_t> max_page_count;
};

// An event as the caller describes it; the store fills in id, time, device
// and sequence (and, for complaint.opened, the complaint id and reference).
struct NewEvent {
    EventType type = EventType::nps_rated;
    std::string subject; // complaint id, or rating id for nps.detailed
    std::string actor = "kiosk";
    nlohmann::json payload = nlohmann::json::object();
    std::optional<int64_t> occurred_at_ms; // now, unless importing history
};

struct RecordedEvent {
    std::string id;
    std::string subject;
    std::string reference; // complaint.opened only
    int64_t device_seq = 0;
    // complaint.opened only: the customer's status key (crypto/status_key.h),
    // made here offline; the event carries only its hash. The store never
    // writes the key: the caller shows it (QR code) and prints it (receipt),
    // then forgets it. Empty when the payload brought its own hash (imports).
    std::string status_key;
};

// A line of the staff screen's list of open complaints.
struct ComplaintSummary {
    std::string id;
    std::string reference;
    ComplaintStatus status = ComplaintStatus::open;
    std::string category;
    std::string channel;
    int64_t opened_at = 0;
    int64_t last_event_at = 0;
    // From the complaint's fold, for its deadline (config::complaint_deadline).
    std::string severity = "normal";      // a vocabulary.h severity, head office's assessment
    std::optional<int64_t> answered_at;   // when the customer first had an answer
};

// Which ways to reach the customer a complaint holds: never the details
// themselves, which the terminal does not show (only head office's audited
// pages do).
struct ContactLeft {
    bool phone = false;
    bool email = false;
    bool consent = false; // the customer agreed to be contacted about it
};

struct RetentionReport {
    int complaints_erased = 0;  // complaints whose contact details were erased
    int events_erased = 0;      // events that lost personal fields
};

struct StoreStatus {
    DeviceIdentity device;
    std::map<std::string, int64_t> events_by_type;
    int64_t events_total = 0;
    NpsSummary nps_last_30_days; // without ratings marked as misuse
    int64_t open_complaints = 0;
    int64_t unsent_backlog = 0;
    int64_t quarantined = 0;
    int schema_version = 0;
    std::string integrity; // "ok", or what the check found
    std::optional<int64_t> last_event_at;
};

class LocalStore final : public sync::Outbox {
public:
    // Opens (or creates) DATA_DIR/feedback.db, applies migrations, sets the
    // durability pragmas and runs a quick integrity check. The folder must
    // exist.
    static Result<LocalStore> open(const std::filesystem::path& data_dir, StoreOptions options = {});

    const DeviceIdentity& device() const override { return m_device; }
    // Store and terminal codes for reference codes (enrolment sets them).
    Result<void> set_identity(std::string_view store_code, std::string_view terminal_code) override;

    // Validates and commits one event; returns only after the commit. Errors:
    // invalid_input (each rule broken), not_found (unknown complaint or
    // rating), invalid_transition (lifecycle), disk_full, io, busy.
    Result<RecordedEvent> record(const NewEvent& event, int64_t now_ms);
    // The same for many events in one transaction (imports): all or none.
    Result<std::vector<RecordedEvent>> record_all(std::span<const NewEvent> events, int64_t now_ms);

    // A complaint's id from its id or the reference code a customer quotes
    // (typed loosely: any case, with or without dashes).
    Result<std::string> find_complaint(std::string_view id_or_reference);
    Result<ComplaintState> complaint_state(std::string_view complaint_id);
    // Every event of a complaint in the fold's order, without personal
    // fields: its timeline.
    Result<std::vector<Event>> complaint_events(std::string_view complaint_id);
    // What contact details the complaint's opening left (all false once
    // retention erased them).
    Result<ContactLeft> contact_left(std::string_view complaint_id);
    // Every complaint not closed, oldest first. Each one's events are folded
    // for its severity and first answer (a terminal holds a few dozen open
    // complaints; the list is read when staff open it, not every frame).
    Result<std::vector<ComplaintSummary>> open_complaints();

    // [SECTION] Outbox
    // The batch to send next: the one already frozen and not yet answered,
    // else a new one of the oldest pending events (nothing if none).
    Result<std::optional<FrozenBatch>> freeze_batch(size_t max_events, int64_t now_ms) override;
    Result<AckSummary> acknowledge_batch(std::string_view batch_id, std::span<const EventAck> acks,
                                         int64_t now_ms) override;

    // [SECTION] Sync state
    // Inserts events of other terminals of this store that head office relays
    // (origin 'remote', never uploaded; an id already here is skipped),
    // refreshes the projections of their complaints and stores `cursor` as
    // sync state "feed_cursor", all in ONE transaction: a crash applies the
    // page and moves the cursor, or does neither.
    Result<RemoteApplied> apply_remote_events(std::span<const Event> events, std::string_view cursor,
                                              int64_t now_ms) override;
    // Small values the uploader keeps (sync_state table): nothing when unset.
    Result<std::optional<std::string>> sync_state(std::string_view key) override;
    Result<void> set_sync_state(std::string_view key, std::string_view value) override;
    // Head office's contact key (crypto/contact_seal.h), which record() seals
    // contact details to; nothing before the enrolment brought one. Kept in
    // sync state "contact_key"; setting it also seals what an older version
    // kept in the clear.
    Result<std::optional<crypto::ContactPublicKey>> contact_key() override;
    Result<void> set_contact_key(const crypto::ContactPublicKey& key) override;
    // Local events head office has neither acknowledged nor rejected (cheap:
    // no integrity check, unlike status()).
    Result<int64_t> outbox_size() override;
    // feedback.db and its -wal.
    int64_t bytes_on_disk() const override;

    // [SECTION] Erasure on request
    // Head office's complaint.erased (GDPR article 17), applied when it
    // arrives in the feed, inside apply_remote_events()'s transaction: the
    // complaint's contact details go (as retention takes them) and, with
    // `texts`, its free texts read erased_text (event.h) from then on.
    Result<void> erase_complaint_data(std::string_view complaint_id, bool texts, int64_t now_ms);

    // [SECTION] Retention
    // Erases contact details of complaints closed at least `days` ago whose
    // events head office has all acknowledged, and of acknowledged
    // nps.detailed events older than that. The events stay.
    Result<RetentionReport> apply_retention(int64_t now_ms, int days);

    // [SECTION] Reading
    Result<StoreStatus> status(int64_t now_ms);
    // Every event in recording order, with personal fields still held.
    Result<void> for_each_event(const std::function<void(const Event&)>& visit);
    // "ok" or the problems PRAGMA quick_check found.
    Result<std::string> quick_check();

    sqlite::Database& database() { return m_db; }

private:
    LocalStore(sqlite::Database db, DeviceIdentity device, std::filesystem::path data_dir)
        : m_db(std::move(db)), m_device(std::move(device)), m_data_dir(std::move(data_dir)) {}

    Result<RecordedEvent> record_in_transaction(const NewEvent& input, int64_t now_ms);
    enum class Origin { local, remote };
    // Inserts the event and its personal fields; false when an event with its
    // id is already stored (a repeat from head office).
    Result<bool> insert_event(const Event& event, Origin origin, int64_t now_ms);
    // Retention and erasure: an event's personal fields (personal_data,
    // `fields_json`) deleted and the names of what went noted in erasures;
    // a complaint marked as having lost its contact (1 when newly marked).
    Result<void> erase_personal_fields(int64_t event_pos, std::string_view fields_json, int64_t now_ms);
    Result<int> mark_contact_erased(std::string_view complaint_id, int64_t now_ms);
    // The position of the event with this id, if stored (local_store.cpp,
    // "Finding events by id").
    Result<std::optional<int64_t>> find_event(std::string_view id);
    Result<int64_t> event_ids_through();
    // Moves the ids of the events up to `newest_pos` into event_ids once
    // event_ids_tail_max of them are not there yet.
    Result<void> fold_event_ids(int64_t newest_pos);
    Result<std::vector<Event>> events_of_subject(std::string_view subject);
    Result<void> refresh_complaint(std::string_view complaint_id);
    Result<std::string> batch_body(std::string_view batch_id, const std::vector<int64_t>& positions);

    sqlite::Database m_db;
    DeviceIdentity m_device;
    std::filesystem::path m_data_dir;
};

// Opens DATA_DIR's store for the uploader, as LocalStore::open() does.
sync::OpenOutbox outbox_opener(std::filesystem::path data_dir);

} // namespace feedback::store
