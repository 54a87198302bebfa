// Head office's contact keys (hq/contact_keys.h) on real files: init's key
// lives outside the data folder, a rotation keeps older values readable, the
// customer's pseudonym does not change with it, a missing or broken key file
// is named, and a contact that arrives in the clear (a terminal of an older
// version, a person at head office) is sealed before it is stored.
#include "domain/clock.h"
#include "hq/contact_keys.h"
#include "hq/hq_settings.h"
#include "hq/hq_store.h"
#include "support/sql_backends.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <latch>
#include <optional>
#include <thread>

using namespace feedback;
using namespace feedback::hq;
using feedback::testing::TempDir;

namespace {

// A head office as init leaves it: hq.json, hq.db (or a PostgreSQL database
// hq.json names) and one contact key beside DIR.
struct HeadOffice {
    TempDir temp;
    std::filesystem::path dir = temp.path() / "hq";
    std::filesystem::path key_dir = temp.path() / "hq-keys";

    explicit HeadOffice(sql::Backend backend = sql::Backend::sqlite)
    {
        std::filesystem::create_directories(dir);
        HqSettings settings;
        if (backend == sql::Backend::postgresql)
            settings.database = testing::SqlBackends().new_database(backend);
        REQUIRE(save_settings(dir, settings));
        auto store = HqStore::open(dir, HqStore::Intent::create);
        REQUIRE(store);
        add_key(*store);
    }

    crypto::ContactPublicKey add_key(HqStore& store)
    {
        auto made = make_contact_key(dir, key_dir, now_utc_ms());
        REQUIRE(made);
        REQUIRE(store.add_contact_key(*made, now_utc_ms()));
        return *made;
    }
};

const nlohmann::json clear{{"consent", true}, {"name", "Ans Kievit"}, {"email", "ans@example.nl"}};

// Makes UTR a store head office knows, with the chain's default configuration.
void know_store(HqStore& store, int64_t now_ms)
{
    REQUIRE(store.create_enrolment_code("UTR", "Balie 1", now_ms, 3600 * 1000));
    REQUIRE(store.publish_config("default", nlohmann::json::parse(std::ifstream(std::filesystem::path(
                                                FEEDBACK_SOURCE_DIR) / "assets/config/default.json")),
                                 now_ms));
}

// A complaint at UTR as a person at head office types it, with the contact in the clear.
ComplaintIntake complaint_with_contact()
{
    ComplaintIntake intake;
    intake.store_code = "UTR";
    intake.actor = "hq:mira";
    intake.payload = {{"channel", "phone"},      {"category", "product"}, {"description", "Kapot"},
                      {"customer_wish", "Nieuw"}, {"contact", clear}};
    return intake;
}

} // namespace

TEST_CASE("a contact key is made outside the data folder, and a rotation keeps older values readable",
          "[hq][contact_keys]")
{
    HeadOffice office;
    CHECK(default_contact_key_dir("/var/lib/feedback-hq") == "/var/lib/feedback-hq-keys");
    CHECK(default_contact_key_dir("/var/lib/feedback-hq/") == "/var/lib/feedback-hq-keys");
    auto refused = make_contact_key(office.dir, office.dir / "keys", now_utc_ms());
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("inside the data folder") != std::string::npos);

    auto store = HqStore::open(office.dir, HqStore::Intent::existing_only);
    REQUIRE(store);
    auto first = store->contact_key();
    REQUIRE(first);
    REQUIRE(*first);
    const nlohmann::json old_value = crypto::seal_contact(clear, **first);

    const crypto::ContactPublicKey second = office.add_key(*store);
    auto current = store->contact_key();
    REQUIRE(current);
    CHECK((*current)->id == second.id);
    auto settings = load_settings(office.dir);
    REQUIRE(settings);
    REQUIRE(settings->contact_keys.size() == 2);
    CHECK(settings->contact_keys[0].filename() == "contact-key-" + second.id + ".json");

    // Both open, the old one with the older file; the store's ring reads the new file when it needs it.
    auto opened_old = store->open_contact(old_value);
    REQUIRE(opened_old);
    CHECK(*opened_old == clear);
    auto opened_new = store->open_contact(crypto::seal_contact(clear, second));
    REQUIRE(opened_new);
    CHECK(*opened_new == clear);

    // The pseudonym is keyed (not a plain hash) and the same before and after the rotation.
    auto ring = ContactKeyring::load(office.dir);
    REQUIRE(ring);
    const std::string pseudonym = ring->pseudonym("email:ans@example.nl");
    CHECK(pseudonym.size() == 64);
    HqSettings only_first = *settings;
    only_first.contact_keys.erase(only_first.contact_keys.begin());
    REQUIRE(save_settings(office.dir, only_first));
    auto older_ring = ContactKeyring::load(office.dir);
    REQUIRE(older_ring);
    CHECK(older_ring->pseudonym("email:ans@example.nl") == pseudonym);

    // A value sealed to a key hq.json no longer names: not_found, naming the key.
    auto fresh = HqStore::open(office.dir, HqStore::Intent::existing_only);
    REQUIRE(fresh);
    auto missing = fresh->open_contact(crypto::seal_contact(clear, second));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::not_found);
    CHECK(missing.error().message.find(second.id) != std::string::npos);
}

TEST_CASE("a missing or broken contact key file is named, never half read", "[hq][contact_keys]")
{
    HeadOffice office;
    auto settings = load_settings(office.dir);
    REQUIRE(settings);
    const std::filesystem::path file = settings->contact_keys.front();
    CHECK((std::filesystem::status(file).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    auto key = nlohmann::json::parse(std::ifstream(file));

    // Its secret half replaced by another key's: the halves must belong together.
    auto other = crypto::make_contact_key_pair();
    nlohmann::json swapped = key;
    swapped["public_key"] = crypto::to_json(other.public_half)["public_key"];
    swapped["id"] = other.public_half.id;
    std::ofstream(file) << swapped.dump();
    auto mismatched = ContactKeyring::load(office.dir);
    REQUIRE_FALSE(mismatched);
    CHECK(mismatched.error().message.find("does not match") != std::string::npos);

    std::filesystem::remove(file);
    auto gone = ContactKeyring::load(office.dir);
    REQUIRE_FALSE(gone);
    CHECK(gone.error().message.find(file.string()) != std::string::npos);

    auto text = nlohmann::json::parse(std::ifstream(office.dir / "hq.json"));
    text["contact_keys"] = {"keys/contact-key.json"};
    std::ofstream(office.dir / "hq.json") << text.dump();
    auto unreadable = load_settings(office.dir);
    REQUIRE_FALSE(unreadable);
    CHECK(unreadable.error().message.find("absolute paths") != std::string::npos);
}

TEST_CASE("head office seals a contact that arrives in the clear before it stores it, and erases it on request",
          "[hq][contact_keys][storage]")
{
    const sql::Backend backend = GENERATE(sql::Backend::sqlite, sql::Backend::postgresql);
    INFO(sql::to_string(backend));
    HeadOffice office(backend);
    auto store = HqStore::open(office.dir, HqStore::Intent::existing_only);
    REQUIRE(store);
    // A complaint registered at head office with the contact a person typed.
    know_store(*store, now_utc_ms());
    auto registered = store->register_complaint(complaint_with_contact(), now_utc_ms());
    INFO((registered ? "" : registered.error().message));
    REQUIRE(registered);
    auto rows = store->connection().query_int64(
        "SELECT count(*) FROM events WHERE body LIKE '%Kievit%' OR body LIKE '%ans@example.nl%'");
    REQUIRE(rows);
    CHECK(*rows == 0);
    auto events = store->events_about(registered->event.subject);
    REQUIRE(events);
    REQUIRE(events->size() == 1);
    const nlohmann::json& sealed = events->front().event.payload.at("contact");
    CHECK(crypto::is_sealed_contact(sealed));
    auto opened = store->open_contact(sealed);
    REQUIRE(opened);
    CHECK(*opened == clear);
    auto noted = store->connection().query_int64("SELECT count(*) FROM personal_events");
    REQUIRE(noted);
    CHECK(*noted == 1);

    // Found by the reference the customer quotes (the JSON expression index).
    const std::string reference = registered->event.payload.at("reference").get<std::string>();
    auto found = store->find_complaint(reference);
    REQUIRE(found);
    REQUIRE(*found);
    CHECK((*found)->complaint_id == registered->event.subject);
    // Erased on request with the free texts: the facts stay.
    auto erased = store->erase_complaint(registered->event.subject, true, "hq:mira", now_utc_ms());
    INFO((erased ? "" : erased.error().message));
    REQUIRE(erased);
    auto after = store->events_about(registered->event.subject);
    REQUIRE(after);
    const Event& opened_after = after->front().event;
    CHECK_FALSE(opened_after.payload.contains("contact"));
    CHECK(opened_after.payload.at("description") == erased_text);
    CHECK(opened_after.payload.at("category") == "product");
    CHECK(*store->connection().query_int64("SELECT count(*) FROM erasures WHERE why = 'request'") == 1);
    if (backend == sql::Backend::postgresql) {
        // No row version of events, live or dead, holds the erased text any
        // more (the erasure's VACUUM): read tuple by tuple, under SQL.
        sql::Connection& db = store->connection();
        REQUIRE(db.exec("CREATE EXTENSION IF NOT EXISTS pageinspect"));
        auto pages = db.query_int64("SELECT pg_relation_size('events') / current_setting('block_size')::bigint");
        REQUIRE(pages);
        int64_t versions = 0;
        for (int64_t page = 0; page < *pages; ++page) {
            const std::string tuples = "FROM heap_page_items(get_raw_page('events', " + std::to_string(page) +
                                       ")) WHERE t_data IS NOT NULL";
            versions += *db.query_int64("SELECT count(*) " + tuples);
            CHECK(*db.query_int64("SELECT count(*) " + tuples + " AND position('\\x4b61706f74'::bytea IN t_data) > 0") ==
                  0); // "Kapot", the description
        }
        CHECK(versions == *db.query_int64("SELECT count(*) FROM events")); // only the live ones
    }
}

TEST_CASE("retention run by two head-office processes at once erases each due contact once",
          "[hq][contact_keys][storage]")
{
    const sql::Backend backend = GENERATE(sql::Backend::sqlite, sql::Backend::postgresql);
    INFO(sql::to_string(backend));
    HeadOffice office(backend);
    // Two processes' own connections to the one database.
    auto first = HqStore::open(office.dir, HqStore::Intent::existing_only);
    auto second = HqStore::open(office.dir, HqStore::Intent::existing_only);
    REQUIRE(first);
    REQUIRE(second);
    const int64_t now = now_utc_ms();
    know_store(*first, now);
    const ComplaintIntake intake = complaint_with_contact();
    // 40 complaints closed 35 days ago (due after 30 days), one closed now.
    constexpr int64_t days = 30;
    constexpr int due = 40;
    std::vector<std::string> subjects;
    for (int i = 0; i <= due; ++i) {
        const bool is_due = i < due;
        auto registered = first->register_complaint(intake, now - (is_due ? 40 : 1) * ms_per_day);
        INFO((registered ? "" : registered.error().message));
        REQUIRE(registered);
        subjects.push_back(registered->event.subject);
        auto closed = first->record_hq_event(EventType::complaint_closed, registered->event.subject, "hq:mira",
                                             {{"outcome", "withdrawn"}}, is_due ? now - 35 * ms_per_day : now);
        INFO((closed ? "" : closed.error().message));
        REQUIRE(closed);
    }

    std::latch start(2);
    std::optional<Result<ErasureReport>> by_first;
    std::optional<Result<ErasureReport>> by_second;
    std::thread other([&] {
        start.arrive_and_wait();
        by_second = second->apply_retention(now, days);
    });
    start.arrive_and_wait();
    by_first = first->apply_retention(now, days);
    other.join();
    INFO(((*by_first) ? "" : by_first->error().message) << ((*by_second) ? "" : by_second->error().message));
    REQUIRE(*by_first);
    REQUIRE(*by_second);
    // Each due complaint erased by one of them, and its erasure noted once.
    CHECK((*by_first)->subjects + (*by_second)->subjects == due);
    sql::Connection& db = first->connection();
    CHECK(*db.query_int64("SELECT count(*) FROM erasures WHERE why = 'retention'") == due);
    CHECK(*db.query_int64("SELECT count(DISTINCT subject) FROM erasures") == due);
    for (int i = 0; i <= due; ++i) {
        auto events = first->events_about(subjects[static_cast<size_t>(i)]);
        REQUIRE(events);
        CHECK(events->front().event.payload.contains("contact") == (i == due)); // the recent one keeps it
    }
    // A later run finds nothing more to do.
    auto again = second->apply_retention(now, days);
    REQUIRE(again);
    CHECK(again->subjects == 0);
}
