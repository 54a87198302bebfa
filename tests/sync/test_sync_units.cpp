// Unit tests of sync's parts without a network: the protocol helpers,
// backoff and Retry-After, head office's storage (enrolment, ingest, replay,
// feed), the rate limiter, and the terminal store's remote events.
#include "client/backoff.h"
#include "client/leaving.h"
#include "common/device_condition.h"
#include "common/protocol.h"
#include "common/setup_file.h"
#include "crypto/certificate_fingerprint.h"
#include "domain/clock.h"
#include "domain/ids.h"
#include "domain/refcode.h"
#include "domain/validation.h"
#include "hq/device_flags.h"
#include "hq/hq_settings.h"
#include "hq/hq_store.h"
#include "hq_backends.h"
#include "hq/rate_limiter.h"
#include "hq/writer_turns.h"
#include "store/local_store.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <fstream>
#include <latch>
#include <set>
#include <sstream>
#include <thread>

using namespace feedback;
using feedback::testing::each_backend;
using feedback::testing::open_hq;
using feedback::testing::TempDir;

namespace {

constexpr int64_t now = 1'800'000'000'000;

nlohmann::json rating(const std::string& device, int seq, int score)
{
    return {{"v", 1}, {"id", make_uuid_v7(now)}, {"type", "nps.rated"}, {"occurred_at", now}, {"actor", "kiosk"},
            {"device_id", device}, {"seq", seq}, {"payload", {{"score", score}, {"survey_version", 1}, {"locale", "nl"}}}};
}

std::string batch_body(const std::string& batch_id, const nlohmann::json& events)
{
    return nlohmann::json{{"batch_id", batch_id}, {"events", events}}.dump();
}

struct EnrolledHq {
    hq::HqStore store;
    hq::Device device;
};

// Head office in `dir` (which must outlive it) with one enrolled device and
// a contact key to seal contacts to (its public half: nothing here opens one).
EnrolledHq enrolled_hq(const TempDir& dir, const std::string& store_code = "UTR",
                       sql::Backend backend = sql::Backend::sqlite)
{
    auto store = open_hq(dir, backend);
    REQUIRE(store.add_contact_key(crypto::make_contact_key_pair().public_half, now));
    auto code = store.create_enrolment_code(store_code, "Counter 1", now, 3600 * 1000);
    REQUIRE(code);
    auto enrolled = store.enrol(code->code, make_uuid_v7(now), "0.1.0", now);
    REQUIRE(enrolled);
    auto device = store.authenticate(enrolled->token);
    REQUIRE(device);
    return {std::move(store), *device};
}

} // namespace

// [SECTION] Protocol helpers

TEST_CASE("gzip round-trips, and inflating stops at the cap", "[sync][unit]")
{
    std::string text(100000, 'a');
    auto packed = sync::gzip_compress(text);
    REQUIRE(packed);
    CHECK(packed->size() < 1000);
    auto unpacked = sync::gzip_inflate(*packed, 200000);
    REQUIRE(unpacked);
    CHECK(unpacked->bytes == text);
    auto capped = sync::gzip_inflate(*packed, 50000);
    REQUIRE(capped);
    CHECK(capped->limit == sync::InflateLimit::exceeded);
    CHECK(capped->bytes.size() <= 50000);
    CHECK_FALSE(sync::gzip_inflate("not gzip at all", 1000));
}

TEST_CASE("batch answers and limits survive their JSON form", "[sync][unit]")
{
    sync::BatchAnswer answer{"b", {{"e1", sync::EventOutcome::accepted, ""},
                                   {"e2", sync::EventOutcome::duplicate, ""},
                                   {std::nullopt, sync::EventOutcome::rejected, "v: bad"}},
                             1, 1, 1};
    auto back = sync::batch_answer_from_json(sync::to_json(answer));
    REQUIRE(back);
    CHECK(back->batch_id == "b");
    CHECK(back->accepted == 1);
    CHECK(back->duplicate == 1);
    CHECK(back->rejected == 1);
    CHECK_FALSE(back->results[2].id);
    CHECK(back->results[2].reason == "v: bad");
    CHECK_FALSE(sync::batch_answer_from_json(nlohmann::json::parse(R"({"batch_id":"b","results":[{"outcome":"maybe"}]})")));

    auto limits = sync::limits_from_json({{"max_events_per_batch", 10}});
    REQUIRE(limits);
    CHECK(limits->max_events_per_batch == 10);
    CHECK(limits->max_body_bytes == sync::Limits{}.max_body_bytes);
    CHECK_FALSE(sync::limits_from_json({{"max_events_per_batch", 0}}));
}

// [SECTION] Backoff

TEST_CASE("nothing in sync/ includes the terminal's code: the uploader reaches the store through its outbox",
          "[sync][unit]")
{
    // An include is searched beside the file, then in sync/ and shared/ (the
    // include folders sync's libraries have); it must be found there, and
    // never be a header of terminal/ (store/local_store.h, say).
    const std::filesystem::path source(FEEDBACK_SOURCE_DIR);
    int includes = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(source / "sync")) {
        const auto extension = entry.path().extension();
        if (extension != ".h" && extension != ".cpp")
            continue;
        std::ifstream in(entry.path());
        std::string line;
        while (std::getline(in, line)) {
            if (!line.starts_with("#include \"") || line.find('"', 10) == std::string::npos)
                continue;
            const std::string included = line.substr(10, line.find('"', 10) - 10);
            ++includes;
            const bool found = std::filesystem::exists(entry.path().parent_path() / included) ||
                               std::filesystem::exists(source / "sync" / included) ||
                               std::filesystem::exists(source / "shared" / included);
            INFO(entry.path().string() + ": " + line);
            CHECK(found);
        }
    }
    CHECK(includes > 200);
}

TEST_CASE("error codes: one typed value on both ends, by the same wire name", "[sync][unit]")
{
    std::set<std::string_view> names;
    for (int n = static_cast<int>(sync::ErrorCode::bad_request); n <= static_cast<int>(sync::ErrorCode::bad_reference);
         ++n) {
        auto code = static_cast<sync::ErrorCode>(n);
        std::string_view name = sync::wire_name(code);
        CHECK(names.insert(name).second); // no two codes share a name
        CHECK(sync::error_code_from_wire(name) == code);
        // An error answer carries it as "error"; a coded Error keeps it through FEEDBACK_TRY.
        auto body = nlohmann::json::parse(sync::error_body(code, "words"));
        CHECK(body["error"] == std::string(name));
        CHECK(body["message"] == "words");
        Error error = sync::coded_error(ErrorKind::invalid_input, code, "words");
        CHECK(sync::error_code_of(error) == code);
        CHECK(error.message == "words");
    }
    CHECK(names.size() == 33);
    CHECK(sync::wire_name(sync::ErrorCode::batch_conflict) == "batch_conflict");
    CHECK_FALSE(sync::error_code_from_wire("a_newer_code"));
    CHECK_FALSE(sync::error_code_from_wire(""));
    CHECK_FALSE(sync::error_code_of(Error{ErrorKind::invalid_input, "malformed_json: words in a message"}));
}

TEST_CASE("a terminal's condition survives its header, and what does not fit is left out", "[sync][unit]")
{
    sync::DeviceCondition condition;
    condition.uptime_seconds = 3600;
    condition.restarts = 2;
    condition.last_exit = "killed SIGABRT";
    condition.disk_free_bytes = 400'000'000;
    condition.disk_total_bytes = 16'000'000'000;
    condition.store_bytes = 4'096'000;
    condition.bytes_written = 123'456;
    condition.os = "Debian GNU/Linux 12 (bookworm)";
    condition.screen = "1280x720";
    std::string header = sync::condition_to_header(condition);
    CHECK(header.size() <= sync::max_health_header_bytes);
    CHECK(sync::condition_from_header(header) == condition);

    // Control characters, long texts, negative or fractional numbers, other kinds: left out.
    auto odd = sync::condition_from_header(
        R"({"uptime_s":-1,"disk_free":1.5,"store_bytes":"12","os":"a\u001bb","screen":")" + std::string(81, 'x') +
        R"(","restarts":3})");
    REQUIRE(odd);
    CHECK_FALSE(odd->uptime_seconds);
    CHECK_FALSE(odd->disk_free_bytes);
    CHECK_FALSE(odd->store_bytes);
    CHECK(odd->os.empty());
    CHECK(odd->screen.empty());
    CHECK(odd->restarts == 3);
    CHECK_FALSE(sync::condition_from_header("[1,2]"));
    CHECK_FALSE(sync::condition_from_header("{" + std::string(2000, ' ') + "}"));
    CHECK(sync::fitted_text("caf\xC3\xA9\n" + std::string(100, 'y')).size() == 80);

    // What needs a person: under 500 MB or a tenth of the disk free, a clock off by over two minutes.
    hq::Device device;
    CHECK(hq::device_flags(device).empty());
    device.condition = condition; // 400 MB free
    CHECK(hq::device_flags(device) == std::vector<std::string>{"low_disk"});
    device.condition->disk_free_bytes = 1'500'000'000; // under a tenth of 16 GB
    CHECK(hq::device_flags(device) == std::vector<std::string>{"low_disk"});
    device.condition->disk_free_bytes = 8'000'000'000;
    CHECK(hq::device_flags(device).empty());
    device.clock_offset_ms = -150'000;
    CHECK(hq::device_flags(device) == std::vector<std::string>{"clock_off"});
    device.clock_offset_ms = 119'000;
    CHECK(hq::device_flags(device).empty());
    // A crash loop: three stops not asked for within the hour before the report.
    device.condition->restarts_last_hour = 2;
    CHECK(hq::device_flags(device).empty());
    device.condition->restarts_last_hour = 3;
    CHECK(hq::device_flags(device) == std::vector<std::string>{"crash_loop"});
}

TEST_CASE("backoff: full jitter under an exponential, capped ceiling, and Retry-After is a floor", "[sync][unit]")
{
    std::vector<uint32_t> bounds;
    sync::Backoff highest({std::chrono::milliseconds(100), std::chrono::milliseconds(1000)}, [&](uint32_t bound) {
        bounds.push_back(bound);
        return bound - 1;
    });
    CHECK(highest.next_delay() == std::chrono::milliseconds(100));
    CHECK(highest.next_delay() == std::chrono::milliseconds(200));
    CHECK(highest.next_delay() == std::chrono::milliseconds(400));
    CHECK(highest.next_delay() == std::chrono::milliseconds(800));
    CHECK(highest.next_delay() == std::chrono::milliseconds(1000));
    for (int i = 0; i < 100; ++i)
        CHECK(highest.next_delay() == std::chrono::milliseconds(1000)); // no overflow
    sync::Backoff lowest({std::chrono::milliseconds(100), std::chrono::milliseconds(1000)}, [](uint32_t) { return 0u; });
    CHECK(lowest.next_delay() == std::chrono::milliseconds(0));
    CHECK(lowest.next_delay(std::chrono::milliseconds(5000)) == std::chrono::milliseconds(5000));
    CHECK(lowest.failures() == 2);
    lowest.reset();
    CHECK(lowest.failures() == 0);

    sync::Backoff real({std::chrono::milliseconds(100), std::chrono::milliseconds(1000)});
    for (int i = 0; i < 50; ++i) {
        auto delay = real.next_delay();
        CHECK(delay >= std::chrono::milliseconds(0));
        CHECK(delay <= std::chrono::milliseconds(1000));
    }
}

TEST_CASE("Retry-After in seconds and as an HTTP date", "[sync][unit]")
{
    auto at = *parse_utc_iso8601("2015-10-21T07:28:00Z");
    CHECK(sync::parse_retry_after("120", at) == std::chrono::milliseconds(120000));
    CHECK(sync::parse_retry_after(" 0 ", at) == std::chrono::milliseconds(0));
    CHECK(sync::parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", at) == std::chrono::milliseconds(30000));
    CHECK(sync::parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", at) == std::chrono::milliseconds(0));
    CHECK_FALSE(sync::parse_retry_after("soon", at));
    CHECK_FALSE(sync::parse_retry_after("-5", at));
    CHECK_FALSE(sync::parse_retry_after("", at));
}

// [SECTION] Head office's storage

TEST_CASE("enrolment codes work once, expire, and give unique terminal codes", "[sync][unit][hq][storage]")
{
    const sql::Backend backend = each_backend();
    TempDir dir;
    hq::HqStore opened = open_hq(dir, backend);
    hq::HqStore* store = &opened;
    CHECK_FALSE(store->create_enrolment_code("ut", "x", now, 1000));
    auto first = store->create_enrolment_code("UTR", "Counter 1", now, 1000);
    auto second = store->create_enrolment_code("UTR", "Counter 2", now, 1000);
    auto late = store->create_enrolment_code("UTR", "Counter 3", now, 1000);
    REQUIRE(first);
    REQUIRE(second);
    REQUIRE(late);
    CHECK(first->code.size() == 11);

    std::string typed = first->code;
    std::transform(typed.begin(), typed.end(), typed.begin(), [](unsigned char c) { return std::tolower(c); });
    auto a = store->enrol(typed, make_uuid_v7(now), "0.1.0", now + 10); // read loosely
    REQUIRE(a);
    CHECK(a->terminal_code == "22");
    CHECK(a->token.size() == 64);
    auto reused = store->enrol(first->code, make_uuid_v7(now), "0.1.0", now + 10);
    REQUIRE_FALSE(reused);
    CHECK(reused.error().kind == ErrorKind::not_found);
    auto b = store->enrol(second->code, make_uuid_v7(now), "0.1.0", now + 10);
    REQUIRE(b);
    CHECK(b->terminal_code == "23");
    CHECK_FALSE(store->enrol(late->code, make_uuid_v7(now), "0.1.0", now + 1000)); // expired

    // Only the token's hash is stored.
    auto hashes = store->connection().query_texts("SELECT token_hash FROM devices");
    REQUIRE(hashes);
    for (const auto& hash : *hashes) {
        CHECK(hash != a->token);
        CHECK(hash != b->token);
    }
    REQUIRE(store->authenticate(a->token));
    REQUIRE(store->revoke(a->device_id, now + 20));
    auto refused = store->authenticate(a->token);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::conflict);
    CHECK_FALSE(store->authenticate("not a token"));

    // A revoked device comes back with a replacement code and keeps its
    // terminal code; a new one never reuses a code.
    auto again = store->create_enrolment_code("UTR", "Counter 1", now, 1000, a->device_id);
    REQUIRE(again);
    auto back = store->enrol(again->code, a->device_id, "0.1.0", now + 30);
    REQUIRE(back);
    CHECK(back->terminal_code == "22");
    REQUIRE(store->authenticate(back->token));
    CHECK_FALSE(store->authenticate(a->token));
}

TEST_CASE("a head office database from before replacement codes is migrated, its codes still good", "[sync][unit][hq]")
{
    TempDir dir;
    std::string issued;
    {
        auto store = hq::HqStore::open(dir.path(), hq::HqStore::Intent::create);
        REQUIRE(store);
        auto code = store->create_enrolment_code("UTR", "Counter 1", now, 3600 * 1000);
        REQUIRE(code);
        issued = code->code;
        // As the version before left it: the migrations from replacement
        // codes on undone, newest first (each later one is applied again too).
        REQUIRE(store->connection().query_int64("PRAGMA user_version").value() == 19);
        REQUIRE(store->connection().exec(
            std::string(testing::undo_migration_19) + testing::undo_migration_18 + testing::undo_migration_17 + testing::undo_migration_16 + "DROP TABLE dashboard_rating_reasons; DROP TABLE dashboard_nps_weeks; DROP TABLE dashboard_complaint_weeks; "
            "DROP TABLE dashboard_complaint_week_keys; "
            "DROP INDEX dashboard_complaints_unanswered; "
            "DROP INDEX dashboard_complaints_escalated; DROP INDEX dashboard_complaints_by_rank; DROP INDEX dashboard_complaints_by_store_rank; "
            "ALTER TABLE dashboard_complaints DROP COLUMN severity_rank; "
            "DROP TABLE erasures; DROP TABLE personal_events; DROP TABLE contact_keys; "
            "ALTER TABLE devices DROP COLUMN left_at; "
            "DROP TABLE device_screenshots; ALTER TABLE devices DROP COLUMN screenshot_requested_at; "
            "ALTER TABLE devices DROP COLUMN screenshot_taken_at; ALTER TABLE devices DROP COLUMN screenshot_received_at; "
            "ALTER TABLE devices DROP COLUMN condition; "
            "DROP INDEX dashboard_ratings_by_time; DROP INDEX dashboard_ratings_call_backs; "
            "DROP INDEX dashboard_ratings_with_reasons; DROP INDEX dashboard_complaints_by_opened; "
            "DROP INDEX dashboard_complaints_by_store; DROP INDEX dashboard_complaints_by_category; "
            "DROP INDEX dashboard_actions_by_planned; "
            "ALTER TABLE dashboard_ratings DROP COLUMN occurred_local; "
            "ALTER TABLE dashboard_complaints DROP COLUMN opened_local; "
            "ALTER TABLE dashboard_actions DROP COLUMN planned_local; "
            "CREATE INDEX dashboard_ratings_by_time ON dashboard_ratings(occurred_at, store_code, score, misuse); "
            "CREATE INDEX dashboard_ratings_call_backs ON dashboard_ratings(occurred_at) "
            "  WHERE contact_given = 1 AND score <= 6 AND misuse = 0; "
            "CREATE INDEX dashboard_complaints_by_opened ON dashboard_complaints(opened_at); "
            "CREATE INDEX dashboard_complaints_by_store ON dashboard_complaints(store_code, opened_at); "
            "CREATE INDEX dashboard_complaints_by_category ON dashboard_complaints(store_code, category, opened_at); "
            "CREATE INDEX dashboard_actions_by_planned ON dashboard_actions(planned_at); "
            "DROP TABLE alert_backlogs; DROP TABLE alerts_raised; DROP TABLE alert_choices; "
            "ALTER TABLE web_users DROP COLUMN email; "
            "DROP TABLE survey_tokens; DROP TABLE mail_outbox; DROP TABLE mail_cursor; "
            "DROP INDEX events_by_reference; DROP TABLE api_idempotency; DROP TABLE api_tokens; "
            "DROP TABLE web_user_stores; DROP TABLE dashboard_comment_search; "
            "ALTER TABLE dashboard_complaints DROP COLUMN resolution_working_ms; "
            "ALTER TABLE dashboard_complaints DROP COLUMN answer_working_ms; "
            "ALTER TABLE dashboard_complaints DROP COLUMN amount_cents; "
            "ALTER TABLE dashboard_complaints DROP COLUMN resolution; "
            "ALTER TABLE dashboard_complaints DROP COLUMN reopen_count; "
            "ALTER TABLE dashboard_complaints DROP COLUMN escalated; ALTER TABLE dashboard_complaints DROP COLUMN owner; "
            "ALTER TABLE dashboard_complaints DROP COLUMN severity; DROP TABLE hq_reference_codes; "
            "ALTER TABLE enrolment_codes DROP COLUMN replaces_device_id; PRAGMA user_version = 3"));
    }
    auto store = hq::HqStore::open(dir.path(), hq::HqStore::Intent::existing_only);
    REQUIRE(store);
    auto enrolled = store->enrol(issued, make_uuid_v7(now), "0.1.0", now + 10);
    REQUIRE(enrolled);
    auto replacement = store->create_enrolment_code("UTR", "Counter 1", now, 3600 * 1000, enrolled->device_id);
    REQUIRE(replacement);
    CHECK(replacement->replaces_device_id == enrolled->device_id);
    CHECK(store->enrol(replacement->code, enrolled->device_id, "0.1.0", now + 20));
}

TEST_CASE("ingest: one transaction per batch, duplicates by id, rejections per event, replay and conflict",
          "[sync][unit][hq][storage]")
{
    const sql::Backend backend = each_backend();
    TempDir dir;
    auto hq = enrolled_hq(dir, "UTR", backend);
    auto e1 = rating(hq.device.id, 1, 9);
    auto e2 = rating(hq.device.id, 2, 3);
    auto bad = rating(hq.device.id, 3, 11);
    std::string batch = make_uuid_v7(now);
    std::string body = batch_body(batch, {e1, e2, bad, e1});
    auto first = hq.store.ingest(hq.device, batch, body, 1000, {5, 4, "0.1.0", std::nullopt}, now);
    REQUIRE(first);
    CHECK(first->kind == hq::IngestKind::stored);
    CHECK(first->summary.accepted == 2);
    CHECK(first->summary.duplicate == 1); // the repeat inside the batch
    CHECK(first->summary.rejected == 1);
    CHECK(first->summary.results[2].reason.find("payload.score") != std::string::npos);
    CHECK(*hq.store.event_count() == 2);

    auto replay = hq.store.ingest(hq.device, batch, body, 1000, {}, now + 5);
    REQUIRE(replay);
    CHECK(replay->kind == hq::IngestKind::replayed);
    CHECK(replay->answer == first->answer);
    CHECK(*hq.store.event_count() == 2);

    auto conflict = hq.store.ingest(hq.device, batch, batch_body(batch, nlohmann::json::array({e2})), 1000, {}, now);
    REQUIRE_FALSE(conflict);
    CHECK(conflict.error().kind == ErrorKind::conflict);

    std::string again = make_uuid_v7(now);
    auto duplicates = hq.store.ingest(hq.device, again, batch_body(again, {e1, e2}), 1000, {}, now);
    REQUIRE(duplicates);
    CHECK(duplicates->summary.duplicate == 2);
    CHECK(*hq.store.event_count() == 2);

    std::string big = make_uuid_v7(now);
    auto too_many = hq.store.ingest(hq.device, big, batch_body(big, {e1, e2}), 1, {}, now);
    REQUIRE_FALSE(too_many);
    CHECK(sync::error_code_of(too_many.error()) == sync::ErrorCode::too_many_events);
    CHECK_FALSE(hq.store.ingest(hq.device, big, "{", 10, {}, now));
    CHECK_FALSE(hq.store.ingest(hq.device, big, batch_body(make_uuid_v7(now), {}), 10, {}, now));

    auto devices = hq.store.devices();
    REQUIRE(devices);
    CHECK((*devices)[0].events_received == 2);
    CHECK((*devices)[0].clock_offset_ms == 5);
    CHECK((*devices)[0].last_backlog == 4);

    int exported = 0;
    REQUIRE(hq.store.for_each_event(std::nullopt, [&](const std::string&) { ++exported; }));
    CHECK(exported == 2);
    exported = 0;
    REQUIRE(hq.store.for_each_event(now + 1, [&](const std::string&) { ++exported; }));
    CHECK(exported == 0);
}

TEST_CASE("the same batch through two connections at the same moment is stored once, and both answer alike",
          "[sync][unit][hq][storage]")
{
    // Two head-office processes on one database (PostgreSQL), or two
    // connections to hq.db (SQLite), handed the same batch at once.
    const sql::Backend backend = each_backend();
    TempDir dir;
    auto hq = enrolled_hq(dir, "UTR", backend);
    auto other_process = hq::HqStore::open(dir.path(), hq::HqStore::Intent::existing_only);
    REQUIRE(other_process);
    constexpr int rounds = 20;
    constexpr int events_per_batch = 50;
    for (int round = 0; round < rounds; ++round) {
        std::string batch = make_uuid_v7(now);
        nlohmann::json events = nlohmann::json::array();
        for (int i = 0; i < events_per_batch; ++i)
            events.push_back(rating(hq.device.id, round * events_per_batch + i + 1, i % 11));
        auto checked = hq::check_batch(hq.device, batch, batch_body(batch, events), 1000);
        REQUIRE(checked);
        std::latch both_ready(2);
        Result<hq::IngestResult> first = Error{ErrorKind::internal, "not run"};
        Result<hq::IngestResult> second = Error{ErrorKind::internal, "not run"};
        std::thread one([&] {
            both_ready.arrive_and_wait();
            first = hq.store.store_batch(hq.device, *checked, {}, now);
        });
        std::thread two([&] {
            both_ready.arrive_and_wait();
            second = other_process->store_batch(hq.device, *checked, {}, now);
        });
        one.join();
        two.join();
        INFO((first ? "" : first.error().message) << (second ? "" : second.error().message));
        REQUIRE(first);
        REQUIRE(second);
        CHECK(first->answer == second->answer);
        // One stored it, the other found it stored and replayed that answer.
        CHECK((first->kind == hq::IngestKind::stored) != (second->kind == hq::IngestKind::stored));
        CHECK(first->summary.accepted == events_per_batch);
    }
    CHECK(*hq.store.event_count() == rounds * events_per_batch);
    CHECK(*other_process->event_count() == rounds * events_per_batch);
}

TEST_CASE("the feed relays other devices' events of the same store without personal data",
          "[sync][unit][hq][storage]")
{
    const sql::Backend backend = each_backend();
    TempDir dir;
    auto hq = enrolled_hq(dir, "UTR", backend);
    auto code = hq.store.create_enrolment_code("UTR", "Counter 2", now, 3600 * 1000);
    auto other_enrolled = hq.store.enrol(code->code, make_uuid_v7(now), "0.1.0", now);
    REQUIRE(other_enrolled);
    auto other = *hq.store.authenticate(other_enrolled->token);

    std::string complaint = make_uuid_v7(now);
    nlohmann::json opened{{"v", 1}, {"id", make_uuid_v7(now)}, {"type", "complaint.opened"}, {"subject", complaint},
                          {"occurred_at", now}, {"actor", "staff:anna"}, {"device_id", other.id}, {"seq", 1},
                          {"payload", {{"channel", "walk_in"}, {"category", "product"}, {"description", "Lekt"},
                                       {"customer_wish", "Nieuw"}, {"reference", make_refcode("UTR", "23", 0)},
                                       {"contact", {{"consent", true}, {"phone", "0612345678"}}}}}};
    std::string batch = make_uuid_v7(now);
    auto ingested = hq.store.ingest(other, batch, batch_body(batch, {opened, rating(other.id, 2, 8)}), 1000, {}, now);
    REQUIRE(ingested);
    REQUIRE(ingested->summary.accepted == 2);

    auto page = hq.store.feed(hq.device, 0, 1);
    REQUIRE(page);
    REQUIRE(page->events.size() == 1);
    CHECK(page->more);
    CHECK_FALSE(page->events[0]["payload"].contains("contact"));
    auto rest = hq.store.feed(hq.device, page->cursor, 10);
    REQUIRE(rest);
    CHECK(rest->events.size() == 1);
    CHECK_FALSE(rest->more);
    auto own = hq.store.feed(other, 0, 10);
    REQUIRE(own);
    CHECK(own->events.empty()); // a device is not sent its own events

    auto state = hq.store.complaint_state(complaint);
    REQUIRE(state);
    CHECK(state->status == ComplaintStatus::open);
}

TEST_CASE("configuration documents are versioned per store with a default", "[sync][unit][hq][storage]")
{
    const sql::Backend backend = each_backend();
    TempDir dir;
    auto hq = enrolled_hq(dir, "UTR", backend);
    auto none = hq.store.config_for("UTR");
    REQUIRE(none);
    CHECK_FALSE(*none);
    REQUIRE(hq.store.publish_config("default", {{"store_name", "any"}}, now));
    auto general = hq.store.config_for("UTR");
    REQUIRE(general);
    CHECK((*general)->etag() == "\"default-1\"");
    REQUIRE(hq.store.publish_config("UTR", {{"store_name", "Utrecht"}}, now));
    REQUIRE(hq.store.publish_config("UTR", {{"store_name", "Utrecht Centrum"}}, now));
    auto specific = hq.store.config_for("UTR");
    REQUIRE(specific);
    CHECK((*specific)->version == 2);
    CHECK((*specific)->document["store_name"] == "Utrecht Centrum");
    CHECK_FALSE(hq.store.publish_config("nope", {}, now));
}

TEST_CASE("the rate limiter allows a burst, then asks to wait", "[sync][unit][hq]")
{
    hq::RateLimiter limiter("test", 2, 3);
    auto t = std::chrono::steady_clock::now();
    CHECK_FALSE(limiter.take("a", t));
    CHECK_FALSE(limiter.take("a", t));
    CHECK_FALSE(limiter.take("a", t));
    auto wait = limiter.take("a", t);
    REQUIRE(wait);
    CHECK(*wait == 1);
    CHECK_FALSE(limiter.take("b", t)); // per device
    CHECK_FALSE(limiter.take("a", t + std::chrono::milliseconds(600)));
}

TEST_CASE("the rate limiter forgets keys whose bucket is full again, so many addresses cost no lasting memory",
          "[sync][unit][hq]")
{
    hq::RateLimiter limiter("test", 1, 2);
    auto t = std::chrono::steady_clock::now();
    for (int i = 0; i < 5000; ++i)
        CHECK_FALSE(limiter.take("10.0." + std::to_string(i), t));
    CHECK(limiter.keys() == 5000); // all recent: each bucket has one token left of two
    // Two seconds on those buckets are full again; when the map has grown
    // to twice what the last look left, they are forgotten.
    auto later = t + std::chrono::seconds(2);
    for (int i = 0; i < 4000; ++i)
        CHECK_FALSE(limiter.take("10.1." + std::to_string(i), later));
    CHECK(limiter.keys() == 4000);
    // A busy key is remembered: its bucket is not full.
    CHECK_FALSE(limiter.take("busy", later));
    CHECK_FALSE(limiter.take("busy", later));
    CHECK(limiter.take("busy", later));
    limiter.configure(1000, 1000);
    CHECK_FALSE(limiter.take("busy", later)); // new rates, buckets start full
}

TEST_CASE("writers take turns on SQLite and wait for nobody on PostgreSQL", "[sync][unit][hq]")
{
    // Whether a second writer got its turn while a first one held its own.
    auto second_writer_went_ahead = [](hq::WriterTurns& turns) {
        auto first = turns.take();
        std::atomic<bool> went = false;
        std::thread second([&] {
            auto turn = turns.take();
            went = true;
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const bool went_ahead = went;
        first = {}; // the first writer's turn ends: the second one goes
        second.join();
        CHECK(went);
        return went_ahead;
    };
    hq::WriterTurns on_sqlite(sql::Backend::sqlite);
    CHECK(on_sqlite.take().owns_lock());
    CHECK_FALSE(second_writer_went_ahead(on_sqlite));
    hq::WriterTurns on_postgresql(sql::Backend::postgresql);
    CHECK_FALSE(on_postgresql.take().owns_lock());
    CHECK(second_writer_went_ahead(on_postgresql));
}

// [SECTION] The terminal store's side

TEST_CASE("remote events are applied once, with the cursor, in one transaction", "[sync][unit][store]")
{
    TempDir dir;
    auto store = store::LocalStore::open(dir.path());
    REQUIRE(store);
    std::string other_device = make_uuid_v7(now);
    std::string complaint = make_uuid_v7(now);
    std::string reference = make_refcode("UTR", "23", 0);
    Event opened;
    opened.id = make_uuid_v7(now);
    opened.type = EventType::complaint_opened;
    opened.subject = complaint;
    opened.occurred_at_ms = now;
    opened.actor = "staff:bob";
    opened.device_id = other_device;
    opened.device_seq = 1;
    opened.payload = {{"channel", "phone"}, {"category", "service"}, {"description", "Niet teruggebeld"},
                      {"customer_wish", "Bellen"}, {"reference", reference}};
    REQUIRE(validate_event(opened).empty());
    std::vector<Event> events{opened};
    auto applied = store->apply_remote_events(events, "17", now);
    REQUIRE(applied);
    CHECK(applied->inserted == 1);
    auto repeated = store->apply_remote_events(events, "18", now);
    REQUIRE(repeated);
    CHECK(repeated->already_present == 1);
    REQUIRE_FALSE(reference.empty());
    CHECK(*store->sync_state("feed_cursor") == std::optional<std::string>("18"));
    auto open = store->open_complaints();
    REQUIRE(open);
    REQUIRE(open->size() == 1);
    CHECK((*open)[0].reference == reference);
    CHECK(*store->outbox_size() == 0); // remote events are never uploaded back
    auto found = store->find_complaint(reference);
    REQUIRE(found);
    auto acted = store->record({EventType::complaint_acknowledged, complaint, "staff:anna", nlohmann::json::object(), {}},
                               now + 1000);
    REQUIRE(acted);
    CHECK(*store->outbox_size() == 1);
}

TEST_CASE("a certificate's fingerprint for people is the start of its SHA-256, as openssl computes it",
          "[sync][setup]")
{
    TempDir temp;
    const auto key = temp.path() / "ca.key";
    const auto certificate = temp.path() / "ca.pem";
    auto made = feedback::testing::run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                                "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.string(), "-out",
                                                certificate.string(), "-days", "2", "-subj", "/CN=Test CA"});
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    auto openssl = feedback::testing::run_process(
        {"/usr/bin/openssl", "x509", "-in", certificate.string(), "-noout", "-fingerprint", "-sha256"});
    REQUIRE(openssl.exit_code == 0);
    // "sha256 Fingerprint=AB:CD:..." -> "ABCD-..."
    std::string hex;
    for (char c : openssl.out.substr(openssl.out.find('=') + 1))
        if (std::isxdigit(static_cast<unsigned char>(c)))
            hex += c;
    REQUIRE(hex.size() == 64);
    const std::string expected =
        hex.substr(0, 4) + "-" + hex.substr(4, 4) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4);
    std::ifstream in(certificate);
    std::stringstream pem;
    pem << in.rdbuf();
    auto fingerprint = crypto::certificate_fingerprint(pem.str());
    REQUIRE(fingerprint);
    CHECK(*fingerprint == expected);
    CHECK_FALSE(crypto::certificate_fingerprint("-----BEGIN CERTIFICATE-----\nnonsense\n-----END CERTIFICATE-----\n"));
    CHECK_FALSE(crypto::certificate_fingerprint(""));
}

TEST_CASE("a device that leaves its store is revoked, head office notes the shop did it",
          "[sync][unit][hq][leave][storage]")
{
    const sql::Backend backend = each_backend();
    TempDir dir;
    auto hq = enrolled_hq(dir, "UTR", backend);
    auto other = hq.store.create_enrolment_code("UTR", "Counter 2", now, 3600 * 1000);
    REQUIRE(other);
    auto second = hq.store.enrol(other->code, make_uuid_v7(now + 1), "0.1.0", now);
    REQUIRE(second);
    REQUIRE(hq.store.leave(hq.device.id, now + 100));
    auto devices = hq.store.devices();
    REQUIRE(devices);
    REQUIRE(devices->size() == 2);
    for (const auto& device : *devices) {
        INFO(device.id);
        if (device.id == hq.device.id) {
            CHECK(device.left_at == now + 100);
            CHECK(device.revoked_at == now + 100);
        } else {
            CHECK_FALSE(device.left_at);
            CHECK_FALSE(device.revoked_at);
        }
    }
    auto left = hq.store.leave(hq.device.id, now + 200);
    REQUIRE_FALSE(left);
    CHECK(left.error().kind == ErrorKind::conflict);
    // A revoked device cannot leave (it is gone already); the other still works.
    REQUIRE(hq.store.revoke(second->device_id, now + 300));
    CHECK_FALSE(hq.store.leave(second->device_id, now + 400));
    CHECK(hq.store.device(second->device_id)->left_at == std::nullopt);
}

TEST_CASE("a terminal that left its store empties its data folder, the marker last", "[sync][unit][leave]")
{
    TempDir dir;
    const auto data = dir.path() / "data";
    std::filesystem::create_directories(data / "screenshots");
    for (const char* name : {"events.db", "events.db-wal", "hq-ca.pem", "config.json", "screenshots/one.png"})
        std::ofstream(data / name) << "x";
    CHECK_FALSE(sync::has_left_store(data));
    std::ofstream(data / sync::left_store_marker_name) << "left\n";
    CHECK(sync::has_left_store(data));
    REQUIRE(sync::empty_data_folder(data));
    CHECK(std::filesystem::exists(data));
    CHECK(std::filesystem::is_empty(data));
    CHECK_FALSE(sync::has_left_store(data));
}

TEST_CASE("setup files and typed head-office addresses are read strictly", "[sync][setup]")
{
    CHECK(*sync::normalise_server_address("hq.example.nl:8443") == "https://hq.example.nl:8443");
    CHECK(*sync::normalise_server_address("  HTTPS://hq.example.nl/ ") == "https://hq.example.nl");
    CHECK(*sync::normalise_server_address("127.0.0.1:8443") == "https://127.0.0.1:8443");
    for (const char* bad : {"", "   ", "http://hq.example.nl", "ftp://hq", "https://", "hq.example.nl/path", "hq example"}) {
        INFO(bad);
        CHECK_FALSE(sync::normalise_server_address(bad));
    }

    const sync::SetupFile written{"https://hq.example.nl:8443", "ABCDE-FGHJK", "UTR", "Counter 2",
                                  1'800'000'000'000, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"};
    auto read = sync::parse_setup_file(sync::to_json_text(written));
    REQUIRE(read);
    CHECK(read->server_url == written.server_url);
    CHECK(read->code == written.code);
    CHECK(read->store_code == "UTR");
    CHECK(read->terminal_name == "Counter 2");
    CHECK(read->expires_at_ms == written.expires_at_ms);
    CHECK(read->ca_certificate == written.ca_certificate);

    auto with = [&](const std::string& key, const nlohmann::json& value) {
        auto json = nlohmann::json::parse(sync::to_json_text(written));
        if (value.is_null())
            json.erase(key);
        else
            json[key] = value;
        return sync::parse_setup_file(json.dump());
    };
    CHECK(with("format", "feedback-setup/2").error().message.find("format") != std::string::npos);
    CHECK(with("server", "http://hq").error().message.find("server") != std::string::npos);
    CHECK(with("code", nullptr).error().message == "code: missing");
    CHECK(with("code", "").error().message == "code: empty");
    CHECK(with("expires_at", "tomorrow").error().message.find("expires_at") != std::string::npos);
    CHECK(with("ca_certificate", "not a certificate").error().message.find("ca_certificate") != std::string::npos);
    CHECK(with("store", 7).error().message == "store: must be a string");
    CHECK_FALSE(sync::parse_setup_file("not json"));
    // Without a CA of its own, head office is trusted by the system's store.
    auto public_ca = with("ca_certificate", nullptr);
    REQUIRE(public_ca);
    CHECK(public_ca->ca_certificate.empty());

    TempDir temp;
    std::filesystem::create_directories(temp.path() / "media" / "anna" / "STICK");
    std::filesystem::create_directories(temp.path() / "media" / "deep" / "a" / "b");
    std::ofstream(temp.path() / "media" / "deep" / "a" / "b" / "feedback-setup.json") << "{}";
    CHECK_FALSE(sync::find_setup_file({temp.path() / "media", temp.path() / "missing"}));
    std::ofstream(temp.path() / "media" / "anna" / "STICK" / "feedback-setup.json") << "{}";
    CHECK(sync::find_setup_file({temp.path() / "missing", temp.path() / "media"}) ==
          temp.path() / "media" / "anna" / "STICK" / "feedback-setup.json");
}
