// Reading and writing DIR/hq.json, and parsing HOST:PORT.
#include "hq_settings.h"

#include <charconv>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace feedback::hq {

namespace {

Error bad(std::string message) { return Error{ErrorKind::invalid_input, std::move(message)}; }

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
    FEEDBACK_TRY(text_field("hostname", settings.hostname));
    if (json.contains("threads")) {
        if (!json["threads"].is_number_integer() || json["threads"].get<int>() < 2 || json["threads"].get<int>() > 1024)
            return bad(file.string() + ": threads must be an integer from 2 to 1024");
        settings.threads = json["threads"].get<int>();
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
        {"enrol_code_ttl_hours", settings.enrol_code_ttl_hours},
        {"hostname", settings.hostname},
    };
    std::string text = json.dump(2) + "\n";
    auto final_path = dir / settings_file_name;
    auto temp_path = dir / (std::string(settings_file_name) + ".tmp");
    int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return Error{ErrorKind::io, "cannot write " + temp_path.string()};
    bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written || std::rename(temp_path.c_str(), final_path.c_str()) != 0)
        return Error{ErrorKind::io, "cannot write " + final_path.string()};
    return {};
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

} // namespace feedback::hq
