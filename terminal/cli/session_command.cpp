// The kiosk's session launcher and the touch panel's udev properties
// (session_command.h): this terminal's display settings read and checked,
// then cage started in this process with the kiosk as its child, or the
// properties printed for udev.
#include "cli/session_command.h"

#include "cli/display_settings.h"
#include "domain/text_escape.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace feedback::terminal {

namespace {

constexpr const char* tool = "feedback-terminal";
constexpr const char* cage_program = "/usr/bin/cage";

cli::OptionSpec display_settings_option()
{
    return {"display-settings", cli::Arity::value, cli::Presence::optional, "FILE",
            "this terminal's display settings (default /etc/feedback-terminal/display.conf; "
            "when that is missing: no rotation, no touch settings)"};
}

Result<DisplaySettings> settings_of(const cli::ParsedOptions& options)
{
    if (auto file = options.value("display-settings"))
        return load_display_settings(*file, MissingFile::is_an_error);
    return load_display_settings(default_display_settings_file, MissingFile::use_defaults);
}

// The program's own path, so that the kiosk in the session is this build's
// (installed: /usr/bin/feedback-terminal).
std::string own_program()
{
    std::error_code error;
    auto self = std::filesystem::read_symlink("/proc/self/exe", error);
    return error ? std::string("/usr/bin/feedback-terminal") : self.string();
}

// One line a shell reads back as the same arguments.
std::string shell_line(const std::vector<std::string>& argv)
{
    std::string line;
    for (const std::string& arg : argv) {
        const bool plain = !arg.empty() && arg.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                                 "0123456789-_./=:,+@%") == std::string::npos;
        std::string quoted = "'";
        for (char c : arg)
            quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
        line += (line.empty() ? "" : " ") + (plain ? arg : quoted + "'");
    }
    return line;
}

} // namespace

cli::Command session_command()
{
    using cli::Arity;
    using cli::Presence;
    return {"session", "run the kiosk full screen in cage, turned as this terminal's display settings say",
            "The kiosk unit's ExecStart (feedback-kiosk.service). Reads this terminal's display\n"
            "settings (a file per device: a portrait and a landscape kiosk can stand in one\n"
            "store), then becomes cage, with the kiosk full screen as its only client:\n"
            "  cage -d [-r ...] -- env -u WATCHDOG_PID SDL_VIDEO_ALLOW_SCREENSAVER=0 \\\n"
            "       feedback-terminal run --fullscreen [--standalone] --data-dir DIR\n"
            "The settings file has one \"key = value\" a line and \"#\" comments:\n"
            "  rotation = 0|90|180|270        the picture turned clockwise (cage -r per 90)\n"
            "  touch_output = CONNECTOR       the touchscreen's connector (HDMI-A-1, eDP-1)\n"
            "  touch_calibration = 6 NUMBERS  libinput's calibration matrix for the panel\n"
            "The touch settings reach libinput through the package's udev rule\n"
            "(feedback-terminal touch-properties); see the file the package installs.\n"
            "A setting that is not one of these, or a value out of range, is an error\n"
            "naming the file and line, and the session does not start (exit status 1):\n"
            "a screen turned the wrong way is not a default. --dry-run checks the file\n"
            "and prints the command line instead of running it. WATCHDOG_PID is unset\n"
            "for the kiosk, which pings systemd's watchdog itself; the screen saver is\n"
            "refused for SDL whatever the unit's environment says.",
            {{"data-dir", Arity::value, Presence::required, "DIR", "folder of the local store (feedback.db); must exist"},
             display_settings_option(),
             {"standalone", Arity::flag, Presence::optional, "",
              "the kiosk's --standalone: no setup screen when not enrolled"},
             {"dry-run", Arity::flag, Presence::optional, "", "print the command line, do not start cage"}}};
}

cli::Command touch_properties_command()
{
    return {"touch-properties", "print a touchscreen's udev properties from this terminal's display settings",
            "Run by the package's udev rule (91-feedback-touch.rules) for every touchscreen\n"
            "as it appears, with IMPORT{program}: prints\n"
            "  WL_OUTPUT=CONNECTOR                  from touch_output: cage maps the panel to\n"
            "                                       that output, and wlroots turns touches\n"
            "                                       with the picture's rotation\n"
            "  LIBINPUT_CALIBRATION_MATRIX=a b c d e f   from touch_calibration\n"
            "and nothing for settings that are not given. After editing the file:\n"
            "  udevadm trigger --subsystem-match=input --action=change\n"
            "  systemctl restart feedback-kiosk\n"
            "A broken file prints nothing to standard output, says why on standard error\n"
            "and exits 1.",
            {display_settings_option()}};
}

std::vector<std::string> session_argv(const std::vector<std::string>& cage_options, const std::string& kiosk_program,
                                      const SessionRequest& request)
{
    std::vector<std::string> argv{cage_program};
    argv.insert(argv.end(), cage_options.begin(), cage_options.end());
    for (std::string part : {"--", "/usr/bin/env", "-u", "WATCHDOG_PID", "SDL_VIDEO_ALLOW_SCREENSAVER=0"})
        argv.push_back(part);
    argv.push_back(kiosk_program);
    argv.emplace_back("run");
    argv.emplace_back("--fullscreen");
    if (request.standalone)
        argv.emplace_back("--standalone");
    if (request.rotation_degrees != 0) {
        argv.emplace_back("--rotation");
        argv.push_back(std::to_string(request.rotation_degrees));
    }
    argv.emplace_back("--data-dir");
    argv.push_back(request.data_dir);
    return argv;
}

int run_session(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    auto settings = settings_of(options);
    if (!settings) {
        err << tool << " session: " << escape_control_characters(settings.error().message) << "\n";
        return cli::exit_failed;
    }
    SessionRequest request{*options.value("data-dir"), options.flag("standalone"), settings->rotation_degrees};
    std::vector<std::string> argv = session_argv(cage_options(*settings), own_program(), request);
    if (options.flag("dry-run")) {
        out << shell_line(argv) << "\n";
        return cli::exit_ok;
    }
    std::vector<char*> pointers;
    for (std::string& arg : argv)
        pointers.push_back(arg.data());
    pointers.push_back(nullptr);
    out.flush();
    std::cout.flush();
    std::cerr.flush();
    execv(pointers[0], pointers.data());
    err << tool << " session: cannot start " << cage_program << " (" << std::strerror(errno)
        << "); the kiosk runs in Debian's cage package (apt install cage xwayland)\n";
    return cli::exit_failed;
}

int print_touch_properties(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err)
{
    auto settings = settings_of(options);
    if (!settings) {
        err << tool << " touch-properties: " << escape_control_characters(settings.error().message) << "\n";
        return cli::exit_failed;
    }
    for (const std::string& property : touch_udev_properties(*settings))
        out << property << "\n";
    return cli::exit_ok;
}

} // namespace feedback::terminal
