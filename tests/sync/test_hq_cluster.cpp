// Head office as several processes on one PostgreSQL database (issue 14):
// two real `feedback-hq serve` processes on this test's private PostgreSQL
// cluster (support/postgres_cluster.h), behind Debian's haproxy running the
// documented configuration (platform/reverse-proxy/haproxy-feedback-hq.cfg),
// with real terminals uploading through it. A process killed mid-batch while
// the other goes on, PostgreSQL restarted during uploads, the same batch at
// both processes at the same moment, /v1/health for the load balancer, and
// the dashboard's figures fresh on every process without a page asking.
#include "client/credentials.h"
#include "client/http_client.h"
#include "client/outbox.h"
#include "client/sync_session.h"
#include "common/protocol.h"
#include "domain/clock.h"
#include "store/local_store.h"
#include "support/postgres_cluster.h"
#include "support/sql_backends.h"
#include "support/temp_dir.h"
#include "sync/haproxy_front.h"
#include "sync/sync_support.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <future>
#include <set>
#include <thread>

using namespace feedback;
using namespace feedback::testing;
using namespace std::chrono_literals;

namespace {

// Head office on PostgreSQL: a database of its own in the private cluster,
// and two processes of it. Batches of 100 events, so an upload is many
// requests; haproxy on loopback is trusted to name the client.
struct Office {
    SqlBackends databases;
    std::string url = databases.new_database(sql::Backend::postgresql);
    TempDir temp;
    HqProcess first{temp.path() / "hq1",
                    {{"limits", {{"max_events_per_batch", 100}}}, {"connections", {{"trusted_proxies", {"127.0.0.1"}}}}},
                    {"--database", url}};
    HqProcess second{first, temp.path() / "hq2"};

    std::unique_ptr<sql::Connection> database()
    {
        auto opened = sql::open_postgresql(url);
        REQUIRE(opened);
        return std::move(*opened);
    }
};

// `sync --once` again until the terminal has nothing left to send (a run
// may give up while head office or its database is away).
void sync_until_sent(TerminalDir& terminal)
{
    for (int attempt = 0; attempt < 5; ++attempt) {
        auto done = terminal.sync_once();
        if (done.exit_code == 0 && terminal.status()["unsent_backlog"] == 0)
            return;
        std::this_thread::sleep_for(1s);
    }
    FAIL("the terminal could not send its backlog: " << terminal.status().dump());
}

// The events head office holds: every id exactly once, in the export.
std::multiset<std::string> exported_ids(HqProcess& hq)
{
    std::multiset<std::string> ids;
    for (const auto& event : hq.export_jsonl())
        ids.insert(event.at("id").get<std::string>());
    return ids;
}

// A terminal's store enrolled at the first process, with its credentials,
// for tests that send requests of their own.
struct Counter {
    explicit Counter(HqProcess& hq) : store(opened(dir))
    {
        sync::init_transport();
        REQUIRE(sync::enrol(dir.path(), store, hq.url(), hq.enrol_code("UTR", "Counter 1"), hq.ca_file().string(), {}));
        auto loaded = sync::load_credentials(dir.path());
        REQUIRE(loaded);
        REQUIRE(*loaded);
        credentials = **loaded;
    }

    static store::LocalStore opened(const TempDir& in)
    {
        auto store = store::LocalStore::open(in.path());
        REQUIRE(store);
        return std::move(*store);
    }

    TempDir dir;
    store::LocalStore store;
    sync::Credentials credentials;

    Result<sync::HttpResponse> send(const HqProcess& hq, std::string method, const std::string& path,
                                    std::vector<std::pair<std::string, std::string>> headers = {},
                                    std::string body = {})
    {
        sync::HttpClient http({credentials.ca_file});
        headers.emplace_back("Authorization", "Bearer " + credentials.token);
        return http.perform({std::move(method), hq.url() + path, std::move(headers), std::move(body)});
    }
};

} // namespace

TEST_CASE("two processes behind haproxy: one killed mid-batch, then PostgreSQL restarted, every event stored once",
          "[sync][cluster]")
{
    Office office;
    HaproxyFront front(office.temp.path() / "haproxy", office.first, office.second);

    constexpr int terminals = 3;
    constexpr int ratings_each = 1500;
    std::vector<std::unique_ptr<TerminalDir>> counters;
    std::set<std::string> recorded;
    for (int i = 1; i <= terminals; ++i) {
        auto terminal = std::make_unique<TerminalDir>(office.temp.path() / ("t" + std::to_string(i)));
        auto enrolled = terminal->run({"enroll", "--server", front.url(), "--code",
                                       office.first.enrol_code("UTR", "Counter " + std::to_string(i)), "--ca",
                                       office.first.ca_file().string()});
        INFO(enrolled.out << enrolled.err);
        REQUIRE(enrolled.exit_code == 0);
        auto printed = terminal->record(rating_lines(ratings_each));
        REQUIRE(printed.exit_code == 0);
        auto ids = printed_ids(printed);
        recorded.insert(ids.begin(), ids.end());
        counters.push_back(std::move(terminal));
    }
    REQUIRE(recorded.size() == size_t{terminals * ratings_each});

    std::vector<std::unique_ptr<ChildProcess>> uploads;
    for (const auto& terminal : counters)
        uploads.push_back(std::make_unique<ChildProcess>(
            std::vector<std::string>{FEEDBACK_TERMINAL_BINARY, "sync", "--data-dir", terminal->dir().string(),
                                     "--once"}));
    // Kill the first process once both have taken batches, in the middle of the uploads.
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while ((count_of(office.first.log(), "POST /v1/batches 200") < 3 ||
            count_of(office.second.log(), "POST /v1/batches 200") < 3) &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(2ms);
    office.first.kill_now();
    const int second_before = count_of(office.second.log(), "POST /v1/batches 200");
    // The other goes on: it takes batches while the first is gone.
    deadline = std::chrono::steady_clock::now() + 60s;
    while (count_of(office.second.log(), "POST /v1/batches 200") < second_before + 5 &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    CHECK(count_of(office.second.log(), "POST /v1/batches 200") >= second_before + 5);
    // Then the database goes away under the uploads and comes back.
    office.databases.cluster().restart();
    office.first.restart();
    for (auto& upload : uploads)
        upload->wait(); // finished, or gave up while something was away
    for (auto& terminal : counters)
        sync_until_sent(*terminal);

    auto stored = exported_ids(office.second);
    CHECK(stored.size() == recorded.size()); // none doubled
    CHECK(std::set<std::string>(stored.begin(), stored.end()) == recorded); // none lost
    auto db = office.database();
    CHECK(*db->query_int64("SELECT count(*) FROM events") == terminals * ratings_each);
    for (auto& terminal : counters) {
        CHECK(terminal->status()["unsent_backlog"] == 0);
        CHECK(terminal->status()["quarantined"] == 0);
    }
    // Both processes served uploads through haproxy.
    CHECK(count_of(office.second.log(), "POST /v1/batches 200") > 0);
}

TEST_CASE("the same batch at both processes at the same moment is stored once, and both answer the same",
          "[sync][cluster]")
{
    Office office;
    auto counter = std::make_unique<Counter>(office.first);
    for (int round = 0; round < 10; ++round) {
        for (int i = 0; i < 50; ++i)
            REQUIRE(counter->store.record({EventType::nps_rated, "", "kiosk",
                                           {{"score", i % 11}, {"survey_version", 1}, {"locale", "nl"}}, {}},
                                          now_utc_ms()));
        auto batch = counter->store.freeze_batch(100, now_utc_ms());
        REQUIRE(batch);
        REQUIRE(*batch);
        auto post = [&](const HqProcess& hq) {
            return counter->send(hq, "POST", "/v1/batches",
                                 {{"Idempotency-Key", (*batch)->batch_id}, {"Content-Type", "application/json"}},
                                 (*batch)->body);
        };
        auto at_first = std::async(std::launch::async, post, std::cref(office.first));
        auto at_second = std::async(std::launch::async, post, std::cref(office.second));
        auto first = at_first.get();
        auto second = at_second.get();
        REQUIRE(first);
        REQUIRE(second);
        INFO(first->body << "\n" << second->body);
        CHECK(first->status == 200);
        CHECK(second->status == 200);
        CHECK(first->body == second->body);
        // One of them stored it, the other replayed the stored answer.
        CHECK((first->header("feedback-replayed") == "true") != (second->header("feedback-replayed") == "true"));
        CHECK(first->body.find("\"accepted\":50") != std::string::npos);
        // Done with: the next round freezes a new batch.
        std::vector<sync::EventAck> acks;
        for (const std::string& id : (*batch)->event_ids)
            acks.push_back({id, sync::AckOutcome::accepted, {}});
        REQUIRE(counter->store.acknowledge_batch((*batch)->batch_id, acks, now_utc_ms()));
    }
    auto db = office.database();
    CHECK(*db->query_int64("SELECT count(*) FROM events") == 500);
    CHECK(*db->query_int64("SELECT count(*) FROM batches") == 10);
}

TEST_CASE("a terminal's rate limit holds across the processes, not once per process", "[sync][cluster]")
{
    Office office;
    // 1 request a second, 5 at once: hq.json is read at start.
    office.first.stop_with_sigterm();
    office.second.stop_with_sigterm();
    for (const HqProcess* hq : {&office.first, &office.second}) {
        auto settings = nlohmann::json::parse(read_text(hq->dir() / "hq.json"));
        settings["limits"]["rate_per_second"] = 1.0;
        settings["limits"]["rate_burst"] = 5.0;
        std::ofstream(hq->dir() / "hq.json") << settings.dump(2);
    }
    office.first.start();
    office.second.start();
    auto counter = std::make_unique<Counter>(office.first);
    int allowed = 0;
    int refused = 0;
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) {
        auto answer = counter->send(i % 2 == 0 ? office.first : office.second, "GET", "/v1/feed");
        REQUIRE(answer);
        if (answer->status == 429) {
            ++refused;
            CHECK(std::stoi(answer->header("retry-after")) >= 1);
        } else {
            CHECK(answer->status == 200);
            ++allowed;
        }
    }
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    INFO(allowed << " allowed, " << refused << " refused in " << seconds << " s");
    // The burst of 5 and one a second since, once for both processes (each
    // counting for itself would allow 10 at once).
    CHECK(allowed >= 5);
    CHECK(allowed <= 5 + static_cast<int>(seconds) + 1);
    CHECK(allowed < 10);
}

TEST_CASE("GET /v1/health is 503 while PostgreSQL is away and 200 once it is back, with nothing restarted",
          "[sync][cluster]")
{
    Office office;
    sync::init_transport();
    sync::HttpClient http({office.first.ca_file().string()});
    auto health = [&] {
        auto answer = http.perform({"GET", office.first.url() + "/v1/health", {}, {}});
        REQUIRE(answer);
        return *answer;
    };
    CHECK(health().status == 200);
    office.databases.cluster().stop();
    auto away = health();
    CHECK(away.status == 503);
    CHECK(away.body.find("postgres") == std::string::npos); // says nothing about the database
    office.databases.cluster().start();
    // The pooled connection was cut: the first check after may still find
    // that out; the next opens a new one.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    long status = 0;
    while ((status = health().status) != 200 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(100ms);
    CHECK(status == 200);
}

TEST_CASE("an upload through one process is in the figures of the other within 5 s, without a page asking",
          "[sync][cluster]")
{
    Office office;
    TerminalDir terminal(office.temp.path() / "t1");
    REQUIRE(terminal.enroll(office.first, office.first.enrol_code("UTR", "Counter 1")).exit_code == 0);
    auto db = office.database();
    for (int round = 1; round <= 3; ++round) {
        REQUIRE(terminal.record(rating_lines(20)).exit_code == 0);
        auto sent = terminal.sync_once(); // to the first process only
        INFO(sent.out << sent.err);
        REQUIRE(sent.exit_code == 0);
        const auto answered = std::chrono::steady_clock::now();
        const int64_t newest = *db->query_int64("SELECT max(seq) FROM events");
        // No page is asked for: the projectors keep the read model by themselves.
        while (*db->query_int64("SELECT last_seq FROM dashboard_cursor") < newest &&
               std::chrono::steady_clock::now() < answered + 5s)
            std::this_thread::sleep_for(10ms);
        const auto took = std::chrono::steady_clock::now() - answered;
        INFO("round " << round << ": "
                      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
        CHECK(took < 5s);
        CHECK(*db->query_int64("SELECT count(*) FROM dashboard_ratings") == 20 * round);
    }

    // And the other process's dashboard shows them.
    REQUIRE(add_dashboard_user(office.second, "kwaliteit", "admin", "a long enough password 1").exit_code == 0);
    WebClient browser(office.second);
    REQUIRE(browser.login("kwaliteit", "a long enough password 1").status == 303);
    auto overview = browser.get("/overview"); // the last twelve weeks, today included
    CHECK(overview.status == 200);
    // rating_lines(20) scores 0-10 then 0-8: 2 promoters, 4 passives, 14 detractors a round.
    const bool dutch = overview.body.find("promotors") != std::string::npos;
    INFO(overview.body.substr(0, 6000));
    CHECK(overview.body.find(dutch ? "6 promotors, 12 passieven, 42 criticasters (60 beoordelingen)"
                                   : "6 promoters, 12 passives, 42 detractors (60 ratings)") != std::string::npos);
}

TEST_CASE("through haproxy a browser stays with one process: a complaint registered on the dashboard shows its "
          "status link once",
          "[sync][cluster]")
{
    Office office;
    HaproxyFront front(office.temp.path() / "haproxy", office.first, office.second);
    TerminalDir terminal(office.temp.path() / "t1"); // a store the dashboard knows
    REQUIRE(terminal.enroll(office.first, office.first.enrol_code("UTR", "Counter 1")).exit_code == 0);
    REQUIRE(add_dashboard_user(office.first, "max", "admin", "a long enough password 1").exit_code == 0);
    for (int attempt = 0; attempt < 4; ++attempt) { // each a new browser, wherever haproxy sends it first
        WebClient max(front.port(), office.first.ca_file());
        REQUIRE(max.login("max", "a long enough password 1").status == 303);
        REQUIRE(max.get("/complaints/new").status == 200);
        WebClient::Fields fields{{"csrf", max.csrf()},       {"store", "UTR"},
                                 {"channel", "phone"},       {"category", "delivery"},
                                 {"severity", "normal"},     {"received_date", "2026-12-04"},
                                 {"received_time", "16:00"}, {"description", "De bank is beschadigd bezorgd."},
                                 {"customer_wish", "Een nieuwe bank"}};
        auto registered = max.post_multipart("/complaints/new", fields);
        INFO(registered.body);
        REQUIRE(registered.status == 303);
        auto confirmation = max.get(registered.header("location"));
        CHECK(confirmation.status == 200);
        CHECK(confirmation.body.find("id=\"status-link\"") != std::string::npos);
    }
    // Both processes served the dashboard's browsers.
    CHECK(count_of(office.first.log(), "POST /complaints/new 303") +
              count_of(office.second.log(), "POST /complaints/new 303") ==
          4);
}
