// Tests of the feedback-terminal command line, run in-process through
// run_cli and, for exit codes and help, as the real binary.
#include "cli/commands.h"
#include "client/exit_notes.h"
#include "domain/clock.h"
#include "domain/ids.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

using namespace feedback;
using feedback::testing::TempDir;

namespace {

struct CliRun {
    int exit_code;
    std::string out;
    std::string err;
};

CliRun cli(std::vector<std::string> args, const std::string& input = "")
{
    std::istringstream in(input);
    std::ostringstream out, err;
    int code = terminal::run_cli(args, in, out, err);
    return {code, out.str(), err.str()};
}

std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

} // namespace

TEST_CASE("record prints an id per committed event and a reference for complaints", "[cli]")
{
    TempDir dir;
    std::string data = dir.path().string();
    auto run = cli({"record", "--data-dir", data},
                   "{\"type\":\"nps.rated\",\"score\":9,\"locale\":\"nl\"}\n"
                   "\n"
                   "{\"type\":\"complaint.opened\",\"channel\":\"kiosk\",\"category\":\"service\","
                   "\"description\":\"Lange wachtrij bij de kassa\",\"customer_wish\":\"Meer kassa's open\"}\n");
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    auto lines = lines_of(run.out);
    REQUIRE(lines.size() == 3);
    CHECK(is_uuid(lines[0]));
    CHECK(is_uuid(lines[1]));
    CHECK(lines[2].rfind("reference XXX-", 0) == 0);
    std::string reference = lines[2].substr(10, lines[2].find(' ', 10) - 10);

    // Later events name the complaint by its reference code.
    auto step = cli({"record", "--data-dir", data},
                    "{\"type\":\"complaint.acknowledged\",\"complaint\":\"" + reference + "\",\"actor\":\"staff:anna\"}\n");
    INFO(step.err);
    CHECK(step.exit_code == 0);
    CHECK(lines_of(step.out).size() == 1);
}

TEST_CASE("record reports each bad line by number and still records the others", "[cli]")
{
    TempDir dir;
    std::string data = dir.path().string();
    auto run = cli({"record", "--data-dir", data},
                   "{\"type\":\"nps.rated\",\"score\":7,\"locale\":\"en\"}\n"
                   "{\"type\":\"nps.rated\",\"score\":11,\"locale\":\"en\"}\n"
                   "not json\n"
                   "{\"type\":\"nps.bogus\"}\n"
                   "{\"type\":\"complaint.acknowledged\",\"complaint\":\"XXX-22-2222Q\",\"actor\":\"staff:a\"}\n"
                   "{\"type\":\"nps.rated\",\"score\":10,\"locale\":\"en\",\"id\":\"x\"}\n"
                   "{\"type\":\"nps.rated\",\"score\":0,\"locale\":\"nl\"}\n");
    CHECK(run.exit_code == 1);
    CHECK(lines_of(run.out).size() == 2);
    CHECK_THAT(run.err, Catch::Contains("line 2: payload.score"));
    CHECK_THAT(run.err, Catch::Contains("line 3: not valid JSON"));
    CHECK_THAT(run.err, Catch::Contains("line 4: type: unknown event type \"nps.bogus\""));
    CHECK_THAT(run.err, Catch::Contains("line 5: complaint:"));
    CHECK_THAT(run.err, Catch::Contains("line 6: id: filled in by the program"));
    CHECK_THAT(run.err, Catch::Contains("5 lines were rejected"));

    auto status = cli({"status", "--data-dir", data, "--json"});
    REQUIRE(status.exit_code == 0);
    auto json = nlohmann::json::parse(status.out);
    CHECK(json.at("events_total") == 2);
    CHECK(json.at("nps_last_30_days").at("ratings") == 2);
    CHECK(json.at("nps_last_30_days").at("score") == -50.0); // one passive, one detractor
    CHECK(json.at("unsent_backlog") == 2);
    CHECK(json.at("integrity") == "ok");
    // 2: sync_state, 3: an outbox index (issue 4), 4: one page written per tap (issue 12)
    CHECK(json.at("schema_version") == 4);
}

TEST_CASE("status and export show what was recorded", "[cli]")
{
    TempDir dir;
    std::string data = dir.path().string();
    REQUIRE(cli({"init", "--data-dir", data, "--store", "UTR", "--terminal", "2A"}).exit_code == 0);
    REQUIRE(cli({"record", "--data-dir", data},
                "{\"type\":\"nps.rated\",\"score\":10,\"locale\":\"nl\"}\n"
                "{\"type\":\"nps.rated\",\"score\":2,\"locale\":\"en\"}\n"
                "{\"type\":\"nps.rated\",\"score\":9,\"locale\":\"nl\"}\n")
                .exit_code == 0);
    auto text = cli({"status", "--data-dir", data});
    REQUIRE(text.exit_code == 0);
    CHECK_THAT(text.out, Catch::Contains("terminal        UTR-2A"));
    CHECK_THAT(text.out, Catch::Contains("NPS, 30 days    +33 (3 ratings: 2 promoters, 0 passives, 1 detractor)"));

    auto jsonl = cli({"export", "--data-dir", data, "--format", "jsonl"});
    REQUIRE(jsonl.exit_code == 0);
    auto rows = lines_of(jsonl.out);
    REQUIRE(rows.size() == 3);
    auto first = nlohmann::json::parse(rows[0]);
    CHECK(first.at("v") == 1);
    CHECK(first.at("type") == "nps.rated");
    CHECK(first.at("seq") == 1);
    CHECK(first.at("payload").at("score") == 10);
    CHECK(first.at("payload").at("survey_version") == 1);

    auto csv = cli({"export", "--data-dir", data, "--format", "csv"});
    REQUIRE(csv.exit_code == 0);
    auto csv_rows = lines_of(csv.out);
    REQUIRE(csv_rows.size() == 4);
    CHECK(csv_rows[0].rfind("id,v,type,subject,occurred_at,occurred_at_utc,actor,device_id,seq,payload", 0) == 0);
    CHECK_THAT(csv_rows[1], Catch::Contains("\"{\"\"locale\"\":\"\"nl\"\",\"\"score\"\":10"));
}

TEST_CASE("usage errors are clear and exit with 2", "[cli]")
{
    TempDir dir;
    std::string data = dir.path().string();
    auto no_dir = cli({"status"});
    CHECK(no_dir.exit_code == 2);
    CHECK_THAT(no_dir.err, Catch::Contains("needs --data-dir"));
    auto unknown = cli({"status", "--data-dir", data, "--colour"});
    CHECK(unknown.exit_code == 2);
    CHECK_THAT(unknown.err, Catch::Contains("unknown option --colour"));
    auto command = cli({"frobnicate"});
    CHECK(command.exit_code == 2);
    CHECK_THAT(command.err, Catch::Contains("unknown command"));
    auto format = cli({"export", "--data-dir", data, "--format", "xml"});
    CHECK(format.exit_code == 2);
    auto missing = cli({"status", "--data-dir", (dir.path() / "absent").string()});
    CHECK(missing.exit_code == 1);
    CHECK_THAT(missing.err, Catch::Contains("does not exist"));
    auto empty = cli({"status", "--data-dir", data});
    CHECK(empty.exit_code == 1);
    CHECK_THAT(empty.err, Catch::Contains("no store"));
    auto bad_code = cli({"init", "--data-dir", data, "--store", "AB0", "--terminal", "2A"});
    CHECK(bad_code.exit_code == 1);
    CHECK_THAT(bad_code.err, Catch::Contains("store code"));
}

TEST_CASE("the binary has --help on every command and --version", "[cli]")
{
    using feedback::testing::run_process;
    auto help = run_process({FEEDBACK_TERMINAL_BINARY, "--help"});
    CHECK(help.exit_code == 0);
    for (const char* command : {"record", "status", "export", "init", "retention", "note-exit"}) {
        CHECK_THAT(help.out, Catch::Contains(command));
        auto one = run_process({FEEDBACK_TERMINAL_BINARY, command, "--help"});
        CHECK(one.exit_code == 0);
        CHECK_THAT(one.out, Catch::Contains(std::string("usage: feedback-terminal ") + command));
    }
    auto version = run_process({FEEDBACK_TERMINAL_BINARY, "--version"});
    CHECK(version.out == "feedback-terminal " FEEDBACK_VERSION "\n");
    auto nothing = run_process({FEEDBACK_TERMINAL_BINARY});
    CHECK(nothing.exit_code == 2);
}

TEST_CASE("note-exit counts the stops systemd did not ask for, from its environment, and refuses odd values",
          "[cli]")
{
    TempDir dir;
    using feedback::testing::run_process;
    const std::string data = dir.path().string();
    auto crashed = run_process({"/usr/bin/env", "SERVICE_RESULT=core-dump", "EXIT_CODE=dumped", "EXIT_STATUS=SEGV",
                                FEEDBACK_TERMINAL_BINARY, "note-exit", "--data-dir", data});
    CHECK(crashed.exit_code == 0);
    CHECK(crashed.out == "noted: core-dump (dumped SEGV); 1 stop not asked for so far\n");
    auto stopped = run_process({"/usr/bin/env", "SERVICE_RESULT=success", "EXIT_CODE=exited", "EXIT_STATUS=0",
                                FEEDBACK_TERMINAL_BINARY, "note-exit", "--data-dir", data});
    CHECK(stopped.out == "noted: stopped; 1 stop not asked for so far\n"); // asked for: not counted

    auto odd = cli({"note-exit", "--data-dir", data, "--result", "watchdog\nforged"});
    CHECK(odd.exit_code == 2);
    CHECK_THAT(odd.err, Catch::Contains("short words"));
    auto nothing = run_process({"/usr/bin/env", "-u", "SERVICE_RESULT", FEEDBACK_TERMINAL_BINARY, "note-exit",
                                "--data-dir", data});
    CHECK(nothing.exit_code == 2);
    CHECK_THAT(nothing.err, Catch::Contains("$SERVICE_RESULT"));
    auto again = cli({"note-exit", "--data-dir", data, "--result", "watchdog"});
    CHECK(again.out == "noted: watchdog; 2 stops not asked for so far\n");
    // When they were, for a crash loop: the last few, not the asked-for stop.
    auto notes = feedback::sync::read_exit_notes(data);
    REQUIRE(notes);
    CHECK(notes->recent_restarts_ms.size() == 2);
    CHECK(notes->restarts_in_last_hour(feedback::now_utc_ms()) == 2);
    CHECK(notes->restarts_in_last_hour(feedback::now_utc_ms() + 2 * 3600 * 1000) == 0);
    for (int i = 0; i < 12; ++i)
        REQUIRE(cli({"note-exit", "--data-dir", data, "--result", "signal"}).exit_code == 0);
    CHECK(feedback::sync::read_exit_notes(data)->recent_restarts_ms.size() == feedback::sync::kept_restart_times);
}

TEST_CASE("contact details never reach standard error", "[cli][privacy]")
{
    TempDir dir;
    auto run = cli({"record", "--data-dir", dir.path().string()},
                   "{\"type\":\"complaint.opened\",\"channel\":\"kiosk\",\"category\":\"service\","
                   "\"description\":\"x\",\"customer_wish\":\"y\","
                   "\"contact\":{\"consent\":false,\"name\":\"Jan Jansen\",\"email\":\"jan@voorbeeld.nl\","
                   "\"phone\":\"0612345678\"}}\n"
                   "{\"type\":\"complaint.opened\",\"channel\":\"kiosk\",\"category\":\"service\","
                   "\"description\":\"x\",\"customer_wish\":\"y\","
                   "\"contact\":{\"consent\":true,\"name\":\"Jan Jansen\",\"email\":\"jan@@voorbeeld\","
                   "\"phone\":\"06-12\"}}\n"
                   "{\"type\":\"nps.detailed\",\"rating\":\"01a20b79-9645-7dee-8cbf-2393874b1a73\","
                   "\"contact\":{\"consent\":true,\"name\":[\"Jan Jansen\"],\"phone\":612345678}}\n"
                   "{\"type\":\"nps.detailed\",\"rating\":\"01a20b79-9645-7dee-8cbf-2393874b1a73\","
                   "\"contact\":\"jan@voorbeeld.nl\"}\n");
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.err, Catch::Contains("consent"));
    for (const char* secret : {"Jan Jansen", "voorbeeld", "0612345678", "612345678", "06-12"})
        CHECK_THAT(run.err, !Catch::Contains(secret));
}
