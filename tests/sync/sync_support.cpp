// The sync tests' helpers: running feedback-hq and feedback-terminal.
#include "sync_support.h"

#include "domain/ids.h"

#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>

namespace feedback::testing {

int free_port()
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

std::string filled(std::string text, const std::map<std::string, std::string>& names)
{
    for (const auto& [name, value] : names)
        text = std::regex_replace(text, std::regex("@" + name + "@"), value);
    return text;
}

std::set<std::string> printed_ids(const Finished& recorded)
{
    std::set<std::string> ids;
    for (const auto& line : lines_of(recorded.out))
        if (is_uuid(line))
            ids.insert(line);
    return ids;
}

int count_of(const std::string& text, const std::string& needle)
{
    int count = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++count;
    return count;
}

std::string read_text(const std::filesystem::path& file)
{
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty())
            lines.push_back(line);
    return lines;
}

std::set<std::string> event_ids(const std::vector<nlohmann::json>& events)
{
    std::set<std::string> ids;
    for (const auto& event : events)
        ids.insert(event.at("id").get<std::string>());
    return ids;
}

std::vector<nlohmann::json> json_lines(const std::string& text)
{
    std::vector<nlohmann::json> out;
    for (const auto& line : lines_of(text))
        out.push_back(nlohmann::json::parse(line));
    return out;
}

// [SECTION] HqProcess

HqProcess::HqProcess(std::filesystem::path dir, const nlohmann::json& settings_patch,
                     const std::vector<std::string>& init_args)
    : m_dir(std::move(dir))
{
    std::vector<std::string> init_argv{FEEDBACK_HQ_BINARY, "init", "--dir", m_dir.string(), "--hostname", "127.0.0.1"};
    init_argv.insert(init_argv.end(), init_args.begin(), init_args.end());
    auto init = run_process(init_argv);
    if (init.exit_code != 0)
        throw std::runtime_error("feedback-hq init failed: " + init.err);
    if (!settings_patch.empty()) {
        auto settings = nlohmann::json::parse(read_text(m_dir / "hq.json"));
        settings.merge_patch(settings_patch);
        std::ofstream(m_dir / "hq.json") << settings.dump(2);
    }
    start();
}

HqProcess::HqProcess(const HqProcess& same_office, std::filesystem::path dir) : m_dir(std::move(dir))
{
    std::filesystem::create_directories(m_dir);
    std::filesystem::copy_file(same_office.dir() / "hq.json", m_dir / "hq.json");
    std::filesystem::copy(same_office.dir() / "tls", m_dir / "tls", std::filesystem::copy_options::recursive);
    start();
}

HqProcess::~HqProcess()
{
    if (m_process)
        stop_with_sigterm();
}

void HqProcess::start()
{
    auto log_file = m_dir / "serve.log";
    std::filesystem::remove(log_file);
    std::string listen = "127.0.0.1:" + std::to_string(m_port);
    // Through a shell so the (long) request log goes to a file, not a pipe nobody reads.
    m_process = std::make_unique<ChildProcess>(std::vector<std::string>{
        "/bin/sh", "-c", std::string("exec '") + FEEDBACK_HQ_BINARY + "' serve --dir '" + m_dir.string() +
                             "' --listen " + listen + " >>'" + log_file.string() + "' 2>&1"});
    std::regex listening("listening on https://127\\.0\\.0\\.1:([0-9]+)");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        std::smatch match;
        std::string text = read_text(log_file);
        if (std::regex_search(text, match, listening)) {
            m_port = std::stoi(match[1].str());
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("feedback-hq serve did not start: " + read_text(log_file));
}

void HqProcess::stop_with_sigterm()
{
    if (!m_process)
        return;
    ::kill(m_process->pid(), SIGTERM);
    m_last_exit = m_process->wait().exit_code;
    m_process.reset();
}

void HqProcess::kill_now()
{
    if (!m_process)
        return;
    m_process->kill_now();
    m_process.reset();
}

Finished HqProcess::run(std::vector<std::string> args)
{
    args.insert(args.begin(), FEEDBACK_HQ_BINARY);
    args.push_back("--dir");
    args.push_back(m_dir.string());
    return run_process(args);
}

std::string HqProcess::enrol_code(const std::string& store, const std::string& name)
{
    auto done = run({"enroll", "--store", store, "--name", name});
    if (done.exit_code != 0)
        throw std::runtime_error("feedback-hq enroll failed: " + done.err);
    return lines_of(done.out).at(0);
}

std::vector<nlohmann::json> HqProcess::export_jsonl()
{
    auto done = run({"export", "--format", "jsonl"});
    if (done.exit_code != 0)
        throw std::runtime_error("feedback-hq export failed: " + done.err);
    return json_lines(done.out);
}

nlohmann::json HqProcess::devices()
{
    auto done = run({"devices", "--json"});
    if (done.exit_code != 0)
        throw std::runtime_error("feedback-hq devices failed: " + done.err);
    return nlohmann::json::parse(done.out);
}

// [SECTION] TerminalDir

TerminalDir::TerminalDir(std::filesystem::path dir) : m_dir(std::move(dir))
{
    std::filesystem::create_directories(m_dir);
}

Finished TerminalDir::run(std::vector<std::string> args, const std::string& input)
{
    args.insert(args.begin(), FEEDBACK_TERMINAL_BINARY);
    args.insert(args.begin() + 2, {"--data-dir", m_dir.string()});
    return run_process(args, input);
}

Finished TerminalDir::record(const std::vector<std::string>& lines)
{
    std::string input;
    for (const auto& line : lines)
        input += line + "\n";
    return run({"record"}, input);
}

Finished TerminalDir::enroll(const HqProcess& hq, const std::string& code)
{
    return run({"enroll", "--server", hq.url(), "--code", code, "--ca", hq.ca_file().string()});
}

std::vector<std::string> TerminalDir::kiosk_argv(const std::filesystem::path& script,
                                                 const std::vector<std::string>& extra) const
{
    std::vector<std::string> argv{"/usr/bin/env",
                                  "SDL_VIDEODRIVER=offscreen",
                                  FEEDBACK_TERMINAL_BINARY,
                                  "run",
                                  "--data-dir",
                                  m_dir.string(),
                                  "--script",
                                  script.string(),
                                  "--lang",
                                  "nl"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

nlohmann::json TerminalDir::status()
{
    auto done = run({"status", "--json"});
    if (done.exit_code != 0)
        throw std::runtime_error("feedback-terminal status failed: " + done.err);
    return nlohmann::json::parse(done.out);
}

std::vector<nlohmann::json> TerminalDir::export_jsonl()
{
    auto done = run({"export", "--format", "jsonl"});
    if (done.exit_code != 0)
        throw std::runtime_error("feedback-terminal export failed: " + done.err);
    return json_lines(done.out);
}

std::vector<std::string> rating_lines(int count)
{
    std::vector<std::string> lines;
    for (int i = 0; i < count; ++i)
        lines.push_back("{\"type\":\"nps.rated\",\"score\":" + std::to_string(i % 11) + ",\"locale\":\"nl\"}");
    return lines;
}

RecordedComplaint recorded_complaint(const Finished& recorded)
{
    std::smatch match;
    const std::regex line("reference (\\S+) complaint (\\S+)");
    if (std::regex_search(recorded.out, match, line))
        return {match[1].str(), match[2].str()};
    return {};
}

// [SECTION] The web dashboard

Finished add_dashboard_user(const HqProcess& hq, const std::string& name, const std::string& role,
                            const std::string& password)
{
    return run_process({FEEDBACK_HQ_BINARY, "user", "add", "--dir", hq.dir().string(), "--name", name, "--role", role,
                        "--password-stdin"},
                       password + "\n");
}

std::string WebAnswer::header(const std::string& name) const
{
    auto found = headers.find(name);
    return found == headers.end() ? std::string() : found->second;
}

std::vector<std::string> WebAnswer::all(const std::string& name) const
{
    std::vector<std::string> out;
    auto range = headers.equal_range(name);
    for (auto it = range.first; it != range.second; ++it)
        out.push_back(it->second);
    return out;
}

std::string csrf_in(const std::string& html)
{
    std::smatch match;
    const std::regex field("name=\"csrf\" value=\"([0-9a-f]+)\"");
    if (std::regex_search(html, match, field))
        return match[1].str();
    return {};
}

struct WebClient::Impl {
    httplib::SSLClient client;
    Impl(int port, const std::filesystem::path& ca, const std::string& source_address) : client("127.0.0.1", port)
    {
        if (!source_address.empty())
            client.set_interface(source_address); // an address works too: it binds the socket to it
        client.set_ca_cert_path(ca.c_str());
        client.enable_server_certificate_verification(true);
        client.set_follow_location(false);
        client.set_connection_timeout(10, 0);
        client.set_read_timeout(30, 0);
    }
};

WebClient::WebClient(int port, std::filesystem::path ca_file, const std::string& source_address)
    : m_impl(std::make_unique<Impl>(port, ca_file, source_address))
{
}
WebClient::~WebClient() = default;

std::string WebClient::cookie_header() const
{
    std::string out;
    for (const auto& [name, value] : m_cookies)
        out += (out.empty() ? "" : "; ") + name + "=" + value;
    return out;
}

WebAnswer WebClient::finish(int status, std::string body, const std::multimap<std::string, std::string>& headers)
{
    WebAnswer answer;
    answer.status = status;
    answer.body = std::move(body);
    for (const auto& [name, value] : headers) {
        std::string lower = name;
        for (char& c : lower)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        answer.headers.emplace(lower, value);
    }
    for (const auto& set : answer.all("set-cookie")) {
        auto eq = set.find('=');
        auto end = set.find(';');
        if (eq == std::string::npos)
            continue;
        std::string name = set.substr(0, eq);
        std::string value = set.substr(eq + 1, end == std::string::npos ? std::string::npos : end - eq - 1);
        if (set.find("Max-Age=0") != std::string::npos || value.empty())
            m_cookies.erase(name);
        else
            m_cookies[name] = value;
    }
    // A page that offers a form brings its token (a redirect's body has none).
    if (answer.header("content-type").rfind("text/html", 0) == 0)
        if (std::string token = csrf_in(answer.body); !token.empty())
            m_csrf = token;
    return answer;
}

WebAnswer WebClient::get(const std::string& path)
{
    httplib::Headers headers;
    if (!m_cookies.empty())
        headers.emplace("Cookie", cookie_header());
    auto res = m_impl->client.Get(path.c_str(), headers);
    if (!res)
        return {};
    return finish(res->status, res->body, {res->headers.begin(), res->headers.end()});
}

WebAnswer WebClient::post(const std::string& path, const Fields& fields)
{
    httplib::Headers headers;
    if (!m_cookies.empty())
        headers.emplace("Cookie", cookie_header());
    httplib::Params params(fields.begin(), fields.end());
    auto res = m_impl->client.Post(path.c_str(), headers, params);
    if (!res)
        return {};
    return finish(res->status, res->body, {res->headers.begin(), res->headers.end()});
}

WebAnswer WebClient::post_multipart(const std::string& path, const Fields& fields)
{
    httplib::Headers headers;
    if (!m_cookies.empty())
        headers.emplace("Cookie", cookie_header());
    httplib::MultipartFormDataItems items;
    for (const auto& [name, value] : fields)
        items.push_back({name, value, "", ""});
    auto res = m_impl->client.Post(path.c_str(), headers, items);
    if (!res)
        return {};
    return finish(res->status, res->body, {res->headers.begin(), res->headers.end()});
}

WebAnswer WebClient::login(const std::string& name, const std::string& password)
{
    auto form = get("/login");
    if (form.status != 200)
        return form;
    return post("/login", {{"csrf", m_csrf}, {"name", name}, {"password", password}, {"next", "/overview"}});
}

} // namespace feedback::testing
