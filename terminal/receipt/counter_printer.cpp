// Writing receipts to the counter's printer (counter_printer.h).
#include "receipt/counter_printer.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace feedback::receipt {

namespace {

PrinterState state_of(int error)
{
    switch (error) {
    case ENOENT:
    case ENODEV: return PrinterState::missing;
    case ENOSPC: return PrinterState::out_of_paper;
    case ENXIO: // a FIFO or port with nobody at the other end
    case EIO:
    case EBUSY:
    case EAGAIN:
    case ETIMEDOUT: return PrinterState::offline;
    default: return PrinterState::failed;
    }
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : m_fd(fd) {}
    ~FileDescriptor()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return m_fd; }

private:
    int m_fd;
};

} // namespace

std::string_view to_string(PrinterState state)
{
    switch (state) {
    case PrinterState::ready: return "ready";
    case PrinterState::missing: return "missing";
    case PrinterState::offline: return "offline";
    case PrinterState::out_of_paper: return "out_of_paper";
    case PrinterState::failed: return "failed";
    }
    return "failed";
}

PrinterState write_print_job(const std::filesystem::path& device, std::string_view job,
                             std::chrono::milliseconds timeout, std::string& detail)
{
    auto failed = [&](int error, std::string_view doing) {
        detail = std::string(doing) + " " + device.string() + ": " + std::strerror(error);
        return state_of(error);
    };
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    FileDescriptor fd(::open(device.c_str(), O_WRONLY | O_APPEND | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (fd.get() < 0)
        return failed(errno, "opening");
    size_t written = 0;
    while (written < job.size()) {
        const ssize_t n = ::write(fd.get(), job.data() + written, job.size() - written);
        if (n > 0) {
            written += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN)
            return failed(errno, "writing to");
        // The printer's buffer is full: wait until it takes more, or give up.
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                std::chrono::steady_clock::now());
        pollfd ready{fd.get(), POLLOUT, 0};
        if (left.count() <= 0 || ::poll(&ready, 1, static_cast<int>(left.count())) == 0)
            return failed(ETIMEDOUT, "waiting for");
    }
    return PrinterState::ready;
}

CounterPrinter::CounterPrinter(std::filesystem::path device, Compose compose, Changed changed, bool background,
                               std::chrono::milliseconds timeout)
    : m_device(std::move(device)), m_compose(std::move(compose)), m_changed(std::move(changed)), m_timeout(timeout)
{
    if (background)
        m_thread = std::thread([this] { run(); });
}

CounterPrinter::~CounterPrinter()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void CounterPrinter::print(const flows::ReceiptRequest& request)
{
    std::string job = m_compose(request);
    if (!m_thread.joinable()) {
        write(request.reference, job);
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_jobs.emplace_back(request.reference, std::move(job));
    }
    m_wake.notify_one();
}

PrinterStatus CounterPrinter::status() const
{
    std::lock_guard lock(m_mutex);
    return m_status;
}

void CounterPrinter::write(const std::string& reference, const std::string& job)
{
    PrinterStatus status;
    status.state = write_print_job(m_device, job, m_timeout, status.detail);
    if (status.state != PrinterState::ready)
        status.unprinted_reference = reference;
    bool changed = false;
    {
        std::lock_guard lock(m_mutex);
        changed = status.state != m_status.state || status.unprinted_reference != m_status.unprinted_reference;
        m_status = std::move(status);
    }
    if (changed && m_changed)
        m_changed();
}

void CounterPrinter::run()
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
        if (m_stopping)
            return;
        auto [reference, job] = std::move(m_jobs.front());
        m_jobs.pop_front();
        lock.unlock();
        write(reference, job);
        lock.lock();
    }
}

} // namespace feedback::receipt
