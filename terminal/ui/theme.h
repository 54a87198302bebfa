// The kiosk's look: a calm palette, touch-sized metrics and the Noto Sans
// fonts, all scaled to the display so that 1280x800, 1920x1080 and portrait
// 1080x1920 look alike. Flat shapes: rounding costs in the software renderer.
#pragma once

#include "domain/result.h"

#include <imgui.h>

#include <cstdint>
#include <filesystem>
#include <vector>

namespace feedback::ui {

// 0xRRGGBB (and an alpha 0-255) as ImGui's packed colour; IM_COL32 without
// its C casts.
constexpr ImU32 rgb(std::uint32_t hex, std::uint32_t alpha = 255)
{
    return ((hex >> 16) & 0xFFu) | (((hex >> 8) & 0xFFu) << 8) | ((hex & 0xFFu) << 16) |
           ((alpha & 0xFFu) << 24);
}

// Colours. Hovered == normal everywhere: on a touch screen the "mouse" stays
// where the finger was, so a hover colour would stick to the last button.
struct Palette {
    ImU32 background = rgb(0xF4F2ED);   // warm paper; the one clear per frame
    ImU32 surface = rgb(0xFFFFFF);      // keys, fields, chips, list rows
    ImU32 surface_pressed = rgb(0xDCD8CF);
    ImU32 outline = rgb(0xC9C4BA);
    ImU32 text = rgb(0x1F2A30);
    ImU32 text_muted = rgb(0x5C6870);
    ImU32 text_disabled = rgb(0x6E757C);  // also placeholders: 4.6:1 on surface
    ImU32 text_on_accent = rgb(0xFFFFFF);
    ImU32 primary = rgb(0x2D6A88);      // calm blue-teal: the main action
    ImU32 primary_pressed = rgb(0x214F66);
    ImU32 secondary = rgb(0xE3DFD6);    // other actions, mode keys
    ImU32 secondary_pressed = rgb(0xCBC6BB);
    ImU32 disabled = rgb(0xEAE8E3);
    ImU32 detractor = rgb(0xB5503F);    // NPS 0-6, a brick red (white text 5:1)
    ImU32 detractor_pressed = rgb(0x96402F);
    ImU32 passive = rgb(0xE2A745);      // NPS 7-8, amber (dark text on it)
    ImU32 passive_pressed = rgb(0xBF8A33);
    ImU32 promoter = rgb(0x3B7B54);     // NPS 9-10, a quiet green (white text 5:1)
    ImU32 promoter_pressed = rgb(0x2F6444);
    ImU32 alert = rgb(0xB4473A);        // overdue, errors
    ImU32 caret = rgb(0x2D6A88);
    ImU32 band_success = rgb(0xDCEBDD); // a notice's band: done
    ImU32 band_error = rgb(0xF6DEDA);   // went wrong
    ImU32 band_info = rgb(0xDDE8EE);    // for your information
};

// The high-contrast look a shopper switches on at the start screen: black
// on white, deep colours under white text (every pair at least 7:1 where
// the standard palette has 4.5:1).
Palette high_contrast_palette();

// Every text colour the widgets draw, with each fill it is drawn on, so a
// test can hold each pair to WCAG 2's 4.5:1 (disabled controls are exempt
// there and here).
struct TextOnFill {
    const char* what; // "text on surface", for the message
    ImU32 text;
    ImU32 fill;
};
std::vector<TextOnFill> text_on_fills(const Palette& palette);
// WCAG 2's contrast ratio of two opaque colours (1 to 21).
double contrast_ratio(ImU32 a, ImU32 b);

// Sizes in pixels for this display. `scale` is 1.0 at 1280x800: the short
// side is measured against 800 and the long side against 1280, and the
// smaller ratio wins, so a portrait 1080x1920 screen gets the same type as a
// landscape 1920x1080 one and nothing overflows the narrow side.
struct Metrics {
    float scale = 1.0f;
    float margin = 32.0f;        // screen edge to content
    float gap = 16.0f;           // between widgets
    float button_height = 88.0f; // at least ~12 mm on a 10" kiosk
    float chip_height = 64.0f;
    float key_height = 72.0f;
    float key_gap = 8.0f;
    float row_height = 96.0f;    // list rows
    float field_height = 80.0f;  // text field boxes
    float rounding = 0.0f;       // keep 0-4: rounded corners cost in software
    float border = 2.0f;
    float selection_border = 5.0f;
    float caret_width = 3.0f;
    float small_px = 24.0f;
    float body_px = 32.0f;
    float title_px = 56.0f;
    float code_px = 96.0f;
};

// `text_scale` makes the text larger (the shopper's large-text mode: 1.25)
// and the touch targets grow along, less.
Metrics metrics_for(ImVec2 display_size, float text_scale = 1.0f);
inline constexpr float large_text_scale = 1.25f;

enum class FontRole { small, body, body_bold, title, code };

// Fonts in ImGui's atlas (owned by it; valid until the atlas is rebuilt).
struct Fonts {
    ImFont* small = nullptr;
    ImFont* body = nullptr;
    ImFont* body_bold = nullptr;
    ImFont* title = nullptr;
    ImFont* code = nullptr; // digits, capitals and punctuation only

    ImFont* get(FontRole role) const;
};

// The TTF files, read once; ImGui's atlas points into these buffers, so they
// must outlive every atlas built from them.
class FontFiles {
public:
    // Reads NotoSans-Regular.ttf and NotoSans-Bold.ttf from `dir`.
    static Result<FontFiles> load(const std::filesystem::path& dir);

    // Clears `atlas` and adds every role at the sizes in `metrics`. Glyphs:
    // Basic Latin, Latin-1, Latin Extended-A, general punctuation and the
    // euro sign (the code font: printable ASCII only). OversampleH = 1.
    Fonts add_to(ImFontAtlas& atlas, const Metrics& metrics);

private:
    std::vector<unsigned char> m_regular;
    std::vector<unsigned char> m_bold;
};

struct Theme {
    Palette palette;
    Metrics metrics;
    Fonts fonts;

    // ImGui's own style for anything drawn with stock widgets.
    void apply_to(ImGuiStyle& style) const;
};

} // namespace feedback::ui
