// What the dashboard's queries share (analytics.cpp, review.cpp): a period
// cut to the times events can have and at week starts, SQL text built with numbered parameters,
// stepping through rows, shares, and the newest configuration of each store.
// Internal to sync/hq/dashboard/.
#pragma once

#include "config/kiosk_config.h"
#include "domain/validation.h"
#include "hq/dashboard/analytics.h"
#include "hq/dashboard/calendar.h"
#include "sql/connection.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace feedback::hq::dashboard {

// Either backend (sql/connection.h): the dashboard writes its SQL once.
using Database = sql::Connection;
using Statement = sql::Statement;

// The times events can have (validation.h): a period is cut to them, which
// changes no count and bounds the list of weeks.
constexpr int64_t earliest_event_ms = earliest_occurred_at_ms;
constexpr int64_t latest_event_ms = latest_occurred_at_ms;

inline Result<Period> checked_period(const Period& period)
{
    if (period.to_ms < period.from_ms)
        return Error{ErrorKind::invalid_input, "period: to (" + std::to_string(period.to_ms) +
                                                   ") is before from (" + std::to_string(period.from_ms) + ")"};
    Period out{std::max(period.from_ms, earliest_event_ms), std::min(period.to_ms, latest_event_ms)};
    if (out.to_ms < out.from_ms)
        out.to_ms = out.from_ms; // wholly outside: empty
    return out;
}

// `ms` when it is `start` (a day or week start), else the next one after it.
inline int64_t round_up(int64_t ms, int64_t start, int64_t step)
{
    return start == ms ? ms : start + step;
}

// A period cut at week starts: the days before its first whole week, the
// whole weeks (what the per-week tables answer) and the days after them.
// Without a whole week it is all `before`.
struct WeekCut {
    Period before;
    Period weeks;
    Period after;
};

inline WeekCut cut_at_weeks(const Period& period)
{
    const int64_t first_week = round_up(period.from_ms, week_start_of(period.from_ms), ms_per_week);
    const int64_t end_weeks = week_start_of(period.to_ms);
    if (first_week >= end_weeks)
        return {period, {}, {}};
    return {{period.from_ms, first_week}, {first_week, end_weeks}, {end_weeks, period.to_ms}};
}

// A period read the way the per-chain-week tables allow when `chain_weeks`:
// the days at either end from the rows themselves (`from_rows`), the whole
// weeks from a week table (`from_weeks`, called only when there are any);
// otherwise (one store's few rows) all from the rows.
inline Result<void> read_by_weeks(const Period& period, bool chain_weeks,
                                  const std::function<Result<void>(const Period&)>& from_rows,
                                  const std::function<Result<void>(const Period&)>& from_weeks)
{
    if (!chain_weeks)
        return from_rows(period);
    const WeekCut cut = cut_at_weeks(period);
    FEEDBACK_TRY(from_rows(cut.before));
    if (cut.weeks.to_ms > cut.weeks.from_ms)
        FEEDBACK_TRY(from_weeks(cut.weeks));
    return from_rows(cut.after);
}

// SQL text with its parameters numbered in the order they are added, so
// optional conditions can be appended and only used parameters are bound.
class Sql {
public:
    explicit Sql(std::string text) : m_text(std::move(text)) {}

    Sql& operator+=(std::string_view text)
    {
        m_text += text;
        return *this;
    }
    // The placeholder ("?3") of a new parameter.
    std::string arg(int64_t value) { return add(value); }
    std::string arg(std::string value) { return add(std::move(value)); }

    // The complaints (or ratings, with `time` = "occurred_local") of a filter:
    // `time` is a column on the stores' wall clocks, as the period is.
    void filter(const Period& period, const std::string& store_code, std::string_view time,
                std::string_view table = {})
    {
        std::string prefix = table.empty() ? std::string() : std::string(table) + ".";
        m_text += prefix + std::string(time) + " >= " + arg(period.from_ms) + " AND " + prefix + std::string(time) +
                  " < " + arg(period.to_ms);
        if (!store_code.empty())
            m_text += " AND " + prefix + "store_code = " + arg(store_code);
    }

    Result<Statement> prepare(Database& db) const
    {
        auto stmt = db.prepare(m_text);
        FEEDBACK_TRY(stmt);
        for (size_t i = 0; i < m_values.size(); ++i) {
            int index = static_cast<int>(i + 1);
            if (const auto* number = std::get_if<int64_t>(&m_values[i]))
                stmt->bind(index, *number);
            else
                stmt->bind(index, std::get<std::string>(m_values[i]));
        }
        return stmt;
    }

private:
    template <class T>
    std::string add(T value)
    {
        m_values.emplace_back(std::move(value));
        return "?" + std::to_string(m_values.size());
    }

    std::string m_text;
    std::vector<std::variant<int64_t, std::string>> m_values;
};

// Steps through every row, calling `visit` with the statement on each.
inline Result<void> each_row(Statement& stmt, const std::function<void(const Statement&)>& visit)
{
    for (;;) {
        auto row = stmt.step();
        FEEDBACK_TRY(row);
        if (!*row)
            return {};
        visit(stmt);
    }
}

inline std::optional<double> share(int64_t part, int64_t whole)
{
    if (whole <= 0)
        return std::nullopt;
    return static_cast<double>(part) / static_cast<double>(whole);
}

// The newest configuration of every scope, read and validated on demand.
class Configurations {
public:
    static Result<Configurations> load(Database& db)
    {
        auto stmt = db.prepare("SELECT scope, document FROM configs AS c "
                               "WHERE version = (SELECT max(version) FROM configs WHERE scope = c.scope)");
        FEEDBACK_TRY(stmt);
        Configurations out;
        FEEDBACK_TRY(each_row(*stmt, [&](const Statement& row) { out.m_documents[row.column_text(0)] = row.column_text(1); }));
        return out;
    }

    // The store's own document, else "default"; nothing when neither is
    // there or the document does not validate.
    const config::KioskConfig* for_store(const std::string& store_code)
    {
        return parsed(m_documents.contains(store_code) ? store_code : std::string("default"));
    }
    const config::KioskConfig* chain_default() { return parsed("default"); }

private:
    const config::KioskConfig* parsed(const std::string& scope)
    {
        auto it = m_parsed.find(scope);
        if (it == m_parsed.end()) {
            std::optional<config::KioskConfig> config;
            auto document = m_documents.find(scope);
            if (document != m_documents.end()) {
                auto read = config::parse_config(nlohmann::json::parse(document->second, nullptr, false));
                if (read)
                    config = std::move(*read);
            }
            it = m_parsed.emplace(scope, std::move(config)).first;
        }
        return it->second ? &*it->second : nullptr;
    }

    std::map<std::string, std::string> m_documents;
    std::map<std::string, std::optional<config::KioskConfig>> m_parsed;
};

} // namespace feedback::hq::dashboard
