// Tests of staff mode without a window, on a real store: PIN and lockout,
// idle logout, walk-in complaints solved on the spot, the customer's answer,
// escalation, refund limits, the open list with deadlines, find by reference,
// actions on a complaint and the status panel.
#include "flow_fixture.h"

#include "domain/ids.h"
#include "domain/money.h"
#include "domain/refcode.h"
#include "domain/vocabulary.h"
#include "flows/staff_flow.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace feedback;
using namespace feedback::flows;
using namespace feedback::testing;
using Json = nlohmann::json;

namespace {

struct Staff {
    Staff() : store(open_store(dir))
    {
        flow.set_contact_offered(true); // enrolled: head office's contact key is here
    }

    Sent send(const StaffIntent& intent, int64_t after = second)
    {
        now += after;
        return send_to(flow, runner, intent, now);
    }
    StaffView view() const { return flow.view(now); }
    Screen screen() const { return flow.screen(); }

    void log_in(const char* pin)
    {
        flow.enter(now);
        send(staff::SetText{Field::pin, pin});
        send(staff::Submit{});
        REQUIRE(screen() == Screen::staff_menu);
    }

    // Fills the walk-in form and submits it: the flow moves on to solving.
    std::string log_walk_in(const std::string& channel = "walk_in")
    {
        send(staff::ChooseMenu{MenuItem::log_complaint});
        send(staff::Select{Field::channel, channel});
        send(staff::Select{Field::category, "product"});
        send(staff::SetText{Field::description, "Lekkende gieter"});
        send(staff::SetText{Field::customer_wish, "Een nieuwe gieter"});
        send(staff::SetText{Field::receipt_ref, "BON-42"});
        send(staff::Submit{});
        REQUIRE(screen() == Screen::staff_solve);
        REQUIRE(view().complaint);
        return view().complaint->complaint_id;
    }

    // A complaint recorded directly, at `at`.
    std::string open_complaint(int64_t at, const std::string& category = "service")
    {
        auto recorded = store.record({EventType::complaint_opened,
                                      "",
                                      "kiosk",
                                      {{"channel", "kiosk"},
                                       {"category", category},
                                       {"description", "Lang gewacht"},
                                       {"customer_wish", "Sneller helpen"}},
                                      {}},
                                     at);
        REQUIRE(recorded);
        return recorded->subject;
    }

    TempDir dir;
    store::LocalStore store;
    RecordingCaller caller;
    app::EffectRunner runner{store, caller};
    StaffFlow flow{test_config(), store};
    int64_t now = t0;
};

std::string error_key(const StaffView& view, Field field)
{
    const Message* message = find_error(view.errors, field);
    return message ? message->key : "";
}

std::vector<Event> events_about(store::LocalStore& store, const std::string& complaint_id)
{
    std::vector<Event> out;
    for (Event& event : all_events(store))
        if (event.subject == complaint_id)
            out.push_back(std::move(event));
    return out;
}

bool offers(const StaffView& view, ComplaintAction action)
{
    return std::find(view.actions.begin(), view.actions.end(), action) != view.actions.end();
}

} // namespace

// =============================================================================
// [SECTION] PIN, lockout, idle
// =============================================================================

TEST_CASE("a wrong PIN counts down, five lock entry for 60 s, the lock outlives leaving", "[flows][staff][pin]")
{
    Staff s;
    s.flow.enter(s.now);
    CHECK(s.flow.active());
    CHECK(s.screen() == Screen::staff_pin);

    s.send(staff::SetText{Field::pin, "12a4"}); // the pad only types digits
    CHECK(s.view().pin_length == 0);
    s.send(staff::SetText{Field::pin, "0000"});
    CHECK(s.view().pin_length == 4);
    s.send(staff::Submit{});
    auto view = s.view();
    CHECK(view.pin_length == 0);
    CHECK(view.attempts_left == 4);
    REQUIRE(find_error(view.errors, Field::pin));
    CHECK(*find_error(view.errors, Field::pin) == Message{"staff.login.wrong_pin", {{"tries", "4"}}});

    for (int i = 0; i < 3; ++i) { // too short to be anyone's PIN: wrong without a hash check
        s.send(staff::SetText{Field::pin, "12"});
        s.send(staff::Submit{});
    }
    CHECK(s.view().attempts_left == 1);
    CHECK(error_key(s.view(), Field::pin) == "staff.login.wrong_pin_last");
    s.send(staff::SetText{Field::pin, "0000"});
    s.send(staff::Submit{});
    const int64_t locked_at = s.now;
    view = s.view();
    CHECK_FALSE(s.flow.logged_in());
    CHECK(view.locked);
    CHECK(view.lock_seconds_left == 60);
    CHECK(*find_error(view.errors, Field::pin) == Message{"staff.login.locked", {{"seconds", "60"}}});

    // Leaving and coming back does not lift it, nor does the right PIN.
    s.send(staff::Back{});
    CHECK_FALSE(s.flow.active());
    s.now += 10 * second;
    s.flow.enter(s.now);
    CHECK(s.view().locked);
    CHECK(s.view().lock_seconds_left == 49);
    s.send(staff::SetText{Field::pin, anna_pin});
    s.send(staff::Submit{});
    CHECK_FALSE(s.flow.logged_in());
    CHECK(s.screen() == Screen::staff_pin);

    s.now = locked_at + 60 * second;
    CHECK_FALSE(s.view().locked);
    CHECK(s.view().attempts_left == 5);
    CHECK(s.view().errors.empty());
    s.send(staff::SetText{Field::pin, anna_pin}, 0);
    s.send(staff::Submit{}, 0);
    CHECK(s.flow.logged_in());
    CHECK(s.screen() == Screen::staff_menu);
    CHECK(s.view().staff_id == "anna");
    CHECK(s.view().refund_limit_cents == 5000);
}

TEST_CASE("staff mode logs out after the staff idle time and forgets the drafts", "[flows][staff][idle]")
{
    Staff s;
    s.log_in(manager_pin);
    CHECK(s.view().staff_id == "manager");
    s.send(staff::ChooseMenu{MenuItem::log_complaint});
    s.send(staff::SetText{Field::description, "Half getypt"});
    s.flow.tick(s.now + 119 * second);
    CHECK(s.flow.logged_in());
    s.flow.tick(s.now + 120 * second);
    CHECK_FALSE(s.flow.active());
    CHECK_FALSE(s.flow.logged_in());
    CHECK(s.view().staff_id.empty());
    CHECK(s.view().draft.description.empty());
    CHECK(all_events(s.store).empty());
    // Intents after the logout reach nothing.
    s.send(staff::ChooseMenu{MenuItem::status});
    CHECK_FALSE(s.flow.active());
}

// =============================================================================
// [SECTION] Walk-in complaints solved on the spot
// =============================================================================

TEST_CASE("a walk-in complaint solved on the spot, the customer satisfied, closes as resolved", "[flows][staff]")
{
    Staff s;
    s.log_in(anna_pin);
    s.send(staff::ChooseMenu{MenuItem::log_complaint});
    auto view = s.view();
    CHECK(view.screen == Screen::staff_log_complaint);
    // Every channel of the vocabulary that people pick; not the kiosk's own.
    const auto people = std::count_if(channels.begin(), channels.end(),
                                      [](const Channel& channel) { return channel.use == ChannelUse::people; });
    REQUIRE(view.channels.size() == static_cast<std::size_t>(people));
    CHECK(view.channels[0].id == "walk_in");
    CHECK(view.channels[0].selected);
    CHECK(view.channels[0].key == "channel.walk_in");
    CHECK(view.categories.at(0).text == "Product");

    s.send(staff::Submit{});
    view = s.view();
    CHECK(error_key(view, Field::category) == "common.required");
    CHECK(error_key(view, Field::description) == "complaint.description.needed");
    CHECK(error_key(view, Field::customer_wish) == "complaint.wish.needed");
    CHECK(all_events(s.store).empty());

    s.send(staff::Select{Field::channel, "phone"});
    s.send(staff::Select{Field::category, "product"});
    s.send(staff::SetText{Field::description, "Lekkende gieter"});
    s.send(staff::SetText{Field::customer_wish, "Een nieuwe gieter"});
    s.send(staff::SetText{Field::product_ref, "GIET-10L"});
    s.send(staff::SetText{Field::phone, "0612345678"}); // without the consent tick
    s.send(staff::Submit{});
    CHECK(error_key(s.view(), Field::consent) == "contact.consent_needed");
    s.send(staff::ToggleConsent{});
    auto opened_effects = s.send(staff::Submit{});
    REQUIRE(opened_effects.recorded_event_ids.size() == 1);

    view = s.view();
    CHECK(view.screen == Screen::staff_solve);
    REQUIRE(view.complaint);
    const std::string id = view.complaint->complaint_id;
    REQUIRE(view.notice);
    CHECK(view.notice->key == "staff.log.saved");
    CHECK(view.notice->args.at("reference") == view.complaint->reference);
    CHECK(view.on_the_spot);
    auto opened = events_of(s.store, EventType::complaint_opened).at(0);
    CHECK(opened.actor == "staff:anna");
    CHECK(opened.payload["channel"] == "phone");
    CHECK(opened.payload["product_ref"] == "GIET-10L");
    CHECK(opened.payload["contact"] == Json{{"consent", true}, {"phone", "0612345678"}});

    s.send(staff::Select{Field::resolution, "replacement"});
    CHECK_FALSE(s.view().amount_required);
    s.send(staff::SetText{Field::note, "Nieuwe gieter uit het schap"});
    auto resolved_effects = s.send(staff::Submit{});
    CHECK(resolved_effects.recorded_event_ids.size() == 1);
    CHECK(s.screen() == Screen::staff_customer_response);

    s.send(staff::Submit{}); // the customer has not answered yet
    CHECK(error_key(s.view(), Field::satisfied) == "common.required");
    s.send(staff::SetSatisfaction{Satisfaction::satisfied});
    s.send(staff::SetHandlingScore{6}); // not on the 1-5 scale: ignored
    s.send(staff::SetHandlingScore{5});
    CHECK(s.view().handling_score == 5);
    auto answered = s.send(staff::Submit{});
    CHECK(answered.recorded_event_ids.size() == 2); // the answer and the closing

    view = s.view();
    CHECK(view.screen == Screen::staff_complaint);
    REQUIRE(view.notice);
    CHECK(view.notice->key == "staff.saved");
    CHECK(view.complaint->status == ComplaintStatus::closed);
    CHECK(view.actions == std::vector<ComplaintAction>{ComplaintAction::reopen});

    auto events = events_about(s.store, id);
    REQUIRE(events.size() == 4);
    CHECK(events[1].type == EventType::complaint_resolved);
    CHECK(events[1].actor == "staff:anna");
    CHECK(events[1].payload ==
          Json{{"resolution", "replacement"}, {"on_the_spot", true}, {"note", "Nieuwe gieter uit het schap"}});
    CHECK(events[2].type == EventType::complaint_customer_response);
    CHECK(events[2].actor == "kiosk");
    CHECK(events[2].payload == Json{{"satisfied", true}, {"handling_score", 5}});
    CHECK(events[3].type == EventType::complaint_closed);
    CHECK(events[3].actor == "staff:anna");
    CHECK(events[3].payload == Json{{"outcome", "resolved"}});

    auto state = s.store.complaint_state(id);
    REQUIRE(state);
    CHECK(state->status == ComplaintStatus::closed);
    CHECK(state->close_outcome == "resolved");
    CHECK(state->solved_on_the_spot);
    CHECK(state->handling_score == 5);

    s.send(staff::Back{});
    CHECK(s.screen() == Screen::staff_menu);
}

TEST_CASE("a customer not satisfied keeps the complaint open and it can be escalated", "[flows][staff]")
{
    Staff s;
    s.log_in(anna_pin);
    const std::string id = s.log_walk_in("walk_in");
    s.send(staff::Select{Field::resolution, "apology"});
    s.send(staff::SetText{Field::amount, "5"}); // apologies carry no amount: not sent
    CHECK_FALSE(s.view().amount_allowed);
    s.send(staff::Submit{});
    REQUIRE(s.screen() == Screen::staff_customer_response);
    s.send(staff::SetSatisfaction{Satisfaction::not_satisfied});
    s.send(staff::SetHandlingScore{2});
    s.send(staff::SetText{Field::comment, "Ik wil mijn geld terug"});
    CHECK(s.send(staff::Submit{}).recorded_event_ids.size() == 1);

    auto view = s.view();
    CHECK(view.screen == Screen::staff_not_satisfied);
    CHECK(view.complaint->status == ComplaintStatus::dissatisfied);
    CHECK(view.actions == std::vector<ComplaintAction>{ComplaintAction::resolve, ComplaintAction::escalate});
    s.send(staff::Act{ComplaintAction::withdraw}); // not offered here
    CHECK(s.screen() == Screen::staff_not_satisfied);

    s.send(staff::Act{ComplaintAction::escalate});
    CHECK(s.screen() == Screen::staff_escalate);
    s.send(staff::Submit{});
    CHECK(error_key(s.view(), Field::reason) == "staff.escalate.reason_needed");
    s.send(staff::SetText{Field::reason, "Klant wil terugbetaling boven mijn limiet"});
    CHECK(s.send(staff::Submit{}).recorded_event_ids.size() == 1);
    CHECK(s.screen() == Screen::staff_complaint);
    CHECK(s.view().notice->key == "staff.saved");

    auto events = events_about(s.store, id);
    REQUIRE(events.size() == 4);
    CHECK(events[1].payload == Json{{"resolution", "apology"}, {"on_the_spot", true}});
    CHECK(events[2].payload ==
          Json{{"satisfied", false}, {"handling_score", 2}, {"comment", "Ik wil mijn geld terug"}});
    CHECK(events[2].actor == "kiosk");
    CHECK(events[3].type == EventType::complaint_escalated);
    CHECK(events[3].actor == "staff:anna");
    CHECK(events[3].payload == Json{{"reason", "Klant wil terugbetaling boven mijn limiet"}});
    auto state = s.store.complaint_state(id);
    CHECK(state->status == ComplaintStatus::escalated);
    CHECK(state->satisfied == false);
}

TEST_CASE("a not satisfied customer's complaint may also be left open", "[flows][staff]")
{
    Staff s;
    s.log_in(anna_pin);
    const std::string id = s.log_walk_in();
    s.send(staff::Select{Field::resolution, "explanation"});
    s.send(staff::Submit{});
    s.send(staff::SetSatisfaction{Satisfaction::not_satisfied});
    s.send(staff::Submit{});
    s.send(staff::LeaveOpen{});
    CHECK(s.screen() == Screen::staff_complaint);
    CHECK(s.view().notice->key == "staff.saved"); // the answer was
    CHECK(s.store.complaint_state(id)->status == ComplaintStatus::dissatisfied);
    CHECK(events_about(s.store, id).size() == 3);
}

TEST_CASE("amounts: required for refunds, checked, and refused above the staff member's limit", "[flows][staff]")
{
    Staff s;
    s.log_in(anna_pin);
    const std::string id = s.log_walk_in();
    s.send(staff::Select{Field::resolution, "refund"});
    CHECK(s.view().amount_required);

    s.send(staff::Submit{});
    CHECK(error_key(s.view(), Field::amount) == "staff.solve.amount_needed");
    s.send(staff::SetText{Field::amount, "12.345"});
    s.send(staff::Submit{});
    CHECK(error_key(s.view(), Field::amount) == "staff.solve.amount_needed");
    s.send(staff::SetText{Field::amount, "50,01"});
    s.send(staff::Submit{});
    auto view = s.view();
    REQUIRE(find_error(view.errors, Field::amount));
    CHECK(*find_error(view.errors, Field::amount) ==
          Message{"staff.solve.above_limit", {}, {{"limit", 5000}}}); // the screen writes it as the limit line does
    CHECK(view.screen == Screen::staff_solve);
    CHECK(events_about(s.store, id).size() == 1); // nothing but the opening

    s.send(staff::SetText{Field::amount, "50"});
    s.send(staff::Submit{});
    CHECK(s.screen() == Screen::staff_customer_response);
    auto events = events_about(s.store, id);
    REQUIRE(events.size() == 2);
    CHECK(events[1].payload == Json{{"resolution", "refund"}, {"on_the_spot", true}, {"amount_cents", 5000}});
    CHECK(s.store.complaint_state(id)->amount_cents == 5000);
}

TEST_CASE("parse_amount_cents reads what staff type", "[flows][staff]")
{
    CHECK(parse_amount_cents("12") == 1200);
    CHECK(parse_amount_cents("12.5") == 1250);
    CHECK(parse_amount_cents("12,05") == 1205);
    CHECK(parse_amount_cents(" 0.99 ") == 99);
    CHECK_FALSE(parse_amount_cents(""));
    CHECK_FALSE(parse_amount_cents("-5"));
    CHECK_FALSE(parse_amount_cents("12."));
    CHECK_FALSE(parse_amount_cents("1.234"));
    CHECK_FALSE(parse_amount_cents("€5"));
    CHECK_FALSE(parse_amount_cents("10000001"));
}

// =============================================================================
// [SECTION] Open complaints, deadlines, actions
// =============================================================================

TEST_CASE("the open list shows age and the promise deadline, overdue ones marked", "[flows][staff][open]")
{
    Staff s;
    const std::string old_one = s.open_complaint(t0 - 49 * hour, "price");
    const std::string new_one = s.open_complaint(t0 - 1 * hour);
    const std::string closed_one = s.open_complaint(t0 - 2 * hour);
    REQUIRE(s.store.record({EventType::complaint_closed, closed_one, "staff:anna", {{"outcome", "withdrawn"}}, {}},
                           t0 - hour));

    s.log_in(anna_pin);
    s.send(staff::ChooseMenu{MenuItem::open_complaints});
    auto view = s.view();
    CHECK(view.screen == Screen::staff_open_complaints);
    // The fixture promises 72 and 48 clock hours; staff see both.
    CHECK(view.promise_limits == std::vector{config::TimeLimit{config::TimeUnit::clock_hours, 72},
                                             config::TimeLimit{config::TimeUnit::clock_hours, 48}});
    REQUIRE(view.open_complaints.size() == 2);
    const OpenComplaintRow& first = view.open_complaints[0];
    CHECK(first.complaint_id == old_one);
    CHECK(first.category == "price");
    CHECK(first.category_text == "Prijs");
    CHECK(first.channel == "kiosk");
    CHECK(first.status == ComplaintStatus::open);
    CHECK(first.opened_at_ms == t0 - 49 * hour);
    // 48 clock hours from opening; an hour overdue by now (plus the seconds of the log-in).
    CHECK(first.deadline.unit == config::TimeUnit::clock_hours);
    CHECK(first.deadline.left_ms == (t0 - hour) - s.now);
    CHECK(first.deadline.at_ms == t0 - hour);
    CHECK(first.deadline.overdue);
    CHECK(view.open_complaints[1].complaint_id == new_one);
    CHECK_FALSE(view.open_complaints[1].deadline.overdue);
    // Just past the deadline of the newer one.
    CHECK(s.flow.view(t0 + 47 * hour + 1).open_complaints[1].deadline.overdue);

    SECTION("acknowledge, then refer to an external dispute body")
    {
        s.send(staff::OpenComplaint{old_one});
        view = s.view();
        CHECK(view.screen == Screen::staff_complaint);
        CHECK(view.deadline.overdue);
        CHECK(view.complaint_category_text == "Prijs");
        CHECK(view.actions == std::vector<ComplaintAction>{ComplaintAction::acknowledge, ComplaintAction::resolve,
                                                           ComplaintAction::escalate, ComplaintAction::close_unresolved,
                                                           ComplaintAction::refer_external, ComplaintAction::withdraw});
        s.send(staff::Act{ComplaintAction::close_resolved}); // the customer has not said they are satisfied
        CHECK(events_about(s.store, old_one).size() == 1);

        CHECK(s.send(staff::Act{ComplaintAction::acknowledge}).recorded_event_ids.size() == 1);
        view = s.view();
        CHECK(view.notice->key == "staff.saved");
        CHECK(view.complaint->status == ComplaintStatus::acknowledged);
        CHECK_FALSE(offers(view, ComplaintAction::acknowledge));

        s.send(staff::Act{ComplaintAction::refer_external});
        CHECK(s.screen() == Screen::staff_close);
        CHECK(s.view().close_outcome == "referred_external");
        s.send(staff::Submit{});
        CHECK(error_key(s.view(), Field::external_body) == "staff.refer.body_needed");
        s.send(staff::SetText{Field::external_body, "De Geschillencommissie"});
        s.send(staff::SetText{Field::note, "Klant wil een uitspraak"});
        s.send(staff::Submit{});
        view = s.view();
        CHECK(view.screen == Screen::staff_complaint);
        CHECK(view.notice->key == "staff.saved");
        CHECK(view.deadline.overdue == false); // closed: no longer counted against the promise

        auto events = events_about(s.store, old_one);
        REQUIRE(events.size() == 3);
        CHECK(events[1].type == EventType::complaint_acknowledged);
        CHECK(events[1].actor == "staff:anna");
        CHECK(events[2].payload == Json{{"outcome", "referred_external"},
                                        {"external_body", "De Geschillencommissie"},
                                        {"note", "Klant wil een uitspraak"}});
        auto state = s.store.complaint_state(old_one);
        CHECK(state->close_outcome == "referred_external");
        CHECK(state->external_body == "De Geschillencommissie");

        s.send(staff::Back{});
        CHECK(s.screen() == Screen::staff_open_complaints);
        REQUIRE(s.view().open_complaints.size() == 1); // the list was refreshed
        CHECK(s.view().open_complaints[0].complaint_id == new_one);
    }
    SECTION("withdraw and close as unresolved")
    {
        s.send(staff::OpenComplaint{new_one});
        s.send(staff::Act{ComplaintAction::withdraw});
        s.send(staff::SetText{Field::external_body, "ignored"}); // only for referrals
        s.send(staff::Submit{});
        CHECK(s.view().notice->key == "staff.saved");
        CHECK(events_about(s.store, new_one).back().payload == Json{{"outcome", "withdrawn"}});

        s.send(staff::Back{});
        s.send(staff::OpenComplaint{old_one});
        s.send(staff::Act{ComplaintAction::close_unresolved});
        s.send(staff::Back{}); // changed their mind
        CHECK(s.screen() == Screen::staff_complaint);
        s.send(staff::Act{ComplaintAction::close_unresolved});
        s.send(staff::Submit{});
        CHECK(s.store.complaint_state(old_one)->close_outcome == "unresolved");
        s.send(staff::Back{});
        CHECK(s.view().open_complaints.empty());
    }
}

TEST_CASE("resolving from the list when the customer is away, their answer later", "[flows][staff][open]")
{
    Staff s;
    const std::string id = s.open_complaint(t0 - 3 * hour);
    s.log_in(manager_pin);
    s.send(staff::ChooseMenu{MenuItem::open_complaints});
    s.send(staff::OpenComplaint{id});
    s.send(staff::Act{ComplaintAction::resolve});
    CHECK(s.screen() == Screen::staff_solve);
    CHECK_FALSE(s.view().on_the_spot); // working the list: the customer is not here
    s.send(staff::Select{Field::resolution, "voucher"});
    s.send(staff::SetText{Field::amount, "60"}); // within the manager's limit
    s.send(staff::Submit{});
    REQUIRE(s.screen() == Screen::staff_customer_response);
    s.send(staff::CustomerAbsent{});
    auto view = s.view();
    CHECK(view.screen == Screen::staff_complaint);
    CHECK(view.notice->key == "staff.saved"); // the resolution was
    CHECK(view.complaint->status == ComplaintStatus::awaiting_response);
    CHECK(view.actions == std::vector<ComplaintAction>{ComplaintAction::record_answer, ComplaintAction::escalate,
                                                       ComplaintAction::close_unresolved,
                                                       ComplaintAction::refer_external, ComplaintAction::withdraw});

    s.send(staff::Act{ComplaintAction::record_answer});
    s.send(staff::SetSatisfaction{Satisfaction::satisfied});
    s.send(staff::Submit{});
    auto events = events_about(s.store, id);
    REQUIRE(events.size() == 4);
    CHECK(events[1].payload == Json{{"resolution", "voucher"}, {"on_the_spot", false}, {"amount_cents", 6000}});
    CHECK(events[1].actor == "staff:manager");
    CHECK(events[2].payload == Json{{"satisfied", true}});
    CHECK(events[3].actor == "staff:manager");
    auto state = s.store.complaint_state(id);
    CHECK(state->close_outcome == "resolved");
    CHECK_FALSE(state->solved_on_the_spot);
}

TEST_CASE("an action refused because the complaint moved on elsewhere shows an error and the new state",
          "[flows][staff][open]")
{
    Staff s;
    const std::string id = s.open_complaint(t0 - hour);
    s.log_in(anna_pin);
    s.send(staff::ChooseMenu{MenuItem::open_complaints});
    s.send(staff::OpenComplaint{id});
    REQUIRE(s.view().complaint->status == ComplaintStatus::open);
    // Meanwhile another counter (or head office, through sync) closes it.
    REQUIRE(s.store.record({EventType::complaint_closed, id, "staff:manager", {{"outcome", "withdrawn"}}, {}}, s.now));

    auto effects = s.send(staff::Act{ComplaintAction::acknowledge});
    CHECK(effects.recorded_event_ids.empty());
    auto view = s.view();
    CHECK(view.screen == Screen::staff_complaint);
    CHECK(error_key(view, Field::none) == "error.generic");
    CHECK_FALSE(find_error(view.errors, Field::none)->args.at("detail").empty());
    CHECK(view.complaint->status == ComplaintStatus::closed);
    CHECK(view.actions == std::vector<ComplaintAction>{ComplaintAction::reopen});
    CHECK(events_about(s.store, id).size() == 2);
}

// =============================================================================
// [SECTION] Find by reference
// =============================================================================

TEST_CASE("find by reference: a typo, an unknown code, and a found one", "[flows][staff][find]")
{
    Staff s;
    const std::string id = s.open_complaint(t0 - hour);
    const std::string reference = s.store.complaint_state(id)->reference;
    s.log_in(anna_pin);
    s.send(staff::ChooseMenu{MenuItem::find});
    CHECK(s.screen() == Screen::staff_find);

    s.send(staff::Submit{});
    CHECK(error_key(s.view(), Field::reference_query) == "common.required");

    std::string typo = reference;
    typo[typo.size() - 2] = typo[typo.size() - 2] == 'A' ? 'B' : 'A';
    s.send(staff::SetText{Field::reference_query, typo});
    s.send(staff::Submit{});
    CHECK(error_key(s.view(), Field::reference_query) == "staff.find.invalid");

    s.send(staff::SetText{Field::reference_query, "XX0-22-2222"});
    s.send(staff::Submit{});
    CHECK(error_key(s.view(), Field::reference_query) == "staff.find.invalid");

    s.send(staff::SetText{Field::reference_query, "XX"});
    s.send(staff::Submit{});
    CHECK(error_key(s.view(), Field::reference_query) == "staff.find.invalid");

    const std::string unknown = make_refcode("QQQ", "22", 7);
    s.send(staff::SetText{Field::reference_query, unknown});
    s.send(staff::Submit{});
    CHECK(error_key(s.view(), Field::reference_query) == "staff.find.not_found");
    CHECK(s.screen() == Screen::staff_find);

    std::string loose; // as a customer might read it out: lower case, no dashes
    for (char c : reference)
        if (c != '-')
            loose.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    s.send(staff::SetText{Field::reference_query, loose});
    s.send(staff::Submit{});
    auto view = s.view();
    CHECK(view.screen == Screen::staff_complaint);
    REQUIRE(view.complaint);
    CHECK(view.complaint->complaint_id == id);
    CHECK(view.complaint->reference == reference);

    // Found at the counter: the customer is here, so solving is on the spot.
    s.send(staff::Act{ComplaintAction::resolve});
    CHECK(s.view().on_the_spot);
    s.send(staff::Back{});
    s.send(staff::Back{});
    CHECK(s.screen() == Screen::staff_find);
}

TEST_CASE("a closed complaint found by reference can be reopened", "[flows][staff][find]")
{
    Staff s;
    s.log_in(anna_pin);
    const std::string id = s.log_walk_in();
    s.send(staff::Select{Field::resolution, "repair"});
    s.send(staff::Submit{});
    s.send(staff::SetSatisfaction{Satisfaction::satisfied});
    s.send(staff::Submit{});
    REQUIRE(s.store.complaint_state(id)->status == ComplaintStatus::closed);
    const std::string reference = s.view().complaint->reference;

    s.send(staff::Back{});
    s.send(staff::ChooseMenu{MenuItem::find});
    s.send(staff::SetText{Field::reference_query, reference});
    s.send(staff::Submit{});
    REQUIRE(s.screen() == Screen::staff_complaint);
    CHECK(s.view().actions == std::vector<ComplaintAction>{ComplaintAction::reopen});
    s.send(staff::Act{ComplaintAction::reopen});
    CHECK(s.screen() == Screen::staff_reopen);
    s.send(staff::SetText{Field::reason, "Lekt weer"});
    s.send(staff::Submit{});
    CHECK(s.view().notice->key == "staff.saved");
    auto state = s.store.complaint_state(id);
    CHECK(state->status == ComplaintStatus::open);
    CHECK(state->reopen_count == 1);
    CHECK(events_about(s.store, id).back().actor == "staff:anna");
}

// =============================================================================
// [SECTION] The whole complaint on its screen
// =============================================================================

TEST_CASE("the complaint screen shows what was said and every step, and no contact details",
          "[flows][staff][detail]")
{
    Staff s;
    s.log_in(anna_pin);
    s.send(staff::ChooseMenu{MenuItem::log_complaint});
    s.send(staff::Select{Field::channel, "phone"});
    s.send(staff::Select{Field::category, "product"});
    const std::string description(1500, 'x'); // long texts are shown whole; the screen scrolls them
    s.send(staff::SetText{Field::description, description});
    s.send(staff::SetText{Field::customer_wish, "Geld terug"});
    s.send(staff::ToggleConsent{});
    s.send(staff::SetText{Field::phone, "020 123 4567"});
    s.send(staff::Submit{});
    REQUIRE(s.screen() == Screen::staff_solve);
    s.send(staff::Select{Field::resolution, "apology"});
    s.send(staff::Submit{});
    s.send(staff::CustomerAbsent{});
    REQUIRE(s.screen() == Screen::staff_complaint);

    StaffView view = s.view();
    const ComplaintDetail& detail = view.detail;
    CHECK(detail.description == description);
    CHECK(detail.customer_wish == "Geld terug");
    CHECK(detail.logged_by == "Anna");
    CHECK(detail.logged_at == StepPlace::this_terminal);
    CHECK(detail.terminal_code == s.store.device().terminal_code);
    CHECK(detail.severity_key.empty()); // not assessed yet
    CHECK(detail.owner.empty());
    // Whether the customer can be reached, not how.
    CHECK(detail.contact.phone);
    CHECK_FALSE(detail.contact.email);
    CHECK(detail.contact.consent);
    for (const TimelineStep& step : detail.timeline)
        CHECK(step.text.find("123 4567") == std::string::npos);
    REQUIRE(detail.timeline.size() == 2);
    CHECK(detail.timeline[0].key == "staff.step.complaint.opened");
    CHECK(detail.timeline[0].who == "Anna");
    CHECK(detail.timeline[0].text.empty()); // the description has its own line
    CHECK(detail.timeline[1].key == "staff.step.complaint.resolved");
    CHECK(detail.timeline[1].choice_key == "resolution.apology");
    CHECK(detail.timeline[1].at_ms > detail.timeline[0].at_ms);

    // Head office's analysis arrives with the next sync: a step at head office.
    const std::string id = view.complaint->complaint_id;
    Event cause;
    cause.id = make_uuid_v7(s.now + second);
    cause.type = EventType::complaint_root_cause_recorded;
    cause.subject = id;
    cause.occurred_at_ms = s.now + second;
    cause.actor = "hq:mia";
    cause.device_id = make_uuid_v7(t0);
    cause.device_seq = 1;
    cause.payload = {{"root_cause", "supplier"}, {"note", "Partij gieters lekt"}};
    auto applied = s.store.apply_remote_events(std::span(&cause, 1), "cursor-1", s.now + second);
    REQUIRE(applied);
    REQUIRE(applied->inserted == 1);
    s.send(staff::Back{});
    s.send(staff::ChooseMenu{MenuItem::open_complaints});
    s.send(staff::OpenComplaint{id});
    view = s.view();
    REQUIRE(view.detail.timeline.size() == 3);
    const TimelineStep& hq = view.detail.timeline[2];
    CHECK(hq.key == "staff.step.complaint.root_cause_recorded");
    CHECK(hq.place == StepPlace::head_office);
    CHECK(hq.by_head_office);
    CHECK(hq.who == "mia");
    CHECK(hq.choice_text == "supplier");
    CHECK(hq.text == "Partij gieters lekt");

    // Logging out forgets the complaint with everything else.
    s.send(staff::LogOut{});
    s.log_in(anna_pin);
    CHECK(s.view().detail.timeline.empty());
}

TEST_CASE("a complaint from the kiosk with a severity says so, and who logged it", "[flows][staff][detail]")
{
    Staff s;
    auto recorded = s.store.record({EventType::complaint_opened,
                                    "",
                                    "kiosk",
                                    {{"channel", "kiosk"},
                                     {"category", "product"},
                                     {"description", "Scherpe rand aan de kar"},
                                     {"customer_wish", "Repareren"},
                                     {"severity", "safety"}},
                                    {}},
                                   t0);
    REQUIRE(recorded);
    s.log_in(anna_pin);
    s.send(staff::ChooseMenu{MenuItem::open_complaints});
    s.send(staff::OpenComplaint{recorded->subject});
    const ComplaintDetail detail = s.view().detail;
    CHECK(detail.severity_key == "severity.safety");
    CHECK(detail.logged_by.empty()); // the customer at the kiosk
    CHECK(detail.logged_at == StepPlace::this_terminal);
    CHECK_FALSE(detail.contact.phone);
    CHECK_FALSE(detail.contact.email);
    REQUIRE(detail.timeline.size() == 1);
    CHECK(detail.timeline[0].choice_key == "severity.safety");
}

TEST_CASE("head office's assessment, notes, actions and decision reach the complaint screen",
          "[flows][staff][detail]")
{
    Staff s;
    // Opened 50 h ago: the fixture's 48 clock hours ran out 2 h ago, unanswered.
    const std::string id = s.open_complaint(t0 - 50 * hour);
    const std::string late_action = make_uuid_v7(t0 - 9 * hour);
    const std::string checked_action = make_uuid_v7(t0 - 8 * hour);
    from_head_office(s.store, id, EventType::complaint_assessed,
                     {{"severity", "high"}, {"owner", "Mia Jansen"}, {"note", "Scherpe rand: nagaan"}}, t0 - 10 * hour);
    from_head_office(s.store, id, EventType::complaint_noted, {{"note", "Leverancier gebeld"}}, t0 - 9 * hour - 1);
    from_head_office(s.store, id, EventType::complaint_action_planned,
                     {{"action_id", late_action},
                      {"kind", "corrective"},
                      {"description", "Karren nalopen"},
                      {"owner", "Filiaalleider"},
                      {"due_at", t0 - 10 * 60 * 1000}},
                     t0 - 9 * hour);
    from_head_office(s.store, id, EventType::complaint_action_planned,
                     {{"action_id", checked_action},
                      {"kind", "preventive"},
                      {"description", "Leverancier wisselen"},
                      {"owner", "Inkoop"},
                      {"due_at", t0 - 20 * 60 * 1000}},
                     t0 - 8 * hour);
    from_head_office(s.store, id, EventType::complaint_action_checked,
                     {{"action_id", checked_action}, {"effective", true}}, t0 - 7 * hour);

    s.log_in(anna_pin);
    s.send(staff::ChooseMenu{MenuItem::open_complaints});
    s.send(staff::OpenComplaint{id});
    StaffView view = s.view();
    CHECK(view.detail.severity_key == "severity.high");
    CHECK(view.detail.owner == "Mia Jansen");
    CHECK(view.deadline.overdue); // past due and the customer has no answer
    CHECK_FALSE(view.deadline.answered);
    REQUIRE(view.planned_actions.size() == 2);
    CHECK(view.planned_actions[0].action.action_id == late_action);
    CHECK(view.planned_actions[0].overdue); // due 10 min ago, never checked
    CHECK_FALSE(view.planned_actions[1].overdue); // checked
    REQUIRE(view.detail.timeline.size() == 6);
    const TimelineStep& assessed = view.detail.timeline[1];
    CHECK(assessed.key == "staff.step.complaint.assessed");
    CHECK(assessed.choice_key == "severity.high");
    CHECK(assessed.owner == "Mia Jansen");
    CHECK(assessed.text == "Scherpe rand: nagaan");
    CHECK(assessed.place == StepPlace::head_office);
    const TimelineStep& noted = view.detail.timeline[2];
    CHECK(noted.key == "staff.step.complaint.noted");
    CHECK(noted.text == "Leverancier gebeld");
    CHECK(noted.who == "mia");

    // Head office decides and tells the customer by e-mail: answered, no
    // longer overdue; the decision and how it went out are on the screen.
    from_head_office(s.store, id, EventType::complaint_resolved,
                     {{"resolution", "voucher"},
                      {"on_the_spot", false},
                      {"amount_cents", 1500},
                      {"decision", "U krijgt een tegoedbon van 15 euro."},
                      {"communicated", "email"}},
                     t0 - hour);
    // The store takes the complaint back from head office.
    from_head_office(s.store, id, EventType::complaint_assessed, {{"severity", "high"}}, t0 - hour / 2);
    s.send(staff::Back{});
    s.send(staff::OpenComplaint{id});
    view = s.view();
    REQUIRE(view.complaint);
    CHECK(view.complaint->decision == "U krijgt een tegoedbon van 15 euro.");
    CHECK(view.complaint->communicated == "email");
    CHECK(view.deadline.answered);
    CHECK_FALSE(view.deadline.overdue);
    CHECK_FALSE(view.deadline.left_ms);
    CHECK(view.detail.owner.empty()); // the store
    REQUIRE(view.detail.timeline.size() == 8);
    const TimelineStep& decided = view.detail.timeline[6];
    CHECK(decided.key == "staff.step.complaint.resolved");
    CHECK(decided.communicated_key == "communicated.email");
    CHECK(decided.text == "U krijgt een tegoedbon van 15 euro.");
    CHECK(decided.amount_cents == 1500);
    CHECK(view.detail.timeline[7].owner == std::string()); // given back to the store
}

// =============================================================================
// [SECTION] Status panel
// =============================================================================

TEST_CASE("the status panel carries the store's status and the sync status", "[flows][staff][status]")
{
    Staff s;
    REQUIRE(s.store.record({EventType::nps_rated, "", "kiosk", {{"score", 10}, {"survey_version", 3}, {"locale", "nl"}}, {}},
                           t0 - hour));
    s.open_complaint(t0 - hour);
    s.flow.set_sync_status(SyncStatus{t0 - 2 * hour, "head office did not answer"});
    s.log_in(anna_pin);
    s.send(staff::ChooseMenu{MenuItem::status});
    auto view = s.view();
    CHECK(view.screen == Screen::staff_status);
    REQUIRE(view.status);
    CHECK(view.status->events_total == 2);
    CHECK(view.status->unsent_backlog == 2);
    CHECK(view.status->quarantined == 0);
    CHECK(view.status->integrity == "ok");
    CHECK(view.status->open_complaints == 1);
    CHECK(view.status->nps_last_30_days.promoters == 1);
    CHECK(view.sync.last_success_at_ms == t0 - 2 * hour);
    CHECK(view.sync.last_error == "head office did not answer");

    s.open_complaint(s.now);
    s.send(staff::Refresh{});
    CHECK(s.view().status->events_total == 3);
    s.send(staff::Back{});
    CHECK(s.screen() == Screen::staff_menu);
    s.send(staff::LogOut{});
    CHECK_FALSE(s.flow.active());
}

TEST_CASE("the status panel connects the terminal again, or leaves the store once staff confirm", "[flows][staff][status]")
{
    Staff s;
    s.log_in(anna_pin);
    s.send(staff::ChooseMenu{MenuItem::status});

    SECTION("not enrolled: nothing to leave")
    {
        s.flow.set_sync_status(SyncStatus{});
        s.send(staff::AskToLeave{});
        CHECK(s.screen() == Screen::staff_status);
    }
    SECTION("connect again: staff mode ends and the app opens the setup screens")
    {
        s.now += second;
        const Effects effects = s.flow.apply(staff::ConnectAgain{}, s.now);
        CHECK(effects.device == DeviceRequest::connect_again);
        CHECK_FALSE(effects.record);
        CHECK_FALSE(s.flow.active());
    }
    SECTION("leave: what it means first, then the request, its problem or the words that it left")
    {
        s.flow.set_sync_status(SyncStatus{std::nullopt, "", true});
        REQUIRE(s.store.record({EventType::nps_rated, "", "kiosk", {{"score", 9}, {"survey_version", 3}, {"locale", "nl"}}, {}},
                               s.now));
        s.send(staff::AskToLeave{});
        REQUIRE(s.screen() == Screen::staff_leave_store);
        REQUIRE(s.view().status);
        CHECK(s.view().status->unsent_backlog == 1);
        s.send(staff::Back{});
        CHECK(s.screen() == Screen::staff_status);
        s.send(staff::AskToLeave{});

        s.now += second;
        Effects effects = s.flow.apply(staff::Submit{}, s.now);
        REQUIRE(effects.device == DeviceRequest::leave_store);
        CHECK(s.flow.awaiting());
        CHECK(s.view().leaving);
        s.send(staff::Back{}); // ignored while head office is asked
        CHECK(s.screen() == Screen::staff_leave_store);
        s.flow.apply(EffectResult{StoreLeft{Message{"staff.leave.error.unreachable", {}}}}, s.now);
        CHECK(s.screen() == Screen::staff_leave_store);
        REQUIRE(s.view().errors.size() == 1);
        CHECK(s.view().errors[0].message.key == "staff.leave.error.unreachable");
        CHECK_FALSE(s.view().leaving);

        effects = s.flow.apply(staff::Submit{}, s.now);
        REQUIRE(effects.device == DeviceRequest::leave_store);
        s.flow.apply(EffectResult{StoreLeft{}}, s.now);
        CHECK(s.screen() == Screen::staff_left_store);
        CHECK(s.view().errors.empty());
        // No idle log-out: the app ends the kiosk, which starts afresh.
        s.flow.tick(s.now + 3600 * second);
        CHECK(s.flow.active());
        CHECK(s.screen() == Screen::staff_left_store);
    }
}
