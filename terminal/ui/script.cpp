// The script runner: JSON-lines parsing, taps injected as pointer state
// across frames, typing planned on the on-screen keyboard's own layouts, the
// simulated clock and screenshots.
#include "ui/script.h"

#include "ui/onscreen_keyboard.h"

#include <nlohmann/json.hpp>

#include <SDL.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace feedback::ui {

// [SECTION] Parsing

namespace {

std::string trim(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r");
    return std::string(text.substr(first, last - first + 1));
}

Error parse_error(const std::string& where, const std::string& message)
{
    return Error{ErrorKind::invalid_input, where + ": " + message};
}

Result<ScriptStep> parse_step(const std::string& line, const std::string& where)
{
    const auto json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_discarded() || !json.is_object())
        return parse_error(where, "not a JSON object: " + line);

    constexpr std::string_view actions[] = {"tap",        "hold",          "drag",           "type",
                                            "wait_ms",    "screenshot",    "expect_target",  "expect_no_target"};
    ScriptStep step;
    step.where = where;
    int action_count = 0;
    bool has_ms = false;
    bool has_dy = false;
    for (const auto& [key, value] : json.items()) {
        const bool is_action = std::find(std::begin(actions), std::end(actions), key) != std::end(actions);
        if (is_action) {
            ++action_count;
            if (key == "wait_ms") {
                if (!value.is_number_integer() || value.get<int64_t>() < 0)
                    return parse_error(where, "\"wait_ms\" needs a whole number of milliseconds >= 0");
                step.kind = StepKind::wait;
                step.wait_ms = value.get<int64_t>();
                continue;
            }
            if (!value.is_string() || value.get<std::string>().empty())
                return parse_error(where, "\"" + key + "\" needs a non-empty string");
            step.argument = value.get<std::string>();
            if (key == "tap")
                step.kind = StepKind::tap;
            else if (key == "hold")
                step.kind = StepKind::hold;
            else if (key == "drag")
                step.kind = StepKind::drag;
            else if (key == "type")
                step.kind = StepKind::type;
            else if (key == "screenshot")
                step.kind = StepKind::screenshot;
            else if (key == "expect_target")
                step.kind = StepKind::expect_target;
            else
                step.kind = StepKind::expect_no_target;
        } else if (key == "ms") {
            if (!value.is_number_integer() || value.get<int64_t>() < 0)
                return parse_error(where, "\"ms\" needs a whole number of milliseconds >= 0");
            step.wait_ms = value.get<int64_t>();
            has_ms = true;
        } else if (key == "dy") {
            if (!value.is_number_integer())
                return parse_error(where, "\"dy\" needs a whole number of pixels");
            step.drag_dy = value.get<float>();
            has_dy = true;
        } else if (key == "value" || key == "value_not") {
            if (!value.is_string())
                return parse_error(where, "\"" + key + "\" needs a string");
            (key == "value" ? step.value : step.value_not) = value.get<std::string>();
        } else if (key == "selected" || key == "enabled") {
            if (!value.is_boolean())
                return parse_error(where, "\"" + key + "\" needs true or false");
            (key == "selected" ? step.selected : step.enabled) = value.get<bool>();
        } else {
            return parse_error(where, "unknown key \"" + key +
                                          "\" (steps: tap, hold, drag, type, wait_ms, screenshot, expect_target, "
                                          "expect_no_target)");
        }
    }
    if (action_count != 1)
        return parse_error(where, "a step has exactly one of tap, hold, drag, type, wait_ms, screenshot, "
                                  "expect_target, expect_no_target");
    if (step.kind == StepKind::hold && !has_ms)
        return parse_error(where, "\"hold\" needs \"ms\": how long to keep the target pressed");
    if (step.kind == StepKind::drag && (!has_ms || !has_dy))
        return parse_error(where, "\"drag\" needs \"dy\" (pixels) and \"ms\" (how long the finger moves)");
    if (step.kind != StepKind::hold && step.kind != StepKind::drag && has_ms)
        return parse_error(where, "\"ms\" belongs to hold and drag");
    if (step.kind != StepKind::drag && has_dy)
        return parse_error(where, "\"dy\" belongs to drag");
    if ((step.value || step.value_not || step.selected || step.enabled) && step.kind != StepKind::expect_target)
        return parse_error(where, "\"value\", \"value_not\", \"selected\" and \"enabled\" belong to expect_target");
    return step;
}

} // namespace

Result<std::vector<ScriptStep>> parse_script(std::string_view text, std::string_view source_name)
{
    std::vector<ScriptStep> steps;
    std::istringstream in{std::string(text)};
    std::string raw;
    int number = 0;
    while (std::getline(in, raw)) {
        ++number;
        const std::string line = trim(raw);
        if (line.empty() || line.starts_with('#') || line.starts_with("//"))
            continue;
        auto step = parse_step(line, std::string(source_name) + ":" + std::to_string(number));
        if (!step)
            return step.error();
        steps.push_back(std::move(step.value()));
    }
    return steps;
}

Result<std::vector<ScriptStep>> load_script(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Error{ErrorKind::not_found, "cannot read the script " + path.string()};
    std::ostringstream text;
    text << in.rdbuf();
    return parse_script(text.str(), path.filename().string());
}

// [SECTION] Running

namespace {

std::string file_safe(std::string_view name)
{
    std::string safe;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_' || c == '.';
        safe += ok ? c : '_';
    }
    return safe.empty() ? "screen" : safe;
}

Error with_where(const ScriptStep& step, const Error& error)
{
    if (step.where.empty())
        return error;
    return Error{error.kind, step.where + ": " + error.message};
}

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

constexpr int max_frames_per_wait = 100000;
constexpr int64_t animation_step_ms = 16;

} // namespace

ScriptRunner::ScriptRunner(AppShell& shell, DrawFn draw, ScriptOptions options)
    : m_shell(shell), m_draw(std::move(draw)), m_options(std::move(options))
{
}

std::string ScriptRunner::screen() const
{
    if (m_options.screen_name)
        return m_options.screen_name();
    return "screen";
}

Error ScriptRunner::missing(std::string_view what, std::string_view target) const
{
    return Error{ErrorKind::not_found, std::string(what) + " " + in_quotes(target) + ": no such target on screen " +
                                           in_quotes(screen()) + "; on screen: " + m_shell.targets().describe()};
}

Result<void> ScriptRunner::frame()
{
    auto drawn = m_shell.render_frame(m_draw);
    if (!drawn)
        return drawn.error();
    return {};
}

Result<void> ScriptRunner::frames(int count)
{
    FEEDBACK_TRY(ensure_started());
    for (int i = 0; i < count; ++i)
        FEEDBACK_TRY(frame());
    return {};
}

Result<void> ScriptRunner::ensure_started()
{
    if (m_started)
        return {};
    m_started = true;
    // Two frames: ImGui lays some things out one frame late.
    FEEDBACK_TRY(frame());
    return frame();
}

Result<void> ScriptRunner::run(std::span<const ScriptStep> steps)
{
    for (const ScriptStep& step : steps)
        FEEDBACK_TRY(run_step(step));
    return {};
}

Result<void> ScriptRunner::run_step(const ScriptStep& step)
{
    FEEDBACK_TRY(ensure_started());
    Result<void> done;
    switch (step.kind) {
    case StepKind::tap: done = tap(step.argument); break;
    case StepKind::hold: done = hold(step.argument, step.wait_ms); break;
    case StepKind::drag: done = drag(step.argument, step.drag_dy, step.wait_ms); break;
    case StepKind::type: done = type(step.argument); break;
    case StepKind::wait: done = wait(step.wait_ms); break;
    case StepKind::screenshot: done = screenshot(step.argument); break;
    case StepKind::expect_target: done = expect_target(step); break;
    case StepKind::expect_no_target: done = expect_no_target(step.argument); break;
    }
    if (!done)
        return with_where(step, done.error());
    if (const auto& overflows = m_shell.targets().overflows(); !overflows.empty()) {
        std::string list;
        for (const auto& what : overflows)
            list += (list.empty() ? "" : ", ") + what;
        return with_where(step, Error{ErrorKind::invalid_input, "text does not fit its box on screen " +
                                                                    in_quotes(screen()) + ": " + list});
    }
    ++m_report.steps_run;
    if (m_options.screenshot_every_step) {
        auto shot = auto_screenshot();
        if (!shot)
            return with_where(step, shot.error());
    }
    return {};
}

Result<ImVec2> ScriptRunner::locate(std::string_view verb, std::string_view target)
{
    const std::string what = std::string(verb) + " " + in_quotes(target);
    const TargetRegistry& targets = m_shell.targets();
    const std::size_t count = targets.count(target);
    if (count == 0)
        return missing(verb, target);
    if (count > 1)
        return Error{ErrorKind::conflict,
                     what + ": " + std::to_string(count) + " targets on screen have this name (a bug in the screen)"};
    const Target& found = *targets.find(target);
    if (found.kind != TargetKind::tappable)
        return Error{ErrorKind::invalid_input, what + ": it is text, not something to tap"};
    if (!found.enabled)
        return Error{ErrorKind::invalid_input, what + ": it is disabled on screen " + in_quotes(screen())};
    const float x = found.rect.center_x();
    const float y = found.rect.center_y();
    if (found.rect.width < 1.0f || found.rect.height < 1.0f)
        return Error{ErrorKind::invalid_input, what + ": it is clipped off the screen"};
    if (const Target* top = targets.at(x, y); top != nullptr && top->name != found.name)
        return Error{ErrorKind::invalid_input, what + ": its centre is covered by " + in_quotes(top->name)};
    return ImVec2(x, y);
}

Result<void> ScriptRunner::hold(std::string_view target, int64_t ms)
{
    FEEDBACK_TRY(ensure_started());
    auto located = locate("hold", target);
    if (!located)
        return located.error();
    const ImVec2 position = *located;
    m_shell.set_pointer(position, false);
    FEEDBACK_TRY(frame());
    m_shell.set_pointer(position, true);
    FEEDBACK_TRY(frame());
    // The finger stays down while time passes (the shell keeps the pointer).
    FEEDBACK_TRY(advance(ms));
    m_shell.set_pointer(position, false);
    FEEDBACK_TRY(frame());
    m_shell.release_pointer();
    for (int i = 0; i < m_options.settle_frames; ++i)
        FEEDBACK_TRY(frame());
    return {};
}

Result<void> ScriptRunner::drag(std::string_view target, float dy, int64_t ms)
{
    FEEDBACK_TRY(ensure_started());
    auto located = locate("drag", target);
    if (!located)
        return located.error();
    const ImVec2 start = *located;
    m_shell.set_pointer(start, false);
    FEEDBACK_TRY(frame());
    m_shell.set_pointer(start, true);
    FEEDBACK_TRY(frame());
    // Evenly over the frames, as a steady finger; the last frame ends on dy.
    const int64_t steps = std::max<int64_t>(1, ms / animation_step_ms);
    for (int64_t i = 1; i <= steps; ++i) {
        if (m_shell.clock_kind() == ClockKind::simulated)
            m_shell.advance_clock(animation_step_ms);
        else
            SDL_Delay(static_cast<Uint32>(animation_step_ms));
        const float y = start.y + dy * static_cast<float>(i) / static_cast<float>(steps);
        m_shell.set_pointer(ImVec2(start.x, y), true);
        FEEDBACK_TRY(frame());
    }
    m_shell.set_pointer(ImVec2(start.x, start.y + dy), false);
    FEEDBACK_TRY(frame());
    m_shell.release_pointer();
    return {};
}

Result<void> ScriptRunner::tap(std::string_view target)
{
    FEEDBACK_TRY(ensure_started());
    auto located = locate("tap", target);
    if (!located)
        return located.error();
    const ImVec2 position = *located;
    // Hover, press, release: ImGui sees the press and the release in
    // separate frames, as with a finger. Pushed SDL events would be ignored
    // headless (the window never has focus).
    m_shell.set_pointer(position, false);
    FEEDBACK_TRY(frame());
    m_shell.set_pointer(position, true);
    FEEDBACK_TRY(frame());
    m_shell.set_pointer(position, false);
    FEEDBACK_TRY(frame());
    m_shell.release_pointer();
    for (int i = 0; i < m_options.settle_frames; ++i)
        FEEDBACK_TRY(frame());
    return {};
}

Result<void> ScriptRunner::type(std::string_view text)
{
    FEEDBACK_TRY(ensure_started());
    const auto code_points = decode_utf8(text);
    if (!code_points)
        return Error{ErrorKind::invalid_input, "type: the text is not valid UTF-8"};
    for (char32_t code_point : *code_points) {
        const std::string character = encode_utf8(code_point);
        const Target* keyboard_target = m_shell.targets().find("keyboard");
        if (keyboard_target == nullptr)
            return Error{ErrorKind::not_found, "type " + in_quotes(character) +
                                                   ": the on-screen keyboard is not on screen " + in_quotes(screen()) +
                                                   "; on screen: " + m_shell.targets().describe()};
        const auto keyboard = OnscreenKeyboard::from_state(keyboard_target->value);
        if (!keyboard)
            return Error{ErrorKind::internal, "type: the keyboard's state " + in_quotes(keyboard_target->value) +
                                                  " is not readable"};
        const auto keys = keyboard->keys_to_type(code_point);
        if (!keys)
            return Error{ErrorKind::invalid_input, "type: the keyboard (" + keyboard->state() + ") has no key for " +
                                                       in_quotes(character)};
        for (const std::string& key : *keys) {
            auto tapped = tap(key);
            if (!tapped)
                return Error{tapped.error().kind, "typing " + in_quotes(character) + ": " + tapped.error().message};
        }
    }
    return {};
}

Result<void> ScriptRunner::wait(int64_t ms)
{
    FEEDBACK_TRY(ensure_started());
    return advance(ms);
}

Result<void> ScriptRunner::advance(int64_t ms)
{
    if (m_shell.clock_kind() == ClockKind::real) {
        // Real time: sleep, drawing when the screen's timers fall due.
        const int64_t end = m_shell.now_ms() + ms;
        while (m_shell.now_ms() < end) {
            int64_t due = end;
            if (m_shell.frames_requested() > 0)
                due = std::min(due, m_shell.now_ms() + animation_step_ms);
            if (const auto wakeup = m_shell.next_wakeup_ms(); wakeup && *wakeup < due)
                due = *wakeup;
            if (due > m_shell.now_ms())
                SDL_Delay(static_cast<Uint32>(due - m_shell.now_ms()));
            FEEDBACK_TRY(frame());
        }
        return {};
    }
    // Simulated time: jump from one due frame to the next.
    const int64_t end = m_shell.now_ms() + ms;
    for (int drawn = 0;; ++drawn) {
        if (drawn == max_frames_per_wait)
            return Error{ErrorKind::internal, "wait_ms: the screen asked for " + std::to_string(drawn) +
                                                  " frames without letting time pass (a timer set in the past?)"};
        const int64_t now = m_shell.now_ms();
        int64_t due = end;
        if (m_shell.frames_requested() > 0)
            due = std::min(due, now + animation_step_ms);
        if (const auto wakeup = m_shell.next_wakeup_ms(); wakeup && *wakeup < due)
            due = std::max(*wakeup, now);
        m_shell.advance_clock(due - now);
        FEEDBACK_TRY(frame());
        if (due >= end)
            return {};
    }
}

Result<void> ScriptRunner::screenshot(std::string_view name)
{
    FEEDBACK_TRY(ensure_started());
    const auto path = m_options.screenshots_dir / (file_safe(name) + ".png");
    FEEDBACK_TRY(m_shell.capture_frame(m_draw, path));
    m_report.screenshots.push_back(path);
    return {};
}

Result<void> ScriptRunner::auto_screenshot()
{
    char number[16];
    std::snprintf(number, sizeof number, "%03d", m_report.steps_run);
    const auto path = m_options.screenshots_dir / (std::string(number) + "-" + file_safe(screen()) + ".png");
    FEEDBACK_TRY(m_shell.capture_frame(m_draw, path));
    m_report.screenshots.push_back(path);
    return {};
}

Result<void> ScriptRunner::expect_target(std::string_view target)
{
    ScriptStep step;
    step.kind = StepKind::expect_target;
    step.argument = std::string(target);
    return expect_target(step);
}

Result<void> ScriptRunner::expect_target(const ScriptStep& step)
{
    FEEDBACK_TRY(ensure_started());
    const Target* found = m_shell.targets().find(step.argument);
    if (found == nullptr)
        return missing("expect_target", step.argument);
    const std::string prefix = "expect_target " + in_quotes(step.argument) + ": ";
    if (step.value && found->value != *step.value)
        return Error{ErrorKind::invalid_input, prefix + "value is " + in_quotes(found->value) + ", expected " +
                                                   in_quotes(*step.value)};
    if (step.value_not && found->value == *step.value_not)
        return Error{ErrorKind::invalid_input, prefix + "value is still " + in_quotes(found->value)};
    if (step.selected && found->selected != *step.selected)
        return Error{ErrorKind::invalid_input,
                     prefix + (found->selected ? "is selected, expected not selected" : "is not selected, expected selected")};
    if (step.enabled && found->enabled != *step.enabled)
        return Error{ErrorKind::invalid_input,
                     prefix + (found->enabled ? "is enabled, expected disabled" : "is disabled, expected enabled")};
    return {};
}

Result<void> ScriptRunner::expect_no_target(std::string_view target)
{
    FEEDBACK_TRY(ensure_started());
    if (m_shell.targets().find(target) != nullptr)
        return Error{ErrorKind::invalid_input,
                     "expect_no_target " + in_quotes(target) + ": it is on screen " + in_quotes(screen())};
    return {};
}

} // namespace feedback::ui
