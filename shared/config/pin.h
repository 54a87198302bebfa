// Staff PINs: hashing with libsodium's argon2id for the kiosk configuration,
// and checking a typed PIN against such a hash. No PIN is ever stored or
// logged in the clear.
#pragma once

#include "domain/result.h"

#include <string>
#include <string_view>

namespace feedback::config {

// A staff PIN is 4 to 8 ASCII digits.
bool is_valid_pin(std::string_view pin);

// An encoded argon2id hash ("$argon2id$v=19$m=...") of `pin`, salted at
// random, as written to the "pin_hash" field of the configuration. An
// invalid PIN is an invalid_input Error; a libsodium failure (out of memory)
// is internal. Takes tens of milliseconds on purpose.
Result<std::string> hash_pin(std::string_view pin);

// True when `pin` matches `hash`; false for a wrong PIN and for anything that
// is not an argon2id hash. Takes as long as hash_pin: call it off the frame
// loop or accept one slow frame at login.
bool verify_pin(std::string_view hash, std::string_view pin);

// True when `hash` is an encoded argon2id hash libsodium can verify against
// (what hash_pin makes); the configuration refuses anything else.
bool is_pin_hash(std::string_view hash);

} // namespace feedback::config
