// The shopper's complaint steps (complaint_screens.h). The text steps use the
// typing layout with the keyboard shown at once: typing is what they are for.
#include "screens/complaint_screens.h"

#include "screens/text_entry.h"

#include <imgui.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace feedback::screens {

namespace {

using flows::Field;
namespace shopper = flows::shopper;

// Back and forward actions of a complaint step in the typing layout:
// Cancel, Back, [Skip], Next.
std::vector<Action> step_actions(bool with_skip)
{
    std::vector<Action> actions{Action{"common.cancel", ui::ButtonStyle::outline},
                                Action{"common.back", ui::ButtonStyle::secondary}};
    if (with_skip)
        actions.push_back(Action{"common.skip", ui::ButtonStyle::secondary});
    actions.push_back(Action{"common.next"});
    return actions;
}

void send_step_action(ScreenContext& ctx, const std::vector<Action>& actions, std::optional<std::size_t> tapped)
{
    if (!tapped)
        return;
    const std::string& key = actions[*tapped].key;
    if (key == "common.cancel")
        ctx.shopper(shopper::Cancel{});
    else if (key == "common.back")
        ctx.shopper(shopper::Back{});
    else if (key == "common.skip")
        ctx.shopper(shopper::Skip{});
    else
        ctx.shopper(shopper::Next{});
}

// One typing step: its fields, the keyboard, and the actions.
void typing_step(ScreenContext& ctx, std::string_view title_key, const std::string& title, const std::string& hint,
                 std::vector<EntryField> fields, bool with_skip, const std::vector<flows::FieldError>& errors)
{
    TypingLayout typing;
    typing.title_key = std::string(title_key);
    typing.title = title;
    typing.hint = hint;
    typing.fields = std::move(fields);
    typing.actions = step_actions(with_skip);
    typing.extra_row = [&] { screen_errors(ctx, errors); };
    const TypingResult result = draw_typing(ctx, typing);
    if (result.new_text && ctx.ui.focus)
        ctx.shopper(shopper::SetText{*ctx.ui.focus, *result.new_text});
    if (result.done) {
        if (const auto next = next_field_index(ctx.ui, typing.fields))
            focus_field(ctx.ui, typing.fields[*next]);
        else
            ctx.shopper(shopper::Next{});
    }
    send_step_action(ctx, typing.actions, result.action);
}

} // namespace

// [SECTION] Category

void draw_complaint_category(ScreenContext& ctx, const flows::ShopperView& view)
{
    staff_corner(ctx);
    ui::title(ctx.frame, "complaint.category.title", ctx.s.tr("complaint.category.title"));
    ui::TextOptions intro;
    intro.muted = true;
    ui::text(ctx.frame, "complaint.intro.body", ctx.s.tr("complaint.intro.body"), intro);
    ui::spacer(ctx.frame, 0.5f);

    const int columns = is_landscape(ctx.frame) ? 2 : 1;
    const float width = ui::share_width(ctx.frame, columns);
    const float left = ImGui::GetCursorScreenPos().x;
    for (std::size_t i = 0; i < view.categories.size(); ++i) {
        const flows::Chip& chip = view.categories[i];
        if (i % static_cast<std::size_t>(columns) != 0)
            ui::same_line(ctx.frame);
        else
            ImGui::SetCursorScreenPos(ImVec2(left, cursor_y()));
        if (ui::toggle_chip(ctx.frame, "category." + chip.id, chip.text, chip.selected, width))
            ctx.shopper(shopper::SelectCategory{chip.id});
    }
    ui::spacer(ctx.frame, 0.5f);
    if (const flows::Message* error = flows::find_error(view.errors, Field::category))
        alert_text(ctx, "field.category.error", message_text(ctx, *error));
    screen_errors(ctx, view.errors);

    const std::array actions{Action{"common.cancel", ui::ButtonStyle::outline, true, false},
                             Action{"common.next"}};
    const auto tapped = bottom_bar(ctx, actions);
    if (tapped == 0u)
        ctx.shopper(shopper::Cancel{});
    else if (tapped == 1u)
        ctx.shopper(shopper::Next{});
}

// [SECTION] Text steps

void draw_complaint_description(ScreenContext& ctx, const flows::ShopperView& view)
{
    staff_corner(ctx);
    EntryField description{Field::description, ctx.s.tr("complaint.description.title"), view.complaint.description,
                           ui::KeyboardLayout::text, flows::find_error(view.errors, Field::description), true};
    description.placeholder = ctx.s.tr("complaint.description.hint");
    typing_step(ctx, "complaint.description.title", ctx.s.tr("complaint.description.title"),
                ctx.s.tr("complaint.description.hint"), {description}, false, view.errors);
}

void draw_complaint_reference(ScreenContext& ctx, const flows::ShopperView& view)
{
    staff_corner(ctx);
    EntryField product{Field::product_ref, ctx.s.tr("complaint.product.product"), view.complaint.product_ref,
                       ui::KeyboardLayout::text, flows::find_error(view.errors, Field::product_ref)};
    EntryField receipt{Field::receipt_ref, ctx.s.tr("complaint.product.receipt"), view.complaint.receipt_ref,
                       ui::KeyboardLayout::text, flows::find_error(view.errors, Field::receipt_ref)};
    typing_step(ctx, "complaint.product.title", ctx.s.tr("complaint.product.title"), ctx.s.tr("complaint.product.hint"),
                {product, receipt}, true, view.errors);
}

void draw_complaint_wish(ScreenContext& ctx, const flows::ShopperView& view)
{
    staff_corner(ctx);
    EntryField wish{Field::customer_wish, ctx.s.tr("complaint.wish.title"), view.complaint.customer_wish,
                    ui::KeyboardLayout::text, flows::find_error(view.errors, Field::customer_wish), true};
    typing_step(ctx, "complaint.wish.title", ctx.s.tr("complaint.wish.title"), ctx.s.tr("complaint.wish.hint"), {wish},
                false, view.errors);
}

// [SECTION] Done: the reference code

void draw_complaint_done(ScreenContext& ctx, const flows::ShopperView& view)
{
    const ui::Metrics& m = ctx.metrics();
    staff_corner(ctx);
    const bool landscape = is_landscape(ctx.frame);
    ui::title(ctx.frame, "complaint.thanks.title", ctx.s.tr("complaint.thanks.title"), ui::TextAlign::center);
    ui::spacer(ctx.frame, landscape ? 0.5f : 3.0f);
    ui::TextOptions centred;
    centred.align = ui::TextAlign::center;
    ui::TextOptions muted = centred;
    muted.muted = true;
    muted.font = ui::FontRole::small;
    auto reference = [&] {
        ui::reference_code(ctx.frame, "complaint.reference", view.reference,
                           ctx.s.tr("complaint.thanks.reference_label"));
        ui::text(ctx.frame, "complaint.thanks.reference_hint", ctx.s.tr("complaint.thanks.reference_hint"), centred);
        ui::text(ctx.frame, "complaint.thanks.photo_hint", ctx.s.tr("complaint.thanks.photo_hint"), muted);
    };
    // The status link as a QR code, for the customer's phone: the decision
    // is theirs to read later (the key is in the link, nowhere else).
    auto status_code = [&](float side) {
        ui::qr_code(ctx.frame, "complaint.status_qr", view.status_link, side);
        ui::text(ctx.frame, "complaint.thanks.scan_hint", ctx.s.tr("complaint.thanks.scan_hint"), muted);
    };
    if (view.status_link.empty()) {
        reference();
    } else if (landscape) {
        const float side = std::round(ctx.frame.display_size().y * 0.3f);
        Columns columns(ctx, "complaint.done", 0.66f, side + m.small_px * 3.0f);
        reference();
        columns.right();
        status_code(side);
        columns.end();
    } else {
        reference();
        ui::spacer(ctx.frame, 1.0f);
        status_code(std::round(content_width(ctx.frame) * 0.4f));
    }
    ui::spacer(ctx.frame, landscape ? 1.0f : 3.0f);

    // Solve it on the floor: the strongest button on the screen.
    const float available = ImGui::GetContentRegionAvail().x;
    const float width = landscape ? std::round(available * 0.6f) : available;
    const float left = std::floor(ImGui::GetCursorScreenPos().x + (available - width) * 0.5f);
    ImGui::SetCursorScreenPos(ImVec2(left, cursor_y()));
    if (view.staff_on_the_way) {
        ui::begin_panel("complaint.on_the_way", ImVec2(width, std::round(m.button_height * 1.3f)));
        band(ctx, "complaint.thanks.staff_on_the_way", ctx.s.tr("complaint.thanks.staff_on_the_way"),
             BandTone::success);
        ui::end_panel();
    } else {
        ui::ButtonOptions call;
        call.width = width;
        call.height = std::round(m.button_height * 1.3f);
        call.colour = ctx.palette().promoter_pressed;
        if (ui::big_button(ctx.frame, "complaint.thanks.call_staff", ctx.s.tr("complaint.thanks.call_staff"), call))
            ctx.shopper(shopper::CallStaff{});
    }
    screen_errors(ctx, view.errors);

    const std::array actions{Action{"complaint.thanks.done"}};
    if (bottom_bar(ctx, actions) == 0u)
        ctx.shopper(shopper::Done{});
}

} // namespace feedback::screens
