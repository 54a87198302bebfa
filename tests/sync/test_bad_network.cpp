// Sync over a bad network, for real: head office (`feedback-hq serve`) and a
// terminal (the real kiosk and its own uploader) each in their own network
// namespace, joined by one link of 64 kbit/s each way whose terminal-to-head-
// office direction loses 30% of the packets and holds them 2 s +- 0.5 s (what
// one netem qdisc on the terminal's side does), and that goes down for 20 s
// before and in the middle of an upload. Every event must reach head office
// exactly once, and the uploader must back off and use little CPU while the
// link is down.
//
// Why not `tc qdisc ... netem`: this machine's kernel (and CI's, the same
// kind of VM) has no netem qdisc. The rate is the kernel's tbf on each side;
// loss, delay, jitter and the outage come from a small user-space link
// (tests/support/link_emulator.py, over TUN devices), so packets still cross
// both kernels' TCP stacks. Root only, as the namespaces need.
//
// Why only one direction impaired: with 30% loss and 2 s each way (a 4 s
// round trip), TCP alone needed over two minutes for 10 KB in two of three
// tries here, and no batch reached head office in four minutes: the
// terminal's 10 s connect timeout (TCP and TLS handshake) and head office's
// 10 s deadline for the handshake and request head end nearly every attempt.
#include "support/network_link.h"
#include "support/temp_dir.h"
#include "sync_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <thread>

using namespace feedback::testing;

namespace {

constexpr int link_rate_kbit = 64;
const LinkShape lossy_and_late{0.30, 2000, 500};
const LinkShape clean{};

// feedback-hq serve inside `ns` on the link's head-office address, with a
// certificate for that address (HqProcess serves on loopback only). Its
// output goes to DIR/serve.log.
class HqOnLink {
public:
    HqOnLink(std::filesystem::path dir, const NetNamespace& ns) : m_dir(std::move(dir))
    {
        REQUIRE(run({"init", "--hostname", EmulatedLink::b_address}).exit_code == 0);
        m_process = std::make_unique<ChildProcess>(ns.run_inside(
            {"/bin/sh", "-c",
             std::string("exec '") + FEEDBACK_HQ_BINARY + "' serve --dir '" + m_dir.string() + "' --listen " +
                 EmulatedLink::b_address + ":8443 >>'" + (m_dir / "serve.log").string() + "' 2>&1"}));
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (log().find("listening on " + url()) == std::string::npos) {
            REQUIRE(std::chrono::steady_clock::now() < deadline);
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    ~HqOnLink()
    {
        ::kill(m_process->pid(), SIGTERM);
        m_process->wait();
    }
    HqOnLink(const HqOnLink&) = delete;
    HqOnLink& operator=(const HqOnLink&) = delete;

    std::string url() const { return std::string("https://") + EmulatedLink::b_address + ":8443"; }
    std::string log() const { return read_text(m_dir / "serve.log"); }
    std::filesystem::path ca_file() const { return m_dir / "tls" / "ca.pem"; }
    // feedback-hq ARGS --dir DIR, here (the commands need no network).
    Finished run(std::vector<std::string> args) const
    {
        args.insert(args.begin(), FEEDBACK_HQ_BINARY);
        args.insert(args.end(), {"--dir", m_dir.string()});
        return run_process(args);
    }

private:
    std::filesystem::path m_dir;
    std::unique_ptr<ChildProcess> m_process;
};

// Head office in one namespace, an enrolled terminal with `events` ratings
// recorded (not sent) in another, and the link between them, still clean.
struct BadNetwork {
    explicit BadNetwork(int events)
    {
        auto code = hq.run({"enroll", "--store", "UTR", "--name", "Counter 1"});
        REQUIRE(code.exit_code == 0);
        auto enrolled = run_process(terminal_ns.run_inside(
            {FEEDBACK_TERMINAL_BINARY, "enroll", "--data-dir", terminal.dir().string(), "--server", hq.url(),
             "--code", lines_of(code.out).at(0), "--ca", hq.ca_file().string()}));
        INFO(enrolled.out << enrolled.err);
        REQUIRE(enrolled.exit_code == 0);
        auto recorded = terminal.record(rating_lines(events));
        REQUIRE(recorded.exit_code == 0);
        for (const auto& line : lines_of(recorded.out))
            recorded_ids.insert(line);
        REQUIRE(recorded_ids.size() == static_cast<size_t>(events));
        std::ofstream(script) << "{\"expect_target\":\"start.question\"}\n{\"wait_ms\":600000}\n";
    }

    // The real kiosk on its start screen in the terminal's namespace; its
    // uploader starts at once.
    std::unique_ptr<ChildProcess> start_kiosk()
    {
        return std::make_unique<ChildProcess>(
            terminal_ns.run_inside(terminal.kiosk_argv(script, {"--sync-start-delay-max", "0"})));
    }

    // Waits until the terminal has fewer than `backlog` events left to send
    // (or `limit` passed), reading the kiosk's output so that it never
    // blocks on a full pipe.
    bool wait_until_backlog_below(ChildProcess& kiosk, int backlog, std::chrono::seconds limit)
    {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            kiosk_output += kiosk.read_available(std::chrono::milliseconds(500));
            if (terminal.status()["unsent_backlog"].get<int>() < backlog)
                return true;
        }
        return false;
    }

    // The share of one core the kiosk used over `period`, reading its output
    // meanwhile; utime + stime from /proc.
    double measure_cpu_for(ChildProcess& kiosk, std::chrono::seconds period)
    {
        const double before = cpu_seconds(kiosk.pid());
        const auto started = std::chrono::steady_clock::now();
        while (std::chrono::steady_clock::now() - started < period)
            kiosk_output += kiosk.read_available(std::chrono::milliseconds(250));
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
        return (cpu_seconds(kiosk.pid()) - before) / took.count();
    }

    // What head office holds: every recorded event, once.
    void check_everything_arrived_once()
    {
        auto exported = hq.run({"export", "--format", "jsonl"});
        REQUIRE(exported.exit_code == 0);
        auto received = json_lines(exported.out);
        CHECK(received.size() == recorded_ids.size());
        CHECK(event_ids(received) == recorded_ids);
        auto status = terminal.status();
        CHECK(status["unsent_backlog"] == 0);
        CHECK(status["quarantined"] == 0);
    }

    TempDir temp;
    NetNamespace hq_ns{"hq"};
    NetNamespace terminal_ns{"terminal"};
    EmulatedLink link{terminal_ns, hq_ns, link_rate_kbit};
    HqOnLink hq{temp.path() / "hq", hq_ns};
    TerminalDir terminal{temp.path() / "terminal"};
    std::filesystem::path script = temp.path() / "start-screen.jsonl";
    std::set<std::string> recorded_ids;
    std::string kiosk_output;
};

} // namespace

TEST_CASE("over a link with 30% loss, 2 s delay with jitter and 64 kbit/s, every event reaches head office once",
          "[sync][network]")
{
    // One batch of 200 (five runs with 1000-event batches took 1 to 4
    // minutes and more: each failed try doubles the uploader's backoff).
    BadNetwork net(200);
    const auto enrolment = net.link.counters();
    const auto enrolment_connections = net.link.connection_attempts().size();
    net.link.reshape(lossy_and_late, clean);
    const auto started = std::chrono::steady_clock::now();
    auto kiosk = net.start_kiosk();
    const bool sent = net.wait_until_backlog_below(*kiosk, 1, std::chrono::seconds(240));
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
    const auto counted = net.link.counters();
    const auto passed = counted.a_to_b_passed - enrolment.a_to_b_passed;
    const auto dropped = counted.a_to_b_dropped - enrolment.a_to_b_dropped;
    const auto connections = net.link.connection_attempts().size() - enrolment_connections;
    kiosk.reset();
    INFO("kiosk: " << net.kiosk_output << "\nhead office: " << net.hq.log());
    WARN("bad link: " << net.recorded_ids.size() << " events sent in " << seconds.count() << " s over "
                      << connections << " connections; packets to head office: " << passed << " passed, " << dropped
                      << " dropped; head office answered " << count_of(net.hq.log(), "POST /v1/batches 200")
                      << " batch(es), and refused or dropped "
                      << count_of(net.hq.log(), "front: ") << " time(s) (its log's \"front:\" lines)");
    REQUIRE(sent);
    net.check_everything_arrived_once();
}

TEST_CASE("the link down: the uploader retries with growing backoff on little CPU, and after 20 s down in the "
          "middle of an upload nothing is lost or doubled",
          "[sync][network]")
{
    BadNetwork net(4000); // four batches of 1000
    const LinkShape slow{0, 200, 50};
    net.link.reshape(slow, slow);

    // Down before the kiosk starts: its router answers each attempt at once,
    // so only the uploader's backoff spaces them out. Down for 20 s from its
    // first attempt; its CPU is measured from 5 s after the first (the kiosk
    // has started by then).
    const int64_t link_down_at = net.link.go_down();
    auto kiosk = net.start_kiosk();
    auto attempts_since = [&net](int64_t since) {
        std::vector<int64_t> after; // ms after `since`
        for (const auto& attempt : net.link.connection_attempts())
            if (attempt.at_ms > since)
                after.push_back(attempt.at_ms - since);
        return after;
    };
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (attempts_since(link_down_at).empty() && std::chrono::steady_clock::now() < deadline)
        net.kiosk_output += kiosk->read_available(std::chrono::milliseconds(100));
    REQUIRE_FALSE(attempts_since(link_down_at).empty());
    const int64_t first_attempt = link_down_at + attempts_since(link_down_at).front();
    net.measure_cpu_for(*kiosk, std::chrono::seconds(5));
    const double retrying = net.measure_cpu_for(*kiosk, std::chrono::seconds(15));
    net.link.come_up();
    std::vector<int64_t> attempts = attempts_since(first_attempt - 1);
    std::erase_if(attempts, [](int64_t at) { return at > 20000; });

    // Up again: its next try comes when its backoff runs out (in 99.9% of
    // simulated runs within 2 minutes). Once the first batch is in (which
    // resets the backoff), down for 20 s in the middle of a later batch's
    // body: 6000 bytes on, well inside a batch of 26 KB.
    const int total = static_cast<int>(net.recorded_ids.size());
    const bool first_batch_in = net.wait_until_backlog_below(*kiosk, total, std::chrono::seconds(150));
    net.link.go_down_after(6000);
    const auto down_at = net.link.wait_until_down(std::chrono::seconds(30));
    const auto outage = net.measure_cpu_for(*kiosk, std::chrono::seconds(20));
    const int64_t up_at = net.link.come_up();
    const auto attempts_during_outage = down_at ? attempts_since(*down_at).size() : 0;
    const bool sent = down_at && net.wait_until_backlog_below(*kiosk, 1, std::chrono::seconds(180));
    std::string after_outage;
    for (int64_t at : down_at ? attempts_since(*down_at) : std::vector<int64_t>{})
        after_outage += " " + std::to_string(at);
    kiosk.reset();

    std::string spacing;
    for (int64_t at : attempts)
        spacing += " " + std::to_string(at);
    INFO("kiosk: " << net.kiosk_output << "\nhead office: " << net.hq.log());
    WARN("link down before an upload: " << attempts.size() << " attempts in 20 s, at (ms)" << spacing
                                        << "; the kiosk used " << retrying * 100 << "% of a core");
    WARN("link down for " << (down_at ? up_at - *down_at : 0) << " ms in the middle of an upload: the kiosk used "
                          << outage * 100 << "% of a core; " << attempts_during_outage
                          << " connections while down; new connections at (ms after it went down)" << after_outage);
    // It kept trying, less and less often: full-jitter backoff from 1 s,
    // doubling (sync/client/backoff.h), waits at most 1, 2, 4 ... s after
    // each failure (plus the failed attempt itself, a few ms here) and gives
    // 5 to 9 attempts in 20 s, more in the first 10 s than in the last (in
    // all but 7 of 10,000 simulated runs); one a second would give 20.
    CHECK(attempts.size() >= 3);
    CHECK(attempts.size() <= 10);
    for (size_t i = 1; i < attempts.size(); ++i) {
        INFO("wait after failure " << i);
        CHECK(attempts[i] - attempts[i - 1] <= (int64_t{1000} << (i - 1)) + 1000);
    }
    const auto early = std::count_if(attempts.begin(), attempts.end(), [](int64_t at) { return at < 10000; });
    CHECK(early > static_cast<long>(attempts.size()) - early);
    CHECK(retrying < 0.01);
    // Down in the middle of an upload: it waited quietly, then everything
    // arrived once.
    REQUIRE(first_batch_in);
    REQUIRE(down_at);
    CHECK(attempts_during_outage <= 2);
    CHECK(outage < 0.01);
    REQUIRE(sent);
    net.check_everything_arrived_once();
}
