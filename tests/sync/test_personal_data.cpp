// Customers' personal data end to end (issue 13), with the real kiosk on its
// screens, the real feedback-terminal and feedback-hq over HTTPS, and the
// dashboard: contact details are sealed on the terminal before anything is
// written, so that after recording, syncing and checkpointing no file in
// either data folder holds a value the test typed (logs and mail outbox
// included); head office opens them only for a manager (audited); a key
// rotation keeps old values readable; an erasure on request reaches the
// terminal through the feed; and head office's hourly retention erases
// contacts of closed complaints on its own.
#include "hq_contents.h"
#include "support/child_process.h"
#include "support/files.h"
#include "support/temp_dir.h"
#include "sync_support.h"

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <regex>
#include <string>
#include <thread>

using namespace feedback::testing;
using feedback::hq::HqStore;

namespace {

// The shopper's complaint with contact details, through the kiosk's screens;
// then the kiosk stays up until the test stops it.
constexpr const char* complaint_with_contact_script = R"({"tap":"start.complaint_button"}
{"tap":"category.product"}
{"tap":"common.next"}
{"type":"De orchidee verwelkte na drie dagen."}
{"tap":"common.next"}
{"tap":"common.skip"}
{"type":"Graag een nieuwe orchidee."}
{"tap":"common.next"}
{"expect_target":"contact_offer.title"}
{"tap":"contact_offer.yes"}
{"tap":"contact.consent"}
{"type":"Marijke Vlinderhof"}
{"tap":"key.done"}
{"type":"0687654321"}
{"tap":"key.done"}
{"type":"marijke.vlinderhof@example.com"}
{"tap":"key.done"}
{"expect_target":"complaint.thanks.done"}
{"tap":"complaint.thanks.done"}
{"expect_target":"start.question"}
{"wait_ms":600000}
)";

const std::vector<std::string> kiosk_contact{"Marijke Vlinderhof", "0687654321", "marijke.vlinderhof@example.com"};
const std::vector<std::string> office_contact{"Pieter Zeehond", "+31 6 4444 0199", "pieter.zeehond@example.org"};
const std::string kiosk_description = "De orchidee verwelkte na drie dagen.";

// Every regular file under `dir` that holds `value` byte for byte.
std::vector<std::string> files_holding(const std::filesystem::path& dir, const std::string& value)
{
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
        if (entry.is_regular_file() && read_text(entry.path()).find(value) != std::string::npos)
            found.push_back(entry.path().string());
    return found;
}

void check_nothing_holds(const std::filesystem::path& dir, const std::vector<std::string>& values)
{
    for (const auto& value : values) {
        INFO("looking for \"" << value << "\" in " << dir.string());
        CHECK(files_holding(dir, value).empty());
    }
}

// Runs the kiosk on the script until head office has its complaint and the
// terminal has nothing left to send; the complaint's wire event at head office.
nlohmann::json complaint_through_the_kiosk(HqProcess& hq, TerminalDir& terminal, const TempDir& temp)
{
    const auto script = temp.path() / "complaint-with-contact.jsonl";
    std::ofstream(script) << complaint_with_contact_script;
    ChildProcess kiosk(terminal.kiosk_argv(script, {"--sync-start-delay-max", "0"}));
    std::string output;
    nlohmann::json opened;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline && opened.is_null()) {
        output += kiosk.read_available(std::chrono::milliseconds(250));
        for (const auto& event : hq.export_jsonl())
            if (event["type"] == "complaint.opened" && event["actor"] == "kiosk")
                opened = event;
    }
    ::kill(kiosk.pid(), SIGKILL); // every event is committed; the script only waits
    Finished stopped = kiosk.wait();
    INFO("kiosk: " << output << stopped.out << stopped.err << "\nhead office: " << hq.log());
    REQUIRE_FALSE(opened.is_null());
    return opened;
}

nlohmann::json stored_body(const HqProcess& hq, const std::string& subject, const std::string& type)
{
    return feedback::testing::stored_body(hq.dir(), subject, type);
}

struct Chain {
    TempDir temp;
    HqProcess hq;
    TerminalDir terminal;
    std::string password = "een goed wachtwoord 42";

    explicit Chain(const nlohmann::json& settings = nlohmann::json::object())
        : hq(temp.path() / "hq", settings), terminal(temp.path() / "kiosk")
    {
        auto enrolled = terminal.enroll(hq, hq.enrol_code("UTR", "Balie 1"));
        INFO(enrolled.out << enrolled.err);
        REQUIRE(enrolled.exit_code == 0);
        REQUIRE(add_dashboard_user(hq, "mira", "admin", password).exit_code == 0);
    }
};

} // namespace

TEST_CASE("contact details are sealed at capture: no file of the terminal's or head office's data folder holds one",
          "[personal_data][sync]")
{
    Chain chain;
    // Head office's key file is outside its data folder, named in hq.json.
    auto settings = nlohmann::json::parse(read_text(chain.hq.dir() / "hq.json"));
    REQUIRE(settings["contact_keys"].size() == 1);
    const std::filesystem::path key_file = settings["contact_keys"][0].get<std::string>();
    CHECK(key_file.parent_path() == chain.temp.path() / "hq-keys");
    CHECK((std::filesystem::status(key_file).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));

    // A shopper's complaint on the kiosk's screens, sent by its own uploader.
    nlohmann::json opened = complaint_through_the_kiosk(chain.hq, chain.terminal, chain.temp);
    const std::string complaint_id = opened["subject"];
    CHECK_FALSE(opened["payload"].contains("contact")); // the export leaves it out
    nlohmann::json stored = stored_body(chain.hq, complaint_id, "complaint.opened");
    const nlohmann::json& contact = stored["payload"]["contact"];
    CHECK(contact["channels"] == nlohmann::json::array({"name", "phone", "email"}));
    CHECK(key_file.filename().string() == "contact-key-" + contact["key_id"].get<std::string>() + ".json");

    // A complaint registered at head office by phone, with contact details.
    WebClient mira(chain.hq);
    REQUIRE(mira.login("mira", chain.password).status == 303);
    REQUIRE(mira.get("/complaints/new").status == 200); // the form's CSRF token
    auto registered = mira.post_multipart(
        "/complaints/new", {{"csrf", mira.csrf()}, {"store", "UTR"}, {"channel", "phone"}, {"category", "product"},
                            {"severity", "normal"}, {"received_date", "2026-12-04"}, {"received_time", "10:00"},
                            {"description", "Bezorging te laat."}, {"customer_wish", "Excuses"},
                            {"name", office_contact[0]}, {"phone", office_contact[1]}, {"email", office_contact[2]},
                            {"consent", "yes"}});
    INFO(registered.body);
    REQUIRE(registered.status == 303);

    // A manager sees the kiosk's contact (opened, audited); the terminal's staff screens never could.
    auto shown = mira.get("/complaints/" + complaint_id + "/contact");
    REQUIRE(shown.status == 200);
    for (const auto& value : kiosk_contact)
        CHECK(shown.body.find(value) != std::string::npos);
    auto audit = mira.get("/audit");
    CHECK(audit.body.find(complaint_id) != std::string::npos);

    // The terminal pulls the feed (head office's complaint, without contact), then everything stops:
    // closing the databases checkpoints their WAL.
    auto synced = chain.terminal.sync_once();
    INFO(synced.out << synced.err);
    REQUIRE(synced.exit_code == 0);
    chain.hq.stop_with_sigterm();

    for (const auto& folder : {chain.terminal.dir(), chain.hq.dir()}) {
        check_nothing_holds(folder, kiosk_contact);
        check_nothing_holds(folder, office_contact);
    }
    // What is not personal is there as it was typed (the scan can see text).
    CHECK_FALSE(files_holding(chain.terminal.dir(), kiosk_description).empty());
    CHECK_FALSE(files_holding(chain.hq.dir(), kiosk_description).empty());
}

TEST_CASE("after a key rotation terminals seal to the new key and head office opens values of both",
          "[personal_data][sync]")
{
    Chain chain;
    nlohmann::json first = complaint_through_the_kiosk(chain.hq, chain.terminal, chain.temp);
    auto rotated = chain.hq.run({"rotate-contact-key"});
    INFO(rotated.out << rotated.err);
    REQUIRE(rotated.exit_code == 0);
    CHECK(rotated.out.find("is current") != std::string::npos);
    auto settings = nlohmann::json::parse(read_text(chain.hq.dir() / "hq.json"));
    REQUIRE(settings["contact_keys"].size() == 2);

    // The next pull brings the new key (a new ETag, or the 404 without a configuration).
    REQUIRE(chain.terminal.sync_once().exit_code == 0);
    auto recorded = chain.terminal.record(
        {R"({"type":"complaint.opened","actor":"staff:anna","channel":"walk_in","category":"product",)"
         R"("description":"Lamp kapot","customer_wish":"Ruilen","contact":{"consent":true,"name":"Kees Rotatie",)"
         R"("email":"kees.rotatie@example.com"}})"});
    INFO(recorded.out << recorded.err);
    REQUIRE(recorded.exit_code == 0);
    const RecordedComplaint second = recorded_complaint(recorded);
    REQUIRE(chain.terminal.sync_once().exit_code == 0);

    const nlohmann::json old_contact = stored_body(chain.hq, first["subject"], "complaint.opened")["payload"]["contact"];
    const nlohmann::json new_contact = stored_body(chain.hq, second.complaint_id, "complaint.opened")["payload"]["contact"];
    CHECK(old_contact["key_id"] != new_contact["key_id"]);
    CHECK(settings["contact_keys"][0].get<std::string>().find(new_contact["key_id"].get<std::string>()) !=
          std::string::npos);

    WebClient mira(chain.hq);
    REQUIRE(mira.login("mira", chain.password).status == 303);
    auto old_page = mira.get("/complaints/" + first["subject"].get<std::string>() + "/contact");
    CHECK(old_page.body.find("Marijke Vlinderhof") != std::string::npos);
    auto new_page = mira.get("/complaints/" + second.complaint_id + "/contact");
    CHECK(new_page.body.find("Kees Rotatie") != std::string::npos);
}

TEST_CASE("an erasure on request takes contact and texts out at head office and, through the feed, on the terminal",
          "[personal_data][sync]")
{
    Chain chain;
    nlohmann::json opened = complaint_through_the_kiosk(chain.hq, chain.terminal, chain.temp);
    const std::string complaint_id = opened["subject"];
    const std::string reference = opened["payload"]["reference"];

    // An unknown reference: refused, nothing erased.
    auto unknown = chain.hq.run({"erase", "--reference", "UTR-ZZ-9999X"});
    CHECK(unknown.exit_code != 0);
    CHECK(unknown.err.find("no complaint") != std::string::npos);
    auto erased = chain.hq.run({"erase", "--reference", reference, "--texts"});
    INFO(erased.out << erased.err);
    REQUIRE(erased.exit_code == 0);

    // Head office: no contact, texts erased, the facts kept, complaint.erased on the timeline.
    nlohmann::json stored = stored_body(chain.hq, complaint_id, "complaint.opened");
    CHECK_FALSE(stored["payload"].contains("contact"));
    CHECK(stored["payload"]["description"] == "[erased]");
    CHECK(stored["payload"]["customer_wish"] == "[erased]");
    CHECK(stored["payload"]["category"] == "product");
    CHECK(stored["payload"]["reference"] == reference);
    nlohmann::json erasure = stored_body(chain.hq, complaint_id, "complaint.erased");
    CHECK(erasure["payload"]["texts"] == true);
    WebClient mira(chain.hq);
    REQUIRE(mira.login("mira", chain.password).status == 303);
    auto page = mira.get("/complaints/" + complaint_id);
    CHECK(page.body.find("Persoonsgegevens op verzoek gewist") != std::string::npos);
    CHECK(page.body.find(kiosk_description) == std::string::npos);

    // The terminal erases its copies when the feed brings complaint.erased.
    auto synced = chain.terminal.sync_once();
    INFO(synced.out << synced.err);
    REQUIRE(synced.exit_code == 0);
    bool seen = false;
    for (const auto& event : chain.terminal.export_jsonl())
        if (event["type"] == "complaint.opened" && event["subject"] == complaint_id) {
            seen = true;
            CHECK(event["payload"]["description"] == "[erased]");
        }
    CHECK(seen);
    chain.hq.stop_with_sigterm();
    for (const auto& folder : {chain.terminal.dir(), chain.hq.dir()}) {
        check_nothing_holds(folder, {kiosk_description, "Graag een nieuwe orchidee."});
        check_nothing_holds(folder, kiosk_contact);
    }
    // The terminal no longer says a contact was left.
    auto status = chain.terminal.run({"status", "--json"});
    CHECK(status.exit_code == 0);
}

TEST_CASE("an admin erases a complaint's personal data on its page once the reference code is typed again",
          "[personal_data][dashboard]")
{
    Chain chain;
    nlohmann::json opened = complaint_through_the_kiosk(chain.hq, chain.terminal, chain.temp);
    const std::string complaint_id = opened["subject"];
    WebClient mira(chain.hq);
    REQUIRE(mira.login("mira", chain.password).status == 303);
    auto page = mira.get("/complaints/" + complaint_id);
    CHECK(page.body.find("id=\"erase-form\"") != std::string::npos);

    auto wrong = mira.post_multipart("/complaints/" + complaint_id + "/erase",
                                     {{"csrf", mira.csrf()}, {"reference", "UTR-ZZ-9999X"}});
    CHECK(wrong.status == 400);
    CHECK(stored_body(chain.hq, complaint_id, "complaint.opened")["payload"].contains("contact"));

    auto done = mira.post_multipart("/complaints/" + complaint_id + "/erase",
                                    {{"csrf", mira.csrf()}, {"reference", opened["payload"]["reference"]}});
    CHECK(done.status == 303);
    nlohmann::json stored = stored_body(chain.hq, complaint_id, "complaint.opened");
    CHECK_FALSE(stored["payload"].contains("contact"));
    CHECK(stored["payload"]["description"] == kiosk_description); // texts stay unless asked
    auto audit = mira.get("/audit");
    CHECK(audit.body.find("Persoonsgegevens op verzoek gewist") != std::string::npos);

    // A manager (not an admin) gets no form and may not post one.
    REQUIRE(add_dashboard_user(chain.hq, "max", "manager", chain.password).exit_code == 0);
    WebClient max(chain.hq);
    REQUIRE(max.login("max", chain.password).status == 303);
    CHECK(max.get("/complaints/" + complaint_id).body.find("id=\"erase-form\"") == std::string::npos);
    CHECK(max.post_multipart("/complaints/" + complaint_id + "/erase",
                             {{"csrf", max.csrf()}, {"reference", opened["payload"]["reference"]}})
              .status == 403);
}

TEST_CASE("head office erases contact details of closed complaints by itself after the retention days",
          "[personal_data][sync]")
{
    Chain chain(nlohmann::json{{"contact_retention_days", 0}});
    auto recorded = chain.terminal.record(
        {R"({"type":"complaint.opened","actor":"staff:anna","channel":"walk_in","category":"product",)"
         R"("description":"Stoel wiebelt","customer_wish":"Repareren","contact":{"consent":true,)"
         R"("phone":"0611122233"}})"});
    INFO(recorded.out << recorded.err);
    REQUIRE(recorded.exit_code == 0);
    const RecordedComplaint complaint = recorded_complaint(recorded);
    REQUIRE(chain.terminal
                .record({R"({"type":"complaint.closed","actor":"staff:anna","subject":")" + complaint.complaint_id +
                         R"(","outcome":"withdrawn"})"})
                .exit_code == 0);
    REQUIRE(chain.terminal.sync_once().exit_code == 0);
    CHECK(stored_body(chain.hq, complaint.complaint_id, "complaint.opened")["payload"].contains("contact"));

    // Serve's hourly retention also runs as it starts.
    chain.hq.stop_with_sigterm();
    chain.hq.start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline && chain.hq.log().find("retention: erased") == std::string::npos)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    INFO(chain.hq.log());
    CHECK(chain.hq.log().find("retention: erased the contact details of 1 ") != std::string::npos);
    nlohmann::json stored = stored_body(chain.hq, complaint.complaint_id, "complaint.opened");
    CHECK_FALSE(stored["payload"].contains("contact"));
    CHECK(stored["payload"]["description"] == "Stoel wiebelt"); // retention takes the contact only
    chain.hq.stop_with_sigterm();
    check_nothing_holds(chain.hq.dir(), {"0611122233"});
}
