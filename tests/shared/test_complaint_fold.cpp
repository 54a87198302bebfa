// Tests of the complaint fold: every field after realistic walks, skipped
// events, the tie-breaks of the fold order, and that any arrival order of the
// same events gives the same state.
#include "domain/complaint_fold.h"
#include "domain/ids.h"
#include "support/event_builder.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <tuple>
#include <vector>

using namespace feedback;

namespace {

constexpr int64_t t0 = 1764000000000;
constexpr int64_t minute = 60 * 1000;
const std::string complaint_id = "0192f4a8-1b2c-7d3e-8f40-123456789abc";
const std::string other_complaint_id = "0192f4a8-1b2c-7d3e-8f40-cba987654321";

// A terminal recording events with its own sequence numbers.
struct Device {
    std::string id;
    int64_t next_seq = 1;

    Event record(EventType type, int64_t at, nlohmann::json payload, const std::string& subject = complaint_id)
    {
        return testing::make_event({type, subject, at, id, next_seq++, std::move(payload)});
    }
    Event opened(int64_t at)
    {
        return record(EventType::complaint_opened, at,
                      {{"channel", "walk_in"}, {"category", "delivery"}, {"description", "the sofa came damaged"},
                       {"customer_wish", "a new sofa"}, {"reference", "UTR-2A-2222C"}});
    }
    Event acknowledged(int64_t at) { return record(EventType::complaint_acknowledged, at, nlohmann::json::object()); }
    Event escalated(int64_t at) { return record(EventType::complaint_escalated, at, {{"reason", "over the limit"}}); }
    Event resolved(int64_t at, const char* resolution, bool on_the_spot, std::optional<int64_t> amount = std::nullopt)
    {
        nlohmann::json payload{{"resolution", resolution}, {"on_the_spot", on_the_spot}};
        if (amount)
            payload["amount_cents"] = *amount;
        return record(EventType::complaint_resolved, at, payload);
    }
    Event response(int64_t at, bool satisfied, std::optional<int> score = std::nullopt)
    {
        nlohmann::json payload{{"satisfied", satisfied}};
        if (score)
            payload["handling_score"] = *score;
        return record(EventType::complaint_customer_response, at, payload);
    }
    Event closed(int64_t at, const char* outcome)
    {
        nlohmann::json payload{{"outcome", outcome}};
        if (std::string(outcome) == "referred_external")
            payload["external_body"] = "Geschillencommissie Wonen";
        return record(EventType::complaint_closed, at, payload);
    }
    Event reopened(int64_t at) { return record(EventType::complaint_reopened, at, {{"reason", "broke again"}}); }
    Event root_cause(int64_t at, const char* cause)
    {
        return record(EventType::complaint_root_cause_recorded, at, {{"root_cause", cause}, {"note", "seen twice"}});
    }
    Event planned(int64_t at, const std::string& action_id, const char* kind)
    {
        return record(EventType::complaint_action_planned, at,
                      {{"action_id", action_id}, {"kind", kind}, {"description", "check every delivery"},
                       {"owner", "Purchasing"}, {"due_at", at + 14 * 24 * 60 * minute}});
    }
    Event checked(int64_t at, const std::string& action_id, bool effective)
    {
        return record(EventType::complaint_action_checked, at, {{"action_id", action_id}, {"effective", effective}});
    }
    Event assessed(int64_t at, const char* severity, const char* owner)
    {
        return record(EventType::complaint_assessed, at, {{"severity", severity}, {"owner", owner}});
    }
    Event noted(int64_t at) { return record(EventType::complaint_noted, at, {{"note", "called the supplier"}}); }
    Event decided(int64_t at, const char* decision, const char* communicated)
    {
        return record(EventType::complaint_resolved, at,
                      {{"resolution", "replacement"}, {"on_the_spot", false}, {"decision", decision},
                       {"communicated", communicated}});
    }
};

const std::string action_1 = "0192f4a8-0000-7000-8000-0000000ac001";
const std::string action_2 = "0192f4a8-0000-7000-8000-0000000ac002";

Device counter_a() { return Device{"0192f4a8-0000-7000-8000-00000000d001"}; }
Device counter_b() { return Device{"0192f4a8-0000-7000-8000-00000000d002"}; }

// Every field of ComplaintState, for comparing whole states.
auto all_fields(const ComplaintState& s)
{
    std::vector<std::pair<std::string, std::string>> skipped;
    for (const auto& skip : s.skipped)
        skipped.emplace_back(skip.event_id, skip.reason);
    std::vector<std::tuple<std::string, std::string, std::string, std::string, int64_t, int64_t, std::string,
                           std::optional<int64_t>, std::optional<bool>, std::string>>
        actions;
    for (const auto& x : s.actions)
        actions.emplace_back(x.action_id, x.kind, x.description, x.owner, x.due_at, x.planned_at, x.planned_by,
                             x.checked_at, x.effective, x.check_note);
    return std::make_tuple(s.complaint_id, s.reference, s.status, s.channel, s.category, s.opened_by_device,
                           s.opened_at, s.acknowledged_at, s.escalated_at, s.first_resolution_at,
                           s.last_resolution_at, s.customer_response_at, s.closed_at, s.reopened_at, s.last_event_at,
                           s.last_resolution, s.amount_cents, s.satisfied, s.handling_score, s.close_outcome,
                           s.external_body, s.reopen_count, s.event_count, s.solved_on_the_spot,
                           s.time_to_resolution_ms, s.root_cause, s.root_cause_note, actions, skipped,
                           std::make_tuple(s.severity, s.owner, s.assessed_at, s.answered_at, s.decision,
                                           s.communicated, s.status_key_hash));
}

bool same_state(const ComplaintState& a, const ComplaintState& b)
{
    return all_fields(a) == all_fields(b);
}

std::vector<std::string> skipped_ids(const ComplaintState& state)
{
    std::vector<std::string> ids;
    for (const auto& skip : state.skipped)
        ids.push_back(skip.event_id);
    return ids;
}

} // namespace

TEST_CASE("a complaint solved on the spot fills every field", "[fold]")
{
    Device a = counter_a();
    std::vector<Event> events{
        a.opened(t0),
        a.acknowledged(t0 + 1 * minute),
        a.resolved(t0 + 2 * minute, "refund", true, 2500),
        a.response(t0 + 3 * minute, true, 5),
        a.closed(t0 + 4 * minute, "resolved"),
    };
    ComplaintState state = fold_complaint(events);

    CHECK(state.complaint_id == complaint_id);
    CHECK(state.reference == "UTR-2A-2222C");
    CHECK(state.status == ComplaintStatus::closed);
    CHECK(state.channel == "walk_in");
    CHECK(state.category == "delivery");
    CHECK(state.opened_by_device == a.id);
    CHECK(state.opened_at == t0);
    CHECK(state.acknowledged_at == t0 + 1 * minute);
    CHECK_FALSE(state.escalated_at);
    CHECK(state.first_resolution_at == t0 + 2 * minute);
    CHECK(state.last_resolution_at == t0 + 2 * minute);
    CHECK(state.customer_response_at == t0 + 3 * minute);
    CHECK(state.closed_at == t0 + 4 * minute);
    CHECK_FALSE(state.reopened_at);
    CHECK(state.last_event_at == t0 + 4 * minute);
    CHECK(state.last_resolution == "refund");
    CHECK(state.amount_cents == 2500);
    CHECK(state.satisfied == true);
    CHECK(state.handling_score == 5);
    CHECK(state.close_outcome == "resolved");
    CHECK(state.external_body.empty());
    CHECK(state.reopen_count == 0);
    CHECK(state.event_count == 5);
    CHECK(state.solved_on_the_spot);
    CHECK(state.time_to_resolution_ms == 4 * minute);
    CHECK(state.skipped.empty());
}

TEST_CASE("the status key's hash is kept from complaint.opened, and nothing without one", "[fold]")
{
    Device a = counter_a();
    const std::string hash(64, 'a');
    Event opened = a.opened(t0);
    CHECK(fold_complaint(std::vector<Event>{opened}).status_key_hash.empty());
    opened.payload["status_key_hash"] = hash;
    std::vector<Event> events{opened, a.decided(t0 + minute, "A new sofa next week", "email")};
    CHECK(fold_complaint(events).status_key_hash == hash);
}

TEST_CASE("a resolution accepted after escalation is not solved on the spot", "[fold]")
{
    Device a = counter_a();
    std::vector<Event> events{
        a.opened(t0),
        a.resolved(t0 + 1 * minute, "apology", true),
        a.response(t0 + 2 * minute, false, 2),
        a.escalated(t0 + 3 * minute),
        a.resolved(t0 + 60 * minute, "replacement", false),
        a.response(t0 + 61 * minute, true),
        a.closed(t0 + 62 * minute, "resolved"),
    };
    ComplaintState state = fold_complaint(events);

    CHECK(state.status == ComplaintStatus::closed);
    CHECK(state.escalated_at == t0 + 3 * minute);
    CHECK(state.first_resolution_at == t0 + 1 * minute);
    CHECK(state.last_resolution_at == t0 + 60 * minute);
    CHECK(state.last_resolution == "replacement");
    CHECK_FALSE(state.amount_cents);
    CHECK(state.customer_response_at == t0 + 61 * minute);
    CHECK(state.satisfied == true);
    CHECK(state.handling_score == 2); // the last score given; the last answer gave none
    CHECK(state.close_outcome == "resolved");
    CHECK_FALSE(state.solved_on_the_spot);
    CHECK(state.time_to_resolution_ms == 62 * minute);
    CHECK(state.event_count == 7);
    CHECK(state.skipped.empty());
}

TEST_CASE("closing other than resolved has no resolution time and names the external body", "[fold]")
{
    Device a = counter_a();
    std::vector<Event> events{
        a.opened(t0),
        a.resolved(t0 + 1 * minute, "voucher", true, 1000),
        a.response(t0 + 2 * minute, false, 1),
        a.closed(t0 + 3 * minute, "referred_external"),
    };
    ComplaintState state = fold_complaint(events);

    CHECK(state.status == ComplaintStatus::closed);
    CHECK(state.satisfied == false);
    CHECK(state.close_outcome == "referred_external");
    CHECK(state.external_body == "Geschillencommissie Wonen");
    CHECK_FALSE(state.solved_on_the_spot);
    CHECK_FALSE(state.time_to_resolution_ms);
}

TEST_CASE("a reopened complaint clears its outcome until it is closed again", "[fold]")
{
    Device a = counter_a();
    std::vector<Event> events{
        a.opened(t0),
        a.closed(t0 + 1 * minute, "referred_external"),
        a.reopened(t0 + 10 * minute),
    };
    ComplaintState reopened = fold_complaint(events);

    CHECK(reopened.status == ComplaintStatus::open);
    CHECK(reopened.closed_at == t0 + 1 * minute);
    CHECK(reopened.reopened_at == t0 + 10 * minute);
    CHECK(reopened.reopen_count == 1);
    CHECK(reopened.close_outcome.empty());
    CHECK(reopened.external_body.empty());
    CHECK_FALSE(reopened.solved_on_the_spot);
    CHECK_FALSE(reopened.time_to_resolution_ms);

    events.push_back(a.resolved(t0 + 11 * minute, "repair", true));
    events.push_back(a.response(t0 + 12 * minute, true, 4));
    events.push_back(a.closed(t0 + 13 * minute, "resolved"));
    ComplaintState closed_again = fold_complaint(events);

    CHECK(closed_again.status == ComplaintStatus::closed);
    CHECK(closed_again.closed_at == t0 + 13 * minute);
    CHECK(closed_again.close_outcome == "resolved");
    CHECK(closed_again.solved_on_the_spot);
    CHECK(closed_again.time_to_resolution_ms == 13 * minute);
    CHECK(closed_again.reopen_count == 1);
    CHECK(closed_again.event_count == 6);

    events.push_back(a.reopened(t0 + 20 * minute));
    ComplaintState reopened_twice = fold_complaint(events);

    CHECK(reopened_twice.status == ComplaintStatus::open);
    CHECK(reopened_twice.reopen_count == 2);
    CHECK(reopened_twice.closed_at == t0 + 13 * minute);
    CHECK(reopened_twice.close_outcome.empty());
    CHECK_FALSE(reopened_twice.solved_on_the_spot);
    CHECK_FALSE(reopened_twice.time_to_resolution_ms);
}

TEST_CASE("refused and foreign events are skipped and listed with the reason", "[fold]")
{
    Device a = counter_a();
    Event opened = a.opened(t0);
    Event early_response = a.response(t0 + 1 * minute, true, 5);
    Event acknowledged = a.acknowledged(t0 + 2 * minute);
    Event acknowledged_again = a.acknowledged(t0 + 3 * minute);
    Event foreign = a.record(EventType::complaint_acknowledged, t0 + 4 * minute, nlohmann::json::object(),
                             other_complaint_id);
    Event rating = a.record(EventType::nps_rated, t0 + 5 * minute, {{"score", 3}}, complaint_id);
    std::vector<Event> events{foreign, acknowledged_again, rating, opened, early_response, acknowledged};
    ComplaintState state = fold_complaint(events);

    CHECK(state.complaint_id == complaint_id);
    CHECK(state.status == ComplaintStatus::acknowledged);
    CHECK(state.acknowledged_at == t0 + 2 * minute);
    CHECK(state.last_event_at == t0 + 2 * minute);
    CHECK_FALSE(state.satisfied);
    CHECK_FALSE(state.handling_score);
    CHECK(state.event_count == 2);
    REQUIRE(state.skipped.size() == 4);
    CHECK(skipped_ids(state) ==
          std::vector<std::string>{early_response.id, acknowledged_again.id, foreign.id, rating.id});
    CHECK(state.skipped[0].reason ==
          "complaint.customer_response (satisfied) is not allowed in state OPEN: no resolution is waiting for the "
          "customer's response");
    CHECK(state.skipped[1].reason.find("in state ACKNOWLEDGED") != std::string::npos);
    CHECK(state.skipped[2].reason.find(other_complaint_id) != std::string::npos);
    CHECK(state.skipped[3].reason == "nps.rated is not a complaint event");
}

TEST_CASE("without complaint.opened every event is skipped", "[fold]")
{
    Device a = counter_a();
    std::vector<Event> events{a.acknowledged(t0 + 2 * minute), a.closed(t0 + 3 * minute, "withdrawn")};
    ComplaintState state = fold_complaint(events);

    CHECK(state.complaint_id == complaint_id);
    CHECK_FALSE(state.status);
    CHECK_FALSE(state.opened_at);
    CHECK(state.event_count == 0);
    REQUIRE(state.skipped.size() == 2);
    CHECK(state.skipped[0].reason == "complaint.acknowledged is not allowed: the complaint has not been opened");

    CHECK(fold_complaint({}).complaint_id.empty());
    CHECK(fold_complaint({}).skipped.empty());
}

TEST_CASE("events at the same time are ordered by device sequence, then id", "[fold]")
{
    Device a = counter_a();
    Event opened = a.opened(t0);
    Event acknowledged = a.acknowledged(t0 + minute);
    Event withdrawn = a.closed(t0 + minute, "withdrawn");
    REQUIRE(acknowledged.device_seq < withdrawn.device_seq);
    // Ids the other way round, so that only the sequence can give this order.
    if (acknowledged.id < withdrawn.id)
        std::swap(acknowledged.id, withdrawn.id);

    CHECK(fold_order_less(acknowledged, withdrawn));
    CHECK_FALSE(fold_order_less(withdrawn, acknowledged));
    std::vector<Event> by_seq{withdrawn, acknowledged, opened};
    ComplaintState state = fold_complaint(by_seq);
    CHECK(state.acknowledged_at == t0 + minute);
    CHECK(state.close_outcome == "withdrawn");
    CHECK(state.skipped.empty());

    // Two counters closing at the same millisecond with the same sequence
    // number: the lower id wins, the other close is skipped.
    Device b = counter_b();
    b.next_seq = a.next_seq;
    Event closed_by_a = a.closed(t0 + 2 * minute, "unresolved");
    Event closed_by_b = b.closed(t0 + 2 * minute, "withdrawn");
    REQUIRE(closed_by_a.device_seq == closed_by_b.device_seq);
    for (bool a_first : {true, false}) {
        std::string low = std::min(closed_by_a.id, closed_by_b.id);
        std::string high = std::max(closed_by_a.id, closed_by_b.id);
        closed_by_a.id = a_first ? low : high;
        closed_by_b.id = a_first ? high : low;
        std::vector<Event> events{closed_by_b, closed_by_a, opened};
        ComplaintState contested = fold_complaint(events);
        const Event& winner = a_first ? closed_by_a : closed_by_b;
        const Event& loser = a_first ? closed_by_b : closed_by_a;
        CHECK(fold_order_less(winner, loser));
        CHECK(contested.close_outcome == winner.payload.at("outcome").get<std::string>());
        CHECK(skipped_ids(contested) == std::vector<std::string>{loser.id});
    }
}

TEST_CASE("any arrival order of the same events gives the same state", "[fold]")
{
    Device a = counter_a();
    Device b = counter_b();
    struct Scenario {
        std::string name;
        std::vector<Event> events;
        size_t skipped; // the conflicts, so that the scenario is known to contain some
    };
    std::vector<Scenario> scenarios;

    scenarios.push_back({"solved on the spot",
                         {a.opened(t0), a.acknowledged(t0 + minute), a.resolved(t0 + 2 * minute, "refund", true, 900),
                          a.response(t0 + 3 * minute, true, 5), a.closed(t0 + 4 * minute, "resolved")},
                         0});
    scenarios.push_back({"dissatisfied, escalated, reopened",
                         {a.opened(t0), a.resolved(t0 + minute, "apology", true), a.response(t0 + 2 * minute, false, 1),
                          b.escalated(t0 + 3 * minute), b.resolved(t0 + 4 * minute, "replacement", false),
                          a.response(t0 + 5 * minute, true, 4), b.closed(t0 + 6 * minute, "resolved"),
                          b.reopened(t0 + 7 * minute), a.closed(t0 + 8 * minute, "referred_external")},
                         0});
    {
        // Two counters act on the same complaint at the same milliseconds.
        b.next_seq = a.next_seq;
        Event opened = a.opened(t0 + 10 * minute);
        b.next_seq = a.next_seq;
        scenarios.push_back({"conflicting counters, equal timestamps",
                             {opened, a.acknowledged(t0 + 11 * minute), b.acknowledged(t0 + 11 * minute),
                              a.resolved(t0 + 12 * minute, "refund", true, 500),
                              b.resolved(t0 + 12 * minute, "voucher", false, 700),
                              a.response(t0 + 13 * minute, true, 5), b.response(t0 + 13 * minute, false, 2),
                              a.closed(t0 + 14 * minute, "resolved"), b.closed(t0 + 14 * minute, "withdrawn"),
                              b.opened(t0 + 14 * minute)},
                             5});
    }
    scenarios.push_back({"foreign, duplicate and early events",
                         {a.acknowledged(t0), a.opened(t0), a.opened(t0), b.response(t0, true, 3),
                          a.record(EventType::complaint_escalated, t0, {{"reason", "x"}}, other_complaint_id),
                          a.record(EventType::nps_rated, t0 + minute, {{"score", 9}}, ""),
                          b.closed(t0 + minute, "unresolved"), a.reopened(t0 + minute)},
                         5});

    scenarios.push_back({"analysis after closing, a check before its plan, an action planned twice",
                         {a.opened(t0), a.resolved(t0 + minute, "apology", true), a.response(t0 + 2 * minute, true),
                          a.closed(t0 + 3 * minute, "resolved"), b.checked(t0 + 4 * minute, action_1, true),
                          b.root_cause(t0 + 5 * minute, "supplier_quality"),
                          b.planned(t0 + 6 * minute, action_1, "corrective"),
                          b.planned(t0 + 7 * minute, action_1, "preventive"),
                          b.planned(t0 + 8 * minute, action_2, "preventive"),
                          b.checked(t0 + 9 * minute, action_1, false), b.checked(t0 + 10 * minute, action_1, true)},
                         2});
    scenarios.push_back({"assessed twice, noted, decided at head office without telling the customer yet",
                         {a.opened(t0), a.escalated(t0 + minute), b.assessed(t0 + 2 * minute, "high", "quality.lead"),
                          b.noted(t0 + 3 * minute), b.assessed(t0 + 4 * minute, "safety", ""),
                          b.decided(t0 + 5 * minute, "A new sofa on Monday", "not_yet"),
                          b.decided(t0 + 6 * minute, "A new sofa on Tuesday", "phone")},
                         1});

    std::mt19937 random(20261124);
    for (auto& [name, events, skipped] : scenarios) {
        INFO(name);
        ComplaintState expected = fold_complaint(events);
        REQUIRE(expected.status);
        CHECK(expected.skipped.size() == skipped);
        for (int round = 0; round < 250; ++round) {
            std::shuffle(events.begin(), events.end(), random);
            ComplaintState state = fold_complaint(events);
            INFO("permutation " << round);
            REQUIRE(same_state(state, expected));
        }
    }
}

TEST_CASE("the state comparison of these tests sees every difference", "[fold]")
{
    Device a = counter_a();
    std::vector<Event> events{a.opened(t0), a.acknowledged(t0 + minute)};
    ComplaintState state = fold_complaint(events);
    ComplaintState changed = state;
    CHECK(same_state(state, changed));
    changed.skipped.push_back({"x", "y"});
    CHECK_FALSE(same_state(state, changed));
    changed = state;
    changed.handling_score = 3;
    CHECK_FALSE(same_state(state, changed));
}

TEST_CASE("root cause and actions are recorded after the complaint is closed, each check on its action", "[fold]")
{
    Device a = counter_a();
    Device office{"0192f4a8-0000-7000-8000-0000000000f0"};
    std::vector<Event> events{a.opened(t0),
                              a.resolved(t0 + minute, "replacement", true),
                              a.response(t0 + 2 * minute, true, 5),
                              a.closed(t0 + 3 * minute, "resolved"),
                              office.root_cause(t0 + 60 * minute, "supplier_quality"),
                              office.planned(t0 + 61 * minute, action_1, "corrective"),
                              office.planned(t0 + 62 * minute, action_2, "preventive"),
                              office.checked(t0 + 90 * minute, action_2, false),
                              office.checked(t0 + 91 * minute, "0192f4a8-0000-7000-8000-0000000ac0ff", true)};
    ComplaintState state = fold_complaint(events);
    CHECK(state.status == ComplaintStatus::closed);
    CHECK(state.solved_on_the_spot);
    CHECK(state.root_cause == "supplier_quality");
    CHECK(state.root_cause_note == "seen twice");
    REQUIRE(state.actions.size() == 2);
    CHECK(state.actions[0].action_id == action_1);
    CHECK(state.actions[0].kind == "corrective");
    CHECK(state.actions[0].owner == "Purchasing");
    CHECK(state.actions[0].planned_at == t0 + 61 * minute);
    CHECK(state.actions[0].due_at == t0 + 61 * minute + 14 * 24 * 60 * minute);
    CHECK_FALSE(state.actions[0].checked_at);
    CHECK(state.actions[1].kind == "preventive");
    CHECK(state.actions[1].checked_at == t0 + 90 * minute);
    CHECK(state.actions[1].effective == false);
    REQUIRE(state.skipped.size() == 1);
    CHECK(state.skipped[0].event_id == events.back().id);
    CHECK(state.skipped[0].reason == "complaint.action_checked: no action \"0192f4a8-0000-7000-8000-0000000ac0ff\" "
                                     "was planned before it");
}

TEST_CASE("an assessment sets severity and owner, and the answer is a resolution the customer heard of", "[fold]")
{
    Device a = counter_a();
    Device office{"0192f4a8-0000-7000-8000-0000000000f0"};
    std::vector<Event> events{a.opened(t0), a.acknowledged(t0 + minute), a.escalated(t0 + 2 * minute),
                              office.assessed(t0 + 3 * minute, "safety", "quality.lead"), office.noted(t0 + 4 * minute)};
    ComplaintState state = fold_complaint(events);
    CHECK(state.status == ComplaintStatus::escalated);
    CHECK(state.severity == "safety");
    CHECK(state.owner == "quality.lead");
    CHECK(state.assessed_at == t0 + 3 * minute);
    CHECK_FALSE(state.answered_at); // acknowledging is not an answer

    events.push_back(office.decided(t0 + 60 * minute, "We replace the sofa on Monday.", "not_yet"));
    state = fold_complaint(events);
    CHECK(state.status == ComplaintStatus::awaiting_response);
    CHECK(state.decision == "We replace the sofa on Monday.");
    CHECK(state.communicated == "not_yet");
    CHECK_FALSE(state.answered_at); // recorded, not yet told

    events.push_back(a.response(t0 + 90 * minute, true, 4));
    state = fold_complaint(events);
    CHECK(state.answered_at == t0 + 90 * minute); // the customer's answer shows they heard it

    std::vector<Event> by_phone{a.opened(t0), office.decided(t0 + 30 * minute, "A voucher follows.", "phone")};
    CHECK(fold_complaint(by_phone).answered_at == t0 + 30 * minute);
    std::vector<Event> at_counter{a.opened(t0), a.resolved(t0 + 5 * minute, "apology", true)};
    CHECK(fold_complaint(at_counter).answered_at == t0 + 5 * minute); // no "communicated": in person
    CHECK(fold_complaint(at_counter).severity == "normal");
    std::vector<Event> withdrawn{a.opened(t0), a.acknowledged(t0 + minute), a.closed(t0 + 7 * minute, "withdrawn")};
    CHECK(fold_complaint(withdrawn).answered_at == t0 + 7 * minute);
}
