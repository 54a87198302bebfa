// Tests of the terminal's local store on real SQLite files: durability
// settings, recording with projection, lifecycle checks, the outbox,
// retention, contact details sealed to head office's key and erased on its
// request, a full disk and damaged or newer files.
#include "domain/clock.h"
#include "domain/ids.h"
#include "domain/refcode.h"
#include "store/local_store.h"
#include "support/contact_key.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <set>

using namespace feedback;
using namespace feedback::store;
using feedback::testing::TempDir;

namespace {

constexpr int64_t t0 = 1764000000000; // 2025-11-24T16:00:00Z

NewEvent rating(int score)
{
    return {EventType::nps_rated, "", "kiosk", {{"score", score}, {"survey_version", 1}, {"locale", "nl"}}, {}};
}

NewEvent opened(nlohmann::json extra = nlohmann::json::object())
{
    nlohmann::json payload{{"channel", "walk_in"},
                           {"category", "product"},
                           {"description", "De koffiemachine lekt."},
                           {"customer_wish", "Een nieuwe machine"}};
    payload.update(extra);
    return {EventType::complaint_opened, "", "staff:anna", payload, {}};
}

NewEvent step(EventType type, const std::string& complaint, nlohmann::json payload = nlohmann::json::object())
{
    return {type, complaint, "staff:anna", std::move(payload), {}};
}

// The store of an enrolled terminal: it has head office's contact key (the test's).
LocalStore open_store(const TempDir& dir, StoreOptions options = {})
{
    auto store = LocalStore::open(dir.path(), options);
    INFO((store ? "" : store.error().message));
    REQUIRE(store);
    REQUIRE(store->set_contact_key(testing::test_contact_key().public_half));
    return std::move(*store);
}

int64_t count(LocalStore& store, const std::string& sql)
{
    auto value = store.database().query_int64(sql);
    REQUIRE(value);
    return *value;
}

// Opens, resolves on the spot, customer satisfied, closes: returns the id.
std::string solved_complaint(LocalStore& store, int64_t at, nlohmann::json extra = nlohmann::json::object())
{
    auto made = store.record(opened(std::move(extra)), at);
    REQUIRE(made);
    std::string id = made->subject;
    REQUIRE(store.record(step(EventType::complaint_resolved, id,
                              {{"resolution", "replacement"}, {"on_the_spot", true}}), at + 1000));
    REQUIRE(store.record(step(EventType::complaint_customer_response, id, {{"satisfied", true}, {"handling_score", 5}}),
                         at + 2000));
    REQUIRE(store.record(step(EventType::complaint_closed, id, {{"outcome", "resolved"}}), at + 3000));
    return id;
}

} // namespace

TEST_CASE("a new store is durable: WAL, synchronous FULL, current schema, a device identity", "[store]")
{
    TempDir dir;
    auto store = open_store(dir);
    auto& db = store.database();
    CHECK(db.query_texts("PRAGMA journal_mode").value() == std::vector<std::string>{"wal"});
    CHECK(db.query_int64("PRAGMA synchronous").value() == 2); // FULL
    CHECK(db.query_int64("PRAGMA foreign_keys").value() == 1);
    CHECK(db.query_int64("PRAGMA user_version").value() == current_schema_version());
    CHECK(is_uuid(store.device().device_id));
    CHECK(store.device().store_code == "XXX");
    CHECK(is_refcode_segment(store.device().terminal_code, 2, 2));

    // The identity survives reopening.
    std::string device = store.device().device_id;
    auto again = open_store(dir);
    CHECK(again.device().device_id == device);
}

TEST_CASE("recording fills in id, device and sequence and commits", "[store]")
{
    TempDir dir;
    auto store = open_store(dir);
    auto first = store.record(rating(9), t0);
    auto second = store.record(rating(3), t0 + 5);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->device_seq == 1);
    CHECK(second->device_seq == 2);
    CHECK(uuid_v7_unix_ms(first->id) == t0);

    auto status = store.status(t0 + 10);
    REQUIRE(status);
    CHECK(status->events_total == 2);
    CHECK(status->events_by_type.at("nps.rated") == 2);
    CHECK(status->nps_last_30_days.total() == 2);
    CHECK(status->nps_last_30_days.rounded_score() == 0);
    CHECK(status->unsent_backlog == 2);
    CHECK(status->integrity == "ok");
}

TEST_CASE("an invalid event is refused with every broken rule and records nothing", "[store]")
{
    TempDir dir;
    auto store = open_store(dir);
    auto refused = store.record({EventType::nps_rated, "", "kiosk", {{"score", 11}, {"survey_version", 1}}, {}}, t0);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::invalid_input);
    CHECK_THAT(refused.error().message, Catch::Contains("payload.score") && Catch::Contains("payload.locale"));
    CHECK(count(store, "SELECT count(*) FROM events") == 0);
    // The sequence is not used up by a refused event.
    CHECK(store.record(rating(8), t0)->device_seq == 1);
}

TEST_CASE("events are append-only", "[store]")
{
    TempDir dir;
    auto store = open_store(dir);
    REQUIRE(store.record(rating(9), t0));
    auto update = store.database().exec("UPDATE events SET payload = '{}'");
    REQUIRE_FALSE(update);
    CHECK_THAT(update.error().message, Catch::Contains("append-only"));
    auto erase = store.database().exec("DELETE FROM events");
    REQUIRE_FALSE(erase);
    CHECK(count(store, "SELECT count(*) FROM events") == 1);
}

TEST_CASE("a detailed rating must refer to a rating in the store", "[store]")
{
    TempDir dir;
    auto store = open_store(dir);
    auto rated = store.record(rating(4), t0);
    REQUIRE(rated);
    NewEvent detail{EventType::nps_detailed, rated->id, "kiosk", {{"reason_ids", {"waiting_time"}}}, {}};
    CHECK(store.record(detail, t0 + 1));
    detail.subject = make_uuid_v7(t0);
    auto missing = store.record(detail, t0 + 2);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::not_found);
}

TEST_CASE("complaints get reference codes, a projection, and lifecycle checks", "[store]")
{
    TempDir dir;
    auto store = open_store(dir);
    REQUIRE(store.set_identity("UTR", "2A"));
    auto first = store.record(opened(), t0);
    auto second = store.record(opened(), t0 + 1);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->reference == make_refcode("UTR", "2A", 0));
    CHECK(second->reference == make_refcode("UTR", "2A", 1));
    CHECK(is_uuid(first->subject));

    // Found by id and by the code as a customer types it.
    std::string typed = first->reference;
    std::erase(typed, '-');
    for (auto& c : typed)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(store.find_complaint(typed).value() == first->subject);
    CHECK(store.find_complaint(first->subject).value() == first->subject);
    CHECK(store.find_complaint(make_refcode("UTR", "2A", 99)).error().kind == ErrorKind::not_found);

    // The customer leads the closing: not closable as resolved before they say so.
    std::string id = first->subject;
    REQUIRE(store.record(step(EventType::complaint_resolved, id, {{"resolution", "refund"}, {"amount_cents", 1250},
                                                                  {"on_the_spot", true}}), t0 + 1000));
    auto early = store.record(step(EventType::complaint_closed, id, {{"outcome", "resolved"}}), t0 + 2000);
    REQUIRE_FALSE(early);
    CHECK(early.error().kind == ErrorKind::invalid_transition);

    REQUIRE(store.record(step(EventType::complaint_customer_response, id, {{"satisfied", true}, {"handling_score", 4}}),
                         t0 + 3000));
    REQUIRE(store.record(step(EventType::complaint_closed, id, {{"outcome", "resolved"}}), t0 + 4000));

    auto row = store.database().prepare("SELECT status, solved_on_the_spot, time_to_resolution_ms, satisfied, "
                                        "handling_score FROM complaints WHERE id = ?1");
    REQUIRE(row);
    row->bind(1, id);
    REQUIRE(row->step().value());
    CHECK(row->column_text(0) == "closed");
    CHECK(row->column_int64(1) == 1);
    CHECK(row->column_int64(2) == 4000);
    CHECK(row->column_int64(3) == 1);
    CHECK(row->column_int64(4) == 4);
    row->reset();

    auto state = store.complaint_state(id);
    REQUIRE(state);
    CHECK(state->status == ComplaintStatus::closed);
    CHECK(state->solved_on_the_spot);

    auto unknown = store.record(step(EventType::complaint_acknowledged, make_uuid_v7(t0)), t0);
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().kind == ErrorKind::not_found);
    CHECK(store.status(t0 + 5000)->open_complaints == 1);
}

TEST_CASE("contact details are sealed before they are written, kept apart from the event, and open with the key",
          "[store][personal_data]")
{
    TempDir dir;
    auto store = open_store(dir);
    const nlohmann::json contact{{"consent", true}, {"name", "Jan Zeemeeuw"}, {"email", "jan@example.nl"}};
    auto made = store.record(opened({{"contact", contact}}), t0);
    REQUIRE(made);
    CHECK(count(store, "SELECT count(*) FROM events WHERE payload LIKE '%example.nl%'") == 0);
    CHECK(count(store, "SELECT count(*) FROM personal_data") == 1);
    CHECK(count(store, "SELECT count(*) FROM personal_data WHERE fields LIKE '%example.nl%' "
                       "OR fields LIKE '%Zeemeeuw%'") == 0);
    int seen = 0;
    REQUIRE(store.for_each_event([&](const Event& event) {
        const nlohmann::json& sealed = event.payload.at("contact");
        CHECK(sealed.at("channels") == nlohmann::json::array({"name", "email"}));
        CHECK(sealed.at("key_id") == testing::test_contact_key().public_half.id);
        CHECK(testing::opened_contact(sealed) == contact);
        ++seen;
    }));
    CHECK(seen == 1);
    // The staff screens learn which ways were given, never the values.
    auto left = store.contact_left(made->subject);
    REQUIRE(left);
    CHECK(left->email);
    CHECK_FALSE(left->phone);
    CHECK(left->consent);
}

TEST_CASE("a terminal without head office's contact key records no contact details", "[store][personal_data]")
{
    TempDir dir;
    auto store = LocalStore::open(dir.path(), {});
    REQUIRE(store);
    auto key = store->contact_key();
    REQUIRE(key);
    CHECK_FALSE(*key);
    auto refused = store->record(opened({{"contact", {{"consent", true}, {"phone", "0612345678"}}}}), t0);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::invalid_input);
    CHECK(refused.error().message.find("contact key") != std::string::npos);
    CHECK(refused.error().message.find("0612345678") == std::string::npos);
    CHECK(count(*store, "SELECT count(*) FROM events") == 0);
    // Without contact details the complaint is recorded as always.
    CHECK(store->record(opened(), t0));
}

TEST_CASE("contact details an older version kept in the clear are sealed when the key arrives",
          "[store][personal_data]")
{
    TempDir dir;
    auto store = LocalStore::open(dir.path(), {});
    REQUIRE(store);
    auto made = store->record(opened(), t0);
    REQUIRE(made);
    // What a version before sealing wrote: the contact in the clear in personal_data.
    REQUIRE(store->database().exec("INSERT INTO personal_data(event_pos, fields) SELECT pos, "
                                   "'{\"contact\":{\"consent\":true,\"phone\":\"0687654321\"}}' FROM events"));
    REQUIRE(store->set_contact_key(testing::test_contact_key().public_half));
    CHECK(count(*store, "SELECT count(*) FROM personal_data WHERE fields LIKE '%0687654321%'") == 0);
    REQUIRE(store->for_each_event([&](const Event& event) {
        CHECK(testing::opened_contact(event.payload.at("contact")) ==
              nlohmann::json{{"consent", true}, {"phone", "0687654321"}});
    }));
}

TEST_CASE("head office's complaint.erased takes the contact and, when asked, the free texts off the terminal",
          "[store][personal_data]")
{
    TempDir dir;
    auto store = open_store(dir);
    auto made = store.record(opened({{"contact", {{"consent", true}, {"phone", "0612345678"}}}}), t0);
    REQUIRE(made);
    REQUIRE(store.record(step(EventType::complaint_noted, made->subject, {{"note", "Nog steeds kapot"}}), t0 + 1000));
    Event erased;
    erased.id = make_uuid_v7(t0 + 2000);
    erased.type = EventType::complaint_erased;
    erased.subject = made->subject;
    erased.occurred_at_ms = t0 + 2000;
    erased.actor = "hq:mira";
    erased.device_id = make_uuid_v7(t0);
    erased.device_seq = 1;
    erased.payload = {{"texts", true}};
    auto applied = store.apply_remote_events(std::span(&erased, 1), "7", t0 + 3000);
    REQUIRE(applied);
    CHECK(applied->inserted == 1);

    CHECK(count(store, "SELECT count(*) FROM personal_data") == 0);
    CHECK(count(store, "SELECT count(*) FROM complaints WHERE contact_erased_at IS NOT NULL") == 1);
    CHECK(count(store, "SELECT count(*) FROM events WHERE payload LIKE '%koffiemachine%' "
                       "OR payload LIKE '%Nog steeds%' OR payload LIKE '%nieuwe machine%'") == 0);
    REQUIRE(store.for_each_event([&](const Event& event) {
        CHECK_FALSE(event.payload.contains("contact"));
        if (event.type == EventType::complaint_opened) {
            CHECK(event.payload.at("description") == "[erased]");
            CHECK(event.payload.at("category") == "product"); // the facts stay
        }
    }));
    auto left = store.contact_left(made->subject);
    REQUIRE(left);
    CHECK_FALSE(left->phone);
    // Events stay append-only after the erasure.
    CHECK_FALSE(store.database().exec("UPDATE events SET payload = '{}'"));
}

TEST_CASE("the outbox sends oldest first, resends a frozen batch as is, and quarantines rejections", "[store][outbox]")
{
    TempDir dir;
    auto store = open_store(dir);
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i)
        ids.push_back(store.record(rating(i), t0 + i)->id);

    auto batch = store.freeze_batch(3, t0 + 100);
    REQUIRE(batch);
    REQUIRE(batch->has_value());
    CHECK((*batch)->event_ids == std::vector<std::string>{ids[0], ids[1], ids[2]});
    auto body = nlohmann::json::parse((*batch)->body);
    CHECK(body.at("batch_id") == (*batch)->batch_id);
    CHECK(body.at("events").size() == 3);
    CHECK(body.at("events")[0].at("id") == ids[0]);
    CHECK((*batch)->body_sha256.size() == 64);

    // Not answered yet: the same batch, byte for byte.
    auto again = store.freeze_batch(3, t0 + 200);
    REQUIRE(again);
    CHECK((*again)->batch_id == (*batch)->batch_id);
    CHECK((*again)->body == (*batch)->body);
    CHECK((*again)->body_sha256 == (*batch)->body_sha256);

    std::vector<EventAck> acks{{ids[0], AckOutcome::accepted, ""},
                               {ids[1], AckOutcome::rejected, "payload.score: out of range"},
                               {make_uuid_v7(t0), AckOutcome::accepted, ""}}; // never sent: ignored
    auto summary = store.acknowledge_batch((*batch)->batch_id, acks, t0 + 300);
    REQUIRE(summary);
    CHECK(summary->acknowledged == 1);
    CHECK(summary->quarantined == 1);
    CHECK(summary->returned_to_pending == 1);
    CHECK(store.acknowledge_batch((*batch)->batch_id, acks, t0 + 301).error().kind == ErrorKind::conflict);

    auto status = store.status(t0 + 400);
    CHECK(status->unsent_backlog == 3);
    CHECK(status->quarantined == 1);
    CHECK(count(store, "SELECT count(*) FROM events") == 5); // nothing deleted
    CHECK(count(store, "SELECT count(*) FROM batches WHERE body IS NOT NULL") == 0);

    // The unanswered event goes out again, oldest first.
    auto next = store.freeze_batch(10, t0 + 500);
    REQUIRE(next->has_value());
    CHECK((*next)->event_ids == std::vector<std::string>{ids[2], ids[3], ids[4]});
    std::vector<EventAck> rest;
    for (const auto& id : (*next)->event_ids)
        rest.push_back({id, AckOutcome::duplicate, ""});
    REQUIRE(store.acknowledge_batch((*next)->batch_id, rest, t0 + 600));
    CHECK(store.status(t0)->unsent_backlog == 0);
    CHECK_FALSE(store.freeze_batch(10, t0 + 700)->has_value());
}

TEST_CASE("retention erases contact details of closed, acknowledged complaints only", "[store][retention]")
{
    TempDir dir;
    auto store = open_store(dir);
    nlohmann::json contact{{"contact", {{"consent", true}, {"name", "Jan"}, {"phone", "+31 6 1234 5678"}}}};
    solved_complaint(store, t0, contact); // closed, will be acknowledged
    auto open_one = store.record(opened(contact), t0 + 10);
    REQUIRE(open_one);

    // Head office acknowledges everything recorded so far.
    auto batch = store.freeze_batch(100, t0 + 20000);
    std::vector<EventAck> acks;
    for (const auto& id : (*batch)->event_ids)
        acks.push_back({id, AckOutcome::accepted, ""});
    REQUIRE(store.acknowledge_batch((*batch)->batch_id, acks, t0 + 20000));
    // A third complaint, closed but not yet acknowledged.
    std::string closed_unsynced = solved_complaint(store, t0 + 30000, contact);

    constexpr int days = 30;
    auto too_early = store.apply_retention(t0 + 29 * ms_per_day, days);
    REQUIRE(too_early);
    CHECK(too_early->events_erased == 0);

    auto report = store.apply_retention(t0 + 31 * ms_per_day, days);
    REQUIRE(report);
    CHECK(report->complaints_erased == 1);
    CHECK(report->events_erased == 1);
    CHECK(count(store, "SELECT count(*) FROM personal_data") == 2);
    CHECK(count(store, "SELECT count(*) FROM complaints WHERE contact_erased_at IS NOT NULL") == 1);
    CHECK(count(store, "SELECT count(*) FROM erasures") == 1);
    CHECK(count(store, "SELECT count(*) FROM events") == 9); // the events stay

    std::set<std::string> with_contact;
    REQUIRE(store.for_each_event([&](const Event& event) {
        if (event.payload.contains("contact"))
            with_contact.insert(event.subject);
    }));
    CHECK(with_contact == std::set<std::string>{open_one->subject, closed_unsynced});
}

TEST_CASE("a full disk is a clear error and loses nothing committed", "[store][disk-full]")
{
    TempDir dir;
    std::vector<std::string> recorded;
    {
        StoreOptions options;
        options.max_page_count = 60; // about 240 KB
        auto store = open_store(dir, options);
        Error last{ErrorKind::internal, ""};
        for (int i = 0; i < 100000; ++i) {
            auto result = store.record(opened({{"description", std::string(1500, 'x')}}), t0 + i);
            if (!result) {
                last = result.error();
                break;
            }
            recorded.push_back(result->subject);
        }
        REQUIRE(recorded.size() > 10);
        CHECK(last.kind == ErrorKind::disk_full);
        CHECK_THAT(last.message, Catch::Contains("disk is full"));
        // Still readable on the same connection.
        CHECK(store.status(t0)->events_total == static_cast<int64_t>(recorded.size()));
    }
    auto store = open_store(dir);
    CHECK(store.quick_check().value() == "ok");
    std::set<std::string> subjects;
    REQUIRE(store.for_each_event([&](const Event& event) { subjects.insert(event.subject); }));
    CHECK(subjects == std::set<std::string>(recorded.begin(), recorded.end()));
    CHECK(store.record(rating(10), t0)); // room again
}

TEST_CASE("a missing folder, a damaged file and a newer schema are refused with a reason", "[store]")
{
    TempDir dir;
    auto missing = LocalStore::open(dir.path() / "nope");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::not_found);

    StoreOptions existing;
    existing.intent = OpenIntent::existing_only;
    CHECK(LocalStore::open(dir.path(), existing).error().kind == ErrorKind::not_found);

    {
        auto store = open_store(dir);
        REQUIRE(store.database().exec("PRAGMA user_version = 99"));
    }
    auto newer = LocalStore::open(dir.path());
    REQUIRE_FALSE(newer);
    CHECK(newer.error().kind == ErrorKind::conflict);
    CHECK_THAT(newer.error().message, Catch::Contains("newer"));

    TempDir damaged;
    {
        std::ofstream file(damaged.path() / database_file_name, std::ios::binary);
        file << std::string(8192, 'z');
    }
    auto bad = LocalStore::open(damaged.path());
    REQUIRE_FALSE(bad);
    CHECK(bad.error().kind == ErrorKind::corrupt);
}

TEST_CASE("ratings marked as misuse stay recorded but leave the NPS", "[store]")
{
    TempDir dir;
    auto store = open_store(dir);
    REQUIRE(store.record(rating(10), t0));
    for (int i = 0; i < 4; ++i) {
        NewEvent burst = rating(0);
        burst.payload["misuse"] = "burst";
        REQUIRE(store.record(burst, t0 + i));
    }
    auto status = store.status(t0 + 10);
    CHECK(status->events_total == 5);
    CHECK(status->nps_last_30_days.total() == 1);
    CHECK(status->nps_last_30_days.rounded_score() == 100);
}

TEST_CASE("open complaints are listed oldest first, closed ones not, with severity and first answer", "[store]")
{
    TempDir dir;
    auto store = open_store(dir);
    solved_complaint(store, t0);
    auto later = store.record(opened(), t0 + 2000);
    auto earlier = store.record(opened({{"category", "service"}}), t0 + 1000);
    REQUIRE(later);
    REQUIRE(earlier);
    REQUIRE(store.record(step(EventType::complaint_acknowledged, later->subject), t0 + 3000));
    auto list = store.open_complaints();
    REQUIRE(list);
    REQUIRE(list->size() == 2);
    CHECK((*list)[0].id == earlier->subject);
    CHECK((*list)[0].category == "service");
    CHECK((*list)[0].status == ComplaintStatus::open);
    CHECK((*list)[1].reference == later->reference);
    CHECK((*list)[1].status == ComplaintStatus::acknowledged);
    CHECK((*list)[1].last_event_at == t0 + 3000);
    // Severity and the first answer come from the fold, for the deadline: an
    // acknowledgement is no answer, a resolution given in person is.
    CHECK((*list)[0].severity == "normal");
    CHECK_FALSE((*list)[1].answered_at);
    REQUIRE(store.record(step(EventType::complaint_assessed, earlier->subject, {{"severity", "safety"}}), t0 + 4000));
    REQUIRE(store.record(step(EventType::complaint_resolved, later->subject,
                              {{"resolution", "apology"}, {"on_the_spot", true}}),
                         t0 + 5000));
    list = store.open_complaints();
    REQUIRE(list);
    REQUIRE(list->size() == 2);
    CHECK((*list)[0].severity == "safety");
    CHECK_FALSE((*list)[0].answered_at);
    CHECK((*list)[1].answered_at == t0 + 5000);
}
