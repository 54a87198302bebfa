// Staff mode's PIN pad, menu, find-by-reference and status screens
// (staff_screens.h).
#include "screens/staff_screens.h"

#include "domain/clock.h"
#include "screens/text_entry.h"

#include <imgui.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace feedback::screens {

namespace {

using flows::Field;
namespace staff = flows::staff;

} // namespace

const std::string& status_name(const ScreenContext& ctx, ComplaintStatus status)
{
    switch (status) {
    case ComplaintStatus::open: return ctx.s.tr("staff.status_name.open");
    case ComplaintStatus::acknowledged: return ctx.s.tr("staff.status_name.acknowledged");
    case ComplaintStatus::escalated: return ctx.s.tr("staff.status_name.escalated");
    case ComplaintStatus::awaiting_response: return ctx.s.tr("staff.status_name.awaiting_response");
    case ComplaintStatus::satisfied: return ctx.s.tr("staff.status_name.satisfied");
    case ComplaintStatus::dissatisfied: return ctx.s.tr("staff.status_name.dissatisfied");
    case ComplaintStatus::closed: return ctx.s.tr("staff.status_name.closed");
    }
    return ctx.s.tr("staff.status_name.open");
}

// [SECTION] PIN

void draw_staff_pin(ScreenContext& ctx, const flows::StaffView& view)
{
    // The flow forgets the digits after each try; so does the pad.
    if (static_cast<int>(ctx.ui.pin.size()) != view.pin_length)
        ctx.ui.pin.clear();
    if (ctx.ui.keyboard.layout() != ui::KeyboardLayout::pin)
        ctx.ui.keyboard.set_layout(ui::KeyboardLayout::pin);

    const bool landscape = is_landscape(ctx.frame);
    std::optional<Columns> columns;
    if (landscape)
        columns.emplace(ctx, "staff.pin", 0.45f);
    ui::title(ctx.frame, "staff.login.title", ctx.s.tr("staff.login.title"));
    ui::spacer(ctx.frame, 1.0f);
    EntryField pin{Field::pin, ctx.s.tr("staff.login.enter_pin"), ctx.ui.pin, ui::KeyboardLayout::pin,
                   flows::find_error(view.errors, Field::pin)};
    pin.masked = true;
    entry_field(ctx, pin, !view.locked);
    screen_errors(ctx, view.errors);
    ui::ButtonOptions cancel;
    cancel.style = ui::ButtonStyle::outline;
    if (ui::big_button(ctx.frame, "staff.login.cancel", ctx.s.tr("staff.login.cancel"), cancel))
        ctx.staff(staff::Back{});
    if (columns)
        columns->right();
    else
        ui::spacer(ctx.frame, 2.0f);

    // Locked: no pad, only the countdown (in the error line above).
    if (view.locked) {
        if (columns)
            columns->end();
        return;
    }
    if (landscape) // the pad in the middle of its column
        set_row(std::max(cursor_y(), std::floor((content_bottom(ctx.frame) + cursor_y() -
                                                 ctx.ui.keyboard.height(ctx.frame)) * 0.5f)));
    else
        move_to_bottom(ctx, ctx.ui.keyboard.height(ctx.frame));
    ui::TextEditor editor(static_cast<std::size_t>(flows::max_chars(Field::pin)));
    editor.set_text(ctx.ui.pin);
    ui::KeyboardLabels labels;
    labels.done = ctx.s.tr("staff.login.log_in");
    const ui::KeyOutcome outcome = ctx.ui.keyboard.draw(ctx.frame, editor, labels);
    if (outcome == ui::KeyOutcome::edited) {
        ctx.ui.pin = editor.text();
        ctx.staff(staff::SetText{Field::pin, ctx.ui.pin});
    } else if (outcome == ui::KeyOutcome::done) {
        ctx.ui.pin.clear();
        ctx.staff(staff::Submit{});
    }
    if (columns)
        columns->end();
}

void draw_staff_checking_pin(ScreenContext& ctx)
{
    ui::title(ctx.frame, "staff.login.title", ctx.s.tr("staff.login.title"));
    ui::spacer(ctx.frame, 2.0f);
    band(ctx, "staff.login.checking", ctx.s.tr("staff.login.checking"), BandTone::info);
}

// [SECTION] Menu

void draw_staff_menu(ScreenContext& ctx, const flows::StaffView& view)
{
    const ui::Metrics& m = ctx.metrics();
    const std::array header_actions{Action{"staff.menu.log_out", ui::ButtonStyle::outline}};
    if (header(ctx, "staff.menu.title", ctx.s.tr("staff.menu.title"), header_actions) == 0u)
        ctx.staff(staff::LogOut{});
    ui::TextOptions greeting;
    greeting.muted = true;
    ui::text(ctx.frame, "staff.menu.greeting", ctx.s.format("staff.menu.greeting", {{"name", view.staff_name}}),
             greeting);
    screen_errors(ctx, view.errors);
    if (view.printer_problem)
        band(ctx, "staff.printer.problem", message_text(ctx, *view.printer_problem), BandTone::error);
    ui::spacer(ctx.frame, 1.0f);

    struct Tile {
        const char* key;
        flows::MenuItem item;
        ui::ButtonStyle style;
    };
    const std::array<Tile, 4> tiles{{
        {"staff.menu.log_complaint", flows::MenuItem::log_complaint, ui::ButtonStyle::primary},
        {"staff.menu.open_complaints", flows::MenuItem::open_complaints, ui::ButtonStyle::secondary},
        {"staff.menu.find_by_reference", flows::MenuItem::find, ui::ButtonStyle::secondary},
        {"staff.menu.status", flows::MenuItem::status, ui::ButtonStyle::secondary},
    }};
    const bool landscape = is_landscape(ctx.frame);
    const int columns = landscape ? 2 : 1;
    const float rows = landscape ? 2.0f : 4.0f;
    const float available_height = content_bottom(ctx.frame) - cursor_y();
    const float height = std::floor(std::min(m.button_height * 2.2f, (available_height - m.gap * (rows - 1.0f)) / rows));
    ui::ButtonOptions options;
    options.width = ui::share_width(ctx.frame, columns);
    options.height = height;
    const float left = ImGui::GetCursorScreenPos().x;
    for (std::size_t i = 0; i < tiles.size(); ++i) {
        if (columns == 2 && i % 2 == 1)
            ui::same_line(ctx.frame);
        else
            ImGui::SetCursorScreenPos(ImVec2(left, cursor_y()));
        options.style = tiles[i].style;
        if (ui::big_button(ctx.frame, tiles[i].key, ctx.s.tr(tiles[i].key), options))
            ctx.staff(staff::ChooseMenu{tiles[i].item});
    }
}

// [SECTION] Find by reference

void draw_staff_find(ScreenContext& ctx, const flows::StaffView& view)
{
    EntryField code{Field::reference_query, ctx.s.tr("staff.open.reference"), view.reference_query,
                    ui::KeyboardLayout::email, flows::find_error(view.errors, Field::reference_query)};
    code.placeholder = "UTR-2A-4F9TX";
    TypingLayout typing;
    typing.title_key = "staff.find.title";
    typing.title = ctx.s.tr("staff.find.title");
    typing.hint = ctx.s.tr("staff.find.hint");
    typing.fields = {code};
    typing.actions = {Action{"common.back", ui::ButtonStyle::secondary}, Action{"staff.find.search"}};
    typing.extra_row = [&] { screen_errors(ctx, view.errors); };
    const TypingResult result = draw_typing(ctx, typing);
    if (result.new_text)
        ctx.staff(staff::SetText{Field::reference_query, *result.new_text});
    if (result.done || result.action == 1u)
        ctx.staff(staff::Submit{});
    else if (result.action == 0u)
        ctx.staff(staff::Back{});
}

// [SECTION] Status

void draw_staff_status(ScreenContext& ctx, const flows::StaffView& view)
{
    const std::array actions{Action{"common.back", ui::ButtonStyle::secondary}, Action{"staff.status.refresh"}};
    const auto tapped = header(ctx, "staff.status.title", ctx.s.tr("staff.status.title"), actions);
    if (tapped == 0u)
        ctx.staff(staff::Back{});
    else if (tapped == 1u)
        ctx.staff(staff::Refresh{});
    screen_errors(ctx, view.errors);
    if (view.printer_problem)
        band(ctx, "staff.printer.problem", message_text(ctx, *view.printer_problem), BandTone::error);
    if (!view.status)
        return;
    const store::StoreStatus& status = *view.status;
    const float label_width = std::floor(ImGui::GetContentRegionAvail().x * 0.38f);
    auto line = [&](const char* target, const std::string& label, const std::string& value, bool alert = false) {
        detail_line(ctx, target, label, value, alert, label_width);
    };
    line("staff.status.terminal", ctx.s.tr("staff.status.terminal"),
         status.device.store_code + "-" + status.device.terminal_code);
    line("staff.status.backlog", ctx.s.tr("staff.status.backlog"), std::to_string(status.unsent_backlog));
    line("staff.status.quarantine", ctx.s.tr("staff.status.quarantine"), std::to_string(status.quarantined),
         status.quarantined > 0);
    line("staff.status.last_sent", ctx.s.tr("staff.status.last_sent"),
         view.sync.last_success_at_ms ? format_local_time(*view.sync.last_success_at_ms) : ctx.s.tr("staff.status.never"));
    line("staff.status.last_error", ctx.s.tr("staff.status.last_error"),
         view.sync.last_error.empty() ? ctx.s.tr("staff.status.none") : view.sync.last_error,
         !view.sync.last_error.empty());
    line("staff.status.integrity", ctx.s.tr("staff.status.integrity"),
         status.integrity == "ok" ? ctx.s.tr("staff.status.integrity_ok") : ctx.s.tr("staff.status.integrity_failed"),
         status.integrity != "ok");
    const auto nps = status.nps_last_30_days.rounded_score();
    std::string nps_text = ctx.s.tr("staff.status.no_ratings");
    if (nps) {
        const auto count = status.nps_last_30_days.total();
        nps_text = (*nps > 0 ? "+" : "") + std::to_string(*nps) + "  (" +
                   (count == 1 ? ctx.s.tr("staff.status.one_rating")
                               : ctx.s.format("staff.status.ratings", {{"count", std::to_string(count)}})) +
                   ")";
    }
    line("staff.status.nps_30_days", ctx.s.tr("staff.status.nps_30_days"), nps_text);
    line("staff.status.open_complaints", ctx.s.tr("staff.status.open_complaints"),
         std::to_string(status.open_complaints));
    line("staff.status.events", ctx.s.tr("staff.status.events"), std::to_string(status.events_total));
    if (status.last_event_at)
        line("staff.status.last_event", ctx.s.tr("staff.status.last_event"), format_local_time(*status.last_event_at));

    // The terminal itself: set up again (new credentials, head office moved),
    // or leave the store before it goes elsewhere.
    std::vector<Action> device_actions;
    if (view.sync.enrolled)
        device_actions.emplace_back("staff.status.leave", ui::ButtonStyle::outline, true, false);
    device_actions.emplace_back(view.sync.enrolled ? "staff.status.connect_again" : "staff.status.connect",
                                ui::ButtonStyle::secondary);
    if (const auto device_tapped = bottom_bar(ctx, device_actions)) {
        if (*device_tapped + 1 == device_actions.size())
            ctx.staff(staff::ConnectAgain{});
        else
            ctx.staff(staff::AskToLeave{});
    }
}

void draw_staff_leave_store(ScreenContext& ctx, const flows::StaffView& view)
{
    const std::array actions{Action{"common.back", ui::ButtonStyle::secondary}};
    if (header(ctx, "staff.leave.title", ctx.s.tr("staff.leave.title"), actions) == 0u)
        ctx.staff(staff::Back{});
    const std::string terminal =
        view.status ? view.status->device.store_code + "-" + view.status->device.terminal_code : std::string();
    ui::text(ctx.frame, "staff.leave.text", ctx.s.format("staff.leave.text", {{"terminal", terminal}}));
    ui::spacer(ctx.frame, 1.0f);
    const int64_t unsent = view.status ? view.status->unsent_backlog : 0;
    if (unsent > 0)
        band(ctx, "staff.leave.error.unsent",
             ctx.s.format("staff.leave.error.unsent", {{"count", std::to_string(unsent)}}), BandTone::error);
    screen_errors(ctx, view.errors);
    if (view.leaving)
        band(ctx, "staff.leave.busy", ctx.s.tr("staff.leave.busy"), BandTone::info);
    const std::array confirm{Action{"staff.leave.confirm", ui::ButtonStyle::primary, !view.leaving && unsent == 0}};
    if (bottom_bar(ctx, confirm) == 0u)
        ctx.staff(staff::Submit{});
}

void draw_staff_left_store(ScreenContext& ctx, const flows::StaffView& view)
{
    ui::title(ctx.frame, "staff.left.title", ctx.s.tr("staff.left.title"));
    ui::spacer(ctx.frame, 1.0f);
    const std::string store = view.status ? view.status->device.store_code : std::string();
    band(ctx, "staff.left.text", ctx.s.format("staff.left.text", {{"store", store}}), BandTone::success);
}

} // namespace feedback::screens
