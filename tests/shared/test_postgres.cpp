// Tests of the PostgreSQL layer (shared/postgres/): parameter rewriting and
// the SQLSTATE mapping without a server, then every bind and column type,
// cached statements, transactions, typed errors, a restart and a second
// connection against a real private PostgreSQL 15 cluster the test starts.
#include "postgres/connection.h"
#include "support/must.h"
#include "support/postgres_cluster.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace feedback;
using feedback::testing::must;
using feedback::postgres::Connection;
using feedback::postgres::numbered_parameters;
using feedback::postgres::Statement;
using feedback::postgres::Transaction;
using feedback::testing::PostgresCluster;

namespace {

// One cluster for every test case of a run: making and starting one takes
// about 2 s. A function-local static, which style.md otherwise avoids: made
// by the first test that needs it, stopped and removed at exit. (CTest runs
// each test case in a process of its own, so each makes its own.)
PostgresCluster& cluster()
{
    static PostgresCluster shared;
    return shared;
}

Connection connect() { return must(Connection::open(cluster().url())); }

int64_t count(Connection& conn, const std::string& sql) { return must(conn.query_int64(sql)); }

// A new, empty table: a SECTION runs its test case again from the top. (The
// notice that a table to drop is not there is not worth a line on stderr.)
void fresh_table(Connection& conn, const std::string& name, const std::string& columns)
{
    must(conn.exec("SET client_min_messages = warning; DROP TABLE IF EXISTS " + name + "; CREATE TABLE " + name +
                   " (" + columns + ")"));
}

} // namespace

// [SECTION] Without a server

TEST_CASE("numbered_parameters rewrites SQLite parameters outside strings, identifiers and comments", "[postgres]")
{
    CHECK(numbered_parameters("SELECT ?1, ?2 FROM t WHERE a = ?10") == "SELECT $1, $2 FROM t WHERE a = $10");
    CHECK(numbered_parameters("INSERT INTO t VALUES (?1,?2)") == "INSERT INTO t VALUES ($1,$2)");
    // Strings: '' inside, backslash escapes only in E'...'.
    CHECK(numbered_parameters("SELECT '?1', ?1") == "SELECT '?1', $1");
    CHECK(numbered_parameters("SELECT 'it''s ?1', ?2") == "SELECT 'it''s ?1', $2");
    CHECK(numbered_parameters(R"(SELECT E'\'?1', ?2)") == R"(SELECT E'\'?1', $2)");
    CHECK(numbered_parameters(R"(SELECT 'a\', ?1)") == R"(SELECT 'a\', $1)");
    CHECK(numbered_parameters("SELECT 'never closed ?1") == "SELECT 'never closed ?1");
    // Quoted identifiers.
    CHECK(numbered_parameters(R"(SELECT "odd?1""name" FROM t WHERE x = ?1)") ==
          R"(SELECT "odd?1""name" FROM t WHERE x = $1)");
    // A "?" without digits is an operator (jsonb), and ?? stays as it is.
    CHECK(numbered_parameters("SELECT data ? 'key', data ?| array['a'], a ?? b") ==
          "SELECT data ? 'key', data ?| array['a'], a ?? b");
    CHECK(numbered_parameters("SELECT ??1") == "SELECT ?$1");
    // Comments, block comments nested as PostgreSQL nests them.
    CHECK(numbered_parameters("-- ?1 here\nSELECT ?1") == "-- ?1 here\nSELECT $1");
    CHECK(numbered_parameters("SELECT 1 -- ?1") == "SELECT 1 -- ?1");
    CHECK(numbered_parameters("/* ?1 /* ?2 */ ?3 */ SELECT ?4") == "/* ?1 /* ?2 */ ?3 */ SELECT $4");
    CHECK(numbered_parameters("SELECT 4 / ?1 - ?2") == "SELECT 4 / $1 - $2");
    // "$": dollar quotes, PostgreSQL's own parameters, "$" in identifiers.
    CHECK(numbered_parameters("SELECT $$ ?1 'x $$, ?1") == "SELECT $$ ?1 'x $$, $1");
    CHECK(numbered_parameters("SELECT $fn$ ?1 $$ ?2 $fn$, ?3") == "SELECT $fn$ ?1 $$ ?2 $fn$, $3");
    CHECK(numbered_parameters("SELECT $1, ?2") == "SELECT $1, $2");
    CHECK(numbered_parameters("SELECT price$ FROM t$1 WHERE a$b$ = ?1") ==
          "SELECT price$ FROM t$1 WHERE a$b$ = $1");
    CHECK(numbered_parameters("SELECT $ ?1") == "SELECT $ $1");
    // UTF-8 passes through untouched.
    CHECK(numbered_parameters("SELECT 'Grüße ?1', \"naïve\" = ?1") == "SELECT 'Grüße ?1', \"naïve\" = $1");
    CHECK(numbered_parameters("") == "");
}

TEST_CASE("SQLSTATEs map to error kinds", "[postgres]")
{
    using postgres::kind_of_sqlstate;
    CHECK(kind_of_sqlstate("23505") == ErrorKind::conflict); // unique_violation
    CHECK(kind_of_sqlstate("23503") == ErrorKind::conflict); // foreign_key_violation
    CHECK(kind_of_sqlstate("23502") == ErrorKind::conflict); // not_null_violation
    CHECK(kind_of_sqlstate("40001") == ErrorKind::busy);     // serialization_failure
    CHECK(kind_of_sqlstate("40P01") == ErrorKind::busy);     // deadlock_detected
    CHECK(kind_of_sqlstate("55P03") == ErrorKind::busy);     // lock_not_available
    CHECK(kind_of_sqlstate("53100") == ErrorKind::disk_full);
    CHECK(kind_of_sqlstate("53200") == ErrorKind::disk_full); // out_of_memory
    CHECK(kind_of_sqlstate("08006") == ErrorKind::io);        // connection_failure
    CHECK(kind_of_sqlstate("57P01") == ErrorKind::io);        // admin_shutdown
    CHECK(kind_of_sqlstate("57P02") == ErrorKind::io);
    CHECK(kind_of_sqlstate("57P03") == ErrorKind::io); // cannot_connect_now
    CHECK(kind_of_sqlstate("57014") == ErrorKind::internal); // query_canceled
    CHECK(kind_of_sqlstate("22P02") == ErrorKind::invalid_input);
    CHECK(kind_of_sqlstate("22001") == ErrorKind::invalid_input);
    CHECK(kind_of_sqlstate("42601") == ErrorKind::internal); // syntax_error
    CHECK(kind_of_sqlstate("40002") == ErrorKind::internal);
    CHECK(kind_of_sqlstate("") == ErrorKind::internal);
}

// [SECTION] Against a real cluster

TEST_CASE("every bind and column type round-trips through PostgreSQL", "[postgres]")
{
    Connection conn = connect();
    fresh_table(conn, "round_trip", "id integer PRIMARY KEY, big bigint, small integer,"
                      " real_number double precision, words text, bytes bytea");

    std::string all_bytes;
    for (int value = 0; value < 256; ++value)
        all_bytes += static_cast<char>(value);
    all_bytes += std::string("\0\0end\0", 7);
    const std::string utf8 = "Grüße, 你好, 😀 — ‘quoted’ \\ 'single' \"double\" ?1 $1";
    const double tiny = std::numeric_limits<double>::denorm_min();

    struct Row {
        int id;
        std::optional<int64_t> big;
        std::optional<int> small;
        std::optional<double> real_number;
        std::optional<std::string> words;
        std::optional<std::string> bytes;
    };
    const std::vector<Row> rows = {
        {1, std::numeric_limits<int64_t>::max(), std::numeric_limits<int>::max(), 0.1, utf8, all_bytes},
        {2, std::numeric_limits<int64_t>::min(), std::numeric_limits<int>::min(), -1.5e300, std::string(),
         std::string()},
        {3, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
        {4, 0, -7, tiny, std::string(5000, 'x'), std::string("\0", 1)},
    };
    for (const Row& row : rows) {
        Statement insert = must(conn.prepare("INSERT INTO round_trip VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
        insert.bind(1, row.id).bind(2, row.big).bind(3, row.small).bind(4, row.real_number).bind(5, row.words);
        if (row.bytes)
            insert.bind_blob(6, *row.bytes);
        else
            insert.bind_null(6);
        must(insert.run());
    }

    Statement select =
        must(conn.prepare("SELECT id, big, small, real_number, words, bytes FROM round_trip ORDER BY id"));
    for (const Row& row : rows) {
        REQUIRE(must(select.step()));
        INFO("row " << row.id);
        CHECK(select.column_int64(0) == row.id);
        CHECK(select.column_optional_int64(1) == row.big);
        CHECK(select.column_optional_int64(2) == (row.small ? std::optional<int64_t>(*row.small) : std::nullopt));
        CHECK(select.is_null(3) == !row.real_number);
        if (row.real_number)
            CHECK(select.column_double(3) == *row.real_number); // exact: shortest round-trip text both ways
        CHECK(select.column_optional_text(4) == row.words);
        CHECK(select.is_null(5) == !row.bytes);
        CHECK(select.column_blob(5) == row.bytes.value_or(""));
        if (!row.big) {
            // NULL reads as 0 or empty, as in the SQLite layer.
            CHECK(select.column_int64(1) == 0);
            CHECK(select.column_double(3) == 0.0);
            CHECK(select.column_text(4).empty());
        }
    }
    CHECK_FALSE(must(select.step()));

    SECTION("special doubles and booleans")
    {
        Statement special = must(conn.prepare("SELECT ?1::float8, ?2::float8, ?3::float8, ?4 > 1, ?4 < 1"));
        special.bind(1, std::numeric_limits<double>::infinity())
            .bind(2, -std::numeric_limits<double>::infinity())
            .bind(3, std::nan(""))
            .bind(4, 2);
        REQUIRE(must(special.step()));
        CHECK(special.column_double(0) == std::numeric_limits<double>::infinity());
        CHECK(special.column_double(1) == -std::numeric_limits<double>::infinity());
        CHECK(std::isnan(special.column_double(2)));
        CHECK(special.column_int64(3) == 1); // a boolean reads as 1 or 0
        CHECK(special.column_int64(4) == 0);
        CHECK(special.column_text(3) == "t");
    }
    SECTION("a blob is bytea wherever the parameter stands, cached or not")
    {
        Statement echo = must(conn.prepare("SELECT ?1"));
        echo.bind_blob(1, all_bytes);
        REQUIRE(must(echo.step()));
        CHECK(echo.column_blob(0) == all_bytes);

        Statement* cached = must(conn.cached("SELECT ?1, ?2"));
        cached->bind(1, "text first").bind_null(2);
        REQUIRE(must(cached->step()));
        CHECK(cached->column_text(0) == "text first");
        cached->reset();
        // The statement was prepared without a bytea; it is prepared again.
        cached->bind(1, "text").bind_blob(2, all_bytes);
        REQUIRE(must(cached->step()));
        CHECK(cached->column_blob(1) == all_bytes);
        cached->reset();
        cached->bind(1, "text").bind_null(2);
        REQUIRE(must(cached->step()));
        CHECK(cached->is_null(1));
        cached->reset();
    }
    SECTION("a text column read as a blob gives its bytes, an unbound parameter is NULL")
    {
        Statement both = must(conn.prepare("SELECT ?1::text, ?2::text"));
        both.bind(2, utf8);
        REQUIRE(must(both.step()));
        CHECK(both.is_null(0));
        CHECK(both.column_blob(1) == utf8);
    }
    SECTION("text with a NUL byte is refused, not cut short")
    {
        Statement insert = must(conn.prepare("INSERT INTO round_trip (id, words) VALUES (?1, ?2)"));
        insert.bind(1, 99).bind(2, std::string_view("before\0after", 12));
        auto refused = insert.run();
        REQUIRE_FALSE(refused);
        CHECK(refused.error().kind == ErrorKind::invalid_input);
        CHECK_THAT(refused.error().message, Catch::Contains("?2") && !Catch::Contains("before"));
        CHECK(count(conn, "SELECT count(*) FROM round_trip WHERE id = 99") == 0);
    }
    SECTION("query_int64 and query_texts")
    {
        CHECK(count(conn, "SELECT count(*) FROM round_trip") == 4);
        CHECK(must(conn.query_texts("SELECT words FROM round_trip WHERE words IS NOT NULL ORDER BY id")) ==
              std::vector<std::string>{utf8, "", std::string(5000, 'x')});
        auto none = conn.query_int64("SELECT 1 WHERE false");
        REQUIRE_FALSE(none);
        CHECK(none.error().kind == ErrorKind::not_found);
    }
}

TEST_CASE("cached statements are prepared once and reused many times", "[postgres]")
{
    Connection conn = connect();
    fresh_table(conn, "cached_rows", "id bigint PRIMARY KEY, label text NOT NULL");
    const std::string insert_sql = "INSERT INTO cached_rows (id, label) VALUES (?1, ?2)";
    const std::string select_sql = "SELECT label FROM cached_rows WHERE id = ?1";

    Statement* first = must(conn.cached(insert_sql));
    {
        auto transaction = must(Transaction::begin(conn));
        for (int64_t id = 1; id <= 1000; ++id) {
            Statement* insert = must(conn.cached(insert_sql));
            REQUIRE(insert == first);
            must(insert->bind(1, id).bind(2, "row " + std::to_string(id)).run());
        }
        must(transaction.commit());
    }
    for (int64_t id = 1; id <= 1000; id += 7) {
        Statement* select = must(conn.cached(select_sql));
        select->bind(1, id);
        REQUIRE(must(select->step()));
        CHECK(select->column_text(0) == "row " + std::to_string(id));
        // Left mid-way on purpose: cached() resets it for the next use.
    }
    // Each SQL text is one statement on the server, whatever the uses.
    CHECK(must(conn.query_texts("SELECT statement FROM pg_prepared_statements ORDER BY name")) ==
          std::vector<std::string>{"INSERT INTO cached_rows (id, label) VALUES ($1, $2)",
                                   "SELECT label FROM cached_rows WHERE id = $1"});
    CHECK(count(conn, "SELECT count(*) FROM cached_rows") == 1000);

    // A connection moved (into a Result, a member) keeps its cache.
    Connection moved = std::move(conn);
    Statement* again = must(moved.cached(select_sql));
    CHECK(again->bind(1, int64_t{1000}).step().value());
    CHECK(again->column_text(0) == "row 1000");
}

TEST_CASE("a transaction is rolled back unless committed", "[postgres]")
{
    Connection conn = connect();
    fresh_table(conn, "ledger", "id integer PRIMARY KEY");
    auto insert = [&](int id) { return must(conn.cached("INSERT INTO ledger VALUES (?1)"))->bind(1, id).run(); };

    {
        auto transaction = must(Transaction::begin(conn));
        must(insert(1));
        must(insert(2));
        CHECK(count(conn, "SELECT count(*) FROM ledger") == 2); // seen inside
    } // destroyed without commit()
    CHECK(count(conn, "SELECT count(*) FROM ledger") == 0);

    {
        auto transaction = must(Transaction::begin(conn));
        must(insert(3));
        must(transaction.commit());
    }
    CHECK(count(conn, "SELECT count(*) FROM ledger") == 1);

    SECTION("a transaction in which a statement failed commits nothing")
    {
        auto transaction = must(Transaction::begin(conn));
        must(insert(4));
        REQUIRE_FALSE(insert(3)); // duplicate: PostgreSQL aborts the transaction
        auto ignored = insert(5);
        CHECK_FALSE(ignored); // refused until the end of the transaction
        auto committed = transaction.commit();
        REQUIRE_FALSE(committed);
        CHECK_THAT(committed.error().message, Catch::Contains("rolled it back"));
        CHECK(count(conn, "SELECT count(*) FROM ledger") == 1);
        // The connection is usable again at once.
        auto next = must(Transaction::begin(conn));
        must(insert(6));
        must(next.commit());
        CHECK(count(conn, "SELECT count(*) FROM ledger") == 2);
    }
}

TEST_CASE("errors are typed and never quote the values", "[postgres]")
{
    Connection conn = connect();
    fresh_table(conn, "contacts", "email text PRIMARY KEY, age integer");
    const std::string email = "jan.jansen@example.com";
    must(must(conn.prepare("INSERT INTO contacts VALUES (?1, 40)")).bind(1, email).run());

    SECTION("a unique violation is a conflict")
    {
        Statement again = must(conn.prepare("INSERT INTO contacts VALUES (?1, 41)"));
        auto refused = again.bind(1, email).run();
        REQUIRE_FALSE(refused);
        CHECK(refused.error().kind == ErrorKind::conflict);
        CHECK_THAT(refused.error().message,
                   Catch::Contains("contacts_pkey") && Catch::Contains("23505") && !Catch::Contains("jan.jansen"));
        // The same through a cached statement, twice: it stays usable.
        for (int attempt = 0; attempt < 2; ++attempt) {
            auto cached = must(conn.cached("INSERT INTO contacts VALUES (?1, ?2)"))->bind(1, email).bind(2, 42).run();
            REQUIRE_FALSE(cached);
            CHECK(cached.error().kind == ErrorKind::conflict);
        }
    }
    SECTION("a value that does not parse is invalid input, and not quoted")
    {
        Statement bad = must(conn.prepare("UPDATE contacts SET age = ?1 WHERE email = ?2"));
        auto refused = bad.bind(1, "forty-one (private)").bind(2, email).run();
        REQUIRE_FALSE(refused);
        CHECK(refused.error().kind == ErrorKind::invalid_input);
        CHECK_THAT(refused.error().message,
                   Catch::Contains("22P02") && !Catch::Contains("private") && !Catch::Contains("jan.jansen"));
    }
    SECTION("bad SQL is internal, with PostgreSQL's words")
    {
        auto refused = conn.exec("SELEKT 1");
        REQUIRE_FALSE(refused);
        CHECK(refused.error().kind == ErrorKind::internal);
        CHECK_THAT(refused.error().message, Catch::Contains("syntax error") && Catch::Contains("42601"));
        auto unknown = must(conn.cached("SELECT nothing FROM nowhere"))->step();
        REQUIRE_FALSE(unknown);
        CHECK_THAT(unknown.error().message, Catch::StartsWith("preparing SQL") && Catch::Contains("nowhere"));
    }
    SECTION("a lock not available is busy")
    {
        Connection other = connect();
        auto holding = must(Transaction::begin(other));
        must(other.exec("LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE"));
        auto waiting = must(Transaction::begin(conn));
        auto refused = conn.exec("LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE NOWAIT");
        REQUIRE_FALSE(refused);
        CHECK(refused.error().kind == ErrorKind::busy);
    }
    SECTION("a server that is not there is io")
    {
        auto nowhere = Connection::open("postgresql://postgres@/feedback?host=" + cluster().folder().string() +
                                        "&port=" + std::to_string(cluster().port() + 1));
        REQUIRE_FALSE(nowhere);
        CHECK(nowhere.error().kind == ErrorKind::io);
        CHECK_THAT(nowhere.error().message, Catch::StartsWith("connecting to PostgreSQL"));
    }
}

TEST_CASE("after a server restart an idle connection opens again at its next call, which succeeds", "[postgres]")
{
    Connection conn = connect();
    fresh_table(conn, "survivors", "id integer PRIMARY KEY");
    const std::string insert_sql = "INSERT INTO survivors VALUES (?1)";
    must(must(conn.cached(insert_sql))->bind(1, 1).run());

    cluster().restart();

    // The server said goodbye to the idle session when it stopped: the next
    // call outside a transaction reads that, opens the connection again by
    // itself and succeeds (as a pooled connection's first request after a
    // restart must); the cached statement is prepared again on the new
    // session.
    must(must(conn.cached(insert_sql))->bind(1, 2).run());
    must(must(conn.cached(insert_sql))->bind(1, 3).run());
    CHECK(count(conn, "SELECT count(*) FROM survivors") == 3);

    SECTION("a transaction open across the restart fails to its end, and never goes on outside it")
    {
        {
            auto transaction = must(Transaction::begin(conn));
            must(must(conn.cached(insert_sql))->bind(1, 4).run());
            cluster().restart();
            auto cut_inside = must(conn.cached(insert_sql))->bind(1, 5).run();
            REQUIRE_FALSE(cut_inside);
            CHECK(cut_inside.error().kind == ErrorKind::io);
            // Still inside: no new session, so 6 is not written on its own.
            auto after_cut = must(conn.cached(insert_sql))->bind(1, 6).run();
            REQUIRE_FALSE(after_cut);
            CHECK(after_cut.error().kind == ErrorKind::io);
            auto commit = transaction.commit();
            REQUIRE_FALSE(commit);
            CHECK(commit.error().kind == ErrorKind::io);
        }
        CHECK(count(conn, "SELECT count(*) FROM survivors") == 3);
        auto again = must(Transaction::begin(conn));
        must(must(conn.cached(insert_sql))->bind(1, 7).run());
        must(again.commit());
        CHECK(count(conn, "SELECT count(*) FROM survivors") == 4);
    }
}

TEST_CASE("a NOTIFY reaches a listening connection when its transaction commits, and after a reconnect too",
          "[postgres]")
{
    Connection listener = connect();
    Connection writer = connect();
    must(listener.listen("feedback_test"));
    CHECK_FALSE(must(listener.await_notification(std::chrono::milliseconds(0))));
    {
        auto transaction = must(Transaction::begin(writer));
        must(writer.exec("NOTIFY feedback_test"));
        CHECK_FALSE(must(listener.await_notification(std::chrono::milliseconds(100)))); // not yet committed
        must(transaction.commit());
    }
    CHECK(must(listener.await_notification(std::chrono::seconds(5))));
    CHECK_FALSE(must(listener.await_notification(std::chrono::milliseconds(0)))); // taken
    // Two in a row are taken at once.
    must(writer.exec("NOTIFY feedback_test, 'a'"));
    must(writer.exec("NOTIFY feedback_test, 'b'"));
    CHECK(must(listener.await_notification(std::chrono::seconds(5))));

    cluster().restart();
    auto cut = listener.await_notification(std::chrono::seconds(5));
    REQUIRE_FALSE(cut);
    CHECK(cut.error().kind == ErrorKind::io);
    must(listener.listen("feedback_test")); // a new session: listens again
    must(writer.exec("NOTIFY feedback_test")); // the writer's session opens again by itself
    CHECK(must(listener.await_notification(std::chrono::seconds(5))));
}

TEST_CASE("two connections see each other's committed rows", "[postgres]")
{
    Connection writer = connect();
    Connection reader = connect();
    fresh_table(writer, "shared_rows", "id integer PRIMARY KEY, note text");

    {
        auto transaction = must(Transaction::begin(writer));
        must(must(writer.cached("INSERT INTO shared_rows VALUES (?1, ?2)"))->bind(1, 1).bind(2, "from writer").run());
        CHECK(count(reader, "SELECT count(*) FROM shared_rows") == 0); // not yet committed
        must(transaction.commit());
    }
    Statement* read = must(reader.cached("SELECT note FROM shared_rows WHERE id = ?1"));
    REQUIRE(must(read->bind(1, 1).step()));
    CHECK(read->column_text(0) == "from writer");
    read->reset();

    must(must(reader.cached("INSERT INTO shared_rows VALUES (?1, ?2)"))->bind(1, 2).bind(2, "from reader").run());
    CHECK(must(writer.query_texts("SELECT note FROM shared_rows ORDER BY id")) ==
          std::vector<std::string>{"from writer", "from reader"});
}
