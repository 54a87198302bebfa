// The kiosk as systemd runs it (platform/systemd/feedback-kiosk.service):
// this test is systemd's NOTIFY_SOCKET and sees READY=1, then WATCHDOG=1 from
// the frame loop, and no more pings while the loop is held (the process
// stopped with SIGSTOP) until it goes on again. Then the real session: the
// kiosk full screen in cage on wlroots' headless backend as an unprivileged
// user, and grim's screenshot of the output shows the start screen.
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
#include <map>
#include <poll.h>
#include <pwd.h>
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

} // namespace

TEST_CASE("the kiosk runs full screen in cage as an unprivileged user, and its output shows the start screen",
          "[platform][cage]")
{
    TempDir temp;
    // What the start screen looks like at cage's headless 1280x720, drawn offscreen.
    auto expected_dir = temp.path() / "expected";
    auto script = temp.path() / "start.jsonl";
    std::ofstream(script) << "{\"expect_target\":\"score.0\"}\n{\"screenshot\":\"start\"}\n";
    std::filesystem::create_directory(temp.path() / "offscreen");
    auto drawn = run_process({"/usr/bin/env", "SDL_VIDEODRIVER=offscreen", FEEDBACK_TERMINAL_BINARY, "run", "--headless",
                         "--standalone", "--window", "1280x720", "--data-dir", (temp.path() / "offscreen").string(), "--script",
                         script.string(), "--screenshots", expected_dir.string()});
    INFO(drawn.err);
    REQUIRE(drawn.exit_code == 0);
    std::filesystem::path expected_png;
    for (const auto& entry : std::filesystem::directory_iterator(expected_dir))
        if (entry.path().filename().string().find("start") != std::string::npos)
            expected_png = entry.path();
    REQUIRE_FALSE(expected_png.empty());

    // The session: its own runtime folder and data folder, nothing else of ours.
    std::filesystem::permissions(temp.path(), std::filesystem::perms::owner_all | std::filesystem::perms::others_exec |
                                                  std::filesystem::perms::group_exec);
    auto runtime = temp.path() / "run";
    auto data = temp.path() / "kiosk";
    std::filesystem::create_directory(runtime);
    std::filesystem::create_directory(data);
    std::filesystem::permissions(runtime, std::filesystem::perms::owner_all);
    hand_to_kiosk_user(runtime);
    hand_to_kiosk_user(data);
    const std::vector<std::string> session_env{"/usr/bin/env", "-i", "PATH=/usr/bin:/bin",
                                               "HOME=" + data.string(), "XDG_RUNTIME_DIR=" + runtime.string()};
    auto session = session_env;
    for (std::string setting : {"WLR_BACKENDS=headless", "WLR_LIBINPUT_NO_DEVICES=1", "WLR_RENDERER=pixman",
                                "SDL_VIDEODRIVER=x11", "ASAN_OPTIONS=detect_leaks=0"})
        session.push_back(setting);
    // The unit's command line (platform/systemd/feedback-kiosk.service) with this build's program.
    // --standalone: this kiosk is not enrolled, and the start screen is what is compared.
    for (std::string part : {"/usr/bin/cage", "-d", "--", FEEDBACK_TERMINAL_BINARY, "run", "--fullscreen", "--standalone",
                             "--data-dir"})
        session.push_back(part);
    session.push_back(data.string());
    ChildProcess cage(as_kiosk_user(session));

    // grim photographs the output once the start screen is up (XWayland and
    // the kiosk take a few seconds to start).
    auto shot = temp.path() / "run" / "shot.png";
    auto grim = session_env;
    grim.push_back("WAYLAND_DISPLAY=wayland-0");
    grim.push_back("/usr/bin/grim");
    grim.push_back(shot.string());
    // The start screen: its background, score buttons and cards in about the
    // measure the offscreen drawing has them (not the exact pixels: under
    // cage's headless output the window keeps the layout of its first frame).
    double shortfall = 1;
    for (int attempt = 0; attempt < 60 && shortfall > 0.5; ++attempt) {
        std::this_thread::sleep_for(1s);
        if (!std::filesystem::exists(runtime / "wayland-0"))
            continue;
        if (run_process(as_kiosk_user(grim)).exit_code != 0 || !std::filesystem::exists(shot))
            continue;
        shortfall = largest_shortfall(read_png(shot), read_png(expected_png));
    }
    INFO("the largest shortfall of one of the start screen's colours: " << shortfall);
    CHECK(shortfall <= 0.5);
    REQUIRE(std::filesystem::exists(shot));
    std::filesystem::create_directories(FEEDBACK_SCREENSHOT_ROOT);
    std::filesystem::copy_file(shot, std::filesystem::path(FEEDBACK_SCREENSHOT_ROOT) / "cage-start.png",
                               std::filesystem::copy_options::overwrite_existing);

    cage.kill_now();
}
