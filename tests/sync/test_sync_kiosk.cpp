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
