// PostgreSQL RAII wrapper over libpq: parameter rewriting, the mapping of
// SQLSTATEs to typed errors, statements, the connection and transactions.
#include "connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <new>
#include <type_traits>

namespace feedback::postgres {

namespace {

// Type OIDs from PostgreSQL's catalog (pg_type_d.h, not shipped by libpq-dev).
constexpr Oid bool_oid = 16;
constexpr Oid bytea_oid = 17;
static_assert(std::is_same_v<Oid, unsigned>, "Statement keeps parameter types as unsigned");

struct ClearResult {
    void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ClearResult>;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// What may start a dollar-quote tag: a letter, "_" or any byte of a
// multi-byte UTF-8 character.
bool is_tag_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

// What may continue an identifier (PostgreSQL allows "$" after the start).
bool is_identifier_char(char c) { return is_tag_start(c) || is_digit(c) || c == '$'; }

// The first line of a libpq message, without its trailing newline: the lines
// after it are hints and, for server errors, DETAIL (which quotes values).
std::string first_line(const char* message)
{
    if (!message)
        return {};
    std::string_view text(message);
    text = text.substr(0, text.find('\n'));
    while (!text.empty() && (text.back() == ' ' || text.back() == '\r'))
        text.remove_suffix(1);
    return std::string(text);
}

// The SQL rewritten and the number of parameters it takes (its highest ?N
// or $N).
struct Rewritten {
    std::string sql;
    int parameters = 0;
};

// One pass over the SQL, copying quoted text and comments as they are. The
// quoting rules are PostgreSQL's (scan.l): '' inside '...', backslash escapes
// inside E'...', "" inside "...", nested /* */, and $tag$...$tag$ where a "$"
// inside an identifier (a$b) or before digits ($1) starts no quote.
Rewritten rewrite(std::string_view sql)
{
    Rewritten out;
    out.sql.reserve(sql.size() + 8);
    const size_t n = sql.size();
    size_t i = 0;
    // Copies the parameter's digits from `start` as $digits and counts it.
    auto take_parameter = [&](size_t start) {
        size_t end = start;
        while (end < n && is_digit(sql[end]))
            ++end;
        int number = 0;
        auto [ptr, ec] = std::from_chars(sql.data() + start, sql.data() + end, number);
        (void)ptr;
        if (ec == std::errc())
            out.parameters = std::max(out.parameters, number);
        out.sql += '$';
        out.sql.append(sql.substr(start, end - start));
        i = end;
    };
    auto copy_to = [&](size_t end) {
        out.sql.append(sql.substr(i, end - i));
        i = end;
    };
    while (i < n) {
        const char c = sql[i];
        const char next = i + 1 < n ? sql[i + 1] : '\0';
        if (c == '\'') {
            const bool escapes = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                                 (i < 2 || !is_identifier_char(sql[i - 2]));
            size_t j = i + 1;
            while (j < n) {
                if (escapes && sql[j] == '\\') {
                    j += 2;
                } else if (sql[j] == '\'') {
                    ++j;
                    if (j < n && sql[j] == '\'')
                        ++j; // '' is a quote inside the string
                    else
                        break;
                } else {
                    ++j;
                }
            }
            copy_to(std::min(j, n));
        } else if (c == '"') {
            size_t j = i + 1;
            while (j < n) {
                if (sql[j] == '"' && j + 1 < n && sql[j + 1] == '"')
                    j += 2;
                else if (sql[j++] == '"')
                    break;
            }
            copy_to(j);
        } else if (c == '-' && next == '-') {
            size_t end = sql.find('\n', i);
            copy_to(end == std::string_view::npos ? n : end + 1);
        } else if (c == '/' && next == '*') {
            size_t j = i + 2;
            int depth = 1;
            while (j < n && depth > 0) {
                if (sql[j] == '/' && j + 1 < n && sql[j + 1] == '*') {
                    ++depth;
                    j += 2;
                } else if (sql[j] == '*' && j + 1 < n && sql[j + 1] == '/') {
                    --depth;
                    j += 2;
                } else {
                    ++j;
                }
            }
            copy_to(j);
        } else if (c == '?' && is_digit(next)) {
            take_parameter(i + 1);
        } else if (c == '$' && (i == 0 || !is_identifier_char(sql[i - 1]))) {
            size_t tag_end = i + 1;
            if (tag_end < n && is_tag_start(sql[tag_end])) {
                while (tag_end < n && (is_tag_start(sql[tag_end]) || is_digit(sql[tag_end])))
                    ++tag_end;
            }
            if (is_digit(next)) {
                take_parameter(i + 1); // already PostgreSQL's form
            } else if (tag_end < n && sql[tag_end] == '$') {
                std::string_view tag = sql.substr(i, tag_end - i + 1);
                size_t close = sql.find(tag, tag_end + 1);
                copy_to(close == std::string_view::npos ? n : close + tag.size());
            } else {
                copy_to(i + 1);
            }
        } else {
            out.sql += c;
            ++i;
        }
    }
    return out;
}

} // namespace

std::string numbered_parameters(std::string_view sql) { return rewrite(sql).sql; }

// [SECTION] Errors

ErrorKind kind_of_sqlstate(std::string_view sqlstate)
{
    if (sqlstate.size() != 5)
        return ErrorKind::internal;
    const std::string_view sql_class = sqlstate.substr(0, 2);
    if (sql_class == "23")
        return ErrorKind::conflict;
    if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03")
        return ErrorKind::busy;
    if (sql_class == "53")
        return ErrorKind::disk_full;
    if (sql_class == "08" || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03")
        return ErrorKind::io;
    if (sql_class == "22")
        return ErrorKind::invalid_input;
    return ErrorKind::internal;
}

Error make_error(const pg_conn* conn, const pg_result* result, std::string_view context)
{
    const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const bool broken = conn && PQstatus(conn) == CONNECTION_BAD;
    const ErrorKind kind = broken ? ErrorKind::io : sqlstate ? kind_of_sqlstate(sqlstate) : ErrorKind::internal;

    std::string message(context);
    message += ": ";
    switch (kind) {
    case ErrorKind::conflict: message += "a database constraint was violated"; break;
    case ErrorKind::busy: message += "the database is busy (a lock or a conflicting transaction); try again"; break;
    case ErrorKind::disk_full:
        message += "the database server is out of room (disk, memory or connections; nothing committed is lost)";
        break;
    case ErrorKind::io: message += "the connection to the database server failed"; break;
    case ErrorKind::invalid_input: message += "a value does not suit its column"; break;
    default: message += "PostgreSQL error"; break;
    }

    // PostgreSQL's own words: the primary message of a server error (a data
    // exception's quotes the value, so it is left out), else libpq's.
    std::string detail;
    if (sqlstate) {
        if (kind != ErrorKind::invalid_input)
            detail = first_line(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY));
    } else if (result && *PQresultErrorMessage(result)) {
        detail = first_line(PQresultErrorMessage(result));
    } else if (conn) {
        detail = first_line(PQerrorMessage(conn));
    }
    if (!detail.empty() || sqlstate) {
        message += " (";
        message += detail;
        if (sqlstate) {
            message += detail.empty() ? "SQLSTATE " : ", SQLSTATE ";
            message += sqlstate;
        }
        message += ")";
    }
    return Error{kind, std::move(message)};
}

// [SECTION] Session

namespace detail {

// Owned by the Connection on the heap so that statements can point to it
// across a move of the Connection.
struct Session {
    struct Finisher {
        void operator()(PGconn* connection) const { PQfinish(connection); }
    };
    std::unique_ptr<PGconn, Finisher> conn;
    // Starts again at each reconnect(): statements prepared on the server in
    // an earlier generation are gone with its session.
    uint64_t generation = 1;
    uint64_t names_given = 0; // for the names of server-side statements
    // A Transaction is open on this session: a broken connection must then
    // fail the rest of it, never quietly go on outside the transaction.
    bool transaction_open = false;
};

// Before a statement is sent: a session that is broken (the server
// restarted, the network dropped) and that no transaction is using is
// opened again (PQreset), so connections kept in a pool heal at their
// next use rather than fail it. Inside a transaction it is an io error, as
// the statement's.
Result<void> usable_session(Session& session, std::string_view context)
{
    PGconn* conn = session.conn.get();
    // A server that ended the session while it sat idle in a pool (a
    // restart: "terminating connection due to administrator command") has
    // said so and closed the socket; libpq learns it only by reading. An
    // idle session's socket has nothing to read otherwise (but a
    // notification, kept for PQnotifies): one poll() when it is quiet; else
    // the goodbye, then the end of the stream, which marks it broken.
    if (!session.transaction_open && PQstatus(conn) == CONNECTION_OK) {
        for (int reads = 0; reads < 4; ++reads) {
            pollfd quiet{PQsocket(conn), POLLIN, 0};
            if (::poll(&quiet, 1, 0) <= 0 || PQconsumeInput(conn) == 0)
                break;
        }
    }
    if (PQstatus(conn) != CONNECTION_BAD)
        return {};
    if (session.transaction_open)
        return make_error(conn, nullptr, context);
    PQreset(conn);
    ++session.generation; // a new server session, even when this one failed
    if (PQstatus(conn) != CONNECTION_OK)
        return make_error(conn, nullptr, "reconnecting to PostgreSQL");
    return {};
}

} // namespace detail

// [SECTION] Statement

void Statement::ResultClearer::operator()(pg_result* result) const { PQclear(result); }

Statement::Statement(detail::Session* session, std::string_view sql, bool cached)
    : m_session(session), m_cached(cached)
{
    Rewritten rewritten = rewrite(sql);
    m_sql = std::move(rewritten.sql);
    m_parameters.resize(static_cast<size_t>(rewritten.parameters));
}

Statement::~Statement() = default;

Statement::Parameter& Statement::parameter(int index)
{
    assert(index >= 1 && static_cast<size_t>(index) <= m_parameters.size() && "bind(): no such ?N in the SQL");
    assert(!m_result && "bind() while rows are being read: reset() first");
    return m_parameters[static_cast<size_t>(index - 1)];
}

Statement& Statement::bind(int index, int64_t value)
{
    parameter(index) = Parameter{std::to_string(value), false};
    return *this;
}

Statement& Statement::bind(int index, double value)
{
    char buffer[32];
    // The shortest text that reads back as the same double; "inf" and "nan"
    // are accepted by PostgreSQL's float8in.
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    assert(ec == std::errc() && "a double always fits 32 characters");
    (void)ec;
    parameter(index) = Parameter{std::string(buffer, end), false};
    return *this;
}

Statement& Statement::bind(int index, std::string_view text)
{
    // libpq sends text up to its first NUL; refused at step() rather than cut.
    if (text.find('\0') != std::string_view::npos && m_nul_in_text == 0)
        m_nul_in_text = index;
    parameter(index) = Parameter{std::string(text), false};
    return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes)
{
    parameter(index) = Parameter{std::string(bytes), true};
    return *this;
}

Statement& Statement::bind_null(int index)
{
    parameter(index) = Parameter{};
    return *this;
}

Result<void> Statement::prepare_on_server(const std::vector<unsigned>& types)
{
    PGconn* conn = m_session->conn.get();
    // A type fixed earlier stays: binding NULL where a blob went before
    // must not make the statement flip between two server-side forms.
    std::vector<Oid> merged = types;
    for (size_t i = 0; i < merged.size() && i < m_prepared_types.size(); ++i)
        if (m_prepared_types[i] == bytea_oid)
            merged[i] = bytea_oid;
    if (!m_name.empty() && m_prepared_generation == m_session->generation) {
        std::string deallocate = "DEALLOCATE " + m_name;
        ResultPtr ignored(PQexec(conn, deallocate.c_str()));
    }
    std::string name = "feedback_" + std::to_string(++m_session->names_given);
    ResultPtr prepared(PQprepare(conn, name.c_str(), m_sql.c_str(), static_cast<int>(merged.size()), merged.data()));
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK)
        return make_error(conn, prepared.get(), "preparing SQL");
    m_name = std::move(name);
    m_prepared_generation = m_session->generation;
    m_prepared_types = std::move(merged);
    return {};
}

Result<void> Statement::execute()
{
    if (m_nul_in_text != 0)
        return Error{ErrorKind::invalid_input, "running SQL: parameter ?" + std::to_string(m_nul_in_text) +
                                                   " is text with a NUL byte, which PostgreSQL cannot hold"};
    FEEDBACK_TRY(detail::usable_session(*m_session, "running SQL"));
    PGconn* conn = m_session->conn.get();
    const size_t count = m_parameters.size();
    std::vector<const char*> values(count, nullptr);
    std::vector<int> lengths(count, 0);
    std::vector<int> formats(count, 0);
    std::vector<Oid> types(count, 0); // 0: the type PostgreSQL infers
    for (size_t i = 0; i < count; ++i) {
        const Parameter& param = m_parameters[i];
        if (!param.value)
            continue;
        assert(param.value->size() < size_t{1} << 30 && "a parameter of 1 GiB or more (PostgreSQL's limit)");
        values[i] = param.value->c_str();
        lengths[i] = static_cast<int>(param.value->size());
        formats[i] = param.binary ? 1 : 0;
        types[i] = param.binary ? bytea_oid : 0;
    }
    const int n = static_cast<int>(count);
    PGresult* raw = nullptr;
    if (m_cached) {
        bool needs_prepare = m_name.empty() || m_prepared_generation != m_session->generation;
        for (size_t i = 0; i < count && !needs_prepare; ++i)
            needs_prepare = types[i] == bytea_oid && (i >= m_prepared_types.size() || m_prepared_types[i] != bytea_oid);
        if (needs_prepare)
            FEEDBACK_TRY(prepare_on_server(types));
        raw = PQexecPrepared(conn, m_name.c_str(), n, values.data(), lengths.data(), formats.data(), 0);
    } else {
        raw = PQexecParams(conn, m_sql.c_str(), n, types.data(), values.data(), lengths.data(), formats.data(), 0);
    }
    m_result.reset(raw);
    ExecStatusType status = PQresultStatus(raw); // PGRES_FATAL_ERROR for null
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
        return make_error(conn, raw, "running SQL");
    return {};
}

Result<bool> Statement::step()
{
    assert(m_session && "step() on an empty Statement");
    if (!m_result) {
        auto ran = execute();
        if (!ran) {
            reset();
            return ran.error();
        }
        m_row = -1;
    }
    ++m_row;
    if (m_row < PQntuples(m_result.get()))
        return true;
    reset();
    return false;
}

Result<void> Statement::run()
{
    for (;;) {
        auto row = step();
        if (!row)
            return row.error();
        if (!*row)
            return {};
    }
}

void Statement::reset()
{
    m_result.reset();
    m_row = -1;
    for (Parameter& param : m_parameters)
        param = Parameter{};
    m_nul_in_text = 0;
}

const char* Statement::cell(int column) const
{
    assert(m_result && m_row >= 0 && "a column read without a row: step() first");
    assert(column >= 0 && column < PQnfields(m_result.get()) && "no such column");
    return PQgetvalue(m_result.get(), m_row, column);
}

bool Statement::is_null(int column) const
{
    cell(column); // the checks
    return PQgetisnull(m_result.get(), m_row, column) != 0;
}

int64_t Statement::column_int64(int column) const
{
    if (is_null(column))
        return 0;
    const char* text = cell(column);
    if (PQftype(m_result.get(), column) == bool_oid)
        return text[0] == 't' ? 1 : 0;
    const char* end = text + PQgetlength(m_result.get(), m_row, column);
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(text, end, value);
    assert(ec == std::errc() && ptr == end && "column_int64() on a column that is not an integer");
    (void)ptr;
    (void)ec;
    return value;
}

double Statement::column_double(int column) const
{
    if (is_null(column))
        return 0.0;
    const char* text = cell(column);
    const char* end = text + PQgetlength(m_result.get(), m_row, column);
    double value = 0.0;
    // from_chars reads PostgreSQL's "NaN", "Infinity" and "-Infinity" too.
    auto [ptr, ec] = std::from_chars(text, end, value);
    assert(ec == std::errc() && ptr == end && "column_double() on a column that is not a number");
    (void)ptr;
    (void)ec;
    return value;
}

std::string Statement::column_text(int column) const
{
    const char* text = cell(column);
    return std::string(text, static_cast<size_t>(PQgetlength(m_result.get(), m_row, column)));
}

std::string Statement::column_blob(int column) const
{
    if (is_null(column))
        return {};
    if (PQftype(m_result.get(), column) != bytea_oid)
        return column_text(column);
    // Results come as text, where bytea is "\x" and hex digits.
    size_t size = 0;
    unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(cell(column)), &size);
    if (!bytes)
        throw std::bad_alloc();
    std::string out(reinterpret_cast<const char*>(bytes), size);
    PQfreemem(bytes);
    return out;
}

std::optional<std::string> Statement::column_optional_text(int column) const
{
    if (is_null(column))
        return std::nullopt;
    return column_text(column);
}

std::optional<int64_t> Statement::column_optional_int64(int column) const
{
    if (is_null(column))
        return std::nullopt;
    return column_int64(column);
}

// [SECTION] Connection

Connection::Connection(std::unique_ptr<detail::Session> session) : m_session(std::move(session)) {}
Connection::Connection(Connection&& other) noexcept = default;
Connection& Connection::operator=(Connection&& other) noexcept = default;
Connection::~Connection() = default;

Result<Connection> Connection::open(std::string_view url)
{
    // Our strings are UTF-8 whatever the database's encoding; listed first
    // so that a client_encoding in the URL wins.
    const std::string dbname(url);
    const char* keywords[] = {"client_encoding", "dbname", nullptr};
    const char* values[] = {"UTF8", dbname.c_str(), nullptr};
    auto session = std::make_unique<detail::Session>();
    session->conn.reset(PQconnectdbParams(keywords, values, 1)); // 1: dbname may be a URL
    if (!session->conn)
        return Error{ErrorKind::internal, "connecting to PostgreSQL: out of memory"};
    if (PQstatus(session->conn.get()) != CONNECTION_OK)
        return make_error(session->conn.get(), nullptr, "connecting to PostgreSQL");
    return Connection(std::move(session));
}

pg_conn* Connection::handle() const
{
    assert(m_session && "a moved-from Connection used");
    return m_session->conn.get();
}

Result<void> Connection::exec(std::string_view sql)
{
    FEEDBACK_TRY(detail::usable_session(*m_session, "running SQL"));
    const std::string text(sql);
    ResultPtr result(PQexec(handle(), text.c_str()));
    ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY)
        return make_error(handle(), result.get(), "running SQL");
    return {};
}

Result<Statement> Connection::prepare(std::string_view sql)
{
    return Statement(m_session.get(), sql, false);
}

Result<Statement*> Connection::cached(std::string_view sql)
{
    std::string key(sql);
    auto it = m_cache.find(key);
    if (it == m_cache.end())
        it = m_cache.emplace(std::move(key), Statement(m_session.get(), sql, true)).first;
    it->second.reset(); // a caller that stopped reading early left it mid-way
    return &it->second;
}

Result<int64_t> Connection::query_int64(std::string_view sql)
{
    auto stmt = prepare(sql);
    if (!stmt)
        return stmt.error();
    auto row = stmt->step();
    if (!row)
        return row.error();
    if (!*row)
        return Error{ErrorKind::not_found, "query returned no row"};
    return stmt->column_int64(0);
}

Result<std::vector<std::string>> Connection::query_texts(std::string_view sql)
{
    auto stmt = prepare(sql);
    if (!stmt)
        return stmt.error();
    std::vector<std::string> out;
    for (;;) {
        auto row = stmt->step();
        if (!row)
            return row.error();
        if (!*row)
            return out;
        out.push_back(stmt->column_text(0));
    }
}

Result<void> Connection::reconnect()
{
    PQreset(handle());
    ++m_session->generation; // a new server session, even when this one failed
    if (PQstatus(handle()) != CONNECTION_OK)
        return make_error(handle(), nullptr, "reconnecting to PostgreSQL");
    return {};
}

Result<void> Connection::listen(std::string_view channel)
{
    return exec("LISTEN " + std::string(channel));
}

Result<bool> Connection::await_notification(std::chrono::milliseconds timeout)
{
    // Never opened again here: the session's LISTENs end with it, and the
    // listener must hear so (an io error) to LISTEN again on the next one,
    // which its next other call opens.
    PGconn* conn = handle();
    if (PQstatus(conn) == CONNECTION_BAD)
        return make_error(conn, nullptr, "waiting for a notification");
    auto drained = [&] {
        bool any = false;
        while (PGnotify* notice = PQnotifies(conn)) {
            PQfreemem(notice);
            any = true;
        }
        return any;
    };
    if (PQconsumeInput(conn) == 0)
        return make_error(conn, nullptr, "waiting for a notification");
    if (drained())
        return true;
    pollfd wait{PQsocket(conn), POLLIN, 0};
    int ready = ::poll(&wait, 1, static_cast<int>(timeout.count()));
    if (ready < 0 && errno != EINTR)
        return Error{ErrorKind::io, std::string("waiting for a notification: ") + std::strerror(errno)};
    if (ready <= 0)
        return false;
    if (PQconsumeInput(conn) == 0)
        return make_error(conn, nullptr, "waiting for a notification");
    return drained();
}

// [SECTION] Transaction

namespace {

// Inside BEGIN ... COMMIT: PQTRANS_UNKNOWN when the connection is broken.
bool in_transaction(const PGconn* conn)
{
    PGTransactionStatusType status = PQtransactionStatus(conn);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
}

} // namespace

Result<Transaction> Transaction::begin(Connection& conn)
{
    assert(!in_transaction(conn.handle()) && "Transaction::begin() inside a transaction");
    FEEDBACK_TRY(conn.exec("BEGIN"));
    conn.m_session->transaction_open = true;
    return Transaction(conn);
}

Transaction::Transaction(Transaction&& other) noexcept : m_conn(other.m_conn), m_open(other.m_open)
{
    other.m_open = false;
}

Transaction::~Transaction()
{
    if (!m_open)
        return;
    // Nothing to roll back once a reconnect or a failed COMMIT ended it.
    if (in_transaction(m_conn->handle()))
        ResultPtr ignored(PQexec(m_conn->handle(), "ROLLBACK"));
    m_conn->m_session->transaction_open = false;
}

Result<void> Transaction::commit()
{
    assert(m_open && "commit() twice");
    PGconn* conn = m_conn->handle();
    ResultPtr result(PQexec(conn, "COMMIT"));
    // A failed COMMIT (a deferred constraint, a serialization failure) ends
    // the transaction too, unless the connection could not even send it.
    m_open = in_transaction(conn);
    m_conn->m_session->transaction_open = m_open;
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK)
        return make_error(conn, result.get(), "committing a transaction");
    // COMMIT of a transaction in which a statement failed answers ROLLBACK.
    if (std::strcmp(PQcmdStatus(result.get()), "COMMIT") != 0)
        return Error{ErrorKind::internal,
                     "committing a transaction: PostgreSQL rolled it back, as a statement in it had failed"};
    return {};
}

} // namespace feedback::postgres
