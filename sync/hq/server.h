// The head-office HTTPS server (cpp-httplib over OpenSSL, TLS 1.2 or newer):
// the routes of PROTOCOL.md over a pool of HqStore connections, one log line
// per request (method, path, status, sizes, time; never personal data).
//
//   create() --> bind() --> run() ... (serving) ... stop() from any thread --> run() returns
//
// Ingest, enrolment and other writes take turns on one in-process mutex, so
// concurrent uploads queue in memory instead of spinning on SQLite's lock.
#pragma once

#include "hq_settings.h"
#include "hq_store.h"

#include <filesystem>
#include <memory>
#include <ostream>
#include <string>

namespace feedback::hq {

class HqServer {
public:
    // Loads the certificate and key from DIR/tls and opens the database.
    static Result<std::unique_ptr<HqServer>> create(const std::filesystem::path& dir, const HqSettings& settings,
                                                    std::ostream& log);
    ~HqServer();
    HqServer(const HqServer&) = delete;
    HqServer& operator=(const HqServer&) = delete;

    // Binds the listening socket; returns the port (useful with port 0).
    Result<int> bind(const ListenAddress& address);
    // Serves until stop(); requests in flight are finished first.
    Result<void> run();
    // Safe from any thread (a signal-waiting thread, a test).
    void stop();

private:
    struct Impl;
    explicit HqServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace feedback::hq
