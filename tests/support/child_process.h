// Runs a program as a child process with pipes to its standard input, output
// and error, for tests that drive the real binaries (and kill them).
#pragma once

#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

namespace feedback::testing {

struct Finished {
    int exit_code = -1; // -1 when killed by a signal
    std::string out;
    std::string err;
};

class ChildProcess {
public:
    explicit ChildProcess(const std::vector<std::string>& argv);
    ~ChildProcess(); // kills and reaps the child if still running
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // Writes to the child's standard input; false once the child is gone.
    bool write(const std::string& text);
    void close_input();
    // Reads what the child printed so far, waiting at most `timeout`.
    std::string read_available(std::chrono::milliseconds timeout);
    void kill_now(); // SIGKILL and reap
    Finished wait(); // closes input, reads everything, reaps
    Finished wait_without_closing_input();

    pid_t pid() const { return m_pid; }

private:
    pid_t m_pid = -1;
    int m_in = -1;
    int m_out = -1;
    int m_err = -1;
    std::string m_err_text;
};

// Runs to completion with `input` on standard input.
Finished run_process(const std::vector<std::string>& argv, const std::string& input = "");

} // namespace feedback::testing
