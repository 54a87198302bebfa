// Head office's contact keys: see contact_keys.h.
#include "hq/contact_keys.h"

#include "files/private_files.h"
#include "hq/hq_settings.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

namespace feedback::hq {

namespace {

constexpr std::string_view key_file_format = "feedback-contact-key/1";
constexpr std::string_view sealed_value_prefix = "sealed:";

Error unusable(const std::filesystem::path& file, const std::string& why)
{
    return Error{ErrorKind::invalid_input, "head office's contact key file " + file.string() + " " + why};
}

} // namespace

std::filesystem::path default_contact_key_dir(const std::filesystem::path& dir)
{
    auto absolute = std::filesystem::absolute(dir).lexically_normal();
    if (!absolute.has_filename())
        absolute = absolute.parent_path(); // "/var/lib/feedback-hq/"
    return absolute.parent_path() / (absolute.filename().string() + "-keys");
}

Result<crypto::ContactKeyPair> read_contact_key_file(const std::filesystem::path& file)
{
    std::ifstream in(file);
    if (!in)
        return unusable(file, "cannot be read (it must stay where hq.json's contact_keys says, mode 0600, "
                              "readable by head office's user)");
    std::stringstream text;
    text << in.rdbuf();
    auto json = nlohmann::json::parse(text.str(), nullptr, false);
    if (!json.is_object() || json.value("format", "") != key_file_format || !json.contains("secret_key") ||
        !json["secret_key"].is_string())
        return unusable(file, "is not a contact key file (" + std::string(key_file_format) + ")");
    auto public_half = crypto::contact_public_key_from_json(json);
    if (!public_half)
        return unusable(file, "holds a broken public key: " + public_half.error().message);
    const auto& encoded = json["secret_key"].get_ref<const std::string&>();
    std::string secret(crypto_box_SECRETKEYBYTES, '\0');
    size_t length = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(secret.data()), secret.size(), encoded.data(),
                          encoded.size(), nullptr, &length, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        length != crypto_box_SECRETKEYBYTES)
        return unusable(file, "holds a broken secret key");
    // The halves must belong together, or every value sealed to it would fail to open later.
    std::string derived(crypto_box_PUBLICKEYBYTES, '\0');
    crypto_scalarmult_base(reinterpret_cast<unsigned char*>(derived.data()),
                           reinterpret_cast<const unsigned char*>(secret.data()));
    if (derived != public_half->public_key)
        return unusable(file, "holds a secret key that does not match its public key");
    return crypto::ContactKeyPair{std::move(*public_half), std::move(secret)};
}

Result<ContactKeyring> ContactKeyring::load(const std::filesystem::path& dir)
{
    auto settings = load_settings(dir);
    FEEDBACK_TRY(settings);
    ContactKeyring ring;
    for (const auto& file : settings->contact_keys) {
        auto pair = read_contact_key_file(file);
        FEEDBACK_TRY(pair);
        ring.m_pairs.push_back(std::move(*pair));
    }
    return ring;
}

const crypto::ContactKeyPair* ContactKeyring::find(std::string_view id) const
{
    for (const auto& pair : m_pairs)
        if (pair.public_half.id == id)
            return &pair;
    return nullptr;
}

Result<nlohmann::json> ContactKeyring::open_contact(const nlohmann::json& sealed) const
{
    if (!crypto::is_sealed_contact(sealed))
        return sealed; // from before sealing; retention erases those in time
    std::string id = sealed.value("key_id", "");
    const crypto::ContactKeyPair* pair = find(id);
    if (!pair)
        return Error{ErrorKind::not_found, "the contact details are sealed to key " + id +
                                               ", which hq.json's contact_keys does not name (restore its file)"};
    auto clear = crypto::open_text(sealed.value("sealed", ""), *pair);
    FEEDBACK_TRY(clear);
    auto contact = nlohmann::json::parse(*clear, nullptr, false);
    if (!contact.is_object())
        return Error{ErrorKind::corrupt, "sealed contact details opened to something that is not a contact"};
    return contact;
}

std::string ContactKeyring::seal_value(std::string_view clear) const
{
    return std::string(sealed_value_prefix) + current().id + ":" + crypto::seal_text(clear, current());
}

Result<std::string> ContactKeyring::open_value(std::string_view value) const
{
    if (!value.starts_with(sealed_value_prefix))
        return std::string(value);
    value.remove_prefix(sealed_value_prefix.size());
    auto colon = value.find(':');
    const crypto::ContactKeyPair* pair = colon == std::string_view::npos ? nullptr : find(value.substr(0, colon));
    if (!pair)
        return Error{ErrorKind::not_found, "a value is sealed to a key hq.json's contact_keys does not name"};
    return crypto::open_text(value.substr(colon + 1), *pair);
}

std::string ContactKeyring::pseudonym(std::string_view text) const
{
    const std::string& secret = m_pairs.back().secret_key; // the oldest: the same before and after a rotation
    std::array<unsigned char, crypto_generichash_BYTES> hash{};
    crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                       reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
    std::string hex(hash.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), hash.data(), hash.size());
    hex.pop_back();
    return hex;
}

Result<crypto::ContactPublicKey> make_contact_key(const std::filesystem::path& dir,
                                                  const std::filesystem::path& key_dir, int64_t now_ms)
{
    auto settings = load_settings(dir);
    FEEDBACK_TRY(settings);
    auto folder = std::filesystem::absolute(key_dir).lexically_normal();
    auto data = std::filesystem::absolute(dir).lexically_normal();
    auto inside = std::mismatch(data.begin(), data.end(), folder.begin(), folder.end()).first;
    if (inside == data.end())
        return Error{ErrorKind::invalid_input, "the contact key folder " + folder.string() +
                                                   " is inside the data folder; it must be outside it, so that a "
                                                   "copy of the data opens nothing"};
    FEEDBACK_TRY(files::make_private_directory(folder));
    crypto::ContactKeyPair pair = crypto::make_contact_key_pair();
    auto file = folder / ("contact-key-" + pair.public_half.id + ".json");
    nlohmann::json json = crypto::to_json(pair.public_half);
    json["format"] = key_file_format;
    std::string secret(sodium_base64_ENCODED_LEN(pair.secret_key.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(secret.data(), secret.size(), reinterpret_cast<const unsigned char*>(pair.secret_key.data()),
                      pair.secret_key.size(), sodium_base64_VARIANT_ORIGINAL);
    secret.pop_back();
    json["secret_key"] = secret;
    json["created_at"] = now_ms;
    // The key file first, then hq.json: a crash between leaves an unused file, never a name without a file.
    FEEDBACK_TRY(files::write_private_file(file, json.dump(2) + "\n", files::Durability::synced));
    settings->contact_keys.insert(settings->contact_keys.begin(), file);
    FEEDBACK_TRY(save_settings(dir, *settings));
    return pair.public_half;
}

} // namespace feedback::hq
