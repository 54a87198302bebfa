// The production layout with a reverse proxy (platform/reverse-proxy/): a
// real nginx, started by the test on loopback with the documented server
// block, in front of the real feedback-hq. Head office must see each
// client's own address (log, enrolment rate limit), never the one a client
// makes up, and a terminal must sync through it as it does directly.
#include "support/temp_dir.h"
#include "support/tls_socket.h"
#include "sync/sync_support.h"

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <thread>

using namespace feedback::testing;
using namespace std::chrono_literals;

namespace {

// nginx in the foreground with a prefix of its own, running the documented
// server block; stopped (SIGQUIT, a graceful stop) when it goes out of scope.
class NginxProcess {
public:
    NginxProcess(const std::filesystem::path& dir, const HqProcess& hq) : m_dir(dir), m_port(free_port())
    {
        std::filesystem::create_directories(dir / "logs");
        std::string site = filled(read_text(std::filesystem::path(FEEDBACK_SOURCE_DIR) / "platform" /
                                            "reverse-proxy" / "nginx-feedback-hq.conf"),
                                  {{"LISTEN", "127.0.0.1:" + std::to_string(m_port)},
                                   {"CERTIFICATE", (hq.dir() / "tls" / "server.pem").string()},
                                   {"KEY", (hq.dir() / "tls" / "server.key").string()},
                                   {"HQ", "127.0.0.1:" + std::to_string(hq.port())},
                                   {"HQ_CA", hq.ca_file().string()},
                                   {"HQ_NAME", "127.0.0.1"}});
        REQUIRE_FALSE(std::regex_search(site, std::regex("@(LISTEN|CERTIFICATE|KEY|HQ|HQ_CA|HQ_NAME)@")));
        std::ofstream(dir / "site.conf") << site;
        // Workers as root when the test is root: they read nothing but what
        // the master opened, and write only below the prefix.
        std::ofstream(dir / "nginx.conf") << (geteuid() == 0 ? "user root;\n" : "")
                                          << "worker_processes 1;\ndaemon off;\npid " << (dir / "nginx.pid").string()
                                          << ";\nerror_log " << (dir / "logs" / "error.log").string()
                                          << " warn;\nevents { worker_connections 256; }\nhttp {\n  access_log off;\n"
                                          << "  include " << (dir / "site.conf").string() << ";\n}\n";
        m_process = std::make_unique<ChildProcess>(std::vector<std::string>{
            "/usr/sbin/nginx", "-p", dir.string(), "-c", (dir / "nginx.conf").string(), "-e",
            (dir / "logs" / "error.log").string()});
        auto deadline = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < deadline) {
            if (auto socket = TlsSocket::connect(m_port))
                return;
            std::this_thread::sleep_for(50ms);
        }
        FAIL("nginx did not start: " << read_text(dir / "logs" / "error.log"));
    }
    ~NginxProcess()
    {
        ::kill(m_process->pid(), SIGQUIT);
        m_process->wait();
    }
    int port() const { return m_port; }
    std::string url() const { return "https://127.0.0.1:" + std::to_string(m_port); }

private:
    std::filesystem::path m_dir;
    int m_port;
    std::unique_ptr<ChildProcess> m_process;
};

RawAnswer post_enrol(int port, const HqProcess& hq, const std::string& source, const std::string& extra_headers = {})
{
    auto socket = TlsSocket::connect(port, source);
    REQUIRE(socket);
    REQUIRE(socket->handshake(hq.ca_file()));
    std::string body = R"({"code":"WRONG-CODE","device_id":"0190a3b4-0000-7000-8000-000000000001"})";
    socket->send("POST /v1/enrol HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + extra_headers +
                 "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    auto answer = socket->read_answer(5s);
    REQUIRE(answer);
    return *answer;
}

} // namespace

TEST_CASE("behind nginx, head office sees each client's own address and a terminal syncs as it does directly",
          "[hq][proxy]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq", {{"connections", {{"trusted_proxies", {"127.0.0.1"}}}}});
    NginxProcess nginx(temp.path() / "nginx", hq);

    // The enrolment limit (10 attempts, then one per 6 s) counts per client,
    // not per proxy: 127.0.0.2 runs out, 127.0.0.3 has not begun.
    for (int attempt = 0; attempt < 10; ++attempt)
        CHECK(post_enrol(nginx.port(), hq, "127.0.0.2").status == 403);
    auto limited = post_enrol(nginx.port(), hq, "127.0.0.2");
    CHECK(limited.status == 429);
    CHECK(!limited.header("retry-after").empty());
    CHECK(post_enrol(nginx.port(), hq, "127.0.0.3").status == 403);

    // What a client writes in X-Forwarded-For is replaced by nginx.
    CHECK(post_enrol(nginx.port(), hq, "127.0.0.4", "X-Forwarded-For: 10.1.2.3\r\n").status == 403);

    std::this_thread::sleep_for(200ms); // each log line is written just after its answer went out
    std::string log = hq.log();
    CHECK(log.find("127.0.0.2 POST /v1/enrol 403") != std::string::npos);
    CHECK(log.find("127.0.0.2 POST /v1/enrol 429") != std::string::npos);
    CHECK(log.find("127.0.0.3 POST /v1/enrol 403") != std::string::npos);
    CHECK(log.find("127.0.0.4 POST /v1/enrol 403") != std::string::npos);
    CHECK(log.find("10.1.2.3") == std::string::npos);
    CHECK(log.find("127.0.0.1 POST /v1/enrol") == std::string::npos); // the proxy is only the way in

    // A terminal enrols and uploads through the proxy (gzip bodies, keep-alive).
    TerminalDir terminal(temp.path() / "t1");
    REQUIRE(terminal.record(rating_lines(300)).exit_code == 0);
    auto enrolled = terminal.run({"enroll", "--server", nginx.url(), "--code", hq.enrol_code("UTR", "Counter 1"),
                                  "--ca", hq.ca_file().string()});
    INFO(enrolled.out << enrolled.err);
    REQUIRE(enrolled.exit_code == 0);
    auto synced = terminal.sync_once();
    INFO(synced.out << synced.err);
    REQUIRE(synced.exit_code == 0);
    CHECK(hq.export_jsonl().size() == 300);
}
