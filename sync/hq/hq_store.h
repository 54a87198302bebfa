// Head office's storage on SQLite (WAL, synchronous=FULL): enrolled devices
// and their one-time enrolment codes, received batches with their stored
// answers, every event exactly once (by id), configuration documents, and
// the reads behind export, the devices report and the store feed.
//
// Device lifecycle:
//
//   create_enrolment_code() --> CODE ISSUED --enrol()--> ENROLLED --revoke()--> REVOKED
//                                 |   (once, before it        ^                   |
//                                 |    expires)               +---- enrol() with -+
//                                 +--> EXPIRED (unused)             a new code
//
// One HqStore is one SQLite connection: use it from one thread at a time.
// Several connections may share the file (WAL); writers take turns.
#pragma once

#include "common/protocol.h"
#include "domain/complaint_fold.h"
#include "domain/event.h"
#include "domain/result.h"
#include "sqlite/database.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::hq {

constexpr const char* database_file_name = "hq.db";

struct EnrolmentCode {
    std::string code;       // "ABCDE-FGHJK", shown once; only its hash is kept
    std::string store_code;
    std::string name;
    int64_t expires_at = 0; // UTC ms
};

struct Enrolled {
    std::string device_id;
    std::string token; // shown once; only its SHA-256 is kept
    std::string store_code;
    std::string terminal_code;
    std::string name;
};

struct Device {
    std::string id;
    std::string name;
    std::string store_code;
    std::string terminal_code;
    int64_t enrolled_at = 0;
    std::optional<int64_t> revoked_at;
    std::optional<int64_t> last_seen_at;
    int64_t events_received = 0;
    std::optional<int64_t> last_backlog;
    std::optional<int64_t> clock_offset_ms;
    std::string app_version;
};

// What a terminal reports about itself with each upload (PROTOCOL.md 3).
struct DeviceHealth {
    std::optional<int64_t> clock_offset_ms;
    std::optional<int64_t> backlog;
    std::string app_version;
};

enum class IngestKind { stored, replayed };

struct IngestResult {
    IngestKind kind = IngestKind::stored;
    std::string answer; // the JSON answer body, byte for byte the same on replay
    sync::BatchAnswer summary;
};

// One event of a batch as read and checked before any database work.
struct CheckedEvent {
    std::optional<std::string> id; // nothing when unreadable
    std::string rejection;         // why it is refused; empty when it is valid
    std::string type;
    std::string subject;
    int64_t occurred_at_ms = 0;
    std::string wire;              // the canonical wire JSON to store
};

struct CheckedBatch {
    std::string batch_id;
    std::string body_sha256; // of the inflated body
    std::vector<CheckedEvent> events;
};

// Reads and checks a batch body (PROTOCOL.md 3, steps 3 and 5) without the
// database, so request threads can do it in parallel before taking turns to
// store. Errors are invalid_input whose message starts with the protocol's
// error code: "malformed_json", "bad_batch", "batch_id_mismatch",
// "too_many_events" (a 413).
Result<CheckedBatch> check_batch(const Device& device, std::string_view batch_id, std::string_view body,
                                 int64_t max_events);

struct ConfigDocument {
    std::string scope; // a store code, or "default"
    int64_t version = 0;
    nlohmann::json document;
    std::string etag() const { return "\"" + scope + "-" + std::to_string(version) + "\""; }
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
    Result<EnrolmentCode> create_enrolment_code(std::string_view store_code, std::string_view name, int64_t now_ms,
                                                int64_t ttl_ms);
    // Trades a code for a token (PROTOCOL.md 2). Errors: not_found when the
    // code is unknown, used or expired; invalid_input for a bad device id.
    Result<Enrolled> enrol(std::string_view code, std::string_view device_id, std::string_view app_version,
                           int64_t now_ms);
    // The device whose token this is; not_found when unknown, conflict when revoked.
    Result<Device> authenticate(std::string_view token);
    Result<void> revoke(std::string_view device_id, int64_t now_ms);
    Result<std::vector<Device>> devices();

    // [SECTION] Ingest
    // Stores a batch in one transaction (PROTOCOL.md 3, steps 3-6). `body` is
    // the inflated body; the caller has checked its size and hash. Errors:
    // invalid_input (malformed JSON, bad shape, batch id mismatch: a 400),
    // conflict (same batch id with another body or device: a 422), and the
    // storage errors. The messages of the first two start with the
    // protocol's error code: "malformed_json: ...", "batch_conflict: ...".
    // More than `max_events` events is invalid_input "too_many_events: ..." (a 413).
    // check_batch() then store_batch().
    Result<IngestResult> ingest(const Device& device, std::string_view batch_id, std::string_view body,
                                int64_t max_events, const DeviceHealth& health, int64_t now_ms);
    // Steps 4 and 6: replay or conflict, then every event by id, the batch and
    // the device's health in one transaction.
    Result<IngestResult> store_batch(const Device& device, const CheckedBatch& batch, const DeviceHealth& health,
                                     int64_t now_ms);
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

    // [SECTION] Configuration documents
    Result<ConfigDocument> publish_config(std::string_view scope, const nlohmann::json& document, int64_t now_ms);
    // The newest document for the store, else the newest "default"; nothing when none.
    Result<std::optional<ConfigDocument>> config_for(std::string_view store_code);

    sqlite::Database& database() { return m_db; }

private:
    explicit HqStore(sqlite::Database db) : m_db(std::move(db)) {}
    Result<std::string> next_terminal_code(std::string_view store_code);

    sqlite::Database m_db;
};

// Reads an enrolment code loosely (case, dashes, spaces) into its canonical form.
std::optional<std::string> normalise_enrolment_code(std::string_view typed);

} // namespace feedback::hq
