// argon2id over libsodium: the checks that keep a malformed hash from
// reaching libsodium, which reads NUL-terminated strings.
#include "argon2id.h"

#include <sodium.h>

namespace feedback::crypto {

namespace {

constexpr std::string_view argon2id_prefix = "$argon2id$";

bool sodium_ready()
{
    // sodium_init is idempotent and thread-safe: 0 first time, 1 afterwards.
    return sodium_init() >= 0;
}

} // namespace

Argon2idCost interactive_cost(std::size_t memory_bytes)
{
    return Argon2idCost{crypto_pwhash_OPSLIMIT_INTERACTIVE, memory_bytes};
}

Result<std::string> hash_argon2id(std::string_view secret, Argon2idCost cost)
{
    if (!sodium_ready())
        return Error{ErrorKind::internal, "libsodium could not be initialised"};
    char hashed[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(hashed, secret.data(), secret.size(), cost.passes, cost.memory_bytes,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return Error{ErrorKind::internal, "hashing failed (out of memory?)"};
    return std::string(hashed);
}

bool is_argon2id_hash(std::string_view hash)
{
    if (hash.size() >= crypto_pwhash_STRBYTES || hash.substr(0, argon2id_prefix.size()) != argon2id_prefix)
        return false;
    if (hash.find('\0') != std::string_view::npos || !sodium_ready())
        return false;
    std::string terminated(hash);
    // -1 means libsodium cannot parse it; 0 and 1 are both usable hashes.
    return crypto_pwhash_str_needs_rehash(terminated.c_str(), crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN)
           != -1;
}

bool verify_argon2id(std::string_view hash, std::string_view secret)
{
    if (!is_argon2id_hash(hash))
        return false;
    std::string terminated(hash);
    return crypto_pwhash_str_verify(terminated.c_str(), secret.data(), secret.size()) == 0;
}

} // namespace feedback::crypto
