// The terminal's condition (device_condition.h), written and read as one
// bounded JSON header.
#include "common/device_condition.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace feedback::sync {

namespace {

constexpr size_t max_text_bytes = 80;
constexpr int64_t max_number = int64_t{1} << 53; // exact in JSON readers everywhere

// The header's fields and where they go.
struct NumberField {
    const char* key;
    std::optional<int64_t> DeviceCondition::*member;
};
struct TextField {
    const char* key;
    std::string DeviceCondition::*member;
};
constexpr NumberField number_fields[] = {
    {"uptime_s", &DeviceCondition::uptime_seconds},       {"restarts", &DeviceCondition::restarts},
    {"restarts_1h", &DeviceCondition::restarts_last_hour},
    {"disk_free", &DeviceCondition::disk_free_bytes},     {"disk_total", &DeviceCondition::disk_total_bytes},
    {"store_bytes", &DeviceCondition::store_bytes},       {"bytes_written", &DeviceCondition::bytes_written},
};
constexpr TextField text_fields[] = {
    {"last_exit", &DeviceCondition::last_exit},
    {"os", &DeviceCondition::os},
    {"screen", &DeviceCondition::screen},
};

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
    for (const auto& [key, member] : number_fields)
        if (const auto& value = c.*member; value && *value >= 0 && *value <= max_number)
            json[key] = *value;
    for (const auto& [key, member] : text_fields)
        if (const auto& value = c.*member; !value.empty())
            json[key] = fitted_text(value);
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
    for (const auto& [key, member] : number_fields) {
        auto found = json.find(key);
        if (found != json.end() && found->is_number_integer() && found->get<int64_t>() >= 0 &&
            found->get<int64_t>() <= max_number)
            c.*member = found->get<int64_t>();
    }
    for (const auto& [key, member] : text_fields) {
        auto found = json.find(key);
        if (found != json.end() && found->is_string() && found->get_ref<const std::string&>().size() <= max_text_bytes &&
            printable_ascii(found->get_ref<const std::string&>()))
            c.*member = found->get<std::string>();
    }
    return c;
}

std::optional<int64_t> disk_bytes_written(const std::string& pid)
{
    std::ifstream io("/proc/" + pid + "/io");
    std::string name;
    int64_t value = 0;
    while (io >> name >> value)
        if (name == "write_bytes:")
            return value;
    return std::nullopt;
}

} // namespace feedback::sync
