// SQLite RAII wrapper and the mapping of SQLite result codes to typed errors.
#include "database.h"

#include "files/private_files.h"

#include <sqlite3.h>

#include <cassert>
#include <cerrno>

namespace feedback::sqlite {

Error make_error(sqlite3* db, int code, std::string_view context)
{
    ErrorKind kind = ErrorKind::internal;
    std::string what;
    switch (code & 0xFF) { // primary code; extended codes keep it in the low byte
    case SQLITE_FULL:
    case SQLITE_IOERR:
        // SQLite says I/O error, not full, when the file system has no room
        // for what it must write even to read (the -shm file of a WAL
        // database, made again when the database is opened); errno tells.
        if ((code & 0xFF) == SQLITE_FULL ||
            (db && (sqlite3_system_errno(db) == ENOSPC || sqlite3_system_errno(db) == EDQUOT))) {
            kind = ErrorKind::disk_full;
            what = "the disk is full (nothing already recorded is lost; free some space)";
        } else {
            kind = ErrorKind::io;
            what = "the disk reported an input/output error";
        }
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        kind = ErrorKind::busy;
        what = "the database is in use by another process";
        break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        kind = ErrorKind::corrupt;
        what = "the database file is damaged";
        break;
    case SQLITE_CONSTRAINT:
        kind = ErrorKind::conflict;
        what = "a database constraint was violated";
        break;
    case SQLITE_CANTOPEN:
        kind = ErrorKind::io;
        what = "the database file cannot be opened";
        break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
        kind = ErrorKind::io;
        what = "the database cannot be written";
        break;
    default:
        what = "SQLite error";
        break;
    }
    std::string message(context);
    message += ": ";
    message += what;
    const char* detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    if (detail && *detail) {
        message += " (";
        message += detail;
        message += ")";
    }
    return Error{kind, std::move(message)};
}

// [SECTION] Statement

Statement::Statement(Statement&& other) noexcept : m_db(other.m_db), m_stmt(other.m_stmt)
{
    other.m_stmt = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept
{
    if (this != &other) {
        sqlite3_finalize(m_stmt);
        m_db = other.m_db;
        m_stmt = other.m_stmt;
        other.m_stmt = nullptr;
    }
    return *this;
}

Statement::~Statement() { sqlite3_finalize(m_stmt); }

Statement& Statement::bind(int index, int64_t value)
{
    sqlite3_bind_int64(m_stmt, index, value);
    return *this;
}

Statement& Statement::bind(int index, double value)
{
    sqlite3_bind_double(m_stmt, index, value);
    return *this;
}

Statement& Statement::bind(int index, std::string_view text)
{
    sqlite3_bind_text64(m_stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes)
{
    sqlite3_bind_blob64(m_stmt, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind_null(int index)
{
    sqlite3_bind_null(m_stmt, index);
    return *this;
}

Result<bool> Statement::step()
{
    assert(m_stmt && "step() on an empty Statement");
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE) {
        reset();
        return false;
    }
    Error error = make_error(m_db, rc, "running SQL");
    reset();
    return error;
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
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

bool Statement::is_null(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }

int64_t Statement::column_int64(int column) const { return sqlite3_column_int64(m_stmt, column); }

double Statement::column_double(int column) const { return sqlite3_column_double(m_stmt, column); }

std::string Statement::column_blob(int column) const
{
    const void* bytes = sqlite3_column_blob(m_stmt, column);
    int size = sqlite3_column_bytes(m_stmt, column);
    if (!bytes)
        return {};
    return std::string(static_cast<const char*>(bytes), static_cast<size_t>(size));
}

std::string Statement::column_text(int column) const
{
    auto* text = sqlite3_column_text(m_stmt, column);
    int size = sqlite3_column_bytes(m_stmt, column);
    if (!text)
        return {};
    return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
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

// [SECTION] Database

void Database::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Result<Database> Database::open(const std::filesystem::path& file, OpenMode mode)
{
    int flags = SQLITE_OPEN_NOMUTEX; // one connection per thread, never shared
    switch (mode) {
    case OpenMode::read_write_create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
    case OpenMode::read_write: flags |= SQLITE_OPEN_READWRITE; break;
    case OpenMode::read_only: flags |= SQLITE_OPEN_READONLY; break;
    }
    // A database holds personal data: a new one is 0600 whatever the umask,
    // and SQLite gives its -wal and -shm files the same mode.
    if (mode == OpenMode::read_write_create)
        FEEDBACK_TRY(files::create_private_file(file));
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
    Database db(raw);
    if (rc != SQLITE_OK)
        return make_error(raw, rc, "opening " + file.string());
    sqlite3_extended_result_codes(raw, 1);
    return db;
}

Database::~Database() = default;

Result<void> Database::exec(std::string_view sql)
{
    std::string text(sql);
    char* message = nullptr;
    int rc = sqlite3_exec(m_db.get(), text.c_str(), nullptr, nullptr, &message);
    sqlite3_free(message);
    if (rc != SQLITE_OK)
        return make_error(m_db.get(), rc, "running SQL");
    return {};
}

Result<Statement> Database::prepare(std::string_view sql)
{
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(m_db.get(), sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK)
        return make_error(m_db.get(), rc, "preparing SQL");
    return Statement(m_db.get(), stmt);
}

Result<Statement*> Database::cached(std::string_view sql)
{
    std::string key(sql);
    auto it = m_cache.find(key);
    if (it == m_cache.end()) {
        auto stmt = prepare(sql);
        if (!stmt)
            return stmt.error();
        it = m_cache.emplace(std::move(key), std::move(*stmt)).first;
    }
    it->second.reset(); // a caller that stopped reading early left it mid-way
    return &it->second;
}

Result<int64_t> Database::query_int64(std::string_view sql)
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

Result<std::vector<std::string>> Database::query_texts(std::string_view sql)
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

int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(m_db.get()); }

int Database::changes() const { return sqlite3_changes(m_db.get()); }

// [SECTION] Transaction

namespace {

// Transaction control runs on every tap: cached, it is not parsed each time.
Result<void> run_cached(Database& db, std::string_view sql)
{
    auto stmt = db.cached(sql);
    if (!stmt)
        return stmt.error();
    return (*stmt)->run();
}

} // namespace

Result<Transaction> Transaction::begin(Database& db)
{
    auto begun = run_cached(db, "BEGIN IMMEDIATE");
    if (!begun)
        return begun.error();
    return Transaction(db);
}

Transaction::Transaction(Transaction&& other) noexcept : m_db(other.m_db), m_open(other.m_open)
{
    other.m_open = false;
}

Transaction::~Transaction()
{
    if (m_open)
        (void)run_cached(*m_db, "ROLLBACK");
}

Result<void> Transaction::commit()
{
    assert(m_open && "commit() twice");
    auto done = run_cached(*m_db, "COMMIT");
    if (!done) {
        // A failed COMMIT (disk full) leaves the transaction open; the
        // destructor's ROLLBACK ends it, keeping what was committed before.
        return done.error();
    }
    m_open = false;
    return {};
}

} // namespace feedback::sqlite
