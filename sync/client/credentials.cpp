// Loading and atomically saving the sync credentials file.
#include "credentials.h"

#include "files/private_files.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace feedback::sync {

Result<std::optional<Credentials>> load_credentials(const std::filesystem::path& data_dir)
{
    auto file = data_dir / credentials_file_name;
    std::error_code ec;
    if (!std::filesystem::exists(file, ec))
        return std::optional<Credentials>{};
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    auto json = nlohmann::json::parse(text.str(), nullptr, false);
    auto field = [&](const char* key) -> std::optional<std::string> {
        if (!json.is_object() || !json.contains(key) || !json[key].is_string())
            return std::nullopt;
        return json[key].get<std::string>();
    };
    auto device_id = field("device_id");
    auto token = field("token");
    auto server_url = field("server_url");
    auto ca_file = field("ca_file");
    if (!device_id || !token || !server_url || !ca_file)
        return Error{ErrorKind::corrupt, file.string() + " is damaged: enrol the terminal again"};
    return std::optional<Credentials>{Credentials{*device_id, *token, *server_url, *ca_file}};
}

Result<void> save_credentials(const std::filesystem::path& data_dir, const Credentials& credentials)
{
    nlohmann::json json{{"device_id", credentials.device_id},
                        {"token", credentials.token},
                        {"server_url", credentials.server_url},
                        {"ca_file", credentials.ca_file}};
    return files::write_private_file(data_dir / credentials_file_name, json.dump(2) + "\n", files::Durability::synced);
}

} // namespace feedback::sync
