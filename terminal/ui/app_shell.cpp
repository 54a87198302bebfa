// The app shell: SDL start-up, the ImGui context and its SDL backends, the
// draw-only-when-needed frame loop, injected input and the simulated clock.
#include "ui/app_shell.h"

#include "ui/screenshot.h"

#include <SDL.h>
#include <imgui_impl_sdl.h>
#include <imgui_impl_sdlrenderer.h>
#include <imgui_internal.h> // ErrorCheckEndFrameRecover

#include <algorithm>
#include <cfloat>
#include <charconv>
#include <chrono>
#include <climits>
#include <cstring>
#include <exception>

namespace feedback::ui {

// [SECTION] Helpers

namespace {

constexpr std::size_t max_recent_frames = 4096;

double steady_ms()
{
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

std::string sdl_error() { return SDL_GetError(); }

bool is_input_event(uint32_t type)
{
    switch (type) {
    case SDL_MOUSEMOTION:
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
    case SDL_MOUSEWHEEL:
    case SDL_FINGERDOWN:
    case SDL_FINGERUP:
    case SDL_FINGERMOTION:
    case SDL_KEYDOWN:
    case SDL_KEYUP:
    case SDL_TEXTINPUT:
        return true;
    default:
        return false;
    }
}

// ImGui reports what it recovered from after a throwing draw callback; the
// shell reports the exception itself, so these lines are dropped.
void ignore_imgui_log(void*, const char*, ...) {}

} // namespace

std::filesystem::path default_fonts_dir() { return FEEDBACK_UI_FONTS_DIR; }

std::optional<WindowSize> parse_window_size(std::string_view text)
{
    const auto x = text.find('x');
    if (x == std::string_view::npos)
        return std::nullopt;
    auto parse = [](std::string_view part) -> std::optional<int> {
        int value = 0;
        const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (error != std::errc() || end != part.data() + part.size() || value < 64 || value > 16384)
            return std::nullopt;
        return value;
    };
    const auto width = parse(text.substr(0, x));
    const auto height = parse(text.substr(x + 1));
    if (!width || !height)
        return std::nullopt;
    return WindowSize{*width, *height};
}

// [SECTION] FrameContext

FrameContext::FrameContext(TargetRegistry& targets, const Theme& theme, int64_t now_ms, int64_t last_input_ms,
                           ImVec2 display_size, uint64_t frame_number)
    : m_targets(targets), m_theme(theme), m_now_ms(now_ms), m_last_input_ms(last_input_ms),
      m_display_size(display_size), m_frame_number(frame_number)
{
}

void FrameContext::wake_at(int64_t ui_ms)
{
    if (!m_next_wakeup_ms || ui_ms < *m_next_wakeup_ms)
        m_next_wakeup_ms = ui_ms;
}

void FrameContext::request_frames(int count) { m_frames_requested = std::max(m_frames_requested, count); }

// [SECTION] Measurements

TimingSummary summarize(std::span<const double> samples)
{
    TimingSummary summary;
    if (samples.empty())
        return summary;
    std::vector<double> sorted(samples.begin(), samples.end());
    std::sort(sorted.begin(), sorted.end());
    summary.frames = sorted.size();
    summary.median_ms = sorted[sorted.size() / 2];
    summary.p95_ms = sorted[std::min(sorted.size() - 1, (sorted.size() * 95) / 100)];
    summary.max_ms = sorted.back();
    return summary;
}

namespace {
template <class Field>
TimingSummary summarize_field(const std::vector<FrameTiming>& frames, Field field)
{
    std::vector<double> values;
    values.reserve(frames.size());
    for (const FrameTiming& frame : frames)
        values.push_back(frame.*field);
    return summarize(values);
}
} // namespace

TimingSummary ShellStats::total() const { return summarize_field(recent, &FrameTiming::total_ms); }
TimingSummary ShellStats::raster() const { return summarize_field(recent, &FrameTiming::raster_ms); }
TimingSummary ShellStats::build() const { return summarize_field(recent, &FrameTiming::build_ms); }

// [SECTION] Start-up and shutdown

Result<std::unique_ptr<AppShell>> AppShell::create(const ShellOptions& options)
{
    std::unique_ptr<AppShell> shell(new AppShell());
    shell->m_create_started = steady_ms();
    auto opened = shell->open(options);
    if (!opened)
        return opened.error();
    return shell;
}

Result<void> AppShell::open(const ShellOptions& options)
{
    m_options = options;
    if (m_options.fonts_dir.empty())
        m_options.fonts_dir = default_fonts_dir();
    m_options.frames_after_input = std::max(1, m_options.frames_after_input);

    // Fonts first: a missing asset is the likeliest mistake and costs nothing to find.
    auto fonts = FontFiles::load(m_options.fonts_dir);
    if (!fonts)
        return fonts.error();
    m_font_files = std::move(fonts.value());

    bool forced_driver = false;
    if (m_options.display == DisplayMode::headless) {
        // Keep a caller's choice of a headless driver; never open a real window.
        const char* driver = SDL_getenv("SDL_VIDEODRIVER");
        const bool headless_driver =
            driver != nullptr && (std::strcmp(driver, "offscreen") == 0 || std::strcmp(driver, "dummy") == 0);
        if (!headless_driver)
            forced_driver = SDL_SetHintWithPriority(SDL_HINT_VIDEODRIVER, "offscreen", SDL_HINT_OVERRIDE);
    }
    if (m_options.renderer == RendererKind::software) {
        // Otherwise SDL backs the window with an OpenGL texture through Mesa:
        // 130 MB instead of 35 MB resident and a slower start.
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    } else {
        SDL_ResetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION); // hints outlive a shell
    }
    SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1");   // the first tap counts
    SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0"); // a kiosk stays up

    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0)
        return Error{ErrorKind::internal,
                     "SDL cannot start its video subsystem (" + sdl_error() +
                         "); for a run without a display use --headless or SDL_VIDEODRIVER=offscreen"};
    m_sdl_started = true;
    if (forced_driver) // SDL has chosen; a later shell in this process may want a display
        SDL_ResetHint(SDL_HINT_VIDEODRIVER);
    if (const char* driver = SDL_GetCurrentVideoDriver())
        m_video_driver = driver;

    uint32_t window_flags = 0;
    int width = m_options.width;
    int height = m_options.height;
    switch (m_options.display) {
    case DisplayMode::window: window_flags = SDL_WINDOW_RESIZABLE; break;
    case DisplayMode::fullscreen: window_flags = SDL_WINDOW_FULLSCREEN_DESKTOP | SDL_WINDOW_BORDERLESS; break;
    case DisplayMode::headless: break;
    }
    m_window = SDL_CreateWindow(m_options.title.c_str(), SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, width,
                                height, window_flags);
    if (m_window == nullptr)
        return Error{ErrorKind::internal, "SDL cannot open a window on the '" + m_video_driver +
                                              "' video driver: " + sdl_error()};

    if (m_options.renderer == RendererKind::accelerated)
        m_renderer = SDL_CreateRenderer(m_window, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    if (m_renderer == nullptr) // software asked for, or no GPU renderer available
        m_renderer = SDL_CreateRenderer(m_window, -1, SDL_RENDERER_SOFTWARE);
    if (m_renderer == nullptr)
        return Error{ErrorKind::internal, "SDL cannot create a renderer: " + sdl_error()};
    SDL_RendererInfo info{};
    if (SDL_GetRendererInfo(m_renderer, &info) == 0 && info.name != nullptr)
        m_renderer_name = info.name;

    if (m_options.display == DisplayMode::fullscreen)
        SDL_ShowCursor(SDL_DISABLE);

    m_wake_event = SDL_RegisterEvents(1);

    IMGUI_CHECKVERSION();
    m_imgui = ImGui::CreateContext();
    ImGui::SetCurrentContext(m_imgui);
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr; // nothing to remember between runs
    io.LogFilename = nullptr;
    io.ConfigFlags |= ImGuiConfigFlags_NoMouseCursorChange;
    m_imgui_platform = ImGui_ImplSDL2_InitForSDLRenderer(m_window);
    m_imgui_renderer = ImGui_ImplSDLRenderer_Init(m_renderer);
    if (!m_imgui_platform || !m_imgui_renderer)
        return Error{ErrorKind::internal, "Dear ImGui's SDL backends failed to start"};

    if (m_options.display == DisplayMode::headless)
        release_pointer();
    refresh_layout_if_resized();
    return {};
}

AppShell::~AppShell()
{
    if (m_imgui != nullptr) {
        ImGui::SetCurrentContext(m_imgui);
        if (m_imgui_renderer)
            ImGui_ImplSDLRenderer_Shutdown();
        if (m_imgui_platform)
            ImGui_ImplSDL2_Shutdown();
        ImGui::DestroyContext(m_imgui);
    }
    if (m_renderer != nullptr)
        SDL_DestroyRenderer(m_renderer);
    if (m_window != nullptr)
        SDL_DestroyWindow(m_window);
    if (m_sdl_started)
        SDL_Quit();
}

// [SECTION] Layout: metrics, fonts and style follow the window size

ImVec2 AppShell::display_size() const
{
    int width = 0;
    int height = 0;
    SDL_GetWindowSize(m_window, &width, &height);
    return ImVec2(static_cast<float>(width), static_cast<float>(height));
}

void AppShell::refresh_layout_if_resized()
{
    const ImVec2 size = display_size();
    if (size.x <= 0.0f || size.y <= 0.0f)
        return; // minimised
    if (size.x == m_layout_size.x && size.y == m_layout_size.y && m_accessible == m_layout_accessible)
        return;
    const double started = steady_ms();
    m_layout_size = size;
    m_layout_accessible = m_accessible;
    m_theme.palette = m_accessible ? high_contrast_palette() : Palette{};
    m_theme.metrics = metrics_for(size, m_accessible ? large_text_scale : 1.0f);
    ImGuiIO& io = ImGui::GetIO();
    ImGui_ImplSDLRenderer_DestroyFontsTexture();
    m_theme.fonts = m_font_files.add_to(*io.Fonts, m_theme.metrics);
    ImGui_ImplSDLRenderer_CreateFontsTexture(); // builds the atlas and uploads it
    io.Fonts->ClearTexData();                   // the renderer has its copy
    m_theme.apply_to(ImGui::GetStyle());
    m_stats.fonts_ms = steady_ms() - started;
}

// [SECTION] Frames

Result<FrameTiming> AppShell::render_frame(const DrawFn& draw) { return frame(draw, nullptr); }

Result<void> AppShell::capture_frame(const DrawFn& draw, const std::filesystem::path& png)
{
    auto drawn = frame(draw, &png);
    if (!drawn)
        return drawn.error();
    return {};
}

void AppShell::capture_this_frame(CaptureDone done) { m_capture_done = std::move(done); }

Result<FrameTiming> AppShell::frame(const DrawFn& draw, const std::filesystem::path* capture)
{
    ImGui::SetCurrentContext(m_imgui);
    refresh_layout_if_resized();
    const double started = steady_ms();

    ImGui_ImplSDLRenderer_NewFrame();
    ImGui_ImplSDL2_NewFrame();
    ImGuiIO& io = ImGui::GetIO();
    const int64_t now = now_ms();
    // ImGui's timers (double-tap, key repeat) follow the shell's clock.
    io.DeltaTime = m_last_frame_ms < 0 ? 1.0f / 60.0f
                                       : std::max(0.001f, static_cast<float>(now - m_last_frame_ms) / 1000.0f);
    m_last_frame_ms = now;
    if (m_pointer) {
        // After the SDL backend's NewFrame, which would overwrite it.
        io.MousePos = m_pointer->position;
        io.MouseDown[0] = m_pointer->down;
        io.MouseDown[1] = false;
        io.MouseDown[2] = false;
    }
    ImGui::NewFrame();

    m_targets.clear();
    FrameContext context(m_targets, m_theme, now, m_last_input_ms, io.DisplaySize, m_frame_number);
    ImGui::SetNextWindowPos(ImVec2(0.0f, 0.0f));
    ImGui::SetNextWindowSize(io.DisplaySize);
    constexpr ImGuiWindowFlags screen_flags =
        ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
        ImGuiWindowFlags_NoBackground | ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse |
        ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoNav;
    ImGui::Begin("##screen", nullptr, screen_flags);
    std::string failure;
    try {
        draw(context);
    } catch (const std::exception& error) {
        failure = error.what();
    } catch (...) {
        failure = "an exception that is not a std::exception";
    }
    if (failure.empty())
        ImGui::End();
    else
        ImGui::ErrorCheckEndFrameRecover(ignore_imgui_log); // ends what the callback left open, and ours
    ImGui::Render();
    const double built = steady_ms();

    const Palette& palette = m_theme.palette;
    // The one full-window fill per frame; the ImGui window has no background.
    SDL_SetRenderDrawColor(m_renderer, static_cast<Uint8>(palette.background & 0xFF),
                           static_cast<Uint8>((palette.background >> 8) & 0xFF),
                           static_cast<Uint8>((palette.background >> 16) & 0xFF), 255);
    SDL_RenderClear(m_renderer);
    ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
    SDL_RenderFlush(m_renderer);
    const double rastered = steady_ms();

    Result<void> captured;
    if (capture != nullptr)
        captured = save_png(m_renderer, *capture);
    if (m_capture_done) {
        CaptureDone done = std::move(m_capture_done);
        m_capture_done = nullptr;
        done(encode_png(m_renderer));
    }
    const double before_present = steady_ms();
    SDL_RenderPresent(m_renderer);
    const double presented = steady_ms();

    FrameTiming timing;
    timing.build_ms = built - started;
    timing.raster_ms = rastered - built;
    timing.present_ms = presented - before_present;
    timing.total_ms = timing.build_ms + timing.raster_ms + timing.present_ms;
    if (m_stats.startup_ms < 0.0)
        m_stats.startup_ms = presented - m_create_started;
    if (m_stats.recent.size() >= max_recent_frames)
        m_stats.recent.erase(m_stats.recent.begin(), m_stats.recent.begin() + max_recent_frames / 2);
    m_stats.recent.push_back(timing);
    ++m_stats.frames_drawn;
    ++m_frame_number;

    m_next_wakeup_ms = context.next_wakeup_ms();
    m_frames_requested = context.frames_requested();
    m_quit = m_quit || context.quit_requested();

    if (!failure.empty())
        return Error{ErrorKind::internal, "the screen's draw callback threw: " + failure};
    if (!captured)
        return captured.error();
    return timing;
}

// [SECTION] The frame loop

int AppShell::handle_event(const SDL_Event& event)
{
    ImGui_ImplSDL2_ProcessEvent(&event);
    if (event.type == SDL_QUIT) {
        m_quit = true;
        return 0;
    }
    if (event.type == m_wake_event)
        return 1;
    if (is_input_event(event.type)) {
        m_last_input_ms = now_ms();
        return m_options.frames_after_input;
    }
    if (event.type == SDL_WINDOWEVENT) {
        switch (event.window.event) {
        case SDL_WINDOWEVENT_SHOWN:
        case SDL_WINDOWEVENT_EXPOSED:
        case SDL_WINDOWEVENT_RESIZED:
        case SDL_WINDOWEVENT_SIZE_CHANGED:
        case SDL_WINDOWEVENT_RESTORED:
        case SDL_WINDOWEVENT_MAXIMIZED:
            return 1;
        default:
            return 0;
        }
    }
    return 0;
}

Result<void> AppShell::run(const DrawFn& draw)
{
    if (m_options.clock != ClockKind::real)
        return Error{ErrorKind::invalid_input,
                     "AppShell::run needs the real clock; scripted runs drive frames with ScriptRunner"};
    int pending = 1; // the first frame
    while (!m_quit) {
        int timeout_ms = -1; // sleep until an event
        if (pending > 0)
            timeout_ms = 0;
        else if (m_next_wakeup_ms)
            timeout_ms = static_cast<int>(std::clamp<int64_t>(*m_next_wakeup_ms - now_ms(), 0, INT_MAX));

        SDL_Event event;
        const int got = timeout_ms < 0 ? SDL_WaitEvent(&event) : SDL_WaitEventTimeout(&event, timeout_ms);
        if (got != 0) {
            pending = std::max(pending, handle_event(event));
            while (SDL_PollEvent(&event) != 0)
                pending = std::max(pending, handle_event(event));
        }
        if (m_quit)
            break;
        if (m_next_wakeup_ms && now_ms() >= *m_next_wakeup_ms)
            pending = std::max(pending, 1);
        if (pending > 0) {
            auto drawn = render_frame(draw);
            if (!drawn)
                return drawn.error();
            pending = std::max(pending - 1, m_frames_requested);
        }
    }
    return {};
}

void AppShell::wake()
{
    SDL_Event event{};
    event.type = m_wake_event;
    SDL_PushEvent(&event);
}

// [SECTION] Injected input and the clock

void AppShell::set_pointer(ImVec2 position, bool down)
{
    m_pointer = Pointer{position, down};
    m_last_input_ms = now_ms();
}

void AppShell::release_pointer() { m_pointer = Pointer{ImVec2(-FLT_MAX, -FLT_MAX), false}; }

void AppShell::use_system_pointer()
{
    if (m_options.display != DisplayMode::headless)
        m_pointer.reset();
}

int64_t AppShell::now_ms() const
{
    if (m_options.clock == ClockKind::simulated)
        return m_simulated_ms;
    return static_cast<int64_t>(SDL_GetTicks64());
}

void AppShell::advance_clock(int64_t ms)
{
    IM_ASSERT(m_options.clock == ClockKind::simulated && "advance_clock() needs ClockKind::simulated");
    IM_ASSERT(ms >= 0 && "the UI clock does not go back");
    m_simulated_ms += ms;
}

} // namespace feedback::ui
