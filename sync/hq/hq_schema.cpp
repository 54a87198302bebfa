// Head office's database schema on both backends, and migrate_schema(),
// which brings a database up to date in one transaction per step.
//
// SQLite (hq.db): every migration since the first, in order; the version
// is PRAGMA user_version. PostgreSQL: a database made by this version
// starts at the schema of SQLite's version 14 in one step (the same tables
// in PostgreSQL's types), and each later migration is appended to BOTH
// lists; the version is kept in the table schema_version. Append
// migrations; never edit a shipped one.
#include "hq_schema.h"

#include <array>
#include <string>

namespace feedback::hq {

namespace {

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
    // 15: the dashboard at 10M ratings (issue 14): each complaint's severity
    // as a number, so the list's order (safety, high, then newest) is read
    // along an index, rank by rank, instead of sorting every complaint; the escalated
    // complaints (the list's notice) and the failed messages (the overview's)
    // counted from indexes of their own; NPS counts per store and week beside
    // the days', so a chain's year is summed from some 100,000 rows, not
    // 730,000; and each rating's reasons as rows, so the NPS drivers are
    // counted without reading JSON (each reason once per rating); the
    // complaint counts per store and week (opened, open, resolved, ...) and,
    // for the chain, per week and channel, category, root cause and remedy,
    // for the same reason as NPS's; and the unanswered complaints indexed by
    // deadline for the overdue count. The rank, the weeks and the reasons are
    // filled from what is there (no projecting again); week_start as
    // calendar.h's week_start_of.
    R"sql(
ALTER TABLE dashboard_complaints ADD COLUMN severity_rank INTEGER NOT NULL DEFAULT 0;
CREATE INDEX mail_outbox_failed ON mail_outbox(id) WHERE status = 'failed';
UPDATE dashboard_complaints SET severity_rank = CASE severity WHEN 'safety' THEN 2 WHEN 'high' THEN 1 ELSE 0 END
    WHERE severity IN ('safety', 'high');
CREATE INDEX dashboard_complaints_by_rank ON dashboard_complaints(severity_rank, opened_local, complaint_id);
CREATE INDEX dashboard_complaints_by_store_rank ON dashboard_complaints(store_code, severity_rank, opened_local,
    complaint_id);
CREATE INDEX dashboard_complaints_escalated ON dashboard_complaints(store_code) WHERE status = 'escalated';
CREATE TABLE dashboard_nps_weeks(
    store_code TEXT    NOT NULL,
    week_start INTEGER NOT NULL,
    promoters  INTEGER NOT NULL,
    passives   INTEGER NOT NULL,
    detractors INTEGER NOT NULL,
    PRIMARY KEY (store_code, week_start)
) WITHOUT ROWID;
CREATE INDEX dashboard_nps_weeks_by_week ON dashboard_nps_weeks(week_start, store_code, promoters, passives, detractors);
INSERT INTO dashboard_nps_weeks(store_code, week_start, promoters, passives, detractors)
    SELECT store_code, day_start - (((day_start - 345600000) % 604800000) + 604800000) % 604800000,
           sum(promoters), sum(passives), sum(detractors)
    FROM dashboard_nps_days GROUP BY 1, 2;
CREATE TABLE dashboard_rating_reasons(
    rating_id      TEXT    NOT NULL,
    reason_id      TEXT    NOT NULL,
    store_code     TEXT    NOT NULL,
    occurred_local INTEGER NOT NULL,
    score          INTEGER NOT NULL,
    PRIMARY KEY (rating_id, reason_id)
) WITHOUT ROWID;
CREATE INDEX dashboard_rating_reasons_by_time ON dashboard_rating_reasons(occurred_local, store_code, score, reason_id);
INSERT INTO dashboard_rating_reasons(rating_id, reason_id, store_code, occurred_local, score)
    SELECT DISTINCT r.rating_id, j.value, r.store_code, r.occurred_local, r.score
    FROM dashboard_ratings AS r, json_each(r.reason_ids) AS j
    WHERE r.reason_ids <> '[]' AND r.misuse = 0 AND r.score IS NOT NULL AND r.occurred_local IS NOT NULL;
CREATE TABLE dashboard_complaint_weeks(
    store_code           TEXT    NOT NULL,
    week_start           INTEGER NOT NULL,
    opened               INTEGER NOT NULL,
    open_now             INTEGER NOT NULL,
    closed_resolved      INTEGER NOT NULL,
    resolved_on_the_spot INTEGER NOT NULL,
    solved_on_the_spot   INTEGER NOT NULL,
    handling_scores      INTEGER NOT NULL,
    handling_score_sum   INTEGER NOT NULL,
    satisfied_answers    INTEGER NOT NULL,
    satisfied            INTEGER NOT NULL,
    escalated            INTEGER NOT NULL,
    reopened             INTEGER NOT NULL,
    PRIMARY KEY (store_code, week_start)
) WITHOUT ROWID;
CREATE INDEX dashboard_complaint_weeks_by_week ON dashboard_complaint_weeks(week_start, store_code);
INSERT INTO dashboard_complaint_weeks(store_code, week_start, opened, open_now, closed_resolved, resolved_on_the_spot,
    solved_on_the_spot, handling_scores, handling_score_sum, satisfied_answers, satisfied, escalated, reopened)
    SELECT store_code, opened_local - (((opened_local - 345600000) % 604800000) + 604800000) % 604800000,
           count(*), count(*) FILTER (WHERE status <> 'closed'),
           count(*) FILTER (WHERE status = 'closed' AND close_outcome = 'resolved'),
           count(*) FILTER (WHERE status = 'closed' AND close_outcome = 'resolved' AND solved_on_the_spot = 1),
           count(*) FILTER (WHERE solved_on_the_spot = 1), count(handling_score), coalesce(sum(handling_score), 0),
           count(satisfied), coalesce(sum(satisfied), 0), count(*) FILTER (WHERE escalated = 1),
           count(*) FILTER (WHERE reopen_count > 0)
    FROM dashboard_complaints WHERE opened_local IS NOT NULL GROUP BY 1, 2;
CREATE INDEX dashboard_complaints_unanswered ON dashboard_complaints(deadline_at, opened_local, store_code, channel)
    WHERE first_response_at IS NULL;
CREATE TABLE dashboard_complaint_week_keys(
    week_start   INTEGER NOT NULL,
    key_column   TEXT    NOT NULL,
    key_value    TEXT    NOT NULL,
    complaints   INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    PRIMARY KEY (week_start, key_column, key_value)
) WITHOUT ROWID;
INSERT INTO dashboard_complaint_week_keys(week_start, key_column, key_value, complaints, amount_cents)
    SELECT opened_local - (((opened_local - 345600000) % 604800000) + 604800000) % 604800000,
           'channel', channel, count(*), coalesce(sum(amount_cents), 0)
    FROM dashboard_complaints WHERE opened_local IS NOT NULL GROUP BY 1, 3
    UNION ALL
    SELECT opened_local - (((opened_local - 345600000) % 604800000) + 604800000) % 604800000,
           'category', category, count(*), coalesce(sum(amount_cents), 0)
    FROM dashboard_complaints WHERE opened_local IS NOT NULL GROUP BY 1, 3
    UNION ALL
    SELECT opened_local - (((opened_local - 345600000) % 604800000) + 604800000) % 604800000,
           'root_cause', root_cause, count(*), coalesce(sum(amount_cents), 0)
    FROM dashboard_complaints WHERE opened_local IS NOT NULL GROUP BY 1, 3
    UNION ALL
    SELECT opened_local - (((opened_local - 345600000) % 604800000) + 604800000) % 604800000,
           'resolution', resolution, count(*), coalesce(sum(amount_cents), 0)
    FROM dashboard_complaints WHERE opened_local IS NOT NULL GROUP BY 1, 3;
)sql",
    // 16: the rest of the dashboard at 10M ratings (issue 14): each
    // complaint's nearest earlier one of the same customer and of the same
    // product and category (opened_at, then id), with the time between them,
    // kept by the projector, so repeats are read, not worked out from every
    // keyed complaint around the period; and, for the chain, per week, the
    // complaints by days to their nearest earlier one (repeats within any
    // whole number of days) and by working hours to the first answer and to
    // the resolution, to the tenth of an hour as the review shows them
    // (medians and p90s without reading every complaint). Filled from what
    // is there; gap_days = the gap's days rounded up, tenths rounded.
    R"sql(
ALTER TABLE dashboard_complaints ADD COLUMN customer_before_id TEXT;
ALTER TABLE dashboard_complaints ADD COLUMN customer_gap_ms INTEGER;
ALTER TABLE dashboard_complaints ADD COLUMN product_before_id TEXT;
ALTER TABLE dashboard_complaints ADD COLUMN product_gap_ms INTEGER;
UPDATE dashboard_complaints AS c SET customer_before_id = p.before_id, customer_gap_ms = c.opened_at - p.before_at
    FROM (SELECT complaint_id, lag(complaint_id) OVER w AS before_id, lag(opened_at) OVER w AS before_at
          FROM dashboard_complaints WHERE customer_key IS NOT NULL AND opened_at IS NOT NULL
          WINDOW w AS (PARTITION BY customer_key ORDER BY opened_at, complaint_id)) AS p
    WHERE c.complaint_id = p.complaint_id AND p.before_id IS NOT NULL;
UPDATE dashboard_complaints AS c SET product_before_id = p.before_id, product_gap_ms = c.opened_at - p.before_at
    FROM (SELECT complaint_id, lag(complaint_id) OVER w AS before_id, lag(opened_at) OVER w AS before_at
          FROM dashboard_complaints WHERE product_ref IS NOT NULL AND opened_at IS NOT NULL
          WINDOW w AS (PARTITION BY product_ref, category ORDER BY opened_at, complaint_id)) AS p
    WHERE c.complaint_id = p.complaint_id AND p.before_id IS NOT NULL;
CREATE INDEX dashboard_complaints_repeats ON dashboard_complaints(opened_local, complaint_id)
    WHERE customer_gap_ms IS NOT NULL OR product_gap_ms IS NOT NULL;
CREATE TABLE dashboard_repeat_weeks(
    week_start INTEGER NOT NULL,
    gap_days   INTEGER NOT NULL,
    complaints INTEGER NOT NULL,
    PRIMARY KEY (week_start, gap_days)
) WITHOUT ROWID;
INSERT INTO dashboard_repeat_weeks(week_start, gap_days, complaints)
    SELECT opened_local - (((opened_local - 345600000) % 604800000) + 604800000) % 604800000,
           (gap_ms + 86399999) / 86400000, count(*)
    FROM (SELECT opened_local, CASE WHEN customer_gap_ms IS NULL THEN product_gap_ms
                                    WHEN product_gap_ms IS NULL OR customer_gap_ms <= product_gap_ms THEN customer_gap_ms
                                    ELSE product_gap_ms END AS gap_ms
          FROM dashboard_complaints WHERE opened_local IS NOT NULL) AS g
    WHERE gap_ms IS NOT NULL GROUP BY 1, 2;
CREATE TABLE dashboard_working_time_weeks(
    week_start INTEGER NOT NULL,
    measure    TEXT    NOT NULL,
    tenths     INTEGER NOT NULL,
    complaints INTEGER NOT NULL,
    PRIMARY KEY (week_start, measure, tenths)
) WITHOUT ROWID;
INSERT INTO dashboard_working_time_weeks(week_start, measure, tenths, complaints)
    SELECT opened_local - (((opened_local - 345600000) % 604800000) + 604800000) % 604800000,
           'answer_working_ms', (answer_working_ms + 180000) / 360000, count(*)
    FROM dashboard_complaints WHERE opened_local IS NOT NULL AND answer_working_ms IS NOT NULL GROUP BY 1, 3
    UNION ALL
    SELECT opened_local - (((opened_local - 345600000) % 604800000) + 604800000) % 604800000,
           'resolution_working_ms', (resolution_working_ms + 180000) / 360000, count(*)
    FROM dashboard_complaints WHERE opened_local IS NOT NULL AND resolution_working_ms IS NOT NULL GROUP BY 1, 3;
)sql",
    // 17: the chain's NPS and complaint counts per week, so its overview
    // sums some 50 rows a year instead of 2,000 stores' weeks (issue 14);
    // filled from the stores' weeks.
    R"sql(
CREATE TABLE dashboard_nps_chain_weeks(
    week_start INTEGER NOT NULL PRIMARY KEY,
    promoters  INTEGER NOT NULL,
    passives   INTEGER NOT NULL,
    detractors INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO dashboard_nps_chain_weeks(week_start, promoters, passives, detractors)
    SELECT week_start, sum(promoters), sum(passives), sum(detractors) FROM dashboard_nps_weeks GROUP BY 1;
CREATE TABLE dashboard_complaint_chain_weeks(
    week_start           INTEGER NOT NULL PRIMARY KEY,
    opened               INTEGER NOT NULL,
    open_now             INTEGER NOT NULL,
    closed_resolved      INTEGER NOT NULL,
    resolved_on_the_spot INTEGER NOT NULL,
    solved_on_the_spot   INTEGER NOT NULL,
    handling_scores      INTEGER NOT NULL,
    handling_score_sum   INTEGER NOT NULL,
    satisfied_answers    INTEGER NOT NULL,
    satisfied            INTEGER NOT NULL,
    escalated            INTEGER NOT NULL,
    reopened             INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO dashboard_complaint_chain_weeks(week_start, opened, open_now, closed_resolved, resolved_on_the_spot, solved_on_the_spot, handling_scores, handling_score_sum, satisfied_answers, satisfied, escalated, reopened)
    SELECT week_start, sum(opened), sum(open_now), sum(closed_resolved), sum(resolved_on_the_spot), sum(solved_on_the_spot), sum(handling_scores), sum(handling_score_sum), sum(satisfied_answers), sum(satisfied), sum(escalated), sum(reopened)
    FROM dashboard_complaint_weeks GROUP BY 1;
)sql",
    // 18: the stores head office has heard of, kept by the projector from
    // the events' stores: the dashboard's store choice read them from the
    // read model with 2 x 2,000 index steps on every page (~120 ms).
    R"sql(
CREATE TABLE dashboard_stores(store_code TEXT NOT NULL PRIMARY KEY) WITHOUT ROWID;
INSERT INTO dashboard_stores(store_code) SELECT DISTINCT store_code FROM events WHERE store_code <> '';
)sql",
    // 19: the call-back list's index holds what the list filters and counts
    // by (the store, the last outcome), so counting a chain-year's 78,000
    // still to call reads the index alone, and the list is read in its order.
    R"sql(
DROP INDEX dashboard_ratings_call_backs;
CREATE INDEX dashboard_ratings_call_backs ON dashboard_ratings(occurred_local, store_code, follow_up_outcome, rating_id)
    WHERE contact_given = 1 AND score <= 6 AND misuse = 0;
)sql",
};


// A migration of the PostgreSQL schema: the version it brings the database to.
struct PostgresMigration {
    int64_t version;
    const char* sql;
};

// SQLite's schema at version 14 in PostgreSQL's words: BIGINT for INTEGER
// (SQLite's integers are 64-bit), BYTEA for BLOB, identity columns for the
// auto-numbered keys, JSON read with ::jsonb, and the comment search as a
// table with a text-search index instead of an FTS5 virtual table; plus the
// one table only several processes need (rate_buckets).
constexpr std::array postgres_migrations{
    PostgresMigration{14, R"sql(
CREATE TABLE devices(
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    store_code      TEXT NOT NULL,
    terminal_code   TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    enrolled_at     BIGINT NOT NULL,
    revoked_at      BIGINT,
    last_seen_at    BIGINT,
    events_received BIGINT NOT NULL DEFAULT 0,
    last_backlog    BIGINT,
    clock_offset_ms BIGINT,
    app_version     TEXT NOT NULL DEFAULT '',
    condition TEXT,
    screenshot_requested_at BIGINT,
    screenshot_taken_at BIGINT,
    screenshot_received_at BIGINT,
    left_at BIGINT
);
CREATE TABLE terminal_codes(
    store_code    TEXT NOT NULL,
    terminal_code TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    PRIMARY KEY (store_code, terminal_code)
);
CREATE TABLE enrolment_codes(
    code_hash  TEXT PRIMARY KEY,
    store_code TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    device_id  TEXT,
    replaces_device_id TEXT
);
CREATE TABLE batches(
    id          TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL REFERENCES devices(id),
    body_sha256 TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    event_count BIGINT NOT NULL,
    answer      TEXT NOT NULL
);
CREATE TABLE events(
    seq         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    id          TEXT   NOT NULL UNIQUE,
    type        TEXT   NOT NULL,
    subject     TEXT,
    occurred_at BIGINT NOT NULL,
    device_id   TEXT   NOT NULL,
    store_code  TEXT   NOT NULL,
    received_at BIGINT NOT NULL,
    batch_id    TEXT   NOT NULL,
    body        TEXT   NOT NULL
);
CREATE INDEX events_by_store ON events(store_code, seq);
CREATE INDEX events_by_subject ON events(subject) WHERE subject IS NOT NULL;
CREATE INDEX events_by_received ON events(received_at);
CREATE INDEX events_by_reference ON events((body::jsonb #>> '{payload,reference}'))
    WHERE type = 'complaint.opened';
CREATE TABLE configs(
    scope        TEXT   NOT NULL,
    version      BIGINT NOT NULL,
    document     TEXT   NOT NULL CHECK ((document::jsonb) IS NOT NULL),
    published_at BIGINT NOT NULL,
    PRIMARY KEY (scope, version)
);
CREATE TABLE web_users(
    name            TEXT PRIMARY KEY,
    role            TEXT NOT NULL CHECK (role IN ('viewer', 'manager', 'admin')),
    password_hash   TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    password_set_at BIGINT NOT NULL,
    disabled_at     BIGINT,
    email TEXT NOT NULL DEFAULT ''
);
CREATE TABLE web_sessions(
    token_hash   TEXT PRIMARY KEY,
    user_name    TEXT NOT NULL REFERENCES web_users(name),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_by_user ON web_sessions(user_name);
CREATE TABLE web_login_failures(
    key             TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);
CREATE TABLE web_audit(
    seq       BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at        BIGINT NOT NULL,
    user_name TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL DEFAULT '',
    address   TEXT NOT NULL DEFAULT ''
);
CREATE TABLE hq_identity(
    id        BIGINT PRIMARY KEY CHECK (id = 1),
    device_id TEXT NOT NULL,
    last_seq  BIGINT NOT NULL
);
CREATE TABLE dashboard_cursor(
    id       BIGINT PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL
);
INSERT INTO dashboard_cursor(id, last_seq) VALUES (1, 0);
CREATE TABLE dashboard_ratings(
    rating_id          TEXT PRIMARY KEY,
    store_code         TEXT NOT NULL,
    device_id          TEXT NOT NULL,
    occurred_at        BIGINT,
    week_start         BIGINT,
    score              BIGINT,
    misuse             BIGINT NOT NULL DEFAULT 0,
    reason_ids         TEXT NOT NULL DEFAULT '[]',
    comment            TEXT NOT NULL DEFAULT '',
    contact_given      BIGINT NOT NULL DEFAULT 0,
    detailed_at        BIGINT,
    detail_event_id    TEXT,
    follow_up_outcome  TEXT NOT NULL DEFAULT '',
    followed_up_at     BIGINT,
    follow_up_event_id TEXT,
    occurred_local     BIGINT
);
CREATE INDEX dashboard_ratings_by_time ON dashboard_ratings(occurred_local, store_code, score, misuse);
CREATE INDEX dashboard_ratings_call_backs ON dashboard_ratings(occurred_local)
    WHERE contact_given = 1 AND score <= 6 AND misuse = 0;
CREATE INDEX dashboard_ratings_with_reasons ON dashboard_ratings(occurred_local, store_code, score, misuse, reason_ids)
    WHERE reason_ids <> '[]';
CREATE TABLE dashboard_nps_days(
    store_code TEXT   NOT NULL,
    day_start  BIGINT NOT NULL,
    promoters  BIGINT NOT NULL,
    passives   BIGINT NOT NULL,
    detractors BIGINT NOT NULL,
    PRIMARY KEY (store_code, day_start)
);
CREATE INDEX dashboard_nps_days_by_day ON dashboard_nps_days(day_start, store_code, promoters, passives, detractors);
CREATE TABLE dashboard_complaints(
    complaint_id       TEXT PRIMARY KEY,
    reference          TEXT NOT NULL,
    store_code         TEXT NOT NULL,
    status             TEXT NOT NULL,
    channel            TEXT NOT NULL,
    category           TEXT NOT NULL,
    opened_at          BIGINT,
    acknowledged_at    BIGINT,
    first_response_at  BIGINT,
    closed_at          BIGINT,
    close_outcome      TEXT NOT NULL,
    deadline_at        BIGINT,
    solved_on_the_spot BIGINT NOT NULL,
    satisfied          BIGINT,
    handling_score     BIGINT,
    root_cause         TEXT NOT NULL,
    actions_open       BIGINT NOT NULL,
    actions_checked    BIGINT NOT NULL,
    product_ref        TEXT,
    customer_key       TEXT,
    last_event_at      BIGINT,
    event_count        BIGINT NOT NULL,
    severity TEXT NOT NULL DEFAULT 'normal',
    owner TEXT NOT NULL DEFAULT '',
    escalated BIGINT NOT NULL DEFAULT 0,
    reopen_count BIGINT NOT NULL DEFAULT 0,
    resolution TEXT NOT NULL DEFAULT '',
    amount_cents BIGINT,
    answer_working_ms BIGINT,
    resolution_working_ms BIGINT,
    opened_local BIGINT
);
CREATE INDEX dashboard_complaints_by_customer ON dashboard_complaints(customer_key, opened_at)
    WHERE customer_key IS NOT NULL;
CREATE INDEX dashboard_complaints_by_product ON dashboard_complaints(product_ref, category, opened_at)
    WHERE product_ref IS NOT NULL;
CREATE INDEX dashboard_complaints_by_opened ON dashboard_complaints(opened_local, store_code, status, category, channel,
    deadline_at, close_outcome, solved_on_the_spot, handling_score, satisfied);
CREATE INDEX dashboard_complaints_by_store ON dashboard_complaints(store_code, opened_local);
CREATE INDEX dashboard_complaints_by_category ON dashboard_complaints(store_code, category, opened_local);
CREATE TABLE dashboard_actions(
    complaint_id  TEXT   NOT NULL,
    action_id     TEXT   NOT NULL,
    kind          TEXT   NOT NULL,
    owner         TEXT   NOT NULL,
    due_at        BIGINT NOT NULL,
    planned_at    BIGINT NOT NULL,
    checked_at    BIGINT,
    effective     BIGINT,
    planned_local BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (complaint_id, action_id)
);
CREATE INDEX dashboard_actions_by_planned ON dashboard_actions(planned_local);
CREATE TABLE dashboard_comment_search(
    rating_id TEXT PRIMARY KEY,
    comment   TEXT NOT NULL
);
-- PostgreSQL only: the rate limits' token buckets, shared by the processes
-- (rate_limiter.h); SQLite's one process keeps them in memory. Unlogged:
-- after a crash they start full, as a new key's would.
CREATE UNLOGGED TABLE rate_buckets(
    key        TEXT PRIMARY KEY,
    tokens     DOUBLE PRECISION NOT NULL,
    updated_ms BIGINT NOT NULL,
    taken      BIGINT NOT NULL
);
CREATE INDEX dashboard_comment_search_words ON dashboard_comment_search USING gin (to_tsvector('simple', comment));
CREATE TABLE hq_reference_codes(
    store_code    TEXT PRIMARY KEY,
    terminal_code TEXT NOT NULL,
    next_counter  BIGINT NOT NULL
);
CREATE TABLE web_user_stores(
    user_name  TEXT NOT NULL REFERENCES web_users(name),
    store_code TEXT NOT NULL,
    PRIMARY KEY (user_name, store_code)
);
CREATE TABLE api_tokens(
    name         TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE TABLE api_idempotency(
    token_name     TEXT   NOT NULL REFERENCES api_tokens(name),
    key            TEXT   NOT NULL,
    request_sha256 TEXT   NOT NULL,
    status         BIGINT NOT NULL,
    answer         TEXT   NOT NULL,
    complaint_id   TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (token_name, key)
);
CREATE TABLE mail_cursor(
    id       BIGINT PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL
);
INSERT INTO mail_cursor(id, last_seq) VALUES (1, 0);
CREATE TABLE mail_outbox(
    id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    message_key     TEXT   NOT NULL UNIQUE,
    kind            TEXT   NOT NULL,
    complaint_id    TEXT   NOT NULL,
    store_code      TEXT   NOT NULL,
    recipient       TEXT   NOT NULL,
    subject         TEXT   NOT NULL,
    body            TEXT   NOT NULL,
    status          TEXT   NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT   NOT NULL DEFAULT '',
    queued_at       BIGINT NOT NULL,
    done_at         BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at) WHERE status = 'queued';
CREATE INDEX mail_outbox_by_complaint ON mail_outbox(complaint_id);
CREATE TABLE survey_tokens(
    token_hash   TEXT PRIMARY KEY,
    complaint_id TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    answered_at  BIGINT
);
CREATE TABLE alert_choices(
    user_name TEXT NOT NULL REFERENCES web_users(name),
    cause     TEXT NOT NULL,
    delivery  TEXT NOT NULL CHECK (delivery IN ('off', 'immediate', 'digest')),
    PRIMARY KEY (user_name, cause)
);
CREATE TABLE alerts_raised(
    cause_key TEXT   NOT NULL,
    user_name TEXT   NOT NULL,
    delivery  TEXT   NOT NULL,
    line      TEXT   NOT NULL,
    raised_at BIGINT NOT NULL,
    digest_at BIGINT,
    PRIMARY KEY (cause_key, user_name)
);
CREATE INDEX alerts_raised_digest ON alerts_raised(user_name) WHERE delivery = 'digest' AND digest_at IS NULL;
CREATE TABLE alert_backlogs(
    device_id     TEXT PRIMARY KEY,
    backlog       BIGINT NOT NULL,
    growing_since BIGINT
);
CREATE TABLE device_screenshots(
    device_id TEXT PRIMARY KEY REFERENCES devices(id),
    png       BYTEA NOT NULL
);
CREATE TABLE contact_keys(
    seq        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    id         TEXT   NOT NULL UNIQUE,
    public_key TEXT   NOT NULL,
    added_at   BIGINT NOT NULL
);
CREATE TABLE personal_events(
    seq     BIGINT PRIMARY KEY REFERENCES events(seq),
    type    TEXT NOT NULL,
    subject TEXT
);
CREATE INDEX personal_events_by_subject ON personal_events(subject);
CREATE TABLE erasures(
    id        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    subject   TEXT   NOT NULL,
    why       TEXT   NOT NULL CHECK (why IN ('request', 'retention')),
    texts     BIGINT NOT NULL,
    events    BIGINT NOT NULL,
    erased_at BIGINT NOT NULL
);
CREATE INDEX erasures_by_subject ON erasures(subject);
)sql"},
    // 15: as SQLite's 15.
    PostgresMigration{15, R"sql(
ALTER TABLE dashboard_complaints ADD COLUMN severity_rank BIGINT NOT NULL DEFAULT 0;
CREATE INDEX mail_outbox_failed ON mail_outbox(id) WHERE status = 'failed';
UPDATE dashboard_complaints SET severity_rank = CASE severity WHEN 'safety' THEN 2 WHEN 'high' THEN 1 ELSE 0 END
    WHERE severity IN ('safety', 'high');
CREATE INDEX dashboard_complaints_by_rank ON dashboard_complaints(severity_rank, opened_local, complaint_id);
CREATE INDEX dashboard_complaints_by_store_rank ON dashboard_complaints(store_code, severity_rank, opened_local,
    complaint_id);
CREATE INDEX dashboard_complaints_escalated ON dashboard_complaints(store_code) WHERE status = 'escalated';
CREATE TABLE dashboard_nps_weeks(
    store_code TEXT   NOT NULL,
    week_start BIGINT NOT NULL,
    promoters  BIGINT NOT NULL,
    passives   BIGINT NOT NULL,
    detractors BIGINT NOT NULL,
    PRIMARY KEY (store_code, week_start)
);
CREATE INDEX dashboard_nps_weeks_by_week ON dashboard_nps_weeks(week_start, store_code, promoters, passives, detractors);
INSERT INTO dashboard_nps_weeks(store_code, week_start, promoters, passives, detractors)
    SELECT store_code, day_start - (((day_start - 345600000) % 604800000) + 604800000) % 604800000,
           sum(promoters), sum(passives), sum(detractors)
    FROM dashboard_nps_days GROUP BY 1, 2;
CREATE TABLE dashboard_rating_reasons(
    rating_id      TEXT    NOT NULL,
    reason_id      TEXT    NOT NULL,
    store_code     TEXT    NOT NULL,
    occurred_local BIGINT  NOT NULL,
    score          BIGINT  NOT NULL,
    PRIMARY KEY (rating_id, reason_id)
);
CREATE INDEX dashboard_rating_reasons_by_time ON dashboard_rating_reasons(occurred_local, store_code, score, reason_id);
INSERT INTO dashboard_rating_reasons(rating_id, reason_id, store_code, occurred_local, score)
    SELECT DISTINCT r.rating_id, j.value, r.store_code, r.occurred_local, r.score
    FROM dashboard_ratings AS r, jsonb_array_elements_text(r.reason_ids::jsonb) AS j(value)
    WHERE r.reason_ids <> '[]' AND r.misuse = 0 AND r.score IS NOT NULL AND r.occurred_local IS NOT NULL;
CREATE TABLE dashboard_complaint_weeks(
    store_code           TEXT   NOT NULL,
    week_start           BIGINT NOT NULL,
    opened               BIGINT NOT NULL,
    open_now             BIGINT NOT NULL,
    closed_resolved      BIGINT NOT NULL,
    resolved_on_the_spot BIGINT NOT NULL,
    solved_on_the_spot   BIGINT NOT NULL,
    handling_scores      BIGINT NOT NULL,
    handling_score_sum   BIGINT NOT NULL,
    satisfied_answers    BIGINT NOT NULL,
    satisfied            BIGINT NOT NULL,
    escalated            BIGINT NOT NULL,
    reopened             BIGINT NOT NULL,
    PRIMARY KEY (store_code, week_start)
);
CREATE INDEX dashboard_complaint_weeks_by_week ON dashboard_complaint_weeks(week_start, store_code);
INSERT INTO dashboard_complaint_weeks(store_code, week_start, opened, open_now, closed_resolved, resolved_on_the_spot,
    solved_on_the_spot, handling_scores, handling_score_sum, satisfied_answers, satisfied, escalated, reopened)
    SELECT store_code, opened_local - (((opened_local - 345600000) % 604800000) + 604800000) % 604800000,
           count(*), count(*) FILTER (WHERE status <> 'closed'),
           count(*) FILTER (WHERE status = 'closed' AND close_outcome = 'resolved'),
           count(*) FILTER (WHERE status = 'closed' AND close_outcome = 'resolved' AND solved_on_the_spot = 1),
           count(*) FILTER (WHERE solved_on_the_spot = 1), count(handling_score), coalesce(sum(handling_score), 0),
           count(satisfied), coalesce(sum(satisfied), 0), count(*) FILTER (WHERE escalated = 1),
           count(*) FILTER (WHERE reopen_count > 0)
    FROM dashboard_complaints WHERE opened_local IS NOT NULL GROUP BY 1, 2;
CREATE INDEX dashboard_complaints_unanswered ON dashboard_complaints(deadline_at, opened_local, store_code, channel)
    WHERE first_response_at IS NULL;
CREATE TABLE dashboard_complaint_week_keys(
    week_start   BIGINT NOT NULL,
    key_column   TEXT   NOT NULL,
    key_value    TEXT   NOT NULL,
    complaints   BIGINT NOT NULL,
    amount_cents BIGINT NOT NULL,
    PRIMARY KEY (week_start, key_column, key_value)
);
INSERT INTO dashboard_complaint_week_keys(week_start, key_column, key_value, complaints, amount_cents)
    SELECT opened_local - (((opened_local - 345600000) % 604800000) + 604800000) % 604800000,
           'channel', channel, count(*), coalesce(sum(amount_cents), 0)
    FROM dashboard_complaints WHERE opened_local IS NOT NULL GROUP BY 1, 3
    UNION ALL
    SELECT opened_local - (((opened_local - 345600000) % 604800000) + 604800000) % 604800000,
           'category', category, count(*), coalesce(sum(amount_cents), 0)
    FROM dashboard_complaints WHERE opened_local IS NOT NULL GROUP BY 1, 3
    UNION ALL
    SELECT opened_local - (((opened_local - 345600000) % 604800000) + 604800000) % 604800000,
           'root_cause', root_cause, count(*), coalesce(sum(amount_cents), 0)
    FROM dashboard_complaints WHERE opened_local IS NOT NULL GROUP BY 1, 3
    UNION ALL
    SELECT opened_local - (((opened_local - 345600000) % 604800000) + 604800000) % 604800000,
           'resolution', resolution, count(*), coalesce(sum(amount_cents), 0)
    FROM dashboard_complaints WHERE opened_local IS NOT NULL GROUP BY 1, 3;
)sql"},
    PostgresMigration{16, R"sql(
ALTER TABLE dashboard_complaints ADD COLUMN customer_before_id TEXT;
ALTER TABLE dashboard_complaints ADD COLUMN customer_gap_ms BIGINT;
ALTER TABLE dashboard_complaints ADD COLUMN product_before_id TEXT;
ALTER TABLE dashboard_complaints ADD COLUMN product_gap_ms BIGINT;
UPDATE dashboard_complaints AS c SET customer_before_id = p.before_id, customer_gap_ms = c.opened_at - p.before_at
    FROM (SELECT complaint_id, lag(complaint_id) OVER w AS before_id, lag(opened_at) OVER w AS before_at
          FROM dashboard_complaints WHERE customer_key IS NOT NULL AND opened_at IS NOT NULL
          WINDOW w AS (PARTITION BY customer_key ORDER BY opened_at, complaint_id)) AS p
    WHERE c.complaint_id = p.complaint_id AND p.before_id IS NOT NULL;
UPDATE dashboard_complaints AS c SET product_before_id = p.before_id, product_gap_ms = c.opened_at - p.before_at
    FROM (SELECT complaint_id, lag(complaint_id) OVER w AS before_id, lag(opened_at) OVER w AS before_at
          FROM dashboard_complaints WHERE product_ref IS NOT NULL AND opened_at IS NOT NULL
          WINDOW w AS (PARTITION BY product_ref, category ORDER BY opened_at, complaint_id)) AS p
    WHERE c.complaint_id = p.complaint_id AND p.before_id IS NOT NULL;
CREATE INDEX dashboard_complaints_repeats ON dashboard_complaints(opened_local, complaint_id)
    WHERE customer_gap_ms IS NOT NULL OR product_gap_ms IS NOT NULL;
CREATE TABLE dashboard_repeat_weeks(
    week_start BIGINT NOT NULL,
    gap_days   BIGINT NOT NULL,
    complaints BIGINT NOT NULL,
    PRIMARY KEY (week_start, gap_days)
);
INSERT INTO dashboard_repeat_weeks(week_start, gap_days, complaints)
    SELECT opened_local - (((opened_local - 345600000) % 604800000) + 604800000) % 604800000,
           (gap_ms + 86399999) / 86400000, count(*)
    FROM (SELECT opened_local, CASE WHEN customer_gap_ms IS NULL THEN product_gap_ms
                                    WHEN product_gap_ms IS NULL OR customer_gap_ms <= product_gap_ms THEN customer_gap_ms
                                    ELSE product_gap_ms END AS gap_ms
          FROM dashboard_complaints WHERE opened_local IS NOT NULL) AS g
    WHERE gap_ms IS NOT NULL GROUP BY 1, 2;
CREATE TABLE dashboard_working_time_weeks(
    week_start BIGINT NOT NULL,
    measure    TEXT    NOT NULL,
    tenths     BIGINT NOT NULL,
    complaints BIGINT NOT NULL,
    PRIMARY KEY (week_start, measure, tenths)
);
INSERT INTO dashboard_working_time_weeks(week_start, measure, tenths, complaints)
    SELECT opened_local - (((opened_local - 345600000) % 604800000) + 604800000) % 604800000,
           'answer_working_ms', (answer_working_ms + 180000) / 360000, count(*)
    FROM dashboard_complaints WHERE opened_local IS NOT NULL AND answer_working_ms IS NOT NULL GROUP BY 1, 3
    UNION ALL
    SELECT opened_local - (((opened_local - 345600000) % 604800000) + 604800000) % 604800000,
           'resolution_working_ms', (resolution_working_ms + 180000) / 360000, count(*)
    FROM dashboard_complaints WHERE opened_local IS NOT NULL AND resolution_working_ms IS NOT NULL GROUP BY 1, 3;
)sql"},
    PostgresMigration{17, R"sql(
CREATE TABLE dashboard_nps_chain_weeks(
    week_start BIGINT NOT NULL PRIMARY KEY,
    promoters  BIGINT NOT NULL,
    passives   BIGINT NOT NULL,
    detractors BIGINT NOT NULL
);
INSERT INTO dashboard_nps_chain_weeks(week_start, promoters, passives, detractors)
    SELECT week_start, sum(promoters), sum(passives), sum(detractors) FROM dashboard_nps_weeks GROUP BY 1;
CREATE TABLE dashboard_complaint_chain_weeks(
    week_start           BIGINT NOT NULL PRIMARY KEY,
    opened               BIGINT NOT NULL,
    open_now             BIGINT NOT NULL,
    closed_resolved      BIGINT NOT NULL,
    resolved_on_the_spot BIGINT NOT NULL,
    solved_on_the_spot   BIGINT NOT NULL,
    handling_scores      BIGINT NOT NULL,
    handling_score_sum   BIGINT NOT NULL,
    satisfied_answers    BIGINT NOT NULL,
    satisfied            BIGINT NOT NULL,
    escalated            BIGINT NOT NULL,
    reopened             BIGINT NOT NULL
);
INSERT INTO dashboard_complaint_chain_weeks(week_start, opened, open_now, closed_resolved, resolved_on_the_spot, solved_on_the_spot, handling_scores, handling_score_sum, satisfied_answers, satisfied, escalated, reopened)
    SELECT week_start, sum(opened), sum(open_now), sum(closed_resolved), sum(resolved_on_the_spot), sum(solved_on_the_spot), sum(handling_scores), sum(handling_score_sum), sum(satisfied_answers), sum(satisfied), sum(escalated), sum(reopened)
    FROM dashboard_complaint_weeks GROUP BY 1;
)sql"},
    PostgresMigration{18, R"sql(
CREATE TABLE dashboard_stores(store_code TEXT NOT NULL PRIMARY KEY);
INSERT INTO dashboard_stores(store_code) SELECT DISTINCT store_code FROM events WHERE store_code <> '';
)sql"},
    PostgresMigration{19, R"sql(
DROP INDEX dashboard_ratings_call_backs;
CREATE INDEX dashboard_ratings_call_backs ON dashboard_ratings(occurred_local, store_code, follow_up_outcome, rating_id)
    WHERE contact_given = 1 AND score <= 6 AND misuse = 0;
)sql"},
};

Result<void> migrate_sqlite(sql::Connection& db)
{
    auto version = db.query_int64("PRAGMA user_version");
    FEEDBACK_TRY(version);
    auto known = static_cast<int64_t>(migrations.size());
    if (*version > known)
        return Error{ErrorKind::conflict, "head office's database has schema version " + std::to_string(*version) +
                                              ", newer than this program knows; update the program"};
    for (auto next = *version; next < known; ++next) {
        auto txn = sql::Transaction::begin(db);
        FEEDBACK_TRY(txn);
        FEEDBACK_TRY(db.exec(migrations[static_cast<size_t>(next)]));
        FEEDBACK_TRY(db.exec("PRAGMA user_version = " + std::to_string(next + 1)));
        FEEDBACK_TRY(txn->commit());
    }
    return {};
}

Result<void> migrate_postgres(sql::Connection& db)
{
    static_assert(static_cast<size_t>(postgres_migrations.back().version) == migrations.size(),
                  "a migration appended to one backend's list must be appended to the other's");
    for (const PostgresMigration& migration : postgres_migrations) {
        auto txn = sql::Transaction::begin(db);
        FEEDBACK_TRY(txn);
        // Any number of processes may start at once: one migrates, the
        // others wait for it and then find the schema up to date.
        FEEDBACK_TRY(db.exec("SELECT pg_advisory_xact_lock(" + std::to_string(advisory_lock::schema_migration) + ")"));
        // (No notice on stderr that the table is there already.)
        FEEDBACK_TRY(db.exec("SET LOCAL client_min_messages = warning; "
                             "CREATE TABLE IF NOT EXISTS schema_version(version BIGINT NOT NULL)"));
        auto version = db.query_int64("SELECT coalesce(max(version), 0) FROM schema_version");
        FEEDBACK_TRY(version);
        if (*version > schema_version())
            return Error{ErrorKind::conflict, "head office's database has schema version " +
                                                  std::to_string(*version) +
                                                  ", newer than this program knows; update the program"};
        if (*version >= migration.version)
            continue; // the transaction rolls back: nothing was changed
        FEEDBACK_TRY(db.exec(migration.sql));
        FEEDBACK_TRY(db.exec("DELETE FROM schema_version; INSERT INTO schema_version(version) VALUES (" +
                             std::to_string(migration.version) + ")"));
        FEEDBACK_TRY(txn->commit());
    }
    return {};
}

} // namespace

int64_t schema_version() { return static_cast<int64_t>(migrations.size()); }

Result<void> migrate_schema(sql::Connection& db)
{
    return db.backend() == sql::Backend::sqlite ? migrate_sqlite(db) : migrate_postgres(db);
}

} // namespace feedback::hq
