// Staff PIN hashing over libsodium's crypto_pwhash (argon2id): the cost
// settings, and the checks that keep a malformed hash from reaching libsodium.
#include "pin.h"

#include <sodium.h>

#include <algorithm>

namespace feedback::config {

namespace {

// Argon2id cost. The kiosk runs in a 40 MB memory budget, so the usual
// "interactive" 64 MiB would not fit; 16 MiB with the interactive number of
// passes still makes guessing all 10^4..10^8 PINs from a stolen configuration
// slow, and verifying one login takes well under a second on the kiosk.
constexpr unsigned long long pin_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr size_t pin_memlimit = 16u * 1024u * 1024u;

constexpr size_t min_pin_digits = 4;
constexpr size_t max_pin_digits = 8;

constexpr std::string_view argon2id_prefix = "$argon2id$";

bool sodium_ready()
{
    // sodium_init is idempotent and thread-safe: 0 first time, 1 afterwards.
    return sodium_init() >= 0;
}

} // namespace

bool is_valid_pin(std::string_view pin)
{
    return pin.size() >= min_pin_digits && pin.size() <= max_pin_digits &&
           std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<std::string> hash_pin(std::string_view pin)
{
    if (!is_valid_pin(pin))
        return Error{ErrorKind::invalid_input, "a PIN must be 4 to 8 digits"};
    if (!sodium_ready())
        return Error{ErrorKind::internal, "libsodium could not be initialised"};
    char hashed[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(hashed, pin.data(), pin.size(), pin_opslimit, pin_memlimit,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return Error{ErrorKind::internal, "hashing the PIN failed (out of memory?)"};
    return std::string(hashed);
}

bool is_pin_hash(std::string_view hash)
{
    if (hash.size() >= crypto_pwhash_STRBYTES || hash.substr(0, argon2id_prefix.size()) != argon2id_prefix)
        return false;
    if (hash.find('\0') != std::string_view::npos || !sodium_ready())
        return false;
    std::string terminated(hash); // libsodium reads a NUL-terminated string
    // -1 means libsodium cannot parse it; 0 and 1 are both usable hashes.
    return crypto_pwhash_str_needs_rehash(terminated.c_str(), pin_opslimit, pin_memlimit) != -1;
}

bool verify_pin(std::string_view hash, std::string_view pin)
{
    if (!is_pin_hash(hash))
        return false;
    std::string terminated(hash);
    return crypto_pwhash_str_verify(terminated.c_str(), pin.data(), pin.size()) == 0;
}

} // namespace feedback::config
