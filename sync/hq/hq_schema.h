// Head office's database schema on both backends and its migrations (hq_schema.cpp).
#pragma once

#include "domain/result.h"
#include "sql/connection.h"

#include <array>
#include <cstdint>

namespace feedback::hq {

// The schema version (PRAGMA user_version) this program migrates hq.db to.
int64_t schema_version();

// Brings `db` (either backend) to schema_version(), one transaction per
// migration. A database newer than this program is a conflict, and is left
// alone.
Result<void> migrate_schema(sql::Connection& db);

// The PostgreSQL advisory locks head office's processes take on one
// database, one number each (the first bytes spell "tac"):
namespace advisory_lock {
inline constexpr int64_t schema_migration = 7461636801; // migrate_schema(): one process migrates
inline constexpr int64_t event_order = 7461636802;      // HqStore: one transaction at a time inserts events
inline constexpr int64_t projector = 7461636803;        // dashboard/projector_worker.h: one projector
inline constexpr int64_t retention = 7461636804;        // HqStore::apply_retention(): one retention run
inline constexpr int64_t alert_scan = 7461636805;       // mail/alerts.h scan_alerts(): one scan
} // namespace advisory_lock

// The dashboard's read model (dashboard/projector.h): derived from the
// events, never copied or edited by hand; emptied with dashboard_cursor at
// 0, the projector builds it again.
inline constexpr std::array dashboard_read_model_tables{
    "dashboard_cursor",    "dashboard_ratings",    "dashboard_rating_reasons",  "dashboard_nps_days",
    "dashboard_nps_weeks", "dashboard_complaints", "dashboard_complaint_weeks", "dashboard_complaint_week_keys",
    "dashboard_actions",   "dashboard_comment_search", "dashboard_repeat_weeks", "dashboard_working_time_weeks",
    "dashboard_nps_chain_weeks", "dashboard_complaint_chain_weeks", "dashboard_stores"};

} // namespace feedback::hq
