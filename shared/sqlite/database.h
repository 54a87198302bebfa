// A thin RAII layer over SQLite: a connection with a statement cache,
// statements with typed binds and columns, and transactions that roll back
// unless committed. Every failure is a feedback::Error whose kind tells a
// full disk (disk_full), an I/O error (io), a lock held too long (busy) and a
// damaged file (corrupt) apart, so callers can tell staff what happened.
#pragma once

#include "domain/result.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace feedback::sqlite {

// Maps an SQLite result code to an Error; `context` says what was being done
// ("recording the event"), and SQLite's own message is appended.
Error make_error(sqlite3* db, int code, std::string_view context);

class Statement {
public:
    Statement() = default;
    Statement(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Binds are 1-based, as in SQL's "?1".
    Statement& bind(int index, int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    Statement& bind_blob(int index, std::string_view bytes);
    Statement& bind_null(int index);
    template <class T>
    Statement& bind(int index, const std::optional<T>& value)
    {
        return value ? bind(index, *value) : bind_null(index);
    }

    // true: a row is ready to read; false: done. Resets itself when done or
    // failed, so a cached statement is ready for the next use.
    Result<bool> step();
    // Runs a statement that returns no rows (or ignores them).
    Result<void> run();
    void reset();

    bool is_null(int column) const;
    int64_t column_int64(int column) const;
    double column_double(int column) const;
    std::string column_text(int column) const;
    std::string column_blob(int column) const; // the bytes as stored
    std::optional<std::string> column_optional_text(int column) const;
    std::optional<int64_t> column_optional_int64(int column) const;

private:
    sqlite3* m_db = nullptr;
    sqlite3_stmt* m_stmt = nullptr;
};

enum class OpenMode { read_write_create, read_write, read_only };

class Database {
public:
    static Result<Database> open(const std::filesystem::path& file, OpenMode mode);

    Database(Database&& other) noexcept = default;
    Database& operator=(Database&& other) noexcept = default;
    ~Database();

    // Runs one or more statements without results (schema, pragmas).
    Result<void> exec(std::string_view sql);
    // A new statement the caller owns.
    Result<Statement> prepare(std::string_view sql);
    // A statement kept for the life of the connection, reset and ready: the
    // cheap way to run the same SQL on a hot path.
    Result<Statement*> cached(std::string_view sql);

    // The first column of the first row as an integer (PRAGMA user_version).
    Result<int64_t> query_int64(std::string_view sql);
    // The first column of every row as text (PRAGMA quick_check).
    Result<std::vector<std::string>> query_texts(std::string_view sql);

    int64_t last_insert_rowid() const;
    int changes() const;
    sqlite3* handle() const { return m_db.get(); }

private:
    struct Closer {
        void operator()(sqlite3* db) const;
    };
    explicit Database(sqlite3* db) : m_db(db) {}

    // Declared first so that it is destroyed last; sqlite3_close_v2 also
    // defers the close until cached statements are finalised.
    std::unique_ptr<sqlite3, Closer> m_db;
    std::unordered_map<std::string, Statement> m_cache;
};

// BEGIN IMMEDIATE on construction (so a writer never fails half-way on a
// lock), ROLLBACK on destruction unless commit() succeeded.
class Transaction {
public:
    static Result<Transaction> begin(Database& db);
    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    ~Transaction();

    Result<void> commit();

private:
    explicit Transaction(Database& db) : m_db(&db) {}
    Database* m_db;
    bool m_open = true;
};

} // namespace feedback::sqlite
