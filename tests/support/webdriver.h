// A tiny W3C WebDriver client on libcurl, for tests that drive a real
// browser: Debian's chromium through chromedriver, headless. It starts
// chromedriver on a free loopback port, opens one session, and offers what
// the tests need: navigate, find by CSS, type, click, read text, and save a
// screenshot as PNG. Every failure throws std::runtime_error with what went
// wrong in words (a missing chromium or chromedriver included), so a test
// never skips anything silently.
//
//   ChromeDriver driver;                     // chromedriver --port=N, waits until it is ready
//   BrowserSession browser(driver, options); // POST /session (headless chromium)
//   browser.navigate(url); browser.click(browser.find("#login")); ...
//   ~BrowserSession: DELETE /session;  ~ChromeDriver: SIGTERM, reaped
#pragma once

#include "support/child_process.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace feedback::testing {

// chromedriver as a child process on a free loopback port.
class ChromeDriver {
public:
    // Throws when chromedriver or chromium is missing, or chromedriver does
    // not answer /status within `timeout`.
    explicit ChromeDriver(std::chrono::seconds timeout = std::chrono::seconds(30));
    ~ChromeDriver();
    ChromeDriver(const ChromeDriver&) = delete;
    ChromeDriver& operator=(const ChromeDriver&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }

    static std::string chromium_binary();      // /usr/bin/chromium, or throws
    static std::string chromedriver_binary();  // /usr/bin/chromedriver, or throws

private:
    int m_port = 0;
    std::filesystem::path m_log; // chromedriver's output
    std::unique_ptr<ChildProcess> m_process;
};

// How the page's viewport is made: the window's size, or a phone's screen
// emulated by chromium (width x height CSS pixels, touch, the mobile
// viewport rules), since headless chromium will not make a window narrower
// than 500 pixels.
enum class Viewport { window, phone };

struct BrowserOptions {
    int width = 1280;
    int height = 1000;
    std::string language = "en-US";           // --lang, and Accept-Language
    bool accept_insecure_certificates = true; // the tests' private CA is not in chromium's store
    Viewport viewport = Viewport::window;
};

// One WebDriver session: a headless chromium window.
class BrowserSession {
public:
    BrowserSession(const ChromeDriver& driver, const BrowserOptions& options = {});
    ~BrowserSession();
    BrowserSession(const BrowserSession&) = delete;
    BrowserSession& operator=(const BrowserSession&) = delete;

    void navigate(const std::string& url);
    std::string current_url();
    std::string title();
    std::string page_source();

    // An element id; throws when nothing matches `css` (after waiting up to
    // the implicit wait, 5 s).
    std::string find(const std::string& css);
    std::vector<std::string> find_all(const std::string& css);
    bool exists(const std::string& css);
    void click(const std::string& element);
    void clear(const std::string& element);
    void send_keys(const std::string& element, const std::string& text);
    std::string text(const std::string& element);
    std::string property(const std::string& element, const std::string& name);
    // Runs `script` in the page (arguments as a JSON array) and returns its result.
    nlohmann::json execute(const std::string& script, const nlohmann::json& arguments = nlohmann::json::array());

    // Waits until `css` matches (polling), or throws after `timeout`.
    std::string wait_for(const std::string& css, std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

    // The window as PNG bytes, and written to `file` (folders made as needed).
    std::string screenshot_png();
    void save_screenshot(const std::filesystem::path& file);
    // The whole page, not only the window: the window is made as tall as
    // the page for the screenshot, then given its size back.
    void save_full_page_screenshot(const std::filesystem::path& file);
    // The page printed to PDF by chromium's own printing (WebDriver "Print
    // Page", what --print-to-pdf does), A4 portrait, with backgrounds.
    std::string print_pdf();

private:
    nlohmann::json call(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr);

    std::string m_base;       // the driver's URL
    std::string m_session;    // the session id
    std::filesystem::path m_profile; // chromium's user data folder, removed at the end
};

// Standard base64 (RFC 4648) to bytes; throws on invalid input.
std::string base64_decode(const std::string& text);

} // namespace feedback::testing
