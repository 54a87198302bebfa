// A private PostgreSQL 15 cluster for tests: initdb, pg_ctl and createdb run
// as child processes (as the postgres user when the tests run as root).
#include "support/postgres_cluster.h"

#include "support/child_process.h"
#include "support/files.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace feedback::testing {

namespace {

bool running_as_root() { return ::geteuid() == 0; }

// A TCP port nobody listens on now. The server listens on no TCP port
// (listen_addresses=''); the number names its socket file and, as on a real
// server, keys its shared memory, so a free one keeps clusters of tests that
// run side by side apart.
int free_port()
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        throw std::runtime_error("PostgresCluster: socket() failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t size = sizeof address;
    // sockaddr_in and sockaddr are the C socket API's two views of one address.
    auto* generic = reinterpret_cast<sockaddr*>(&address);
    if (::bind(fd, generic, size) != 0 || ::getsockname(fd, generic, &size) != 0) {
        ::close(fd);
        throw std::runtime_error("PostgresCluster: no free port on loopback");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

// The last lines of the server's log, for a failure's message.
std::string log_tail(const std::filesystem::path& log)
{
    std::string text = read_all(log);
    constexpr size_t keep = 2000;
    return text.size() > keep ? "..." + text.substr(text.size() - keep) : text;
}

} // namespace

PostgresCluster::PostgresCluster(Durability durability)
    : m_temp(std::in_place), m_folder(m_temp->path()), m_durability(durability)
{
    make();
}

PostgresCluster::PostgresCluster(const std::filesystem::path& folder, Durability durability)
    : m_folder(std::filesystem::absolute(folder)), m_durability(durability)
{
    if (!std::filesystem::exists(data_dir())) {
        std::filesystem::create_directories(m_folder);
        make();
        write_file(port_file(), std::to_string(m_port));
        return;
    }
    std::string port = read_all(port_file());
    if (port.empty() || port.find_first_not_of("0123456789\n") != std::string::npos)
        throw std::runtime_error("PostgresCluster: " + port_file().string() + " does not hold the cluster's port");
    m_port = std::stoi(port);
    // A run that stopped early (exit() skips destructors) left it running: go on with it.
    if (tool_succeeds("pg_ctl", {"-D", data_dir().string(), "status"}))
        m_running = true;
    else
        start();
}

void PostgresCluster::make()
{
    const std::filesystem::path bin(bin_dir);
    for (const char* tool : {"initdb", "pg_ctl", "createdb", "postgres"}) {
        if (!std::filesystem::exists(bin / tool))
            throw std::runtime_error(std::string("PostgreSQL 15 is not installed (") + (bin / tool).string() +
                                     " is missing): run `bash platform/install-deps.sh` as root");
    }
    if (running_as_root()) {
        // PostgreSQL refuses to run as root: its user owns the folder, where
        // the data and the socket go.
        const passwd* user = ::getpwnam("postgres");
        if (!user)
            throw std::runtime_error("PostgresCluster: there is no postgres user: run `bash platform/install-deps.sh`");
        if (::chown(m_folder.c_str(), user->pw_uid, user->pw_gid) != 0)
            throw std::runtime_error("PostgresCluster: cannot give " + m_folder.string() + " to postgres");
    }
    m_port = free_port();
    // --no-sync, and fsync=off in start() unless durable: a test cluster has
    // nothing to keep across a power cut, and both save seconds.
    run_tool("initdb",
             {"-D", data_dir().string(), "--auth=trust", "-U", "postgres", "--encoding=UTF8", "--no-locale",
              "--no-sync"},
             "making the cluster");
    start();
    run_tool("createdb", {"-h", m_folder.string(), "-p", std::to_string(m_port), "-U", "postgres", "feedback"},
             "creating the database feedback");
}

PostgresCluster::~PostgresCluster()
{
    try {
        if (m_running)
            stop();
    } catch (const std::exception&) {
        // The folder goes anyway; a server left running has lost its files.
    }
}

std::string PostgresCluster::url() const
{
    return "postgresql://postgres@/feedback?host=" + m_folder.string() + "&port=" + std::to_string(m_port);
}

void PostgresCluster::start()
{
    // Only a Unix socket in the folder; pg_ctl passes -o through a shell,
    // where '' is the empty value.
    const std::string options = "-k " + m_folder.string() + " -p " + std::to_string(m_port) +
                                " -c listen_addresses=''" +
                                (m_durability == Durability::test_speed ? " -c fsync=off" : "");
    run_tool("pg_ctl",
             {"-D", data_dir().string(), "-l", (m_folder / "server.log").string(), "-o", options, "-w", "start"},
             "starting the server");
    m_running = true;
}

void PostgresCluster::stop()
{
    run_tool("pg_ctl", {"-D", data_dir().string(), "-m", "fast", "-w", "stop"}, "stopping the server");
    m_running = false;
}

void PostgresCluster::restart()
{
    stop();
    start();
}

Finished PostgresCluster::run_as_server_user(const std::string& tool, std::vector<std::string> args) const
{
    std::vector<std::string> argv;
    if (running_as_root())
        argv = {"/usr/sbin/runuser", "-u", "postgres", "--"};
    argv.push_back((std::filesystem::path(bin_dir) / tool).string());
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv);
}

bool PostgresCluster::tool_succeeds(const std::string& tool, std::vector<std::string> args) const
{
    return run_as_server_user(tool, std::move(args)).exit_code == 0;
}

void PostgresCluster::run_tool(const std::string& tool, std::vector<std::string> args, const std::string& what) const
{
    Finished done = run_as_server_user(tool, std::move(args));
    if (done.exit_code != 0) {
        throw std::runtime_error("PostgresCluster: " + what + " failed (" + tool + " exit code " +
                                 std::to_string(done.exit_code) + "): " + done.out + done.err +
                                 "\nserver log: " + log_tail(m_folder / "server.log"));
    }
}

} // namespace feedback::testing
