// Shared setup of the flow tests: a real store in a temp folder, a test
// configuration with two staff members whose PIN hashes are made once per
// test run, a fake StaffCaller that records calls, flows driven with their
// effects carried out as the app does (app/effect_runner.h), and readers of
// the events.
#pragma once

#include "app/effect_runner.h"
#include "config/kiosk_config.h"
#include "config/pin.h"
#include "domain/event.h"
#include "domain/ids.h"
#include "flows/staff_caller.h"
#include "store/local_store.h"
#include "support/contact_key.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <span>
#include <string>
#include <utility>
#include <vector>

namespace feedback::testing {

constexpr int64_t t0 = 1764000000000; // 2025-11-24T16:00:00Z
constexpr int64_t second = 1000;
constexpr int64_t hour = 3600 * second;

constexpr const char* anna_pin = "1234";    // refund limit 50.00
constexpr const char* manager_pin = "9876"; // refund limit 500.00

class RecordingCaller : public flows::StaffCaller {
public:
    void call_staff(const std::string& reference) override { calls.push_back(reference); }
    std::vector<std::string> calls;
};

// argon2id hashes of anna_pin and manager_pin. Each hash costs tens of
// milliseconds, so they are made once per test run (test code only).
inline const std::pair<std::string, std::string>& staff_hashes()
{
    static const std::pair<std::string, std::string> hashes = [] {
        auto anna = config::hash_pin(anna_pin);
        auto manager = config::hash_pin(manager_pin);
        REQUIRE(anna);
        REQUIRE(manager);
        return std::pair{*anna, *manager};
    }();
    return hashes;
}

// What one intent led to: the events recorded for it.
struct Sent {
    std::vector<std::string> recorded_event_ids;
};

// Sends `intent` to `flow` and carries out what it asks for as the app does
// in scripted runs (a PIN checked at once).
template <class Flow, class Intent>
Sent send_to(Flow& flow, app::EffectRunner& runner, const Intent& intent, int64_t now_ms)
{
    runner.carry_out_now(flow, flow.apply(intent, now_ms), now_ms);
    return Sent{runner.take_recorded()};
}

inline nlohmann::json label(const char* nl, const char* en)
{
    return {{"nl", nl}, {"en", en}};
}

inline nlohmann::json test_config_json()
{
    using Json = nlohmann::json;
    auto choice = [](const char* id, const char* nl, const char* en) { return Json{{"id", id}, {"label", label(nl, en)}}; };
    return Json{
        {"version", 3},
        {"store_name", "Testwinkel"},
        {"default_locale", "nl"},
        {"question", label("Hoe waarschijnlijk ...?", "How likely ...?")},
        {"reasons",
         {{"detractor",
           {choice("waiting_time", "Wachttijd", "Waiting time"), choice("staff_help", "Hulp", "Help"),
            choice("prices", "Prijzen", "Prices")}},
          {"passive", {choice("range", "Assortiment", "Range"), choice("prices", "Prijzen", "Prices")}},
          {"promoter",
           {choice("friendly_staff", "Vriendelijk", "Friendly"), choice("good_advice", "Goed advies", "Good advice")}}}},
        {"complaint_categories",
         {choice("product", "Product", "Product"), choice("service", "Service", "Service"),
          choice("price", "Prijs", "Price")}},
        {"promises",
         {{{"id", "answer_3_days"}, {"text", label("Binnen drie dagen.", "Within three days.")}, {"answer_within_hours", 72}},
          {{"id", "answer_2_days"}, {"text", label("Binnen twee dagen.", "Within two days.")}, {"answer_within_hours", 48}},
          {{"id", "on_the_spot"}, {"text", label("Direct opgelost.", "Solved on the spot.")}}}},
        {"calendar",
         {{"time_zone", "Europe/Amsterdam"},
          {"opening_hours",
           {{"monday", "09:00-18:00"}, {"tuesday", "09:00-18:00"}, {"wednesday", "09:00-18:00"},
            {"thursday", "09:00-18:00"}, {"friday", "09:00-18:00"}, {"saturday", "10:00-17:00"}}},
          {"public_holidays", Json::array()}}},
        {"staff",
         {{{"id", "anna"}, {"name", "Anna"}, {"pin_hash", staff_hashes().first}, {"refund_limit_cents", 5000}},
          {{"id", "manager"}, {"name", "Mehmet"}, {"pin_hash", staff_hashes().second}, {"refund_limit_cents", 50000}}}},
        {"timeouts", {{"shopper_idle_seconds", 45}, {"thank_you_seconds", 6}, {"staff_idle_seconds", 120}}},
        {"misuse", {{"max_ratings", 5}, {"window_seconds", 20}}},
        {"staff_call_command", Json::array()},
    };
}

inline config::KioskConfig test_config()
{
    auto config = config::parse_config(test_config_json());
    INFO((config ? "" : config.error().message));
    REQUIRE(config);
    return std::move(*config);
}

// A store of an enrolled terminal: it has head office's contact key (the test's).
inline store::LocalStore open_store(const TempDir& dir, store::StoreOptions options = {})
{
    auto store = store::LocalStore::open(dir.path(), options);
    INFO((store ? "" : store.error().message));
    REQUIRE(store);
    REQUIRE(store->set_contact_key(test_contact_key().public_half));
    return std::move(*store);
}

// Every event in recording order, with personal fields: each stored contact
// must be sealed, and is opened here for comparing with what was typed.
inline std::vector<Event> all_events(store::LocalStore& store)
{
    std::vector<Event> out;
    REQUIRE(store.for_each_event([&](const Event& event) {
        if (auto contact = event.payload.find("contact"); contact != event.payload.end())
            CHECK(crypto::is_sealed_contact(*contact));
        out.push_back(with_contact_opened(event));
    }));
    return out;
}

inline std::vector<Event> events_of(store::LocalStore& store, EventType type)
{
    std::vector<Event> out;
    for (Event& event : all_events(store))
        if (event.type == type)
            out.push_back(std::move(event));
    return out;
}

// A step head office recorded, as the next sync brings it to the terminal.
inline void from_head_office(store::LocalStore& store, const std::string& complaint, EventType type,
                             nlohmann::json payload, int64_t at)
{
    Event event;
    event.id = make_uuid_v7(at);
    event.type = type;
    event.subject = complaint;
    event.occurred_at_ms = at;
    event.actor = "hq:mia";
    event.device_id = make_uuid_v7(at); // head office's relay keeps the recording device
    event.device_seq = 1;
    event.payload = std::move(payload);
    auto applied = store.apply_remote_events(std::span(&event, 1), "cursor-" + std::to_string(at), at);
    INFO((applied ? "" : applied.error().message));
    REQUIRE(applied);
    REQUIRE(applied->inserted == 1);
}

// Fills the store's size cap (StoreOptions::max_page_count) until even a
// rating no longer fits, so that the next recording fails as on a full disk.
inline void fill_until_full(store::LocalStore& store, int64_t now_ms)
{
    auto fill = [&](const store::NewEvent& event) {
        for (int i = 0; i < 100000; ++i) {
            auto recorded = store.record(event, now_ms);
            if (!recorded) {
                REQUIRE(recorded.error().kind == ErrorKind::disk_full);
                return;
            }
        }
        FAIL("the store never filled up");
    };
    for (size_t size : {1900, 200, 5}) {
        nlohmann::json payload{{"channel", "walk_in"},
                               {"category", "product"},
                               {"description", std::string(size, 'x')},
                               {"customer_wish", "y"}};
        fill({EventType::complaint_opened, "", "staff:anna", payload, {}});
    }
    fill({EventType::nps_rated, "", "kiosk", {{"score", 8}, {"survey_version", 1}, {"locale", "nl"}}, {}});
}

} // namespace feedback::testing
