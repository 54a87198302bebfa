// Crash safety: the real `feedback-terminal record` is killed with SIGKILL at
// random moments while it records; after every kill the store must open,
// pass its integrity check, and hold every id the program had printed (its
// promise that the event was committed) exactly once.
#include "domain/ids.h"
#include "sqlite/database.h"
#include "store/local_store.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <random>
#include <sstream>
#include <thread>

using namespace feedback;
using feedback::testing::ChildProcess;
using feedback::testing::TempDir;

namespace {

// About 45 KB: fits in the pipe, so writing never blocks on a dead child.
std::string input_lines(std::mt19937& random)
{
    std::string text;
    for (int i = 0; i < 700; ++i) {
        if (i % 7 == 3)
            text += "{\"type\":\"complaint.opened\",\"channel\":\"walk_in\",\"category\":\"product\","
                    "\"description\":\"Kapot bij levering\",\"customer_wish\":\"Vervanging\",\"actor\":\"staff:piet\"}\n";
        else
            text += "{\"type\":\"nps.rated\",\"score\":" + std::to_string(random() % 11) + ",\"locale\":\"nl\"}\n";
    }
    return text;
}

std::vector<std::string> printed_ids(const std::string& out)
{
    std::vector<std::string> ids;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
        if (is_uuid(line))
            ids.push_back(line); // a torn last line is not a full id, so not a promise
    return ids;
}

} // namespace

TEST_CASE("SIGKILL at random moments never loses or doubles a printed event", "[crash]")
{
    TempDir dir;
    std::mt19937 random(20261124);
    constexpr int kills = 60;
    size_t total_printed = 0;
    int killed_while_recording = 0;

    for (int round = 0; round < kills; ++round) {
        std::string out;
        {
            ChildProcess child({FEEDBACK_TERMINAL_BINARY, "record", "--data-dir", dir.path().string()});
            child.write(input_lines(random));
            // Every fifth kill lands in start-up (opening, migrating); the
            // others once recording is under way, however slow the start.
            auto now = std::chrono::steady_clock::now;
            if (round % 5 != 0) {
                auto give_up = now() + std::chrono::seconds(10);
                while (printed_ids(out).empty() && now() < give_up)
                    out += child.read_available(std::chrono::milliseconds(2));
            }
            auto deadline = now() + std::chrono::milliseconds(random() % 60);
            while (now() < deadline)
                out += child.read_available(std::chrono::milliseconds(1));
            child.kill_now();
            out += child.read_available(std::chrono::milliseconds(0)); // what it printed before dying
        }
        auto ids = printed_ids(out);
        total_printed += ids.size();
        if (!ids.empty())
            ++killed_while_recording;

        auto store = store::LocalStore::open(dir.path());
        INFO("round " << round << ": " << (store ? "" : store.error().message));
        REQUIRE(store);
        REQUIRE(store->quick_check().value() == "ok");
        auto full_check = store->database().query_texts("PRAGMA integrity_check");
        REQUIRE(full_check.value() == std::vector<std::string>{"ok"});
        auto lookup = store->database().prepare("SELECT count(*) FROM events WHERE id = ?1");
        REQUIRE(lookup);
        for (const auto& id : ids) {
            lookup->bind(1, id);
            REQUIRE(lookup->step().value());
            INFO("event " << id);
            REQUIRE(lookup->column_int64(0) == 1);
            lookup->reset();
        }
        // Every complaint in the projection has its opening event, and vice versa.
        auto orphans = store->database().query_int64(
            "SELECT (SELECT count(*) FROM events WHERE type = 'complaint.opened') - (SELECT count(*) FROM complaints)");
        REQUIRE(orphans.value() == 0);
    }
    INFO("printed " << total_printed << " ids over " << kills << " kills");
    CHECK(killed_while_recording >= kills / 2); // most kills hit a recording run, not only start-up
}
