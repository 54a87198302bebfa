// `feedback-hq migrate`: moves a head office from DIR/hq.db (SQLite) into an
// empty PostgreSQL database in one transaction, proves the copy (rows and a
// SHA-256 of every table on both sides), and only then points DIR at it.
//
//   DIR on SQLite --checks--> hq.lock taken (no serve) --> PostgreSQL schema (migrate_schema)
//     --> BEGIN on PostgreSQL, one read snapshot of hq.db
//     --> target holds data? --yes--> REFUSED (nothing copied)
//     --> every table but the read model, parents first --> identity sequences past the copied keys
//     --> counts and digests equal on both sides? --no--> ROLLBACK: REFUSED, hq.json untouched
//     --> COMMIT --> hq.json "database" = URL --> DIR on PostgreSQL
//
// hq.db is only read (opened read-only) and stays where it is, no longer used
// once hq.json names the database. The dashboard's read model (dashboard_*)
// is left out: the projector rebuilds it from the events.
#pragma once

#include "domain/result.h"
#include "sql/connection.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace feedback::hq {

struct MigrationOptions {
    std::filesystem::path dir;
    std::string target_url; // postgresql://...; its password is never put in a message
    // Tests only: runs on the target inside the copy's transaction, after the
    // copy and before the check (to make the two sides differ).
    std::function<Result<void>(sql::Connection& target)> before_check;
};

// One table as copied and checked. A digest is the SHA-256 (hex) of every
// row in primary-key order (text keys in byte order), each value written as
// its type's text (numbers in decimal, bytes as they are) with its length,
// so both backends give the same digest for the same rows.
struct TableCopy {
    std::string name;
    int64_t source_rows = 0; // SELECT count(*) in hq.db's snapshot
    int64_t target_rows = 0; // in PostgreSQL after the copy
    std::string source_sha256;
    std::string target_sha256;
    bool same() const { return source_rows == target_rows && source_sha256 == target_sha256; }
};

struct MigrationReport {
    std::filesystem::path source; // DIR/hq.db, left as it was
    std::string target;           // the URL without its password
    std::vector<TableCopy> tables;  // in the order they were copied (a table after those it references)
    std::vector<std::string> left_out; // the read model's tables, rebuilt from the events
    // SHA-256 (hex) of every event id followed by "\n", in seq order: the same
    // as `SELECT id FROM events ORDER BY seq` piped into sha256sum, on either side.
    std::string source_event_ids_sha256;
    std::string target_event_ids_sha256;
    std::vector<std::string> sequences; // "events.seq" for each identity column moved past its copied keys
    int64_t rows = 0;                   // copied, all tables
    double copy_seconds = 0;            // reading hq.db and inserting
    double check_seconds = 0;           // counting and hashing both sides
    // true: committed, and hq.json names the database. false: the sides
    // differed (see tables); rolled back, and hq.json is as it was.
    bool verified = false;
};

// Errors (each leaves hq.db and hq.json as they were): invalid_input for a
// URL that is not postgresql://; not_found without DIR or DIR/hq.db;
// conflict when hq.json names a database already, when hq.db's schema is not
// this program's, when serve holds DIR, or when the target holds any
// head-office data; io and others when PostgreSQL cannot be reached or
// refuses a row (the copy is rolled back; the empty tables stay).
Result<MigrationReport> migrate_to_postgresql(const MigrationOptions& options);

} // namespace feedback::hq
