// Touch widgets: each takes space from ImGui's layout with an invisible
// button (or a dummy), registers its target, and draws flat shapes and text
// straight into the window's draw list.
#include "ui/widgets.h"

#include "domain/nps.h"

#include <qrencode.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace feedback::ui {

// [SECTION] Text measuring and drawing

namespace {

struct Line {
    const char* begin;
    const char* end;
};

std::size_t utf8_sequence_length(unsigned char lead)
{
    if (lead < 0x80)
        return 1;
    if ((lead >> 5) == 0x6)
        return 2;
    if ((lead >> 4) == 0xE)
        return 3;
    if ((lead >> 3) == 0x1E)
        return 4;
    return 1;
}

// Splits at newlines, then word-wraps each paragraph to `width`.
std::vector<Line> wrap_lines(ImFont* font, float size_px, std::string_view text, float width)
{
    std::vector<Line> lines;
    if (text.empty()) {
        const char* nothing = "";
        lines.push_back({nothing, nothing});
        return lines;
    }
    const float scale = size_px / font->FontSize;
    const char* start = text.data();
    const char* end = text.data() + text.size();
    while (true) {
        const char* paragraph_end = static_cast<const char*>(std::memchr(start, '\n', static_cast<std::size_t>(end - start)));
        if (paragraph_end == nullptr)
            paragraph_end = end;
        if (start == paragraph_end)
            lines.push_back({start, start});
        const char* p = start;
        while (p < paragraph_end) {
            const char* wrap_at = font->CalcWordWrapPositionA(scale, p, paragraph_end, std::max(1.0f, width));
            if (wrap_at <= p) // a single glyph wider than the line: take it anyway
                wrap_at = std::min(paragraph_end, p + utf8_sequence_length(static_cast<unsigned char>(*p)));
            const char* line_end = wrap_at;
            while (line_end > p && line_end[-1] == ' ')
                --line_end;
            lines.push_back({p, line_end});
            p = wrap_at;
            while (p < paragraph_end && *p == ' ')
                ++p;
        }
        if (paragraph_end == end)
            break;
        start = paragraph_end + 1;
    }
    return lines;
}

float text_width(ImFont* font, float size_px, const char* begin, const char* end)
{
    if (begin == end) // also guards ImGui from (nullptr, nullptr), which it reads as a C string
        return 0.0f;
    return font->CalcTextSizeA(size_px, FLT_MAX, 0.0f, begin, end).x;
}

float text_width(ImFont* font, float size_px, std::string_view text)
{
    return text_width(font, size_px, text.data(), text.data() + text.size());
}

ImVec2 snap(ImVec2 point) { return ImVec2(std::floor(point.x), std::floor(point.y)); }

// `text` as it fits in `width` on one line: whole, or cut at a character
// boundary (and a space) and ended with "…".
std::string with_ellipsis(ImFont* font, float size_px, std::string_view text, float width)
{
    if (text_width(font, size_px, text) <= width)
        return std::string(text);
    constexpr std::string_view ellipsis = "\u2026";
    const float room = width - text_width(font, size_px, ellipsis);
    std::size_t end = 0;
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t next = at + utf8_sequence_length(static_cast<unsigned char>(text[at]));
        if (text_width(font, size_px, text.substr(0, next)) > room)
            break;
        end = next;
        at = next;
    }
    while (end > 0 && text[end - 1] == ' ')
        --end;
    return std::string(text.substr(0, end)) + std::string(ellipsis);
}

// ImDrawList::AddText for a string_view (an empty view may hold nullptr,
// which ImGui would read as a C string).
void add_text(ImDrawList* draw_list, ImFont* font, float size_px, ImVec2 position, ImU32 colour,
              std::string_view text, const ImVec4* clip = nullptr)
{
    if (text.empty())
        return;
    draw_list->AddText(font, size_px, snap(position), colour, text.data(), text.data() + text.size(), 0.0f, clip);
}

// Left-aligned (or centred in `width`) lines from `top_left`, clipped to `clip`.
void draw_lines(ImDrawList* draw_list, ImFont* font, float size_px, ImVec2 top_left, float width,
                const std::vector<Line>& lines, ImU32 colour, TextAlign align, const ImVec4& clip)
{
    float y = top_left.y;
    for (const Line& line : lines) {
        float x = top_left.x;
        if (align == TextAlign::center)
            x += (width - text_width(font, size_px, line.begin, line.end)) * 0.5f;
        add_text(draw_list, font, size_px, ImVec2(x, y), colour, std::string_view(line.begin, static_cast<std::size_t>(line.end - line.begin)), &clip);
        y += size_px;
    }
}

ImU32 darker(ImU32 colour)
{
    auto channel = [&](int shift) {
        const auto value = static_cast<float>((colour >> shift) & 0xFFu) * 0.8f;
        return static_cast<ImU32>(value) << shift;
    };
    return channel(0) | channel(8) | channel(16) | (colour & 0xFF000000u);
}

// A border of whole pixels inside [min, max]. Square corners use four
// plain rectangles: crisp on every renderer and cheaper than an
// anti-aliased outline in software.
void draw_border(ImDrawList* draw_list, ImVec2 min, ImVec2 max, ImU32 colour, float thickness, float rounding)
{
    thickness = std::max(1.0f, std::round(thickness));
    if (rounding > 0.0f) {
        const float inset = thickness * 0.5f - 0.5f; // ImGui adds half a pixel itself
        draw_list->AddRect(ImVec2(min.x + inset, min.y + inset), ImVec2(max.x - inset, max.y - inset), colour, rounding,
                           0, thickness);
        return;
    }
    draw_list->AddRectFilled(min, ImVec2(max.x, min.y + thickness), colour);
    draw_list->AddRectFilled(ImVec2(min.x, max.y - thickness), max, colour);
    draw_list->AddRectFilled(ImVec2(min.x, min.y + thickness), ImVec2(min.x + thickness, max.y - thickness), colour);
    draw_list->AddRectFilled(ImVec2(max.x - thickness, min.y + thickness), ImVec2(max.x, max.y - thickness), colour);
}

// A check mark inside the square at `min` of side `side`.
void draw_check(ImDrawList* draw_list, ImVec2 min, float side, ImU32 colour, float thickness)
{
    const ImVec2 points[3] = {
        ImVec2(min.x + side * 0.22f, min.y + side * 0.52f),
        ImVec2(min.x + side * 0.42f, min.y + side * 0.72f),
        ImVec2(min.x + side * 0.80f, min.y + side * 0.30f),
    };
    draw_list->AddPolyline(points, 3, colour, 0, thickness);
}

// A chevron ">" centred at `center`.
void draw_chevron(ImDrawList* draw_list, ImVec2 center, float size, ImU32 colour, float thickness)
{
    const ImVec2 points[3] = {
        ImVec2(center.x - size * 0.25f, center.y - size * 0.5f),
        ImVec2(center.x + size * 0.25f, center.y),
        ImVec2(center.x - size * 0.25f, center.y + size * 0.5f),
    };
    draw_list->AddPolyline(points, 3, colour, 0, thickness);
}


float available_width() { return std::max(1.0f, ImGui::GetContentRegionAvail().x); }

} // namespace

void register_display(FrameContext& ctx, std::string_view target, ImVec2 min, ImVec2 size, std::string_view value)
{
    if (target.empty() || !ImGui::IsRectVisible(min, ImVec2(min.x + size.x, min.y + size.y)))
        return;
    Target entry;
    entry.name = std::string(target);
    entry.rect = Rect{min.x, min.y, size.x, size.y};
    entry.kind = TargetKind::display;
    entry.value = std::string(value);
    ctx.targets().add(std::move(entry));
}

bool draw_text_centered(ImDrawList* draw_list, ImFont* font, float size_px, ImVec2 min, ImVec2 max,
                        std::string_view text, ImU32 colour)
{
    const float width = max.x - min.x;
    const auto lines = wrap_lines(font, size_px, text, width);
    const float height = size_px * static_cast<float>(lines.size());
    const float top = min.y + (max.y - min.y - height) * 0.5f;
    draw_lines(draw_list, font, size_px, ImVec2(min.x, top), width, lines, colour, TextAlign::center,
               ImVec4(min.x, min.y, max.x, max.y));
    bool fits = height <= max.y - min.y + 1.0f;
    for (std::size_t start = 0; fits && start < text.size();) { // every word on one line
        std::size_t stop = std::min(text.find_first_of(" \n", start), text.size());
        fits = text_width(font, size_px, text.substr(start, stop - start)) <= width + 0.5f;
        start = stop + 1;
    }
    return fits;
}

void report_overflow(FrameContext& ctx, std::string_view target, std::string_view text)
{
    ctx.targets().add_overflow(std::string(target) + " (\"" + std::string(text) + "\")");
}

float wrapped_height(ImFont* font, float size_px, std::string_view text, float width)
{
    return size_px * static_cast<float>(wrap_lines(font, size_px, text, width).size());
}

// [SECTION] Layout helpers

float share_width(const FrameContext& ctx, int count)
{
    const float gap = ctx.theme().metrics.gap;
    count = std::max(1, count);
    return std::floor((available_width() - gap * static_cast<float>(count - 1)) / static_cast<float>(count));
}

void same_line(const FrameContext& ctx) { ImGui::SameLine(0.0f, ctx.theme().metrics.gap); }

void spacer(const FrameContext& ctx, float gaps)
{
    const float height = ctx.theme().metrics.gap * gaps - ImGui::GetStyle().ItemSpacing.y;
    ImGui::Dummy(ImVec2(0.0f, std::max(0.0f, height)));
}

void begin_panel(std::string_view id, ImVec2 size)
{
    const std::string name(id);
    ImGui::BeginChild(name.c_str(), size, false,
                      ImGuiWindowFlags_NoBackground | ImGuiWindowFlags_NoScrollbar |
                          ImGuiWindowFlags_NoScrollWithMouse | ImGuiWindowFlags_NoNav);
}

void end_panel() { ImGui::EndChild(); }

// [SECTION] Tap areas

TapResult tap_area(FrameContext& ctx, std::string_view target, ImVec2 size, bool enabled, bool selected,
                   std::string_view value)
{
    IM_ASSERT(!target.empty() && "every tappable widget needs a target name");
    size.x = std::max(1.0f, size.x);
    size.y = std::max(1.0f, size.y);
    const ImVec2 min = ImGui::GetCursorScreenPos();
    TapResult result;
    ImGui::PushID(target.data(), target.data() + target.size());
    if (enabled) {
        result.tapped = ImGui::InvisibleButton("##tap", size);
        result.pressed = ImGui::IsItemActive();
    } else {
        ImGui::Dummy(size);
    }
    ImGui::PopID();
    result.visible = ImGui::IsItemVisible();
    if (result.visible) {
        // Only the part on screen, so a tap at its centre lands on it.
        ImDrawList* draw_list = ImGui::GetWindowDrawList();
        const ImVec2 clip_min = draw_list->GetClipRectMin();
        const ImVec2 clip_max = draw_list->GetClipRectMax();
        const float x0 = std::max(min.x, clip_min.x);
        const float y0 = std::max(min.y, clip_min.y);
        const float x1 = std::min(min.x + size.x, clip_max.x);
        const float y1 = std::min(min.y + size.y, clip_max.y);
        Target entry;
        entry.name = std::string(target);
        entry.rect = Rect{x0, y0, std::max(0.0f, x1 - x0), std::max(0.0f, y1 - y0)};
        entry.kind = TargetKind::tappable;
        entry.enabled = enabled;
        entry.selected = selected;
        entry.value = std::string(value);
        ctx.targets().add(std::move(entry));
    }
    return result;
}

void scroll_region(FrameContext& ctx, DragScroll& scroll, std::string_view target, float height,
                   const std::function<void()>& draw)
{
    constexpr int64_t glide_frame_ms = 16; // about as often as a display refreshes
    const int64_t now = ctx.now_ms();
    const ImVec2 min = ImGui::GetCursorScreenPos();
    const float width = std::max(1.0f, ImGui::GetContentRegionAvail().x);
    height = std::max(1.0f, height);
    scroll.step(now);

    // The finger first: the whole region is one area that follows it.
    const TapResult touch = tap_area(ctx, target, ImVec2(width, height), true, false,
                                     std::to_string(std::lround(scroll.offset())));
    const float finger_y = ImGui::GetIO().MousePos.y;
    if (ImGui::IsItemActivated())
        scroll.press(finger_y, now);
    else if (touch.pressed)
        scroll.move(finger_y, now);
    if (ImGui::IsItemDeactivated())
        scroll.release(now);

    ImGui::PushClipRect(min, ImVec2(min.x + width, min.y + height), true);
    const float top = std::round(min.y - scroll.offset());
    ImGui::SetCursorScreenPos(ImVec2(min.x, top));
    draw();
    const float content_height = ImGui::GetCursorScreenPos().y - top;
    ImGui::PopClipRect();
    scroll.set_extent(content_height, height);
    ImGui::SetCursorScreenPos(ImVec2(min.x, min.y + height));
    if (scroll.gliding())
        ctx.wake_in(glide_frame_ms);
}

// [SECTION] Text

void text(FrameContext& ctx, std::string_view target, std::string_view content, const TextOptions& options)
{
    const Theme& theme = ctx.theme();
    ImFont* font = theme.fonts.get(options.font);
    const float size_px = font->FontSize;
    const float width = options.width > 0.0f ? options.width : available_width();
    const auto lines = wrap_lines(font, size_px, content, width);
    const ImVec2 min = ImGui::GetCursorScreenPos();
    const ImVec2 size(width, size_px * static_cast<float>(lines.size()));
    ImGui::Dummy(size);
    if (!ImGui::IsItemVisible())
        return;
    const ImU32 colour = options.muted ? theme.palette.text_muted : theme.palette.text;
    draw_lines(ImGui::GetWindowDrawList(), font, size_px, min, width, lines, colour, options.align,
               ImVec4(min.x, min.y, min.x + size.x, min.y + size.y));
    register_display(ctx, target, min, size, content);
}

void title(FrameContext& ctx, std::string_view target, std::string_view content, TextAlign align)
{
    TextOptions options;
    options.font = FontRole::title;
    options.align = align;
    text(ctx, target, content, options);
}

// [SECTION] Big button

bool big_button(FrameContext& ctx, std::string_view target, std::string_view label, const ButtonOptions& options)
{
    const Metrics& m = ctx.theme().metrics;
    const Palette& p = ctx.theme().palette;
    ImFont* font = ctx.theme().fonts.body_bold;
    const float pad = m.gap;
    const float width = options.width > 0.0f ? options.width : available_width();
    const float height = options.height > 0.0f
                             ? options.height
                             : std::max(m.button_height, wrapped_height(font, m.body_px, label, width - 2 * pad) + 2 * pad);
    const ImVec2 min = ImGui::GetCursorScreenPos();
    const TapResult tap = tap_area(ctx, target, ImVec2(width, height), options.enabled, false, label);
    if (!tap.visible)
        return tap.tapped;

    ImU32 fill = 0;
    ImU32 text_colour = p.text_on_accent;
    bool outline = false;
    if (!options.enabled) {
        fill = p.disabled;
        text_colour = p.text_disabled;
    } else if (options.colour) {
        fill = tap.pressed ? darker(*options.colour) : *options.colour;
    } else {
        switch (options.style) {
        case ButtonStyle::primary: fill = tap.pressed ? p.primary_pressed : p.primary; break;
        case ButtonStyle::secondary:
            fill = tap.pressed ? p.secondary_pressed : p.secondary;
            text_colour = p.text;
            break;
        case ButtonStyle::outline:
            fill = tap.pressed ? p.surface_pressed : 0;
            text_colour = p.text;
            outline = true;
            break;
        }
    }
    ImDrawList* draw_list = ImGui::GetWindowDrawList();
    const ImVec2 max(min.x + width, min.y + height);
    if (fill != 0)
        draw_list->AddRectFilled(min, max, fill, m.rounding);
    if (outline) {
        draw_border(draw_list, min, max, p.outline, m.border, m.rounding);
    }
    if (!draw_text_centered(draw_list, font, m.body_px, ImVec2(min.x + pad, min.y + pad * 0.5f),
                            ImVec2(max.x - pad, max.y - pad * 0.5f), label, text_colour))
        report_overflow(ctx, target, label);
    return tap.tapped;
}

// [SECTION] Score row

ImU32 score_colour(const Palette& palette, int score)
{
    switch (nps_band(score)) {
    case NpsBand::detractor: return palette.detractor;
    case NpsBand::passive: return palette.passive;
    case NpsBand::promoter: return palette.promoter;
    }
    return palette.detractor;
}

namespace {
ImU32 score_pressed_colour(const Palette& palette, int score)
{
    switch (nps_band(score)) {
    case NpsBand::detractor: return palette.detractor_pressed;
    case NpsBand::passive: return palette.passive_pressed;
    case NpsBand::promoter: return palette.promoter_pressed;
    }
    return palette.detractor_pressed;
}
} // namespace

std::optional<int> score_row(FrameContext& ctx, const ScoreRowOptions& options)
{
    const Metrics& m = ctx.theme().metrics;
    const Palette& p = ctx.theme().palette;
    const Fonts& fonts = ctx.theme().fonts;
    const float width = share_width(ctx, 11);
    const float height = options.height > 0.0f ? options.height : m.button_height;
    // Digits in the title font when "10" fits, else in bold body size.
    const bool big_digits = text_width(fonts.title, m.title_px, "10") < width - m.gap;
    ImFont* font = big_digits ? fonts.title : fonts.body_bold;
    const float font_px = big_digits ? m.title_px : m.body_px;

    std::optional<int> tapped;
    ImDrawList* draw_list = ImGui::GetWindowDrawList();
    const float row_left = ImGui::GetCursorScreenPos().x;
    float row_right = row_left;
    for (int score = 0; score <= 10; ++score) {
        if (score > 0)
            same_line(ctx);
        const std::string digits = std::to_string(score);
        const bool selected = options.selected == score;
        const ImVec2 min = ImGui::GetCursorScreenPos();
        const TapResult tap =
            tap_area(ctx, "score." + digits, ImVec2(width, height), options.enabled, selected, digits);
        if (tap.tapped)
            tapped = score;
        const ImVec2 max(min.x + width, min.y + height);
        row_right = max.x;
        if (!tap.visible)
            continue;
        ImU32 fill = tap.pressed ? score_pressed_colour(p, score) : score_colour(p, score);
        ImU32 text_colour = nps_band(score) == NpsBand::passive ? p.text : p.text_on_accent;
        if (!options.enabled) {
            fill = p.disabled;
            text_colour = p.text_disabled;
        }
        draw_list->AddRectFilled(min, max, fill, m.rounding);
        if (selected) {
            // A ring in the gap around the chosen score.
            const float ring = m.selection_border;
            const float offset = ring + std::max(1.0f, std::round(m.gap * 0.15f));
            draw_border(draw_list, ImVec2(min.x - offset, min.y - offset), ImVec2(max.x + offset, max.y + offset),
                        p.text, ring, m.rounding);
        }
        draw_text_centered(draw_list, font, font_px, min, max, digits, text_colour);
    }

    if (!options.low_label.empty() || !options.high_label.empty()) {
        ImFont* small = fonts.small;
        const ImVec2 min = ImGui::GetCursorScreenPos();
        const float label_height = m.small_px;
        ImGui::Dummy(ImVec2(row_right - row_left, label_height));
        const ImVec4 clip(min.x, min.y, row_right, min.y + label_height);
        add_text(draw_list, small, m.small_px, ImVec2(row_left, min.y), p.text_muted, options.low_label, &clip);
        const float high_width = text_width(small, m.small_px, options.high_label);
        add_text(draw_list, small, m.small_px, ImVec2(row_right - high_width, min.y), p.text_muted,
                 options.high_label, &clip);
    }
    return tapped;
}

// [SECTION] Toggle chips

namespace {

float chip_padding(const Metrics& m) { return std::round(m.gap * 1.25f); }
float chip_check_space(const Metrics& m) { return std::round(m.body_px * 0.75f); }

} // namespace

float chip_width(const FrameContext& ctx, std::string_view label)
{
    const Metrics& m = ctx.theme().metrics;
    return std::ceil(text_width(ctx.theme().fonts.body, m.body_px, label) + 2 * chip_padding(m) + chip_check_space(m));
}

bool toggle_chip(FrameContext& ctx, std::string_view target, std::string_view label, bool selected, float width)
{
    const Metrics& m = ctx.theme().metrics;
    const Palette& p = ctx.theme().palette;
    if (width <= 0.0f)
        width = chip_width(ctx, label);
    width = std::min(width, available_width());
    const float height = m.chip_height;
    const ImVec2 min = ImGui::GetCursorScreenPos();
    const TapResult tap = tap_area(ctx, target, ImVec2(width, height), true, selected, label);
    if (!tap.visible)
        return tap.tapped;

    ImDrawList* draw_list = ImGui::GetWindowDrawList();
    const ImVec2 max(min.x + width, min.y + height);
    const float pad = chip_padding(m);
    const float check = chip_check_space(m);
    if (selected) {
        draw_list->AddRectFilled(min, max, tap.pressed ? p.primary_pressed : p.primary, m.rounding);
        const float side = check;
        draw_check(draw_list, ImVec2(min.x + pad * 0.6f, min.y + (height - side) * 0.5f), side, p.text_on_accent,
                   std::max(2.0f, m.border * 1.5f));
    } else {
        draw_list->AddRectFilled(min, max, tap.pressed ? p.surface_pressed : p.surface, m.rounding);
        draw_border(draw_list, min, max, p.outline, m.border, m.rounding);
    }
    // Selected chips make room for the check mark; others centre the label.
    const float text_left = selected ? min.x + pad * 0.5f + check : min.x + pad * 0.5f;
    if (!draw_text_centered(draw_list, ctx.theme().fonts.body, m.body_px, ImVec2(text_left, min.y),
                            ImVec2(max.x - pad * 0.5f, max.y), label, selected ? p.text_on_accent : p.text))
        report_overflow(ctx, target, label);
    return tap.tapped;
}

std::optional<std::size_t> chip_group(FrameContext& ctx, std::span<const Chip> chips)
{
    const float gap = ctx.theme().metrics.gap;
    const float available = available_width();
    std::optional<std::size_t> tapped;
    float used = 0.0f;
    for (std::size_t i = 0; i < chips.size(); ++i) {
        const float width = std::min(chip_width(ctx, chips[i].label), available);
        if (i > 0 && used + gap + width <= available) {
            ImGui::SameLine(0.0f, gap);
            used += gap + width;
        } else {
            used = width;
        }
        if (toggle_chip(ctx, chips[i].target, chips[i].label, chips[i].selected, width))
            tapped = i;
    }
    return tapped;
}

// [SECTION] Text field

bool text_field(FrameContext& ctx, std::string_view target, std::string_view value, const TextFieldOptions& options)
{
    const Metrics& m = ctx.theme().metrics;
    const Palette& p = ctx.theme().palette;
    const Fonts& fonts = ctx.theme().fonts;
    const float width = options.width > 0.0f ? options.width : available_width();

    if (!options.label.empty()) {
        TextOptions label_options;
        label_options.font = FontRole::small;
        label_options.muted = true;
        label_options.width = width;
        text(ctx, {}, options.label, label_options);
        // Labels sit close to their box.
        ImGui::SetCursorPosY(ImGui::GetCursorPosY() - m.gap * 0.5f);
    }

    // Masked: one dot per code point, drawn as circles (a bullet glyph is too small to count).
    std::size_t masked_count = 0;
    std::string shown;
    if (options.masked) {
        for (unsigned char c : value)
            if ((c & 0xC0) != 0x80) {
                ++masked_count;
                shown += "\xE2\x80\xA2"; // U+2022, the target's value
            }
    } else {
        shown = std::string(value);
    }

    const float height = m.field_height;
    const ImVec2 min = ImGui::GetCursorScreenPos();
    const TapResult tap = tap_area(ctx, target, ImVec2(width, height), true, options.focused, shown);
    if (!tap.visible)
        return tap.tapped;

    ImDrawList* draw_list = ImGui::GetWindowDrawList();
    const ImVec2 max(min.x + width, min.y + height);
    draw_list->AddRectFilled(min, max, p.surface, m.rounding);
    draw_border(draw_list, min, max, options.focused ? p.primary : p.outline,
                options.focused ? m.border * 1.5f : m.border, m.rounding);

    ImFont* font = fonts.body;
    const float pad = m.gap;
    const float inner_left = min.x + pad;
    const float inner_right = max.x - pad;
    const float text_top = min.y + (height - m.body_px) * 0.5f;
    const ImVec4 clip(inner_left - m.caret_width, min.y, inner_right + m.caret_width, max.y);
    float caret_x = inner_left;
    if (shown.empty()) {
        if (!options.placeholder.empty())
            add_text(draw_list, font, m.body_px, ImVec2(inner_left, text_top), p.text_disabled, options.placeholder,
                     &clip);
    } else if (options.masked) {
        const float radius = std::round(m.body_px * 0.2f);
        const float step = std::round(m.body_px * 0.75f);
        const float center_y = min.y + height * 0.5f;
        for (std::size_t i = 0; i < masked_count; ++i)
            draw_list->AddCircleFilled(ImVec2(inner_left + radius + step * static_cast<float>(i), center_y), radius,
                                       p.text, 12);
        caret_x = inner_left + step * static_cast<float>(masked_count) + m.caret_width;
    } else {
        const float shown_width = text_width(font, m.body_px, shown);
        const float room = inner_right - inner_left - m.caret_width * 2;
        const float left = shown_width > room ? inner_left + room - shown_width : inner_left; // keep the end visible
        add_text(draw_list, font, m.body_px, ImVec2(left, text_top), p.text, shown, &clip);
        caret_x = left + shown_width + m.caret_width * 0.5f;
    }
    if (options.focused) {
        const float caret_top = min.y + height * 0.2f;
        const float caret_bottom = max.y - height * 0.2f;
        draw_list->AddRectFilled(snap(ImVec2(caret_x, caret_top)), snap(ImVec2(caret_x + m.caret_width, caret_bottom)),
                                 p.caret);
    }
    return tap.tapped;
}

// [SECTION] Consent toggle

bool consent_toggle(FrameContext& ctx, std::string_view target, std::string_view content, bool checked)
{
    const Metrics& m = ctx.theme().metrics;
    const Palette& p = ctx.theme().palette;
    ImFont* font = ctx.theme().fonts.body;
    const float width = available_width();
    const float pad = m.gap;
    const float box = std::round(m.body_px * 1.25f);
    const float text_left = pad + box + pad;
    const float text_width_available = std::max(1.0f, width - text_left - pad);
    const auto lines = wrap_lines(font, m.body_px, content, text_width_available);
    const float text_height = m.body_px * static_cast<float>(lines.size());
    const float height = std::max(box, text_height) + 2 * pad;

    const ImVec2 min = ImGui::GetCursorScreenPos();
    const TapResult tap = tap_area(ctx, target, ImVec2(width, height), true, checked, content);
    if (!tap.visible)
        return tap.tapped;

    ImDrawList* draw_list = ImGui::GetWindowDrawList();
    const ImVec2 max(min.x + width, min.y + height);
    if (tap.pressed)
        draw_list->AddRectFilled(min, max, p.surface_pressed, m.rounding);
    const ImVec2 box_min = snap(ImVec2(min.x + pad, min.y + (height - box) * 0.5f));
    const ImVec2 box_max(box_min.x + box, box_min.y + box);
    if (checked) {
        draw_list->AddRectFilled(box_min, box_max, p.primary, m.rounding);
        draw_check(draw_list, box_min, box, p.text_on_accent, std::max(2.0f, m.border * 2.0f));
    } else {
        draw_list->AddRectFilled(box_min, box_max, p.surface, m.rounding);
        draw_border(draw_list, box_min, box_max, p.text_muted, m.border * 1.5f, m.rounding);
    }
    const ImVec2 text_min(min.x + text_left, min.y + (height - text_height) * 0.5f);
    draw_lines(draw_list, font, m.body_px, text_min, text_width_available, lines, p.text, TextAlign::left,
               ImVec4(min.x, min.y, max.x, max.y));
    return tap.tapped;
}

// [SECTION] Reference code

void reference_code(FrameContext& ctx, std::string_view target, std::string_view code, std::string_view caption)
{
    const Metrics& m = ctx.theme().metrics;
    const Palette& p = ctx.theme().palette;
    const Fonts& fonts = ctx.theme().fonts;
    const float available = available_width();

    if (!caption.empty()) {
        TextOptions caption_options;
        caption_options.align = TextAlign::center;
        caption_options.muted = true;
        text(ctx, {}, caption, caption_options);
    }

    // Letters spaced apart: codes are read aloud and typed over the phone.
    ImFont* font = fonts.code;
    float size_px = m.code_px;
    float tracking = std::round(size_px * 0.08f);
    auto measure = [&] {
        float width = 0.0f;
        for (char c : code)
            width += text_width(font, size_px, &c, &c + 1) + tracking;
        return code.empty() ? 0.0f : width - tracking;
    };
    float code_width = measure();
    const float pad = m.margin;
    if (code_width + 2 * pad > available && code_width > 0.0f) { // a narrow screen: smaller, never clipped
        size_px = std::floor(size_px * (available - 2 * pad) / code_width);
        tracking = std::round(size_px * 0.08f);
        code_width = measure();
    }
    const float box_width = std::min(available, code_width + 2 * pad);
    const float box_height = std::round(size_px * 1.35f);
    const ImVec2 cursor = ImGui::GetCursorScreenPos();
    const ImVec2 min(std::floor(cursor.x + (available - box_width) * 0.5f), cursor.y);
    ImGui::Dummy(ImVec2(available, box_height));
    if (!ImGui::IsItemVisible())
        return;
    ImDrawList* draw_list = ImGui::GetWindowDrawList();
    const ImVec2 max(min.x + box_width, min.y + box_height);
    draw_list->AddRectFilled(min, max, p.surface, m.rounding);
    draw_border(draw_list, min, max, p.outline, m.border, m.rounding);
    float x = min.x + (box_width - code_width) * 0.5f;
    const float y = min.y + (box_height - size_px) * 0.5f;
    for (char c : code) {
        add_text(draw_list, font, size_px, ImVec2(x, y), p.text, std::string_view(&c, 1));
        x += text_width(font, size_px, &c, &c + 1) + tracking;
    }
    register_display(ctx, target, min, ImVec2(box_width, box_height), code);
}

// [SECTION] QR code

void qr_code(FrameContext& ctx, std::string_view target, std::string_view text, float side)
{
    const std::string data(text); // libqrencode wants a NUL-terminated string
    std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
        QRcode_encodeString(data.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, /*casesensitive=*/1), &QRcode_free);
    if (!code)
        return;
    constexpr int quiet_modules = 4; // the white border scanners need (ISO/IEC 18004)
    const int modules = code->width + 2 * quiet_modules;
    const float module_px = std::max(1.0f, std::floor(side / static_cast<float>(modules)));
    const float drawn = module_px * static_cast<float>(modules);
    const float available = available_width();
    const ImVec2 cursor = ImGui::GetCursorScreenPos();
    const ImVec2 min(std::floor(cursor.x + (available - drawn) * 0.5f), cursor.y);
    ImGui::Dummy(ImVec2(available, drawn));
    if (!ImGui::IsItemVisible())
        return;
    ImDrawList* draw_list = ImGui::GetWindowDrawList();
    draw_list->AddRectFilled(min, ImVec2(min.x + drawn, min.y + drawn), IM_COL32(255, 255, 255, 255));
    for (int y = 0; y < code->width; ++y)
        for (int x = 0; x < code->width; ++x)
            if (code->data[y * code->width + x] & 1) {
                const ImVec2 top_left(min.x + static_cast<float>(x + quiet_modules) * module_px,
                                      min.y + static_cast<float>(y + quiet_modules) * module_px);
                draw_list->AddRectFilled(top_left, ImVec2(top_left.x + module_px, top_left.y + module_px),
                                         IM_COL32(0, 0, 0, 255));
            }
    register_display(ctx, target, min, ImVec2(drawn, drawn), text);
}

// [SECTION] List row

bool list_row(FrameContext& ctx, std::string_view target, std::string_view title_text, const ListRowOptions& options)
{
    const Metrics& m = ctx.theme().metrics;
    const Palette& p = ctx.theme().palette;
    const Fonts& fonts = ctx.theme().fonts;
    const float width = available_width();
    const float height = m.row_height;
    const ImVec2 min = ImGui::GetCursorScreenPos();
    const TapResult tap = tap_area(ctx, target, ImVec2(width, height), options.enabled, options.selected, title_text);
    if (!tap.visible)
        return tap.tapped;

    ImDrawList* draw_list = ImGui::GetWindowDrawList();
    const ImVec2 max(min.x + width, min.y + height);
    draw_list->AddRectFilled(min, max, tap.pressed ? p.surface_pressed : p.surface, m.rounding);
    if (options.selected)
        draw_list->AddRectFilled(min, ImVec2(min.x + m.selection_border * 1.5f, max.y), p.primary);

    const float pad = m.gap * 1.5f;
    const float chevron_size = m.body_px * 0.6f;
    const float chevron_x = max.x - pad - chevron_size * 0.25f;
    float right = max.x - pad;
    if (options.enabled) {
        draw_chevron(draw_list, ImVec2(chevron_x, min.y + height * 0.5f), chevron_size, p.text_muted,
                     std::max(2.0f, m.border * 1.5f));
        right = chevron_x - chevron_size * 0.5f - pad;
    }
    if (!options.trailing.empty()) {
        const float trailing_width = text_width(fonts.body_bold, m.body_px, options.trailing);
        const ImU32 colour = options.trailing_alert ? p.alert : p.text_muted;
        add_text(draw_list, fonts.body_bold, m.body_px, ImVec2(right - trailing_width, min.y + (height - m.body_px) * 0.5f),
                 colour, options.trailing);
        right -= trailing_width + pad;
    }
    const ImU32 title_colour = options.enabled ? p.text : p.text_disabled;
    const ImVec4 clip(min.x, min.y, right, max.y);
    const float lines_height = m.body_px + (options.detail.empty() ? 0.0f : m.small_px * 1.15f);
    const float top = min.y + (height - lines_height) * 0.5f;
    // A row is a summary: each line ends in "…" when it is longer than the row (the screen it opens has it whole).
    const float room = right - (min.x + pad);
    add_text(draw_list, fonts.body_bold, m.body_px, ImVec2(min.x + pad, top), title_colour,
             with_ellipsis(fonts.body_bold, m.body_px, title_text, room), &clip);
    if (!options.detail.empty())
        add_text(draw_list, fonts.small, m.small_px, ImVec2(min.x + pad, top + m.body_px * 1.05f), p.text_muted,
                 with_ellipsis(fonts.small, m.small_px, options.detail, room), &clip);
    return tap.tapped;
}

} // namespace feedback::ui
