// haproxy for the tests and the fleet benchmark (haproxy_front.h).
#include "sync/haproxy_front.h"

#include <signal.h>

#include <fstream>
#include <regex>
#include <stdexcept>
#include <thread>

namespace feedback::testing {

namespace {

// How often a process's log shows haproxy's health check, answered 200.
int health_checks_answered(const HqProcess& hq) { return count_of(hq.log(), "GET /v1/health 200"); }

} // namespace

HaproxyFront::HaproxyFront(const std::filesystem::path& dir, const HqProcess& first, const HqProcess& second)
    : m_dir(dir), m_port(free_port())
{
    std::filesystem::create_directories(dir);
    // haproxy takes the certificate and its key in one file.
    std::ofstream(dir / "front.pem") << read_text(first.dir() / "tls" / "server.pem")
                                     << read_text(first.dir() / "tls" / "server.key");
    std::string config = filled(read_text(std::filesystem::path(FEEDBACK_SOURCE_DIR) / "platform" / "reverse-proxy" /
                                          "haproxy-feedback-hq.cfg"),
                                {{"LISTEN", "127.0.0.1:" + std::to_string(m_port)},
                                 {"CERTIFICATE", (dir / "front.pem").string()},
                                 {"HQ_CA", first.ca_file().string()},
                                 {"HQ1", "127.0.0.1:" + std::to_string(first.port())},
                                 {"HQ2", "127.0.0.1:" + std::to_string(second.port())}});
    if (std::regex_search(config, std::regex("@(LISTEN|CERTIFICATE|HQ_CA|HQ[0-9]+)@")))
        throw std::runtime_error("haproxy-feedback-hq.cfg names something the test does not fill in");
    std::ofstream(dir / "haproxy.cfg") << config;
    // Through a shell so its messages go to a file, not a pipe nobody reads.
    m_process = std::make_unique<ChildProcess>(std::vector<std::string>{
        "/bin/sh", "-c",
        "exec /usr/sbin/haproxy -db -f '" + (dir / "haproxy.cfg").string() + "' >'" + (dir / "haproxy.log").string() +
            "' 2>&1"});
    const int before_first = health_checks_answered(first);
    const int before_second = health_checks_answered(second);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        // Two good checks each ("rise 2"): both processes are in.
        if (health_checks_answered(first) >= before_first + 2 && health_checks_answered(second) >= before_second + 2)
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("haproxy did not take both processes in: " + read_text(dir / "haproxy.log"));
}

HaproxyFront::~HaproxyFront()
{
    ::kill(m_process->pid(), SIGTERM);
    m_process->wait();
}

} // namespace feedback::testing
