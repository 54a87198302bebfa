// The mail tests' helpers (mail_support.h).
#include "mail_support.h"

#include "hq/certificates.h"

#include <algorithm>
#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace feedback::testing {

namespace {

std::string file_text(const std::filesystem::path& file)
{
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

SmtpServer::SmtpServer(std::filesystem::path dir, SmtpOptions options) : m_dir(std::move(dir))
{
    std::filesystem::create_directories(m_dir);
    auto tls = hq::make_private_ca(m_dir, "localhost");
    if (!tls)
        throw std::runtime_error("cannot make the SMTP server's certificate: " + tls.error().message);
    // Debian's python (the one python3-aiosmtpd installs into), not whatever is first on PATH.
    std::vector<std::string> argv{"/usr/bin/python3", std::string(FEEDBACK_SOURCE_DIR) + "/tests/support/smtp_server.py",
                                  "--cert", tls->server_certificate.string(), "--key", tls->server_key.string(),
                                  "--maildir", (m_dir / "mail").string(),
                                  "--fail-first", std::to_string(options.fail_first)};
    if (!options.reject_rcpt.empty()) {
        argv.push_back("--reject-rcpt");
        argv.push_back(options.reject_rcpt);
    }
    m_process = std::make_unique<ChildProcess>(argv);
    std::string said;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
        said += m_process->read_available(std::chrono::milliseconds(200));
        if (auto at = said.find("listening "); at != std::string::npos && said.find('\n', at) != std::string::npos) {
            m_port = std::stoi(said.substr(at + 10));
            return;
        }
    }
    throw std::runtime_error("the SMTP server did not start: " + said);
}

SmtpServer::~SmtpServer()
{
    if (m_process) {
        ::kill(m_process->pid(), SIGTERM);
        m_process->wait();
    }
}

nlohmann::json SmtpServer::hq_mail_settings() const
{
    return {{"smtp_url", "smtp://localhost:" + std::to_string(m_port)},
            {"mail_from", "Klantenservice Bakkerij <service@bakkerij.example>"},
            {"ca_file", ca_file().string()},
            {"retry_first_seconds", 1},
            {"retry_max_seconds", 2}};
}

std::vector<nlohmann::json> SmtpServer::messages() const
{
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(m_dir / "mail", ec))
        if (entry.path().extension() == ".json")
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::vector<nlohmann::json> messages;
    for (const auto& file : files)
        messages.push_back(nlohmann::json::parse(file_text(file)));
    return messages;
}

std::vector<nlohmann::json> SmtpServer::wait_for(size_t count, std::chrono::seconds timeout) const
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto got = messages();
    while (got.size() < count && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        got = messages();
    }
    return got;
}

void set_hq_mail_settings(const std::filesystem::path& hq_dir, const nlohmann::json& mail)
{
    auto settings = nlohmann::json::parse(file_text(hq_dir / "hq.json"));
    settings["mail"] = mail;
    std::ofstream(hq_dir / "hq.json") << settings.dump(2);
}

} // namespace feedback::testing
