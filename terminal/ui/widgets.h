// Touch widgets for the kiosk's screens: big buttons, the 0-10 score row,
// toggle chips, a read-only text field, a consent toggle, the reference code
// and list rows.
//
// Every tappable widget registers itself in the frame's TargetRegistry under
// a name (the translation key of its label, or an id such as "score.7"), so
// scripts and tests tap by name, never by pixel.
//
// Conventions: widgets flow top to bottom from ImGui's cursor and take the
// whole available width unless told otherwise; labels arrive translated
// (plain UTF-8 std::string_view); a widget returns true in the frame in which
// it was tapped (a press and a release inside it) and keeps no state: the
// screen owns "selected", "checked" and the text. Shapes are flat (rounding
// from Metrics, normally 0) because rounded shapes are slow in software.
#pragma once

#include "ui/app_shell.h"
#include "ui/drag_scroll.h"

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace feedback::ui {

// [SECTION] Layout helpers

// Width of one of `count` equal widgets side by side, with gaps between.
float share_width(const FrameContext& ctx, int count);
// The next widget goes to the right of the previous one, one gap away.
void same_line(const FrameContext& ctx);
// Vertical space of `gaps` gaps.
void spacer(const FrameContext& ctx, float gaps = 1.0f);
// A region of `size` (0 = the rest) at the cursor, for columns: widgets
// inside take its width. No background, no scrollbars. Always pair with
// end_panel().
void begin_panel(std::string_view id, ImVec2 size);
void end_panel();

// [SECTION] Text (registered as display targets, so scripts can expect them)

enum class TextAlign { left, center };

struct TextOptions {
    FontRole font = FontRole::body;
    TextAlign align = TextAlign::left;
    bool muted = false;
    float width = 0.0f; // wrap width; 0 = all available
};

// Wrapped text; its target's value is the text.
void text(FrameContext& ctx, std::string_view target, std::string_view text, const TextOptions& options = {});
// A screen title (the title font).
void title(FrameContext& ctx, std::string_view target, std::string_view text, TextAlign align = TextAlign::left);

// [SECTION] Big button

enum class ButtonStyle {
    primary,   // the main action: filled with the primary colour
    secondary, // other actions: a quiet grey fill
    outline,   // least weight: an outline on the background
};

struct ButtonOptions {
    ButtonStyle style = ButtonStyle::primary;
    std::optional<ImU32> colour; // fill colour instead of the style's (text turns white)
    bool enabled = true;         // disabled: greyed, not tappable, registered as disabled
    float width = 0.0f;          // 0 = all available width
    float height = 0.0f;         // 0 = Metrics::button_height, taller if the label wraps
};

bool big_button(FrameContext& ctx, std::string_view target, std::string_view label,
                const ButtonOptions& options = {});

// [SECTION] Score row (NPS 0-10)

struct ScoreRowOptions {
    std::optional<int> selected;   // drawn with a ring
    std::string_view low_label;    // under 0, e.g. "Not at all likely"
    std::string_view high_label;   // under 10, e.g. "Extremely likely"
    float height = 0.0f;           // 0 = Metrics::button_height
    bool enabled = true;
};

// Eleven buttons 0..10 in one row, coloured by NPS band (detractor, passive,
// promoter); targets "score.0" .. "score.10". Returns the score tapped.
std::optional<int> score_row(FrameContext& ctx, const ScoreRowOptions& options = {});
// The fill colour of a score's button.
ImU32 score_colour(const Palette& palette, int score);

// [SECTION] Toggle chips

// The width a chip needs for its label (to lay out chips beside other things).
float chip_width(const FrameContext& ctx, std::string_view label);
// One chip at the cursor, as wide as its label (or `width`). Returns true
// when tapped; the screen flips `selected`.
bool toggle_chip(FrameContext& ctx, std::string_view target, std::string_view label, bool selected,
                 float width = 0.0f);

struct Chip {
    std::string target; // "chip.waiting_time"
    std::string label;
    bool selected = false;
};
// Chips left to right, wrapping onto new lines. Returns the index tapped.
std::optional<std::size_t> chip_group(FrameContext& ctx, std::span<const Chip> chips);

// [SECTION] Text field (read-only: the on-screen keyboard edits the text)

struct TextFieldOptions {
    std::string_view label;       // above the box, optional
    std::string_view placeholder; // shown, muted, while the value is empty
    bool masked = false;          // PINs: one dot per character
    bool focused = true;          // shows the caret and a stronger border
    float width = 0.0f;           // 0 = all available width
};

// The value with a caret at its end; a long value scrolls so its end stays
// visible. Tappable (a screen with two fields moves the focus): returns true
// when tapped. The target's value is the text shown (dots when masked).
bool text_field(FrameContext& ctx, std::string_view target, std::string_view value,
                const TextFieldOptions& options = {});

// [SECTION] Consent toggle

// A check box with wrapped text; the whole row is the tap target. Returns
// true when tapped; the screen flips `checked`.
bool consent_toggle(FrameContext& ctx, std::string_view target, std::string_view text, bool checked);

// [SECTION] Reference code

// The complaint's reference in huge letters, spaced for reading aloud, with
// an optional caption above it ("Your reference"). A display target whose
// value is the code.
void reference_code(FrameContext& ctx, std::string_view target, std::string_view code,
                    std::string_view caption = {});

// A QR code of `text` (a link), `side` pixels square with its quiet zone,
// dark modules on white whatever the theme (scanners need the contrast),
// centred in the available width. A display target whose value is `text`.
// Draws nothing when the text does not fit a QR code.
void qr_code(FrameContext& ctx, std::string_view target, std::string_view text, float side);

// [SECTION] List row

struct ListRowOptions {
    std::string_view detail;   // a second, smaller line (category, channel)
    std::string_view trailing; // right-aligned, e.g. the age "2 d"
    bool trailing_alert = false; // trailing text in the alert colour (overdue)
    bool selected = false;
    bool enabled = true;
};

// A full-width row for lists (open complaints). Returns true when tapped.
bool list_row(FrameContext& ctx, std::string_view target, std::string_view title,
              const ListRowOptions& options = {});

// [SECTION] Building blocks for other widgets (the on-screen keyboard)

struct TapResult {
    bool tapped = false;  // pressed and released inside, this frame
    bool pressed = false; // held down now (draw the pressed colour)
    bool visible = false; // not clipped away
};

// Registers text drawn at `min` with `size` as the display target `target`
// (value: what a test compares), unless it is clipped away entirely (a
// scrolled region's content outside its view is not on screen).
void register_display(FrameContext& ctx, std::string_view target, ImVec2 min, ImVec2 size, std::string_view value);

// An invisible tap area of `size` at the cursor, registered as `target`.
// Disabled areas take space and register, but never report a tap.
TapResult tap_area(FrameContext& ctx, std::string_view target, ImVec2 size, bool enabled = true,
                   bool selected = false, std::string_view value = {});

// A region of `height` at the cursor, the available width, whose content
// scrolls by dragging a finger and glides on after a throw (`scroll` keeps
// the offset between frames; the caller owns it). `draw` draws the content
// from the region's top as usual; what falls outside is clipped, so the
// content must have nothing to tap. The region is the tappable target
// `target` (scripts drag it), its value the scroll offset in whole pixels.
// While the content glides it asks for a frame every 16 ms, and for none
// after, so the shell sleeps again.
void scroll_region(FrameContext& ctx, DragScroll& scroll, std::string_view target, float height,
                   const std::function<void()>& draw);

// Text centred in a rectangle, word-wrapped to its width. False when it does
// not fit: a word wider than the rectangle (broken inside) or more lines
// than its height holds (clipped); the widget then reports the overflow
// (report_overflow) so that a UI test fails on it.
bool draw_text_centered(ImDrawList* draw_list, ImFont* font, float size_px, ImVec2 min, ImVec2 max,
                        std::string_view text, ImU32 colour);
// Notes that the label of `target` does not fit its box this frame.
void report_overflow(FrameContext& ctx, std::string_view target, std::string_view text);
// Height of `text` wrapped to `width`.
float wrapped_height(ImFont* font, float size_px, std::string_view text, float width);

} // namespace feedback::ui
