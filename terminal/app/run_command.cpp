// The "run" command's options (run_kiosk.h), in a library without SDL so that
// feedback-terminal can list and check them without loading the kiosk.
#include "app/run_kiosk.h"

namespace feedback::app {

cli::Command run_command()
{
    using cli::Arity;
    using cli::Presence;
    return {"run", "run the kiosk: the touchscreen app for shoppers and staff",
            "Opens the kiosk in a window (or full screen) over the store in DIR. Without\n"
            "--config it uses the configuration last pulled from head office\n"
            "(DIR/config.json), else the default in assets/config/default.json\n"
            "(assets are found through $FEEDBACK_ASSETS_DIR, else where the build put them:\n"
            "the source tree, or /usr/share/feedback-terminal/assets when installed).\n"
            "--headless --script FILE drives the real screens offscreen with a script of\n"
            "taps on named targets, typed text and waits (terminal/ui/script.h) on a\n"
            "simulated clock, writing NNN-<screen>-<lang>.png after every step when\n"
            "--screenshots is given. Staff mode: hold the top-left corner for 3 seconds.\n"
            "The background uploader sends what the kiosk records to head office once the\n"
            "terminal is enrolled, in runs on the real clock (a window, full screen, or a\n"
            "--script without --headless, e.g. with SDL_VIDEODRIVER=offscreen); after\n"
            "start-up it first waits a random time up to --sync-start-delay-max seconds\n"
            "(default 30), so that a chain's terminals do not all call at once.\n"
            "A kiosk that is not enrolled shows the setup screen first: staff type head\n"
            "office's address and the one-time code from `feedback-hq enroll`, or insert a\n"
            "USB stick with the file `feedback-hq enroll --setup-file` wrote, and compare the\n"
            "fingerprint on the screen with the one head office gave. --standalone skips it:\n"
            "the survey runs and what it records waits until the kiosk is enrolled.\n"
            "Exit status: 0 when the script passed (or the window was closed), 1 with the\n"
            "failing step's message otherwise, 2 for options that do not go together.",
            {{"data-dir", Arity::value, Presence::required, "DIR", "folder of the local store (feedback.db); must exist"},
             {"config", Arity::value, Presence::optional, "FILE",
              "the kiosk configuration (default: DIR/config.json from head office, else assets/config/default.json)"},
             {"lang", Arity::value, Presence::optional, "nl|en|de|pl|tr",
              "the kiosk's default language, one the configuration offers (default: the configuration's)"},
             {"window", Arity::value, Presence::optional, "WIDTHxHEIGHT",
              "window (or headless) size, default 1280x800"},
             {"fullscreen", Arity::flag, Presence::optional, "", "the whole display, no cursor (the kiosk)"},
             {"headless", Arity::flag, Presence::optional, "", "no display: SDL's offscreen driver; needs --script"},
             {"script", Arity::value, Presence::optional, "FILE", "run this UI script, then exit"},
             {"screenshots", Arity::value, Presence::optional, "DIR", "a PNG after every script step in DIR"},
             {"sync-start-delay-max", Arity::value, Presence::optional, "SECONDS",
              "the uploader's longest random wait after start-up and after the network returns, "
              "0 to 3600 (default 30)"},
             {"standalone", Arity::flag, Presence::optional, "",
              "no setup screen when not enrolled: the survey at once (a demo, a shop without head office)"},
             {"setup-media", Arity::value, Presence::optional, "DIR[:DIR...]",
              "where the setup screen looks for a USB stick's feedback-setup.json, two folders deep "
              "(default /media:/run/media)"},
             {"rotation", Arity::value, Presence::optional, "0|90|180|270",
              "how far the session turned the screen clockwise (feedback-terminal session passes it from "
              "/etc/feedback-terminal/display.conf), reported to head office with the screen's size"}}};
}

RunRequest to_run_request(const cli::ParsedOptions& options)
{
    RunRequest request;
    request.data_dir = *options.value("data-dir");
    request.config_file = options.value("config");
    request.lang = options.value("lang");
    request.window = options.value("window");
    request.fullscreen = options.flag("fullscreen");
    request.headless = options.flag("headless");
    request.script = options.value("script");
    request.screenshots = options.value("screenshots");
    request.sync_start_delay_max = options.value("sync-start-delay-max");
    request.standalone = options.flag("standalone");
    request.setup_media = options.value("setup-media");
    request.rotation = options.value("rotation");
    return request;
}

} // namespace feedback::app
