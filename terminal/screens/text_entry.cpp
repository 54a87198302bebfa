// The text-entry layout (text_entry.h): field boxes with labels and errors, a
// wrapping box for long texts, and the typing layout with the keyboard.
#include "screens/text_entry.h"

#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace feedback::screens {

namespace {

constexpr float multiline_rows = 3.0f;

// The label line over a box. It stays when there is an error, or the field
// would lose its name: the error goes under the box (field_error_line).
void field_label(ScreenContext& ctx, const EntryField& field, float width)
{
    const ui::Metrics& m = ctx.metrics();
    const ImVec2 min = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(width, m.small_px));
    ImDrawList* draw_list = ImGui::GetWindowDrawList();
    const ImVec4 clip(min.x, min.y, min.x + width, min.y + m.small_px * 1.3f);
    draw_list->AddText(ctx.fonts().small, m.small_px, min, ctx.palette().text_muted, field.label.c_str(),
                       field.label.c_str() + field.label.size(), 0.0f, &clip);
    // Labels sit close to their box.
    ImGui::SetCursorScreenPos(ImVec2(min.x, min.y + m.small_px + std::round(m.gap * 0.4f)));
}

// The field's error in the alert colour, one line under its box.
void field_error_line(ScreenContext& ctx, const EntryField& field, float width)
{
    const ui::Metrics& m = ctx.metrics();
    const ImVec2 min = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(width, m.small_px));
    const std::string text = message_text(ctx, *field.error);
    const ImVec4 clip(min.x, min.y, min.x + width, min.y + m.small_px * 1.3f);
    ImGui::GetWindowDrawList()->AddText(ctx.fonts().small, m.small_px, min, ctx.palette().alert, text.c_str(),
                                        text.c_str() + text.size(), 0.0f, &clip);
    ui::Target target;
    target.name = field_target(field.field) + ".error";
    target.rect = ui::Rect{min.x, min.y, width, m.small_px};
    target.kind = ui::TargetKind::display;
    target.value = text;
    ctx.frame.targets().add(std::move(target));
}

// The start of each wrapped line of `text` in `width`.
std::vector<const char*> line_starts(ImFont* font, float size_px, const std::string& text, float width)
{
    std::vector<const char*> starts;
    const char* p = text.c_str();
    const char* end = p + text.size();
    const float scale = size_px / font->FontSize;
    starts.push_back(p);
    while (p < end) {
        const char* next_newline = std::find(p, end, '\n');
        const char* wrap = font->CalcWordWrapPositionA(scale, p, next_newline, width);
        if (wrap <= p)
            wrap = std::min(next_newline, p + 1);
        if (wrap >= next_newline) {
            if (next_newline == end)
                break;
            p = next_newline + 1;
        } else {
            p = wrap;
            while (p < end && *p == ' ')
                ++p;
        }
        starts.push_back(p);
    }
    return starts;
}

// A box that wraps long text, showing its last lines and a caret at the end.
bool text_area(ScreenContext& ctx, const EntryField& field, bool focused, float width)
{
    const ui::Metrics& m = ctx.metrics();
    const ui::Palette& p = ctx.palette();
    ImFont* font = ctx.fonts().body;
    const float pad = m.gap;
    const float line = std::round(m.body_px * 1.15f);
    const float height = std::round(line * multiline_rows + 2.0f * pad);
    const ImVec2 min = ImGui::GetCursorScreenPos();
    const ui::TapResult tap = ui::tap_area(ctx.frame, field_target(field.field), ImVec2(width, height), true,
                                           focused, field.value);
    if (!tap.visible)
        return tap.tapped;
    ImDrawList* draw_list = ImGui::GetWindowDrawList();
    const ImVec2 max(min.x + width, min.y + height);
    draw_list->AddRectFilled(min, max, p.surface);
    const float border = std::max(1.0f, std::round(focused ? m.border * 1.5f : m.border));
    const ImU32 edge = focused ? p.primary : p.outline;
    draw_list->AddRectFilled(min, ImVec2(max.x, min.y + border), edge);
    draw_list->AddRectFilled(ImVec2(min.x, max.y - border), max, edge);
    draw_list->AddRectFilled(min, ImVec2(min.x + border, max.y), edge);
    draw_list->AddRectFilled(ImVec2(max.x - border, min.y), max, edge);

    const float inner_width = width - 2.0f * pad - m.caret_width * 2.0f;
    const ImVec4 clip(min.x + border, min.y + border, max.x - border, max.y - border);
    if (field.value.empty()) {
        if (!field.placeholder.empty())
            draw_list->AddText(font, m.body_px, ImVec2(min.x + pad, min.y + pad), p.text_disabled,
                               field.placeholder.c_str(), field.placeholder.c_str() + field.placeholder.size(), 0.0f,
                               &clip);
        if (focused)
            draw_list->AddRectFilled(ImVec2(min.x + pad, min.y + pad), ImVec2(min.x + pad + m.caret_width, min.y + pad + line),
                                     p.caret);
        return tap.tapped;
    }
    const auto starts = line_starts(font, m.body_px, field.value, inner_width);
    const std::size_t shown = static_cast<std::size_t>(multiline_rows);
    const std::size_t first = starts.size() > shown ? starts.size() - shown : 0;
    const char* text_end = field.value.c_str() + field.value.size();
    float y = min.y + pad;
    float caret_x = min.x + pad;
    for (std::size_t i = first; i < starts.size(); ++i) {
        const char* begin = starts[i];
        const char* end = i + 1 < starts.size() ? starts[i + 1] : text_end;
        while (end > begin && (end[-1] == ' ' || end[-1] == '\n') && i + 1 < starts.size())
            --end;
        if (end > begin)
            draw_list->AddText(font, m.body_px, ImVec2(std::floor(min.x + pad), std::floor(y)), p.text, begin, end,
                               0.0f, &clip);
        caret_x = min.x + pad + (end > begin ? font->CalcTextSizeA(m.body_px, FLT_MAX, 0.0f, begin, end).x : 0.0f);
        if (i + 1 < starts.size())
            y += line;
    }
    if (focused)
        draw_list->AddRectFilled(ImVec2(std::floor(caret_x + 1.0f), std::floor(y)),
                                 ImVec2(std::floor(caret_x + 1.0f + m.caret_width), std::floor(y + line)), p.caret);
    return tap.tapped;
}

std::size_t index_of_focus(const ScreenUi& ui, std::span<const EntryField> fields)
{
    for (std::size_t i = 0; i < fields.size(); ++i)
        if (ui.focus && fields[i].field == *ui.focus)
            return i;
    return fields.size();
}

} // namespace

std::string field_target(flows::Field field) { return "field." + std::string(flows::to_string(field)); }

float entry_field_height(const ScreenContext& ctx, const EntryField& field)
{
    const ui::Metrics& m = ctx.metrics();
    const float label = m.small_px + std::round(m.gap * 0.4f);
    const float error = field.error != nullptr ? std::round(m.gap * 0.4f) + m.small_px : 0.0f;
    if (field.multiline)
        return label + std::round(std::round(m.body_px * 1.15f) * multiline_rows + 2.0f * m.gap) + error;
    return label + m.field_height + error;
}

bool entry_field(ScreenContext& ctx, const EntryField& field, bool focused, float width)
{
    if (width <= 0.0f)
        width = std::max(1.0f, ImGui::GetContentRegionAvail().x);
    const float left = ImGui::GetCursorScreenPos().x;
    const float top = cursor_y();
    field_label(ctx, field, width);
    bool tapped = false;
    if (field.multiline) {
        tapped = text_area(ctx, field, focused, width);
    } else {
        ui::TextFieldOptions options;
        options.placeholder = field.placeholder;
        options.masked = field.masked;
        options.focused = focused;
        options.width = width;
        tapped = ui::text_field(ctx.frame, field_target(field.field), field.value, options);
    }
    if (field.error != nullptr) {
        const float box_bottom = top + entry_field_height(ctx, field) - ctx.metrics().small_px;
        ImGui::SetCursorScreenPos(ImVec2(left, box_bottom));
        field_error_line(ctx, field, width);
    }
    ImGui::SetCursorScreenPos(ImVec2(left, top + entry_field_height(ctx, field) + ctx.metrics().gap));
    return tapped;
}

void focus_field(ScreenUi& ui, const EntryField& field)
{
    ui.focus = field.field;
    ui.keyboard.set_layout(field.layout);
    const bool sentence = field.field != flows::Field::amount && field.field != flows::Field::product_ref &&
                          field.field != flows::Field::receipt_ref && field.field != flows::Field::reference_query;
    ui.keyboard.set_shift(field.layout == ui::KeyboardLayout::text && field.value.empty() && sentence);
    if (field.field == flows::Field::amount) {
        ui::TextEditor unused;
        ui.keyboard.press("key.123", unused); // digits first; "," and "." are on every layer
    }
}

void ensure_focus(ScreenUi& ui, std::span<const EntryField> fields)
{
    if (fields.empty())
        return;
    if (index_of_focus(ui, fields) == fields.size())
        focus_field(ui, fields.front());
}

std::optional<std::size_t> next_field_index(const ScreenUi& ui, std::span<const EntryField> fields)
{
    const std::size_t index = index_of_focus(ui, fields);
    if (index + 1 < fields.size())
        return index + 1;
    return std::nullopt;
}

TypingResult draw_typing(ScreenContext& ctx, const TypingLayout& layout)
{
    TypingResult result;
    const ui::Metrics& m = ctx.metrics();
    const bool landscape = is_landscape(ctx.frame);
    ensure_focus(ctx.ui, layout.fields);

    // Header: the title with the actions (landscape), or the title alone.
    if (landscape)
        result.action = header(ctx, layout.title_key, layout.title, layout.actions);
    else
        header(ctx, layout.title_key, layout.title);
    if (!layout.hint.empty()) {
        ui::TextOptions hint;
        hint.muted = true;
        ui::text(ctx.frame, "typing.hint", layout.hint, hint);
    }
    if (layout.extra_row)
        layout.extra_row();

    // Fields: side by side on a landscape screen, stacked on a portrait one.
    const std::size_t focused = index_of_focus(ctx.ui, layout.fields);
    std::optional<std::size_t> tapped_field;
    if (landscape && layout.fields.size() > 1) {
        const int count = static_cast<int>(layout.fields.size());
        const float width = ui::share_width(ctx.frame, count);
        const float left = ImGui::GetCursorScreenPos().x;
        const float top = cursor_y();
        float bottom = top;
        for (std::size_t i = 0; i < layout.fields.size(); ++i) {
            ImGui::SetCursorScreenPos(ImVec2(left + static_cast<float>(i) * (width + m.gap), top));
            if (entry_field(ctx, layout.fields[i], layout.show_keyboard && i == focused, width))
                tapped_field = i;
            bottom = std::max(bottom, cursor_y());
        }
        ImGui::SetCursorScreenPos(ImVec2(left, bottom));
    } else {
        for (std::size_t i = 0; i < layout.fields.size(); ++i)
            if (entry_field(ctx, layout.fields[i], layout.show_keyboard && i == focused))
                tapped_field = i;
    }
    if (tapped_field && *tapped_field != focused)
        focus_field(ctx.ui, layout.fields[*tapped_field]);

    // Portrait: the actions sit just above the keyboard.
    if (!layout.show_keyboard) {
        if (!landscape) {
            ImGui::PushID("typing-actions");
            result.action = bottom_bar(ctx, layout.actions);
            ImGui::PopID();
        }
        return result;
    }
    const std::size_t now_focused = index_of_focus(ctx.ui, layout.fields);
    if (now_focused == layout.fields.size())
        return result;
    const EntryField& field = layout.fields[now_focused];
    const float keyboard_height = ctx.ui.keyboard.height(ctx.frame);
    if (!landscape) {
        move_to_bottom(ctx, keyboard_height + m.gap + m.button_height);
        const float row = cursor_y();
        ImGui::PushID("typing-actions");
        result.action = action_row(ctx, layout.actions);
        ImGui::PopID();
        set_row(row + m.button_height + m.gap);
    }
    move_to_bottom(ctx, keyboard_height);
    ui::TextEditor editor(static_cast<std::size_t>(std::max(1, flows::max_chars(field.field))));
    editor.set_text(field.value);
    ui::KeyboardLabels labels;
    labels.space = ctx.s.tr("keyboard.space");
    labels.done = ctx.s.tr("keyboard.done");
    const ui::KeyOutcome outcome = ctx.ui.keyboard.draw(ctx.frame, editor, labels);
    if (outcome == ui::KeyOutcome::edited)
        result.new_text = editor.text();
    else if (outcome == ui::KeyOutcome::done)
        result.done = true;
    return result;
}

} // namespace feedback::screens
