// Head office's contact key as the tests hold it (crypto/contact_seal.h): one
// key pair per test run. A terminal in a test gets its public half, as an
// enrolment would give it; the test opens what the terminal sealed with the
// secret half, which only head office has in real life.
#pragma once

#include "crypto/contact_seal.h"
#include "domain/event.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

namespace feedback::testing {

inline const crypto::ContactKeyPair& test_contact_key()
{
    static const crypto::ContactKeyPair pair = crypto::make_contact_key_pair();
    return pair;
}

// A sealed contact opened with the test's key (a clear one as it is).
inline nlohmann::json opened_contact(const nlohmann::json& contact)
{
    if (!crypto::is_sealed_contact(contact))
        return contact;
    auto clear = crypto::open_text(contact.at("sealed").get<std::string>(), test_contact_key());
    INFO((clear ? "" : clear.error().message));
    REQUIRE(clear);
    return nlohmann::json::parse(*clear);
}

// The event with its sealed contact opened, for comparing with what was typed.
inline Event with_contact_opened(Event event)
{
    if (auto contact = event.payload.find("contact"); contact != event.payload.end())
        *contact = opened_contact(*contact);
    return event;
}

} // namespace feedback::testing
