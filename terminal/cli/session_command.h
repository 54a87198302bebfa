// `feedback-terminal session` (the kiosk unit's ExecStart: cage full screen
// with the kiosk in it, turned as this terminal's display settings say) and
// `feedback-terminal touch-properties` (the package's udev rule: the touch
// panel's mapping for libinput). Both read display_settings.h's file.
#pragma once

#include "cli/options.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace feedback::terminal {

// The commands' names, help and options, for the tool's list.
cli::Command session_command();
cli::Command touch_properties_command();

// What the session execs: cage with its options, then the kiosk as its child,
// `kiosk_program` being feedback-terminal itself (its `run`).
struct SessionRequest {
    std::string data_dir;
    bool standalone = false;
    int rotation_degrees = 0; // passed on (--rotation) for the kiosk's health report
};
std::vector<std::string> session_argv(const std::vector<std::string>& cage_options, const std::string& kiosk_program,
                                      const SessionRequest& request);

// Run the commands; exit codes as the tool's (cli::exit_*). `session` does not
// return when cage starts (it replaces this process, so systemd's main PID is
// cage's); with --dry-run it prints the command line and returns.
int run_session(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err);
int print_touch_properties(const cli::ParsedOptions& options, std::ostream& out, std::ostream& err);

} // namespace feedback::terminal
