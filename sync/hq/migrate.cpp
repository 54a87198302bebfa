// feedback-hq migrate (migrate.h): hq.db's tables copied into PostgreSQL by
// column name, in one transaction, then counted and hashed on both sides.
// Which tables and columns there are is read from the two schemas, not
// written here; only the read model's tables are named, to leave them out.
//
// Index:
//   [SECTION] Digests
//   [SECTION] Reading rows
//   [SECTION] The plan: tables, columns, order
//   [SECTION] Copying
//   [SECTION] Checking
//   [SECTION] migrate_to_postgresql
#include "migrate.h"

#include "backup.h"
#include "hq_schema.h"
#include "hq_settings.h"
#include "hq_store.h"
#include "sqlite/database.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

namespace feedback::hq {

namespace {

namespace fs = std::filesystem;

// Tables whose row the schema itself makes (hq_schema.cpp: the mail
// planner's cursor): hq.db's row replaces it.
constexpr std::array seeded_tables{"mail_cursor"};

// The PostgreSQL schema's own bookkeeping (its version) and what only
// several processes need (the shared rate limits, which start full), not
// head office's data.
constexpr std::array bookkeeping_tables{"schema_version", "rate_buckets"};

// Rows per INSERT: as many as fit in this many parameters, at most max_rows.
// One statement carries many rows, so a million events take a few thousand
// round trips, not a million.
constexpr size_t max_parameters_per_insert = 20000;
constexpr size_t max_rows_per_insert = 1000;
// Rows a PostgreSQL cursor hands over at a time: its statements hold a whole
// result in memory, so a large table is read in slices.
constexpr int fetch_rows = 5000;

template <size_t n>
bool is_one_of(std::string_view name, const std::array<const char*, n>& names)
{
    return std::any_of(names.begin(), names.end(), [&](const char* listed) { return name == listed; });
}

std::string sql_name(std::string_view identifier)
{
    std::string out = "\"";
    for (char c : identifier) {
        out += c;
        if (c == '"')
            out += '"';
    }
    return out + "\"";
}

Error with_context(const Error& error, const std::string& context)
{
    return Error{error.kind, context + ": " + error.message, error.code};
}

double seconds_since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// [SECTION] Digests

// SHA-256 over a stream of values (libsodium), hex at the end.
class Sha256 {
public:
    Sha256() { crypto_hash_sha256_init(&m_state); }

    void add(std::string_view bytes)
    {
        crypto_hash_sha256_update(&m_state, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    }
    // A value with its length in front, so that no two rows hash alike by
    // where one value ends and the next begins.
    void add_value(std::string_view bytes)
    {
        std::array<char, 9> head{'v'};
        uint64_t length = bytes.size();
        for (size_t i = 1; i < head.size(); ++i, length >>= 8)
            head[i] = static_cast<char>(length & 0xff);
        add(std::string_view(head.data(), head.size()));
        add(bytes);
    }
    void add_null() { add("n"); }

    std::string hex()
    {
        std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
        crypto_hash_sha256_final(&m_state, digest.data());
        std::array<char, 2 * crypto_hash_sha256_BYTES + 1> text{};
        sodium_bin2hex(text.data(), text.size(), digest.data(), digest.size());
        return std::string(text.data(), 2 * crypto_hash_sha256_BYTES);
    }

private:
    crypto_hash_sha256_state m_state{};
};

// The shortest text that reads back as the same double, on either side.
std::string number_text(double value)
{
    std::array<char, 32> buffer{};
    auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    return ec == std::errc() ? std::string(buffer.data(), end) : std::string("?");
}

// [SECTION] Reading rows

using RowVisitor = std::function<Result<void>(const sql::Statement& row)>;

// Calls `visit` with each row of `select`. SQLite steps through its result
// as it goes; a PostgreSQL statement holds its whole result in memory, so
// there the rows come through a cursor, fetch_rows at a time (a cursor lives
// in the open transaction).
Result<void> each_row(sql::Connection& db, const std::string& select, const RowVisitor& visit)
{
    if (db.backend() == sql::Backend::sqlite) {
        auto statement = db.prepare(select);
        FEEDBACK_TRY(statement);
        for (;;) {
            auto row = statement->step();
            FEEDBACK_TRY(row);
            if (!*row)
                return {};
            FEEDBACK_TRY(visit(*statement));
        }
    }
    FEEDBACK_TRY(db.exec("DECLARE migrate_rows NO SCROLL CURSOR FOR " + select));
    for (;;) {
        auto fetch = db.prepare("FETCH FORWARD " + std::to_string(fetch_rows) + " FROM migrate_rows");
        FEEDBACK_TRY(fetch);
        int got = 0;
        for (;;) {
            auto row = fetch->step();
            FEEDBACK_TRY(row);
            if (!*row)
                break;
            ++got;
            FEEDBACK_TRY(visit(*fetch));
        }
        if (got < fetch_rows)
            break;
    }
    return db.exec("CLOSE migrate_rows");
}

// One read transaction on hq.db: every table is read from the same moment,
// while a writer (another command) may go on; rolled back when done.
class ReadSnapshot {
public:
    static Result<ReadSnapshot> begin(sql::Connection& db)
    {
        FEEDBACK_TRY(db.exec("BEGIN DEFERRED"));
        ReadSnapshot snapshot(db);
        // A deferred transaction takes its snapshot at its first read.
        FEEDBACK_TRY(db.query_int64("SELECT count(*) FROM sqlite_master"));
        return snapshot;
    }
    ReadSnapshot(ReadSnapshot&& other) noexcept : m_db(std::exchange(other.m_db, nullptr)) {}
    ReadSnapshot& operator=(ReadSnapshot&&) = delete;
    ReadSnapshot(const ReadSnapshot&) = delete;
    ~ReadSnapshot()
    {
        if (m_db)
            (void)m_db->exec("ROLLBACK");
    }

private:
    explicit ReadSnapshot(sql::Connection& db) : m_db(&db) {}
    sql::Connection* m_db;
};

// [SECTION] The plan: tables, columns, order

struct Column {
    std::string name;
    std::string target_type; // PostgreSQL's data_type: "bigint", "text", "bytea", ...
    int key_position = 0;    // its place in the primary key (1, 2, ...), 0 when not in it
};

struct TablePlan {
    std::string name;
    std::vector<Column> columns; // in hq.db's order
};

struct Plan {
    std::vector<TablePlan> tables; // parents before the tables that reference them
    std::vector<std::string> left_out;
    std::vector<std::pair<std::string, std::string>> identities; // (table, column) numbered by a sequence
};

bool is_text_type(std::string_view type)
{
    return type == "text" || type == "character varying" || type == "character";
}
bool is_integer_type(std::string_view type)
{
    return type == "bigint" || type == "integer" || type == "smallint" || type == "boolean";
}
bool is_float_type(std::string_view type) { return type == "double precision" || type == "real"; }

// "ORDER BY" the primary key (every column when there is none); PostgreSQL
// compares text in byte order, as SQLite does, only when told so.
std::string order_by(const TablePlan& table, sql::Backend backend)
{
    std::vector<const Column*> key;
    for (const auto& column : table.columns)
        if (column.key_position > 0)
            key.push_back(&column);
    std::sort(key.begin(), key.end(),
              [](const Column* a, const Column* b) { return a->key_position < b->key_position; });
    if (key.empty())
        for (const auto& column : table.columns)
            key.push_back(&column);
    std::string out = " ORDER BY ";
    for (size_t i = 0; i < key.size(); ++i) {
        out += (i ? ", " : "") + sql_name(key[i]->name);
        if (backend == sql::Backend::postgresql && is_text_type(key[i]->target_type))
            out += " COLLATE \"C\"";
    }
    return out;
}

// Parents first (PostgreSQL checks each foreign key as the row goes in);
// otherwise by name. conflict for a cycle, which this schema does not have.
Result<std::vector<TablePlan>> parents_first(std::vector<TablePlan> tables,
                                              const std::multimap<std::string, std::string>& references)
{
    std::sort(tables.begin(), tables.end(), [](const TablePlan& a, const TablePlan& b) { return a.name < b.name; });
    std::set<std::string> copying;
    for (const auto& table : tables)
        copying.insert(table.name);
    std::vector<TablePlan> ordered;
    std::set<std::string> placed;
    while (!tables.empty()) {
        auto ready = std::find_if(tables.begin(), tables.end(), [&](const TablePlan& table) {
            auto [from, to] = references.equal_range(table.name);
            return std::all_of(from, to, [&](const auto& reference) {
                return reference.second == table.name || !copying.contains(reference.second) ||
                       placed.contains(reference.second);
            });
        });
        if (ready == tables.end())
            return Error{ErrorKind::conflict, "the tables' foreign keys go round in a circle (" + tables.front().name +
                                                  "); no order to copy them in"};
        placed.insert(ready->name);
        ordered.push_back(std::move(*ready));
        tables.erase(ready);
    }
    return ordered;
}

// What to copy: every table of hq.db but the read model and SQLite's own,
// each column by name into the PostgreSQL table of the same name. A table
// or column one side has and the other lacks is a conflict (this program's
// two schemas disagree): nothing is copied then.
Result<Plan> make_plan(sql::Connection& source, sql::Connection& target)
{
    Plan plan;
    // PostgreSQL's side: columns and their types, identities, foreign keys.
    std::map<std::string, std::map<std::string, std::string>> target_types; // table -> column -> type
    {
        auto columns = target.prepare(
            "SELECT table_name::text, column_name::text, data_type::text, is_identity::text, "
            "coalesce(column_default::text, '') FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position");
        FEEDBACK_TRY(columns);
        for (;;) {
            auto row = columns->step();
            FEEDBACK_TRY(row);
            if (!*row)
                break;
            const std::string table = columns->column_text(0);
            const std::string column = columns->column_text(1);
            target_types[table][column] = columns->column_text(2);
            if (columns->column_text(3) == "YES" || columns->column_text(4).starts_with("nextval("))
                plan.identities.emplace_back(table, column);
        }
    }
    std::multimap<std::string, std::string> references; // table -> a table it references
    {
        auto keys = target.prepare(
            "SELECT child.relname::text, parent.relname::text FROM pg_constraint k "
            "JOIN pg_class child ON child.oid = k.conrelid JOIN pg_class parent ON parent.oid = k.confrelid "
            "JOIN pg_namespace n ON n.oid = child.relnamespace "
            "WHERE k.contype = 'f' AND n.nspname = current_schema()");
        FEEDBACK_TRY(keys);
        for (;;) {
            auto row = keys->step();
            FEEDBACK_TRY(row);
            if (!*row)
                break;
            references.emplace(keys->column_text(0), keys->column_text(1));
        }
    }

    // hq.db's side: its tables (shadow tables belong to their virtual table).
    std::vector<TablePlan> tables;
    std::set<std::string> copied;
    auto list = source.prepare("SELECT name, type FROM pragma_table_list WHERE schema = 'main' ORDER BY name");
    FEEDBACK_TRY(list);
    for (;;) {
        auto row = list->step();
        FEEDBACK_TRY(row);
        if (!*row)
            break;
        const std::string name = list->column_text(0);
        const std::string type = list->column_text(1);
        if (type == "view" || type == "shadow" || name.starts_with("sqlite_"))
            continue;
        if (is_one_of(name, dashboard_read_model_tables)) {
            plan.left_out.push_back(name);
            continue;
        }
        if (type != "table")
            return Error{ErrorKind::conflict, "hq.db's table " + name + " is a " + type +
                                                  " table, which cannot be copied; nothing was copied"};
        auto found = target_types.find(name);
        if (found == target_types.end())
            return Error{ErrorKind::conflict, "hq.db has a table " + name +
                                                  " that the PostgreSQL schema lacks; nothing was copied"};
        TablePlan table{name, {}};
        auto columns = source.prepare("SELECT name, pk FROM pragma_table_info(?1) ORDER BY cid");
        FEEDBACK_TRY(columns);
        columns->bind(1, name);
        for (;;) {
            auto column_row = columns->step();
            FEEDBACK_TRY(column_row);
            if (!*column_row)
                break;
            Column column{.name = columns->column_text(0),
                          .target_type = {},
                          .key_position = static_cast<int>(columns->column_int64(1))};
            auto type_of = found->second.find(column.name);
            if (type_of == found->second.end())
                return Error{ErrorKind::conflict, "hq.db's column " + name + "." + column.name +
                                                      " is not in the PostgreSQL schema; nothing was copied"};
            column.target_type = type_of->second;
            table.columns.push_back(std::move(column));
        }
        copied.insert(name);
        tables.push_back(std::move(table));
    }
    for (const auto& [name, columns] : target_types)
        if (!copied.contains(name) && !is_one_of(name, dashboard_read_model_tables) && !is_one_of(name, bookkeeping_tables))
            return Error{ErrorKind::conflict, "the PostgreSQL schema has a table " + name +
                                                  " that hq.db lacks; nothing was copied"};
    std::erase_if(plan.identities, [&](const auto& identity) { return !copied.contains(identity.first); });
    auto ordered = parents_first(std::move(tables), references);
    FEEDBACK_TRY(ordered);
    plan.tables = std::move(*ordered);
    return plan;
}

// [SECTION] Copying

// A value read from hq.db, kept until its INSERT goes: bound by its SQLite
// type (integer, real, text, blob as bytea, null).
struct Cell {
    char type = 'n'; // the first letter of SQLite's typeof()
    int64_t integer = 0;
    double real = 0;
    std::string bytes; // text or blob
};

std::string insert_sql(const TablePlan& table, size_t rows)
{
    std::string names;
    for (size_t i = 0; i < table.columns.size(); ++i)
        names += (i ? ", " : "") + sql_name(table.columns[i].name);
    std::string sql = "INSERT INTO " + sql_name(table.name) + " (" + names + ") VALUES ";
    size_t parameter = 0;
    for (size_t row = 0; row < rows; ++row) {
        sql += row ? ", (" : "(";
        for (size_t column = 0; column < table.columns.size(); ++column)
            sql += (column ? ", ?" : "?") + std::to_string(++parameter);
        sql += ")";
    }
    return sql;
}

// Reads one table of hq.db in key order, hashing each row, and inserts it
// into PostgreSQL many rows per statement. The event ids go into `event_ids`
// too for the events table.
Result<void> copy_table(sql::Connection& source, sql::Connection& target, const TablePlan& table, TableCopy& copy,
                        Sha256& event_ids, int64_t& rows_copied)
{
    const size_t width = table.columns.size();
    assert(width > 0 && "a table has at least one column");
    const size_t rows_per_insert = std::clamp<size_t>(max_parameters_per_insert / width, 1, max_rows_per_insert);
    const std::string full_insert = insert_sql(table, rows_per_insert);
    std::optional<size_t> id_column;
    if (table.name == "events")
        for (size_t i = 0; i < width; ++i)
            if (table.columns[i].name == "id")
                id_column = i;

    std::vector<Cell> cells(rows_per_insert * width);
    size_t buffered = 0; // rows in `cells`
    auto flush = [&]() -> Result<void> {
        if (buffered == 0)
            return {};
        std::optional<sql::Statement> tail;
        sql::Statement* insert = nullptr;
        if (buffered == rows_per_insert) {
            auto cached = target.cached(full_insert);
            FEEDBACK_TRY(cached);
            insert = *cached;
        } else {
            auto prepared = target.prepare(insert_sql(table, buffered));
            FEEDBACK_TRY(prepared);
            tail.emplace(std::move(*prepared));
            insert = &*tail;
        }
        for (size_t i = 0; i < buffered * width; ++i) {
            const int index = static_cast<int>(i + 1);
            const Cell& cell = cells[i];
            switch (cell.type) {
            case 'i': insert->bind(index, cell.integer); break;
            case 'r': insert->bind(index, cell.real); break;
            case 't': insert->bind(index, std::string_view(cell.bytes)); break;
            case 'b': insert->bind_blob(index, cell.bytes); break;
            default: insert->bind_null(index); break;
            }
        }
        FEEDBACK_TRY(insert->run());
        rows_copied += static_cast<int64_t>(buffered);
        buffered = 0;
        return {};
    };

    std::string select = "SELECT ";
    for (size_t i = 0; i < width; ++i)
        select += (i ? ", typeof(" : "typeof(") + sql_name(table.columns[i].name) + "), " +
                  sql_name(table.columns[i].name);
    select += " FROM " + sql_name(table.name) + order_by(table, sql::Backend::sqlite);

    Sha256 digest;
    FEEDBACK_TRY(each_row(source, select, [&](const sql::Statement& row) -> Result<void> {
        for (size_t i = 0; i < width; ++i) {
            const int at = static_cast<int>(2 * i);
            Cell& cell = cells[buffered * width + i];
            const std::string type = row.column_text(at);
            cell.type = type.empty() ? 'n' : type.front();
            switch (cell.type) {
            case 'i':
                cell.integer = row.column_int64(at + 1);
                digest.add_value(std::to_string(cell.integer));
                break;
            case 'r':
                cell.real = row.column_double(at + 1);
                digest.add_value(number_text(cell.real));
                break;
            case 't':
            case 'b':
                cell.bytes = cell.type == 't' ? row.column_text(at + 1) : row.column_blob(at + 1);
                digest.add_value(cell.bytes);
                break;
            default:
                cell.type = 'n';
                digest.add_null();
                break;
            }
            if (id_column == i) {
                event_ids.add(cell.type == 'i' ? std::to_string(cell.integer) : cell.bytes);
                event_ids.add("\n");
            }
        }
        if (++buffered == rows_per_insert)
            return flush();
        return {};
    }));
    FEEDBACK_TRY(flush());
    copy.source_sha256 = digest.hex();
    return {};
}

// After explicit keys went in, each identity's sequence must give the next
// key after the largest copied, or the next event would collide.
Result<void> move_sequences(sql::Connection& target, const Plan& plan, MigrationReport& report)
{
    for (const auto& [table, column] : plan.identities) {
        auto moved = target.prepare("SELECT setval(pg_get_serial_sequence(?1, ?2), coalesce((SELECT max(" +
                                    sql_name(column) + ") FROM " + sql_name(table) + "), 0) + 1, false)");
        FEEDBACK_TRY(moved);
        moved->bind(1, sql_name(table)).bind(2, column);
        auto done = moved->step();
        if (!done)
            return with_context(done.error(), "moving the sequence of " + table + "." + column);
        report.sequences.push_back(table + "." + column);
    }
    return {};
}

// [SECTION] Checking

// The digest of a table as PostgreSQL holds it, read as copy_table() hashed
// hq.db's rows: each value by its column's type.
Result<std::string> target_digest(sql::Connection& target, const TablePlan& table, Sha256& event_ids)
{
    std::string select = "SELECT ";
    for (size_t i = 0; i < table.columns.size(); ++i)
        select += (i ? ", " : "") + sql_name(table.columns[i].name);
    select += " FROM " + sql_name(table.name) + order_by(table, sql::Backend::postgresql);
    const bool events = table.name == "events";
    Sha256 digest;
    FEEDBACK_TRY(each_row(target, select, [&](const sql::Statement& row) -> Result<void> {
        for (size_t i = 0; i < table.columns.size(); ++i) {
            const int at = static_cast<int>(i);
            const std::string& type = table.columns[i].target_type;
            if (row.is_null(at)) {
                digest.add_null();
                continue;
            }
            const std::string value = is_integer_type(type) ? std::to_string(row.column_int64(at))
                                      : is_float_type(type) ? number_text(row.column_double(at))
                                      : type == "bytea"     ? row.column_blob(at)
                                                            : row.column_text(at);
            digest.add_value(value);
            if (events && table.columns[i].name == "id") {
                event_ids.add(value);
                event_ids.add("\n");
            }
        }
        return {};
    }));
    return digest.hex();
}

// The target holds nothing of a head office (the rows the schema makes
// itself aside); else a conflict naming the tables that have rows.
Result<void> check_target_empty(sql::Connection& target, const Plan& plan, const std::string& shown)
{
    std::string names;
    for (const auto& table : plan.tables)
        names += (names.empty() ? "" : ", ") + sql_name(table.name);
    // No other process writes into these tables until the copy is committed
    // or rolled back; readers go on. A process holding them makes this
    // fail (busy) rather than wait without end.
    if (!names.empty())
        FEEDBACK_TRY(target.exec("SET LOCAL lock_timeout = '10s'; LOCK TABLE " + names + " IN EXCLUSIVE MODE"));
    std::string holding;
    for (const auto& table : plan.tables) {
        if (is_one_of(table.name, seeded_tables))
            continue;
        auto rows =
            target.query_int64("SELECT count(*) FROM (SELECT 1 FROM " + sql_name(table.name) + " LIMIT 1) AS any_row");
        FEEDBACK_TRY(rows);
        if (*rows > 0)
            holding += (holding.empty() ? "" : ", ") + table.name;
    }
    if (!holding.empty())
        return Error{ErrorKind::conflict, "the database " + shown + " already holds head-office data (" + holding +
                                              "); migrate copies only into an empty database and never overwrites: "
                                              "nothing was changed"};
    for (const auto& table : plan.tables)
        if (is_one_of(table.name, seeded_tables))
            FEEDBACK_TRY(target.exec("DELETE FROM " + sql_name(table.name)));
    return {};
}

// Copies in one transaction and checks before it commits: a difference
// rolls everything back (report.verified stays false).
Result<MigrationReport> copy_and_check(sql::Connection& source, sql::Connection& target,
                                       const MigrationOptions& options, MigrationReport report)
{
    auto snapshot = ReadSnapshot::begin(source);
    if (!snapshot)
        return with_context(snapshot.error(), "reading hq.db");
    auto plan = make_plan(source, target);
    FEEDBACK_TRY(plan);
    report.left_out = plan->left_out;
    auto transaction = sql::Transaction::begin(target);
    FEEDBACK_TRY(transaction);
    FEEDBACK_TRY(check_target_empty(target, *plan, report.target));

    const auto copy_started = std::chrono::steady_clock::now();
    Sha256 source_ids;
    for (const auto& table : plan->tables) {
        TableCopy copy;
        copy.name = table.name;
        if (auto copied = copy_table(source, target, table, copy, source_ids, report.rows); !copied)
            return with_context(copied.error(), "copying table " + table.name + " (nothing was committed)");
        report.tables.push_back(std::move(copy));
    }
    FEEDBACK_TRY(move_sequences(target, *plan, report));
    report.copy_seconds = seconds_since(copy_started);
    if (options.before_check)
        FEEDBACK_TRY(options.before_check(target));

    const auto check_started = std::chrono::steady_clock::now();
    Sha256 target_ids;
    for (size_t i = 0; i < plan->tables.size(); ++i) {
        const TablePlan& table = plan->tables[i];
        TableCopy& copy = report.tables[i];
        auto source_rows = source.query_int64("SELECT count(*) FROM " + sql_name(table.name));
        FEEDBACK_TRY(source_rows);
        auto target_rows = target.query_int64("SELECT count(*) FROM " + sql_name(table.name));
        FEEDBACK_TRY(target_rows);
        copy.source_rows = *source_rows;
        copy.target_rows = *target_rows;
        auto digest = target_digest(target, table, target_ids);
        if (!digest)
            return with_context(digest.error(), "checking table " + table.name);
        copy.target_sha256 = *digest;
    }
    report.source_event_ids_sha256 = source_ids.hex();
    report.target_event_ids_sha256 = target_ids.hex();
    report.check_seconds = seconds_since(check_started);

    const bool same = report.source_event_ids_sha256 == report.target_event_ids_sha256 &&
                      std::all_of(report.tables.begin(), report.tables.end(),
                                  [](const TableCopy& table) { return table.same(); });
    if (!same)
        return report; // the transaction rolls back as it goes out of scope
    if (auto committed = transaction->commit(); !committed)
        return with_context(committed.error(), "committing the copy (nothing was committed)");
    report.verified = true;
    return report;
}

// hq.db, read-only, at this program's schema version.
Result<std::unique_ptr<sql::Connection>> open_source(const fs::path& file)
{
    auto database = sqlite::Database::open(file, sqlite::OpenMode::read_only);
    if (!database)
        return with_context(database.error(), "cannot open " + file.string());
    auto connection = sql::over_sqlite(std::move(*database));
    if (auto waited = connection->exec("PRAGMA busy_timeout = 10000"); !waited)
        return with_context(waited.error(), "cannot read " + file.string());
    auto version = connection->query_int64("PRAGMA user_version");
    auto tables =
        connection->query_int64("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'");
    if (!version || !tables || *tables != 1)
        return Error{ErrorKind::corrupt, file.string() + " is not a head-office SQLite database" +
                                             (!version ? ": " + version.error().message
                                              : !tables ? ": " + tables.error().message
                                                        : std::string(" (it has no events table)"))};
    if (*version != schema_version())
        return Error{ErrorKind::conflict,
                     file.string() + " has schema version " + std::to_string(*version) + " and this program's is " +
                         std::to_string(schema_version()) +
                         (*version < schema_version()
                              ? ": bring it up to date first (any command of this version does, e.g. feedback-hq "
                                "devices --dir DIR)"
                              : ": update the program first")};
    return connection;
}

} // namespace

// [SECTION] migrate_to_postgresql

Result<MigrationReport> migrate_to_postgresql(const MigrationOptions& options)
{
    const fs::path& dir = options.dir;
    const std::string shown = sql::without_password(options.target_url);
    if (!sql::is_postgresql_url(options.target_url))
        return Error{ErrorKind::invalid_input, "--to must be a postgresql:// URL (got \"" + shown + "\")"};
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        return Error{ErrorKind::not_found, "the folder " + dir.string() + " does not exist"};
    HqSettings settings;
    if (auto loaded = load_settings(dir))
        settings = std::move(*loaded);
    else if (loaded.error().kind != ErrorKind::not_found)
        return loaded.error();
    if (!settings.database.empty())
        return Error{ErrorKind::conflict, dir.string() + " keeps its data in PostgreSQL already (hq.json " +
                                              "\"database\": " + sql::without_password(settings.database) +
                                              "); there is nothing to migrate"};
    const fs::path file = dir / database_file_name;
    if (!fs::is_regular_file(file, ec))
        return Error{ErrorKind::not_found, "there is no head-office database in " + dir.string() + " (no " +
                                               std::string(database_file_name) + ")"};
    // Held until hq.json names the new database: serve cannot start meanwhile
    // and write what the copy would miss.
    auto serving = ServeLock::take(dir, ServeLock::Kind::exclusive);
    FEEDBACK_TRY(serving);
    auto source = open_source(file);
    FEEDBACK_TRY(source);
    auto target = sql::open_postgresql(options.target_url);
    if (!target)
        return Error{target.error().kind, "cannot reach the database " + shown + ": " + target.error().message +
                                              "; nothing was changed"};
    if (auto made = migrate_schema(**target); !made)
        return with_context(made.error(), "making head office's tables in " + shown);

    MigrationReport report;
    report.source = file;
    report.target = shown;
    auto copied = copy_and_check(**source, **target, options, std::move(report));
    FEEDBACK_TRY(copied);
    if (!copied->verified)
        return copied;
    settings.database = options.target_url;
    if (auto saved = save_settings(dir, settings); !saved)
        return Error{saved.error().kind, "the copy in " + shown + " is complete and checked, but hq.json could not "
                                             "be written (" + saved.error().message + "): add \"database\": \"" +
                                             shown + "\" to it by hand (with the password, if any)"};
    return copied;
}

} // namespace feedback::hq
