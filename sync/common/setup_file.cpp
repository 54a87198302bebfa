// The USB setup file (setup_file.h): JSON in and out, finding it on mounted
// media, and typed head-office addresses made into URLs.
#include "common/setup_file.h"

#include "domain/clock.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace feedback::sync {

std::string to_json_text(const SetupFile& setup)
{
    nlohmann::json json{{"format", setup_file_format},
                        {"server", setup.server_url},
                        {"code", setup.code},
                        {"store", setup.store_code},
                        {"name", setup.terminal_name},
                        {"expires_at", format_utc_iso8601(setup.expires_at_ms)}};
    if (!setup.ca_certificate.empty())
        json["ca_certificate"] = setup.ca_certificate;
    return json.dump(2) + "\n";
}

Result<SetupFile> parse_setup_file(std::string_view text)
{
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (!json.is_object())
        return Error{ErrorKind::invalid_input, "not a setup file (no JSON object)"};
    if (!json.contains("format") || json["format"] != setup_file_format)
        return Error{ErrorKind::invalid_input, "not a setup file of format " + std::string(setup_file_format)};
    auto text_of = [&](const char* key, bool required) -> Result<std::string> {
        if (!json.contains(key))
            return required ? Result<std::string>(Error{ErrorKind::invalid_input, std::string(key) + ": missing"})
                            : Result<std::string>(std::string());
        if (!json[key].is_string())
            return Error{ErrorKind::invalid_input, std::string(key) + ": must be a string"};
        return json[key].get<std::string>();
    };
    SetupFile setup;
    auto server = text_of("server", true);
    FEEDBACK_TRY(server);
    auto url = normalise_server_address(*server);
    if (!url)
        return Error{ErrorKind::invalid_input, "server: " + url.error().message};
    setup.server_url = *url;
    auto code = text_of("code", true);
    FEEDBACK_TRY(code);
    if (code->empty())
        return Error{ErrorKind::invalid_input, "code: empty"};
    setup.code = *code;
    auto store = text_of("store", false);
    FEEDBACK_TRY(store);
    setup.store_code = *store;
    auto name = text_of("name", false);
    FEEDBACK_TRY(name);
    setup.terminal_name = *name;
    auto expires = text_of("expires_at", true);
    FEEDBACK_TRY(expires);
    auto expires_ms = parse_utc_iso8601(*expires);
    if (!expires_ms)
        return Error{ErrorKind::invalid_input, "expires_at: not a UTC time (" + *expires + ")"};
    setup.expires_at_ms = *expires_ms;
    auto ca = text_of("ca_certificate", false);
    FEEDBACK_TRY(ca);
    if (!ca->empty() && ca->find("-----BEGIN CERTIFICATE-----") == std::string::npos)
        return Error{ErrorKind::invalid_input, "ca_certificate: not a PEM certificate"};
    setup.ca_certificate = *ca;
    return setup;
}

Result<SetupFile> read_setup_file(const std::filesystem::path& file)
{
    std::error_code error;
    const auto size = std::filesystem::file_size(file, error);
    if (error)
        return Error{ErrorKind::not_found, "cannot read " + file.string() + ": " + error.message()};
    if (size > setup_file_max_bytes)
        return Error{ErrorKind::invalid_input, file.string() + " is too large for a setup file"};
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return Error{ErrorKind::not_found, "cannot read " + file.string()};
    std::ostringstream text;
    text << in.rdbuf();
    auto setup = parse_setup_file(text.str());
    if (!setup)
        return Error{setup.error().kind, file.string() + ": " + setup.error().message};
    return setup;
}

namespace {

std::optional<std::filesystem::path> find_in(const std::filesystem::path& folder, int depth)
{
    std::error_code error;
    const auto candidate = folder / setup_file_name;
    if (std::filesystem::is_regular_file(candidate, error))
        return candidate;
    if (depth <= 0)
        return std::nullopt;
    std::vector<std::filesystem::path> children;
    for (std::filesystem::directory_iterator it(folder, error), end; !error && it != end; it.increment(error))
        if (it->is_directory(error))
            children.push_back(it->path());
    std::sort(children.begin(), children.end()); // the same stick wins every time
    for (const auto& child : children)
        if (auto found = find_in(child, depth - 1))
            return found;
    return std::nullopt;
}

} // namespace

std::optional<std::filesystem::path> find_setup_file(const std::vector<std::filesystem::path>& folders, int depth)
{
    for (const auto& folder : folders)
        if (auto found = find_in(folder, depth))
            return found;
    return std::nullopt;
}

Result<std::string> normalise_server_address(std::string_view typed)
{
    std::string url(typed);
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!url.empty() && is_space(url.back()))
        url.pop_back();
    url.erase(url.begin(), std::find_if_not(url.begin(), url.end(), is_space));
    std::string lower = url;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string host = url;
    if (lower.rfind("https://", 0) == 0)
        host = url.substr(8);
    else if (lower.find("://") != std::string::npos)
        return Error{ErrorKind::invalid_input, "head office is reached over https:// only"};
    while (!host.empty() && host.back() == '/')
        host.pop_back();
    if (host.empty() || std::any_of(host.begin(), host.end(), [&](char c) { return is_space(c) || c == '/'; }))
        return Error{ErrorKind::invalid_input, "\"" + std::string(typed) + "\" is not a head-office address"};
    return "https://" + host;
}

} // namespace feedback::sync
