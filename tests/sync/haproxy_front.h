// Debian's haproxy in the foreground in front of two head-office processes,
// running the documented configuration (platform/reverse-proxy/
// haproxy-feedback-hq.cfg) on a free loopback port: the layout of a head
// office on PostgreSQL with more than one process (test_hq_cluster.cpp,
// bench_fleet).
#pragma once

#include "support/child_process.h"
#include "sync/sync_support.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace feedback::testing {

class HaproxyFront {
public:
    // Starts haproxy with its files in `dir` and waits until it answers
    // GET /v1/health through both processes' health checks.
    HaproxyFront(const std::filesystem::path& dir, const HqProcess& first, const HqProcess& second);
    ~HaproxyFront(); // SIGTERM: stops at once
    HaproxyFront(const HaproxyFront&) = delete;
    HaproxyFront& operator=(const HaproxyFront&) = delete;

    int port() const { return m_port; }
    std::string url() const { return "https://127.0.0.1:" + std::to_string(m_port); }

private:
    std::filesystem::path m_dir;
    int m_port;
    std::unique_ptr<ChildProcess> m_process;
};

} // namespace feedback::testing
