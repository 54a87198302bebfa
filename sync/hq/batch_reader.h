// Reading and checking a terminal's batch body before any database work
// (PROTOCOL.md 3, steps 3 and 5), and writing the answer to it: pure
// functions over text, run on the request threads in parallel. A body as
// the terminal writes it is read straight from its text (no JSON tree of
// the whole), each canonical event kept byte for byte as received.
#pragma once

#include "common/protocol.h"
#include "domain/result.h"
#include "hq/device.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::hq {

// One event of a batch as read and checked before any database work.
struct CheckedEvent {
    std::optional<std::string> id; // nothing when unreadable
    std::string rejection;         // why it is refused; empty when it is valid
    std::string type;
    std::string subject;
    // A complaint.* event: store_batches() checks that the complaint is the
    // sending device's store's (the one check that needs the database).
    bool about_complaint = false;
    int64_t occurred_at_ms = 0;
    // The canonical wire JSON to store (what to_json(event).dump() makes):
    // the received text itself when it is already byte for byte that, as a
    // terminal's always is, else the event written anew.
    std::string wire;
};

struct CheckedBatch {
    std::string batch_id;
    std::string body_sha256; // of the inflated body
    std::vector<CheckedEvent> events;
};

// Reads and checks a batch body (PROTOCOL.md 3, steps 3 and 5) without the
// database, so request threads can do it in parallel before taking turns to
// store. Besides validate_event() and the device id, an event of a type only
// head office records or with an "hq:" actor is rejected (the reason starts
// with sync::reason_head_office_only_type or reason_head_office_actor).
// Errors are invalid_input with the protocol's error code
// (sync::error_code_of()): malformed_json, bad_batch, batch_id_mismatch,
// too_many_events (a 413). `body_sha256`: the body's SHA-256 (hex) when
// the caller has it already, else empty and it is computed here.
Result<CheckedBatch> check_batch(const Device& device, std::string_view batch_id, std::string_view body,
                                 int64_t max_events, std::string_view body_sha256 = {});

// The answer body for POST /v1/batches (PROTOCOL.md 3): the counts and the
// results of the events that were not accepted, in the batch's order; an
// event it does not name was accepted. Byte for byte what
// sync::to_json().dump() writes for `answer` without its accepted results
// (invalid UTF-8 replaced), built without a JSON tree.
std::string batch_answer_text(const sync::BatchAnswer& answer);

} // namespace feedback::hq
