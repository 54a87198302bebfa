// The customer's status key: see status_key.h.
#include "crypto/status_key.h"

#include "crypto/sha256.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cassert>

namespace feedback::crypto {

std::string make_status_key()
{
    [[maybe_unused]] int ready = sodium_init();
    assert(ready >= 0 && "libsodium could not be initialised");
    std::array<unsigned char, status_key_chars / 2> bytes{};
    randombytes_buf(bytes.data(), bytes.size());
    std::string hex(status_key_chars + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
    hex.resize(status_key_chars);
    return hex;
}

bool is_status_key(std::string_view text)
{
    return text.size() == status_key_chars &&
           std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string status_key_hash(std::string_view key)
{
    return sha256_hex(key);
}

std::string status_link(std::string_view status_page_url, std::string_view reference, std::string_view key)
{
    std::string link(status_page_url);
    link += "?ref=";
    link += reference; // reference codes are A-Z, 0-9 and '-': nothing to escape
    if (!key.empty()) {
        link += "&key=";
        link += key;
    }
    return link;
}

} // namespace feedback::crypto
