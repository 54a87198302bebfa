// Customers' contact details sealed to head office's key (issue 13): a kiosk
// that is carried off, or a copy of head office's data folder, gives away no
// name, phone number or e-mail address.
//
// Head office holds one or more key pairs (X25519, libsodium's crypto_box);
// terminals get the public half of the current one with their enrolment and
// configuration. Whatever records a contact seals it first (crypto_box_seal,
// anonymous: the sender cannot open it either) and stores only
//
//   "contact": {"consent": true, "channels": ["phone", "email"],
//               "key_id": "<16 hex>", "sealed": "<base64>"}
//
// `channels` says which ways to reach the customer were given (never their
// values), so screens and figures work without opening anything. Only head
// office, with the secret half, opens `sealed` back into the clear object
// {"consent", "name", "phone", "email"}; old key pairs are kept so that
// values sealed before a key rotation stay readable.
#pragma once

#include "domain/result.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace feedback::crypto {

// The public half, as terminals receive it: {"id": "...", "public_key": "<base64>"}.
struct ContactPublicKey {
    std::string id;         // contact_key_id() of the key
    std::string public_key; // 32 raw bytes
};

// A key pair; the secret half never leaves head office.
struct ContactKeyPair {
    ContactPublicKey public_half;
    std::string secret_key; // 32 raw bytes
};

inline constexpr size_t contact_key_id_chars = 16;

// 16 hex characters naming a public key (the start of its BLAKE2b hash).
std::string contact_key_id(std::string_view public_key);

// A fresh key pair (libsodium's random generator).
ContactKeyPair make_contact_key_pair();

nlohmann::json to_json(const ContactPublicKey& key);
// Checks the shape, the key's length and that the id is the key's own.
Result<ContactPublicKey> contact_public_key_from_json(const nlohmann::json& json);

// `clear` sealed to `key`, in base64. Sealing the same text twice gives
// different results.
std::string seal_text(std::string_view clear, const ContactPublicKey& key);
// The text back, or an error when `sealed` is not base64 or was not sealed to
// `pair` (or was changed).
Result<std::string> open_text(std::string_view sealed, const ContactKeyPair& pair);

// True for a contact object in the sealed form (it has "sealed").
bool is_sealed_contact(const nlohmann::json& contact);
// The channels ("name", "phone", "email") a clear or sealed contact holds.
std::vector<std::string> contact_channels(const nlohmann::json& contact);
// A clear contact object sealed to `key`, in the form above; a sealed one is
// returned as it is.
nlohmann::json seal_contact(const nlohmann::json& contact, const ContactPublicKey& key);

} // namespace feedback::crypto
