// The staff call command run with posix_spawn: argv as configured, standard
// input from /dev/null, the reference code in the environment, no waiting.
#include "app/staff_call.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <ostream>
#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace feedback::app {

CommandStaffCaller::CommandStaffCaller(std::vector<std::string> argv, std::ostream& log)
    : m_argv(std::move(argv)), m_log(log)
{
}

CommandStaffCaller::~CommandStaffCaller() { reap(); }

void CommandStaffCaller::call_staff(const std::string& reference)
{
    reap();
    if (m_argv.empty())
        return;
    // The environment of this process plus the reference code.
    std::vector<std::string> environment;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry)
        if (std::strncmp(*entry, "FEEDBACK_COMPLAINT_REFERENCE=", 29) != 0)
            environment.emplace_back(*entry);
    environment.push_back("FEEDBACK_COMPLAINT_REFERENCE=" + reference);
    std::vector<char*> env_pointers;
    for (std::string& entry : environment)
        env_pointers.push_back(entry.data());
    env_pointers.push_back(nullptr);
    std::vector<std::string> argv = m_argv;
    std::vector<char*> argv_pointers;
    for (std::string& arg : argv)
        argv_pointers.push_back(arg.data());
    argv_pointers.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    pid_t child = -1;
    const int failed = posix_spawn(&child, argv_pointers[0], &actions, nullptr, argv_pointers.data(),
                                   env_pointers.data());
    posix_spawn_file_actions_destroy(&actions);
    if (failed != 0) {
        m_log << "feedback-terminal: the staff call command " << m_argv[0] << " did not start: "
              << std::strerror(failed) << "\n";
        return;
    }
    m_children.push_back(child);
}

void CommandStaffCaller::reap()
{
    for (auto it = m_children.begin(); it != m_children.end();) {
        int status = 0;
        const pid_t done = waitpid(*it, &status, WNOHANG);
        if (done == 0) {
            ++it;
            continue;
        }
        if (done == *it) {
            if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
                m_log << "feedback-terminal: the staff call command " << m_argv[0] << " exited with status "
                      << WEXITSTATUS(status) << "\n";
            else if (WIFSIGNALED(status))
                m_log << "feedback-terminal: the staff call command " << m_argv[0] << " was killed by signal "
                      << WTERMSIG(status) << "\n";
        }
        it = m_children.erase(it); // reaped, or not our child any more (ECHILD)
    }
}

} // namespace feedback::app
