// Unit tests of the flows' small parts: the misuse window, the staff corner
// gesture, the PIN lockout, and the pre-recording checks of drafts.
#include "flow_fixture.h"

#include "config/translations.h"
#include "domain/vocabulary.h"
#include "flows/drafts.h"
#include "flows/message_keys.h"
#include "flows/misuse_detector.h"
#include "flows/pin_lock.h"
#include "flows/staff_gesture.h"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace feedback;
using namespace feedback::flows;
using namespace feedback::testing;

TEST_CASE("a burst of 10 taps in 5 s with a limit of 5 flags taps 6 to 10", "[flows][misuse]")
{
    MisuseDetector detector(config::MisuseRule{5, 20});
    std::vector<bool> flagged;
    for (int tap = 0; tap < 10; ++tap)
        flagged.push_back(detector.note_rating(t0 + tap * 500));
    CHECK(flagged == std::vector<bool>{false, false, false, false, false, true, true, true, true, true});
}

TEST_CASE("spaced taps are never flagged", "[flows][misuse]")
{
    MisuseDetector detector(config::MisuseRule{5, 20});
    for (int tap = 0; tap < 100; ++tap) {
        INFO("tap " << tap);
        CHECK_FALSE(detector.note_rating(t0 + tap * 4 * second)); // 5 per 20 s at most
    }
}

TEST_CASE("the misuse window slides", "[flows][misuse]")
{
    MisuseDetector detector(config::MisuseRule{3, 10});
    CHECK_FALSE(detector.note_rating(t0));
    CHECK_FALSE(detector.note_rating(t0 + 1 * second));
    CHECK_FALSE(detector.note_rating(t0 + 2 * second));
    CHECK(detector.note_rating(t0 + 3 * second)); // 4 within 10 s
    // t0 has left the window (exactly 10 s old), t0+1 s has not: still 4.
    CHECK(detector.note_rating(t0 + 10 * second));
    // Only t0+3 s and t0+10 s remain within the window.
    CHECK_FALSE(detector.note_rating(t0 + 12 * second + 1));
    CHECK(detector.note_rating(t0 + 12 * second + 2)); // 4 again: 3, 10, 12, 12
    CHECK_FALSE(detector.note_rating(t0 + 60 * second));
}

TEST_CASE("the staff gesture needs a 3 s hold", "[flows][gesture]")
{
    StaffGesture gesture;
    CHECK_FALSE(gesture.tick(t0));
    CHECK_FALSE(gesture.press_ended(t0)); // a release without a press

    gesture.press_started(t0);
    CHECK(gesture.pressed());
    CHECK_FALSE(gesture.tick(t0 + 2999));
    CHECK_FALSE(gesture.press_ended(t0 + 2999));
    CHECK_FALSE(gesture.pressed());

    gesture.press_started(t0 + 10 * second);
    CHECK(gesture.tick(t0 + 13 * second));
    CHECK_FALSE(gesture.tick(t0 + 14 * second)); // once per press
    CHECK_FALSE(gesture.press_ended(t0 + 15 * second));

    gesture.press_started(t0 + 20 * second);
    CHECK(gesture.press_ended(t0 + 23 * second));
}

namespace {

// A PIN typed at `now_ms` and, when the lock asks for it, checked at once
// (the app checks off the frame loop and hands the answer back the same way).
PinLock::Attempt try_pin(PinLock& lock, const std::string& pin, int64_t now_ms)
{
    PinLock::Attempt attempt = lock.submit(pin, now_ms);
    if (attempt.outcome != PinLock::Outcome::check)
        return attempt;
    return lock.checked(check_pin(lock.check_for(pin)), now_ms);
}

} // namespace

TEST_CASE("the PIN lock asks for a check, and counts only the check's answer", "[flows][pin]")
{
    PinLock lock(test_config().staff);
    // A well-formed PIN is to be checked against every member's hash.
    const PinLock::Attempt typed = lock.submit("5555", t0);
    CHECK(typed.outcome == PinLock::Outcome::check);
    CHECK(lock.attempts_left(t0) == 5); // nothing counted before the answer
    const CheckPin check = lock.check_for("5555");
    CHECK(check.pin == "5555");
    REQUIRE(check.staff.size() == 2);
    CHECK(check.staff[0].staff_id == "anna");
    CHECK(check.staff[0].pin_hash == staff_hashes().first);
    CHECK_FALSE(check_pin(check).staff_id);
    CHECK(check_pin(lock.check_for(manager_pin)).staff_id == "manager");
    // The answer decides: nobody's PIN is a wrong one.
    CHECK(lock.checked(PinChecked{}, t0).outcome == PinLock::Outcome::wrong);
    CHECK(lock.attempts_left(t0) == 4);
    // An answer naming someone no longer configured is wrong too.
    CHECK(lock.checked(PinChecked{"gone"}, t0).outcome == PinLock::Outcome::wrong);
    // Not 4-8 digits: wrong without a check.
    CHECK(lock.submit("12", t0).outcome == PinLock::Outcome::wrong);
    CHECK(lock.attempts_left(t0) == 2);
}

TEST_CASE("the PIN lock: right PIN, wrong PINs, a lock for 60 s, then open again", "[flows][pin]")
{
    PinLock lock(test_config().staff);
    auto right = try_pin(lock, manager_pin, t0);
    CHECK(right.outcome == PinLock::Outcome::accepted);
    REQUIRE(right.member);
    CHECK(right.member->id == "manager");

    auto wrong = try_pin(lock, "5555", t0);
    CHECK(wrong.outcome == PinLock::Outcome::wrong);
    CHECK(wrong.attempts_left == 4);
    for (int i = 0; i < 3; ++i)
        CHECK(try_pin(lock, "x", t0).outcome == PinLock::Outcome::wrong); // not a PIN at all
    CHECK(lock.attempts_left(t0) == 1);
    CHECK(try_pin(lock, "", t0 + second).outcome == PinLock::Outcome::locked);
    CHECK(lock.locked(t0 + second));
    CHECK(lock.seconds_left(t0 + second) == 60);
    CHECK(lock.seconds_left(t0 + 1500) == 60); // rounded up
    CHECK(lock.seconds_left(t0 + 60 * second) == 1);
    CHECK(try_pin(lock, anna_pin, t0 + 60 * second).outcome == PinLock::Outcome::locked);
    CHECK_FALSE(lock.locked(t0 + 61 * second));
    CHECK(lock.attempts_left(t0 + 61 * second) == 5);
    auto after = try_pin(lock, anna_pin, t0 + 61 * second);
    CHECK(after.outcome == PinLock::Outcome::accepted);
    CHECK(after.member->id == "anna");
}

TEST_CASE("a right PIN resets the count of wrong ones", "[flows][pin]")
{
    PinLock lock(test_config().staff);
    for (int i = 0; i < 4; ++i)
        try_pin(lock, "1", t0);
    CHECK(lock.attempts_left(t0) == 1);
    CHECK(try_pin(lock, anna_pin, t0).outcome == PinLock::Outcome::accepted);
    CHECK(lock.attempts_left(t0) == 5);
}

TEST_CASE("check_payload maps the shared validation to translation keys per field", "[flows][drafts]")
{
    ComplaintDraft draft;
    draft.channel = "kiosk";
    draft.description = " ";
    draft.customer_wish = std::string(501, 'w');
    draft.product_ref = "P-1";
    draft.contact.phone = "12";
    const std::array all{Field::channel,     Field::category, Field::description, Field::customer_wish,
                         Field::product_ref, Field::consent,  Field::phone,       Field::email};
    auto errors = check_payload(EventType::complaint_opened, "kiosk", draft.payload(true), all);
    auto key = [&](Field field) {
        const Message* message = find_error(errors, field);
        return message ? message->key : "";
    };
    CHECK(key(Field::channel).empty());
    CHECK(key(Field::category) == "common.required");
    CHECK(key(Field::description) == "complaint.description.needed");
    CHECK(key(Field::customer_wish) == "common.too_long");
    CHECK(key(Field::product_ref).empty());
    CHECK(key(Field::consent) == "contact.consent_needed");
    CHECK(key(Field::phone) == "contact.invalid_phone");

    // Only the fields asked about are reported.
    const std::array only_description{Field::description};
    errors = check_payload(EventType::complaint_opened, "kiosk", draft.payload(true), only_description);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == Field::description);

    draft.category = "product";
    draft.description = "Kapot";
    draft.customer_wish = "Nieuw";
    draft.contact = ContactDraft{true, "", "", "a@b.nl"};
    CHECK(check_payload(EventType::complaint_opened, "kiosk", draft.payload(true), all).empty());
}

TEST_CASE("a store error becomes a message with the store's detail", "[flows][drafts]")
{
    CHECK(store_error(Error{ErrorKind::disk_full, "the disk is full"}).message ==
          Message{"error.disk_full", {{"detail", "the disk is full"}}});
    CHECK(store_error(Error{ErrorKind::io, "x"}).message.key == "error.storage");
    CHECK(store_error(Error{ErrorKind::busy, "x"}).message.key == "error.storage");
    auto refused = store_error(Error{ErrorKind::invalid_transition, "closed elsewhere"});
    CHECK(refused.field == Field::none);
    CHECK(refused.message == Message{"error.generic", {{"detail", "closed elsewhere"}}});
}

TEST_CASE("every key the flows use exists in every language", "[flows][i18n]")
{
    auto translations = config::Translations::load(std::filesystem::path(FEEDBACK_SOURCE_DIR) / "assets" / "i18n");
    INFO((translations ? "" : translations.error().message));
    REQUIRE(translations);
    auto check = [&](std::string_view key) {
        for (const std::string& locale : config::supported_locales) {
            INFO(locale << " " << key);
            CHECK(translations->has(locale, key));
        }
    };
    for (std::string_view key : keys::all)
        check(key);
    // The whole vocabulary, not only what staff pick: the complaint screen
    // names the kiosk's channel, closing outcomes, severities and how head
    // office's decision reached the customer too.
    for (const Channel& channel : channels)
        check(channel.key);
    for (const Resolution& resolution : resolutions)
        check(resolution.key);
    for (const Outcome& outcome : outcomes)
        check(outcome.key);
    for (const SeverityEntry& severity : severities)
        check(severity.key);
    for (const Communication& communication : communications)
        check(communication.key);
    // The complaint screen's timeline names every kind of step.
    for (EventType type : all_event_types)
        if (is_complaint_event(type))
            check("staff.step." + std::string(to_string(type)));
}
