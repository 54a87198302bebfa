// Tests of the kiosk's UI infrastructure: keyboard logic and script parsing
// without a window, and the widget gallery driven headless by scripts that
// tap and type by target name.
//
// Headless: SDL's offscreen driver and software renderer, at 1280x800 and
// portrait 1080x1920; screenshots are written under the build folder
// (screenshots/) for a person to look at.
#include "ui/app_shell.h"
#include "ui/drag_scroll.h"
#include "ui/gallery.h"
#include "ui/onscreen_keyboard.h"
#include "ui/screenshot.h"
#include "ui/script.h"
#include "ui/widgets.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

using namespace feedback;
using namespace feedback::ui;

namespace {

// [SECTION] Helpers

std::filesystem::path screenshot_dir(const std::string& name)
{
    return std::filesystem::path(FEEDBACK_UI_SCREENSHOT_DIR) / name;
}

std::unique_ptr<AppShell> headless_shell(int width, int height, ClockKind clock = ClockKind::simulated)
{
    // Tests never need a display: SDL's offscreen driver, set before SDL_Init.
    ::setenv("SDL_VIDEODRIVER", "offscreen", 1);
    ShellOptions options;
    options.display = DisplayMode::headless;
    options.width = width;
    options.height = height;
    options.clock = clock;
    auto shell = AppShell::create(options);
    if (!shell)
        FAIL("the shell did not start: " << shell.error().message);
    return std::move(shell.value());
}

std::vector<ScriptStep> parse_ok(const std::string& text)
{
    auto steps = parse_script(text, "test.jsonl");
    if (!steps)
        FAIL(steps.error().message);
    return steps.value();
}

void require_ok(const Result<void>& result)
{
    if (!result)
        FAIL(result.error().message);
}

std::string typed_with(OnscreenKeyboard& keyboard, std::initializer_list<const char*> keys)
{
    TextEditor editor;
    for (const char* key : keys)
        keyboard.press(key, editor);
    return editor.text();
}

} // namespace

// [SECTION] Editing logic, no window

TEST_CASE("every text colour against what it is drawn on is at least 4.5:1, in both looks", "[ui][theme]")
{
    // WCAG 2.1 success criterion 1.4.3; disabled controls are exempt there.
    CHECK(ui::contrast_ratio(ui::rgb(0x000000), ui::rgb(0xFFFFFF)) == Approx(21.0));
    CHECK(ui::contrast_ratio(ui::rgb(0x777777), ui::rgb(0xFFFFFF)) == Approx(4.48).epsilon(0.01));
    for (const auto& [look, palette, minimum] :
         {std::tuple{"standard", ui::Palette{}, 4.5}, std::tuple{"high contrast", ui::high_contrast_palette(), 7.0}}) {
        for (const ui::TextOnFill& pair : ui::text_on_fills(palette)) {
            INFO(look << ": " << pair.what << " is " << ui::contrast_ratio(pair.text, pair.fill) << ":1");
            CHECK(ui::contrast_ratio(pair.text, pair.fill) >= minimum);
        }
    }
}

TEST_CASE("large text makes the text a quarter larger and the touch targets grow along", "[ui][theme]")
{
    const ui::Metrics standard = ui::metrics_for(ImVec2(1280, 800));
    const ui::Metrics large = ui::metrics_for(ImVec2(1280, 800), ui::large_text_scale);
    CHECK(large.body_px == Approx(standard.body_px * 1.25f).margin(1.0f));
    CHECK(large.title_px == Approx(standard.title_px * 1.25f).margin(1.0f));
    CHECK(large.button_height > standard.button_height);
    CHECK(large.margin == standard.margin);
}

TEST_CASE("backspace removes one whole UTF-8 code point", "[ui][keyboard]")
{
    TextEditor editor;
    REQUIRE(editor.insert("Zoë") == EditResult::changed);
    REQUIRE(editor.text().size() == 4); // ë is two bytes
    REQUIRE(editor.backspace() == EditResult::changed);
    REQUIRE(editor.text() == "Zo");

    editor.set_text("5 €"); // € is three bytes
    REQUIRE(editor.backspace() == EditResult::changed);
    REQUIRE(editor.text() == "5 ");

    editor.set_text("ok \xF0\x9F\x98\x80"); // a four-byte emoji
    REQUIRE(editor.backspace() == EditResult::changed);
    REQUIRE(editor.text() == "ok ");

    editor.clear();
    REQUIRE(editor.backspace() == EditResult::unchanged);
    REQUIRE(editor.text().empty());
}

TEST_CASE("the maximum length counts code points, not bytes", "[ui][keyboard]")
{
    TextEditor editor(3);
    REQUIRE(editor.insert("ë") == EditResult::changed);
    REQUIRE(editor.insert("é") == EditResult::changed);
    REQUIRE(editor.insert("è") == EditResult::changed);
    REQUIRE(editor.code_points() == 3);
    REQUIRE(editor.text().size() == 6);
    REQUIRE(editor.insert("a") == EditResult::refused_full);
    REQUIRE(editor.text() == "ëéè");

    TextEditor email(6);
    REQUIRE(email.insert("ab") == EditResult::changed);
    REQUIRE(email.insert(".com") == EditResult::changed);
    REQUIRE(email.insert(".nl") == EditResult::refused_full); // all or nothing
    REQUIRE(email.text() == "ab.com");

    TextEditor cut(3);
    cut.set_text("Zoëtje");
    REQUIRE(cut.text() == "Zoë");
    REQUIRE(count_code_points("Zoë café €") == 10);
}

TEST_CASE("shift makes the next letter a capital, then lets go", "[ui][keyboard]")
{
    OnscreenKeyboard keyboard(KeyboardLayout::text);
    TextEditor editor;
    REQUIRE(keyboard.find_key("key.a")->label == "a");
    keyboard.press("key.shift", editor);
    REQUIRE(keyboard.shift());
    REQUIRE(keyboard.find_key("key.a")->label == "A");
    REQUIRE(keyboard.press("key.z", editor) == KeyOutcome::edited);
    REQUIRE_FALSE(keyboard.shift());
    keyboard.press("key.o", editor);
    REQUIRE(editor.text() == "Zo");

    // Shift twice is off again.
    keyboard.press("key.shift", editor);
    keyboard.press("key.shift", editor);
    keyboard.press("key.e", editor);
    REQUIRE(editor.text() == "Zoe");

    // Shift holds on the accents layer; an accent returns to the letters.
    keyboard.press("key.shift", editor);
    keyboard.press("key.accents", editor);
    REQUIRE(keyboard.find_key("key.ë")->label == "Ë");
    keyboard.press("key.ë", editor);
    REQUIRE(editor.text() == "ZoeË");
    REQUIRE(keyboard.layer() == KeyboardLayer::letters);
    REQUIRE_FALSE(keyboard.shift());

    // The symbols layer has no capitals; going there lets shift go.
    keyboard.press("key.shift", editor);
    keyboard.press("key.123", editor);
    REQUIRE_FALSE(keyboard.shift());
    REQUIRE(keyboard.press("key.€", editor) == KeyOutcome::edited);
    REQUIRE(keyboard.press("key.backspace", editor) == KeyOutcome::edited);
    REQUIRE(editor.text() == "ZoeË");
    REQUIRE(keyboard.press("key.done", editor) == KeyOutcome::done);
    REQUIRE(keyboard.press("key.q", editor) == KeyOutcome::none); // not on this layer
}

TEST_CASE("every layout has its keys", "[ui][keyboard]")
{
    OnscreenKeyboard text(KeyboardLayout::text);
    REQUIRE(typed_with(text, {"key.shift", "key.z", "key.o", "key.accents", "key.ë", "key.space", "key.123",
                              "key.@"}) == "Zoë @");

    OnscreenKeyboard email(KeyboardLayout::email);
    REQUIRE(typed_with(email, {"key.z", "key.o", "key.@", "key.x", "key..nl"}) == "zo@x.nl");
    REQUIRE(email.find_key("key..com"));
    REQUIRE(email.find_key("key._"));
    REQUIRE_FALSE(email.find_key("key.shift"));

    OnscreenKeyboard phone(KeyboardLayout::phone);
    REQUIRE(typed_with(phone, {"key.+", "key.3", "key.1", "key.space", "key.6", "key.backspace"}) == "+31 ");

    OnscreenKeyboard pin(KeyboardLayout::pin);
    REQUIRE(typed_with(pin, {"key.1", "key.2", "key.0"}) == "120");
    REQUIRE_FALSE(pin.find_key("key.+"));
    REQUIRE_FALSE(pin.find_key("key.space"));
}

TEST_CASE("the keyboard plans the keys that type a character", "[ui][keyboard]")
{
    using Keys = std::vector<std::string>;
    OnscreenKeyboard text(KeyboardLayout::text);
    REQUIRE(text.keys_to_type(U'a') == Keys{"key.a"});
    REQUIRE(text.keys_to_type(U'Z') == Keys{"key.shift", "key.z"});
    REQUIRE(text.keys_to_type(U'ë') == Keys{"key.accents", "key.ë"});
    REQUIRE(text.keys_to_type(U'Ë').value().size() == 3);
    REQUIRE(text.keys_to_type(U'@') == Keys{"key.123", "key.@"});
    REQUIRE(text.keys_to_type(U'€') == Keys{"key.123", "key.€"});
    REQUIRE(text.keys_to_type(U' ') == Keys{"key.space"});
    REQUIRE_FALSE(text.keys_to_type(U'\x4E2D')); // not on a Dutch keyboard

    OnscreenKeyboard email(KeyboardLayout::email);
    REQUIRE(email.keys_to_type(U'@') == Keys{"key.@"});
    REQUIRE_FALSE(email.keys_to_type(U'Z'));
    OnscreenKeyboard pin(KeyboardLayout::pin);
    REQUIRE_FALSE(pin.keys_to_type(U'+'));

    text.set_shift(true);
    const auto restored = OnscreenKeyboard::from_state(text.state());
    REQUIRE(restored);
    REQUIRE(restored->state() == "text/letters/shift");
    REQUIRE_FALSE(OnscreenKeyboard::from_state("qwerty/letters/-"));
}

// [SECTION] Drag scrolling, no window

TEST_CASE("a drag moves the content with the finger, clamped at both ends", "[ui][drag_scroll]")
{
    DragScroll scroll;
    scroll.set_extent(1000.0f, 400.0f);
    REQUIRE(scroll.max_offset() == 600.0f);
    scroll.press(500.0f, 0);
    REQUIRE(scroll.dragging());
    scroll.move(400.0f, 16); // the finger up 100 px: the content up 100 px
    REQUIRE(scroll.offset() == 100.0f);
    scroll.move(450.0f, 32);
    REQUIRE(scroll.offset() == 50.0f);
    REQUIRE(scroll.drag_distance() == 150.0f);
    scroll.move(-1000.0f, 48); // far past the bottom
    REQUIRE(scroll.offset() == 600.0f);
    scroll.move(2000.0f, 64); // far past the top
    REQUIRE(scroll.offset() == 0.0f);
    scroll.release(64);
    REQUIRE_FALSE(scroll.dragging());

    // Content that shrank (or fits) pulls the offset back.
    scroll.scroll_to(500.0f);
    REQUIRE(scroll.offset() == 500.0f);
    scroll.set_extent(700.0f, 400.0f);
    REQUIRE(scroll.offset() == 300.0f);
    scroll.set_extent(300.0f, 400.0f);
    REQUIRE(scroll.max_offset() == 0.0f);
    REQUIRE(scroll.offset() == 0.0f);
}

TEST_CASE("a throw glides on with the speed of the last movement, slowing down", "[ui][drag_scroll]")
{
    DragScroll scroll;
    scroll.set_extent(100000.0f, 400.0f);
    scroll.press(500.0f, 0);
    scroll.move(480.0f, 16);  // slow: 1.25 px/ms
    scroll.move(420.0f, 32);  // the last movement: 60 px in 16 ms
    scroll.release(32);
    REQUIRE(scroll.gliding());
    REQUIRE(scroll.velocity() == Approx(3.75));
    REQUIRE(scroll.offset() == 80.0f);

    // One frame later: moved on by a bit less than the full speed would carry it.
    REQUIRE(scroll.step(48));
    REQUIRE(scroll.offset() > 80.0f + 3.75f * 16.0f * 0.95f);
    REQUIRE(scroll.offset() < 80.0f + 3.75f * 16.0f);
    REQUIRE(scroll.velocity() == Approx(3.75 * std::pow(DragScroll::decay_per_ms, 16.0)));

    // Frame by frame until it stops: the distance is the decay's integral,
    // v0 / -ln(k), less the bit under the stop speed.
    int64_t now = 48;
    while (scroll.step(now += 16))
        REQUIRE(now < 10000);
    REQUIRE_FALSE(scroll.gliding());
    const double glide = 3.75 / -std::log(DragScroll::decay_per_ms);
    const double tail = DragScroll::stop_speed / -std::log(DragScroll::decay_per_ms);
    REQUIRE(scroll.offset() == Approx(80.0 + glide).margin(tail + 1.0));
    REQUIRE(now == Approx(32.0 + std::log(DragScroll::stop_speed / 3.75) / std::log(DragScroll::decay_per_ms))
                       .margin(16.0));
    const float stopped = scroll.offset();
    REQUIRE_FALSE(scroll.step(now + 1000)); // and stays put
    REQUIRE(scroll.offset() == stopped);
}

TEST_CASE("a glide stops at an end, for a finger, and after a finger rested", "[ui][drag_scroll]")
{
    DragScroll scroll;
    scroll.set_extent(700.0f, 400.0f); // 300 px to scroll
    scroll.press(500.0f, 0);
    scroll.move(400.0f, 16);
    scroll.release(16);
    REQUIRE(scroll.gliding());
    int64_t now = 16;
    while (scroll.step(now += 16)) {
    }
    REQUIRE(scroll.offset() == 300.0f); // clamped at the bottom, not past it
    REQUIRE(now < 1000);                // and stopped there, not gliding against the end

    // A finger on gliding content catches it.
    scroll.scroll_to(0.0f);
    scroll.press(500.0f, 2000);
    scroll.move(450.0f, 2016);
    scroll.release(2016);
    REQUIRE(scroll.gliding());
    scroll.press(300.0f, 2032);
    REQUIRE_FALSE(scroll.gliding());
    REQUIRE_FALSE(scroll.step(2048));

    // A finger that rested before lifting throws nothing.
    scroll.move(250.0f, 2048);
    scroll.release(2048 + DragScroll::rest_ms);
    REQUIRE_FALSE(scroll.gliding());

    // One jittery movement does not fling the content away.
    scroll.press(500.0f, 3000);
    scroll.move(100.0f, 3001);
    REQUIRE(scroll.velocity() == DragScroll::max_speed);
}

// [SECTION] Script parsing

TEST_CASE("scripts are JSON lines with one step each", "[ui][script]")
{
    const auto steps = parse_ok("# a comment\n"
                                "{\"tap\":\"score.9\"}\n"
                                "\n"
                                "// another comment\n"
                                "{\"type\":\"Zoë\"}\n"
                                "{\"wait_ms\":1500}\n"
                                "{\"screenshot\":\"after\"}\n"
                                "{\"expect_target\":\"chip.price\",\"selected\":true,\"value\":\"Prijs\"}\n"
                                "{\"expect_no_target\":\"gallery.saved\"}\n");
    REQUIRE(steps.size() == 6);
    REQUIRE(steps[0].kind == StepKind::tap);
    REQUIRE(steps[0].argument == "score.9");
    REQUIRE(steps[0].where == "test.jsonl:2");
    REQUIRE(steps[1].argument == "Zoë");
    REQUIRE(steps[2].wait_ms == 1500);
    REQUIRE(steps[4].selected == true);
    REQUIRE(steps[4].value == "Prijs");
    REQUIRE(steps[5].kind == StepKind::expect_no_target);

    auto bad = [](const std::string& text) {
        auto parsed = parse_script(text, "bad.jsonl");
        REQUIRE_FALSE(parsed);
        return parsed.error().message;
    };
    REQUIRE_THAT(bad("{\"tap\":\"a\"}\n{\"tap\":"), Catch::StartsWith("bad.jsonl:2: not a JSON object"));
    REQUIRE_THAT(bad("{\"press\":\"a\"}"), Catch::Contains("unknown key \"press\""));
    REQUIRE_THAT(bad("{\"tap\":\"a\",\"type\":\"b\"}"), Catch::Contains("exactly one"));
    REQUIRE_THAT(bad("{\"wait_ms\":-5}"), Catch::Contains("wait_ms"));
    REQUIRE_THAT(bad("{\"tap\":\"\"}"), Catch::Contains("non-empty string"));
    REQUIRE_THAT(bad("{\"tap\":\"a\",\"selected\":true}"), Catch::Contains("belong to expect_target"));

    const auto hold = parse_ok("{\"hold\":\"staff.corner\",\"ms\":3200}");
    REQUIRE(hold.size() == 1);
    REQUIRE(hold[0].kind == StepKind::hold);
    REQUIRE(hold[0].argument == "staff.corner");
    REQUIRE(hold[0].wait_ms == 3200);
    REQUIRE_THAT(bad("{\"hold\":\"a\"}"), Catch::Contains("\"hold\" needs \"ms\""));
    REQUIRE_THAT(bad("{\"tap\":\"a\",\"ms\":5}"), Catch::Contains("\"ms\" belongs to hold"));
    REQUIRE_THAT(bad("{\"hold\":\"a\",\"ms\":-1}"), Catch::Contains("\"ms\" needs"));

    const auto drag = parse_ok("{\"drag\":\"list\",\"dy\":-300,\"ms\":200}\n"
                               "{\"expect_target\":\"list\",\"value_not\":\"0\"}");
    REQUIRE(drag.size() == 2);
    REQUIRE(drag[0].kind == StepKind::drag);
    REQUIRE(drag[0].drag_dy == -300.0f);
    REQUIRE(drag[0].wait_ms == 200);
    REQUIRE(drag[1].value_not == "0");
    REQUIRE_THAT(bad("{\"drag\":\"a\",\"ms\":200}"), Catch::Contains("\"drag\" needs \"dy\""));
    REQUIRE_THAT(bad("{\"tap\":\"a\",\"dy\":5}"), Catch::Contains("\"dy\" belongs to drag"));
    REQUIRE_THAT(bad("{\"tap\":\"a\",\"value_not\":\"0\"}"), Catch::Contains("belong to expect_target"));
}

TEST_CASE("a dragged region scrolls, glides with frames coming, then lets the shell sleep", "[ui][headless][script]")
{
    auto shell = headless_shell(640, 400);
    DragScroll scroll;
    const DrawFn draw = [&](FrameContext& ctx) {
        scroll_region(ctx, scroll, "list", 300.0f, [&] {
            for (int i = 0; i < 40; ++i)
                text(ctx, "line." + std::to_string(i), "Line " + std::to_string(i));
        });
        text(ctx, "below", "under the region");
    };
    ScriptRunner runner(*shell, draw);
    require_ok(runner.run(parse_ok("{\"expect_target\":\"list\",\"value\":\"0\"}\n"
                                   "{\"drag\":\"list\",\"dy\":-120,\"ms\":160}")));
    REQUIRE(scroll.max_offset() > 500.0f); // 40 lines in 300 px
    const float after_drag = scroll.offset();
    REQUIRE(after_drag == Approx(120.0f).margin(1.0f));
    // Thrown at 12 px per 16 ms: it glides on, and the screen asks for frames.
    REQUIRE(scroll.gliding());
    REQUIRE(shell->next_wakeup_ms());
    require_ok(runner.wait(100));
    REQUIRE(scroll.offset() > after_drag);
    require_ok(runner.wait(3000));
    REQUIRE_FALSE(scroll.gliding());
    REQUIRE_FALSE(shell->next_wakeup_ms()); // nothing due: the loop would sleep
    require_ok(runner.expect_target(parse_ok("{\"expect_target\":\"list\",\"value_not\":\"0\"}")[0]));
    // The region keeps its place on screen: what follows it does not move.
    REQUIRE(shell->targets().find("below")->rect.y ==
            Approx(shell->targets().find("list")->rect.y + 300.0f).margin(1.0f));
}

TEST_CASE("a hold keeps a target pressed while the simulated clock moves on", "[ui][headless][script]")
{
    auto shell = headless_shell(640, 400);
    // A press held for a second completes something, as the staff corner does;
    // the screen asks to be drawn when the second is up.
    std::optional<int64_t> pressed_at;
    bool completed = false;
    int64_t released_at = -1;
    const DrawFn draw = [&](FrameContext& ctx) {
        tap_area(ctx, "hold.me", ImVec2(200.0f, 100.0f));
        if (ImGui::IsItemActivated())
            pressed_at = ctx.now_ms();
        if (ImGui::IsItemDeactivated()) {
            released_at = ctx.now_ms();
            pressed_at.reset();
        }
        if (pressed_at) {
            if (ctx.now_ms() - *pressed_at >= 1000)
                completed = true;
            else
                ctx.wake_at(*pressed_at + 1000);
        }
    };
    ScriptRunner runner(*shell, draw);
    require_ok(runner.run(parse_ok("{\"hold\":\"hold.me\",\"ms\":400}")));
    REQUIRE_FALSE(completed); // too short
    REQUIRE(released_at >= 400);
    const int64_t before = shell->now_ms();
    require_ok(runner.run(parse_ok("{\"hold\":\"hold.me\",\"ms\":1500}")));
    REQUIRE(completed); // seen while still pressed, on the frame the screen asked for
    REQUIRE(released_at - before >= 1500);
    REQUIRE_FALSE(pressed_at);

    auto missing = runner.hold("no.such.target", 100);
    REQUIRE_FALSE(missing);
    REQUIRE_THAT(missing.error().message, Catch::StartsWith("hold \"no.such.target\": no such target"));
}

// [SECTION] The gallery, headless

TEST_CASE("a script drives the gallery by target name", "[ui][headless]")
{
    const auto [width, height] = GENERATE(std::pair{1280, 800}, std::pair{1080, 1920});
    const std::string size = std::to_string(width) + "x" + std::to_string(height);
    INFO("display " << size);
    auto shell = headless_shell(width, height);
    REQUIRE(shell->renderer_name() == "software");
    Gallery gallery;
    const auto dir = screenshot_dir("gallery-" + size);
    std::filesystem::remove_all(dir);

    ScriptOptions options;
    options.screenshots_dir = dir;
    options.screenshot_every_step = true;
    options.screen_name = [&] { return gallery.screen_name(); };
    ScriptRunner runner(*shell, [&](FrameContext& ctx) { gallery.draw(ctx); }, options);

    const auto steps = parse_ok(R"({"tap":"score.9"}
{"expect_target":"score.9","selected":true}
{"tap":"chip.waiting_time"}
{"tap":"chip.price"}
{"tap":"chip.waiting_time"}
{"tap":"gallery.consent"}
{"tap":"complaint.UTR-2A-4F9UP"}
{"expect_target":"gallery.reference","value":"UTR-2A-4F9TN"}
{"expect_target":"gallery.disabled","enabled":false}
{"tap":"gallery.primary"}
{"expect_target":"gallery.saved"}
{"screenshot":"widgets"}
{"wait_ms":1000}
{"expect_target":"gallery.saved"}
{"wait_ms":600}
{"expect_no_target":"gallery.saved"}
{"tap":"gallery.page.keyboard"}
{"expect_target":"keyboard","value":"text/letters/shift"}
{"type":"Zoë café @ 5"}
{"expect_target":"gallery.field","value":"Zoë café @ 5"}
{"screenshot":"keyboard"}
{"tap":"key.done"}
)");
    require_ok(runner.run(steps));

    const GalleryState& state = gallery.state();
    REQUIRE(state.score == 9);
    REQUIRE(state.chips == std::set<std::string>{"chip.price"}); // waiting_time tapped twice
    REQUIRE(state.consent);
    REQUIRE(state.opened_row == "complaint.UTR-2A-4F9UP");
    REQUIRE(state.primary_taps == 1);
    REQUIRE(state.secondary_taps == 0);
    REQUIRE(state.editor.text() == "Zoë café @ 5");
    REQUIRE(state.submitted == "Zoë café @ 5");
    REQUIRE(shell->targets().duplicate_names().empty());

    // Screenshots: every step plus the two named ones, all valid PNGs of the display's size.
    REQUIRE(runner.report().screenshots.size() == steps.size() + 2);
    REQUIRE(std::filesystem::exists(dir / "widgets.png"));
    REQUIRE(std::filesystem::exists(dir / "001-gallery-widgets.png"));
    REQUIRE(std::filesystem::exists(dir / "022-gallery-keyboard.png"));
    for (const auto& png : runner.report().screenshots) {
        auto png_size = read_png_size(png);
        REQUIRE(png_size);
        REQUIRE(png_size->width == width);
        REQUIRE(png_size->height == height);
        REQUIRE(std::filesystem::file_size(png) > 10000); // not an empty picture
    }
}

TEST_CASE("every keyboard layout types through its keys", "[ui][headless]")
{
    auto shell = headless_shell(1280, 800);
    Gallery gallery;
    gallery.state().page = GalleryState::Page::keyboard;
    ScriptOptions options;
    options.screenshots_dir = screenshot_dir("keyboards-1280x800");
    options.screen_name = [&] { return gallery.screen_name(); };
    ScriptRunner runner(*shell, [&](FrameContext& ctx) { gallery.draw(ctx); }, options);

    require_ok(runner.type("Ëlla's 2e (ça va?) €5"));
    REQUIRE(gallery.state().editor.text() == "Ëlla's 2e (ça va?) €5");

    require_ok(runner.tap("gallery.layout.email"));
    require_ok(runner.type("zoe.de-vries_1@example.com"));
    require_ok(runner.screenshot("email"));
    REQUIRE(gallery.state().editor.text() == "zoe.de-vries_1@example.com");
    auto capital = runner.type("Z");
    REQUIRE_FALSE(capital);
    REQUIRE_THAT(capital.error().message, Catch::Contains("has no key for \"Z\""));

    require_ok(runner.tap("gallery.layout.phone"));
    require_ok(runner.type("+31 6 12"));
    require_ok(runner.tap("key.backspace"));
    REQUIRE(gallery.state().editor.text() == "+31 6 1");

    require_ok(runner.tap("gallery.layout.pin"));
    require_ok(runner.type("123456"));
    require_ok(runner.tap("key.7")); // a seventh digit does not fit
    REQUIRE(gallery.state().editor.text() == "123456");
    REQUIRE(gallery.state().refused);
    require_ok(runner.expect_target("gallery.field"));
    REQUIRE(shell->targets().find("gallery.field")->value == "\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2"
                                                            "\xE2\x80\xA2\xE2\x80\xA2"); // masked
    require_ok(runner.screenshot("pin"));
}

TEST_CASE("a step naming a missing target fails with what is on screen", "[ui][headless]")
{
    auto shell = headless_shell(1280, 800);
    Gallery gallery;
    ScriptOptions options;
    options.screen_name = [&] { return gallery.screen_name(); };
    ScriptRunner runner(*shell, [&](FrameContext& ctx) { gallery.draw(ctx); }, options);

    const auto steps = parse_ok("{\"tap\":\"score.7\"}\n{\"tap\":\"complaint.thanks.title\"}\n{\"tap\":\"score.8\"}\n");
    auto ran = runner.run(steps);
    REQUIRE_FALSE(ran);
    const std::string& message = ran.error().message;
    REQUIRE_THAT(message, Catch::StartsWith("test.jsonl:2: tap \"complaint.thanks.title\": no such target"));
    REQUIRE_THAT(message, Catch::Contains("\"gallery-widgets\""));
    REQUIRE_THAT(message, Catch::Contains("score.10"));
    REQUIRE_THAT(message, Catch::Contains("gallery.disabled (disabled)"));
    REQUIRE(runner.report().steps_run == 1);
    REQUIRE(gallery.state().score == 7); // the run stopped before score.8

    auto disabled = runner.tap("gallery.disabled");
    REQUIRE_FALSE(disabled);
    REQUIRE_THAT(disabled.error().message, Catch::Contains("disabled"));
    auto text_only = runner.tap("gallery.question");
    REQUIRE_FALSE(text_only);
    REQUIRE_THAT(text_only.error().message, Catch::Contains("not something to tap"));
    auto no_keyboard = runner.type("a");
    REQUIRE_FALSE(no_keyboard);
    REQUIRE_THAT(no_keyboard.error().message, Catch::Contains("keyboard is not on screen"));
    require_ok(runner.expect_target("score.9"));
    auto wrong = runner.run(parse_ok("{\"expect_target\":\"score.7\",\"selected\":false}"));
    REQUIRE_FALSE(wrong);
    REQUIRE_THAT(wrong.error().message, Catch::Contains("is selected, expected not selected"));
}

TEST_CASE("every tappable target lies on the screen", "[ui][headless]")
{
    const auto [width, height] = GENERATE(std::pair{1280, 800}, std::pair{1920, 1080}, std::pair{1080, 1920});
    INFO("display " << width << "x" << height);
    auto shell = headless_shell(width, height);
    Gallery gallery;
    for (const auto page : {GalleryState::Page::widgets, GalleryState::Page::keyboard}) {
        gallery.state().page = page;
        for (int i = 0; i < 2; ++i)
            REQUIRE(shell->render_frame([&](FrameContext& ctx) { gallery.draw(ctx); }));
        const auto& targets = shell->targets().all();
        REQUIRE(targets.size() > 10);
        REQUIRE(shell->targets().duplicate_names().empty());
        for (const Target& target : targets) {
            INFO(target.name);
            REQUIRE(target.rect.x >= 0.0f);
            REQUIRE(target.rect.y >= 0.0f);
            REQUIRE(target.rect.x + target.rect.width <= static_cast<float>(width) + 0.5f);
            REQUIRE(target.rect.y + target.rect.height <= static_cast<float>(height) + 0.5f);
            if (target.kind == TargetKind::tappable) // at least ~7 mm on a 10" 1280x800 panel
                REQUIRE(std::min(target.rect.width, target.rect.height) >= 44.0f);
        }
    }
}

// [SECTION] The frame loop

TEST_CASE("the frame loop draws only when something is due", "[ui][headless]")
{
    auto shell = headless_shell(640, 400, ClockKind::real);
    int frames = 0;
    int64_t started = -1;
    // A screen with a 100 ms timer, for 500 ms: about 6 frames, not 30 (a 60 Hz loop).
    require_ok(shell->run([&](FrameContext& ctx) {
        ++frames;
        if (started < 0)
            started = ctx.now_ms();
        if (ctx.now_ms() - started >= 500)
            ctx.request_quit();
        else
            ctx.wake_in(100);
        text(ctx, "loop.text", "tick");
    }));
    INFO("frames drawn: " << frames);
    REQUIRE(frames >= 3); // fewer only when frames are slow (a loaded machine)
    REQUIRE(frames <= 9);

    // Nothing due: the loop sleeps until another thread wakes it.
    auto idle = headless_shell(640, 400, ClockKind::real);
    std::atomic<int> idle_frames{0};
    std::thread waker([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        idle->wake();
    });
    const auto before = std::chrono::steady_clock::now();
    require_ok(idle->run([&](FrameContext& ctx) {
        if (++idle_frames == 2)
            ctx.request_quit();
    }));
    waker.join();
    REQUIRE(idle_frames == 2);
    REQUIRE(std::chrono::steady_clock::now() - before >= std::chrono::milliseconds(250));

    // A screen that throws ends run() with an error, not an exception.
    auto failing = headless_shell(640, 400, ClockKind::real);
    auto ran = failing->run([](FrameContext& ctx) {
        big_button(ctx, "x", "x");
        ImGui::BeginChild("left open");
        throw std::runtime_error("flow state missing");
    });
    REQUIRE_FALSE(ran);
    REQUIRE_THAT(ran.error().message, Catch::Contains("flow state missing"));
    REQUIRE(failing->render_frame([](FrameContext& ctx) { big_button(ctx, "ok", "OK"); }));
    REQUIRE(failing->targets().find("ok"));
}

TEST_CASE("frame time of the gallery in the software renderer", "[ui][headless][bench]")
{
    auto shell = headless_shell(1280, 800);
    Gallery gallery;
    std::vector<double> totals;
    std::vector<double> rasters;
    for (const auto page : {GalleryState::Page::widgets, GalleryState::Page::keyboard}) {
        gallery.state().page = page;
        for (int i = 0; i < 43; ++i) {
            auto timing = shell->render_frame([&](FrameContext& ctx) { gallery.draw(ctx); });
            REQUIRE(timing);
            if (i >= 3) {
                totals.push_back(timing->total_ms);
                rasters.push_back(timing->raster_ms);
            }
        }
    }
    const auto total = summarize(totals);
    const auto raster = summarize(rasters);
    std::cout << "gallery 1280x800, software renderer (this build's flags): frame median " << total.median_ms
              << " ms, p95 " << total.p95_ms << " ms; rasterising median " << raster.median_ms
              << " ms; startup to first frame " << shell->stats().startup_ms << " ms, font atlas "
              << shell->stats().fonts_ms << " ms\n";
    REQUIRE(total.frames == 80);
    REQUIRE(total.median_ms < 100.0); // a sanity bound, even under sanitizers
}
