// The mail tests' helpers: a real SMTP server (tests/support/smtp_server.py on
// Debian's python3-aiosmtpd) with STARTTLS on a certificate from a private
// CA the test makes, the messages it accepted, and the hq.json "mail"
// settings that point head office at it.
#pragma once

#include "support/child_process.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace feedback::testing {

struct SmtpOptions {
    int fail_first = 0;          // answer the first N messages with 451
    std::string reject_rcpt;     // answer 550 to recipients containing this
};

class SmtpServer {
public:
    // Makes DIR/tls (a CA and a certificate for localhost), starts the server
    // and waits until it listens.
    explicit SmtpServer(std::filesystem::path dir, SmtpOptions options = {});
    ~SmtpServer();
    SmtpServer(const SmtpServer&) = delete;
    SmtpServer& operator=(const SmtpServer&) = delete;

    int port() const { return m_port; }
    std::filesystem::path ca_file() const { return m_dir / "tls" / "ca.pem"; }
    // hq.json's "mail" object for this server; retries after 1 s.
    nlohmann::json hq_mail_settings() const;
    // Every message accepted so far, in order (see smtp_server.py).
    std::vector<nlohmann::json> messages() const;
    // Waits until at least `count` messages were accepted; what there is then.
    std::vector<nlohmann::json> wait_for(size_t count, std::chrono::seconds timeout = std::chrono::seconds(30)) const;

private:
    std::filesystem::path m_dir;
    std::unique_ptr<ChildProcess> m_process;
    int m_port = 0;
};

// Writes `mail` as hq.json's "mail" object (head office must be restarted).
void set_hq_mail_settings(const std::filesystem::path& hq_dir, const nlohmann::json& mail);

} // namespace feedback::testing
