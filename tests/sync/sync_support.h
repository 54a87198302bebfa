// Helpers for the sync tests: a real `feedback-hq serve` process on a free
// loopback port, a terminal data folder driven through the real
// feedback-terminal binary, and small file and JSON utilities.
#pragma once

#include "support/child_process.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace feedback::testing {

// Reads a whole file ("" when missing).
std::string read_text(const std::filesystem::path& file);
std::vector<std::string> lines_of(const std::string& text);
std::vector<nlohmann::json> json_lines(const std::string& text);

// `feedback-hq init` in DIR, then `serve` on 127.0.0.1 (a free port the
// first time, the same one after restart()); its output goes to DIR/serve.log.
class HqProcess {
public:
    explicit HqProcess(std::filesystem::path dir, const nlohmann::json& settings_patch = nlohmann::json::object());
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
    nlohmann::json status();
    std::vector<nlohmann::json> export_jsonl();

private:
    std::filesystem::path m_dir;
};

// `count` ratings as record input lines.
std::vector<std::string> rating_lines(int count);

} // namespace feedback::testing
