// Alerts to head office's own people (hq/mail/alerts.h) on a real head
// office database: who is concerned by each cause, once per cause, each
// person's choices (at once, the daily digest, off), the terminal causes only
// while the store is open, and never a customer's details in an alert. Every
// case runs on both backends (SQLite and PostgreSQL).
#include "config/kiosk_config.h"
#include "domain/clock.h"
#include "domain/event.h"
#include "domain/ids.h"
#include "hq/dashboard/projector.h"
#include "hq/hq_settings.h"
#include "hq/hq_store.h"
#include "hq_backends.h"
#include "hq_contents.h"
#include "hq/mail/alerts.h"
#include "hq/mail/outbox.h"
#include "sql/connection.h"
#include "support/event_builder.h"
#include "support/sql_backends.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

using namespace feedback;
using feedback::testing::each_backend;
using feedback::testing::TempDir;
using Json = nlohmann::json;
namespace mail = feedback::hq::mail;

namespace {

constexpr int64_t minute = 60'000;
constexpr int64_t hour = 60 * minute;

int64_t at(const char* iso) { return *parse_iso8601_instant(iso); }

struct QueuedMail {
    std::string kind;
    std::string key;
    std::string complaint_id;
    std::string to;
    std::string subject;
    std::string body;
};

// A head office on `backend` with the chain's quality lead, UTR's manager,
// AMS's manager, a viewer and a manager without an address.
struct Office {
    sql::Backend backend;
    TempDir dir;
    hq::HqStore store = open_in(dir, backend);
    mail::AlertContext context;

    static hq::HqStore open_in(const TempDir& dir, sql::Backend backend)
    {
        hq::HqStore opened = testing::open_hq(dir, backend);
        testing::give_contact_key(opened, dir.path());
        return opened;
    }

    explicit Office(sql::Backend on) : backend(on)
    {
        const int64_t t = at("2026-12-01T08:00:00Z");
        REQUIRE(store.publish_config("UTR", testing::default_config_document(), t));
        REQUIRE(store.publish_config("AMS", testing::default_config_document(), t));
        // Written straight into the tables (the users module is tested on
        // its own): only who they are, their stores and their address count here.
        sql::Connection& db = store.connection();
        auto add = [&](const char* name, const char* role, std::vector<std::string> stores, const char* email) {
            auto user = db.prepare("INSERT INTO web_users(name, role, password_hash, created_at, password_set_at, "
                                   "email) VALUES (?1, ?2, 'not a hash', ?3, ?3, ?4)");
            REQUIRE(user);
            REQUIRE(user->bind(1, name).bind(2, role).bind(3, t).bind(4, email).run());
            for (const std::string& store_code : stores) {
                auto sees = db.prepare("INSERT INTO web_user_stores(user_name, store_code) VALUES (?1, ?2)");
                REQUIRE(sees);
                REQUIRE(sees->bind(1, name).bind(2, store_code).run());
            }
        };
        add("quality.lead", "admin", {}, "quality@example.nl");
        add("utr.manager", "manager", {"UTR"}, "utr@example.nl");
        add("ams.manager", "manager", {"AMS"}, "ams@example.nl");
        add("viewer", "viewer", {}, "viewer@example.nl");
        add("no.address", "manager", {}, "");
        context.public_url = "https://feedback.example.nl";
        context.fallback_config = testing::default_config_document();
        // The texts as the dashboard's would be: the key and its values, easy to check.
        context.text = [](std::string_view key, const std::map<std::string, std::string>& values) {
            std::string out(key);
            for (const auto& [name, value] : values)
                out += " " + name + "=" + value;
            return out;
        };
    }

    hq::RegisteredComplaint complaint(const std::string& store_code, const std::string& severity, int64_t when)
    {
        hq::ComplaintIntake intake{store_code,
                                   {{"channel", "phone"},
                                    {"category", "delivery"},
                                    {"description", "The sofa came with a torn cushion."},
                                    {"customer_wish", "A new cushion."},
                                    {"severity", severity},
                                    {"contact", {{"consent", true},
                                                 {"name", "Jan Jansen"},
                                                 {"phone", "+31 6 1234 5678"},
                                                 {"email", "jan@example.com"}}}},
                                   when,
                                   "hq:quality.lead"};
        auto registered = store.register_complaint(intake, when);
        REQUIRE(registered);
        return *registered;
    }

    mail::AlertScan scan(int64_t now)
    {
        // The dashboard's read model, which the complaint and call-back causes read.
        hq::dashboard::Projector projector(store);
        REQUIRE(projector.catch_up());
        auto scanned = mail::scan_alerts(store, context, now);
        INFO((scanned ? "" : scanned.error().message));
        REQUIRE(scanned);
        return *scanned;
    }

    std::vector<QueuedMail> staff_mail()
    {
        auto stmt = store.connection().prepare("SELECT kind, message_key, complaint_id, recipient, subject, body FROM "
                                               "mail_outbox WHERE kind IN ('alert', 'digest') ORDER BY id");
        REQUIRE(stmt);
        std::vector<QueuedMail> out;
        while (stmt->step().value())
            out.push_back({stmt->column_text(0), stmt->column_text(1), stmt->column_text(2), stmt->column_text(3),
                           stmt->column_text(4), stmt->column_text(5)});
        return out;
    }
};

std::multiset<std::string> recipients(const std::vector<QueuedMail>& mails, std::string_view subject_start)
{
    std::multiset<std::string> out;
    for (const auto& mail : mails)
        if (mail.subject.starts_with(subject_start))
            out.insert(mail.to);
    return out;
}

// Counter 1 of store UTR, enrolled at `t`: its device id.
std::string enrol_counter(Office& office, int64_t t)
{
    auto code = office.store.create_enrolment_code("UTR", "Counter 1", t, 3600 * 1000);
    REQUIRE(code);
    auto enrolled = office.store.enrol(code->code, make_uuid_v7(t), "0.1.0", t + 1000);
    REQUIRE(enrolled);
    return enrolled->device_id;
}

} // namespace

TEST_CASE("a serious complaint alerts the store's managers and the quality team once, without customer details",
          "[alerts]")
{
    Office office(each_backend());
    const int64_t opened = at("2026-12-07T09:00:00Z"); // Monday 10:00 in Utrecht
    auto safety = office.complaint("UTR", "safety", opened);
    office.complaint("UTR", "normal", opened + minute); // nothing to alert yet

    auto first = office.scan(opened + 2 * minute);
    CHECK(first.raised == 2);
    CHECK(first.queued == 2);
    auto mails = office.staff_mail();
    REQUIRE(mails.size() == 2);
    // The admin of the chain and UTR's manager; not AMS's manager, not the viewer, not the one without an address.
    CHECK(recipients(mails, "alert.subject.serious") ==
          std::multiset<std::string>{"quality@example.nl", "utr@example.nl"});
    const std::string reference = safety.event.payload.at("reference");
    for (const auto& mail : mails) {
        CHECK(mail.kind == "alert");
        CHECK(mail.complaint_id == safety.event.subject);
        CHECK(mail.subject.find("reference=" + reference) != std::string::npos);
        CHECK(mail.subject.find("severity=severity.safety") != std::string::npos);
        CHECK(mail.body.find("https://feedback.example.nl/complaints/" + safety.event.subject) != std::string::npos);
        for (const char* personal : {"Jansen", "1234 5678", "jan@example", "torn cushion", "A new cushion"}) {
            CHECK(mail.subject.find(personal) == std::string::npos);
            CHECK(mail.body.find(personal) == std::string::npos);
        }
    }
    // While it lasts, it is not alerted again.
    CHECK(office.scan(opened + 3 * minute).raised == 0);
    CHECK(office.staff_mail().size() == 2);

    // Assessed higher later: safety was alerted, high to safety is another cause only when it changes.
    auto escalated = office.store.record_hq_event(EventType::complaint_escalated, safety.event.subject,
                                                  "hq:quality.lead", {{"reason", "Customer wants the director"}},
                                                  opened + 4 * minute);
    INFO((escalated ? "" : escalated.error().message));
    REQUIRE(escalated);
    CHECK(office.scan(opened + 5 * minute).raised == 2);
    CHECK(recipients(office.staff_mail(), "alert.subject.escalated") ==
          std::multiset<std::string>{"quality@example.nl", "utr@example.nl"});
    // A staff alert is on no complaint's timeline and not among the customer's messages.
    auto messages = mail::messages_of(office.store.connection(), safety.event.subject);
    REQUIRE(messages);
    for (const auto& line : *messages)
        CHECK_FALSE(mail::is_staff_mail(line.kind));
}

TEST_CASE("a deadline alerts at 80% of its time and again when it is missed, each once", "[alerts]")
{
    Office office(each_backend());
    const int64_t opened = at("2026-12-07T09:00:00Z"); // Monday 10:00; answer by Wednesday 10:00
    auto complaint = office.complaint("UTR", "normal", opened);
    const int64_t deadline = at("2026-12-09T09:00:00Z");

    CHECK(office.scan(opened + 30 * hour).raised == 0); // 62% of its time
    CHECK(office.scan(opened + 40 * hour).raised == 2); // 83%
    CHECK(office.scan(opened + 41 * hour).raised == 0);
    CHECK(recipients(office.staff_mail(), "alert.subject.deadline_near") ==
          std::multiset<std::string>{"quality@example.nl", "utr@example.nl"});
    CHECK(office.staff_mail().front().subject.find("deadline=2026-12-09 10:00") != std::string::npos);
    CHECK(office.scan(deadline + minute).raised == 2);
    CHECK(office.scan(deadline + 2 * hour).raised == 0);
    CHECK(recipients(office.staff_mail(), "alert.subject.deadline_missed").size() == 2);

    // Answered in time, another complaint raises no deadline alert at all.
    auto answered = office.complaint("UTR", "normal", opened + hour);
    REQUIRE(office.store.record_hq_event(EventType::complaint_resolved, answered.event.subject, "hq:quality.lead",
                                         {{"resolution", "replacement"},
                                          {"on_the_spot", false},
                                          {"decision", "A new cushion is on its way."},
                                          {"communicated", "phone"}},
                                         opened + 2 * hour));
    CHECK(office.scan(deadline + 3 * hour).raised == 0);
    CHECK(office.staff_mail().size() == 4);
}

TEST_CASE("each person chooses per alert: at once, in the daily digest after 7:00, or off", "[alerts]")
{
    Office office(each_backend());
    REQUIRE(mail::set_alert_choice(office.store.connection(), "utr.manager", mail::AlertCause::serious,
                                   mail::AlertDelivery::digest));
    REQUIRE(mail::set_alert_choice(office.store.connection(), "quality.lead", mail::AlertCause::serious,
                                   mail::AlertDelivery::off));
    auto choices = mail::alert_choices(office.store.connection(), "utr.manager");
    REQUIRE(choices);
    CHECK(choices->at(mail::AlertCause::serious) == mail::AlertDelivery::digest);
    CHECK(choices->at(mail::AlertCause::escalated) == mail::AlertDelivery::immediate); // not chosen: at once

    const int64_t evening = at("2026-12-07T19:00:00Z"); // Monday 20:00 in Utrecht
    office.complaint("UTR", "high", evening);
    office.complaint("UTR", "safety", evening + minute);
    auto scanned = office.scan(evening + 2 * minute);
    CHECK(scanned.raised == 2); // two lines for UTR's manager's digest; the quality lead chose none
    CHECK(scanned.queued == 0);  // the digest waits for the morning
    CHECK(office.scan(at("2026-12-08T05:30:00Z")).queued == 0); // 06:30: not yet
    auto morning = office.scan(at("2026-12-08T06:05:00Z"));     // 07:05
    CHECK(morning.queued == 1);
    auto mails = office.staff_mail();
    REQUIRE(mails.size() == 1);
    CHECK(mails[0].kind == "digest");
    CHECK(mails[0].to == "utr@example.nl");
    CHECK(mails[0].subject.find("count=2") != std::string::npos);
    CHECK(mails[0].subject.find("date=2026-12-08") != std::string::npos);
    CHECK(mails[0].body.find("severity=severity.high") != std::string::npos);
    CHECK(mails[0].body.find("severity=severity.safety") != std::string::npos);
    // One digest a day: a later alert waits for tomorrow's.
    office.complaint("UTR", "high", at("2026-12-08T08:00:00Z"));
    CHECK(office.scan(at("2026-12-08T08:01:00Z")).queued == 0);
    CHECK(office.scan(at("2026-12-09T06:01:00Z")).queued == 1);
}

TEST_CASE("the choices and the daily digest of a terminal's alerts", "[alerts]")
{
    Office office(each_backend());
    REQUIRE(mail::set_alert_choice(office.store.connection(), "utr.manager", mail::AlertCause::terminal_silent,
                                   mail::AlertDelivery::off));
    REQUIRE(mail::set_alert_choice(office.store.connection(), "utr.manager", mail::AlertCause::terminal_silent,
                                   mail::AlertDelivery::digest)); // chosen again: the newer choice counts
    REQUIRE(mail::set_alert_choice(office.store.connection(), "quality.lead", mail::AlertCause::terminal_silent,
                                   mail::AlertDelivery::off));
    auto choices = mail::alert_choices(office.store.connection(), "utr.manager");
    REQUIRE(choices);
    CHECK(choices->at(mail::AlertCause::terminal_silent) == mail::AlertDelivery::digest);
    CHECK(choices->at(mail::AlertCause::serious) == mail::AlertDelivery::immediate); // not chosen: at once

    const std::string device_id = enrol_counter(office, at("2026-12-01T08:00:00Z"));
    auto stmt = office.store.connection().prepare("UPDATE devices SET last_seen_at = ?2 WHERE id = ?1");
    REQUIRE(stmt);
    REQUIRE(stmt->bind(1, device_id).bind(2, at("2026-12-06T09:00:00Z")).run());
    // Monday 10:30, silent since Sunday: a line for UTR's manager's digest; the quality lead chose none.
    auto scanned = office.scan(at("2026-12-07T09:30:00Z"));
    CHECK(scanned.raised == 1);
    CHECK(scanned.queued == 0);
    CHECK(office.scan(at("2026-12-08T05:30:00Z")).queued == 0); // 06:30 the next day: not yet
    CHECK(office.scan(at("2026-12-08T06:05:00Z")).queued == 1); // 07:05
    CHECK(office.scan(at("2026-12-08T06:30:00Z")).queued == 0); // one a day
    auto mails = office.staff_mail();
    REQUIRE(mails.size() == 1);
    CHECK(mails[0].kind == "digest");
    CHECK(mails[0].key == "digest:utr.manager:2026-12-08");
    CHECK(mails[0].to == "utr@example.nl");
    CHECK(mails[0].subject.find("count=1") != std::string::npos);
    CHECK(mails[0].body.find("alert.subject.terminal_silent") != std::string::npos);
    CHECK(mails[0].body.find("https://feedback.example.nl/devices") != std::string::npos);
    // Waiting to be sent, like every message in the outbox.
    auto summary = mail::outbox_summary(office.store.connection());
    REQUIRE(summary);
    CHECK(summary->queued == 1);
    CHECK(summary->failed == 0);
}

TEST_CASE("a terminal silent while its store is open, and a backlog that keeps growing, alert once", "[alerts]")
{
    Office office(each_backend());
    const std::string device_id = enrol_counter(office, at("2026-12-01T08:00:00Z"));
    auto report = [&](int64_t seen, int64_t backlog) {
        auto stmt = office.store.connection().prepare(
            "UPDATE devices SET last_seen_at = ?2, last_backlog = ?3 WHERE id = ?1");
        REQUIRE(stmt);
        REQUIRE(stmt->bind(1, device_id).bind(2, seen).bind(3, backlog).run());
    };
    // Sunday: closed. Silent for hours, nobody is alerted.
    report(at("2026-12-06T09:00:00Z"), 0);
    CHECK(office.scan(at("2026-12-06T15:00:00Z")).raised == 0);
    // Monday 10:30: open, silent since Sunday: the store's people are alerted, once.
    CHECK(office.scan(at("2026-12-07T09:30:00Z")).raised == 2);
    CHECK(office.scan(at("2026-12-07T10:30:00Z")).raised == 0);
    CHECK(recipients(office.staff_mail(), "alert.subject.terminal_silent") ==
          std::multiset<std::string>{"quality@example.nl", "utr@example.nl"});
    // It comes back; later its backlog grows from scan to scan for over an hour.
    int64_t t = at("2026-12-07T11:00:00Z");
    int64_t raised = 0;
    for (int64_t backlog : {10, 60, 120, 200, 320}) {
        report(t, backlog);
        raised += office.scan(t).raised;
        t += 20 * minute;
    }
    CHECK(raised == 2);
    CHECK(recipients(office.staff_mail(), "alert.subject.backlog_growing").size() == 2);
    // It shrinks: the growth is over; growing again later is a new cause.
    report(t, 100);
    CHECK(office.scan(t).raised == 0);
}

TEST_CASE("a terminal in a crash loop or with a nearly full disk alerts the store's people once a day while it lasts",
          "[alerts]")
{
    Office office(each_backend());
    const std::string device_id = enrol_counter(office, at("2026-12-07T08:00:00Z"));
    auto report = [&](int64_t seen, const std::string& condition) {
        auto stmt = office.store.connection().prepare(
            "UPDATE devices SET last_seen_at = ?2, condition = ?3 WHERE id = ?1");
        REQUIRE(stmt);
        REQUIRE(stmt->bind(1, device_id).bind(2, seen).bind(3, condition).run());
    };
    // Healthy: nothing.
    report(at("2026-12-07T09:00:00Z"), R"({"restarts":1,"restarts_1h":1,"disk_free":8000000000,"disk_total":16000000000})");
    CHECK(office.scan(at("2026-12-07T09:00:30Z")).raised == 0);
    // Four unasked stops within the hour and 300 MB free: two problems, each to both of the store's people.
    report(at("2026-12-07T10:00:00Z"), R"({"restarts":5,"restarts_1h":4,"disk_free":300000000,"disk_total":16000000000})");
    CHECK(office.scan(at("2026-12-07T10:00:30Z")).raised == 4);
    CHECK(office.scan(at("2026-12-07T10:30:00Z")).raised == 0); // once a day
    auto mails = office.staff_mail();
    CHECK(recipients(mails, "alert.subject.device_trouble") ==
          std::multiset<std::string>{"quality@example.nl", "quality@example.nl", "utr@example.nl", "utr@example.nl"});
    bool crash_loop = false;
    bool low_disk = false;
    for (const auto& mail : mails) {
        crash_loop = crash_loop || mail.subject.find("devices.flag.crash_loop") != std::string::npos;
        low_disk = low_disk || mail.subject.find("devices.flag.low_disk") != std::string::npos;
        CHECK(mail.body.find("https://feedback.example.nl/devices") != std::string::npos);
    }
    CHECK(crash_loop);
    CHECK(low_disk);
    // Still so the next day (it keeps reporting): said again; fixed, quiet.
    report(at("2026-12-08T07:59:00Z"), R"({"restarts":9,"restarts_1h":4,"disk_free":300000000,"disk_total":16000000000})");
    CHECK(office.scan(at("2026-12-08T08:00:00Z")).raised == 4);
    report(at("2026-12-09T08:00:00Z"), R"({"restarts":5,"restarts_1h":0,"disk_free":8000000000,"disk_total":16000000000})");
    CHECK(office.scan(at("2026-12-09T08:00:30Z")).raised == 0);
}

TEST_CASE("a detractor who asks to be called back alerts the store's people once, without their details",
          "[alerts]")
{
    Office office(each_backend());
    const int64_t t = at("2026-12-07T10:00:00Z");
    auto code = office.store.create_enrolment_code("UTR", "Counter 1", t, 3600 * 1000);
    REQUIRE(code);
    const std::string device_id = make_uuid_v7(t);
    auto enrolled = office.store.enrol(code->code, device_id, "0.1.0", t + 1);
    REQUIRE(enrolled);
    auto device = office.store.authenticate(enrolled->token);
    REQUIRE(device);
    auto rated = testing::make_event({EventType::nps_rated, "", t + 10, device_id, 1,
                                      {{"score", 3}, {"survey_version", 1}, {"locale", "nl"}}, "kiosk"});
    auto detailed = testing::make_event({EventType::nps_detailed, rated.id, t + 20, device_id, 2,
                                         {{"reason_ids", {"waiting_time"}},
                                          {"contact", {{"consent", true}, {"name", "Zoë de Vries"},
                                                       {"phone", "+31 6 1234 5678"}}}},
                                         "kiosk"});
    const std::string batch_id = make_uuid_v7(t + 30);
    const std::string body = Json{{"batch_id", batch_id}, {"events", {to_json(rated), to_json(detailed)}}}.dump();
    auto answer = office.store.ingest(*device, batch_id, body, 1000, {}, t + 30);
    REQUIRE(answer);

    CHECK(office.scan(t + minute).raised == 2);
    CHECK(office.scan(t + 2 * minute).raised == 0);
    auto mails = office.staff_mail();
    CHECK(recipients(mails, "alert.subject.call_back") ==
          std::multiset<std::string>{"quality@example.nl", "utr@example.nl"});
    for (const auto& mail : mails) {
        CHECK(mail.body.find("https://feedback.example.nl/callbacks/" + rated.id) != std::string::npos);
        CHECK(mail.subject.find("score=3") != std::string::npos);
        for (const char* personal : {"Zoë", "Vries", "1234 5678"}) {
            CHECK(mail.subject.find(personal) == std::string::npos);
            CHECK(mail.body.find(personal) == std::string::npos);
        }
    }
}
