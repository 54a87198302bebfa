// What head office stores, read straight from its database (for tests that
// link hq_core): an event's body with its sealed contact, which exports
// leave out, and that contact opened with head office's key.
#pragma once

#include "domain/clock.h"
#include "hq/contact_keys.h"
#include "hq/hq_settings.h"
#include "hq/hq_store.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

namespace feedback::testing {

// A folder for the contact key files of the head offices a test process
// makes in-process (outside each data folder, as init keeps them), removed
// when the process ends.
inline const std::filesystem::path& test_key_dir()
{
    static const TempDir keys;
    return keys.path();
}

// A head office made with HqStore::open(create) given a contact key as init
// gives one: hq.json (made when missing) names a key file in test_key_dir().
inline void give_contact_key(hq::HqStore& store, const std::filesystem::path& dir)
{
    if (!std::filesystem::exists(dir / hq::settings_file_name))
        REQUIRE(hq::save_settings(dir, hq::HqSettings{}));
    auto made = hq::make_contact_key(dir, test_key_dir(), now_utc_ms());
    INFO((made ? "" : made.error().message));
    REQUIRE(made);
    REQUIRE(store.add_contact_key(*made, now_utc_ms()));
}

// The first event of `type` about `subject` as head office stores it.
inline nlohmann::json stored_body(const std::filesystem::path& hq_dir, const std::string& subject,
                                  const std::string& type)
{
    auto store = hq::HqStore::open(hq_dir, hq::HqStore::Intent::existing_only);
    REQUIRE(store);
    auto events = store->events_about(subject);
    REQUIRE(events);
    for (const auto& stored : *events)
        if (to_string(stored.event.type) == type)
            return to_json(stored.event);
    FAIL("head office has no " << type << " about " << subject);
    return {};
}

// The contact of that event, opened as the dashboard opens it.
inline nlohmann::json stored_contact(const std::filesystem::path& hq_dir, const std::string& subject,
                                     const std::string& type = "complaint.opened")
{
    nlohmann::json body = stored_body(hq_dir, subject, type);
    REQUIRE(body["payload"].contains("contact"));
    CHECK(crypto::is_sealed_contact(body["payload"]["contact"]));
    auto store = hq::HqStore::open(hq_dir, hq::HqStore::Intent::existing_only);
    REQUIRE(store);
    auto contact = store->open_contact(body["payload"]["contact"]);
    INFO((contact ? "" : contact.error().message));
    REQUIRE(contact);
    return *contact;
}

} // namespace feedback::testing
