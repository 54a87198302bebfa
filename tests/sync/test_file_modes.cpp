// The terminal's and head office's data folders are readable by their own
// user only (issue 9): run with the umask 022 that made feedback.db 0644,
// the real binaries leave every folder 0700 and every file 0600, the
// database's -wal and -shm and the kiosk's screenshots included, and a folder
// an older version left readable to others is tightened when it is opened.
#include "domain/clock.h"
#include "hq/hq_store.h"
#include "support/child_process.h"
#include "support/files.h"
#include "support/temp_dir.h"
#include "sync_support.h"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

using namespace feedback::testing;

namespace {

std::string octal(mode_t mode)
{
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

// "path mode" of `root` and everything under it that is not a folder of 0700
// or a file of 0600 (a symbolic link would be listed too). A file that
// vanishes meanwhile (the running kiosk's FILE.tmp) is skipped.
std::vector<std::string> not_private(const std::filesystem::path& root)
{
    std::vector<std::string> offenders;
    auto check = [&](const std::filesystem::path& path) {
        struct stat seen {};
        if (::lstat(path.c_str(), &seen) != 0)
            return;
        mode_t mode = seen.st_mode;
        bool is_private = S_ISDIR(mode) ? (mode & 07777) == 0700 : S_ISREG(mode) && (mode & 07777) == 0600;
        if (!is_private)
            offenders.push_back(path.string() + " " + octal(mode));
    };
    check(root);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root))
        check(entry.path());
    return offenders;
}

std::string joined(const std::vector<std::string>& lines)
{
    std::string text;
    for (const auto& line : lines)
        text += "\n  " + line;
    return text;
}

void publish_default_config(const HqProcess& hq)
{
    auto document =
        nlohmann::json::parse(read_all(std::filesystem::path(FEEDBACK_SOURCE_DIR) / "assets" / "config" / "default.json"));
    auto store = feedback::hq::HqStore::open(hq.dir(), feedback::hq::HqStore::Intent::existing_only);
    REQUIRE(store);
    REQUIRE(store->publish_config("UTR", document, feedback::now_utc_ms()));
}

// A rating through the shopper screens.
constexpr const char* one_rating = R"({"expect_target":"start.question"}
{"tap":"score.9"}
{"tap":"why.skip"}
{"tap":"thanks.done"}
{"expect_target":"start.question"}
)";

} // namespace

TEST_CASE("with umask 022 the terminal's and head office's folders, screenshots included, are 0700 with files 0600",
          "[sync][kiosk][files]")
{
    UmaskFor umask_022(022);
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    publish_default_config(hq); // so that enrolment and sync pull config.json
    TerminalDir terminal(temp.path() / "kiosk"); // made 0755, as `mkdir` would
    REQUIRE(permission_bits(terminal.dir()) == 0755);

    auto initialised = terminal.run({"init", "--store", "UTR", "--terminal", "2A"});
    INFO(initialised.err);
    REQUIRE(initialised.exit_code == 0);
    REQUIRE(terminal.record(rating_lines(3)).exit_code == 0);
    auto enrolled = terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1"));
    INFO(enrolled.out << enrolled.err);
    REQUIRE(enrolled.exit_code == 0);

    const auto script = temp.path() / "one-rating.jsonl";
    write_file(script, one_rating);
    const auto screenshots = temp.path() / "screenshots"; // the kiosk makes it
    auto shown = terminal.run({"run", "--headless", "--script", script.string(), "--screenshots", screenshots.string()});
    INFO(shown.out << shown.err);
    REQUIRE(shown.exit_code == 0);
    auto synced = terminal.sync_once();
    INFO(synced.out << synced.err);
    REQUIRE(synced.exit_code == 0);

    // The kiosk on the real clock keeps its store open (with its uploader):
    // the -wal and -shm files exist while it runs.
    const auto waiting = temp.path() / "wait.jsonl";
    write_file(waiting, "{\"expect_target\":\"start.question\"}\n{\"wait_ms\":600000}\n");
    ChildProcess kiosk(terminal.kiosk_argv(waiting, {"--sync-start-delay-max", "0"}));
    const auto wal = terminal.dir() / "feedback.db-wal";
    const auto shm = terminal.dir() / "feedback.db-shm";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while ((!std::filesystem::exists(wal) || !std::filesystem::exists(shm)) &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    INFO("kiosk: " << kiosk.read_available(std::chrono::milliseconds(100)));

    // Everything there is to check is there (else the check below proves nothing).
    for (const char* name : {"feedback.db", "feedback.db-wal", "feedback.db-shm", "sync-credentials.json", "hq-ca.pem",
                             "config.json"})
        CHECK(std::filesystem::exists(terminal.dir() / name));
    for (const char* name : {"hq.db", "hq.db-wal", "hq.db-shm", "hq.json", "tls/ca.pem", "tls/server.pem",
                             "tls/server.key", "tls/ca.key"})
        CHECK(std::filesystem::exists(hq.dir() / name));
    CHECK(std::distance(std::filesystem::directory_iterator(screenshots), std::filesystem::directory_iterator()) >= 5);

    // Each offender is listed in the failure message.
    CHECK(joined(not_private(terminal.dir())) == "");
    CHECK(joined(not_private(screenshots)) == "");
    CHECK(joined(not_private(hq.dir())) == "");
    ::kill(kiosk.pid(), SIGKILL);
    Finished stopped = kiosk.wait();
    INFO(stopped.out << stopped.err);
    CHECK(stopped.exit_code == -1); // it ran until it was killed
}

TEST_CASE("a data folder an older version left readable to others is made private when it is opened",
          "[sync][files]")
{
    UmaskFor umask_022(022);
    TempDir temp;
    TerminalDir terminal(temp.path() / "kiosk");
    REQUIRE(terminal.record(rating_lines(1)).exit_code == 0);
    write_file(terminal.dir() / "config.json", "{}\n"); // as an older version pulled it: 0644
    const auto hq_dir = temp.path() / "hq";
    REQUIRE(run_process({FEEDBACK_HQ_BINARY, "init", "--dir", hq_dir.string()}).exit_code == 0);

    // What the older versions left: folders 0755, files 0644 (certificates too).
    for (const auto& path : {terminal.dir(), hq_dir, hq_dir / "tls"})
        std::filesystem::permissions(path, std::filesystem::perms(0755));
    for (const auto& path : {terminal.dir() / "feedback.db", terminal.dir() / "config.json", hq_dir / "hq.db",
                             hq_dir / "hq.json", hq_dir / "tls" / "ca.pem", hq_dir / "tls" / "server.key"})
        std::filesystem::permissions(path, std::filesystem::perms(0644));
    REQUIRE(not_private(terminal.dir()).size() == 3);
    REQUIRE(not_private(hq_dir).size() == 6);

    // Opening the store is enough, a read-only command too.
    auto status = terminal.run({"status"});
    INFO(status.err);
    CHECK(status.exit_code == 0);
    CHECK(joined(not_private(terminal.dir())) == "");
    auto devices = run_process({FEEDBACK_HQ_BINARY, "devices", "--dir", hq_dir.string()});
    INFO(devices.err);
    CHECK(devices.exit_code == 0);
    CHECK(joined(not_private(hq_dir)) == "");
}
