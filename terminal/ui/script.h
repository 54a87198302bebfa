// Headless scripting: a script of JSON lines drives any draw callback
// through the app shell by target name, with a simulated clock, and takes
// screenshots. One step per line:
//
//   {"tap":"score.9"}                   tap a target (three frames: hover, down, up)
//   {"hold":"staff.corner","ms":3200}   press a target and keep it pressed while the
//                                       clock moves on (as wait_ms), then release
//   {"drag":"staff.complaint.details","dy":-300,"ms":200}
//                                       put a finger on a target, move it dy pixels
//                                       (negative: up) in 16 ms frames over ms, lift
//   {"type":"Hallo daar"}               tap the on-screen keyboard's keys, shift
//                                       and layer keys included
//   {"wait_ms":1500}                    advance the clock, drawing the frames the
//                                       screen's timers ask for on the way
//   {"screenshot":"name"}               <screenshots_dir>/name.png
//   {"expect_target":"x.title"}         fail unless on screen; optional checks:
//       "value":"...", "value_not":"...", "selected":true, "enabled":false
//   {"expect_no_target":"x.title"}      fail if on screen
//
// Blank lines and lines starting with # or // are skipped. A step that names
// a missing target fails the run with the targets that are on screen.
#pragma once

#include "domain/result.h"
#include "ui/app_shell.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::ui {

enum class StepKind { tap, hold, drag, type, wait, screenshot, expect_target, expect_no_target };

struct ScriptStep {
    StepKind kind = StepKind::tap;
    std::string argument; // target name, text to type, or screenshot name
    int64_t wait_ms = 0;  // wait_ms, and how long a hold or a drag lasts
    float drag_dy = 0.0f; // drag: how far the finger moves down (negative: up), pixels
    // expect_target's optional checks
    std::optional<std::string> value;
    std::optional<std::string> value_not; // the value changed from this (a scroll offset)
    std::optional<bool> selected;
    std::optional<bool> enabled;
    // Where it came from, for messages: "demo.jsonl:7".
    std::string where;
};

// Parses JSON lines; errors name the line and what is wrong with it.
Result<std::vector<ScriptStep>> parse_script(std::string_view text, std::string_view source_name = "script");
Result<std::vector<ScriptStep>> load_script(const std::filesystem::path& path);

struct ScriptOptions {
    std::filesystem::path screenshots_dir = "."; // where screenshots go (created when missing)
    bool screenshot_every_step = false;          // also NNN-<screen>.png after every step
    // The name of what is on screen now, for NNN-<screen>.png ("screen" if unset).
    std::function<std::string()> screen_name;
    int settle_frames = 2; // after a tap, so the screen shows the tap's result
};

struct ScriptReport {
    int steps_run = 0;
    std::vector<std::filesystem::path> screenshots;
};

// Drives `draw` through `shell`. Steps can also be called one by one from a
// test. With a simulated clock, time moves only in wait().
class ScriptRunner {
public:
    ScriptRunner(AppShell& shell, DrawFn draw, ScriptOptions options = {});

    // Runs the steps in order; stops at the first failure, whose message
    // starts with the step's file and line.
    Result<void> run(std::span<const ScriptStep> steps);
    Result<void> run_step(const ScriptStep& step);

    Result<void> tap(std::string_view target);
    // Press `target`, keep it pressed for `ms` (frames drawn as in wait()), release.
    Result<void> hold(std::string_view target, int64_t ms);
    // Press `target`, move the finger `dy` pixels in frames 16 ms apart over
    // `ms`, release. Draws the frames a glide asks for only in later waits.
    Result<void> drag(std::string_view target, float dy, int64_t ms);
    Result<void> type(std::string_view text);
    Result<void> wait(int64_t ms);
    Result<void> screenshot(std::string_view name);
    Result<void> expect_target(const ScriptStep& step);
    Result<void> expect_target(std::string_view target);
    Result<void> expect_no_target(std::string_view target);
    // Draws `count` frames without input.
    Result<void> frames(int count = 1);

    const ScriptReport& report() const { return m_report; }

private:
    Result<void> ensure_started();
    Result<void> frame();
    // The centre of a tappable target that is on screen, unambiguous,
    // enabled and not covered; `verb` starts the messages ("tap", "hold").
    Result<ImVec2> locate(std::string_view verb, std::string_view target);
    // Moves the clock `ms` on, drawing the frames the screen asks for.
    Result<void> advance(int64_t ms);
    Result<void> auto_screenshot();
    std::string screen() const;
    Error missing(std::string_view what, std::string_view target) const;

    AppShell& m_shell;
    DrawFn m_draw;
    ScriptOptions m_options;
    ScriptReport m_report;
    bool m_started = false;
};

} // namespace feedback::ui
