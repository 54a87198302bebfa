// Tests for contact details sealed to head office's key
// (crypto/contact_seal.h) and for the sealed form's validation: only the
// secret half opens a value, a changed value or another key does not, the
// sealed form says which channels were given but never their values, and
// an event carries either the clear form (checked as before) or the sealed
// one (checked for its shape).
#include "crypto/contact_seal.h"
#include "domain/validation.h"

#include <catch2/catch.hpp>

using namespace feedback;

namespace {

const nlohmann::json clear_contact{
    {"consent", true}, {"name", "Joëlle Bakker"}, {"phone", "0612345678"}, {"email", "joelle@example.com"}};

Event complaint_with(nlohmann::json contact)
{
    Event event;
    event.id = "0192f3a0-0000-7000-8000-000000000001";
    event.type = EventType::complaint_opened;
    event.subject = "0192f3a0-0000-7000-8000-0000000000c1";
    event.occurred_at_ms = 1'764'000'000'000;
    event.actor = "kiosk";
    event.device_id = "0192f3a0-0000-7000-8000-0000000000d1";
    event.device_seq = 1;
    event.payload = {{"channel", "kiosk"},
                     {"category", "product"},
                     {"description", "Slap en geel."},
                     {"customer_wish", "Een nieuwe plant."},
                     {"reference", "UTR-2A-2222C"},
                     {"status_key_hash", std::string(64, 'a')},
                     {"contact", std::move(contact)}};
    return event;
}

} // namespace

TEST_CASE("a sealed contact opens only with the secret half of the key it was sealed to", "[contact_seal]")
{
    const crypto::ContactKeyPair pair = crypto::make_contact_key_pair();
    CHECK(pair.public_half.id.size() == crypto::contact_key_id_chars);
    CHECK(pair.public_half.id == crypto::contact_key_id(pair.public_half.public_key));

    nlohmann::json sealed = crypto::seal_contact(clear_contact, pair.public_half);
    CHECK(crypto::is_sealed_contact(sealed));
    CHECK(sealed["consent"] == true);
    CHECK(sealed["key_id"] == pair.public_half.id);
    CHECK(sealed["channels"] == nlohmann::json::array({"name", "phone", "email"}));
    // No value travels in the clear.
    const std::string text = sealed.dump();
    for (const char* value : {"Joëlle", "Bakker", "0612345678", "joelle@example.com"})
        CHECK(text.find(value) == std::string::npos);
    // The same contact sealed twice gives two different texts.
    CHECK(crypto::seal_contact(clear_contact, pair.public_half)["sealed"] != sealed["sealed"]);
    // Sealing what is sealed changes nothing.
    CHECK(crypto::seal_contact(sealed, pair.public_half) == sealed);

    auto opened = crypto::open_text(sealed["sealed"].get<std::string>(), pair);
    REQUIRE(opened);
    CHECK(nlohmann::json::parse(*opened) == clear_contact);

    // Another key does not open it, nor does a value changed by one character.
    const crypto::ContactKeyPair other = crypto::make_contact_key_pair();
    CHECK_FALSE(crypto::open_text(sealed["sealed"].get<std::string>(), other));
    std::string changed = sealed["sealed"].get<std::string>();
    changed[10] = changed[10] == 'A' ? 'B' : 'A';
    CHECK_FALSE(crypto::open_text(changed, pair));
    CHECK_FALSE(crypto::open_text("not base64 at all!", pair));
    CHECK_FALSE(crypto::open_text("", pair));
}

TEST_CASE("a contact key from head office is checked before a terminal keeps it", "[contact_seal]")
{
    const crypto::ContactKeyPair pair = crypto::make_contact_key_pair();
    nlohmann::json json = crypto::to_json(pair.public_half);
    auto read = crypto::contact_public_key_from_json(json);
    REQUIRE(read);
    CHECK(read->id == pair.public_half.id);
    CHECK(read->public_key == pair.public_half.public_key);

    nlohmann::json wrong_id = json;
    wrong_id["id"] = std::string(16, '0');
    CHECK_FALSE(crypto::contact_public_key_from_json(wrong_id));
    nlohmann::json short_key = json;
    short_key["public_key"] = "AAAA";
    CHECK_FALSE(crypto::contact_public_key_from_json(short_key));
    CHECK_FALSE(crypto::contact_public_key_from_json(nlohmann::json::array()));
    CHECK_FALSE(crypto::contact_public_key_from_json({{"id", pair.public_half.id}}));
}

TEST_CASE("an event carries a contact in the clear or sealed, and the sealed form names its channels only",
          "[contact_seal][validation]")
{
    const crypto::ContactKeyPair pair = crypto::make_contact_key_pair();
    CHECK(describe(validate_event(complaint_with(clear_contact))) == "");
    nlohmann::json sealed = crypto::seal_contact(clear_contact, pair.public_half);
    CHECK(describe(validate_event(complaint_with(sealed))) == "");

    auto violations_of = [](nlohmann::json contact) { return describe(validate_event(complaint_with(std::move(contact)))); };
    nlohmann::json without_consent = sealed;
    without_consent.erase("consent");
    CHECK(violations_of(without_consent).find("consent") != std::string::npos);
    nlohmann::json name_only = sealed;
    name_only["channels"] = {"name"};
    CHECK(violations_of(name_only).find("needs \"phone\" or \"email\"") != std::string::npos);
    nlohmann::json odd_channel = sealed;
    odd_channel["channels"] = {"email", "address"};
    CHECK(violations_of(odd_channel).find("channels") != std::string::npos);
    nlohmann::json no_key = sealed;
    no_key.erase("key_id");
    CHECK(violations_of(no_key).find("key_id") != std::string::npos);
    nlohmann::json huge = sealed;
    huge["sealed"] = std::string(5000, 'A');
    CHECK(violations_of(huge).find("sealed") != std::string::npos);
    // A clear contact keeps its old rules.
    CHECK(violations_of({{"consent", true}, {"name", "Jan"}}).find("phone number or an e-mail") != std::string::npos);
}
