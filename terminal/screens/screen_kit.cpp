// Layout helpers shared by the kiosk's screens: headers and bottom bars of
// buttons, columns, alert lines and bands, detail lines, money and time text,
// and the invisible staff corner.
#include "screens/screen_kit.h"

#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <map>

namespace feedback::screens {

// [SECTION] Layout

bool is_landscape(const ui::FrameContext& frame) { return frame.display_size().x > frame.display_size().y; }

float content_left(const ui::FrameContext& frame) { return frame.theme().metrics.margin; }

float content_width(const ui::FrameContext& frame)
{
    return std::max(1.0f, frame.display_size().x - 2.0f * frame.theme().metrics.margin);
}

float content_bottom(const ui::FrameContext& frame)
{
    return frame.display_size().y - frame.theme().metrics.margin;
}

void move_to_bottom(ScreenContext& ctx, float height)
{
    const ImVec2 cursor = ImGui::GetCursorScreenPos();
    const float top = content_bottom(ctx.frame) - height;
    if (top > cursor.y)
        ImGui::SetCursorScreenPos(ImVec2(cursor.x, std::floor(top)));
}

void set_row(float y) { ImGui::SetCursorScreenPos(ImVec2(ImGui::GetCursorScreenPos().x, y)); }

float cursor_y() { return ImGui::GetCursorScreenPos().y; }

float text_width(ImFont* font, float size_px, std::string_view text)
{
    if (text.empty())
        return 0.0f;
    return font->CalcTextSizeA(size_px, FLT_MAX, 0.0f, text.data(), text.data() + text.size()).x;
}

namespace {

float action_width(ScreenContext& ctx, const Action& action)
{
    const ui::Metrics& m = ctx.metrics();
    const float label = text_width(ctx.fonts().body_bold, m.body_px, ctx.s.tr(action.key));
    return std::ceil(std::max(m.button_height * 2.0f, label + 4.0f * m.gap));
}

ui::ButtonOptions button_options(const Action& action, float width)
{
    ui::ButtonOptions options;
    options.style = action.style;
    options.enabled = action.enabled;
    options.colour = action.colour;
    options.width = width;
    return options;
}

} // namespace

float actions_width(ScreenContext& ctx, std::span<const Action> actions)
{
    float width = 0.0f;
    for (const Action& action : actions)
        width += action_width(ctx, action);
    if (!actions.empty())
        width += ctx.metrics().gap * static_cast<float>(actions.size() - 1);
    return width;
}

std::optional<std::size_t> action_row(ScreenContext& ctx, std::span<const Action> actions)
{
    std::optional<std::size_t> tapped;
    if (actions.empty())
        return tapped;
    const float available = ImGui::GetContentRegionAvail().x;
    const ImVec2 start = ImGui::GetCursorScreenPos();
    float total = actions_width(ctx, actions);
    // Too wide (a narrow portrait screen): equal shares of the row.
    const bool squeeze = total > available;
    const float share = ui::share_width(ctx.frame, static_cast<int>(actions.size()));
    float x = squeeze ? start.x : start.x + available - total;
    for (std::size_t i = 0; i < actions.size(); ++i) {
        const float width = squeeze ? share : action_width(ctx, actions[i]);
        ImGui::SetCursorScreenPos(ImVec2(x, start.y));
        if (ui::big_button(ctx.frame, actions[i].key, ctx.s.tr(actions[i].key), button_options(actions[i], width)))
            tapped = i;
        x += width + ctx.metrics().gap;
    }
    return tapped;
}

float bottom_bar_height(const ScreenContext& ctx) { return ctx.metrics().button_height; }

std::optional<std::size_t> bottom_bar(ScreenContext& ctx, std::span<const Action> actions)
{
    std::optional<std::size_t> tapped;
    const ui::Metrics& m = ctx.metrics();
    move_to_bottom(ctx, bottom_bar_height(ctx));
    const float y = cursor_y();
    const float left = content_left(ctx.frame);
    const float width = content_width(ctx.frame);
    float total = actions_width(ctx, actions);
    const bool squeeze = total > width;
    const float share = std::floor((width - m.gap * static_cast<float>(actions.size() - 1)) /
                                   static_cast<float>(std::max<std::size_t>(1, actions.size())));
    float left_x = left;
    float right_x = left + width;
    // Right-aligned ones are laid out from the right edge, last action outermost.
    std::vector<float> xs(actions.size(), 0.0f);
    std::vector<float> widths(actions.size(), 0.0f);
    for (std::size_t i = 0; i < actions.size(); ++i)
        widths[i] = squeeze ? share : action_width(ctx, actions[i]);
    if (squeeze) {
        for (std::size_t i = 0; i < actions.size(); ++i)
            xs[i] = left + static_cast<float>(i) * (share + m.gap);
    } else {
        for (std::size_t i = 0; i < actions.size(); ++i)
            if (!actions[i].right) {
                xs[i] = left_x;
                left_x += widths[i] + m.gap;
            }
        for (std::size_t i = actions.size(); i-- > 0;)
            if (actions[i].right) {
                right_x -= widths[i];
                xs[i] = right_x;
                right_x -= m.gap;
            }
    }
    for (std::size_t i = 0; i < actions.size(); ++i) {
        ImGui::SetCursorScreenPos(ImVec2(xs[i], y));
        if (ui::big_button(ctx.frame, actions[i].key, ctx.s.tr(actions[i].key), button_options(actions[i], widths[i])))
            tapped = i;
    }
    ImGui::SetCursorScreenPos(ImVec2(left, y + bottom_bar_height(ctx) + m.gap));
    return tapped;
}

std::optional<std::size_t> header(ScreenContext& ctx, std::string_view target, std::string_view title,
                                  std::span<const Action> actions)
{
    const ui::Metrics& m = ctx.metrics();
    const float left = ImGui::GetCursorScreenPos().x;
    const float top = cursor_y();
    const float available = ImGui::GetContentRegionAvail().x;
    std::optional<std::size_t> tapped;
    if (is_landscape(ctx.frame) && !actions.empty()) {
        const float buttons = actions_width(ctx, actions);
        ui::TextOptions options;
        options.font = ui::FontRole::title;
        options.width = std::max(1.0f, available - buttons - 2.0f * m.gap);
        const float title_height = ui::wrapped_height(ctx.fonts().title, m.title_px, title, options.width);
        // The title centred on the buttons' height when it is one line.
        const float row_height = std::max(title_height, m.button_height);
        ImGui::SetCursorScreenPos(ImVec2(left, top + std::max(0.0f, (m.button_height - title_height) * 0.5f)));
        ui::text(ctx.frame, target, title, options);
        ImGui::SetCursorScreenPos(ImVec2(left + available - buttons, top));
        ImGui::PushID("header-actions");
        tapped = action_row(ctx, actions);
        ImGui::PopID();
        ImGui::SetCursorScreenPos(ImVec2(left, top + row_height + m.gap));
        return tapped;
    }
    ui::title(ctx.frame, target, title);
    if (!actions.empty()) {
        const float row = cursor_y();
        tapped = action_row(ctx, actions);
        ImGui::SetCursorScreenPos(ImVec2(left, row + m.button_height + m.gap));
    }
    return tapped;
}

Columns::Columns(ScreenContext& ctx, std::string_view id, float share, float height)
    : m_ctx(ctx), m_id(id), m_height(height)
{
    const float gap = ctx.metrics().gap * 2.0f;
    const float available = ImGui::GetContentRegionAvail().x;
    m_left_width = std::floor((available - gap) * share);
    m_right_width = std::floor(available - gap - m_left_width);
    m_width = m_left_width;
    m_top = cursor_y();
    m_left_x = ImGui::GetCursorScreenPos().x;
    if (m_height <= 0.0f)
        m_height = std::max(1.0f, content_bottom(ctx.frame) - m_top);
    ui::begin_panel(m_id + ".left", ImVec2(m_left_width, m_height));
}

void Columns::right()
{
    ui::end_panel();
    m_in_right = true;
    m_width = m_right_width;
    ImGui::SetCursorScreenPos(ImVec2(m_left_x + m_left_width + m_ctx.metrics().gap * 2.0f, m_top));
    ui::begin_panel(m_id + ".right", ImVec2(m_right_width, m_height));
}

void Columns::end()
{
    ui::end_panel();
    ImGui::SetCursorScreenPos(ImVec2(m_left_x, m_top + m_height + m_ctx.metrics().gap));
}

// [SECTION] Text

void alert_text(ScreenContext& ctx, std::string_view target, std::string_view content)
{
    const ui::Metrics& m = ctx.metrics();
    ImFont* font = ctx.fonts().body;
    const float size_px = m.body_px;
    const float width = std::max(1.0f, ImGui::GetContentRegionAvail().x);
    const ImVec2 min = ImGui::GetCursorScreenPos();
    const std::string text(content);
    const ImVec2 size = font->CalcTextSizeA(size_px, FLT_MAX, width, text.c_str(), text.c_str() + text.size(), nullptr);
    ImGui::Dummy(ImVec2(width, std::max(size_px, size.y)));
    ImGui::GetWindowDrawList()->AddText(font, size_px, ImVec2(std::floor(min.x), std::floor(min.y)),
                                        ctx.palette().alert, text.c_str(), text.c_str() + text.size(), width);
    ui::register_display(ctx.frame, target, min, ImVec2(width, size.y), content);
}

void band(ScreenContext& ctx, std::string_view target, std::string_view content, BandTone tone)
{
    const ui::Metrics& m = ctx.metrics();
    const ui::Palette& p = ctx.palette();
    ImFont* font = ctx.fonts().body_bold;
    const float width = std::max(1.0f, ImGui::GetContentRegionAvail().x);
    const float pad = m.gap;
    const std::string text(content);
    const float text_height = ui::wrapped_height(font, m.body_px, text, width - 4.0f * pad);
    const float height = text_height + 2.0f * pad;
    const ImVec2 min = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(width, height));
    ImU32 fill = p.band_success;
    ImU32 edge = p.promoter;
    if (tone == BandTone::error) {
        fill = p.band_error;
        edge = p.alert;
    } else if (tone == BandTone::info) {
        fill = p.band_info;
        edge = p.primary;
    }
    ImDrawList* draw_list = ImGui::GetWindowDrawList();
    const ImVec2 max(min.x + width, min.y + height);
    draw_list->AddRectFilled(min, max, fill);
    draw_list->AddRectFilled(min, ImVec2(min.x + std::round(m.selection_border), max.y), edge);
    draw_list->AddText(font, m.body_px, ImVec2(std::floor(min.x + 2.0f * pad), std::floor(min.y + pad)), p.text,
                       text.c_str(), text.c_str() + text.size(), width - 4.0f * pad);
    ui::register_display(ctx.frame, target, min, ImVec2(width, height), content);
}

std::string message_text(const ScreenContext& ctx, const flows::Message& message)
{
    if (message.amounts.empty())
        return ctx.s.format(message.key, message.args);
    std::map<std::string, std::string> args = message.args;
    for (const auto& [name, cents] : message.amounts)
        args[name] = format_money(ctx, cents);
    return ctx.s.format(message.key, args);
}

void screen_errors(ScreenContext& ctx, const std::vector<flows::FieldError>& errors)
{
    if (const flows::Message* error = flows::find_error(errors, flows::Field::none))
        band(ctx, "screen.error", message_text(ctx, *error), BandTone::error);
}

void detail_line(ScreenContext& ctx, std::string_view target, std::string_view label, std::string_view value,
                 bool alert, float label_width)
{
    const ui::Metrics& m = ctx.metrics();
    const ui::Palette& p = ctx.palette();
    const float width = std::max(1.0f, ImGui::GetContentRegionAvail().x);
    if (label_width <= 0.0f)
        label_width = std::floor(width * 0.4f);
    const float value_width = std::max(1.0f, width - label_width - m.gap);
    const std::string value_text(value);
    const float value_height = ui::wrapped_height(ctx.fonts().body_bold, m.body_px, value_text, value_width);
    const ImVec2 min = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(width, value_height));
    ImDrawList* draw_list = ImGui::GetWindowDrawList();
    const std::string label_text(label);
    const ImVec4 clip(min.x, min.y, min.x + label_width, min.y + value_height);
    draw_list->AddText(ctx.fonts().body, m.body_px, ImVec2(std::floor(min.x), std::floor(min.y)), p.text_muted,
                       label_text.c_str(), label_text.c_str() + label_text.size(), 0.0f, &clip);
    draw_list->AddText(ctx.fonts().body_bold, m.body_px,
                       ImVec2(std::floor(min.x + label_width + m.gap), std::floor(min.y)), alert ? p.alert : p.text,
                       value_text.c_str(), value_text.c_str() + value_text.size(), value_width);
    ui::register_display(ctx.frame, target, min, ImVec2(width, value_height), value);
}

std::string chip_label(const ScreenContext& ctx, const flows::Chip& chip)
{
    if (!chip.text.empty())
        return chip.text;
    return ctx.s.tr(chip.key);
}

std::vector<ui::Chip> to_widget_chips(const ScreenContext& ctx, std::span<const flows::Chip> chips,
                                      std::string_view prefix)
{
    std::vector<ui::Chip> out;
    out.reserve(chips.size());
    for (const flows::Chip& chip : chips)
        out.push_back(ui::Chip{std::string(prefix) + "." + chip.id, chip_label(ctx, chip), chip.selected});
    return out;
}

// [SECTION] Time and money

std::string format_money(const ScreenContext& ctx, int64_t cents)
{
    const int64_t units = cents / 100;
    const int64_t rest = cents % 100;
    std::string digits = std::to_string(units);
    const bool dutch = ctx.s.locale() == "nl";
    // Thousands: 1.250,00 (nl) / 1,250.00 (en).
    std::string grouped;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            grouped += dutch ? '.' : ',';
        grouped += digits[i];
    }
    const std::string fraction = (rest < 10 ? "0" : "") + std::to_string(rest);
    return ctx.s.format("money.amount", {{"amount", grouped + (dutch ? "," : ".") + fraction}});
}

std::string format_age(const ScreenContext& ctx, int64_t ms)
{
    const int64_t minutes = std::max<int64_t>(0, ms / 60000);
    if (minutes < 60)
        return ctx.s.format("time.minutes", {{"count", std::to_string(minutes)}});
    const int64_t hours = minutes / 60;
    if (hours < 48)
        return ctx.s.format("time.hours", {{"count", std::to_string(hours)}});
    return ctx.s.format("time.days", {{"count", std::to_string(hours / 24)}});
}

std::string format_working_time(const ScreenContext& ctx, int64_t ms, config::TimeUnit unit)
{
    const int64_t minutes = std::abs(ms) / 60000;
    const int64_t hours = minutes / 60;
    auto counted = [&](const std::string& key, int64_t count) {
        return ctx.s.format(count == 1 ? key + "_one" : key, {{"count", std::to_string(count)}});
    };
    switch (unit) {
    case config::TimeUnit::clock_hours: return format_age(ctx, std::abs(ms));
    case config::TimeUnit::working_hours:
        if (hours > 0)
            return counted("time.working_hours", hours);
        break;
    case config::TimeUnit::working_days:
        if (hours >= 24)
            return counted("time.working_days", hours / 24) +
                   (hours % 24 > 0 ? " " + ctx.s.format("time.hours", {{"count", std::to_string(hours % 24)}}) : "");
        if (hours > 0)
            return ctx.s.format("time.hours", {{"count", std::to_string(hours)}});
        break;
    }
    return ctx.s.format("time.minutes", {{"count", std::to_string(minutes)}});
}

std::string format_local_time(int64_t utc_ms)
{
    const std::time_t seconds = static_cast<std::time_t>(utc_ms / 1000);
    std::tm local{};
    localtime_r(&seconds, &local);
    char text[32];
    std::strftime(text, sizeof text, "%d-%m %H:%M", &local);
    return text;
}

// [SECTION] The staff corner

void staff_corner(ScreenContext& ctx)
{
    const ImVec2 saved = ImGui::GetCursorScreenPos();
    const float side = std::round(ctx.metrics().margin * 3.0f);
    // The window clips half its padding away; the corner starts at the glass.
    ImGui::PushClipRect(ImVec2(0.0f, 0.0f), ctx.frame.display_size(), false);
    ImGui::SetCursorScreenPos(ImVec2(0.0f, 0.0f));
    ui::tap_area(ctx.frame, "staff.corner", ImVec2(side, side));
    if (ImGui::IsItemActivated())
        ctx.gesture(flows::CornerPressStarted{});
    if (ImGui::IsItemDeactivated())
        ctx.gesture(flows::CornerPressEnded{});
    ImGui::PopClipRect();
    ImGui::SetCursorScreenPos(saved);
}

} // namespace feedback::screens
