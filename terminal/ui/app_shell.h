// The app shell: an SDL window (or a headless offscreen one), SDL's software
// renderer, one Dear ImGui context drawing one full-screen undecorated window,
// and a frame loop that draws only when needed.
//
// Screens plug in as a draw callback that gets a FrameContext each frame.
//
// When frames are drawn (run()):
//
//   SDL_WaitEventTimeout(until the next wake-up the last frame asked for)
//      |-- input event (touch, mouse, key)  --> draw 3 frames (press + release)
//      |-- window exposed/resized, wake()   --> draw 1 frame
//      |-- timeout reached (timer, idle)    --> draw 1 frame
//      '-- the frame asked for more frames  --> draw them (animations)
//
// An idle kiosk draws nothing and sleeps in SDL. Headless runs (tests,
// scripts, screenshots) use SDL's offscreen driver, a fixed size, a simulated
// clock and injected pointer input; ScriptRunner (script.h) drives them.
#pragma once

#include "domain/result.h"
#include "ui/target_registry.h"
#include "ui/theme.h"

#include <imgui.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

struct SDL_Window;
struct SDL_Renderer;
union SDL_Event;

namespace feedback::ui {

// [SECTION] Options

enum class DisplayMode {
    window,     // a resizable window of width x height (development, demos)
    fullscreen, // the whole display, no cursor (the kiosk)
    headless,   // SDL's offscreen driver, width x height, nothing on screen
};

enum class RendererKind {
    software,    // SDL_RENDERER_SOFTWARE, no OpenGL: ~35 MB, fast start
    accelerated, // a GPU renderer when one exists; falls back to software
};

enum class ClockKind {
    real,      // SDL's millisecond ticks
    simulated, // starts at 0 and moves only by advance_clock() (scripts)
};

struct ShellOptions {
    DisplayMode display = DisplayMode::window;
    int width = 1280;  // window and headless size; fullscreen takes the display's
    int height = 800;
    RendererKind renderer = RendererKind::software;
    ClockKind clock = ClockKind::real;
    std::filesystem::path fonts_dir; // empty: default_fonts_dir()
    std::string title = "Feedback";
    int frames_after_input = 3;      // ImGui needs ~3 to see a press and its release
};

// The source tree's assets/fonts (set at build time).
std::filesystem::path default_fonts_dir();

struct WindowSize {
    int width = 0;
    int height = 0;
};
// "1280x800" -> {1280, 800}; nothing for anything else or sizes outside 64-16384.
std::optional<WindowSize> parse_window_size(std::string_view text);

// [SECTION] FrameContext: what a draw callback gets

class FrameContext {
public:
    FrameContext(TargetRegistry& targets, const Theme& theme, int64_t now_ms, int64_t last_input_ms,
                 ImVec2 display_size, uint64_t frame_number);

    TargetRegistry& targets() { return m_targets; }
    const Theme& theme() const { return m_theme; }
    // The shell's UI clock in ms (monotonic; simulated in scripted runs). Use
    // it for timers and timeouts, never for event timestamps.
    int64_t now_ms() const { return m_now_ms; }
    // When a person (or a script) last touched the screen, on the same clock.
    int64_t last_input_ms() const { return m_last_input_ms; }
    ImVec2 display_size() const { return m_display_size; }
    uint64_t frame_number() const { return m_frame_number; }

    // Requests for the next frames; each frame starts with none, so a screen
    // states its timers every frame it draws.
    // Draw again no later than `ui_ms` (a timer, an idle timeout).
    void wake_at(int64_t ui_ms);
    void wake_in(int64_t ms) { wake_at(m_now_ms + ms); }
    // Draw the next `count` frames without waiting (an animation).
    void request_frames(int count = 1);
    // Leave run() after this frame.
    void request_quit() { m_quit = true; }

    std::optional<int64_t> next_wakeup_ms() const { return m_next_wakeup_ms; }
    int frames_requested() const { return m_frames_requested; }
    bool quit_requested() const { return m_quit; }

private:
    TargetRegistry& m_targets;
    const Theme& m_theme;
    int64_t m_now_ms;
    int64_t m_last_input_ms;
    ImVec2 m_display_size;
    uint64_t m_frame_number;
    std::optional<int64_t> m_next_wakeup_ms;
    int m_frames_requested = 0;
    bool m_quit = false;
};

// Builds the screen's ImGui UI. Runs inside the shell's full-screen window;
// the cursor starts at the top-left margin. Must not block (no database or
// network work here).
using DrawFn = std::function<void(FrameContext&)>;

// [SECTION] Measurements

struct FrameTiming {
    double build_ms = 0.0;   // ImGui::NewFrame .. ImGui::Render, incl. the draw callback
    double raster_ms = 0.0;  // SDL clears and rasterises the draw lists
    double present_ms = 0.0; // SDL_RenderPresent
    double total_ms = 0.0;   // all of the above, without screenshots
};

struct TimingSummary {
    std::size_t frames = 0;
    double median_ms = 0.0;
    double p95_ms = 0.0;
    double max_ms = 0.0;
};
TimingSummary summarize(std::span<const double> samples);

struct ShellStats {
    double startup_ms = -1.0;   // create() until the first frame is presented
    double fonts_ms = 0.0;      // the last font atlas build (startup, resize)
    uint64_t frames_drawn = 0;
    std::vector<FrameTiming> recent; // the last frames (at most 4096)

    TimingSummary total() const;
    TimingSummary raster() const;
    TimingSummary build() const;
};

// [SECTION] AppShell

class AppShell {
public:
    // Starts SDL (video only), opens the window and the renderer, loads the
    // fonts and creates the ImGui context. Errors say what to install or set.
    static Result<std::unique_ptr<AppShell>> create(const ShellOptions& options);
    ~AppShell();
    AppShell(const AppShell&) = delete;
    AppShell& operator=(const AppShell&) = delete;

    // The frame loop (real clock only): until the window closes or a frame
    // calls request_quit(). An exception from `draw` ends it with an error.
    Result<void> run(const DrawFn& draw);

    // One frame now: events are not read (run() does that).
    Result<FrameTiming> render_frame(const DrawFn& draw);
    // One frame now, saved as a PNG (read back before it is presented).
    Result<void> capture_frame(const DrawFn& draw, const std::filesystem::path& png);
    // The frame being drawn (when called from a draw callback), else the
    // next one, as a PNG in memory, handed to `done` on the UI thread once
    // it is rendered. A later request replaces one not yet served.
    using CaptureDone = std::function<void(Result<std::string> png)>;
    void capture_this_frame(CaptureDone done);

    // Injected pointer for scripts and tests; headless shells start with the
    // pointer away from the screen and never see SDL's mouse.
    void set_pointer(ImVec2 position, bool down);
    void release_pointer(); // up, and off the screen
    void use_system_pointer(); // back to SDL's mouse/touch (windowed)

    // The UI clock; advance_clock() needs ClockKind::simulated.
    int64_t now_ms() const;
    void advance_clock(int64_t ms);
    ClockKind clock_kind() const { return m_options.clock; }

    // Thread-safe: makes run() draw a frame soon (new data from another thread).
    void wake();

    // What the last frame drew and asked for.
    const TargetRegistry& targets() const { return m_targets; }
    std::optional<int64_t> next_wakeup_ms() const { return m_next_wakeup_ms; }
    int frames_requested() const { return m_frames_requested; }

    const Theme& theme() const { return m_theme; }
    // The shopper's large-text, high-contrast mode (theme.h): the palette
    // and larger fonts take effect from the next frame on.
    void set_accessible(bool on) { m_accessible = on; }
    bool accessible() const { return m_accessible; }
    ImVec2 display_size() const;
    const ShellStats& stats() const { return m_stats; }
    const std::string& renderer_name() const { return m_renderer_name; }
    const std::string& video_driver() const { return m_video_driver; }

private:
    AppShell() = default;
    Result<void> open(const ShellOptions& options);
    void refresh_layout_if_resized();
    Result<FrameTiming> frame(const DrawFn& draw, const std::filesystem::path* capture);
    int handle_event(const SDL_Event& event); // frames this event needs

    ShellOptions m_options;
    SDL_Window* m_window = nullptr;
    SDL_Renderer* m_renderer = nullptr;
    bool m_sdl_started = false;
    bool m_imgui_platform = false;
    bool m_imgui_renderer = false;
    ImGuiContext* m_imgui = nullptr;
    std::string m_renderer_name;
    std::string m_video_driver;
    uint32_t m_wake_event = 0;

    FontFiles m_font_files;
    Theme m_theme;
    ImVec2 m_layout_size{0.0f, 0.0f};
    bool m_accessible = false;
    bool m_layout_accessible = false; // what m_theme was made for

    TargetRegistry m_targets;
    std::optional<int64_t> m_next_wakeup_ms;
    int m_frames_requested = 0;
    bool m_quit = false;

    struct Pointer {
        ImVec2 position;
        bool down = false;
    };
    std::optional<Pointer> m_pointer;
    CaptureDone m_capture_done; // capture_this_frame()

    int64_t m_simulated_ms = 0;
    int64_t m_last_input_ms = 0;
    int64_t m_last_frame_ms = -1;
    uint64_t m_frame_number = 0;
    double m_create_started = 0.0; // steady clock, ms
    ShellStats m_stats;
};

} // namespace feedback::ui
