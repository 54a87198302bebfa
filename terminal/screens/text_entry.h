// The shared text-entry layout: fields with their labels and errors, and the
// on-screen keyboard for the focused one. A screen either shows its fields
// as boxes to tap (entry_field) or switches to typing (draw_typing): header
// with actions, the fields side by side (stacked on portrait screens), the
// keyboard along the bottom.
//
//   +--------------------------------------------------------------+
//   | Title                                   [Back] [Skip] [Next] |
//   | (extra row: a consent toggle)                                 |
//   | Label          | Label             | Label                    |
//   | [field       ] | [field          ] | [field                 ] |
//   |                                                              |
//   | [q][w][e][r][t][y][u][i][o][p]                                |
//   | ...                                    the focused field's layout
//   +--------------------------------------------------------------+
//
// The flow keeps the text: every key press sends the whole new text as a
// SetText intent; the layout only remembers which field has the keyboard.
#pragma once

#include "screens/screen_kit.h"

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace feedback::screens {

struct EntryField {
    EntryField() = default;
    EntryField(flows::Field field_, std::string label_, std::string value_,
               ui::KeyboardLayout layout_ = ui::KeyboardLayout::text, const flows::Message* error_ = nullptr,
               bool multiline_ = false)
        : field(field_), label(std::move(label_)), value(std::move(value_)), layout(layout_), error(error_),
          multiline(multiline_)
    {
    }

    flows::Field field = flows::Field::none;
    std::string label;       // translated, shown above the box
    std::string value;       // the flow's text
    ui::KeyboardLayout layout = ui::KeyboardLayout::text;
    const flows::Message* error = nullptr; // shown under the box in the alert colour (the label stays)
    bool multiline = false;  // a taller box that wraps (descriptions)
    bool masked = false;     // PINs
    std::string placeholder; // translated, shown while empty
};

// "field.comment", "field.name": the field's target name.
std::string field_target(flows::Field field);

// Draws a field (label, the box, its error if any) at the cursor in `width`
// (0 = all available). Returns true when tapped.
bool entry_field(ScreenContext& ctx, const EntryField& field, bool focused, float width = 0.0f);
// The height entry_field takes.
float entry_field_height(const ScreenContext& ctx, const EntryField& field);

// Gives `field` the keyboard: its layout, shift on for an empty text field
// (a name, a sentence), digits first for amounts.
void focus_field(ScreenUi& ui, const EntryField& field);

struct TypingLayout {
    std::string title_key;                // target of the title
    std::string title;                    // translated
    std::string hint;                     // translated, optional, under the title
    std::vector<EntryField> fields;       // at least one; one of them focused
    std::vector<Action> actions;          // in the header (landscape) or above the keyboard
    std::function<void()> extra_row;      // drawn between the title and the fields (a consent toggle)
    bool show_keyboard = true;            // false: fields shown, keyboard hidden (consent not yet given)
};

struct TypingResult {
    std::optional<std::size_t> action;    // an action tapped
    std::optional<std::string> new_text;  // the focused field's text after a key press
    bool done = false;                    // the keyboard's done key
};

// Draws the typing layout; taps on other fields move the focus. The caller
// turns new_text into its flow's SetText for ui.focus.
TypingResult draw_typing(ScreenContext& ctx, const TypingLayout& layout);

// Keeps ui.focus on one of `fields` (the first when it is on none).
void ensure_focus(ScreenUi& ui, std::span<const EntryField> fields);
// The field after the focused one, or nothing when it is the last.
std::optional<std::size_t> next_field_index(const ScreenUi& ui, std::span<const EntryField> fields);

} // namespace feedback::screens
