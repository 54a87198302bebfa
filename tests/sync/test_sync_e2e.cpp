// End-to-end sync over real HTTPS on loopback: the real feedback-hq serve
// process (certificates from feedback-hq init) and the real feedback-terminal
// binary; head office's export is the proof of exactly once.
#include "client/credentials.h"
#include "client/http_client.h"
#include "client/sync_session.h"
#include "client/uploader.h"
#include "common/protocol.h"
#include "domain/clock.h"
#include "domain/ids.h"
#include "hq/hq_store.h"
#include "hq_contents.h"
#include "store/local_store.h"
#include "support/sql_backends.h"
#include "support/temp_dir.h"
#include "sync_support.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sys/stat.h>
#include <thread>

using namespace feedback;
using namespace feedback::testing;

namespace {

std::string reference_of(const Finished& recorded)
{
    for (const auto& line : lines_of(recorded.out))
        if (line.rfind("reference ", 0) == 0)
            return line.substr(10, line.find(' ', 10) - 10);
    return {};
}

const std::string complaint_with_contact =
    R"({"type":"complaint.opened","actor":"staff:anna","channel":"walk_in","category":"product",)"
    R"("description":"Waterkoker lekt","customer_wish":"Een nieuwe","contact":{"consent":true,"phone":"+31 6 1234 5678"}})";

} // namespace

TEST_CASE("enrol, record, sync: head office's export holds every event exactly once", "[sync][e2e]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir terminal(temp.path() / "t1");

    auto before = terminal.record(rating_lines(40));
    REQUIRE(before.exit_code == 0);
    auto enrolled = terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1"));
    INFO(enrolled.err);
    REQUIRE(enrolled.exit_code == 0);
    CHECK(enrolled.out.find("enrolled as terminal UTR-22") != std::string::npos);
    struct stat info {};
    REQUIRE(stat((terminal.dir() / sync::credentials_file_name).c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);

    auto after = terminal.record(rating_lines(1500));
    REQUIRE(after.exit_code == 0);
    auto complaint = terminal.record({complaint_with_contact});
    REQUIRE(complaint.exit_code == 0);
    CHECK(reference_of(complaint).rfind("UTR-22-", 0) == 0); // the codes head office assigned

    auto synced = terminal.sync_once();
    INFO(synced.out << synced.err);
    REQUIRE(synced.exit_code == 0);
    CHECK(synced.out.find("backlog 0") != std::string::npos);

    std::set<std::string> recorded = printed_ids(before);
    for (const auto& id : printed_ids(after))
        recorded.insert(id);
    for (const auto& id : printed_ids(complaint))
        recorded.insert(id);
    auto exported = hq.export_jsonl();
    CHECK(exported.size() == recorded.size());
    CHECK(event_ids(exported) == recorded);
    // Head office keeps the contact, sealed; exports leave it out.
    CHECK_FALSE(exported.back()["payload"].contains("contact"));
    CHECK(stored_contact(hq.dir(), exported.back()["subject"])["phone"] == "+31 6 1234 5678");

    // Two stops systemd did not ask for, noted by the kiosk's stop hook.
    CHECK(terminal.run({"note-exit", "--result", "watchdog", "--code", "killed", "--status", "ABRT"}).exit_code == 0);
    auto noted = terminal.run({"note-exit", "--result", "exit-code", "--code", "exited", "--status", "1"});
    CHECK(noted.out == "noted: exit-code (exited 1); 2 stops not asked for so far\n");

    // Nothing left: a second sync sends nothing and the export is unchanged.
    auto again = terminal.sync_once();
    CHECK(again.exit_code == 0);
    CHECK(again.out.find("uploaded 0 batches") != std::string::npos);
    CHECK(hq.export_jsonl().size() == recorded.size());

    auto devices = hq.devices();
    REQUIRE(devices.size() == 1);
    CHECK(devices[0]["events_received"] == static_cast<int64_t>(recorded.size()));
    CHECK(devices[0]["app_version"] == FEEDBACK_VERSION);
    CHECK(devices[0]["clock_offset_ms"].is_number());
    CHECK(devices[0]["last_backlog"] == 0); // reported with the feed request after the last upload
    // Its condition (Feedback-Health, PROTOCOL.md 5): measured on this machine.
    const auto& condition = devices[0]["condition"];
    REQUIRE(condition.is_object());
    CHECK(condition["uptime_s"].is_number_integer());
    CHECK(condition["disk_free"].get<int64_t>() > 0);
    CHECK(condition["disk_total"].get<int64_t>() >= condition["disk_free"].get<int64_t>());
    CHECK(condition["store_bytes"].get<int64_t>() > 0);
    CHECK(condition["bytes_written"].is_number_integer());
    CHECK(condition["os"].get<std::string>().find("Debian") != std::string::npos);
    CHECK_FALSE(condition.contains("screen")); // `sync` is not the kiosk
    CHECK(condition["restarts"] == 2);
    CHECK(condition["restarts_1h"] == 2); // both just now
    CHECK(condition["last_exit"] == "exit-code (exited 1)");
    CHECK(devices[0]["flags"].is_array());

    auto csv = hq.run({"export", "--format", "csv"});
    CHECK(csv.exit_code == 0);
    CHECK(lines_of(csv.out).size() == recorded.size() + 1);

    // One log line per request, no personal data in it.
    std::string log = hq.log();
    CHECK(count_of(log, "POST /v1/batches 200") >= 2);
    CHECK(log.find("1234") == std::string::npos);
    hq.stop_with_sigterm();
    CHECK(hq.last_exit_code() == 0);
    CHECK(hq.log().find("stopped") != std::string::npos);
}

TEST_CASE("the same events sent twice are duplicates, and the same batch twice gets the stored answer", "[sync][e2e]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir terminal(temp.path() / "t1");
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    REQUIRE(terminal.record(rating_lines(300)).exit_code == 0);

    // A copy of the terminal before it synced: as if restored from a backup.
    auto copy = temp.path() / "t1-copy";
    std::filesystem::copy(terminal.dir(), copy, std::filesystem::copy_options::recursive);
    REQUIRE(terminal.sync_once().exit_code == 0);
    REQUIRE(hq.export_jsonl().size() == 300);

    TerminalDir restored(copy);
    auto resent = restored.sync_once();
    INFO(resent.out << resent.err);
    REQUIRE(resent.exit_code == 0);
    CHECK(resent.out.find("300 events acknowledged (300 already at head office)") != std::string::npos);
    CHECK(hq.export_jsonl().size() == 300);

    // The same batch id and bytes twice: the stored answer, byte for byte.
    TempDir other;
    auto store = store::LocalStore::open(other.path());
    REQUIRE(store);
    sync::init_transport();
    auto enrolled = sync::enrol(other.path(), *store, hq.url(), hq.enrol_code("UTR", "Counter 2"),
                                hq.ca_file().string(), {});
    REQUIRE(enrolled);
    auto recorded = store->record(
        {EventType::nps_rated, "", "kiosk", {{"score", 8}, {"survey_version", 1}, {"locale", "nl"}}, {}}, now_utc_ms());
    INFO((recorded ? "" : recorded.error().message));
    REQUIRE(recorded);
    auto batch = store->freeze_batch(100, now_utc_ms());
    REQUIRE(batch);
    REQUIRE(*batch);
    auto credentials = sync::load_credentials(other.path());
    REQUIRE(credentials);
    sync::HttpClient http({(*credentials)->ca_file});
    auto post = [&](const std::string& body) {
        sync::HttpRequest request{"POST", hq.url() + "/v1/batches",
                                  {{"Authorization", "Bearer " + (*credentials)->token},
                                   {"Idempotency-Key", (*batch)->batch_id},
                                   {"Content-Type", "application/json"},
                                   {"Content-Encoding", "gzip"}},
                                  *sync::gzip_compress(body)};
        auto response = http.perform(request);
        REQUIRE(response);
        return *response;
    };
    auto first = post((*batch)->body);
    auto second = post((*batch)->body);
    CHECK(first.status == 200);
    CHECK(second.status == 200);
    CHECK(second.body == first.body);
    CHECK(second.header("feedback-replayed") == "true");
    CHECK(second.header("feedback-batch-id") == (*batch)->batch_id);
    CHECK(hq.export_jsonl().size() == 301);
    // The same batch id with another body is a conflict.
    std::string changed = (*batch)->body;
    changed.replace(changed.find("\"score\":8"), 9, "\"score\":9");
    auto conflict = post(changed);
    CHECK(conflict.status == 422);
    CHECK(conflict.body.find("batch_conflict") != std::string::npos);
    CHECK(hq.export_jsonl().size() == 301);
}

TEST_CASE("head office killed mid-ingest and restarted: the terminal finishes, nothing lost or doubled", "[sync][e2e]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq", {{"limits", {{"max_events_per_batch", 100}}}});
    TerminalDir terminal(temp.path() / "t1");
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    auto recorded = terminal.record(rating_lines(2000));
    REQUIRE(recorded.exit_code == 0);

    ChildProcess sync({FEEDBACK_TERMINAL_BINARY, "sync", "--data-dir", terminal.dir().string(), "--once"});
    // Kill head office once a few batches went through, while the next is being ingested.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (count_of(hq.log(), "POST /v1/batches 200") < 3 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    hq.kill_now();
    CHECK(hq.export_jsonl().size() < 2000); // it really was interrupted
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    hq.restart();
    auto first = sync.wait();
    INFO(first.out << first.err);
    // The run may have finished after the restart, or given up while head office was down.
    if (first.exit_code != 0) {
        auto second = terminal.sync_once();
        INFO(second.out << second.err);
        REQUIRE(second.exit_code == 0);
    }
    auto exported = hq.export_jsonl();
    CHECK(exported.size() == 2000);
    CHECK(event_ids(exported) == printed_ids(recorded));
    CHECK(terminal.status()["unsent_backlog"] == 0);
    CHECK(terminal.status()["quarantined"] == 0);
}

TEST_CASE("GET /v1/health tells a load balancer this process reaches its database, and nothing more", "[sync][e2e]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    sync::init_transport();
    sync::HttpClient http({hq.ca_file().string()});
    auto health = http.perform({"GET", hq.url() + "/v1/health", {}, {}});
    REQUIRE(health);
    CHECK(health->status == 200);
    CHECK(nlohmann::json::parse(health->body) == nlohmann::json{{"status", "ok"}});
    CHECK(health->header("feedback-protocol") == "1");
    CHECK(health->header("content-type").starts_with("application/json"));
}

TEST_CASE("feedback-hq init --database keeps head office in PostgreSQL, and its commands work on it",
          "[sync][e2e][postgresql]")
{
    testing::SqlBackends databases;
    const std::string url = databases.new_database(sql::Backend::postgresql);
    TempDir temp;
    const auto dir = temp.path() / "hq";
    auto hq_command = [&](std::vector<std::string> args, const std::string& input = "") {
        args.insert(args.begin(), FEEDBACK_HQ_BINARY);
        auto done = run_process(args, input);
        INFO(done.out << done.err);
        return done;
    };
    auto made = hq_command({"init", "--dir", dir.string(), "--hostname", "127.0.0.1", "--database", url});
    REQUIRE(made.exit_code == 0);
    CHECK(made.out.find(url) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir / "hq.db"));
    std::ifstream settings(dir / "hq.json");
    CHECK(nlohmann::json::parse(settings)["database"] == url);

    auto enrolled = hq_command({"enroll", "--dir", dir.string(), "--store", "UTR", "--name", "Counter 1"});
    REQUIRE(enrolled.exit_code == 0);
    auto database = sql::open_postgresql(url);
    REQUIRE(database);
    CHECK(*(*database)->query_int64("SELECT count(*) FROM enrolment_codes WHERE store_code = 'UTR'") == 1);
    CHECK(*(*database)->query_int64("SELECT count(*) FROM contact_keys") == 1); // init made the contact key
    for (const std::string command : {"devices", "export", "retention", "rotate-contact-key"}) {
        std::vector<std::string> args{command, "--dir", dir.string()};
        if (command == "export")
            args.insert(args.end(), {"--format", "jsonl"});
        auto done = hq_command(args);
        INFO(command << ": " << done.err);
        CHECK(done.exit_code == 0);
    }
    CHECK(*(*database)->query_int64("SELECT count(*) FROM contact_keys") == 2); // the rotation's

    // Backups are PostgreSQL's own business: the command says so, and changes nothing.
    auto backup = hq_command({"backup", "--dir", dir.string(), "--to", (temp.path() / "b").string()});
    CHECK(backup.exit_code != 0);
    CHECK(backup.err.find("pg_dump") != std::string::npos);

    // Dashboard users and intake API tokens live there too.
    auto user = hq_command({"user", "add", "--dir", dir.string(), "--name", "kwaliteit", "--role", "manager",
                            "--stores", "UTR,AMS", "--password-stdin"},
                           "demo-password-2026\n");
    CHECK(user.exit_code == 0);
    CHECK(*(*database)->query_int64("SELECT count(*) FROM web_users WHERE name = 'kwaliteit' AND role = 'manager' "
                                    "AND password_hash LIKE '$argon2id$%'") == 1);
    CHECK(*(*database)->query_texts("SELECT store_code FROM web_user_stores ORDER BY store_code") ==
          std::vector<std::string>{"AMS", "UTR"});
    CHECK(*(*database)->query_int64("SELECT count(*) FROM web_audit WHERE action = 'user.added' "
                                    "AND subject = 'kwaliteit'") == 1);
    auto users = hq_command({"user", "list", "--dir", dir.string()});
    CHECK(users.exit_code == 0);
    CHECK(users.out.find("kwaliteit") != std::string::npos);
    auto token = hq_command({"token", "add", "--dir", dir.string(), "--name", "crm"});
    CHECK(token.exit_code == 0);
    const std::string token_text = token.out.substr(0, token.out.find('\n'));
    CHECK(token_text.size() == 64);
    CHECK(*(*database)->query_int64("SELECT count(*) FROM api_tokens WHERE name = 'crm' AND revoked_at IS NULL "
                                    "AND token_hash <> '" + token_text + "'") == 1);
    CHECK(hq_command({"token", "add", "--dir", dir.string(), "--name", "crm"}).exit_code != 0); // never twice
    CHECK(hq_command({"token", "revoke", "--dir", dir.string(), "--name", "crm"}).exit_code == 0);
    CHECK(*(*database)->query_int64("SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL") == 1);
    CHECK_FALSE(std::filesystem::exists(dir / "hq.db"));
    // A second init, or a database that is not PostgreSQL's, is refused.
    CHECK(hq_command({"init", "--dir", dir.string(), "--database", url}).exit_code != 0);
    auto mysql = hq_command({"init", "--dir", (temp.path() / "other").string(), "--database", "mysql://u:pw@db/x"});
    CHECK(mysql.exit_code == 2);
    CHECK(mysql.err.find("pw") == std::string::npos); // the password is not repeated
    CHECK(*(*database)->query_int64("SELECT count(*) FROM enrolment_codes") == 1);
}

TEST_CASE("a certificate from another CA: nothing is sent", "[sync][e2e]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    HqProcess stranger(temp.path() / "other-hq"); // a second CA
    TerminalDir terminal(temp.path() / "t1");
    REQUIRE(terminal.record(rating_lines(5)).exit_code == 0);

    auto refused = terminal.run({"enroll", "--server", hq.url(), "--code", hq.enrol_code("UTR", "Counter 1"), "--ca",
                                 stranger.ca_file().string()});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("not trusted") != std::string::npos);
    CHECK(hq.log().find("/v1/enrol") == std::string::npos); // no request reached head office
    CHECK(hq.devices().empty());

    // Enrolled properly, then pointed at a CA that does not match: the upload is refused by TLS.
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    std::filesystem::copy_file(stranger.ca_file(), terminal.dir() / sync::ca_copy_file_name,
                               std::filesystem::copy_options::overwrite_existing);
    auto synced = terminal.sync_once();
    CHECK(synced.exit_code == 1);
    CHECK(synced.err.find("not trusted") != std::string::npos);
    CHECK(hq.log().find("/v1/batches") == std::string::npos);
    CHECK(hq.export_jsonl().empty());
    CHECK(terminal.status()["unsent_backlog"] == 5);
}

TEST_CASE("a revoked device gets 401: uploads stop, its data is kept, a replacement code resumes", "[sync][e2e]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir terminal(temp.path() / "t1");
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    REQUIRE(terminal.record(rating_lines(10)).exit_code == 0);
    REQUIRE(terminal.sync_once().exit_code == 0);

    std::string device = hq.devices()[0]["device_id"];
    auto revoked = hq.run({"revoke", "--device", device});
    REQUIRE(revoked.exit_code == 0);
    CHECK(hq.devices()[0]["revoked_at"].is_string());
    REQUIRE(terminal.record(rating_lines(7)).exit_code == 0);
    auto refused = terminal.sync_once();
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("enrol it again") != std::string::npos);
    CHECK(hq.log().find("POST /v1/batches 401") != std::string::npos);
    CHECK(count_of(hq.log(), "POST /v1/batches 401") == 1); // stopped at once, no retries
    auto status = terminal.status();
    CHECK(status["unsent_backlog"] == 7);
    CHECK(status["quarantined"] == 0);
    CHECK(hq.export_jsonl().size() == 10);

    // Only head office lets it back in (test_sync_confinement.cpp has the refusals).
    auto replacement = hq.run({"enroll", "--store", "UTR", "--name", "Counter 1", "--replace", device});
    REQUIRE(replacement.exit_code == 0);
    auto reenrolled = terminal.enroll(hq, lines_of(replacement.out).at(0));
    REQUIRE(reenrolled.exit_code == 0);
    CHECK(reenrolled.out.find("UTR-22") != std::string::npos); // same device, same terminal code
    REQUIRE(terminal.sync_once().exit_code == 0);
    CHECK(hq.export_jsonl().size() == 17);
    CHECK(hq.run({"revoke", "--device", "01a20b9b-0000-7000-8000-000000000000"}).exit_code == 1);
}

TEST_CASE("two terminals of one store see each other's complaints after syncing", "[sync][e2e]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir first(temp.path() / "t1");
    TerminalDir second(temp.path() / "t2");
    TerminalDir elsewhere(temp.path() / "t3");
    REQUIRE(first.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    REQUIRE(second.enroll(hq, hq.enrol_code("UTR", "Counter 2")).exit_code == 0);
    REQUIRE(elsewhere.enroll(hq, hq.enrol_code("AMS", "Counter 1")).exit_code == 0);

    auto opened = first.record({complaint_with_contact});
    REQUIRE(opened.exit_code == 0);
    std::string reference = reference_of(opened);
    CHECK(reference.rfind("UTR-22-", 0) == 0);
    REQUIRE(second.record({R"({"type":"complaint.opened","actor":"staff:bob","channel":"phone","category":"service",)"
                           R"("description":"Niet teruggebeld","customer_wish":"Een telefoontje"})"})
                .exit_code == 0);
    REQUIRE(first.sync_once().exit_code == 0);
    REQUIRE(second.sync_once().exit_code == 0);
    REQUIRE(first.sync_once().exit_code == 0);
    REQUIRE(elsewhere.sync_once().exit_code == 0);

    CHECK(first.status()["open_complaints"] == 2);
    CHECK(second.status()["open_complaints"] == 2);
    CHECK(elsewhere.status()["open_complaints"] == 0); // another store sees none of it

    // The second counter acts on the first counter's complaint by its reference.
    auto acknowledged = second.record({"{\"type\":\"complaint.acknowledged\",\"complaint\":\"" + reference +
                                       "\",\"actor\":\"staff:bob\"}"});
    INFO(acknowledged.err);
    REQUIRE(acknowledged.exit_code == 0);
    REQUIRE(second.sync_once().exit_code == 0);
    auto pulled = first.sync_once();
    REQUIRE(pulled.exit_code == 0);
    CHECK(pulled.out.find("1 new event from") != std::string::npos);

    // Relayed without the customer's contact details; nothing relayed is uploaded back.
    std::string second_device = second.status()["device"]["device_id"];
    for (const auto& event : second.export_jsonl())
        if (event["device_id"] != second_device)
            CHECK_FALSE(event["payload"].contains("contact"));
    CHECK(hq.export_jsonl().size() == 3);
}

TEST_CASE("the background uploader wakes when an event is recorded, stops at once, and waits for enrolment",
          "[sync][e2e]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir terminal(temp.path() / "t1");
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    sync::init_transport();
    sync::UploaderOptions options;
    options.startup_delay_max = std::chrono::milliseconds(1);
    options.poll_interval = std::chrono::minutes(10); // only a recorded event can wake it here
    sync::Uploader uploader(terminal.dir(), store::outbox_opener(terminal.dir()), options);
    uploader.start();
    auto wait_for = [&](auto condition) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (!condition() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return condition();
    };
    REQUIRE(wait_for([&] { return uploader.status().state == sync::UploaderState::idle; }));

    auto kiosk = store::LocalStore::open(terminal.dir()); // the UI thread's own connection
    REQUIRE(kiosk);
    for (int i = 0; i < 3; ++i)
        REQUIRE(kiosk->record({EventType::nps_rated, "", "kiosk", {{"score", 9}, {"survey_version", 1}, {"locale", "nl"}}, {}},
                              now_utc_ms()));
    uploader.notify_recorded();
    REQUIRE(wait_for([&] { return uploader.status().acknowledged_this_run == 3; }));
    CHECK(hq.export_jsonl().size() == 3);
    CHECK(uploader.status().last_success_at.has_value());

    // Revoked: it stops uploading and says so; the event stays.
    REQUIRE(hq.run({"revoke", "--device", kiosk->device().device_id}).exit_code == 0);
    REQUIRE(kiosk->record({EventType::nps_rated, "", "kiosk", {{"score", 2}, {"survey_version", 1}, {"locale", "nl"}}, {}},
                          now_utc_ms()));
    uploader.notify_recorded();
    REQUIRE(wait_for([&] { return uploader.status().state == sync::UploaderState::needs_enrolment; }));
    CHECK(uploader.status().last_error.find("enrol it again") != std::string::npos);
    CHECK(*kiosk->outbox_size() == 1);

    auto asked = std::chrono::steady_clock::now();
    uploader.stop();
    CHECK(std::chrono::steady_clock::now() - asked < std::chrono::seconds(2));
    CHECK(uploader.status().state == sync::UploaderState::stopped);
}

TEST_CASE("feedback-hq: every command has --help, and failures exit non-zero with a reason", "[sync][cli]")
{
    TempDir temp;
    for (std::string command : {"init", "serve", "enroll", "devices", "revoke", "export"}) {
        auto help = run_process({FEEDBACK_HQ_BINARY, command, "--help"});
        CHECK(help.exit_code == 0);
        CHECK(help.out.find("usage: feedback-hq " + command) != std::string::npos);
    }
    CHECK(run_process({FEEDBACK_HQ_BINARY, "--version"}).out == std::string("feedback-hq ") + FEEDBACK_VERSION + "\n");
    CHECK(run_process({FEEDBACK_HQ_BINARY, "teleport"}).exit_code == 2);
    CHECK(run_process({FEEDBACK_HQ_BINARY, "enroll", "--dir", temp.path().string()}).exit_code == 2);

    auto missing = run_process({FEEDBACK_HQ_BINARY, "export", "--dir", (temp.path() / "none").string(), "--format", "jsonl"});
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("does not exist") != std::string::npos);

    auto dir = (temp.path() / "hq").string();
    auto init = run_process({FEEDBACK_HQ_BINARY, "init", "--dir", dir});
    REQUIRE(init.exit_code == 0);
    CHECK(init.out.find("CA certificate  " + dir + "/tls/ca.pem") != std::string::npos);
    auto twice = run_process({FEEDBACK_HQ_BINARY, "init", "--dir", dir});
    CHECK(twice.exit_code == 1);
    CHECK(twice.err.find("already holds a head office") != std::string::npos);
    auto bad_store = run_process({FEEDBACK_HQ_BINARY, "enroll", "--dir", dir, "--store", "U1", "--name", "x"});
    CHECK(bad_store.exit_code == 1);
    CHECK(bad_store.err.find("store code") != std::string::npos);
    auto bad_format = run_process({FEEDBACK_HQ_BINARY, "export", "--dir", dir, "--format", "xml"});
    CHECK(bad_format.exit_code == 2);
    auto bad_since = run_process({FEEDBACK_HQ_BINARY, "export", "--dir", dir, "--format", "csv", "--since", "later"});
    CHECK(bad_since.exit_code == 2);
    auto since = run_process({FEEDBACK_HQ_BINARY, "export", "--dir", dir, "--format", "csv", "--since", "2026-01-01"});
    CHECK(since.exit_code == 0);
    auto listen = run_process({FEEDBACK_HQ_BINARY, "serve", "--dir", dir, "--listen", "nowhere"});
    CHECK(listen.exit_code == 2);
    auto terminal_help = run_process({FEEDBACK_TERMINAL_BINARY, "sync", "--help"});
    CHECK(terminal_help.out.find("--once") != std::string::npos);
    auto not_enrolled = run_process({FEEDBACK_TERMINAL_BINARY, "sync", "--data-dir", temp.path().string(), "--once"});
    CHECK(not_enrolled.exit_code == 1);
}

TEST_CASE("the configuration comes with an ETag: saved once, then 304 until head office publishes again", "[sync][e2e]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir terminal(temp.path() / "t1");
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    {
        // Publishing is a head-office library call (no command for it yet); WAL lets it run beside serve.
        auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
        REQUIRE(store);
        REQUIRE(store->publish_config("default", {{"store_name", "Elke winkel"}}, now_utc_ms()));
        REQUIRE(store->publish_config("UTR", {{"store_name", "Utrecht Centrum"}}, now_utc_ms()));
    }
    auto first = terminal.sync_once();
    REQUIRE(first.exit_code == 0);
    CHECK(first.out.find("configuration: version 1 saved") != std::string::npos);
    auto saved = nlohmann::json::parse(read_text(terminal.dir() / sync::config_file_name));
    CHECK(saved["store_name"] == "Utrecht Centrum");
    auto second = terminal.sync_once();
    CHECK(second.out.find("configuration: unchanged") != std::string::npos);
    CHECK(hq.log().find("GET /v1/config 304") != std::string::npos);
    {
        auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
        REQUIRE(store);
        REQUIRE(store->publish_config("UTR", {{"store_name", "Utrecht Oudegracht"}}, now_utc_ms()));
    }
    auto third = terminal.sync_once();
    CHECK(third.out.find("configuration: version 2 saved") != std::string::npos);
    CHECK(nlohmann::json::parse(read_text(terminal.dir() / sync::config_file_name))["store_name"] ==
          "Utrecht Oudegracht");
}

TEST_CASE("uploads from six terminals at once each get their own answer, replays byte for byte, every event once",
          "[sync][e2e]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    sync::init_transport();
    constexpr int terminals = 6;
    constexpr int batches_per_terminal = 8;
    constexpr int events_per_batch = 40;
    struct Terminal {
        std::string device;
        std::string token;
        std::vector<std::pair<std::string, std::string>> batches; // id, body
        std::vector<std::string> answers;
        std::vector<std::string> replays;
        bool all_replayed = true;
        int failures = 0;
    };
    std::vector<Terminal> all(terminals);
    sync::HttpClient enroller({hq.ca_file().string()});
    int64_t now = now_utc_ms();
    std::vector<nlohmann::json> shared_events; // sent by terminal 0 twice: the second time duplicates
    for (int t = 0; t < terminals; ++t) {
        Terminal& terminal = all[static_cast<size_t>(t)];
        terminal.device = make_uuid_v7(now);
        auto enrolled = enroller.perform({"POST", hq.url() + "/v1/enrol", {{"Content-Type", "application/json"}},
                                          nlohmann::json{{"code", hq.enrol_code("UTR", "Counter " + std::to_string(t))},
                                                         {"device_id", terminal.device}}
                                              .dump()});
        REQUIRE(enrolled);
        REQUIRE(enrolled->status == 200);
        terminal.token = nlohmann::json::parse(enrolled->body)["token"].get<std::string>();
        int seq = 0;
        for (int b = 0; b < batches_per_terminal; ++b) {
            nlohmann::json events = nlohmann::json::array();
            for (int e = 0; e < events_per_batch; ++e)
                events.push_back({{"v", 1}, {"id", make_uuid_v7(now)}, {"type", "nps.rated"}, {"occurred_at", now},
                                  {"actor", "kiosk"}, {"device_id", terminal.device}, {"seq", ++seq},
                                  {"payload", {{"score", e % 11}, {"survey_version", 1}, {"locale", "nl"}}}});
            if (t == 0 && b == 0)
                shared_events = events;
            if (t == 0 && b == batches_per_terminal - 1)
                events = shared_events; // the same events again, in a new batch
            std::string batch_id = make_uuid_v7(now);
            terminal.batches.emplace_back(batch_id, nlohmann::json{{"batch_id", batch_id}, {"events", events}}.dump());
        }
    }
    auto send = [&](sync::HttpClient& http, const Terminal& terminal, const std::pair<std::string, std::string>& batch)
        -> std::optional<sync::HttpResponse> {
        auto response = http.perform({"POST", hq.url() + "/v1/batches",
                                      {{"Authorization", "Bearer " + terminal.token},
                                       {"Idempotency-Key", batch.first},
                                       {"Content-Type", "application/json"},
                                       {"Content-Encoding", "gzip"}},
                                      *sync::gzip_compress(batch.second)});
        if (!response || response->status != 200)
            return std::nullopt;
        return *response;
    };
    std::vector<std::thread> threads;
    for (auto& terminal : all)
        threads.emplace_back([&, t = &terminal] {
            sync::HttpClient http({hq.ca_file().string()});
            for (const auto& batch : t->batches) {
                auto answer = send(http, *t, batch);
                t->answers.push_back(answer ? answer->body : std::string());
                t->failures += answer ? 0 : 1;
            }
            // Every batch again (a lost answer, say): the stored answer, byte for byte.
            for (const auto& batch : t->batches) {
                auto answer = send(http, *t, batch);
                t->replays.push_back(answer ? answer->body : std::string());
                t->all_replayed = t->all_replayed && answer && answer->header("feedback-replayed") == "true";
            }
        });
    for (auto& thread : threads)
        thread.join();

    for (size_t t = 0; t < all.size(); ++t) {
        INFO("terminal " << t);
        CHECK(all[t].failures == 0);
        CHECK(all[t].all_replayed);
        CHECK(all[t].replays == all[t].answers);
        for (size_t b = 0; b < all[t].answers.size(); ++b) {
            auto answer = nlohmann::json::parse(all[t].answers[b]);
            CHECK(answer["batch_id"] == all[t].batches[b].first);
            bool repeated = t == 0 && b == all[t].answers.size() - 1;
            CHECK(answer["accepted"] == (repeated ? 0 : events_per_batch));
            CHECK(answer["duplicate"] == (repeated ? events_per_batch : 0));
            CHECK(answer["results"].size() == (repeated ? static_cast<size_t>(events_per_batch) : 0u));
        }
    }
    auto received = hq.export_jsonl();
    size_t expected = terminals * (batches_per_terminal * events_per_batch) - events_per_batch;
    CHECK(received.size() == expected);
    CHECK(event_ids(received).size() == expected);
}
