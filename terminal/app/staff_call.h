// The real StaffCaller: runs the configured staff call command (a bell, a
// pager, a message to the counter) without a shell and without waiting, and
// reaps the children when they finish. The complaint's reference code is
// passed in the environment as FEEDBACK_COMPLAINT_REFERENCE.
#pragma once

#include "flows/staff_caller.h"

#include <iosfwd>
#include <string>
#include <sys/types.h>
#include <vector>

namespace feedback::app {

class CommandStaffCaller : public flows::StaffCaller {
public:
    // `argv[0]` is an absolute path (the configuration checks it); an empty
    // argv calls nobody (the request is still recorded by the flow).
    // Problems are written to `log`, never thrown.
    CommandStaffCaller(std::vector<std::string> argv, std::ostream& log);
    // Reaps children that have finished; ones still running are left to
    // finish on their own (init reaps them once this process is gone).
    ~CommandStaffCaller() override;
    CommandStaffCaller(const CommandStaffCaller&) = delete;
    CommandStaffCaller& operator=(const CommandStaffCaller&) = delete;

    // The command for the calls from now on (a new configuration).
    void set_command(std::vector<std::string> argv) { m_argv = std::move(argv); }

    // Starts the command with posix_spawn and returns at once.
    void call_staff(const std::string& reference) override;

    // Reaps finished children without blocking (waitpid WNOHANG) and logs
    // a command that failed. Call it from the frame loop while running() > 0.
    void reap();
    std::size_t running() const { return m_children.size(); }

private:
    std::vector<std::string> m_argv;
    std::ostream& m_log;
    std::vector<pid_t> m_children;
};

} // namespace feedback::app
