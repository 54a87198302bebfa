// The event loop of head office's TLS front (see tls_front.h): accepting,
// the non-blocking TLS handshake, reading request heads and bodies under
// deadlines, relaying whole requests to the routes on loopback and their
// answers back, and the connection limits.
#include "hq/front/tls_front.h"

#include "common/protocol.h"
#include "hq/front/http_framing.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace feedback::hq::front {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t read_chunk = 16 * 1024;
// While this much of an answer waits for a slow client, the front stops
// reading the routes' answer (their worker then waits: only for answers
// larger than this, which need a login).
constexpr size_t relay_high_water = 1024 * 1024;
// A client that takes nothing of its answer for this long is dropped.
constexpr int write_stall_seconds = 30;
// After refusing a request the front stops writing and reads (and drops)
// what the client still sends for this long, so the client sees the answer
// instead of a reset (RFC 9112 9.6).
constexpr int linger_seconds = 2;
constexpr size_t linger_max_bytes = 64 * 1024 * 1024;
// How often connection-level events (deadlines, limits) are summed up in the log.
constexpr int summary_seconds = 10;

const char* reason_phrase(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
    }
}

std::string address_text(const sockaddr_storage& address)
{
    char text[INET6_ADDRSTRLEN] = {};
    if (address.ss_family == AF_INET) {
        const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
        inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    } else if (address.ss_family == AF_INET6) {
        const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
        inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    }
    std::string result(text);
    if (result.rfind("::ffff:", 0) == 0 && result.find('.') != std::string::npos)
        result.erase(0, 7); // an IPv4 client on a dual-stack socket
    return result;
}

bool is_ip_address(std::string_view text)
{
    std::string copy(text);
    unsigned char buffer[sizeof(in6_addr)];
    return inet_pton(AF_INET, copy.c_str(), buffer) == 1 || inet_pton(AF_INET6, copy.c_str(), buffer) == 1;
}

// Headers of the client's request the front does not pass on: framing and
// connection management are the front's own, and its two headers only it may set.
bool is_front_owned(std::string_view name)
{
    for (const char* owned : {"Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Expect", "TE",
                              "Upgrade", "Proxy-Connection", "Trailer", header_front_secret, header_client_address})
        if (same_name(name, owned))
            return true;
    return false;
}

// Whether the routes may compress the answer (they do when the request
// accepts an encoding). Only for a client that authenticates each request
// with a bearer token it adds itself (terminals, the intake API): a browser's
// requests carry cookies that a page on another site can make it send, and a
// compressed page that holds a secret (a CSRF token) beside text the attacker
// chose gives the secret away by its size (BREACH, CVE-2013-3587).
bool may_compress_answer(const RequestHead& head)
{
    const std::string* authorization = head.find("Authorization");
    return authorization && authorization->starts_with("Bearer ");
}

enum class Phase { handshake, head, body, relay, lingering };

struct Connection;
// What an epoll event is about: a client's socket or its relay to the routes.
struct Endpoint {
    Connection* connection = nullptr;
    bool backend = false;
};

struct Connection {
    int fd = -1;
    SSL* ssl = nullptr;
    std::string peer;
    bool from_trusted_proxy = false;
    bool dead = false;
    Phase phase = Phase::handshake;
    Clock::time_point deadline;
    bool ssl_wants_read = false;
    bool ssl_wants_write = false;
    uint32_t client_interest = 0;

    // The request being read.
    std::string in; // decrypted bytes not yet taken by a head or body
    RequestHead head;
    std::string body;
    uint64_t body_expected = 0; // Content-Length
    uint64_t body_limit = 0;    // the route's BodyRule
    std::optional<ChunkedDecoder> chunked;
    uint64_t counted_body = 0; // this connection's part of Impl::buffered_body
    int requests = 0;

    // To the client.
    std::string out;
    size_t out_sent = 0;
    Clock::time_point last_write_progress;
    bool close_after_answer = false;
    bool refused = false; // the answer is the front's own refusal: linger, then close
    size_t lingered = 0;

    // The relay to the routes.
    int backend_fd = -1;
    uint32_t backend_interest = 0; // 0: not in epoll (paused for a slow client)
    bool backend_connected = false;
    std::string to_backend;
    size_t to_backend_sent = 0;
    std::string response_head; // until it is whole
    bool response_head_seen = false;
    bool backend_done = false;

    Endpoint client_end{this, false};
    Endpoint backend_end{this, true};
};

} // namespace

// [SECTION] The TLS context

Result<std::unique_ptr<ssl_ctx_st, void (*)(ssl_ctx_st*)>> make_server_tls_context(const std::string& certificate_file,
                                                                                   const std::string& key_file)
{
    std::unique_ptr<ssl_ctx_st, void (*)(ssl_ctx_st*)> context(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
    if (!context)
        return Error{ErrorKind::internal, "OpenSSL could not make a TLS context"};
    SSL_CTX* ctx = context.get();
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    // TLS 1.2: forward secrecy and AEAD only (no CBC: LUCKY13 and friends);
    // TLS 1.3's suites are all AEAD. The server's order decides.
    if (SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                     "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                     "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305") != 1)
        return Error{ErrorKind::internal, "OpenSSL refused head office's cipher list"};
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_use_certificate_chain_file(ctx, certificate_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        ERR_clear_error();
        return Error{ErrorKind::invalid_input,
                     "the server certificate " + certificate_file + " or its key could not be loaded"};
    }
    return context;
}

// [SECTION] The loop's state

struct TlsFront::Impl {
    Impl(TlsContext tls, FrontSettings given, FrontHooks given_hooks, int port, std::string given_secret)
        : context(std::move(tls)), settings(std::move(given)), hooks(std::move(given_hooks)), backend_port(port),
          secret(std::move(given_secret))
    {
    }

    std::mutex context_mutex; // replace_context() comes from another thread
    TlsContext context;       // under context_mutex
    FrontSettings settings;
    FrontHooks hooks;
    int backend_port;
    std::string secret;

    int epoll_fd = -1;
    int listen_fd = -1;
    int wake_fd = -1;
    std::atomic<bool> stopping{false};
    Endpoint listen_end;
    Endpoint wake_end;
    bool listen_paused = false;
    Clock::time_point listen_resume_at;

    std::unordered_map<Connection*, std::unique_ptr<Connection>> connections;
    std::vector<std::unique_ptr<Connection>> graveyard; // freed after each batch of events
    std::unordered_map<std::string, int> per_address;
    uint64_t buffered_body = 0;

    // Connection-level events, summed up in the log every summary_seconds.
    std::map<std::string, int> summary;
    Clock::time_point summary_at = Clock::now();

    // Life cycle
    Result<void> open_epoll();
    void watch(int fd, Endpoint* endpoint, uint32_t events, uint32_t& registered);
    // Like watch() for the relay, which leaves epoll while paused (a closed
    // relay would report EPOLLHUP even with no events asked for).
    void watch_backend(Connection& c, uint32_t events);
    void close_backend(Connection& c);
    void accept_all();
    void close(Connection& c);
    void note(const std::string& what) { ++summary[what]; }
    void flush_summary(bool force);
    void expire(Clock::time_point now);

    // A client's connection
    void pump(Connection& c);
    bool handshake(Connection& c);
    bool flush(Connection& c);
    enum class Input { waiting, progressed, closed };
    Input take_input(Connection& c);
    bool process_in(Connection& c);
    void start_body(Connection& c);
    bool account(Connection& c, uint64_t now_buffered);
    void refuse(Connection& c, int status, sync::ErrorCode code, std::string message);
    void linger(Connection& c);
    void finish_answer(Connection& c);
    void update_interest(Connection& c);

    // The relay
    void forward(Connection& c);
    void on_backend(Connection& c, uint32_t events);
    void on_response_bytes(Connection& c, std::string_view bytes);
    std::string forwarded_address(const Connection& c) const;
};

Result<void> TlsFront::Impl::open_epoll()
{
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_fd < 0 || wake_fd < 0)
        return Error{ErrorKind::internal, std::string("epoll/eventfd: ") + std::strerror(errno)};
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = &wake_end;
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &event);
    return {};
}

void TlsFront::Impl::watch(int fd, Endpoint* endpoint, uint32_t events, uint32_t& registered)
{
    if (events == registered)
        return;
    epoll_event event{};
    event.events = events;
    event.data.ptr = endpoint;
    epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &event);
    registered = events;
}

void TlsFront::Impl::watch_backend(Connection& c, uint32_t events)
{
    if (events == c.backend_interest || c.backend_fd < 0)
        return;
    epoll_event event{};
    event.events = events;
    event.data.ptr = &c.backend_end;
    int operation = events == 0 ? EPOLL_CTL_DEL : c.backend_interest == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    epoll_ctl(epoll_fd, operation, c.backend_fd, &event);
    c.backend_interest = events;
}

void TlsFront::Impl::close_backend(Connection& c)
{
    if (c.backend_fd < 0)
        return;
    if (c.backend_interest != 0)
        epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.backend_fd, nullptr);
    ::close(c.backend_fd);
    c.backend_fd = -1;
    c.backend_interest = 0;
}

void TlsFront::Impl::accept_all()
{
    for (;;) {
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        int fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                // Out of descriptors: stop accepting for a moment instead of
                // spinning on a socket that stays readable.
                note("accept paused: out of file descriptors");
                epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
                listen_paused = true;
                listen_resume_at = Clock::now() + std::chrono::milliseconds(100);
            }
            return; // EAGAIN: all taken; anything else: try at the next event
        }
        std::string peer = address_text(address);
        bool trusted = std::find(settings.trusted_proxies.begin(), settings.trusted_proxies.end(), peer) !=
                       settings.trusted_proxies.end();
        int& from_peer = per_address[peer];
        if (static_cast<int>(connections.size()) >= settings.max_connections ||
            (!trusted && from_peer >= settings.max_connections_per_address)) {
            note(static_cast<int>(connections.size()) >= settings.max_connections
                     ? "connections closed at once: " + std::to_string(settings.max_connections) + " open in all"
                     : "connections closed at once: " + std::to_string(settings.max_connections_per_address) +
                           " open from " + peer);
            if (from_peer == 0)
                per_address.erase(peer);
            ::close(fd);
            continue;
        }
        ++from_peer;
        int on = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        auto connection = std::make_unique<Connection>();
        Connection& c = *connection;
        c.fd = fd;
        c.peer = std::move(peer);
        c.from_trusted_proxy = trusted;
        c.deadline = Clock::now() + std::chrono::seconds(settings.head_seconds);
        {
            std::lock_guard lock(context_mutex);
            c.ssl = SSL_new(context.get()); // holds its own reference to the context
        }
        if (!c.ssl || SSL_set_fd(c.ssl, fd) != 1) {
            if (c.ssl)
                SSL_free(c.ssl);
            ERR_clear_error();
            if (--per_address[c.peer] == 0)
                per_address.erase(c.peer);
            ::close(fd);
            continue;
        }
        SSL_set_accept_state(c.ssl);
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.ptr = &c.client_end;
        epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
        c.client_interest = EPOLLIN;
        connections.emplace(&c, std::move(connection));
    }
}

void TlsFront::Impl::close(Connection& c)
{
    if (c.dead)
        return;
    c.dead = true;
    close_backend(c);
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
    SSL_free(c.ssl);
    ::close(c.fd);
    buffered_body -= c.counted_body;
    if (--per_address[c.peer] <= 0)
        per_address.erase(c.peer);
    auto found = connections.find(&c);
    graveyard.push_back(std::move(found->second));
    connections.erase(found);
}

void TlsFront::Impl::flush_summary(bool force)
{
    auto now = Clock::now();
    if (summary.empty() || (!force && now - summary_at < std::chrono::seconds(summary_seconds)))
        return;
    summary_at = now;
    if (hooks.log)
        for (const auto& [what, count] : summary)
            hooks.log(FrontLogEntry{"-", "-", "-", 0, what + " (x" + std::to_string(count) + ")"});
    summary.clear();
}

void TlsFront::Impl::expire(Clock::time_point now)
{
    std::vector<Connection*> overdue;
    for (auto& [key, c] : connections) {
        bool waiting_for_client = c->phase == Phase::handshake || c->phase == Phase::head || c->phase == Phase::body;
        bool stalled_answer = c->out_sent < c->out.size() &&
                              now - c->last_write_progress > std::chrono::seconds(write_stall_seconds);
        if (((waiting_for_client || c->phase == Phase::lingering) && now > c->deadline) || stalled_answer)
            overdue.push_back(key);
    }
    for (Connection* c : overdue) {
        if (c->phase == Phase::handshake)
            note("connections closed: no TLS handshake and request head within " +
                 std::to_string(settings.head_seconds) + " s");
        else if (c->phase == Phase::head)
            note(c->requests == 0 ? "connections closed: no request head within " +
                                        std::to_string(settings.head_seconds) + " s"
                                  : "kept-alive connections closed after " +
                                        std::to_string(settings.keep_alive_seconds) + " s idle");
        else if (c->phase == Phase::body)
            note("connections closed: the body did not arrive in time");
        else if (c->phase != Phase::lingering)
            note("connections closed: the client took nothing of its answer for " +
                 std::to_string(write_stall_seconds) + " s");
        close(*c);
    }
}

// [SECTION] A client's connection

void TlsFront::Impl::pump(Connection& c)
{
    if (c.dead)
        return;
    if (c.phase == Phase::lingering) {
        linger(c);
        return;
    }
    if (c.phase == Phase::handshake && !handshake(c))
        return;
    for (;;) {
        if (!flush(c))
            return;
        if (c.out_sent < c.out.size())
            break; // the socket is full: wait for it
        if (c.refused) {
            linger(c);
            return;
        }
        if (c.phase == Phase::relay) {
            if (c.backend_done) {
                finish_answer(c);
                if (c.dead)
                    return;
                continue;
            }
            if (c.backend_connected && c.to_backend.empty())
                watch_backend(c, EPOLLIN); // room again: read on
            break;
        }
        Input input = take_input(c);
        if (input == Input::closed)
            return;
        if (input == Input::waiting)
            break;
    }
    update_interest(c);
}

// True once the handshake is done; false while it waits (or when it failed
// and the connection is closed).
bool TlsFront::Impl::handshake(Connection& c)
{
    ERR_clear_error();
    int done = SSL_do_handshake(c.ssl);
    if (done == 1) {
        c.phase = Phase::head;
        c.ssl_wants_read = c.ssl_wants_write = false;
        return true;
    }
    int error = SSL_get_error(c.ssl, done);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
        c.ssl_wants_read = error == SSL_ERROR_WANT_READ;
        c.ssl_wants_write = error == SSL_ERROR_WANT_WRITE;
        update_interest(c);
        return false;
    }
    ERR_clear_error();
    note("TLS handshakes failed");
    close(c);
    return false;
}

// Writes what waits for the client; false when the connection broke (and is closed).
bool TlsFront::Impl::flush(Connection& c)
{
    while (c.out_sent < c.out.size()) {
        ERR_clear_error();
        size_t size = std::min(c.out.size() - c.out_sent, read_chunk);
        int written = SSL_write(c.ssl, c.out.data() + c.out_sent, static_cast<int>(size));
        if (written > 0) {
            c.out_sent += static_cast<size_t>(written);
            c.last_write_progress = Clock::now();
            continue;
        }
        int error = SSL_get_error(c.ssl, written);
        if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ) {
            c.ssl_wants_write = error == SSL_ERROR_WANT_WRITE;
            c.ssl_wants_read = error == SSL_ERROR_WANT_READ;
            return true;
        }
        ERR_clear_error();
        close(c);
        return false;
    }
    c.out.clear();
    c.out_sent = 0;
    return true;
}

TlsFront::Impl::Input TlsFront::Impl::take_input(Connection& c)
{
    if (process_in(c))
        return c.dead ? Input::closed : Input::progressed;
    char buffer[read_chunk];
    ERR_clear_error();
    int read = SSL_read(c.ssl, buffer, sizeof buffer);
    if (read > 0) {
        c.ssl_wants_read = c.ssl_wants_write = false;
        c.in.append(buffer, static_cast<size_t>(read));
        return Input::progressed;
    }
    int error = SSL_get_error(c.ssl, read);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
        c.ssl_wants_read = error == SSL_ERROR_WANT_READ;
        c.ssl_wants_write = error == SSL_ERROR_WANT_WRITE;
        return Input::waiting;
    }
    ERR_clear_error();
    if (c.phase == Phase::body)
        note("connections closed by the client in the middle of a body");
    close(c); // the client hung up (or broke TLS)
    return Input::closed;
}

// Moves the request along with the bytes in `c.in`; true when something
// happened (a phase changed, an answer was queued), false when it needs more.
bool TlsFront::Impl::process_in(Connection& c)
{
    if (c.phase == Phase::head) {
        auto end = c.in.find("\r\n\r\n");
        if (end == std::string::npos || end + 4 > settings.max_head_bytes) {
            if (c.in.size() <= settings.max_head_bytes)
                return false;
            refuse(c, 431, sync::ErrorCode::headers_too_large,
                   "the request head is larger than " + std::to_string(settings.max_head_bytes) + " bytes");
            return true;
        }
        auto parsed = parse_request_head(std::string_view(c.in).substr(0, end));
        c.in.erase(0, end + 4);
        if (auto* refusal = std::get_if<Refusal>(&parsed)) {
            refuse(c, refusal->status, refusal->code, std::move(refusal->message));
            return true;
        }
        c.head = std::move(std::get<RequestHead>(parsed));
        ++c.requests;
        start_body(c);
        return true;
    }
    if (c.phase != Phase::body || c.in.empty())
        return false;
    if (c.chunked) {
        size_t used = 0;
        auto status = c.chunked->feed(c.in, used);
        c.in.erase(0, used);
        if (!account(c, c.chunked->data().size()))
            return true;
        switch (status) {
        case ChunkedDecoder::Status::need_more:
            return false;
        case ChunkedDecoder::Status::too_large:
            refuse(c, 413, sync::ErrorCode::body_too_large,
                   "the body is larger than the " + std::to_string(c.body_limit) + " bytes this address takes");
            return true;
        case ChunkedDecoder::Status::malformed:
            refuse(c, 400, sync::ErrorCode::bad_request, "the chunked body is malformed");
            return true;
        case ChunkedDecoder::Status::done:
            c.body = std::move(c.chunked->data());
            c.chunked.reset();
            forward(c);
            return true;
        }
    }
    size_t take = static_cast<size_t>(std::min<uint64_t>(c.body_expected - c.body.size(), c.in.size()));
    c.body.append(c.in, 0, take);
    c.in.erase(0, take);
    if (c.body.size() < c.body_expected)
        return false;
    forward(c);
    return true;
}

void TlsFront::Impl::start_body(Connection& c)
{
    const RequestHead& head = c.head;
    BodyRule rule = hooks.body_policy ? hooks.body_policy(head.method, head.path()) : BodyRule{};
    if (!head.content_encoding.empty() && !(rule.gzip_allowed && head.content_encoding == "gzip")) {
        refuse(c, 415, sync::ErrorCode::unsupported_encoding,
               rule.gzip_allowed ? "this address takes a body plain or gzip, nothing else"
                                 : "this address takes no Content-Encoding: send the body plain");
        return;
    }
    if (head.content_length && *head.content_length > rule.max_bytes) {
        refuse(c, 413, sync::ErrorCode::body_too_large,
               "the body is larger than the " + std::to_string(rule.max_bytes) + " bytes this address takes");
        return;
    }
    uint64_t expected = head.chunked ? rule.max_bytes : head.content_length.value_or(0);
    if (buffered_body + std::min<uint64_t>(expected, 64 * 1024) > settings.max_buffered_body_bytes) {
        refuse(c, 503, sync::ErrorCode::busy, "head office is reading many bodies at once; try again shortly");
        return;
    }
    c.body_limit = rule.max_bytes;
    if (head.chunked)
        c.chunked.emplace(rule.max_bytes);
    c.body_expected = head.content_length.value_or(0);
    if (head.expect_continue)
        c.out += "HTTP/1.1 100 Continue\r\n\r\n";
    c.phase = Phase::body;
    c.deadline = Clock::now() + std::chrono::seconds(settings.body_seconds) +
                 std::chrono::seconds(expected / std::max<uint64_t>(settings.min_body_rate, 1));
    if (!head.chunked && c.body_expected == 0)
        forward(c);
}

// Counts a connection's body bytes against the front's total; false (with
// the request refused) when the total is full.
bool TlsFront::Impl::account(Connection& c, uint64_t now_buffered)
{
    buffered_body += now_buffered - c.counted_body;
    c.counted_body = now_buffered;
    if (buffered_body <= settings.max_buffered_body_bytes)
        return true;
    refuse(c, 503, sync::ErrorCode::busy, "head office is reading many bodies at once; try again shortly");
    return false;
}

void TlsFront::Impl::refuse(Connection& c, int status, sync::ErrorCode code, std::string message)
{
    if (hooks.log)
        hooks.log(FrontLogEntry{c.peer, c.head.method.empty() ? "-" : c.head.method,
                                c.head.target.empty() ? "-" : std::string(c.head.path()), status,
                                std::string(sync::wire_name(code))});
    std::string body = sync::error_body(code, message);
    std::string answer = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
    answer += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    if (hooks.answer_headers)
        answer += hooks.answer_headers();
    if (status == 503)
        answer += "Retry-After: 1\r\n";
    answer += "Connection: close\r\n\r\n";
    c.out += answer + body;
    c.refused = true;
    c.body.clear();
    c.chunked.reset();
    buffered_body -= c.counted_body;
    c.counted_body = 0;
}

// After a refusal: the answer is out; say goodbye, stop writing, read and
// drop what the client still sends for a moment, then close.
void TlsFront::Impl::linger(Connection& c)
{
    if (c.phase != Phase::lingering) {
        ERR_clear_error();
        SSL_shutdown(c.ssl); // close_notify; not waiting for the client's
        ERR_clear_error();
        ::shutdown(c.fd, SHUT_WR);
        c.phase = Phase::lingering;
        c.deadline = Clock::now() + std::chrono::seconds(linger_seconds);
        watch(c.fd, &c.client_end, EPOLLIN | EPOLLRDHUP, c.client_interest);
    }
    char buffer[read_chunk];
    for (;;) {
        ssize_t got = ::recv(c.fd, buffer, sizeof buffer, 0);
        if (got > 0) {
            c.lingered += static_cast<size_t>(got);
            if (c.lingered < linger_max_bytes)
                continue;
        } else if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        close(c);
        return;
    }
}

// The routes' answer is relayed whole: wait for the next request, or close.
void TlsFront::Impl::finish_answer(Connection& c)
{
    close_backend(c);
    if (c.close_after_answer || stopping) {
        ERR_clear_error();
        SSL_shutdown(c.ssl);
        ERR_clear_error();
        close(c);
        return;
    }
    c.phase = Phase::head;
    c.deadline = Clock::now() + std::chrono::seconds(settings.keep_alive_seconds);
    c.head = RequestHead{};
    c.body.clear();
    c.body_expected = 0;
    c.backend_connected = c.backend_done = c.response_head_seen = false;
    c.to_backend.clear();
    c.to_backend_sent = 0;
    c.response_head.clear();
}

void TlsFront::Impl::update_interest(Connection& c)
{
    if (c.dead || c.phase == Phase::lingering)
        return;
    uint32_t events = 0;
    bool reading = c.phase == Phase::handshake || c.phase == Phase::head || c.phase == Phase::body;
    if (c.ssl_wants_read || (reading && !c.ssl_wants_write))
        events |= EPOLLIN;
    if (c.ssl_wants_write || c.out_sent < c.out.size())
        events |= EPOLLOUT;
    watch(c.fd, &c.client_end, events, c.client_interest);
}

// [SECTION] The relay to the routes

std::string TlsFront::Impl::forwarded_address(const Connection& c) const
{
    if (!c.from_trusted_proxy)
        return c.peer;
    // The last address a trusted proxy appended is the one it saw; anything
    // before it came from the client and proves nothing.
    const std::string* forwarded = c.head.find("X-Forwarded-For");
    if (!forwarded)
        return c.peer;
    std::string_view list = *forwarded;
    auto comma = list.rfind(',');
    std::string_view last = comma == std::string_view::npos ? list : list.substr(comma + 1);
    while (!last.empty() && last.front() == ' ')
        last.remove_prefix(1);
    while (!last.empty() && last.back() == ' ')
        last.remove_suffix(1);
    return is_ip_address(last) ? std::string(last) : c.peer;
}

void TlsFront::Impl::forward(Connection& c)
{
    const RequestHead& head = c.head;
    std::string request = head.method + " " + head.target + " HTTP/1.1\r\n";
    bool compress = may_compress_answer(head);
    for (const auto& header : head.headers)
        if (!is_front_owned(header.name) && (compress || !same_name(header.name, "Accept-Encoding")))
            request += header.name + ": " + header.value + "\r\n";
    if (head.content_length || head.chunked || !c.body.empty())
        request += "Content-Length: " + std::to_string(c.body.size()) + "\r\n";
    request += std::string(header_front_secret) + ": " + secret + "\r\n";
    request += std::string(header_client_address) + ": " + forwarded_address(c) + "\r\n";
    request += "Connection: close\r\n\r\n";
    c.to_backend = std::move(request);
    c.to_backend += c.body;
    c.body.clear();
    c.body.shrink_to_fit();
    buffered_body -= c.counted_body;
    c.counted_body = 0;
    c.close_after_answer = head.wants_close;
    c.phase = Phase::relay;

    c.backend_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.backend_fd < 0) {
        refuse(c, 503, sync::ErrorCode::busy, "head office has no room for another request just now; try again shortly");
        return;
    }
    int on = 1;
    setsockopt(c.backend_fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    sockaddr_in backend{};
    backend.sin_family = AF_INET;
    backend.sin_port = htons(static_cast<uint16_t>(backend_port));
    backend.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(c.backend_fd, reinterpret_cast<sockaddr*>(&backend), sizeof backend) != 0 &&
        errno != EINPROGRESS) {
        ::close(c.backend_fd);
        c.backend_fd = -1;
        refuse(c, 502, sync::ErrorCode::unavailable, "head office's routes are not answering; try again shortly");
        return;
    }
    watch_backend(c, EPOLLOUT);
    update_interest(c);
}

void TlsFront::Impl::on_backend(Connection& c, uint32_t events)
{
    auto fail = [&] {
        if (!c.response_head_seen) {
            refuse(c, 502, sync::ErrorCode::unavailable, "head office's routes failed on this request; try again");
        } else {
            c.close_after_answer = true; // part of an answer went out: the client must see it end
            c.backend_done = true;
        }
        close_backend(c);
    };
    if (!c.backend_connected) {
        int error = 0;
        socklen_t length = sizeof error;
        getsockopt(c.backend_fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) {
            fail();
            pump(c);
            return;
        }
        c.backend_connected = true;
    }
    while (c.to_backend_sent < c.to_backend.size()) {
        ssize_t sent = ::send(c.backend_fd, c.to_backend.data() + c.to_backend_sent,
                              c.to_backend.size() - c.to_backend_sent, MSG_NOSIGNAL);
        if (sent > 0) {
            c.to_backend_sent += static_cast<size_t>(sent);
            continue;
        }
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return; // still EPOLLOUT
        // The routes stopped reading: they may have answered without the
        // body (a batch refused before it is inflated) and closed. Their
        // answer is still in the socket: read it before calling it a failure.
        c.to_backend_sent = c.to_backend.size();
        events |= EPOLLIN;
        break;
    }
    if (!c.to_backend.empty()) {
        c.to_backend.clear();
        c.to_backend.shrink_to_fit();
        c.to_backend_sent = 0;
        watch_backend(c, EPOLLIN);
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        char buffer[read_chunk];
        while (c.backend_fd >= 0 && c.out.size() - c.out_sent < relay_high_water) {
            ssize_t got = ::recv(c.backend_fd, buffer, sizeof buffer, 0);
            if (got > 0) {
                on_response_bytes(c, std::string_view(buffer, static_cast<size_t>(got)));
                continue;
            }
            if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            if (got == 0 && c.response_head_seen) {
                c.backend_done = true;
                close_backend(c);
            } else {
                fail();
            }
            break;
        }
        if (c.backend_fd >= 0 && c.out.size() - c.out_sent >= relay_high_water)
            watch_backend(c, 0); // the client is slow: wait for it
    }
    pump(c);
}

void TlsFront::Impl::on_response_bytes(Connection& c, std::string_view bytes)
{
    if (c.response_head_seen) {
        c.out.append(bytes);
        return;
    }
    c.response_head.append(bytes);
    auto head = scan_response_head(c.response_head, c.head.method == "HEAD");
    if (!head) {
        if (c.response_head.size() > 64 * 1024)
            c.response_head_seen = true, c.close_after_answer = true, c.out += c.response_head; // pass it on as it is
        return;
    }
    c.response_head_seen = true;
    if (!head->self_delimited)
        c.close_after_answer = true; // the answer ends where the connection does
    bool keep = !c.close_after_answer && !stopping;
    c.out += rewrite_connection(std::string_view(c.response_head).substr(0, head->head_bytes),
                                keep ? "keep-alive" : "close");
    c.out.append(c.response_head, head->head_bytes);
    c.response_head.clear();
    c.response_head.shrink_to_fit();
}

// [SECTION] TlsFront

TlsFront::TlsFront(TlsContext context, FrontSettings settings, FrontHooks hooks, int backend_port, std::string secret)
    : m_impl(std::make_unique<Impl>(std::move(context), std::move(settings), std::move(hooks), backend_port,
                                    std::move(secret)))
{
}

TlsFront::~TlsFront()
{
    for (auto& [key, c] : m_impl->connections) {
        if (c->backend_fd >= 0)
            ::close(c->backend_fd);
        SSL_free(c->ssl);
        ::close(c->fd);
    }
    for (int fd : {m_impl->listen_fd, m_impl->wake_fd, m_impl->epoll_fd})
        if (fd >= 0)
            ::close(fd);
}

Result<int> TlsFront::bind(const std::string& host, int port)
{
    // Each connection needs two descriptors (the client, the relay): raise
    // the soft limit to what the system allows.
    rlimit files{};
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    std::string service = std::to_string(port);
    if (getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found) != 0 || !found)
        return Error{ErrorKind::io, "cannot listen on " + host + ": not an address of this machine"};
    int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, found->ai_protocol);
    int on = 1;
    bool bound = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0 &&
                 ::bind(fd, found->ai_addr, found->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0;
    freeaddrinfo(found);
    if (!bound) {
        std::string why = std::strerror(errno);
        if (fd >= 0)
            ::close(fd);
        return Error{ErrorKind::io, "cannot listen on " + host + ":" + std::to_string(port) + ": " + why};
    }
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    int bound_port = address.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(address).sin6_port)
                                                   : ntohs(reinterpret_cast<sockaddr_in&>(address).sin_port);
    m_impl->listen_fd = fd;
    FEEDBACK_TRY(m_impl->open_epoll());
    return bound_port;
}

Result<void> TlsFront::run()
{
    Impl& f = *m_impl;
    if (f.listen_fd < 0)
        return Error{ErrorKind::internal, "TlsFront::run() before bind()"};
    // A client that hangs up mid-answer must not end the process.
    std::signal(SIGPIPE, SIG_IGN);
    pthread_setname_np(pthread_self(), "hq-tls-front"); // as top -H and ps -L show it
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = &f.listen_end;
    epoll_ctl(f.epoll_fd, EPOLL_CTL_ADD, f.listen_fd, &event);

    std::optional<Clock::time_point> stop_by;
    epoll_event events[256];
    for (;;) {
        if (f.stopping && !stop_by) {
            // Stop accepting; close what waits for a request; let answers finish.
            stop_by = Clock::now() + std::chrono::seconds(stop_grace_seconds);
            if (!f.listen_paused)
                epoll_ctl(f.epoll_fd, EPOLL_CTL_DEL, f.listen_fd, nullptr);
            ::close(f.listen_fd);
            f.listen_fd = -1;
            std::vector<Connection*> idle;
            for (auto& [key, c] : f.connections)
                if (c->phase != Phase::relay)
                    idle.push_back(key);
            for (Connection* c : idle)
                f.close(*c);
        }
        if (stop_by && (f.connections.empty() || Clock::now() > *stop_by))
            break;
        int ready = epoll_wait(f.epoll_fd, events, 256, 250);
        if (ready < 0 && errno != EINTR)
            return Error{ErrorKind::internal, std::string("epoll_wait: ") + std::strerror(errno)};
        for (int i = 0; i < ready; ++i) {
            auto* endpoint = static_cast<Endpoint*>(events[i].data.ptr);
            if (endpoint == &f.wake_end) {
                uint64_t ignored = 0;
                [[maybe_unused]] const ssize_t drained = ::read(f.wake_fd, &ignored, sizeof ignored);
                continue;
            }
            if (endpoint == &f.listen_end) {
                if (!f.stopping)
                    f.accept_all();
                continue;
            }
            Connection& c = *endpoint->connection;
            if (c.dead)
                continue;
            if (endpoint->backend)
                f.on_backend(c, events[i].events);
            else if (c.phase == Phase::relay && (events[i].events & (EPOLLHUP | EPOLLERR)))
                f.close(c); // the client is gone: so is its answer
            else
                f.pump(c);
        }
        f.graveyard.clear();
        auto now = Clock::now();
        if (f.listen_paused && now >= f.listen_resume_at && f.listen_fd >= 0) {
            epoll_event listen_event{};
            listen_event.events = EPOLLIN;
            listen_event.data.ptr = &f.listen_end;
            epoll_ctl(f.epoll_fd, EPOLL_CTL_ADD, f.listen_fd, &listen_event);
            f.listen_paused = false;
        }
        f.expire(now);
        f.graveyard.clear();
        f.flush_summary(false);
    }
    std::vector<Connection*> left;
    for (auto& [key, c] : f.connections)
        left.push_back(key);
    for (Connection* c : left)
        f.close(*c);
    f.graveyard.clear();
    f.flush_summary(true);
    return {};
}

void TlsFront::replace_context(TlsContext context)
{
    std::lock_guard lock(m_impl->context_mutex);
    std::swap(m_impl->context, context); // the old one is freed once its last connection is
}

void TlsFront::stop()
{
    m_impl->stopping = true;
    if (m_impl->wake_fd >= 0) {
        uint64_t one = 1;
        [[maybe_unused]] const ssize_t woken = ::write(m_impl->wake_fd, &one, sizeof one); // a full counter is awake anyway
    }
}

} // namespace feedback::hq::front
