// sql::Connection over PostgreSQL (postgres/connection.h), through the one
// adapter both backends share (forwarding.h).
#include "sql/connection.h"

#include "postgres/connection.h"
#include "sql/forwarding.h"

namespace feedback::sql {

namespace {

using PostgresConnection = detail::ForwardingConnection<Backend::postgresql, postgres::Connection,
                                                        postgres::Statement, postgres::Transaction>;

} // namespace

Result<std::unique_ptr<Connection>> open_postgresql(std::string_view url)
{
    auto opened = postgres::Connection::open(url);
    FEEDBACK_TRY(opened);
    return std::unique_ptr<Connection>(std::make_unique<PostgresConnection>(std::move(*opened)));
}

postgres::Connection* postgres_connection(Connection& connection)
{
    auto* over = dynamic_cast<PostgresConnection*>(&connection);
    return over ? &over->wrapped() : nullptr;
}

} // namespace feedback::sql
