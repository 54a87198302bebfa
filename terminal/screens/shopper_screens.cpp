// The shopper's rating screens (shopper_screens.h). Landscape screens put
// the promises and the complaint button side by side under the score row;
// portrait screens stack everything.
#include "screens/shopper_screens.h"

#include "domain/nps.h"
#include "screens/text_entry.h"

#include <imgui.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace feedback::screens {

namespace {

using flows::Field;
using flows::Screen;
namespace shopper = flows::shopper;

// [SECTION] Pieces

// A check mark in a circle: the thank-you screens' "done" sign.
void check_badge(ScreenContext& ctx, float radius)
{
    const float available = ImGui::GetContentRegionAvail().x;
    const ImVec2 top_left = ImGui::GetCursorScreenPos();
    const ImVec2 center(std::floor(top_left.x + available * 0.5f), std::floor(top_left.y + radius));
    ImGui::Dummy(ImVec2(available, radius * 2.0f));
    ImDrawList* draw_list = ImGui::GetWindowDrawList();
    draw_list->AddCircleFilled(center, radius, ctx.palette().promoter, 48);
    const ImVec2 points[3] = {
        ImVec2(center.x - radius * 0.42f, center.y + radius * 0.02f),
        ImVec2(center.x - radius * 0.1f, center.y + radius * 0.34f),
        ImVec2(center.x + radius * 0.45f, center.y - radius * 0.3f),
    };
    draw_list->AddPolyline(points, 3, ctx.palette().text_on_accent, 0, std::max(3.0f, radius * 0.16f));
}

// The shop's promises in a quiet panel: a title and one line per promise
// with a green tick (ISO 10001: promises visible to customers).
float promises_height(ScreenContext& ctx, const flows::ShopperView& view, float width)
{
    const ui::Metrics& m = ctx.metrics();
    const float indent = std::round(m.body_px * 1.2f);
    float height = 2.0f * m.gap + m.body_px + m.gap;
    for (const std::string& promise : view.promises)
        height += ui::wrapped_height(ctx.fonts().body, m.body_px, promise, width - 2.0f * m.gap - indent) +
                  std::round(m.gap * 0.6f);
    return height;
}

void promises_panel(ScreenContext& ctx, const flows::ShopperView& view)
{
    if (view.promises.empty())
        return;
    const ui::Metrics& m = ctx.metrics();
    const ui::Palette& p = ctx.palette();
    const float width = std::max(1.0f, ImGui::GetContentRegionAvail().x);
    const float height = promises_height(ctx, view, width);
    const ImVec2 min = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(width, height));
    ImDrawList* draw_list = ImGui::GetWindowDrawList();
    draw_list->AddRectFilled(min, ImVec2(min.x + width, min.y + height), p.surface);
    draw_list->AddRectFilled(min, ImVec2(min.x + std::round(m.selection_border), min.y + height), p.promoter);

    const float indent = std::round(m.body_px * 1.2f);
    float y = min.y + m.gap;
    const std::string& title = ctx.s.tr("promises.title");
    draw_list->AddText(ctx.fonts().body_bold, m.body_px, ImVec2(min.x + 1.5f * m.gap, y), p.text, title.c_str(),
                       title.c_str() + title.size());
    ui::Target title_target{"promises.title", ui::Rect{min.x, y, width, m.body_px}, ui::TargetKind::display, true,
                            false, title};
    ctx.frame.targets().add(std::move(title_target));
    y += m.body_px + m.gap;
    for (std::size_t i = 0; i < view.promises.size(); ++i) {
        const std::string& promise = view.promises[i];
        const float text_width = width - 2.0f * m.gap - indent;
        const float x = min.x + 1.5f * m.gap;
        const float tick = m.body_px * 0.55f;
        const ImVec2 points[3] = {
            ImVec2(x, y + m.body_px * 0.5f),
            ImVec2(x + tick * 0.4f, y + m.body_px * 0.5f + tick * 0.4f),
            ImVec2(x + tick, y + m.body_px * 0.5f - tick * 0.45f),
        };
        draw_list->AddPolyline(points, 3, p.promoter, 0, std::max(2.0f, m.border * 1.5f));
        draw_list->AddText(ctx.fonts().body, m.body_px, ImVec2(x + indent, y), p.text, promise.c_str(),
                           promise.c_str() + promise.size(), text_width);
        const float text_height = ui::wrapped_height(ctx.fonts().body, m.body_px, promise, text_width);
        ui::Target target{"promise." + std::to_string(i), ui::Rect{x, y, text_width + indent, text_height},
                          ui::TargetKind::display, true, false, promise};
        ctx.frame.targets().add(std::move(target));
        y += text_height + std::round(m.gap * 0.6f);
    }
}

const std::string& why_title(ScreenContext& ctx, int score)
{
    switch (nps_band(score)) {
    case NpsBand::detractor: return ctx.s.tr("why.title.detractor");
    case NpsBand::passive: return ctx.s.tr("why.title.passive");
    case NpsBand::promoter: return ctx.s.tr("why.title.promoter");
    }
    return ctx.s.tr("why.title.passive");
}

// The score just given, as a coloured square beside a title.
void score_badge(ScreenContext& ctx, int score, ImVec2 min, float side)
{
    ImDrawList* draw_list = ImGui::GetWindowDrawList();
    const ImU32 fill = ui::score_colour(ctx.palette(), score);
    draw_list->AddRectFilled(min, ImVec2(min.x + side, min.y + side), fill);
    const ImU32 text = nps_band(score) == NpsBand::passive ? ctx.palette().text : ctx.palette().text_on_accent;
    ui::draw_text_centered(draw_list, ctx.fonts().title, ctx.metrics().title_px, min, ImVec2(min.x + side, min.y + side),
                           std::to_string(score), text);
    ctx.frame.targets().add(ui::Target{"why.score", ui::Rect{min.x, min.y, side, side}, ui::TargetKind::display, true,
                                       false, std::to_string(score)});
}

} // namespace

// [SECTION] Language and accessibility

namespace {

// Up to this many languages are chips side by side; more are one chip that
// opens the list.
constexpr std::size_t max_language_chips = 3;

// A language's name in itself ("Deutsch").
const std::string& language_name(ScreenContext& ctx, const std::string& locale)
{
    return ctx.s.tr("start.language_" + locale);
}

std::string picker_label(ScreenContext& ctx, const flows::ShopperView& view)
{
    return ctx.s.tr("start.language") + ": " + language_name(ctx, view.locale);
}

} // namespace

float language_switch_width(ScreenContext& ctx, const flows::ShopperView& view)
{
    const float gap = ctx.metrics().gap;
    float width = ui::chip_width(ctx.frame, ctx.s.tr("start.accessible"));
    if (view.locales.size() > max_language_chips)
        return width + gap + ui::chip_width(ctx.frame, picker_label(ctx, view));
    for (const std::string& locale : view.locales)
        width += gap + ui::chip_width(ctx.frame, language_name(ctx, locale));
    return width;
}

void language_switch(ScreenContext& ctx, const flows::ShopperView& view)
{
    if (ui::toggle_chip(ctx.frame, "start.accessible", ctx.s.tr("start.accessible"), view.accessible))
        ctx.shopper(shopper::ToggleAccessible{});
    if (view.locales.size() > max_language_chips) {
        ui::same_line(ctx.frame);
        if (ui::toggle_chip(ctx.frame, "start.language", picker_label(ctx, view), ctx.ui.language_picker))
            ctx.ui.language_picker = !ctx.ui.language_picker;
        return;
    }
    for (const std::string& locale : view.locales) {
        ui::same_line(ctx.frame);
        if (ui::toggle_chip(ctx.frame, "start.language_" + locale, language_name(ctx, locale), view.locale == locale))
            ctx.shopper(shopper::SetLocale{locale});
    }
}

void language_list(ScreenContext& ctx, const flows::ShopperView& view)
{
    if (!ctx.ui.language_picker)
        return;
    const float left = ImGui::GetCursorScreenPos().x;
    const float right = left + ImGui::GetContentRegionAvail().x;
    const float gap = ctx.metrics().gap;
    bool first = true;
    for (const std::string& locale : view.locales) {
        const std::string& name = language_name(ctx, locale);
        const float width = ui::chip_width(ctx.frame, name);
        if (!first && ImGui::GetItemRectMax().x + gap + width <= right)
            ui::same_line(ctx.frame);
        first = false;
        if (ui::toggle_chip(ctx.frame, "start.language_" + locale, name, view.locale == locale)) {
            ctx.shopper(shopper::SetLocale{locale});
            ctx.ui.language_picker = false;
        }
    }
}

// [SECTION] Start

void draw_shopper_start(ScreenContext& ctx, const flows::ShopperView& view)
{
    const ui::Metrics& m = ctx.metrics();
    const bool landscape = is_landscape(ctx.frame);
    staff_corner(ctx);

    // Welcome and language, one row.
    const float left = ImGui::GetCursorScreenPos().x;
    const float top = cursor_y();
    const float available = ImGui::GetContentRegionAvail().x;
    const float switch_width = language_switch_width(ctx, view);
    ui::TextOptions welcome;
    welcome.muted = true;
    welcome.width = std::max(1.0f, available - switch_width - 2.0f * m.gap);
    ImGui::SetCursorScreenPos(ImVec2(left, top + std::round((m.chip_height - m.body_px) * 0.5f)));
    ui::text(ctx.frame, "start.welcome", ctx.s.format("start.welcome", {{"store", std::string(ctx.store_name)}}),
             welcome);
    ImGui::SetCursorScreenPos(ImVec2(left + available - switch_width, top));
    language_switch(ctx, view);
    ImGui::SetCursorScreenPos(ImVec2(left, top + m.chip_height + m.gap));
    language_list(ctx, view);
    ImGui::SetCursorScreenPos(ImVec2(left, std::max(cursor_y(), top + m.chip_height + m.gap * (landscape ? 1.0f : 6.0f))));

    // The question and the eleven scores.
    const std::string& question = view.question.empty() ? ctx.s.tr("start.question_fallback") : view.question;
    ui::title(ctx.frame, "start.question", question);
    ui::TextOptions hint;
    hint.muted = true;
    hint.font = ui::FontRole::small;
    ui::text(ctx.frame, "start.tap_a_number", ctx.s.tr("start.tap_a_number"), hint);
    ui::ScoreRowOptions scores;
    scores.low_label = ctx.s.tr("start.scale_low");
    scores.high_label = ctx.s.tr("start.scale_high");
    scores.height = std::round(m.button_height * (landscape ? 1.45f : 2.0f)); // narrow in portrait: taller
    scores.selected = view.score;
    if (const auto tapped = ui::score_row(ctx.frame, scores))
        ctx.shopper(shopper::TapScore{*tapped});
    screen_errors(ctx, view.errors);
    ui::spacer(ctx.frame, landscape ? 1.5f : 4.0f);

    ui::ButtonOptions complaint;
    complaint.height = std::round(m.button_height * 1.3f);
    complaint.colour = ctx.palette().primary;
    ui::TextOptions privacy;
    privacy.muted = true;
    privacy.font = ui::FontRole::small;
    if (landscape) {
        Columns columns(ctx, "start.bottom", 0.62f);
        promises_panel(ctx, view);
        columns.right();
        if (ui::big_button(ctx.frame, "start.complaint_button", ctx.s.tr("start.complaint_button"), complaint))
            ctx.shopper(shopper::StartComplaint{});
        ui::text(ctx.frame, "start.privacy_note", ctx.s.tr("start.privacy_note"), privacy);
        columns.end();
        return;
    }
    if (ui::big_button(ctx.frame, "start.complaint_button", ctx.s.tr("start.complaint_button"), complaint))
        ctx.shopper(shopper::StartComplaint{});
    ui::spacer(ctx.frame, 2.0f);
    promises_panel(ctx, view);
    move_to_bottom(ctx, m.small_px * 2.0f);
    ui::text(ctx.frame, "start.privacy_note", ctx.s.tr("start.privacy_note"), privacy);
}

// [SECTION] Why

void draw_shopper_why(ScreenContext& ctx, const flows::ShopperView& view)
{
    const ui::Metrics& m = ctx.metrics();
    staff_corner(ctx);
    EntryField comment;
    comment.field = Field::comment;
    comment.label = ctx.s.tr("why.tell_us_more");
    comment.placeholder = ctx.s.tr("why.comment_placeholder");
    comment.value = view.comment;
    comment.error = flows::find_error(view.errors, Field::comment);
    comment.multiline = true;

    if (ctx.ui.focus == Field::comment) {
        TypingLayout typing;
        typing.title_key = "why.title";
        typing.title = view.score ? why_title(ctx, *view.score) : ctx.s.tr("why.title.passive");
        typing.fields = {comment};
        typing.actions = {Action{"common.done", ui::ButtonStyle::secondary}, Action{"why.next"}};
        const TypingResult result = draw_typing(ctx, typing);
        if (result.new_text)
            ctx.shopper(shopper::SetText{Field::comment, *result.new_text});
        if (result.done || result.action == 0u)
            ctx.ui.focus.reset();
        else if (result.action == 1u)
            ctx.shopper(shopper::Next{});
        return;
    }

    // Title with the score as a coloured badge before it.
    const float left = ImGui::GetCursorScreenPos().x;
    const float top = cursor_y();
    const float badge = m.button_height;
    float title_left = left;
    if (view.score) {
        score_badge(ctx, *view.score, ImVec2(left, top), badge);
        title_left = left + badge + 1.5f * m.gap;
    }
    const std::string& title = view.score ? why_title(ctx, *view.score) : ctx.s.tr("why.title.passive");
    ui::TextOptions title_options;
    title_options.font = ui::FontRole::title;
    title_options.width = std::max(1.0f, ImGui::GetContentRegionAvail().x - (title_left - left));
    const float title_height = ui::wrapped_height(ctx.fonts().title, m.title_px, title, title_options.width);
    ImGui::SetCursorScreenPos(ImVec2(title_left, top + std::max(0.0f, (badge - title_height) * 0.5f)));
    ui::text(ctx.frame, "why.title", title, title_options);
    ImGui::SetCursorScreenPos(ImVec2(left, top + std::max(badge, title_height) + m.gap));

    ui::TextOptions pick;
    pick.muted = true;
    ui::text(ctx.frame, "why.pick_any", ctx.s.tr("why.pick_any"), pick);
    const auto chips = to_widget_chips(ctx, view.reasons, "reason");
    if (const auto tapped = ui::chip_group(ctx.frame, chips))
        ctx.shopper(shopper::ToggleReason{view.reasons[*tapped].id});
    ui::spacer(ctx.frame, 1.0f);
    if (entry_field(ctx, comment, false))
        focus_field(ctx.ui, comment);
    screen_errors(ctx, view.errors);

    const std::array actions{Action{"why.skip", ui::ButtonStyle::secondary}, Action{"why.next"}};
    const auto tapped = bottom_bar(ctx, actions);
    if (tapped == 0u)
        ctx.shopper(shopper::Skip{});
    else if (tapped == 1u)
        ctx.shopper(shopper::Next{});
}

// [SECTION] Contact

void draw_contact_offer(ScreenContext& ctx, const flows::ShopperView& view)
{
    const ui::Metrics& m = ctx.metrics();
    staff_corner(ctx);
    const bool complaint = view.screen == Screen::complaint_contact_offer;
    const std::string& title = complaint ? ctx.s.tr("complaint.contact.title") : ctx.s.tr("contact_offer.title");
    const std::string& body = complaint ? ctx.s.tr("complaint.contact.body") : ctx.s.tr("contact_offer.body");
    ui::title(ctx.frame, "contact_offer.title", title);
    ui::text(ctx.frame, "contact_offer.body", body);
    ui::spacer(ctx.frame, 2.0f);

    ui::ButtonOptions yes;
    yes.height = std::round(m.button_height * 1.5f);
    ui::ButtonOptions no = yes;
    no.style = ui::ButtonStyle::secondary;
    const bool landscape = is_landscape(ctx.frame);
    if (landscape) {
        yes.width = no.width = ui::share_width(ctx.frame, 2);
    }
    if (ui::big_button(ctx.frame, "contact_offer.yes", ctx.s.tr("contact_offer.yes"), yes))
        ctx.shopper(shopper::Yes{});
    if (landscape)
        ui::same_line(ctx.frame);
    const char* no_key = complaint ? "complaint.contact.skip" : "contact_offer.no";
    if (ui::big_button(ctx.frame, no_key, complaint ? ctx.s.tr("complaint.contact.skip") : ctx.s.tr("contact_offer.no"),
                       no))
        ctx.shopper(shopper::No{});
    ui::spacer(ctx.frame, 1.0f);
    ui::TextOptions note;
    note.muted = true;
    note.font = ui::FontRole::small;
    ui::text(ctx.frame, "contact.retention_note", ctx.s.tr("contact.retention_note"), note);
    screen_errors(ctx, view.errors);

    std::vector<Action> actions;
    if (complaint)
        actions.push_back(Action{"common.cancel", ui::ButtonStyle::outline, true, false});
    actions.push_back(Action{"common.back", ui::ButtonStyle::secondary, true, false});
    const auto tapped = bottom_bar(ctx, actions);
    if (tapped && actions[*tapped].key == "common.cancel")
        ctx.shopper(shopper::Cancel{});
    else if (tapped)
        ctx.shopper(shopper::Back{});
}

void draw_contact_details(ScreenContext& ctx, const flows::ShopperView& view)
{
    staff_corner(ctx);
    const flows::ContactDraft& contact = view.contact;
    EntryField name{Field::name, ctx.s.tr("contact.name"), contact.name, ui::KeyboardLayout::text,
                    flows::find_error(view.errors, Field::name)};
    EntryField phone{Field::phone, ctx.s.tr("contact.phone"), contact.phone, ui::KeyboardLayout::phone,
                     flows::find_error(view.errors, Field::phone)};
    EntryField email{Field::email, ctx.s.tr("contact.email"), contact.email, ui::KeyboardLayout::email,
                     flows::find_error(view.errors, Field::email)};

    TypingLayout typing;
    typing.title_key = "contact.title";
    typing.title = ctx.s.tr("contact.title");
    typing.fields = {name, phone, email};
    typing.actions = {Action{"common.back", ui::ButtonStyle::secondary}, Action{"common.skip", ui::ButtonStyle::secondary},
                      Action{"contact.submit"}};
    typing.show_keyboard = contact.consent;
    typing.extra_row = [&] {
        if (ui::consent_toggle(ctx.frame, "contact.consent",
                               ctx.s.format("contact.consent", {{"store", std::string(ctx.store_name)}}),
                               contact.consent))
            ctx.shopper(shopper::ToggleConsent{});
        if (const flows::Message* error = flows::find_error(view.errors, Field::consent))
            alert_text(ctx, "field.consent.error", message_text(ctx, *error));
        screen_errors(ctx, view.errors);
        if (!contact.consent) {
            ui::TextOptions note;
            note.muted = true;
            note.font = ui::FontRole::small;
            ui::text(ctx.frame, "contact.retention_note", ctx.s.tr("contact.retention_note"), note);
        }
    };
    const TypingResult result = draw_typing(ctx, typing);
    if (result.new_text && ctx.ui.focus)
        ctx.shopper(shopper::SetText{*ctx.ui.focus, *result.new_text});
    if (result.done) {
        if (const auto next = next_field_index(ctx.ui, typing.fields))
            focus_field(ctx.ui, typing.fields[*next]);
        else
            ctx.shopper(shopper::Next{});
    }
    if (result.action == 0u)
        ctx.shopper(shopper::Back{});
    else if (result.action == 1u)
        ctx.shopper(shopper::Skip{});
    else if (result.action == 2u)
        ctx.shopper(shopper::Next{});
}

// [SECTION] Thank you

void draw_shopper_thank_you(ScreenContext& ctx, const flows::ShopperView& view)
{
    const ui::Metrics& m = ctx.metrics();
    staff_corner(ctx);
    const float radius = std::round(m.button_height * 0.7f);
    const float available = ImGui::GetContentRegionAvail().x;
    const bool with_contact = view.contact.consent;
    const std::string& body = with_contact ? ctx.s.tr("thanks.body_contact") : ctx.s.tr("thanks.body");
    const std::string countdown = ctx.s.format("thanks.countdown", {{"seconds", std::to_string(view.seconds_left)}});
    const float height = 2.0f * radius + 2.0f * m.gap +
                         ui::wrapped_height(ctx.fonts().title, m.title_px, ctx.s.tr("thanks.title"), available) + m.gap +
                         ui::wrapped_height(ctx.fonts().body, m.body_px, body, available) + m.gap + m.small_px +
                         3.0f * m.gap + m.button_height;
    const float top = cursor_y();
    set_row(std::max(top, top + (content_bottom(ctx.frame) - top - height) * 0.45f));

    check_badge(ctx, radius);
    ui::spacer(ctx.frame, 1.0f);
    ui::title(ctx.frame, "thanks.title", ctx.s.tr("thanks.title"), ui::TextAlign::center);
    ui::TextOptions centred;
    centred.align = ui::TextAlign::center;
    ui::text(ctx.frame, "thanks.body", body, centred);
    ui::TextOptions small = centred;
    small.muted = true;
    small.font = ui::FontRole::small;
    ui::text(ctx.frame, "thanks.countdown", countdown, small);
    ui::spacer(ctx.frame, 2.0f);
    ui::ButtonOptions done;
    done.width = std::round(std::min(available, std::max(available / 3.0f, m.button_height * 3.0f)));
    ImGui::SetCursorScreenPos(
        ImVec2(std::floor(ImGui::GetCursorScreenPos().x + (available - done.width) * 0.5f), cursor_y()));
    if (ui::big_button(ctx.frame, "thanks.done", ctx.s.tr("thanks.done"), done))
        ctx.shopper(shopper::Done{});
}

} // namespace feedback::screens
