// Head office's storage: schema and migrations, enrolment, ingest of batches
// (one transaction each), export, the feed, and configuration documents.
#include "hq_store.h"

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
#include <charconv>
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
    // The dashboard (sync/hq/web/users.h): its users, their sessions (only a
    // hash of each token), failed logins (under a hash of what was typed), the
    // audit log, and head office's own identity as the recorder of events.
    R"sql(
CREATE TABLE web_users(
    name            TEXT PRIMARY KEY,  -- events name the user as actor "hq:<name>"
    role            TEXT NOT NULL CHECK (role IN ('viewer', 'manager', 'admin')),
    password_hash   TEXT NOT NULL,     -- argon2id; the password is never stored
    created_at      INTEGER NOT NULL,
    password_set_at INTEGER NOT NULL,
    disabled_at     INTEGER
) WITHOUT ROWID;
CREATE TABLE web_sessions(
    token_hash   TEXT PRIMARY KEY,     -- SHA-256 of the cookie's token; the token is never stored
    user_name    TEXT NOT NULL REFERENCES web_users(name),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_sessions_by_user ON web_sessions(user_name);
CREATE TABLE web_login_failures(
    key             TEXT PRIMARY KEY,  -- SHA-256 of "name:<typed name>" or "address:<client address>"
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE web_audit(
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    user_name TEXT NOT NULL,
    action    TEXT NOT NULL,           -- "contact.viewed", "config.published", ...
    subject   TEXT NOT NULL DEFAULT '', -- what it was about (a complaint id, ...), never personal data
    address   TEXT NOT NULL DEFAULT ''
);
-- The device id and sequence of the events head office records itself.
CREATE TABLE hq_identity(
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    device_id TEXT NOT NULL,
    last_seq  INTEGER NOT NULL
);
)sql",
    // The dashboard's read model (dashboard/projector.h): derived from the
    // events, so emptying these tables and setting the cursor to 0 rebuilds it.
    R"sql(
CREATE TABLE dashboard_cursor(
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL            -- events.seq of the last event projected
);
INSERT INTO dashboard_cursor(id, last_seq) VALUES (1, 0);
-- One row per rating; a detail or call-back that arrives first makes the row
-- and leaves occurred_at and score NULL until nps.rated comes.
CREATE TABLE dashboard_ratings(
    rating_id          TEXT PRIMARY KEY,  -- the nps.rated event's id
    store_code         TEXT NOT NULL,
    device_id          TEXT NOT NULL,
    occurred_at        INTEGER,
    week_start         INTEGER,           -- Monday 00:00 of the store's wall clock (local ms, migration 10)
    score              INTEGER,
    misuse             INTEGER NOT NULL DEFAULT 0,
    reason_ids         TEXT NOT NULL DEFAULT '[]', -- JSON array, of the last nps.detailed
    comment            TEXT NOT NULL DEFAULT '',
    contact_given      INTEGER NOT NULL DEFAULT 0, -- consented contact was given; the contact stays in events
    detailed_at        INTEGER,
    detail_event_id    TEXT,
    follow_up_outcome  TEXT NOT NULL DEFAULT '',   -- of the last nps.followed_up
    followed_up_at     INTEGER,
    follow_up_event_id TEXT
);
CREATE INDEX dashboard_ratings_by_time ON dashboard_ratings(occurred_at, store_code, score, misuse);
CREATE INDEX dashboard_ratings_call_backs ON dashboard_ratings(occurred_at)
    WHERE contact_given = 1 AND score <= 6 AND misuse = 0;
-- NPS counts per store and day (the store's day since migration 10), misuse left out.
CREATE TABLE dashboard_nps_days(
    store_code TEXT    NOT NULL,
    day_start  INTEGER NOT NULL,
    promoters  INTEGER NOT NULL,
    passives   INTEGER NOT NULL,
    detractors INTEGER NOT NULL,
    PRIMARY KEY (store_code, day_start)
) WITHOUT ROWID;
-- Covering: the chain's NPS over a period reads this index alone.
CREATE INDEX dashboard_nps_days_by_day ON dashboard_nps_days(day_start, store_code, promoters, passives, detractors);
-- One row per complaint, fold_complaint() over all of its events.
CREATE TABLE dashboard_complaints(
    complaint_id       TEXT PRIMARY KEY,
    reference          TEXT NOT NULL,
    store_code         TEXT NOT NULL,
    status             TEXT NOT NULL,     -- a ComplaintStatus name; '' until complaint.opened is seen
    channel            TEXT NOT NULL,
    category           TEXT NOT NULL,
    opened_at          INTEGER,           -- NULL until complaint.opened is seen
    acknowledged_at    INTEGER,
    first_response_at  INTEGER,           -- the customer's first answer (ComplaintState::answered_at)
    closed_at          INTEGER,           -- the last close (kept after a reopening)
    close_outcome      TEXT NOT NULL,     -- of the last close; '' while open
    deadline_at        INTEGER,           -- promised answer, from the store's configuration when projected
    solved_on_the_spot INTEGER NOT NULL,
    satisfied          INTEGER,           -- the customer's last answer; NULL before one
    handling_score     INTEGER,           -- 1-5
    root_cause         TEXT NOT NULL,
    actions_open       INTEGER NOT NULL,  -- planned, not yet checked
    actions_checked    INTEGER NOT NULL,
    product_ref        TEXT,              -- trimmed, upper case; NULL when none
    customer_key       TEXT,              -- keyed hash of the normalised e-mail or phone (projector.h); NULL when none
    last_event_at      INTEGER,
    event_count        INTEGER NOT NULL
);
-- Covering for the chain's complaint figures and the list's filtered counts;
-- also the list's order (newest first).
CREATE INDEX dashboard_complaints_by_opened ON dashboard_complaints(opened_at, store_code, status, category, channel,
    deadline_at, close_outcome, solved_on_the_spot, handling_score, satisfied);
CREATE INDEX dashboard_complaints_by_store ON dashboard_complaints(store_code, opened_at);
CREATE INDEX dashboard_complaints_by_category ON dashboard_complaints(store_code, category, opened_at);
CREATE INDEX dashboard_complaints_by_customer ON dashboard_complaints(customer_key, opened_at)
    WHERE customer_key IS NOT NULL;
CREATE INDEX dashboard_complaints_by_product ON dashboard_complaints(product_ref, category, opened_at)
    WHERE product_ref IS NOT NULL;
CREATE TABLE dashboard_actions(
    complaint_id TEXT    NOT NULL,
    action_id    TEXT    NOT NULL,
    kind         TEXT    NOT NULL,        -- corrective | preventive
    owner        TEXT    NOT NULL,
    due_at       INTEGER NOT NULL,
    planned_at   INTEGER NOT NULL,
    checked_at   INTEGER,                 -- the last check
    effective    INTEGER,                 -- of the last check
    PRIMARY KEY (complaint_id, action_id)
) WITHOUT ROWID;
CREATE INDEX dashboard_actions_by_planned ON dashboard_actions(planned_at);
)sql",
    // Replacement codes (feedback-hq enroll --replace): the one known device
    // a code may enrol again; NULL for a code any new device may use.
    R"sql(
ALTER TABLE enrolment_codes ADD COLUMN replaces_device_id TEXT;
)sql",
    // Complaints registered at head office: per store, the terminal code head
    // office makes reference codes with (also held in terminal_codes, so no
    // terminal ever gets it) and the next complaint number.
    R"sql(
CREATE TABLE hq_reference_codes(
    store_code    TEXT PRIMARY KEY,
    terminal_code TEXT NOT NULL,
    next_counter  INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
    // Central handling: a complaint's assessment in the read model, and
    // first_response_at now the first answer the customer had (not a staff
    // acknowledgement), so the read model is projected again from the events.
    // Users scoped to stores: a user with rows here sees and handles only
    // those stores (a store manager); without rows, the whole chain.
    R"sql(
ALTER TABLE dashboard_complaints ADD COLUMN severity TEXT NOT NULL DEFAULT 'normal';
ALTER TABLE dashboard_complaints ADD COLUMN owner TEXT NOT NULL DEFAULT '';
-- For the management review: escalated at some time, how often reopened,
-- the last remedy given and its amount.
ALTER TABLE dashboard_complaints ADD COLUMN escalated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dashboard_complaints ADD COLUMN reopen_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dashboard_complaints ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
ALTER TABLE dashboard_complaints ADD COLUMN amount_cents INTEGER;
-- From opening to the first answer, and to the close as resolved, in the
-- store's working hours (ms) when projected; NULL until then.
ALTER TABLE dashboard_complaints ADD COLUMN answer_working_ms INTEGER;
ALTER TABLE dashboard_complaints ADD COLUMN resolution_working_ms INTEGER;
-- Covering: the NPS drivers read only the ratings that name reasons.
CREATE INDEX dashboard_ratings_with_reasons ON dashboard_ratings(occurred_at, store_code, score, misuse, reason_ids)
    WHERE reason_ids <> '[]';
-- Shoppers' comments, searchable (the NPS drivers on the review page).
CREATE VIRTUAL TABLE dashboard_comment_search USING fts5(comment, rating_id UNINDEXED);
DELETE FROM dashboard_complaints;
DELETE FROM dashboard_actions;
DELETE FROM dashboard_ratings;
DELETE FROM dashboard_nps_days;
UPDATE dashboard_cursor SET last_seq = 0;
CREATE TABLE web_user_stores(
    user_name  TEXT NOT NULL REFERENCES web_users(name),
    store_code TEXT NOT NULL,
    PRIMARY KEY (user_name, store_code)
) WITHOUT ROWID;
)sql",
    // The intake API (sync/API.md, hq/api/): the tokens of the tools that
    // register complaints (only a hash of each), the answer given to each
    // Idempotency-Key of a token, and complaints found by their reference.
    R"sql(
CREATE TABLE api_tokens(
    name         TEXT PRIMARY KEY,      -- events name the tool as actor "hq:api.<name>"; never given twice
    token_hash   TEXT NOT NULL UNIQUE,  -- SHA-256 of the token; the token is never stored
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,               -- to the minute
    revoked_at   INTEGER
) WITHOUT ROWID;
CREATE TABLE api_idempotency(
    token_name     TEXT NOT NULL REFERENCES api_tokens(name),
    key            TEXT NOT NULL,        -- the Idempotency-Key header, per token
    request_sha256 TEXT NOT NULL,        -- of the request body as read (its JSON written anew)
    status         INTEGER NOT NULL,
    answer         TEXT NOT NULL,        -- the body answered, given again byte for byte
    complaint_id   TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (token_name, key)
) WITHOUT ROWID;
CREATE INDEX events_by_reference ON events(json_extract(body, '$.payload.reference'))
    WHERE type = 'complaint.opened';
)sql",
    // The mail outbox (hq/mail/outbox.h): messages to complainants, stored
    // before they are sent, one per event and kind; how far the planner has
    // read the events (from now on: history already received is not
    // mailed); the survey links' tokens (only a hash of each).
    R"sql(
CREATE TABLE mail_cursor(
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL
);
INSERT INTO mail_cursor(id, last_seq) SELECT 1, coalesce(max(seq), 0) FROM events;
CREATE TABLE mail_outbox(
    id              INTEGER PRIMARY KEY,
    message_key     TEXT NOT NULL UNIQUE,  -- "decision:<event id>": one message per event and kind
    kind            TEXT NOT NULL,         -- acknowledgement | decision | survey
    complaint_id    TEXT NOT NULL,
    store_code      TEXT NOT NULL,
    recipient       TEXT NOT NULL,         -- personal data: emptied once the message is done with
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,         -- emptied once sent (it holds the survey link)
    status          TEXT NOT NULL,         -- queued | sent | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER NOT NULL DEFAULT 0, -- a sender is on it until then (a sender that died: free again)
    last_error      TEXT NOT NULL DEFAULT '',   -- the server's words, never an address
    queued_at       INTEGER NOT NULL,
    done_at         INTEGER                     -- sent or given up
);
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at) WHERE status = 'queued';
CREATE INDEX mail_outbox_by_complaint ON mail_outbox(complaint_id);
CREATE TABLE survey_tokens(
    token_hash   TEXT PRIMARY KEY,   -- SHA-256 of the token in the survey link
    complaint_id TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    answered_at  INTEGER             -- the link works once
) WITHOUT ROWID;
)sql",
    // Alerts to head office's own people (hq/mail/alerts.h): each user's
    // e-mail address and choices, every cause alerted once per user, the
    // daily digest's lines, and the backlog each terminal last reported.
    R"sql(
ALTER TABLE web_users ADD COLUMN email TEXT NOT NULL DEFAULT '';
CREATE TABLE alert_choices(
    user_name TEXT NOT NULL REFERENCES web_users(name),
    cause     TEXT NOT NULL,          -- escalated | serious | deadline_near | ... (alerts.h)
    delivery  TEXT NOT NULL CHECK (delivery IN ('off', 'immediate', 'digest')),
    PRIMARY KEY (user_name, cause)
) WITHOUT ROWID;
CREATE TABLE alerts_raised(
    cause_key TEXT NOT NULL,          -- "deadline_missed:<complaint id>": what happened, once
    user_name TEXT NOT NULL,
    delivery  TEXT NOT NULL,          -- immediate | digest
    line      TEXT NOT NULL,          -- the digest's line (reference and link, never personal data)
    raised_at INTEGER NOT NULL,
    digest_at INTEGER,                -- digest lines: when the digest took it
    PRIMARY KEY (cause_key, user_name)
) WITHOUT ROWID;
CREATE INDEX alerts_raised_digest ON alerts_raised(user_name) WHERE delivery = 'digest' AND digest_at IS NULL;
CREATE TABLE alert_backlogs(
    device_id     TEXT PRIMARY KEY,
    backlog       INTEGER NOT NULL,   -- as last seen by the alert scan
    growing_since INTEGER             -- the first scan that saw it grow, while it keeps growing
) WITHOUT ROWID;
)sql",
    // Each terminal's condition as it last reported it (Feedback-Health:
    // uptime, restarts, disk, store size, bytes written, system, screen).
    R"sql(
ALTER TABLE devices ADD COLUMN condition TEXT; -- JSON, common/device_condition.h
)sql",
    // Days and weeks in the store's zone: the read model keeps each rating's,
    // complaint's and action's time also as the wall clock of its store
    // ("local ms": the local date and time read as if it were UTC), and the
    // dashboard's periods, days and weeks are counted on those. Rebuilt.
    R"sql(
ALTER TABLE dashboard_ratings ADD COLUMN occurred_local INTEGER;
ALTER TABLE dashboard_complaints ADD COLUMN opened_local INTEGER;
ALTER TABLE dashboard_actions ADD COLUMN planned_local INTEGER NOT NULL DEFAULT 0;
DROP INDEX dashboard_ratings_by_time;
DROP INDEX dashboard_ratings_call_backs;
DROP INDEX dashboard_ratings_with_reasons;
DROP INDEX dashboard_complaints_by_opened;
DROP INDEX dashboard_complaints_by_store;
DROP INDEX dashboard_complaints_by_category;
DROP INDEX dashboard_actions_by_planned;
CREATE INDEX dashboard_ratings_by_time ON dashboard_ratings(occurred_local, store_code, score, misuse);
CREATE INDEX dashboard_ratings_call_backs ON dashboard_ratings(occurred_local)
    WHERE contact_given = 1 AND score <= 6 AND misuse = 0;
CREATE INDEX dashboard_ratings_with_reasons ON dashboard_ratings(occurred_local, store_code, score, misuse, reason_ids)
    WHERE reason_ids <> '[]';
CREATE INDEX dashboard_complaints_by_opened ON dashboard_complaints(opened_local, store_code, status, category, channel,
    deadline_at, close_outcome, solved_on_the_spot, handling_score, satisfied);
CREATE INDEX dashboard_complaints_by_store ON dashboard_complaints(store_code, opened_local);
CREATE INDEX dashboard_complaints_by_category ON dashboard_complaints(store_code, category, opened_local);
CREATE INDEX dashboard_actions_by_planned ON dashboard_actions(planned_local);
DELETE FROM dashboard_complaints;
DELETE FROM dashboard_actions;
DELETE FROM dashboard_ratings;
DELETE FROM dashboard_nps_days;
DELETE FROM dashboard_comment_search;
UPDATE dashboard_cursor SET last_seq = 0;
)sql",
    // 12: a screenshot of a terminal's start screen on request (the devices
    // page): when a user asked, when the kiosk took the last one and when it
    // arrived; the picture itself in a table of its own, one per device.
    R"sql(
ALTER TABLE devices ADD COLUMN screenshot_requested_at INTEGER;
ALTER TABLE devices ADD COLUMN screenshot_taken_at INTEGER;
ALTER TABLE devices ADD COLUMN screenshot_received_at INTEGER;
CREATE TABLE device_screenshots (
    device_id TEXT PRIMARY KEY REFERENCES devices(id),
    png       BLOB NOT NULL
) STRICT;
)sql",
    // 13: a terminal that left its store on its own screen (staff mode):
    // revoked then too, and this says it was the shop's doing.
    R"sql(
ALTER TABLE devices ADD COLUMN left_at INTEGER;
)sql",
    // 14: customers' contact details sealed to head office's key (issue 13,
    // contact_keys.h): the public halves (the secret ones are in files
    // outside DIR), the events that hold a contact (what retention and
    // erasure look at without reading every body), and what was erased.
    R"sql(
CREATE TABLE contact_keys(
    seq        INTEGER PRIMARY KEY,    -- the newest is the current key
    id         TEXT    NOT NULL UNIQUE,
    public_key TEXT    NOT NULL,       -- base64
    added_at   INTEGER NOT NULL
);
CREATE TABLE personal_events(
    seq     INTEGER PRIMARY KEY REFERENCES events(seq),
    type    TEXT NOT NULL,
    subject TEXT
);
INSERT INTO personal_events(seq, type, subject)
    SELECT seq, type, subject FROM events WHERE json_extract(body, '$.payload.contact') IS NOT NULL;
CREATE INDEX personal_events_by_subject ON personal_events(subject);
CREATE TABLE erasures(
    id        INTEGER PRIMARY KEY,
    subject   TEXT    NOT NULL,        -- the complaint (or the rating of a call-back request)
    why       TEXT    NOT NULL CHECK (why IN ('request', 'retention')),
    texts     INTEGER NOT NULL,        -- the free texts too
    events    INTEGER NOT NULL,        -- events whose body lost something
    erased_at INTEGER NOT NULL
);
CREATE INDEX erasures_by_subject ON erasures(subject);
)sql",
};

} // namespace

int64_t schema_version() { return static_cast<int64_t>(migrations.size()); }

namespace {

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

// The codes enrol() refuses a known device with (PROTOCOL.md 2).
constexpr std::array enrol_refusal_codes{sync::error_device_already_enrolled, sync::error_device_enrolled_elsewhere,
                                         sync::error_device_revoked, sync::error_replace_code_other_device};

// How enrol() words a refusal: the protocol's code, then what to do.
Error enrol_refused(std::string_view code, const std::string& words)
{
    return Error{ErrorKind::conflict, std::string(code) + ": " + words};
}

} // namespace

std::optional<EnrolRefusal> enrol_refusal(const Error& error)
{
    if (error.kind != ErrorKind::conflict)
        return std::nullopt;
    std::string_view message = error.message;
    for (std::string_view code : enrol_refusal_codes)
        if (message.size() > code.size() + 2 && message.starts_with(code) && message.substr(code.size(), 2) == ": ")
            return EnrolRefusal{code, message.substr(code.size() + 2)};
    return std::nullopt;
}

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
    auto file = dir / database_file_name;
    if (intent == Intent::existing_only && !std::filesystem::exists(file, ec))
        return Error{ErrorKind::not_found,
                     "there is no head-office database in " + dir.string() + " (run feedback-hq init first)"};
    auto db = Database::open(file, sqlite::OpenMode::read_write_create);
    FEEDBACK_TRY(db);
    // WAL + FULL: an acknowledged batch is on disk before the answer leaves.
    // secure_delete: what an erasure or retention rewrites is overwritten, not left in free space.
    FEEDBACK_TRY(db->exec("PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms) +
                          "; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
                          " PRAGMA secure_delete = ON;"));
    FEEDBACK_TRY(migrate(*db));
    return HqStore(std::move(*db), dir);
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
        auto owner = m_db.prepare("SELECT store_code FROM devices WHERE id = ?1");
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
    auto insert = m_db.prepare("INSERT INTO enrolment_codes(code_hash, store_code, name, created_at, expires_at, "
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
    auto txn = Transaction::begin(m_db);
    FEEDBACK_TRY(txn);
    auto find = m_db.prepare("SELECT store_code, name, replaces_device_id FROM enrolment_codes "
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
        return enrol_refused(sync::error_replace_code_other_device,
                             "this code was made to replace another terminal, not device " + enrolled.device_id +
                                 ": head office must make a code for this one");

    auto existing = m_db.prepare("SELECT store_code, terminal_code, token_hash, revoked_at FROM devices WHERE id = ?1");
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
            return enrol_refused(sync::error_device_enrolled_elsewhere,
                                 "device " + enrolled.device_id + " is enrolled in store " + store_code +
                                     ", and a terminal never moves to another store: enrol it with a code of store " +
                                     store_code);
        if (replaces.empty() && revoked)
            return enrol_refused(sync::error_device_revoked,
                                 "device " + enrolled.device_id +
                                     " was revoked by head office; only head office can let it back in, with a "
                                     "replacement code (feedback-hq enroll --replace " + enrolled.device_id + ")");
        if (replaces.empty() && !token_matches)
            return enrol_refused(sync::error_device_already_enrolled,
                                 "device " + enrolled.device_id + " is already enrolled in store " + store_code +
                                     "; enrolling it again needs its current token, or a replacement code from "
                                     "head office (feedback-hq enroll --replace " + enrolled.device_id + ")");
    } else {
        auto terminal_code = next_terminal_code(enrolled.store_code);
        FEEDBACK_TRY(terminal_code);
        enrolled.terminal_code = *terminal_code;
        auto reserve = m_db.prepare("INSERT INTO terminal_codes(store_code, terminal_code, device_id) VALUES (?1, ?2, ?3)");
        FEEDBACK_TRY(reserve);
        FEEDBACK_TRY(reserve->bind(1, enrolled.store_code).bind(2, enrolled.terminal_code).bind(3, device_id).run());
    }

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

Result<void> HqStore::leave(std::string_view device_id, int64_t now_ms)
{
    auto stmt = m_db.prepare("UPDATE devices SET revoked_at = ?2, left_at = ?2 WHERE id = ?1 AND revoked_at IS NULL");
    FEEDBACK_TRY(stmt);
    FEEDBACK_TRY(stmt->bind(1, device_id).bind(2, now_ms).run());
    if (m_db.changes() == 0)
        return Error{ErrorKind::conflict, "device " + std::string(device_id) + " is not enrolled here (any more)"};
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

Result<Device> HqStore::device(std::string_view device_id)
{
    auto stmt = m_db.prepare(std::string("SELECT ") + device_columns + " FROM devices WHERE id = ?1");
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
    auto stmt = m_db.prepare("UPDATE devices SET screenshot_requested_at = ?2 WHERE id = ?1");
    FEEDBACK_TRY(stmt);
    return stmt->bind(1, device_id).bind(2, now_ms).run();
}

Result<void> HqStore::store_screenshot(std::string_view device_id, std::string_view png, int64_t taken_at_ms,
                                       int64_t now_ms)
{
    auto txn = Transaction::begin(m_db);
    FEEDBACK_TRY(txn);
    auto picture = m_db.prepare("INSERT INTO device_screenshots(device_id, png) VALUES (?1, ?2) "
                                "ON CONFLICT(device_id) DO UPDATE SET png = excluded.png");
    FEEDBACK_TRY(picture);
    FEEDBACK_TRY(picture->bind(1, device_id).bind_blob(2, png).run());
    auto times = m_db.prepare("UPDATE devices SET screenshot_taken_at = ?2, screenshot_received_at = ?3 WHERE id = ?1");
    FEEDBACK_TRY(times);
    FEEDBACK_TRY(times->bind(1, device_id).bind(2, taken_at_ms).bind(3, now_ms).run());
    return txn->commit();
}

Result<std::optional<std::string>> HqStore::screenshot(std::string_view device_id)
{
    auto stmt = m_db.prepare("SELECT png FROM device_screenshots WHERE device_id = ?1");
    FEEDBACK_TRY(stmt);
    auto row = stmt->bind(1, device_id).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return std::optional<std::string>();
    return std::optional<std::string>(stmt->column_blob(0));
}

// [SECTION] Ingest: reading a body without a JSON tree of it
//
// A terminal's body is {"batch_id":"...","events":[{...},{...}]} exactly as
// nlohmann's dump() writes it. split_body() finds each event's text, so each
// event is parsed on its own (no tree of the whole body), and
// is_canonical_json() tells when that text is byte for byte what dump()
// would write again, so it is stored as received instead of re-serialised.
// Any body of another shape takes the general path (one parse of the
// whole), which also gives the protocol's error for a body that is not JSON.

namespace {

struct BodySpans {
    std::string_view batch_id;
    std::vector<std::string_view> events;
};

// The end (one past the closing brace) of the object starting at `at`,
// skipping strings; npos when the text ends first. Only a guess at the
// shape: each event's text is parsed strictly afterwards.
size_t object_end(std::string_view text, size_t at)
{
    int depth = 0;
    bool in_string = false;
    for (size_t i = at; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (--depth == 0)
                return i + 1;
        }
    }
    return std::string_view::npos;
}

bool is_plain_id_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

// {"batch_id":"<letters, digits, dashes>","events":[{...},...]} and nothing
// else (no white space): the events' texts; nothing for any other shape.
std::optional<BodySpans> split_body(std::string_view body)
{
    constexpr std::string_view head = R"({"batch_id":")";
    constexpr std::string_view middle = R"(","events":[)";
    if (body.substr(0, head.size()) != head)
        return std::nullopt;
    size_t at = head.size();
    size_t id_end = at;
    while (id_end < body.size() && is_plain_id_char(body[id_end]))
        ++id_end;
    BodySpans spans;
    spans.batch_id = body.substr(at, id_end - at);
    if (body.substr(id_end, middle.size()) != middle)
        return std::nullopt;
    at = id_end + middle.size();
    if (body.substr(at) == "]}")
        return spans;
    for (;;) {
        if (at >= body.size() || body[at] != '{')
            return std::nullopt;
        size_t end = object_end(body, at);
        if (end == std::string_view::npos)
            return std::nullopt;
        spans.events.push_back(body.substr(at, end - at));
        at = end;
        if (at < body.size() && body[at] == ',') {
            ++at;
            continue;
        }
        if (body.substr(at) == "]}")
            return spans;
        return std::nullopt;
    }
}

// Whether valid JSON `text` is exactly what nlohmann's dump() (compact, no
// ASCII escaping) writes for the value it parses to: no white space, object
// keys in std::map order without duplicates (and without escapes, to keep
// the check simple), strings escaped the way dump() escapes them, integers
// of at most 18 digits and no "-0", no fractions or exponents. When in
// doubt it says no, which only costs the re-serialisation.
class CanonicalJson {
public:
    explicit CanonicalJson(std::string_view text) : m_text(text) {}
    bool check() { return value(0) && m_at == m_text.size(); }

private:
    static constexpr int max_depth = 64;

    char peek() const { return m_at < m_text.size() ? m_text[m_at] : '\0'; }

    bool value(int depth)
    {
        if (depth > max_depth)
            return false;
        switch (peek()) {
        case '{': return object(depth);
        case '[': return array(depth);
        case '"': return string(nullptr);
        case 't': return literal("true");
        case 'f': return literal("false");
        case 'n': return literal("null");
        default: return number();
        }
    }

    bool object(int depth)
    {
        ++m_at;
        if (peek() == '}') {
            ++m_at;
            return true;
        }
        std::optional<std::string_view> previous;
        for (;;) {
            std::string_view key;
            if (peek() != '"' || !string(&key))
                return false;
            if (previous && !(*previous < key)) // dump() writes keys sorted, each once
                return false;
            previous = key;
            if (peek() != ':')
                return false;
            ++m_at;
            if (!value(depth + 1))
                return false;
            if (peek() == ',') {
                ++m_at;
                continue;
            }
            if (peek() != '}')
                return false;
            ++m_at;
            return true;
        }
    }

    bool array(int depth)
    {
        ++m_at;
        if (peek() == ']') {
            ++m_at;
            return true;
        }
        for (;;) {
            if (!value(depth + 1))
                return false;
            if (peek() == ',') {
                ++m_at;
                continue;
            }
            if (peek() != ']')
                return false;
            ++m_at;
            return true;
        }
    }

    static bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

    // A string; its raw text in `key` when asked, which needs it free of escapes.
    bool string(std::string_view* key)
    {
        size_t start = ++m_at;
        bool escaped = false;
        while (m_at < m_text.size()) {
            auto c = static_cast<unsigned char>(m_text[m_at]);
            if (c == '"') {
                if (key) {
                    if (escaped)
                        return false;
                    *key = m_text.substr(start, m_at - start);
                }
                ++m_at;
                return true;
            }
            if (c < 0x20)
                return false;
            if (c != '\\') {
                ++m_at;
                continue;
            }
            escaped = true;
            char e = m_at + 1 < m_text.size() ? m_text[m_at + 1] : '\0';
            if (e == '"' || e == '\\' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
                m_at += 2;
                continue;
            }
            // dump() writes \u00xx (lower-case) only for the other control characters.
            if (e != 'u' || m_at + 6 > m_text.size())
                return false;
            std::string_view hex = m_text.substr(m_at + 2, 4);
            if (hex[0] != '0' || hex[1] != '0' || (hex[2] != '0' && hex[2] != '1') || !is_lower_hex(hex[3]))
                return false;
            int code = (hex[2] - '0') * 16 + (hex[3] <= '9' ? hex[3] - '0' : hex[3] - 'a' + 10);
            if (code == 0x08 || code == 0x09 || code == 0x0a || code == 0x0c || code == 0x0d)
                return false;
            m_at += 6;
        }
        return false;
    }

    bool literal(std::string_view word)
    {
        if (m_text.substr(m_at, word.size()) != word)
            return false;
        m_at += word.size();
        return true;
    }

    bool number()
    {
        bool negative = peek() == '-';
        if (negative)
            ++m_at;
        size_t digits_start = m_at;
        while (peek() >= '0' && peek() <= '9')
            ++m_at;
        size_t digits = m_at - digits_start;
        if (digits == 0 || digits > 18)
            return false;
        if (m_text[digits_start] == '0' && (digits > 1 || negative)) // "-0" is written "0"
            return false;
        char next = peek();
        return next != '.' && next != 'e' && next != 'E';
    }

    std::string_view m_text;
    size_t m_at = 0;
};

bool is_canonical_json(std::string_view text) { return CanonicalJson(text).check(); }

// How store_in_transaction() words the one error that concerns its batch only.
constexpr std::string_view batch_conflict_prefix = "batch_conflict: ";

Error too_many_events(int64_t max_events, size_t count)
{
    return Error{ErrorKind::invalid_input, "too_many_events: a batch may hold at most " + std::to_string(max_events) +
                                               " events (this one has " + std::to_string(count) + ")"};
}

// The envelope of a canonical event read straight from its text, without a
// JSON tree of it (only the payload is parsed):
//   {"actor":"..","device_id":"..","id":"..","occurred_at":N,"payload":{..},"seq":N[,"subject":".."],"type":"..","v":1}
// with plain strings (printable ASCII, no escapes) and canonical integers.
// Nothing for any other text, which is then parsed in full and read by
// event_from_json(); so this accepts only what event_from_json() reads the
// same way (checked in debug builds).
struct CanonicalEnvelope {
    Event event;
    bool payload_canonical = false; // the whole text is what to_json(event).dump() writes
};

class EnvelopeReader {
public:
    explicit EnvelopeReader(std::string_view text) : m_text(text) {}

    std::optional<CanonicalEnvelope> read()
    {
        CanonicalEnvelope out;
        Event& e = out.event;
        std::string_view type;
        std::string_view payload;
        if (!literal(R"({"actor":")") || !plain(e.actor) || !literal(R"(","device_id":")") || !plain(e.device_id) ||
            !literal(R"(","id":")") || !plain(e.id) || !literal(R"(","occurred_at":)") || !integer(e.occurred_at_ms) ||
            !literal(R"(,"payload":)") || !object(payload) || !literal(R"(,"seq":)") || !integer(e.device_seq))
            return std::nullopt;
        if (literal(R"(,"subject":")") && (!plain(e.subject) || e.subject.empty() || !literal("\"")))
            return std::nullopt; // dump() leaves an empty subject out
        if (!literal(R"(,"type":")") || !plain(type) || !literal(R"(","v":1})") || m_at != m_text.size())
            return std::nullopt;
        auto known = event_type_from_string(type);
        if (!known)
            return std::nullopt; // event_from_json() words the error
        e.type = *known;
        e.payload = nlohmann::json::parse(payload.begin(), payload.end(), nullptr, false);
        if (!e.payload.is_object())
            return std::nullopt;
        out.payload_canonical = is_canonical_json(payload);
        return out;
    }

private:
    bool literal(std::string_view word)
    {
        if (m_text.substr(m_at, word.size()) != word)
            return false;
        m_at += word.size();
        return true;
    }

    // Up to the closing quote (left unread); printable ASCII only.
    bool plain(std::string_view& out)
    {
        size_t start = m_at;
        while (m_at < m_text.size() && m_text[m_at] != '"') {
            char c = m_text[m_at];
            if (c < 0x20 || c > 0x7e || c == '\\')
                return false;
            ++m_at;
        }
        out = m_text.substr(start, m_at - start);
        return m_at < m_text.size();
    }
    bool plain(std::string& out)
    {
        std::string_view view;
        if (!plain(view))
            return false;
        out.assign(view);
        return true;
    }

    // As dump() writes an int64: no "-0", no leading zeros, at most 18 digits.
    bool integer(int64_t& out)
    {
        size_t start = m_at;
        bool negative = m_at < m_text.size() && m_text[m_at] == '-';
        size_t digits_start = m_at + (negative ? 1 : 0);
        size_t end = digits_start;
        while (end < m_text.size() && m_text[end] >= '0' && m_text[end] <= '9')
            ++end;
        size_t digits = end - digits_start;
        if (digits == 0 || digits > 18 || (m_text[digits_start] == '0' && (digits > 1 || negative)))
            return false;
        auto [stop, error] = std::from_chars(m_text.data() + start, m_text.data() + end, out);
        if (error != std::errc{} || stop != m_text.data() + end)
            return false;
        m_at = end;
        return true;
    }

    bool object(std::string_view& out)
    {
        if (m_at >= m_text.size() || m_text[m_at] != '{')
            return false;
        size_t end = object_end(m_text, m_at);
        if (end == std::string_view::npos)
            return false;
        out = m_text.substr(m_at, end - m_at);
        m_at = end;
        return true;
    }

    std::string_view m_text;
    size_t m_at = 0;
};

// Step 5 for one event read: validated, the device's own, and something a
// terminal may record (what only head office records, or records as, is
// refused from a device with the rule's code).
CheckedEvent checked_event(const Device& device, const Result<Event>& event, std::optional<std::string> id)
{
    CheckedEvent out;
    out.id = std::move(id);
    if (!event) {
        out.rejection = event.error().message;
    } else if (auto violations = validate_event(*event); !violations.empty()) {
        out.rejection = describe(violations);
    } else if (event->device_id != device.id) {
        out.rejection = "device_id: this terminal is enrolled as " + device.id;
    } else if (is_head_office_only(event->type)) {
        out.rejection = std::string(sync::reason_head_office_only_type) + ": " + std::string(to_string(event->type)) +
                        " is recorded by head office only, never by a terminal";
    } else if (event->actor.starts_with("hq:")) {
        out.rejection = std::string(sync::reason_head_office_actor) + ": actor " + event->actor +
                        " is head office's; a terminal records as kiosk or staff:<id>";
    } else {
        out.type = std::string(to_string(event->type));
        out.subject = event->subject;
        out.about_complaint = is_complaint_event(event->type);
        out.occurred_at_ms = event->occurred_at_ms;
    }
    return out;
}

// Step 5 for one event parsed in full. `received` is its text in the body
// when known (the fast path), stored as is when canonical.
CheckedEvent check_event(const Device& device, const nlohmann::json& item, std::optional<std::string_view> received)
{
    std::optional<std::string> id;
    if (item.is_object()) {
        auto it = item.find("id");
        if (it != item.end() && it->is_string())
            id = it->get<std::string>();
    }
    auto event = event_from_json(item);
    CheckedEvent out = checked_event(device, event, std::move(id));
    if (out.rejection.empty()) {
        // to_json() leaves out an empty subject; a received "subject":"" or null is written anew.
        bool subject_as_written = event->subject.empty() == !item.contains("subject");
        if (received && subject_as_written && is_canonical_json(*received)) {
            out.wire = std::string(*received);
            assert(out.wire == to_json(*event).dump() && "a canonical event's text differs from its dump()");
        } else {
            out.wire = to_json(*event).dump();
        }
    }
    return out;
}

// Step 5 for an event read by EnvelopeReader from `text`.
CheckedEvent check_envelope(const Device& device, CanonicalEnvelope envelope, std::string_view text)
{
#ifndef NDEBUG
    {
        auto full = event_from_json(nlohmann::json::parse(text.begin(), text.end()));
        assert(full && full->id == envelope.event.id && full->type == envelope.event.type &&
               full->subject == envelope.event.subject && full->occurred_at_ms == envelope.event.occurred_at_ms &&
               full->actor == envelope.event.actor && full->device_id == envelope.event.device_id &&
               full->device_seq == envelope.event.device_seq && full->payload == envelope.event.payload &&
               "the envelope reader and event_from_json() read an event differently");
    }
#endif
    std::string id = envelope.event.id;
    Result<Event> event(std::move(envelope.event));
    CheckedEvent out = checked_event(device, event, std::move(id));
    if (out.rejection.empty()) {
        if (envelope.payload_canonical) {
            out.wire = std::string(text);
            assert(out.wire == to_json(*event).dump() && "a canonical event's text differs from its dump()");
        } else {
            out.wire = to_json(*event).dump();
        }
    }
    return out;
}

// The general path: the whole body parsed at once.
Result<CheckedBatch> check_parsed_body(const Device& device, std::string_view batch_id, std::string_view body,
                                       int64_t max_events, std::string body_sha256)
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
        return too_many_events(max_events, parsed["events"].size());
    CheckedBatch checked;
    checked.batch_id = std::string(batch_id);
    checked.body_sha256 = std::move(body_sha256);
    checked.events.reserve(parsed["events"].size());
    for (const auto& item : parsed["events"])
        checked.events.push_back(check_event(device, item, std::nullopt));
    return checked;
}

// Appends `text` as a JSON string the way dump() writes it (invalid UTF-8 replaced).
void append_json_string(std::string& out, std::string_view text)
{
    bool plain = std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; });
    if (plain) {
        out += '"';
        out += text;
        out += '"';
        return;
    }
    out += nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

Result<CheckedBatch> check_batch(const Device& device, std::string_view batch_id, std::string_view body,
                                 int64_t max_events, std::string_view body_sha256)
{
    std::string hash = body_sha256.empty() ? crypto::sha256_hex(body) : std::string(body_sha256);
    auto spans = split_body(body);
    if (!spans)
        return check_parsed_body(device, batch_id, body, max_events, std::move(hash));
    // Every event's text must be read (a canonical envelope) or parse before
    // any other answer, as on the general path.
    const size_t count = spans->events.size();
    std::vector<std::optional<CanonicalEnvelope>> envelopes(count);
    std::vector<nlohmann::json> items(count);
    for (size_t i = 0; i < count; ++i) {
        std::string_view text = spans->events[i];
        envelopes[i] = EnvelopeReader(text).read();
        if (envelopes[i])
            continue;
        items[i] = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
        if (items[i].is_discarded())
            return check_parsed_body(device, batch_id, body, max_events, std::move(hash));
    }
    if (spans->batch_id != batch_id)
        return Error{ErrorKind::invalid_input, "batch_id_mismatch: the body's batch_id differs from the Idempotency-Key"};
    if (static_cast<int64_t>(count) > max_events)
        return too_many_events(max_events, count);
    CheckedBatch checked;
    checked.batch_id = std::string(batch_id);
    checked.body_sha256 = std::move(hash);
    checked.events.reserve(count);
    for (size_t i = 0; i < count; ++i)
        checked.events.push_back(envelopes[i] ? check_envelope(device, std::move(*envelopes[i]), spans->events[i])
                                              : check_event(device, items[i], spans->events[i]));
    return checked;
}

std::string batch_answer_text(const sync::BatchAnswer& answer)
{
    // Keys in the order dump() writes an object's keys (sorted).
    std::string out;
    out.reserve(96 + answer.results.size() * 64);
    out += "{\"accepted\":";
    out += std::to_string(answer.accepted);
    out += ",\"batch_id\":";
    append_json_string(out, answer.batch_id);
    out += ",\"duplicate\":";
    out += std::to_string(answer.duplicate);
    out += ",\"rejected\":";
    out += std::to_string(answer.rejected);
    out += ",\"results\":[";
    bool first = true;
    for (const auto& result : answer.results) {
        if (result.outcome == sync::EventOutcome::accepted)
            continue; // an event the answer does not name was accepted
        if (!first)
            out += ',';
        first = false;
        out += "{\"id\":";
        if (result.id)
            append_json_string(out, *result.id);
        else
            out += "null";
        out += ",\"outcome\":\"";
        out += sync::to_string(result.outcome);
        out += '"';
        if (result.outcome == sync::EventOutcome::rejected) {
            out += ",\"reason\":";
            append_json_string(out, result.reason);
        }
        out += '}';
    }
    out += "]}";
    return out;
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
    auto txn = Transaction::begin(m_db);
    if (!txn)
        return fail_all(txn.error());
    for (const BatchToStore& item : batches) {
        auto stored = store_in_transaction(*item.device, *item.batch, *item.health, now_ms);
        // A batch_conflict is found before the batch writes anything; any
        // other error (a constraint from SQLite is a conflict too) leaves the
        // transaction in doubt, so none of the group is kept (the Transaction
        // rolls back) and every batch is tried again.
        if (!stored && stored.error().message.rfind(batch_conflict_prefix, 0) != 0)
            return fail_all(stored.error());
        out.push_back(std::move(stored));
    }
    auto committed = txn->commit();
    if (!committed)
        return fail_all(committed.error());
    return out;
}

Result<IngestResult> HqStore::store_in_transaction(const Device& device, const CheckedBatch& batch,
                                                   const DeviceHealth& health, int64_t now_ms)
{
    const std::string& batch_id = batch.batch_id;
    auto earlier = m_db.cached("SELECT device_id, body_sha256, answer FROM batches WHERE id = ?1");
    FEEDBACK_TRY(earlier);
    auto seen = (*earlier)->bind(1, batch_id).step();
    FEEDBACK_TRY(seen);
    if (*seen) {
        bool same = (*earlier)->column_text(0) == device.id && (*earlier)->column_text(1) == batch.body_sha256;
        IngestResult replay{IngestKind::replayed, (*earlier)->column_text(2), {}};
        (*earlier)->reset();
        if (!same)
            return Error{ErrorKind::conflict, std::string(batch_conflict_prefix) + "batch " + batch_id +
                                                  " was received before with a different body"};
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
            FEEDBACK_TRY(s.run());
            if (m_db.changes() == 1) {
                if (has_contact)
                    FEEDBACK_TRY(note_personal_event(m_db.last_insert_rowid(), event.type, event.subject));
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
    auto stmt = m_db.cached("SELECT store_code FROM events WHERE subject = ?1 AND type = 'complaint.opened' "
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
    auto stmt = m_db.cached("UPDATE devices SET last_seen_at = ?2, last_backlog = coalesce(?3, last_backlog), "
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

Result<std::vector<StoredEvent>> HqStore::events_about(std::string_view subject)
{
    auto stmt = m_db.prepare("SELECT body, store_code, received_at, seq FROM events WHERE subject = ?1 OR id = ?1 "
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
Result<HqIdentity> hq_identity(Database& db, int64_t now_ms)
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
    auto txn = Transaction::begin(m_db);
    FEEDBACK_TRY(txn);
    auto identity = hq_identity(m_db, now_utc_ms());
    FEEDBACK_TRY(identity);
    FEEDBACK_TRY(txn->commit());
    return identity->device_id;
}

Result<void> HqStore::store_head_office_event(const Event& event, std::string_view store_code, int64_t now_ms)
{
    nlohmann::json body = to_json(event);
    const bool has_contact = event.payload.contains("contact");
    if (has_contact)
        FEEDBACK_TRY(seal_contact(body["payload"])); // what a person typed at head office is sealed like a kiosk's
    auto insert = m_db.prepare("INSERT INTO events(id, type, subject, occurred_at, device_id, store_code, "
                               "received_at, batch_id, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'head-office', ?8)");
    FEEDBACK_TRY(insert);
    FEEDBACK_TRY(insert->bind(1, event.id)
                     .bind(2, to_string(event.type))
                     .bind(3, event.subject)
                     .bind(4, event.occurred_at_ms)
                     .bind(5, event.device_id)
                     .bind(6, store_code)
                     .bind(7, now_ms)
                     .bind(8, body.dump())
                     .run());
    if (has_contact)
        FEEDBACK_TRY(note_personal_event(m_db.last_insert_rowid(), to_string(event.type), event.subject));
    return {};
}

Result<Event> HqStore::record_hq_event(EventType type, std::string subject, std::string actor, nlohmann::json payload,
                                       int64_t now_ms)
{
    auto txn = Transaction::begin(m_db);
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
        auto rating = m_db.prepare("SELECT store_code FROM events WHERE id = ?1 AND type = 'nps.rated'");
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
    auto identity = hq_identity(m_db, now_ms);
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
    auto advance = m_db.prepare("UPDATE hq_identity SET last_seq = ?1 WHERE id = 1");
    FEEDBACK_TRY(advance);
    return advance->bind(1, event.device_seq).run();
}

Result<bool> HqStore::is_known_store(std::string_view store_code)
{
    auto stmt = m_db.cached("SELECT EXISTS (SELECT 1 FROM terminal_codes WHERE store_code = ?1) "
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
    auto stmt = m_db.cached("SELECT store_code FROM terminal_codes UNION SELECT store_code FROM enrolment_codes "
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
    auto read = m_db.cached("SELECT terminal_code, next_counter FROM hq_reference_codes WHERE store_code = ?1");
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
        auto reserve = m_db.prepare("INSERT INTO terminal_codes(store_code, terminal_code, device_id) VALUES (?1, ?2, ?3)");
        FEEDBACK_TRY(reserve);
        FEEDBACK_TRY(reserve->bind(1, store_code).bind(2, terminal_code).bind(3, hq_device_id).run());
    }
    auto advance = m_db.prepare("INSERT INTO hq_reference_codes(store_code, terminal_code, next_counter) "
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

    auto txn = Transaction::begin(m_db);
    FEEDBACK_TRY(txn);
    auto known = is_known_store(intake.store_code);
    FEEDBACK_TRY(known);
    if (!*known)
        return Error{ErrorKind::not_found, "store: no store " + intake.store_code +
                                               " at head office (no terminal, enrolment code or configuration)"};
    FEEDBACK_TRY(check_intake_choices(intake));

    auto identity = hq_identity(m_db, now_ms);
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
    auto stmt = m_db.cached("SELECT subject, store_code FROM events WHERE type = 'complaint.opened' "
                            "AND json_extract(body, '$.payload.reference') = ?1 ORDER BY seq LIMIT 1");
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

// [SECTION] Contact details

Result<std::optional<crypto::ContactPublicKey>> HqStore::contact_key()
{
    auto stmt = m_db.cached("SELECT id, public_key FROM contact_keys ORDER BY seq DESC LIMIT 1");
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
    auto insert = m_db.prepare("INSERT INTO contact_keys(id, public_key, added_at) VALUES (?1, ?2, ?3)");
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

Result<void> HqStore::note_personal_event(int64_t seq, std::string_view type, std::string_view subject)
{
    auto note = m_db.cached("INSERT OR IGNORE INTO personal_events(seq, type, subject) VALUES (?1, ?2, ?3)");
    FEEDBACK_TRY(note);
    return (*note)->bind(1, seq).bind(2, type).bind(3, subject).run();
}

Result<void> HqStore::rewrite_body(int64_t seq, const nlohmann::json& body)
{
    auto update = m_db.cached("UPDATE events SET body = ?2 WHERE seq = ?1");
    FEEDBACK_TRY(update);
    return (*update)->bind(1, seq).bind(2, body.dump()).run();
}

Result<int64_t> HqStore::seal_clear_contacts()
{
    auto txn = Transaction::begin(m_db);
    FEEDBACK_TRY(txn);
    auto rows = m_db.prepare("SELECT e.seq, e.body FROM personal_events p JOIN events e ON e.seq = p.seq "
                             "WHERE json_extract(e.body, '$.payload.contact.sealed') IS NULL");
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
        (void)m_db.exec("PRAGMA wal_checkpoint(TRUNCATE)"); // the clear pages leave the WAL too, when no reader holds them
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
    auto rows = m_db.prepare("SELECT seq, body FROM events WHERE subject = ?1 ORDER BY seq");
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
    auto forget = m_db.cached("DELETE FROM personal_events WHERE subject = ?1");
    FEEDBACK_TRY(forget);
    FEEDBACK_TRY((*forget)->bind(1, subject).run());
    // Messages not yet sent hold the address and the name (sealed): they go too.
    auto unsent = m_db.cached("UPDATE mail_outbox SET status = 'failed', recipient = '', body = '', "
                              "last_error = 'personal data erased', done_at = ?2 "
                              "WHERE complaint_id = ?1 AND status = 'queued'");
    FEEDBACK_TRY(unsent);
    FEEDBACK_TRY((*unsent)->bind(1, subject).bind(2, now_ms).run());
    auto note = m_db.cached("INSERT INTO erasures(subject, why, texts, events, erased_at) VALUES (?1, ?2, ?3, ?4, ?5)");
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
    auto txn = Transaction::begin(m_db);
    FEEDBACK_TRY(txn);
    // The event first: it checks that the complaint exists (not_found otherwise).
    FEEDBACK_TRY(record_hq_event_in_transaction(EventType::complaint_erased, std::string(complaint_id),
                                                std::move(actor), nlohmann::json{{"texts", texts}}, now_ms));
    auto events = erase_subject(complaint_id, texts, "request", now_ms);
    FEEDBACK_TRY(events);
    FEEDBACK_TRY(txn->commit());
    (void)m_db.exec("PRAGMA wal_checkpoint(TRUNCATE)"); // the old pages leave the WAL too, when no reader holds them
    return ErasureReport{1, *events};
}

Result<ErasureReport> HqStore::apply_retention(int64_t now_ms, int days)
{
    const int64_t cutoff = now_ms - static_cast<int64_t>(days) * ms_per_day;
    auto candidates = m_db.prepare("SELECT DISTINCT subject, type GLOB 'complaint.*' FROM personal_events "
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
    auto followed_up = m_db.prepare("SELECT max(occurred_at) FROM events WHERE subject = ?1 AND type = 'nps.followed_up'");
    FEEDBACK_TRY(followed_up);
    ErasureReport report;
    auto txn = Transaction::begin(m_db);
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
        (void)m_db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    return report;
}

} // namespace feedback::hq
