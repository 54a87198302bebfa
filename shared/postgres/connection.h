// A thin RAII layer over PostgreSQL's libpq with the shape of the SQLite one
// (shared/sqlite/database.h), so head office's storage can move over
// mechanically: a connection with a statement cache, statements with typed
// binds and columns, and transactions that roll back unless committed.
//
// SQL keeps SQLite's numbered parameters (?1, ?2...); they are rewritten to
// PostgreSQL's $1, $2. Every failure is a feedback::Error whose kind comes
// from the SQLSTATE (see kind_of_sqlstate); messages never hold parameter
// values, which may be personal data.
#pragma once

#include "domain/result.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

// libpq's PGconn and PGresult, without its header in ours.
struct pg_conn;
struct pg_result;

namespace feedback::postgres {

// [SECTION] Pure helpers

// SQLite's numbered parameters ?1, ?2... as PostgreSQL's $1, $2...; a "?"
// inside a string ('...', E'...', $tag$...$tag$), a quoted identifier ("...")
// or a comment (--, /* */), and a "?" without digits (jsonb's operator), are
// left alone.
std::string numbered_parameters(std::string_view sql);

// The ErrorKind of a five-character SQLSTATE:
//   class 23 (integrity constraint)                     -> conflict
//   40001, 40P01 (serialization, deadlock), 55P03 (lock) -> busy
//   class 53 (insufficient resources: 53100 disk full)  -> disk_full
//   class 08 (connection), 57P01-57P03 (shutting down)  -> io
//   class 22 (data exception)                           -> invalid_input
//   anything else                                       -> internal
ErrorKind kind_of_sqlstate(std::string_view sqlstate);

// An Error for a failed call; `result` may be null (libpq had none to give).
// `context` says what was being done ("recording the event"); PostgreSQL's
// primary message and the SQLSTATE are appended, never its DETAIL (which
// quotes row values). A broken connection is io whatever the SQLSTATE.
Error make_error(const pg_conn* conn, const pg_result* result, std::string_view context);

namespace detail {
struct Session; // the PGconn and what outlives a move of the Connection
}

// [SECTION] Statement

// SQL with its parameters; run on the server at the first step(), whose
// result (every row, held in memory) is read row by row. SQL errors surface
// at step(), not at prepare(). A cached statement is prepared on the server
// (PQprepare) at its first step and again after reconnect(); others are sent
// with their parameters each time (PQexecParams). Must not outlive its
// Connection.
class Statement {
public:
    Statement() = default;
    Statement(Statement&& other) noexcept = default;
    Statement& operator=(Statement&& other) noexcept = default;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Binds are 1-based, as in SQL's "?1"; an unbound parameter is NULL.
    // Numbers and text go as text and take the type PostgreSQL infers for
    // the parameter; text must not hold a NUL byte (step() refuses it).
    Statement& bind(int index, int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    // Any bytes, as bytea (sent in binary, so NUL bytes are fine).
    Statement& bind_blob(int index, std::string_view bytes);
    Statement& bind_null(int index);
    template <class T>
    Statement& bind(int index, const std::optional<T>& value)
    {
        return value ? bind(index, *value) : bind_null(index);
    }

    // true: a row is ready to read; false: done. Resets itself (result and
    // binds) when done or failed, so a cached statement is ready for the
    // next use.
    Result<bool> step();
    // Runs a statement that returns no rows (or ignores them).
    Result<void> run();
    // Drops the result and the binds.
    void reset();

    // Columns are 0-based, as in the SQLite layer, and read the current row.
    // A NULL reads as 0 or empty; a boolean column reads as 1 or 0.
    bool is_null(int column) const;
    int64_t column_int64(int column) const;
    double column_double(int column) const;
    std::string column_text(int column) const;
    std::string column_blob(int column) const; // bytea's bytes; other types' text
    std::optional<std::string> column_optional_text(int column) const;
    std::optional<int64_t> column_optional_int64(int column) const;

private:
    friend class Connection;
    struct ResultClearer {
        void operator()(pg_result* result) const;
    };
    // A parameter as libpq sends it: text, or bytes in binary; none is NULL.
    struct Parameter {
        std::optional<std::string> value;
        bool binary = false;
    };

    Statement(detail::Session* session, std::string_view sql, bool cached);
    Parameter& parameter(int index);
    const char* cell(int column) const; // the current row's value, as libpq gives it
    Result<void> execute();
    Result<void> prepare_on_server(const std::vector<unsigned>& types);

    detail::Session* m_session = nullptr;
    std::string m_sql; // with $1, $2...
    bool m_cached = false;
    std::vector<Parameter> m_parameters;
    int m_nul_in_text = 0; // the first parameter bound with a NUL byte in text, 0 for none

    // A cached statement's server-side name, the session generation it was
    // prepared in (a reconnect starts a new one) and its parameter types.
    std::string m_name;
    uint64_t m_prepared_generation = 0;
    std::vector<unsigned> m_prepared_types;

    std::unique_ptr<pg_result, ResultClearer> m_result;
    int m_row = -1;
};

// [SECTION] Connection

// One connection, used by one thread at a time.
class Connection {
public:
    // `url` as libpq takes it: postgresql://user@/db?host=/run/dir&port=5432
    // or "host=... dbname=...". Text is exchanged in UTF-8 unless the URL
    // says otherwise.
    static Result<Connection> open(std::string_view url);

    Connection(Connection&& other) noexcept;
    Connection& operator=(Connection&& other) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection(); // PQfinish

    // Runs one or more statements without parameters or results (schema).
    Result<void> exec(std::string_view sql);
    // A new statement the caller owns.
    Result<Statement> prepare(std::string_view sql);
    // A statement kept for the life of the connection, reset and ready,
    // prepared on the server: the cheap way to run the same SQL on a hot path.
    Result<Statement*> cached(std::string_view sql);

    // The first column of the first row as an integer (SELECT count(*)).
    Result<int64_t> query_int64(std::string_view sql);
    // The first column of every row as text.
    Result<std::vector<std::string>> query_texts(std::string_view sql);

    // After an io error (the server restarted, the network dropped): a new
    // session to the same server (PQreset). Cached statements stay valid for
    // their callers and are prepared again on their next use; an open
    // transaction is gone. Done by itself too: a connection libpq knows is
    // broken is opened again when its next statement or BEGIN is sent
    // outside a transaction (inside one, that statement fails with io).
    Result<void> reconnect();

    // LISTEN/NOTIFY: the session hears NOTIFYs on `channel` from now on
    // (from every session, its own included, each delivered at its commit).
    // After a reconnect it must listen again.
    Result<void> listen(std::string_view channel);
    // Waits up to `timeout` for a notification on a channel listened to:
    // true when one or more came (all taken), false when none did.
    Result<bool> await_notification(std::chrono::milliseconds timeout);

    pg_conn* handle() const;

private:
    explicit Connection(std::unique_ptr<detail::Session> session);
    friend class Transaction; // marks the session's transaction open

    // Declared first so that it is destroyed last: statements point to it.
    std::unique_ptr<detail::Session> m_session;
    std::unordered_map<std::string, Statement> m_cache;
};

// [SECTION] Transaction

// BEGIN on construction, ROLLBACK on destruction unless commit() succeeded.
// The Connection must not move while a Transaction is open.
class Transaction {
public:
    static Result<Transaction> begin(Connection& conn);
    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    ~Transaction();

    // Fails (and the transaction is over) when PostgreSQL rolled back instead:
    // a statement in it had failed, or a serializable transaction conflicted.
    Result<void> commit();

private:
    explicit Transaction(Connection& conn) : m_conn(&conn) {}
    Connection* m_conn;
    bool m_open = true;
};

} // namespace feedback::postgres
