// Complaints registered at head office (HqStore::register_complaint): the
// reference code head office makes itself per store ("UTR-HQ-..."), which no
// terminal is ever given, the checks on store and category, and that a
// refused registration stores nothing; the customer's status key it makes,
// of which it keeps only the hash; the intake API's tokens and kept answers
// (api/api_tokens.h) on both backends.
#include "config/kiosk_config.h"
#include "crypto/status_key.h"
#include "domain/complaint_fold.h"
#include "domain/ids.h"
#include "domain/refcode.h"
#include "hq/api/api_tokens.h"
#include "hq/hq_store.h"
#include "hq_backends.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace feedback;
using feedback::testing::TempDir;

namespace {

constexpr int64_t now = 1'800'000'000'000;

nlohmann::json by_phone()
{
    return {{"channel", "phone"},
            {"category", "delivery"},
            {"description", "The sofa was delivered with a torn cushion."},
            {"customer_wish", "A new cushion."},
            {"severity", "normal"}};
}

hq::ComplaintIntake intake(std::string store, nlohmann::json payload = by_phone())
{
    return {std::move(store), std::move(payload), std::nullopt, "hq:quality.lead"};
}

void publish_default_config(hq::HqStore& store, const std::string& scope)
{
    auto document = config::read_json_file(FEEDBACK_SOURCE_DIR "/assets/config/default.json", "config file");
    REQUIRE(document);
    REQUIRE(store.publish_config(scope, *document, now));
}

int64_t events_stored(hq::HqStore& store)
{
    auto count = store.event_count();
    REQUIRE(count);
    return *count;
}

} // namespace

TEST_CASE("head office numbers its own complaints per store with a code no terminal gets", "[sync][unit][hq]")
{
    TempDir dir;
    auto store = hq::HqStore::open(dir.path(), hq::HqStore::Intent::create);
    REQUIRE(store);
    REQUIRE(store->create_enrolment_code("UTR", "Counter 1", now, 3'600'000));
    REQUIRE(store->create_enrolment_code("AMS", "Counter 1", now, 3'600'000));

    std::set<std::string> references;
    for (int i = 0; i < 3; ++i) {
        auto registered = store->register_complaint(intake("UTR"), now + i);
        REQUIRE(registered);
        const Event* event = &registered->event;
        CHECK(event->type == EventType::complaint_opened);
        CHECK(event->actor == "hq:quality.lead");
        std::string reference = event->payload["reference"];
        CHECK(parse_refcode(reference).value() == reference); // the check character holds
        CHECK(reference.starts_with("UTR-HQ-"));
        references.insert(reference);
        auto state = store->complaint_state(event->subject);
        REQUIRE(state);
        CHECK(state->status == ComplaintStatus::open);
        CHECK(state->reference == reference);
        CHECK(state->channel == "phone");
    }
    CHECK(references.size() == 3);
    CHECK(*references.begin() == make_refcode("UTR", "HQ", 0));
    auto other = store->register_complaint(intake("AMS"), now);
    REQUIRE(other);
    CHECK(other->event.payload["reference"] == make_refcode("AMS", "HQ", 0));

    // Terminals enrolled in the store after (or before) never get "HQ".
    std::set<std::string> terminal_codes;
    for (int i = 0; i < 40; ++i) {
        auto code = store->create_enrolment_code("UTR", "Counter", now, 3'600'000);
        REQUIRE(code);
        auto enrolled = store->enrol(code->code, make_uuid_v7(now + i), "0.1.0", now);
        REQUIRE(enrolled);
        terminal_codes.insert(enrolled->terminal_code);
    }
    CHECK(terminal_codes.size() == 40);
    CHECK_FALSE(terminal_codes.contains("HQ"));
}

TEST_CASE("a complaint that came in earlier keeps its time, and one from the future is refused", "[sync][unit][hq]")
{
    TempDir dir;
    auto store = hq::HqStore::open(dir.path(), hq::HqStore::Intent::create);
    REQUIRE(store);
    REQUIRE(store->create_enrolment_code("UTR", "Counter 1", now, 3'600'000));
    auto letter = intake("UTR");
    letter.payload["channel"] = "letter";
    letter.received_at_ms = now - 3 * 86'400'000LL;
    auto registered = store->register_complaint(letter, now);
    REQUIRE(registered);
    CHECK(registered->event.occurred_at_ms == now - 3 * 86'400'000LL);

    letter.received_at_ms = now + hq::max_received_ahead_ms + 1;
    auto refused = store->register_complaint(letter, now);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message == "received_at: lies in the future");
}

TEST_CASE("a registration that breaks a rule names the field and stores nothing", "[sync][unit][hq]")
{
    TempDir dir;
    auto store = hq::HqStore::open(dir.path(), hq::HqStore::Intent::create);
    REQUIRE(store);
    REQUIRE(store->create_enrolment_code("UTR", "Counter 1", now, 3'600'000));
    publish_default_config(*store, "UTR");

    auto message_of = [&](const hq::ComplaintIntake& bad) {
        auto result = store->register_complaint(bad, now);
        REQUIRE_FALSE(result);
        return result.error().message;
    };
    CHECK(message_of(intake("XYZ")) ==
          "store: no store XYZ at head office (no terminal, enrolment code or configuration)");
    CHECK(message_of(intake("utr!")).starts_with("store: a store code is 3 characters"));

    auto payload = by_phone();
    payload["category"] = "sofas";
    CHECK(message_of(intake("UTR", payload)) ==
          "payload.category: \"sofas\" is not one of store UTR's categories (product, service, price, delivery, store, other)");
    payload = by_phone();
    payload["reference"] = "UTR-2A-2222C";
    CHECK(message_of(intake("UTR", payload)) == "reference: head office makes the reference code itself");
    payload = by_phone();
    payload["status_key_hash"] = crypto::status_key_hash(crypto::make_status_key());
    CHECK(message_of(intake("UTR", payload)) == "status_key_hash: head office makes the status key itself");
    payload = by_phone();
    payload["channel"] = "kiosk";
    CHECK(message_of(intake("UTR", payload)) ==
          "payload.channel: \"kiosk\" is the shopper at a kiosk, not a channel head office registers");
    payload = by_phone();
    payload.erase("description");
    CHECK(message_of(intake("UTR", payload)).starts_with("payload.description:"));

    CHECK(events_stored(*store) == 0);
    // The counter did not move either: the first complaint that is taken gets number 0.
    auto taken = store->register_complaint(intake("UTR"), now);
    REQUIRE(taken);
    CHECK(taken->event.payload["reference"] == make_refcode("UTR", "HQ", 0));
}

TEST_CASE("head office makes each registered complaint a status key and keeps only its hash", "[sync][unit][hq]")
{
    TempDir dir;
    auto store = hq::HqStore::open(dir.path(), hq::HqStore::Intent::create);
    REQUIRE(store);
    REQUIRE(store->create_enrolment_code("UTR", "Counter 1", now, 3'600'000));
    auto first = store->register_complaint(intake("UTR"), now);
    auto second = store->register_complaint(intake("UTR"), now + 1);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(crypto::is_status_key(first->status_key));
    CHECK(first->status_key != second->status_key);
    CHECK(first->event.payload["status_key_hash"] == crypto::status_key_hash(first->status_key));
    // What head office stored, and what the fold reads from it: the hash, never the key.
    auto state = store->complaint_state(first->event.subject);
    REQUIRE(state);
    CHECK(state->status_key_hash == crypto::status_key_hash(first->status_key));
    auto stored = store->connection().query_texts("SELECT body FROM events");
    REQUIRE(stored);
    REQUIRE(stored->size() == 2);
    for (const std::string& body : *stored) {
        CHECK(body.find(first->status_key) == std::string::npos);
        CHECK(body.find(second->status_key) == std::string::npos);
    }
}

TEST_CASE("the intake API's tokens: made once per name, only their hash kept, revoked for good", "[sync][unit][hq]")
{
    const sql::Backend backend = testing::each_backend();
    TempDir dir;
    auto store = testing::open_hq(dir, backend);
    hq::api::ApiTokenStore tokens(store.connection());

    CHECK(tokens.add("no spaces", now).error().kind == ErrorKind::invalid_input);
    auto crm = tokens.add("crm", now);
    REQUIRE(crm);
    CHECK(crm->token.size() == 64);
    auto hashes = store.connection().query_texts("SELECT token_hash FROM api_tokens");
    REQUIRE(hashes);
    REQUIRE(hashes->size() == 1);
    CHECK(hashes->front() != crm->token);
    CHECK(tokens.add("crm", now).error().kind == ErrorKind::conflict);
    REQUIRE(tokens.add("webshop", now + 1));

    auto found = tokens.authenticate(crm->token);
    REQUIRE(found);
    CHECK(found->name == "crm");
    CHECK_FALSE(found->last_used_at);
    CHECK(hq::api::ApiTokenStore::use_is_stale(*found, now));
    REQUIRE(tokens.note_use("crm", now + 10));
    found = tokens.authenticate(crm->token);
    REQUIRE(found);
    CHECK(found->last_used_at == now + 10);
    CHECK_FALSE(hq::api::ApiTokenStore::use_is_stale(*found, now + 20));
    CHECK(tokens.authenticate(std::string(64, 'a')).error().kind == ErrorKind::not_found);

    // Answers kept per token and Idempotency-Key.
    CHECK_FALSE(*tokens.kept_answer("crm", "key-1"));
    hq::api::KeptAnswer answer{"sha", 201, R"({"reference":"UTR-HQ-0001"})", "complaint-1"};
    REQUIRE(tokens.keep_answer("crm", "key-1", answer, now));
    CHECK(tokens.keep_answer("crm", "key-1", answer, now).error().kind == ErrorKind::conflict);
    auto kept = tokens.kept_answer("crm", "key-1");
    REQUIRE(kept);
    REQUIRE(*kept);
    CHECK((*kept)->status == 201);
    CHECK((*kept)->body == answer.body);
    CHECK((*kept)->complaint_id == "complaint-1");
    CHECK_FALSE(*tokens.kept_answer("webshop", "key-1"));

    // Revoked: refused from then on, and the name is never given again.
    CHECK(tokens.revoke("nobody", now).error().kind == ErrorKind::not_found);
    REQUIRE(tokens.revoke("crm", now + 30));
    CHECK(tokens.revoke("crm", now + 40).error().kind == ErrorKind::conflict);
    CHECK(tokens.authenticate(crm->token).error().kind == ErrorKind::conflict);
    CHECK(tokens.add("crm", now + 50).error().kind == ErrorKind::conflict);
    auto list = tokens.tokens();
    REQUIRE(list);
    REQUIRE(list->size() == 2);
    CHECK(list->at(0).name == "crm");
    CHECK(list->at(0).revoked_at == now + 30);
    CHECK(list->at(1).name == "webshop");
    CHECK_FALSE(list->at(1).revoked_at);
}
