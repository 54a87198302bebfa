// The dashboard's people: users with a role and an argon2id password hash,
// their login sessions (only a hash of each session token is kept), failed
// logins that slow further attempts, and the audit log of who looked at
// personal data or changed what. Tables: web_* of head office's database,
// SQLite or PostgreSQL (hq_schema.cpp).
//
// A session:
//
//   login() --> ACTIVE --(request within idle_ms, and before absolute_ms)--> ACTIVE
//                 |  \--(idle longer than idle_ms, or older than absolute_ms)--> EXPIRED (row deleted when seen)
//                 +----(logout, password or role changed, user disabled)------> ENDED (row deleted)
//
// Failed logins, counted per user name and client address together, and
// per client address (hq::client_address()): an attempt is counted as a
// failure before the password is checked (so a burst of parallel guesses is
// counted too) and the count is cleared by a success. From the 5th failure
// of a name from one address (the 20th of an address, whatever the names)
// the next attempt from there must wait 2 s, then 4 s, 8 s ... up to 15 min;
// attempts made while waiting are refused without checking the password and
// are not counted. Guesses from elsewhere never slow the owner's own login.
//
// UserStore is one connection's view (either backend): use it from one
// thread at a time, and take a writer's turn (hq/writer_turns.h) around the methods
// that write.
#pragma once

#include "domain/result.h"
#include "sql/connection.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::hq::web {

// viewer: reads every page but personal data; manager: also personal data
// (audited) and the follow-up of complaints and call-backs; admin: also
// users, devices and configuration.
enum class Role { viewer, manager, admin };

std::string_view to_string(Role role);
std::optional<Role> role_from_string(std::string_view text);
// True when `have` may do what `need` may.
bool at_least(Role have, Role need);

struct User {
    std::string name; // 1-40 of [A-Za-z0-9_.-]: events name it as actor "hq:<name>"
    Role role = Role::viewer;
    int64_t created_at = 0;
    std::optional<int64_t> disabled_at;
    // The stores the user sees and handles, sorted; empty: the whole chain.
    // A manager with stores is a store manager: their complaints, call-backs
    // and figures only, one store at a time.
    std::vector<std::string> stores;
    // Where the user's alerts go (mail/alerts.h); empty: none. The user's
    // own, set on their account page; never shown to others but admins.
    std::string email;
    bool may_see(std::string_view store_code) const
    {
        return stores.empty() || std::find(stores.begin(), stores.end(), store_code) != stores.end();
    }
};

struct Session {
    std::string token_hash;
    User user;
    int64_t created_at = 0;
    int64_t last_seen_at = 0;
};

struct SessionLimits {
    int64_t idle_ms = 30LL * 60 * 1000;          // no request for this long: logged out
    int64_t absolute_ms = 12LL * 60 * 60 * 1000; // logged out this long after logging in, whatever happens
};

struct LoginLimits {
    int64_t free_failures_per_name = 5; // from one address
    int64_t free_failures_per_address = 20;
    int64_t first_delay_ms = 2000;               // doubles with each further failure
    int64_t max_delay_ms = 15LL * 60 * 1000;
    int64_t forget_after_ms = 60LL * 60 * 1000;  // failures this old are forgotten
};

struct AuditEntry {
    int64_t seq = 0;
    int64_t at = 0;
    std::string user_name;
    std::string action;  // "contact.viewed", "config.published", ...
    std::string subject; // what it was about (a complaint id, a user name, a scope); never personal data
    std::string address; // the client's address
};

// 1-40 of [A-Za-z0-9_.-].
bool is_valid_user_name(std::string_view name);
// At least 12 and at most 256 characters; the reason when not.
std::optional<std::string> password_problem(std::string_view password);

// An argon2id hash of a password (libsodium's interactive passes with 64
// MiB, what a server can afford per login): invalid_input when
// password_problem() has one. Slow on purpose: hold no lock while it runs.
Result<std::string> hash_password(std::string_view password);

class UserStore {
public:
    explicit UserStore(sql::Connection& db, SessionLimits sessions = {}, LoginLimits logins = {})
        : m_db(&db), m_sessions(sessions), m_logins(logins)
    {
    }

    // [SECTION] Users
    // `password_hash` from hash_password(). invalid_input for a bad name or
    // hash; conflict when the name is taken.
    // `stores`: as for set_stores(), in the same transaction.
    Result<User> add_user(std::string_view name, Role role, std::string_view password_hash, int64_t now_ms,
                          const std::vector<std::string>& stores = {});
    Result<std::vector<User>> users();
    Result<std::optional<User>> find_user(std::string_view name);
    // Each of these ends the user's sessions. not_found for an unknown user.
    Result<void> set_role(std::string_view name, Role role);
    // The user's stores (store codes; empty: the whole chain). invalid_input
    // for a code that is not one.
    Result<void> set_stores(std::string_view name, const std::vector<std::string>& stores);
    Result<void> set_password_hash(std::string_view name, std::string_view password_hash, int64_t now_ms);
    Result<void> set_disabled(std::string_view name, bool disabled, int64_t now_ms);
    // The user's alert address; empty clears it. invalid_input when it is not
    // an address (is_valid_email).
    Result<void> set_email(std::string_view name, std::string_view email);
    // The stored hash (empty when the user is unknown or disabled); checking
    // it is slow on purpose, so callers do it without holding any lock.
    Result<std::string> password_hash(std::string_view name);

    // [SECTION] Failed logins
    // Counts an attempt as a failure in advance (see the header comment), or
    // refuses it: the milliseconds to wait when the name at this address, or
    // the address, is waiting, else nothing (go on and check the password).
    Result<std::optional<int64_t>> begin_attempt(std::string_view name, std::string_view address, int64_t now_ms);
    // The password was right: the count of the name at this address is
    // cleared, and the address's count loses the attempt begin_attempt() counted.
    Result<void> attempt_succeeded(std::string_view name, std::string_view address);

    // [SECTION] Sessions
    // A new session for the user: its token (64 hex digits) for the cookie.
    Result<std::string> create_session(std::string_view user_name, int64_t now_ms);
    // The session of `token` when it is valid at now_ms (refreshing its last
    // use at most once a minute); nothing when unknown, expired (then
    // deleted), or its user is disabled. Writes: in a writer's turn.
    Result<std::optional<Session>> session(std::string_view token, int64_t now_ms);
    // The same check reading only, for the common case: `write_due` says
    // session() would write (refresh the last use, or delete an expired
    // session); then call that in a writer's turn.
    struct Lookup {
        std::optional<Session> session;
        bool write_due = false;
    };
    Result<Lookup> look_up_session(std::string_view token, int64_t now_ms);
    Result<void> end_session(std::string_view token);
    Result<void> end_sessions_of(std::string_view user_name);

    // [SECTION] Audit log
    Result<void> audit(std::string_view user_name, std::string_view action, std::string_view subject,
                       std::string_view address, int64_t now_ms);
    // Newest first.
    Result<std::vector<AuditEntry>> audit_log(int64_t offset, int64_t limit);
    Result<int64_t> audit_count();

    const SessionLimits& session_limits() const { return m_sessions; }

private:
    Result<void> check_store_codes(const std::vector<std::string>& stores);
    Result<void> write_stores(std::string_view name, const std::vector<std::string>& stores);
    Result<void> check_user_exists(std::string_view name);

    sql::Connection* m_db;
    SessionLimits m_sessions;
    LoginLimits m_logins;
};

// The CSRF token of the session whose cookie token is `token`: derived from
// the token (not stored), so it is known only to whoever holds the cookie.
std::string csrf_token_for(std::string_view session_token);

// Compares in time independent of where the texts differ.
bool constant_time_equal(std::string_view a, std::string_view b);

} // namespace feedback::hq::web
