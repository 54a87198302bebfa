// The dashboard's users, sessions, failed-login counts and audit log on the
// web_* tables of head office's database, SQLite or PostgreSQL (the schemas
// are in hq_schema.cpp).
#include "users.h"

#include "common/protocol.h"
#include "crypto/argon2id.h"
#include "crypto/sha256.h"
#include "domain/refcode.h"
#include "domain/text_escape.h"
#include "domain/validation.h"
#include "hq/api/api_tokens.h"

#include <algorithm>

namespace feedback::hq::web {

namespace {

constexpr size_t password_memory_bytes = 64u * 1024u * 1024u;
constexpr size_t min_password_chars = 12;
constexpr size_t max_password_chars = 256;
// A session's last use is written at most this often, so reading pages does
// not make a write each time.
constexpr int64_t touch_interval_ms = 60 * 1000;

// A user's columns, their stores as one comma-separated text (SQLite 3.40
// has group_concat() but not yet string_agg(), PostgreSQL only the latter);
// `table` is the name or alias of web_users in the query.
std::string user_columns(sql::Backend backend, std::string_view table = "web_users")
{
    std::string t(table);
    std::string list =
        backend == sql::Backend::sqlite ? "group_concat(store_code, ',')" : "string_agg(store_code, ',')";
    return t + ".name, " + t + ".role, " + t + ".created_at, " + t + ".disabled_at, "
           "(SELECT coalesce(" + list + ", '') FROM web_user_stores WHERE user_name = " + t + ".name), " + t +
           ".email";
}

User user_from_row(const sql::Statement& s, int first = 0)
{
    User user;
    user.name = s.column_text(first);
    user.role = role_from_string(s.column_text(first + 1)).value_or(Role::viewer);
    user.created_at = s.column_int64(first + 2);
    user.disabled_at = s.column_optional_int64(first + 3);
    std::string stores = s.column_text(first + 4);
    for (size_t start = 0; start < stores.size();) {
        size_t comma = std::min(stores.find(',', start), stores.size());
        user.stores.push_back(stores.substr(start, comma - start));
        start = comma + 1;
    }
    std::sort(user.stores.begin(), user.stores.end());
    user.email = s.column_text(first + 5);
    return user;
}

// Failure counts are kept under a hash of what was typed: a password typed
// into the name field must not end up in the database. A name is counted
// with the address it was tried from, so guessing from one address cannot
// lock its owner out everywhere (the address's length first: no pair of
// name and address can spell another's key).
std::string name_key(std::string_view name, std::string_view address)
{
    return crypto::sha256_hex("name@address:" + std::to_string(address.size()) + ":" + std::string(address) + ":" +
                              std::string(name));
}
std::string address_key(std::string_view address) { return crypto::sha256_hex("address:" + std::string(address)); }

} // namespace

std::string_view to_string(Role role)
{
    switch (role) {
    case Role::viewer:
        return "viewer";
    case Role::manager:
        return "manager";
    case Role::admin:
        return "admin";
    }
    return "viewer";
}

std::optional<Role> role_from_string(std::string_view text)
{
    for (Role role : {Role::viewer, Role::manager, Role::admin})
        if (to_string(role) == text)
            return role;
    return std::nullopt;
}

bool at_least(Role have, Role need) { return static_cast<int>(have) >= static_cast<int>(need); }

bool is_valid_user_name(std::string_view name)
{
    if (name.empty() || name.size() > 40)
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
               c == '-';
    });
}

std::optional<std::string> password_problem(std::string_view password)
{
    // Count code points, not bytes, so a passphrase in any script counts fairly.
    size_t chars = 0;
    for (char c : password)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
            ++chars;
    if (chars < min_password_chars)
        return "a password must have at least " + std::to_string(min_password_chars) + " characters";
    if (chars > max_password_chars)
        return "a password may have at most " + std::to_string(max_password_chars) + " characters";
    if (password.find('\0') != std::string_view::npos)
        return "a password may not contain a NUL character";
    return std::nullopt;
}

Result<std::string> hash_password(std::string_view password)
{
    if (auto problem = password_problem(password))
        return Error{ErrorKind::invalid_input, *problem};
    return crypto::hash_argon2id(password, crypto::interactive_cost(password_memory_bytes));
}

std::string csrf_token_for(std::string_view session_token)
{
    return crypto::sha256_hex("csrf:" + std::string(session_token));
}

bool constant_time_equal(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < a.size(); ++i)
        diff = static_cast<unsigned char>(diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
    return diff == 0;
}

// [SECTION] Users

Result<User> UserStore::add_user(std::string_view name, Role role, std::string_view password_hash, int64_t now_ms,
                                 const std::vector<std::string>& stores)
{
    if (!is_valid_user_name(name))
        return Error{ErrorKind::invalid_input, "a user name is 1 to 40 characters from A-Z, a-z, 0-9, _ . -"};
    if (!crypto::is_argon2id_hash(password_hash))
        return Error{ErrorKind::invalid_input, "the password hash is not an argon2id hash"};
    // Events name a user "hq:NAME" and an intake API token "hq:api.NAME":
    // a user may not pose as a tool.
    if (name.starts_with(api::actor_prefix))
        return Error{ErrorKind::invalid_input, "a user name may not start with \"" + std::string(api::actor_prefix) +
                                                   "\": events name the intake API's tokens so"};
    FEEDBACK_TRY(check_store_codes(stores));
    auto known = find_user(name);
    FEEDBACK_TRY(known);
    if (*known)
        return Error{ErrorKind::conflict, "there is already a user called " + std::string(name)};
    auto txn = sql::Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    auto insert = m_db->prepare("INSERT INTO web_users(name, role, password_hash, created_at, password_set_at) "
                                "VALUES (?1, ?2, ?3, ?4, ?4)");
    FEEDBACK_TRY(insert);
    FEEDBACK_TRY(insert->bind(1, name).bind(2, to_string(role)).bind(3, password_hash).bind(4, now_ms).run());
    FEEDBACK_TRY(write_stores(name, stores));
    FEEDBACK_TRY(txn->commit());
    User user{std::string(name), role, now_ms, std::nullopt, stores, {}};
    std::sort(user.stores.begin(), user.stores.end());
    return user;
}

Result<std::vector<User>> UserStore::users()
{
    auto stmt = m_db->prepare("SELECT " + user_columns(m_db->backend()) + " FROM web_users ORDER BY name");
    FEEDBACK_TRY(stmt);
    std::vector<User> out;
    for (;;) {
        auto row = stmt->step();
        FEEDBACK_TRY(row);
        if (!*row)
            return out;
        out.push_back(user_from_row(*stmt));
    }
}

Result<std::optional<User>> UserStore::find_user(std::string_view name)
{
    auto stmt = m_db->cached("SELECT " + user_columns(m_db->backend()) + " FROM web_users WHERE name = ?1");
    FEEDBACK_TRY(stmt);
    auto row = (*stmt)->bind(1, name).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return std::optional<User>{};
    User user = user_from_row(**stmt);
    (*stmt)->reset();
    return std::optional<User>{std::move(user)};
}

Result<void> UserStore::check_user_exists(std::string_view name)
{
    auto known = find_user(name);
    FEEDBACK_TRY(known);
    if (!*known)
        return Error{ErrorKind::not_found, "there is no user called " + std::string(name)};
    return {};
}

Result<void> UserStore::set_role(std::string_view name, Role role)
{
    FEEDBACK_TRY(check_user_exists(name));
    auto txn = sql::Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    auto stmt = m_db->prepare("UPDATE web_users SET role = ?2 WHERE name = ?1");
    FEEDBACK_TRY(stmt);
    FEEDBACK_TRY(stmt->bind(1, name).bind(2, to_string(role)).run());
    FEEDBACK_TRY(end_sessions_of(name));
    return txn->commit();
}

Result<void> UserStore::set_email(std::string_view name, std::string_view email)
{
    if (!email.empty() && !is_valid_email(email))
        return Error{ErrorKind::invalid_input, "an e-mail address looks like name@example.nl (got \"" +
                                                   escape_control_characters(email) + "\")"};
    FEEDBACK_TRY(check_user_exists(name));
    auto stmt = m_db->prepare("UPDATE web_users SET email = ?2 WHERE name = ?1");
    FEEDBACK_TRY(stmt);
    return stmt->bind(1, name).bind(2, email).run();
}

Result<void> UserStore::check_store_codes(const std::vector<std::string>& stores)
{
    for (const auto& code : stores)
        if (!is_refcode_segment(code, refcode_store_length, refcode_store_length))
            return Error{ErrorKind::invalid_input, "a store code is 3 characters of " + std::string(refcode_alphabet) +
                                                       " (got \"" + escape_control_characters(code) + "\")"};
    return {};
}

Result<void> UserStore::write_stores(std::string_view name, const std::vector<std::string>& stores)
{
    auto clear = m_db->prepare("DELETE FROM web_user_stores WHERE user_name = ?1");
    FEEDBACK_TRY(clear);
    FEEDBACK_TRY(clear->bind(1, name).run());
    auto insert =
        m_db->prepare("INSERT INTO web_user_stores(user_name, store_code) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    FEEDBACK_TRY(insert);
    for (const auto& code : stores) {
        FEEDBACK_TRY(insert->bind(1, name).bind(2, code).run());
        insert->reset();
    }
    return {};
}

Result<void> UserStore::set_stores(std::string_view name, const std::vector<std::string>& stores)
{
    FEEDBACK_TRY(check_store_codes(stores));
    FEEDBACK_TRY(check_user_exists(name));
    auto txn = sql::Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    FEEDBACK_TRY(write_stores(name, stores));
    FEEDBACK_TRY(end_sessions_of(name));
    return txn->commit();
}

Result<void> UserStore::set_password_hash(std::string_view name, std::string_view password_hash, int64_t now_ms)
{
    if (!crypto::is_argon2id_hash(password_hash))
        return Error{ErrorKind::invalid_input, "the password hash is not an argon2id hash"};
    FEEDBACK_TRY(check_user_exists(name));
    auto txn = sql::Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    auto stmt = m_db->prepare("UPDATE web_users SET password_hash = ?2, password_set_at = ?3 WHERE name = ?1");
    FEEDBACK_TRY(stmt);
    FEEDBACK_TRY(stmt->bind(1, name).bind(2, password_hash).bind(3, now_ms).run());
    FEEDBACK_TRY(end_sessions_of(name));
    return txn->commit();
}

Result<void> UserStore::set_disabled(std::string_view name, bool disabled, int64_t now_ms)
{
    FEEDBACK_TRY(check_user_exists(name));
    auto txn = sql::Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    // (PostgreSQL cannot type a parameter that no column gives a type, so
    // enabling binds no time.)
    auto stmt = m_db->prepare(disabled ? "UPDATE web_users SET disabled_at = coalesce(disabled_at, ?2) WHERE name = ?1"
                                       : "UPDATE web_users SET disabled_at = NULL WHERE name = ?1");
    FEEDBACK_TRY(stmt);
    stmt->bind(1, name);
    if (disabled)
        stmt->bind(2, now_ms);
    FEEDBACK_TRY(stmt->run());
    FEEDBACK_TRY(end_sessions_of(name));
    return txn->commit();
}

Result<std::string> UserStore::password_hash(std::string_view name)
{
    auto stmt = m_db->cached("SELECT password_hash FROM web_users WHERE name = ?1 AND disabled_at IS NULL");
    FEEDBACK_TRY(stmt);
    auto row = (*stmt)->bind(1, name).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return std::string();
    std::string hash = (*stmt)->column_text(0);
    (*stmt)->reset();
    return hash;
}

// [SECTION] Failed logins

Result<std::optional<int64_t>> UserStore::begin_attempt(std::string_view name, std::string_view address,
                                                        int64_t now_ms)
{
    struct Key {
        std::string key;
        int64_t free_failures;
    };
    const Key keys[] = {{name_key(name, address), m_logins.free_failures_per_name},
                        {address_key(address), m_logins.free_failures_per_address}};
    auto txn = sql::Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    const bool postgresql = m_db->backend() == sql::Backend::postgresql;
    if (postgresql) {
        // SQLite's BEGIN IMMEDIATE makes this transaction the only writer;
        // under PostgreSQL's READ COMMITTED parallel guesses (from several
        // head-office processes too) could read the same count. Each key's
        // row is made first and then locked, in the same order everywhere,
        // so that every attempt counts; a refusal rolls the new rows back.
        auto make = m_db->cached("INSERT INTO web_login_failures(key, failures, last_failure_at) VALUES (?1, 0, 0) "
                                 "ON CONFLICT (key) DO NOTHING");
        FEEDBACK_TRY(make);
        for (const Key& key : keys)
            FEEDBACK_TRY((*make)->bind(1, key.key).run());
    }
    auto read = m_db->cached(postgresql ? "SELECT failures, last_failure_at FROM web_login_failures WHERE key = ?1 "
                                          "FOR UPDATE"
                                        : "SELECT failures, last_failure_at FROM web_login_failures WHERE key = ?1");
    FEEDBACK_TRY(read);
    int64_t wait_ms = 0;
    std::vector<int64_t> counts;
    for (const Key& key : keys) {
        auto row = (*read)->bind(1, key.key).step();
        FEEDBACK_TRY(row);
        int64_t failures = 0;
        if (*row) {
            failures = (*read)->column_int64(0);
            int64_t last = (*read)->column_int64(1);
            (*read)->reset();
            if (failures >= key.free_failures) {
                int64_t doublings = std::min<int64_t>(failures - key.free_failures, 30);
                int64_t delay = std::min(m_logins.max_delay_ms, m_logins.first_delay_ms << doublings);
                wait_ms = std::max(wait_ms, last + delay - now_ms);
            }
            if (now_ms - last > std::max(m_logins.forget_after_ms, m_logins.max_delay_ms))
                failures = 0;
        }
        counts.push_back(failures);
    }
    if (wait_ms > 0)
        return std::optional<int64_t>{wait_ms}; // refused, not counted; the transaction rolls back
    auto write = m_db->cached("INSERT INTO web_login_failures(key, failures, last_failure_at) VALUES (?1, ?2, ?3) "
                              "ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, "
                              "last_failure_at = excluded.last_failure_at");
    FEEDBACK_TRY(write);
    for (size_t i = 0; i < std::size(keys); ++i)
        FEEDBACK_TRY((*write)->bind(1, keys[i].key).bind(2, counts[i] + 1).bind(3, now_ms).run());
    // Forget what is long past, so the table does not grow without bound.
    // (On PostgreSQL, rows another attempt holds are left for later: waiting
    // for them could deadlock with that attempt doing the same.)
    auto forget = m_db->cached(postgresql ? "DELETE FROM web_login_failures WHERE key IN (SELECT key FROM "
                                            "web_login_failures WHERE last_failure_at < ?1 FOR UPDATE SKIP LOCKED)"
                                          : "DELETE FROM web_login_failures WHERE last_failure_at < ?1");
    FEEDBACK_TRY(forget);
    FEEDBACK_TRY((*forget)->bind(1, now_ms - std::max(m_logins.forget_after_ms, m_logins.max_delay_ms) * 2).run());
    FEEDBACK_TRY(txn->commit());
    return std::optional<int64_t>{};
}

Result<void> UserStore::attempt_succeeded(std::string_view name, std::string_view address)
{
    auto txn = sql::Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    auto clear = m_db->cached("DELETE FROM web_login_failures WHERE key = ?1");
    FEEDBACK_TRY(clear);
    FEEDBACK_TRY((*clear)->bind(1, name_key(name, address)).run());
    auto undo = m_db->cached("UPDATE web_login_failures SET failures = " +
                             m_db->dialect().greatest("failures - 1", "0") + " WHERE key = ?1");
    FEEDBACK_TRY(undo);
    FEEDBACK_TRY((*undo)->bind(1, address_key(address)).run());
    return txn->commit();
}

// [SECTION] Sessions

Result<std::string> UserStore::create_session(std::string_view user_name, int64_t now_ms)
{
    std::string token = sync::random_hex(32);
    auto txn = sql::Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    auto insert = m_db->prepare("INSERT INTO web_sessions(token_hash, user_name, created_at, last_seen_at) "
                                "VALUES (?1, ?2, ?3, ?3)");
    FEEDBACK_TRY(insert);
    FEEDBACK_TRY(insert->bind(1, crypto::sha256_hex(token)).bind(2, user_name).bind(3, now_ms).run());
    // Sessions that expired without a logout.
    auto expired = m_db->prepare("DELETE FROM web_sessions WHERE last_seen_at < ?1 OR created_at < ?2");
    FEEDBACK_TRY(expired);
    FEEDBACK_TRY(expired->bind(1, now_ms - m_sessions.idle_ms).bind(2, now_ms - m_sessions.absolute_ms).run());
    FEEDBACK_TRY(txn->commit());
    return token;
}

Result<UserStore::Lookup> UserStore::look_up_session(std::string_view token, int64_t now_ms)
{
    if (token.size() != 64)
        return Lookup{};
    std::string hash = crypto::sha256_hex(token);
    auto stmt = m_db->cached("SELECT s.created_at, s.last_seen_at, " + user_columns(m_db->backend(), "u") +
                             " FROM web_sessions s JOIN web_users u ON u.name = s.user_name WHERE s.token_hash = ?1");
    FEEDBACK_TRY(stmt);
    auto row = (*stmt)->bind(1, hash).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return Lookup{};
    Session session;
    session.token_hash = hash;
    session.created_at = (*stmt)->column_int64(0);
    session.last_seen_at = (*stmt)->column_int64(1);
    session.user = user_from_row(**stmt, 2);
    (*stmt)->reset();
    bool expired = now_ms - session.last_seen_at > m_sessions.idle_ms ||
                   now_ms - session.created_at > m_sessions.absolute_ms || session.user.disabled_at.has_value();
    if (expired)
        return Lookup{std::nullopt, true};
    bool touch_due = now_ms - session.last_seen_at >= touch_interval_ms;
    return Lookup{std::move(session), touch_due};
}

Result<std::optional<Session>> UserStore::session(std::string_view token, int64_t now_ms)
{
    auto lookup = look_up_session(token, now_ms);
    FEEDBACK_TRY(lookup);
    if (!lookup->write_due)
        return std::move(lookup->session);
    if (!lookup->session) {
        FEEDBACK_TRY(end_session(token));
        return std::optional<Session>{};
    }
    Session session = std::move(*lookup->session);
    auto touch = m_db->cached("UPDATE web_sessions SET last_seen_at = ?2 WHERE token_hash = ?1");
    FEEDBACK_TRY(touch);
    FEEDBACK_TRY((*touch)->bind(1, session.token_hash).bind(2, now_ms).run());
    session.last_seen_at = now_ms;
    return std::optional<Session>{std::move(session)};
}

Result<void> UserStore::end_session(std::string_view token)
{
    auto stmt = m_db->cached("DELETE FROM web_sessions WHERE token_hash = ?1");
    FEEDBACK_TRY(stmt);
    return (*stmt)->bind(1, crypto::sha256_hex(token)).run();
}

Result<void> UserStore::end_sessions_of(std::string_view user_name)
{
    auto stmt = m_db->cached("DELETE FROM web_sessions WHERE user_name = ?1");
    FEEDBACK_TRY(stmt);
    return (*stmt)->bind(1, user_name).run();
}

// [SECTION] Audit log

Result<void> UserStore::audit(std::string_view user_name, std::string_view action, std::string_view subject,
                              std::string_view address, int64_t now_ms)
{
    auto stmt = m_db->cached("INSERT INTO web_audit(at, user_name, action, subject, address) VALUES (?1, ?2, ?3, ?4, ?5)");
    FEEDBACK_TRY(stmt);
    return (*stmt)->bind(1, now_ms).bind(2, user_name).bind(3, action).bind(4, subject).bind(5, address).run();
}

Result<std::vector<AuditEntry>> UserStore::audit_log(int64_t offset, int64_t limit)
{
    auto stmt = m_db->prepare("SELECT seq, at, user_name, action, subject, address FROM web_audit "
                              "ORDER BY seq DESC LIMIT ?1 OFFSET ?2");
    FEEDBACK_TRY(stmt);
    stmt->bind(1, limit).bind(2, offset);
    std::vector<AuditEntry> out;
    for (;;) {
        auto row = stmt->step();
        FEEDBACK_TRY(row);
        if (!*row)
            return out;
        out.push_back(AuditEntry{stmt->column_int64(0), stmt->column_int64(1), stmt->column_text(2),
                                 stmt->column_text(3), stmt->column_text(4), stmt->column_text(5)});
    }
}

Result<int64_t> UserStore::audit_count() { return m_db->query_int64("SELECT count(*) FROM web_audit"); }

} // namespace feedback::hq::web
