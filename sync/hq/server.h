// The head-office HTTPS server (cpp-httplib over OpenSSL, TLS 1.2 or newer):
// the routes of PROTOCOL.md over a pool of HqStore connections, one log line
// per request (method, path, status, sizes, time; never personal data).
//
//   create() --> bind() --> run() ... (serving) ... stop() from any thread --> run() returns
//
// Ingest, enrolment and other writes take turns on SQLite (writer_turns.h),
// so concurrent uploads queue in memory instead of spinning on SQLite's lock.
// Uploads are checked on their request threads in parallel and stored by one
// writer thread, which stores the batches waiting together in one
// transaction (group commit) and answers each only after that commit.
// Requests are rate limited per device (PROTOCOL.md 6) and enrolment
// attempts per client address (PROTOCOL.md 2): 429 with Retry-After.
#pragma once

#include "hq_settings.h"
#include "hq_store.h"
#include "writer_turns.h"

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

namespace httplib {
class Server;
}

namespace feedback::hq {

// Routes another module mounts next to the protocol's on the same HTTPS
// server (the web dashboard, sync/hq/web/dashboard.h), given the turns
// of the process's writers (writer_turns.h) and the server's own settings, which
// live as long as the routes; their public_url is filled in by bind() (the
// default needs the port), before any request. Called once, from create().
using ExtraRoutes =
    std::function<Result<void>(httplib::Server& http, WriterTurns& writer_turns, const HqSettings& settings)>;

class HqServer {
public:
    // Loads the certificate and key from DIR/tls and opens the database.
    static Result<std::unique_ptr<HqServer>> create(const std::filesystem::path& dir, const HqSettings& settings,
                                                    std::ostream& log, const ExtraRoutes& extra_routes = {});
    ~HqServer();
    HqServer(const HqServer&) = delete;
    HqServer& operator=(const HqServer&) = delete;

    // Binds the listening socket; returns the port (useful with port 0).
    // An empty public_url in the settings becomes https://<hostname>:<port>.
    Result<int> bind(const ListenAddress& address);
    // Serves until stop(); requests in flight are finished first.
    Result<void> run();
    // Safe from any thread (a signal-waiting thread, a test).
    void stop();
    // Reads the certificate and key again (SIGHUP: a renewed certificate);
    // new connections get it, open ones keep theirs. On an error the one in
    // use stays. Safe from any thread.
    Result<void> reload_certificate();
    // How many POST /v1/enrol one client address may make: `burst` at once,
    // then `per_second` on average (default: 10, then one every 6 s). For
    // tools that enrol many terminals from one address (the benchmark).
    void set_enrol_rate_limit(double per_second, double burst);

private:
    struct Impl;
    explicit HqServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace feedback::hq
