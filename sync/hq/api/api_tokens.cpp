// The intake API's tokens and kept answers on head office's database, SQLite
// or PostgreSQL (api_tokens.h).
#include "api_tokens.h"

#include "common/protocol.h"
#include "crypto/sha256.h"

#include <algorithm>

namespace feedback::hq::api {

namespace {

constexpr int64_t use_resolution_ms = 60 * 1000;

ApiToken token_from_row(const sql::Statement& s)
{
    return ApiToken{s.column_text(0), s.column_int64(1), s.column_optional_int64(2), s.column_optional_int64(3)};
}

constexpr const char* token_columns = "name, created_at, last_used_at, revoked_at";

} // namespace

bool is_valid_token_name(std::string_view name)
{
    if (name.empty() || name.size() > max_token_name_length)
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
               c == '-';
    });
}

std::string actor_of(std::string_view token_name)
{
    return "hq:" + std::string(actor_prefix) + std::string(token_name);
}

bool is_valid_idempotency_key(std::string_view key)
{
    return !key.empty() && key.size() <= max_idempotency_key_length &&
           std::all_of(key.begin(), key.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

// [SECTION] Tokens

Result<NewToken> ApiTokenStore::add(std::string_view name, int64_t now_ms)
{
    if (!is_valid_token_name(name))
        return Error{ErrorKind::invalid_input, "a token's name is 1-" + std::to_string(max_token_name_length) +
                                                   " characters of A-Z a-z 0-9 _ . - (complaints name it as "
                                                   "actor hq:api.NAME)"};
    auto txn = sql::Transaction::begin(*m_db);
    FEEDBACK_TRY(txn);
    auto existing = m_db->prepare("SELECT revoked_at FROM api_tokens WHERE name = ?1");
    FEEDBACK_TRY(existing);
    auto found = existing->bind(1, name).step();
    FEEDBACK_TRY(found);
    if (*found) {
        bool revoked = !existing->is_null(0);
        existing->reset();
        return Error{ErrorKind::conflict, "there is already a token named " + std::string(name) +
                                              (revoked ? " (revoked)" : "") +
                                              ": a name is never given twice, so that the complaints it "
                                              "registered keep naming that tool; choose another name"};
    }
    NewToken made{std::string(name), sync::random_hex(32)};
    auto insert = m_db->prepare("INSERT INTO api_tokens(name, token_hash, created_at) VALUES (?1, ?2, ?3)");
    FEEDBACK_TRY(insert);
    FEEDBACK_TRY(insert->bind(1, name).bind(2, crypto::sha256_hex(made.token)).bind(3, now_ms).run());
    FEEDBACK_TRY(txn->commit());
    return made;
}

Result<std::vector<ApiToken>> ApiTokenStore::tokens()
{
    auto stmt = m_db->prepare(std::string("SELECT ") + token_columns + " FROM api_tokens ORDER BY name");
    FEEDBACK_TRY(stmt);
    std::vector<ApiToken> out;
    for (;;) {
        auto row = stmt->step();
        FEEDBACK_TRY(row);
        if (!*row)
            return out;
        out.push_back(token_from_row(*stmt));
    }
}

Result<void> ApiTokenStore::revoke(std::string_view name, int64_t now_ms)
{
    auto stmt =
        m_db->prepare("UPDATE api_tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL RETURNING name");
    FEEDBACK_TRY(stmt);
    auto revoked = stmt->bind(1, name).bind(2, now_ms).step();
    FEEDBACK_TRY(revoked);
    if (*revoked) {
        stmt->reset();
        return {};
    }
    auto known = m_db->prepare("SELECT 1 FROM api_tokens WHERE name = ?1");
    FEEDBACK_TRY(known);
    auto row = known->bind(1, name).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return Error{ErrorKind::not_found, "there is no token named " + std::string(name) + " (token list shows them)"};
    return Error{ErrorKind::conflict, "the token " + std::string(name) + " was already revoked"};
}

Result<ApiToken> ApiTokenStore::authenticate(std::string_view token)
{
    auto stmt = m_db->cached(std::string("SELECT ") + token_columns + " FROM api_tokens WHERE token_hash = ?1");
    FEEDBACK_TRY(stmt);
    auto row = (*stmt)->bind(1, crypto::sha256_hex(token)).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return Error{ErrorKind::not_found, "the token is not known here (feedback-hq token add makes one)"};
    ApiToken found = token_from_row(**stmt);
    (*stmt)->reset();
    if (found.revoked_at)
        return Error{ErrorKind::conflict, "this token was revoked at head office; ask for a new one"};
    return found;
}

bool ApiTokenStore::use_is_stale(const ApiToken& token, int64_t now_ms)
{
    return !token.last_used_at || now_ms - *token.last_used_at >= use_resolution_ms;
}

Result<void> ApiTokenStore::note_use(std::string_view name, int64_t now_ms)
{
    auto stmt = m_db->cached("UPDATE api_tokens SET last_used_at = ?2 WHERE name = ?1");
    FEEDBACK_TRY(stmt);
    return (*stmt)->bind(1, name).bind(2, now_ms).run();
}

// [SECTION] Idempotency keys

Result<std::optional<KeptAnswer>> ApiTokenStore::kept_answer(std::string_view token_name, std::string_view key)
{
    auto stmt = m_db->cached("SELECT request_sha256, status, answer, complaint_id FROM api_idempotency "
                             "WHERE token_name = ?1 AND key = ?2");
    FEEDBACK_TRY(stmt);
    auto row = (*stmt)->bind(1, token_name).bind(2, key).step();
    FEEDBACK_TRY(row);
    if (!*row)
        return std::optional<KeptAnswer>{};
    KeptAnswer kept{(*stmt)->column_text(0), static_cast<int>((*stmt)->column_int64(1)), (*stmt)->column_text(2),
                    (*stmt)->column_text(3)};
    (*stmt)->reset();
    return std::optional<KeptAnswer>{std::move(kept)};
}

Result<void> ApiTokenStore::keep_answer(std::string_view token_name, std::string_view key, const KeptAnswer& answer,
                                        int64_t now_ms)
{
    auto stmt = m_db->cached("INSERT INTO api_idempotency(token_name, key, request_sha256, status, answer, "
                             "complaint_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    FEEDBACK_TRY(stmt);
    return (*stmt)
        ->bind(1, token_name)
        .bind(2, key)
        .bind(3, answer.request_sha256)
        .bind(4, static_cast<int64_t>(answer.status))
        .bind(5, answer.body)
        .bind(6, answer.complaint_id)
        .bind(7, now_ms)
        .run();
}

} // namespace feedback::hq::api
