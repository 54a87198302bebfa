// Tests of the complaint lifecycle: every (state, event) pair against a table
// written out here from the diagram in lifecycle.h, plus the wording of refusals.
#include "domain/ids.h"
#include "domain/lifecycle.h"
#include "support/event_builder.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

using namespace feedback;

namespace {

constexpr int64_t t0 = 1764000000000;
const std::string complaint_id = "0192f4a8-1b2c-7d3e-8f40-123456789abc";
const std::string device_id = "0192f4a8-0000-7000-8000-00000000d001";

Event make_event(EventType type, nlohmann::json payload)
{
    return testing::make_event({type, complaint_id, t0, device_id, 1, std::move(payload)});
}

// One row of the expected table: an event (with its steering payload) and
// the states it may leave, all towards the same state.
struct Expected {
    std::string name;
    Event event;
    std::vector<std::optional<ComplaintStatus>> from;
    ComplaintStatus to;
};

using enum ComplaintStatus;

std::vector<Expected> expected_table()
{
    const std::vector<std::optional<ComplaintStatus>> closable{open, acknowledged, escalated, awaiting_response,
                                                               dissatisfied};
    auto closed_with = [](const char* outcome) {
        nlohmann::json payload{{"outcome", outcome}};
        if (std::string(outcome) == "referred_external")
            payload["external_body"] = "Geschillencommissie";
        return make_event(EventType::complaint_closed, payload);
    };
    return {
        {"opened", make_event(EventType::complaint_opened, {{"channel", "walk_in"}}), {std::nullopt}, open},
        {"acknowledged", make_event(EventType::complaint_acknowledged, nlohmann::json::object()), {open},
         acknowledged},
        {"escalated", make_event(EventType::complaint_escalated, {{"reason", "needs a manager"}}),
         {open, acknowledged, awaiting_response, dissatisfied}, escalated},
        {"resolved",
         make_event(EventType::complaint_resolved, {{"resolution", "apology"}, {"on_the_spot", true}}),
         {open, acknowledged, escalated, dissatisfied}, awaiting_response},
        {"customer_response satisfied", make_event(EventType::complaint_customer_response, {{"satisfied", true}}),
         {awaiting_response}, satisfied},
        {"customer_response not satisfied",
         make_event(EventType::complaint_customer_response, {{"satisfied", false}}), {awaiting_response},
         dissatisfied},
        {"closed resolved", closed_with("resolved"), {satisfied}, closed},
        {"closed unresolved", closed_with("unresolved"), closable, closed},
        {"closed withdrawn", closed_with("withdrawn"), closable, closed},
        {"closed referred_external", closed_with("referred_external"), closable, closed},
        {"reopened", make_event(EventType::complaint_reopened, {{"reason", "it broke again"}}), {closed}, open},
    };
}

// Head office's analysis events: allowed in every state, closed included
// (the cause is found after the customer is helped), and they change none.
std::vector<Event> analysis_events()
{
    return {
        make_event(EventType::complaint_root_cause_recorded, {{"root_cause", "supplier_quality"}}),
        make_event(EventType::complaint_action_planned, {{"action_id", device_id}, {"kind", "corrective"}}),
        make_event(EventType::complaint_action_checked, {{"action_id", device_id}, {"effective", true}}),
    };
}

const std::vector<std::optional<ComplaintStatus>> every_state{
    std::nullopt, open, acknowledged, escalated, awaiting_response, satisfied, dissatisfied, closed};

std::string diagram_name(std::optional<ComplaintStatus> status)
{
    if (!status)
        return "(not opened)";
    std::string name(to_string(*status));
    for (char& c : name)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
}

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("every state and complaint event gives the transition of the diagram", "[lifecycle]")
{
    int allowed = 0;
    int refused = 0;
    for (const auto& row : expected_table()) {
        for (auto state : every_state) {
            INFO(row.name << " in state " << diagram_name(state));
            auto next = next_status(state, row.event);
            if (row.event.type == EventType::complaint_customer_response && state == closed) {
                // The survey after closing: recorded, the complaint stays closed.
                ++allowed;
                REQUIRE(next.ok());
                CHECK(*next == closed);
                continue;
            }
            bool may = std::find(row.from.begin(), row.from.end(), state) != row.from.end();
            if (may) {
                ++allowed;
                REQUIRE(next.ok());
                CHECK(*next == row.to);
                continue;
            }
            ++refused;
            REQUIRE_FALSE(next.ok());
            const auto& error = next.error();
            INFO(error.message);
            CHECK(error.kind == ErrorKind::invalid_transition);
            CHECK(contains(error.message, to_string(row.event.type)));
            if (state)
                CHECK(contains(error.message, "in state " + diagram_name(state) + ": "));
            else
                CHECK(contains(error.message, "the complaint has not been opened"));
        }
    }
    // 11 event kinds x 8 states; 1 + 1 + 4 + 4 + 1 + 1 + 1 + 5 + 5 + 5 + 1 allowed,
    // and the two customer responses after closing (the survey).
    CHECK(allowed == 31);
    CHECK(refused == 88 - 31);
}

TEST_CASE("refusals say why in words a person can act on", "[lifecycle]")
{
    auto message = [](std::optional<ComplaintStatus> state, const Event& event) {
        auto next = next_status(state, event);
        REQUIRE_FALSE(next.ok());
        return next.error().message;
    };
    auto close = [](const char* outcome) {
        return make_event(EventType::complaint_closed, {{"outcome", outcome}});
    };

    CHECK(message(awaiting_response, close("resolved")) ==
          "complaint.closed with outcome resolved is not allowed in state AWAITING_RESPONSE: the customer has "
          "not yet said they are satisfied, and the customer leads the closing");
    CHECK(message(satisfied, close("unresolved")) ==
          "complaint.closed with outcome unresolved is not allowed in state SATISFIED: the customer is "
          "satisfied: close it as resolved");
    CHECK(message(closed, close("withdrawn")) ==
          "complaint.closed with outcome withdrawn is not allowed in state CLOSED: the complaint is already closed");
    CHECK(message(open, make_event(EventType::complaint_opened, nlohmann::json::object())) ==
          "complaint.opened is not allowed in state OPEN: the complaint already exists");
    CHECK(message(std::nullopt, make_event(EventType::complaint_acknowledged, nlohmann::json::object())) ==
          "complaint.acknowledged is not allowed: the complaint has not been opened");
    CHECK(message(closed, make_event(EventType::complaint_resolved, nlohmann::json::object())) ==
          "complaint.resolved is not allowed in state CLOSED: the complaint is closed: reopen it first");
    CHECK(message(open, make_event(EventType::complaint_customer_response, {{"satisfied", false}})) ==
          "complaint.customer_response (not satisfied) is not allowed in state OPEN: no resolution is waiting "
          "for the customer's response");
}

TEST_CASE("NPS events are not complaint events in any state", "[lifecycle]")
{
    for (auto type : {EventType::nps_rated, EventType::nps_detailed, EventType::nps_followed_up}) {
        for (auto state : every_state) {
            auto next = next_status(state, make_event(type, {{"score", 9}}));
            REQUIRE_FALSE(next.ok());
            CHECK(next.error().kind == ErrorKind::invalid_transition);
            CHECK(next.error().message == std::string(to_string(type)) + " is not a complaint event");
        }
    }
}

TEST_CASE("a malformed steering field is refused, never thrown on", "[lifecycle]")
{
    const std::vector<Event> malformed{
        make_event(EventType::complaint_customer_response, nlohmann::json::object()),
        make_event(EventType::complaint_customer_response, {{"satisfied", "yes"}}),
        make_event(EventType::complaint_customer_response, nlohmann::json::array()),
        make_event(EventType::complaint_closed, nlohmann::json::object()),
        make_event(EventType::complaint_closed, {{"outcome", 3}}),
        make_event(EventType::complaint_closed, {{"outcome", "sorted"}}),
        make_event(EventType::complaint_closed, nullptr),
    };
    for (const auto& event : malformed) {
        for (auto state : every_state) {
            INFO(event.payload.dump() << " in state " << diagram_name(state));
            std::optional<Result<ComplaintStatus>> next;
            REQUIRE_NOTHROW(next.emplace(next_status(state, event)));
            REQUIRE_FALSE(next->ok());
            CHECK(next->error().kind == ErrorKind::invalid_transition);
            CHECK(contains(next->error().message, to_string(event.type)));
        }
    }
}

TEST_CASE("status names are lower-case snake case and read back", "[lifecycle]")
{
    CHECK(to_string(awaiting_response) == "awaiting_response");
    for (auto state : every_state) {
        if (!state)
            continue;
        CHECK(complaint_status_from_string(to_string(*state)) == state);
        CHECK(is_open(*state) == (*state != closed));
    }
    CHECK_FALSE(complaint_status_from_string("OPEN"));
    CHECK_FALSE(complaint_status_from_string(""));
}

TEST_CASE("a request for assistance keeps every open state and is refused once closed", "[lifecycle]")
{
    Event request = make_event(EventType::complaint_assistance_requested, nlohmann::json::object());
    for (auto state : {open, acknowledged, escalated, awaiting_response, satisfied, dissatisfied}) {
        INFO(diagram_name(state));
        auto next = next_status(state, request);
        REQUIRE(next.ok());
        CHECK(*next == state);
    }
    auto closed_one = next_status(closed, request);
    REQUIRE_FALSE(closed_one.ok());
    CHECK(closed_one.error().message == "complaint.assistance_requested is not allowed in state CLOSED: "
                                        "the complaint is closed: reopen it first");
    CHECK_FALSE(next_status(std::nullopt, request).ok());
}

TEST_CASE("root cause, actions and their checks keep every state, closed included, and need an opened complaint",
          "[lifecycle]")
{
    for (const Event& event : analysis_events()) {
        for (auto state : {open, acknowledged, escalated, awaiting_response, satisfied, dissatisfied, closed}) {
            INFO(to_string(event.type) << " in " << diagram_name(state));
            auto next = next_status(state, event);
            REQUIRE(next.ok());
            CHECK(*next == state);
        }
        auto unopened = next_status(std::nullopt, event);
        REQUIRE_FALSE(unopened.ok());
        CHECK(unopened.error().message == std::string(to_string(event.type))
                                              + " is not allowed: the complaint has not been opened");
    }
}
