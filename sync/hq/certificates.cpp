// Runs the `openssl` tool (no shell) to make a private CA and a server
// certificate signed by it.
#include "certificates.h"

#include "common/protocol.h"
#include "files/private_files.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace feedback::hq {

namespace {

// Runs argv[0] from PATH with output to `log`; keys it writes are 0600 (umask 077).
Result<void> run_tool(const std::vector<std::string>& argv, const std::filesystem::path& log)
{
    // Made before fork(): a child of a process with threads must not allocate.
    std::vector<char*> args;
    for (const auto& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    pid_t pid = fork();
    if (pid < 0)
        return Error{ErrorKind::internal, "could not start " + argv[0]};
    if (pid == 0) {
        umask(077);
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        int null_in = ::open("/dev/null", O_RDONLY);
        if (null_in >= 0)
            dup2(null_in, 0);
        execvp(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return {};
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    std::string said = text.str();
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        said = "the openssl tool was not found (install the openssl package)";
    return Error{ErrorKind::internal, "making the certificates failed: " + said};
}

bool is_ip_address(const std::string& text)
{
    unsigned char buffer[16];
    return inet_pton(AF_INET, text.c_str(), buffer) == 1 || inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

} // namespace

TlsFiles tls_files(const std::filesystem::path& dir)
{
    auto tls = dir / "tls";
    return {tls / "ca.pem", tls / "server.pem", tls / "server.key"};
}

Result<TlsFiles> make_private_ca(const std::filesystem::path& dir, const std::string& hostname)
{
    if (hostname.empty() || hostname.find_first_of(",/\n= ") != std::string::npos)
        return Error{ErrorKind::invalid_input, "--hostname must be a DNS name or an IP address"};
    auto files = tls_files(dir);
    auto tls = files.ca_certificate.parent_path();
    FEEDBACK_TRY(files::make_private_directory(tls));
    auto ca_key = tls / "ca.key";
    auto csr = tls / "server.csr";
    auto ext = tls / "server.ext";
    auto log = tls / "openssl.log";

    FEEDBACK_TRY(run_tool({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                           "-nodes", "-keyout", ca_key.string(), "-out", files.ca_certificate.string(), "-days", "3650",
                           "-subj", "/CN=Feedback head office private CA", "-addext",
                           "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"},
                          log));
    FEEDBACK_TRY(run_tool({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                           "-nodes", "-keyout", files.server_key.string(), "-out", csr.string(), "-subj",
                           "/CN=" + hostname},
                          log));
    std::string names = is_ip_address(hostname) ? "IP:" + hostname : "DNS:" + hostname;
    if (hostname == "localhost")
        names += ",IP:127.0.0.1,IP:::1";
    FEEDBACK_TRY(files::write_private_file(ext,
                                           "basicConstraints=critical,CA:FALSE\n"
                                           "keyUsage=critical,digitalSignature,keyEncipherment\n"
                                           "extendedKeyUsage=serverAuth\n"
                                           "subjectAltName=" + names + "\n",
                                           files::Durability::not_synced));
    FEEDBACK_TRY(run_tool({"openssl", "x509", "-req", "-in", csr.string(), "-CA", files.ca_certificate.string(),
                           "-CAkey", ca_key.string(), "-set_serial", "0x" + sync::random_hex(16), "-days", "825",
                           "-sha256", "-extfile", ext.string(), "-out", files.server_certificate.string()},
                          log));
    // Everything openssl wrote is 0600 (run_tool's umask), the certificates
    // too: the folder is head office's alone, and the CA certificate reaches
    // terminals as a copy (enroll --ca).
    std::error_code ec;
    std::filesystem::remove(csr, ec);
    std::filesystem::remove(ext, ec);
    std::filesystem::remove(log, ec);
    return files;
}

std::string own_ca_certificate(const std::filesystem::path& dir, const HqSettings& settings)
{
    if (!settings.tls_certificate.empty())
        return {};
    std::ifstream in(tls_files(dir).ca_certificate, std::ios::binary);
    if (!in)
        return {};
    std::ostringstream pem;
    pem << in.rdbuf();
    return pem.str();
}

} // namespace feedback::hq
