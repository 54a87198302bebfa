// Projects head office's events into the dashboard's read model
// (projector.h): ratings with set-based upserts per chunk (their times on
// the stores' wall clocks worked out here, in C++), complaints by re-folding
// each touched complaint with the fold the terminal uses. The SQL is the
// same on both backends.
#include "hq/dashboard/projector.h"

#include "config/kiosk_config.h"
#include "domain/complaint_fold.h"
#include "domain/nps.h"
#include "hq/dashboard/calendar.h"
#include "hq/dashboard/query_kit.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <variant>
#include <tuple>
#include <vector>

namespace feedback::hq::dashboard {

namespace {

// [SECTION] The stores' rules

// What the projection needs of each store's configuration as head office
// holds it now (the default calendar for a store without one): its promised
// deadline, its working hours and its time zone. Each store's document is
// read and validated once per catch-up.
class StoreRules {
public:
    explicit StoreRules(HqStore& store) : m_store(&store) {}

    // Nothing when the store has no (valid) configuration or no promise
    // names a deadline.
    Result<std::optional<int64_t>> deadline(const std::string& store_code, int64_t opened_at_ms, Severity severity)
    {
        auto config = config_of(store_code);
        FEEDBACK_TRY(config);
        if (!*config)
            return std::optional<int64_t>{};
        return config::complaint_deadline(**config, opened_at_ms, severity);
    }

    // The working hours (in ms) from `from_ms` to `to_ms` in the store's calendar.
    Result<int64_t> working_ms(const std::string& store_code, int64_t from_ms, int64_t to_ms)
    {
        auto calendar = calendar_of(store_code);
        FEEDBACK_TRY(calendar);
        return std::max<int64_t>(0, config::working_time_between(**calendar, from_ms, to_ms,
                                                                 config::TimeUnit::working_hours));
    }

    // The customer key of a (sealed) contact: opened in memory, normalised
    // (customer_identity) and hashed with head office's key (never the
    // contact itself); nothing when it has no e-mail or phone, or does not
    // open (a key file hq.json no longer names: no repeat is found then).
    Result<std::optional<std::string>> customer_key(const nlohmann::json& contact)
    {
        auto opened = m_store->open_contact(contact);
        if (!opened)
            return opened.error().kind == ErrorKind::busy ? Result<std::optional<std::string>>(opened.error())
                                                          : std::optional<std::string>{};
        std::string identity = customer_identity(*opened);
        if (identity.empty())
            return std::optional<std::string>{};
        auto keys = m_store->keyring();
        if (!keys)
            return std::optional<std::string>{};
        return std::optional<std::string>((*keys)->pseudonym(identity));
    }

    // `utc_ms` on the store's wall clock (TimeZone::wall_clock_ms).
    Result<int64_t> local_ms(const std::string& store_code, int64_t utc_ms)
    {
        auto calendar = calendar_of(store_code);
        FEEDBACK_TRY(calendar);
        return (*calendar)->zone.wall_clock_ms(utc_ms);
    }

private:
    Result<const config::KioskConfig*> config_of(const std::string& store_code)
    {
        auto it = m_configs.find(store_code);
        if (it == m_configs.end()) {
            auto document = m_store->config_for(store_code);
            FEEDBACK_TRY(document);
            std::optional<config::KioskConfig> parsed;
            if (*document) {
                auto config = config::parse_config((*document)->document);
                if (config)
                    parsed = std::move(*config);
            }
            it = m_configs.emplace(store_code, std::move(parsed)).first;
        }
        return it->second ? &*it->second : nullptr;
    }

    Result<const config::StoreCalendar*> calendar_of(const std::string& store_code)
    {
        if (auto known = m_calendars.find(store_code); known != m_calendars.end())
            return known->second;
        auto config = config_of(store_code);
        FEEDBACK_TRY(config);
        if (!*config && !m_default_calendar) {
            auto calendar = config::default_store_calendar();
            FEEDBACK_TRY(calendar);
            m_default_calendar = std::move(*calendar);
        }
        const config::StoreCalendar* calendar = *config ? &(*config)->calendar : &*m_default_calendar;
        m_calendars.emplace(store_code, calendar);
        return calendar;
    }

    HqStore* m_store;
    std::map<std::string, std::optional<config::KioskConfig>> m_configs;
    std::optional<config::StoreCalendar> m_default_calendar;
    std::map<std::string, const config::StoreCalendar*, std::less<>> m_calendars; // into the two above
};


using sql::Transaction;

// [SECTION] Ratings: the events of a chunk, seq in (?1, ?2]

// One nps.rated of a chunk, with its time on the store's wall clock.
struct Rated {
    std::string rating_id;
    std::string store_code;
    std::string device_id;
    int64_t occurred_at = 0;
    int64_t occurred_local = 0;
    std::optional<int64_t> score;
    bool misuse = false;
};

Result<std::vector<Rated>> chunk_ratings(Database& db, StoreRules& rules, int64_t after, int64_t last)
{
    const sql::Dialect dialect = db.dialect();
    auto stmt = db.cached("SELECT id, store_code, device_id, occurred_at, CAST(" +
                          dialect.json_text("body", "payload.score") + " AS BIGINT), " +
                          dialect.json_text("body", "payload.misuse") +
                          " FROM events WHERE seq > ?1 AND seq <= ?2 AND type = 'nps.rated' ORDER BY seq");
    FEEDBACK_TRY(stmt);
    (*stmt)->bind(1, after).bind(2, last);
    std::vector<Rated> rows;
    FEEDBACK_TRY(each_row(**stmt, [&](const Statement& row) {
        rows.push_back({row.column_text(0), row.column_text(1), row.column_text(2), row.column_int64(3), 0,
                        row.column_optional_int64(4), !row.is_null(5)});
    }));
    for (Rated& rated : rows) {
        auto local = rules.local_ms(rated.store_code, rated.occurred_at);
        FEEDBACK_TRY(local);
        rated.occurred_local = *local;
    }
    return rows;
}

// The columns insert_ratings_sql() writes for each rating.
constexpr size_t rating_columns = 8;

// INSERT of `count` dashboard_ratings rows; a detail that came first made
// the row, and the rating fills it in.
std::string insert_ratings_sql(size_t count)
{
    constexpr size_t columns = rating_columns;
    std::string sql = "INSERT INTO dashboard_ratings(rating_id, store_code, device_id, occurred_at, occurred_local, "
                      "week_start, score, misuse) VALUES ";
    for (size_t row = 0; row < count; ++row) {
        sql += row == 0 ? "(" : ", (";
        for (size_t column = 1; column <= columns; ++column)
            sql += (column == 1 ? "?" : ", ?") + std::to_string(row * columns + column);
        sql += ")";
    }
    return sql + " ON CONFLICT(rating_id) DO UPDATE SET store_code = excluded.store_code, "
                 "device_id = excluded.device_id, occurred_at = excluded.occurred_at, "
                 "occurred_local = excluded.occurred_local, week_start = excluded.week_start, "
                 "score = excluded.score, misuse = excluded.misuse";
}

// Many rows per statement: one round trip for each on PostgreSQL.
Result<void> upsert_ratings(Database& db, const std::vector<Rated>& rows)
{
    constexpr size_t rows_per_statement = 100;
    for (size_t first = 0; first < rows.size(); first += rows_per_statement) {
        size_t count = std::min(rows_per_statement, rows.size() - first);
        // The full statement is kept; a chunk's shorter rest is made once.
        std::optional<Statement> rest;
        Statement* stmt = nullptr;
        if (count == rows_per_statement) {
            auto cached = db.cached(insert_ratings_sql(count));
            FEEDBACK_TRY(cached);
            stmt = *cached;
        } else {
            auto prepared = db.prepare(insert_ratings_sql(count));
            FEEDBACK_TRY(prepared);
            stmt = &rest.emplace(std::move(*prepared));
        }
        for (size_t i = 0; i < count; ++i) {
            const Rated& rated = rows[first + i];
            int base = static_cast<int>(i * rating_columns);
            stmt->bind(base + 1, rated.rating_id)
                .bind(base + 2, rated.store_code)
                .bind(base + 3, rated.device_id)
                .bind(base + 4, rated.occurred_at)
                .bind(base + 5, rated.occurred_local)
                .bind(base + 6, week_start_of(rated.occurred_local))
                .bind(base + 7, rated.score)
                .bind(base + 8, int64_t{rated.misuse ? 1 : 0});
        }
        FEEDBACK_TRY(stmt->run());
    }
    return {};
}

// A key column of a table of counters and its value.
using CounterKey = std::pair<std::string_view, std::variant<std::string, int64_t>>;

// Adds `values` to the counters `columns` of `table`'s row with primary key
// `keys`, making the row when there is none.
Result<void> add_to_counters(Database& db, std::string_view table, const std::vector<CounterKey>& keys,
                             const std::vector<std::string_view>& columns, const std::vector<int64_t>& values)
{
    const std::string name(table);
    std::string key_list;
    std::string insert_columns;
    std::string placeholders;
    int placeholder = 0;
    for (const auto& [column, value] : keys) {
        key_list += (key_list.empty() ? "" : ", ") + std::string(column);
        placeholders += (placeholders.empty() ? "?" : ", ?") + std::to_string(++placeholder);
    }
    insert_columns = key_list;
    std::string update;
    for (std::string_view counter : columns) {
        const std::string column(counter);
        insert_columns += ", " + column;
        placeholders += ", ?" + std::to_string(++placeholder);
        update += (update.empty() ? "" : ", ") + column + " = " + name + "." + column + " + excluded." + column;
    }
    auto add = db.cached("INSERT INTO " + name + "(" + insert_columns + ") VALUES (" + placeholders +
                         ") ON CONFLICT(" + key_list + ") DO UPDATE SET " + update);
    FEEDBACK_TRY(add);
    int index = 0;
    for (const auto& [column, value] : keys)
        std::visit([&](const auto& v) { (*add)->bind(++index, v); }, value);
    for (int64_t value : values)
        (*add)->bind(++index, value);
    return (*add)->run();
}

// Each nps.rated is projected exactly once (ids are unique and the cursor
// moves in the same transaction), so the day and week counts (the store's
// days and weeks, misuse left out, nps_band()'s bands) can be added to.
Result<void> add_nps_counts(Database& db, const std::vector<Rated>& rows)
{
    std::map<std::pair<std::string, int64_t>, NpsSummary> days;
    std::map<std::pair<std::string, int64_t>, NpsSummary> weeks;
    std::map<int64_t, NpsSummary> chain_weeks;
    for (const Rated& rated : rows)
        if (!rated.misuse && rated.score && *rated.score >= 0 && *rated.score <= 10) {
            const int score = static_cast<int>(*rated.score);
            const int64_t week = week_start_of(rated.occurred_local);
            days[{rated.store_code, day_start_of(rated.occurred_local)}].add(score);
            weeks[{rated.store_code, week}].add(score);
            chain_weeks[week].add(score);
        }
    auto add_to = [&](std::string_view table, std::string_view start_column,
                      const std::map<std::pair<std::string, int64_t>, NpsSummary>& counts) -> Result<void> {
        for (const auto& [key, summary] : counts)
            FEEDBACK_TRY(add_to_counters(db, table, {{"store_code", key.first}, {start_column, key.second}},
                                         {"promoters", "passives", "detractors"},
                                         {summary.promoters, summary.passives, summary.detractors}));
        return {};
    };
    FEEDBACK_TRY(add_to("dashboard_nps_days", "day_start", days));
    FEEDBACK_TRY(add_to("dashboard_nps_weeks", "week_start", weeks));
    for (const auto& [week, summary] : chain_weeks)
        FEEDBACK_TRY(add_to_counters(db, "dashboard_nps_chain_weeks", {{"week_start", week}},
                                     {"promoters", "passives", "detractors"},
                                     {summary.promoters, summary.passives, summary.detractors}));
    return {};
}

// The chunk's events of `type` that are the last of their rating in the
// chunk (occurred_at, then event id): one row per rating, as an upsert on
// PostgreSQL must have, and the row the upsert would keep anyway.
std::string last_of_each_rating(std::string_view type)
{
    return "FROM events AS e WHERE e.seq > ?1 AND e.seq <= ?2 AND e.type = '" + std::string(type) +
           "' AND NOT EXISTS (SELECT 1 FROM events AS o WHERE o.seq > ?1 AND o.seq <= ?2 AND o.type = e.type "
           "AND o.subject = e.subject AND (o.occurred_at, o.id) > (e.occurred_at, e.id))";
}

// The last detail wins (occurred_at, then event id), whatever the arrival
// order; a detail that comes before its rating makes a row the rating fills in.
std::string detailed_sql(const sql::Dialect& dialect)
{
    // A JSON true reads as 1 on SQLite and "true" on PostgreSQL.
    return "INSERT INTO dashboard_ratings(rating_id, store_code, device_id, reason_ids, comment, contact_given, "
           "                              detailed_at, detail_event_id) "
           "SELECT e.subject, e.store_code, e.device_id, coalesce(" +
           dialect.json_text("e.body", "payload.reason_ids") + ", '[]'), coalesce(" +
           dialect.json_text("e.body", "payload.comment") + ", ''), CASE WHEN CAST(" +
           dialect.json_text("e.body", "payload.contact.consent") +
           " AS TEXT) IN ('1', 'true') THEN 1 ELSE 0 END, e.occurred_at, e.id " + last_of_each_rating("nps.detailed") +
           " ON CONFLICT(rating_id) DO UPDATE SET reason_ids = excluded.reason_ids, comment = excluded.comment, "
           "  contact_given = excluded.contact_given, detailed_at = excluded.detailed_at, "
           "  detail_event_id = excluded.detail_event_id "
           "WHERE dashboard_ratings.detailed_at IS NULL "
           "   OR (excluded.detailed_at, excluded.detail_event_id) > "
           "      (dashboard_ratings.detailed_at, dashboard_ratings.detail_event_id)";
}

// The comment search (FTS5 on SQLite, a table with a text-search index on
// PostgreSQL) holds each rating's comment as its last detail says: the
// chunk's detailed ratings are taken out and put back.
constexpr const char* comment_search_removed_sql =
    "DELETE FROM dashboard_comment_search WHERE rating_id IN "
    "(SELECT subject FROM events WHERE seq > ?1 AND seq <= ?2 AND type = 'nps.detailed')";
constexpr const char* comment_search_added_sql =
    "INSERT INTO dashboard_comment_search(rating_id, comment) SELECT rating_id, comment FROM dashboard_ratings "
    "WHERE comment <> '' AND rating_id IN "
    "(SELECT subject FROM events WHERE seq > ?1 AND seq <= ?2 AND type = 'nps.detailed')";

// Each rating's reasons as rows (dashboard_rating_reasons), once its score,
// time and reasons are all known and it is no misuse: the chunk's rated and
// detailed ratings are taken out and put back from their rows.
constexpr const char* chunk_rating_ids =
    "(SELECT CASE WHEN type = 'nps.rated' THEN id ELSE subject END FROM events "
    "WHERE seq > ?1 AND seq <= ?2 AND type IN ('nps.rated', 'nps.detailed'))";

std::string reasons_removed_sql()
{
    return "DELETE FROM dashboard_rating_reasons WHERE rating_id IN " + std::string(chunk_rating_ids);
}

std::string reasons_added_sql(const sql::Dialect& dialect)
{
    return "INSERT INTO dashboard_rating_reasons(rating_id, reason_id, store_code, occurred_local, score) "
           "SELECT DISTINCT r.rating_id, j.value, r.store_code, r.occurred_local, r.score FROM dashboard_ratings AS r, " +
           dialect.json_array_items("r.reason_ids", "j") + " WHERE r.rating_id IN " + chunk_rating_ids +
           " AND r.reason_ids <> '[]' AND r.misuse = 0 AND r.score IS NOT NULL AND r.occurred_local IS NOT NULL";
}

std::string followed_up_sql(const sql::Dialect& dialect)
{
    return "INSERT INTO dashboard_ratings(rating_id, store_code, device_id, follow_up_outcome, followed_up_at, "
           "                              follow_up_event_id) "
           "SELECT e.subject, e.store_code, e.device_id, coalesce(" +
           dialect.json_text("e.body", "payload.outcome") + ", ''), e.occurred_at, e.id " +
           last_of_each_rating("nps.followed_up") +
           " ON CONFLICT(rating_id) DO UPDATE SET follow_up_outcome = excluded.follow_up_outcome, "
           "  followed_up_at = excluded.followed_up_at, follow_up_event_id = excluded.follow_up_event_id "
           "WHERE dashboard_ratings.followed_up_at IS NULL "
           "   OR (excluded.followed_up_at, excluded.follow_up_event_id) > "
           "      (dashboard_ratings.followed_up_at, dashboard_ratings.follow_up_event_id)";
}

// [SECTION] Complaints

struct ComplaintEvent {
    Event event;
    std::string store_code; // events.store_code
};

Result<std::vector<ComplaintEvent>> complaint_events(Database& db, const std::string& complaint_id)
{
    auto stmt = db.cached("SELECT store_code, body FROM events WHERE subject = ?1 AND type LIKE 'complaint.%'");
    FEEDBACK_TRY(stmt);
    (*stmt)->bind(1, complaint_id);
    std::vector<ComplaintEvent> events;
    for (;;) {
        auto row = (*stmt)->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        // Head office stored only events that parsed and validated.
        auto event = event_from_json(nlohmann::json::parse((*stmt)->column_text(1), nullptr, false));
        if (event)
            events.push_back({std::move(*event), (*stmt)->column_text(0)});
    }
    std::sort(events.begin(), events.end(),
              [](const ComplaintEvent& a, const ComplaintEvent& b) { return fold_order_less(a.event, b.event); });
    return events;
}

// Where a complaint stands in the dashboard's list (complaints(): highest
// rank first, then newest): safety 2, high 1, the others 0, as migration 15
// set it.
int64_t severity_rank(Severity severity)
{
    return severity == Severity::safety ? 2 : severity == Severity::high ? 1 : 0;
}

std::optional<int64_t> as_optional_bool(std::optional<bool> value)
{
    return value ? std::optional<int64_t>(*value ? 1 : 0) : std::nullopt;
}

// What one complaint adds to its store's week (of opened_local) in
// dashboard_complaint_weeks: the counters of complaint_week_counters, in
// order, as migration 15 sums them from dashboard_complaints.
const std::vector<std::string_view> complaint_week_counters = {
    "opened",             "open_now",        "closed_resolved",    "resolved_on_the_spot",
    "solved_on_the_spot", "handling_scores", "handling_score_sum", "satisfied_answers",
    "satisfied",          "escalated",       "reopened"};

// And to the chain's week in dashboard_complaint_week_keys: one complaint
// (and its remedy's amount) under its value of each of these columns.
const std::vector<std::string_view> complaint_key_columns = {"channel", "category", "root_cause", "resolution"};

// What of a complaint's row the counters are taken from.
struct ComplaintFacts {
    std::string store_code;
    std::optional<int64_t> opened_local; // nothing: not opened yet, counted nowhere
    std::string status;
    std::string close_outcome;
    bool solved_on_the_spot = false;
    std::optional<int64_t> handling_score;
    std::optional<int64_t> satisfied; // 0 or 1
    bool escalated = false;
    int64_t reopen_count = 0;
    std::vector<std::string> keys; // the values of complaint_key_columns, in order
    int64_t amount_cents = 0;
    std::optional<int64_t> answer_working_ms;
    std::optional<int64_t> resolution_working_ms;
    std::optional<int64_t> repeat_gap_ms; // to the nearest earlier complaint of its customer or product
};

// The working hours of a complaint, to the tenth as the review shows them
// (dashboard_working_time_weeks.tenths; migration 16 rounds the same way).
int64_t tenths_of_hour(int64_t working_ms)
{
    return (working_ms + 180'000) / 360'000;
}

// The days, rounded up, between a complaint and its nearest earlier one
// (dashboard_repeat_weeks.gap_days): within a window of n whole days when
// at most n.
int64_t gap_days(int64_t gap_ms)
{
    return (gap_ms + ms_per_day - 1) / ms_per_day;
}

// The nearer of a complaint's two earlier ones (nothing when neither).
std::optional<int64_t> nearer_gap(std::optional<int64_t> customer_gap_ms, std::optional<int64_t> product_gap_ms)
{
    if (!customer_gap_ms || !product_gap_ms)
        return customer_gap_ms ? customer_gap_ms : product_gap_ms;
    return std::min(*customer_gap_ms, *product_gap_ms);
}

std::vector<int64_t> week_counts(const ComplaintFacts& facts)
{
    const bool closed = facts.status == to_string(ComplaintStatus::closed);
    const bool resolved = closed && facts.close_outcome == "resolved";
    return {1,
            closed ? 0 : 1,
            resolved ? 1 : 0,
            resolved && facts.solved_on_the_spot ? 1 : 0,
            facts.solved_on_the_spot ? 1 : 0,
            facts.handling_score ? 1 : 0,
            facts.handling_score.value_or(0),
            facts.satisfied ? 1 : 0,
            facts.satisfied.value_or(0),
            facts.escalated ? 1 : 0,
            facts.reopen_count > 0 ? 1 : 0};
}

// The changes a chunk's re-folded complaints make to the week tables,
// summed per row and written once at the chunk's end (a complaint's events
// often fall in one chunk; a chain's week is touched by most complaints).
class WeekDeltas {
public:
    // What the complaint's old row added is taken off (sign -1), what its
    // new one adds is put on (+1).
    void add(const ComplaintFacts& facts, int64_t sign)
    {
        if (!facts.opened_local)
            return;
        const int64_t week = week_start_of(*facts.opened_local);
        const std::vector<int64_t> counts = week_counts(facts);
        add_to(m_weeks[{facts.store_code, week}], counts, sign);
        add_to(m_chain_weeks[week], counts, sign);
        for (size_t i = 0; i < complaint_key_columns.size(); ++i)
            add_to(m_keys[{week, std::string(complaint_key_columns[i]), facts.keys[i]}], {1, facts.amount_cents},
                   sign);
        if (facts.answer_working_ms)
            add_to(m_times[{week, "answer_working_ms", tenths_of_hour(*facts.answer_working_ms)}], {1}, sign);
        if (facts.resolution_working_ms)
            add_to(m_times[{week, "resolution_working_ms", tenths_of_hour(*facts.resolution_working_ms)}], {1}, sign);
        add_repeat(facts.opened_local, facts.repeat_gap_ms, sign);
    }

    // A complaint's nearest earlier one, alone: when a complaint before it
    // came or went.
    void add_repeat(std::optional<int64_t> opened_local, std::optional<int64_t> repeat_gap_ms, int64_t sign)
    {
        if (opened_local && repeat_gap_ms)
            add_to(m_repeats[{week_start_of(*opened_local), gap_days(*repeat_gap_ms)}], {1}, sign);
    }

    // Rows a complaint left (its counters back at 0) go, so the tables hold
    // what summing the complaints gives.
    Result<void> write(Database& db) const
    {
        for (const auto& [key, counts] : m_weeks)
            FEEDBACK_TRY(write_row(db, "dashboard_complaint_weeks", {{"store_code", key.first}, {"week_start", key.second}},
                                   complaint_week_counters, counts));
        for (const auto& [week, counts] : m_chain_weeks)
            FEEDBACK_TRY(write_row(db, "dashboard_complaint_chain_weeks", {{"week_start", week}}, complaint_week_counters,
                                   counts));
        for (const auto& [key, counts] : m_keys)
            FEEDBACK_TRY(write_row(db, "dashboard_complaint_week_keys",
                                   {{"week_start", std::get<0>(key)},
                                    {"key_column", std::get<1>(key)},
                                    {"key_value", std::get<2>(key)}},
                                   {"complaints", "amount_cents"}, counts));
        for (const auto& [key, counts] : m_times)
            FEEDBACK_TRY(write_row(db, "dashboard_working_time_weeks",
                                   {{"week_start", std::get<0>(key)},
                                    {"measure", std::string(std::get<1>(key))},
                                    {"tenths", std::get<2>(key)}},
                                   {"complaints"}, counts));
        for (const auto& [key, counts] : m_repeats)
            FEEDBACK_TRY(write_row(db, "dashboard_repeat_weeks", {{"week_start", key.first}, {"gap_days", key.second}},
                                   {"complaints"}, counts));
        return {};
    }

private:
    // The first counter counts complaints: a row whose count fell may be empty now.
    static Result<void> write_row(Database& db, std::string_view table, const std::vector<CounterKey>& keys,
                                  const std::vector<std::string_view>& columns, const std::vector<int64_t>& counts)
    {
        if (!any(counts))
            return {};
        FEEDBACK_TRY(add_to_counters(db, table, keys, columns, counts));
        if (counts.front() >= 0)
            return {};
        std::string where;
        for (size_t i = 0; i < keys.size(); ++i)
            where += std::string(keys[i].first) + " = ?" + std::to_string(i + 1) + " AND ";
        auto remove = db.cached("DELETE FROM " + std::string(table) + " WHERE " + where + std::string(columns.front()) +
                                " = 0");
        FEEDBACK_TRY(remove);
        int index = 0;
        for (const auto& [column, value] : keys)
            std::visit([&](const auto& v) { (*remove)->bind(++index, v); }, value);
        return (*remove)->run();
    }

    static void add_to(std::vector<int64_t>& into, const std::vector<int64_t>& counts, int64_t sign)
    {
        into.resize(counts.size());
        for (size_t i = 0; i < counts.size(); ++i)
            into[i] += sign * counts[i];
    }
    static bool any(const std::vector<int64_t>& counts)
    {
        return std::any_of(counts.begin(), counts.end(), [](int64_t count) { return count != 0; });
    }

    std::map<std::pair<std::string, int64_t>, std::vector<int64_t>> m_weeks;
    std::map<int64_t, std::vector<int64_t>> m_chain_weeks;
    std::map<std::tuple<int64_t, std::string, std::string>, std::vector<int64_t>> m_keys;
    std::map<std::tuple<int64_t, std::string_view, int64_t>, std::vector<int64_t>> m_times;
    std::map<std::pair<int64_t, int64_t>, std::vector<int64_t>> m_repeats;
};

// [SECTION] Repeats: each complaint's nearest earlier one

// What tells a complaint's repeats: its customer, its product and category.
struct RepeatKeys {
    std::optional<std::string> customer_key;
    std::optional<std::string> product_ref;
    std::string category;
};

// The nearest complaint before (or after) the moment (opened_at, then
// complaint id) with the same customer (or product and category).
struct Neighbour {
    std::string complaint_id;
    int64_t opened_at = 0;
};

enum class Side { before, after };
enum class Same { customer, product };

Result<std::optional<Neighbour>> nearest(Database& db, Same same, const RepeatKeys& keys, int64_t opened_at,
                                         const std::string& complaint_id, Side side)
{
    const std::optional<std::string>& key = same == Same::customer ? keys.customer_key : keys.product_ref;
    if (!key)
        return std::optional<Neighbour>{};
    const bool before = side == Side::before;
    const std::string less = before ? " < " : " > ";
    const std::string order = before ? " DESC" : "";
    auto stmt = db.cached("SELECT complaint_id, opened_at FROM dashboard_complaints WHERE " +
                          std::string(same == Same::customer ? "customer_key = ?1" : "product_ref = ?1 AND category = ?4") +
                          " AND (opened_at" + less + "?2 OR (opened_at = ?2 AND complaint_id" + less +
                          "?3)) ORDER BY opened_at" + order + ", complaint_id" + order + " LIMIT 1");
    FEEDBACK_TRY(stmt);
    (*stmt)->bind(1, *key).bind(2, opened_at).bind(3, complaint_id);
    if (same == Same::product)
        (*stmt)->bind(4, keys.category);
    std::optional<Neighbour> found;
    FEEDBACK_TRY(each_row(**stmt, [&](const Statement& row) {
        found = Neighbour{row.column_text(0), row.column_int64(1)};
    }));
    return found;
}

// A complaint's nearest earlier ones, as dashboard_complaints keeps them.
struct RepeatLinks {
    std::optional<std::string> customer_before_id;
    std::optional<int64_t> customer_gap_ms;
    std::optional<std::string> product_before_id;
    std::optional<int64_t> product_gap_ms;
    friend bool operator==(const RepeatLinks&, const RepeatLinks&) = default;
    std::optional<int64_t> gap_ms() const { return nearer_gap(customer_gap_ms, product_gap_ms); }
};

Result<RepeatLinks> links_of(Database& db, const RepeatKeys& keys, int64_t opened_at, const std::string& complaint_id)
{
    RepeatLinks links;
    auto customer = nearest(db, Same::customer, keys, opened_at, complaint_id, Side::before);
    FEEDBACK_TRY(customer);
    if (*customer) {
        links.customer_before_id = (*customer)->complaint_id;
        links.customer_gap_ms = opened_at - (*customer)->opened_at;
    }
    auto product = nearest(db, Same::product, keys, opened_at, complaint_id, Side::before);
    FEEDBACK_TRY(product);
    if (*product) {
        links.product_before_id = (*product)->complaint_id;
        links.product_gap_ms = opened_at - (*product)->opened_at;
    }
    return links;
}

// The complaints right after the moment with the same customer or product:
// the ones whose nearest earlier complaint may change when a complaint
// there comes or goes.
Result<void> add_followers(Database& db, const RepeatKeys& keys, int64_t opened_at, const std::string& complaint_id,
                           std::set<std::string>& followers)
{
    for (Same same : {Same::customer, Same::product}) {
        auto next = nearest(db, same, keys, opened_at, complaint_id, Side::after);
        FEEDBACK_TRY(next);
        if (*next)
            followers.insert((*next)->complaint_id);
    }
    return {};
}

// Works out a complaint's nearest earlier ones again, and moves it in the
// repeat weeks when they changed.
Result<void> relink(Database& db, const std::string& complaint_id, WeekDeltas& deltas)
{
    auto stmt = db.cached("SELECT opened_at, opened_local, customer_key, product_ref, category, customer_before_id, "
                          "customer_gap_ms, product_before_id, product_gap_ms FROM dashboard_complaints "
                          "WHERE complaint_id = ?1 AND opened_at IS NOT NULL");
    FEEDBACK_TRY(stmt);
    (*stmt)->bind(1, complaint_id);
    std::optional<int64_t> opened_at;
    std::optional<int64_t> opened_local;
    RepeatKeys keys;
    RepeatLinks was;
    FEEDBACK_TRY(each_row(**stmt, [&](const Statement& row) {
        opened_at = row.column_int64(0);
        opened_local = row.column_optional_int64(1);
        keys = {row.column_optional_text(2), row.column_optional_text(3), row.column_text(4)};
        was = {row.column_optional_text(5), row.column_optional_int64(6), row.column_optional_text(7),
               row.column_optional_int64(8)};
    }));
    if (!opened_at)
        return {};
    auto now = links_of(db, keys, *opened_at, complaint_id);
    FEEDBACK_TRY(now);
    if (*now == was)
        return {};
    auto update = db.cached("UPDATE dashboard_complaints SET customer_before_id = ?2, customer_gap_ms = ?3, "
                            "product_before_id = ?4, product_gap_ms = ?5 WHERE complaint_id = ?1");
    FEEDBACK_TRY(update);
    FEEDBACK_TRY((*update)
                     ->bind(1, complaint_id)
                     .bind(2, now->customer_before_id)
                     .bind(3, now->customer_gap_ms)
                     .bind(4, now->product_before_id)
                     .bind(5, now->product_gap_ms)
                     .run());
    deltas.add_repeat(opened_local, was.gap_ms(), -1);
    deltas.add_repeat(opened_local, now->gap_ms(), 1);
    return {};
}

// A complaint's row as it was projected before: what the week counters
// took from it, and where it stood among its customer's and product's.
struct Projected {
    ComplaintFacts facts;
    std::optional<int64_t> opened_at;
    RepeatKeys keys;
};

// Takes the complaint's row as projected before out (nothing when there was none).
Result<std::optional<Projected>> remove_projected(Database& db, const std::string& complaint_id)
{
    auto stmt = db.cached("DELETE FROM dashboard_complaints WHERE complaint_id = ?1 RETURNING store_code, opened_local, "
                          "status, close_outcome, solved_on_the_spot, handling_score, satisfied, escalated, reopen_count, "
                          "channel, category, root_cause, resolution, coalesce(amount_cents, 0), answer_working_ms, "
                          "resolution_working_ms, customer_gap_ms, product_gap_ms, opened_at, customer_key, product_ref");
    FEEDBACK_TRY(stmt);
    (*stmt)->bind(1, complaint_id);
    std::optional<Projected> projected;
    FEEDBACK_TRY(each_row(**stmt, [&](const Statement& row) {
        ComplaintFacts facts{row.column_text(0),
                               row.column_optional_int64(1),
                               row.column_text(2),
                               row.column_text(3),
                               row.column_int64(4) != 0,
                               row.column_optional_int64(5),
                               row.column_optional_int64(6),
                               row.column_int64(7) != 0,
                               row.column_int64(8),
                               {row.column_text(9), row.column_text(10), row.column_text(11), row.column_text(12)},
                               row.column_int64(13),
                               row.column_optional_int64(14),
                               row.column_optional_int64(15),
                               nearer_gap(row.column_optional_int64(16), row.column_optional_int64(17))};
        projected = Projected{std::move(facts), row.column_optional_int64(18),
                              {row.column_optional_text(19), row.column_optional_text(20), row.column_text(10)}};
    }));
    return projected;
}

// Folds one complaint from all of its events and replaces its row and actions.
Result<void> project_complaint(Database& db, StoreRules& rules, const std::string& complaint_id,
                               WeekDeltas& deltas)
{
    auto events = complaint_events(db, complaint_id);
    FEEDBACK_TRY(events);
    if (events->empty())
        return {};
    std::vector<Event> plain;
    plain.reserve(events->size());
    for (const ComplaintEvent& stored : *events)
        plain.push_back(stored.event);
    ComplaintState state = fold_complaint(plain);

    std::set<std::string> skipped;
    for (const SkippedEvent& skip : state.skipped)
        skipped.insert(skip.event_id);
    // In fold order: the complaint.opened the fold used.
    const ComplaintEvent* opened = nullptr;
    for (const ComplaintEvent& stored : *events) {
        if (skipped.contains(stored.event.id) || stored.event.subject != state.complaint_id)
            continue;
        if (!opened && stored.event.type == EventType::complaint_opened)
            opened = &stored;
    }
    const std::string& store_code = opened ? opened->store_code : events->front().store_code;

    std::optional<std::string> product_ref;
    std::optional<std::string> key;
    if (opened) {
        const nlohmann::json& payload = opened->event.payload;
        auto product = payload.find("product_ref");
        if (product != payload.end() && product->is_string())
            if (auto normal = normalise_product_ref(product->get<std::string>()); !normal.empty())
                product_ref = std::move(normal);
        auto contact = payload.find("contact");
        if (contact != payload.end()) {
            auto customer = rules.customer_key(*contact);
            FEEDBACK_TRY(customer);
            key = std::move(*customer);
        }
    }
    std::optional<int64_t> deadline_at;
    if (state.opened_at) {
        auto deadline = rules.deadline(store_code, *state.opened_at, severity_level(state.severity));
        FEEDBACK_TRY(deadline);
        deadline_at = *deadline;
    }
    // The management review's times, in the store's working hours.
    std::optional<int64_t> answer_working_ms;
    std::optional<int64_t> resolution_working_ms;
    if (state.opened_at && state.answered_at) {
        auto worked = rules.working_ms(store_code, *state.opened_at, *state.answered_at);
        FEEDBACK_TRY(worked);
        answer_working_ms = *worked;
    }
    if (state.opened_at && state.time_to_resolution_ms && state.closed_at) {
        auto worked = rules.working_ms(store_code, *state.opened_at, *state.closed_at);
        FEEDBACK_TRY(worked);
        resolution_working_ms = *worked;
    }
    std::optional<int64_t> opened_local;
    if (state.opened_at) {
        auto local = rules.local_ms(store_code, *state.opened_at);
        FEEDBACK_TRY(local);
        opened_local = *local;
    }
    int64_t actions_checked = std::count_if(state.actions.begin(), state.actions.end(),
                                            [](const PlannedAction& action) { return action.checked_at.has_value(); });
    int64_t actions_open = static_cast<int64_t>(state.actions.size()) - actions_checked;

    // The complaints right after it among its customer's and product's, as
    // it was and as it is now, may have a new nearest earlier one.
    std::set<std::string> followers;
    auto before = remove_projected(db, complaint_id);
    FEEDBACK_TRY(before);
    if (*before) {
        deltas.add((*before)->facts, -1);
        if ((*before)->opened_at)
            FEEDBACK_TRY(add_followers(db, (*before)->keys, *(*before)->opened_at, complaint_id, followers));
    }
    const RepeatKeys keys{key, product_ref, state.category};
    RepeatLinks links;
    if (state.opened_at) {
        auto linked = links_of(db, keys, *state.opened_at, complaint_id);
        FEEDBACK_TRY(linked);
        links = std::move(*linked);
        FEEDBACK_TRY(add_followers(db, keys, *state.opened_at, complaint_id, followers));
    }
    deltas.add({store_code, opened_local, state.status ? std::string(to_string(*state.status)) : std::string(),
                state.close_outcome, state.solved_on_the_spot,
                state.handling_score ? std::optional<int64_t>(*state.handling_score) : std::nullopt,
                as_optional_bool(state.satisfied), state.escalated_at.has_value(), int64_t{state.reopen_count},
                {state.channel, state.category, state.root_cause, state.last_resolution},
                state.amount_cents.value_or(0), answer_working_ms, resolution_working_ms, links.gap_ms()},
               1);
    auto upsert = db.cached(
        "INSERT INTO dashboard_complaints(complaint_id, reference, store_code, status, channel, category, "
        "opened_at, acknowledged_at, first_response_at, closed_at, close_outcome, deadline_at, solved_on_the_spot, "
        "satisfied, handling_score, root_cause, actions_open, actions_checked, product_ref, customer_key, "
        "last_event_at, event_count, severity, owner, escalated, reopen_count, resolution, amount_cents, "
        "answer_working_ms, resolution_working_ms, opened_local, severity_rank, customer_before_id, customer_gap_ms, "
        "product_before_id, product_gap_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
        "?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36)");
    FEEDBACK_TRY(upsert);
    Statement& s = **upsert;
    s.bind(1, complaint_id)
        .bind(2, state.reference)
        .bind(3, store_code)
        .bind(4, state.status ? std::string(to_string(*state.status)) : std::string())
        .bind(5, state.channel)
        .bind(6, state.category)
        .bind(7, state.opened_at)
        .bind(8, state.acknowledged_at)
        .bind(9, state.answered_at)
        .bind(10, state.closed_at)
        .bind(11, state.close_outcome)
        .bind(12, deadline_at)
        .bind(13, int64_t{state.solved_on_the_spot ? 1 : 0})
        .bind(14, as_optional_bool(state.satisfied))
        .bind(15, state.handling_score)
        .bind(16, state.root_cause)
        .bind(17, actions_open)
        .bind(18, actions_checked)
        .bind(19, product_ref)
        .bind(20, key)
        .bind(21, state.last_event_at)
        .bind(22, int64_t{state.event_count})
        .bind(23, state.severity)
        .bind(24, state.owner)
        .bind(25, int64_t{state.escalated_at ? 1 : 0})
        .bind(26, int64_t{state.reopen_count})
        .bind(27, state.last_resolution)
        .bind(28, state.amount_cents)
        .bind(29, answer_working_ms)
        .bind(30, resolution_working_ms)
        .bind(31, opened_local)
        .bind(32, severity_rank(severity_level(state.severity)))
        .bind(33, links.customer_before_id)
        .bind(34, links.customer_gap_ms)
        .bind(35, links.product_before_id)
        .bind(36, links.product_gap_ms);
    FEEDBACK_TRY(s.run());
    followers.erase(complaint_id);
    for (const std::string& follower : followers)
        FEEDBACK_TRY(relink(db, follower, deltas));

    auto clear = db.cached("DELETE FROM dashboard_actions WHERE complaint_id = ?1");
    FEEDBACK_TRY(clear);
    FEEDBACK_TRY((*clear)->bind(1, complaint_id).run());
    if (state.actions.empty())
        return {};
    auto insert = db.cached("INSERT INTO dashboard_actions(complaint_id, action_id, kind, owner, due_at, planned_at, "
                            "checked_at, effective, planned_local) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    FEEDBACK_TRY(insert);
    for (const PlannedAction& action : state.actions) {
        auto planned_local = rules.local_ms(store_code, action.planned_at);
        FEEDBACK_TRY(planned_local);
        FEEDBACK_TRY((*insert)
                         ->bind(1, complaint_id)
                         .bind(2, action.action_id)
                         .bind(3, action.kind)
                         .bind(4, action.owner)
                         .bind(5, action.due_at)
                         .bind(6, action.planned_at)
                         .bind(7, action.checked_at)
                         .bind(8, as_optional_bool(action.effective))
                         .bind(9, *planned_local)
                         .run());
    }
    return {};
}

// [SECTION] Chunks

Result<int64_t> read_cursor(Database& db)
{
    return db.query_int64("SELECT last_seq FROM dashboard_cursor WHERE id = 1");
}

// The cursor, locked until the transaction ends: a second projector (another
// process on PostgreSQL) waits here and then reads where this one left off.
Result<int64_t> lock_cursor(Database& db)
{
    return db.query_int64("SELECT last_seq FROM dashboard_cursor WHERE id = 1" + std::string(db.dialect().for_update()));
}

// Projects up to `limit` events after the cursor in one transaction.
// Returns how many it projected (0: nothing was new).
Result<int64_t> project_chunk(Database& db, StoreRules& rules, int64_t limit, CatchUp& stats)
{
    auto txn = Transaction::begin(db);
    FEEDBACK_TRY(txn);
    // Read inside the transaction: another connection may have moved it.
    auto after = lock_cursor(db);
    FEEDBACK_TRY(after);

    auto chunk = db.cached("SELECT seq, type, subject FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    FEEDBACK_TRY(chunk);
    (*chunk)->bind(1, *after).bind(2, limit);
    int64_t count = 0;
    int64_t last = *after;
    int64_t rated = 0;
    bool detailed = false;
    bool followed_up = false;
    std::set<std::string> complaints;
    for (;;) {
        auto row = (*chunk)->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        ++count;
        last = (*chunk)->column_int64(0);
        auto type = event_type_from_string((*chunk)->column_text(1));
        if (!type)
            continue;
        if (*type == EventType::nps_rated)
            ++rated;
        else if (*type == EventType::nps_detailed)
            detailed = true;
        else if (*type == EventType::nps_followed_up)
            followed_up = true;
        else if (is_complaint_event(*type) && !(*chunk)->is_null(2))
            complaints.insert((*chunk)->column_text(2));
    }
    if (count == 0)
        return int64_t{0};

    auto run_range = [&](const std::string& sql) -> Result<void> {
        auto stmt = db.cached(sql);
        FEEDBACK_TRY(stmt);
        return (*stmt)->bind(1, *after).bind(2, last).run();
    };
    if (rated > 0) {
        auto ratings = chunk_ratings(db, rules, *after, last);
        FEEDBACK_TRY(ratings);
        FEEDBACK_TRY(upsert_ratings(db, *ratings));
        FEEDBACK_TRY(add_nps_counts(db, *ratings));
    }
    if (detailed) {
        FEEDBACK_TRY(run_range(detailed_sql(db.dialect())));
        FEEDBACK_TRY(run_range(comment_search_removed_sql));
        FEEDBACK_TRY(run_range(comment_search_added_sql));
    }
    if (rated > 0 || detailed) {
        FEEDBACK_TRY(run_range(reasons_removed_sql()));
        FEEDBACK_TRY(run_range(reasons_added_sql(db.dialect())));
    }
    if (followed_up)
        FEEDBACK_TRY(run_range(followed_up_sql(db.dialect())));
    // The stores heard of (the dashboard's store choice).
    FEEDBACK_TRY(run_range("INSERT INTO dashboard_stores(store_code) SELECT DISTINCT store_code FROM events "
                           "WHERE seq > ?1 AND seq <= ?2 AND store_code <> '' ON CONFLICT DO NOTHING"));
    WeekDeltas deltas;
    for (const std::string& complaint_id : complaints)
        FEEDBACK_TRY(project_complaint(db, rules, complaint_id, deltas));
    FEEDBACK_TRY(deltas.write(db));

    auto move = db.cached("UPDATE dashboard_cursor SET last_seq = ?1 WHERE id = 1");
    FEEDBACK_TRY(move);
    FEEDBACK_TRY((*move)->bind(1, last).run());
    FEEDBACK_TRY(txn->commit());
    stats.events += count;
    stats.ratings += rated;
    stats.complaint_folds += static_cast<int64_t>(complaints.size());
    stats.cursor = last;
    ++stats.chunks;
    return count;
}

char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string trimmed(std::string_view text)
{
    auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos)
        return {};
    auto last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

} // namespace

// [SECTION] Public functions

Projector::Projector(HqStore& store, int64_t chunk_events)
    : m_store(&store), m_chunk_events(std::max<int64_t>(1, chunk_events))
{
}

Result<int64_t> Projector::cursor() { return read_cursor(m_store->connection()); }

Result<CatchUp> Projector::catch_up(WriterTurns* writer_turns)
{
    Database& db = m_store->connection();
    CatchUp stats;
    auto cursor = read_cursor(db);
    FEEDBACK_TRY(cursor);
    stats.cursor = *cursor;
    // Cheap when nothing is new: max() of the primary key is one index
    // lookup, and no lock is taken.
    auto newest = db.query_int64("SELECT coalesce(max(seq), 0) FROM events");
    FEEDBACK_TRY(newest);
    if (*newest <= *cursor)
        return stats;
    StoreRules rules(*m_store);
    for (;;) {
        std::unique_lock<std::mutex> turn;
        if (writer_turns)
            turn = writer_turns->take();
        auto projected = project_chunk(db, rules, m_chunk_events, stats);
        FEEDBACK_TRY(projected);
        if (*projected < m_chunk_events)
            return stats;
    }
}

std::string customer_identity(const nlohmann::json& contact)
{
    if (!contact.is_object())
        return {};
    auto email = contact.find("email");
    if (email != contact.end() && email->is_string()) {
        std::string normal = trimmed(email->get_ref<const std::string&>());
        std::transform(normal.begin(), normal.end(), normal.begin(), ascii_lower);
        if (!normal.empty())
            return "email:" + normal;
    }
    auto phone = contact.find("phone");
    if (phone != contact.end() && phone->is_string()) {
        std::string text = trimmed(phone->get_ref<const std::string&>());
        std::string digits;
        for (char c : text)
            if (c >= '0' && c <= '9')
                digits.push_back(c);
        if (!digits.empty())
            return "phone:" + std::string(text.starts_with('+') ? "00" : "") + digits;
    }
    return {};
}

std::string normalise_product_ref(const std::string& product_ref)
{
    std::string normal = trimmed(product_ref);
    std::transform(normal.begin(), normal.end(), normal.begin(),
                   [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; });
    return normal;
}

} // namespace feedback::hq::dashboard
