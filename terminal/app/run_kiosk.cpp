// `feedback-terminal run` (run_kiosk.h): option checks, then KioskApp.
#include "app/run_kiosk.h"

#include "app/kiosk_app.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <ostream>
#include <string_view>

namespace feedback::app {

namespace {

// "2", "0.5": seconds from 0 to 3600, to milliseconds.
std::optional<std::chrono::milliseconds> parse_delay_seconds(const std::string& text)
{
    double seconds = 0;
    const char* end = text.data() + text.size();
    auto [stop, error] = std::from_chars(text.data(), end, seconds);
    if (text.empty() || error != std::errc{} || stop != end || !(seconds >= 0 && seconds <= 3600))
        return std::nullopt;
    return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

} // namespace

int run_kiosk(const RunRequest& request, const std::string& tool, std::ostream& out, std::ostream& err)
{
    constexpr int exit_ok = 0;
    constexpr int exit_failed = 1;
    constexpr int exit_usage = 2;
    auto usage = [&](const std::string& message) {
        err << tool << " run: " << message << " (see " << tool << " run --help)\n";
        return exit_usage;
    };
    if (request.fullscreen && (request.window || request.headless))
        return usage("--fullscreen goes with neither --window nor --headless");
    if (request.headless && !request.script)
        return usage("--headless needs --script FILE (there is nobody to tap the screen)");
    if (request.screenshots && !request.script)
        return usage("--screenshots needs --script FILE");
    AppOptions options;
    options.data_dir = request.data_dir;
    if (request.config_file)
        options.config_file = *request.config_file;
    if (request.lang) {
        const auto& known = config::kiosk_locales;
        if (std::find(known.begin(), known.end(), *request.lang) == known.end())
            return usage("--lang must be one of nl, en, de, pl, tr (got \"" + *request.lang + "\")");
        options.locale = *request.lang;
    }
    if (request.window) {
        const auto size = ui::parse_window_size(*request.window);
        if (!size)
            return usage("--window needs WIDTHxHEIGHT, for example 1280x800 (got \"" + *request.window + "\")");
        options.shell.width = size->width;
        options.shell.height = size->height;
    }
    if (request.sync_start_delay_max) {
        const auto delay = parse_delay_seconds(*request.sync_start_delay_max);
        if (!delay)
            return usage("--sync-start-delay-max needs a number of seconds from 0 to 3600 (got \"" +
                         *request.sync_start_delay_max + "\")");
        options.sync_start_delay_max = *delay;
    }
    options.standalone = request.standalone;
    if (request.rotation) {
        const std::string& degrees = *request.rotation;
        if (degrees != "0" && degrees != "90" && degrees != "180" && degrees != "270")
            return usage("--rotation needs 0, 90, 180 or 270 (got \"" + degrees + "\")");
        options.rotation_degrees = std::stoi(degrees);
    }
    if (request.setup_media) {
        if (request.standalone)
            return usage("--setup-media does not go with --standalone (there is no setup screen)");
        std::string_view folders = *request.setup_media;
        while (!folders.empty()) {
            const auto colon = folders.find(':');
            const std::string_view folder = folders.substr(0, colon);
            if (!folder.empty())
                options.setup_media.emplace_back(folder);
            folders = colon == std::string_view::npos ? std::string_view() : folders.substr(colon + 1);
        }
        if (options.setup_media.empty())
            return usage("--setup-media needs at least one folder");
    }
    options.shell.display = request.headless     ? ui::DisplayMode::headless
                            : request.fullscreen ? ui::DisplayMode::fullscreen
                                                 : ui::DisplayMode::window;
    // Headless scripts run on a simulated clock: wait_ms costs no real time.
    options.shell.clock = request.headless ? ui::ClockKind::simulated : ui::ClockKind::real;

    auto kiosk = KioskApp::create(options, err);
    if (!kiosk) {
        err << tool << " run: " << kiosk.error().message << "\n";
        return exit_failed;
    }
    if (request.script) {
        std::optional<std::filesystem::path> screenshots_dir;
        if (request.screenshots)
            screenshots_dir = *request.screenshots;
        auto report = (*kiosk)->run_script(*request.script, screenshots_dir);
        if (!report) {
            err << tool << " run: " << report.error().message << "\n";
            return exit_failed;
        }
        out << "script passed: " << report->steps_run << " steps, " << report->screenshots.size() << " screenshots"
            << (request.screenshots ? " in " + *request.screenshots : std::string()) << "\n";
        return exit_ok;
    }
    auto ran = (*kiosk)->run();
    if (!ran) {
        err << tool << " run: " << ran.error().message << "\n";
        return exit_failed;
    }
    return exit_ok;
}

} // namespace feedback::app
