// What the uploader needs of the terminal's store, and nothing more: the
// outbox (freeze a batch, acknowledge it), the store feed's landing place,
// the small sync state, the store's identity and head office's contact key.
// The terminal's LocalStore (terminal/store/local_store.h) implements it, so
// sync/ never includes terminal/: the dependency runs one way, from the
// kiosk down to the wire.
//
// One Outbox is one connection to the store: the uploader opens its own
// through an OpenOutbox and uses it from its thread only.
#pragma once

#include "crypto/contact_seal.h"
#include "domain/event.h"
#include "domain/result.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::sync {

struct DeviceIdentity {
    std::string device_id;     // UUID, made when the store is created
    std::string store_code;    // 3 reference-code symbols; "XXX" until set
    std::string terminal_code; // 2 reference-code symbols; random until set
};

// The batch to send next. Its body stays exactly this until head office
// answers it, so a retry sends the same bytes (PROTOCOL.md 3).
struct FrozenBatch {
    std::string batch_id;
    std::vector<std::string> event_ids;
    std::string body;        // JSON: {"batch_id":..., "events":[wire events]}
    std::string body_sha256; // lower-case hex
};

enum class AckOutcome { accepted, duplicate, rejected };

struct EventAck {
    std::string event_id;
    AckOutcome outcome = AckOutcome::accepted;
    std::string reason; // for rejected
};

struct AckSummary {
    int acknowledged = 0; // accepted + duplicate
    int quarantined = 0;
    int returned_to_pending = 0; // in the batch but not answered
};

// What apply_remote_events() did with a page of the store feed.
struct RemoteApplied {
    int inserted = 0;
    int already_present = 0; // an id this store already holds
    int invalid = 0;         // refused by validation (head office should never send these)
};

class Outbox {
public:
    virtual ~Outbox() = default;

    virtual const DeviceIdentity& device() const = 0;
    // Store and terminal codes for reference codes (enrolment sets them).
    virtual Result<void> set_identity(std::string_view store_code, std::string_view terminal_code) = 0;

    // The batch to send next: the one already frozen and not yet answered,
    // else a new one of the oldest pending events (nothing if none).
    virtual Result<std::optional<FrozenBatch>> freeze_batch(size_t max_events, int64_t now_ms) = 0;
    // Head office's answer to a frozen batch: accepted and duplicate events
    // are acknowledged, rejected ones quarantined with the reason, the rest
    // go back to pending. No acks at all releases the whole batch.
    virtual Result<AckSummary> acknowledge_batch(std::string_view batch_id, std::span<const EventAck> acks,
                                                 int64_t now_ms) = 0;
    // Local events head office has neither acknowledged nor rejected.
    virtual Result<int64_t> outbox_size() = 0;

    // Events of other terminals of this store that head office relays, and
    // the feed's `cursor`, in one transaction: a crash applies the page and
    // moves the cursor, or does neither.
    virtual Result<RemoteApplied> apply_remote_events(std::span<const Event> events, std::string_view cursor,
                                                      int64_t now_ms) = 0;
    // Small values the uploader keeps between runs: nothing when unset.
    virtual Result<std::optional<std::string>> sync_state(std::string_view key) = 0;
    virtual Result<void> set_sync_state(std::string_view key, std::string_view value) = 0;
    // Head office's contact key, which contact details are sealed to
    // (PROTOCOL.md 11); nothing before an answer brought one.
    virtual Result<std::optional<crypto::ContactPublicKey>> contact_key() = 0;
    virtual Result<void> set_contact_key(const crypto::ContactPublicKey& key) = 0;

    // Bytes the store takes on disk (database and journal), for the
    // condition a terminal reports (PROTOCOL.md 5).
    virtual int64_t bytes_on_disk() const = 0;
};

// Opens a connection of the uploader's own to the store.
using OpenOutbox = std::function<Result<std::unique_ptr<Outbox>>()>;

} // namespace feedback::sync
