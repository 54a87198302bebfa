// The kiosk as systemd runs it (platform/systemd/feedback-kiosk.service):
// this test is systemd's NOTIFY_SOCKET and sees READY=1, then WATCHDOG=1 from
// the frame loop, and no more pings while the loop is held (the process
// stopped with SIGSTOP) until it goes on again. Then the real session, as
// the unit starts it (`feedback-terminal session`): the kiosk full screen in
// cage on wlroots' headless backend as an unprivileged user, and grim's
// screenshot of the output shows the start screen; turned to portrait by the
// display settings' rotation; and nothing in it blanks the screen (XWayland's
// screen saver and DPMS, SDL's screen-saver hint).
#include "support/child_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>
#include <stb_image.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <poll.h>
#include <pwd.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

using namespace feedback::testing;
using namespace std::chrono_literals;

namespace {

// A datagram socket at `path`, as systemd's notification socket.
class NotifySocket {
public:
    explicit NotifySocket(const std::filesystem::path& path)
    {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(m_fd >= 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        REQUIRE(path.string().size() < sizeof address.sun_path);
        std::strcpy(address.sun_path, path.c_str());
        REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    }
    ~NotifySocket() { ::close(m_fd); }

    // The messages that arrive within `wait`.
    std::vector<std::string> receive_for(std::chrono::milliseconds wait)
    {
        std::vector<std::string> messages;
        auto until = std::chrono::steady_clock::now() + wait;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return messages;
            pollfd ready{m_fd, POLLIN, 0};
            if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0)
                continue;
            char buffer[4096];
            ssize_t got = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (got > 0)
                messages.emplace_back(buffer, static_cast<size_t>(got));
        }
    }

    // Waits up to `wait` for a message that contains `text`.
    bool wait_for(const std::string& text, std::chrono::milliseconds wait)
    {
        auto until = std::chrono::steady_clock::now() + wait;
        while (std::chrono::steady_clock::now() < until)
            for (const std::string& message : receive_for(200ms))
                if (message.find(text) != std::string::npos)
                    return true;
        return false;
    }

private:
    int m_fd = -1;
};

long count_of(const std::vector<std::string>& messages, const std::string& text)
{
    return std::count_if(messages.begin(), messages.end(),
                         [&](const std::string& m) { return m.find(text) != std::string::npos; });
}

} // namespace

TEST_CASE("the kiosk tells systemd it is ready and feeds the watchdog only while its frame loop runs",
          "[platform][watchdog]")
{
    TempDir temp;
    std::filesystem::create_directory(temp.path() / "kiosk"); // systemd's StateDirectory=
    NotifySocket systemd(temp.path() / "notify");
    ChildProcess kiosk({"/usr/bin/env", "SDL_VIDEODRIVER=offscreen", "NOTIFY_SOCKET=" + (temp.path() / "notify").string(),
                        "WATCHDOG_USEC=1000000", FEEDBACK_TERMINAL_BINARY, "run", "--data-dir",
                        (temp.path() / "kiosk").string()});
    REQUIRE(systemd.wait_for("READY=1", 60s));

    // WatchdogSec=1: a ping every half second or so.
    auto running = systemd.receive_for(3s);
    CHECK(count_of(running, "WATCHDOG=1") >= 4);

    // The loop held: no pings, so systemd would restart the kiosk.
    REQUIRE(::kill(kiosk.pid(), SIGSTOP) == 0);
    systemd.receive_for(200ms); // what was sent before it stopped
    auto held = systemd.receive_for(2500ms);
    CHECK(count_of(held, "WATCHDOG=1") == 0);

    REQUIRE(::kill(kiosk.pid(), SIGCONT) == 0);
    auto again = systemd.receive_for(3s);
    CHECK(count_of(again, "WATCHDOG=1") >= 3);
    CHECK(count_of(again, "READY=1") == 0); // ready once

    REQUIRE(::kill(kiosk.pid(), SIGTERM) == 0);
    auto finished = kiosk.wait();
    INFO(finished.err);
    CHECK(finished.exit_code == 0);
}

namespace {

struct Picture {
    int width = 0;
    int height = 0;
    std::vector<unsigned char> rgb;
};

Picture read_png(const std::filesystem::path& file)
{
    Picture picture;
    int channels = 0;
    unsigned char* pixels = stbi_load(file.c_str(), &picture.width, &picture.height, &channels, 3);
    REQUIRE(pixels != nullptr);
    picture.rgb.assign(pixels, pixels + static_cast<size_t>(picture.width) * picture.height * 3);
    stbi_image_free(pixels);
    return picture;
}

// The share of the picture's pixels in each of its main colours (channels
// rounded to 16 levels), largest first.
std::map<uint32_t, double> colour_shares(const Picture& picture)
{
    std::map<uint32_t, long> counts;
    for (size_t i = 0; i + 2 < picture.rgb.size(); i += 3)
        ++counts[(uint32_t{picture.rgb[i]} >> 4) << 8 | (uint32_t{picture.rgb[i + 1]} >> 4) << 4 |
                 uint32_t{picture.rgb[i + 2]} >> 4];
    std::map<uint32_t, double> shares;
    const double pixels = static_cast<double>(picture.rgb.size() / 3);
    for (const auto& [colour, count] : counts)
        if (static_cast<double>(count) / pixels >= 0.01) // the background, the score buttons, the cards
            shares[colour] = static_cast<double>(count) / pixels;
    return shares;
}

// How far `shown` is from having `expected`'s main colours in about the same
// measure: the largest shortfall of one colour's share, 0-1.
double largest_shortfall(const Picture& shown, const Picture& expected)
{
    auto want = colour_shares(expected);
    auto have = colour_shares(shown);
    double worst = 0;
    for (const auto& [colour, share] : want) {
        auto found = have.find(colour);
        double got = found == have.end() ? 0.0 : found->second;
        worst = std::max(worst, (share - got) / share);
    }
    return worst;
}

const std::vector<std::string> as_nobody{"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};

// Whether `nobody` can run this build's kiosk and read its assets: not when
// the checkout is in a folder closed to others (a CI checkout under /root).
bool nobody_reaches_the_build()
{
    auto argv = as_nobody;
    for (std::string part : {"/usr/bin/test", "-x", FEEDBACK_TERMINAL_BINARY, "-a", "-r",
                             FEEDBACK_SOURCE_DIR "/assets/config/default.json"})
        argv.push_back(part);
    return run_process(argv).exit_code == 0;
}

// Runs `argv` as the unprivileged user the kiosk session has (cage refuses
// root): as `nobody` when the test runs as root, else as the test's own user.
// When `nobody` cannot reach the build, it is given CAP_DAC_OVERRIDE (and
// nothing else) to read it; the session is still not root's.
std::vector<std::string> as_kiosk_user(std::vector<std::string> argv)
{
    if (::getuid() != 0)
        return argv;
    static const bool reaches = nobody_reaches_the_build();
    auto prefix = as_nobody;
    if (!reaches) {
        prefix.push_back("--inh-caps=+dac_override");
        prefix.push_back("--ambient-caps=+dac_override");
    }
    argv.insert(argv.begin(), prefix.begin(), prefix.end());
    return argv;
}

void hand_to_kiosk_user(const std::filesystem::path& path)
{
    if (::getuid() == 0)
        REQUIRE(::chown(path.c_str(), 65534, 65534) == 0);
}

// The start screen drawn offscreen at `size` ("1280x720"): what cage's output
// should show, in about the same colours.
std::filesystem::path start_screen_drawn_offscreen(const TempDir& temp, const std::string& size)
{
    auto expected_dir = temp.path() / ("expected-" + size);
    auto script = temp.path() / "start.jsonl";
    std::ofstream(script) << "{\"expect_target\":\"score.0\"}\n{\"screenshot\":\"start\"}\n";
    auto data = temp.path() / ("offscreen-" + size);
    std::filesystem::create_directory(data);
    auto drawn = run_process({"/usr/bin/env", "SDL_VIDEODRIVER=offscreen", FEEDBACK_TERMINAL_BINARY, "run", "--headless",
                              "--standalone", "--window", size, "--data-dir", data.string(), "--script", script.string(),
                              "--screenshots", expected_dir.string()});
    INFO(drawn.err);
    REQUIRE(drawn.exit_code == 0);
    for (const auto& entry : std::filesystem::directory_iterator(expected_dir))
        if (entry.path().filename().string().find("start") != std::string::npos)
            return entry.path();
    FAIL("no start screen in " << expected_dir);
    return {};
}

// The words of the kiosk unit's `key=` line (ExecStart, Environment).
std::vector<std::string> kiosk_unit_words(const std::string& key)
{
    std::ifstream unit(std::filesystem::path(FEEDBACK_SOURCE_DIR) / "platform" / "systemd" / "feedback-kiosk.service");
    REQUIRE(unit);
    std::string line;
    while (std::getline(unit, line))
        if (line.rfind(key + "=", 0) == 0) {
            std::istringstream words(line.substr(key.size() + 1));
            return {std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
        }
    FAIL("the kiosk unit has no " << key << "= line");
    return {};
}

// The kiosk unit's session as systemd starts it (its Environment= and
// ExecStart=, with this build's program and a data folder of its own), on
// cage's headless backend as an unprivileged user, with this device's display
// settings; --standalone, as this kiosk is not enrolled and its start screen
// is what is compared. Killed with the object.
class KioskSession {
public:
    KioskSession(const TempDir& temp, const std::string& display_settings,
                 const std::vector<std::string>& more_environment = {})
        : m_runtime(temp.path() / "run"), m_data(temp.path() / "kiosk")
    {
        // Its own runtime folder and data folder, nothing else of ours.
        std::filesystem::permissions(temp.path(), std::filesystem::perms::owner_all |
                                                      std::filesystem::perms::others_exec |
                                                      std::filesystem::perms::group_exec);
        std::filesystem::create_directory(m_runtime);
        std::filesystem::create_directory(m_data);
        std::filesystem::permissions(m_runtime, std::filesystem::perms::owner_all);
        hand_to_kiosk_user(m_runtime);
        hand_to_kiosk_user(m_data);
        const auto settings = temp.path() / "display.conf";
        std::ofstream(settings) << display_settings;
        std::filesystem::permissions(settings, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                                   std::filesystem::perms::group_read |
                                                   std::filesystem::perms::others_read);

        auto session = environment();
        for (const std::string& setting : kiosk_unit_words("Environment"))
            session.push_back(setting);
        for (std::string setting : {"WLR_BACKENDS=headless", "WLR_LIBINPUT_NO_DEVICES=1", "WLR_RENDERER=pixman",
                                    "ASAN_OPTIONS=detect_leaks=0"})
            session.push_back(setting);
        session.insert(session.end(), more_environment.begin(), more_environment.end());
        for (std::string word : kiosk_unit_words("ExecStart")) {
            if (word == "/usr/bin/feedback-terminal")
                word = FEEDBACK_TERMINAL_BINARY;
            if (word == "/var/lib/feedback-kiosk")
                word = m_data.string();
            session.push_back(word);
        }
        for (std::string part : {"--standalone", "--display-settings"})
            session.push_back(part);
        session.push_back(settings.string());
        m_cage = std::make_unique<ChildProcess>(as_kiosk_user(session));
    }
    ~KioskSession() { m_cage->kill_now(); }
    KioskSession(const KioskSession&) = delete;
    KioskSession& operator=(const KioskSession&) = delete;

    struct Photo {
        Picture picture;
        double shortfall = 1; // largest_shortfall() against the expected picture
    };

    // grim's pictures of the output until one shows `expected`'s start screen
    // (XWayland and the kiosk take a few seconds to start), for up to a
    // minute: the start screen's background, score buttons and cards in about
    // the measure the offscreen drawing has them (not the exact pixels: under
    // cage's headless output the window keeps the layout of its first frame).
    Photo photograph_until_like(const std::filesystem::path& expected_png)
    {
        const Picture expected = read_png(expected_png);
        const auto shot = m_runtime / "shot.png";
        auto grim = environment();
        for (std::string part : {"WAYLAND_DISPLAY=wayland-0", "/usr/bin/grim"})
            grim.push_back(part);
        grim.push_back(shot.string());
        Photo photo;
        for (int attempt = 0; attempt < 60 && photo.shortfall > 0.5; ++attempt) {
            std::this_thread::sleep_for(1s);
            if (!std::filesystem::exists(m_runtime / "wayland-0"))
                continue;
            std::filesystem::remove(shot);
            if (run_process(as_kiosk_user(grim)).exit_code != 0 || !std::filesystem::exists(shot))
                continue;
            photo.picture = read_png(shot);
            photo.shortfall = largest_shortfall(photo.picture, expected);
        }
        INFO("the largest shortfall of one of the start screen's colours: " << photo.shortfall);
        REQUIRE(photo.picture.width > 0);
        return photo;
    }

    // The environment the kiosk (cage's one child) runs with.
    std::map<std::string, std::string> kiosk_environment() const
    {
        const std::string cage = std::to_string(m_cage->pid());
        std::ifstream children("/proc/" + cage + "/task/" + cage + "/children");
        pid_t kiosk = 0;
        REQUIRE(children >> kiosk);
        std::ifstream environ_file("/proc/" + std::to_string(kiosk) + "/environ");
        REQUIRE(environ_file);
        std::map<std::string, std::string> variables;
        std::string variable;
        while (std::getline(environ_file, variable, '\0'))
            if (auto equals = variable.find('='); equals != std::string::npos)
                variables[variable.substr(0, equals)] = variable.substr(equals + 1);
        return variables;
    }

    // The copy of the last picture kept in the build folder for a person.
    void keep_last_photo(const std::string& name) const
    {
        std::filesystem::create_directories(FEEDBACK_SCREENSHOT_ROOT);
        std::filesystem::copy_file(m_runtime / "shot.png", std::filesystem::path(FEEDBACK_SCREENSHOT_ROOT) / name,
                                   std::filesystem::copy_options::overwrite_existing);
    }

private:
    std::vector<std::string> environment() const
    {
        return {"/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "HOME=" + m_data.string(),
                "XDG_RUNTIME_DIR=" + m_runtime.string()};
    }

    std::filesystem::path m_runtime;
    std::filesystem::path m_data;
    std::unique_ptr<ChildProcess> m_cage;
};

// x-screen-saver-probe (test_platform_x_screen_saver.cpp) on the session's X
// server (XWayland, the kiosk's display), as the session's user: XWayland
// lets no other user in. "saver_extension=no dpms_extension=no timeout=0",
// and with --force "forced" after it.
Finished probe_x_screen_saver(const std::string& display, const std::vector<std::string>& options = {})
{
    std::vector<std::string> argv{"/usr/bin/env", "-i", "DISPLAY=" + display, X_SCREEN_SAVER_PROBE};
    argv.insert(argv.end(), options.begin(), options.end());
    return run_process(as_kiosk_user(argv));
}

} // namespace

TEST_CASE("the kiosk runs full screen in cage as an unprivileged user, and its output shows the start screen",
          "[platform][cage]")
{
    TempDir temp;
    // cage's headless output is 1280x720; nothing turns it.
    const auto expected = start_screen_drawn_offscreen(temp, "1280x720");
    KioskSession session(temp, "# as the package ships it: nothing set\n");
    auto photo = session.photograph_until_like(expected);
    CHECK(photo.shortfall <= 0.5);
    CHECK(photo.picture.width == 1280);
    CHECK(photo.picture.height == 720);
    session.keep_last_photo("cage-start.png");
}

TEST_CASE("with rotation 90 in the display settings, cage's output is portrait and the kiosk draws its portrait "
          "start screen on it",
          "[platform][cage][display]")
{
    TempDir temp;
    const auto expected = start_screen_drawn_offscreen(temp, "720x1280");
    KioskSession session(temp, "rotation = 90\n");
    auto photo = session.photograph_until_like(expected);
    INFO("the largest shortfall of one of the portrait start screen's colours: " << photo.shortfall);
    CHECK(photo.shortfall <= 0.5);
    CHECK(photo.picture.width == 720);
    CHECK(photo.picture.height == 1280);
    session.keep_last_photo("cage-start-rotation-90.png");
}

TEST_CASE("nothing in the kiosk's session blanks the screen: XWayland has no screen saver or DPMS, SDL's is "
          "refused whatever the environment says",
          "[platform][cage][blanking]")
{
    TempDir temp;
    const auto expected = start_screen_drawn_offscreen(temp, "1280x720");
    // An environment that asks SDL to allow the screen saver: the session overrules it.
    KioskSession session(temp, "rotation = 0\n", {"SDL_VIDEO_ALLOW_SCREENSAVER=1"});
    auto before = session.photograph_until_like(expected);
    REQUIRE(before.shortfall <= 0.5);

    auto kiosk = session.kiosk_environment();
    CHECK(kiosk["SDL_VIDEO_ALLOW_SCREENSAVER"] == "0");
    CHECK(kiosk.count("WATCHDOG_PID") == 0);
    REQUIRE(kiosk.count("DISPLAY") == 1); // cage's XWayland, which the kiosk draws through

    // XWayland: nothing that could blank or turn off the screen, and no timeout.
    auto saver = probe_x_screen_saver(kiosk["DISPLAY"]);
    INFO(saver.err);
    CHECK(saver.exit_code == 0);
    CHECK(saver.out == "saver_extension=no dpms_extension=no timeout=0\n");

    // Even an X screen saver set to one second, and started, leaves the start screen.
    auto forced = probe_x_screen_saver(kiosk["DISPLAY"], {"--force"});
    INFO(forced.err);
    REQUIRE(forced.exit_code == 0);
    CHECK(forced.out == "saver_extension=no dpms_extension=no timeout=0\nforced\n");
    std::this_thread::sleep_for(3s);
    auto after = session.photograph_until_like(expected);
    CHECK(after.shortfall <= 0.5);
    CHECK(after.picture.width == 1280);
    session.keep_last_photo("cage-start-after-screen-saver.png");
}
