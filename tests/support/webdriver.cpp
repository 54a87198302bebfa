// The W3C WebDriver client over libcurl, and chromedriver as a child process.
#include "webdriver.h"

#include <curl/curl.h>

#include <arpa/inet.h>
#include <csignal>
#include <algorithm>
#include <fstream>
#include <netinet/in.h>
#include <random>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace feedback::testing {

namespace {

// The element key of the W3C protocol.
constexpr const char* element_key = "element-6066-11e4-a52e-4f735466cecf";

int free_loopback_port()
{
    int sock = ::socket(AF_INET, SOCK_STREAM, 0);
    if (sock < 0)
        throw std::runtime_error("webdriver: cannot make a socket to find a free port");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (::bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(sock, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(sock);
        throw std::runtime_error("webdriver: cannot find a free loopback port");
    }
    int port = ntohs(address.sin_port);
    ::close(sock);
    return port;
}

size_t collect(char* data, size_t size, size_t count, void* target)
{
    static_cast<std::string*>(target)->append(data, size * count);
    return size * count;
}

struct HttpAnswer {
    long status = 0; // 0: no answer
    std::string body;
    std::string error;
};

HttpAnswer http(const std::string& method, const std::string& url, const std::string& body, long timeout_s)
{
    HttpAnswer answer;
    CURL* curl = curl_easy_init();
    if (!curl) {
        answer.error = "curl_easy_init failed";
        return answer;
    }
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json; charset=utf-8");
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    if (method == "POST") {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    CURLcode code = curl_easy_perform(curl);
    if (code == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
    else
        answer.error = curl_easy_strerror(code);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return answer;
}

std::string require_file(const char* path, const char* package)
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw std::runtime_error(std::string("the browser test needs ") + path + " (Debian package " + package +
                                 "): install it with apt-get install " + package +
                                 " (platform/install-deps.sh does)");
    return path;
}

} // namespace

// [SECTION] base64

std::string base64_decode(const std::string& text)
{
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z')
            return c - 'A';
        if (c >= 'a' && c <= 'z')
            return c - 'a' + 26;
        if (c >= '0' && c <= '9')
            return c - '0' + 52;
        if (c == '+')
            return 62;
        if (c == '/')
            return 63;
        return -1;
    };
    std::string out;
    unsigned bits = 0;
    int count = 0;
    for (char c : text) {
        if (c == '=' || c == '\n' || c == '\r')
            continue;
        int v = value(c);
        if (v < 0)
            throw std::runtime_error("base64_decode: not base64");
        bits = (bits << 6) | static_cast<unsigned>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out.push_back(static_cast<char>((bits >> count) & 0xFF));
        }
    }
    return out;
}

// [SECTION] ChromeDriver

std::string ChromeDriver::chromium_binary() { return require_file("/usr/bin/chromium", "chromium"); }
std::string ChromeDriver::chromedriver_binary() { return require_file("/usr/bin/chromedriver", "chromium-driver"); }

ChromeDriver::ChromeDriver(std::chrono::seconds timeout)
{
    chromium_binary();
    std::string binary = chromedriver_binary();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    m_port = free_loopback_port();
    // Through a shell so its output goes to a file, not a pipe nobody reads.
    m_log = std::filesystem::temp_directory_path() / ("feedback-chromedriver-" + std::to_string(m_port) + ".log");
    m_process = std::make_unique<ChildProcess>(std::vector<std::string>{
        "/bin/sh", "-c",
        "exec '" + binary + "' --port=" + std::to_string(m_port) + " --allowed-ips=127.0.0.1 --log-level=WARNING >'" +
            m_log.string() + "' 2>&1"});
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
        auto status = http("GET", url() + "/status", "", 5);
        if (status.status == 200) {
            auto json = nlohmann::json::parse(status.body, nullptr, false);
            if (json.is_object() && json.contains("value") && json["value"].value("ready", false))
                return;
            last = status.body;
        } else {
            last = status.error;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("chromedriver did not become ready on port " + std::to_string(m_port) + ": " + last +
                             " (its log: " + m_log.string() + ")");
}

ChromeDriver::~ChromeDriver()
{
    if (m_process) {
        ::kill(m_process->pid(), SIGTERM);
        m_process->wait();
    }
    std::error_code ignored;
    std::filesystem::remove(m_log, ignored);
}

// [SECTION] BrowserSession

BrowserSession::BrowserSession(const ChromeDriver& driver, const BrowserOptions& options) : m_base(driver.url())
{
    std::random_device random;
    m_profile = std::filesystem::temp_directory_path() /
                ("feedback-chromium-" + std::to_string(random()) + "-" + std::to_string(random()));
    std::filesystem::create_directories(m_profile);
    nlohmann::json args = {"--headless=new",
                           "--no-sandbox",
                           "--disable-gpu",
                           "--disable-dev-shm-usage",
                           "--no-first-run",
                           "--no-default-browser-check",
                           "--disable-extensions",
                           "--disable-background-networking",
                           "--disable-sync",
                           "--disable-translate",
                           "--hide-scrollbars",
                           "--force-device-scale-factor=1",
                           "--lang=" + options.language,
                           "--window-size=" + std::to_string(options.width) + "," + std::to_string(options.height),
                           "--user-data-dir=" + m_profile.string()};
    nlohmann::json capabilities = {
        {"browserName", "chrome"},
        {"acceptInsecureCerts", options.accept_insecure_certificates},
        {"pageLoadStrategy", "normal"},
        {"goog:chromeOptions",
         {{"binary", ChromeDriver::chromium_binary()},
          {"args", args},
          {"prefs", {{"intl.accept_languages", options.language}}}}}};
    if (options.viewport == Viewport::phone)
        capabilities["goog:chromeOptions"]["mobileEmulation"] = {
            {"deviceMetrics", {{"width", options.width}, {"height", options.height}, {"pixelRatio", 1.0}, {"touch", true}}}};
    auto answer = call("POST", "/session", {{"capabilities", {{"alwaysMatch", capabilities}}}});
    if (!answer.contains("sessionId") || !answer["sessionId"].is_string())
        throw std::runtime_error("webdriver: no session id in " + answer.dump());
    m_session = answer["sessionId"].get<std::string>();
    call("POST", "/session/" + m_session + "/timeouts", {{"implicit", 5000}, {"pageLoad", 30000}, {"script", 10000}});
}

BrowserSession::~BrowserSession()
{
    if (!m_session.empty())
        http("DELETE", m_base + "/session/" + m_session, "", 30);
    std::error_code ignored;
    std::filesystem::remove_all(m_profile, ignored);
}

nlohmann::json BrowserSession::call(const std::string& method, const std::string& path, const nlohmann::json& body)
{
    std::string text = body.is_null() ? (method == "POST" ? "{}" : "") : body.dump();
    auto answer = http(method, m_base + path, text, 90);
    if (answer.status == 0)
        throw std::runtime_error("webdriver: " + method + " " + path + " got no answer: " + answer.error);
    auto json = nlohmann::json::parse(answer.body, nullptr, false);
    if (!json.is_object() || !json.contains("value"))
        throw std::runtime_error("webdriver: " + method + " " + path + " answered " + std::to_string(answer.status) +
                                 ": " + answer.body.substr(0, 500));
    const auto& value = json["value"];
    if (answer.status != 200) {
        std::string error = value.is_object() ? value.value("error", "") + ": " + value.value("message", "") : "";
        throw std::runtime_error("webdriver: " + method + " " + path + " failed (" + std::to_string(answer.status) +
                                 ") " + error.substr(0, 800));
    }
    return value;
}

void BrowserSession::navigate(const std::string& url) { call("POST", "/session/" + m_session + "/url", {{"url", url}}); }

std::string BrowserSession::current_url() { return call("GET", "/session/" + m_session + "/url").get<std::string>(); }

std::string BrowserSession::title() { return call("GET", "/session/" + m_session + "/title").get<std::string>(); }

std::string BrowserSession::page_source()
{
    return call("GET", "/session/" + m_session + "/source").get<std::string>();
}

std::string BrowserSession::find(const std::string& css)
{
    auto value = call("POST", "/session/" + m_session + "/element", {{"using", "css selector"}, {"value", css}});
    return value.at(element_key).get<std::string>();
}

std::vector<std::string> BrowserSession::find_all(const std::string& css)
{
    auto value = call("POST", "/session/" + m_session + "/elements", {{"using", "css selector"}, {"value", css}});
    std::vector<std::string> out;
    for (const auto& element : value)
        out.push_back(element.at(element_key).get<std::string>());
    return out;
}

bool BrowserSession::exists(const std::string& css)
{
    // Without the implicit wait: a quick look.
    return execute("return document.querySelector(arguments[0]) !== null;", {css}).get<bool>();
}

void BrowserSession::click(const std::string& element)
{
    call("POST", "/session/" + m_session + "/element/" + element + "/click", nlohmann::json::object());
}

void BrowserSession::clear(const std::string& element)
{
    call("POST", "/session/" + m_session + "/element/" + element + "/clear", nlohmann::json::object());
}

void BrowserSession::send_keys(const std::string& element, const std::string& text)
{
    call("POST", "/session/" + m_session + "/element/" + element + "/value", {{"text", text}});
}

std::string BrowserSession::text(const std::string& element)
{
    return call("GET", "/session/" + m_session + "/element/" + element + "/text").get<std::string>();
}

std::string BrowserSession::property(const std::string& element, const std::string& name)
{
    auto value = call("GET", "/session/" + m_session + "/element/" + element + "/property/" + name);
    return value.is_string() ? value.get<std::string>() : value.dump();
}

nlohmann::json BrowserSession::execute(const std::string& script, const nlohmann::json& arguments)
{
    return call("POST", "/session/" + m_session + "/execute/sync", {{"script", script}, {"args", arguments}});
}

std::string BrowserSession::wait_for(const std::string& css, std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (exists(css))
            return find(css);
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("webdriver: nothing matched \"" + css + "\" within " +
                                     std::to_string(timeout.count()) + " ms on " + current_url());
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

std::string BrowserSession::screenshot_png()
{
    return base64_decode(call("GET", "/session/" + m_session + "/screenshot").get<std::string>());
}

std::string BrowserSession::print_pdf()
{
    nlohmann::json options{{"orientation", "portrait"},
                           {"background", true},
                           {"page", {{"width", 21.0}, {"height", 29.7}}}};
    return base64_decode(call("POST", "/session/" + m_session + "/print", options).get<std::string>());
}

void BrowserSession::save_screenshot(const std::filesystem::path& file)
{
    std::string png = screenshot_png();
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out.write(png.data(), static_cast<std::streamsize>(png.size()));
    if (!out)
        throw std::runtime_error("webdriver: cannot write " + file.string());
}

void BrowserSession::save_full_page_screenshot(const std::filesystem::path& file)
{
    auto rect = call("GET", "/session/" + m_session + "/window/rect");
    auto sizes = execute("return [Math.ceil(document.documentElement.scrollHeight), "
                         "window.outerHeight - window.innerHeight];");
    int page_height = sizes.at(0).get<int>();
    int chrome = std::max(0, sizes.at(1).get<int>());
    int height = std::min(page_height + chrome, 16000);
    if (height > rect.at("height").get<int>())
        call("POST", "/session/" + m_session + "/window/rect", {{"width", rect.at("width")}, {"height", height}});
    save_screenshot(file);
    call("POST", "/session/" + m_session + "/window/rect", {{"width", rect.at("width")}, {"height", rect.at("height")}});
}

} // namespace feedback::testing
