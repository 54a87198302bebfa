// Head office's storage (hq_store.h): opening either backend, reading
// events (export, the store feed, a complaint's events) and configuration
// documents. The other parts of HqStore are in hq_store_devices.cpp
// (enrolment, devices, screenshots), hq_store_ingest.cpp (storing checked
// batches), hq_store_hq_events.cpp (events head office makes, complaints it
// registers) and hq_store_personal.cpp (sealed contacts, erasure,
// retention). The schema is in hq_schema.cpp.
#include "hq_store.h"

#include "hq_schema.h"
#include "hq_settings.h"

#include "domain/refcode.h"
#include "files/private_files.h"

namespace feedback::hq {

namespace {

using sql::Statement;
using sql::Transaction;

} // namespace

// [SECTION] Opening

Result<HqStore> HqStore::open(const std::filesystem::path& dir, Intent intent, int busy_timeout_ms)
{
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        return Error{ErrorKind::not_found, "the folder " + dir.string() + " does not exist"};
    // A folder made by an older version (0755, files 0644) is private from now on.
    FEEDBACK_TRY(files::tighten_private_directory(dir));
    // hq.json may name a PostgreSQL database; without one (or without
    // hq.json, before init has written it) the data is in DIR/hq.db.
    if (auto settings = load_settings(dir); settings && !settings->database.empty()) {
        auto db = sql::open_postgresql(settings->database);
        if (!db)
            return Error{db.error().kind, "head office's database (hq.json \"database\"): " + db.error().message};
        FEEDBACK_TRY(migrate_schema(**db));
        return HqStore(std::move(*db), dir);
    } else if (!settings && settings.error().kind != ErrorKind::not_found) {
        return settings.error();
    }
    auto file = dir / database_file_name;
    if (intent == Intent::existing_only && !std::filesystem::exists(file, ec))
        return Error{ErrorKind::not_found,
                     "there is no head-office database in " + dir.string() + " (run feedback-hq init first)"};
    auto db = sqlite::Database::open(file, sqlite::OpenMode::read_write_create);
    FEEDBACK_TRY(db);
    // WAL + FULL: an acknowledged batch is on disk before the answer leaves.
    // secure_delete: what an erasure or retention rewrites is overwritten, not left in free space.
    FEEDBACK_TRY(db->exec("PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms) +
                          "; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
                          " PRAGMA secure_delete = ON;"));
    auto connection = sql::over_sqlite(std::move(*db));
    FEEDBACK_TRY(migrate_schema(*connection));
    return HqStore(std::move(connection), dir);
}

Result<void> HqStore::check_reachable()
{
    auto answered = m_db->query_int64("SELECT 1");
    FEEDBACK_TRY(answered);
    return {};
}

// [SECTION] Reading

Result<void> HqStore::for_each_event(std::optional<int64_t> since_ms,
                                     const std::function<void(const std::string&)>& visit)
{
    auto stmt = m_db->prepare("SELECT body FROM events WHERE received_at >= ?1 ORDER BY seq");
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

Result<int64_t> HqStore::event_count() { return m_db->query_int64("SELECT count(*) FROM events"); }

Result<FeedPage> HqStore::feed(const Device& device, int64_t after, int64_t limit)
{
    auto stmt = m_db->cached("SELECT seq, body FROM events WHERE store_code = ?1 AND device_id <> ?2 AND seq > ?3 "
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
    auto stmt = m_db->prepare("SELECT body FROM events WHERE subject = ?1");
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
    auto stmt = m_db->prepare("SELECT body, store_code, received_at, seq FROM events WHERE subject = ?1 OR id = ?1 "
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

// [SECTION] Configuration documents

Result<ConfigDocument> HqStore::publish_config(std::string_view scope, const nlohmann::json& document, int64_t now_ms)
{
    if (scope != "default" && !is_refcode_segment(scope, refcode_store_length, refcode_store_length))
        return Error{ErrorKind::invalid_input, "a configuration's scope is a store code or \"default\""};
    if (!document.is_object())
        return Error{ErrorKind::invalid_input, "a configuration document must be a JSON object"};
    auto txn = Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    auto last = m_db->prepare("SELECT coalesce(max(version), 0) FROM configs WHERE scope = ?1");
    FEEDBACK_TRY(last);
    FEEDBACK_TRY(last->bind(1, scope).step());
    ConfigDocument out{std::string(scope), last->column_int64(0) + 1, document};
    last->reset();
    auto insert = m_db->prepare("INSERT INTO configs(scope, version, document, published_at) VALUES (?1, ?2, ?3, ?4)");
    FEEDBACK_TRY(insert);
    FEEDBACK_TRY(insert->bind(1, scope).bind(2, out.version).bind(3, document.dump()).bind(4, now_ms).run());
    FEEDBACK_TRY(txn->commit());
    return out;
}

Result<std::optional<ConfigDocument>> HqStore::config_for(std::string_view store_code)
{
    auto stmt = m_db->cached("SELECT scope, version, document FROM configs WHERE scope IN (?1, 'default') "
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

} // namespace feedback::hq
