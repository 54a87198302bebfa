// The penetration test's attacks on head office (issue 9), each replayed
// against the real `feedback-hq serve` over HTTPS on loopback, asserting the
// fixed behaviour: compression bombs and endless bodies on every route, idle
// and slow connections, old TLS, smuggling shapes, forged client addresses,
// and a side door to the routes' loopback port.
#include "support/temp_dir.h"
#include "support/tls_socket.h"
#include "sync/sync_support.h"

#include <catch2/catch.hpp>
#include <openssl/ssl.h>
#include <zlib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <thread>

using namespace feedback::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// `inflated` zero bytes as gzip at level 9: a gigabyte packs into about 1 MB.
std::string gzip_bomb(size_t inflated)
{
    z_stream stream{};
    REQUIRE(deflateInit2(&stream, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string zeros(1 << 20, '\0');
    std::string out;
    char buffer[1 << 16];
    for (size_t done = 0; done < inflated; done += zeros.size()) {
        stream.next_in = reinterpret_cast<Bytef*>(zeros.data());
        stream.avail_in = static_cast<uInt>(zeros.size());
        int flush = done + zeros.size() >= inflated ? Z_FINISH : Z_NO_FLUSH;
        do {
            stream.next_out = reinterpret_cast<Bytef*>(buffer);
            stream.avail_out = sizeof buffer;
            deflate(&stream, flush);
            out.append(buffer, sizeof buffer - stream.avail_out);
        } while (stream.avail_out == 0);
    }
    deflateEnd(&stream);
    return out;
}

// Resident memory of a process, in KiB.
long resident_kib(pid_t pid)
{
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0)
            return std::atol(line.c_str() + 6);
    return -1;
}

// The TCP ports a process listens on (from /proc/net/tcp and its descriptors).
std::vector<int> listening_ports(pid_t pid)
{
    std::set<std::string> inodes;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
        std::error_code ec;
        auto target = std::filesystem::read_symlink(entry.path(), ec).string();
        if (target.rfind("socket:[", 0) == 0)
            inodes.insert(target.substr(8, target.size() - 9));
    }
    std::vector<int> ports;
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream in(table);
        std::string line;
        std::getline(in, line); // the column names
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
            fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
            if (state == "0A" && inodes.count(inode))
                ports.push_back(std::stoi(local.substr(local.find(':') + 1), nullptr, 16));
        }
    }
    return ports;
}

// How many connections the log's summaries (lines "front: WHAT (xN)") count for WHAT.
int summed(const std::string& log, const std::string& what)
{
    int total = 0;
    for (const auto& line : lines_of(log)) {
        auto at = line.find("front: " + what + " (x");
        if (at != std::string::npos)
            total += std::atoi(line.c_str() + at + what.size() + 10);
    }
    return total;
}

// The request log is written just after an answer goes out: wait for a line.
bool logged(const HqProcess& hq, const std::string& text)
{
    auto deadline = Clock::now() + 3s;
    while (hq.log().find(text) == std::string::npos) {
        if (Clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

struct Attack {
    std::string method;
    std::string path;
};

// Sends `head`, then `body` in pieces, stopping as soon as head office has
// answered (a refused upload is not sent on); returns the answer and how
// long it took from the first byte.
struct Outcome {
    std::optional<RawAnswer> answer;
    std::chrono::milliseconds took{};
};
Outcome attack(const HqProcess& hq, const std::string& head, const std::string& body, bool chunked,
               const std::string& source = {})
{
    auto socket = TlsSocket::connect(hq.port(), source);
    REQUIRE(socket);
    REQUIRE(socket->handshake(hq.ca_file()));
    auto started = Clock::now();
    REQUIRE(socket->send(head));
    const size_t piece = 64 * 1024;
    size_t sent = 0;
    size_t total = chunked ? 64u * 1024 * 1024 : body.size();
    std::string zeros(piece, '0');
    while (sent < total && !socket->readable()) {
        bool ok = chunked ? socket->send("10000\r\n" + zeros + "\r\n")
                          : socket->send(std::string_view(body).substr(sent, piece));
        if (!ok)
            break; // refused and closed: the answer is waiting
        sent += piece;
    }
    if (chunked && sent >= total)
        socket->send("0\r\n\r\n");
    Outcome outcome;
    outcome.answer = socket->read_answer(5s);
    outcome.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    return outcome;
}

std::string request_head(const Attack& route, const std::string& framing, const std::string& extra = {})
{
    return route.method + " " + route.path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
           extra + framing + "\r\n";
}

// An enrolled device's token, through the real POST /v1/enrol.
std::string enrolled_token(HqProcess& hq, const std::string& store)
{
    std::string code = hq.enrol_code(store, "till");
    auto socket = TlsSocket::connect(hq.port());
    REQUIRE(socket);
    REQUIRE(socket->handshake(hq.ca_file()));
    std::string body = nlohmann::json{{"code", code}, {"device_id", "0190a3b4-0000-7000-8000-00000000000" +
                                                                         std::to_string(std::rand() % 10)},
                                      {"app_version", "test"}}
                           .dump();
    socket->send("POST /v1/enrol HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body);
    auto answer = socket->read_answer();
    REQUIRE(answer);
    REQUIRE(answer->status == 200);
    return nlohmann::json::parse(answer->body).at("token").get<std::string>();
}

// ASan keeps freed memory in quarantine (256 MB by default), which would
// count as head office's growth; a small one measures the program instead.
struct SmallQuarantine {
    SmallQuarantine()
    {
        const char* given = std::getenv("ASAN_OPTIONS");
        m_before = given ? given : "";
        setenv("ASAN_OPTIONS", (m_before + (m_before.empty() ? "" : ":") + "quarantine_size_mb=4").c_str(), 1);
    }
    ~SmallQuarantine() { setenv("ASAN_OPTIONS", m_before.c_str(), 1); }
    std::string m_before;
};

const std::vector<Attack> every_route = {
    {"POST", "/v1/enrol"},
    {"POST", "/v1/batches"},
    {"GET", "/v1/hello"},
    {"GET", "/v1/config"},
    {"GET", "/v1/feed"},
    {"POST", "/login"},
    {"GET", "/login"},
    {"POST", "/logout"},
    {"POST", "/config"},
    {"POST", "/users"},
    {"POST", "/devices/enrol"},
    {"POST", "/account/password"},
    {"POST", "/complaints/0190a3b4-0000-7000-8000-000000000001/root-cause"},
    {"POST", "/callbacks/0190a3b4-0000-7000-8000-000000000001/outcome"},
};

} // namespace

TEST_CASE("compression bombs and a 64 MiB chunked body on every route are refused within a second, and head "
          "office's memory stays put",
          "[hq][attack]")
{
    TempDir temp;
    SmallQuarantine quarantine;
    HqProcess hq(temp.path() / "hq");
    const std::string bomb = gzip_bomb(size_t{1} << 30); // 1 GiB inflated
    INFO("the bomb is " << bomb.size() << " bytes");
    REQUIRE(bomb.size() < 2u * 1024 * 1024);

    // Warm up (threads, caches), then measure.
    REQUIRE(attack(hq, request_head({"GET", "/v1/hello"}, ""), "", false).answer->status == 200);
    long before = resident_kib(hq.pid());
    REQUIRE(before > 0);

    for (const auto& route : every_route) {
        for (const char* encoding : {"gzip", "deflate", "br"}) {
            INFO(route.method << " " << route.path << " with Content-Encoding: " << encoding);
            auto outcome = attack(hq,
                                  request_head(route, "Content-Length: " + std::to_string(bomb.size()) + "\r\n",
                                               std::string("Content-Encoding: ") + encoding + "\r\n"),
                                  bomb, false);
            REQUIRE(outcome.answer);
            CHECK(outcome.answer->status >= 400);
            CHECK(outcome.answer->status < 500);
            CHECK(outcome.took < 1s);
        }
        INFO(route.method << " " << route.path << " with a 64 MiB chunked body");
        auto outcome = attack(hq, request_head(route, "Transfer-Encoding: chunked\r\n"), "", true);
        REQUIRE(outcome.answer);
        CHECK(outcome.answer->status == 413);
        CHECK(outcome.took < 1s);
    }

    // Three bombs at once, as the penetration test sent them.
    std::vector<std::future<Outcome>> together;
    for (const char* path : {"/login", "/v1/enrol", "/v1/batches"})
        together.push_back(std::async(std::launch::async, [&, path] {
            return attack(hq,
                          request_head({"POST", path}, "Content-Length: " + std::to_string(bomb.size()) + "\r\n",
                                       "Content-Encoding: gzip\r\n"),
                          bomb, false);
        }));
    for (auto& outcome : together) {
        auto done = outcome.get();
        REQUIRE(done.answer);
        CHECK(done.answer->status >= 400);
        CHECK(done.answer->status < 500);
        CHECK(done.took < 1s);
    }

    long after = resident_kib(hq.pid());
    INFO("resident before " << before << " KiB, after " << after << " KiB");
    CHECK(after - before < 50 * 1024);
    CHECK(hq.log().find("front: unsupported_encoding") != std::string::npos);
    CHECK(hq.log().find("front: body_too_large") != std::string::npos);
}

TEST_CASE("a terminal's own bomb inflates no further than the protocol's limit and is refused", "[hq][attack]")
{
    TempDir temp;
    SmallQuarantine quarantine;
    HqProcess hq(temp.path() / "hq");
    std::string token = enrolled_token(hq, "AMS");
    const std::string bomb = gzip_bomb(size_t{1} << 30);
    long before = resident_kib(hq.pid());

    auto outcome = attack(hq,
                          request_head({"POST", "/v1/batches"},
                                       "Content-Length: " + std::to_string(bomb.size()) + "\r\n",
                                       "Content-Encoding: gzip\r\nAuthorization: Bearer " + token +
                                           "\r\nIdempotency-Key: 0190a3b4-0000-7000-8000-0000000000aa\r\n"),
                          bomb, false);
    REQUIRE(outcome.answer);
    CHECK(outcome.answer->status == 413);
    CHECK(outcome.answer->body.find("inflates to more than") != std::string::npos);
    CHECK(outcome.took < 1s);
    long after = resident_kib(hq.pid());
    INFO("resident before " << before << " KiB, after " << after << " KiB");
    CHECK(after - before < 50 * 1024);
}

TEST_CASE("200 idle or slow connections do not keep a person or a terminal waiting, and are closed at their "
          "deadline",
          "[hq][attack]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq", {{"connections", {{"head_seconds", 3}}}});
    add_dashboard_user(hq, "kwaliteit", "admin", "a-long-password-2026");

    // 100 that start a TLS handshake and stop, 100 that finish it and send a
    // request head a few bytes at a time, each from an address of its own
    // (no per-address limit helps here); 200 more from one address.
    std::vector<std::unique_ptr<TlsSocket>> idle, slow, crowd;
    for (int i = 1; i <= 100; ++i) {
        auto socket = TlsSocket::connect(hq.port(), "127.0.1." + std::to_string(i));
        REQUIRE(socket);
        REQUIRE(socket->send_plain(std::string("\x16\x03\x01", 3)));
        idle.push_back(std::move(socket));
    }
    for (int i = 1; i <= 100; ++i) {
        auto socket = TlsSocket::connect(hq.port(), "127.0.2." + std::to_string(i));
        REQUIRE(socket);
        REQUIRE(socket->handshake(hq.ca_file()));
        REQUIRE(socket->send("GET /login HTTP/1.1\r\nHo"));
        slow.push_back(std::move(socket));
    }
    for (int i = 0; i < 200; ++i) {
        auto socket = TlsSocket::connect(hq.port(), "127.0.3.1");
        REQUIRE(socket);
        crowd.push_back(std::move(socket));
    }
    auto attack_began = Clock::now();

    // A person logs in and opens the overview; a terminal says hello.
    auto started = Clock::now();
    WebClient person(hq);
    auto login = person.login("kwaliteit", "a-long-password-2026");
    CHECK(login.status == 303);
    auto overview = person.get("/overview");
    CHECK(overview.status == 200);
    auto person_took = Clock::now() - started;
    CHECK(person_took < 1s);

    started = Clock::now();
    auto terminal = TlsSocket::connect(hq.port(), "127.0.4.1");
    REQUIRE(terminal);
    REQUIRE(terminal->handshake(hq.ca_file()));
    REQUIRE(terminal->send("GET /v1/hello HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    auto hello = terminal->read_answer(1s);
    REQUIRE(hello);
    CHECK(hello->status == 200);
    CHECK(Clock::now() - started < 1s);

    // Of the crowd from one address, all but 64 were closed at once.
    int crowd_closed = 0;
    for (auto& socket : crowd)
        crowd_closed += socket->closed_by_peer(20ms) ? 1 : 0;
    CHECK(crowd_closed == 200 - 64);

    // A slow client that keeps sending still has one deadline for its head.
    auto dribbler = TlsSocket::connect(hq.port(), "127.0.5.1");
    REQUIRE(dribbler);
    REQUIRE(dribbler->handshake(hq.ca_file()));
    auto dribble_began = Clock::now();
    bool dribbler_closed = false;
    for (char c : std::string("GET /login HTTP/1.1\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")) {
        if (!dribbler->send(std::string(1, c)) || dribbler->closed_by_peer(250ms)) {
            dribbler_closed = true;
            break;
        }
    }
    CHECK(dribbler_closed);
    auto dribbled = Clock::now() - dribble_began;
    CHECK(dribbled > 2500ms);
    CHECK(dribbled < 5s);

    // By their deadline (3 s, hq.json's connections.head_seconds) every idle and slow one is closed.
    std::this_thread::sleep_until(attack_began + 4s);
    int closed = 0;
    for (auto* group : {&idle, &slow})
        for (auto& socket : *group)
            closed += socket->closed_by_peer(200ms) ? 1 : 0;
    CHECK(closed == 200);
    hq.stop_with_sigterm(); // the log sums connection events up every 10 s, and at the end
    std::string log = hq.log();
    CHECK(summed(log, "connections closed at once: 64 open from 127.0.3.1") == 200 - 64);
    // The idle ones and the 64 of the crowd that were let in; the slow ones and the dribbler.
    CHECK(summed(log, "connections closed: no TLS handshake and request head within 3 s") == 100 + 64);
    CHECK(summed(log, "connections closed: no request head within 3 s") == 100 + 1);
}

TEST_CASE("head office speaks TLS 1.2 or newer with AEAD suites in its own order, and asks for HTTPS only",
          "[hq][attack]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    auto connect = [&](const TlsOptions& options) {
        auto socket = TlsSocket::connect(hq.port());
        REQUIRE(socket);
        bool shaken = socket->handshake(hq.ca_file(), options);
        return std::make_pair(shaken, std::move(socket));
    };
    CHECK_FALSE(connect({"", TLS1_1_VERSION, TLS1_VERSION}).first);
    CHECK_FALSE(connect({"ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA", TLS1_2_VERSION, 0})
                    .first);
    auto ordered = connect(
        {"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256", TLS1_2_VERSION, 0});
    REQUIRE(ordered.first);
    CHECK(ordered.second->cipher() == "ECDHE-ECDSA-AES128-GCM-SHA256");
    auto modern = connect({});
    REQUIRE(modern.first);
    CHECK(modern.second->version() == "TLSv1.3");

    // HSTS on the routes' answers and on the front's own refusals.
    modern.second->send("GET /v1/hello HTTP/1.1\r\nHost: localhost\r\n\r\n");
    auto hello = modern.second->read_answer();
    REQUIRE(hello);
    CHECK(hello->header("strict-transport-security") == "max-age=31536000");
    CHECK(hello->header("connection") == "keep-alive");
    modern.second->send("POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Encoding: gzip\r\nContent-Length: 1\r\n\r\nx");
    auto refused = modern.second->read_answer();
    REQUIRE(refused);
    CHECK(refused->status == 415);
    CHECK(refused->header("strict-transport-security") == "max-age=31536000");
    CHECK(refused->header("feedback-protocol") == "1");
    CHECK(nlohmann::json::parse(refused->body).at("error") == "unsupported_encoding");
}

TEST_CASE("requests shaped to smuggle another are refused and the connection closed", "[hq][attack]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    for (const std::string& framing : {std::string("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n"),
                                       std::string("Content-Length: 4\r\nContent-Length: 40\r\n"),
                                       std::string("Transfer-Encoding: identity, chunked\r\n")}) {
        INFO(framing);
        auto socket = TlsSocket::connect(hq.port());
        REQUIRE(socket);
        REQUIRE(socket->handshake(hq.ca_file()));
        socket->send("POST /v1/enrol HTTP/1.1\r\nHost: localhost\r\n" + framing +
                     "\r\n0\r\n\r\nGET /v1/hello HTTP/1.1\r\nHost: localhost\r\n\r\n");
        auto answer = socket->read_answer();
        REQUIRE(answer);
        CHECK((answer->status == 400 || answer->status == 501));
        CHECK(socket->closed_by_peer(3s)); // the second request is never answered
    }
}

TEST_CASE("a client cannot name its own address, and the routes' loopback port answers only the front",
          "[hq][attack]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    auto socket = TlsSocket::connect(hq.port(), "127.0.6.1");
    REQUIRE(socket);
    REQUIRE(socket->handshake(hq.ca_file()));
    socket->send("GET /v1/hello HTTP/1.1\r\nHost: localhost\r\nFeedback-Client-Address: 10.9.8.7\r\n"
                 "Feedback-Front-Secret: guess\r\nX-Forwarded-For: 10.1.2.3\r\n\r\n");
    auto answer = socket->read_answer();
    REQUIRE(answer);
    CHECK(answer->status == 200);
    CHECK(logged(hq, "127.0.6.1 GET /v1/hello 200"));
    std::string log = hq.log();
    CHECK(log.find("10.9.8.7") == std::string::npos);
    CHECK(log.find("10.1.2.3") == std::string::npos); // 127.0.6.1 is no trusted proxy

    // The routes listen on a second, loopback port: a local user who finds
    // it gets nothing without the front's secret.
    auto ports = listening_ports(hq.pid());
    REQUIRE(ports.size() == 2);
    int routes_port = ports[0] == hq.port() ? ports[1] : ports[0];
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(routes_port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
    std::string request = "GET /v1/hello HTTP/1.1\r\nHost: x\r\nFeedback-Client-Address: 10.9.8.7\r\nConnection: close\r\n\r\n";
    REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
    std::string reply;
    char buffer[4096];
    ssize_t got;
    while ((got = ::recv(fd, buffer, sizeof buffer, 0)) > 0)
        reply.append(buffer, static_cast<size_t>(got));
    ::close(fd);
    CHECK(reply.rfind("HTTP/1.1 403", 0) == 0);
    CHECK(reply.find("\"forbidden\"") != std::string::npos);
}
