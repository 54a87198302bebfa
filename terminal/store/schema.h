// The local store's schema as an ordered list of migrations; the database's
// PRAGMA user_version is the number of migrations already applied.
#pragma once

#include "sqlite/database.h"

namespace feedback::store {

int schema_version_count();

// Applies the missing migrations in one transaction each. A database written
// by a newer program (user_version above what we know) is refused, not
// touched.
Result<void> migrate(sqlite::Database& db);
// The same up to `target_version` only: the tests make stores as older
// programs left them with it.
Result<void> migrate(sqlite::Database& db, int target_version);

} // namespace feedback::store
