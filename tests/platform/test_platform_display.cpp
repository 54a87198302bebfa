// This terminal's display settings on the real feedback-terminal: the command
// line `feedback-terminal session` hands to cage for each rotation (the
// unit's ExecStart, terminal/cli/session_command.h), the udev properties
// `touch-properties` prints for the package's touch rule, clear errors and a
// non-zero exit for a broken settings file, and the file the package ships.
// The session itself, turned, runs under cage in test_kiosk_session.cpp.
#include "support/child_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

using namespace feedback::testing;

namespace {

const std::filesystem::path source_dir = FEEDBACK_SOURCE_DIR;

std::filesystem::path settings_file(const TempDir& temp, const std::string& text)
{
    auto file = temp.path() / "display.conf";
    std::ofstream(file) << text;
    return file;
}

Finished dry_run(const std::filesystem::path& settings, const std::vector<std::string>& more = {})
{
    std::vector<std::string> argv{FEEDBACK_TERMINAL_BINARY, "session", "--data-dir", "/var/lib/feedback-kiosk",
                                  "--display-settings", settings.string(), "--dry-run"};
    argv.insert(argv.end(), more.begin(), more.end());
    return run_process(argv);
}

Finished touch_properties(const std::filesystem::path& settings)
{
    return run_process({FEEDBACK_TERMINAL_BINARY, "touch-properties", "--display-settings", settings.string()});
}

std::string read_text(const std::filesystem::path& file)
{
    std::ifstream in(file);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

TEST_CASE("feedback-terminal session turns cage's output by the display settings' rotation", "[platform][display]")
{
    TempDir temp;
    const std::string kiosk = std::string(" -- /usr/bin/env -u WATCHDOG_PID SDL_VIDEO_ALLOW_SCREENSAVER=0 ") +
                              FEEDBACK_TERMINAL_BINARY + " run --fullscreen";
    const std::string data_dir = " --data-dir /var/lib/feedback-kiosk\n";
    const std::vector<std::pair<std::string, std::string>> rotation_to_cage{
        {"0", "/usr/bin/cage -d"},
        {"90", "/usr/bin/cage -d -r"},
        {"180", "/usr/bin/cage -d -r -r"},
        {"270", "/usr/bin/cage -d -r -r -r"},
    };
    for (const auto& [rotation, cage] : rotation_to_cage) {
        INFO("rotation " << rotation);
        auto shown = dry_run(settings_file(temp, "# the counter's screen\nrotation = " + rotation + "  # degrees\n"));
        INFO(shown.err);
        CHECK(shown.exit_code == 0);
        // The kiosk is told too: it reports the rotation to head office with its screen's size.
        CHECK(shown.out == cage + kiosk + (rotation == "0" ? "" : " --rotation " + rotation) + data_dir);
        CHECK(shown.err.empty());
    }

    // No rotation given, and --standalone passed on to the kiosk.
    auto plain = dry_run(settings_file(temp, "\n# nothing set\n"), {"--standalone"});
    CHECK(plain.exit_code == 0);
    CHECK(plain.out == "/usr/bin/cage -d -- /usr/bin/env -u WATCHDOG_PID SDL_VIDEO_ALLOW_SCREENSAVER=0 " +
                           std::string(FEEDBACK_TERMINAL_BINARY) +
                           " run --fullscreen --standalone --data-dir /var/lib/feedback-kiosk\n");
}

TEST_CASE("a broken display settings file stops the session with the file, line and rule, and exit status 1",
          "[platform][display]")
{
    TempDir temp;
    const std::vector<std::pair<std::string, std::string>> text_to_message{
        {"\nrotation = 45\n", "display.conf:2: rotation: \"45\" is not one of 0, 90, 180, 270 (degrees clockwise)"},
        {"rotation = -90\n", "display.conf:1: rotation: \"-90\" is not one of 0, 90, 180, 270"},
        {"rotation = portrait\n", "display.conf:1: rotation: \"portrait\" is not one of 0, 90, 180, 270"},
        {"rotation =\n", "display.conf:1: rotation: \"\" is not one of 0, 90, 180, 270"},
        {"rotate = 90\n", "display.conf:1: unknown setting \"rotate\" (known: rotation, touch_output, touch_calibration)"},
        {"rotation = 90\nrotation = 180\n", "display.conf:2: rotation: given already on line 1"},
        {"rotation 90\n", "display.conf:1: \"rotation 90\" is not \"key = value\""},
        {"touch_output = HDMI A 1\n", "display.conf:1: touch_output: \"HDMI A 1\" is not a connector name"},
        {"touch_calibration = 0 1 0 -1 0\n", "display.conf:1: touch_calibration: needs 6 numbers"},
        {"touch_calibration = 0 1 0 -1 0 one\n", "display.conf:1: touch_calibration: \"one\" is not a number"},
        {"touch_calibration = 0 1 0 -1 0 nan\n", "display.conf:1: touch_calibration: \"nan\" is not a number"},
    };
    for (const auto& [text, message] : text_to_message) {
        INFO(text);
        auto file = settings_file(temp, text);
        auto refused = dry_run(file);
        CHECK(refused.exit_code == 1);
        CHECK(refused.out.empty()); // no command line for a file that is wrong
        CHECK(refused.err.find("feedback-terminal session: " + file.string() + ":") == 0);
        CHECK(refused.err.find(message) != std::string::npos);
        // The udev rule's command refuses it the same way, printing no property.
        auto properties = touch_properties(file);
        CHECK(properties.exit_code == 1);
        CHECK(properties.out.empty());
        CHECK(properties.err.find(message) != std::string::npos);
    }

    // Every broken line is named at once, so one edit fixes them all.
    auto file = settings_file(temp, "rotation = 45\ntouch_output = /dev/fb0\n");
    auto both = dry_run(file);
    CHECK(both.exit_code == 1);
    CHECK(both.err.find(":1: rotation:") != std::string::npos);
    CHECK(both.err.find(":2: touch_output:") != std::string::npos);

    // A settings file named on the command line must exist.
    auto missing = dry_run(temp.path() / "no-such.conf");
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("no-such.conf: cannot be read (No such file or directory)") != std::string::npos);
    auto folder = dry_run(temp.path());
    CHECK(folder.exit_code == 1);
    CHECK(folder.err.find("is a folder, not a file") != std::string::npos);
}

TEST_CASE("touch-properties prints the udev properties libinput and cage read for the touchscreen",
          "[platform][display]")
{
    TempDir temp;
    auto both = touch_properties(
        settings_file(temp, "rotation = 90\ntouch_output = HDMI-A-1\ntouch_calibration =  0  -1 1 1 0.0 0 \n"));
    INFO(both.err);
    CHECK(both.exit_code == 0);
    CHECK(both.out == "WL_OUTPUT=HDMI-A-1\nLIBINPUT_CALIBRATION_MATRIX=0 -1 1 1 0.0 0\n");

    auto output_only = touch_properties(settings_file(temp, "touch_output=eDP-1\n"));
    CHECK(output_only.exit_code == 0);
    CHECK(output_only.out == "WL_OUTPUT=eDP-1\n");

    // Nothing set for touch: nothing for udev to import.
    auto none = touch_properties(settings_file(temp, "rotation = 270\n"));
    CHECK(none.exit_code == 0);
    CHECK(none.out.empty());
    CHECK(none.err.empty());

    // The package's rule runs this very command for every touchscreen.
    const std::string rule = read_text(source_dir / "platform" / "udev" / "91-feedback-touch.rules");
    CHECK(rule.find("ENV{ID_INPUT_TOUCHSCREEN}==\"1\"") != std::string::npos);
    CHECK(rule.find("IMPORT{program}=\"/usr/bin/feedback-terminal touch-properties\"") != std::string::npos);
}

TEST_CASE("the display settings file the package installs is valid, and so is each example it comments out",
          "[platform][display]")
{
    TempDir temp;
    const auto shipped = source_dir / "platform" / "display" / "display.conf";
    auto as_shipped = dry_run(shipped);
    INFO(as_shipped.err);
    CHECK(as_shipped.exit_code == 0);
    CHECK(as_shipped.out.find("/usr/bin/cage -d -- ") == 0); // nothing set: not turned

    // Each setting's example line, uncommented on its own, is read as documented.
    const std::string text = read_text(shipped);
    const std::regex example("^#((rotation|touch_output|touch_calibration) = .*)$", std::regex::multiline);
    int examples = 0;
    for (auto match = std::sregex_iterator(text.begin(), text.end(), example); match != std::sregex_iterator();
         ++match) {
        ++examples;
        const std::string line = (*match)[1];
        INFO(line);
        auto file = settings_file(temp, text + "\n" + line + "\n");
        auto read = (*match)[2] == "rotation" ? dry_run(file) : touch_properties(file);
        INFO(read.err);
        CHECK(read.exit_code == 0);
        CHECK_FALSE(read.out.empty());
    }
    CHECK(examples == 3);

    // The package takes it into /etc, where the session looks by default.
    CHECK(read_text(source_dir / "platform" / "debian" / "feedback-terminal.install")
              .find("etc/feedback-terminal/display.conf\n") != std::string::npos);
    auto help = run_process({FEEDBACK_TERMINAL_BINARY, "session", "--help"});
    CHECK(help.out.find("/etc/feedback-terminal/display.conf") != std::string::npos);
}

TEST_CASE("session and touch-properties have --help, and session needs --data-dir", "[platform][display]")
{
    auto session_help = run_process({FEEDBACK_TERMINAL_BINARY, "session", "--help"});
    CHECK(session_help.exit_code == 0);
    for (const char* words : {"usage: feedback-terminal session", "--data-dir DIR", "--display-settings FILE",
                              "--dry-run", "--standalone", "rotation = 0|90|180|270"})
        CHECK(session_help.out.find(words) != std::string::npos);

    auto touch_help = run_process({FEEDBACK_TERMINAL_BINARY, "touch-properties", "--help"});
    CHECK(touch_help.exit_code == 0);
    for (const char* words : {"usage: feedback-terminal touch-properties", "--display-settings FILE", "WL_OUTPUT",
                              "LIBINPUT_CALIBRATION_MATRIX"})
        CHECK(touch_help.out.find(words) != std::string::npos);

    auto overview = run_process({FEEDBACK_TERMINAL_BINARY, "--help"});
    CHECK(overview.out.find("session") != std::string::npos);
    CHECK(overview.out.find("touch-properties") != std::string::npos);

    auto no_data_dir = run_process({FEEDBACK_TERMINAL_BINARY, "session", "--dry-run"});
    CHECK(no_data_dir.exit_code == 2);
    CHECK(no_data_dir.err.find("--data-dir") != std::string::npos);
}
