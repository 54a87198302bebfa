// Network namespaces and the emulated link between them (network_link.h):
// iproute2 for the namespaces, addresses and tbf; link_emulator.py for the rest.
#include "network_link.h"

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace feedback::testing {

namespace {

constexpr const char* ip_tool = "/usr/sbin/ip";
constexpr const char* tc_tool = "/usr/sbin/tc";

void must(const std::vector<std::string>& argv)
{
    auto done = run_process(argv);
    if (done.exit_code != 0) {
        std::string command;
        for (const auto& word : argv)
            command += (command.empty() ? "" : " ") + word;
        throw std::runtime_error(command + " failed: " + done.out + done.err);
    }
}

std::string random_suffix()
{
    std::random_device random;
    std::ostringstream text;
    text << std::hex << (random() & 0xFFFFFFu);
    return text.str();
}

} // namespace

// [SECTION] NetNamespace

NetNamespace::NetNamespace(const std::string& role) : m_name("feedback-" + role + "-" + random_suffix())
{
    must({ip_tool, "netns", "add", m_name});
    try {
        must({ip_tool, "-n", m_name, "link", "set", "lo", "up"});
    } catch (...) {
        run_process({ip_tool, "netns", "delete", m_name});
        throw;
    }
}

NetNamespace::~NetNamespace() { run_process({ip_tool, "netns", "delete", m_name}); }

std::vector<std::string> NetNamespace::run_inside(std::vector<std::string> argv) const
{
    // setpriv: killed with the test, even when the test itself is killed (a
    // timeout), so that nothing keeps the namespace alive.
    argv.insert(argv.begin(), {ip_tool, "netns", "exec", m_name, "/usr/bin/setpriv", "--pdeathsig", "KILL", "--"});
    return argv;
}

// [SECTION] EmulatedLink

namespace {

std::vector<std::string> emulator_argv(const std::string& a_device, const std::string& b_device)
{
    return {"/usr/bin/python3", // Debian's, not whatever is first on PATH
            std::string(FEEDBACK_SOURCE_DIR) + "/tests/support/link_emulator.py", "--a", a_device, "--b", b_device};
}

std::string shape_command(const char* direction, const LinkShape& shape)
{
    return std::string("shape ") + direction + " " + std::to_string(shape.loss) + " " +
           std::to_string(shape.delay_ms) + " " + std::to_string(shape.jitter_ms) + "\n";
}

} // namespace

EmulatedLink::EmulatedLink(const NetNamespace& a, const NetNamespace& b, int rate_kbit)
    : m_a_device("fbl" + random_suffix() + "a"), m_b_device(m_a_device.substr(0, m_a_device.size() - 1) + "b"),
      m_emulator(emulator_argv(m_a_device, m_b_device))
{
    if (!wait_for([this] { return m_ready; }, std::chrono::seconds(10)))
        throw std::runtime_error("the link emulator did not start: " + m_emulator.wait().err);
    // The devices appear in this namespace; each goes to its side.
    struct Side {
        const NetNamespace& ns;
        const std::string& device;
        const char* address;
        const char* peer;
    };
    for (const Side& side : {Side{a, m_a_device, a_address, b_address}, Side{b, m_b_device, b_address, a_address}}) {
        must({ip_tool, "link", "set", "dev", side.device, "netns", side.ns.name()});
        must({ip_tool, "-n", side.ns.name(), "addr", "add", side.address, "peer", std::string(side.peer) + "/32",
              "dev", side.device});
        must({ip_tool, "-n", side.ns.name(), "link", "set", "dev", side.device, "up"});
        // One packet's worth of burst; a queue of up to a second at this rate.
        must({tc_tool, "-n", side.ns.name(), "qdisc", "add", "dev", side.device, "root", "tbf", "rate",
              std::to_string(rate_kbit) + "kbit", "burst", "1600", "latency", "1s"});
    }
}

void EmulatedLink::reshape(const LinkShape& a_to_b, const LinkShape& b_to_a)
{
    m_emulator.write(shape_command("a2b", a_to_b) + shape_command("b2a", b_to_a));
}

int64_t EmulatedLink::go_down()
{
    m_down_at.reset();
    m_emulator.write("down\n");
    if (!wait_for([this] { return m_down_at.has_value(); }, std::chrono::seconds(10)))
        throw std::runtime_error("the link emulator did not answer \"down\"");
    return *m_down_at;
}

void EmulatedLink::go_down_after(int64_t bytes)
{
    m_down_at.reset();
    m_emulator.write("down-after " + std::to_string(bytes) + "\n");
}

std::optional<int64_t> EmulatedLink::wait_until_down(std::chrono::milliseconds timeout)
{
    wait_for([this] { return m_down_at.has_value(); }, timeout);
    return m_down_at;
}

int64_t EmulatedLink::come_up()
{
    m_up_at.reset();
    m_emulator.write("up\n");
    if (!wait_for([this] { return m_up_at.has_value(); }, std::chrono::seconds(10)))
        throw std::runtime_error("the link emulator did not answer \"up\"");
    return *m_up_at;
}

LinkCounters EmulatedLink::counters()
{
    m_counters.reset();
    m_emulator.write("stats\n");
    if (!wait_for([this] { return m_counters.has_value(); }, std::chrono::seconds(10)))
        throw std::runtime_error("the link emulator did not answer \"stats\"");
    return *m_counters;
}

std::vector<ConnectionAttempt> EmulatedLink::connection_attempts()
{
    m_unread += m_emulator.read_available(std::chrono::milliseconds(0)); // what it printed so far
    wait_for([] { return true; }, std::chrono::milliseconds(0));
    return m_attempts;
}

void EmulatedLink::take_line(const std::string& line)
{
    std::istringstream words(line);
    std::string what;
    words >> what;
    if (what == "ready") {
        m_ready = true;
    } else if (what == "down" || what == "up") {
        int64_t at = 0;
        words >> at;
        (what == "down" ? m_down_at : m_up_at) = at;
    } else if (what == "stats") {
        LinkCounters counted;
        words >> counted.a_to_b_passed >> counted.a_to_b_dropped >> counted.b_to_a_passed >> counted.b_to_a_dropped;
        m_counters = counted;
    } else if (what == "syn") {
        ConnectionAttempt syn;
        words >> syn.at_ms >> syn.source_port;
        for (auto& attempt : m_attempts)
            if (attempt.source_port == syn.source_port) {
                ++attempt.syns;
                return;
            }
        syn.syns = 1;
        m_attempts.push_back(syn);
    }
}

template <typename Done> bool EmulatedLink::wait_for(Done done, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        for (auto end = m_unread.find('\n'); end != std::string::npos; end = m_unread.find('\n')) {
            take_line(m_unread.substr(0, end));
            m_unread.erase(0, end + 1);
        }
        if (done())
            return true;
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() < 0)
            return false;
        m_unread += m_emulator.read_available(left);
    }
}

// [SECTION] CPU time

double cpu_seconds(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    long long utime = 0, stime = 0;
    for (int number = 3; number <= 15 && fields >> field; ++number) {
        if (number == 14)
            utime = std::stoll(field);
        if (number == 15)
            stime = std::stoll(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

} // namespace feedback::testing
