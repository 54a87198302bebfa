// The kiosk program (`feedback-terminal run`): the local store, the
// configuration, the translations, the flows, the app shell and the screens
// wired into one frame function.
//
// Each frame (drawn only when something is due, see app_shell.h):
//
//   flow time  ->  KioskFlow::tick  ->  draw the flow's screen  ->  intents
//        ^                                                            |
//        |       KioskFlow::apply -> effects -> EffectRunner: one     |
//        |       short local write per recorded event, its result     |
//        |       back to KioskFlow::apply  <--------------------------+
//        +--  wake-up for the next timeout (idle reset, thank-you and
//             PIN-lock countdowns once a second, the corner hold)
//
// Time: events carry real wall-clock time; in scripted runs the flow's time
// is the wall clock at start plus the shell's simulated clock, so a script's
// wait_ms moves the flow's timers (idle reset can be scripted).
//
// Threads: the flow, the store and the runner are used on the UI thread only.
// A PIN check (argon2id, slow on purpose) is the one effect run elsewhere:
// in windowed runs check_pin() runs on its own thread with a copy of the
// hashes, and the frame loop, which draws "checking the PIN" meanwhile,
// takes its PinChecked and gives it to the flow. Scripted runs check at once.
#pragma once

#include "app/effect_runner.h"
#include "app/service_notifier.h"
#include "app/staff_call.h"
#include "config/kiosk_config.h"
#include "config/translations.h"
#include "domain/result.h"
#include "flows/kiosk_flow.h"
#include "flows/setup_flow.h"
#include "receipt/counter_printer.h"
#include "screens/kiosk_screens.h"
#include "store/local_store.h"
#include "ui/app_shell.h"
#include "ui/script.h"

#include <chrono>
#include <atomic>
#include <filesystem>
#include <future>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace feedback::sync {
class Uploader;
}

namespace feedback::app {

// assets/ with config/, i18n/ and fonts/: $FEEDBACK_ASSETS_DIR when set,
// else the source tree's assets (set at build time).
std::filesystem::path default_assets_dir();

struct AppOptions {
    std::filesystem::path data_dir;
    std::optional<std::filesystem::path> config_file; // default: DATA_DIR/config.json (pulled from head
                                                       // office), else <assets>/config/default.json
    std::optional<std::string> locale;                 // the kiosk's default language: nl | en
    std::filesystem::path assets_dir;                  // empty: default_assets_dir()
    ui::ShellOptions shell;                            // display mode, size, renderer, clock
    // The background uploader's longest random wait after start-up and
    // after the network returns (sync::UploaderOptions); its default when unset.
    std::optional<std::chrono::milliseconds> sync_start_delay_max;
    // An unenrolled kiosk shows the survey (its events wait for an enrolment)
    // instead of the setup screen.
    bool standalone = false;
    // Where the setup screen looks for a USB stick's setup file (and in their
    // subfolders two levels down): default_setup_media() when empty.
    std::vector<std::filesystem::path> setup_media;
    // How far the session turned the screen (display.conf), for the health report.
    int rotation_degrees = 0;
};

// /media and /run/media: where USB sticks are mounted (platform/udev/).
std::vector<std::filesystem::path> default_setup_media();

class KioskApp {
public:
    // Checks the data folder, loads configuration and translations, opens
    // the store and the shell. Errors say what to fix (a missing folder, a
    // configuration field, no display).
    static Result<std::unique_ptr<KioskApp>> create(const AppOptions& options, std::ostream& log);
    ~KioskApp();
    KioskApp(const KioskApp&) = delete;
    KioskApp& operator=(const KioskApp&) = delete;

    // The window's frame loop, until the window is closed.
    Result<void> run();
    // A headless script (ui/script.h) against the real screens; screenshots
    // after every step as NNN-<screen>-<lang>.png when `screenshots_dir` is set.
    Result<ui::ScriptReport> run_script(const std::filesystem::path& script,
                                        const std::optional<std::filesystem::path>& screenshots_dir);

    // One frame: tick, draw, apply the intents, ask for the next wake-up.
    void frame(ui::FrameContext& ctx);
    // "shopper_start-nl": the screen the last frame showed and its language.
    std::string screen_name() const;

    ui::AppShell& shell() { return *m_shell; }
    const flows::KioskFlow& flow() const { return *m_flow; }

private:
    KioskApp(config::KioskConfig config, config::Translations translations, store::LocalStore store,
             std::ostream& log);

    int64_t flow_now(const ui::FrameContext& ctx);
    // Carries out what the flow asked for, feeding the results back; starts
    // a PIN check (or, in scripted runs, runs it). Wakes the uploader when
    // events were recorded.
    void carry_out(flows::Effects effects, int64_t now_ms);
    void apply(const screens::KioskIntent& intent, int64_t now_ms);
    void schedule_wakeup(ui::FrameContext& ctx, int64_t now_ms);
    // systemd's READY=1 after the first frame, then WATCHDOG=1 while frames
    // are made and the store answers (service_notifier.h; real clock only).
    void keep_service_informed(ui::FrameContext& ctx);
    // Gives the PIN check's result to the flow once it is done; true while it
    // still runs.
    bool pin_check_running(int64_t now_ms);
    // Takes the configuration head office published, once the kiosk is back
    // on an untouched start screen (nobody is in the middle of anything).
    void take_new_config();
    // What the counter needs besides the flow, for the current configuration:
    // the receipt printer it names (or none) and head office's status page
    // for the QR code (from the enrolment, re-read with each configuration).
    void set_up_counter();
    // The printer's problem for the staff screens; nothing while it prints.
    std::optional<flows::Message> printer_problem() const;
    // Head office asked for a screenshot: taken of this frame only while the
    // untouched start screen shows and nobody has tapped for a while, never
    // of a shopper's or staff's screen; handed to the uploader in memory.
    void take_screenshot_if_asked(int64_t now_ms, bool tapped_this_frame);

    // What a setup request brought back.
    struct SetupOutcome {
        flows::SetupAnswer answer;
        std::string log_line; // for the kiosk's log, written on the UI thread
    };
    // An unenrolled kiosk's frame: the setup screens, the answers of its
    // requests, a look for a USB setup file every few seconds.
    void setup_frame(ui::FrameContext& ctx, int64_t now_ms);
    // Runs what the setup flow asked for: on its own thread in runs on the
    // real clock (the network may take seconds), at once in scripted runs.
    void start_setup_request(std::optional<flows::SetupRequest> request);
    SetupOutcome perform_setup_request(const flows::SetupRequest& request) const;
    // Offers a setup file found on a stick to the flow, once per file.
    void look_for_setup_file(int64_t now_ms);
    // Enrolled: the survey with the new identity, the uploader woken.
    void finish_setup(int64_t now_ms);

    // [SECTION] What staff ask of the terminal itself (flows::DeviceRequest)
    void carry_out_device_request(flows::DeviceRequest request, int64_t now_ms);
    struct LeaveOutcome {
        flows::StoreLeft left;
        std::string log_line; // for the kiosk's log, written on the UI thread
    };
    // Leaving the store (sync/client/leaving.h) on its own connection to the
    // store: on its own thread in runs on the real clock, at once in scripts.
    LeaveOutcome leave_store() const;
    // Gives leaving's result to the flow once it is done; true while it runs.
    bool leaving_running(int64_t now_ms);
    void take_leave_outcome(const LeaveOutcome& outcome, int64_t now_ms);

    config::KioskConfig m_config;
    config::Translations m_translations;
    store::LocalStore m_store;
    std::ostream& m_log;
    CommandStaffCaller m_caller;
    EffectRunner m_effects{m_store, m_caller};
    std::unique_ptr<flows::KioskFlow> m_flow;
    std::unique_ptr<ui::AppShell> m_shell;
    ServiceNotifier m_service = ServiceNotifier::from_environment();
    bool m_store_silent_logged = false;
    screens::KioskScreens m_screens;

    // The flow's clock: wall clock, never going back; in scripted runs the
    // wall clock at start plus the shell's simulated time.
    int64_t m_wall_at_start = 0;
    int64_t m_last_flow_ms = 0;
    // For wake-ups: what the flow's timeouts count from.
    int64_t m_last_intent_ms = 0;
    std::optional<int64_t> m_corner_pressed_ms;
    flows::Screen m_shown = flows::Screen::shopper_start;
    int64_t m_shown_since_ms = 0;
    std::string m_locale; // of the screen drawn last

    // The configuration head office published (DATA_DIR/config.json) is taken
    // when the uploader says it wrote a new one (m_config_updated, set on its
    // thread, so declared before it); nothing when --config fixed it.
    std::optional<std::filesystem::path> m_pulled_config_file;
    std::optional<std::string> m_locale_override; // --lang
    std::atomic<bool> m_config_updated{false};
    std::atomic<bool> m_screenshot_wanted{false}; // set on the uploader's thread
    std::filesystem::path m_data_dir;
    std::string m_status_page_url; // head office's status page, from the enrolment; empty before
    bool m_enrolled = false;       // sync credentials were there at the last set_up_counter()

    // The background uploader (sync/client/uploader.h), in windowed and
    // fullscreen runs; scripted headless runs have none. Null when absent.
    std::unique_ptr<sync::Uploader> m_uploader;
    // Windowed runs: check_pin() on its own thread; it touches nothing of the
    // app but the shell's wake().
    std::future<flows::PinChecked> m_pin_check;
    // The receipt printer the configuration names (null: none). Its thread
    // wakes the shell, so it is declared after it (and stopped before it).
    std::unique_ptr<receipt::CounterPrinter> m_printer;
    std::string m_printer_detail_logged; // the printer's last failure, logged once

    // Setup of an unenrolled kiosk (null once enrolled, or with --standalone).
    std::unique_ptr<flows::SetupFlow> m_setup;
    std::future<SetupOutcome> m_setup_work; // a request on its own thread
    std::vector<std::filesystem::path> m_setup_media;
    int64_t m_next_media_look_ms = 0;
    // The setup file last offered and its modification time: offered again
    // only when it changes or the stick comes back.
    std::optional<std::pair<std::filesystem::path, std::filesystem::file_time_type>> m_offered_setup_file;

    // Leaving the store: the request on its own thread, then when it was
    // done (the kiosk ends a few seconds later; systemd starts it afresh).
    std::future<LeaveOutcome> m_leave_work;
    std::optional<int64_t> m_left_store_at_ms;
};

} // namespace feedback::app
