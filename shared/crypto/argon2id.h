// Secret hashing with libsodium's argon2id (crypto_pwhash_str): staff PINs
// on the kiosk and dashboard passwords at head office. Only the encoded hash
// is ever stored; no secret is stored or logged in the clear.
#pragma once

#include "domain/result.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace feedback::crypto {

// The cost of one hash. `memory_bytes` is what one hash or check takes.
struct Argon2idCost {
    unsigned long long passes;
    std::size_t memory_bytes;
};

// libsodium's "interactive" passes with the given memory.
Argon2idCost interactive_cost(std::size_t memory_bytes);

// An encoded argon2id hash ("$argon2id$v=19$m=...") of `secret`, salted at
// random. A libsodium failure (out of memory) is an internal Error.
Result<std::string> hash_argon2id(std::string_view secret, Argon2idCost cost);

// True when `hash` is an encoded argon2id hash libsodium can verify against.
bool is_argon2id_hash(std::string_view hash);

// True when `secret` matches `hash`; false for a wrong secret and for
// anything that is not an argon2id hash.
bool verify_argon2id(std::string_view hash, std::string_view secret);

} // namespace feedback::crypto
