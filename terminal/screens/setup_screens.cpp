// The kiosk's setup screens (setup_screens.h).
#include "screens/setup_screens.h"

#include "screens/text_entry.h"

#include <array>

namespace feedback::screens {

namespace setup = flows::setup;
using flows::Field;

void draw_setup_start(ScreenContext& ctx, const flows::SetupView& view)
{
    EntryField address{Field::server_address, ctx.s.tr("setup.address"), view.address, ui::KeyboardLayout::address,
                       flows::find_error(view.errors, Field::server_address)};
    address.placeholder = "hq.example.nl:8443";
    EntryField code{Field::enrol_code, ctx.s.tr("setup.code"), view.code, ui::KeyboardLayout::address,
                    flows::find_error(view.errors, Field::enrol_code)};
    code.placeholder = "ABCDE-FGHJK";
    TypingLayout typing;
    typing.title_key = "setup.title";
    typing.title = ctx.s.tr("setup.title");
    if (view.errors.empty()) // the error band takes the hint's place, so the keyboard keeps its room
        typing.hint = ctx.s.tr("setup.hint");
    typing.fields = {address, code};
    if (view.cancellable)
        typing.actions = {Action{"common.cancel", ui::ButtonStyle::secondary}, Action{"setup.connect"}};
    else
        typing.actions = {Action{"setup.connect"}};
    typing.extra_row = [&] { screen_errors(ctx, view.errors); };
    const TypingResult result = draw_typing(ctx, typing);
    if (result.new_text && ctx.ui.focus)
        ctx.setup(setup::SetText{*ctx.ui.focus, *result.new_text});
    if (result.action && *result.action + 1 == typing.actions.size())
        ctx.setup(setup::Connect{});
    else if (result.action == 0u)
        ctx.setup(setup::Cancel{});
    else if (result.done) {
        // Done on the address moves on to the code; on the code it connects.
        if (auto next = next_field_index(ctx.ui, typing.fields))
            focus_field(ctx.ui, typing.fields[*next]);
        else
            ctx.setup(setup::Connect{});
    }
}

void draw_setup_check(ScreenContext& ctx, const flows::SetupView& view)
{
    ui::title(ctx.frame, "setup.check.title", ctx.s.tr("setup.check.title"));
    ui::text(ctx.frame, "setup.check.hint", ctx.s.tr("setup.check.hint"));
    ui::spacer(ctx.frame, 1.0f);
    const float label_width = std::floor(ImGui::GetContentRegionAvail().x * 0.3f);
    detail_line(ctx, "setup.check.server", ctx.s.tr("setup.check.server"), view.server_url, false, label_width);
    if (view.from_file)
        detail_line(ctx, "setup.check.terminal", ctx.s.tr("setup.check.terminal"),
                    ctx.s.format("setup.check.terminal_value",
                                 {{"name", view.terminal_name}, {"store", view.store_code}}),
                    false, label_width);
    ui::spacer(ctx.frame, 1.0f);
    ui::reference_code(ctx.frame, "setup.fingerprint", view.fingerprint, ctx.s.tr("setup.check.fingerprint"));
    const std::array actions{Action{"setup.check.differs", ui::ButtonStyle::secondary, true, false},
                             Action{"setup.check.same"}};
    const auto tapped = bottom_bar(ctx, actions);
    if (tapped == 0u)
        ctx.setup(setup::Reject{});
    else if (tapped == 1u)
        ctx.setup(setup::Accept{});
}

void draw_setup_busy(ScreenContext& ctx, const flows::SetupView&)
{
    ui::title(ctx.frame, "setup.title", ctx.s.tr("setup.title"));
    ui::spacer(ctx.frame, 2.0f);
    band(ctx, "setup.busy", ctx.s.tr("setup.busy"), BandTone::info);
}

void draw_setup_done(ScreenContext& ctx, const flows::SetupView& view)
{
    ui::title(ctx.frame, "setup.done.title", ctx.s.tr("setup.done.title"));
    ui::spacer(ctx.frame, 1.0f);
    band(ctx, "setup.done.text",
         ctx.s.format("setup.done.text", {{"store", view.enrolled_store},
                                          {"terminal", view.enrolled_store + "-" + view.enrolled_terminal},
                                          {"name", view.enrolled_name}}),
         BandTone::success);
    const std::array actions{Action{"setup.done.start"}};
    if (bottom_bar(ctx, actions) == 0u)
        ctx.setup(setup::Start{});
}

} // namespace feedback::screens
