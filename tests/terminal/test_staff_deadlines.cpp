// The terminal's open-complaints list computes its deadlines with the rule
// head office uses (config::complaint_deadline): two working days in the
// store's calendar, worked out by hand (the same case as
// tests/shared/test_working_time.cpp and test_hq_analytics.cpp).
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
    int64_t now = tuesday_1600_cest - hour;
    flow.enter(now);
    flow.apply(staff::SetText{Field::pin, anna_pin}, now);
    flow.apply(staff::Submit{}, now);
    REQUIRE(flow.screen() == Screen::staff_menu);
    flow.apply(staff::ChooseMenu{MenuItem::open_complaints}, now);
    auto view = flow.view(now);
    REQUIRE(view.open_complaints.size() == 1);
    CHECK(view.open_complaints[0].deadline_at_ms == tuesday_1600_cest);
    CHECK(view.open_complaints[0].deadline_at_ms == config::complaint_deadline(*config, friday_march));
    CHECK_FALSE(view.open_complaints[0].overdue);
    CHECK(flow.view(tuesday_1600_cest + 1).open_complaints[0].overdue);
}
