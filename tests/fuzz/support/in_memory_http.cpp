// A cpp-httplib Stream over two strings, so that Server::process_request()
// (protected: reached through InMemoryServer) reads the request from memory
// and writes its answer there.
#include "support/in_memory_http.h"

#include "support/finding.h"

#include <algorithm>

namespace feedback::fuzz {

namespace {

class MemoryStream final : public httplib::Stream {
public:
    explicit MemoryStream(std::string_view input) : m_input(input) {}

    bool is_readable() const override { return true; }
    bool is_writable() const override { return true; }

    ssize_t read(char* ptr, size_t size) override
    {
        size_t count = std::min(size, m_input.size() - m_read);
        m_input.copy(ptr, count, m_read);
        m_read += count;
        return static_cast<ssize_t>(count);
    }

    using httplib::Stream::write;
    ssize_t write(const char* ptr, size_t size) override
    {
        m_output.append(ptr, size);
        return static_cast<ssize_t>(size);
    }

    void get_remote_ip_and_port(std::string& ip, int& port) const override
    {
        ip = "192.0.2.10";
        port = 50000;
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override
    {
        ip = "127.0.0.1";
        port = 8443;
    }
    socket_t socket() const override { return INVALID_SOCKET; }

    std::string take_output() { return std::move(m_output); }

private:
    std::string_view m_input;
    size_t m_read = 0;
    std::string m_output;
};

} // namespace

std::string InMemoryServer::answer(std::string_view request)
{
    MemoryStream stream(request);
    bool connection_closed = false;
    (void)process_request(stream, true, connection_closed, {});
    return stream.take_output();
}

int status_of(std::string_view answer)
{
    // "HTTP/1.1 200 OK"
    constexpr std::string_view version = "HTTP/1.1 ";
    if (!answer.starts_with(version) || answer.size() < version.size() + 3)
        return 0;
    int status = 0;
    for (char digit : answer.substr(version.size(), 3)) {
        if (digit < '0' || digit > '9')
            return 0;
        status = status * 10 + (digit - '0');
    }
    return status;
}

std::string_view body_of(std::string_view answer)
{
    size_t blank = answer.find("\r\n\r\n");
    return blank == std::string_view::npos ? std::string_view() : answer.substr(blank + 4);
}

std::string_view header_of(std::string_view answer, std::string_view name)
{
    std::string_view head = answer.substr(0, answer.find("\r\n\r\n"));
    std::string line_start = "\r\n" + std::string(name) + ": ";
    size_t at = head.find(line_start);
    if (at == std::string_view::npos)
        return {};
    std::string_view value = head.substr(at + line_start.size());
    return value.substr(0, value.find("\r\n"));
}

void require_no_server_error(std::string_view request, std::string_view answer)
{
    if (status_of(answer) == 500)
        report_finding("head office answered 500", request, answer);
}

} // namespace feedback::fuzz
