// The intake API's tokens and the answers kept per Idempotency-Key (tables
// api_tokens and api_idempotency of head office's database, SQLite or
// PostgreSQL; the schema is in hq_schema.cpp). A token is 32 random bytes as 64 hex digits, shown once
// when it is made; like a terminal's token, only its SHA-256 is kept.
//
//   add() --> ACTIVE --revoke()--> REVOKED (401 from then on; the name is never given again)
//
// A name is never given twice, even after revocation: the complaints a tool
// registered name it as their actor ("hq:api.<name>"), and must keep
// meaning that tool.
//
// ApiTokenStore is one connection's view (either backend): use it from one
// thread at a time, and take a writer's turn (hq/writer_turns.h) around the methods
// that write.
#pragma once

#include "domain/result.h"
#include "sql/connection.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::hq::api {

// 1-36 of A-Z a-z 0-9 _ . -, so that "hq:api.<name>" is a valid actor
// (validation.h: an actor id has at most 40 characters).
constexpr size_t max_token_name_length = 36;
bool is_valid_token_name(std::string_view name);
// The actor of the events a token's tool records: "hq:" + actor_prefix +
// "<name>" ("hq:api.crm"). No dashboard user's name starts with the prefix.
inline constexpr std::string_view actor_prefix = "api.";
std::string actor_of(std::string_view token_name);

// An Idempotency-Key: 1-255 visible ASCII characters (a UUID, say).
constexpr size_t max_idempotency_key_length = 255;
bool is_valid_idempotency_key(std::string_view key);

struct ApiToken {
    std::string name;
    int64_t created_at = 0;                // UTC ms
    std::optional<int64_t> last_used_at;   // to the minute (note_use)
    std::optional<int64_t> revoked_at;
};

struct NewToken {
    std::string name;
    std::string token; // shown once; only its SHA-256 is kept
};

// The answer given to a request with an Idempotency-Key, given again to
// every retry with the same key and body.
struct KeptAnswer {
    std::string request_sha256; // of the request body's JSON written anew
    int status = 0;
    std::string body;
    std::string complaint_id;
};

class ApiTokenStore {
public:
    explicit ApiTokenStore(sql::Connection& db) : m_db(&db) {}

    // [SECTION] Tokens
    // invalid_input for a bad name; conflict when a token had that name, revoked or not.
    Result<NewToken> add(std::string_view name, int64_t now_ms);
    // Every token ever made, by name.
    Result<std::vector<ApiToken>> tokens();
    // not_found for an unknown name; conflict when it is revoked already.
    Result<void> revoke(std::string_view name, int64_t now_ms);
    // The token's row: not_found when unknown, conflict when revoked.
    Result<ApiToken> authenticate(std::string_view token);
    // Whether note_use() would write (last use unknown or a minute old):
    // callers take a writer's turn only then.
    static bool use_is_stale(const ApiToken& token, int64_t now_ms);
    Result<void> note_use(std::string_view name, int64_t now_ms);

    // [SECTION] Idempotency keys (per token)
    Result<std::optional<KeptAnswer>> kept_answer(std::string_view token_name, std::string_view key);
    // Inside the caller's transaction, with the complaint it answers for.
    Result<void> keep_answer(std::string_view token_name, std::string_view key, const KeptAnswer& answer,
                             int64_t now_ms);

private:
    sql::Connection* m_db;
};

} // namespace feedback::hq::api
