// Head office's mail outbox (hq/mail/outbox.h) on both backends, SQLite and
// PostgreSQL, without a server or an SMTP server: messages planned once per
// event, leased to one sender, retried with backoff, done with (address and
// body emptied), their fate on the complaint's timeline, and the survey link
// answered once. The real sending is test_mail's (feedback-hq serve, SQLite).
#include "config/kiosk_config.h"
#include "domain/clock.h"
#include "domain/event.h"
#include "hq/hq_settings.h"
#include "hq/hq_store.h"
#include "hq/mail/outbox.h"
#include "hq_backends.h"
#include "hq_contents.h"
#include "sql/connection.h"
#include "support/sql_backends.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace feedback;
using feedback::testing::each_backend;
using feedback::testing::TempDir;
using Json = nlohmann::json;
namespace mail = feedback::hq::mail;

namespace {

constexpr int64_t minute = 60'000;

int64_t at(const char* iso) { return *parse_iso8601_instant(iso); }

// A head office on `backend` with a contact key and UTR's configuration.
struct Office {
    TempDir dir;
    hq::HqStore store;
    mail::PlanContext context;
    mail::MailSettings settings;

    explicit Office(sql::Backend backend) : store(open_in(dir, backend))
    {
        REQUIRE(store.publish_config("UTR", testing::default_config_document(), at("2026-12-01T08:00:00Z")));
        context.public_url = "https://feedback.example.nl";
        context.fallback_config = testing::default_config_document();
        settings.mail_from = "Klantenservice <service@example.nl>";
        settings.retry_first_seconds = 60;
    }

    static hq::HqStore open_in(const TempDir& dir, sql::Backend backend)
    {
        hq::HqStore opened = testing::open_hq(dir, backend);
        testing::give_contact_key(opened, dir.path());
        return opened;
    }

    // A complaint of a customer who gave their address with consent.
    std::string complaint(int64_t when)
    {
        hq::ComplaintIntake intake{"UTR",
                                   {{"channel", "phone"},
                                    {"category", "delivery"},
                                    {"description", "The sofa came with a torn cushion."},
                                    {"customer_wish", "A new cushion."},
                                    {"severity", "normal"},
                                    {"contact", {{"consent", true},
                                                 {"name", "Jan Jansen"},
                                                 {"email", "jan@example.com"}}}},
                                   when,
                                   "hq:quality.lead"};
        auto registered = store.register_complaint(intake, when);
        INFO((registered ? "" : registered.error().message));
        REQUIRE(registered);
        return registered->event.subject;
    }

    mail::Planned plan(int64_t now)
    {
        auto planned = mail::plan_messages(store, context, now);
        INFO((planned ? "" : planned.error().message));
        REQUIRE(planned);
        return *planned;
    }

    std::vector<mail::ClaimedMessage> claim(int64_t now)
    {
        auto claimed = mail::claim_due_messages(store, settings, now, 10, 5 * minute);
        INFO((claimed ? "" : claimed.error().message));
        REQUIRE(claimed);
        return std::move(*claimed);
    }

    void record(const mail::ClaimedMessage& message, mail::Delivery delivery, const std::string& reason, int64_t now)
    {
        auto recorded = mail::record_delivery(store, message, {delivery, reason}, settings, now);
        INFO((recorded ? "" : recorded.error().message));
        REQUIRE(recorded);
    }

    // The complaint.messaged statuses on the complaint's timeline, in order.
    std::vector<std::string> timeline(const std::string& complaint_id)
    {
        auto events = store.events_about(complaint_id);
        REQUIRE(events);
        std::vector<std::string> out;
        for (const auto& stored : *events)
            if (stored.event.type == EventType::complaint_messaged)
                out.push_back(stored.event.payload.at("message").get<std::string>() + " " +
                              stored.event.payload.at("status").get<std::string>());
        return out;
    }
};

} // namespace

TEST_CASE("a message is planned once, leased to one sender, retried with backoff and done with", "[mail][outbox]")
{
    Office office(each_backend());
    const int64_t t = at("2026-12-07T09:00:00Z");
    const std::string complaint_id = office.complaint(t);

    auto planned = office.plan(t + minute);
    CHECK(planned.events == 1);
    CHECK(planned.queued == 1);
    CHECK(office.plan(t + minute).queued == 0); // the cursor moved on (past its own complaint.messaged too)
    // Read again from the start (a cursor lost): still once per event.
    REQUIRE(office.store.connection().exec("UPDATE mail_cursor SET last_seq = 0 WHERE id = 1"));
    CHECK(office.plan(t + minute).queued == 0);
    // Waiting sealed: neither the address nor the body in the clear.
    auto stored = office.store.connection().query_texts("SELECT recipient || body FROM mail_outbox");
    REQUIRE(stored);
    REQUIRE(stored->size() == 1);
    CHECK(stored->front().find("jan@example.com") == std::string::npos);
    CHECK(stored->front().find("A new cushion") == std::string::npos);

    auto summary = mail::outbox_summary(office.store.connection());
    REQUIRE(summary);
    CHECK(summary->queued == 1);
    CHECK(summary->failed == 0);

    auto claimed = office.claim(t + 2 * minute);
    REQUIRE(claimed.size() == 1);
    CHECK(claimed[0].kind == "acknowledgement");
    CHECK(claimed[0].complaint_id == complaint_id);
    CHECK(claimed[0].attempts == 0);
    CHECK(claimed[0].mail.to == "jan@example.com");
    CHECK(claimed[0].mail.from == "Klantenservice <service@example.nl>");
    CHECK(claimed[0].mail.body.find("A new cushion.") != std::string::npos); // the customer's wish, opened
    CHECK(claimed[0].mail.message_id ==
          "<outbox-" + std::to_string(claimed[0].id) + ".acknowledgement@example.nl>");
    CHECK(office.claim(t + 3 * minute).empty()); // leased

    // The server says "later": tried again after retry_first_seconds, then twice as long.
    office.record(claimed[0], mail::Delivery::temporary_failure, "451 try again later", t + 3 * minute);
    CHECK(office.claim(t + 3 * minute + 59'000).empty());
    auto again = office.claim(t + 4 * minute);
    REQUIRE(again.size() == 1);
    CHECK(again[0].attempts == 1);
    office.record(again[0], mail::Delivery::temporary_failure, "451 try again later", t + 4 * minute);
    CHECK(office.claim(t + 5 * minute + 59'000).empty());
    auto third = office.claim(t + 6 * minute);
    REQUIRE(third.size() == 1);
    office.record(third[0], mail::Delivery::accepted, "250 OK", t + 6 * minute);
    CHECK(office.claim(t + 60 * minute).empty());

    summary = mail::outbox_summary(office.store.connection());
    REQUIRE(summary);
    CHECK(summary->queued == 0);
    auto lines = mail::messages_of(office.store.connection(), complaint_id);
    REQUIRE(lines);
    REQUIRE(lines->size() == 1);
    CHECK((*lines)[0].kind == "acknowledgement");
    CHECK((*lines)[0].status == "sent");
    CHECK((*lines)[0].attempts == 3);
    CHECK((*lines)[0].last_error.empty());
    CHECK((*lines)[0].done_at == t + 6 * minute);
    // Done with: the address and the text are not kept.
    auto kept = office.store.connection().query_texts("SELECT recipient || body FROM mail_outbox");
    REQUIRE(kept);
    CHECK(kept->front().empty());
    CHECK(office.timeline(complaint_id) ==
          std::vector<std::string>{"acknowledgement queued", "acknowledgement sent"});
}

TEST_CASE("a message the server refuses for good fails with its words on the timeline", "[mail][outbox]")
{
    Office office(each_backend());
    const int64_t t = at("2026-12-07T09:00:00Z");
    const std::string complaint_id = office.complaint(t);
    CHECK(office.plan(t).queued == 1);
    auto claimed = office.claim(t);
    REQUIRE(claimed.size() == 1);
    office.record(claimed[0], mail::Delivery::permanent_failure, "550 no such mailbox", t + minute);
    auto summary = mail::outbox_summary(office.store.connection());
    REQUIRE(summary);
    CHECK(summary->failed == 1);
    CHECK(summary->queued == 0);
    auto lines = mail::messages_of(office.store.connection(), complaint_id);
    REQUIRE(lines);
    REQUIRE(lines->size() == 1);
    CHECK((*lines)[0].status == "failed");
    CHECK((*lines)[0].last_error == "550 no such mailbox");
    CHECK(office.timeline(complaint_id) ==
          std::vector<std::string>{"acknowledgement queued", "acknowledgement failed"});
}

TEST_CASE("the survey after closing is answered once through its link", "[mail][outbox][survey]")
{
    Office office(each_backend());
    const int64_t t = at("2026-12-07T09:00:00Z");
    const std::string complaint_id = office.complaint(t);
    REQUIRE(office.store.record_hq_event(EventType::complaint_resolved, complaint_id, "hq:quality.lead",
                                         {{"resolution", "replacement"},
                                          {"on_the_spot", false},
                                          {"decision", "A new cushion is on its way."},
                                          {"communicated", "not_yet"}},
                                         t + minute));
    REQUIRE(office.store.record_hq_event(EventType::complaint_customer_response, complaint_id, "hq:quality.lead",
                                         {{"satisfied", true}}, t + minute + 1));
    auto closed = office.store.record_hq_event(EventType::complaint_closed, complaint_id, "hq:quality.lead",
                                               {{"outcome", "resolved"}}, t + 2 * minute);
    INFO((closed ? "" : closed.error().message));
    REQUIRE(closed);
    CHECK(office.plan(t + 3 * minute).queued == 3); // acknowledgement, decision, survey
    // Counted up to a limit, and one more: "more than 2".
    CHECK(mail::outbox_summary(office.store.connection()).value().queued == 3);
    CHECK(mail::outbox_summary(office.store.connection(), 2).value().queued == 3);
    CHECK(mail::outbox_summary(office.store.connection(), 1).value().queued == 2);
    CHECK_FALSE(mail::outbox_summary(office.store.connection(), -1));
    std::string link;
    for (const auto& message : office.claim(t + 3 * minute))
        if (message.kind == "survey") {
            auto start = message.mail.body.find("https://feedback.example.nl/survey?t=");
            REQUIRE(start != std::string::npos);
            link = message.mail.body.substr(start, std::string("https://feedback.example.nl/survey?t=").size() + 32);
        }
    REQUIRE_FALSE(link.empty());
    const std::string token = link.substr(link.size() - 32);

    auto found = mail::find_survey(office.store.connection(), token);
    REQUIRE(found);
    REQUIRE(*found);
    CHECK((*found)->complaint_id == complaint_id);
    CHECK_FALSE((*found)->answered_at);
    auto unknown = mail::find_survey(office.store.connection(), std::string(32, 'a'));
    REQUIRE(unknown);
    CHECK_FALSE(*unknown);

    auto answered = mail::answer_survey(office.store, token, {{"satisfied", true}, {"handling_score", 4}},
                                        t + 10 * minute);
    INFO((answered ? "" : answered.error().message));
    REQUIRE(answered);
    CHECK(answered->type == EventType::complaint_customer_response);
    CHECK(answered->payload.at("channel") == "email");
    auto twice = mail::answer_survey(office.store, token, {{"satisfied", false}, {"handling_score", 1}},
                                     t + 11 * minute);
    REQUIRE_FALSE(twice);
    CHECK(twice.error().kind == ErrorKind::conflict);
    auto nobody = mail::answer_survey(office.store, std::string(32, 'b'), {{"satisfied", true}, {"handling_score", 5}},
                                      t + 11 * minute);
    REQUIRE_FALSE(nobody);
    CHECK(nobody.error().kind == ErrorKind::not_found);
    found = mail::find_survey(office.store.connection(), token);
    REQUIRE(found);
    REQUIRE(*found);
    CHECK((*found)->answered_at == t + 10 * minute);
    int responses = 0;
    auto events = office.store.events_about(complaint_id);
    REQUIRE(events);
    for (const auto& stored : *events)
        responses += stored.event.type == EventType::complaint_customer_response &&
                             stored.event.payload.value("channel", "") == "email"
                         ? 1
                         : 0;
    CHECK(responses == 1); // the survey's, once (besides the one recorded before closing)
}
