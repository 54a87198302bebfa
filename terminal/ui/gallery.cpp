// The widget gallery: two pages (widgets, keyboard) laid out in two columns
// on landscape displays and in one on portrait ones.
#include "ui/gallery.h"

#include "ui/widgets.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>
#include <vector>

namespace feedback::ui {

namespace {

struct LayoutChoice {
    KeyboardLayout layout;
    const char* target;
    const char* label;
    const char* field_label;
    std::size_t max_code_points;
};

constexpr std::array<LayoutChoice, 4> layout_choices{{
    {KeyboardLayout::text, "gallery.layout.text", "Tekst", "Uw naam of opmerking", 40},
    {KeyboardLayout::email, "gallery.layout.email", "E-mail", "E-mailadres", 60},
    {KeyboardLayout::phone, "gallery.layout.phone", "Telefoon", "Telefoonnummer", 16},
    {KeyboardLayout::pin, "gallery.layout.pin", "PIN", "Pincode medewerker", 6},
}};

const LayoutChoice& choice_for(KeyboardLayout layout)
{
    for (const LayoutChoice& choice : layout_choices)
        if (choice.layout == layout)
            return choice;
    return layout_choices[0];
}

constexpr std::array<std::pair<const char*, const char*>, 5> demo_reasons{{
    {"chip.waiting_time", "Wachttijd"},
    {"chip.friendliness", "Vriendelijkheid"},
    {"chip.price", "Prijs (€)"},
    {"chip.quality", "Kwaliteit"},
    {"chip.cleanliness", "Netheid"},
}};

struct DemoComplaint {
    const char* target;
    const char* title;
    const char* detail;
    const char* age;
    bool overdue;
};

constexpr std::array<DemoComplaint, 3> demo_complaints{{
    {"complaint.UTR-2A-4F9TN", "Bezorging te laat", "Telefoon · bezorging", "3 d", true},
    {"complaint.UTR-2A-4F9UP", "Product beschadigd", "Balie · kwaliteit", "5 u", false},
    {"complaint.UTR-2A-4F9VQ", "Wachttijd kassa", "Kiosk · wachttijd", "20 min", false},
}};

bool landscape(const FrameContext& ctx) { return ctx.display_size().x > ctx.display_size().y; }

} // namespace

Gallery::Gallery() : m_keyboard(KeyboardLayout::text) { m_keyboard.set_shift(true); }

std::string Gallery::screen_name() const
{
    return m_state.page == GalleryState::Page::widgets ? "gallery-widgets" : "gallery-keyboard";
}

void Gallery::draw(FrameContext& ctx)
{
    draw_page_tabs(ctx);
    if (m_state.page == GalleryState::Page::widgets)
        draw_widgets_page(ctx);
    else
        draw_keyboard_page(ctx);
}

// [SECTION] Page tabs and title

void Gallery::draw_page_tabs(FrameContext& ctx)
{
    const bool on_widgets = m_state.page == GalleryState::Page::widgets;
    const std::string_view widgets_label = "Widgets";
    const std::string_view keyboard_label = "Toetsenbord";
    const std::string_view heading = on_widgets ? "Widgetgalerij" : "Toetsenbord – probeer maar";
    const float gap = ctx.theme().metrics.gap;
    const float tabs_width = chip_width(ctx, widgets_label) + gap + chip_width(ctx, keyboard_label);

    if (landscape(ctx)) {
        TextOptions options;
        options.font = FontRole::title;
        options.width = ImGui::GetContentRegionAvail().x - tabs_width - gap;
        text(ctx, "gallery.title", heading, options);
        same_line(ctx);
    }
    if (toggle_chip(ctx, "gallery.page.widgets", widgets_label, on_widgets))
        m_state.page = GalleryState::Page::widgets;
    same_line(ctx);
    if (toggle_chip(ctx, "gallery.page.keyboard", keyboard_label, !on_widgets))
        m_state.page = GalleryState::Page::keyboard;
    if (!landscape(ctx))
        title(ctx, "gallery.title", heading);
}

// [SECTION] Widgets page

void Gallery::draw_widgets_page(FrameContext& ctx)
{
    text(ctx, "gallery.question", "Hoe waarschijnlijk is het dat u ons aanbeveelt aan vrienden of collega’s?");
    ScoreRowOptions score_options;
    score_options.selected = m_state.score;
    score_options.low_label = "Zeer onwaarschijnlijk";
    score_options.high_label = "Zeer waarschijnlijk";
    if (const auto tapped = score_row(ctx, score_options))
        m_state.score = *tapped;

    if (landscape(ctx)) {
        const float gap = ctx.theme().metrics.gap;
        const float column = std::floor((ImGui::GetContentRegionAvail().x - gap) * 0.5f);
        begin_panel("gallery.left", ImVec2(column, 0.0f));
        draw_choices(ctx);
        end_panel();
        ImGui::SameLine(0.0f, gap);
        begin_panel("gallery.right", ImVec2(column, 0.0f));
        draw_complaints(ctx);
        end_panel();
    } else {
        draw_choices(ctx);
        draw_complaints(ctx);
    }
}

void Gallery::draw_choices(FrameContext& ctx)
{
    std::vector<Chip> chips;
    for (const auto& [target, label] : demo_reasons)
        chips.push_back(Chip{target, label, m_state.chips.count(target) > 0});
    if (const auto tapped = chip_group(ctx, chips)) {
        const std::string& target = chips[*tapped].target;
        if (!m_state.chips.erase(target))
            m_state.chips.insert(target);
    }

    if (consent_toggle(ctx, "gallery.consent",
                       "Ja, u mag mij over mijn reactie contact opnemen. Mijn gegevens worden na 30 dagen gewist.",
                       m_state.consent))
        m_state.consent = !m_state.consent;

    const float width = share_width(ctx, 3);
    ButtonOptions primary;
    primary.width = width;
    if (big_button(ctx, "gallery.primary", "Verstuur", primary)) {
        ++m_state.primary_taps;
        m_state.saved_until_ms = ctx.now_ms() + 1500;
    }
    same_line(ctx);
    ButtonOptions secondary;
    secondary.width = width;
    secondary.style = ButtonStyle::secondary;
    if (big_button(ctx, "gallery.secondary", "Terug", secondary))
        ++m_state.secondary_taps;
    same_line(ctx);
    ButtonOptions disabled;
    disabled.width = width;
    disabled.enabled = false;
    big_button(ctx, "gallery.disabled", "Niet nu", disabled);

    // A timer: the note disappears after 1.5 s without any input.
    if (ctx.now_ms() < m_state.saved_until_ms) {
        TextOptions note;
        note.muted = true;
        text(ctx, "gallery.saved", "Opgeslagen – dank u wel!", note);
        ctx.wake_at(m_state.saved_until_ms);
    }
}

void Gallery::draw_complaints(FrameContext& ctx)
{
    reference_code(ctx, "gallery.reference", "UTR-2A-4F9TN", "Uw referentie");

    const auto& rows = demo_complaints;
    // Two rows fit beside the other column on a landscape screen.
    const std::size_t shown = landscape(ctx) ? 2 : rows.size();
    for (std::size_t i = 0; i < shown; ++i) {
        ListRowOptions options;
        options.detail = rows[i].detail;
        options.trailing = rows[i].age;
        options.trailing_alert = rows[i].overdue;
        options.selected = m_state.opened_row == rows[i].target;
        if (list_row(ctx, rows[i].target, rows[i].title, options))
            m_state.opened_row = rows[i].target;
    }
}

// [SECTION] Keyboard page

void Gallery::select_layout(KeyboardLayout layout)
{
    if (layout == m_state.layout)
        return;
    m_state.layout = layout;
    m_state.editor = TextEditor(choice_for(layout).max_code_points);
    m_state.submitted.clear();
    m_state.refused = false;
    m_keyboard.set_layout(layout);
    m_keyboard.set_shift(layout == KeyboardLayout::text);
}

void Gallery::draw_keyboard_page(FrameContext& ctx)
{
    std::vector<Chip> chips;
    for (const LayoutChoice& choice : layout_choices)
        chips.push_back(Chip{choice.target, choice.label, choice.layout == m_state.layout});
    if (const auto tapped = chip_group(ctx, chips))
        select_layout(layout_choices[*tapped].layout);

    const LayoutChoice& choice = choice_for(m_state.layout);
    TextFieldOptions field;
    field.label = choice.field_label;
    field.placeholder = "Typ hier…";
    field.masked = m_state.layout == KeyboardLayout::pin;
    text_field(ctx, "gallery.field", m_state.editor.text(), field);

    std::string status = std::to_string(m_state.editor.code_points()) + " / " +
                         std::to_string(m_state.editor.max_code_points());
    if (m_state.refused)
        status += " – vol";
    if (!m_state.submitted.empty() && m_state.layout != KeyboardLayout::pin)
        status += " – ontvangen: " + m_state.submitted;
    TextOptions small;
    small.font = FontRole::small;
    small.muted = true;
    text(ctx, "gallery.status", status, small);

    // The keyboard sits at the bottom of the screen.
    const float keyboard_top = ctx.display_size().y - ctx.theme().metrics.margin - m_keyboard.height(ctx);
    ImGui::SetCursorScreenPos(ImVec2(ImGui::GetCursorScreenPos().x, std::max(ImGui::GetCursorScreenPos().y, keyboard_top)));
    KeyboardLabels labels;
    labels.space = "spatie";
    labels.done = "Klaar";
    const KeyOutcome outcome = m_keyboard.draw(ctx, m_state.editor, labels);
    if (outcome == KeyOutcome::done)
        m_state.submitted = m_state.editor.text();
    if (outcome != KeyOutcome::none)
        m_state.refused = outcome == KeyOutcome::refused;
}

} // namespace feedback::ui
