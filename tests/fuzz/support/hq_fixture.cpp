// The harnesses' head office (hq_fixture.h): its folder, its contact key, its
// published configuration, and the snapshot taken and put back with SQLite's backup API
// (which other open connections, such as the routes' pool, see at their next
// statement).
#include "support/hq_fixture.h"

#include "config/kiosk_config.h"
#include "hq/contact_keys.h"
#include "domain/clock.h"

#include <sqlite3.h>

#include <cstdlib>
#include <string>

namespace feedback::fuzz {

namespace {

sqlite3* open_database(const std::string& name)
{
    sqlite3* db = nullptr;
    if (sqlite3_open(name.c_str(), &db) != SQLITE_OK)
        setup_failed("opening " + name, Error{ErrorKind::io, db ? sqlite3_errmsg(db) : "out of memory"});
    return db;
}

void copy_database(sqlite3* from, sqlite3* to, std::string_view what)
{
    sqlite3_backup* backup = sqlite3_backup_init(to, "main", from, "main");
    if (!backup)
        setup_failed(what, Error{ErrorKind::internal, sqlite3_errmsg(to)});
    int stepped = sqlite3_backup_step(backup, -1);
    sqlite3_backup_finish(backup);
    if (stepped != SQLITE_DONE)
        setup_failed(what, Error{ErrorKind::internal, sqlite3_errstr(stepped)});
}

} // namespace

void setup_failed(std::string_view what, const Error& error)
{
    std::fprintf(stderr, "fuzz harness setup failed: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
                 error.message.c_str());
    std::abort();
}

HqFixture::HqFixture()
{
    std::string pattern = (std::filesystem::temp_directory_path() / "feedback-fuzz-hq-XXXXXX").string();
    if (!mkdtemp(pattern.data()))
        setup_failed("making a temporary folder", Error{ErrorKind::io, pattern});
    m_root = pattern;
    m_dir = m_root / "hq";
    std::filesystem::create_directory(m_dir);
    // As `feedback-hq init` does: hq.json, hq.db, and a contact key outside
    // the data folder, named in hq.json and recorded in hq.db.
    must(hq::save_settings(m_dir, hq::HqSettings{}), "writing hq.json");
    m_store.emplace(must(hq::HqStore::open(m_dir, hq::HqStore::Intent::create), "opening hq.db"));
    auto key = must(hq::make_contact_key(m_dir, m_root / "keys", now_utc_ms()), "making a contact key");
    must(m_store->add_contact_key(key, now_utc_ms()), "recording the contact key");
    settings = must(hq::load_settings(m_dir), "reading hq.json");
    settings.limits.rate_per_second = 1e9;
    settings.limits.rate_burst = 1e9;
    settings.status_lookups_per_minute = 1'000'000'000;
    auto document = must(config::read_json_file(FEEDBACK_SOURCE_DIR "/assets/config/default.json", "config file"),
                         "reading the default configuration");
    must(m_store->publish_config(fixture_store, document, now_utc_ms()), "publishing the configuration");
}

HqFixture::~HqFixture()
{
    sqlite3_close(m_snapshot);
    m_store.reset();
    std::error_code ignored;
    std::filesystem::remove_all(m_root, ignored);
}

void HqFixture::snapshot()
{
    if (!m_snapshot)
        m_snapshot = open_database(":memory:");
    copy_database(sql::sqlite_database(m_store->connection())->handle(), m_snapshot, "taking a snapshot of hq.db");
}

void HqFixture::restore()
{
    copy_database(m_snapshot, sql::sqlite_database(m_store->connection())->handle(), "restoring hq.db");
}

} // namespace feedback::fuzz
