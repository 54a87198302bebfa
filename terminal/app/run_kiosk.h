// `feedback-terminal run`: its options (shared by the command line's help and
// by feedback-kiosk, the program that runs the kiosk), the request they make,
// and running it. No SDL or ImGui in this header: the command line includes it.
#pragma once

#include "cli/options.h"

#include <iosfwd>
#include <optional>
#include <string>

namespace feedback::app {

// The "run" command: name, help and options (--data-dir, --config, --lang,
// --window, --fullscreen, --headless, --script, --screenshots,
// --sync-start-delay-max, --standalone, --setup-media).
cli::Command run_command();

struct RunRequest {
    std::string data_dir;
    std::optional<std::string> config_file;
    std::optional<std::string> lang;        // nl | en
    std::optional<std::string> window;      // "WIDTHxHEIGHT"
    bool fullscreen = false;
    bool headless = false;
    std::optional<std::string> script;
    std::optional<std::string> screenshots; // folder
    std::optional<std::string> sync_start_delay_max; // seconds, as typed
    bool standalone = false;
    std::optional<std::string> setup_media; // folders separated by ':'
    std::optional<std::string> rotation;    // degrees, as typed
};

RunRequest to_run_request(const cli::ParsedOptions& options);

// Runs the kiosk (in terminal_app, which links SDL and ImGui). Exit status:
// 0 the window was closed or the script passed, 1 it failed (with the
// failing step's message, or what made the start impossible), 2 the options
// do not go together. Messages go to `err`, prefixed with `tool`.
int run_kiosk(const RunRequest& request, const std::string& tool, std::ostream& out, std::ostream& err);

} // namespace feedback::app
