// Staff mode's complaint screens (staff_complaint_screens.h). Forms show
// their fields as boxes; tapping one switches to the typing layout for it
// (the keyboard would not fit beside a whole form), and the keyboard's done
// key returns to the form.
#include "screens/staff_complaint_screens.h"

#include "screens/staff_screens.h"
#include "screens/text_entry.h"

#include "domain/vocabulary.h"

#include <imgui.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace feedback::screens {

namespace {

using flows::ComplaintAction;
using flows::Field;
namespace staff = flows::staff;

// [SECTION] Pieces

void small_label(ScreenContext& ctx, std::string_view target, std::string_view text)
{
    ui::TextOptions options;
    options.font = ui::FontRole::small;
    options.muted = true;
    ui::text(ctx.frame, target, text, options);
}

void field_error(ScreenContext& ctx, const flows::StaffView& view, Field field)
{
    if (const flows::Message* error = flows::find_error(view.errors, field))
        alert_text(ctx, "field." + std::string(flows::to_string(field)) + ".error", message_text(ctx, *error));
}

void notice_band(ScreenContext& ctx, const flows::StaffView& view)
{
    if (view.notice)
        band(ctx, "staff.notice", message_text(ctx, *view.notice), BandTone::success);
}

// A vocabulary entry's name in the screen's language; an unknown wire name
// (from a newer head office) as it is.
std::string vocabulary_name(const ScreenContext& ctx, std::string_view key, const std::string& wire)
{
    return key.empty() ? wire : ctx.s.tr(key);
}

std::string channel_name(const ScreenContext& ctx, const std::string& channel)
{
    return vocabulary_name(ctx, channel_key(channel), channel);
}

std::string resolution_name(const ScreenContext& ctx, const std::string& resolution)
{
    return vocabulary_name(ctx, resolution_key(resolution), resolution);
}

std::string outcome_name(const ScreenContext& ctx, const std::string& outcome)
{
    return vocabulary_name(ctx, outcome_key(outcome), outcome);
}

// How a decision reached the customer; nothing recorded: in person.
std::string communication_name(const ScreenContext& ctx, const std::string& communicated)
{
    return communicated.empty() ? ctx.s.tr("communicated.in_person")
                                : vocabulary_name(ctx, communication_key(communicated), communicated);
}

// "1 working day 3 h left", "Overdue by 2 h", "Answered"; empty without a
// deadline. The word says it, not only the colour.
std::string deadline_text(const ScreenContext& ctx, const flows::DeadlineStatus& deadline)
{
    constexpr int64_t ms_per_minute = 60'000;
    if (!deadline.left_ms)
        return deadline.answered ? ctx.s.tr("staff.deadline.answered") : std::string();
    if (deadline.overdue && *deadline.left_ms > -ms_per_minute) // past it, but no working time since
        return ctx.s.tr("staff.deadline.overdue");
    const std::string time = format_working_time(ctx, *deadline.left_ms, deadline.unit);
    return ctx.s.format(deadline.overdue ? "staff.deadline.overdue_by" : "staff.deadline.left", {{"time", time}});
}

// The action's button: key (target and label) and weight.
Action action_button(ComplaintAction action)
{
    switch (action) {
    case ComplaintAction::acknowledge: return Action{"staff.action.acknowledge", ui::ButtonStyle::secondary};
    case ComplaintAction::resolve: return Action{"staff.action.resolve", ui::ButtonStyle::primary};
    case ComplaintAction::record_answer: return Action{"staff.action.record_answer", ui::ButtonStyle::primary};
    case ComplaintAction::escalate: return Action{"staff.action.escalate", ui::ButtonStyle::secondary};
    case ComplaintAction::close_resolved: return Action{"staff.action.close_resolved", ui::ButtonStyle::primary};
    case ComplaintAction::close_unresolved: return Action{"staff.action.close_unresolved", ui::ButtonStyle::outline};
    case ComplaintAction::refer_external: return Action{"staff.action.refer_external", ui::ButtonStyle::outline};
    case ComplaintAction::withdraw: return Action{"staff.action.withdraw", ui::ButtonStyle::outline};
    case ComplaintAction::reopen: return Action{"staff.action.reopen", ui::ButtonStyle::secondary};
    }
    return Action{"staff.action.acknowledge", ui::ButtonStyle::secondary};
}

// Typing one or more fields of a staff form; done (or the header's "Done")
// returns to the form. Returns what the keyboard did.
void staff_typing(ScreenContext& ctx, const std::string& title_key, const std::string& title,
                  std::vector<EntryField> fields, std::function<void()> extra_row = {})
{
    TypingLayout typing;
    typing.title_key = title_key;
    typing.title = title;
    typing.fields = std::move(fields);
    typing.actions = {Action{"common.done"}};
    typing.extra_row = std::move(extra_row);
    const TypingResult result = draw_typing(ctx, typing);
    if (result.new_text && ctx.ui.focus)
        ctx.staff(staff::SetText{*ctx.ui.focus, *result.new_text});
    if (result.done) {
        if (const auto next = next_field_index(ctx.ui, typing.fields))
            focus_field(ctx.ui, typing.fields[*next]);
        else
            ctx.ui.focus.reset();
    }
    if (result.action == 0u)
        ctx.ui.focus.reset();
}

bool is_contact_field(Field field) { return field == Field::name || field == Field::phone || field == Field::email; }

std::string contact_summary(const ScreenContext& ctx, const flows::ContactDraft& contact)
{
    std::string summary;
    for (const std::string* part : {&contact.name, &contact.phone, &contact.email})
        if (!part->empty())
            summary += (summary.empty() ? "" : " · ") + *part;
    if (summary.empty())
        return ctx.s.tr("complaint.review.no_contact");
    return summary;
}

} // namespace

// [SECTION] Log a walk-in complaint

void draw_staff_log_complaint(ScreenContext& ctx, const flows::StaffView& view)
{
    const ui::Metrics& m = ctx.metrics();
    const flows::ComplaintDraft& draft = view.draft;
    EntryField description{Field::description, ctx.s.tr("staff.log.description"), draft.description,
                           ui::KeyboardLayout::text, flows::find_error(view.errors, Field::description)};
    EntryField wish{Field::customer_wish, ctx.s.tr("staff.log.wish"), draft.customer_wish, ui::KeyboardLayout::text,
                    flows::find_error(view.errors, Field::customer_wish)};
    EntryField product{Field::product_ref, ctx.s.tr("staff.log.product"), draft.product_ref, ui::KeyboardLayout::text,
                       flows::find_error(view.errors, Field::product_ref)};
    EntryField receipt{Field::receipt_ref, ctx.s.tr("staff.log.receipt"), draft.receipt_ref, ui::KeyboardLayout::text,
                       flows::find_error(view.errors, Field::receipt_ref)};
    EntryField name{Field::name, ctx.s.tr("contact.name"), draft.contact.name, ui::KeyboardLayout::text,
                    flows::find_error(view.errors, Field::name)};
    EntryField phone{Field::phone, ctx.s.tr("contact.phone"), draft.contact.phone, ui::KeyboardLayout::phone,
                     flows::find_error(view.errors, Field::phone)};
    EntryField email{Field::email, ctx.s.tr("contact.email"), draft.contact.email, ui::KeyboardLayout::email,
                     flows::find_error(view.errors, Field::email)};

    if (ctx.ui.focus && is_contact_field(*ctx.ui.focus)) {
        staff_typing(ctx, "staff.log.contact", ctx.s.tr("staff.log.contact"), {name, phone, email}, [&] {
            if (ui::consent_toggle(ctx.frame, "staff.log.consent",
                                   ctx.s.format("staff.log.consent", {{"store", std::string(ctx.store_name)}}),
                                   draft.contact.consent))
                ctx.staff(staff::ToggleConsent{});
            field_error(ctx, view, Field::consent);
        });
        return;
    }
    if (ctx.ui.focus) {
        for (EntryField* field : {&description, &wish, &product, &receipt}) {
            if (field->field != *ctx.ui.focus)
                continue;
            field->multiline = field->field == Field::description || field->field == Field::customer_wish;
            staff_typing(ctx, "staff.log.title", ctx.s.tr("staff.log.title"), {*field});
            return;
        }
        ctx.ui.focus.reset();
    }

    const std::array actions{Action{"common.back", ui::ButtonStyle::secondary}, Action{"staff.log.save"}};
    const auto tapped = header(ctx, "staff.log.title", ctx.s.tr("staff.log.title"), actions);
    if (tapped == 0u)
        ctx.staff(staff::Back{});
    else if (tapped == 1u)
        ctx.staff(staff::Submit{});
    screen_errors(ctx, view.errors);

    const bool landscape = is_landscape(ctx.frame);
    std::optional<Columns> columns;
    if (landscape) // the chips need more room than the fields: six channels, the categories, their errors
        columns.emplace(ctx, "staff.log", 0.56f);
    small_label(ctx, "staff.channel.title", ctx.s.tr("staff.channel.title"));
    const auto channels = to_widget_chips(ctx, view.channels, "channel");
    if (const auto chip = ui::chip_group(ctx.frame, channels))
        ctx.staff(staff::Select{Field::channel, view.channels[*chip].id});
    field_error(ctx, view, Field::channel);
    ui::spacer(ctx.frame, 0.5f);
    small_label(ctx, "staff.log.category", ctx.s.tr("staff.log.category"));
    const auto categories = to_widget_chips(ctx, view.categories, "category");
    if (const auto chip = ui::chip_group(ctx.frame, categories))
        ctx.staff(staff::Select{Field::category, view.categories[*chip].id});
    field_error(ctx, view, Field::category);
    if (columns)
        columns->right();
    else
        ui::spacer(ctx.frame, 1.0f);

    if (entry_field(ctx, description, false))
        focus_field(ctx.ui, description);
    if (entry_field(ctx, wish, false))
        focus_field(ctx.ui, wish);
    // Product and receipt side by side when their labels fit, else stacked.
    const float width = ui::share_width(ctx.frame, 2);
    const float widest_label = std::max(text_width(ctx.fonts().small, m.small_px, product.label),
                                        text_width(ctx.fonts().small, m.small_px, receipt.label));
    if (widest_label < width) {
        const float left = ImGui::GetCursorScreenPos().x;
        const float top = cursor_y();
        if (entry_field(ctx, product, false, width))
            focus_field(ctx.ui, product);
        ImGui::SetCursorScreenPos(ImVec2(left + width + m.gap, top));
        if (entry_field(ctx, receipt, false, width))
            focus_field(ctx.ui, receipt);
        ImGui::SetCursorScreenPos(ImVec2(left, top + entry_field_height(ctx, product) + m.gap));
    } else {
        if (entry_field(ctx, product, false))
            focus_field(ctx.ui, product);
        if (entry_field(ctx, receipt, false))
            focus_field(ctx.ui, receipt);
    }

    small_label(ctx, "staff.log.contact", ctx.s.tr("staff.log.contact"));
    if (!view.contact_offered) {
        ui::text(ctx.frame, "staff.log.contact_unavailable", ctx.s.tr("staff.log.contact_unavailable"), {.muted = true});
        if (columns)
            columns->end();
        return;
    }
    ui::ListRowOptions row;
    row.detail = draft.contact.consent ? ctx.s.tr("staff.log.consent_given") : ctx.s.tr("staff.log.no_consent");
    if (ui::list_row(ctx.frame, "staff.log.contact_row", contact_summary(ctx, draft.contact), row))
        focus_field(ctx.ui, name);
    for (Field field : {Field::consent, Field::name, Field::phone, Field::email})
        field_error(ctx, view, field);
    if (columns)
        columns->end();
}

// [SECTION] Solve it now

void draw_staff_solve(ScreenContext& ctx, const flows::StaffView& view)
{
    EntryField amount{Field::amount, ctx.s.tr("staff.solve.amount"), view.amount_text, ui::KeyboardLayout::text,
                      flows::find_error(view.errors, Field::amount)};
    amount.placeholder = ctx.s.tr("staff.solve.amount_placeholder");
    EntryField note{Field::note, ctx.s.tr("staff.solve.note"), view.note, ui::KeyboardLayout::text,
                    flows::find_error(view.errors, Field::note)};
    if (ctx.ui.focus == Field::amount) {
        staff_typing(ctx, "staff.solve.title", ctx.s.tr("staff.solve.title"), {amount});
        return;
    }
    if (ctx.ui.focus == Field::note) {
        note.multiline = true;
        staff_typing(ctx, "staff.solve.title", ctx.s.tr("staff.solve.title"), {note});
        return;
    }
    ctx.ui.focus.reset();

    const std::array actions{Action{"common.back", ui::ButtonStyle::secondary}, Action{"staff.solve.record"}};
    const auto tapped = header(ctx, "staff.solve.title", ctx.s.tr("staff.solve.title"), actions);
    if (tapped == 0u)
        ctx.staff(staff::Back{});
    else if (tapped == 1u)
        ctx.staff(staff::Submit{});
    notice_band(ctx, view);
    screen_errors(ctx, view.errors);

    const bool landscape = is_landscape(ctx.frame);
    std::optional<Columns> columns;
    if (landscape)
        columns.emplace(ctx, "staff.solve", 0.55f);
    small_label(ctx, "staff.solve.what_did_you_do", ctx.s.tr("staff.solve.what_did_you_do"));
    const auto resolutions = to_widget_chips(ctx, view.resolutions, "resolution");
    if (const auto chip = ui::chip_group(ctx.frame, resolutions))
        ctx.staff(staff::Select{Field::resolution, view.resolutions[*chip].id});
    field_error(ctx, view, Field::resolution);
    ui::spacer(ctx.frame, 0.5f);
    if (ui::consent_toggle(ctx.frame, "staff.solve.on_the_spot", ctx.s.tr("staff.solve.on_the_spot"), view.on_the_spot))
        ctx.staff(staff::ToggleOnTheSpot{});
    if (columns)
        columns->right();
    else
        ui::spacer(ctx.frame, 1.0f);

    if (view.amount_allowed) {
        if (view.amount_required)
            amount.label = ctx.s.tr("staff.solve.amount_required");
        if (entry_field(ctx, amount, false))
            focus_field(ctx.ui, amount);
        small_label(ctx, "staff.solve.limit",
                    ctx.s.format("staff.solve.limit", {{"limit", format_money(ctx, view.refund_limit_cents)}}));
        ui::spacer(ctx.frame, 0.5f);
    }
    if (entry_field(ctx, note, false))
        focus_field(ctx.ui, note);
    small_label(ctx, "staff.solve.hand_over_hint", ctx.s.tr("staff.solve.hand_over_hint"));
    if (columns)
        columns->end();
}

// [SECTION] The customer's answer (the screen is handed to the customer)

void draw_staff_customer_response(ScreenContext& ctx, const flows::StaffView& view)
{
    const ui::Metrics& m = ctx.metrics();
    const ui::Palette& p = ctx.palette();
    EntryField comment{Field::comment, ctx.s.tr("response.comment"), view.comment, ui::KeyboardLayout::text,
                       flows::find_error(view.errors, Field::comment)};
    if (ctx.ui.focus == Field::comment) {
        comment.multiline = true;
        staff_typing(ctx, "response.title", ctx.s.tr("response.title"), {comment});
        return;
    }
    ctx.ui.focus.reset();

    ui::title(ctx.frame, "response.title", ctx.s.tr("response.title"));
    if (view.complaint && !view.complaint->last_resolution.empty()) {
        std::string what = resolution_name(ctx, view.complaint->last_resolution);
        if (view.complaint->amount_cents)
            what += "  " + format_money(ctx, *view.complaint->amount_cents);
        ui::TextOptions muted;
        muted.muted = true;
        ui::text(ctx.frame, "response.resolution", ctx.s.format("response.what_we_did", {{"resolution", what}}), muted);
    }
    ui::spacer(ctx.frame, 0.5f);

    // Yes and no: the chosen one keeps its colour, the other turns grey.
    const auto& satisfaction = view.satisfaction;
    ui::ButtonOptions yes;
    yes.width = ui::share_width(ctx.frame, 2);
    yes.height = std::round(m.button_height * 1.3f);
    ui::ButtonOptions no = yes;
    if (satisfaction == flows::Satisfaction::not_satisfied)
        yes.style = ui::ButtonStyle::secondary;
    else
        yes.colour = p.promoter;
    if (satisfaction == flows::Satisfaction::satisfied)
        no.style = ui::ButtonStyle::secondary;
    else
        no.colour = p.detractor;
    if (ui::big_button(ctx.frame, "response.satisfied", ctx.s.tr("response.satisfied"), yes))
        ctx.staff(staff::SetSatisfaction{flows::Satisfaction::satisfied});
    ui::same_line(ctx.frame);
    if (ui::big_button(ctx.frame, "response.not_satisfied", ctx.s.tr("response.not_satisfied"), no))
        ctx.staff(staff::SetSatisfaction{flows::Satisfaction::not_satisfied});
    field_error(ctx, view, Field::satisfied);
    ui::spacer(ctx.frame, 0.5f);

    ui::text(ctx.frame, "response.score_title", ctx.s.tr("response.score_title"));
    const float width = ui::share_width(ctx.frame, 5);
    for (int score = 1; score <= 5; ++score) {
        if (score > 1)
            ui::same_line(ctx.frame);
        if (ui::toggle_chip(ctx.frame, "handling." + std::to_string(score), std::to_string(score),
                            view.handling_score == score, width))
            ctx.staff(staff::SetHandlingScore{score});
    }
    {
        const float left = ImGui::GetCursorScreenPos().x;
        const float top = cursor_y();
        const float row = ImGui::GetContentRegionAvail().x;
        small_label(ctx, "response.score_low", ctx.s.tr("response.score_low"));
        const std::string& high = ctx.s.tr("response.score_high");
        const float high_width = text_width(ctx.fonts().small, m.small_px, high);
        ImGui::SetCursorScreenPos(ImVec2(left + row - high_width, top));
        ui::TextOptions options;
        options.font = ui::FontRole::small;
        options.muted = true;
        options.width = high_width + 1.0f;
        ui::text(ctx.frame, "response.score_high", high, options);
        ImGui::SetCursorScreenPos(ImVec2(left, top + m.small_px + m.gap));
    }
    field_error(ctx, view, Field::handling_score);
    if (entry_field(ctx, comment, false))
        focus_field(ctx.ui, comment);
    screen_errors(ctx, view.errors);

    const std::array actions{
        Action{"staff.response.customer_absent", ui::ButtonStyle::outline, true, false},
        Action{"common.send"}};
    const auto tapped = bottom_bar(ctx, actions);
    if (tapped == 0u)
        ctx.staff(staff::CustomerAbsent{});
    else if (tapped == 1u)
        ctx.staff(staff::Submit{});
}

void draw_staff_not_satisfied(ScreenContext& ctx, const flows::StaffView& view)
{
    const ui::Metrics& m = ctx.metrics();
    ui::title(ctx.frame, "staff.not_satisfied.title", ctx.s.tr("staff.not_satisfied.title"));
    ui::TextOptions body;
    body.muted = true;
    ui::text(ctx.frame, "staff.not_satisfied.body", ctx.s.tr("staff.not_satisfied.body"), body);
    screen_errors(ctx, view.errors);
    ui::spacer(ctx.frame, 1.0f);
    ui::ButtonOptions options;
    options.height = std::round(m.button_height * 1.2f);
    for (ComplaintAction action : view.actions) {
        if (action == ComplaintAction::escalate) {
            options.style = ui::ButtonStyle::primary;
            if (ui::big_button(ctx.frame, "staff.not_satisfied.escalate", ctx.s.tr("staff.not_satisfied.escalate"),
                               options))
                ctx.staff(staff::Act{action});
        } else if (action == ComplaintAction::resolve) {
            options.style = ui::ButtonStyle::secondary;
            if (ui::big_button(ctx.frame, "staff.not_satisfied.solve_again", ctx.s.tr("staff.not_satisfied.solve_again"),
                               options))
                ctx.staff(staff::Act{action});
        }
    }
    options.style = ui::ButtonStyle::outline;
    if (ui::big_button(ctx.frame, "staff.not_satisfied.leave_open", ctx.s.tr("staff.not_satisfied.leave_open"),
                       options))
        ctx.staff(staff::LeaveOpen{});
}

// [SECTION] Open complaints

namespace {

// "Answer within 2 working days" / "Antwoord binnen 2 werkdagen".
std::string promise_limit_text(const ScreenContext& ctx, const config::TimeLimit& limit)
{
    std::string unit = limit.unit == config::TimeUnit::working_days    ? "working_days"
                       : limit.unit == config::TimeUnit::working_hours ? "working_hours"
                                                                       : "clock_hours";
    std::string key = "promises.answer_within." + unit + (limit.amount == 1 ? "_one" : "");
    return ctx.s.format(key, {{"amount", std::to_string(limit.amount)}});
}

} // namespace

void draw_staff_open_complaints(ScreenContext& ctx, const flows::StaffView& view)
{
    const ui::Metrics& m = ctx.metrics();
    const std::array actions{Action{"common.back", ui::ButtonStyle::secondary}, Action{"staff.open.refresh"}};
    const auto tapped = header(ctx, "staff.open.title", ctx.s.tr("staff.open.title"), actions);
    if (tapped == 0u)
        ctx.staff(staff::Back{});
    else if (tapped == 1u)
        ctx.staff(staff::Refresh{});
    std::string summary = ctx.s.format("staff.open.count", {{"count", std::to_string(view.open_complaints.size())}});
    for (const config::TimeLimit& limit : view.promise_limits)
        summary += " · " + promise_limit_text(ctx, limit);
    ui::TextOptions muted;
    muted.muted = true;
    ui::text(ctx.frame, "staff.open.summary", summary, muted);
    screen_errors(ctx, view.errors);
    if (view.open_complaints.empty()) {
        ui::spacer(ctx.frame, 2.0f);
        ui::text(ctx.frame, "staff.open.empty", ctx.s.tr("staff.open.empty"));
        return;
    }

    // As many rows as fit; a pager when there are more.
    const float row_step = m.row_height + m.gap;
    const float room = content_bottom(ctx.frame) - cursor_y() + m.gap;
    std::size_t per_page = static_cast<std::size_t>(std::max(1.0f, std::floor(room / row_step)));
    const bool paged = view.open_complaints.size() > per_page;
    if (paged)
        per_page = static_cast<std::size_t>(std::max(1.0f, std::floor((room - bottom_bar_height(ctx) - m.gap) / row_step)));
    const std::size_t pages = (view.open_complaints.size() + per_page - 1) / per_page;
    ctx.ui.page = std::clamp(ctx.ui.page, 0, static_cast<int>(pages) - 1);
    const std::size_t first = static_cast<std::size_t>(ctx.ui.page) * per_page;
    const std::size_t last = std::min(view.open_complaints.size(), first + per_page);
    for (std::size_t i = first; i < last; ++i) {
        const flows::OpenComplaintRow& row = view.open_complaints[i];
        const std::string title = row.reference + "   " + row.category_text;
        std::string detail = channel_name(ctx, row.channel) + " · " + status_name(ctx, row.status) + " · " +
                             ctx.s.format("staff.open.received", {{"time", format_local_time(row.opened_at_ms)}});
        if (row.severity >= Severity::high) // why it stands at the top
            detail = ctx.s.tr(row.severity_key) + " · " + detail;
        const std::string trailing = deadline_text(ctx, row.deadline);
        ui::ListRowOptions options;
        options.detail = detail;
        options.trailing = trailing;
        options.trailing_alert = row.deadline.overdue;
        if (ui::list_row(ctx.frame, "complaint." + row.reference, title, options))
            ctx.staff(staff::OpenComplaint{row.complaint_id});
    }
    if (!paged)
        return;
    std::array pager{Action{"staff.open.previous", ui::ButtonStyle::secondary, ctx.ui.page > 0, false},
                     Action{"staff.open.more", ui::ButtonStyle::secondary, last < view.open_complaints.size()}};
    const auto page = bottom_bar(ctx, pager);
    if (page == 0u)
        --ctx.ui.page;
    else if (page == 1u)
        ++ctx.ui.page;
}

// [SECTION] The complaint hub

namespace {

std::string place_name(const ScreenContext& ctx, flows::StepPlace place)
{
    switch (place) {
    case flows::StepPlace::this_terminal: return ctx.s.tr("staff.step.place.this_terminal");
    case flows::StepPlace::other_terminal: return ctx.s.tr("staff.step.place.other_terminal");
    case flows::StepPlace::head_office: return ctx.s.tr("staff.step.place.head_office");
    }
    return {};
}

// "Anna de Vries, terminal 2A", "The customer at the kiosk, terminal 2A",
// "Head office (mia)".
std::string logged_by(const ScreenContext& ctx, const flows::ComplaintDetail& detail)
{
    if (detail.logged_at == flows::StepPlace::head_office)
        return ctx.s.format("staff.complaint.logged_by_hq", {{"name", detail.logged_by}});
    if (detail.logged_by.empty())
        return ctx.s.format("staff.complaint.logged_by_kiosk", {{"terminal", detail.terminal_code}});
    return ctx.s.format("staff.complaint.logged_by_staff",
                        {{"name", detail.logged_by}, {"terminal", detail.terminal_code}});
}

// Which ways to reach the customer were left; never the details themselves.
std::string contact_left(const ScreenContext& ctx, const store::ContactLeft& contact)
{
    if (contact.phone && contact.email)
        return ctx.s.tr("staff.complaint.contact_phone_email");
    if (contact.phone)
        return ctx.s.tr("staff.complaint.contact_phone");
    if (contact.email)
        return ctx.s.tr("staff.complaint.contact_email");
    return ctx.s.tr("staff.complaint.contact_none");
}

// A long text under its label, wrapped to the width.
void long_text(ScreenContext& ctx, const std::string& target, const std::string& label, const std::string& text)
{
    small_label(ctx, target + ".label", label);
    ui::text(ctx.frame, target, text);
    ui::spacer(ctx.frame, 0.3f);
}

// One step: when, where and who in small print, then what happened.
void timeline_step(ScreenContext& ctx, std::size_t index, const flows::TimelineStep& step)
{
    const std::string target = "staff.complaint.step." + std::to_string(index);
    std::string who = step.who.empty() ? ctx.s.tr("staff.step.by_customer") : step.who;
    small_label(ctx, target + ".when",
                format_local_time(step.at_ms) + " · " + place_name(ctx, step.place) + " · " + who);
    std::string what = ctx.s.tr(step.key);
    if (!step.choice_key.empty())
        what += ": " + ctx.s.tr(step.choice_key);
    if (!step.choice_text.empty())
        what += ": " + step.choice_text;
    if (step.amount_cents)
        what += "  " + format_money(ctx, *step.amount_cents);
    if (step.owner) {
        const std::string owner = step.owner->empty() ? ctx.s.tr("staff.complaint.owner_store") : *step.owner;
        what += " · " + ctx.s.format("staff.step.owner", {{"owner", owner}});
    }
    if (!step.communicated_key.empty())
        what += " · " + ctx.s.tr(step.communicated_key);
    ui::TextOptions bold;
    bold.font = ui::FontRole::body_bold;
    ui::text(ctx.frame, target, what, bold);
    if (!step.text.empty())
        ui::text(ctx.frame, target + ".text", step.text);
    ui::spacer(ctx.frame, 0.3f);
}

// Everything known about the complaint, for the scrolling region.
void complaint_details(ScreenContext& ctx, const flows::StaffView& view)
{
    const ComplaintState& complaint = *view.complaint;
    const flows::ComplaintDetail& detail = view.detail;
    const float label_width = std::floor(ImGui::GetContentRegionAvail().x * 0.36f);
    auto line = [&](const char* target, const std::string& label, const std::string& value, bool alert = false) {
        detail_line(ctx, target, label, value, alert, label_width);
    };
    if (complaint.status)
        line("staff.complaint.status", ctx.s.tr("staff.open.status"), status_name(ctx, *complaint.status));
    line("staff.complaint.category", ctx.s.tr("staff.open.category"), view.complaint_category_text);
    line("staff.complaint.channel", ctx.s.tr("staff.open.channel"), channel_name(ctx, complaint.channel));
    line("staff.complaint.severity", ctx.s.tr("staff.complaint.severity"),
         detail.severity_key.empty() ? ctx.s.tr("staff.complaint.severity_none") : ctx.s.tr(detail.severity_key),
         severity_level(complaint.severity) >= Severity::high);
    line("staff.complaint.owner", ctx.s.tr("staff.complaint.owner"),
         detail.owner.empty() ? ctx.s.tr("staff.complaint.owner_store") : detail.owner);
    line("staff.complaint.logged_by", ctx.s.tr("staff.complaint.logged_by"), logged_by(ctx, detail));
    if (complaint.opened_at)
        line("staff.complaint.opened_at", ctx.s.tr("staff.complaint.opened_at"),
             format_local_time(*complaint.opened_at) + "  (" + format_age(ctx, ctx.now_ms - *complaint.opened_at) + ")");
    if (complaint.status != ComplaintStatus::closed)
        line("staff.complaint.deadline", ctx.s.tr("staff.open.deadline"),
             view.deadline.at_ms ? format_local_time(*view.deadline.at_ms) + " · " + deadline_text(ctx, view.deadline)
                                 : ctx.s.tr("staff.status.none"),
             view.deadline.overdue);
    line("staff.complaint.contact", ctx.s.tr("staff.complaint.contact"), contact_left(ctx, detail.contact));
    line("staff.complaint.call_back", ctx.s.tr("staff.complaint.call_back"),
         ctx.s.tr(detail.contact.consent && (detail.contact.phone || detail.contact.email) ? "common.yes"
                                                                                          : "common.no"));
    ui::spacer(ctx.frame, 0.5f);
    if (!detail.description.empty())
        long_text(ctx, "staff.complaint.description", ctx.s.tr("staff.complaint.description"), detail.description);
    if (!detail.customer_wish.empty())
        long_text(ctx, "staff.complaint.wish", ctx.s.tr("staff.complaint.wish"), detail.customer_wish);
    if (!detail.product_ref.empty())
        line("staff.complaint.product", ctx.s.tr("staff.complaint.product"), detail.product_ref);
    if (!detail.receipt_ref.empty())
        line("staff.complaint.receipt", ctx.s.tr("staff.complaint.receipt"), detail.receipt_ref);

    if (!complaint.last_resolution.empty()) {
        std::string what = resolution_name(ctx, complaint.last_resolution);
        if (complaint.amount_cents)
            what += "  " + format_money(ctx, *complaint.amount_cents);
        line("staff.complaint.resolution", ctx.s.tr("staff.complaint.resolution"), what);
    }
    // Head office's decision for the customer, and how it reached them.
    if (!complaint.decision.empty())
        long_text(ctx, "staff.complaint.decision", ctx.s.tr("staff.complaint.decision"), complaint.decision);
    if (!complaint.decision.empty() || !complaint.communicated.empty())
        line("staff.complaint.communicated", ctx.s.tr("staff.complaint.communicated"),
             communication_name(ctx, complaint.communicated), complaint.communicated == "not_yet");
    if (complaint.satisfied) {
        std::string answer = *complaint.satisfied ? ctx.s.tr("staff.complaint.answer_satisfied")
                                                  : ctx.s.tr("staff.complaint.answer_not_satisfied");
        if (complaint.handling_score)
            answer += " · " + ctx.s.format("staff.complaint.handling_score",
                                           {{"score", std::to_string(*complaint.handling_score)}});
        line("staff.complaint.customer_answer", ctx.s.tr("staff.complaint.customer_answer"), answer,
             !*complaint.satisfied);
    }
    if (!complaint.close_outcome.empty() && complaint.status == ComplaintStatus::closed)
        line("staff.complaint.outcome", ctx.s.tr("staff.complaint.outcome"),
             outcome_name(ctx, complaint.close_outcome) +
                 (complaint.external_body.empty() ? std::string() : " · " + complaint.external_body));
    if (complaint.assistance_requested_at)
        line("staff.complaint.assistance", ctx.s.tr("staff.complaint.assistance"),
             format_local_time(*complaint.assistance_requested_at));
    // Head office's analysis, synced down: the cause and what is done about it.
    if (!view.root_cause_text.empty())
        line("staff.complaint.root_cause", ctx.s.tr("staff.complaint.root_cause"), view.root_cause_text);
    for (std::size_t i = 0; i < view.planned_actions.size(); ++i) {
        const PlannedAction& action = view.planned_actions[i].action;
        const bool overdue = view.planned_actions[i].overdue;
        std::string what = action.description + " · " + action.owner + " · " +
                           ctx.s.format("staff.complaint.action_due", {{"date", format_local_time(action.due_at)}});
        if (overdue)
            what += " · " + ctx.s.tr("staff.complaint.action_overdue");
        if (action.effective)
            what += " · " + ctx.s.tr(*action.effective ? "staff.complaint.action_effective"
                                                       : "staff.complaint.action_not_effective");
        const std::string target = "staff.complaint.planned_action." + std::to_string(i);
        line(target.c_str(),
             ctx.s.tr(action.kind == "preventive" ? "staff.complaint.action_preventive"
                                                  : "staff.complaint.action_corrective"),
             what, overdue || action.effective == false);
    }

    ui::spacer(ctx.frame, 0.5f);
    small_label(ctx, "staff.complaint.history", ctx.s.tr("staff.complaint.history"));
    for (std::size_t i = 0; i < detail.timeline.size(); ++i)
        timeline_step(ctx, i, detail.timeline[i]);
}

} // namespace

void draw_staff_complaint(ScreenContext& ctx, const flows::StaffView& view)
{
    const ui::Metrics& m = ctx.metrics();
    const std::string reference = view.complaint ? view.complaint->reference : std::string();
    const std::array back{Action{"common.back", ui::ButtonStyle::secondary}};
    if (header(ctx, "staff.complaint.title", ctx.s.format("staff.complaint.title", {{"reference", reference}}), back) ==
        0u)
        ctx.staff(staff::Back{});
    notice_band(ctx, view);
    screen_errors(ctx, view.errors);
    if (!view.complaint)
        return;
    if (view.deadline.overdue) // above the scrolling details, so it is never scrolled away
        band(ctx, "staff.complaint.overdue", ctx.s.tr("staff.complaint.overdue"), BandTone::error);

    const bool landscape = is_landscape(ctx.frame);
    const int per_row = view.actions.size() > 4 ? 2 : 1;
    const auto rows = static_cast<float>((view.actions.size() + static_cast<std::size_t>(per_row) - 1) /
                                         static_cast<std::size_t>(per_row));
    // Portrait: the actions stay put under the scrolling details.
    const float actions_height = view.actions.empty() ? 0.0f : m.small_px + m.gap + rows * (m.button_height + m.gap);
    std::optional<Columns> columns;
    if (landscape)
        columns.emplace(ctx, "staff.complaint", 0.6f);
    const float details_height = landscape ? ImGui::GetContentRegionAvail().y
                                           : content_bottom(ctx.frame) - cursor_y() - actions_height - m.gap;
    ui::scroll_region(ctx.frame, ctx.ui.scroll, "staff.complaint.details", details_height,
                      [&] { complaint_details(ctx, view); });
    if (columns)
        columns->right();
    else
        ui::spacer(ctx.frame, 0.5f);

    if (!view.actions.empty())
        small_label(ctx, "staff.complaint.actions", ctx.s.tr("staff.complaint.actions"));
    ui::ButtonOptions options;
    options.width = ui::share_width(ctx.frame, per_row);
    const float left = ImGui::GetCursorScreenPos().x;
    for (std::size_t i = 0; i < view.actions.size(); ++i) {
        const Action action = action_button(view.actions[i]);
        if (per_row == 2 && i % 2 == 1)
            ui::same_line(ctx.frame);
        else
            ImGui::SetCursorScreenPos(ImVec2(left, cursor_y()));
        options.style = action.style;
        if (ui::big_button(ctx.frame, action.key, ctx.s.tr(action.key), options))
            ctx.staff(staff::Act{view.actions[i]});
    }
    if (columns)
        columns->end();
}

// [SECTION] Escalate, reopen, close

void draw_staff_reason(ScreenContext& ctx, const flows::StaffView& view)
{
    const bool escalate = view.screen == flows::Screen::staff_escalate;
    EntryField reason{Field::reason, ctx.s.tr("staff.escalate.reason"), view.reason, ui::KeyboardLayout::text,
                      flows::find_error(view.errors, Field::reason), true};
    TypingLayout typing;
    typing.title_key = escalate ? "staff.escalate.title" : "staff.reopen.title";
    typing.title = escalate ? ctx.s.tr("staff.escalate.title") : ctx.s.tr("staff.reopen.title");
    if (view.complaint)
        typing.hint = ctx.s.format("staff.complaint.title", {{"reference", view.complaint->reference}});
    typing.fields = {reason};
    typing.actions = {Action{"common.back", ui::ButtonStyle::secondary},
                      Action{escalate ? "staff.escalate.confirm" : "staff.reopen.confirm"}};
    typing.extra_row = [&] { screen_errors(ctx, view.errors); };
    const TypingResult result = draw_typing(ctx, typing);
    if (result.new_text)
        ctx.staff(staff::SetText{Field::reason, *result.new_text});
    if (result.action == 0u)
        ctx.staff(staff::Back{});
    else if (result.action == 1u || result.done)
        ctx.staff(staff::Submit{});
}

void draw_staff_close(ScreenContext& ctx, const flows::StaffView& view)
{
    const bool refer = view.close_outcome == "referred_external";
    const bool withdrawn = view.close_outcome == "withdrawn";
    EntryField body{Field::external_body, ctx.s.tr("staff.refer.body_name"), view.external_body,
                    ui::KeyboardLayout::text, flows::find_error(view.errors, Field::external_body)};
    EntryField note{Field::note, ctx.s.tr("staff.note"), view.note, ui::KeyboardLayout::text,
                    flows::find_error(view.errors, Field::note)};
    TypingLayout typing;
    if (refer) {
        typing.title_key = "staff.refer.title";
        typing.title = ctx.s.tr("staff.refer.title");
        typing.hint = ctx.s.tr("staff.refer.body_hint");
        typing.fields = {body, note};
        typing.actions = {Action{"common.back", ui::ButtonStyle::secondary}, Action{"staff.refer.confirm"}};
    } else if (withdrawn) {
        typing.title_key = "staff.withdraw.title";
        typing.title = ctx.s.tr("staff.withdraw.title");
        typing.hint = ctx.s.tr("staff.withdraw.body");
        typing.fields = {note};
        typing.actions = {Action{"common.back", ui::ButtonStyle::secondary}, Action{"staff.withdraw.confirm"}};
    } else {
        typing.title_key = "staff.close_unresolved.title";
        typing.title = ctx.s.tr("staff.close_unresolved.title");
        typing.hint = ctx.s.tr("staff.close_unresolved.body");
        typing.fields = {note};
        typing.actions = {Action{"common.back", ui::ButtonStyle::secondary}, Action{"staff.close_unresolved.confirm"}};
    }
    typing.extra_row = [&] { screen_errors(ctx, view.errors); };
    const TypingResult result = draw_typing(ctx, typing);
    if (result.new_text && ctx.ui.focus)
        ctx.staff(staff::SetText{*ctx.ui.focus, *result.new_text});
    if (result.done)
        if (const auto next = next_field_index(ctx.ui, typing.fields))
            focus_field(ctx.ui, typing.fields[*next]);
    if (result.action == 0u)
        ctx.staff(staff::Back{});
    else if (result.action == 1u)
        ctx.staff(staff::Submit{});
}

} // namespace feedback::screens
