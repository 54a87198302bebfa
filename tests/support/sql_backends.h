// Fresh, empty databases of either backend (shared/sql/connection.h) for
// tests that must pass the same on SQLite and on PostgreSQL: a new SQLite
// file in a temporary folder, or a new database in this process's private
// PostgreSQL cluster (postgres_cluster.h, started on first use).
#pragma once

#include "sql/connection.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <memory>
#include <string>

namespace feedback::testing {

class PostgresCluster;

// Runs the calling test case once per backend (Catch2 GENERATE).
inline sql::Backend each_backend() { return GENERATE(sql::Backend::sqlite, sql::Backend::postgresql); }

// For benchmarks: the process's cluster runs with fsync on, as a production
// server does (tests run it with fsync off). Call before its first use.
void make_cluster_durable();

class SqlBackends {
public:
    SqlBackends();
    ~SqlBackends();
    SqlBackends(const SqlBackends&) = delete;
    SqlBackends& operator=(const SqlBackends&) = delete;

    // Where a new, empty database is: an SQLite file's path, or a
    // postgresql:// URL. Each call gives another database.
    std::string new_database(sql::Backend backend);
    // A connection to a database new_database() gave.
    std::unique_ptr<sql::Connection> connect(sql::Backend backend, const std::string& where);
    // Both at once: a connection to a new, empty database.
    std::unique_ptr<sql::Connection> fresh(sql::Backend backend) { return connect(backend, new_database(backend)); }

    // This process's cluster (made on first use); tests restart it.
    PostgresCluster& cluster();

private:
    TempDir m_dir;
};

} // namespace feedback::testing
