// A client socket with full control over every byte, for tests that play an
// attacker against the real head office: a handshake that never finishes, a
// request head sent one byte at a time, a body that never ends, raw framing
// no well-behaved HTTP library would send. TCP from any loopback address
// (all of 127.0.0.0/8 is this machine), then TLS on OpenSSL, blocking with
// timeouts.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace feedback::testing {

struct TlsOptions {
    std::string ciphers;      // TLS 1.2 cipher list; empty: OpenSSL's default
    int max_version = 0;      // e.g. TLS1_1_VERSION; 0: the newest
    int min_version = 0;      // e.g. TLS1_VERSION (to offer old versions); 0: OpenSSL's default
};

// One HTTP/1.1 answer as it came over the wire.
struct RawAnswer {
    int status = 0;
    std::map<std::string, std::string> headers; // names in lower case
    std::string body;
    std::string header(const std::string& name) const;
};

class TlsSocket {
public:
    // TCP to 127.0.0.1:port from `source` (empty: the kernel's choice);
    // nullptr when the connection could not be made.
    static std::unique_ptr<TlsSocket> connect(int port, const std::string& source = {});
    ~TlsSocket();
    TlsSocket(const TlsSocket&) = delete;
    TlsSocket& operator=(const TlsSocket&) = delete;

    // Bytes before (or instead of) TLS.
    bool send_plain(std::string_view bytes);
    // The TLS handshake, trusting `ca_file` for the address 127.0.0.1.
    bool handshake(const std::filesystem::path& ca_file, const TlsOptions& options = {},
                   std::chrono::milliseconds timeout = std::chrono::seconds(5));
    std::string cipher() const;   // negotiated suite
    std::string version() const;  // "TLSv1.3"
    // Over TLS; false once the peer is gone.
    bool send(std::string_view bytes);
    // Whether an answer (or the end) has arrived, waiting at most `wait`
    // (after the handshake: application data, not TLS housekeeping).
    bool readable(std::chrono::milliseconds wait = std::chrono::milliseconds(0));
    // Reads one answer (head and a Content-Length or chunked body).
    std::optional<RawAnswer> read_answer(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // True when the peer closes the connection (TLS or TCP) within `timeout`;
    // whatever it sends first is dropped.
    bool closed_by_peer(std::chrono::milliseconds timeout);

private:
    TlsSocket() = default;
    // Reads at least one more byte into m_in; false at the end or on timeout.
    bool fill(std::chrono::steady_clock::time_point deadline);

    int m_fd = -1;
    struct Tls;
    std::unique_ptr<Tls> m_tls;
    std::string m_in;
};

} // namespace feedback::testing
