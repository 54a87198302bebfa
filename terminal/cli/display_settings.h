// This terminal's own display settings: how its screen is turned and how its
// touch panel maps onto it. They belong to the device, not to the store (a
// portrait and a landscape kiosk can stand in one shop), so they live in a
// local file a technician edits, /etc/feedback-terminal/display.conf, not in
// the configuration head office publishes. `feedback-terminal session` reads
// them to start cage; `feedback-terminal touch-properties` (the package's
// udev rule) turns the touch settings into libinput's udev properties.
//
// The file: one "key = value" a line, "#" starts a comment, every key at most
// once, unknown keys refused (a typo must not be a silent default):
//
//   rotation = 90                 0 | 90 | 180 | 270, clockwise (cage -r per 90)
//   touch_output = HDMI-A-1       the connector the touchscreen belongs to
//   touch_calibration = 0 1 0 -1 0 1    libinput's calibration matrix (6 numbers)
#pragma once

#include "domain/result.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::terminal {

// Where the package puts the file (a conffile, every setting commented out).
inline const std::filesystem::path default_display_settings_file = "/etc/feedback-terminal/display.conf";

struct DisplaySettings {
    int rotation_degrees = 0; // clockwise: 0, 90, 180 or 270
    // The DRM connector (as /sys/class/drm/card0-<NAME> names it) the touch
    // panel belongs to: udev's WL_OUTPUT, so cage maps the panel to that
    // output and wlroots turns touches with the picture.
    std::optional<std::string> touch_output;
    // LIBINPUT_CALIBRATION_MATRIX: six numbers, as written (validated), for a
    // panel mounted differently from the display; applied before the turn.
    std::optional<std::string> touch_calibration;
};

// Parses the file's text; `source` starts every message ("display.conf:3:
// rotation: 45 is not one of 0, 90, 180, 270"). Errors are invalid_input.
Result<DisplaySettings> parse_display_settings(std::string_view text, const std::string& source);

// Reads and parses `file`. When `missing_is_default`, a file that does not
// exist gives the defaults (no rotation, no touch settings); otherwise it is
// a not_found error. An unreadable file is an io error.
enum class MissingFile { use_defaults, is_an_error };
Result<DisplaySettings> load_display_settings(const std::filesystem::path& file, MissingFile missing);

// cage's options for the settings: "-d" (no client decorations), then one
// "-r" per 90 degrees (cage turns its output 90 degrees clockwise each time).
std::vector<std::string> cage_options(const DisplaySettings& settings);

// The udev properties for a touchscreen, one "KEY=value" each, as udev's
// IMPORT{program} reads them: WL_OUTPUT and LIBINPUT_CALIBRATION_MATRIX when
// set; none when neither is.
std::vector<std::string> touch_udev_properties(const DisplaySettings& settings);

} // namespace feedback::terminal
