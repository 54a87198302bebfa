// sd_notify(3)'s datagrams by hand (service_notifier.h): one AF_UNIX datagram
// per message to NOTIFY_SOCKET, "@" standing for the abstract namespace.
#include "app/service_notifier.h"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace feedback::app {

namespace {

std::optional<int64_t> env_number(const char* name)
{
    const char* text = std::getenv(name);
    if (!text)
        return std::nullopt;
    int64_t value = 0;
    const char* end = text + std::strlen(text);
    auto [stop, error] = std::from_chars(text, end, value);
    if (error != std::errc{} || stop != end)
        return std::nullopt;
    return value;
}

} // namespace

ServiceNotifier ServiceNotifier::from_environment()
{
    const char* socket = std::getenv("NOTIFY_SOCKET");
    std::optional<std::chrono::milliseconds> watchdog;
    auto usec = env_number("WATCHDOG_USEC");
    auto pid = env_number("WATCHDOG_PID");
    // The watchdog is for the main process only (WATCHDOG_PID names it when set).
    if (usec && *usec > 0 && (!pid || *pid == static_cast<int64_t>(::getpid())))
        watchdog = std::chrono::milliseconds(std::max<int64_t>(1, *usec / 1000));
    return ServiceNotifier(socket ? socket : "", watchdog);
}

ServiceNotifier::ServiceNotifier(std::string socket, std::optional<std::chrono::milliseconds> watchdog)
    : m_socket(std::move(socket)), m_watchdog(m_socket.empty() ? std::nullopt : watchdog)
{
}

void ServiceNotifier::notify(std::string_view message) const
{
    if (m_socket.empty())
        return;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (m_socket.size() >= sizeof address.sun_path || (m_socket[0] != '/' && m_socket[0] != '@'))
        return;
    std::memcpy(address.sun_path, m_socket.data(), m_socket.size());
    if (address.sun_path[0] == '@')
        address.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + m_socket.size());
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    ssize_t sent = 0;
    do
        sent = ::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&address), length);
    while (sent < 0 && errno == EINTR);
    ::close(fd);
}

void ServiceNotifier::ready(std::string_view status)
{
    if (m_ready_sent)
        return;
    m_ready_sent = true;
    notify("READY=1\nSTATUS=" + std::string(status));
}

std::optional<int64_t> ServiceNotifier::next_ping_at() const
{
    if (!m_watchdog)
        return std::nullopt;
    if (!m_last_ping_ms)
        return int64_t{0};
    return *m_last_ping_ms + std::max<int64_t>(1, m_watchdog->count() / 2);
}

void ServiceNotifier::ping(int64_t now_ms)
{
    notify("WATCHDOG=1");
    m_last_ping_ms = now_ms;
}

} // namespace feedback::app
