// The terminal's condition (device_condition.h), written and read as one
// bounded JSON header.
#include "common/device_condition.h"

#include <nlohmann/json.hpp>

namespace feedback::sync {

namespace {

constexpr size_t max_text_bytes = 80;
constexpr int64_t max_number = int64_t{1} << 53; // exact in JSON readers everywhere

bool printable_ascii(std::string_view text)
{
    for (char c : text)
        if (c < 0x20 || c > 0x7e)
            return false;
    return true;
}

} // namespace

std::string fitted_text(std::string text)
{
    std::string out;
    for (char c : text)
        if (c >= 0x20 && c <= 0x7e && out.size() < max_text_bytes)
            out.push_back(c);
    return out;
}

std::string condition_to_header(const DeviceCondition& c)
{
    nlohmann::json json = nlohmann::json::object();
    auto number = [&](const char* key, const std::optional<int64_t>& value) {
        if (value && *value >= 0 && *value <= max_number)
            json[key] = *value;
    };
    auto text = [&](const char* key, const std::string& value) {
        if (!value.empty())
            json[key] = fitted_text(value);
    };
    number("uptime_s", c.uptime_seconds);
    number("restarts", c.restarts);
    text("last_exit", c.last_exit);
    number("disk_free", c.disk_free_bytes);
    number("disk_total", c.disk_total_bytes);
    number("store_bytes", c.store_bytes);
    number("bytes_written", c.bytes_written);
    text("os", c.os);
    text("screen", c.screen);
    return json.dump(); // 9 fields of at most ~100 bytes each: under the limit
}

std::optional<DeviceCondition> condition_from_header(std::string_view text)
{
    if (text.empty() || text.size() > max_health_header_bytes)
        return std::nullopt;
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (!json.is_object())
        return std::nullopt;
    DeviceCondition c;
    auto number = [&](const char* key, std::optional<int64_t>& target) {
        auto found = json.find(key);
        if (found != json.end() && found->is_number_integer() && found->get<int64_t>() >= 0 &&
            found->get<int64_t>() <= max_number)
            target = found->get<int64_t>();
    };
    auto string = [&](const char* key, std::string& target) {
        auto found = json.find(key);
        if (found != json.end() && found->is_string() && found->get_ref<const std::string&>().size() <= max_text_bytes &&
            printable_ascii(found->get_ref<const std::string&>()))
            target = found->get<std::string>();
    };
    number("uptime_s", c.uptime_seconds);
    number("restarts", c.restarts);
    string("last_exit", c.last_exit);
    number("disk_free", c.disk_free_bytes);
    number("disk_total", c.disk_total_bytes);
    number("store_bytes", c.store_bytes);
    number("bytes_written", c.bytes_written);
    string("os", c.os);
    string("screen", c.screen);
    return c;
}

} // namespace feedback::sync
