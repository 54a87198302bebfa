// What every kiosk screen shares: the intents a screen returns, the UI-only
// state of the screen on show (focus, keyboard, page), and layout helpers
// (headers with actions, bottom bars, columns, error and notice lines).
#pragma once

#include "config/translations.h"
#include "flows/kiosk_flow.h"
#include "flows/setup_flow.h"
#include "ui/app_shell.h"
#include "ui/drag_scroll.h"
#include "ui/onscreen_keyboard.h"
#include "ui/widgets.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace feedback::screens {

// [SECTION] Intents

// One tap's meaning for the flow; the app sends them in order.
using KioskIntent = std::variant<flows::ShopperIntent, flows::StaffIntent, flows::GestureIntent, flows::SetupIntent>;

// [SECTION] UI-only state

// What the screen on show remembers between frames that is not the flow's
// business: which field has the keyboard, the keyboard's layer and shift, a
// list's page. Reset whenever the flow shows another screen, so nothing
// typed on one screen (or by one shopper) shows up on the next.
struct ScreenUi {
    flows::Screen screen = flows::Screen::shopper_start;
    std::optional<flows::Field> focus; // the field the keyboard types into
    ui::OnscreenKeyboard keyboard{ui::KeyboardLayout::text};
    std::string pin;                   // the PIN pad's digits (the flow's view shows only their count)
    int page = 0;                      // lists with more rows than fit
    bool language_picker = false;      // the start screen's list of languages is open
    ui::DragScroll scroll;             // the screen's ui::scroll_region: offset and glide
};

// [SECTION] Context

// Everything a screen function gets. Screens read the view and the strings,
// draw, and push intents; `now_ms` is the flow's time, passed in (screens
// never read a clock), for ages and deadlines.
struct ScreenContext {
    ui::FrameContext& frame;
    const config::Strings& s;
    std::string_view store_name;
    int64_t now_ms = 0;
    ScreenUi& ui;
    std::vector<KioskIntent>& out;

    void shopper(flows::ShopperIntent intent) { out.emplace_back(std::move(intent)); }
    void staff(flows::StaffIntent intent) { out.emplace_back(std::move(intent)); }
    void gesture(flows::GestureIntent intent) { out.emplace_back(intent); }
    void setup(flows::SetupIntent intent) { out.emplace_back(std::move(intent)); }

    const ui::Metrics& metrics() const { return frame.theme().metrics; }
    const ui::Palette& palette() const { return frame.theme().palette; }
    const ui::Fonts& fonts() const { return frame.theme().fonts; }
};

// [SECTION] Layout

bool is_landscape(const ui::FrameContext& frame);
// The x of the content's left edge and its width (inside the margins).
float content_left(const ui::FrameContext& frame);
float content_width(const ui::FrameContext& frame);
// The y below which nothing may be drawn (the bottom margin).
float content_bottom(const ui::FrameContext& frame);
// Moves the cursor down so that `height` ends at the bottom margin (never up).
void move_to_bottom(ScreenContext& ctx, float height);
// Puts the cursor at the content's left edge, `y` (screen pixels).
void set_row(float y);
float cursor_y();
// Width of text in a font.
float text_width(ImFont* font, float size_px, std::string_view text);

// A button in a header or bottom bar: its target and label are the
// translation key (the label is looked up), so scripts tap "common.next".
struct Action {
    explicit Action(std::string key_, ui::ButtonStyle style_ = ui::ButtonStyle::primary, bool enabled_ = true,
                    bool right_ = true)
        : key(std::move(key_)), style(style_), enabled(enabled_), right(right_)
    {
    }

    std::string key;
    ui::ButtonStyle style = ui::ButtonStyle::primary;
    bool enabled = true;
    bool right = true; // bottom bars: right-aligned (forward) or left (back, cancel)
    std::optional<ImU32> colour;
};

// The width a row of actions needs.
float actions_width(ScreenContext& ctx, std::span<const Action> actions);
// Buttons side by side from the cursor, right-aligned in the available
// width; returns the index tapped.
std::optional<std::size_t> action_row(ScreenContext& ctx, std::span<const Action> actions);
// The bottom bar: back-type actions at the left, forward ones at the right,
// on the bottom margin. Returns the index tapped.
std::optional<std::size_t> bottom_bar(ScreenContext& ctx, std::span<const Action> actions);
float bottom_bar_height(const ScreenContext& ctx);

// A screen title (target = its translation key) with actions at its right
// (landscape) or under it (portrait). Returns the action tapped.
std::optional<std::size_t> header(ScreenContext& ctx, std::string_view target, std::string_view title,
                                  std::span<const Action> actions = {});

// Two columns from the cursor: call left, then right, then end. `share` is
// the left column's part of the width.
class Columns {
public:
    Columns(ScreenContext& ctx, std::string_view id, float share = 0.5f, float height = 0.0f);
    void right();
    void end();
    float column_width() const { return m_width; }

private:
    ScreenContext& m_ctx;
    std::string m_id;
    float m_left_width = 0.0f;
    float m_right_width = 0.0f;
    float m_width = 0.0f;
    float m_height = 0.0f;
    float m_top = 0.0f;
    float m_left_x = 0.0f;
    bool m_in_right = false;
};

// [SECTION] Text

// Small text in the alert colour (an error under a field or for a screen).
void alert_text(ScreenContext& ctx, std::string_view target, std::string_view text);
// A full-width band with a message: a confirmation ("Saved") or an error.
enum class BandTone { success, error, info };
void band(ScreenContext& ctx, std::string_view target, std::string_view text, BandTone tone);
// A message of the flows (key + args) in the current language.
std::string message_text(const ScreenContext& ctx, const flows::Message& message);
// The screen-wide error (Field::none) of a view, as a band.
void screen_errors(ScreenContext& ctx, const std::vector<flows::FieldError>& errors);
// A label and its value on one line ("Status   Open"), for detail panels.
void detail_line(ScreenContext& ctx, std::string_view target, std::string_view label, std::string_view value,
                 bool alert = false, float label_width = 0.0f);

// A chip's label: configured text, or its translation key looked up.
std::string chip_label(const ScreenContext& ctx, const flows::Chip& chip);
// Chips from the flow as widget chips, targets "<prefix>.<id>".
std::vector<ui::Chip> to_widget_chips(const ScreenContext& ctx, std::span<const flows::Chip> chips,
                                      std::string_view prefix);

// [SECTION] Time and money for people

// "€ 12,50" (nl) / "€12.50" (en).
std::string format_money(const ScreenContext& ctx, int64_t cents);
// "3 min", "5 h", "2 d": how long ago, short.
std::string format_age(const ScreenContext& ctx, int64_t ms);
// A working time (config::working_time_between) in its unit, by its size:
// "1 working day 3 h", "5 working hours", "20 min"; clock hours as
// format_age(). Negative times are written as their size.
std::string format_working_time(const ScreenContext& ctx, int64_t ms, config::TimeUnit unit);
// Local date and time "24-11 14:05".
std::string format_local_time(int64_t utc_ms);

// [SECTION] The staff corner

// The invisible tap area in the top-left corner ("staff.corner"); a press
// held there is the way into staff mode. Sends CornerPressStarted and
// CornerPressEnded. Draw it first on every shopper screen.
void staff_corner(ScreenContext& ctx);

} // namespace feedback::screens
