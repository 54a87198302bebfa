// The on-screen keyboard: UTF-8 editing, the key tables of each layout and
// layer, what each key does, the planner scripts use to type text, and the
// drawing of the keys.
#include "ui/onscreen_keyboard.h"

#include "ui/widgets.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>

namespace feedback::ui {

// [SECTION] TextEditor

TextEditor::TextEditor(std::size_t max_code_points) : m_max_code_points(max_code_points) {}

EditResult TextEditor::insert(std::string_view utf8)
{
    if (utf8.empty())
        return EditResult::unchanged;
    if (code_points() + count_code_points(utf8) > m_max_code_points)
        return EditResult::refused_full;
    m_text.append(utf8);
    return EditResult::changed;
}

EditResult TextEditor::backspace()
{
    if (m_text.empty())
        return EditResult::unchanged;
    // Drop continuation bytes, then the lead byte: one whole code point.
    while (!m_text.empty() && (static_cast<unsigned char>(m_text.back()) & 0xC0) == 0x80)
        m_text.pop_back();
    if (!m_text.empty())
        m_text.pop_back();
    return EditResult::changed;
}

void TextEditor::set_text(std::string_view utf8)
{
    m_text.clear();
    std::size_t count = 0;
    std::size_t i = 0;
    while (i < utf8.size()) {
        std::size_t next = i + 1;
        while (next < utf8.size() && (static_cast<unsigned char>(utf8[next]) & 0xC0) == 0x80)
            ++next;
        if (count == m_max_code_points)
            break;
        m_text.append(utf8.substr(i, next - i));
        ++count;
        i = next;
    }
}

// [SECTION] Key tables

namespace {

// Capitals of the letters on our keys: ASCII and Latin-1 (not ß, ÷, ÿ).
char32_t to_upper(char32_t cp)
{
    if (cp >= U'a' && cp <= U'z')
        return cp - 0x20;
    if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7)
        return cp - 0x20;
    return cp;
}

std::string upper_utf8(std::string_view text)
{
    const auto decoded = decode_utf8(text);
    if (!decoded)
        return std::string(text);
    std::string out;
    for (char32_t cp : *decoded)
        out += encode_utf8(to_upper(cp));
    return out;
}

bool has_case(std::string_view text) { return upper_utf8(text) != text; }

Key character(std::string_view typed, bool shift, float width = 1.0f)
{
    Key key;
    key.name = "key." + std::string(typed);
    key.inserts = shift && has_case(typed) ? upper_utf8(typed) : std::string(typed);
    key.label = key.inserts;
    key.width = width;
    return key;
}

Key special(std::string_view name, KeyAction action, std::string_view label, float width,
            KeyIcon icon = KeyIcon::none)
{
    Key key;
    key.name = std::string(name);
    key.action = action;
    key.label = std::string(label);
    key.icon = icon;
    key.width = width;
    return key;
}

Key space_key(float width)
{
    Key key = special("key.space", KeyAction::insert, "", width);
    key.inserts = " ";
    return key;
}

Key empty_slot(float width) { return special("", KeyAction::none, "", width); }

KeyRow characters(std::string_view row, bool shift, float indent = 0.0f)
{
    KeyRow result;
    result.indent = indent;
    const auto decoded = decode_utf8(row);
    for (char32_t cp : decoded.value_or(std::u32string{}))
        if (cp != U' ')
            result.keys.push_back(character(encode_utf8(cp), shift));
    return result;
}

// The bottom row of every text layer: two layer keys, comma, space, full stop, done.
KeyRow text_bottom_row(KeyboardLayer layer)
{
    KeyRow row;
    const Key to_letters = special("key.abc", KeyAction::to_letters, "abc", 1.25f);
    const Key to_accents = special("key.accents", KeyAction::to_accents, "\xC3\xA0\xC3\xA9", 1.25f); // "àé"
    const Key to_symbols = special("key.123", KeyAction::to_symbols, "123", 1.25f);
    switch (layer) {
    case KeyboardLayer::letters: row.keys = {to_symbols, to_accents}; break;
    case KeyboardLayer::accents: row.keys = {to_symbols, to_letters}; break;
    case KeyboardLayer::symbols: row.keys = {to_letters, to_accents}; break;
    }
    row.keys.push_back(character(",", false));
    row.keys.push_back(space_key(3.5f));
    row.keys.push_back(character(".", false));
    row.keys.push_back(special("key.done", KeyAction::done, "", 2.0f));
    return row;
}

Key shift_key(float width) { return special("key.shift", KeyAction::shift, "", width, KeyIcon::shift); }
Key backspace_key(float width) { return special("key.backspace", KeyAction::backspace, "", width, KeyIcon::backspace); }

std::vector<KeyRow> text_rows(KeyboardLayer layer, bool shift)
{
    std::vector<KeyRow> rows;
    switch (layer) {
    case KeyboardLayer::letters: {
        rows.push_back(characters("q w e r t y u i o p", shift));
        rows.push_back(characters("a s d f g h j k l", shift, 0.5f));
        KeyRow third = characters("z x c v b n m", shift);
        third.keys.insert(third.keys.begin(), shift_key(1.5f));
        third.keys.push_back(backspace_key(1.5f));
        rows.push_back(third);
        break;
    }
    case KeyboardLayer::accents: {
        // Dutch: ë é è ê ï í ö ó ü ú à á ç ñ, and a few for French and German names.
        rows.push_back(characters("\xC3\xAB \xC3\xA9 \xC3\xA8 \xC3\xAA \xC3\xAF \xC3\xAD \xC3\xB6 \xC3\xB3 \xC3\xBC "
                                  "\xC3\xBA",
                                  shift));
        rows.push_back(characters("\xC3\xA0 \xC3\xA1 \xC3\xA2 \xC3\xA4 \xC3\xA7 \xC3\xB1 \xC3\xB4 \xC3\xBB \xC3\xAE",
                                  shift, 0.5f));
        KeyRow third = characters("' - ? ! : ( )", false);
        third.keys.insert(third.keys.begin(), shift_key(1.5f));
        third.keys.push_back(backspace_key(1.5f));
        rows.push_back(third);
        break;
    }
    case KeyboardLayer::symbols: {
        rows.push_back(characters("1 2 3 4 5 6 7 8 9 0", false));
        rows.push_back(characters("@ # \xE2\x82\xAC & - + ( ) / _", false)); // € included
        KeyRow third = characters("' \" ? ! : ; % *", false);
        third.keys.push_back(backspace_key(2.0f));
        rows.push_back(third);
        break;
    }
    }
    rows.push_back(text_bottom_row(layer));
    return rows;
}

// E-mail addresses, and web addresses ("hq.example.nl:8443"), which have a
// colon and a slash where e-mail has "@" and "_".
std::vector<KeyRow> address_rows(KeyboardLayout layout)
{
    const bool web = layout == KeyboardLayout::address;
    std::vector<KeyRow> rows;
    rows.push_back(characters("1 2 3 4 5 6 7 8 9 0", false));
    rows.push_back(characters("q w e r t y u i o p", false));
    rows.push_back(characters("a s d f g h j k l", false, 0.5f));
    KeyRow fourth = characters("z x c v b n m", false);
    fourth.keys.insert(fourth.keys.begin(), character(web ? ":" : "@", false, 1.5f));
    fourth.keys.push_back(backspace_key(1.5f));
    rows.push_back(fourth);
    KeyRow fifth;
    fifth.keys = {character(".nl", false, 1.5f), character(".com", false, 1.5f), character("-", false),
                  character(web ? "/" : "_", false), character(".", false, 2.0f),
                  special("key.done", KeyAction::done, "", 3.0f)};
    rows.push_back(fifth);
    return rows;
}

std::vector<KeyRow> pad_rows(KeyboardLayout layout)
{
    std::vector<KeyRow> rows;
    rows.push_back(characters("1 2 3", false));
    rows.push_back(characters("4 5 6", false));
    rows.push_back(characters("7 8 9", false));
    KeyRow fourth;
    if (layout == KeyboardLayout::phone)
        fourth.keys = {character("+", false), character("0", false), backspace_key(1.0f)};
    else
        fourth.keys = {empty_slot(1.0f), character("0", false), backspace_key(1.0f)};
    rows.push_back(fourth);
    KeyRow fifth;
    if (layout == KeyboardLayout::phone)
        fifth.keys = {space_key(1.0f), special("key.done", KeyAction::done, "", 2.0f)};
    else
        fifth.keys = {special("key.done", KeyAction::done, "", 3.0f)};
    rows.push_back(fifth);
    return rows;
}

bool is_pad(KeyboardLayout layout) { return layout == KeyboardLayout::phone || layout == KeyboardLayout::pin; }

constexpr std::array<std::pair<KeyboardLayout, std::string_view>, 5> layout_names{{
    {KeyboardLayout::text, "text"},
    {KeyboardLayout::email, "email"},
    {KeyboardLayout::address, "address"},
    {KeyboardLayout::phone, "phone"},
    {KeyboardLayout::pin, "pin"},
}};
constexpr std::array<std::pair<KeyboardLayer, std::string_view>, 3> layer_names{{
    {KeyboardLayer::letters, "letters"},
    {KeyboardLayer::accents, "accents"},
    {KeyboardLayer::symbols, "symbols"},
}};

} // namespace

// [SECTION] Keyboard state and key presses

OnscreenKeyboard::OnscreenKeyboard(KeyboardLayout layout) : m_layout(layout) {}

void OnscreenKeyboard::set_layout(KeyboardLayout layout)
{
    m_layout = layout;
    m_layer = KeyboardLayer::letters;
    m_shift = false;
}

void OnscreenKeyboard::set_shift(bool on) { m_shift = on && m_layout == KeyboardLayout::text; }

std::vector<KeyRow> OnscreenKeyboard::rows() const
{
    switch (m_layout) {
    case KeyboardLayout::text: return text_rows(m_layer, m_shift);
    case KeyboardLayout::email:
    case KeyboardLayout::address: return address_rows(m_layout);
    case KeyboardLayout::phone:
    case KeyboardLayout::pin: return pad_rows(m_layout);
    }
    return {};
}

std::optional<Key> OnscreenKeyboard::find_key(std::string_view name) const
{
    if (name.empty())
        return std::nullopt;
    for (const KeyRow& row : rows())
        for (const Key& key : row.keys)
            if (key.name == name)
                return key;
    return std::nullopt;
}

KeyOutcome OnscreenKeyboard::press(std::string_view name, TextEditor& editor)
{
    const auto key = find_key(name);
    if (!key)
        return KeyOutcome::none;
    switch (key->action) {
    case KeyAction::insert: {
        if (editor.insert(key->inserts) == EditResult::refused_full)
            return KeyOutcome::refused;
        if (key->inserts != " ") // shift holds across a space typed by mistake
            m_shift = false;
        if (m_layer == KeyboardLayer::accents) // one accent at a time, then back to letters
            m_layer = KeyboardLayer::letters;
        return KeyOutcome::edited;
    }
    case KeyAction::shift: m_shift = !m_shift; return KeyOutcome::none;
    case KeyAction::backspace:
        return editor.backspace() == EditResult::changed ? KeyOutcome::edited : KeyOutcome::none;
    case KeyAction::done: return KeyOutcome::done;
    case KeyAction::to_letters: m_layer = KeyboardLayer::letters; return KeyOutcome::none;
    case KeyAction::to_accents: m_layer = KeyboardLayer::accents; return KeyOutcome::none;
    case KeyAction::to_symbols:
        m_layer = KeyboardLayer::symbols;
        m_shift = false;
        return KeyOutcome::none;
    case KeyAction::none: return KeyOutcome::none;
    }
    return KeyOutcome::none;
}

std::optional<std::vector<std::string>> OnscreenKeyboard::keys_to_type(char32_t code_point) const
{
    // Breadth-first over the keyboard's states, pressing only mode keys,
    // until a key on screen types the code point; shortest sequence wins.
    const std::string wanted = encode_utf8(code_point);
    struct Node {
        OnscreenKeyboard keyboard;
        std::vector<std::string> presses;
    };
    std::deque<Node> queue{Node{*this, {}}};
    std::vector<std::string> seen{state()};
    constexpr std::size_t max_mode_presses = 4;
    while (!queue.empty()) {
        Node node = std::move(queue.front());
        queue.pop_front();
        const auto rows = node.keyboard.rows();
        for (const KeyRow& row : rows)
            for (const Key& key : row.keys)
                if (key.action == KeyAction::insert && key.inserts == wanted) {
                    node.presses.push_back(key.name);
                    return node.presses;
                }
        if (node.presses.size() == max_mode_presses)
            continue;
        for (const KeyRow& row : rows)
            for (const Key& key : row.keys) {
                const bool mode_key = key.action == KeyAction::shift || key.action == KeyAction::to_letters ||
                                      key.action == KeyAction::to_accents || key.action == KeyAction::to_symbols;
                if (!mode_key)
                    continue;
                Node next{node.keyboard, node.presses};
                TextEditor scratch;
                next.keyboard.press(key.name, scratch);
                const std::string next_state = next.keyboard.state();
                if (std::find(seen.begin(), seen.end(), next_state) != seen.end())
                    continue;
                seen.push_back(next_state);
                next.presses.push_back(key.name);
                queue.push_back(std::move(next));
            }
    }
    return std::nullopt;
}

std::string OnscreenKeyboard::state() const
{
    std::string text;
    for (const auto& [layout, name] : layout_names)
        if (layout == m_layout)
            text += name;
    text += '/';
    for (const auto& [layer, name] : layer_names)
        if (layer == m_layer)
            text += name;
    text += m_shift ? "/shift" : "/-";
    return text;
}

std::optional<OnscreenKeyboard> OnscreenKeyboard::from_state(std::string_view state)
{
    const auto first = state.find('/');
    const auto second = first == std::string_view::npos ? first : state.find('/', first + 1);
    if (second == std::string_view::npos)
        return std::nullopt;
    const auto layout_name = state.substr(0, first);
    const auto layer_name = state.substr(first + 1, second - first - 1);
    const auto shift_name = state.substr(second + 1);
    std::optional<KeyboardLayout> layout;
    for (const auto& [value, name] : layout_names)
        if (name == layout_name)
            layout = value;
    std::optional<KeyboardLayer> layer;
    for (const auto& [value, name] : layer_names)
        if (name == layer_name)
            layer = value;
    if (!layout || !layer || (shift_name != "shift" && shift_name != "-"))
        return std::nullopt;
    OnscreenKeyboard keyboard(*layout);
    keyboard.m_layer = *layer;
    keyboard.m_shift = shift_name == "shift";
    return keyboard;
}

// [SECTION] Drawing

namespace {

struct KeyColours {
    ImU32 fill;
    ImU32 text;
};

KeyColours key_colours(const Palette& p, const Key& key, bool pressed, bool shift_on)
{
    switch (key.action) {
    case KeyAction::done: return {pressed ? p.primary_pressed : p.primary, p.text_on_accent};
    case KeyAction::shift:
        if (shift_on)
            return {pressed ? p.primary_pressed : p.primary, p.text_on_accent};
        return {pressed ? p.secondary_pressed : p.secondary, p.text};
    case KeyAction::backspace:
    case KeyAction::to_letters:
    case KeyAction::to_accents:
    case KeyAction::to_symbols: return {pressed ? p.secondary_pressed : p.secondary, p.text};
    case KeyAction::insert:
    case KeyAction::none: break;
    }
    return {pressed ? p.surface_pressed : p.surface, p.text};
}

void draw_shift_icon(ImDrawList* draw_list, ImVec2 center, float size, ImU32 colour, bool filled, float thickness)
{
    const float half = size * 0.5f;
    const float stem = size * 0.22f;
    const ImVec2 top(center.x, center.y - half);
    const ImVec2 left(center.x - half, center.y);
    const ImVec2 right(center.x + half, center.y);
    if (filled) {
        draw_list->AddTriangleFilled(top, right, left, colour);
        draw_list->AddRectFilled(ImVec2(center.x - stem, center.y - 1.0f), ImVec2(center.x + stem, center.y + half),
                                 colour);
        return;
    }
    const ImVec2 outline[7] = {
        top,
        right,
        ImVec2(center.x + stem, center.y),
        ImVec2(center.x + stem, center.y + half),
        ImVec2(center.x - stem, center.y + half),
        ImVec2(center.x - stem, center.y),
        left,
    };
    draw_list->AddPolyline(outline, 7, colour, ImDrawFlags_Closed, thickness);
}

void draw_backspace_icon(ImDrawList* draw_list, ImVec2 center, float size, ImU32 colour, float thickness)
{
    const float half_height = size * 0.38f;
    const float left = center.x - size * 0.6f;
    const float right = center.x + size * 0.6f;
    const float notch = left + half_height;
    const ImVec2 outline[5] = {
        ImVec2(left, center.y),
        ImVec2(notch, center.y - half_height),
        ImVec2(right, center.y - half_height),
        ImVec2(right, center.y + half_height),
        ImVec2(notch, center.y + half_height),
    };
    draw_list->AddPolyline(outline, 5, colour, ImDrawFlags_Closed, thickness);
    const float cross = half_height * 0.45f;
    const ImVec2 cross_center((notch + right) * 0.5f, center.y);
    draw_list->AddLine(ImVec2(cross_center.x - cross, cross_center.y - cross),
                       ImVec2(cross_center.x + cross, cross_center.y + cross), colour, thickness);
    draw_list->AddLine(ImVec2(cross_center.x - cross, cross_center.y + cross),
                       ImVec2(cross_center.x + cross, cross_center.y - cross), colour, thickness);
}

float key_units(KeyboardLayout layout) { return is_pad(layout) ? 3.0f : 10.0f; }

} // namespace

float OnscreenKeyboard::height(const FrameContext& ctx) const
{
    const Metrics& m = ctx.theme().metrics;
    const auto count = static_cast<float>(rows().size());
    return count * m.key_height + (count - 1.0f) * m.key_gap;
}

KeyOutcome OnscreenKeyboard::draw(FrameContext& ctx, TextEditor& editor, const KeyboardLabels& labels)
{
    const Theme& theme = ctx.theme();
    const Metrics& m = theme.metrics;
    const Palette& p = theme.palette;
    const auto key_rows = rows();

    const float available = std::max(1.0f, ImGui::GetContentRegionAvail().x);
    const float width = is_pad(m_layout) ? std::min(available, std::round(640.0f * m.scale)) : available;
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float left = std::floor(origin.x + (available - width) * 0.5f);
    const float units = key_units(m_layout);
    const float gap = m.key_gap;
    const float unit = (width - (units - 1.0f) * gap) / units;
    const float total_height = height(ctx);

    Target whole;
    whole.name = "keyboard";
    whole.rect = Rect{left, origin.y, width, total_height};
    whole.kind = TargetKind::display;
    whole.value = state();
    ctx.targets().add(whole);

    ImDrawList* draw_list = ImGui::GetWindowDrawList();
    const float shadow = std::max(1.0f, std::round(m.border));
    const float icon_size = m.body_px * 0.8f;
    const float icon_line = std::max(2.0f, m.border);
    std::string pressed_key;
    float y = origin.y;
    for (const KeyRow& row : key_rows) {
        float x = left + row.indent * (unit + gap);
        for (const Key& key : row.keys) {
            const float exact_width = key.width * unit + (key.width - 1.0f) * gap;
            // Round both edges (not the width), so the rows end on the same pixel.
            const float key_width = std::round(x + exact_width) - std::round(x);
            if (key.name.empty()) { // an empty slot keeps the pad's grid
                x += exact_width + gap;
                continue;
            }
            const ImVec2 min(std::round(x), y);
            ImGui::SetCursorScreenPos(min);
            const bool selected = key.action == KeyAction::shift && m_shift;
            const TapResult tap =
                tap_area(ctx, key.name, ImVec2(key_width, m.key_height), true, selected, key.inserts);
            if (tap.tapped)
                pressed_key = key.name;
            x += exact_width + gap;
            if (!tap.visible)
                continue;

            const ImVec2 max(min.x + key_width, min.y + m.key_height);
            const KeyColours colours = key_colours(p, key, tap.pressed, m_shift);
            draw_list->AddRectFilled(min, max, colours.fill, m.rounding);
            if (key.action == KeyAction::insert && !tap.pressed) // a hairline under light keys
                draw_list->AddRectFilled(ImVec2(min.x, max.y - shadow), max, p.outline);
            const ImVec2 center((min.x + max.x) * 0.5f, (min.y + max.y) * 0.5f);
            switch (key.icon) {
            case KeyIcon::shift: draw_shift_icon(draw_list, center, icon_size, colours.text, m_shift, icon_line); break;
            case KeyIcon::backspace: draw_backspace_icon(draw_list, center, icon_size, colours.text, icon_line); break;
            case KeyIcon::none: {
                std::string_view label = key.label;
                ImFont* font = theme.fonts.body;
                if (key.action == KeyAction::done) {
                    label = labels.done;
                    font = theme.fonts.body_bold;
                } else if (key.name == "key.space") {
                    label = labels.space;
                }
                const ImU32 text_colour = key.name == "key.space" ? p.text_muted : colours.text;
                if (!draw_text_centered(draw_list, font, m.body_px, ImVec2(min.x + 2.0f, min.y),
                                        ImVec2(max.x - 2.0f, max.y), label, text_colour))
                    report_overflow(ctx, key.name, label);
                break;
            }
            }
        }
        y += m.key_height + gap;
    }
    // Take the keyboard's space in the layout.
    ImGui::SetCursorScreenPos(origin);
    ImGui::Dummy(ImVec2(available, total_height));

    // Applied after drawing, so one frame shows one state of the keyboard.
    if (pressed_key.empty())
        return KeyOutcome::none;
    return press(pressed_key, editor);
}

} // namespace feedback::ui
