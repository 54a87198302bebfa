// Contact details sealed to head office's key: see contact_seal.h.
#include "crypto/contact_seal.h"

#include <sodium.h>

#include <array>
#include <cassert>
#include <optional>

namespace feedback::crypto {

namespace {

constexpr int base64_variant = sodium_base64_VARIANT_ORIGINAL;
constexpr std::array<const char*, 3> channel_names{"name", "phone", "email"};

void ready_sodium()
{
    [[maybe_unused]] int ready = sodium_init();
    assert(ready >= 0 && "libsodium could not be initialised");
}

const unsigned char* bytes_of(std::string_view text)
{
    return reinterpret_cast<const unsigned char*>(text.data());
}

unsigned char* bytes_of(std::string& text)
{
    return reinterpret_cast<unsigned char*>(text.data());
}

std::string to_base64(std::string_view raw)
{
    std::string out(sodium_base64_ENCODED_LEN(raw.size(), base64_variant), '\0');
    sodium_bin2base64(out.data(), out.size(), bytes_of(raw), raw.size(), base64_variant);
    out.resize(out.size() - 1); // the terminating NUL
    return out;
}

std::optional<std::string> from_base64(std::string_view text)
{
    std::string raw(text.size() / 4 * 3 + 3, '\0');
    size_t length = 0;
    const char* end = nullptr;
    if (sodium_base642bin(bytes_of(raw), raw.size(), text.data(), text.size(), nullptr, &length, &end,
                          base64_variant) != 0 ||
        end != text.data() + text.size())
        return std::nullopt;
    raw.resize(length);
    return raw;
}

} // namespace

std::string contact_key_id(std::string_view public_key)
{
    std::array<unsigned char, contact_key_id_chars / 2> hash{};
    crypto_generichash(hash.data(), hash.size(), bytes_of(public_key), public_key.size(), nullptr, 0);
    std::string hex(contact_key_id_chars + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), hash.data(), hash.size());
    hex.resize(contact_key_id_chars);
    return hex;
}

ContactKeyPair make_contact_key_pair()
{
    ready_sodium();
    ContactKeyPair pair;
    pair.public_half.public_key.resize(crypto_box_PUBLICKEYBYTES);
    pair.secret_key.resize(crypto_box_SECRETKEYBYTES);
    crypto_box_keypair(bytes_of(pair.public_half.public_key), bytes_of(pair.secret_key));
    pair.public_half.id = contact_key_id(pair.public_half.public_key);
    return pair;
}

nlohmann::json to_json(const ContactPublicKey& key)
{
    return {{"id", key.id}, {"public_key", to_base64(key.public_key)}};
}

Result<ContactPublicKey> contact_public_key_from_json(const nlohmann::json& json)
{
    const Error unreadable{ErrorKind::invalid_input,
                           "head office's contact key must be {\"id\": ..., \"public_key\": <32 bytes in base64>}"};
    if (!json.is_object() || !json.contains("id") || !json["id"].is_string() || !json.contains("public_key") ||
        !json["public_key"].is_string())
        return unreadable;
    auto raw = from_base64(json["public_key"].get_ref<const std::string&>());
    if (!raw || raw->size() != crypto_box_PUBLICKEYBYTES)
        return unreadable;
    ContactPublicKey key{json["id"].get<std::string>(), std::move(*raw)};
    if (key.id != contact_key_id(key.public_key))
        return Error{ErrorKind::invalid_input, "head office's contact key does not match its id"};
    return key;
}

std::string seal_text(std::string_view clear, const ContactPublicKey& key)
{
    ready_sodium();
    assert(key.public_key.size() == crypto_box_PUBLICKEYBYTES);
    std::string sealed(clear.size() + crypto_box_SEALBYTES, '\0');
    crypto_box_seal(bytes_of(sealed), bytes_of(clear), clear.size(), bytes_of(key.public_key));
    return to_base64(sealed);
}

Result<std::string> open_text(std::string_view sealed, const ContactKeyPair& pair)
{
    ready_sodium();
    auto raw = from_base64(sealed);
    if (!raw || raw->size() < crypto_box_SEALBYTES)
        return Error{ErrorKind::invalid_input, "a sealed value is not in base64 or too short"};
    std::string clear(raw->size() - crypto_box_SEALBYTES, '\0');
    if (crypto_box_seal_open(bytes_of(clear), bytes_of(*raw), raw->size(), bytes_of(pair.public_half.public_key),
                             bytes_of(pair.secret_key)) != 0)
        return Error{ErrorKind::invalid_input,
                     "a sealed value does not open with key " + pair.public_half.id + " (another key, or changed)"};
    return clear;
}

bool is_sealed_contact(const nlohmann::json& contact)
{
    return contact.is_object() && contact.contains("sealed");
}

std::vector<std::string> contact_channels(const nlohmann::json& contact)
{
    std::vector<std::string> out;
    if (!contact.is_object())
        return out;
    if (is_sealed_contact(contact)) {
        auto channels = contact.find("channels");
        if (channels != contact.end() && channels->is_array())
            for (const auto& channel : *channels)
                if (channel.is_string())
                    out.push_back(channel.get<std::string>());
        return out;
    }
    for (const char* name : channel_names)
        if (contact.contains(name))
            out.emplace_back(name);
    return out;
}

nlohmann::json seal_contact(const nlohmann::json& contact, const ContactPublicKey& key)
{
    if (is_sealed_contact(contact))
        return contact;
    return {{"consent", contact.is_object() && contact.value("consent", false)},
            {"channels", contact_channels(contact)},
            {"key_id", key.id},
            {"sealed", seal_text(contact.dump(), key)}};
}

} // namespace feedback::crypto
