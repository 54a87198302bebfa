// The same tests on both of head office's database backends through one
// interface (shared/sql/connection.h): a real SQLite file and a real
// PostgreSQL 15 database in a private cluster the test starts itself.
#include "sql/connection.h"
#include "support/must.h"
#include "support/postgres_cluster.h"
#include "support/sql_backends.h"

#include <catch2/catch.hpp>

#include <limits>

using namespace feedback;
using feedback::testing::each_backend;
using feedback::testing::must;
using feedback::testing::SqlBackends;

TEST_CASE("every bind and column type reads back the same on both backends", "[sql]")
{
    const sql::Backend backend = each_backend();
    INFO(sql::to_string(backend));
    SqlBackends databases;
    auto db = databases.fresh(backend);
    CHECK(db->backend() == backend);
    const sql::Dialect dialect = db->dialect();
    must(db->exec("CREATE TABLE kinds (n BIGINT, x DOUBLE PRECISION, t TEXT, b " + std::string(dialect.bytes_type()) +
                  ", maybe TEXT)"));

    std::string all_bytes;
    for (int i = 0; i < 256; ++i)
        all_bytes.push_back(static_cast<char>(i));
    const std::string text = "Zoë's klacht: € 12,50 — 👍";
    for (int64_t n : {std::numeric_limits<int64_t>::min(), int64_t{-1}, int64_t{0}, std::numeric_limits<int64_t>::max()}) {
        auto insert = must(db->prepare("INSERT INTO kinds (n, x, t, b, maybe) VALUES (?1, ?2, ?3, ?4, ?5)"));
        insert.bind(1, n).bind(2, 0.25).bind(3, text).bind_blob(4, all_bytes).bind(5, std::optional<std::string>());
        must(insert.run());
    }
    auto read = must(db->prepare("SELECT n, x, t, b, maybe FROM kinds ORDER BY n"));
    std::vector<int64_t> numbers;
    while (must(read.step())) {
        numbers.push_back(read.column_int64(0));
        CHECK(read.column_double(1) == 0.25);
        CHECK(read.column_text(2) == text);
        CHECK(read.column_blob(3) == all_bytes);
        CHECK(read.is_null(4));
        CHECK_FALSE(read.column_optional_text(4));
        CHECK(read.column_optional_int64(0) == numbers.back());
    }
    CHECK(numbers == std::vector<int64_t>{std::numeric_limits<int64_t>::min(), -1, 0,
                                          std::numeric_limits<int64_t>::max()});
    CHECK(must(db->query_int64("SELECT count(*) FROM kinds")) == 4);
    CHECK(must(db->query_texts("SELECT t FROM kinds WHERE n = 0")) == std::vector<std::string>{text});
}

TEST_CASE("a cached statement is ready again at every use, and the dialect numbers rows by itself", "[sql]")
{
    const sql::Backend backend = each_backend();
    INFO(sql::to_string(backend));
    SqlBackends databases;
    auto db = databases.fresh(backend);
    must(db->exec("CREATE TABLE taps (id " + std::string(db->dialect().auto_id()) + ", score BIGINT NOT NULL)"));
    for (int score = 0; score <= 10; ++score) {
        sql::Statement* insert = must(db->cached("INSERT INTO taps (score) VALUES (?1)"));
        must(insert->bind(1, score).run());
    }
    // A statement left half-read is reset by the next cached() of the same SQL.
    sql::Statement* first = must(db->cached("SELECT id, score FROM taps ORDER BY id"));
    REQUIRE(must(first->step()));
    sql::Statement* again = must(db->cached("SELECT id, score FROM taps ORDER BY id"));
    CHECK(again == first);
    int64_t expected_id = 1;
    int rows = 0;
    while (must(again->step())) {
        CHECK(again->column_int64(0) == expected_id++);
        CHECK(again->column_int64(1) == rows++);
    }
    CHECK(rows == 11);
    CHECK(must(db->query_int64("SELECT " + db->dialect().greatest("3", "(SELECT max(score) FROM taps)"))) == 10);
}

TEST_CASE("a transaction keeps all or nothing, and a second connection sees only what was committed", "[sql]")
{
    const sql::Backend backend = each_backend();
    INFO(sql::to_string(backend));
    SqlBackends databases;
    const std::string where = databases.new_database(backend);
    auto db = databases.connect(backend, where);
    auto other = databases.connect(backend, where);
    must(db->exec("CREATE TABLE events (id TEXT PRIMARY KEY, body TEXT NOT NULL)"));
    {
        auto txn = must(sql::Transaction::begin(*db));
        must(must(db->cached("INSERT INTO events (id, body) VALUES (?1, ?2)"))->bind(1, "a").bind(2, "{}").run());
        CHECK(must(other->query_int64("SELECT count(*) FROM events")) == 0); // not yet committed
    } // rolled back
    CHECK(must(db->query_int64("SELECT count(*) FROM events")) == 0);
    {
        auto txn = must(sql::Transaction::begin(*db));
        must(must(db->cached("INSERT INTO events (id, body) VALUES (?1, ?2)"))->bind(1, "a").bind(2, "{}").run());
        must(must(db->cached("INSERT INTO events (id, body) VALUES (?1, ?2)"))->bind(1, "b").bind(2, "{}").run());
        must(txn.commit());
    }
    CHECK(must(other->query_int64("SELECT count(*) FROM events")) == 2);
}

TEST_CASE("a repeated key is a conflict on both backends, and the connection goes on", "[sql]")
{
    const sql::Backend backend = each_backend();
    INFO(sql::to_string(backend));
    SqlBackends databases;
    auto db = databases.fresh(backend);
    must(db->exec("CREATE TABLE events (id TEXT PRIMARY KEY)"));
    must(must(db->prepare("INSERT INTO events (id) VALUES (?1)")).bind(1, "same").run());
    auto repeated = must(db->prepare("INSERT INTO events (id) VALUES (?1)")).bind(1, "same").run();
    REQUIRE_FALSE(repeated);
    CHECK(repeated.error().kind == ErrorKind::conflict);
    CHECK(repeated.error().message.find("same") == std::string::npos); // values stay out of messages
    // Inserting what is already there is skipped the same way on both.
    must(must(db->prepare("INSERT INTO events (id) VALUES (?1) ON CONFLICT DO NOTHING")).bind(1, "same").run());
    CHECK(must(db->query_int64("SELECT count(*) FROM events")) == 1);
}

TEST_CASE("PostgreSQL URLs are told from SQLite files, and shown without their password", "[sql]")
{
    CHECK(sql::is_postgresql_url("postgresql://hq@db.example/feedback"));
    CHECK(sql::is_postgresql_url("postgres://hq@/feedback?host=/run/postgresql"));
    CHECK_FALSE(sql::is_postgresql_url("/var/lib/feedback-hq/hq.db"));
    CHECK_FALSE(sql::is_postgresql_url("postgresql"));
    CHECK(std::string(sql::to_string(sql::Backend::postgresql)) == "postgresql");
    // Passwords stay out of messages and logs.
    CHECK(sql::without_password("postgresql://hq:s3cret@db.example:5432/feedback?sslmode=require") ==
          "postgresql://hq:***@db.example:5432/feedback?sslmode=require");
    CHECK(sql::without_password("postgresql://hq@db.example/feedback") == "postgresql://hq@db.example/feedback");
    CHECK(sql::without_password("postgresql://db.example/feedback") == "postgresql://db.example/feedback");
    CHECK(sql::without_password("postgresql:///feedback?host=/run/postgresql") ==
          "postgresql:///feedback?host=/run/postgresql");
    CHECK(sql::without_password("postgresql://hq:p@ss@db/feedback") == "postgresql://hq:***@db/feedback");
}

TEST_CASE("JSON held as text is read the same way on both backends", "[sql]")
{
    const sql::Backend backend = each_backend();
    INFO(sql::to_string(backend));
    SqlBackends databases;
    auto db = databases.fresh(backend);
    const sql::Dialect dialect = db->dialect();
    must(db->exec("CREATE TABLE events (id TEXT PRIMARY KEY, body TEXT NOT NULL)"));
    must(must(db->prepare("INSERT INTO events (id, body) VALUES (?1, ?2)"))
             .bind(1, "a")
             .bind(2, R"({"payload": {"score": 9, "reason_ids": ["staff", "price"], "store": "UTR"}})")
             .run());
    must(must(db->prepare("INSERT INTO events (id, body) VALUES (?1, ?2)"))
             .bind(1, "b")
             .bind(2, R"({"payload": {"reason_ids": []}})")
             .run());
    CHECK(must(db->query_texts("SELECT " + dialect.json_text("body", "payload.store") + " FROM events ORDER BY id")) ==
          std::vector<std::string>{"UTR", ""});
    CHECK(must(db->query_int64("SELECT CAST(" + dialect.json_text("body", "payload.score") +
                               " AS BIGINT) + 1 FROM events WHERE id = 'a'")) == 10);
    CHECK(must(db->query_texts("SELECT j.value FROM events AS e, " +
                               dialect.json_array_items(dialect.json_text("e.body", "payload.reason_ids"), "j") +
                               " ORDER BY 1")) == std::vector<std::string>{"price", "staff"});
}
