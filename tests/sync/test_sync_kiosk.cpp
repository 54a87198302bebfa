// The kiosk's background uploader end to end: the real kiosk (`feedback-terminal
// run` with a script, on the real clock and SDL's offscreen driver, so no
// display is needed) enrolled to a real feedback-hq over HTTPS on loopback
// with test-made certificates records ratings through its screens; its own
// uploader (started with --sync-start-delay-max 0) sends them, without
// `sync --once`, and head office holds each exactly once. A configuration
// head office publishes reaches the running kiosk the same way.
#include "domain/clock.h"
#include "hq/hq_store.h"
#include "support/child_process.h"
#include "support/files.h"
#include "support/temp_dir.h"
#include "sync_support.h"

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <set>
#include <string>
#include <thread>

using namespace feedback::testing;

namespace {

// Three ratings through the shopper screens, then the kiosk stays up (on the
// real clock) until the test has seen what it needs and stops it.
constexpr const char* three_ratings = R"({"expect_target":"start.question"}
{"tap":"score.9"}
{"tap":"why.skip"}
{"tap":"thanks.done"}
{"tap":"score.7"}
{"tap":"why.skip"}
{"tap":"thanks.done"}
{"tap":"score.8"}
{"tap":"why.skip"}
{"tap":"thanks.done"}
{"expect_target":"start.question"}
{"wait_ms":600000}
)";

} // namespace

TEST_CASE("the running kiosk's own uploader sends what it records to head office, each event exactly once",
          "[sync][kiosk]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir terminal(temp.path() / "kiosk");
    auto enrolled = terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1"));
    INFO(enrolled.out << enrolled.err);
    REQUIRE(enrolled.exit_code == 0);
    const auto script = temp.path() / "three-ratings.jsonl";
    std::ofstream(script) << three_ratings;

    ChildProcess kiosk(terminal.kiosk_argv(script, {"--sync-start-delay-max", "0"}));
    // Until head office has the three ratings and the kiosk's store has them
    // acknowledged; under the sanitizers a start takes a few seconds.
    std::string kiosk_output;
    std::vector<nlohmann::json> received;
    nlohmann::json status;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
        kiosk_output += kiosk.read_available(std::chrono::milliseconds(250));
        received = hq.export_jsonl();
        status = terminal.status();
        if (received.size() >= 3 && status["unsent_backlog"] == 0)
            break;
    }
    ::kill(kiosk.pid(), SIGKILL); // the script waits on; every event is committed
    Finished stopped = kiosk.wait();
    INFO("kiosk: " << kiosk_output << stopped.out << stopped.err << "\nhead office: " << hq.log());

    // Recorded through the screens, acknowledged, nothing quarantined.
    auto recorded = terminal.export_jsonl();
    REQUIRE(recorded.size() == 3);
    for (const auto& event : recorded)
        CHECK(event["type"] == "nps.rated");
    status = terminal.status();
    CHECK(status["unsent_backlog"] == 0);
    CHECK(status["quarantined"] == 0);
    // Head office has exactly those three, each once.
    received = hq.export_jsonl();
    CHECK(received.size() == 3);
    CHECK(event_ids(received).size() == received.size());
    CHECK(event_ids(received) == event_ids(recorded));
    auto devices = hq.devices();
    REQUIRE(devices.is_array());
    REQUIRE(devices.size() == 1);
    CHECK(devices[0]["events_received"] == 3);
    // Sent by the uploader: uploads over HTTPS, and no command line ran a sync.
    CHECK(hq.log().find("POST /v1/batches 200") != std::string::npos);
}

TEST_CASE("the kiosk takes --sync-start-delay-max from 0 to 3600 seconds and lists it in its help", "[sync][kiosk]")
{
    TempDir temp;
    TerminalDir terminal(temp.path() / "kiosk");
    auto help = run_process({FEEDBACK_TERMINAL_BINARY, "run", "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--sync-start-delay-max SECONDS") != std::string::npos);
    for (const std::string bad : {"-1", "3601", "soon", "", "1e9"}) {
        INFO("--sync-start-delay-max " << bad);
        auto refused = run_process({FEEDBACK_TERMINAL_BINARY, "run", "--data-dir", terminal.dir().string(),
                                    "--headless", "--script", "none.jsonl", "--sync-start-delay-max", bad});
        CHECK(refused.exit_code == 2);
        CHECK(refused.err.find("--sync-start-delay-max needs a") != std::string::npos);
    }
}

TEST_CASE("a configuration head office publishes reaches the running kiosk, which shows it on its start screen",
          "[sync][kiosk]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir terminal(temp.path() / "kiosk");
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);

    // Published after enrolment, so only the kiosk's own uploader can bring it.
    const std::string question = "Hoe graag beveelt u Tuincentrum De Linde aan?";
    {
        auto document = nlohmann::json::parse(read_all(std::filesystem::path(FEEDBACK_SOURCE_DIR) / "assets" /
                                                       "config" / "default.json"));
        document["version"] = 2;
        document["question"]["nl"] = question;
        auto store = feedback::hq::HqStore::open(hq.dir(), feedback::hq::HqStore::Intent::existing_only);
        REQUIRE(store);
        REQUIRE(store->publish_config("UTR", document, feedback::now_utc_ms()));
    }

    // The start screen is untouched, so the kiosk takes it as soon as it arrives.
    const auto script = temp.path() / "new-question.jsonl";
    std::ofstream(script) << R"({"expect_target":"start.question"}
{"wait_ms":15000}
{"expect_target":"start.question","value":")" + question + R"("}
)";
    ChildProcess kiosk(terminal.kiosk_argv(script, {"--sync-start-delay-max", "0"}));
    Finished finished = kiosk.wait();
    INFO(finished.out << finished.err << "\nhead office: " << hq.log());
    CHECK(finished.exit_code == 0);
    CHECK(finished.out.find("script passed") != std::string::npos);
    CHECK((finished.out + finished.err).find("now running configuration version 2 from head office") !=
          std::string::npos);
    CHECK(hq.log().find("GET /v1/config 200") != std::string::npos);
}

TEST_CASE("a screenshot head office asks for is taken of the untouched start screen only, never of a shopper's, "
          "and arrives with the next sync",
          "[sync][kiosk][screenshot]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir terminal(temp.path() / "kiosk");
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    const std::string device_id = hq.devices().at(0)["device_id"].get<std::string>();
    {
        // Asked before the kiosk starts: the first answer it gets says so.
        auto store = feedback::hq::HqStore::open(hq.dir(), feedback::hq::HqStore::Intent::existing_only);
        REQUIRE(store);
        REQUIRE(store->request_screenshot(device_id, feedback::now_utc_ms()));
    }
    // A shopper taps a score and stays on the reasons screen for 12 seconds;
    // only after they are done does the start screen show again.
    constexpr int64_t shopper_ms = 12000;
    const auto script = temp.path() / "shopper-then-idle.jsonl";
    std::ofstream(script) << "{\"expect_target\":\"start.question\"}\n{\"tap\":\"score.9\"}\n{\"wait_ms\":" << shopper_ms
                          << "}\n{\"tap\":\"why.skip\"}\n{\"tap\":\"thanks.done\"}\n"
                             "{\"expect_target\":\"start.question\"}\n{\"wait_ms\":600000}\n";
    const int64_t started = feedback::now_utc_ms();
    // As `feedback-terminal session` starts it with rotation = 90 in display.conf.
    ChildProcess kiosk(terminal.kiosk_argv(script, {"--sync-start-delay-max", "0", "--rotation", "90"}));
    std::string kiosk_output;
    nlohmann::json device;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
        kiosk_output += kiosk.read_available(std::chrono::milliseconds(500));
        device = hq.devices().at(0);
        if (!device["screenshot_received_at"].is_null())
            break;
    }
    ::kill(kiosk.pid(), SIGKILL);
    Finished stopped = kiosk.wait();
    INFO("kiosk: " << kiosk_output << stopped.out << stopped.err << "\nhead office: " << hq.log());
    REQUIRE_FALSE(device["screenshot_received_at"].is_null());
    // Taken after the shopper left (the reasons screen showed for 12 s from
    // start-up on), and the request is answered.
    CHECK(device["screenshot_taken_at"].get<int64_t>() >= started + shopper_ms);
    CHECK(device["screenshot_received_at"].get<int64_t>() >= device["screenshot_requested_at"].get<int64_t>());
    CHECK(hq.log().find("POST /v1/screenshot 200") != std::string::npos);
    // Its health report names the screen's size and how far it is turned.
    CHECK(device["condition"]["screen"] == "1280x800 rotated 90");
    auto store = feedback::hq::HqStore::open(hq.dir(), feedback::hq::HqStore::Intent::existing_only);
    REQUIRE(store);
    auto picture = store->screenshot(device_id);
    REQUIRE(picture);
    REQUIRE(*picture);
    // The kiosk's whole start screen (kiosk_argv's window, 1280x800), as a PNG.
    const std::string& bytes = **picture;
    REQUIRE(bytes.size() > 24);
    CHECK(bytes.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
    auto big_endian = [&](size_t at) {
        uint32_t value = 0;
        for (size_t i = 0; i < 4; ++i)
            value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
        return value;
    };
    CHECK(big_endian(16) == 1280);
    CHECK(big_endian(20) == 800);
    std::ofstream(std::filesystem::path(FEEDBACK_SCREENSHOT_ROOT) / "requested-start-screen.png", std::ios::binary)
        << bytes;
}
