// Network namespaces joined by an emulated bad link, for tests that put head
// office in one namespace and a terminal in another (root only). The link is
// a pair of TUN devices carried by tests/support/link_emulator.py (loss,
// delay, jitter, going down: this kernel has no netem qdisc), with the
// kernel's tbf limiting the rate each way.
#pragma once

#include "support/child_process.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace feedback::testing {

// `ip netns add` with its loopback up, named "feedback-ROLE-" and a random
// number; deleted (with its devices) when the object goes. Processes still
// inside keep it alive until they end.
class NetNamespace {
public:
    explicit NetNamespace(const std::string& role);
    ~NetNamespace();
    NetNamespace(const NetNamespace&) = delete;
    NetNamespace& operator=(const NetNamespace&) = delete;

    const std::string& name() const { return m_name; }
    // `argv` run inside this namespace (ip netns exec), killed when the thread
    // that started it ends; each step execs the next, so the child's pid is
    // the program's own.
    std::vector<std::string> run_inside(std::vector<std::string> argv) const;

private:
    std::string m_name;
};

// How the link treats packets going one way.
struct LinkShape {
    double loss = 0;   // share of packets dropped, 0 to 1
    int delay_ms = 0;  // how long each packet is held
    int jitter_ms = 0; // plus or minus this, uniformly (packets may overtake each other)
};

// What the emulator counted, in packets.
struct LinkCounters {
    int64_t a_to_b_passed = 0;
    int64_t a_to_b_dropped = 0;
    int64_t b_to_a_passed = 0;
    int64_t b_to_a_dropped = 0;
};

// A connection side A opened: its first SYN, on the emulator's clock (ms
// since the link was made), and how many SYNs it took (retransmissions).
struct ConnectionAttempt {
    int64_t at_ms = 0;
    int source_port = 0;
    int syns = 0;
};

// A point-to-point link: side A (the terminal's) is a_address in namespace
// `a`, side B (head office's) b_address in `b`; each side's kernel sends at
// most `rate_kbit` (tbf). It starts clean (no loss, no delay). Gone, with its
// devices, when the object goes.
class EmulatedLink {
public:
    static constexpr const char* a_address = "10.13.0.2";
    static constexpr const char* b_address = "10.13.0.1";

    EmulatedLink(const NetNamespace& a, const NetNamespace& b, int rate_kbit);
    EmulatedLink(const EmulatedLink&) = delete;
    EmulatedLink& operator=(const EmulatedLink&) = delete;

    void reshape(const LinkShape& a_to_b, const LinkShape& b_to_a);
    // The link goes down: nothing passes either way, and A's connection
    // attempts are answered "network unreachable", as A's router does when
    // its own line is down. Returns when (the emulator's clock, ms).
    int64_t go_down();
    // The same once `bytes` more bytes of TCP payload went from A to B.
    void go_down_after(int64_t bytes);
    // When it went down (emulator's clock), or nothing within `timeout`.
    std::optional<int64_t> wait_until_down(std::chrono::milliseconds timeout);
    // Carries packets again; returns when (emulator's clock).
    int64_t come_up();
    LinkCounters counters();
    std::vector<ConnectionAttempt> connection_attempts();

private:
    // Reads what the emulator printed, waiting up to `timeout` for more, and
    // takes every whole line; true once `done()` holds.
    template <typename Done> bool wait_for(Done done, std::chrono::milliseconds timeout);
    void take_line(const std::string& line);

    std::string m_a_device; // made before the emulator, which needs their names
    std::string m_b_device;
    ChildProcess m_emulator;
    std::string m_unread;
    bool m_ready = false;
    std::optional<int64_t> m_down_at;
    std::optional<int64_t> m_up_at;
    std::optional<LinkCounters> m_counters;
    std::vector<ConnectionAttempt> m_attempts;
};

// CPU time (user + system) `pid` has used so far, in seconds (/proc/PID/stat).
double cpu_seconds(pid_t pid);

} // namespace feedback::testing
