// Tests of what the local store writes to the disk per tap (issue 12, wear):
// the pages each commit appends to the WAL, per table and index, against a
// bare INSERT measured the same way; finding events by id while the id index
// is written in runs; and migration 4 of a store an older program left, with
// events, complaints, outbox rows and sync state, which must keep everything
// and sync exactly as before.
#include "domain/event.h"
#include "domain/ids.h"
#include "domain/refcode.h"
#include "domain/validation.h"
#include "sqlite/database.h"
#include "store/local_store.h"
#include "store/schema.h"
#include "store/wal_pages.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <set>
#include <sstream>

using namespace feedback;
using namespace feedback::store;
using feedback::testing::TempDir;

namespace {

constexpr int64_t t0 = 1764000000000; // 2025-11-24T16:00:00Z

NewEvent rating(int score)
{
    return {EventType::nps_rated, "", "kiosk", {{"score", score}, {"survey_version", 1}, {"locale", "nl"}}, {}};
}

NewEvent opened()
{
    return {EventType::complaint_opened,
            "",
            "staff:anna",
            {{"channel", "walk_in"}, {"category", "product"}, {"description", "De koffiemachine lekt."},
             {"customer_wish", "Een nieuwe machine"}},
            {}};
}

LocalStore open_store(const std::filesystem::path& dir)
{
    auto store = LocalStore::open(dir);
    INFO((store ? "" : store.error().message));
    REQUIRE(store);
    return std::move(*store);
}

std::vector<WalFrame> frames_of(const std::filesystem::path& database_file)
{
    auto frames = read_wal_frames(database_file.string() + "-wal");
    INFO((frames ? "" : frames.error().message));
    REQUIRE(frames);
    return std::move(*frames);
}

std::string describe(const PagesWritten& pages)
{
    std::ostringstream out;
    out << pages.frames << " pages in " << pages.commits << " commits (" << pages.per_commit() << " a commit):";
    for (const auto& [owner, count] : pages.by_owner)
        out << " " << owner << " " << count << ";";
    return out.str();
}

// Pages written per commit by `taps` single-row INSERTs into a bare table
// with the store's durability settings: the baseline a tap is measured against.
PagesWritten bare_insert_pages(const std::filesystem::path& dir, int taps)
{
    auto file = dir / "baseline.db";
    auto db = sqlite::Database::open(file, sqlite::OpenMode::read_write_create);
    REQUIRE(db);
    REQUIRE(db->exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0; "
                     "CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT NOT NULL)"));
    auto insert = db->prepare("INSERT INTO t(body) VALUES (?1)");
    REQUIRE(insert);
    std::string body = R"({"score":9,"survey_version":1,"locale":"nl"})";
    size_t before = frames_of(file).size();
    for (int i = 0; i < taps; ++i)
        REQUIRE(insert->bind(1, body).run());
    auto owners = page_owners(*db);
    REQUIRE(owners);
    return count_pages(frames_of(file), before, *owners);
}

// Runs `taps` on a store with automatic checkpoints off (so the WAL keeps
// every frame) and counts the pages their commits wrote.
template <class Tap>
PagesWritten store_pages(LocalStore& store, const std::filesystem::path& dir, int taps, Tap&& tap)
{
    auto file = dir / database_file_name;
    REQUIRE(store.database().exec("PRAGMA wal_autocheckpoint = 0"));
    size_t before = frames_of(file).size();
    for (int i = 0; i < taps; ++i)
        tap(i);
    auto owners = page_owners(store.database());
    INFO((owners ? "" : owners.error().message));
    REQUIRE(owners);
    return count_pages(frames_of(file), before, *owners);
}

} // namespace

// [SECTION] Pages per tap

TEST_CASE("the WAL reader sees each commit's pages, and none of a rolled-back transaction", "[store][wear]")
{
    TempDir dir;
    auto file = dir.path() / "plain.db";
    auto db = sqlite::Database::open(file, sqlite::OpenMode::read_write_create);
    REQUIRE(db);
    REQUIRE(db->exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; "
                     "CREATE TABLE a(x INTEGER PRIMARY KEY, y TEXT); CREATE TABLE b(x INTEGER PRIMARY KEY, y TEXT)"));
    size_t start = frames_of(file).size();
    REQUIRE(db->exec("INSERT INTO a(y) VALUES ('one')"));
    REQUIRE(db->exec("BEGIN; INSERT INTO a(y) VALUES ('two'); INSERT INTO b(y) VALUES ('two'); COMMIT"));
    {
        // A rolled-back transaction large enough to spill frames to the WAL
        // before it ends.
        REQUIRE(db->exec("PRAGMA cache_size = 10; BEGIN; "
                         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                         "INSERT INTO b(y) SELECT printf('%0500d', i) FROM n; ROLLBACK"));
    }
    auto owners = page_owners(*db);
    REQUIRE(owners);
    auto pages = count_pages(frames_of(file), start, *owners);
    INFO(describe(pages));
    CHECK(pages.commits == 2);
    CHECK(pages.by_owner == std::map<std::string, int64_t>{{"a", 2}, {"b", 1}});
}

TEST_CASE("a rating writes one page more than a bare INSERT at most: the events table's, no index",
          "[store][wear]")
{
    TempDir dir;
    auto baseline = bare_insert_pages(dir.path(), 600);
    auto store_dir = dir.path() / "store";
    std::filesystem::create_directories(store_dir);
    auto store = open_store(store_dir);
    for (int i = 0; i < 50; ++i) // past the first pages of a new file
        REQUIRE(store.record(rating(i % 11), t0 + i));
    auto taps = store_pages(store, store_dir, 600, [&](int i) { REQUIRE(store.record(rating(i % 11), t0 + 100 + i)); });
    INFO("baseline: " << describe(baseline));
    INFO("record(): " << describe(taps));
    REQUIRE(taps.commits == 600);
    CHECK(taps.per_commit() <= baseline.per_commit() + 1.0);
    // Every tap writes the events table; the ids go to their index in runs
    // (two at most in 600 taps), which writes it and their setting once each.
    CHECK(taps.by_owner["events"] >= 600);
    CHECK(taps.by_owner["event_ids"] <= 2 * 6);
    CHECK(taps.by_owner["settings"] <= 2);
    std::set<std::string> owners;
    for (const auto& [owner, count] : taps.by_owner)
        owners.insert(owner);
    CHECK(owners <= std::set<std::string>{"events", "event_ids", "settings", "page 1 (header, sqlite_schema)"});
    // Measured here: 1.05 to 1.1 pages a tap (a new page of events and the
    // header's page count every twenty-odd ratings); version 3 wrote 2.3.
    CHECK(taps.per_commit() < 1.3);
}

TEST_CASE("a detailed rating and a complaint's steps write no index they do not need", "[store][wear]")
{
    TempDir dir;
    auto store = open_store(dir.path());
    std::vector<std::string> ratings, complaints;
    for (int i = 0; i < 40; ++i) {
        ratings.push_back(store.record(rating(3), t0 + i)->id);
        auto made = store.record(opened(), t0 + i);
        REQUIRE(made);
        complaints.push_back(made->subject);
    }
    auto details = store_pages(store, dir.path(), 40, [&](int i) {
        NewEvent detail{EventType::nps_detailed, ratings[static_cast<size_t>(i)], "kiosk",
                        {{"reason_ids", {"waiting_time"}}}, {}};
        REQUIRE(store.record(detail, t0 + 1000 + i));
    });
    INFO("nps.detailed: " << describe(details));
    CHECK(details.by_owner.count("events_of_complaints") == 0);
    CHECK(details.per_commit() < 1.3);

    auto steps = store_pages(store, dir.path(), 40, [&](int i) {
        REQUIRE(store.record({EventType::complaint_acknowledged, complaints[static_cast<size_t>(i)], "staff:anna",
                              nlohmann::json::object(), {}},
                             t0 + 2000 + i));
    });
    INFO("complaint.acknowledged: " << describe(steps));
    // The event, its complaint's index entry and the projection's row: the
    // reference's index and a status index are not rewritten.
    CHECK(steps.by_owner.count("sqlite_autoindex_complaints_2") == 0);
    CHECK(steps.by_owner.count("complaints_by_status") == 0);
    CHECK(steps.by_owner["complaints"] >= 40);
    CHECK(steps.per_commit() <= 3.5);
}

// [SECTION] Finding events by id

TEST_CASE("events are found by id before and after their ids move to the id table", "[store][wear]")
{
    TempDir dir;
    auto store = open_store(dir.path());
    std::vector<std::string> ids;
    const int taps = static_cast<int>(event_ids_tail_max) * 2 + 10;
    for (int i = 0; i < taps; ++i)
        ids.push_back(store.record(rating(i % 11), t0 + i)->id);
    auto through = store.database().query_int64("SELECT value FROM settings WHERE key = 'event_ids_through'");
    REQUIRE(through);
    CHECK(*through == 2 * event_ids_tail_max);
    CHECK(store.database().query_int64("SELECT count(*) FROM event_ids").value() == 2 * event_ids_tail_max);

    // A detailed rating finds its rating in the id table and among the newest.
    for (const std::string& id : {ids.front(), ids[static_cast<size_t>(event_ids_tail_max)], ids.back()}) {
        NewEvent detail{EventType::nps_detailed, id, "kiosk", {{"reason_ids", {"waiting_time"}}}, {}};
        INFO(id);
        CHECK(store.record(detail, t0 + taps));
    }
    NewEvent unknown{EventType::nps_detailed, make_uuid_v7(t0), "kiosk", {{"reason_ids", {"waiting_time"}}}, {}};
    CHECK(store.record(unknown, t0 + taps).error().kind == ErrorKind::not_found);

    // Head office's repeats are skipped wherever the id is: the id table, the
    // newest events, earlier in the same page.
    Event other;
    other.id = make_uuid_v7(t0);
    other.type = EventType::nps_rated;
    other.occurred_at_ms = t0;
    other.actor = "kiosk";
    other.device_id = make_uuid_v7(t0);
    other.device_seq = 1;
    other.payload = {{"score", 7}, {"survey_version", 1}, {"locale", "nl"}};
    REQUIRE(validate_event(other).empty());
    std::vector<Event> page{other, other};
    Event as_remote = other;
    for (const std::string& id : {ids.front(), ids.back()}) {
        as_remote.id = id;
        page.push_back(as_remote);
    }
    auto applied = store.apply_remote_events(page, "1", t0);
    REQUIRE(applied);
    CHECK(applied->inserted == 1);
    CHECK(applied->already_present == 3);
    CHECK(store.database().query_int64("SELECT count(*) FROM events").value() == taps + 3 + 1);
    CHECK(store.database().query_int64("SELECT count(DISTINCT id) FROM events").value() == taps + 3 + 1);
    CHECK(store.quick_check().value() == "ok");
}

// [SECTION] Migration 4

namespace {

// A store as version 3 of the program left it, written with version 3's own
// statements: seven events (ratings, a detailed rating, two complaints, one
// of them from another terminal), one batch answered (one event accepted,
// one rejected, one not answered), one frozen and unanswered, one event
// pending, contact details kept and one set erased, the feed cursor.
struct Version3Store {
    std::string device_id = "0192f4a8-0000-7000-8000-00000000da7a";
    std::string other_device = "0192f4a8-0000-7000-8000-00000000b0b0";
    std::vector<Event> events; // in position order, 1..7
    std::string complaint_local, complaint_remote, reference_local, reference_remote;
    std::string open_batch_id, open_batch_body = R"({"batch_id":"b2","events":[]})", open_batch_sha;

    void write(const std::filesystem::path& dir)
    {
        auto db = sqlite::Database::open(dir / database_file_name, sqlite::OpenMode::read_write_create);
        REQUIRE(db);
        REQUIRE(db->exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON"));
        REQUIRE(migrate(*db, 3));
        REQUIRE(db->query_int64("PRAGMA user_version").value() == 3);

        complaint_local = make_uuid_v7(t0);
        complaint_remote = make_uuid_v7(t0);
        reference_local = make_refcode("UTR", "2A", 0);
        reference_remote = make_refcode("UTR", "3B", 0);
        auto event = [&](EventType type, std::string subject, nlohmann::json payload, std::string device,
                         int64_t seq) {
            Event e;
            e.id = make_uuid_v7(t0 + seq);
            e.type = type;
            e.subject = std::move(subject);
            e.occurred_at_ms = t0 + seq;
            e.actor = type == EventType::nps_rated || type == EventType::nps_detailed ? "kiosk" : "staff:anna";
            e.device_id = std::move(device);
            e.device_seq = seq;
            e.payload = std::move(payload);
            INFO(describe(validate_event(e)));
            REQUIRE(validate_event(e).empty());
            events.push_back(std::move(e));
        };
        nlohmann::json score{{"score", 9}, {"survey_version", 1}, {"locale", "nl"}};
        nlohmann::json complaint{{"channel", "walk_in"}, {"category", "product"}, {"description", "Lekt."},
                                 {"customer_wish", "Nieuwe"}};
        event(EventType::nps_rated, "", score, device_id, 1);                                  // 1 accepted
        event(EventType::nps_rated, "", score, device_id, 2);                                  // 2 rejected
        nlohmann::json with_contact = complaint;
        with_contact["reference"] = reference_local;
        with_contact["contact"] = {{"consent", true}, {"phone", "+31 6 1234 5678"}};
        event(EventType::complaint_opened, complaint_local, with_contact, device_id, 3);         // 3 unanswered, resent
        event(EventType::nps_detailed, events[0].id, {{"reason_ids", {"waiting_time"}}}, device_id, 4); // 4 in b2
        nlohmann::json remote = complaint;
        remote["reference"] = reference_remote;
        event(EventType::complaint_opened, complaint_remote, remote, other_device, 1);          // 5 from head office
        event(EventType::complaint_acknowledged, complaint_local, nlohmann::json::object(), device_id, 5); // 6 in b2
        event(EventType::nps_rated, "", score, device_id, 6);                                  // 7 pending

        auto txn = sqlite::Transaction::begin(*db);
        REQUIRE(txn);
        auto insert = db->prepare("INSERT INTO events(id, v, type, subject, occurred_at, actor, device_id, device_seq, "
                                  "payload, recorded_at, origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
                                  "ON CONFLICT(id) DO NOTHING");
        REQUIRE(insert);
        for (size_t i = 0; i < events.size(); ++i) {
            const Event& e = events[i];
            nlohmann::json payload = e.payload;
            nlohmann::json personal = take_personal_fields(payload);
            insert->bind(1, e.id).bind(2, e.v).bind(3, to_string(e.type)).bind(5, e.occurred_at_ms).bind(6, e.actor);
            insert->bind(7, e.device_id).bind(8, e.device_seq).bind(9, payload.dump()).bind(10, t0 + 10);
            insert->bind(11, i == 4 ? "remote" : "local");
            if (e.subject.empty())
                insert->bind_null(4);
            else
                insert->bind(4, e.subject);
            REQUIRE(insert->run());
            REQUIRE(db->last_insert_rowid() == static_cast<int64_t>(i + 1));
            if (!personal.empty()) {
                auto keep = db->prepare("INSERT INTO personal_data(event_pos, fields) VALUES (?1, ?2)");
                REQUIRE(keep);
                REQUIRE(keep->bind(1, db->last_insert_rowid()).bind(2, personal.dump()).run());
            }
        }
        open_batch_id = make_uuid_v7(t0 + 300);
        open_batch_sha = std::string(64, 'a');
        auto exec = [&](const std::string& sql) {
            auto done = db->exec(sql);
            INFO(sql << (done ? "" : ": " + done.error().message));
            REQUIRE(done);
        };
        exec("INSERT INTO settings(key, value) VALUES ('device_id', '" + device_id + "'), ('store_code', 'UTR'), "
             "('terminal_code', '2A'), ('next_complaint_number', '1')");
        exec("INSERT INTO batches(id, created_at, event_count, body, body_sha256, acknowledged_at) VALUES "
             "('b1', " + std::to_string(t0 + 100) + ", 3, NULL, '" + std::string(64, 'b') + "', " +
             std::to_string(t0 + 200) + "), ('" + open_batch_id + "', " + std::to_string(t0 + 300) + ", 3, '" +
             open_batch_body + "', '" + open_batch_sha + "', NULL)");
        exec("INSERT INTO batch_events(event_pos, batch_id) VALUES (1, 'b1'), (2, 'b1'), (3, 'b1'), (3, '" +
             open_batch_id + "'), (4, '" + open_batch_id + "'), (6, '" + open_batch_id + "')");
        exec("INSERT INTO acknowledged(event_pos, batch_id, outcome, acknowledged_at) VALUES (1, 'b1', 'accepted', " +
             std::to_string(t0 + 200) + ")");
        exec("INSERT INTO quarantine(event_pos, batch_id, reason, quarantined_at) VALUES "
             "(2, 'b1', 'payload.score: out of range', " + std::to_string(t0 + 200) + ")");
        exec("UPDATE settings SET value = '2' WHERE key = 'outbox_settled_through'");
        exec("INSERT INTO erasures(event_pos, erased_at, fields) VALUES (5, " + std::to_string(t0 + 400) +
             ", '[\"contact\"]')");
        exec("INSERT INTO complaints(id, reference, status, channel, category, opened_at, acknowledged_at, "
             "solved_on_the_spot, last_event_at, skipped_events, contact_erased_at) VALUES "
             "('" + complaint_local + "', '" + reference_local + "', 'acknowledged', 'walk_in', 'product', " +
             std::to_string(t0 + 3) + ", " + std::to_string(t0 + 5) + ", 0, " + std::to_string(t0 + 5) +
             ", 0, NULL), ('" + complaint_remote + "', '" + reference_remote + "', 'open', 'walk_in', 'product', " +
             std::to_string(t0 + 1) + ", NULL, 0, " + std::to_string(t0 + 1) + ", 0, " +
             std::to_string(t0 + 400) + ")");
        exec("INSERT INTO sync_state(key, value) VALUES ('feed_cursor', '42'), ('config_etag', 'W/\"7\"')");
        REQUIRE(txn->commit());
    }
};

// Every row of the tables version 3 had, as text, for comparing before and after.
std::vector<std::string> dump(sqlite::Database& db)
{
    std::vector<std::string> rows;
    for (const char* sql : {
             "SELECT 'settings ' || quote(key) || quote(value) FROM settings "
             "WHERE key <> 'event_ids_through' ORDER BY key",
             "SELECT 'events ' || quote(pos) || quote(id) || quote(v) || quote(type) || quote(subject) || "
             "quote(occurred_at) || quote(actor) || quote(device_id) || quote(device_seq) || quote(payload) || "
             "quote(recorded_at) || quote(origin) FROM events ORDER BY pos",
             "SELECT 'personal ' || quote(event_pos) || quote(fields) FROM personal_data ORDER BY event_pos",
             "SELECT 'erasure ' || quote(event_pos) || quote(erased_at) || quote(fields) FROM erasures",
             "SELECT 'batch ' || quote(id) || quote(created_at) || quote(event_count) || quote(body) || "
             "quote(body_sha256) || quote(acknowledged_at) FROM batches ORDER BY id",
             "SELECT 'carries ' || quote(event_pos) || quote(batch_id) FROM batch_events ORDER BY 1",
             "SELECT 'ack ' || quote(event_pos) || quote(batch_id) || quote(outcome) || quote(acknowledged_at) "
             "FROM acknowledged ORDER BY event_pos",
             "SELECT 'quarantine ' || quote(event_pos) || quote(batch_id) || quote(reason) || quote(quarantined_at) "
             "FROM quarantine ORDER BY event_pos",
             "SELECT 'complaint ' || quote(id) || quote(reference) || quote(status) || quote(channel) || "
             "quote(category) || quote(opened_at) || quote(acknowledged_at) || quote(first_resolution_at) || "
             "quote(closed_at) || quote(close_outcome) || quote(satisfied) || quote(handling_score) || "
             "quote(solved_on_the_spot) || quote(time_to_resolution_ms) || quote(last_event_at) || "
             "quote(skipped_events) || quote(contact_erased_at) FROM complaints ORDER BY id",
             "SELECT 'sync ' || quote(key) || quote(value) FROM sync_state ORDER BY key",
             "SELECT 'outbox ' || quote(event_pos) || quote(event_id) || quote(batch_id) FROM outbox "
             "ORDER BY event_pos",
         }) {
        auto texts = db.query_texts(sql);
        INFO(sql << (texts ? "" : ": " + texts.error().message));
        REQUIRE(texts);
        rows.insert(rows.end(), texts->begin(), texts->end());
    }
    return rows;
}

std::vector<std::string> dump_file(const std::filesystem::path& dir)
{
    auto db = sqlite::Database::open(dir / database_file_name, sqlite::OpenMode::read_write);
    REQUIRE(db);
    return dump(*db);
}

} // namespace

TEST_CASE("migration 4 keeps every row of a version 3 store and its outbox syncs as before", "[store][migration]")
{
    TempDir dir;
    Version3Store old;
    old.write(dir.path());
    auto before = dump_file(dir.path());
    REQUIRE(before.size() > 20);

    auto store = open_store(dir.path());
    auto& db = store.database();
    CHECK(db.query_int64("PRAGMA user_version").value() == current_schema_version());
    CHECK(db.query_int64("PRAGMA foreign_keys").value() == 1); // on again after migrating
    CHECK(dump(db) == before);
    CHECK(store.device().device_id == old.device_id);
    CHECK(store.device().store_code == "UTR");
    // The id index is gone from the events table; every id is in event_ids.
    CHECK(db.query_int64("SELECT count(*) FROM sqlite_schema WHERE tbl_name = 'events' AND type = 'index' "
                         "AND name <> 'events_of_complaints'")
              .value() == 0);
    CHECK(db.query_int64("SELECT count(*) FROM event_ids i JOIN events e ON e.pos = i.pos AND e.id = i.id").value() ==
          7);
    CHECK(db.query_int64("SELECT value FROM settings WHERE key = 'event_ids_through'").value() == 7);
    CHECK(db.query_texts("PRAGMA foreign_key_check").value().empty());
    CHECK(store.quick_check().value() == "ok");

    auto status = store.status(t0 + 1000);
    REQUIRE(status);
    CHECK(status->events_total == 7);
    CHECK(status->unsent_backlog == 4); // 3, 4, 6 in the open batch; 7 pending
    CHECK(status->quarantined == 1);
    CHECK(status->open_complaints == 2);
    CHECK(*store.sync_state("feed_cursor") == std::optional<std::string>("42"));
    CHECK(store.contact_left(old.complaint_local)->phone);
    CHECK(store.find_complaint(old.reference_remote).value() == old.complaint_remote);

    // The frozen batch goes again byte for byte; its answer settles it as before.
    auto id_of = [&](size_t pos) { return old.events[pos - 1].id; };
    auto resent = store.freeze_batch(100, t0 + 2000);
    REQUIRE(resent);
    REQUIRE(resent->has_value());
    CHECK((*resent)->batch_id == old.open_batch_id);
    CHECK((*resent)->body == old.open_batch_body);
    CHECK((*resent)->body_sha256 == old.open_batch_sha);
    CHECK((*resent)->event_ids == std::vector<std::string>{id_of(3), id_of(4), id_of(6)});
    std::vector<EventAck> answer{{id_of(3), AckOutcome::accepted, ""},
                                 {id_of(4), AckOutcome::duplicate, ""},
                                 {id_of(4), AckOutcome::accepted, ""}, // named twice: counts once
                                 {id_of(1), AckOutcome::accepted, ""}, // settled before: not in this batch's answer
                                 {id_of(7), AckOutcome::accepted, ""}}; // not in this batch
    auto summary = store.acknowledge_batch(old.open_batch_id, answer, t0 + 2100);
    REQUIRE(summary);
    CHECK(summary->acknowledged == 2);
    CHECK(summary->quarantined == 0);
    CHECK(summary->returned_to_pending == 1);
    CHECK(db.query_int64("SELECT count(*) FROM acknowledged").value() == 3);

    // Then the unanswered and the pending event, oldest first, and nothing more.
    auto next = store.freeze_batch(100, t0 + 2200);
    REQUIRE(next);
    REQUIRE(next->has_value());
    CHECK((*next)->event_ids == std::vector<std::string>{id_of(6), id_of(7)});
    auto body = nlohmann::json::parse((*next)->body);
    CHECK(body.at("events").size() == 2);
    CHECK(body.at("events")[0].at("id") == id_of(6));
    std::vector<EventAck> all{{id_of(6), AckOutcome::accepted, ""}, {id_of(7), AckOutcome::accepted, ""}};
    REQUIRE(store.acknowledge_batch((*next)->batch_id, all, t0 + 2300));
    CHECK(store.outbox_size().value() == 0);
    CHECK_FALSE(store.freeze_batch(100, t0 + 2400)->has_value());

    // Head office's repeats of old events are skipped; a new one goes in.
    Event repeat = old.events[4];
    Event ours_echoed = old.events[0];
    Event fresh = old.events[4];
    fresh.id = make_uuid_v7(t0 + 3000);
    fresh.type = EventType::complaint_acknowledged;
    fresh.payload = nlohmann::json::object();
    fresh.device_seq = 2;
    std::vector<Event> page{repeat, ours_echoed, fresh};
    auto applied = store.apply_remote_events(page, "43", t0 + 3000);
    REQUIRE(applied);
    CHECK(applied->inserted == 1);
    CHECK(applied->already_present == 2);
    CHECK(store.complaint_state(old.complaint_remote)->status == ComplaintStatus::acknowledged);

    // Recording goes on where version 3 stopped.
    NewEvent detail{EventType::nps_detailed, id_of(2), "kiosk", {{"reason_ids", {"waiting_time"}}}, {}};
    auto detailed = store.record(detail, t0 + 4000);
    REQUIRE(detailed);
    CHECK(detailed->device_seq == 7);
    REQUIRE(store.record({EventType::complaint_resolved, old.complaint_local, "staff:anna",
                          {{"resolution", "refund"}, {"amount_cents", 500}, {"on_the_spot", true}}, {}},
                         t0 + 4100));
    CHECK(store.find_complaint(old.reference_local).value() == old.complaint_local);
    auto listed = store.open_complaints();
    REQUIRE(listed);
    REQUIRE(listed->size() == 2);
    CHECK((*listed)[1].reference == old.reference_local);
    CHECK((*listed)[1].status == ComplaintStatus::awaiting_response);
    CHECK(store.outbox_size().value() == 2);

    // Exports still carry the contact details kept apart.
    int with_contact = 0;
    REQUIRE(store.for_each_event([&](const Event& event) { with_contact += event.payload.contains("contact"); }));
    CHECK(with_contact == 1);
}

TEST_CASE("a version 3 store whose rows break a foreign key is refused and left as it was", "[store][migration]")
{
    TempDir dir;
    Version3Store old;
    old.write(dir.path());
    {
        auto db = sqlite::Database::open(dir.path() / database_file_name, sqlite::OpenMode::read_write);
        REQUIRE(db);
        REQUIRE(db->exec("PRAGMA foreign_keys = OFF; INSERT INTO batch_events(event_pos, batch_id) VALUES (99, 'b1')"));
    }
    auto before = dump_file(dir.path());
    auto refused = LocalStore::open(dir.path());
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::corrupt);
    CHECK_THAT(refused.error().message, Catch::Contains("version 4") && Catch::Contains("batch_events"));
    auto db = sqlite::Database::open(dir.path() / database_file_name, sqlite::OpenMode::read_write);
    REQUIRE(db);
    CHECK(db->query_int64("PRAGMA user_version").value() == 3);
    CHECK(dump(*db) == before);
}
