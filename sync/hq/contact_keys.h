// Head office's contact keys (crypto/contact_seal.h): the key pairs that
// customers' contact details are sealed to, in files of their own OUTSIDE the
// data folder (hq.json's "contact_keys", mode 0600), so that a copy of DIR, a
// backup or a stolen disk of the database opens nothing.
//
// Key file (JSON): {"format": "feedback-contact-key/1", "id", "public_key",
// "secret_key" (both base64), "created_at"}.
//
// Rotation (`feedback-hq rotate-contact-key`): a new pair is made and named
// first in hq.json; terminals receive its public half with their next
// configuration pull and seal to it from then on. The older files stay
// named after it and keep opening what was sealed to them: never delete one
// while data sealed to it is kept (the dashboard's contact pages say which
// key a value needs when it is missing).
#pragma once

#include "crypto/contact_seal.h"
#include "domain/result.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::hq {

// The key folder beside DIR that init and serve use when hq.json names none:
// /var/lib/feedback-hq -> /var/lib/feedback-hq-keys.
std::filesystem::path default_contact_key_dir(const std::filesystem::path& dir);

Result<crypto::ContactKeyPair> read_contact_key_file(const std::filesystem::path& file);

// Every key pair hq.json names, the current one first.
class ContactKeyring {
public:
    // Reads DIR/hq.json's key files; an error names a file that is missing,
    // unreadable or not a key. No keys named: an empty ring.
    static Result<ContactKeyring> load(const std::filesystem::path& dir);

    bool empty() const { return m_pairs.empty(); }
    bool has(std::string_view key_id) const { return find(key_id) != nullptr; }
    const crypto::ContactPublicKey& current() const { return m_pairs.front().public_half; }

    // A sealed contact object back in the clear ({"consent", "name",
    // "phone", "email"}); an error when its key is not here or it does not open.
    Result<nlohmann::json> open_contact(const nlohmann::json& sealed) const;

    // Head office's own short-lived copies (the mail outbox): text sealed to
    // the current key as "sealed:<key id>:<base64>", and back. open_value()
    // returns any other text as it is.
    std::string seal_value(std::string_view clear) const;
    Result<std::string> open_value(std::string_view value) const;

    // A keyed hash of `text` that stays the same across rotations (keyed
    // with the oldest pair): a customer's pseudonym for finding repeat
    // complaints, of no use without the key files.
    std::string pseudonym(std::string_view text) const;

private:
    const crypto::ContactKeyPair* find(std::string_view id) const;
    std::vector<crypto::ContactKeyPair> m_pairs;
};

// Makes a new key pair in `key_dir` (made 0700 when missing), names it first in
// DIR/hq.json's contact_keys (before the older ones) and returns its public
// half. The caller records it in hq.db (HqStore::add_contact_key).
Result<crypto::ContactPublicKey> make_contact_key(const std::filesystem::path& dir,
                                                  const std::filesystem::path& key_dir, int64_t now_ms);

} // namespace feedback::hq
