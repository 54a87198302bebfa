// Head office's database schema on both backends and its migrations (hq_schema.cpp).
#pragma once

#include "domain/result.h"
#include "sql/connection.h"

#include <cstdint>

namespace feedback::hq {

// The schema version (PRAGMA user_version) this program migrates hq.db to.
int64_t schema_version();

// Brings `db` (either backend) to schema_version(), one transaction per
// migration. A database newer than this program is a conflict, and is left
// alone.
Result<void> migrate_schema(sql::Connection& db);

} // namespace feedback::hq
