// UI tests of the kiosk: the real `feedback-terminal run --headless --script`
// walks every screen with the scripts in tests/scripts/, in Dutch and in
// English, and then the store is opened to check what was recorded (types,
// payloads, actors, complaint states). The screenshots of the last run stay
// in <build>/screenshots/kiosk/ for a person to look at.
#include "crypto/status_key.h"
#include "domain/clock.h"
#include "domain/complaint_fold.h"
#include "domain/ids.h"
#include "domain/refcode.h"
#include "store/local_store.h"
#include "support/child_process.h"
#include "support/contact_key.h"
#include "support/escpos_decoder.h"
#include "support/files.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace feedback;
using feedback::testing::Finished;
using feedback::testing::TempDir;
using Json = nlohmann::json;

namespace {

// [SECTION] Helpers

const std::filesystem::path source_dir = FEEDBACK_SOURCE_DIR;
const std::filesystem::path scripts_dir = source_dir / "tests" / "scripts";
const std::filesystem::path shots_root = FEEDBACK_KIOSK_SCREENSHOT_DIR;

// The demo store's codes, so reference codes are known in advance.
constexpr const char* store_code = "UTR";
constexpr const char* terminal_code = "2A";

using feedback::testing::read_all;
using feedback::testing::write_file;

std::string lower(std::string text)
{
    for (char& c : text)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return text;
}

// The n-th complaint's reference code in the test store (n from 0).
std::string reference(uint64_t n) { return make_refcode(store_code, terminal_code, n); }

// {{REF_1}}, {{ref_2}}, {{ref_2_typo}} (the check character wrong) and
// {{ref_2_check}} (the right one) in a script.
std::string substitute(std::string script)
{
    std::map<std::string, std::string> values;
    for (uint64_t n = 0; n < 3; ++n) {
        const std::string code = reference(n);
        const std::string index = std::to_string(n + 1);
        values["REF_" + index] = code;
        values["ref_" + index] = lower(code);
        const char check = code.back();
        const char wrong = check == 'Z' ? 'Y' : 'Z';
        values["ref_" + index + "_typo"] = lower(code.substr(0, code.size() - 1) + wrong);
        values["ref_" + index + "_check"] = lower(std::string(1, check));
    }
    for (const auto& [name, value] : values) {
        const std::string placeholder = "{{" + name + "}}";
        for (auto at = script.find(placeholder); at != std::string::npos; at = script.find(placeholder))
            script.replace(at, placeholder.size(), value);
    }
    return script;
}

struct KioskRun {
    Finished result;
    std::vector<Event> events;
    std::filesystem::path screenshots;
};

// A fresh store (codes UTR-2A), the script run headless, then every event.
// `seed`: events as JSON lines for `feedback-terminal record`, before the run.
KioskRun run_kiosk(const TempDir& dir, const std::string& script_name, const std::string& lang,
                   const std::string& size = "1280x800", const std::vector<std::string>& extra = {},
                   const std::string& seed = {})
{
    const auto data = dir.path() / "data";
    std::filesystem::create_directories(data);
    // Enrolled with head office (headless runs start no uploader): the reference screen's QR code links to it.
    write_file(data / "sync-credentials.json", Json{{"device_id", make_uuid_v7(now_utc_ms())},
                                                    {"token", "not-used-here"},
                                                    {"server_url", "https://hq.example.nl:8443"},
                                                    {"ca_file", ""}}
                                                   .dump());
    std::filesystem::permissions(data / "sync-credentials.json",
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    const Finished init = testing::run_process({FEEDBACK_TERMINAL_BINARY, "init", "--data-dir", data.string(),
                                                "--store", store_code, "--terminal", terminal_code});
    REQUIRE(init.exit_code == 0);
    {
        // Enrolled, so it has head office's contact key (the test's): contact details are offered, and sealed.
        store::StoreOptions options;
        options.intent = store::OpenIntent::existing_only;
        auto store = store::LocalStore::open(data, options);
        REQUIRE(store);
        REQUIRE(store->set_contact_key(testing::test_contact_key().public_half));
    }
    if (!seed.empty()) {
        const Finished recorded =
            testing::run_process({FEEDBACK_TERMINAL_BINARY, "record", "--data-dir", data.string()}, seed);
        INFO("record: " << recorded.out << recorded.err);
        REQUIRE(recorded.exit_code == 0);
    }

    const auto script = dir.path() / (script_name + ".jsonl");
    write_file(script, substitute(read_all(scripts_dir / (script_name + ".jsonl"))));
    KioskRun run;
    run.screenshots = shots_root / (script_name + "-" + lang + "-" + size);
    std::filesystem::remove_all(run.screenshots);
    std::vector<std::string> argv{FEEDBACK_TERMINAL_BINARY, "run",       "--data-dir", data.string(),
                                  "--headless",             "--script",  script.string(),
                                  "--screenshots",          run.screenshots.string(),
                                  "--lang",                 lang,        "--window",   size,
                                  "--standalone"}; // not enrolled: the survey, not the setup screen
    argv.insert(argv.end(), extra.begin(), extra.end());
    run.result = testing::run_process(argv);
    INFO("stdout: " << run.result.out << "\nstderr: " << run.result.err);
    REQUIRE(run.result.exit_code == 0);
    REQUIRE_THAT(run.result.out, Catch::StartsWith("script passed: "));

    store::StoreOptions options;
    options.intent = store::OpenIntent::existing_only;
    auto store = store::LocalStore::open(data, options);
    REQUIRE(store);
    // Each contact stored sealed; opened here to compare with what was typed.
    REQUIRE(store->for_each_event([&](const Event& event) {
        if (auto contact = event.payload.find("contact"); contact != event.payload.end())
            CHECK(crypto::is_sealed_contact(*contact));
        run.events.push_back(testing::with_contact_opened(event));
    }));
    return run;
}

std::vector<Event> of_type(const std::vector<Event>& events, EventType type)
{
    std::vector<Event> found;
    for (const Event& event : events)
        if (event.type == type)
            found.push_back(event);
    return found;
}

ComplaintState fold_of(const std::vector<Event>& events, const std::string& complaint_id)
{
    std::vector<Event> own;
    for (const Event& event : events)
        if (is_complaint_event(event.type) && event.subject == complaint_id)
            own.push_back(event);
    return fold_complaint(own);
}

// The screens a run showed, from its screenshot names (NNN-<screen>-<lang>.png);
// the first one is in `lang`.
std::set<std::string> screens_shown(const std::filesystem::path& dir, const std::string& lang)
{
    std::set<std::string> screens;
    const std::regex name(R"(\d{3}-([a-z_]+)-(nl|en|de|pl|tr)\.png)");
    std::size_t shots = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::smatch match;
        const std::string file = entry.path().filename().string();
        if (file.empty() || file[0] < '0' || file[0] > '9')
            continue; // a screenshot the script named ({"screenshot": "accessible-start"})
        REQUIRE(std::regex_match(file, match, name));
        screens.insert(match[1]);
        ++shots;
    }
    CHECK(shots > 10);
    bool first_in_lang = false;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        first_in_lang = first_in_lang || (entry.path().filename().string().starts_with("001-") &&
                                          entry.path().filename().string().ends_with("-" + lang + ".png"));
    CHECK(first_in_lang);
    return screens;
}

} // namespace

// [SECTION] Shopper: ratings

TEST_CASE("kiosk UI: a promoter, a passive, a detractor with contact, a misuse burst", "[kiosk_ui]")
{
    const std::string lang = GENERATE("nl", "en", "de", "pl", "tr");
    INFO("language " << lang);
    TempDir dir;
    const KioskRun run = run_kiosk(dir, "shopper", lang);
    CHECK(screens_shown(run.screenshots, lang) ==
          std::set<std::string>{"shopper_start", "shopper_why", "shopper_thank_you", "shopper_contact_offer",
                                "shopper_contact_details"});

    const auto ratings = of_type(run.events, EventType::nps_rated);
    REQUIRE(ratings.size() == 11);
    // The last one after the language list and the large-text mode, in Dutch.
    const std::vector<int> scores{9, 7, 3, 0, 0, 0, 0, 0, 0, 0, 8};
    for (std::size_t i = 0; i < ratings.size(); ++i) {
        INFO("rating " << i);
        CHECK(ratings[i].actor == "kiosk");
        CHECK(ratings[i].payload.at("score") == scores[i]);
        CHECK(ratings[i].payload.at("locale") == (i < 10 ? lang : std::string("nl")));
        CHECK(ratings[i].payload.at("survey_version") == 1);
        // Five ratings in 20 s are fine; the 6th and 7th of the burst are misuse.
        CHECK(ratings[i].payload.contains("misuse") == (i >= 8));
        if (i >= 8)
            CHECK(ratings[i].payload.at("misuse") == "burst");
    }

    // The promoter's reasons and comment, the detractor's reason and contact;
    // the passive who skipped and the burst left nothing else.
    const auto details = of_type(run.events, EventType::nps_detailed);
    REQUIRE(details.size() == 2);
    CHECK(details[0].subject == ratings[0].id);
    CHECK(details[0].actor == "kiosk");
    CHECK(details[0].payload.at("reason_ids") == Json::array({"friendly_staff", "good_advice"}));
    CHECK(details[0].payload.at("comment") == "Geweldig advies van Zoë!");
    CHECK_FALSE(details[0].payload.contains("contact"));
    CHECK(details[1].subject == ratings[2].id);
    CHECK(details[1].payload.at("reason_ids") == Json::array({"waiting_time"}));
    const Json& contact = details[1].payload.at("contact");
    CHECK(contact.at("consent") == true);
    CHECK(contact.at("name") == "Zoë de Vries");
    CHECK(contact.at("phone") == "+31 6 1234 5678");
    CHECK(contact.at("email") == "zoe@example.nl");
    CHECK(run.events.size() == 13);
}

// [SECTION] Shopper: a complaint, then the idle reset

TEST_CASE("kiosk UI: a complaint with contact and a staff call, then an idle reset", "[kiosk_ui]")
{
    const std::string lang = GENERATE("nl", "en", "de", "pl", "tr");
    INFO("language " << lang);
    TempDir dir;
    // The staff call command writes the reference it was given to a file.
    const auto called = dir.path() / "staff-called.txt";
    Json config = Json::parse(read_all(source_dir / "assets" / "config" / "default.json"));
    config["staff_call_command"] = {"/bin/sh", "-c", "printf '%s' \"$FEEDBACK_COMPLAINT_REFERENCE\" > " +
                                                         called.string()};
    // A receipt printer (a file stands in for /dev/usb/lp0), and head office's
    // address from the enrolment for the status link.
    const auto printer = dir.path() / "lp0";
    write_file(printer, "");
    config["receipt_printer"] = {{"device", printer.string()}, {"columns", 42}};
    const auto config_file = dir.path() / "kiosk.json";
    write_file(config_file, config.dump(2));
    const KioskRun run = run_kiosk(dir, "complaint", lang, "1280x800", {"--config", config_file.string()});
    CHECK(screens_shown(run.screenshots, lang) ==
          std::set<std::string>{"shopper_start", "complaint_category", "complaint_description", "complaint_reference",
                                "complaint_wish", "complaint_contact_offer", "complaint_contact_details",
                                "complaint_done"});

    // One complaint: the abandoned one was never recorded.
    const auto opened = of_type(run.events, EventType::complaint_opened);
    REQUIRE(opened.size() == 1);
    const Event& complaint = opened[0];
    CHECK(complaint.actor == "kiosk");
    CHECK(complaint.payload.at("reference") == reference(0));
    CHECK(complaint.payload.at("channel") == "kiosk");
    CHECK(complaint.payload.at("category") == "product");
    CHECK(complaint.payload.at("description") == "De Monstera was na twee dagen slap en geel.");
    CHECK(complaint.payload.at("product_ref") == "Monstera 40 cm");
    CHECK(complaint.payload.at("receipt_ref") == "R-2026-1142");
    CHECK(complaint.payload.at("customer_wish") == "Een nieuwe plant of mijn geld terug.");
    const Json& contact = complaint.payload.at("contact");
    CHECK(contact.at("consent") == true);
    CHECK(contact.at("name") == "Joëlle Bakker");
    CHECK(contact.at("phone") == "0612345678");
    CHECK(contact.at("email") == "joelle@example.com");

    const auto assistance = of_type(run.events, EventType::complaint_assistance_requested);
    REQUIRE(assistance.size() == 1);
    CHECK(assistance[0].subject == complaint.subject);
    CHECK(assistance[0].actor == "kiosk");
    CHECK(run.events.size() == 2);

    const ComplaintState state = fold_of(run.events, complaint.subject);
    CHECK(state.status == ComplaintStatus::open);
    CHECK(state.assistance_requested_at.has_value());
    CHECK(state.skipped.empty());
    // The configured command ran, without a shell of ours, with the code.
    CHECK(read_all(called) == reference(0));

    // The screen showed the status link as a QR code (read back from the
    // screenshot with zbarimg), and the receipt printed the same link: the
    // key in it is the one whose hash the complaint carries.
    std::filesystem::path done_shot;
    for (const auto& entry : std::filesystem::directory_iterator(run.screenshots))
        if (entry.path().filename().string().find("-complaint_done-") != std::string::npos &&
            (done_shot.empty() || entry.path() < done_shot))
            done_shot = entry.path();
    REQUIRE_FALSE(done_shot.empty());
    const Finished scanned = testing::run_process({"/usr/bin/zbarimg", "--quiet", "--raw", done_shot.string()});
    INFO("zbarimg: " << scanned.err);
    REQUIRE(scanned.exit_code == 0);
    const std::string link = scanned.out.substr(0, scanned.out.find('\n'));
    const std::string prefix = "https://hq.example.nl:8443/status?ref=" + reference(0) + "&key=";
    REQUIRE_THAT(link, Catch::StartsWith(prefix));
    const std::string key = link.substr(prefix.size());
    CHECK(crypto::status_key_hash(key) == complaint.payload.at("status_key_hash"));
    CHECK(complaint.payload.at("locale") == lang);

    const auto printed = testing::decode_escpos(read_all(printer));
    INFO(printed.error << "\n" << printed.text());
    REQUIRE(printed.error.empty());
    CHECK(printed.cuts == 1);
    CHECK(printed.count(reference(0)) == 1);
    CHECK(printed.text().find("Een nieuwe plant of mijn geld terug.") != std::string::npos);
    REQUIRE(printed.qr_codes.size() == 1);
    CHECK(printed.qr_codes[0] == link);
    // The key is not kept on the terminal.
    for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "data"))
        if (entry.is_regular_file())
            CHECK(read_all(entry.path()).find(key) == std::string::npos);
}

TEST_CASE("kiosk UI: a receipt printer out of paper never holds up the counter and staff see it", "[kiosk_ui]")
{
    TempDir dir;
    Json config = Json::parse(read_all(source_dir / "assets" / "config" / "default.json"));
    config["receipt_printer"] = {{"device", "/dev/full"}}; // ENOSPC, as usblp says when the paper is out
    const auto config_file = dir.path() / "kiosk.json";
    write_file(config_file, config.dump(2));
    const KioskRun run = run_kiosk(dir, "printer", "en", "1280x800", {"--config", config_file.string()});
    CHECK(of_type(run.events, EventType::complaint_opened).size() == 1);
    CHECK(run.result.err.find("a receipt did not print") != std::string::npos);
    CHECK(run.result.err.find("/dev/full") != std::string::npos);
}

// [SECTION] Staff mode

TEST_CASE("kiosk UI: staff log and solve walk-in complaints, and find them again", "[kiosk_ui]")
{
    const std::string lang = GENERATE("nl", "en", "de", "pl", "tr");
    INFO("language " << lang);
    TempDir dir;
    const KioskRun run = run_kiosk(dir, "staff", lang);
    CHECK(screens_shown(run.screenshots, lang) ==
          std::set<std::string>{"staff_pin", "staff_menu", "staff_log_complaint", "staff_solve",
                                "staff_customer_response", "staff_complaint", "staff_reopen",
                                "staff_not_satisfied", "staff_escalate", "staff_open_complaints", "staff_close",
                                "staff_find", "staff_status", "shopper_start"});

    const auto opened = of_type(run.events, EventType::complaint_opened);
    REQUIRE(opened.size() == 2);
    for (const Event& event : run.events)
        if (event.type != EventType::complaint_customer_response) {
            INFO(to_string(event.type));
            CHECK(event.actor == "staff:anna");
        }

    // 1: walk-in, refunded on the spot within the limit, the customer satisfied: closed.
    const Event& first = opened[0];
    CHECK(first.payload.at("reference") == reference(0));
    CHECK(first.payload.at("channel") == "walk_in");
    CHECK(first.payload.at("category") == "product");
    CHECK(first.payload.at("description") == "Pot kapot bij thuiskomst");
    CHECK(first.payload.at("customer_wish") == "Nieuwe pot");
    CHECK_FALSE(first.payload.contains("contact"));
    const ComplaintState solved = fold_of(run.events, first.subject);
    CHECK(solved.status == ComplaintStatus::closed);
    CHECK(solved.close_outcome == "resolved");
    CHECK(solved.last_resolution == "refund");
    CHECK(solved.amount_cents == 1250);
    CHECK(solved.satisfied == true);
    CHECK(solved.handling_score == 5);
    CHECK(solved.solved_on_the_spot);
    CHECK(solved.skipped.empty());

    // 2: by phone with contact, an apology, the customer not satisfied: escalated.
    const Event& second = opened[1];
    CHECK(second.payload.at("reference") == reference(1));
    CHECK(second.payload.at("channel") == "phone");
    CHECK(second.payload.at("category") == "service");
    const Json& contact = second.payload.at("contact");
    CHECK(contact.at("consent") == true);
    CHECK(contact.at("name") == "Piet Jansen");
    CHECK(contact.at("phone") == "020 123 4567");
    CHECK_FALSE(contact.contains("email"));
    const ComplaintState escalated = fold_of(run.events, second.subject);
    CHECK(escalated.status == ComplaintStatus::escalated);
    CHECK(escalated.last_resolution == "apology");
    CHECK_FALSE(escalated.amount_cents.has_value());
    CHECK(escalated.satisfied == false);
    CHECK(escalated.handling_score == 2);
    CHECK(escalated.skipped.empty());

    // The customer's answers are the kiosk's; staff did the rest.
    const auto responses = of_type(run.events, EventType::complaint_customer_response);
    REQUIRE(responses.size() == 2);
    for (const Event& response : responses)
        CHECK(response.actor == "kiosk");
    CHECK(responses[1].payload.at("comment") == "Niet genoeg");
    const auto escalations = of_type(run.events, EventType::complaint_escalated);
    REQUIRE(escalations.size() == 1);
    CHECK(escalations[0].payload.at("reason") == "Klant wil de bedrijfsleider spreken");
    // The refund above Anna's limit (75.00 > 50.00) was refused, not recorded.
    const auto resolutions = of_type(run.events, EventType::complaint_resolved);
    REQUIRE(resolutions.size() == 2);
    CHECK(resolutions[0].payload.at("amount_cents") == 1250);
    CHECK(resolutions[0].payload.at("on_the_spot") == true);
    // Nothing else: the close and reopen screens were left with Back.
    CHECK(of_type(run.events, EventType::complaint_closed).size() == 1);
    CHECK(of_type(run.events, EventType::complaint_reopened).empty());
    CHECK(run.events.size() == 8);
}

// [SECTION] The whole complaint at the counter

TEST_CASE("kiosk UI: the staff complaint screen shows the whole complaint and scrolls by dragging", "[kiosk_ui]")
{
    const std::string lang = GENERATE("nl", "en");
    INFO("language " << lang);
    TempDir dir;
    std::string description;
    for (int i = 1; description.size() < 1600; ++i)
        description += "Zin " + std::to_string(i) + ": de waterkoker lekt onderaan bij de voet en de stekker wordt heet. ";
    const Json opened{{"type", "complaint.opened"},
                      {"actor", "staff:anna"},
                      {"channel", "phone"},
                      {"category", "product"},
                      {"description", description},
                      {"customer_wish", "Een nieuwe waterkoker, of het geld terug"},
                      {"severity", "safety"},
                      {"contact", {{"consent", true}, {"name", "Piet Jansen"}, {"phone", "020 123 4567"}}}};
    // What head office did with it, as the store holds it after a sync: an
    // assessment with an owner, a note, a corrective action due yesterday and
    // never checked, a decision still to be told to the customer.
    const std::string ref = reference(0);
    const Json assessed{{"type", "complaint.assessed"}, {"complaint", ref},     {"actor", "hq:mia"},
                        {"severity", "safety"},        {"owner", "Mia Jansen"}, {"note", "De stekker wordt heet"}};
    const Json noted{
        {"type", "complaint.noted"}, {"complaint", ref}, {"actor", "hq:mia"}, {"note", "Leverancier gebeld"}};
    const Json action{{"type", "complaint.action_planned"},
                      {"complaint", ref},
                      {"actor", "hq:mia"},
                      {"action_id", make_uuid_v7(now_utc_ms())},
                      {"kind", "corrective"},
                      {"description", "Waterkokers van deze partij uit het schap"},
                      {"owner", "Filiaalleider"},
                      {"due_at", now_utc_ms() - 24 * 3'600'000}};
    const Json decided{{"type", "complaint.resolved"},
                       {"complaint", ref},
                       {"actor", "hq:mia"},
                       {"resolution", "replacement"},
                       {"on_the_spot", false},
                       {"decision", "U krijgt een nieuwe waterkoker, die wij thuis bezorgen."},
                       {"communicated", "not_yet"}};
    std::string seed;
    for (const Json& event : {opened, assessed, noted, action, decided})
        seed += event.dump() + "\n";
    const KioskRun run = run_kiosk(dir, "staff_detail", lang, "1280x800", {}, seed);
    // The script held its checks on screen: the offset moved from 0, the
    // wish under the long description came into view and the status at the
    // top went out of it, and further drags showed head office's decision
    // and how it reached the customer, the overdue action, then the
    // assessment and note in the timeline while the description went out of
    // view. The screenshots along the way differ.
    std::vector<std::string> shots;
    for (const char* name : {"staff_complaint-top.png", "staff_complaint-dragged.png", "staff_complaint-decision.png",
                             "staff_complaint-bottom.png"}) {
        INFO(name);
        REQUIRE(std::filesystem::exists(run.screenshots / name));
        shots.push_back(read_all(run.screenshots / name));
        CHECK(shots.back().size() > 10'000);
    }
    for (std::size_t i = 1; i < shots.size(); ++i)
        CHECK(shots[i - 1] != shots[i]);
    CHECK(run.events.size() == 5); // looking records nothing
}

// [SECTION] Layouts
//
// The same scripts at the other sizes: every step taps its target by name,
// so a target off the screen, clipped or covered by another fails the step.
// 1920x1080 has the 1280x800 layout scaled (1.35); portrait is its own.

TEST_CASE("kiosk UI: the shopper screens at 1920x1080 and in portrait 1080x1920", "[kiosk_ui][layout]")
{
    const std::string lang = GENERATE("nl", "en", "de", "pl", "tr");
    const std::string size = GENERATE("1920x1080", "1080x1920");
    INFO("language " << lang << ", " << size);
    TempDir dir;
    const KioskRun run = run_kiosk(dir, "shopper", lang, size);
    CHECK(of_type(run.events, EventType::nps_rated).size() == 11);
}

TEST_CASE("kiosk UI: the complaint screens in portrait 1080x1920", "[kiosk_ui][layout]")
{
    const std::string lang = GENERATE("nl", "en", "de", "pl", "tr");
    INFO("language " << lang);
    TempDir dir;
    const KioskRun run = run_kiosk(dir, "complaint", lang, "1080x1920");
    CHECK(of_type(run.events, EventType::complaint_opened).size() == 1);
}

TEST_CASE("kiosk UI: the staff screens in portrait 1080x1920", "[kiosk_ui][layout]")
{
    const std::string lang = GENERATE("nl", "en", "de", "pl", "tr");
    INFO("language " << lang);
    TempDir dir;
    const KioskRun run = run_kiosk(dir, "staff", lang, "1080x1920");
    CHECK(of_type(run.events, EventType::complaint_opened).size() == 2);
}

// [SECTION] Errors people can act on

TEST_CASE("kiosk UI: run refuses what it cannot use, with a clear message", "[kiosk_ui]")
{
    TempDir dir;
    const std::string binary = FEEDBACK_TERMINAL_BINARY;
    const auto data = dir.path() / "data";
    std::filesystem::create_directories(data);
    const auto script = dir.path() / "empty.jsonl";
    write_file(script, "{\"expect_target\":\"start.question\"}\n");

    SECTION("a missing data folder")
    {
        const Finished run = testing::run_process({binary, "run", "--data-dir", (dir.path() / "nope").string(),
                                                   "--headless", "--script", script.string()});
        CHECK(run.exit_code == 1);
        CHECK_THAT(run.err, Catch::Contains("the data folder") && Catch::Contains("does not exist"));
    }
    SECTION("a configuration with a broken field")
    {
        Json config = Json::parse(read_all(source_dir / "assets" / "config" / "default.json"));
        config["timeouts"]["shopper_idle_seconds"] = 1;
        write_file(dir.path() / "bad.json", config.dump());
        const Finished run =
            testing::run_process({binary, "run", "--data-dir", data.string(), "--config",
                                  (dir.path() / "bad.json").string(), "--headless", "--script", script.string()});
        CHECK(run.exit_code == 1);
        CHECK_THAT(run.err, Catch::Contains("timeouts.shopper_idle_seconds"));
    }
    SECTION("headless without a script, and mixed display options")
    {
        const Finished headless = testing::run_process({binary, "run", "--data-dir", data.string(), "--headless"});
        CHECK(headless.exit_code == 2);
        CHECK_THAT(headless.err, Catch::Contains("--headless needs --script"));
        const Finished both =
            testing::run_process({binary, "run", "--data-dir", data.string(), "--fullscreen", "--window", "800x600"});
        CHECK(both.exit_code == 2);
        const Finished lang = testing::run_process({binary, "run", "--data-dir", data.string(), "--lang", "fr",
                                                    "--headless", "--script", script.string()});
        CHECK(lang.exit_code == 2);
        CHECK_THAT(lang.err, Catch::Contains("--lang must be one of nl, en, de, pl, tr"));
    }
    SECTION("no display and no --headless")
    {
        const Finished run = testing::run_process({"/usr/bin/env", "-u", "DISPLAY", "-u", "WAYLAND_DISPLAY",
                                                   "SDL_VIDEODRIVER=x11", binary, "run", "--data-dir", data.string()});
        CHECK(run.exit_code == 1);
        CHECK_THAT(run.err, Catch::Contains("cannot open the kiosk's window") && Catch::Contains("--headless"));
    }
    SECTION("a failing step: exit 1 with the step's place and message")
    {
        write_file(script, "{\"tap\":\"score.9\"}\n{\"tap\":\"no.such.button\"}\n");
        const Finished run = testing::run_process(
            {binary, "run", "--data-dir", data.string(), "--headless", "--standalone", "--script", script.string()});
        CHECK(run.exit_code == 1);
        CHECK_THAT(run.err, Catch::Contains("empty.jsonl:2: tap \"no.such.button\": no such target"));
    }
}

// [SECTION] Every label comes from the translation files

TEST_CASE("kiosk UI: every translation key literal in the screens exists in both languages", "[kiosk_ui]")
{
    // tr("...") and format("...") are checked by test_config; the screens also
    // pass keys to helpers (buttons whose target is their key): any literal
    // that names a key-like "a.b" must be a key, a target name, or a prefix.
    const Json en = Json::parse(read_all(source_dir / "assets" / "i18n" / "en.json"));
    const Json nl = Json::parse(read_all(source_dir / "assets" / "i18n" / "nl.json"));
    const std::regex literal(R"re("((?:common|start|promises|why|contact_offer|contact|thanks|complaint|keyboard|error|staff|response|money|time)\.[a-z0-9_.]+)")re");
    // Target names that are not labels (display targets, panels, fields).
    const std::set<std::string> targets{
        "complaint.reference", "complaint.on_the_way", "staff.corner", "staff.notice", "staff.log",
        "staff.log.contact_row", "staff.log.typing", "staff.pin", "staff.solve", "staff.open.summary",
        "start.bottom", "start.question", "staff.complaint", "staff.complaint.status", "staff.complaint.category",
        "staff.complaint.channel", "staff.complaint.deadline", "why.score", "why.title", "response.resolution",
        "staff.complaint.details", "staff.printer.problem", "complaint.status_qr", "complaint.done",
    };
    std::string missing;
    for (const auto& folder : {source_dir / "terminal" / "screens", source_dir / "terminal" / "app"}) {
        for (const auto& entry : std::filesystem::directory_iterator(folder)) {
            if (entry.path().extension() != ".cpp")
                continue;
            const std::string code = read_all(entry.path());
            for (std::sregex_iterator it(code.begin(), code.end(), literal), end; it != end; ++it) {
                const std::string key = (*it)[1];
                if (targets.count(key) > 0 || key.back() == '.' || key.back() == '_') // a prefix: made into keys at run time
                    continue;
                if (!en.contains(key) || !nl.contains(key))
                    missing += "\n  " + entry.path().filename().string() + ": \"" + key + "\"";
            }
        }
    }
    if (!missing.empty())
        FAIL("keys used by the screens but missing from assets/i18n:" << missing);
}
