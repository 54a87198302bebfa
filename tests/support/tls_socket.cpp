// A byte-level TLS client for attack tests (see tls_socket.h).
#include "support/tls_socket.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace feedback::testing {

using Clock = std::chrono::steady_clock;

struct TlsSocket::Tls {
    SSL_CTX* context = nullptr;
    SSL* ssl = nullptr;
    ~Tls()
    {
        if (ssl)
            SSL_free(ssl);
        if (context)
            SSL_CTX_free(context);
    }
};

std::string RawAnswer::header(const std::string& name) const
{
    auto found = headers.find(name);
    return found == headers.end() ? std::string() : found->second;
}

namespace {

int milliseconds_left(Clock::time_point deadline)
{
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::max<long long>(left, 0));
}

bool wait_for(int fd, short events, Clock::time_point deadline)
{
    pollfd waiting{fd, events, 0};
    return ::poll(&waiting, 1, milliseconds_left(deadline)) > 0;
}

} // namespace

std::unique_ptr<TlsSocket> TlsSocket::connect(int port, const std::string& source)
{
    std::unique_ptr<TlsSocket> socket(new TlsSocket());
    socket->m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (socket->m_fd < 0)
        return nullptr;
    int on = 1;
    setsockopt(socket->m_fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (!source.empty()) {
        sockaddr_in from{};
        from.sin_family = AF_INET;
        inet_pton(AF_INET, source.c_str(), &from.sin_addr);
        if (::bind(socket->m_fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0)
            return nullptr;
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(socket->m_fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0)
        return nullptr;
    return socket;
}

TlsSocket::~TlsSocket()
{
    m_tls.reset();
    if (m_fd >= 0)
        ::close(m_fd);
}

bool TlsSocket::send_plain(std::string_view bytes)
{
    while (!bytes.empty()) {
        ssize_t sent = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent <= 0)
            return false;
        bytes.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
}

bool TlsSocket::handshake(const std::filesystem::path& ca_file, const TlsOptions& options,
                          std::chrono::milliseconds timeout)
{
    m_tls = std::make_unique<Tls>();
    m_tls->context = SSL_CTX_new(TLS_client_method());
    SSL_CTX* ctx = m_tls->context;
    if (options.min_version) {
        SSL_CTX_set_security_level(ctx, 0); // let the test offer what a modern client would not
        SSL_CTX_set_min_proto_version(ctx, options.min_version);
    }
    if (options.max_version)
        SSL_CTX_set_max_proto_version(ctx, options.max_version);
    if (!options.ciphers.empty() && SSL_CTX_set_cipher_list(ctx, options.ciphers.c_str()) != 1)
        return false;
    SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    m_tls->ssl = SSL_new(ctx);
    SSL_set_fd(m_tls->ssl, m_fd);
    // Head office's test certificates name 127.0.0.1 (feedback-hq init --hostname 127.0.0.1).
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(m_tls->ssl), "127.0.0.1");
    int flags = fcntl(m_fd, F_GETFL);
    fcntl(m_fd, F_SETFL, flags | O_NONBLOCK);
    auto deadline = Clock::now() + timeout;
    for (;;) {
        ERR_clear_error();
        int done = SSL_connect(m_tls->ssl);
        if (done == 1)
            return true;
        int error = SSL_get_error(m_tls->ssl, done);
        short events = error == SSL_ERROR_WANT_READ ? POLLIN : error == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (events == 0 || !wait_for(m_fd, events, deadline)) {
            ERR_clear_error();
            return false;
        }
    }
}

std::string TlsSocket::cipher() const { return m_tls && m_tls->ssl ? SSL_get_cipher_name(m_tls->ssl) : ""; }
std::string TlsSocket::version() const { return m_tls && m_tls->ssl ? SSL_get_version(m_tls->ssl) : ""; }

bool TlsSocket::send(std::string_view bytes)
{
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (!bytes.empty()) {
        ERR_clear_error();
        int written = SSL_write(m_tls->ssl, bytes.data(), static_cast<int>(std::min<size_t>(bytes.size(), 16384)));
        if (written > 0) {
            bytes.remove_prefix(static_cast<size_t>(written));
            continue;
        }
        int error = SSL_get_error(m_tls->ssl, written);
        short events = error == SSL_ERROR_WANT_READ ? POLLIN : error == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (events == 0 || !wait_for(m_fd, events, deadline)) {
            ERR_clear_error();
            return false;
        }
    }
    return true;
}

bool TlsSocket::readable(std::chrono::milliseconds wait)
{
    if (!m_in.empty())
        return true;
    if (!m_tls || !m_tls->ssl)
        return wait_for(m_fd, POLLIN, Clock::now() + wait);
    // TLS 1.3 servers send session tickets after the handshake: the socket
    // is readable without an answer. Only application data (or the end) counts.
    auto deadline = Clock::now() + wait;
    for (;;) {
        char byte;
        ERR_clear_error();
        int peeked = SSL_peek(m_tls->ssl, &byte, 1);
        if (peeked > 0)
            return true;
        int error = SSL_get_error(m_tls->ssl, peeked);
        if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
            ERR_clear_error();
            return true; // closed or broken: reading will say so
        }
        if (!wait_for(m_fd, error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline))
            return false;
    }
}

bool TlsSocket::fill(Clock::time_point deadline)
{
    char buffer[16384];
    for (;;) {
        ERR_clear_error();
        int got = SSL_read(m_tls->ssl, buffer, sizeof buffer);
        if (got > 0) {
            m_in.append(buffer, static_cast<size_t>(got));
            return true;
        }
        int error = SSL_get_error(m_tls->ssl, got);
        short events = error == SSL_ERROR_WANT_READ ? POLLIN : error == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (events == 0 || !wait_for(m_fd, events, deadline)) {
            ERR_clear_error();
            return false;
        }
    }
}

std::optional<RawAnswer> TlsSocket::read_answer(std::chrono::milliseconds timeout)
{
    auto deadline = Clock::now() + timeout;
    size_t head_end = 0;
    while ((head_end = m_in.find("\r\n\r\n")) == std::string::npos)
        if (!fill(deadline))
            return std::nullopt;
    RawAnswer answer;
    std::string head = m_in.substr(0, head_end);
    m_in.erase(0, head_end + 4);
    if (head.size() < 12)
        return std::nullopt;
    answer.status = std::atoi(head.substr(9, 3).c_str());
    size_t position = head.find("\r\n");
    while (position != std::string::npos) {
        size_t next = head.find("\r\n", position + 2);
        std::string line = head.substr(position + 2, next == std::string::npos ? std::string::npos : next - position - 2);
        auto colon = line.find(':');
        if (colon != std::string::npos) {
            std::string name = line.substr(0, colon);
            std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            answer.headers[name] = value;
        }
        position = next;
    }
    if (answer.header("transfer-encoding") == "chunked") {
        for (;;) {
            size_t line_end;
            while ((line_end = m_in.find("\r\n")) == std::string::npos)
                if (!fill(deadline))
                    return std::nullopt;
            size_t size = std::strtoul(m_in.substr(0, line_end).c_str(), nullptr, 16);
            while (m_in.size() < line_end + 2 + size + 2)
                if (!fill(deadline))
                    return std::nullopt;
            answer.body.append(m_in, line_end + 2, size);
            m_in.erase(0, line_end + 2 + size + 2);
            if (size == 0)
                return answer;
        }
    }
    size_t length = std::strtoul(answer.header("content-length").c_str(), nullptr, 10);
    while (m_in.size() < length)
        if (!fill(deadline))
            return std::nullopt;
    answer.body = m_in.substr(0, length);
    m_in.erase(0, length);
    return answer;
}

bool TlsSocket::closed_by_peer(std::chrono::milliseconds timeout)
{
    auto deadline = Clock::now() + timeout;
    char buffer[16384];
    for (;;) {
        if (!wait_for(m_fd, POLLIN, deadline))
            return false;
        ssize_t got = ::recv(m_fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            return true; // closed, or reset
    }
}

} // namespace feedback::testing
