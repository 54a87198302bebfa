// One terminal's conversation with head office (PROTOCOL.md), synchronous and
// single-threaded: enrolment, uploading one frozen batch at a time, pulling
// the configuration and the store feed. The background Uploader
// (uploader.h) and `feedback-terminal sync --once` both drive it; neither
// the session nor its callers delete an event that is not acknowledged.
//
// What one upload step does with a frozen batch:
//
//   freeze_batch --> POST --+-- 200 + protocol header + batch id --> ACKNOWLEDGED / QUARANTINED per event
//                           +-- 400 / 422 (protocol) -------------> QUARANTINED (the batch's events, with the reason)
//                           +-- 413 (protocol) -------------------> released to PENDING, next batch half as big
//                           +-- 401 / 403 (protocol) -------------> stays frozen; uploads stop until enrolment
//                           +-- anything else --------------------> stays frozen; retry later, same bytes
#pragma once

#include "backoff.h"
#include "common/protocol.h"
#include "credentials.h"
#include "http_client.h"
#include "outbox.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace feedback::sync {

struct UploadStep {
    enum class Kind {
        nothing_to_send,
        acknowledged,  // answered: events acknowledged and/or quarantined
        quarantined,   // the whole batch refused (400/422)
        resized,       // too large: released, the next batch is smaller
        retry,         // no usable answer; try again later
        untrusted,     // head office's certificate did not verify: nothing was sent; retry later
        unauthorized,  // 401/403: enrol again
    };
    Kind kind = Kind::nothing_to_send;
    int events = 0;       // in the batch
    int acknowledged = 0; // accepted + duplicate
    int duplicates = 0;
    int quarantined = 0;
    std::string message;  // for retry, unauthorized, quarantined: what happened, in words
    std::optional<std::chrono::milliseconds> retry_after;
    int64_t bytes_sent = 0;     // on the wire, when an answer came
    int64_t bytes_received = 0;
    int64_t body_bytes = 0;     // the batch's body before compression
};

struct ConfigPull {
    enum class Kind { updated, unchanged, none_published };
    Kind kind = Kind::unchanged;
    int64_t version = 0;
};

struct FeedPull {
    int inserted = 0;
    int already_present = 0;
    int pages = 0;
};

struct SessionOptions {
    size_t batch_size = 1000; // at most; head office's limit wins
    std::string app_version;
    std::string screen;       // "1280x720" for the kiosk's Feedback-Health; "" for the command line
    HttpOptions http;         // ca_file is taken from the credentials
};

struct Enrolment {
    std::string store_code;
    std::string terminal_code;
    std::string name;
};

// Why an enrolment (or the check before it) did not happen, for the words
// of the kiosk's setup screen; the Error's message is for logs and the
// command line.
enum class EnrolProblem {
    none,
    wrong_code,        // unknown, used or expired (head office does not say which)
    held_elsewhere,    // this device belongs to another store
    needs_replacement, // known or revoked: only a replacement code lets it back in
    too_many_attempts, // head office's limit on enrolment attempts; the code stays valid
    not_head_office,   // something answered, but not head office (a captive portal)
    untrusted,         // the certificate does not verify against the CA
    unreachable,       // no answer, a typo in the address, no network
    failed,            // head office or this terminal failed otherwise
};

// Trades a one-time code for credentials (PROTOCOL.md 2), saves them (0600),
// keeps the CA in the data folder, sets the store's identity and keeps head
// office's limits. When the terminal has credentials for this device and
// `server_url`, it sends their token, which head office needs to enrol a
// device it knows again. Errors say what to do (a wrong code, a device held
// to its enrolment, an untrusted certificate, no answer); a refused
// enrolment changes nothing here.
// `ca_file`: a PEM file (empty: the system's trust store).
Result<Enrolment> enrol(const std::filesystem::path& data_dir, Outbox& store, std::string server_url,
                        std::string_view code, const std::string& ca_file, const SessionOptions& options);
// The same with the CA as PEM text (empty: the system's trust store), and
// why it failed in `problem` when given.
Result<Enrolment> enrol_with_ca(const std::filesystem::path& data_dir, Outbox& store,
                                std::string server_url, std::string_view code, const std::string& ca_pem,
                                const SessionOptions& options, EnrolProblem* problem = nullptr);

// How the setup screen may trust head office, found before anything secret
// is sent: its certificate verifies against the system's store (a public
// CA), or head office serves its own CA (GET /v1/ca.pem, fetched without
// verification since nobody has checked it yet) and its certificate is
// signed by that CA, which a person must then accept by its fingerprint.
struct ServerTrust {
    bool system_trusted = false;
    std::string ca_certificate; // PEM, when not system_trusted
    std::string fingerprint;    // crypto::certificate_fingerprint of it
};
Result<ServerTrust> check_server_trust(std::string server_url, const HttpOptions& options,
                                       EnrolProblem* problem = nullptr);

class SyncSession {
public:
    SyncSession(const std::filesystem::path& data_dir, Outbox& store, Credentials credentials,
                SessionOptions options);

    // Freezes (or takes the frozen) batch and sends it once.
    UploadStep upload_next();
    Result<ConfigPull> pull_config();
    // Every page of the feed after the kept cursor.
    Result<FeedPull> pull_feed();

    // A picture of the kiosk's start screen that head office asked for
    // (PROTOCOL.md 9); an invalid_input error when head office refuses it.
    Result<void> send_screenshot(const std::string& png, int64_t taken_at_ms);

    // Tells head office this terminal leaves its store (PROTOCOL.md 10); the
    // token is dead once it answers. Errors: conflict when head office no
    // longer takes the token (revoked or unknown: there is nothing left to
    // end), internal for another answer of head office, io for no answer
    // (or not head office's).
    Result<void> leave_store();

    // Head office's time minus ours (ms), from the last answer.
    std::optional<int64_t> clock_offset_ms() const { return m_clock_offset_ms; }
    // The last answer said a user asked for a screenshot of the start screen.
    bool screenshot_wanted() const { return m_screenshot_wanted; }

private:
    HttpRequest authorised(std::string method, std::string path) const;
    // Sends it; an answer that is not head office's (no Feedback-Protocol) is
    // an error, and head office's time is noted from the others.
    Result<HttpResponse> ask(const HttpRequest& request);
    // Feedback-Clock-Offset, -Backlog, -App-Version and -Health (PROTOCOL.md 5).
    void add_device_headers(HttpRequest& request);
    void note_server_time(const HttpResponse& response);
    UploadStep refuse_batch(const FrozenBatch& batch, const std::string& reason, UploadStep::Kind kind);
    UploadStep release_batch(const FrozenBatch& batch, const std::string& why);

    std::filesystem::path m_data_dir;
    Outbox& m_store;
    Credentials m_credentials;
    SessionOptions m_options;
    HttpClient m_http;
    size_t m_batch_size;
    Limits m_limits;
    bool m_screenshot_wanted = false;
    std::optional<int64_t> m_clock_offset_ms;
    // The backlog reported to head office: counted (a scan of the outbox) at
    // most every 30 s, and brought down by what is acknowledged in between.
    std::optional<int64_t> m_backlog;
    std::chrono::steady_clock::time_point m_backlog_counted_at;
};

// The answer came from head office (PROTOCOL.md 1): Feedback-Protocol: 1.
bool is_protocol_answer(const HttpResponse& response);

} // namespace feedback::sync
