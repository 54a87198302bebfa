// How both backends sit behind sql::Connection (connection.h): the SQLite
// wrapper (sqlite/database.h) and the PostgreSQL one (postgres/connection.h)
// have the same shape, so one adapter, a template over the wrapper's
// database, statement and transaction types, passes each call on. Private
// to shared/sql: sqlite_backend.cpp and postgres_backend.cpp name it.
#pragma once

#include "sql/connection.h"

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace feedback::sql::detail {

template <class WrappedStatement>
class ForwardingStatement final : public StatementBackend {
public:
    explicit ForwardingStatement(WrappedStatement* statement) : m_statement(statement) {}
    explicit ForwardingStatement(WrappedStatement owned) : m_owned(std::move(owned)), m_statement(&*m_owned) {}
    // m_statement may point into m_owned: made where it stays.
    ForwardingStatement(ForwardingStatement&&) = delete;
    ForwardingStatement& operator=(ForwardingStatement&&) = delete;

    void bind_int64(int index, int64_t value) override { m_statement->bind(index, value); }
    void bind_double(int index, double value) override { m_statement->bind(index, value); }
    void bind_text(int index, std::string_view text) override { m_statement->bind(index, text); }
    void bind_blob(int index, std::string_view bytes) override { m_statement->bind_blob(index, bytes); }
    void bind_null(int index) override { m_statement->bind_null(index); }
    Result<bool> step() override { return m_statement->step(); }
    Result<void> run() override { return m_statement->run(); }
    void reset() override { m_statement->reset(); }
    bool is_null(int column) const override { return m_statement->is_null(column); }
    int64_t column_int64(int column) const override { return m_statement->column_int64(column); }
    double column_double(int column) const override { return m_statement->column_double(column); }
    std::string column_text(int column) const override { return m_statement->column_text(column); }
    std::string column_blob(int column) const override { return m_statement->column_blob(column); }

private:
    std::optional<WrappedStatement> m_owned; // a prepared one; a cached one belongs to the wrapped database
    WrappedStatement* m_statement;
};

template <Backend kind, class WrappedDatabase, class WrappedStatement, class WrappedTransaction>
class ForwardingConnection final : public Connection {
public:
    explicit ForwardingConnection(WrappedDatabase database) : m_database(std::move(database)) {}

    Backend backend() const override { return kind; }
    Result<void> exec(std::string_view sql) override { return m_database.exec(sql); }
    Result<Statement> prepare(std::string_view sql) override
    {
        auto prepared = m_database.prepare(sql);
        FEEDBACK_TRY(prepared);
        return Statement(std::make_unique<ForwardingStatement<WrappedStatement>>(std::move(*prepared)));
    }
    Result<Statement*> cached(std::string_view sql) override
    {
        auto found = m_cache.find(std::string(sql));
        if (found != m_cache.end()) {
            found->second.reset();
            return &found->second;
        }
        auto statement = m_database.cached(sql);
        FEEDBACK_TRY(statement);
        auto [kept, added] =
            m_cache.try_emplace(std::string(sql), std::make_unique<ForwardingStatement<WrappedStatement>>(*statement));
        return &kept->second;
    }
    Result<int64_t> query_int64(std::string_view sql) override { return m_database.query_int64(sql); }
    Result<std::vector<std::string>> query_texts(std::string_view sql) override
    {
        return m_database.query_texts(sql);
    }

    WrappedDatabase& wrapped() { return m_database; }

private:
    Result<void> begin() override
    {
        auto begun = WrappedTransaction::begin(m_database);
        FEEDBACK_TRY(begun);
        m_transaction.emplace(std::move(*begun));
        return {};
    }
    Result<void> commit() override
    {
        auto committed = m_transaction->commit();
        m_transaction.reset();
        return committed;
    }
    void rollback() override { m_transaction.reset(); }

    WrappedDatabase m_database;
    // Wrappers of the wrapped database's own cached statements, by their SQL.
    std::unordered_map<std::string, Statement> m_cache;
    std::optional<WrappedTransaction> m_transaction;
};

} // namespace feedback::sql::detail
