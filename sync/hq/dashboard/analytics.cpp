// The dashboard's figures (analytics.h) in SQL over the read model that
// projector.h keeps. NPS over whole weeks comes from the per-week counts,
// whole days from the per-day counts, the partial days at a period's edges
// from the ratings themselves, so a year of 2,000 stores' ratings is summed
// from some 100,000 rows, not ten million.
#include "hq/dashboard/analytics.h"

#include "config/kiosk_config.h"
#include "domain/lifecycle.h"
#include "hq/dashboard/calendar.h"
#include "hq/dashboard/query_kit.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

namespace feedback::hq::dashboard {

namespace {

constexpr int64_t max_page_rows = 1000;

// =============================================================================
// [SECTION] Helpers
// =============================================================================

// What dashboard_complaints is followed by in FROM to have SQLite count the
// chain's unanswered complaints along their partial index: without
// statistics its planner took the period's index and read every complaint
// of the period (a chain-year: 660 ms for 100,000 of 500,000). One store's
// are few along its own index; PostgreSQL finds the index itself.
std::string along_unanswered(Database& db, const std::string& store_code)
{
    return db.backend() == sql::Backend::sqlite && store_code.empty() ? " INDEXED BY dashboard_complaints_unanswered"
                                                                      : "";
}

void add_counts(NpsSummary& into, long promoters, long passives, long detractors)
{
    into.promoters += promoters;
    into.passives += passives;
    into.detractors += detractors;
}

// =============================================================================
// [SECTION] NPS
// =============================================================================

// NPS counts as the visitor receives them: of one store in one week; of
// the chain in one week (store_code empty); or of one store over the
// period's whole weeks (no week_start). The chain's counts are those with a
// week.
using NpsVisitor = std::function<void(const std::string& store_code, std::optional<int64_t> week_start,
                                      long promoters, long passives, long detractors)>;

// Whole days or weeks of `part` from the per-day or per-week counts
// (`table` and its `start_column`; the chain's weeks have no store).
Result<void> nps_from_counts(Database& db, std::string_view table, std::string_view start_column, const Period& part,
                             const std::string& store_code, const NpsVisitor& visit)
{
    if (part.to_ms <= part.from_ms)
        return {};
    const std::string column(start_column);
    const bool chain_table = table == "dashboard_nps_chain_weeks";
    Sql sql("SELECT " + std::string(chain_table ? "''" : "store_code") + ", " + column +
            ", promoters, passives, detractors FROM " + std::string(table) + " WHERE ");
    sql.filter(part, store_code, column);
    auto stmt = sql.prepare(db);
    FEEDBACK_TRY(stmt);
    return each_row(*stmt, [&](const Statement& row) {
        visit(row.column_text(0), week_start_of(row.column_int64(1)), row.column_int64(2), row.column_int64(3),
              row.column_int64(4));
    });
}

// Any stretch [from, to) from the ratings themselves (misuse left out).
Result<void> nps_from_ratings(Database& db, const Period& period, const std::string& store_code,
                              const NpsVisitor& visit)
{
    if (period.to_ms <= period.from_ms)
        return {};
    // Only columns of dashboard_ratings_by_time: the index alone answers.
    Sql sql("SELECT store_code, occurred_local, score FROM dashboard_ratings WHERE ");
    sql.filter(period, store_code, "occurred_local");
    sql += " AND misuse = 0 AND score IS NOT NULL";
    auto stmt = sql.prepare(db);
    FEEDBACK_TRY(stmt);
    return each_row(*stmt, [&](const Statement& row) {
        auto score = row.column_int64(2);
        if (score < 0 || score > 10)
            return; // head office validated it; never let nps_band() assert on the dashboard
        NpsSummary one;
        one.add(static_cast<int>(score));
        visit(row.column_text(0), week_start_of(row.column_int64(1)), one.promoters, one.passives, one.detractors);
    });
}

// The period's NPS counts: whole weeks from the per-week table, whole days
// at either end from the per-day table, partial days from the ratings (a
// chain's year: some 100,000 week rows, not 730,000 day rows).
Result<void> collect_nps(Database& db, const Period& period, const std::string& store_code, const NpsVisitor& visit)
{
    const int64_t first_whole_day = round_up(period.from_ms, day_start_of(period.from_ms), ms_per_day);
    const int64_t end_whole_days = day_start_of(period.to_ms);
    if (first_whole_day >= end_whole_days)
        return nps_from_ratings(db, period, store_code, visit);
    const WeekCut cut = cut_at_weeks({first_whole_day, end_whole_days});
    auto days = [&](const Period& part) {
        return nps_from_counts(db, "dashboard_nps_days", "day_start", part, store_code, visit);
    };
    FEEDBACK_TRY(nps_from_ratings(db, {period.from_ms, first_whole_day}, store_code, visit));
    FEEDBACK_TRY(days(cut.before));
    if (!store_code.empty()) {
        FEEDBACK_TRY(nps_from_counts(db, "dashboard_nps_weeks", "week_start", cut.weeks, store_code, visit));
    } else if (cut.weeks.to_ms > cut.weeks.from_ms) {
        // The chain's weeks (some 50 rows a year), and each store's sums over
        // them (its 2,000 stores' 100,000 week rows summed by the database).
        FEEDBACK_TRY(nps_from_counts(db, "dashboard_nps_chain_weeks", "week_start", cut.weeks, "", visit));
        Sql sql("SELECT store_code, sum(promoters), sum(passives), sum(detractors) FROM dashboard_nps_weeks WHERE ");
        sql.filter(cut.weeks, "", "week_start");
        sql += " GROUP BY store_code";
        auto stmt = sql.prepare(db);
        FEEDBACK_TRY(stmt);
        FEEDBACK_TRY(each_row(*stmt, [&](const Statement& row) {
            visit(row.column_text(0), std::nullopt, row.column_int64(1), row.column_int64(2), row.column_int64(3));
        }));
    }
    FEEDBACK_TRY(days(cut.after));
    return nps_from_ratings(db, {end_whole_days, period.to_ms}, store_code, visit);
}

// Store names from each store's own newest configuration document.
Result<std::map<std::string, std::string>> store_names(Database& db, const std::string& store_code)
{
    Sql sql("SELECT scope, coalesce(" + db.dialect().json_text("document", "store_name") +
            ", '') FROM configs AS c "
            "WHERE scope <> 'default' AND version = (SELECT max(version) FROM configs WHERE scope = c.scope)");
    if (!store_code.empty())
        sql += " AND scope = " + sql.arg(store_code);
    auto stmt = sql.prepare(db);
    FEEDBACK_TRY(stmt);
    std::map<std::string, std::string> names;
    FEEDBACK_TRY(each_row(*stmt, [&](const Statement& row) { names[row.column_text(0)] = row.column_text(1); }));
    return names;
}

// [SECTION] Complaint sums

// Counts over the complaints opened in a period, as dashboard_complaint_weeks
// keeps them per store and week (projector.cpp's complaint_week_counters).
namespace sums {
enum Sum : size_t {
    opened,
    open_now,             // not closed
    closed_resolved,      // closed as resolved
    resolved_on_the_spot, // of those, solved on the spot
    solved_on_the_spot,   // solved on the spot, whatever came after
    handling_scores,
    handling_score_sum,
    satisfied_answers,
    satisfied,
    escalated,
    reopened,
    count
};
}
using ComplaintSums = std::array<int64_t, sums::count>;

// The same sums, in the order of sums::Sum, from the week table and from the complaints.
constexpr const char* sums_of_weeks =
    "coalesce(sum(opened), 0), coalesce(sum(open_now), 0), coalesce(sum(closed_resolved), 0), "
    "coalesce(sum(resolved_on_the_spot), 0), coalesce(sum(solved_on_the_spot), 0), coalesce(sum(handling_scores), 0), "
    "coalesce(sum(handling_score_sum), 0), coalesce(sum(satisfied_answers), 0), coalesce(sum(satisfied), 0), "
    "coalesce(sum(escalated), 0), coalesce(sum(reopened), 0)";
// count(*) FILTER (WHERE ...): both backends read it (SQLite cannot sum a
// comparison in PostgreSQL, which has booleans).
constexpr const char* sums_of_complaints =
    "count(*), count(*) FILTER (WHERE status <> 'closed'), "
    "count(*) FILTER (WHERE status = 'closed' AND close_outcome = 'resolved'), "
    "count(*) FILTER (WHERE status = 'closed' AND close_outcome = 'resolved' AND solved_on_the_spot = 1), "
    "count(*) FILTER (WHERE solved_on_the_spot = 1), count(handling_score), coalesce(sum(handling_score), 0), "
    "count(satisfied), coalesce(sum(satisfied), 0), count(*) FILTER (WHERE escalated = 1), "
    "count(*) FILTER (WHERE reopen_count > 0)";

// The sums of the filter's complaints opened in the period, per store
// (`by_store`) or together (under ""): whole weeks from the week table, the
// days at either end from the complaints (a chain's year: ~100,000 week
// rows and two edges' complaints, not 500,000 complaints).
Result<std::map<std::string, ComplaintSums>> complaint_sums(Database& db, const Filter& filter, const Period& period,
                                                            bool by_store)
{
    std::map<std::string, ComplaintSums> out;
    auto add = [&](const char* sums_sql, std::string_view table, std::string_view time, Period part) -> Result<void> {
        if (part.to_ms <= part.from_ms)
            return {};
        Sql sql("SELECT " + std::string(by_store ? "store_code" : "''") + ", " + sums_sql + " FROM " +
                std::string(table) + " WHERE ");
        sql.filter(part, filter.store_code, time);
        if (by_store)
            sql += " GROUP BY store_code";
        auto stmt = sql.prepare(db);
        FEEDBACK_TRY(stmt);
        return each_row(*stmt, [&](const Statement& row) {
            ComplaintSums& into = out.try_emplace(row.column_text(0), ComplaintSums{}).first->second;
            for (size_t i = 0; i < sums::count; ++i)
                into[i] += row.column_int64(static_cast<int>(i) + 1);
        });
    };
    const WeekCut cut = cut_at_weeks(period);
    // The chain's sums together: from its own weeks (some 50 rows a year).
    const bool chain_weeks = !by_store && filter.store_code.empty();
    FEEDBACK_TRY(add(sums_of_complaints, "dashboard_complaints", "opened_local", cut.before));
    FEEDBACK_TRY(add(sums_of_weeks, chain_weeks ? "dashboard_complaint_chain_weeks" : "dashboard_complaint_weeks",
                     "week_start", cut.weeks));
    FEEDBACK_TRY(add(sums_of_complaints, "dashboard_complaints", "opened_local", cut.after));
    return out;
}

// The filter's sums together (zeros when nothing was opened).
Result<ComplaintSums> complaint_totals(Database& db, const Filter& filter, const Period& period)
{
    auto sums = complaint_sums(db, filter, period, false);
    FEEDBACK_TRY(sums);
    auto found = sums->find("");
    return found == sums->end() ? ComplaintSums{} : found->second;
}

Result<ComplaintFigures> complaint_figures(Database& db, const Filter& filter, const Period& period, int64_t now_ms)
{
    auto totals = complaint_totals(db, filter, period);
    FEEDBACK_TRY(totals);
    const ComplaintSums& sum = *totals;
    ComplaintFigures out;
    out.opened = sum[sums::opened];
    out.open_now = sum[sums::open_now];
    out.closed_resolved = sum[sums::closed_resolved];
    out.solved_on_the_spot = sum[sums::solved_on_the_spot];
    out.handling_scores = sum[sums::handling_scores];
    if (out.handling_scores > 0)
        out.mean_handling_score =
            static_cast<double>(sum[sums::handling_score_sum]) / static_cast<double>(out.handling_scores);
    out.satisfied_share = share(sum[sums::satisfied], sum[sums::satisfied_answers]);
    out.escalated = sum[sums::escalated];
    out.reopened = sum[sums::reopened];
    out.solved_on_the_spot_share = share(out.solved_on_the_spot, out.closed_resolved);

    // Overdue depends on now: counted from the unanswered complaints'
    // index (dashboard_complaints_unanswered).
    // (SQLite took the period's index and read 500,000 rows for 100,000.)
    Sql overdue("SELECT count(*) FROM dashboard_complaints" + along_unanswered(db, filter.store_code) +
                " WHERE first_response_at IS NULL AND deadline_at < ");
    overdue += overdue.arg(now_ms) + " AND ";
    overdue.filter(period, filter.store_code, "opened_local");
    auto stmt = overdue.prepare(db);
    FEEDBACK_TRY(stmt);
    FEEDBACK_TRY(each_row(*stmt, [&](const Statement& row) { out.overdue_now = row.column_int64(0); }));
    return out;
}

// =============================================================================
// [SECTION] Promises
// =============================================================================

struct Tally {
    int64_t counted = 0;
    int64_t met = 0;
};

// Whether a promise is measured: it names a measure and, for
// answered_within_hours, a deadline (validation does not let one without through).
bool is_measured(const config::Promise& promise)
{
    return promise.measure &&
           (*promise.measure != config::PromiseMeasure::answered_within_hours || promise.answer_within);
}

// answered_within_hours under one promise, for one complaint: counted once
// answered or past the promise's deadline, met when answered by it.
void tally_answer(Tally& tally, const config::KioskConfig& config, const config::Promise& promise,
                  int64_t opened_at, std::optional<int64_t> answered_at, int64_t now_ms)
{
    auto deadline = config::promise_deadline(config, promise, opened_at);
    bool answered = answered_at && *answered_at <= now_ms;
    if (!deadline || (!answered && *deadline >= now_ms))
        return; // neither answered nor late yet
    ++tally.counted;
    if (answered && *answered_at <= *deadline)
        ++tally.met;
}

// A store's configuration now and its answered_within_hours tallies.
struct StorePromises {
    const config::KioskConfig* config = nullptr; // nothing: no valid configuration
    std::vector<Tally> answered;                 // by index in config->promises
};

// The stores with complaints in the period (with a store in the filter:
// that store), each with its tallies: one read of the period's complaints
// (one query per store took 2 s for 2,000 stores), each one's deadline in
// its store's calendar (config::promise_deadline, the rule the terminal
// shows), so working days and the store's zone count.
Result<std::map<std::string, StorePromises>> answered_by_store(Database& db, const Filter& filter,
                                                               const Period& period, Configurations& configs,
                                                               int64_t now_ms)
{
    std::map<std::string, StorePromises> stores;
    auto store = [&](const std::string& store_code) -> StorePromises& {
        auto [it, added] = stores.try_emplace(store_code);
        if (added) {
            it->second.config = configs.for_store(store_code);
            if (it->second.config)
                it->second.answered.resize(it->second.config->promises.size());
        }
        return it->second;
    };
    if (!filter.store_code.empty())
        store(filter.store_code);
    Sql sql("SELECT store_code, opened_at, first_response_at FROM dashboard_complaints WHERE ");
    sql.filter(period, filter.store_code, "opened_local");
    auto stmt = sql.prepare(db);
    FEEDBACK_TRY(stmt);
    // Consecutive rows are often of the same store: remember the last one.
    std::string last_code;
    StorePromises* last = nullptr;
    FEEDBACK_TRY(each_row(*stmt, [&](const Statement& row) {
        if (!last || row.column_text(0) != last_code) {
            last_code = row.column_text(0);
            last = &store(last_code);
        }
        if (!last->config)
            return;
        const auto& promises = last->config->promises;
        for (size_t i = 0; i < promises.size(); ++i)
            if (is_measured(promises[i]) && *promises[i].measure == config::PromiseMeasure::answered_within_hours)
                tally_answer(last->answered[i], *last->config, promises[i], row.column_int64(1),
                             row.column_optional_int64(2), now_ms);
    }));
    return stores;
}

// solved_on_the_spot, counted (closed as resolved) and met per store.
Result<std::map<std::string, Tally>> solved_on_the_spot_by_store(Database& db, const Filter& filter,
                                                                 const Period& period)
{
    auto sums = complaint_sums(db, filter, period, true);
    FEEDBACK_TRY(sums);
    std::map<std::string, Tally> out;
    for (const auto& [store_code, sum] : *sums)
        if (sum[sums::closed_resolved] > 0)
            out[store_code] = Tally{sum[sums::closed_resolved], sum[sums::resolved_on_the_spot]};
    return out;
}

PromiseMeasure measure_row(const config::Promise& promise, std::string store_code, std::optional<int> target_percent,
                           Tally tally)
{
    PromiseMeasure row;
    row.promise_id = promise.id;
    row.store_code = std::move(store_code);
    row.measure = std::string(config::to_string(*promise.measure));
    if (target_percent)
        row.target = *target_percent / 100.0;
    row.counted = tally.counted;
    row.met = tally.met;
    row.actual = share(tally.met, tally.counted);
    return row;
}

// =============================================================================
// [SECTION] Complaint rows
// =============================================================================

// The WHERE clause of a complaint query, on `sql`.
Result<void> complaint_conditions(Sql& sql, const ComplaintQuery& query, const Period& period, int64_t now_ms)
{
    sql.filter(period, query.filter.store_code, "opened_local");
    if (query.status == "open") {
        sql += " AND status <> 'closed'";
    } else if (!query.status.empty()) {
        if (!complaint_status_from_string(query.status))
            return Error{ErrorKind::invalid_input, "status: \"" + query.status +
                                                       "\" is neither \"open\" nor a complaint status"};
        sql += " AND status = " + sql.arg(query.status);
    }
    if (!query.category.empty())
        sql += " AND category = " + sql.arg(query.category);
    if (!query.channel.empty())
        sql += " AND channel = " + sql.arg(query.channel);
    if (query.overdue_only)
        sql += " AND first_response_at IS NULL AND deadline_at < " + sql.arg(now_ms);
    return {};
}

// The conditions of a repeat within the window (projector.h: each
// complaint's nearest earlier ones and the time to them), on `sql`.
void repeat_conditions(Sql& sql, int64_t window_ms)
{
    const std::string window = sql.arg(window_ms);
    sql += " AND (customer_gap_ms <= " + window + " OR product_gap_ms <= " + window + ")";
}

// learning()'s window for repeats and action effects.
Result<int64_t> checked_window(int64_t repeat_window_ms)
{
    if (repeat_window_ms <= 0)
        return Error{ErrorKind::invalid_input, "repeat window: must be a positive number of milliseconds (got " +
                                                   std::to_string(repeat_window_ms) + ")"};
    return repeat_window_ms;
}

std::vector<std::string> string_list(const std::string& json_text)
{
    std::vector<std::string> out;
    auto json = nlohmann::json::parse(json_text, nullptr, false);
    if (json.is_array())
        for (const auto& item : json)
            if (item.is_string())
                out.push_back(item.get<std::string>());
    return out;
}

} // namespace

// =============================================================================
// [SECTION] Public functions
// =============================================================================

Result<Overview> overview(Database& db, const Filter& filter, int64_t now_ms)
{
    auto period = checked_period(filter.period);
    FEEDBACK_TRY(period);
    Overview out;
    std::map<std::string, NpsSummary> by_store;
    std::map<int64_t, NpsSummary> by_week;
    // Consecutive rows are mostly of the same store: remember the last one.
    std::string last_store;
    NpsSummary* last_summary = nullptr;
    FEEDBACK_TRY(collect_nps(db, *period, filter.store_code,
                             [&](const std::string& store_code, std::optional<int64_t> week_start, long promoters,
                                 long passives, long detractors) {
                                 if (!store_code.empty()) {
                                     if (!last_summary || store_code != last_store) {
                                         last_store = store_code;
                                         last_summary = &by_store[store_code];
                                     }
                                     add_counts(*last_summary, promoters, passives, detractors);
                                 }
                                 if (week_start) {
                                     add_counts(by_week[*week_start], promoters, passives, detractors);
                                     add_counts(out.chain.counts, promoters, passives, detractors);
                                 }
                             }));

    std::map<std::string, std::string> names;
    if (!by_store.empty()) {
        auto read = store_names(db, filter.store_code);
        FEEDBACK_TRY(read);
        names = std::move(*read);
    }
    for (const auto& [store_code, counts] : by_store) {
        if (counts.total() == 0)
            continue;
        auto name = names.find(store_code);
        out.stores.push_back({store_code, name == names.end() ? std::string() : name->second, {counts}});
    }
    if (period->to_ms > period->from_ms)
        for (int64_t week = week_start_of(period->from_ms); week < period->to_ms; week += ms_per_week) {
            auto found = by_week.find(week);
            out.weeks.push_back({week, iso_week_label(week), {found == by_week.end() ? NpsSummary{} : found->second}});
        }

    auto complaints = complaint_figures(db, filter, *period, now_ms);
    FEEDBACK_TRY(complaints);
    out.complaints = *complaints;
    return out;
}

std::vector<const StoreNps*> lowest_and_highest(const std::vector<StoreNps>& stores, size_t count)
{
    std::vector<const StoreNps*> listed;
    for (const StoreNps& store : stores)
        listed.push_back(&store);
    if (listed.size() <= count)
        return listed;
    std::stable_sort(listed.begin(), listed.end(), [](const StoreNps* a, const StoreNps* b) {
        return a->nps.counts.score().value_or(0) < b->nps.counts.score().value_or(0);
    });
    const auto half = static_cast<std::ptrdiff_t>(count / 2);
    listed.erase(listed.begin() + half, listed.end() - half);
    return listed;
}

Result<ComplaintPage> complaints(Database& db, const ComplaintQuery& query, int64_t now_ms)
{
    auto period = checked_period(query.filter.period);
    FEEDBACK_TRY(period);
    if (query.limit < 1 || query.limit > max_page_rows)
        return Error{ErrorKind::invalid_input, "limit: must be from 1 to " + std::to_string(max_page_rows) + " (got " +
                                                   std::to_string(query.limit) + ")"};
    if (query.offset < 0)
        return Error{ErrorKind::invalid_input, "offset: must not be negative (got " + std::to_string(query.offset) + ")"};

    // Each severity rank on its own, highest first: each read newest first
    // along dashboard_complaints_by_rank (rank, opened_local, id), or for one
    // store dashboard_complaints_by_store_rank, so a page costs its own rows
    // whatever the period holds (one ORDER BY over the ranks had SQLite sort
    // every complaint of the period).
    ComplaintPage page;
    // All, then the few of the higher ranks (each an index range); the rest are rank 0.
    auto count = [&](std::optional<int64_t> rank) -> Result<int64_t> {
        // Overdue ones: along the unanswered complaints' index (SQLite took
        // the period's and read every complaint of it).
        Sql sql("SELECT count(*) FROM dashboard_complaints" +
                (query.overdue_only ? along_unanswered(db, query.filter.store_code) : std::string()) +
                " WHERE ");
        FEEDBACK_TRY(complaint_conditions(sql, query, *period, now_ms));
        if (rank)
            sql += " AND severity_rank = " + sql.arg(*rank);
        auto stmt = sql.prepare(db);
        FEEDBACK_TRY(stmt);
        int64_t counted = 0;
        FEEDBACK_TRY(each_row(*stmt, [&](const Statement& row) { counted = row.column_int64(0); }));
        return counted;
    };
    // Filtered by the period (and store) only: all of them are the period's
    // opened ones, summed from the week counts (counting a chain's year of
    // complaints read every one).
    const bool period_only =
        query.status.empty() && query.category.empty() && query.channel.empty() && !query.overdue_only;
    if (period_only) {
        auto totals = complaint_totals(db, query.filter, *period);
        FEEDBACK_TRY(totals);
        page.total = (*totals)[sums::opened];
    } else {
        auto total = count(std::nullopt);
        FEEDBACK_TRY(total);
        page.total = *total;
    }
    if (page.total <= query.offset)
        return page;
    std::map<int64_t, int64_t, std::greater<>> per_rank{{0, page.total}};
    for (int64_t rank : {2, 1}) {
        auto in_rank = count(rank);
        FEEDBACK_TRY(in_rank);
        per_rank[rank] = *in_rank;
        per_rank[0] -= *in_rank;
    }

    int64_t skip = query.offset;
    for (const auto& [rank, in_rank] : per_rank) {
        const auto wanted = query.limit - static_cast<int64_t>(page.rows.size());
        if (wanted <= 0)
            break;
        if (skip >= in_rank) {
            skip -= in_rank;
            continue;
        }
        Sql sql("SELECT complaint_id, reference, store_code, status, channel, category, opened_at, deadline_at, "
                "closed_at, root_cause, solved_on_the_spot, first_response_at, severity, owner FROM dashboard_complaints "
                "WHERE ");
        FEEDBACK_TRY(complaint_conditions(sql, query, *period, now_ms));
        sql += " AND severity_rank = " + sql.arg(rank) + " ORDER BY opened_local DESC, complaint_id DESC LIMIT " +
               sql.arg(wanted) + " OFFSET " + sql.arg(skip);
        skip = 0;
        auto stmt = sql.prepare(db);
        FEEDBACK_TRY(stmt);
        FEEDBACK_TRY(each_row(*stmt, [&](const Statement& row) {
            ComplaintRow out;
            out.complaint_id = row.column_text(0);
            out.reference = row.column_text(1);
            out.store_code = row.column_text(2);
            out.status = row.column_text(3);
            out.channel = row.column_text(4);
            out.category = row.column_text(5);
            out.opened_at = row.column_int64(6);
            out.deadline_at = row.column_optional_int64(7);
            bool closed = out.status == to_string(ComplaintStatus::closed);
            out.overdue = out.deadline_at && config::deadline_standing(*out.deadline_at, row.column_optional_int64(11),
                                                                       now_ms) == config::DeadlineStanding::overdue;
            if (closed)
                out.closed_at = row.column_optional_int64(8);
            out.root_cause = row.column_text(9);
            out.solved_on_the_spot = row.column_int64(10) != 0;
            out.severity = row.column_text(12);
            out.owner = row.column_text(13);
            page.rows.push_back(std::move(out));
        }));
    }
    return page;
}

Result<int64_t> escalated_count(Database& db, const Filter& filter)
{
    Sql sql("SELECT count(*) FROM dashboard_complaints WHERE status = 'escalated'");
    if (!filter.store_code.empty())
        sql += " AND store_code = " + sql.arg(filter.store_code);
    auto stmt = sql.prepare(db);
    FEEDBACK_TRY(stmt);
    int64_t count = 0;
    FEEDBACK_TRY(each_row(*stmt, [&](const Statement& row) { count = row.column_int64(0); }));
    return count;
}

Result<CallBackList> call_backs(Database& db, const Filter& filter, bool pending_only, std::optional<int64_t> limit)
{
    auto period = checked_period(filter.period);
    FEEDBACK_TRY(period);
    if (limit && *limit < 0)
        return Error{ErrorKind::invalid_input, "limit: must not be negative (got " + std::to_string(*limit) + ")"};
    // The conditions of the partial index dashboard_ratings_call_backs, word
    // for word; 0-6 is nps.h's detractor band.
    auto conditions = [&](Sql& sql) {
        sql += "FROM dashboard_ratings WHERE contact_given = 1 AND score <= 6 AND misuse = 0 AND ";
        sql.filter(*period, filter.store_code, "occurred_local");
        if (pending_only)
            sql += " AND follow_up_outcome IN ('', 'no_answer')";
    };
    Sql sql("SELECT rating_id, store_code, occurred_at, score, comment, reason_ids, follow_up_outcome, followed_up_at ");
    conditions(sql);
    // In the index's order (the stores' clocks, as the period).
    sql += " ORDER BY occurred_local, rating_id";
    if (limit)
        sql += " LIMIT " + sql.arg(*limit);
    auto stmt = sql.prepare(db);
    FEEDBACK_TRY(stmt);
    CallBackList out;
    FEEDBACK_TRY(each_row(*stmt, [&](const Statement& row) {
        CallBackRow call;
        call.rating_id = row.column_text(0);
        call.store_code = row.column_text(1);
        call.rated_at = row.column_int64(2);
        call.score = static_cast<int>(row.column_int64(3));
        call.comment = row.column_text(4);
        call.reason_ids = string_list(row.column_text(5));
        call.outcome = row.column_text(6);
        call.followed_up_at = row.column_optional_int64(7);
        out.rows.push_back(std::move(call));
    }));
    out.total = static_cast<int64_t>(out.rows.size());
    if (limit && out.total == *limit) {
        Sql count("SELECT count(*) ");
        conditions(count);
        auto counted = count.prepare(db);
        FEEDBACK_TRY(counted);
        FEEDBACK_TRY(each_row(*counted, [&](const Statement& row) { out.total = row.column_int64(0); }));
    }
    return out;
}

Result<std::vector<PromiseMeasure>> promise_measures(Database& db, const Filter& filter, int64_t now_ms)
{
    auto period = checked_period(filter.period);
    FEEDBACK_TRY(period);
    auto configs = Configurations::load(db);
    FEEDBACK_TRY(configs);
    auto stores = answered_by_store(db, filter, *period, *configs, now_ms);
    FEEDBACK_TRY(stores);
    // Solved on the spot: one query grouped by store, when a promise measures it.
    std::optional<std::map<std::string, Tally>> solved;
    auto solved_tally = [&](const std::string& store_code) -> Result<Tally> {
        if (!solved) {
            auto read = solved_on_the_spot_by_store(db, filter, *period);
            FEEDBACK_TRY(read);
            solved = std::move(*read);
        }
        auto found = solved->find(store_code);
        return found == solved->end() ? Tally{} : found->second;
    };

    std::vector<PromiseMeasure> chain_rows;
    std::vector<PromiseMeasure> store_rows;
    // For the chain: each (promise id, measure) in order of first appearance.
    struct ChainSlot {
        const config::Promise* promise = nullptr;
        Tally tally;
        std::set<int> targets;
        bool seen_in_store = false;
    };
    std::vector<std::pair<std::pair<std::string, config::PromiseMeasure>, ChainSlot>> slots;
    auto slot_for = [&](const config::Promise& promise) -> ChainSlot& {
        auto id = std::make_pair(promise.id, *promise.measure);
        auto it = std::find_if(slots.begin(), slots.end(), [&](const auto& slot) { return slot.first == id; });
        if (it == slots.end()) {
            slots.push_back({id, ChainSlot{&promise, {}, {}, false}});
            return slots.back().second;
        }
        return it->second;
    };
    bool chain = filter.store_code.empty();
    if (chain)
        if (const config::KioskConfig* fallback = configs->chain_default())
            for (const config::Promise& promise : fallback->promises)
                if (is_measured(promise))
                    slot_for(promise);

    for (const auto& [store_code, store] : *stores) {
        if (!store.config)
            continue;
        for (size_t i = 0; i < store.config->promises.size(); ++i) {
            const config::Promise& promise = store.config->promises[i];
            if (!is_measured(promise))
                continue;
            Result<Tally> tally = *promise.measure == config::PromiseMeasure::answered_within_hours
                                      ? Result<Tally>(store.answered[i])
                                      : solved_tally(store_code);
            FEEDBACK_TRY(tally);
            store_rows.push_back(measure_row(promise, store_code, promise.target_percent, *tally));
            if (chain) {
                ChainSlot& slot = slot_for(promise);
                slot.tally.counted += tally->counted;
                slot.tally.met += tally->met;
                slot.seen_in_store = true;
                if (promise.target_percent)
                    slot.targets.insert(*promise.target_percent);
            }
        }
    }
    for (const auto& [id, slot] : slots) {
        std::optional<int> target;
        if (slot.seen_in_store && slot.targets.size() == 1)
            target = *slot.targets.begin();
        else if (!slot.seen_in_store)
            target = slot.promise->target_percent; // only "default" makes it: its own target
        chain_rows.push_back(measure_row(*slot.promise, "", target, slot.tally));
    }
    chain_rows.insert(chain_rows.end(), std::make_move_iterator(store_rows.begin()),
                      std::make_move_iterator(store_rows.end()));
    return chain_rows;
}

Result<std::vector<KeyedCount>> complaints_by(Database& db, const Filter& filter, std::string_view column)
{
    auto period = checked_period(filter.period);
    FEEDBACK_TRY(period);
    static constexpr std::array<std::string_view, 4> columns = {"channel", "category", "root_cause", "resolution"};
    if (std::find(columns.begin(), columns.end(), column) == columns.end())
        return Error{ErrorKind::invalid_input, "complaints_by: \"" + std::string(column) +
                                                   "\" is not channel, category, root_cause or resolution"};
    const std::string name(column);
    std::map<std::string, KeyedCount> by_key;
    auto add = [&](const Sql& sql) -> Result<void> {
        auto stmt = sql.prepare(db);
        FEEDBACK_TRY(stmt);
        return each_row(*stmt, [&](const Statement& row) {
            KeyedCount& count = by_key[row.column_text(0)];
            count.complaints += row.column_int64(1);
            count.amount_cents += row.column_int64(2);
        });
    };
    auto from_complaints = [&](Period part) -> Result<void> {
        if (part.to_ms <= part.from_ms)
            return {};
        Sql sql("SELECT " + name + ", count(*), coalesce(sum(amount_cents), 0) FROM dashboard_complaints WHERE ");
        sql.filter(part, filter.store_code, "opened_local");
        sql += " GROUP BY 1";
        return add(sql);
    };
    // The chain's whole weeks from the per-week keys.
    FEEDBACK_TRY(read_by_weeks(*period, filter.store_code.empty(), from_complaints, [&](const Period& weeks) {
        Sql sql("SELECT key_value, sum(complaints), sum(amount_cents) FROM dashboard_complaint_week_keys WHERE ");
        sql += "key_column = " + sql.arg(name) + " AND ";
        sql.filter(weeks, "", "week_start");
        sql += " GROUP BY 1";
        return add(sql);
    }));
    std::vector<KeyedCount> out;
    for (auto& [key, count] : by_key)
        if (count.complaints != 0)
            out.push_back({key, count.complaints, count.amount_cents});
    std::sort(out.begin(), out.end(), [](const KeyedCount& a, const KeyedCount& b) {
        return a.complaints != b.complaints ? a.complaints > b.complaints : a.key < b.key;
    });
    return out;
}

// =============================================================================
// [SECTION] Learning
// =============================================================================

Result<int64_t> repeat_count(Database& db, const Filter& filter, int64_t repeat_window_ms)
{
    auto period = checked_period(filter.period);
    FEEDBACK_TRY(period);
    auto window = checked_window(repeat_window_ms);
    FEEDBACK_TRY(window);
    int64_t count = 0;
    auto add = [&](Sql& sql) -> Result<void> {
        auto stmt = sql.prepare(db);
        FEEDBACK_TRY(stmt);
        return each_row(*stmt, [&](const Statement& row) { count += row.column_int64(0); });
    };
    auto from_complaints = [&](const Period& part) -> Result<void> {
        if (part.to_ms <= part.from_ms)
            return {};
        Sql sql("SELECT count(*) FROM dashboard_complaints WHERE ");
        sql.filter(part, filter.store_code, "opened_local");
        repeat_conditions(sql, *window);
        return add(sql);
    };
    // dashboard_repeat_weeks counts the chain's complaints by whole days to
    // their nearest earlier one.
    const bool chain_weeks = filter.store_code.empty() && *window % ms_per_day == 0;
    FEEDBACK_TRY(read_by_weeks(*period, chain_weeks, from_complaints, [&](const Period& weeks) {
        Sql sql("SELECT coalesce(sum(complaints), 0) FROM dashboard_repeat_weeks WHERE ");
        sql.filter(weeks, "", "week_start");
        sql += " AND gap_days <= " + sql.arg(*window / ms_per_day);
        return add(sql);
    }));
    return count;
}

Result<RepeatList> repeat_complaints(Database& db, const Filter& filter, int64_t repeat_window_ms,
                                     std::optional<int64_t> newest)
{
    auto period = checked_period(filter.period);
    FEEDBACK_TRY(period);
    auto window = checked_window(repeat_window_ms);
    FEEDBACK_TRY(window);
    if (newest && *newest < 0)
        return Error{ErrorKind::invalid_input, "newest repeats: must not be negative (got " +
                                                   std::to_string(*newest) + ")"};
    Sql sql("SELECT complaint_id, customer_before_id, customer_gap_ms, product_before_id FROM dashboard_complaints "
            "WHERE ");
    sql.filter(*period, filter.store_code, "opened_local");
    repeat_conditions(sql, *window);
    sql += newest ? " ORDER BY opened_local DESC, complaint_id DESC LIMIT " + sql.arg(*newest)
                  : std::string(" ORDER BY opened_local, complaint_id");
    auto stmt = sql.prepare(db);
    FEEDBACK_TRY(stmt);
    RepeatList out;
    FEEDBACK_TRY(each_row(*stmt, [&](const Statement& row) {
        const bool same_customer = !row.is_null(2) && row.column_int64(2) <= *window;
        out.rows.push_back({row.column_text(0), row.column_text(same_customer ? 1 : 3),
                            same_customer ? "same_customer" : "same_product_and_category"});
    }));
    out.total = static_cast<int64_t>(out.rows.size());
    if (newest && out.total == *newest) {
        auto total = repeat_count(db, filter, *window);
        FEEDBACK_TRY(total);
        out.total = *total;
    }
    return out;
}

Result<Learning> learning(Database& db, const Filter& filter, int64_t repeat_window_ms,
                          std::optional<int64_t> newest_repeats)
{
    auto period = checked_period(filter.period);
    FEEDBACK_TRY(period);
    FEEDBACK_TRY(checked_window(repeat_window_ms));
    Learning out;

    auto top = [&](std::string_view column, std::vector<CountRow>& rows) -> Result<void> {
        auto counts = complaints_by(db, filter, column);
        FEEDBACK_TRY(counts);
        for (const KeyedCount& count : *counts)
            if (!count.key.empty())
                rows.push_back({count.key, count.complaints});
        return {};
    };
    FEEDBACK_TRY(top("category", out.top_categories));
    FEEDBACK_TRY(top("root_cause", out.top_root_causes));

    auto repeats = repeat_complaints(db, filter, repeat_window_ms, newest_repeats);
    FEEDBACK_TRY(repeats);
    out.repeats = std::move(*repeats);

    Sql effects("SELECT a.complaint_id, a.action_id, c.category, a.planned_at, ");
    std::string effect_window = effects.arg(repeat_window_ms);
    // In the store's own time, as the period: one store's wall clock, so the
    // index on (store_code, category, opened_local) alone counts them.
    auto around = [&](const std::string& from, const std::string& to) {
        return "(SELECT count(*) FROM dashboard_complaints AS x WHERE x.store_code = c.store_code "
               "AND x.category = c.category AND x.opened_local >= " +
               from + " AND x.opened_local < " + to + ")";
    };
    effects += around("a.planned_local - " + effect_window, "a.planned_local") + ", " +
               around("a.planned_local", "a.planned_local + " + effect_window) +
               " FROM dashboard_actions AS a JOIN dashboard_complaints AS c ON c.complaint_id = a.complaint_id WHERE ";
    effects.filter(*period, "", "planned_local", "a");
    if (!filter.store_code.empty())
        effects += " AND c.store_code = " + effects.arg(filter.store_code);
    effects += " ORDER BY a.planned_at, a.action_id";
    auto effect_stmt = effects.prepare(db);
    FEEDBACK_TRY(effect_stmt);
    FEEDBACK_TRY(each_row(*effect_stmt, [&](const Statement& row) {
        out.action_effects.push_back({row.column_text(0), row.column_text(1), row.column_text(2), row.column_int64(3),
                                      row.column_int64(4), row.column_int64(5)});
    }));
    return out;
}

} // namespace feedback::hq::dashboard
