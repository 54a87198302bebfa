// Reading this terminal's display settings (display_settings.h): the file's
// lines checked one by one, each broken rule named with its line, and what
// cage and udev are given for them.
#include "cli/display_settings.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

namespace feedback::terminal {

namespace {

// Larger is not a display settings file; reading stops there.
constexpr std::streamsize max_file_bytes = 64 * 1024;
constexpr size_t max_connector_name = 63;
constexpr size_t calibration_numbers = 6;

std::string_view trimmed(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

Result<int> parse_rotation(std::string_view value)
{
    for (int degrees : {0, 90, 180, 270})
        if (value == std::to_string(degrees))
            return degrees;
    return Error{ErrorKind::invalid_input,
                 "\"" + std::string(value) + "\" is not one of 0, 90, 180, 270 (degrees clockwise)"};
}

// A DRM connector's name as the kernel gives it: HDMI-A-1, eDP-1, DSI-1, DP-2.
Result<std::string> parse_connector(std::string_view value)
{
    const bool fits = !value.empty() && value.size() <= max_connector_name &&
                      value.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                          std::string_view::npos;
    if (!fits)
        return Error{ErrorKind::invalid_input,
                     "\"" + std::string(value) +
                         "\" is not a connector name (letters, digits and '-', as in HDMI-A-1 or eDP-1: "
                         "ls /sys/class/drm shows them after the card's name)"};
    return std::string(value);
}

// Six finite numbers separated by spaces, given back with single spaces.
Result<std::string> parse_calibration(std::string_view value)
{
    std::vector<std::string> numbers;
    std::istringstream words{std::string(value)};
    std::string word;
    while (words >> word) {
        double number = 0;
        const char* end = word.data() + word.size();
        auto [stop, error] = std::from_chars(word.data(), end, number);
        if (error != std::errc() || stop != end || !std::isfinite(number))
            return Error{ErrorKind::invalid_input, "\"" + word + "\" is not a number"};
        numbers.push_back(word);
    }
    if (numbers.size() != calibration_numbers)
        return Error{ErrorKind::invalid_input, "needs 6 numbers (libinput's calibration matrix, e.g. "
                                               "\"0 1 0 -1 0 1\"), not " + std::to_string(numbers.size())};
    std::string joined;
    for (const std::string& number : numbers)
        joined += (joined.empty() ? "" : " ") + number;
    return joined;
}

} // namespace

Result<DisplaySettings> parse_display_settings(std::string_view text, const std::string& source)
{
    DisplaySettings settings;
    std::map<std::string, int, std::less<>> seen_on_line;
    std::vector<std::string> problems;
    int line_number = 0;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t end = std::min(text.find('\n', start), text.size());
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++line_number;
        if (const auto comment = line.find('#'); comment != std::string_view::npos)
            line = line.substr(0, comment);
        line = trimmed(line);
        if (line.empty())
            continue;
        const std::string where = source + ":" + std::to_string(line_number) + ": ";
        const auto equals = line.find('=');
        if (equals == std::string_view::npos) {
            problems.push_back(where + "\"" + std::string(line) + "\" is not \"key = value\"");
            continue;
        }
        const std::string_view key = trimmed(line.substr(0, equals));
        const std::string_view value = trimmed(line.substr(equals + 1));
        if (auto earlier = seen_on_line.find(key); earlier != seen_on_line.end()) {
            problems.push_back(where + std::string(key) + ": given already on line " + std::to_string(earlier->second));
            continue;
        }
        seen_on_line.emplace(std::string(key), line_number);
        if (key == "rotation") {
            auto rotation = parse_rotation(value);
            if (rotation)
                settings.rotation_degrees = *rotation;
            else
                problems.push_back(where + "rotation: " + rotation.error().message);
        } else if (key == "touch_output") {
            auto connector = parse_connector(value);
            if (connector)
                settings.touch_output = *connector;
            else
                problems.push_back(where + "touch_output: " + connector.error().message);
        } else if (key == "touch_calibration") {
            auto matrix = parse_calibration(value);
            if (matrix)
                settings.touch_calibration = *matrix;
            else
                problems.push_back(where + "touch_calibration: " + matrix.error().message);
        } else {
            problems.push_back(where + "unknown setting \"" + std::string(key) +
                               "\" (known: rotation, touch_output, touch_calibration)");
        }
    }
    if (problems.empty())
        return settings;
    std::string message;
    for (const std::string& problem : problems)
        message += (message.empty() ? "" : "; ") + problem;
    return Error{ErrorKind::invalid_input, message};
}

Result<DisplaySettings> load_display_settings(const std::filesystem::path& file, MissingFile missing)
{
    std::error_code not_a_folder;
    if (std::filesystem::is_directory(file, not_a_folder))
        return Error{ErrorKind::invalid_input, "display settings " + file.string() + ": is a folder, not a file"};
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        const int error = errno;
        if (error == ENOENT && missing == MissingFile::use_defaults)
            return DisplaySettings{};
        return Error{error == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                     "display settings " + file.string() + ": cannot be read (" + std::strerror(error) + ")"};
    }
    std::string text(static_cast<size_t>(max_file_bytes) + 1, '\0');
    in.read(text.data(), max_file_bytes + 1);
    if (in.bad())
        return Error{ErrorKind::io, "display settings " + file.string() + ": read failed"};
    text.resize(static_cast<size_t>(in.gcount()));
    if (std::ssize(text) > max_file_bytes)
        return Error{ErrorKind::invalid_input,
                     "display settings " + file.string() + ": larger than 64 KiB, not a settings file"};
    return parse_display_settings(text, file.string());
}

std::vector<std::string> cage_options(const DisplaySettings& settings)
{
    std::vector<std::string> options{"-d"};
    for (int turned = 0; turned < settings.rotation_degrees; turned += 90)
        options.emplace_back("-r");
    return options;
}

std::vector<std::string> touch_udev_properties(const DisplaySettings& settings)
{
    std::vector<std::string> properties;
    if (settings.touch_output)
        properties.push_back("WL_OUTPUT=" + *settings.touch_output);
    if (settings.touch_calibration)
        properties.push_back("LIBINPUT_CALIBRATION_MATRIX=" + *settings.touch_calibration);
    return properties;
}

} // namespace feedback::terminal
