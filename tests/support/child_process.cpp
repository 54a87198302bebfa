// Child processes for tests: fork/exec with pipes, non-blocking reads with poll.
#include "child_process.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace feedback::testing {

namespace {

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Reads whatever is there now; false on end of file.
bool drain(int fd, std::string& into)
{
    char buffer[65536];
    for (;;) {
        ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got > 0) {
            into.append(buffer, static_cast<size_t>(got));
            continue;
        }
        if (got == 0)
            return false;
        return errno == EAGAIN || errno == EINTR;
    }
}

} // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv)
{
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe failed");
    // Made before fork(): the child of a process with threads may only call
    // async-signal-safe functions, and malloc is not (a lock another thread
    // held at the fork stays locked in the child for ever).
    std::vector<char*> args;
    for (const auto& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    m_pid = fork();
    if (m_pid < 0)
        throw std::runtime_error("fork failed");
    if (m_pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        execv(args[0], args.data());
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    m_in = in[1];
    m_out = out[0];
    m_err = err[0];
    set_nonblocking(m_out);
    set_nonblocking(m_err);
    signal(SIGPIPE, SIG_IGN);
}

ChildProcess::~ChildProcess()
{
    if (m_pid > 0)
        kill_now();
    for (int fd : {m_in, m_out, m_err})
        if (fd >= 0)
            close(fd);
}

bool ChildProcess::write(const std::string& text)
{
    size_t done = 0;
    while (done < text.size()) {
        ssize_t wrote = ::write(m_in, text.data() + done, text.size() - done);
        if (wrote < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        done += static_cast<size_t>(wrote);
    }
    return true;
}

void ChildProcess::close_input()
{
    if (m_in >= 0)
        close(m_in);
    m_in = -1;
}

std::string ChildProcess::read_available(std::chrono::milliseconds timeout)
{
    std::string text;
    pollfd fds[2] = {{m_out, POLLIN, 0}, {m_err, POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(timeout.count())) > 0) {
        drain(m_out, text);
        drain(m_err, m_err_text);
    }
    return text;
}

void ChildProcess::kill_now()
{
    if (m_pid <= 0)
        return;
    ::kill(m_pid, SIGKILL);
    int status = 0;
    waitpid(m_pid, &status, 0);
    m_pid = -1;
}

Finished ChildProcess::wait()
{
    close_input();
    return wait_without_closing_input();
}

Finished ChildProcess::wait_without_closing_input()
{
    Finished result;
    bool out_open = true, err_open = true;
    while (out_open || err_open) {
        pollfd fds[2] = {{out_open ? m_out : -1, POLLIN, 0}, {err_open ? m_err : -1, POLLIN, 0}};
        poll(fds, 2, 1000);
        if (out_open)
            out_open = drain(m_out, result.out);
        if (err_open)
            err_open = drain(m_err, m_err_text);
    }
    int status = 0;
    waitpid(m_pid, &status, 0);
    m_pid = -1;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.err = m_err_text;
    return result;
}

Finished run_process(const std::vector<std::string>& argv, const std::string& input)
{
    ChildProcess child(argv);
    // Write from another thread so a child that answers while reading never
    // blocks on a full output pipe.
    std::thread writer([&] {
        child.write(input);
        child.close_input();
    });
    Finished result = child.wait_without_closing_input();
    writer.join();
    return result;
}

} // namespace feedback::testing
