// Staff PIN hashing: the PIN rules and the argon2id cost the kiosk can afford.
#include "pin.h"

#include "crypto/argon2id.h"

#include <algorithm>

namespace feedback::config {

namespace {

// Argon2id cost. The kiosk runs in a 40 MB memory budget, so the usual
// "interactive" 64 MiB would not fit; 16 MiB with the interactive number of
// passes still makes guessing all 10^4..10^8 PINs from a stolen configuration
// slow, and verifying one login takes well under a second on the kiosk.
constexpr size_t pin_memory_bytes = 16u * 1024u * 1024u;

constexpr size_t min_pin_digits = 4;
constexpr size_t max_pin_digits = 8;

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
    return crypto::hash_argon2id(pin, crypto::interactive_cost(pin_memory_bytes));
}

bool is_pin_hash(std::string_view hash)
{
    return crypto::is_argon2id_hash(hash);
}

bool verify_pin(std::string_view hash, std::string_view pin)
{
    return crypto::verify_argon2id(hash, pin);
}

} // namespace feedback::config
