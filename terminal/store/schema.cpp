// Migrations of the terminal's local store. Append new migrations at the end;
// never edit one that has shipped.
#include "schema.h"

#include <array>
#include <cassert>
#include <string>
#include <utility>

namespace feedback::store {

namespace {

constexpr std::array migrations{
    // 1: events (append-only), personal data kept apart, batches,
    //    acknowledgements, quarantine, the outbox view, the complaint
    //    projection, settings.
    R"sql(
CREATE TABLE settings(
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Every fact, local or from head office. `pos` is the local arrival order.
CREATE TABLE events(
    pos         INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL UNIQUE,
    v           INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    subject     TEXT,
    occurred_at INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    device_seq  INTEGER NOT NULL,
    payload     TEXT    NOT NULL CHECK (json_valid(payload)), -- without personal fields
    recorded_at INTEGER NOT NULL,
    origin      TEXT    NOT NULL CHECK (origin IN ('local', 'remote'))
);
CREATE INDEX events_by_subject ON events(subject) WHERE subject IS NOT NULL;
CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- Personal payload fields (contact details), erasable by retention.
CREATE TABLE personal_data(
    event_pos INTEGER PRIMARY KEY REFERENCES events(pos),
    fields    TEXT    NOT NULL CHECK (json_valid(fields))
);
CREATE TABLE erasures(
    event_pos INTEGER PRIMARY KEY REFERENCES events(pos),
    erased_at INTEGER NOT NULL,
    fields    TEXT    NOT NULL -- the names of the erased fields
);

-- Batches frozen for upload; the body is kept until head office answers.
CREATE TABLE batches(
    id              TEXT    PRIMARY KEY,
    created_at      INTEGER NOT NULL,
    event_count     INTEGER NOT NULL,
    body            BLOB,
    body_sha256     TEXT    NOT NULL,
    acknowledged_at INTEGER
);
-- The events each batch carries (an unanswered event may travel again in a
-- later batch).
CREATE TABLE batch_events(
    event_pos INTEGER NOT NULL REFERENCES events(pos),
    batch_id  TEXT    NOT NULL REFERENCES batches(id),
    PRIMARY KEY (event_pos, batch_id)
) WITHOUT ROWID;
CREATE INDEX batch_events_by_batch ON batch_events(batch_id);
CREATE TABLE acknowledged(
    event_pos       INTEGER PRIMARY KEY REFERENCES events(pos),
    batch_id        TEXT    NOT NULL REFERENCES batches(id),
    outcome         TEXT    NOT NULL CHECK (outcome IN ('accepted', 'duplicate')),
    acknowledged_at INTEGER NOT NULL
);
CREATE TABLE quarantine(
    event_pos      INTEGER PRIMARY KEY REFERENCES events(pos),
    batch_id       TEXT    REFERENCES batches(id),
    reason         TEXT    NOT NULL,
    quarantined_at INTEGER NOT NULL
);
-- Every local event up to this position is acknowledged or quarantined; it
-- only saves the outbox from looking at old events.
INSERT INTO settings(key, value) VALUES ('outbox_settled_through', '0');

-- The outbox: local events head office has neither acknowledged nor
-- rejected, with the open batch that carries each (NULL: PENDING). Derived,
-- so recording an event writes nothing for it.
CREATE VIEW outbox AS
SELECT e.pos AS event_pos, e.id AS event_id,
       (SELECT b.id FROM batch_events be JOIN batches b ON b.id = be.batch_id
        WHERE be.event_pos = e.pos AND b.acknowledged_at IS NULL) AS batch_id
FROM events e
WHERE e.pos > (SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'outbox_settled_through')
  AND e.origin = 'local'
  AND NOT EXISTS (SELECT 1 FROM acknowledged a WHERE a.event_pos = e.pos)
  AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.event_pos = e.pos);

-- Current state of each complaint, refreshed from its events by the shared
-- fold in the same transaction as each of its events.
CREATE TABLE complaints(
    id                    TEXT PRIMARY KEY,
    reference             TEXT UNIQUE,
    status                TEXT NOT NULL,
    channel               TEXT,
    category              TEXT,
    opened_at             INTEGER,
    acknowledged_at       INTEGER,
    first_resolution_at   INTEGER,
    closed_at             INTEGER,
    close_outcome         TEXT,
    satisfied             INTEGER,
    handling_score        INTEGER,
    solved_on_the_spot    INTEGER NOT NULL,
    time_to_resolution_ms INTEGER,
    last_event_at         INTEGER,
    skipped_events        INTEGER NOT NULL,
    contact_erased_at     INTEGER
);
CREATE INDEX complaints_by_status ON complaints(status);
)sql",
    // 2: the sync state the uploader keeps (feed cursor, configuration ETag,
    //    clock offset, head office's limits); the feed cursor is written in
    //    the same transaction as the events it covers.
    R"sql(
CREATE TABLE sync_state(
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
)sql",
    // 3: an index for freeze_batch, which looks for the unanswered batch on
    //    every upload while answered ones pile up over the years.
    R"sql(
CREATE INDEX batches_unanswered ON batches(created_at) WHERE acknowledged_at IS NULL;
)sql",
    // 4: one page per tap (issue 12, wear). Measured from the WAL, a rating
    //    wrote the events table's page and a page of the UNIQUE(id) index on
    //    every commit (2.3 pages a tap with splits). The id index moves out of
    //    the tap path: `event_ids` holds the ids of every event up to
    //    settings.event_ids_through and is filled in runs of events
    //    (local_store.cpp, fold_event_ids); a lookup by id reads it and the
    //    few newer events by position. The subject index holds complaint
    //    events only, the only ones looked up by subject, so a detailed rating
    //    (whose subject is its rating) writes no index page either. The
    //    complaints' status index goes: no query could use it but a count
    //    that scans anyway, and every complaint step rewrote it. The
    //    events table is rebuilt (a column's UNIQUE cannot be dropped) with
    //    its positions, so every table that refers to them stays as it is.
    //    migrate() runs this with foreign keys off and checks them before
    //    committing; the outbox view is dropped and made again around it.
    R"sql(
DROP VIEW outbox;
CREATE TABLE events_v4(
    pos         INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL, -- unique: record() and apply_remote_events() look it up first
    v           INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    subject     TEXT,
    occurred_at INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    device_seq  INTEGER NOT NULL,
    payload     TEXT    NOT NULL CHECK (json_valid(payload)), -- without personal fields
    recorded_at INTEGER NOT NULL,
    origin      TEXT    NOT NULL CHECK (origin IN ('local', 'remote'))
);
INSERT INTO events_v4(pos, id, v, type, subject, occurred_at, actor, device_id, device_seq, payload, recorded_at,
                      origin)
SELECT pos, id, v, type, subject, occurred_at, actor, device_id, device_seq, payload, recorded_at, origin
FROM events ORDER BY pos;
DROP TABLE events;
ALTER TABLE events_v4 RENAME TO events;

CREATE INDEX events_of_complaints ON events(subject) WHERE type GLOB 'complaint.*';
CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- Event ids and their positions, up to settings.event_ids_through: the id
-- index, written in runs instead of on every tap.
CREATE TABLE event_ids(
    id  TEXT    PRIMARY KEY,
    pos INTEGER NOT NULL REFERENCES events(pos)
) WITHOUT ROWID;
INSERT INTO event_ids(id, pos) SELECT id, pos FROM events;
INSERT INTO settings(key, value) SELECT 'event_ids_through', coalesce(max(pos), 0) FROM events;

DROP INDEX complaints_by_status;

CREATE VIEW outbox AS
SELECT e.pos AS event_pos, e.id AS event_id,
       (SELECT b.id FROM batch_events be JOIN batches b ON b.id = be.batch_id
        WHERE be.event_pos = e.pos AND b.acknowledged_at IS NULL) AS batch_id
FROM events e
WHERE e.pos > (SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'outbox_settled_through')
  AND e.origin = 'local'
  AND NOT EXISTS (SELECT 1 FROM acknowledged a WHERE a.event_pos = e.pos)
  AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.event_pos = e.pos);
)sql",
};

} // namespace

int schema_version_count() { return static_cast<int>(migrations.size()); }

namespace {

// Foreign keys are off while migrations run: a migration that rebuilds a
// table others refer to (4: events) drops the old one, which with foreign
// keys on would delete or refuse. PRAGMA foreign_keys does nothing inside a
// transaction, so it is set around them; each migration checks the keys
// itself before it commits. The setting the connection had comes back
// whatever happens.
class ForeignKeysOff {
public:
    static Result<ForeignKeysOff> begin(sqlite::Database& db)
    {
        auto was = db.query_int64("PRAGMA foreign_keys");
        FEEDBACK_TRY(was);
        FEEDBACK_TRY(db.exec("PRAGMA foreign_keys = OFF"));
        return ForeignKeysOff(db, *was != 0);
    }
    ForeignKeysOff(ForeignKeysOff&& other) noexcept : m_db(std::exchange(other.m_db, nullptr)), m_was_on(other.m_was_on)
    {
    }
    ForeignKeysOff& operator=(ForeignKeysOff&&) = delete;
    ForeignKeysOff(const ForeignKeysOff&) = delete;
    ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;
    ~ForeignKeysOff()
    {
        if (m_db && m_was_on)
            (void)m_db->exec("PRAGMA foreign_keys = ON");
    }

private:
    ForeignKeysOff(sqlite::Database& db, bool was_on) : m_db(&db), m_was_on(was_on) {}
    sqlite::Database* m_db;
    bool m_was_on;
};

} // namespace

Result<void> migrate(sqlite::Database& db) { return migrate(db, schema_version_count()); }

Result<void> migrate(sqlite::Database& db, int target_version)
{
    assert(target_version >= 0 && target_version <= schema_version_count() && "no such schema version");
    auto version = db.query_int64("PRAGMA user_version");
    if (!version)
        return version.error();
    if (*version > schema_version_count())
        return Error{ErrorKind::conflict, "the store has schema version " + std::to_string(*version) +
                                              ", newer than this program knows (" +
                                              std::to_string(schema_version_count()) +
                                              "): update the program; the data was not touched"};
    if (*version >= target_version)
        return {};
    auto keys_off = ForeignKeysOff::begin(db);
    FEEDBACK_TRY(keys_off);
    for (auto next = *version; next < target_version; ++next) {
        auto txn = sqlite::Transaction::begin(db);
        if (!txn)
            return txn.error();
        std::string step = "migrating the store to version " + std::to_string(next + 1) + ": ";
        auto applied = db.exec(migrations[static_cast<size_t>(next)]);
        if (!applied)
            return Error{applied.error().kind, step + applied.error().message};
        auto broken = db.query_texts("PRAGMA foreign_key_check");
        if (!broken)
            return Error{broken.error().kind, step + broken.error().message};
        if (!broken->empty())
            return Error{ErrorKind::corrupt, step + "a row of table " + broken->front() +
                                                 " refers to a row that is missing; the store was not changed"};
        auto stamped = db.exec("PRAGMA user_version = " + std::to_string(next + 1));
        if (!stamped)
            return stamped.error();
        auto committed = txn->commit();
        if (!committed)
            return committed.error();
    }
    return {};
}

} // namespace feedback::store
