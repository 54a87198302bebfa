// The kiosk's own on-screen keyboard (a kiosk has no keyboard): QWERTY with
// shift, Dutch accented letters, digits and punctuation, an e-mail layout and
// numeric pads for phone numbers and PINs.
//
// It edits a TextEditor: UTF-8 text with a maximum length in code points.
// The editing logic and the layouts need no window (unit-tested alone);
// draw() puts the keys on screen and registers every key as a target.
//
// Layers of the text layout (every key is a target "key.<what it types>",
// e.g. "key.a", "key.ë", "key.@", "key..", plus the named keys below):
//
//            key.accents                key.123
//   letters ------------> accents ------------------> symbols
//      ^  <-- key.abc ----'  |  (typing an accent      |
//      |                     |   returns to letters)   |
//      '-------------------- key.abc ------------------'
//
//   key.shift: the next letter is a capital (also on the accents layer).
//   key.space, key.backspace, key.done on every layer.
//   E-mail: one layer with digits, @ . - _ and "key..nl", "key..com".
//   Phone: digits, "key.+", key.space, key.backspace, key.done.
//   PIN: digits, key.backspace, key.done (show the field masked).
#pragma once

#include "domain/utf8.h"
#include "ui/app_shell.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::ui {

// [SECTION] Text editing (code points: domain/utf8.h)

enum class EditResult {
    changed,
    refused_full, // the text would pass its maximum length; nothing changed
    unchanged,    // backspace on an empty text
};

// The text a field holds; the caret is always at the end (a kiosk field is
// typed left to right and corrected with backspace).
class TextEditor {
public:
    explicit TextEditor(std::size_t max_code_points = 200);

    const std::string& text() const { return m_text; }
    std::size_t code_points() const { return count_code_points(m_text); }
    std::size_t max_code_points() const { return m_max_code_points; }
    bool empty() const { return m_text.empty(); }

    // Appends all of `utf8` ("a", "ë", ".com"), or nothing when it would not fit.
    EditResult insert(std::string_view utf8);
    // Removes the last code point, all of its bytes.
    EditResult backspace();
    void clear() { m_text.clear(); }
    // Replaces the text, cut at the maximum on a code point boundary.
    void set_text(std::string_view utf8);

private:
    std::string m_text;
    std::size_t m_max_code_points;
};

// [SECTION] Layouts

enum class KeyboardLayout { text, email, address, phone, pin }; // address: a web address (setup)
enum class KeyboardLayer { letters, accents, symbols };

enum class KeyAction { insert, shift, backspace, done, to_letters, to_accents, to_symbols, none };
enum class KeyIcon { none, shift, backspace };

struct Key {
    std::string name;    // the target name: "key.a", "key.shift"
    std::string label;   // shown ("A" with shift on); empty for icons, space and done
    std::string inserts; // what it types, case applied; empty for other actions
    KeyAction action = KeyAction::insert;
    KeyIcon icon = KeyIcon::none;
    float width = 1.0f;  // in key units: a text row is 10 units, a numeric pad 3
};

struct KeyRow {
    float indent = 0.0f; // key units before the first key
    std::vector<Key> keys;
};

enum class KeyOutcome {
    none,    // a key that changes only the keyboard (shift, layers), or nothing
    edited,  // the text changed
    refused, // the text is full: nothing was typed; tell the person
    done,    // "done": the screen takes the text
};

struct KeyboardLabels {
    std::string space; // on the space bar ("spatie"); may be empty
    std::string done = "OK";
};

// [SECTION] The keyboard

class OnscreenKeyboard {
public:
    explicit OnscreenKeyboard(KeyboardLayout layout = KeyboardLayout::text);

    KeyboardLayout layout() const { return m_layout; }
    KeyboardLayer layer() const { return m_layer; }
    bool shift() const { return m_shift; }
    // Back to the first layer, shift off.
    void set_layout(KeyboardLayout layout);
    // E.g. on for an empty name field.
    void set_shift(bool on);

    // The keys on screen now, with shift applied to labels and inserts.
    std::vector<KeyRow> rows() const;
    std::optional<Key> find_key(std::string_view name) const;

    // What pressing the key named `name` does to the keyboard and `editor`.
    // An unknown name (not on the current layer) does nothing.
    KeyOutcome press(std::string_view name, TextEditor& editor);

    // The keys to press, from the current state, to type `code_point` (mode
    // keys first, e.g. {"key.shift", "key.z"}); nothing if this layout
    // cannot type it.
    std::optional<std::vector<std::string>> keys_to_type(char32_t code_point) const;

    // The state as text, "text/letters/shift" or "email/letters/-": the
    // keyboard registers it as the value of its display target "keyboard",
    // so a script can plan keys from what is on screen.
    std::string state() const;
    static std::optional<OnscreenKeyboard> from_state(std::string_view state);

    // Pixel height of the keys at this display's metrics: lay a screen out
    // from the bottom with it.
    float height(const FrameContext& ctx) const;
    // Draws the keys at the cursor across the available width (numeric pads
    // centred and narrower) and applies this frame's key press to `editor`.
    KeyOutcome draw(FrameContext& ctx, TextEditor& editor, const KeyboardLabels& labels = {});

private:
    KeyboardLayout m_layout;
    KeyboardLayer m_layer = KeyboardLayer::letters;
    bool m_shift = false;
};

} // namespace feedback::ui
