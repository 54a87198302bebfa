// Loading and atomically saving the sync credentials file.
#include "credentials.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace feedback::sync {

Result<void> write_file_atomically(const std::filesystem::path& file, std::string_view bytes, unsigned mode)
{
    auto temp = file;
    temp += ".tmp";
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return Error{ErrorKind::io, "cannot write " + temp.string()};
    fchmod(fd, mode); // O_CREAT's mode is only used for a new file
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t wrote = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (wrote <= 0) {
            ::close(fd);
            return Error{errno == ENOSPC ? ErrorKind::disk_full : ErrorKind::io, "cannot write " + temp.string()};
        }
        done += static_cast<size_t>(wrote);
    }
    bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced || std::rename(temp.c_str(), file.c_str()) != 0)
        return Error{ErrorKind::io, "cannot write " + file.string()};
    int dir = ::open(file.parent_path().empty() ? "." : file.parent_path().c_str(), O_RDONLY | O_DIRECTORY);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return {};
}

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
    return write_file_atomically(data_dir / credentials_file_name, json.dump(2) + "\n", 0600);
}

} // namespace feedback::sync
