// Reading and writing DIR/hq.json, parsing HOST:PORT, and the public URL.
#include "hq_settings.h"

#include "files/private_files.h"
#include "sql/connection.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace feedback::hq {

namespace {

Error bad(std::string message) { return Error{ErrorKind::invalid_input, std::move(message)}; }

nlohmann::json to_json(const ConnectionSettings& c)
{
    return {{"max_connections", c.max_connections},       {"max_per_address", c.max_per_address},
            {"head_seconds", c.head_seconds},             {"keep_alive_seconds", c.keep_alive_seconds},
            {"max_form_bytes", c.max_form_bytes},         {"trusted_proxies", c.trusted_proxies}};
}

Result<ConnectionSettings> connection_settings_from_json(const nlohmann::json& json)
{
    if (!json.is_object())
        return bad("must be an object");
    ConnectionSettings c;
    auto integer = [&](const char* key, auto& target, int64_t low, int64_t high) -> Result<void> {
        if (!json.contains(key))
            return {};
        if (!json[key].is_number_integer() || json[key].get<int64_t>() < low || json[key].get<int64_t>() > high)
            return bad(std::string(key) + " must be an integer from " + std::to_string(low) + " to " +
                       std::to_string(high));
        target = static_cast<std::remove_reference_t<decltype(target)>>(json[key].get<int64_t>());
        return {};
    };
    FEEDBACK_TRY(integer("max_connections", c.max_connections, 16, 1000000));
    FEEDBACK_TRY(integer("max_per_address", c.max_per_address, 1, 1000000));
    FEEDBACK_TRY(integer("head_seconds", c.head_seconds, 1, 300));
    FEEDBACK_TRY(integer("keep_alive_seconds", c.keep_alive_seconds, 1, 3600));
    FEEDBACK_TRY(integer("max_form_bytes", c.max_form_bytes, 4096, 64 * 1024 * 1024));
    if (json.contains("trusted_proxies")) {
        const auto& proxies = json["trusted_proxies"];
        if (!proxies.is_array())
            return bad("trusted_proxies must be a list of addresses");
        for (const auto& proxy : proxies) {
            if (!proxy.is_string() || proxy.get<std::string>().empty())
                return bad("trusted_proxies must be a list of addresses such as \"127.0.0.1\"");
            c.trusted_proxies.push_back(proxy.get<std::string>());
        }
    }
    return c;
}

// "https://HOST" or "https://HOST:PORT": visible ASCII, no path, query,
// fragment or user part.
bool is_public_url(std::string_view url)
{
    constexpr std::string_view scheme = "https://";
    if (!url.starts_with(scheme) || url.size() == scheme.size() || url.size() > 200)
        return false;
    std::string_view authority = url.substr(scheme.size());
    return std::all_of(authority.begin(), authority.end(), [](char c) {
        return c > ' ' && c < 127 && c != '/' && c != '?' && c != '#' && c != '@' && c != '\\';
    });
}

} // namespace

Result<HqSettings> load_settings(const std::filesystem::path& dir)
{
    auto file = dir / settings_file_name;
    std::ifstream in(file);
    if (!in)
        return Error{ErrorKind::not_found, "there is no " + file.string() + " (run feedback-hq init first)"};
    std::stringstream text;
    text << in.rdbuf();
    auto json = nlohmann::json::parse(text.str(), nullptr, false);
    if (!json.is_object())
        return bad(file.string() + ": not a JSON object");
    HqSettings settings;
    if (json.contains("limits")) {
        auto limits = sync::limits_from_json(json["limits"]);
        if (!limits)
            return bad(file.string() + ": " + limits.error().message);
        settings.limits = *limits;
    }
    auto text_field = [&](const char* key, std::string& target) -> Result<void> {
        if (!json.contains(key))
            return {};
        if (!json[key].is_string())
            return bad(file.string() + ": " + key + " must be a string");
        target = json[key].get<std::string>();
        return {};
    };
    FEEDBACK_TRY(text_field("listen", settings.listen));
    FEEDBACK_TRY(text_field("database", settings.database));
    if (!settings.database.empty() && !sql::is_postgresql_url(settings.database))
        return bad(file.string() + ": database must be a postgresql:// URL (leave it out for DIR/hq.db)");
    FEEDBACK_TRY(text_field("hostname", settings.hostname));
    if (json.contains("mail")) {
        auto mail = mail::mail_settings_from_json(json["mail"]);
        if (!mail)
            return bad(file.string() + ": " + mail.error().message);
        settings.mail = std::move(*mail);
    }
    if (json.contains("threads")) {
        if (!json["threads"].is_number_integer() || json["threads"].get<int>() < 2 || json["threads"].get<int>() > 1024)
            return bad(file.string() + ": threads must be an integer from 2 to 1024");
        settings.threads = json["threads"].get<int>();
    }
    if (json.contains("connections")) {
        auto connections = connection_settings_from_json(json["connections"]);
        if (!connections)
            return bad(file.string() + ": connections: " + connections.error().message);
        settings.connections = *connections;
    }
    if (json.contains("tls")) {
        const auto& tls = json["tls"];
        if (!tls.is_object() || !tls.contains("certificate") || !tls.contains("key") ||
            !tls["certificate"].is_string() || !tls["key"].is_string() ||
            tls["certificate"].get<std::string>().empty() || tls["key"].get<std::string>().empty())
            return bad(file.string() + ": tls must be {\"certificate\": FILE, \"key\": FILE} (a PEM certificate "
                                       "with its chain, and its private key)");
        settings.tls_certificate = tls["certificate"].get<std::string>();
        settings.tls_key = tls["key"].get<std::string>();
    }
    FEEDBACK_TRY(text_field("public_url", settings.public_url));
    if (!settings.public_url.empty()) {
        while (settings.public_url.ends_with('/'))
            settings.public_url.pop_back();
        if (!is_public_url(settings.public_url))
            return bad(file.string() + ": public_url must be https://HOST or https://HOST:PORT (what customers' "
                                       "links start with), without a path, query or spaces");
    }
    if (json.contains("status_lookups_per_minute")) {
        const auto& lookups = json["status_lookups_per_minute"];
        if (!lookups.is_number_integer() || lookups.get<int64_t>() < 1 || lookups.get<int64_t>() > 100000)
            return bad(file.string() + ": status_lookups_per_minute must be an integer from 1 to 100000");
        settings.status_lookups_per_minute = lookups.get<int>();
    }
    if (json.contains("contact_keys")) {
        const auto& keys = json["contact_keys"];
        if (!keys.is_array() || keys.empty() ||
            !std::all_of(keys.begin(), keys.end(), [](const nlohmann::json& key) {
                return key.is_string() && std::filesystem::path(key.get<std::string>()).is_absolute();
            }))
            return bad(file.string() + ": contact_keys must be a list of absolute paths of key files, the current "
                                       "key first (feedback-hq rotate-contact-key adds one)");
        for (const auto& key : keys)
            settings.contact_keys.emplace_back(key.get<std::string>());
    }
    if (json.contains("contact_retention_days")) {
        const auto& days = json["contact_retention_days"];
        if (!days.is_number_integer() || days.get<int64_t>() < 0 || days.get<int64_t>() > 3650)
            return bad(file.string() + ": contact_retention_days must be an integer from 0 to 3650");
        settings.contact_retention_days = days.get<int>();
    }
    if (json.contains("enrol_code_ttl_hours")) {
        if (!json["enrol_code_ttl_hours"].is_number_integer() || json["enrol_code_ttl_hours"].get<int64_t>() < 1)
            return bad(file.string() + ": enrol_code_ttl_hours must be an integer of at least 1");
        settings.enrol_code_ttl_hours = json["enrol_code_ttl_hours"].get<int64_t>();
    }
    return settings;
}

Result<void> save_settings(const std::filesystem::path& dir, const HqSettings& settings)
{
    nlohmann::json json{
        {"limits", sync::to_json(settings.limits)},
        {"listen", settings.listen},
        {"threads", settings.threads},
        {"connections", to_json(settings.connections)},
        {"enrol_code_ttl_hours", settings.enrol_code_ttl_hours},
        {"hostname", settings.hostname},
        {"status_lookups_per_minute", settings.status_lookups_per_minute},
        {"mail", mail::to_json(settings.mail)},
        {"contact_retention_days", settings.contact_retention_days},
    };
    if (!settings.contact_keys.empty()) {
        json["contact_keys"] = nlohmann::json::array();
        for (const auto& key : settings.contact_keys)
            json["contact_keys"].push_back(key.string());
    }
    if (!settings.public_url.empty())
        json["public_url"] = settings.public_url;
    if (!settings.database.empty())
        json["database"] = settings.database;
    if (!settings.tls_certificate.empty())
        json["tls"] = {{"certificate", settings.tls_certificate.string()}, {"key", settings.tls_key.string()}};
    return files::write_private_file(dir / settings_file_name, json.dump(2) + "\n", files::Durability::synced);
}

Result<ListenAddress> parse_listen_address(std::string_view text)
{
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
        return bad("--listen must be HOST:PORT (got \"" + std::string(text) + "\")");
    ListenAddress address;
    address.host = std::string(text.substr(0, colon));
    if (address.host.size() > 2 && address.host.front() == '[' && address.host.back() == ']')
        address.host = address.host.substr(1, address.host.size() - 2);
    auto port_text = text.substr(colon + 1);
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), address.port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || address.port < 0 || address.port > 65535)
        return bad("--listen: the port must be a number from 0 to 65535 (got \"" + std::string(port_text) + "\")");
    return address;
}

std::string public_url_or_default(const HqSettings& settings, int port)
{
    if (!settings.public_url.empty())
        return settings.public_url;
    return "https://" + settings.hostname + (port == 443 ? std::string() : ":" + std::to_string(port));
}

} // namespace feedback::hq
