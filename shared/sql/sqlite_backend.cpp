// sql::Connection over SQLite (sqlite/database.h), through the one adapter
// both backends share (forwarding.h).
#include "sql/connection.h"

#include "sql/forwarding.h"

namespace feedback::sql {

namespace {

using SqliteConnection =
    detail::ForwardingConnection<Backend::sqlite, sqlite::Database, sqlite::Statement, sqlite::Transaction>;

} // namespace

std::unique_ptr<Connection> over_sqlite(sqlite::Database database)
{
    return std::make_unique<SqliteConnection>(std::move(database));
}

sqlite::Database* sqlite_database(Connection& connection)
{
    auto* over = dynamic_cast<SqliteConnection*>(&connection);
    return over ? &over->wrapped() : nullptr;
}

} // namespace feedback::sql
