// Fresh databases of either backend for tests (sql_backends.h).
#include "support/sql_backends.h"

#include "support/postgres_cluster.h"

#include <atomic>
#include <stdexcept>

namespace feedback::testing {

namespace {

// One cluster for the whole process: making and starting one takes about
// 2 s, and each test gets a database of its own in it anyway.
std::atomic<bool> durable_cluster{false};

PostgresCluster& shared_cluster()
{
    static PostgresCluster cluster(durable_cluster ? PostgresCluster::Durability::durable
                                                   : PostgresCluster::Durability::test_speed);
    return cluster;
}

// Names databases apart across every SqlBackends of the process.
std::atomic<int> databases_made{0};

template <class T>
T must(Result<T> result, const std::string& what)
{
    if (!result)
        throw std::runtime_error(what + ": " + result.error().message);
    return std::move(*result);
}

void must(Result<void> result, const std::string& what)
{
    if (!result)
        throw std::runtime_error(what + ": " + result.error().message);
}

} // namespace

SqlBackends::SqlBackends() = default;
SqlBackends::~SqlBackends() = default;

PostgresCluster& SqlBackends::cluster() { return shared_cluster(); }

void make_cluster_durable() { durable_cluster = true; }

std::string SqlBackends::new_database(sql::Backend backend)
{
    const std::string database = "test_" + std::to_string(++databases_made);
    if (backend == sql::Backend::sqlite)
        return (m_dir.path() / (database + ".db")).string();
    auto admin = must(sql::open_postgresql(cluster().url()), "connecting to the test cluster");
    must(admin->exec("CREATE DATABASE " + database), "making database " + database);
    return "postgresql://postgres@/" + database + "?host=" + cluster().folder().string() +
           "&port=" + std::to_string(cluster().port());
}

std::unique_ptr<sql::Connection> SqlBackends::connect(sql::Backend backend, const std::string& where)
{
    if (backend == sql::Backend::postgresql)
        return must(sql::open_postgresql(where), "connecting to " + where);
    auto database = must(sqlite::Database::open(where, sqlite::OpenMode::read_write_create), "opening " + where);
    must(database.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000"), "setting up " + where);
    return sql::over_sqlite(std::move(database));
}

} // namespace feedback::testing
