// Tests of the shopper flow and the kiosk's switch to staff mode, driven by
// intents without a window, on a real store, with their effects carried out
// as the app does: every walk is checked by reading back what was recorded.
// Then the effects themselves: what a flow asks for, and how it waits.
#include "flow_fixture.h"

#include "domain/nps.h"
#include "flows/kiosk_flow.h"
#include "flows/pin_lock.h"
#include "flows/setup_flow.h"
#include "flows/shopper_flow.h"
#include "flows/staff_flow.h"

#include <catch2/catch.hpp>

#include <set>

using namespace feedback;
using namespace feedback::flows;
using namespace feedback::testing;
using Json = nlohmann::json;

namespace {

struct Shopper {
    explicit Shopper(store::StoreOptions options = {}) : store(open_store(dir, options))
    {
        flow.set_contact_offered(true); // enrolled: head office's contact key is here
    }

    Sent send(const ShopperIntent& intent, int64_t after = second)
    {
        now += after;
        return send_to(flow, runner, intent, now);
    }
    ShopperView view() const { return flow.view(now); }
    Screen screen() const { return flow.screen(); }

    TempDir dir;
    store::LocalStore store;
    RecordingCaller caller;
    app::EffectRunner runner{store, caller};
    ShopperFlow flow{test_config()};
    int64_t now = t0;
};

std::vector<std::string> selected(const std::vector<Chip>& chips)
{
    std::vector<std::string> out;
    for (const Chip& chip : chips)
        if (chip.selected)
            out.push_back(chip.id);
    return out;
}

std::string error_key(const ShopperView& view, Field field)
{
    const Message* message = find_error(view.errors, field);
    return message ? message->key : "";
}

// A complaint walked up to the contact offer.
void walk_complaint_to_contact(Shopper& s)
{
    s.send(shopper::StartComplaint{});
    s.send(shopper::SelectCategory{"product"});
    s.send(shopper::Next{});
    s.send(shopper::SetText{Field::description, "De pot was gebroken."});
    s.send(shopper::Next{});
    s.send(shopper::SetText{Field::product_ref, "ART-1234"});
    s.send(shopper::Next{});
    s.send(shopper::SetText{Field::customer_wish, "Een nieuwe pot"});
    s.send(shopper::Next{});
    REQUIRE(s.screen() == Screen::complaint_contact_offer);
}

// What a fresh shopper must see: nothing of anyone before.
void check_pristine(const ShopperView& view)
{
    CHECK(view.screen == Screen::shopper_start);
    CHECK(view.locale == "nl");
    CHECK_FALSE(view.score);
    CHECK(view.reasons.empty());
    CHECK(view.comment.empty());
    CHECK(view.contact.empty());
    CHECK(view.contact.name.empty());
    CHECK(selected(view.categories).empty());
    CHECK(view.complaint.description.empty());
    CHECK(view.complaint.product_ref.empty());
    CHECK(view.complaint.receipt_ref.empty());
    CHECK(view.complaint.customer_wish.empty());
    CHECK(view.complaint.contact.empty());
    CHECK(view.reference.empty());
    CHECK_FALSE(view.staff_on_the_way);
    CHECK(view.errors.empty());
}

} // namespace

// =============================================================================
// [SECTION] Start screen and rating
// =============================================================================

TEST_CASE("the start screen shows the question and promises in the chosen language", "[flows][shopper]")
{
    Shopper s;
    auto view = s.view();
    CHECK(view.screen == Screen::shopper_start);
    CHECK(view.locale == "nl");
    CHECK(view.locales == std::vector<std::string>{"nl", "en"});
    CHECK(view.question == "Hoe waarschijnlijk ...?");
    CHECK(view.promises ==
          std::vector<std::string>{"Binnen drie dagen.", "Binnen twee dagen.", "Direct opgelost."});

    s.send(shopper::SetLocale{"en"});
    view = s.view();
    CHECK(view.locale == "en");
    CHECK(view.question == "How likely ...?");
    CHECK(view.promises.front() == "Within three days.");
    s.send(shopper::SetLocale{"fr"}); // not offered: ignored
    CHECK(s.view().locale == "en");
}

TEST_CASE("a promoter's score is recorded at the tap, then the reasons they chose", "[flows][shopper]")
{
    Shopper s;
    s.send(shopper::SetLocale{"en"});
    auto tapped = s.send(shopper::TapScore{9});
    REQUIRE(tapped.recorded_event_ids.size() == 1);

    auto ratings = events_of(s.store, EventType::nps_rated);
    REQUIRE(ratings.size() == 1);
    CHECK(ratings[0].id == tapped.recorded_event_ids[0]);
    CHECK(ratings[0].actor == "kiosk");
    CHECK(ratings[0].subject.empty());
    CHECK(ratings[0].payload == Json{{"score", 9}, {"survey_version", 3}, {"locale", "en"}});

    auto view = s.view();
    CHECK(view.screen == Screen::shopper_why);
    CHECK(view.score == 9);
    REQUIRE(view.reasons.size() == 2);
    CHECK(view.reasons[0].id == "friendly_staff");
    CHECK(view.reasons[0].text == "Friendly");

    s.send(shopper::ToggleReason{"good_advice"});
    s.send(shopper::ToggleReason{"friendly_staff"});
    s.send(shopper::ToggleReason{"waiting_time"}); // another band's reason: ignored
    s.send(shopper::SetText{Field::comment, "Heel fijn geholpen"});
    CHECK(selected(s.view().reasons) == std::vector<std::string>{"friendly_staff", "good_advice"});
    auto next = s.send(shopper::Next{});
    CHECK(next.recorded_event_ids.size() == 1);

    auto details = events_of(s.store, EventType::nps_detailed);
    REQUIRE(details.size() == 1);
    CHECK(details[0].subject == ratings[0].id);
    CHECK(details[0].actor == "kiosk");
    CHECK(details[0].payload ==
          Json{{"reason_ids", {"good_advice", "friendly_staff"}}, {"comment", "Heel fijn geholpen"}});

    view = s.view();
    CHECK(view.screen == Screen::shopper_thank_you);
    CHECK(view.seconds_left == 6);
    s.flow.tick(s.now + 5 * second);
    CHECK(s.flow.view(s.now + 5 * second).seconds_left == 1);
    CHECK(s.screen() == Screen::shopper_thank_you);
    s.flow.tick(s.now + 6 * second);
    check_pristine(s.flow.view(s.now + 6 * second));
}

TEST_CASE("a passive who skips the why records only the rating", "[flows][shopper]")
{
    Shopper s;
    s.send(shopper::TapScore{7});
    REQUIRE(s.view().reasons.size() == 2);
    s.send(shopper::ToggleReason{"range"});
    s.send(shopper::SetText{Field::comment, "meh"});
    auto skipped = s.send(shopper::Skip{});
    CHECK(skipped.recorded_event_ids.empty());
    CHECK(s.screen() == Screen::shopper_thank_you);
    auto events = all_events(s.store);
    REQUIRE(events.size() == 1);
    CHECK(events[0].type == EventType::nps_rated);
    CHECK(events[0].payload["score"] == 7);
    s.send(shopper::Done{});
    check_pristine(s.view());
}

TEST_CASE("a passive's Next with nothing chosen records nothing more", "[flows][shopper]")
{
    Shopper s;
    s.send(shopper::TapScore{8});
    s.send(shopper::SetText{Field::comment, "   "}); // blank is nothing
    CHECK(s.send(shopper::Next{}).recorded_event_ids.empty());
    CHECK(s.screen() == Screen::shopper_thank_you);
    CHECK(events_of(s.store, EventType::nps_detailed).empty());
}

TEST_CASE("a comment over 500 characters is refused with a key and kept", "[flows][shopper]")
{
    Shopper s;
    s.send(shopper::TapScore{10});
    std::string long_comment(501, 'a');
    s.send(shopper::SetText{Field::comment, long_comment});
    s.send(shopper::Next{});
    auto view = s.view();
    CHECK(view.screen == Screen::shopper_why);
    CHECK(error_key(view, Field::comment) == "common.too_long");
    CHECK(view.comment == long_comment);
    CHECK(events_of(s.store, EventType::nps_detailed).empty());

    s.send(shopper::SetText{Field::comment, std::string(500, 'a')});
    CHECK(s.view().errors.empty()); // typing clears the field's error
    s.send(shopper::Next{});
    CHECK(s.screen() == Screen::shopper_thank_you);
    CHECK(events_of(s.store, EventType::nps_detailed).size() == 1);
}

// =============================================================================
// [SECTION] Detractors and contact
// =============================================================================

TEST_CASE("a detractor who agrees and consents leaves contact details with the why", "[flows][shopper]")
{
    Shopper s;
    s.send(shopper::TapScore{3});
    s.send(shopper::ToggleReason{"waiting_time"});
    s.send(shopper::SetText{Field::comment, "Lang gewacht"});
    CHECK(s.send(shopper::Next{}).recorded_event_ids.empty()); // the why waits for the contact step
    CHECK(s.screen() == Screen::shopper_contact_offer);
    s.send(shopper::Yes{});
    CHECK(s.screen() == Screen::shopper_contact_details);

    SECTION("no consent and no way to reach them: two errors, nothing recorded")
    {
        s.send(shopper::SetText{Field::name, "Piet"});
        s.send(shopper::Next{});
        auto view = s.view();
        CHECK(view.screen == Screen::shopper_contact_details);
        CHECK(error_key(view, Field::consent) == "contact.consent_needed");
        CHECK(error_key(view, Field::phone) == "contact.need_phone_or_email");
        CHECK(events_of(s.store, EventType::nps_detailed).empty());
    }
    SECTION("a malformed phone number and e-mail address are named")
    {
        s.send(shopper::ToggleConsent{});
        s.send(shopper::SetText{Field::phone, "call me"});
        s.send(shopper::SetText{Field::email, "piet-at-example"});
        s.send(shopper::Next{});
        auto view = s.view();
        CHECK(error_key(view, Field::phone) == "contact.invalid_phone");
        CHECK(error_key(view, Field::email) == "contact.invalid_email");
        CHECK(view.contact.phone == "call me"); // kept for correction
        CHECK(events_of(s.store, EventType::nps_detailed).empty());
    }

    s.send(shopper::ToggleConsent{});
    s.send(shopper::SetText{Field::name, "Piet"});
    s.send(shopper::SetText{Field::phone, "06 1234 5678"});
    s.send(shopper::SetText{Field::email, ""});
    if (!s.view().contact.consent)
        s.send(shopper::ToggleConsent{});
    auto recorded = s.send(shopper::Next{});
    CHECK(recorded.recorded_event_ids.size() == 1);
    CHECK(s.screen() == Screen::shopper_thank_you);

    auto rating = events_of(s.store, EventType::nps_rated).at(0);
    auto details = events_of(s.store, EventType::nps_detailed);
    REQUIRE(details.size() == 1);
    CHECK(details[0].subject == rating.id);
    CHECK(details[0].payload ==
          Json{{"reason_ids", {"waiting_time"}},
               {"comment", "Lang gewacht"},
               {"contact", {{"consent", true}, {"name", "Piet"}, {"phone", "06 1234 5678"}}}});
}

TEST_CASE("a detractor who declines contact records only the why", "[flows][shopper]")
{
    Shopper s;
    s.send(shopper::TapScore{0});
    s.send(shopper::ToggleReason{"prices"});
    s.send(shopper::Next{});

    SECTION("answering no")
    {
        CHECK(s.send(shopper::No{}).recorded_event_ids.size() == 1);
    }
    SECTION("saying yes, then skipping the details")
    {
        s.send(shopper::Yes{});
        s.send(shopper::SetText{Field::phone, "0612345678"}); // typed, but no consent
        CHECK(s.send(shopper::Skip{}).recorded_event_ids.size() == 1);
    }
    CHECK(s.screen() == Screen::shopper_thank_you);
    auto details = events_of(s.store, EventType::nps_detailed);
    REQUIRE(details.size() == 1);
    CHECK(details[0].payload == Json{{"reason_ids", {"prices"}}});
}

TEST_CASE("a detractor who skips everything records only the rating", "[flows][shopper]")
{
    Shopper s;
    s.send(shopper::TapScore{5});
    s.send(shopper::ToggleReason{"prices"});
    s.send(shopper::Skip{}); // forgets the chip
    CHECK(s.screen() == Screen::shopper_contact_offer);
    s.send(shopper::Back{});
    CHECK(selected(s.view().reasons).empty());
    s.send(shopper::Skip{});
    CHECK(s.send(shopper::No{}).recorded_event_ids.empty());
    CHECK(s.screen() == Screen::shopper_thank_you);
    CHECK(all_events(s.store).size() == 1);
}

TEST_CASE("a detractor with only contact details records them alone", "[flows][shopper]")
{
    Shopper s;
    s.send(shopper::TapScore{6});
    s.send(shopper::Skip{});
    s.send(shopper::Yes{});
    s.send(shopper::ToggleConsent{});
    s.send(shopper::SetText{Field::email, "piet@example.nl"});
    s.send(shopper::Next{});
    auto details = events_of(s.store, EventType::nps_detailed);
    REQUIRE(details.size() == 1);
    CHECK(details[0].payload == Json{{"contact", {{"consent", true}, {"email", "piet@example.nl"}}}});
}

// =============================================================================
// [SECTION] Complaints
// =============================================================================

TEST_CASE("a shopper's complaint without contact gets a reference code", "[flows][shopper][complaint]")
{
    Shopper s;
    s.send(shopper::StartComplaint{});
    CHECK(s.screen() == Screen::complaint_category);
    CHECK(s.view().categories.size() == 3);

    s.send(shopper::Next{});
    CHECK(error_key(s.view(), Field::category) == "common.required");
    s.send(shopper::SelectCategory{"nope"});
    CHECK(selected(s.view().categories).empty());
    s.send(shopper::SelectCategory{"service"});
    CHECK(selected(s.view().categories) == std::vector<std::string>{"service"});
    CHECK(s.view().errors.empty());
    s.send(shopper::Next{});
    CHECK(s.screen() == Screen::complaint_description);

    s.send(shopper::Next{});
    CHECK(error_key(s.view(), Field::description) == "complaint.description.needed");
    s.send(shopper::SetText{Field::description, std::string(2001, 'd')});
    s.send(shopper::Next{});
    CHECK(error_key(s.view(), Field::description) == "common.too_long");
    s.send(shopper::SetText{Field::description, "Niemand hielp mij bij de kassa."});
    s.send(shopper::Next{});
    CHECK(s.screen() == Screen::complaint_reference);

    s.send(shopper::SetText{Field::receipt_ref, std::string(101, 'r')});
    s.send(shopper::Next{});
    CHECK(error_key(s.view(), Field::receipt_ref) == "common.too_long");
    s.send(shopper::Skip{}); // optional: skipping forgets it
    CHECK(s.screen() == Screen::complaint_wish);
    CHECK(s.view().complaint.receipt_ref.empty());

    s.send(shopper::Next{});
    CHECK(error_key(s.view(), Field::customer_wish) == "complaint.wish.needed");
    s.send(shopper::SetText{Field::customer_wish, "Excuses"});
    s.send(shopper::Next{});
    CHECK(s.screen() == Screen::complaint_contact_offer);
    auto submitted = s.send(shopper::No{});
    REQUIRE(submitted.recorded_event_ids.size() == 1);

    auto view = s.view();
    CHECK(view.screen == Screen::complaint_done);
    auto opened = events_of(s.store, EventType::complaint_opened);
    REQUIRE(opened.size() == 1);
    CHECK(opened[0].actor == "kiosk");
    // The status key's hash (the key itself is only on the screen and the receipt) and the shopper's language.
    CHECK(opened[0].payload == Json{{"channel", "kiosk"},
                                    {"category", "service"},
                                    {"description", "Niemand hielp mij bij de kassa."},
                                    {"customer_wish", "Excuses"},
                                    {"reference", view.reference},
                                    {"locale", "nl"},
                                    {"status_key_hash", opened[0].payload.value("status_key_hash", "")}});
    CHECK(opened[0].payload.at("status_key_hash").get<std::string>().size() == 64);
    CHECK(s.store.find_complaint(view.reference).value() == opened[0].subject);
    auto state = s.store.complaint_state(opened[0].subject);
    REQUIRE(state);
    CHECK(state->status == ComplaintStatus::open);
    CHECK(state->channel == "kiosk");
    CHECK(s.caller.calls.empty());
}

TEST_CASE("a shopper's complaint with contact, then a call for staff", "[flows][shopper][complaint]")
{
    Shopper s;
    walk_complaint_to_contact(s);
    s.send(shopper::Yes{});
    CHECK(s.screen() == Screen::complaint_contact_details);
    s.send(shopper::SetText{Field::email, "an@example.nl"});
    s.send(shopper::Next{});
    CHECK(error_key(s.view(), Field::consent) == "contact.consent_needed");
    CHECK(all_events(s.store).empty());
    s.send(shopper::ToggleConsent{});
    s.send(shopper::SetText{Field::name, "An"});
    s.send(shopper::Next{});
    REQUIRE(s.screen() == Screen::complaint_done);

    auto view = s.view();
    CHECK_FALSE(view.reference.empty());
    CHECK_FALSE(view.staff_on_the_way);
    auto opened = events_of(s.store, EventType::complaint_opened).at(0);
    CHECK(opened.payload["product_ref"] == "ART-1234");
    CHECK(opened.payload["contact"] == Json{{"consent", true}, {"name", "An"}, {"email", "an@example.nl"}});

    auto called = s.send(shopper::CallStaff{});
    const int64_t called_at = s.now;
    CHECK(called.recorded_event_ids.size() == 1);
    CHECK(s.caller.calls == std::vector<std::string>{view.reference});
    CHECK(s.view().staff_on_the_way);
    s.send(shopper::CallStaff{}); // once is enough
    CHECK(s.caller.calls.size() == 1);

    auto requests = events_of(s.store, EventType::complaint_assistance_requested);
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].subject == opened.subject);
    CHECK(requests[0].actor == "kiosk");
    CHECK(s.store.complaint_state(opened.subject)->assistance_requested_at == called_at);

    s.send(shopper::Done{});
    check_pristine(s.view());
}

TEST_CASE("back navigation between complaint steps keeps what was typed", "[flows][shopper][complaint]")
{
    Shopper s;
    walk_complaint_to_contact(s);
    s.send(shopper::Yes{});
    s.send(shopper::SetText{Field::phone, "0201234567"});
    s.send(shopper::Back{});
    CHECK(s.screen() == Screen::complaint_contact_offer);
    s.send(shopper::Back{});
    CHECK(s.screen() == Screen::complaint_wish);
    CHECK(s.view().complaint.customer_wish == "Een nieuwe pot");
    s.send(shopper::Back{});
    CHECK(s.view().complaint.product_ref == "ART-1234");
    s.send(shopper::Back{});
    CHECK(s.screen() == Screen::complaint_description);
    CHECK(s.view().complaint.description == "De pot was gebroken.");
    s.send(shopper::Back{});
    CHECK(selected(s.view().categories) == std::vector<std::string>{"product"});
    for (int i = 0; i < 4; ++i)
        s.send(shopper::Next{});
    s.send(shopper::Yes{});
    CHECK(s.view().contact.phone == "0201234567");
    CHECK(all_events(s.store).empty());

    s.send(shopper::Cancel{});
    check_pristine(s.view());
    CHECK(all_events(s.store).empty());
}

// =============================================================================
// [SECTION] Idle reset, misuse, a full disk
// =============================================================================

TEST_CASE("idle at any step returns to start and forgets what was not recorded", "[flows][shopper][idle]")
{
    Shopper s;
    auto target = GENERATE(Screen::shopper_start, Screen::shopper_why, Screen::shopper_contact_offer,
                           Screen::shopper_contact_details, Screen::complaint_category,
                           Screen::complaint_description, Screen::complaint_reference, Screen::complaint_wish,
                           Screen::complaint_contact_offer, Screen::complaint_contact_details,
                           Screen::complaint_done);
    INFO(to_string(target));
    s.send(shopper::SetLocale{"en"});
    bool complaint = to_string(target).starts_with("complaint_");
    if (complaint) {
        s.send(shopper::StartComplaint{});
        s.send(shopper::SelectCategory{"price"});
        if (target != Screen::complaint_category) {
            s.send(shopper::Next{});
            s.send(shopper::SetText{Field::description, "Te veel betaald"});
        }
        if (target != Screen::complaint_category && target != Screen::complaint_description) {
            s.send(shopper::Next{});
            s.send(shopper::SetText{Field::receipt_ref, "BON-77"});
        }
        if (target == Screen::complaint_wish || target == Screen::complaint_contact_offer ||
            target == Screen::complaint_contact_details || target == Screen::complaint_done) {
            s.send(shopper::Next{});
            s.send(shopper::SetText{Field::customer_wish, "Geld terug"});
        }
        if (target == Screen::complaint_contact_offer || target == Screen::complaint_contact_details ||
            target == Screen::complaint_done) {
            s.send(shopper::Next{});
        }
        if (target == Screen::complaint_contact_details || target == Screen::complaint_done) {
            s.send(shopper::Yes{});
            s.send(shopper::ToggleConsent{});
            s.send(shopper::SetText{Field::phone, "0612345678"});
        }
        if (target == Screen::complaint_done) {
            s.send(shopper::Next{});
            s.send(shopper::CallStaff{});
        }
    } else if (target != Screen::shopper_start) {
        s.send(shopper::TapScore{2});
        s.send(shopper::ToggleReason{"staff_help"});
        s.send(shopper::SetText{Field::comment, "Niemand te zien"});
        if (target != Screen::shopper_why)
            s.send(shopper::Next{});
        if (target == Screen::shopper_contact_details) {
            s.send(shopper::Yes{});
            s.send(shopper::ToggleConsent{});
            s.send(shopper::SetText{Field::name, "Kees"});
        }
    }
    REQUIRE(s.screen() == target);
    size_t recorded = all_events(s.store).size();

    s.flow.tick(s.now + 44 * second);
    CHECK(s.screen() == target);
    CHECK(s.flow.view(s.now + 44 * second).locale == "en");
    s.flow.tick(s.now + 45 * second);
    check_pristine(s.flow.view(s.now + 45 * second));
    CHECK(all_events(s.store).size() == recorded); // what was recorded stays
}

TEST_CASE("a burst of ratings is kept but marked as misuse", "[flows][shopper][misuse]")
{
    Shopper s;
    for (int tap = 1; tap <= 10; ++tap) {
        s.send(shopper::TapScore{0}, 500); // 10 taps within 5 s, Skip and Done in between
        s.send(shopper::Skip{}, 0);
        s.send(shopper::No{}, 0);
        s.send(shopper::Done{}, 0);
        REQUIRE(s.screen() == Screen::shopper_start);
    }
    auto ratings = events_of(s.store, EventType::nps_rated);
    REQUIRE(ratings.size() == 10);
    for (size_t i = 0; i < ratings.size(); ++i) {
        INFO("tap " << i + 1);
        CHECK(ratings[i].payload.contains("misuse") == (i >= 5));
        if (i >= 5)
            CHECK(ratings[i].payload["misuse"] == "burst");
    }
    auto status = s.store.status(s.now);
    REQUIRE(status);
    CHECK(status->nps_last_30_days.detractors == 5);

    // A shopper half a minute later is not taken for the child.
    s.send(shopper::TapScore{10}, 30 * second);
    CHECK_FALSE(events_of(s.store, EventType::nps_rated).back().payload.contains("misuse"));
}

TEST_CASE("a full disk shows error.disk_full and keeps the input", "[flows][shopper][disk-full]")
{
    store::StoreOptions options;
    options.max_page_count = 60;
    Shopper s(options);

    SECTION("the rating tap")
    {
        fill_until_full(s.store, s.now);
        size_t before = all_events(s.store).size();
        auto effects = s.send(shopper::TapScore{9});
        CHECK(effects.recorded_event_ids.empty());
        auto view = s.view();
        CHECK(view.screen == Screen::shopper_start);
        CHECK(error_key(view, Field::none) == "error.disk_full");
        CHECK(all_events(s.store).size() == before);
    }
    SECTION("the complaint")
    {
        walk_complaint_to_contact(s);
        fill_until_full(s.store, s.now);
        s.send(shopper::No{});
        auto view = s.view();
        CHECK(view.screen == Screen::complaint_contact_offer);
        CHECK(error_key(view, Field::none) == "error.disk_full");
        CHECK(view.complaint.description == "De pot was gebroken.");
        CHECK(view.complaint.customer_wish == "Een nieuwe pot");
        CHECK(view.reference.empty());
    }
}

// =============================================================================
// [SECTION] The kiosk: staff gesture and overlay
// =============================================================================

TEST_CASE("every screen has a distinct snake_case name", "[flows][kiosk]")
{
    std::set<std::string> names;
    for (Screen screen : all_screens) {
        std::string name(to_string(screen));
        CHECK(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos);
        names.insert(name);
    }
    CHECK(names.size() == all_screens.size());
    CHECK(to_string(Screen::shopper_start) == "shopper_start");
    CHECK(to_string(Screen::staff_solve) == "staff_solve");
    CHECK(is_staff_screen(Screen::staff_pin));
    CHECK_FALSE(is_staff_screen(Screen::complaint_done));
}

TEST_CASE("the corner held for 3 seconds opens the PIN pad over the kiosk", "[flows][kiosk]")
{
    TempDir dir;
    auto store = open_store(dir);
    RecordingCaller caller;
    app::EffectRunner runner{store, caller};
    KioskFlow kiosk(test_config(), store);
    kiosk.set_contact_offered(true); // enrolled: head office's contact key is here
    int64_t now = t0;

    send_to(kiosk, runner, shopper::TapScore{8}, now);
    REQUIRE(kiosk.screen() == Screen::shopper_why);

    // A short press does nothing.
    send_to(kiosk, runner, CornerPressStarted{}, now += second);
    kiosk.tick(now += 2 * second);
    send_to(kiosk, runner, CornerPressEnded{}, now += 900);
    CHECK(kiosk.mode() == Mode::shopper);

    SECTION("held and noticed by a tick")
    {
        send_to(kiosk, runner, CornerPressStarted{}, now += second);
        kiosk.tick(now += 2999);
        CHECK(kiosk.mode() == Mode::shopper);
        kiosk.tick(now += 1);
        CHECK(kiosk.mode() == Mode::staff);
        send_to(kiosk, runner, CornerPressEnded{}, now += 100);
    }
    SECTION("held and released")
    {
        send_to(kiosk, runner, CornerPressStarted{}, now += second);
        send_to(kiosk, runner, CornerPressEnded{}, now += 3 * second);
    }
    CHECK(kiosk.mode() == Mode::staff);
    CHECK(kiosk.screen() == Screen::staff_pin);

    // Shopper taps do not reach the shopper flow underneath.
    send_to(kiosk, runner, shopper::Skip{}, now += second);
    CHECK(kiosk.shopper_view(now).screen == Screen::shopper_why);

    // Leaving the PIN pad returns to a fresh start screen.
    send_to(kiosk, runner, staff::Back{}, now += second);
    CHECK(kiosk.mode() == Mode::shopper);
    CHECK(kiosk.screen() == Screen::shopper_start);
    check_pristine(kiosk.shopper_view(now));
    CHECK(events_of(store, EventType::nps_rated).size() == 1);
}

TEST_CASE("staff mode ends on log-out and on idle, back to the shopper start", "[flows][kiosk][pin]")
{
    TempDir dir;
    auto store = open_store(dir);
    RecordingCaller caller;
    app::EffectRunner runner{store, caller};
    KioskFlow kiosk(test_config(), store);
    kiosk.set_contact_offered(true); // enrolled: head office's contact key is here
    int64_t now = t0;

    auto log_in = [&] {
        send_to(kiosk, runner, CornerPressStarted{}, now += second);
        send_to(kiosk, runner, CornerPressEnded{}, now += 3 * second);
        send_to(kiosk, runner, staff::SetText{Field::pin, anna_pin}, now += second);
        send_to(kiosk, runner, staff::Submit{}, now += second);
        REQUIRE(kiosk.screen() == Screen::staff_menu);
        CHECK(kiosk.staff_view(now).staff_name == "Anna");
    };

    log_in();
    send_to(kiosk, runner, staff::ChooseMenu{MenuItem::log_out}, now += second);
    CHECK(kiosk.mode() == Mode::shopper);
    CHECK(kiosk.screen() == Screen::shopper_start);

    log_in();
    send_to(kiosk, runner, staff::ChooseMenu{MenuItem::find}, now += second);
    kiosk.tick(now + 119 * second);
    CHECK(kiosk.screen() == Screen::staff_find);
    kiosk.tick(now + 120 * second);
    CHECK(kiosk.mode() == Mode::shopper);
    CHECK(kiosk.screen() == Screen::shopper_start);
    CHECK(kiosk.staff_view(now + 120 * second).staff_id.empty());
}

TEST_CASE("a PIN pad nobody uses closes after the shopper idle time", "[flows][kiosk]")
{
    TempDir dir;
    auto store = open_store(dir);
    RecordingCaller caller;
    app::EffectRunner runner{store, caller};
    KioskFlow kiosk(test_config(), store);
    kiosk.set_contact_offered(true); // enrolled: head office's contact key is here
    send_to(kiosk, runner, CornerPressStarted{}, t0);
    kiosk.tick(t0 + 3 * second);
    REQUIRE(kiosk.screen() == Screen::staff_pin);
    kiosk.tick(t0 + 47 * second);
    CHECK(kiosk.screen() == Screen::staff_pin);
    kiosk.tick(t0 + 48 * second);
    CHECK(kiosk.screen() == Screen::shopper_start);
}

// =============================================================================
// [SECTION] Effects: flows ask, the app does
// =============================================================================

TEST_CASE("a flow asks for a recording and waits for its result, writing nothing itself", "[flows][effects]")
{
    TempDir dir;
    auto store = open_store(dir);
    ShopperFlow flow{test_config()};
    flow.set_contact_offered(true); // enrolled: head office's contact key is here

    Effects effects = flow.apply(shopper::TapScore{9}, t0);
    REQUIRE(effects.record);
    CHECK(effects.record->type == EventType::nps_rated);
    CHECK(effects.record->actor == "kiosk");
    CHECK(effects.record->payload == Json{{"score", 9}, {"survey_version", 3}, {"locale", "nl"}});
    CHECK_FALSE(effects.check_pin);
    CHECK_FALSE(effects.call_staff);
    CHECK(all_events(store).empty());
    CHECK(flow.awaiting());
    CHECK(flow.screen() == Screen::shopper_start); // moves on with the result

    // Taps while the result is awaited change nothing.
    CHECK_FALSE(flow.apply(shopper::StartComplaint{}, t0 + 1).record);
    CHECK(flow.screen() == Screen::shopper_start);

    // A failure: the error on the same screen, the tap can be made again.
    flow.apply(RecordFailed{Error{ErrorKind::disk_full, "the disk is full"}}, t0 + 2);
    CHECK_FALSE(flow.awaiting());
    CHECK(flow.screen() == Screen::shopper_start);
    REQUIRE(find_error(flow.view(t0 + 2).errors, Field::none));
    CHECK(find_error(flow.view(t0 + 2).errors, Field::none)->key == "error.disk_full");

    REQUIRE(flow.apply(shopper::TapScore{9}, t0 + 3).record);
    flow.apply(EventRecorded{store::RecordedEvent{"rating-1", "", "", 1, ""}}, t0 + 4);
    CHECK(flow.screen() == Screen::shopper_why);
    CHECK(flow.view(t0 + 4).score == 9);
    // A result nobody waits for is ignored.
    CHECK_FALSE(flow.apply(EventRecorded{store::RecordedEvent{"rating-2", "", "", 2, ""}}, t0 + 5).record);
    CHECK(flow.screen() == Screen::shopper_why);
    CHECK(all_events(store).empty());
}

TEST_CASE("the PIN is checked by the app: the flow asks, and goes on with the answer", "[flows][effects][pin]")
{
    TempDir dir;
    auto store = open_store(dir);
    StaffFlow flow{test_config(), store};
    flow.set_contact_offered(true); // enrolled: head office's contact key is here
    flow.enter(t0);
    flow.apply(staff::SetText{Field::pin, anna_pin}, t0);
    Effects effects = flow.apply(staff::Submit{}, t0);
    REQUIRE(effects.check_pin);
    CHECK(effects.check_pin->pin == anna_pin);
    CHECK(effects.check_pin->staff.size() == 2);
    CHECK_FALSE(effects.record);
    CHECK(flow.awaiting());
    CHECK(flow.view(t0).pin_length == 0); // the digits went with the check
    flow.apply(staff::Back{}, t0 + 1);   // the pad waits for the answer
    CHECK(flow.active());
    CHECK_FALSE(flow.logged_in());

    // The answer, checked anywhere (check_pin touches nothing of the flow).
    const PinChecked answer = check_pin(*effects.check_pin);
    CHECK(answer.staff_id == "anna");
    flow.apply(answer, t0 + 2);
    CHECK(flow.logged_in());
    CHECK(flow.screen() == Screen::staff_menu);
    CHECK(flow.view(t0 + 2).staff_name == "Anna");
}

TEST_CASE("the setup screens opened from staff mode start with head office's address and can be cancelled",
          "[flows][setup]")
{
    SetupFlow first_time;
    CHECK_FALSE(first_time.view().cancellable);
    first_time.apply(SetupIntent{setup::Cancel{}});
    CHECK_FALSE(first_time.cancelled()); // an unenrolled kiosk has nothing to go back to

    SetupFlow again("https://hq.example.nl:8443", true);
    CHECK(again.view().address == "https://hq.example.nl:8443");
    CHECK(again.view().cancellable);
    again.apply(SetupIntent{setup::SetText{Field::enrol_code, "abcde-fghjk"}});
    auto request = again.apply(SetupIntent{setup::Connect{}});
    REQUIRE(request);
    CHECK(std::get<CheckServer>(*request).typed_address == "https://hq.example.nl:8443");
    again.apply(SetupIntent{setup::Cancel{}});
    CHECK_FALSE(again.cancelled()); // not while head office is being asked
    again.apply(SetupAnswer{ServerChecked{Message{"setup.error.unreachable", {}}, "", false, "", ""}});
    CHECK(again.screen() == Screen::setup_start);
    again.apply(SetupIntent{setup::Cancel{}});
    CHECK(again.cancelled());
    CHECK_FALSE(again.finished());
}
