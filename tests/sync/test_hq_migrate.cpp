// feedback-hq migrate (sync/hq/migrate.h): a real SQLite head office with
// rows in every table it keeps, moved by the real binary into a private
// PostgreSQL cluster, then used through HqStore and the other commands; the
// refusals, after each of which hq.db and hq.json are the same byte for
// byte; a difference found by the check rolls the copy back. A hidden case
// ([.][perf]) measures the copy on 200,000 events.
#include "crypto/argon2id.h"
#include "crypto/sha256.h"
#include "domain/clock.h"
#include "domain/ids.h"
#include "hq/api/api_tokens.h"
#include "hq/backup.h"
#include "hq/hq_settings.h"
#include "hq/hq_store.h"
#include "hq/migrate.h"
#include "hq/web/users.h"
#include "support/postgres_cluster.h"
#include "support/sql_backends.h"
#include "support/temp_dir.h"
#include "support/child_process.h"
#include "sync/sync_support.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

using namespace feedback;
using namespace feedback::testing;

namespace {

namespace fs = std::filesystem;

const std::string password = "demo-password-2026";

Finished hq_command(std::vector<std::string> args, const std::string& input = "")
{
    args.insert(args.begin(), FEEDBACK_HQ_BINARY);
    auto done = run_process(args, input);
    INFO(args[1] << ": " << done.out << done.err);
    return done;
}

nlohmann::json rating(const std::string& device_id, int64_t seq, int score, int64_t at)
{
    return {{"v", 1},          {"id", make_uuid_v7(at)}, {"type", "nps.rated"}, {"occurred_at", at},
            {"actor", "kiosk"}, {"device_id", device_id}, {"seq", seq},
            {"payload", {{"score", score}, {"survey_version", 1}, {"locale", "nl"}}}};
}

// Ratings seq first..first+count-1 of `device`, ingested as one batch.
void ingest_ratings(hq::HqStore& store, const hq::Device& device, int64_t first, int count, int64_t now)
{
    const std::string batch = make_uuid_v7(now);
    nlohmann::json events = nlohmann::json::array();
    for (int i = 0; i < count; ++i)
        events.push_back(rating(device.id, first + i, static_cast<int>((first + i) % 11), now - 1000 + i));
    const std::string body = nlohmann::json{{"batch_id", batch}, {"events", events}}.dump();
    auto stored = store.ingest(device, batch, body, 1000, hq::DeviceHealth{-40, 3, "0.2.0", std::nullopt}, now);
    INFO((stored ? "" : stored.error().message));
    REQUIRE(stored);
    REQUIRE(stored->summary.accepted == count);
}

hq::HqStore open_store(const fs::path& dir)
{
    auto store = hq::HqStore::open(dir, hq::HqStore::Intent::existing_only);
    INFO((store ? "" : store.error().message));
    REQUIRE(store);
    return std::move(*store);
}

using EventRow = std::tuple<int64_t, std::string, std::string>; // seq, id, body

std::vector<EventRow> events_in_order(sql::Connection& db)
{
    auto rows = db.prepare("SELECT seq, id, body FROM events ORDER BY seq");
    REQUIRE(rows);
    std::vector<EventRow> out;
    while (*rows->step())
        out.emplace_back(rows->column_int64(0), rows->column_text(1), rows->column_text(2));
    return out;
}

// What `SELECT id FROM events ORDER BY seq | sha256sum` gives.
std::string event_ids_sha256(const std::vector<EventRow>& events)
{
    std::string ids;
    for (const auto& [seq, id, body] : events)
        ids += id + "\n";
    return crypto::sha256_hex(ids);
}

// A head office made by `feedback-hq init` (SQLite), with a row in every
// table that is not the dashboard's read model, and what the test needs to
// use it again afterwards.
struct SqliteHeadOffice {
    TempDir temp;
    fs::path dir = temp.path() / "hq";
    std::string device_token;  // of the enrolled terminal (the other one is revoked)
    std::string api_token;     // "crm"
    std::string session_token; // kwaliteit's
    std::string complaint_id;  // a complaint registered with a sealed contact
    std::string reference;     // its reference code
    std::string screenshot;    // the terminal's picture, bytes with NULs
    int64_t now = now_utc_ms();

    // Only init and one unused enrolment code: `filled` false.
    explicit SqliteHeadOffice(bool filled = true)
    {
        REQUIRE(hq_command({"init", "--dir", dir.string(), "--hostname", "127.0.0.1", "--key-dir",
                            (temp.path() / "keys").string()})
                    .exit_code == 0);
        auto code = hq_command({"enroll", "--dir", dir.string(), "--store", "UTR", "--name", "Balie 1"});
        REQUIRE(code.exit_code == 0);
        if (filled)
            fill(code.out.substr(0, code.out.find('\n')));
    }

    void fill(const std::string& code)
    {
        // Through the commands: dashboard users (with their stores and the audit), an API token.
        REQUIRE(hq_command({"user", "add", "--dir", dir.string(), "--name", "kwaliteit", "--role", "manager",
                            "--stores", "UTR,AMS", "--password-stdin"},
                           password + "\n")
                    .exit_code == 0);
        REQUIRE(hq_command({"user", "add", "--dir", dir.string(), "--name", "beheer", "--role", "admin",
                            "--password-stdin"},
                           password + "-2\n")
                    .exit_code == 0);
        auto token = hq_command({"token", "add", "--dir", dir.string(), "--name", "crm"});
        REQUIRE(token.exit_code == 0);
        api_token = token.out.substr(0, token.out.find('\n'));

        auto store = open_store(dir);
        // Two terminals; one sends batches and a screenshot, the other is revoked.
        auto enrolled = store.enrol(code, make_uuid_v7(now), "0.2.0", now);
        REQUIRE(enrolled);
        device_token = enrolled->token;
        auto device = store.authenticate(device_token);
        REQUIRE(device);
        auto other_code = store.create_enrolment_code("AMS", "Kassa 2", now, 3'600'000);
        REQUIRE(other_code);
        auto other = store.enrol(other_code->code, make_uuid_v7(now), "0.1.9", now);
        REQUIRE(other);
        REQUIRE(store.revoke(other->device_id, now));
        REQUIRE(store.create_enrolment_code("UTR", "Balie 3", now, 3'600'000)); // unused
        for (int batch = 0; batch < 3; ++batch)
            ingest_ratings(store, *device, 1 + batch * 40, 40, now + batch);
        REQUIRE(store.request_screenshot(device->id, now));
        screenshot = std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\xff\x7f", 19);
        REQUIRE(store.store_screenshot(device->id, screenshot, now, now));

        // Configurations, complaints registered at head office (its own
        // identity and reference codes) with a sealed contact, an erasure.
        auto document =
            nlohmann::json::parse(std::ifstream(fs::path(FEEDBACK_SOURCE_DIR) / "assets/config/default.json"));
        REQUIRE(store.publish_config("default", document, now));
        REQUIRE(store.publish_config("UTR", document, now + 1));
        REQUIRE(store.publish_config("UTR", document, now + 2));
        auto complaint = [&](const std::string& description) {
            hq::ComplaintIntake intake;
            intake.store_code = "UTR";
            intake.actor = "hq:kwaliteit";
            intake.payload = {{"channel", "phone"},
                              {"category", "product"},
                              {"description", description},
                              {"customer_wish", "Een nieuwe"},
                              {"contact", {{"consent", true}, {"name", "Ans Kievit"}, {"phone", "+31 6 1234 5678"}}}};
            auto registered = store.register_complaint(intake, now);
            INFO((registered ? "" : registered.error().message));
            REQUIRE(registered);
            return registered->event;
        };
        Event kept = complaint("Waterkoker lekt \xe2\x80\x94 \xc3\xa9\xc3\xa9n \xe2\x98\x95 kapot");
        complaint_id = kept.subject;
        reference = kept.payload.at("reference").get<std::string>();
        Event erased = complaint("Verkeerde maat");
        REQUIRE(store.erase_complaint(erased.subject, false, "hq:kwaliteit", now));

        // The dashboard's side: a session, a failed login, the audit log,
        // and what the intake API, the mail outbox and the alerts keep.
        sql::Connection& db = store.connection();
        hq::web::UserStore users(db);
        auto session = users.create_session("kwaliteit", now);
        REQUIRE(session);
        session_token = *session;
        REQUIRE(users.begin_attempt("beheer", "192.0.2.7", now));
        REQUIRE(users.audit("kwaliteit", "contact.viewed", complaint_id, "192.0.2.8", now));
        hq::api::ApiTokenStore tokens(db);
        const hq::api::KeptAnswer answer{.request_sha256 = crypto::sha256_hex("{}"),
                                         .status = 201,
                                         .body = R"({"reference":"x"})",
                                         .complaint_id = complaint_id};
        REQUIRE(tokens.keep_answer("crm", "key-1", answer, now));
        REQUIRE(db.exec("INSERT INTO mail_outbox(message_key, kind, complaint_id, store_code, recipient, subject, "
                        "body, status, next_attempt_at, queued_at) VALUES "
                        "('acknowledgement:a', 'acknowledgement', 'c1', 'UTR', 'a@example.nl', 'Ontvangen', 'Tekst', "
                        "'queued', 1, 1), "
                        "('decision:b', 'decision', 'c1', 'UTR', '', 'Besluit', '', 'sent', 1, 1)"));
        REQUIRE(db.exec("INSERT INTO survey_tokens(token_hash, complaint_id, created_at) VALUES ('ab12', 'c1', 1)"));
        REQUIRE(db.exec("UPDATE mail_cursor SET last_seq = (SELECT max(seq) - 1 FROM events)"));
        REQUIRE(db.exec("INSERT INTO alert_choices(user_name, cause, delivery) VALUES ('kwaliteit', 'escalated', "
                        "'immediate')"));
        REQUIRE(db.exec("INSERT INTO alerts_raised(cause_key, user_name, delivery, line, raised_at) VALUES "
                        "('escalated:c1', 'kwaliteit', 'digest', 'UTR-HQ-0001X', 1)"));
        REQUIRE(db.exec("INSERT INTO alert_backlogs(device_id, backlog, growing_since) VALUES ('" + device->id +
                        "', 12, NULL)"));
    }

    fs::path database_file() const { return dir / hq::database_file_name; }
};

// The tables `feedback-hq migrate` copies: hq.db's, less SQLite's own and the read model.
std::vector<std::string> copied_tables(const fs::path& database)
{
    auto opened = sqlite::Database::open(database, sqlite::OpenMode::read_only);
    REQUIRE(opened);
    auto names = opened->query_texts("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                     "'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'dashboard\\_%' ESCAPE '\\' "
                                     "ORDER BY name");
    REQUIRE(names);
    return *names;
}

std::unique_ptr<sql::Connection> open_sqlite(const fs::path& database)
{
    auto opened = sqlite::Database::open(database, sqlite::OpenMode::read_only);
    REQUIRE(opened);
    return sql::over_sqlite(std::move(*opened));
}

int64_t count_in(sql::Connection& db, const std::string& sql)
{
    auto count = db.query_int64(sql);
    INFO(sql << ": " << (count ? "" : count.error().message));
    REQUIRE(count);
    return *count;
}

} // namespace

TEST_CASE("feedback-hq migrate moves a SQLite head office into PostgreSQL, proves it, and the folder works on it",
          "[sync][hq][migrate][postgresql]")
{
    SqliteHeadOffice office;
    SqlBackends databases;
    const std::string url = databases.new_database(sql::Backend::postgresql);

    // Before: every table that is copied has rows, so each is really tried.
    const auto tables = copied_tables(office.database_file());
    CHECK(tables.size() >= 25);
    std::map<std::string, int64_t> rows_before;
    auto sqlite = open_sqlite(office.database_file());
    for (const auto& table : tables) {
        rows_before[table] = count_in(*sqlite, "SELECT count(*) FROM \"" + table + "\"");
        INFO(table);
        CHECK(rows_before[table] > 0);
    }
    const auto events_before = events_in_order(*sqlite);
    const int64_t mail_cursor_before = count_in(*sqlite, "SELECT last_seq FROM mail_cursor");
    const int64_t max_seq_before = std::get<0>(events_before.back());
    const int64_t max_audit_before = count_in(*sqlite, "SELECT max(seq) FROM web_audit");
    const int64_t max_mail_before = count_in(*sqlite, "SELECT max(id) FROM mail_outbox");
    sqlite.reset();
    const std::string file_before = read_text(office.database_file());
    const std::string export_before = hq_command({"export", "--dir", office.dir.string(), "--format", "jsonl"}).out;
    const std::string devices_before = hq_command({"devices", "--dir", office.dir.string(), "--json"}).out;
    REQUIRE(lines_of(export_before).size() == events_before.size());

    auto migrated = hq_command({"migrate", "--dir", office.dir.string(), "--to", url});
    INFO(migrated.out << migrated.err);
    REQUIRE(migrated.exit_code == 0);

    // The report: every table counted on both sides, the same content, the checksum of the event ids.
    {
        for (const auto& table : tables) {
            INFO(table);
            const std::string count = std::to_string(rows_before[table]);
            bool found = false;
            for (const auto& line : lines_of(migrated.out))
                if (line.starts_with(table + " ")) {
                    found = true;
                    CHECK(line.find(" " + count + " ") != std::string::npos);
                    CHECK(line.find("same ") != std::string::npos);
                }
            CHECK(found);
        }
        CHECK(migrated.out.find("DIFFERENT") == std::string::npos);
        const std::string checksum = event_ids_sha256(events_before);
        CHECK(migrated.out.find("hq.db       " + checksum) != std::string::npos);
        CHECK(migrated.out.find("PostgreSQL  " + checksum) != std::string::npos);
        CHECK(migrated.out.find("dashboard_ratings") != std::string::npos); // named as not copied
        CHECK(migrated.out.find("events.seq") != std::string::npos);        // its sequence moved
        CHECK(migrated.out.find("rows/s") != std::string::npos);
        CHECK(migrated.err.empty());
    }

    // hq.json names the database; hq.db is as it was.
    auto settings = hq::load_settings(office.dir);
    REQUIRE(settings);
    CHECK(settings->database == url);
    CHECK(read_text(office.database_file()) == file_before);

    auto store = open_store(office.dir);
    REQUIRE(store.connection().backend() == sql::Backend::postgresql);
    sql::Connection& pg = store.connection();

    // The same rows, events in the same order with the same bodies; the read model left to be rebuilt.
    {
        for (const auto& table : tables) {
            INFO(table);
            CHECK(count_in(pg, "SELECT count(*) FROM \"" + table + "\"") == rows_before[table]);
        }
        CHECK(events_in_order(pg) == events_before);
        CHECK(count_in(pg, "SELECT last_seq FROM mail_cursor") == mail_cursor_before);
        CHECK(count_in(pg, "SELECT last_seq FROM dashboard_cursor") == 0);
        CHECK(count_in(pg, "SELECT count(*) FROM dashboard_ratings") == 0);
        // The commands read the same from PostgreSQL.
        CHECK(hq_command({"export", "--dir", office.dir.string(), "--format", "jsonl"}).out == export_before);
        CHECK(hq_command({"devices", "--dir", office.dir.string(), "--json"}).out == devices_before);
    }

    // Devices, configurations, complaints, contacts, users, sessions and tokens work as before.
    {
        auto device = store.authenticate(office.device_token);
        REQUIRE(device);
        CHECK(device->store_code == "UTR");
        auto devices = store.devices();
        REQUIRE(devices);
        CHECK(devices->size() == 2);
        auto picture = store.screenshot(device->id);
        REQUIRE(picture);
        REQUIRE(*picture);
        CHECK(**picture == office.screenshot);
        auto config = store.config_for("UTR");
        REQUIRE(config);
        REQUIRE(*config);
        CHECK((*config)->version == 2);
        auto found = store.find_complaint(office.reference);
        REQUIRE(found);
        REQUIRE(*found);
        CHECK((*found)->complaint_id == office.complaint_id);
        auto about = store.events_about(office.complaint_id);
        REQUIRE(about);
        REQUIRE_FALSE(about->empty());
        CHECK(about->front().event.payload.at("description") ==
              "Waterkoker lekt \xe2\x80\x94 \xc3\xa9\xc3\xa9n \xe2\x98\x95 kapot");
        auto contact = store.open_contact(about->front().event.payload.at("contact"));
        REQUIRE(contact);
        CHECK(contact->at("name") == "Ans Kievit");

        hq::web::UserStore users(pg);
        auto hash = users.password_hash("kwaliteit");
        REQUIRE(hash);
        CHECK(crypto::verify_argon2id(*hash, password)); // can log in
        CHECK_FALSE(crypto::verify_argon2id(*hash, password + "x"));
        auto session = users.session(office.session_token, office.now + 60'000);
        REQUIRE(session);
        REQUIRE(*session);
        CHECK((*session)->user.name == "kwaliteit");
        auto user = users.find_user("kwaliteit");
        REQUIRE(user);
        REQUIRE(*user);
        CHECK((*user)->stores == std::vector<std::string>{"AMS", "UTR"});

        hq::api::ApiTokenStore tokens(pg);
        auto tool = tokens.authenticate(office.api_token);
        REQUIRE(tool);
        CHECK(tool->name == "crm");
        auto kept = tokens.kept_answer("crm", "key-1");
        REQUIRE(kept);
        REQUIRE(*kept);
        CHECK((*kept)->status == 201);
    }

    // Numbering goes on after the copied keys: events, the audit log, the outbox, contact keys.
    {
        auto device = store.authenticate(office.device_token);
        REQUIRE(device);
        ingest_ratings(store, *device, 1000, 5, now_utc_ms());
        CHECK(count_in(pg, "SELECT min(seq) FROM events WHERE seq > " + std::to_string(max_seq_before)) ==
              max_seq_before + 1);
        CHECK(count_in(pg, "SELECT count(*) FROM events") == static_cast<int64_t>(events_before.size()) + 5);
        hq::web::UserStore users(pg);
        REQUIRE(users.audit("beheer", "user.added", "x", "", now_utc_ms()));
        CHECK(count_in(pg, "SELECT max(seq) FROM web_audit") == max_audit_before + 1);
        REQUIRE(pg.exec("INSERT INTO mail_outbox(message_key, kind, complaint_id, store_code, recipient, subject, "
                        "body, status, next_attempt_at, queued_at) VALUES ('survey:c', 'survey', 'c1', 'UTR', '', "
                        "'', '', 'queued', 1, 1)"));
        CHECK(count_in(pg, "SELECT max(id) FROM mail_outbox") == max_mail_before + 1);
        CHECK(hq_command({"rotate-contact-key", "--dir", office.dir.string()}).exit_code == 0);
        CHECK(count_in(pg, "SELECT count(*) FROM contact_keys") == rows_before["contact_keys"] + 1);
    }

    // Migrating again is refused: the folder is on PostgreSQL; another head office into a full database.
    {
        auto again = hq_command({"migrate", "--dir", office.dir.string(), "--to", url});
        CHECK(again.exit_code == 1);
        CHECK(again.err.find("PostgreSQL already") != std::string::npos);
        CHECK(std::count(again.err.begin(), again.err.end(), '\n') == 1);

        SqliteHeadOffice second(false);
        const std::string second_file = read_text(second.database_file());
        const std::string second_settings = read_text(second.dir / hq::settings_file_name);
        auto refused = hq_command({"migrate", "--dir", second.dir.string(), "--to", url});
        CHECK(refused.exit_code == 1);
        CHECK(refused.err.find("already holds head-office data") != std::string::npos);
        CHECK(refused.err.find("events") != std::string::npos);
        CHECK(std::count(refused.err.begin(), refused.err.end(), '\n') == 1);
        CHECK(read_text(second.database_file()) == second_file);
        CHECK(read_text(second.dir / hq::settings_file_name) == second_settings);
        CHECK(count_in(pg, "SELECT count(*) FROM events") == static_cast<int64_t>(events_before.size()) + 5);
        CHECK(count_in(pg, "SELECT count(*) FROM enrolment_codes") == rows_before["enrolment_codes"]);
    }
}

TEST_CASE("feedback-hq migrate refuses bad input in one line and changes nothing", "[sync][hq][migrate][postgresql]")
{
    SqliteHeadOffice office(false);
    SqlBackends databases;
    const std::string url = databases.new_database(sql::Backend::postgresql);
    const std::string file_before = read_text(office.database_file());
    const std::string settings_before = read_text(office.dir / hq::settings_file_name);
    const fs::path socket_dir = databases.cluster().folder();
    const std::string port = std::to_string(databases.cluster().port());

    auto refused = [&](std::vector<std::string> args, int exit_code, const std::string& words) {
        args.insert(args.begin(), "migrate");
        auto done = hq_command(args);
        INFO(done.out << done.err);
        CHECK(done.exit_code == exit_code);
        CHECK(done.err.find(words) != std::string::npos);
        CHECK(std::count(done.err.begin(), done.err.end(), '\n') == 1);
        CHECK(done.err.find("s3cret") == std::string::npos);
        return done;
    };
    refused({"--dir", (office.temp.path() / "nowhere").string(), "--to", url}, 1, "does not exist");
    fs::create_directories(office.temp.path() / "empty");
    refused({"--dir", (office.temp.path() / "empty").string(), "--to", url}, 1, "no hq.db");
    refused({"--dir", office.dir.string(), "--to", "mysql://hq:s3cret@db/feedback"}, 2, "postgresql:// URL");
    refused({"--dir", office.dir.string(), "--to", "postgresql://postgres:s3cret@/nosuch?host=" + socket_dir.string() +
                                                     "&port=" + port},
            1, "cannot reach the database postgresql://postgres:***@/nosuch");
    refused({"--dir", office.dir.string(), "--to", "postgresql://postgres:s3cret@/feedback?host=/nonexistent&port=1"},
            1, "cannot reach the database");
    refused({"--dir", office.dir.string()}, 2, "--to");
    {
        auto serving = hq::ServeLock::take(office.dir, hq::ServeLock::Kind::shared); // as serve holds it
        REQUIRE(serving);
        refused({"--dir", office.dir.string(), "--to", url}, 1, "stop it first");
    }
    // Not an SQLite file.
    {
        TempDir other;
        std::ofstream(other.path() / "hq.db") << "not a database, just text that is long enough to be a header";
        refused({"--dir", other.path().string(), "--to", url}, 1, "is not a head-office SQLite database");
    }
    CHECK(read_text(office.database_file()) == file_before);
    CHECK(read_text(office.dir / hq::settings_file_name) == settings_before);
    auto target = sql::open_postgresql(url);
    REQUIRE(target);
    CHECK(count_in(**target, "SELECT count(*) FROM pg_tables WHERE tablename = 'events'") == 0); // nothing made

    auto help = hq_command({"migrate", "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--to URL") != std::string::npos);
    CHECK(help.out.find("Stop head office first") != std::string::npos);
    auto overview = hq_command({"--help"});
    CHECK(overview.out.find("migrate") != std::string::npos);
}

TEST_CASE("a copy that differs from hq.db is rolled back, and hq.json keeps naming hq.db",
          "[sync][hq][migrate][postgresql]")
{
    SqliteHeadOffice office;
    SqlBackends databases;
    const std::string url = databases.new_database(sql::Backend::postgresql);
    const std::string settings_before = read_text(office.dir / hq::settings_file_name);

    hq::MigrationOptions options{office.dir, url, [](sql::Connection& target) -> Result<void> {
                                     // One body changed by a byte, as a broken copy would.
                                     return target.exec("UPDATE events SET body = body || ' ' "
                                                        "WHERE seq = (SELECT min(seq) FROM events)");
                                 }};
    auto report = hq::migrate_to_postgresql(options);
    INFO((report ? "" : report.error().message));
    REQUIRE(report);
    CHECK_FALSE(report->verified);
    for (const auto& table : report->tables) {
        INFO(table.name);
        CHECK(table.source_rows == table.target_rows);
        CHECK(table.same() == (table.name != "events"));
    }
    CHECK(report->source_event_ids_sha256 == report->target_event_ids_sha256); // the ids alone are the same
    CHECK(read_text(office.dir / hq::settings_file_name) == settings_before);
    auto target = sql::open_postgresql(url);
    REQUIRE(target);
    CHECK(count_in(**target, "SELECT count(*) FROM events") == 0);
    CHECK(count_in(**target, "SELECT count(*) FROM devices") == 0);

    // Nothing was left behind: the same database takes the copy afterwards.
    auto migrated = hq::migrate_to_postgresql({office.dir, url, {}});
    INFO((migrated ? "" : migrated.error().message));
    REQUIRE(migrated);
    CHECK(migrated->verified);
    CHECK(hq::load_settings(office.dir)->database == url);
}

TEST_CASE("the copy is one snapshot of hq.db: a row written meanwhile is in neither count nor copy",
          "[sync][hq][migrate][postgresql]")
{
    SqliteHeadOffice office(false);
    SqlBackends databases;
    const std::string url = databases.new_database(sql::Backend::postgresql);
    // Written into hq.db by another connection after the tables were read,
    // before they are counted (a command run while migrate works).
    hq::MigrationOptions options{office.dir, url, [&office](sql::Connection&) -> Result<void> {
                                     auto writer = hq::HqStore::open(office.dir, hq::HqStore::Intent::existing_only);
                                     FEEDBACK_TRY(writer);
                                     auto code = writer->create_enrolment_code("AMS", "Kassa 9", office.now, 3'600'000);
                                     FEEDBACK_TRY(code);
                                     return {};
                                 }};
    auto report = hq::migrate_to_postgresql(options);
    INFO((report ? "" : report.error().message));
    REQUIRE(report);
    CHECK(report->verified);
    auto codes = std::find_if(report->tables.begin(), report->tables.end(),
                              [](const hq::TableCopy& table) { return table.name == "enrolment_codes"; });
    REQUIRE(codes != report->tables.end());
    CHECK(codes->source_rows == 1);
    CHECK(codes->target_rows == 1);
    auto sqlite = open_sqlite(office.database_file());
    CHECK(count_in(*sqlite, "SELECT count(*) FROM enrolment_codes") == 2); // why serve must be stopped
}

TEST_CASE("migrating 200,000 events: rows per second", "[.][perf][migrate]")
{
    SqliteHeadOffice office;
    {
        auto store = open_store(office.dir);
        auto device = store.authenticate(office.device_token);
        REQUIRE(device);
        const auto started = std::chrono::steady_clock::now();
        for (int batch = 0; batch < 200; ++batch)
            ingest_ratings(store, *device, 10'000 + batch * 1000, 1000, office.now + batch);
        std::cout << "made 200000 events in "
                  << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() << " s\n";
    }
    SqlBackends databases;
    const std::string url = databases.new_database(sql::Backend::postgresql);
    auto report = hq::migrate_to_postgresql({office.dir, url, {}});
    INFO((report ? "" : report.error().message));
    REQUIRE(report);
    CHECK(report->verified);
    for (const auto& table : report->tables)
        if (table.source_rows > 100)
            std::cout << table.name << ": " << table.source_rows << " rows\n";
    std::cout << "copied " << report->rows << " rows in " << report->copy_seconds << " s ("
              << static_cast<double>(report->rows) / report->copy_seconds << " rows/s); checked in "
              << report->check_seconds << " s\n";
}
