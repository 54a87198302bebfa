// Projects head office's events into the dashboard's read model
// (projector.h): ratings with set-based upserts per chunk, complaints by
// re-folding each touched complaint with the fold the terminal uses.
#include "hq/dashboard/projector.h"

#include "config/kiosk_config.h"
#include "domain/complaint_fold.h"
#include "domain/nps.h"
#include "hq/dashboard/calendar.h"
#include "hq/dashboard/query_kit.h"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

namespace feedback::hq::dashboard {

namespace {

using sqlite::Database;
using sqlite::Statement;
using sqlite::Transaction;

// [SECTION] Ratings: set-based statements over the events (?1, ?2] of a chunk

// The chunk's ratings with their store's wall clock (store_local_ms(), which
// StoreRules registers for the catch-up).
constexpr const char* chunk_ratings_sql =
    "SELECT id, store_code, device_id, occurred_at, store_local_ms(store_code, occurred_at) AS occurred_local, "
    "       json_extract(body, '$.payload.score') AS score, json_extract(body, '$.payload.misuse') AS misuse "
    "FROM events WHERE seq > ?1 AND seq <= ?2 AND type = 'nps.rated'";

std::string rated_sql()
{
    return "INSERT INTO dashboard_ratings(rating_id, store_code, device_id, occurred_at, occurred_local, week_start, "
           "                              score, misuse) "
           "SELECT id, store_code, device_id, occurred_at, occurred_local, " +
           sql_week_start("occurred_local") + ", score, misuse IS NOT NULL FROM (" + chunk_ratings_sql +
           ") WHERE true "
           "ON CONFLICT(rating_id) DO UPDATE SET store_code = excluded.store_code, device_id = excluded.device_id, "
           "occurred_at = excluded.occurred_at, occurred_local = excluded.occurred_local, "
           "week_start = excluded.week_start, score = excluded.score, misuse = excluded.misuse";
}

// The chunk's ratings (misuse left out) counted per store, day (the store's)
// and score; the bands are nps_band()'s, applied in add_day_counts().
std::string rated_scores_sql()
{
    return "SELECT store_code, " + sql_day_start("occurred_local") + " AS day_start, score, count(*) FROM (" +
           chunk_ratings_sql + ") WHERE misuse IS NULL AND score BETWEEN 0 AND 10 GROUP BY 1, 2, 3";
}

// Each nps.rated is projected exactly once (ids are unique and the cursor
// moves in the same transaction), so the day counts can be added to.
Result<void> add_day_counts(Database& db, int64_t after, int64_t last)
{
    auto scores = db.cached(rated_scores_sql());
    FEEDBACK_TRY(scores);
    (*scores)->bind(1, after).bind(2, last);
    std::map<std::pair<std::string, int64_t>, NpsSummary> days;
    for (;;) {
        auto row = (*scores)->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        NpsSummary& counts = days[{(*scores)->column_text(0), (*scores)->column_int64(1)}];
        long ratings = (*scores)->column_int64(3);
        switch (nps_band(static_cast<int>((*scores)->column_int64(2)))) {
        case NpsBand::promoter: counts.promoters += ratings; break;
        case NpsBand::passive: counts.passives += ratings; break;
        case NpsBand::detractor: counts.detractors += ratings; break;
        }
    }
    auto add = db.cached("INSERT INTO dashboard_nps_days(store_code, day_start, promoters, passives, detractors) "
                         "VALUES (?1, ?2, ?3, ?4, ?5) "
                         "ON CONFLICT(store_code, day_start) DO UPDATE SET promoters = promoters + excluded.promoters, "
                         "passives = passives + excluded.passives, detractors = detractors + excluded.detractors");
    FEEDBACK_TRY(add);
    for (const auto& [key, counts] : days)
        FEEDBACK_TRY((*add)
                         ->bind(1, key.first)
                         .bind(2, key.second)
                         .bind(3, int64_t{counts.promoters})
                         .bind(4, int64_t{counts.passives})
                         .bind(5, int64_t{counts.detractors})
                         .run());
    return {};
}

// The last detail wins (occurred_at, then event id), whatever the arrival
// order; a detail that comes before its rating makes a row the rating fills in.
constexpr const char* detailed_sql =
    "INSERT INTO dashboard_ratings(rating_id, store_code, device_id, reason_ids, comment, contact_given, "
    "                              detailed_at, detail_event_id) "
    "SELECT subject, store_code, device_id, coalesce(json_extract(body, '$.payload.reason_ids'), '[]'), "
    "       coalesce(json_extract(body, '$.payload.comment'), ''), "
    "       coalesce(json_extract(body, '$.payload.contact.consent'), 0) = 1, occurred_at, id "
    "FROM events WHERE seq > ?1 AND seq <= ?2 AND type = 'nps.detailed' "
    "ON CONFLICT(rating_id) DO UPDATE SET reason_ids = excluded.reason_ids, comment = excluded.comment, "
    "  contact_given = excluded.contact_given, detailed_at = excluded.detailed_at, "
    "  detail_event_id = excluded.detail_event_id "
    "WHERE dashboard_ratings.detailed_at IS NULL "
    "   OR (excluded.detailed_at, excluded.detail_event_id) > "
    "      (dashboard_ratings.detailed_at, dashboard_ratings.detail_event_id)";

// The comment search (FTS5) holds each rating's comment as its last detail
// says: the chunk's detailed ratings are taken out and put back.
constexpr const char* comment_search_removed_sql =
    "DELETE FROM dashboard_comment_search WHERE rating_id IN "
    "(SELECT subject FROM events WHERE seq > ?1 AND seq <= ?2 AND type = 'nps.detailed')";
constexpr const char* comment_search_added_sql =
    "INSERT INTO dashboard_comment_search(rating_id, comment) SELECT rating_id, comment FROM dashboard_ratings "
    "WHERE comment <> '' AND rating_id IN "
    "(SELECT subject FROM events WHERE seq > ?1 AND seq <= ?2 AND type = 'nps.detailed')";

constexpr const char* followed_up_sql =
    "INSERT INTO dashboard_ratings(rating_id, store_code, device_id, follow_up_outcome, followed_up_at, "
    "                              follow_up_event_id) "
    "SELECT subject, store_code, device_id, coalesce(json_extract(body, '$.payload.outcome'), ''), occurred_at, id "
    "FROM events WHERE seq > ?1 AND seq <= ?2 AND type = 'nps.followed_up' "
    "ON CONFLICT(rating_id) DO UPDATE SET follow_up_outcome = excluded.follow_up_outcome, "
    "  followed_up_at = excluded.followed_up_at, follow_up_event_id = excluded.follow_up_event_id "
    "WHERE dashboard_ratings.followed_up_at IS NULL "
    "   OR (excluded.followed_up_at, excluded.follow_up_event_id) > "
    "      (dashboard_ratings.followed_up_at, dashboard_ratings.follow_up_event_id)";

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

    // Reads the calendars of the stores of the ratings in seq (after, last],
    // so that store_local_ms() finds them without a query of its own.
    Result<void> prepare_rating_stores(Database& db, int64_t after, int64_t last)
    {
        auto stores = db.cached("SELECT DISTINCT store_code FROM events "
                                "WHERE seq > ?1 AND seq <= ?2 AND type = 'nps.rated'");
        FEEDBACK_TRY(stores);
        (*stores)->bind(1, after).bind(2, last);
        std::vector<std::string> codes;
        FEEDBACK_TRY(each_row(**stores, [&](const Statement& row) { codes.push_back(row.column_text(0)); }));
        for (const std::string& code : codes)
            FEEDBACK_TRY(calendar_of(code));
        return {};
    }

    // Makes store_local_ms(store_code, utc_ms) an SQL function of `db` while
    // the returned guard lives: a store's wall clock for the set-based
    // statements, from the calendars prepare_rating_stores() read.
    class SqlFunction {
    public:
        SqlFunction(const SqlFunction&) = delete;
        SqlFunction& operator=(const SqlFunction&) = delete;
        ~SqlFunction()
        {
            sqlite3_create_function_v2(m_db, "store_local_ms", 2, SQLITE_UTF8, nullptr, nullptr, nullptr, nullptr,
                                       nullptr);
        }

    private:
        friend class StoreRules;
        explicit SqlFunction(sqlite3* db) : m_db(db) {}
        sqlite3* m_db;
    };

    Result<std::unique_ptr<SqlFunction>> define_sql_function(Database& db)
    {
        int rc = sqlite3_create_function_v2(db.handle(), "store_local_ms", 2, SQLITE_UTF8, this, &sql_local_ms,
                                            nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK)
            return sqlite::make_error(db.handle(), rc, "defining store_local_ms()");
        return std::unique_ptr<SqlFunction>(new SqlFunction(db.handle()));
    }

private:
    static void sql_local_ms(sqlite3_context* context, int, sqlite3_value** args)
    {
        auto* rules = static_cast<StoreRules*>(sqlite3_user_data(context));
        const auto* code = reinterpret_cast<const char*>(sqlite3_value_text(args[0]));
        auto found = code ? rules->m_calendars.find(code) : rules->m_calendars.end();
        if (found == rules->m_calendars.end()) {
            sqlite3_result_error(context, "store_local_ms: the store's calendar was not prepared", -1);
            return;
        }
        sqlite3_result_int64(context, found->second->zone.wall_clock_ms(sqlite3_value_int64(args[1])));
    }

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

std::optional<int64_t> as_optional_bool(std::optional<bool> value)
{
    return value ? std::optional<int64_t>(*value ? 1 : 0) : std::nullopt;
}

// Folds one complaint from all of its events and replaces its row and actions.
Result<void> project_complaint(Database& db, StoreRules& rules, const std::string& complaint_id)
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

    auto upsert = db.cached(
        "INSERT OR REPLACE INTO dashboard_complaints(complaint_id, reference, store_code, status, channel, category, "
        "opened_at, acknowledged_at, first_response_at, closed_at, close_outcome, deadline_at, solved_on_the_spot, "
        "satisfied, handling_score, root_cause, actions_open, actions_checked, product_ref, customer_key, "
        "last_event_at, event_count, severity, owner, escalated, reopen_count, resolution, amount_cents, "
        "answer_working_ms, resolution_working_ms, opened_local) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
        "?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31)");
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
        .bind(31, opened_local);
    FEEDBACK_TRY(s.run());

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

// Projects up to `limit` events after the cursor in one transaction.
// Returns how many it projected (0: nothing was new).
Result<int64_t> project_chunk(Database& db, StoreRules& rules, int64_t limit, CatchUp& stats)
{
    auto txn = Transaction::begin(db);
    FEEDBACK_TRY(txn);
    // Read inside the transaction: another connection may have moved it.
    auto after = read_cursor(db);
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

    auto run_range = [&](std::string_view sql) -> Result<void> {
        auto stmt = db.cached(sql);
        FEEDBACK_TRY(stmt);
        return (*stmt)->bind(1, *after).bind(2, last).run();
    };
    if (rated > 0) {
        FEEDBACK_TRY(rules.prepare_rating_stores(db, *after, last));
        FEEDBACK_TRY(run_range(rated_sql()));
        FEEDBACK_TRY(add_day_counts(db, *after, last));
    }
    if (detailed) {
        FEEDBACK_TRY(run_range(detailed_sql));
        FEEDBACK_TRY(run_range(comment_search_removed_sql));
        FEEDBACK_TRY(run_range(comment_search_added_sql));
    }
    if (followed_up)
        FEEDBACK_TRY(run_range(followed_up_sql));
    for (const std::string& complaint_id : complaints)
        FEEDBACK_TRY(project_complaint(db, rules, complaint_id));

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

Result<int64_t> Projector::cursor() { return read_cursor(m_store->database()); }

Result<CatchUp> Projector::catch_up(std::mutex* write_lock)
{
    Database& db = m_store->database();
    CatchUp stats;
    auto cursor = read_cursor(db);
    FEEDBACK_TRY(cursor);
    stats.cursor = *cursor;
    // Cheap when nothing is new: max() of the integer primary key is one
    // page lookup, and no write lock is taken.
    auto newest = db.query_int64("SELECT coalesce(max(seq), 0) FROM events");
    FEEDBACK_TRY(newest);
    if (*newest <= *cursor)
        return stats;
    StoreRules rules(*m_store);
    auto local_time_function = rules.define_sql_function(db);
    FEEDBACK_TRY(local_time_function);
    for (;;) {
        std::unique_lock<std::mutex> turn;
        if (write_lock)
            turn = std::unique_lock(*write_lock);
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
