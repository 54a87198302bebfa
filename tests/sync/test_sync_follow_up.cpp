// Head office's follow-up reaches the shop: a root cause and a corrective
// action recorded at head office (the same HqStore call the dashboard's forms
// make) travel down the feed on the terminal's next sync, and the real kiosk,
// run headless, shows them on the complaint's staff screen, named with the
// configuration head office published and the terminal pulled. And a
// complaint escalated at the counter, decided and closed at head office,
// shows closed with head office's decision at the counter.
#include "domain/clock.h"
#include "domain/ids.h"
#include "hq/hq_store.h"
#include "support/files.h"
#include "support/temp_dir.h"
#include "sync_support.h"

#include <catch2/catch.hpp>

#include <string>

using namespace feedback;
using namespace feedback::testing;

namespace {

std::string reference_of(const Finished& recorded)
{
    for (const auto& line : lines_of(recorded.out))
        if (line.rfind("reference ", 0) == 0)
            return line.substr(10, line.find(' ', 10) - 10);
    return {};
}

std::string lower(std::string text)
{
    for (char& c : text)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return text;
}

// The real kiosk, headless, in English: staff log in, find the complaint by
// its code, open it, run `checks` (script lines) on its screen and take a
// screenshot named `name`; the script must pass.
void check_staff_screen(TerminalDir& counter, const std::filesystem::path& temp, const std::string& reference,
                        const std::string& checks, const std::string& name)
{
    const auto script = temp / (name + ".jsonl");
    write_file(script, R"script({"hold":"staff.corner","ms":3200}
{"type":"1234"}
{"tap":"key.done"}
{"expect_target":"staff.menu.greeting"}
{"tap":"staff.menu.find_by_reference"}
{"type":")script" + lower(reference) + R"script("}
{"tap":"key.done"}
{"expect_target":"staff.complaint.title"}
)script" + checks + "{\"screenshot\":\"" + name + "\"}\n");
    const auto shots = std::filesystem::path(FEEDBACK_SCREENSHOT_ROOT) / name;
    std::filesystem::remove_all(shots);
    auto shown = counter.run({"run", "--headless", "--lang", "en", "--script", script.string(), "--screenshots",
                              shots.string()});
    INFO(shown.out << shown.err);
    REQUIRE(shown.exit_code == 0);
    CHECK(shown.out.rfind("script passed: ", 0) == 0);
}

} // namespace

TEST_CASE("a root cause and an action recorded at head office show on the store's staff screen", "[sync][e2e]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir counter(temp.path() / "counter");
    REQUIRE(counter.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);

    auto opened = counter.record(
        {R"({"type":"complaint.opened","actor":"staff:anna","channel":"walk_in","category":"product",)"
         R"("description":"Pot kapot bij thuiskomst","customer_wish":"Nieuwe pot"})"});
    REQUIRE(opened.exit_code == 0);
    const std::string reference = reference_of(opened);
    REQUIRE_FALSE(reference.empty());
    REQUIRE(counter.sync_once().exit_code == 0);

    // Head office: the cause and what is done about it, as the dashboard records them.
    std::string complaint_id;
    {
        auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
        REQUIRE(store);
        for (const auto& event : hq.export_jsonl())
            if (event["type"] == "complaint.opened")
                complaint_id = event["subject"];
        REQUIRE_FALSE(complaint_id.empty());
        const int64_t now = now_utc_ms();
        // A store configuration whose root-cause list words the cause its own way.
        auto document = nlohmann::json::parse(read_all(std::filesystem::path(FEEDBACK_SOURCE_DIR) / "assets" /
                                                       "config" / "default.json"));
        for (auto& cause : document["root_causes"])
            if (cause["id"] == "supplier_quality")
                cause["label"]["en"] = "Supplier quality (head office's list)";
        REQUIRE(store->publish_config("UTR", document, now));
        auto cause = store->record_hq_event(EventType::complaint_root_cause_recorded, complaint_id, "hq:quality",
                                            {{"root_cause", "supplier_quality"}}, now);
        INFO((cause ? std::string() : cause.error().message));
        REQUIRE(cause);
        auto action = store->record_hq_event(EventType::complaint_action_planned, complaint_id, "hq:quality",
                                             {{"action_id", make_uuid_v7(now)},
                                              {"kind", "corrective"},
                                              {"description", "Potten in dozen verpakken"},
                                              {"owner", "Logistiek"},
                                              {"due_at", now + 7 * ms_per_day}},
                                             now + 1);
        REQUIRE(action);
    }

    // The terminal's next sync pulls both down, and the new configuration.
    auto pulled = counter.sync_once();
    INFO(pulled.out << pulled.err);
    REQUIRE(pulled.exit_code == 0);
    CHECK(pulled.out.find("2 new events from") != std::string::npos);

    // The kiosk, headless: staff log in, find the complaint by its code, and see it.
    check_staff_screen(counter, temp.path(), reference, R"script({"drag":"staff.complaint.details","dy":-300,"ms":500}
{"wait_ms":1500}
{"expect_target":"staff.complaint.root_cause","value":"Supplier quality (head office's list)"}
{"expect_target":"staff.complaint.planned_action.0"}
)script", "follow-up");
}

TEST_CASE("a complaint escalated at a terminal is decided and closed at head office, and the terminal shows it",
          "[sync][e2e]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    TerminalDir counter(temp.path() / "counter");
    REQUIRE(counter.enroll(hq, hq.enrol_code("UTR", "Counter 1")).exit_code == 0);
    auto opened = counter.record(
        {R"({"type":"complaint.opened","actor":"staff:anna","channel":"walk_in","category":"product",)"
         R"("description":"Bank beschadigd bezorgd","customer_wish":"Een nieuwe bank"})"});
    REQUIRE(opened.exit_code == 0);
    const RecordedComplaint complaint = recorded_complaint(opened);
    REQUIRE_FALSE(complaint.complaint_id.empty());
    REQUIRE(counter
                .record({R"({"type":"complaint.escalated","actor":"staff:anna","complaint":")" +
                         complaint.complaint_id + R"(","reason":"Boven de limiet van de winkel"})"})
                .exit_code == 0);
    REQUIRE(counter.sync_once().exit_code == 0);

    // Head office decides (told by phone), records the customer's yes and closes, as the dashboard's forms do.
    const std::string decision = "U krijgt maandag een nieuwe bank.";
    {
        auto store = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
        REQUIRE(store);
        const int64_t now = now_utc_ms();
        auto state = store->complaint_state(complaint.complaint_id);
        REQUIRE(state);
        REQUIRE(state->status == ComplaintStatus::escalated);
        REQUIRE(store->record_hq_event(EventType::complaint_resolved, complaint.complaint_id, "hq:quality",
                                       {{"resolution", "replacement"},
                                        {"on_the_spot", false},
                                        {"decision", decision},
                                        {"communicated", "phone"}},
                                       now));
        REQUIRE(store->record_hq_event(EventType::complaint_customer_response, complaint.complaint_id, "hq:quality",
                                       {{"satisfied", true}, {"handling_score", 5}}, now + 1));
        REQUIRE(store->record_hq_event(EventType::complaint_closed, complaint.complaint_id, "hq:quality",
                                       {{"outcome", "resolved"}}, now + 2));
    }

    auto pulled = counter.sync_once();
    INFO(pulled.out << pulled.err);
    REQUIRE(pulled.exit_code == 0);
    CHECK(pulled.out.find("3 new events from") != std::string::npos);

    check_staff_screen(counter, temp.path(), complaint.reference, R"script({"expect_target":"staff.complaint.status","value":"Closed"}
{"drag":"staff.complaint.details","dy":-300,"ms":500}
{"wait_ms":1500}
{"expect_target":"staff.complaint.decision","value":")script" + decision + R"script("}
)script", "decided-at-head-office");
}
