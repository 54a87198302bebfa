// The kiosk's side of systemd's service notification protocol (sd_notify(3),
// without libsystemd): a Type=notify unit gives the process NOTIFY_SOCKET,
// and with WatchdogSec= also WATCHDOG_USEC (and WATCHDOG_PID). The kiosk says
// READY=1 once its first frame is on screen, then WATCHDOG=1 from its frame
// loop while frames are being made and its store answers, so that a hung loop
// or a store that stopped answering makes systemd restart it
// (platform/systemd/feedback-kiosk.service).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace feedback::app {

class ServiceNotifier {
public:
    // From this process's environment; does nothing without NOTIFY_SOCKET.
    static ServiceNotifier from_environment();
    // `socket`: a path, or "@name" for Linux's abstract namespace; empty: off.
    ServiceNotifier(std::string socket, std::optional<std::chrono::milliseconds> watchdog);

    bool enabled() const { return !m_socket.empty(); }
    // How often systemd wants WATCHDOG=1 at the latest; nothing without a watchdog.
    std::optional<std::chrono::milliseconds> watchdog_interval() const { return m_watchdog; }

    // Sends one message ("READY=1\nSTATUS=..."); best effort: a notification
    // that cannot be sent is not a reason to stop the kiosk.
    void notify(std::string_view message) const;
    // READY=1 with a status line, once.
    void ready(std::string_view status);
    // When the next WATCHDOG=1 is due, half the interval after the last one
    // (`now_ms` on any steady clock; 0 before the first); nothing without a watchdog.
    std::optional<int64_t> next_ping_at() const;
    // WATCHDOG=1 now.
    void ping(int64_t now_ms);

private:
    std::string m_socket;
    std::optional<std::chrono::milliseconds> m_watchdog;
    bool m_ready_sent = false;
    std::optional<int64_t> m_last_ping_ms;
};

} // namespace feedback::app
