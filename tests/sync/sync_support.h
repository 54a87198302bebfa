// Helpers for the sync tests: a real `feedback-hq serve` process on a free
// loopback port, a terminal data folder driven through the real
// feedback-terminal binary, and small file and JSON utilities.
#pragma once

#include "support/child_process.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace feedback::testing {

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_port();
// `text` with each @NAME@ of `names` replaced by its value (the
// configuration templates in platform/).
std::string filled(std::string text, const std::map<std::string, std::string>& names);

// Reads a whole file ("" when missing).
std::string read_text(const std::filesystem::path& file);
std::vector<std::string> lines_of(const std::string& text);
std::vector<nlohmann::json> json_lines(const std::string& text);
// The "id" of each event (an export's lines).
std::set<std::string> event_ids(const std::vector<nlohmann::json>& events);

// `feedback-hq init` in DIR, then `serve` on 127.0.0.1 (a free port the
// first time, the same one after restart()); its output goes to DIR/serve.log.
class HqProcess {
public:
    // `init_args` go to init as they are (e.g. {"--database", URL}).
    explicit HqProcess(std::filesystem::path dir, const nlohmann::json& settings_patch = nlohmann::json::object(),
                       const std::vector<std::string>& init_args = {});
    // A second process of the same head office (its database, hq.json,
    // certificates and contact keys) with its own DIR (log, lock) and port:
    // several processes on one PostgreSQL database.
    HqProcess(const HqProcess& same_office, std::filesystem::path dir);
    ~HqProcess();
    HqProcess(const HqProcess&) = delete;
    HqProcess& operator=(const HqProcess&) = delete;

    void start();
    void stop_with_sigterm(); // waits for it to exit; returns its exit code via last_exit_code()
    void kill_now();          // SIGKILL
    void restart() { start(); }

    std::string url() const { return "https://127.0.0.1:" + std::to_string(m_port); }
    int port() const { return m_port; }
    const std::filesystem::path& dir() const { return m_dir; }
    std::filesystem::path ca_file() const { return m_dir / "tls" / "ca.pem"; }
    std::string log() const { return read_text(m_dir / "serve.log"); }
    int last_exit_code() const { return m_last_exit; }
    pid_t pid() const { return m_process ? m_process->pid() : -1; }

    std::string enrol_code(const std::string& store, const std::string& name);
    Finished run(std::vector<std::string> args); // feedback-hq ARGS --dir DIR
    std::vector<nlohmann::json> export_jsonl();
    nlohmann::json devices();

private:
    std::filesystem::path m_dir;
    std::unique_ptr<ChildProcess> m_process;
    int m_port = 0;
    int m_last_exit = -1;
};

// A terminal's data folder, driven through the real feedback-terminal binary.
class TerminalDir {
public:
    explicit TerminalDir(std::filesystem::path dir);
    const std::filesystem::path& dir() const { return m_dir; }

    Finished run(std::vector<std::string> args, const std::string& input = ""); // ... --data-dir DIR
    // Records one event per line; returns the printed ids (and references).
    Finished record(const std::vector<std::string>& lines);
    Finished enroll(const HqProcess& hq, const std::string& code);
    Finished sync_once() { return run({"sync", "--once"}); }
    // The command line of the real kiosk on `script` on the real clock, with
    // SDL's offscreen driver (no display needed) and its uploader running.
    std::vector<std::string> kiosk_argv(const std::filesystem::path& script,
                                        const std::vector<std::string>& extra = {}) const;
    nlohmann::json status();
    std::vector<nlohmann::json> export_jsonl();

private:
    std::filesystem::path m_dir;
};

// The ids `record` printed (every line that is a UUID).
std::set<std::string> printed_ids(const Finished& recorded);
// How often `needle` occurs in `text` (lines of a log).
int count_of(const std::string& text, const std::string& needle);

// `count` ratings as record input lines.
std::vector<std::string> rating_lines(int count);

// What `record` printed for a complaint.opened ("reference CODE complaint ID");
// empty strings when it printed none.
struct RecordedComplaint {
    std::string reference;
    std::string complaint_id;
};
RecordedComplaint recorded_complaint(const Finished& recorded);

// [SECTION] The web dashboard (sync/hq/web/) without a browser

// `feedback-hq user add` with the password on standard input.
Finished add_dashboard_user(const HqProcess& hq, const std::string& name, const std::string& role,
                            const std::string& password);

struct WebAnswer {
    int status = 0; // 0: no answer (the connection failed)
    std::string body;
    std::multimap<std::string, std::string> headers; // names in lower case
    // The first header of that name (lower case), "" when none.
    std::string header(const std::string& name) const;
    std::vector<std::string> all(const std::string& name) const;
};

// A dashboard user's HTTPS client (cpp-httplib, trusting head office's CA)
// with a cookie jar: what a browser does, minus the browser. Follows no
// redirects, so tests see them. With a `source_address` (any of 127.0.0.0/8,
// all loopback on Linux) its connections come from there, so head office
// sees a person at another address.
class WebClient {
public:
    WebClient(int port, std::filesystem::path ca_file, const std::string& source_address = {});
    explicit WebClient(const HqProcess& hq, const std::string& source_address = {})
        : WebClient(hq.port(), hq.ca_file(), source_address)
    {
    }
    ~WebClient();
    WebClient(const WebClient&) = delete;
    WebClient& operator=(const WebClient&) = delete;

    using Fields = std::vector<std::pair<std::string, std::string>>;
    WebAnswer get(const std::string& path);
    // An application/x-www-form-urlencoded POST.
    WebAnswer post(const std::string& path, const Fields& fields);
    // A multipart/form-data POST (the configuration form).
    WebAnswer post_multipart(const std::string& path, const Fields& fields);
    // GET /login, then POST its form; a 303 with a session cookie means logged in.
    WebAnswer login(const std::string& name, const std::string& password);
    // The first CSRF field of the last page fetched ("" when it had none).
    const std::string& csrf() const { return m_csrf; }
    // Cookies as the server set them (name -> value); deleted ones removed.
    std::map<std::string, std::string>& cookies() { return m_cookies; }

private:
    WebAnswer finish(int status, std::string body, const std::multimap<std::string, std::string>& headers);
    std::string cookie_header() const;

    struct Impl;
    std::unique_ptr<Impl> m_impl;
    std::map<std::string, std::string> m_cookies;
    std::string m_csrf;
};

// The value of the first hidden "csrf" field in `html`.
std::string csrf_in(const std::string& html);

} // namespace feedback::testing
