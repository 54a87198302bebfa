// The customer's status key: the secret in the status link that lets a
// complainant (and nobody who only knows the reference code) read head
// office's decision on https://HOST/status.
//
// The terminal makes the key offline when a complaint is opened and keeps it
// for the receipt and the QR code; the complaint.opened event carries only its
// hash (`status_key_hash`), so head office can check a key without keeping it.
//
//   key  = 32 lower-case hex characters (128 random bits)
//   hash = sha256_hex(key)
//   link = <status page URL>?ref=<REFERENCE>&key=<key>
#pragma once

#include <string>
#include <string_view>

namespace feedback::crypto {

inline constexpr size_t status_key_chars = 32;

// A fresh random key (libsodium's randombytes).
std::string make_status_key();

// True for 32 lower-case hex characters.
bool is_status_key(std::string_view text);

// The hash that travels in complaint.opened and is compared at head office.
std::string status_key_hash(std::string_view key);

// The link a customer follows or scans. `status_page_url` is the page itself
// (e.g. "https://feedback.example.nl/status"); an empty key gives the link
// without the key (status only, no decision).
std::string status_link(std::string_view status_page_url, std::string_view reference, std::string_view key);

} // namespace feedback::crypto
