// Head office's mail to complainants, end to end (issue 11): the real
// feedback-hq, a real terminal, a real SMTP server with STARTTLS. Each
// message is stored before it is sent and arrives exactly once: when head
// office is killed between storing and sending, and when the server first
// answers 4xx. A 5xx refusal is on the complaint's timeline with the
// server's words. The survey after closing records only the customer's own
// POST, never a link-following scanner's GETs.
#include "mail_support.h"
#include "sync_support.h"

#include "hq/hq_store.h"
#include "support/temp_dir.h"

#include "domain/clock.h"

#include <catch2/catch.hpp>

#include <regex>
#include <thread>

using namespace feedback;
using namespace feedback::testing;

namespace {

const std::string customer_email = "anna.devries@example.nl";

// A walk-in complaint whose customer left an e-mail address with consent.
RecordedComplaint complaint_with_email(TerminalDir& counter, const std::string& locale = "en")
{
    auto opened = counter.record(
        {R"({"type":"complaint.opened","actor":"staff:anna","channel":"walk_in","category":"product",)"
         R"("description":"Taart was beschadigd","customer_wish":"A new cake","locale":")" + locale + R"(",)"
         R"("contact":{"consent":true,"name":"Anna de Vries","email":")" + customer_email + R"("}})"});
    INFO(opened.out << opened.err);
    REQUIRE(opened.exit_code == 0);
    return recorded_complaint(opened);
}

// The complaint.messaged events head office has for a complaint: "kind:status" each.
std::vector<std::string> message_steps(HqProcess& hq, const std::string& complaint_id)
{
    auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
    REQUIRE(store);
    auto events = store->events_about(complaint_id);
    REQUIRE(events);
    std::vector<std::string> steps;
    for (const auto& stored : *events)
        if (stored.event.type == EventType::complaint_messaged)
            steps.push_back(stored.event.payload.value("message", "") + ":" + stored.event.payload.value("status", "") +
                            (stored.event.payload.contains("reason") ? " " + stored.event.payload["reason"].get<std::string>()
                                                                      : ""));
    return steps;
}

// Waits until head office has recorded `count` complaint.messaged events.
std::vector<std::string> wait_for_steps(HqProcess& hq, const std::string& complaint_id, size_t count)
{
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    auto steps = message_steps(hq, complaint_id);
    while (steps.size() < count && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        steps = message_steps(hq, complaint_id);
    }
    return steps;
}

std::string link_in(const std::string& body, const std::string& path)
{
    std::smatch match;
    std::regex link("https://127\\.0\\.0\\.1:[0-9]+(" + path + "[^\\s]*)");
    return std::regex_search(body, match, link) ? match[1].str() : std::string{};
}

} // namespace

TEST_CASE("the acknowledgement waits for SMTP settings and arrives once, though head office is killed before sending",
          "[mail][e2e]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq"); // no mail settings: messages are stored and wait
    TerminalDir counter(temp.path() / "counter");
    REQUIRE(counter.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    const RecordedComplaint complaint = complaint_with_email(counter);
    REQUIRE(counter.sync_once().exit_code == 0);

    REQUIRE(wait_for_steps(hq, complaint.complaint_id, 1) == std::vector<std::string>{"acknowledgement:queued"});
    {
        REQUIRE(add_dashboard_user(hq, "quality", "manager", "correct horse battery").exit_code == 0);
        WebClient web(hq);
        REQUIRE(web.login("quality", "correct horse battery").status == 303);
        auto overview = web.get("/overview");
        CHECK(overview.body.find("id=\"mail-waiting\"") != std::string::npos);
    }
    hq.kill_now(); // stored, never sent

    SmtpServer smtp(temp.path() / "smtp");
    set_hq_mail_settings(hq.dir(), smtp.hq_mail_settings());
    hq.restart();
    auto messages = smtp.wait_for(1);
    REQUIRE(messages.size() == 1);
    std::this_thread::sleep_for(std::chrono::seconds(2)); // nothing more comes
    messages = smtp.messages();
    REQUIRE(messages.size() == 1);
    const auto& ack = messages[0];
    CHECK(ack["tls"] == true);
    CHECK(ack["rcpt_tos"] == nlohmann::json::array({customer_email}));
    CHECK(ack["mail_from"] == "service@bakkerij.example");
    CHECK(ack["subject"].get<std::string>() == "We have received your complaint (" + complaint.reference + ")");
    const std::string body = ack["body"];
    CHECK(body.find("You asked us: A new cake") != std::string::npos);
    CHECK(link_in(body, "/status") == "/status?ref=" + complaint.reference);
    CHECK(std::regex_search(body, std::regex("by 20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} at the latest")));
    CHECK(wait_for_steps(hq, complaint.complaint_id, 2) ==
          std::vector<std::string>{"acknowledgement:queued", "acknowledgement:sent"});

    // The address is not kept once sent, and never logged.
    {
        auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
        REQUIRE(store);
        CHECK(store->connection().query_texts("SELECT recipient || body FROM mail_outbox").value() ==
              std::vector<std::string>{""});
    }
    CHECK(hq.log().find(customer_email) == std::string::npos);
    CHECK(hq.log().find("mail: message 1 (acknowledgement") != std::string::npos);

    // The store's terminals see it on the complaint's timeline.
    REQUIRE(counter.sync_once().exit_code == 0);
    int on_terminal = 0;
    for (const auto& event : counter.export_jsonl())
        if (event["type"] == "complaint.messaged")
            ++on_terminal;
    CHECK(on_terminal == 2);
}

TEST_CASE("a message the server refuses for now (4xx) is retried with backoff and arrives once", "[mail][e2e]")
{
    TempDir temp;
    SmtpServer smtp(temp.path() / "smtp", SmtpOptions{.fail_first = 2, .reject_rcpt = {}});
    HqProcess hq(temp.path() / "hq", {{"mail", smtp.hq_mail_settings()}});
    TerminalDir counter(temp.path() / "counter");
    REQUIRE(counter.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    const RecordedComplaint complaint = complaint_with_email(counter, "nl");
    REQUIRE(counter.sync_once().exit_code == 0);

    auto messages = smtp.wait_for(1);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0]["subject"].get<std::string>() == "We hebben uw klacht ontvangen (" + complaint.reference + ")");
    CHECK(wait_for_steps(hq, complaint.complaint_id, 2) ==
          std::vector<std::string>{"acknowledgement:queued", "acknowledgement:sent"});
    std::this_thread::sleep_for(std::chrono::seconds(2));
    CHECK(smtp.messages().size() == 1);
    auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
    REQUIRE(store);
    CHECK(store->connection().query_texts("SELECT attempts || ' ' || status FROM mail_outbox").value() ==
          std::vector<std::string>{"3 sent"});
}

TEST_CASE("a message the server refuses for good (5xx) fails with the server's words on the timeline", "[mail][e2e]")
{
    TempDir temp;
    SmtpServer smtp(temp.path() / "smtp", SmtpOptions{.fail_first = 0, .reject_rcpt = "devries"});
    HqProcess hq(temp.path() / "hq", {{"mail", smtp.hq_mail_settings()}});
    TerminalDir counter(temp.path() / "counter");
    REQUIRE(counter.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    const RecordedComplaint complaint = complaint_with_email(counter);
    REQUIRE(counter.sync_once().exit_code == 0);

    auto steps = wait_for_steps(hq, complaint.complaint_id, 2);
    REQUIRE(steps.size() == 2);
    CHECK(steps[0] == "acknowledgement:queued");
    CHECK(steps[1].starts_with("acknowledgement:failed SMTP 550"));
    CHECK(steps[1].find(customer_email) == std::string::npos);
    CHECK(smtp.messages().empty());

    REQUIRE(add_dashboard_user(hq, "quality", "manager", "correct horse battery").exit_code == 0);
    WebClient web(hq);
    REQUIRE(web.login("quality", "correct horse battery").status == 303);
    auto page = web.get("/complaints/" + complaint.complaint_id);
    CHECK(page.body.find("SMTP 550") != std::string::npos);
    CHECK(web.get("/overview").body.find("id=\"mail-failed\"") != std::string::npos);
}

TEST_CASE("the decision is mailed, and the survey after closing records only the customer's own answer, once",
          "[mail][e2e]")
{
    TempDir temp;
    SmtpServer smtp(temp.path() / "smtp");
    HqProcess hq(temp.path() / "hq", {{"mail", smtp.hq_mail_settings()}});
    TerminalDir counter(temp.path() / "counter");
    REQUIRE(counter.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    const RecordedComplaint complaint = complaint_with_email(counter);
    REQUIRE(counter.sync_once().exit_code == 0);
    REQUIRE(smtp.wait_for(1).size() == 1);

    const std::string decision = "You get a new cake and a voucher.";
    {
        auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
        REQUIRE(store);
        const int64_t now = now_utc_ms();
        REQUIRE(store->record_hq_event(EventType::complaint_resolved, complaint.complaint_id, "hq:quality",
                                       {{"resolution", "voucher"},
                                        {"amount_cents", 1250},
                                        {"on_the_spot", false},
                                        {"decision", decision},
                                        {"communicated", "not_yet"}},
                                       now));
    }
    auto messages = smtp.wait_for(2);
    REQUIRE(messages.size() == 2);
    CHECK(messages[1]["subject"].get<std::string>() == "Our decision on your complaint (" + complaint.reference + ")");
    CHECK(messages[1]["body"].get<std::string>().find(decision) != std::string::npos);
    CHECK(messages[1]["body"].get<std::string>().find("Resolution: Voucher \xE2\x82\xAC 12.50") != std::string::npos);
    {
        // The decision that reached the customer's mailbox is their answer.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        std::optional<int64_t> answered;
        while (!answered && std::chrono::steady_clock::now() < deadline) {
            auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
            REQUIRE(store);
            answered = store->complaint_state(complaint.complaint_id).value().answered_at;
            if (!answered)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        CHECK(answered);
        auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
        REQUIRE(store);
        const int64_t now = now_utc_ms();
        REQUIRE(store->record_hq_event(EventType::complaint_customer_response, complaint.complaint_id, "hq:quality",
                                       {{"satisfied", true}}, now));
        REQUIRE(store->record_hq_event(EventType::complaint_closed, complaint.complaint_id, "hq:quality",
                                       {{"outcome", "resolved"}}, now + 1));
    }
    messages = smtp.wait_for(3);
    REQUIRE(messages.size() == 3);
    CHECK(messages[2]["subject"].get<std::string>() == "How did we handle your complaint? (" + complaint.reference + ")");
    const std::string survey = link_in(messages[2]["body"], "/survey");
    REQUIRE(survey.starts_with("/survey?t="));

    auto responses = [&] {
        auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
        REQUIRE(store);
        int count = 0;
        auto events = store->events_about(complaint.complaint_id);
        REQUIRE(events);
        for (const auto& stored : *events)
            if (stored.event.type == EventType::complaint_customer_response)
                ++count;
        return count;
    };
    REQUIRE(responses() == 1); // the yes at the counter

    // A mail scanner follows the link again and again: nothing is recorded, nothing is chosen for the customer.
    WebClient scanner(hq);
    for (int i = 0; i < 10; ++i) {
        auto page = scanner.get(survey);
        REQUIRE(page.status == 200);
        CHECK(page.body.find("checked") == std::string::npos);
        CHECK(page.body.find(customer_email) == std::string::npos);
        CHECK(page.body.find("Anna") == std::string::npos);
    }
    CHECK(responses() == 1);

    WebClient customer(hq);
    const std::string token = survey.substr(std::string("/survey?t=").size());
    auto incomplete = customer.post("/survey", {{"t", token}, {"satisfied", "yes"}});
    CHECK(incomplete.status == 422);
    CHECK(responses() == 1);
    auto answered = customer.post("/survey", {{"t", token}, {"satisfied", "yes"}, {"score", "4"}, {"comment", "Vlot"}});
    CHECK(answered.status == 200);
    CHECK(answered.body.find("id=\"survey-message\"") != std::string::npos);
    CHECK(responses() == 2);
    auto again = customer.post("/survey", {{"t", token}, {"satisfied", "no"}, {"score", "1"}});
    CHECK(again.status == 409);
    CHECK(customer.get(survey).body.find("name=\"satisfied\"") == std::string::npos); // no form any more
    CHECK(responses() == 2);
    CHECK(scanner.get("/survey?t=0123456789abcdef0123456789abcdef").status == 404);

    auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
    REQUIRE(store);
    auto state = store->complaint_state(complaint.complaint_id);
    REQUIRE(state);
    CHECK(state->status == ComplaintStatus::closed);
    CHECK(state->handling_score == 4);
    const auto events = store->events_about(complaint.complaint_id).value();
    CHECK(events.back().event.type == EventType::complaint_customer_response);
    CHECK(events.back().event.payload["channel"] == "email");
}

TEST_CASE("a safety complaint alerts the quality team by e-mail once, with its reference and no customer details",
          "[mail][alerts][e2e]")
{
    TempDir temp;
    SmtpServer smtp(temp.path() / "smtp");
    nlohmann::json mail = smtp.hq_mail_settings();
    mail["alert_scan_seconds"] = 1;
    HqProcess hq(temp.path() / "hq", {{"mail", mail}});
    hq.enrol_code("UTR", "Counter 1"); // head office knows the store
    REQUIRE(add_dashboard_user(hq, "quality", "manager", "correct horse battery").exit_code == 0);
    std::string reference;
    std::string complaint_id;
    {
        auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
        REQUIRE(store);
        // The address the user gives on their account page.
        REQUIRE(store->connection().exec("UPDATE web_users SET email = 'quality@bakkerij.example' WHERE name = 'quality'"));
        hq::ComplaintIntake intake{"UTR",
                                   {{"channel", "phone"},
                                    {"category", "product"},
                                    {"description", "The cake contained nuts although the label said it did not."},
                                    {"customer_wish", "Make sure this never happens again."},
                                    {"severity", "safety"},
                                    {"contact", {{"consent", true}, {"name", "Anna de Vries"}, {"phone", "0612345678"}}}},
                                   std::nullopt,
                                   "hq:quality"};
        auto registered = store->register_complaint(intake, now_utc_ms());
        INFO((registered ? "" : registered.error().message));
        REQUIRE(registered);
        reference = registered->event.payload.at("reference");
        complaint_id = registered->event.subject;
    }
    auto messages = smtp.wait_for(1);
    REQUIRE(messages.size() == 1);
    std::this_thread::sleep_for(std::chrono::seconds(3)); // the scans go on: nothing more comes
    messages = smtp.messages();
    REQUIRE(messages.size() == 1);
    const auto& alert = messages[0];
    CHECK(alert["tls"] == true);
    CHECK(alert["rcpt_tos"] == nlohmann::json::array({"quality@bakkerij.example"}));
    const std::string subject = alert["subject"];
    const std::string body = alert["body"];
    CHECK(subject.find(reference) != std::string::npos);
    CHECK(body.find("/complaints/" + complaint_id) != std::string::npos);
    CHECK(body.find("/account") != std::string::npos);
    for (const char* personal : {"Anna", "Vries", "0612345678", "nuts"}) {
        CHECK(subject.find(personal) == std::string::npos);
        CHECK(body.find(personal) == std::string::npos);
    }
    CHECK(hq.log().find("raised 1 alert(s)") != std::string::npos);
    CHECK(hq.log().find("quality@bakkerij.example") == std::string::npos);
}
