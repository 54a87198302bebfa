// Full disks, for real: the terminal's data folder, then head office's, on a
// small tmpfs that a test fills to the last byte. The store must say so in
// words, keep everything committed before (read again by a fresh process),
// and take the rest once the file system is grown again; head office must
// then hold every event exactly once. Root only (mount).
#include "support/small_filesystem.h"
#include "support/temp_dir.h"
#include "sync_support.h"

#include <catch2/catch.hpp>

using namespace feedback::testing;

namespace {

std::set<std::string> ids_printed(const Finished& recorded)
{
    std::set<std::string> ids;
    for (const auto& line : lines_of(recorded.out))
        ids.insert(line);
    return ids;
}

// True once `pid` has exited (a zombie, not yet reaped by its ChildProcess).
bool has_exited(pid_t pid)
{
    std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
    return stat.empty() || stat.substr(stat.rfind(')') + 2, 1) == "Z";
}

std::set<std::string> joined(std::set<std::string> a, const std::set<std::string>& b)
{
    a.insert(b.begin(), b.end());
    return a;
}

} // namespace

TEST_CASE("the terminal's disk full: record says so and stops, nothing committed is lost, recording and sync "
          "resume when space comes back",
          "[disk]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    SmallFilesystem disk(temp.path() / "disk", "4m");
    TerminalDir terminal(disk.path() / "terminal");
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    auto before = terminal.record(rating_lines(100));
    REQUIRE(before.exit_code == 0);
    auto committed = ids_printed(before);
    REQUIRE(committed.size() == 100);

    // As in the kiosk, the store stays open while the disk fills up: one
    // `record` fed a line at a time, each id read before the next line.
    const auto lines = rating_lines(600);
    ChildProcess recorder({FEEDBACK_TERMINAL_BINARY, "record", "--data-dir", terminal.dir().string()});
    auto record_one = [&](const std::string& line) {
        std::string printed;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        recorder.write(line + "\n");
        while (printed.find('\n') == std::string::npos && !has_exited(recorder.pid()) &&
               std::chrono::steady_clock::now() < deadline)
            printed += recorder.read_available(std::chrono::milliseconds(100));
        if (!printed.empty())
            committed.insert(lines_of(printed).at(0));
        return !printed.empty();
    };
    REQUIRE(record_one(lines[0]));
    // Someone else's file takes every byte that is left.
    const int64_t filled = disk.fill(disk.path() / "filler");
    REQUIRE(filled > 0);
    REQUIRE(disk.free_bytes() < 4096);
    size_t sent = 1;
    while (sent < lines.size() && record_one(lines[sent]))
        ++sent;
    const auto stopped = recorder.wait();
    INFO(stopped.err);
    REQUIRE(sent < lines.size());
    CHECK(stopped.exit_code == 1);
    CHECK(stopped.err.find("the disk is full") != std::string::npos);
    CHECK(stopped.err.find("nothing already recorded is lost") != std::string::npos);
    CHECK(stopped.err.find("Everything printed before was recorded") != std::string::npos);
    WARN("the store was full after " << sent - 1 << " more events (the filler took " << filled << " bytes)");

    // Started again while the disk is still full, each command either works
    // or says that the disk is full; nothing can be sent (sending needs the
    // store to note the batch).
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"status"}, {"export", "--format", "jsonl"}, {"sync", "--once"}}) {
        auto done = terminal.run(command);
        INFO(command[0] << ": " << done.out << done.err);
        if (done.exit_code != 0) {
            CHECK(done.err.find("the disk is full") != std::string::npos);
            CHECK(done.err.find("input/output") == std::string::npos);
        }
    }
    CHECK(hq.export_jsonl().empty());

    // Space comes back: everything committed is there, the rest is
    // recorded, and everything reaches head office once.
    disk.resize("16m");
    auto exported = terminal.export_jsonl();
    CHECK(exported.size() == committed.size());
    CHECK(event_ids(exported) == committed);
    auto after = terminal.record({lines.begin() + static_cast<std::ptrdiff_t>(sent), lines.end()});
    INFO(after.err);
    REQUIRE(after.exit_code == 0);
    committed = joined(committed, ids_printed(after));
    REQUIRE(committed.size() == 100 + lines.size());
    auto synced = terminal.sync_once();
    INFO(synced.out << synced.err);
    REQUIRE(synced.exit_code == 0);
    exported = terminal.export_jsonl();
    CHECK(exported.size() == committed.size());
    CHECK(event_ids(exported) == committed);
    auto received = hq.export_jsonl();
    CHECK(received.size() == committed.size());
    CHECK(event_ids(received) == committed);
}

TEST_CASE("head office's disk full: uploads are refused in words, nothing acknowledged is lost across a restart, "
          "the rest arrives once space comes back",
          "[disk]")
{
    TempDir temp;
    SmallFilesystem disk(temp.path() / "disk", "16m");
    HqProcess hq(disk.path() / "hq");
    TerminalDir terminal(temp.path() / "terminal");
    REQUIRE(terminal.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    auto before = terminal.record(rating_lines(100));
    REQUIRE(before.exit_code == 0);
    REQUIRE(terminal.sync_once().exit_code == 0);
    const auto first_ids = ids_printed(before);
    REQUIRE(event_ids(hq.export_jsonl()) == first_ids);

    disk.fill(disk.path() / "filler");
    REQUIRE(disk.free_bytes() < 4096);
    // Batches until head office has no room (a few may still fit in its journal).
    std::set<std::string> recorded_ids = first_ids;
    Finished refused;
    for (int round = 0; round < 20 && refused.err.find("disk_full") == std::string::npos; ++round) {
        auto more = terminal.record(rating_lines(500));
        REQUIRE(more.exit_code == 0);
        recorded_ids = joined(recorded_ids, ids_printed(more));
        refused = terminal.sync_once();
    }
    INFO(refused.out << refused.err);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("head office could not store this: disk_full") != std::string::npos);
    CHECK(refused.err.find("every event is kept") != std::string::npos);
    const int64_t backlog = terminal.status()["unsent_backlog"].get<int64_t>();
    CHECK(backlog > 0);

    // Head office stops (as systemd would stop it) and a fresh process reads its
    // store: every event it acknowledged is there, once; the rest waits on the terminal.
    hq.stop_with_sigterm();
    CHECK(hq.last_exit_code() == 0);
    auto received = hq.export_jsonl();
    CHECK(event_ids(received).size() == received.size());
    CHECK(received.size() + static_cast<size_t>(backlog) == recorded_ids.size());
    for (const auto& id : first_ids)
        CHECK(event_ids(received).count(id) == 1);

    // Space comes back: head office starts again and takes the rest.
    disk.resize("64m");
    hq.restart();
    auto synced = terminal.sync_once();
    INFO(synced.out << synced.err << "\nhead office: " << hq.log());
    REQUIRE(synced.exit_code == 0);
    received = hq.export_jsonl();
    CHECK(received.size() == recorded_ids.size());
    CHECK(event_ids(received) == recorded_ids);
    CHECK(terminal.status()["unsent_backlog"] == 0);
}
