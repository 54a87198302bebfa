// Migrations of the terminal's local store. Append new migrations at the end;
// never edit one that has shipped.
#include "schema.h"

#include <array>
#include <string>

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
};

} // namespace

int schema_version_count() { return static_cast<int>(migrations.size()); }

Result<void> migrate(sqlite::Database& db)
{
    auto version = db.query_int64("PRAGMA user_version");
    if (!version)
        return version.error();
    if (*version > schema_version_count())
        return Error{ErrorKind::conflict, "the store has schema version " + std::to_string(*version) +
                                              ", newer than this program knows (" +
                                              std::to_string(schema_version_count()) +
                                              "): update the program; the data was not touched"};
    for (auto next = *version; next < schema_version_count(); ++next) {
        auto txn = sqlite::Transaction::begin(db);
        if (!txn)
            return txn.error();
        auto applied = db.exec(migrations[static_cast<size_t>(next)]);
        if (!applied)
            return Error{applied.error().kind, "migrating the store to version " + std::to_string(next + 1) + ": " +
                                                   applied.error().message};
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
