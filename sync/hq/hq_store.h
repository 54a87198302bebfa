// Head office's storage on SQLite (WAL, synchronous=FULL): enrolled devices
// and their one-time enrolment codes, received batches with their stored
// answers, every event exactly once (by id), configuration documents, and
// the reads behind export, the devices report and the store feed.
//
// Device lifecycle (a device is confined to its enrolment, PROTOCOL.md 2):
//
//   create_enrolment_code() --> CODE ISSUED --enrol()--> ENROLLED --revoke()--> REVOKED
//                                                               --leave()---> REVOKED (left_at: by the shop)
//                                 |  (once, before it     |     ^                 |
//                                 |   expires)            +-----+                 |
//                                 v                enrol() again: a code of its   |
//                          EXPIRED (unused)        store and its current token,   |
//                                                  or a replacement code          |
//                                    ENROLLED <-- enrol() with a replacement code +
//                                                 (the admin's decision)
//
// A replacement code (create_enrolment_code() with `replaces_device_id`)
// enrols only that device. A known device never moves to another store; a
// refused enrol() changes nothing and leaves the code unused.
//
// One HqStore is one SQLite connection: use it from one thread at a time.
// Several connections may share the file (WAL); writers take turns.
#pragma once

#include "common/device_condition.h"
#include "common/protocol.h"
#include "hq/batch_reader.h"
#include "hq/contact_keys.h"
#include "hq/device.h"
#include "hq/hq_schema.h"
#include "domain/complaint_fold.h"
#include "domain/event.h"
#include "domain/result.h"
#include "sql/connection.h"
#include "sqlite/database.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::hq {

constexpr const char* database_file_name = "hq.db";
// PostgreSQL: the LISTEN/NOTIFY channel on which each transaction that
// stores events tells the listeners (dashboard/projector_worker.h) when it
// commits.
constexpr const char* events_channel = "feedback_events";

struct EnrolmentCode {
    std::string code;       // "ABCDE-FGHJK", shown once; only its hash is kept
    std::string store_code;
    std::string name;
    int64_t expires_at = 0; // UTC ms
    std::string replaces_device_id; // a replacement code: only this device may use it; empty: any new device
};

struct Enrolled {
    std::string device_id;
    std::string token; // shown once; only its SHA-256 is kept
    std::string store_code;
    std::string terminal_code;
    std::string name;
};

// A complaint that came in at head office (HqStore::register_complaint).
struct ComplaintIntake {
    std::string store_code;
    // complaint.opened's payload without "reference" and "status_key_hash"
    // (head office makes both): channel, category, description,
    // customer_wish, and optionally severity, product_ref, receipt_ref, contact.
    nlohmann::json payload = nlohmann::json::object();
    std::optional<int64_t> received_at_ms; // when it came in (UTC ms); nothing: now
    std::string actor;                     // "hq:<user>"
};

// A complaint head office registered, and the customer's status key made for
// it (crypto/status_key.h): the event's payload holds only the key's hash,
// so this is the one time the key exists; hand it to the customer (the
// status link) and keep it nowhere.
struct RegisteredComplaint {
    Event event;
    std::string status_key;
};

// Where a complaint is: its id (the subject of its events) and its store.
struct ComplaintLocation {
    std::string complaint_id;
    std::string store_code;
};

// How far ahead of head office's clock a complaint's received_at may lie.
constexpr int64_t max_received_ahead_ms = 5 * 60 * 1000;

// What an erasure or a retention run took away.
struct ErasureReport {
    int64_t subjects = 0; // complaints (or ratings) touched
    int64_t events = 0;   // events whose body lost something
};

enum class IngestKind { stored, replayed };

struct IngestResult {
    IngestKind kind = IngestKind::stored;
    std::string answer; // the JSON answer body, byte for byte the same on replay
    // The counts, and a result per event when stored now; on a replay, the
    // results the stored answer names (it leaves out accepted events).
    sync::BatchAnswer summary;
};

// One batch for HqStore::store_batches(): what check_batch() made of it,
// from which device, with the health that device reported. Borrowed: the
// pointers must outlive the call.
struct BatchToStore {
    const Device* device = nullptr;
    const CheckedBatch* batch = nullptr;
    const DeviceHealth* health = nullptr;
};

struct ConfigDocument {
    std::string scope; // a store code, or "default"
    int64_t version = 0;
    nlohmann::json document;
    std::string etag() const { return "\"" + scope + "-" + std::to_string(version) + "\""; }
};

// An event as head office keeps it: the event, the store it counts for and
// when it arrived (for the dashboard's timelines).
struct StoredEvent {
    Event event;
    std::string store_code;
    int64_t received_at = 0;
    int64_t seq = 0; // head office's arrival order
};

struct FeedPage {
    std::vector<nlohmann::json> events; // wire form without personal fields
    int64_t cursor = 0;                 // head office's sequence of the last event (or the given one)
    bool more = false;
};

class HqStore {
public:
    // Opens (or, with create, makes) DIR/hq.db and applies migrations.
    enum class Intent { create, existing_only };
    static Result<HqStore> open(const std::filesystem::path& dir, Intent intent, int busy_timeout_ms = 10000);

    // [SECTION] Enrolment and devices
    // A one-time code for a terminal of `store_code` (3 reference-code symbols).
    // With `replaces_device_id`, a replacement code: only that device may use
    // it, to get a new token (and out of a revocation) when it lost its
    // credentials; not_found when no such device is enrolled, conflict when
    // it belongs to another store.
    Result<EnrolmentCode> create_enrolment_code(std::string_view store_code, std::string_view name, int64_t now_ms,
                                                int64_t ttl_ms, std::string_view replaces_device_id = {});
    // Trades a code for a token (PROTOCOL.md 2). A new device id enrols with
    // any valid code. A known one only with a code of its own store and its
    // `current_token` (a new token replaces it), or with a replacement code
    // made for it; a revoked one only with a replacement code. Errors:
    // not_found when the code is unknown, used or expired; invalid_input for
    // a bad device id; conflict for a refused known device, its message
    // starting with the protocol's code ("device_already_enrolled: ...",
    // device_enrolled_elsewhere, device_revoked, replace_code_other_device).
    // A refusal changes nothing: the code stays unused, the device's token
    // and store stay as they were.
    Result<Enrolled> enrol(std::string_view code, std::string_view device_id, std::string_view app_version,
                           int64_t now_ms, std::string_view current_token = {});
    // The device whose token this is; not_found when unknown, conflict when revoked.
    Result<Device> authenticate(std::string_view token);
    Result<void> revoke(std::string_view device_id, int64_t now_ms);
    // The terminal said it leaves its store (POST /v1/leave): revoked, and
    // left_at says by whom. conflict when it was revoked already.
    Result<void> leave(std::string_view device_id, int64_t now_ms);
    Result<std::vector<Device>> devices();
    Result<Device> device(std::string_view device_id);

    // [SECTION] Screenshots of a terminal's start screen (PROTOCOL.md 9)
    // A user asks; the terminal learns it from the next answer it gets and
    // sends one while its start screen shows. not_found for an unknown device,
    // conflict for a revoked one.
    Result<void> request_screenshot(std::string_view device_id, int64_t now_ms);
    // Keeps the latest picture (a PNG, checked by the caller) and answers the request.
    Result<void> store_screenshot(std::string_view device_id, std::string_view png, int64_t taken_at_ms,
                                  int64_t now_ms);
    // The latest picture, if any.
    Result<std::optional<std::string>> screenshot(std::string_view device_id);

    // [SECTION] Ingest
    // Stores a batch in one transaction (PROTOCOL.md 3, steps 3-6). An event
    // about a complaint opened in another store than the device's is
    // rejected (reason sync::reason_complaint_of_other_store). `body` is
    // the inflated body; the caller has checked its size and hash. Errors:
    // invalid_input (malformed JSON, bad shape, batch id mismatch: a 400),
    // conflict (same batch id with another body or device: a 422), and the
    // storage errors. The first two carry the protocol's error code
    // (sync::error_code_of(): malformed_json, bad_batch, batch_id_mismatch,
    // batch_conflict). More than `max_events` events is too_many_events (a 413).
    // check_batch() then store_batch().
    Result<IngestResult> ingest(const Device& device, std::string_view batch_id, std::string_view body,
                                int64_t max_events, const DeviceHealth& health, int64_t now_ms);
    // Steps 4 and 6: replay or conflict, then every event by id, the batch and
    // the device's health in one transaction.
    Result<IngestResult> store_batch(const Device& device, const CheckedBatch& batch, const DeviceHealth& health,
                                     int64_t now_ms);
    // Group commit: several batches (from request threads that arrived
    // together) stored one after the other, as store_batch() would, in ONE
    // transaction, so they share its commit (one fsync) and its page writes.
    // Each batch is still stored whole or not at all, and each gets its own
    // result, in order: a batch_conflict (conflict) concerns that batch
    // only; a storage error, or a failed commit, fails every batch of the
    // group and nothing of it is kept. Callers answer a batch only after
    // this returns, so no answer leaves before its commit.
    std::vector<Result<IngestResult>> store_batches(const std::vector<BatchToStore>& batches, int64_t now_ms);
    // Records a contact that carried no batch (the feed), with whatever
    // health the terminal reported.
    Result<void> touch(std::string_view device_id, int64_t now_ms, const DeviceHealth& health = {});

    // [SECTION] Reading
    // Every event received at or after `since_ms` (received time), in
    // arrival order, each exactly once, as its wire JSON text.
    Result<void> for_each_event(std::optional<int64_t> since_ms, const std::function<void(const std::string&)>& visit);
    Result<int64_t> event_count();
    Result<FeedPage> feed(const Device& device, int64_t after, int64_t limit);
    Result<ComplaintState> complaint_state(std::string_view complaint_id);
    // The store a complaint was opened in (its complaint.opened as stored);
    // nothing when head office has not received it.
    Result<std::optional<std::string>> complaint_store(std::string_view complaint_id);
    // Every event about `subject` (a complaint id, or a rating id: the rating
    // itself included), personal fields included, in arrival order.
    Result<std::vector<StoredEvent>> events_about(std::string_view subject);

    // [SECTION] Events head office makes (the dashboard's follow-up work)
    // Records an event made at head office: complaint.* follow-up (subject:
    // the complaint id) or nps.followed_up (subject: the rating id). It gets
    // a new UUIDv7, occurred_at = now_ms, head office's own device id (kept
    // in the database, made on first use) and the next sequence of that
    // device; it is checked with validate_event() and, for a complaint, with
    // the lifecycle in the complaint's present state; it is stored with the
    // store_code of the complaint or rating it is about, so the feed
    // delivers it to that store's terminals. Errors: not_found (no such
    // complaint or rating), invalid_input (the event breaks a rule, or a type
    // head office does not record), invalid_transition, and storage errors;
    // nothing is stored then. Take a writer's turn (writer_turns.h).
    Result<Event> record_hq_event(EventType type, std::string subject, std::string actor, nlohmann::json payload,
                                  int64_t now_ms);
    // The same inside a transaction the caller holds (with other writes that
    // must stand or fall with the event: the mail outbox's rows).
    Result<Event> record_hq_event_in_transaction(EventType type, std::string subject, std::string actor,
                                                 nlohmann::json payload, int64_t now_ms);
    // Registers a complaint that came in at head office (by phone, e-mail,
    // letter, web form, social media, or on behalf of a store): a
    // complaint.opened made by head office, with a reference code head
    // office makes itself ("UTR-HQ-2222X": the store's code, head office's
    // terminal code in that store, never given to a terminal, and its own
    // counter), in the store's feed so its terminals see it. The store must
    // be known (a terminal, an enrolment code or a configuration of its own)
    // and the category one of the store's configured ones. Errors:
    // invalid_input naming the field, not_found for an unknown store;
    // nothing is stored then. Head office makes the customer's status key
    // and records only its hash (payload.status_key_hash); the key comes back
    // in the result, once. `before_commit`, when given, runs inside the
    // same transaction once the event is stored (the intake API keeps its
    // answer there, so a retry finds it exactly when the complaint exists);
    // its error rolls everything back and is returned.
    Result<RegisteredComplaint> register_complaint(const ComplaintIntake& intake, int64_t now_ms,
                                                   const std::function<Result<void>(const Event&)>& before_commit = {});
    // The complaint whose complaint.opened carries this reference code
    // (canonical, as parse_refcode() writes it), and the store it counts
    // for; nothing when head office has none. Should two complaints carry
    // one code, the first head office received.
    Result<std::optional<ComplaintLocation>> find_complaint(std::string_view reference);
    // Whether head office knows the store, and every store it knows.
    Result<bool> is_known_store(std::string_view store_code);
    Result<std::vector<std::string>> known_stores();
    // Stores an event head office made, as it is, in `store_code`'s feed:
    // record_hq_event() once it has checked it, and tests that replay head
    // office's events with fixed ids. Inside the caller's transaction.
    Result<void> store_head_office_event(const Event& event, std::string_view store_code, int64_t now_ms);
    // Head office's own device id (made on first use).
    Result<std::string> hq_device_id();

    // [SECTION] Configuration documents
    Result<ConfigDocument> publish_config(std::string_view scope, const nlohmann::json& document, int64_t now_ms);
    // The newest document for the store, else the newest "default"; nothing when none.
    Result<std::optional<ConfigDocument>> config_for(std::string_view store_code);

    // The database answers a query now (GET /v1/health).
    Result<void> check_reachable();

    // The connection head office stores through (either backend).
    sql::Connection& connection() { return *m_db; }

    // [SECTION] Contact details (crypto/contact_seal.h, contact_keys.h)
    // The current contact key's public half (the newest recorded), which
    // terminals get with their enrolment and configuration and which head
    // office seals what it records itself to; nothing before init made one.
    Result<std::optional<crypto::ContactPublicKey>> contact_key();
    // Records a new current key (after make_contact_key()).
    Result<void> add_contact_key(const crypto::ContactPublicKey& key, int64_t now_ms);
    // The key pairs hq.json names, read on first use and again when a value
    // needs a key this copy does not have (a rotation since).
    Result<const ContactKeyring*> keyring(std::string_view needed_key_id = {});
    // A sealed contact opened, for showing it to a user allowed to see it
    // (the caller audits that) or for mailing the customer. Never log it.
    Result<nlohmann::json> open_contact(const nlohmann::json& contact);
    // Seals contact details stored in the clear by an older version (on
    // serve's start): each event's body is rewritten. The number sealed.
    Result<int64_t> seal_clear_contacts();

    // [SECTION] Erasure (GDPR article 17) and retention
    // Erases the contact details of a complaint, and its free texts when
    // `texts` (event.h's free_text_fields, replaced by erased_text), from
    // every event about it; records complaint.erased (so terminals erase
    // their copies through the feed) and the erasure. Facts for figures
    // (category, times, outcome, amounts) stay. not_found for an unknown
    // complaint. Take a writer's turn (writer_turns.h).
    Result<ErasureReport> erase_complaint(std::string_view complaint_id, bool texts, std::string actor, int64_t now_ms);
    // Retention: contact details of complaints closed at least `days` ago
    // and of call-back requests followed up that long ago are erased.
    Result<ErasureReport> apply_retention(int64_t now_ms, int days);

private:
    HqStore(std::unique_ptr<sql::Connection> db, std::filesystem::path dir) : m_db(std::move(db)), m_dir(std::move(dir))
    {
    }
    Result<std::string> next_terminal_code(std::string_view store_code, bool for_head_office = false);
    // A new event of head office's own device (the next sequence), checked
    // with validate_event(); stored by store_hq_event() in the same transaction.
    Result<Event> make_hq_event(EventType type, std::string subject, std::string actor, nlohmann::json payload,
                                int64_t occurred_at_ms, int64_t now_ms);
    Result<void> store_hq_event(const Event& event, std::string_view store_code, int64_t now_ms);
    Result<std::string> next_hq_reference(std::string_view store_code, const std::string& hq_device_id);
    // The channel is one people register (not the kiosk's) and the category
    // one of the store's configured ones.
    Result<void> check_intake_choices(const ComplaintIntake& intake);
    // On PostgreSQL, where several processes store at once: one transaction
    // at a time inserts events (until its commit), so events.seq grows in
    // commit order and readers that follow it miss nothing.
    Result<void> lock_event_order();
    // store_batch() inside a transaction the caller holds.
    Result<IngestResult> store_in_transaction(const Device& device, const CheckedBatch& batch,
                                              const DeviceHealth& health, int64_t now_ms);

    // Seals a clear "contact" in `payload` to the current contact key; an
    // error when head office has none yet.
    Result<void> seal_contact(nlohmann::json& payload);
    // After an erasure or a late sealing: what was rewritten leaves SQLite's WAL.
    void flush_rewritten_pages();
    // Notes an event that holds a contact (personal_events).
    Result<void> note_personal_event(int64_t seq, std::string_view type, std::string_view subject);
    // Rewrites the stored body of event `seq` (an erasure, a late sealing).
    Result<void> rewrite_body(int64_t seq, const nlohmann::json& body);
    // Takes the contact (and the free texts when `texts`) out of every event
    // about `subject`, forgets its queued mail and records the erasure,
    // inside the caller's transaction; the number of events changed.
    Result<int64_t> erase_subject(std::string_view subject, bool texts, std::string_view why, int64_t now_ms);

    std::unique_ptr<sql::Connection> m_db;
    std::filesystem::path m_dir;
    std::optional<ContactKeyring> m_keyring; // read from hq.json on first use
};

// Reads an enrolment code loosely (case, dashes, spaces) into its canonical form.
std::optional<std::string> normalise_enrolment_code(std::string_view typed);

} // namespace feedback::hq
