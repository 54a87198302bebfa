// Head office on either backend for its storage tests (sql::Connection):
// its data in DIR/hq.db, or in a new database of this process's private
// PostgreSQL cluster that DIR/hq.json names (support/sql_backends.h). A test
// executable that includes this compiles support/sql_backends.cpp and
// support/postgres_cluster.cpp and links feedback_sql; each_backend() is in
// support/sql_backends.h.
#pragma once

#include "config/kiosk_config.h"
#include "hq/hq_settings.h"
#include "hq/hq_store.h"
#include "support/sql_backends.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

namespace feedback::testing {

// The chain's default configuration (assets/config/default.json), which
// the storage tests publish for their stores.
inline nlohmann::json default_config_document()
{
    auto document = config::read_json_file(FEEDBACK_SOURCE_DIR "/assets/config/default.json", "config file");
    REQUIRE(document);
    return *document;
}

// What schema migrations 19 to 16 added, taken away again (either
// backend), for tests that open a database as an older version left it.
inline constexpr const char* undo_migration_19 =
    "DROP INDEX dashboard_ratings_call_backs; CREATE INDEX dashboard_ratings_call_backs ON "
    "dashboard_ratings(occurred_local) WHERE contact_given = 1 AND score <= 6 AND misuse = 0; ";
inline constexpr const char* undo_migration_18 = "DROP TABLE dashboard_stores; ";
inline constexpr const char* undo_migration_17 =
    "DROP TABLE dashboard_nps_chain_weeks; DROP TABLE dashboard_complaint_chain_weeks; ";
inline constexpr const char* undo_migration_16 =
    "DROP TABLE dashboard_repeat_weeks; DROP TABLE dashboard_working_time_weeks; "
    "DROP INDEX dashboard_complaints_repeats; ALTER TABLE dashboard_complaints DROP COLUMN customer_before_id; "
    "ALTER TABLE dashboard_complaints DROP COLUMN customer_gap_ms; "
    "ALTER TABLE dashboard_complaints DROP COLUMN product_before_id; "
    "ALTER TABLE dashboard_complaints DROP COLUMN product_gap_ms; ";

// Sets the schema version `db` reports (PRAGMA user_version on SQLite, the
// schema_version table on PostgreSQL), so that opening it migrates from there.
inline void set_schema_version(sql::Connection& db, int version)
{
    REQUIRE(db.exec(db.backend() == sql::Backend::sqlite
                        ? "PRAGMA user_version = " + std::to_string(version)
                        : "DELETE FROM schema_version; INSERT INTO schema_version(version) VALUES (" +
                              std::to_string(version) + ")"));
}

// A new head office in `dir` (which must outlive it) on `backend`.
inline hq::HqStore open_hq(const TempDir& dir, sql::Backend backend)
{
    INFO(sql::to_string(backend));
    if (backend == sql::Backend::postgresql) {
        SqlBackends databases;
        hq::HqSettings settings;
        settings.database = databases.new_database(backend);
        REQUIRE(hq::save_settings(dir.path(), settings));
    }
    auto store = hq::HqStore::open(dir.path(), hq::HqStore::Intent::create);
    INFO((store ? "" : store.error().message));
    REQUIRE(store);
    REQUIRE(store->connection().backend() == backend);
    return std::move(*store);
}

} // namespace feedback::testing
