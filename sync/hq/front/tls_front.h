// Head office's TLS front: the only part of feedback-hq that faces the
// network. One event-loop thread (epoll, non-blocking OpenSSL) accepts
// connections, does the TLS handshake, reads each request's head and whole
// body under deadlines and limits, and only then hands the request to head
// office's routes (cpp-httplib on a loopback port with its worker pool),
// relaying the answer back. A slow or idle client therefore costs a socket
// and a few kilobytes, never one of the workers that answer others.
//
// Per connection:
//
//   accept --> HANDSHAKE --> HEAD --> BODY --> RELAY --(answer sent)--+--> HEAD (keep-alive)
//                  |           |        |        |                    +--> closed
//                  +-----------+--------+--> closed (deadline passed, refused, client gone)
//
//   - HANDSHAKE + HEAD: one deadline (head_seconds) from accept; for a kept-alive
//     connection keep_alive_seconds from the end of the last answer.
//   - BODY: Content-Length or chunked, counted against the route's limit as it
//     arrives (BodyRule); a Content-Encoding only where the route takes one;
//     deadline body_seconds plus one second per min_body_rate bytes.
//   - RELAY: the request goes to the routes with Content-Length, the client's
//     address (or the one a trusted reverse proxy forwarded) and the front's
//     secret; the answer comes back as it is, with the front's own Connection.
//     Accept-Encoding reaches the routes only with a bearer token: answers to
//     browsers are never compressed (BREACH).
//
// Limits: max_connections in all, max_connections_per_address from one
// address (trusted proxies excepted); a connection over them is closed at
// once. Refusals are answered by the front itself (JSON error bodies,
// PROTOCOL.md) and reported through the log callback.
#pragma once

#include "hq/client_address.h"
#include "domain/result.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct ssl_ctx_st;

namespace feedback::hq::front {

struct FrontSettings {
    int head_seconds = 10;          // TLS handshake and request head together
    int keep_alive_seconds = 15;    // a kept-alive connection's wait for its next request head
    int body_seconds = 30;          // a body's base deadline ...
    uint64_t min_body_rate = 16 * 1024; // ... plus one second per this many bytes
    int max_connections = 4096;
    int max_connections_per_address = 64;
    size_t max_head_bytes = 16 * 1024;
    uint64_t max_buffered_body_bytes = 256ull * 1024 * 1024; // all bodies being read, together
    std::vector<std::string> trusted_proxies; // peers whose X-Forwarded-For is believed
};

// What a route accepts as a body.
struct BodyRule {
    uint64_t max_bytes = 0;     // as sent (compressed, when gzip)
    bool gzip_allowed = false;  // Content-Encoding: gzip (inflated, with a cap, by the route)
};
using BodyPolicy = std::function<BodyRule(std::string_view method, std::string_view path)>;

// One request the front answered or refused itself, for the request log.
struct FrontLogEntry {
    std::string address;
    std::string method;
    std::string path;
    int status = 0;
    std::string reason; // the error code, or what happened to the connection
};

struct FrontHooks {
    BodyPolicy body_policy;
    // Headers (each "Name: value\r\n") added to the front's own answers.
    std::function<std::string()> answer_headers;
    std::function<void(const FrontLogEntry&)> log;
};

// A TLS context as head office serves it: TLS 1.2 or newer, AEAD cipher
// suites with forward secrecy only, the server's order, no renegotiation,
// no compression. The certificate file may hold the chain.
Result<std::unique_ptr<ssl_ctx_st, void (*)(ssl_ctx_st*)>> make_server_tls_context(const std::string& certificate_file,
                                                                                   const std::string& key_file);

class TlsFront {
public:
    using TlsContext = std::unique_ptr<ssl_ctx_st, void (*)(ssl_ctx_st*)>;
    // `backend_port`: the routes' loopback port; `secret` proves to them that
    // a request came through the front.
    TlsFront(TlsContext context, FrontSettings settings, FrontHooks hooks, int backend_port, std::string secret);
    ~TlsFront();
    TlsFront(const TlsFront&) = delete;
    TlsFront& operator=(const TlsFront&) = delete;

    // Binds and listens; returns the port (useful with port 0).
    Result<int> bind(const std::string& host, int port);
    // Serves until stop(); answers being relayed are finished first (for at
    // most stop_grace_seconds), idle connections are closed.
    Result<void> run();
    // Safe from any thread.
    void stop();
    // New connections use `context` from now on; those open keep theirs
    // (a certificate renewed without dropping a connection). Safe from any thread.
    void replace_context(TlsContext context);

    static constexpr int stop_grace_seconds = 10;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace feedback::hq::front
