// The kiosk app (kiosk_app.h): start-up checks, the frame function that
// ties the flow to the screens and carries out its effects, wake-ups for the
// flow's timeouts, the PIN check off the frame loop, and headless scripts.
#include "app/kiosk_app.h"

#include "client/credentials.h"
#include "client/leaving.h"
#include "client/sync_session.h"
#include "client/uploader.h"
#include "common/setup_file.h"
#include "crypto/certificate_fingerprint.h"
#include "domain/clock.h"
#include "flows/message_keys.h"
#include "receipt/receipt.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ostream>
#include <type_traits>

namespace feedback::app {

namespace {

constexpr int64_t ms_per_second = 1000;
// While a screen other than the pristine start screen is shown, a frame at
// least this often, so no timeout is ever missed (an idle start screen sleeps).
constexpr int64_t safety_wakeup_ms = 30 * ms_per_second;
// How often finished staff call commands are looked for while one runs.
constexpr int64_t reap_interval_ms = 500;
// A screenshot head office asked for waits until nobody has tapped for this long.
constexpr int64_t screenshot_quiet_ms = 5 * ms_per_second;
// How often the setup screen looks for a USB stick's setup file.
constexpr int64_t media_look_interval_ms = 2 * ms_per_second;
// How long "this terminal has left the store" shows before the kiosk ends.
constexpr int64_t left_store_quit_after_ms = 5 * ms_per_second;

} // namespace

std::filesystem::path default_assets_dir()
{
    if (const char* dir = std::getenv("FEEDBACK_ASSETS_DIR"); dir != nullptr && *dir != '\0')
        return dir;
    return FEEDBACK_ASSETS_DIR;
}

std::vector<std::filesystem::path> default_setup_media()
{
    return {"/media", "/run/media"};
}

// [SECTION] Start-up

KioskApp::KioskApp(config::KioskConfig config, config::Translations translations, store::LocalStore store,
                   std::ostream& log)
    : m_config(std::move(config)), m_translations(std::move(translations)), m_store(std::move(store)), m_log(log),
      m_caller(m_config.staff_call_command, log),
      m_flow(std::make_unique<flows::KioskFlow>(m_config, m_store)), m_locale(m_config.default_locale)
{
}

KioskApp::~KioskApp()
{
    if (m_pin_check.valid())
        m_pin_check.wait(); // the check wakes the shell when it ends; let it finish first
}

namespace {

// --config when given; else the configuration last pulled from head office
// (DATA_DIR/config.json); else the default in the assets. A pulled document
// that does not load is logged and passed over, so a bad publication never
// keeps a kiosk from starting.
Result<config::KioskConfig> load_kiosk_config(const AppOptions& options, const std::filesystem::path& assets,
                                              std::ostream& log)
{
    std::filesystem::path config_file = assets / "config" / "default.json";
    if (options.config_file) {
        config_file = *options.config_file;
    } else {
        const std::filesystem::path pulled = options.data_dir / sync::config_file_name;
        std::error_code error;
        if (std::filesystem::exists(pulled, error)) {
            auto config = config::load_config(pulled);
            if (config)
                return config;
            log << "kiosk: the configuration from head office is not usable, using the default: "
                << config.error().message << "\n";
        }
    }
    auto config = config::load_config(config_file);
    if (!config)
        return Error{config.error().kind, "the configuration is not usable: " + config.error().message};
    return config;
}

} // namespace

Result<std::unique_ptr<KioskApp>> KioskApp::create(const AppOptions& options, std::ostream& log)
{
    std::error_code error;
    if (!std::filesystem::is_directory(options.data_dir, error))
        return Error{ErrorKind::not_found, "the data folder " + options.data_dir.string() +
                                               " does not exist; create it first (mkdir -p " +
                                               options.data_dir.string() + ")"};
    // Staff made it leave its store: everything of that store goes before
    // anything is read (sync/client/leaving.h); a new device starts here.
    if (sync::has_left_store(options.data_dir)) {
        FEEDBACK_TRY(sync::empty_data_folder(options.data_dir));
        log << "kiosk: this terminal left its store: its data folder was emptied for a new setup\n";
    }
    const std::filesystem::path assets = options.assets_dir.empty() ? default_assets_dir() : options.assets_dir;
    auto config = load_kiosk_config(options, assets, log);
    FEEDBACK_TRY(config);
    if (options.locale) {
        if (!config::offers_language(*config, *options.locale))
            return Error{ErrorKind::invalid_input, "--lang " + *options.locale +
                                                       ": the store's configuration offers " +
                                                       config::language_list(config->languages)};
        config->default_locale = *options.locale;
    }
    auto translations = config::Translations::load(assets / "i18n", config::kiosk_locales);
    if (!translations)
        return translations.error();
    auto store = store::LocalStore::open(options.data_dir);
    if (!store)
        return store.error();

    std::unique_ptr<KioskApp> app(
        new KioskApp(std::move(*config), std::move(*translations), std::move(*store), log));
    ui::ShellOptions shell_options = options.shell;
    if (shell_options.fonts_dir.empty())
        shell_options.fonts_dir = assets / "fonts";
    shell_options.title = "Feedback – " + app->m_config.store_name;
    auto shell = ui::AppShell::create(shell_options);
    if (!shell) {
        if (shell_options.display == ui::DisplayMode::headless)
            return shell.error();
        const char* x11 = std::getenv("DISPLAY");
        const char* wayland = std::getenv("WAYLAND_DISPLAY");
        const bool no_display = (x11 == nullptr || *x11 == '\0') && (wayland == nullptr || *wayland == '\0');
        return Error{shell.error().kind,
                     "cannot open the kiosk's window" +
                         std::string(no_display ? " (no display: $DISPLAY and $WAYLAND_DISPLAY are not set)" : "") +
                         ": " + shell.error().message +
                         ". Without a display, run a script: --headless --script FILE [--screenshots DIR]"};
    }
    app->m_shell = std::move(*shell);
    app->m_data_dir = options.data_dir;
    app->m_setup_media = options.setup_media.empty() ? default_setup_media() : options.setup_media;
    if (!options.standalone) {
        // Not enrolled (or its credentials unreadable, which enrolling again
        // repairs): the setup screen comes before any shopper.
        auto credentials = sync::load_credentials(options.data_dir);
        if (!credentials || !*credentials) {
            app->m_setup = std::make_unique<flows::SetupFlow>();
            app->m_shown = flows::Screen::setup_start;
            log << "kiosk: not enrolled with head office: showing the setup screen\n";
        }
    }
    app->set_up_counter();
    app->m_wall_at_start = now_utc_ms();
    app->m_last_flow_ms = app->m_wall_at_start;
    app->m_last_intent_ms = app->m_wall_at_start;
    app->m_shown_since_ms = app->m_wall_at_start;
    if (app->m_shell->clock_kind() == ui::ClockKind::real) {
        // Sends what the kiosk records to head office on its own thread and
        // store connection; until the terminal is enrolled it only waits.
        sync::UploaderOptions uploader;
        uploader.session.app_version = FEEDBACK_VERSION;
        const ImVec2 screen = app->m_shell->display_size();
        uploader.session.screen = std::to_string(static_cast<int>(screen.x)) + "x" + std::to_string(static_cast<int>(screen.y));
        if (options.rotation_degrees != 0)
            uploader.session.screen += " rotated " + std::to_string(options.rotation_degrees);
        if (options.sync_start_delay_max)
            uploader.startup_delay_max = *options.sync_start_delay_max;
        KioskApp* self = app.get(); // outlives the uploader, which it stops and joins
        if (!options.config_file) {
            app->m_pulled_config_file = options.data_dir / sync::config_file_name;
            app->m_locale_override = options.locale;
            uploader.on_config_updated = [self] {
                self->m_config_updated = true;
                self->m_shell->wake();
            };
        }
        uploader.on_screenshot_wanted = [self] {
            self->m_screenshot_wanted = true;
            self->m_shell->wake();
        };
        app->m_uploader =
            std::make_unique<sync::Uploader>(options.data_dir, store::outbox_opener(options.data_dir), uploader);
        app->m_uploader->start();
    }
    return app;
}

// [SECTION] Running

void KioskApp::take_new_config()
{
    if (!m_config_updated || !m_pulled_config_file)
        return;
    if (m_flow->mode() != flows::Mode::shopper || m_flow->screen() != flows::Screen::shopper_start ||
        m_corner_pressed_ms)
        return; // asked again on every frame; the idle reset brings the start screen back
    m_config_updated = false;
    auto config = config::load_config(*m_pulled_config_file);
    if (!config) {
        m_log << "kiosk: the new configuration from head office is not usable, keeping the current one: "
              << config.error().message << "\n";
        return;
    }
    if (m_locale_override && config::offers_language(*config, *m_locale_override))
        config->default_locale = *m_locale_override;
    m_flow.reset(); // it holds the old configuration's copy
    m_config = std::move(*config);
    m_caller.set_command(m_config.staff_call_command);
    m_flow = std::make_unique<flows::KioskFlow>(m_config, m_store);
    set_up_counter();
    m_locale = m_config.default_locale;
    m_log << "kiosk: now running configuration version " << m_config.version << " from head office\n";
}

void KioskApp::set_up_counter()
{
    m_status_page_url.clear();
    auto credentials = sync::load_credentials(m_data_dir);
    m_enrolled = credentials && *credentials;
    if (m_enrolled)
        m_status_page_url = (*credentials)->server_url + "/status"; // head office as the terminal was enrolled
    m_flow->set_status_page_url(m_status_page_url);
    auto contact_key = m_store.contact_key();
    if (!contact_key)
        m_log << "kiosk: head office's contact key: " << contact_key.error().message << "\n";
    m_flow->set_contact_offered(contact_key && *contact_key);

    const auto& settings = m_config.receipt_printer;
    if (!settings) {
        m_effects.set_printer(nullptr);
        m_printer.reset();
        return;
    }
    if (!m_printer || m_printer->device() != settings->device) {
        m_effects.set_printer(nullptr);
        m_printer.reset(); // lets the job being written finish
        const bool background = m_shell->clock_kind() == ui::ClockKind::real;
        ui::AppShell* shell = m_shell.get();
        m_printer = std::make_unique<receipt::CounterPrinter>(
            settings->device,
            [this](const flows::ReceiptRequest& request) { // on the UI thread, with the current configuration
                const config::Strings strings(m_translations, request.locale);
                return receipt::compose_receipt(request, m_config, strings, m_status_page_url,
                                                m_config.receipt_printer->columns);
            },
            [shell] { shell->wake(); }, background);
        m_log << "kiosk: printing complaint receipts on " << settings->device << "\n";
    }
    m_effects.set_printer(m_printer.get());
}

void KioskApp::take_screenshot_if_asked(int64_t now_ms, bool tapped_this_frame)
{
    if (!m_screenshot_wanted || !m_uploader)
        return;
    const bool untouched_start = m_flow->mode() == flows::Mode::shopper &&
                                 m_flow->screen() == flows::Screen::shopper_start && !m_corner_pressed_ms &&
                                 !tapped_this_frame && !m_pin_check.valid();
    // Not now: schedule_wakeup() brings a frame when the quiet time is over,
    // and the idle reset brings the start screen back.
    if (!untouched_start || now_ms - m_last_intent_ms < screenshot_quiet_ms)
        return;
    m_screenshot_wanted = false;
    sync::Uploader* uploader = m_uploader.get();
    m_shell->capture_this_frame([this, uploader](Result<std::string> png) {
        if (!png) {
            m_log << "kiosk: the screenshot head office asked for failed: " << png.error().message << "\n";
            return;
        }
        uploader->offer_screenshot(std::move(*png), now_utc_ms());
        m_log << "kiosk: a screenshot of the start screen goes to head office\n";
    });
}

std::optional<flows::Message> KioskApp::printer_problem() const
{
    if (!m_printer)
        return std::nullopt;
    const receipt::PrinterStatus status = m_printer->status();
    if (status.state == receipt::PrinterState::ready)
        return std::nullopt;
    std::string_view key = flows::keys::printer_failed;
    switch (status.state) {
    case receipt::PrinterState::missing: key = flows::keys::printer_missing; break;
    case receipt::PrinterState::offline: key = flows::keys::printer_offline; break;
    case receipt::PrinterState::out_of_paper: key = flows::keys::printer_out_of_paper; break;
    case receipt::PrinterState::failed:
    case receipt::PrinterState::ready: break;
    }
    return flows::Message{std::string(key), {{"reference", status.unprinted_reference}}};
}

Result<void> KioskApp::run()
{
    return m_shell->run([this](ui::FrameContext& ctx) { frame(ctx); });
}

Result<ui::ScriptReport> KioskApp::run_script(const std::filesystem::path& script,
                                              const std::optional<std::filesystem::path>& screenshots_dir)
{
    auto steps = ui::load_script(script);
    if (!steps)
        return steps.error();
    ui::ScriptOptions options;
    options.screen_name = [this] { return screen_name(); };
    // The frame after a tap's release shows what the tap did: intents are
    // applied in the frame that sees them, and every layout is immediate.
    options.settle_frames = 1;
    if (screenshots_dir) {
        options.screenshots_dir = *screenshots_dir;
        options.screenshot_every_step = true;
    }
    ui::ScriptRunner runner(*m_shell, [this](ui::FrameContext& ctx) { frame(ctx); }, options);
    auto ran = runner.run(*steps);
    if (!ran)
        return ran.error();
    return runner.report();
}

std::string KioskApp::screen_name() const
{
    // What the last frame left on screen (while a PIN check runs, the flow
    // still shows the PIN pad under "checking the PIN").
    return std::string(flows::to_string(m_shown)) + "-" + m_locale;
}

// [SECTION] The frame

int64_t KioskApp::flow_now(const ui::FrameContext& ctx)
{
    if (m_shell->clock_kind() == ui::ClockKind::simulated)
        m_last_flow_ms = std::max(m_last_flow_ms, m_wall_at_start + ctx.now_ms());
    else // the wall clock for events, held when it steps back (timers must not stall)
        m_last_flow_ms = std::max(m_last_flow_ms, now_utc_ms());
    return m_last_flow_ms;
}

bool KioskApp::pin_check_running(int64_t now_ms)
{
    if (!m_pin_check.valid())
        return false;
    if (m_pin_check.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        return true;
    carry_out(m_flow->apply(flows::EffectResult{m_pin_check.get()}, now_ms), now_ms);
    return false;
}

void KioskApp::carry_out(flows::Effects effects, int64_t now_ms)
{
    if (effects.device) {
        carry_out_device_request(*effects.device, now_ms);
        return;
    }
    if (m_shell->clock_kind() == ui::ClockKind::simulated) {
        m_effects.carry_out_now(*m_flow, std::move(effects), now_ms); // scripted runs: the PIN checked at once
    } else if (std::optional<flows::CheckPin> check = m_effects.carry_out(*m_flow, std::move(effects), now_ms)) {
        // argon2id takes tens of milliseconds on purpose: not on the frame
        // loop. The thread gets its own copy of the PIN and the hashes.
        ui::AppShell* shell = m_shell.get();
        m_pin_check = std::async(std::launch::async, [check = std::move(*check), shell] {
            flows::PinChecked checked = flows::check_pin(check);
            shell->wake();
            return checked;
        });
    }
    const bool recorded = !m_effects.take_recorded().empty();
    if (recorded && m_uploader)
        m_uploader->notify_recorded();
}

void KioskApp::keep_service_informed(ui::FrameContext& ctx)
{
    if (!m_service.enabled() || m_shell->clock_kind() != ui::ClockKind::real)
        return;
    m_service.ready("the start screen is being drawn"); // once, in the first frame
    auto due = m_service.next_ping_at();
    if (!due)
        return; // no watchdog
    if (ctx.now_ms() < *due) {
        ctx.wake_at(*due); // frames keep coming, and with them the pings
        return;
    }
    // The store answers: a read of its outbox (the pages are cached; a store
    // that lost its disk or is locked up fails it). No answer, no ping:
    // systemd restarts the kiosk, which reopens the store.
    if (auto answers = m_store.outbox_size(); !answers) {
        if (!m_store_silent_logged)
            m_log << "kiosk: the store does not answer, so the watchdog is not fed: " << answers.error().message << "\n";
        m_store_silent_logged = true;
        ctx.wake_in(1000);
        return;
    }
    m_store_silent_logged = false;
    m_service.ping(ctx.now_ms());
    ctx.wake_at(*m_service.next_ping_at());
}

void KioskApp::frame(ui::FrameContext& ctx)
{
    keep_service_informed(ctx);
    const int64_t now = flow_now(ctx);
    if (m_setup) {
        setup_frame(ctx, now);
        return;
    }
    if (m_left_store_at_ms && m_shell->clock_kind() == ui::ClockKind::real) {
        // The words stay a moment; then the kiosk ends and systemd starts it
        // afresh, which empties the data folder (Restart=always).
        if (now - *m_left_store_at_ms >= left_store_quit_after_ms)
            ctx.request_quit();
        else
            ctx.wake_at(ctx.now_ms() + (*m_left_store_at_ms + left_store_quit_after_ms - now));
    }
    leaving_running(now);
    if (pin_check_running(now)) {
        const config::Strings strings(m_translations, m_locale);
        m_screens.draw_checking_pin(ctx, strings);
        ctx.wake_in(250); // the check also wakes the shell when it ends
        return;
    }
    m_caller.reap();
    take_new_config();
    const flows::Mode mode_before = m_flow->mode();
    m_flow->tick(now);
    if (m_flow->mode() == flows::Mode::staff) {
        flows::SyncStatus sync_status;
        if (m_uploader) {
            const sync::UploaderStatus uploader = m_uploader->status(); // a mutex, never the network
            sync_status.last_success_at_ms = uploader.last_success_at;
            sync_status.last_error = uploader.last_error;
        }
        sync_status.enrolled = m_enrolled;
        m_flow->set_sync_status(sync_status);
    }
    if (m_printer) {
        const receipt::PrinterStatus printer = m_printer->status(); // a mutex, never the device
        if (printer.detail != m_printer_detail_logged && !printer.detail.empty())
            m_log << "kiosk: a receipt did not print: " << printer.detail << "\n";
        m_printer_detail_logged = printer.detail;
        if (m_flow->mode() == flows::Mode::staff)
            m_flow->set_printer_problem(printer_problem());
    }
    if (m_flow->mode() != mode_before) // staff mode opened by the held corner (or timed out)
        m_last_intent_ms = now;

    const flows::ShopperView shopper = m_flow->shopper_view(now);
    m_locale = shopper.locale;
    // Larger text and high contrast for this shopper; the shell rebuilds its fonts for the next frame.
    const bool accessible = m_flow->mode() == flows::Mode::shopper && shopper.accessible;
    if (accessible != m_shell->accessible()) {
        m_shell->set_accessible(accessible);
        ctx.request_frames(1);
    }
    const config::Strings strings(m_translations, m_locale);
    std::vector<screens::KioskIntent> intents;
    if (m_flow->mode() == flows::Mode::staff)
        intents = m_screens.draw(ctx, strings, m_flow->staff_view(now), m_config.store_name, now);
    else
        intents = m_screens.draw(ctx, strings, shopper, m_config.store_name, now);

    take_screenshot_if_asked(now, !intents.empty());
    for (const screens::KioskIntent& intent : intents) {
        apply(intent, now);
        if (m_pin_check.valid())
            break; // the rest was tapped on the PIN pad before the check; the flow waits for the check
    }
    if (!intents.empty())
        ctx.request_frames(1); // show what the intents did
    if (m_pin_check.valid() || m_leave_work.valid()) {
        ctx.wake_in(250); // the thread also wakes the shell when it ends
        return;
    }
    if (m_flow->screen() != m_shown) {
        m_shown = m_flow->screen();
        m_shown_since_ms = now;
    }
    schedule_wakeup(ctx, now);
}

void KioskApp::apply(const screens::KioskIntent& intent, int64_t now_ms)
{
    m_last_intent_ms = now_ms;
    std::visit(
        [&](const auto& concrete) {
            using Kind = std::decay_t<decltype(concrete)>;
            if constexpr (std::is_same_v<Kind, flows::SetupIntent>) {
                if (m_setup)
                    start_setup_request(m_setup->apply(concrete));
                return;
            } else {
                if constexpr (std::is_same_v<Kind, flows::GestureIntent>) {
                    if (std::holds_alternative<flows::CornerPressStarted>(concrete))
                        m_corner_pressed_ms = now_ms;
                    else
                        m_corner_pressed_ms.reset();
                }
                carry_out(m_flow->apply(concrete, now_ms), now_ms);
            }
        },
        intent);
    if (!m_pin_check.valid() && m_flow->mode() == flows::Mode::staff)
        m_corner_pressed_ms.reset();
}

void KioskApp::schedule_wakeup(ui::FrameContext& ctx, int64_t now)
{
    std::optional<int64_t> due;
    auto consider = [&](int64_t at) {
        if (at > now && (!due || at < *due))
            due = at;
    };
    const config::Timeouts& timeouts = m_config.timeouts;
    const flows::Screen screen = m_flow->screen();
    // Idle reset (shopper screens, the PIN pad) and staff logout.
    consider(m_last_intent_ms + int64_t{timeouts.shopper_idle_seconds} * ms_per_second);
    if (m_flow->mode() == flows::Mode::staff)
        consider(m_last_intent_ms + int64_t{timeouts.staff_idle_seconds} * ms_per_second);
    if (screen != flows::Screen::shopper_start || m_flow->mode() == flows::Mode::staff)
        consider(now + safety_wakeup_ms);
    // The corner held: staff mode opens on the tick at the end of the hold.
    if (m_corner_pressed_ms)
        consider(*m_corner_pressed_ms + flows::StaffGesture::hold_ms);
    // Countdowns on screen change once a second, on the second.
    if (screen == flows::Screen::shopper_thank_you) {
        const int64_t elapsed = now - m_shown_since_ms;
        consider(m_shown_since_ms + (elapsed / ms_per_second + 1) * ms_per_second);
    }
    if (screen == flows::Screen::staff_pin && m_flow->staff_view(now).locked)
        consider(now + ms_per_second);
    if (m_caller.running() > 0)
        consider(now + reap_interval_ms);
    if (m_screenshot_wanted)
        consider(m_last_intent_ms + screenshot_quiet_ms);
    if (due)
        ctx.wake_at(ctx.now_ms() + (*due - now));
}

// [SECTION] Setup of an unenrolled kiosk

void KioskApp::setup_frame(ui::FrameContext& ctx, int64_t now_ms)
{
    if (m_setup_work.valid() && m_setup_work.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        SetupOutcome outcome = m_setup_work.get();
        if (!outcome.log_line.empty())
            m_log << outcome.log_line << "\n";
        start_setup_request(m_setup->apply(outcome.answer));
    }
    if (!m_setup_work.valid() && m_setup->takes_offers() && now_ms >= m_next_media_look_ms) {
        m_next_media_look_ms = now_ms + media_look_interval_ms;
        look_for_setup_file(now_ms);
    }
    const config::Strings strings(m_translations, m_locale);
    const std::vector<screens::KioskIntent> intents = m_screens.draw(ctx, strings, m_setup->view());
    for (const screens::KioskIntent& intent : intents)
        apply(intent, now_ms);
    if (!intents.empty())
        ctx.request_frames(1); // show what the intents did
    if (m_setup->finished()) {
        finish_setup(now_ms);
        ctx.request_frames(1);
        return;
    }
    if (m_setup->cancelled()) {
        m_log << "kiosk: setup cancelled: back to the survey\n";
        m_setup.reset();
        m_offered_setup_file.reset();
        m_shown = flows::Screen::shopper_start;
        m_shown_since_ms = now_ms;
        ctx.request_frames(1);
        return;
    }
    m_shown = m_setup->screen();
    if (m_setup_work.valid())
        ctx.wake_in(250); // the request also wakes the shell when it ends
    else if (m_setup->takes_offers())
        ctx.wake_in(media_look_interval_ms);
}

void KioskApp::start_setup_request(std::optional<flows::SetupRequest> request)
{
    while (request) {
        if (m_shell->clock_kind() == ui::ClockKind::real) {
            ui::AppShell* shell = m_shell.get();
            m_setup_work = std::async(std::launch::async, [this, shell, request = std::move(*request)] {
                SetupOutcome outcome = perform_setup_request(request);
                shell->wake();
                return outcome;
            });
            return;
        }
        // Scripted runs: the request at once, its answer straight to the flow.
        SetupOutcome outcome = perform_setup_request(*request);
        if (!outcome.log_line.empty())
            m_log << outcome.log_line << "\n";
        request = m_setup->apply(outcome.answer);
    }
}

namespace {

flows::Message problem_message(sync::EnrolProblem problem, const std::string& device_id)
{
    using sync::EnrolProblem;
    switch (problem) {
    case EnrolProblem::wrong_code: return {std::string(flows::keys::setup_wrong_code), {}};
    case EnrolProblem::held_elsewhere: return {std::string(flows::keys::setup_held_elsewhere), {}};
    case EnrolProblem::needs_replacement: return {std::string(flows::keys::setup_needs_replacement), {{"device", device_id}}};
    case EnrolProblem::too_many_attempts: return {std::string(flows::keys::setup_too_many), {}};
    case EnrolProblem::not_head_office: return {std::string(flows::keys::setup_not_head_office), {}};
    case EnrolProblem::untrusted: return {std::string(flows::keys::setup_untrusted), {}};
    case EnrolProblem::unreachable: return {std::string(flows::keys::setup_unreachable), {}};
    case EnrolProblem::none:
    case EnrolProblem::failed: break;
    }
    return {std::string(flows::keys::setup_failed), {}};
}

} // namespace

// On the setup thread in runs on the real clock: touches only m_data_dir,
// which is set before the first frame and never changes.
KioskApp::SetupOutcome KioskApp::perform_setup_request(const flows::SetupRequest& request) const
{
    if (const auto* check = std::get_if<flows::CheckServer>(&request)) {
        flows::ServerChecked checked;
        auto url = sync::normalise_server_address(check->typed_address);
        if (!url) {
            checked.problem = flows::Message{std::string(flows::keys::setup_address), {}};
            return {checked, "kiosk: setup: " + url.error().message};
        }
        checked.server_url = *url;
        sync::EnrolProblem problem = sync::EnrolProblem::none;
        auto trust = sync::check_server_trust(*url, sync::HttpOptions{}, &problem);
        if (!trust) {
            checked.problem = problem_message(problem, {});
            return {checked, "kiosk: setup: " + trust.error().message};
        }
        checked.system_trusted = trust->system_trusted;
        checked.ca_certificate = trust->ca_certificate;
        checked.fingerprint = trust->fingerprint;
        return {checked, "kiosk: setup: head office at " + *url +
                             (trust->system_trusted ? " is trusted by this system"
                                                    : " has its own CA, fingerprint " + trust->fingerprint)};
    }
    const auto& enrol = std::get<flows::EnrolTerminal>(request);
    flows::TerminalEnrolled enrolled;
    // Its own connection to the store: the frame loop keeps drawing meanwhile.
    auto store = store::LocalStore::open(m_data_dir);
    if (!store) {
        enrolled.problem = flows::Message{std::string(flows::keys::setup_failed), {}};
        return {enrolled, "kiosk: setup: the local store: " + store.error().message};
    }
    sync::SessionOptions options;
    options.app_version = FEEDBACK_VERSION;
    sync::EnrolProblem problem = sync::EnrolProblem::none;
    auto done = sync::enrol_with_ca(m_data_dir, *store, enrol.server_url, enrol.code, enrol.ca_certificate, options,
                                    &problem);
    if (!done) {
        enrolled.problem = problem_message(problem, store->device().device_id);
        return {enrolled, "kiosk: setup: " + done.error().message};
    }
    enrolled.store_code = done->store_code;
    enrolled.terminal_code = done->terminal_code;
    enrolled.name = done->name;
    return {enrolled, "kiosk: enrolled with head office at " + enrol.server_url + " as terminal " + done->store_code +
                          "-" + done->terminal_code};
}

void KioskApp::look_for_setup_file(int64_t now_ms)
{
    const auto found = sync::find_setup_file(m_setup_media);
    if (!found) {
        m_offered_setup_file.reset(); // the stick was taken out: the same file may come back
        return;
    }
    std::error_code error;
    const auto modified = std::filesystem::last_write_time(*found, error);
    if (m_offered_setup_file && m_offered_setup_file->first == *found && m_offered_setup_file->second == modified)
        return;
    m_offered_setup_file = std::make_pair(*found, modified);
    m_log << "kiosk: setup: a setup file at " << found->string() << "\n";
    flows::SetupOffer offer;
    auto setup = sync::read_setup_file(*found);
    if (!setup) {
        m_log << "kiosk: setup: the setup file is not usable: " << setup.error().message << "\n";
        offer.problem = flows::Message{std::string(flows::keys::setup_file_unusable), {}};
    } else if (setup->expires_at_ms <= now_ms) {
        offer.problem = flows::Message{std::string(flows::keys::setup_expired), {{"date", screens::format_local_time(setup->expires_at_ms)}}};
    } else {
        offer.server_url = setup->server_url;
        offer.code = setup->code;
        offer.store_code = setup->store_code;
        offer.terminal_name = setup->terminal_name;
        offer.ca_certificate = setup->ca_certificate;
        if (!setup->ca_certificate.empty()) {
            auto fingerprint = crypto::certificate_fingerprint(setup->ca_certificate);
            if (fingerprint) {
                offer.fingerprint = *fingerprint;
            } else {
                m_log << "kiosk: setup: the setup file's CA: " << fingerprint.error().message << "\n";
                offer.problem = flows::Message{std::string(flows::keys::setup_file_unusable), {}};
            }
        }
    }
    start_setup_request(m_setup->apply(flows::SetupAnswer{offer}));
}

// [SECTION] What staff ask of the terminal itself

void KioskApp::carry_out_device_request(flows::DeviceRequest request, int64_t now_ms)
{
    if (request == flows::DeviceRequest::connect_again) {
        std::string address;
        if (auto credentials = sync::load_credentials(m_data_dir); credentials && *credentials)
            address = (*credentials)->server_url;
        m_log << "kiosk: staff opened the setup screens to connect to head office again\n";
        m_setup = std::make_unique<flows::SetupFlow>(address, true);
        m_shown = flows::Screen::setup_start;
        m_shown_since_ms = now_ms;
        m_next_media_look_ms = now_ms;
        return;
    }
    if (m_shell->clock_kind() == ui::ClockKind::real) {
        ui::AppShell* shell = m_shell.get();
        m_leave_work = std::async(std::launch::async, [this, shell] {
            LeaveOutcome outcome = leave_store();
            shell->wake();
            return outcome;
        });
        return;
    }
    take_leave_outcome(leave_store(), now_ms);
}

bool KioskApp::leaving_running(int64_t now_ms)
{
    if (!m_leave_work.valid())
        return false;
    if (m_leave_work.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        return true;
    take_leave_outcome(m_leave_work.get(), now_ms);
    return false;
}

void KioskApp::take_leave_outcome(const LeaveOutcome& outcome, int64_t now_ms)
{
    m_log << "kiosk: " << outcome.log_line << "\n";
    if (!outcome.left.problem) {
        m_left_store_at_ms = now_ms;
        set_up_counter(); // no credentials any more
    }
    carry_out(m_flow->apply(flows::EffectResult{outcome.left}, now_ms), now_ms);
}

// On the leaving thread in runs on the real clock: touches only m_data_dir,
// which never changes once the first frame is drawn.
KioskApp::LeaveOutcome KioskApp::leave_store() const
{
    auto store = store::LocalStore::open(m_data_dir);
    if (!store)
        return {{flows::Message{std::string(flows::keys::leave_failed), {}}},
                "leaving the store: the local store: " + store.error().message};
    sync::SessionOptions options;
    options.app_version = FEEDBACK_VERSION;
    const sync::LeaveOutcome outcome = sync::leave_store(m_data_dir, *store, options);
    flows::StoreLeft left;
    switch (outcome.problem) {
    case sync::LeaveProblem::none: break;
    case sync::LeaveProblem::not_enrolled: left.problem = flows::Message{std::string(flows::keys::leave_not_enrolled), {}}; break;
    case sync::LeaveProblem::unsent_events:
        left.problem = flows::Message{std::string(flows::keys::leave_unsent), {{"count", std::to_string(outcome.unsent_events)}}};
        break;
    case sync::LeaveProblem::unreachable: left.problem = flows::Message{std::string(flows::keys::leave_unreachable), {}}; break;
    case sync::LeaveProblem::failed: left.problem = flows::Message{std::string(flows::keys::leave_failed), {}}; break;
    }
    return {left, outcome.log_line};
}

void KioskApp::finish_setup(int64_t now_ms)
{
    const flows::SetupView& done = m_setup->view();
    // The enrolment wrote the identity through its own connection; this one
    // keeps a copy, which the next events carry.
    if (auto identity = m_store.set_identity(done.enrolled_store, done.enrolled_terminal); !identity)
        m_log << "kiosk: setup: the store's identity: " << identity.error().message << "\n";
    m_setup.reset();
    m_offered_setup_file.reset();
    m_flow = std::make_unique<flows::KioskFlow>(m_config, m_store);
    set_up_counter();
    m_shown = flows::Screen::shopper_start;
    m_shown_since_ms = now_ms;
    m_last_intent_ms = now_ms;
    if (m_uploader)
        m_uploader->notify_recorded(); // it sends, and pulls the store's configuration, now
}

} // namespace feedback::app
