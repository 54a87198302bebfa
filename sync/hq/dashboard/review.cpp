// The management review's figures (review.h): the read model's complaints,
// actions and ratings queried per period and store (the times in working
// hours the projector works out per complaint and counts per week), and the search in the
// comments the projector keeps searchable (FTS5 on SQLite, a text-search
// index on PostgreSQL).
#include "hq/dashboard/review.h"

#include "hq/dashboard/query_kit.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace feedback::hq::dashboard {

namespace {

constexpr int64_t repeat_window_ms = 90LL * 24 * 60 * 60 * 1000;

Result<std::vector<CountRow>> counts_by(Database& db, const Filter& filter, std::string_view column)
{
    auto counts = complaints_by(db, filter, column);
    FEEDBACK_TRY(counts);
    std::vector<CountRow> rows;
    for (const KeyedCount& count : *counts)
        rows.push_back({count.key, count.complaints});
    return rows;
}

// The working hours the projector worked out per complaint (a column in
// ms), over the complaints of the filter where it is set, to the tenth of an
// hour as the page shows them: median and p90 by nearest rank. For the
// chain, whole weeks are read from dashboard_working_time_weeks (complaints
// per tenth), the days at either end from the complaints, rounded the same
// way (projector.cpp's tenths_of_hour).
Result<Spread> spread_of(Database& db, const Period& period, const Filter& filter, std::string_view column)
{
    const std::string name(column);
    std::map<int64_t, int64_t> tenths; // tenths of an hour -> complaints
    auto add = [&](Sql& sql) -> Result<void> {
        auto stmt = sql.prepare(db);
        FEEDBACK_TRY(stmt);
        return each_row(*stmt, [&](const Statement& row) { tenths[row.column_int64(0)] += row.column_int64(1); });
    };
    auto from_complaints = [&](const Period& part) -> Result<void> {
        if (part.to_ms <= part.from_ms)
            return {};
        Sql sql("SELECT (" + name + " + 180000) / 360000, count(*) FROM dashboard_complaints WHERE ");
        sql.filter(part, filter.store_code, "opened_local");
        sql += " AND " + name + " IS NOT NULL GROUP BY 1";
        return add(sql);
    };
    FEEDBACK_TRY(read_by_weeks(period, filter.store_code.empty(), from_complaints, [&](const Period& weeks) {
        Sql sql("SELECT tenths, sum(complaints) FROM dashboard_working_time_weeks WHERE measure = ");
        sql += sql.arg(name) + " AND ";
        sql.filter(weeks, "", "week_start");
        sql += " GROUP BY 1";
        return add(sql);
    }));
    Spread out;
    for (const auto& [value, count] : tenths)
        out.count += count;
    auto hours = [](std::optional<int64_t> tenth) {
        return tenth ? std::optional<double>(static_cast<double>(*tenth) / 10.0) : std::nullopt;
    };
    out.median_hours = hours(nearest_rank(tenths, 0.5));
    out.p90_hours = hours(nearest_rank(tenths, 0.9));
    return out;
}

} // namespace

std::optional<int64_t> nearest_rank(const std::map<int64_t, int64_t>& counts, double p)
{
    int64_t total = 0;
    for (const auto& [value, count] : counts)
        total += count;
    if (total <= 0)
        return std::nullopt;
    const auto rank = std::clamp<int64_t>(static_cast<int64_t>(std::ceil(p * static_cast<double>(total))), 1, total);
    int64_t seen = 0;
    for (const auto& [value, count] : counts) {
        seen += count;
        if (seen >= rank)
            return value;
    }
    return counts.rbegin()->first;
}

Result<Review> review(Database& db, const Filter& filter, int64_t now_ms)
{
    auto period = checked_period(filter.period);
    FEEDBACK_TRY(period);
    Review out;
    auto overview_figures = overview(db, filter, now_ms);
    FEEDBACK_TRY(overview_figures);
    out.overview = std::move(*overview_figures);

    auto channels = counts_by(db, filter, "channel");
    FEEDBACK_TRY(channels);
    out.by_channel = std::move(*channels);
    auto categories = counts_by(db, filter, "category");
    FEEDBACK_TRY(categories);
    out.by_category = std::move(*categories);

    auto first_answer = spread_of(db, *period, filter, "answer_working_ms");
    FEEDBACK_TRY(first_answer);
    out.first_answer = *first_answer;
    auto resolution = spread_of(db, *period, filter, "resolution_working_ms");
    FEEDBACK_TRY(resolution);
    out.resolution = *resolution;

    out.escalated = out.overview.complaints.escalated;
    out.reopened = out.overview.complaints.reopened;
    out.escalation_rate = share(out.escalated, out.overview.complaints.opened);
    out.reopen_rate = share(out.reopened, out.overview.complaints.opened);

    auto remedies = complaints_by(db, filter, "resolution");
    FEEDBACK_TRY(remedies);
    for (const KeyedCount& remedy : *remedies)
        if (!remedy.key.empty())
            out.remedies.push_back({remedy.key, remedy.complaints, remedy.amount_cents});

    auto promises = promise_measures(db, filter, now_ms);
    FEEDBACK_TRY(promises);
    out.promises = std::move(*promises);
    auto repeats = repeat_count(db, filter, repeat_window_ms);
    FEEDBACK_TRY(repeats);
    out.repeats = *repeats;

    // The complaint's store only matters for one store's review (for the
    // chain, the join looked up every action's complaint: 90 ms at 5,000).
    const bool one_store = !filter.store_code.empty();
    Sql actions("SELECT count(*), count(a.checked_at), coalesce(sum(a.effective), 0) FROM dashboard_actions AS a " +
                std::string(one_store ? "JOIN dashboard_complaints AS c ON c.complaint_id = a.complaint_id " : "") +
                "WHERE ");
    actions.filter(*period, "", "planned_local", "a");
    if (one_store)
        actions += " AND c.store_code = " + actions.arg(filter.store_code);
    auto action_stmt = actions.prepare(db);
    FEEDBACK_TRY(action_stmt);
    FEEDBACK_TRY(each_row(*action_stmt, [&](const Statement& row) {
        out.actions_planned = row.column_int64(0);
        out.actions_checked = row.column_int64(1);
        out.actions_effective = row.column_int64(2);
    }));

    // The bands are nps.h's: 9-10 promoter, 7-8 passive, 0-6 detractor; the
    // rows are the scored ratings' reasons, misuse left out (projector.h).
    Sql drivers("SELECT CASE WHEN score >= 9 THEN 'promoter' WHEN score >= 7 THEN 'passive' ELSE 'detractor' END, "
                "reason_id, count(*) FROM dashboard_rating_reasons WHERE ");
    drivers.filter(*period, filter.store_code, "occurred_local");
    drivers += " GROUP BY 1, 2 ORDER BY 3 DESC, 2";
    auto driver_stmt = drivers.prepare(db);
    FEEDBACK_TRY(driver_stmt);
    FEEDBACK_TRY(each_row(*driver_stmt, [&](const Statement& row) {
        out.drivers.push_back({row.column_text(0), row.column_text(1), row.column_int64(2)});
    }));
    // Promoters' reasons first, then passives', then detractors', each most chosen first.
    std::stable_sort(out.drivers.begin(), out.drivers.end(), [](const DriverRow& a, const DriverRow& b) {
        auto order = [](const std::string& band) { return band == "promoter" ? 0 : band == "passive" ? 1 : 2; };
        return order(a.band) < order(b.band);
    });
    return out;
}

Result<std::vector<CommentHit>> search_comments(Database& db, const Filter& filter, std::string_view words,
                                                int64_t limit)
{
    auto period = checked_period(filter.period);
    FEEDBACK_TRY(period);
    const bool sqlite = db.backend() == sql::Backend::sqlite;
    // Each word quoted and made a prefix, so what people type is never the
    // search syntax: FTS5's "word"* (a " inside doubled) on SQLite, the
    // text-search query 'word':* (a ' and a \ inside escaped) on PostgreSQL,
    // all words required on both.
    std::string match;
    for (size_t start = 0; start < words.size();) {
        size_t end = words.find_first_of(" \t", start);
        if (end == std::string_view::npos)
            end = words.size();
        std::string_view word = words.substr(start, end - start);
        if (!word.empty()) {
            const char quote = sqlite ? '"' : '\'';
            std::string quoted(1, quote);
            for (char c : word) {
                if (c == quote)
                    quoted += std::string(2, c);
                else if (!sqlite && c == '\\')
                    quoted += "\\\\";
                else
                    quoted += c;
            }
            match += (match.empty() ? "" : sqlite ? " " : " & ") + quoted + (sqlite ? "\"*" : "':*");
        }
        start = end + 1;
    }
    std::vector<CommentHit> hits;
    if (match.empty())
        return hits;
    Sql sql("SELECT r.rating_id, r.store_code, r.occurred_at, r.score, r.comment FROM dashboard_comment_search AS s "
            "JOIN dashboard_ratings AS r ON r.rating_id = s.rating_id WHERE ");
    // PostgreSQL: the expression of the index dashboard_comment_search_words.
    sql += (sqlite ? "dashboard_comment_search MATCH " : "to_tsvector('simple', s.comment) @@ to_tsquery('simple', ") +
           sql.arg(match) + (sqlite ? " AND " : ") AND ");
    sql.filter(*period, filter.store_code, "occurred_local", "r");
    sql += " AND r.score IS NOT NULL ORDER BY r.occurred_at DESC, r.rating_id LIMIT " + sql.arg(limit);
    auto stmt = sql.prepare(db);
    FEEDBACK_TRY(stmt);
    FEEDBACK_TRY(each_row(*stmt, [&](const Statement& row) {
        hits.push_back({row.column_text(0), row.column_text(1), row.column_int64(2),
                        static_cast<int>(row.column_int64(3)), row.column_text(4)});
    }));
    return hits;
}

} // namespace feedback::hq::dashboard
