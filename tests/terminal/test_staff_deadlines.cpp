// The terminal's open-complaints list computes its deadlines with the rule
// head office uses (config::complaint_deadline): two working days in the
// store's calendar, worked out by hand (the same case as
// tests/shared/test_working_time.cpp and test_hq_analytics.cpp); the time
// left in working time; the list's order (serious first, then the most
// overdue, then the least time left); the deadline following head office's
// assessment, and no longer running once the customer had an answer.
#include "flow_fixture.h"

#include "flows/staff_flow.h"

#include <catch2/catch.hpp>

using namespace feedback;
using namespace feedback::flows;
using namespace feedback::testing;

TEST_CASE("the open list's deadline is two working days, across the March clock change", "[flows][staff][working_time]")
{
    // The fixture's 48-hour promise in working days instead; its 72 clock
    // hours (Monday 17:00 CEST below) would be tighter, so that one goes.
    nlohmann::json json = test_config_json();
    json["promises"][0].erase("answer_within_hours");
    json["promises"][1].erase("answer_within_hours");
    json["promises"][1]["answer_within_working_days"] = 2;
    auto config = config::parse_config(json);
    REQUIRE(config);

    TempDir dir;
    store::LocalStore store = open_store(dir);
    // Friday 2026-03-27 16:00 CET = 15:00 UTC; summer time starts on Sunday
    // the 29th. Two working days: Monday, Tuesday; Tuesday 2026-03-31 16:00
    // CEST = 14:00 UTC, 4 days less the skipped hour.
    constexpr int64_t friday_march = 1'774'623'600'000;
    constexpr int64_t tuesday_1600_cest = 1'774'965'600'000;
    auto opened = store.record({EventType::complaint_opened,
                                "",
                                "kiosk",
                                {{"channel", "kiosk"},
                                 {"category", "service"},
                                 {"description", "Lang gewacht"},
                                 {"customer_wish", "Sneller helpen"}},
                                {}},
                               friday_march);
    REQUIRE(opened);

    StaffFlow flow{*config, store};
    flow.set_contact_offered(true); // enrolled: head office's contact key is here
    RecordingCaller caller;
    app::EffectRunner runner{store, caller};
    int64_t now = tuesday_1600_cest - hour;
    flow.enter(now);
    send_to(flow, runner, staff::SetText{Field::pin, anna_pin}, now);
    send_to(flow, runner, staff::Submit{}, now);
    REQUIRE(flow.screen() == Screen::staff_menu);
    send_to(flow, runner, staff::ChooseMenu{MenuItem::open_complaints}, now);
    auto view = flow.view(now);
    REQUIRE(view.open_complaints.size() == 1);
    CHECK(view.open_complaints[0].deadline.at_ms == tuesday_1600_cest);
    CHECK(view.open_complaints[0].deadline.at_ms == config::complaint_deadline(*config, friday_march));
    CHECK_FALSE(view.open_complaints[0].deadline.overdue);
    CHECK(view.open_complaints[0].deadline.unit == config::TimeUnit::working_days);
    CHECK(view.open_complaints[0].deadline.left_ms == hour); // Tuesday 15:00 to 16:00
    CHECK(flow.view(tuesday_1600_cest + 1).open_complaints[0].deadline.overdue);
    // Monday 2026-03-30 11:00 CEST: 13 h of Monday and 16 h of Tuesday left.
    constexpr int64_t monday_1100_cest = 1'774'861'200'000;
    CHECK(flow.view(monday_1100_cest).open_complaints[0].deadline.left_ms == 24 * hour + 5 * hour);
    // Wednesday 2026-04-01 10:00 CEST: overdue by Tuesday's last 8 h and 10 h.
    CHECK(flow.view(tuesday_1600_cest + 18 * hour).open_complaints[0].deadline.left_ms == -18 * hour);
}

namespace {

std::string open_at(store::LocalStore& store, int64_t at, const std::string& description)
{
    auto opened = store.record({EventType::complaint_opened,
                                "",
                                "kiosk",
                                {{"channel", "kiosk"},
                                 {"category", "service"},
                                 {"description", description},
                                 {"customer_wish", "Antwoord"}},
                                {}},
                               at);
    REQUIRE(opened);
    return opened->subject;
}

std::vector<std::string> listed(const StaffView& view)
{
    std::vector<std::string> ids;
    for (const OpenComplaintRow& row : view.open_complaints)
        ids.push_back(row.complaint_id);
    return ids;
}

} // namespace

TEST_CASE("the open list: serious first, then the most overdue, then the least time left, answered last",
          "[flows][staff][working_time]")
{
    // Two working days; high complaints 8 working hours, safety 4 clock hours.
    nlohmann::json json = test_config_json();
    json["promises"][0].erase("answer_within_hours");
    json["promises"][1].erase("answer_within_hours");
    json["promises"][1]["answer_within_working_days"] = 2;
    json["severity_deadlines"] = {{"high", {{"answer_within_working_hours", 8}}},
                                  {"safety", {{"answer_within_hours", 4}}}};
    auto config = config::parse_config(json);
    REQUIRE(config);

    TempDir dir;
    store::LocalStore store = open_store(dir);
    // All in June 2026 (CEST, UTC+2), Monday the 8th to Friday the 12th.
    // A: Monday 10:00, due Wednesday 10:00.
    const std::string a = open_at(store, 1'780'905'600'000, "A");
    // B: Tuesday 09:00, due Thursday 09:00.
    const std::string b = open_at(store, 1'780'988'400'000, "B");
    // E: Tuesday 12:00, due Thursday 12:00, but head office answered it.
    const std::string e = open_at(store, 1'780'999'200'000, "E");
    // C: Wednesday 14:00, due Friday 14:00.
    const std::string c = open_at(store, 1'781'092'800'000, "C");
    // D: Wednesday 15:00, due Friday 15:00 until head office assesses it high.
    const std::string d = open_at(store, 1'781'096'400'000, "D");
    from_head_office(store, e, EventType::complaint_resolved,
                     {{"resolution", "explanation"},
                      {"on_the_spot", false},
                      {"decision", "De levering komt vrijdag."},
                      {"communicated", "phone"}},
                     1'781'092'800'000);

    StaffFlow flow{*config, store};
    flow.set_contact_offered(true); // enrolled: head office's contact key is here
    RecordingCaller caller;
    app::EffectRunner runner{store, caller};
    constexpr int64_t thursday_1000 = 1'781'164'800'000;
    flow.enter(thursday_1000);
    send_to(flow, runner, staff::SetText{Field::pin, anna_pin}, thursday_1000);
    send_to(flow, runner, staff::Submit{}, thursday_1000);
    send_to(flow, runner, staff::ChooseMenu{MenuItem::open_complaints}, thursday_1000);

    StaffView view = flow.view(thursday_1000);
    CHECK(listed(view) == std::vector{a, b, c, d, e});
    const OpenComplaintRow& row_a = view.open_complaints[0];
    CHECK(row_a.deadline.overdue); // Wednesday 10:00 to Thursday 10:00: one working day
    CHECK(row_a.deadline.left_ms == -24 * hour);
    CHECK(view.open_complaints[1].deadline.left_ms == -hour); // B: Thursday 09:00
    CHECK(view.open_complaints[2].deadline.left_ms == 24 * hour + 4 * hour); // C: Thursday 14 h, Friday 14 h
    CHECK_FALSE(view.open_complaints[2].deadline.overdue);
    CHECK(view.open_complaints[3].deadline.left_ms == 24 * hour + 5 * hour); // D: Thursday 14 h, Friday 15 h
    // E had its answer by phone: the deadline is met, no longer counted.
    const OpenComplaintRow& row_e = view.open_complaints[4];
    CHECK(row_e.deadline.answered);
    CHECK_FALSE(row_e.deadline.left_ms);
    CHECK_FALSE(row_e.deadline.overdue);

    // Head office assesses D as high: 8 working hours from Wednesday 15:00
    // (3 on Wednesday, 5 on Thursday from 09:00): due Thursday 14:00, and
    // it moves to the top.
    from_head_office(store, d, EventType::complaint_assessed, {{"severity", "high"}, {"owner", "Mia"}},
                     thursday_1000 - hour);
    send_to(flow, runner, staff::Refresh{}, thursday_1000);
    view = flow.view(thursday_1000);
    CHECK(listed(view) == std::vector{d, a, b, c, e});
    const OpenComplaintRow row_d = view.open_complaints[0];
    CHECK(row_d.severity == Severity::high);
    CHECK(row_d.severity_key == "severity.high");
    CHECK(row_d.deadline.unit == config::TimeUnit::working_hours);
    CHECK(row_d.deadline.at_ms == 1'781'179'200'000);
    CHECK(row_d.deadline.at_ms == config::complaint_deadline(*config, 1'781'096'400'000, Severity::high));
    CHECK(row_d.deadline.left_ms == 4 * hour);

    // Safety: 4 clock hours from Monday 10:00 for A, long past; serious
    // complaints stay on top, the most overdue of them first.
    from_head_office(store, a, EventType::complaint_assessed, {{"severity", "safety"}}, thursday_1000 - hour / 2);
    send_to(flow, runner, staff::Refresh{}, thursday_1000);
    view = flow.view(thursday_1000);
    CHECK(listed(view) == std::vector{a, d, b, c, e});
    CHECK(view.open_complaints[0].deadline.unit == config::TimeUnit::clock_hours);
    CHECK(view.open_complaints[0].deadline.left_ms == -(3 * 24 * hour - 4 * hour));

    // The complaint's own screen counts the same way.
    send_to(flow, runner, staff::OpenComplaint{d}, thursday_1000);
    view = flow.view(thursday_1000);
    CHECK(view.deadline.at_ms == row_d.deadline.at_ms);
    CHECK(view.deadline.left_ms == 4 * hour);
    CHECK_FALSE(view.deadline.overdue);
    CHECK(flow.view(1'781'179'200'000 + 1).deadline.overdue);
}
