// The widget gallery: a small demo screen that uses every widget and the
// on-screen keyboard, to judge the look on real hardware, for the UI tests
// and for measuring frame times.
//
// Not a product screen: its texts are literal demo strings (Dutch, with ë
// and €, to show the glyphs).
#pragma once

#include "ui/app_shell.h"
#include "ui/onscreen_keyboard.h"

#include <optional>
#include <set>
#include <string>

namespace feedback::ui {

struct GalleryState {
    enum class Page { widgets, keyboard };
    Page page = Page::widgets;

    std::optional<int> score;
    std::set<std::string> chips; // selected chip targets
    bool consent = false;
    int primary_taps = 0;
    int secondary_taps = 0;
    std::string opened_row; // the list row tapped last
    int64_t saved_until_ms = -1; // "saved" note shown until then (a timer)

    KeyboardLayout layout = KeyboardLayout::text;
    TextEditor editor{40};
    std::string submitted; // the text when "done" was tapped
    bool refused = false;  // the last key press was refused (text full)
};

class Gallery {
public:
    Gallery();

    void draw(FrameContext& ctx);
    // "gallery-widgets" or "gallery-keyboard", for screenshot names.
    std::string screen_name() const;

    const GalleryState& state() const { return m_state; }
    GalleryState& state() { return m_state; }
    OnscreenKeyboard& keyboard() { return m_keyboard; }

private:
    void draw_page_tabs(FrameContext& ctx);
    void draw_widgets_page(FrameContext& ctx);
    void draw_choices(FrameContext& ctx);
    void draw_complaints(FrameContext& ctx);
    void draw_keyboard_page(FrameContext& ctx);
    void select_layout(KeyboardLayout layout);

    GalleryState m_state;
    OnscreenKeyboard m_keyboard;
};

} // namespace feedback::ui
