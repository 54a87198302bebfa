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
