// A private PostgreSQL 15 cluster for tests: made in a temp folder, reached
// only through a Unix socket in that folder (no TCP), stopped and removed at
// the end; or, for a benchmark whose data outlives the run, kept in a folder
// it names. See shared/docs/platform-notes.md, "PostgreSQL 15 in tests".
#pragma once

#include "support/child_process.h"
#include "support/temp_dir.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace feedback::testing {

// Lifecycle (each step waits until it is done; about 2 s to start):
//
//   constructor: initdb, start, createdb feedback -> running
//   running --stop()--> stopped --start()--> running
//   running --restart()--> running (a new server: every session is cut)
//   destructor: stop if running, remove the folder (a kept one stays)
//
// As root the server runs as the `postgres` user (PostgreSQL refuses root),
// which owns the folder; as anyone else it runs as that user. Failures throw
// std::runtime_error with the tool's output and the server's log.
class PostgresCluster {
public:
    // Where Debian's postgresql-15 puts initdb, pg_ctl and createdb.
    static constexpr const char* bin_dir = "/usr/lib/postgresql/15/bin";

    // test_speed: fsync off (a test cluster has nothing to keep after a
    // crash); durable: fsync on, as a production server is, for benchmarks
    // that compare it with SQLite's synchronous=FULL.
    enum class Durability { test_speed, durable };

    explicit PostgresCluster(Durability durability = Durability::test_speed);
    // Kept in `folder`: made there (with the database feedback) when it holds
    // no cluster yet, started again on the same socket when it does (or
    // taken as it is when an earlier run left it running); the destructor
    // stops it and leaves the folder.
    PostgresCluster(const std::filesystem::path& folder, Durability durability);
    ~PostgresCluster();
    PostgresCluster(const PostgresCluster&) = delete;
    PostgresCluster& operator=(const PostgresCluster&) = delete;

    // postgresql://postgres@/feedback?host=DIR&port=PORT (trust: no password).
    std::string url() const;
    const std::filesystem::path& folder() const { return m_folder; }
    int port() const { return m_port; }

    void start();
    void stop(); // pg_ctl -m fast: sessions are cut, nothing committed is lost
    void restart();

private:
    // Runs a PostgreSQL tool as the user the server runs as; throws when it fails.
    void run_tool(const std::string& tool, std::vector<std::string> args, const std::string& what) const;
    bool tool_succeeds(const std::string& tool, std::vector<std::string> args) const;
    Finished run_as_server_user(const std::string& tool, std::vector<std::string> args) const;
    std::filesystem::path data_dir() const { return m_folder / "data"; }
    std::filesystem::path port_file() const { return m_folder / "port"; }
    // initdb in the folder, start, createdb feedback.
    void make();

    std::optional<TempDir> m_temp; // the folder, unless kept
    std::filesystem::path m_folder;
    Durability m_durability;
    int m_port = 0; // names the socket, DIR/.s.PGSQL.PORT
    bool m_running = false;
};

} // namespace feedback::testing
