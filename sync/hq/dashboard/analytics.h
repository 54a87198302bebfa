// The figures behind head office's dashboard pages (issue 5): NPS for the
// chain, per store and per week; complaints against their promised deadlines;
// the share solved on the spot; satisfaction with complaint handling; the
// call-back list; promise measures (ISO 10001); learning (top categories and
// root causes, repeat complaints, the effect of actions).
//
// Everything is read from the dashboard's read model (projector.h), which is
// built from head office's events with the same fold the terminal uses.
// Call Projector::catch_up() before reading for up-to-date figures.
//
// A Period is [from_ms, to_ms) on the stores' wall clocks (ms of the local
// date and time read as if it were UTC, TimeZone::wall_clock_ms): "1 to 7
// December" is each store's own 1 to 7 December, whatever its zone. Weeks are
// ISO weeks (Monday 00:00, the store's). Other times (deadlines, `now`, the
// times in rows) are UTC milliseconds. Shares are 0.0-1.0; nothing when there is
// nothing to divide by (not 0: "no data" must not look like a bad result).
// A period whose to_ms is before its from_ms is an invalid_input Error; a
// period is cut to the times events can have (2020-01-01 to 2100-01-01), so
// "everything" may be asked as {0, INT64_MAX}. Ratings count in the period
// of their occurred_at, complaints in the period of their opened_at.
// Every function reads with plain SELECTs: give it any connection to head
// office's database on either backend (HqStore::connection(), or one of its own).
#pragma once

#include "domain/nps.h"
#include "domain/result.h"
#include "sql/connection.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace feedback::hq::dashboard {

struct Period {
    int64_t from_ms = 0;
    int64_t to_ms = 0;
};

// What every page filters on. An empty store_code means the whole chain.
struct Filter {
    std::string store_code;
    Period period;
};

struct NpsFigures {
    NpsSummary counts; // promoters, passives, detractors; ratings marked as misuse are left out
};

struct StoreNps {
    std::string store_code;
    std::string store_name; // from the store's own configuration document ("default" names no store), empty when none
    NpsFigures nps;
};

struct WeekNps {
    int64_t week_start_ms = 0; // Monday 00:00 on the stores' wall clocks
    std::string label;         // ISO week, "2026-W47"
    NpsFigures nps;
};

// Of the complaints opened in the period, in their present state (as last
// projected); `now` only decides what is overdue.
struct ComplaintFigures {
    int64_t opened = 0;             // opened in the period
    int64_t open_now = 0;           // not closed at `now` (opened in the period)
    int64_t overdue_now = 0;        // unanswered and past their promised deadline at `now` (deadline < now)
    int64_t closed_resolved = 0;    // closed as resolved
    int64_t solved_on_the_spot = 0; // of those, with the accepted resolution given on the spot
    std::optional<double> solved_on_the_spot_share; // solved_on_the_spot / closed_resolved
    int64_t handling_scores = 0;    // customers who scored the handling (1-5)
    std::optional<double> mean_handling_score;
    std::optional<double> satisfied_share; // of customers who answered, the share satisfied
    int64_t escalated = 0;          // escalated at some time
    int64_t reopened = 0;           // reopened at least once
};

struct Overview {
    NpsFigures chain;              // the filter's stores together
    std::vector<StoreNps> stores;  // each store with ratings in the period, by store code
    std::vector<WeekNps> weeks;    // every week of the period, empty weeks included
    ComplaintFigures complaints;
};

// The stores to list out of many: all of them (by code) when there are at
// most `count`, else the count / 2 with the lowest NPS and the count / 2
// with the highest, lowest first (ties by code).
std::vector<const StoreNps*> lowest_and_highest(const std::vector<StoreNps>& stores, size_t count);

Result<Overview> overview(sql::Connection& db, const Filter& filter, int64_t now_ms);

// [SECTION] Complaints
// Errors: invalid_input for a status that is neither "open" nor a
// ComplaintStatus name, a limit outside 1-1000 or a negative offset.
struct ComplaintQuery {
    Filter filter;              // on opened_at
    std::string status;         // a ComplaintStatus name, "open" for every state but closed, or empty
    std::string category;       // empty: all
    std::string channel;        // empty: all
    bool overdue_only = false;
    int64_t offset = 0;
    int64_t limit = 50;
};

struct ComplaintRow {
    std::string complaint_id;
    std::string reference;
    std::string store_code;
    std::string status;
    std::string channel;
    std::string category;
    int64_t opened_at = 0;
    std::optional<int64_t> deadline_at; // promised answer; nothing when the store promises none
    bool overdue = false;               // unanswered and past deadline_at at `now`
    std::string severity;               // low, normal, high, safety
    std::string owner;                  // a head-office user; empty: the store
    std::optional<int64_t> closed_at;   // only while closed
    std::string root_cause;
    bool solved_on_the_spot = false;
};

struct ComplaintPage {
    // Safety, then high severity on top; then newest first on the stores'
    // clocks (opened_local, then complaint id, descending).
    std::vector<ComplaintRow> rows;
    int64_t total = 0;              // matching rows without offset and limit
};

Result<ComplaintPage> complaints(sql::Connection& db, const ComplaintQuery& query, int64_t now_ms);

// The escalation queue's length: complaints escalated to head office and
// waiting there now, in the filter's store(s), whenever they were opened.
Result<int64_t> escalated_count(sql::Connection& db, const Filter& filter);

// [SECTION] Call-back list: detractors who agreed to be contacted
// Ratings of 0-6 in the filter (misuse-marked ones left out) whose detail
// (nps.detailed) came with consented contact details; oldest first (on the
// stores' clocks), so who
// has waited longest is on top. The contact itself is not here: it stays in
// the event (events_about) for those allowed to see it. `pending_only`:
// only those nobody has followed up yet, or whose last outcome was
// "no_answer" (try again); "reached", "declined" and "wrong_contact" close
// the loop.
struct CallBackRow {
    std::string rating_id;
    std::string store_code;
    int64_t rated_at = 0;
    int score = 0;
    std::string comment;
    std::vector<std::string> reason_ids;
    std::string outcome;                 // of nps.followed_up; empty while nobody called
    std::optional<int64_t> followed_up_at;
};

// The first `limit` of them (all without one) and how many there are in all.
struct CallBackList {
    std::vector<CallBackRow> rows;
    int64_t total = 0;
};

Result<CallBackList> call_backs(sql::Connection& db, const Filter& filter, bool pending_only,
                                std::optional<int64_t> limit = std::nullopt);

// [SECTION] Promises (ISO 10001)
// Each promise with a measure (config::Promise::measure), over complaints
// opened in the period, per the store's configuration now (the store's own
// document, else "default"):
//   answered_within_hours  counted: answered (the customer's first answer,
//                          ComplaintState::answered_at) by `now`, or unanswered and past
//                          the promise's deadline (config::promise_deadline:
//                          in working days, working hours or clock hours, in
//                          the store's calendar) at `now`; met: answered by then
//   solved_on_the_spot     counted: closed as resolved; met: solved on the spot
// Rows: with a store in the filter, that store's promises in configuration
// order. For the chain, first one row per promise for the chain (store_code
// empty; the promises of "default" and then of the stores' own documents,
// counted over every store that makes the promise; target only when all
// those stores aim for the same), then each store with complaints in the
// period, by store code.
struct PromiseMeasure {
    std::string promise_id;
    std::string store_code;        // empty for the chain
    std::string measure;           // "answered_within_hours", "solved_on_the_spot"
    std::optional<double> target;  // 0.0-1.0, from the configuration
    std::optional<double> actual;  // 0.0-1.0; nothing when no complaint counts
    int64_t counted = 0;           // complaints the measure is taken over
    int64_t met = 0;
};

Result<std::vector<PromiseMeasure>> promise_measures(sql::Connection& db, const Filter& filter, int64_t now_ms);

// [SECTION] Complaints by key
// The complaints opened in the filter per value of one of their columns:
// "channel", "category", "root_cause" or "resolution" (the empty value
// included), with their remedies' amounts; most complaints first, then by
// key. For the chain, whole weeks come from the per-week counts the
// projector keeps. Errors: invalid_input for another column.
struct KeyedCount {
    std::string key;
    int64_t complaints = 0;
    int64_t amount_cents = 0; // summed over those with an amount
};

Result<std::vector<KeyedCount>> complaints_by(sql::Connection& db, const Filter& filter, std::string_view column);

// [SECTION] Learning
// Over complaints opened in the filter. Top categories and root causes:
// every one that occurs, most first, then by id. Repeats: a complaint whose
// customer (customer key, projector.h) or whose product reference and
// category were seen in an earlier complaint (any store) opened at most
// `repeat_window_ms` before it; the nearest such earlier one is named, and
// "same_customer" wins when both hold (the projector keeps each complaint's
// nearest earlier ones); listed in the order of opened_local, then id
// (oldest first), or, with `newest_repeats`, only the newest that many,
// newest first, beside how many there are. Action effects: every action planned
// in the period on a complaint of the filter's store(s), with the
// complaints of its complaint's category and store opened in
// [planned_at - window, planned_at) and [planned_at, planned_at + window)
// on the store's wall clock (as the period),
// the window being `repeat_window_ms` too (the complaint the action is
// about is among "before"; "after" is partial while the window is not
// over). Errors: invalid_input when repeat_window_ms is not positive.
struct CountRow {
    std::string key; // a category or root-cause id
    int64_t count = 0;
    friend bool operator==(const CountRow&, const CountRow&) = default;
};

struct RepeatComplaint {
    std::string complaint_id;
    std::string earlier_complaint_id;
    std::string reason; // "same_customer" or "same_product_and_category"
};

struct ActionEffect {
    std::string complaint_id;
    std::string action_id;
    std::string category;
    int64_t planned_at = 0;
    int64_t before = 0; // complaints in the category (same store) in the window before planned_at
    int64_t after = 0;  // and in the same window after
};

struct RepeatList {
    std::vector<RepeatComplaint> rows;
    int64_t total = 0; // all of the filter's, listed or not
};

struct Learning {
    std::vector<CountRow> top_categories;
    std::vector<CountRow> top_root_causes;
    RepeatList repeats;
    std::vector<ActionEffect> action_effects;
};

Result<Learning> learning(sql::Connection& db, const Filter& filter, int64_t repeat_window_ms,
                          std::optional<int64_t> newest_repeats = std::nullopt);
// learning()'s repeats alone, with learning()'s errors.
Result<RepeatList> repeat_complaints(sql::Connection& db, const Filter& filter, int64_t repeat_window_ms,
                                     std::optional<int64_t> newest = std::nullopt);
// How many repeats there are (the management review counts them): for the
// chain and a window of whole days, whole weeks from the per-week counts.
Result<int64_t> repeat_count(sql::Connection& db, const Filter& filter, int64_t repeat_window_ms);

} // namespace feedback::hq::dashboard
