// The kiosk's setup screen against a real head office: an unenrolled kiosk
// (the real binary, headless, on a script) shows the setup screen instead of
// the survey; staff type head office's address and a code on the on-screen
// keyboard, a wrong code first, compare the fingerprint `feedback-hq enroll`
// printed with the one on the screen, and the kiosk is enrolled, in Dutch and
// in English. A USB stick's setup file (`feedback-hq enroll --setup-file`)
// does the same without typing; an expired one, a rejected fingerprint and a
// mistyped address are said in words and change nothing.
#include "support/child_process.h"
#include "support/files.h"
#include "support/temp_dir.h"
#include "sync_support.h"

#include <catch2/catch.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

using namespace feedback::testing;

namespace {

const std::filesystem::path screenshot_root = std::filesystem::path(FEEDBACK_SCREENSHOT_ROOT) / "setup";

// A kiosk text as the screen shows it: the translation with its placeholders filled.
std::string screen_text(const std::string& lang, const std::string& key,
                        const std::map<std::string, std::string>& args = {})
{
    auto texts = nlohmann::json::parse(
        read_all(std::filesystem::path(FEEDBACK_SOURCE_DIR) / "assets" / "i18n" / (lang + ".json")));
    std::string text = texts.at(key).get<std::string>();
    for (const auto& [name, value] : args)
        text = std::regex_replace(text, std::regex("\\{" + name + "\\}"), value);
    return text;
}

struct EnrolCode {
    std::string code;
    std::string fingerprint;
};

// `feedback-hq enroll` with its extra arguments: the code (first line) and
// the fingerprint it prints.
EnrolCode make_code(HqProcess& hq, const std::string& name, const std::vector<std::string>& extra = {})
{
    std::vector<std::string> args{"enroll", "--store", "UTR", "--name", name};
    args.insert(args.end(), extra.begin(), extra.end());
    auto made = hq.run(args);
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    std::smatch fingerprint;
    REQUIRE(std::regex_search(made.out, fingerprint,
                              std::regex("certificate fingerprint: ([0-9A-F]{4}(-[0-9A-F]{4}){4})")));
    return {lines_of(made.out).at(0), fingerprint[1]};
}

std::string step(const nlohmann::json& json) { return json.dump() + "\n"; }

// As staff type a code on the keyboard, which has no capitals (the field shows them).
std::string typed(std::string code)
{
    for (char& c : code)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return code;
}

// Taps the backspace key `count` times (the code field keeps what was typed).
std::string erase(int count)
{
    std::string steps;
    for (int i = 0; i < count; ++i)
        steps += step({{"tap", "key.backspace"}});
    return steps;
}

Finished run_kiosk(const TerminalDir& terminal, const std::string& lang, const std::string& script_text,
                   const std::filesystem::path& media, const std::string& shots)
{
    auto script = terminal.dir().parent_path() / ("setup-" + lang + ".jsonl");
    std::ofstream(script) << script_text;
    const auto screenshots = screenshot_root / shots;
    std::filesystem::remove_all(screenshots);
    return run_process({FEEDBACK_TERMINAL_BINARY, "run", "--data-dir", terminal.dir().string(), "--headless",
                        "--lang", lang, "--setup-media", media.string(), "--script", script.string(),
                        "--screenshots", screenshots.string()});
}

std::string host_and_port(const HqProcess& hq) { return "127.0.0.1:" + std::to_string(hq.port()); }

} // namespace

TEST_CASE("an unenrolled kiosk is set up on its screen: address and code typed, a wrong code first, the "
          "fingerprint compared, in Dutch and in English",
          "[sync][kiosk][setup]")
{
    for (const std::string lang : {"nl", "en"}) {
        DYNAMIC_SECTION("language " << lang)
        {
            TempDir temp;
            HqProcess hq(temp.path() / "hq");
            TerminalDir terminal(temp.path() / "kiosk");
            std::filesystem::create_directories(temp.path() / "media");
            const EnrolCode code = make_code(hq, "Counter 2");
            const std::string wrong = "ABCDE-FGHJK";

            std::string script;
            // The setup screen, not the survey.
            script += step({{"expect_target", "setup.title"}});
            script += step({{"expect_no_target", "start.question"}});
            // Connect with nothing typed: both fields say what is missing.
            script += step({{"tap", "setup.connect"}});
            script += step({{"expect_target", "field.server_address.error"},
                            {"value", screen_text(lang, "setup.error.address_empty")}});
            // A mistyped address (http://) is refused before anything is sent.
            script += step({{"tap", "field.server_address"}});
            script += step({{"type", "http://" + host_and_port(hq)}});
            script += step({{"tap", "field.enrol_code"}});
            script += step({{"type", typed(wrong)}});
            script += step({{"tap", "setup.connect"}});
            script += step({{"expect_target", "screen.error"}, {"value", screen_text(lang, "setup.error.address")}});
            script += step({{"tap", "field.server_address"}});
            script += erase(static_cast<int>(("http://" + host_and_port(hq)).size()));
            script += step({{"type", host_and_port(hq)}});
            // The wrong code: the fingerprint first, then head office says no.
            script += step({{"tap", "setup.connect"}});
            script += step({{"expect_target", "setup.check.title"}});
            script += step({{"expect_target", "setup.fingerprint"}, {"value", code.fingerprint}});
            script += step({{"expect_target", "setup.check.server"}, {"value", "https://" + host_and_port(hq)}});
            script += step({{"tap", "setup.check.same"}});
            script += step({{"expect_target", "screen.error"}, {"value", screen_text(lang, "setup.error.wrong_code")}});
            // Typed again: connected.
            script += step({{"tap", "field.enrol_code"}});
            script += erase(static_cast<int>(wrong.size()));
            script += step({{"type", typed(code.code)}});
            script += step({{"expect_target", "field.enrol_code"}, {"value", code.code}});
            script += step({{"tap", "setup.connect"}});
            script += step({{"expect_target", "setup.fingerprint"}, {"value", code.fingerprint}});
            script += step({{"tap", "setup.check.same"}});
            script += step({{"expect_target", "setup.done.title"}});
            script += step({{"expect_target", "setup.done.text"}}); // its words checked below, with the terminal's code
            script += step({{"tap", "setup.done.start"}});
            script += step({{"expect_target", "start.question"}});

            auto ran = run_kiosk(terminal, lang, script, temp.path() / "media", "typed-" + lang);
            INFO(ran.out << ran.err);
            REQUIRE(ran.exit_code == 0);
            // Enrolled for real: head office knows the device, the terminal its identity.
            CHECK(std::filesystem::exists(terminal.dir() / "sync-credentials.json"));
            CHECK(std::filesystem::exists(terminal.dir() / "hq-ca.pem"));
            auto status = terminal.status();
            CHECK(status["device"]["store_code"] == "UTR");
            // The terminal as head office numbered it (the done screen says the same).
            CHECK(ran.err.find("as terminal UTR-" + status["device"]["terminal_code"].get<std::string>()) !=
                  std::string::npos);
            auto devices = hq.devices();
            REQUIRE(devices.size() == 1);
            CHECK(devices[0]["name"] == "Counter 2");
            // The log says what happened, never the code.
            CHECK(ran.err.find("enrolled with head office") != std::string::npos);
            CHECK(ran.err.find(code.code) == std::string::npos);
            CHECK(ran.err.find(wrong) == std::string::npos);
            // An enrolled kiosk starts at the survey.
            auto again = run_kiosk(terminal, lang, step({{"expect_target", "start.question"}}), temp.path() / "media",
                                   "enrolled-" + lang);
            INFO(again.err);
            CHECK(again.exit_code == 0);
        }
    }
}

TEST_CASE("a fingerprint that is not the same enrols nothing, and the code still works", "[sync][kiosk][setup]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir terminal(temp.path() / "kiosk");
    std::filesystem::create_directories(temp.path() / "media");
    const EnrolCode code = make_code(hq, "Counter 3");
    std::string script;
    script += step({{"type", host_and_port(hq)}});
    script += step({{"tap", "field.enrol_code"}});
    script += step({{"type", typed(code.code)}});
    script += step({{"tap", "setup.connect"}});
    script += step({{"tap", "setup.check.differs"}});
    script += step({{"expect_target", "screen.error"}, {"value", screen_text("en", "setup.error.fingerprint_differs")}});
    auto ran = run_kiosk(terminal, "en", script, temp.path() / "media", "rejected");
    INFO(ran.out << ran.err);
    REQUIRE(ran.exit_code == 0);
    CHECK_FALSE(std::filesystem::exists(terminal.dir() / "sync-credentials.json"));
    CHECK(hq.devices().empty());
    // Nothing secret went out: the code enrols the terminal from the command line.
    auto enrolled = terminal.enroll(hq, code.code);
    INFO(enrolled.err);
    CHECK(enrolled.exit_code == 0);
}

TEST_CASE("a USB stick's setup file enrols the kiosk once a person accepts the fingerprint, and an expired one says so",
          "[sync][kiosk][setup]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    const auto stick = temp.path() / "media" / "kiosk" / "STICK";
    std::filesystem::create_directories(stick);

    SECTION("a setup file made by feedback-hq enroll --setup-file")
    {
        TerminalDir terminal(temp.path() / "kiosk");
        const EnrolCode code = make_code(hq, "Counter 4", {"--setup-file", stick.string(), "--server", hq.url()});
        const auto file = stick / "feedback-setup.json";
        REQUIRE(std::filesystem::exists(file));
        CHECK((std::filesystem::status(file).permissions() & std::filesystem::perms::others_all) ==
              std::filesystem::perms::none);
        auto setup = nlohmann::json::parse(read_all(file));
        CHECK(setup["code"] == code.code);
        CHECK(setup["server"] == hq.url());
        CHECK(setup["ca_certificate"].get<std::string>().find("BEGIN CERTIFICATE") != std::string::npos);

        std::string script;
        script += step({{"expect_target", "setup.check.title"}});
        script += step({{"expect_target", "setup.check.terminal"},
                        {"value", screen_text("en", "setup.check.terminal_value",
                                              {{"name", "Counter 4"}, {"store", "UTR"}})}});
        script += step({{"expect_target", "setup.fingerprint"}, {"value", code.fingerprint}});
        script += step({{"tap", "setup.check.same"}});
        script += step({{"expect_target", "setup.done.title"}});
        script += step({{"tap", "setup.done.start"}});
        script += step({{"expect_target", "start.question"}});
        auto ran = run_kiosk(terminal, "en", script, temp.path() / "media", "usb");
        INFO(ran.out << ran.err);
        REQUIRE(ran.exit_code == 0);
        CHECK(terminal.status()["device"]["store_code"] == "UTR");
        REQUIRE(hq.devices().size() == 1);
    }

    SECTION("an expired setup file")
    {
        TerminalDir terminal(temp.path() / "kiosk");
        make_code(hq, "Counter 5", {"--setup-file", stick.string(), "--server", hq.url()});
        const auto file = stick / "feedback-setup.json";
        auto setup = nlohmann::json::parse(read_all(file));
        setup["expires_at"] = "2026-01-01T00:00:00Z";
        std::ofstream(file) << setup.dump();
        std::string script;
        script += step({{"expect_target", "screen.error"}});
        script += step({{"expect_no_target", "setup.check.title"}});
        auto ran = run_kiosk(terminal, "nl", script, temp.path() / "media", "usb-expired");
        INFO(ran.out << ran.err);
        REQUIRE(ran.exit_code == 0);
        CHECK_FALSE(std::filesystem::exists(terminal.dir() / "sync-credentials.json"));
    }

    SECTION("a file that is not a setup file")
    {
        TerminalDir terminal(temp.path() / "kiosk");
        std::ofstream(stick / "feedback-setup.json") << "{\"format\": \"something else\"}";
        std::string script;
        script += step({{"expect_target", "screen.error"}, {"value", screen_text("nl", "setup.error.setup_file")}});
        auto ran = run_kiosk(terminal, "nl", script, temp.path() / "media", "usb-unusable");
        INFO(ran.out << ran.err);
        REQUIRE(ran.exit_code == 0);
    }
}

TEST_CASE("feedback-hq enroll --setup-file refuses a bad --server before it makes a code", "[sync][setup]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    auto refused = hq.run({"enroll", "--store", "UTR", "--name", "Counter 6", "--setup-file",
                           (temp.path() / "setup.json").string(), "--server", "http://hq.example.nl"});
    CHECK(refused.exit_code != 0);
    CHECK(refused.err.find("--server") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(temp.path() / "setup.json"));
    auto missing_folder = hq.run({"enroll", "--store", "UTR", "--name", "Counter 6", "--setup-file",
                                  (temp.path() / "no" / "such" / "folder" / "setup.json").string()});
    CHECK(missing_folder.exit_code != 0);
    CHECK(missing_folder.err.find("cannot write the setup file") != std::string::npos);
}

namespace {

// Staff mode's status screen: the corner held, Anna's PIN (the default
// configuration's), the menu's status tile.
std::string to_staff_status()
{
    std::string script;
    script += step({{"expect_target", "start.question"}});
    script += step({{"hold", "staff.corner"}, {"ms", 3200}});
    script += step({{"type", "1234"}});
    script += step({{"tap", "key.done"}});
    script += step({{"tap", "staff.menu.status"}});
    script += step({{"expect_target", "staff.status.terminal"}});
    return script;
}

} // namespace

TEST_CASE("staff connect an enrolled kiosk again and make it leave its store, only once head office has everything",
          "[sync][kiosk][setup][leave]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir terminal(temp.path() / "kiosk");
    std::filesystem::create_directories(temp.path() / "media");
    REQUIRE(terminal.enroll(hq, make_code(hq, "Counter 6").code).exit_code == 0);
    const auto credentials = terminal.dir() / "sync-credentials.json";
    const auto first = nlohmann::json::parse(read_all(credentials));
    REQUIRE(terminal.record(rating_lines(2)).exit_code == 0);

    // Two ratings not sent yet: leaving is refused with the count; "connect
    // again" opens the setup screen with head office's address, and a new
    // code of the store gives the same device a new token.
    const EnrolCode code = make_code(hq, "Counter 6");
    std::string script = to_staff_status();
    script += step({{"tap", "staff.status.leave"}});
    script += step({{"expect_target", "staff.leave.title"}});
    script += step({{"expect_target", "staff.leave.error.unsent"},
                    {"value", screen_text("en", "staff.leave.error.unsent", {{"count", "2"}})}});
    script += step({{"tap", "common.back"}});
    script += step({{"tap", "staff.status.connect_again"}});
    script += step({{"expect_target", "setup.title"}});
    script += step({{"expect_target", "field.server_address"}, {"value", hq.url()}});
    script += step({{"tap", "common.cancel"}});
    script += step({{"expect_target", "start.question"}});
    script += step({{"hold", "staff.corner"}, {"ms", 3200}});
    script += step({{"type", "1234"}});
    script += step({{"tap", "key.done"}});
    script += step({{"tap", "staff.menu.status"}});
    script += step({{"tap", "staff.status.connect_again"}});
    script += step({{"tap", "field.enrol_code"}});
    script += step({{"type", typed(code.code)}});
    script += step({{"tap", "setup.connect"}});
    script += step({{"expect_target", "setup.fingerprint"}, {"value", code.fingerprint}});
    script += step({{"tap", "setup.check.same"}});
    script += step({{"expect_target", "setup.done.title"}});
    script += step({{"tap", "setup.done.start"}});
    script += step({{"expect_target", "start.question"}});
    auto ran = run_kiosk(terminal, "en", script, temp.path() / "media", "connect-again");
    INFO(ran.out << ran.err);
    REQUIRE(ran.exit_code == 0);
    const auto second = nlohmann::json::parse(read_all(credentials));
    CHECK(second["device_id"] == first["device_id"]);
    CHECK(second["token"] != first["token"]);
    REQUIRE(hq.devices().size() == 1);
    CHECK(ran.err.find(code.code) == std::string::npos);

    // Head office unreachable: said in words, nothing changes.
    REQUIRE(terminal.sync_once().exit_code == 0);
    const auto events_before = terminal.status()["events_total"];
    hq.stop_with_sigterm();
    script = to_staff_status();
    script += step({{"tap", "staff.status.leave"}});
    script += step({{"tap", "staff.leave.confirm"}});
    script += step({{"expect_target", "screen.error"}, {"value", screen_text("en", "staff.leave.error.unreachable")}});
    ran = run_kiosk(terminal, "en", script, temp.path() / "media", "leave-unreachable");
    INFO(ran.out << ran.err);
    REQUIRE(ran.exit_code == 0);
    CHECK(std::filesystem::exists(credentials));
    CHECK(terminal.status()["events_total"] == events_before);

    // Everything at head office: the terminal leaves; head office revoked it
    // and says the shop did; the next start empties the data folder and
    // shows the setup screen as a new device.
    hq.start();
    script = to_staff_status();
    script += step({{"tap", "staff.status.leave"}});
    script += step({{"tap", "staff.leave.confirm"}});
    script += step({{"expect_target", "staff.left.title"}});
    script += step({{"expect_target", "staff.left.text"}, {"value", screen_text("en", "staff.left.text", {{"store", "UTR"}})}});
    ran = run_kiosk(terminal, "en", script, temp.path() / "media", "leave");
    INFO(ran.out << ran.err);
    REQUIRE(ran.exit_code == 0);
    CHECK_FALSE(std::filesystem::exists(credentials));
    CHECK(std::filesystem::exists(terminal.dir() / "left-store"));
    auto devices = hq.devices();
    REQUIRE(devices.size() == 1);
    CHECK(devices[0]["left_at"].is_string());
    CHECK(devices[0]["revoked_at"] == devices[0]["left_at"]);
    CHECK(devices[0]["events_received"] == 2);

    ran = run_kiosk(terminal, "en", step({{"expect_target", "setup.title"}}), temp.path() / "media", "after-leaving");
    INFO(ran.out << ran.err);
    REQUIRE(ran.exit_code == 0);
    CHECK(ran.err.find("data folder was emptied") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(terminal.dir() / "left-store"));
    auto status = terminal.status();
    CHECK(status["events_total"] == 0);
    CHECK(status["device"]["device_id"] != first["device_id"]);
}
