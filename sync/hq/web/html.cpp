// HTML escaping, URLs, dates, numbers and CSV cells for the dashboard.
#include "html.h"

#include "domain/clock.h"
#include "domain/validation.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

namespace feedback::hq::web {

std::string valid_utf8(std::string_view text)
{
    if (utf8_length(text))
        return std::string(text);
    // dump() replaces invalid sequences with U+FFFD; strip its quotes again.
    std::string quoted = nlohmann::json(std::string(text)).dump(-1, ' ', false,
                                                                 nlohmann::json::error_handler_t::replace);
    auto back = nlohmann::json::parse(quoted, nullptr, false);
    return back.is_string() ? back.get<std::string>() : std::string();
}

std::string escape(std::string_view raw)
{
    std::string text = valid_utf8(raw);
    std::string out;
    out.reserve(text.size() + 16);
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string url_encode(std::string_view text)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += c;
        } else {
            out += '%';
            out += hex[byte >> 4];
            out += hex[byte & 0x0F];
        }
    }
    return out;
}

std::string query_string(const QueryParams& params)
{
    std::string out;
    for (const auto& [name, value] : params) {
        if (value.empty())
            continue;
        out += out.empty() ? '?' : '&';
        out += url_encode(name) + "=" + url_encode(value);
    }
    return out;
}

bool is_local_path(std::string_view path)
{
    if (path.empty() || path.size() > 512 || path[0] != '/')
        return false;
    if (path.size() > 1 && (path[1] == '/' || path[1] == '\\'))
        return false;
    for (char c : path)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\')
            return false;
    return true;
}

std::string format_time(int64_t unix_ms)
{
    std::string iso = format_utc_iso8601(unix_ms); // 2026-11-24T09:30:00.123Z
    return iso.substr(0, 10) + " " + iso.substr(11, 5);
}

std::string format_date(int64_t unix_ms) { return format_utc_iso8601(unix_ms).substr(0, 10); }

std::optional<int64_t> parse_date(std::string_view text)
{
    if (text.size() != 10)
        return std::nullopt;
    return parse_utc_iso8601(text);
}

std::optional<int64_t> parse_date_time(std::string_view date, std::string_view time)
{
    if (date.size() != 10 || time.size() != 5 || time[2] != ':')
        return std::nullopt;
    return parse_utc_iso8601(std::string(date) + "T" + std::string(time) + ":00Z");
}

std::string format_decimal(double value, int decimals, std::string_view locale)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    std::string out = buffer;
    if (locale == "nl")
        for (char& c : out)
            if (c == '.')
                c = ',';
    return out;
}

std::string format_share(const std::optional<double>& share, std::string_view locale)
{
    if (!share)
        return "\xE2\x80\x93"; // en dash: no data, which must not look like 0%
    double percent = *share * 100.0;
    bool whole = std::fabs(percent - std::round(percent)) < 0.05;
    return format_decimal(percent, whole ? 0 : 1, locale) + "%";
}

std::string format_nps(const std::optional<double>& nps)
{
    if (!nps)
        return "\xE2\x80\x93";
    auto rounded = static_cast<long>(std::lround(*nps));
    return (rounded > 0 ? "+" : "") + std::to_string(rounded);
}

namespace {

// "-7", "12", "-0.5": safe as they are (a spreadsheet reads a number).
bool is_plain_number(std::string_view text)
{
    size_t at = text.starts_with('-') ? 1 : 0;
    bool digits = false;
    bool point = false;
    for (; at < text.size(); ++at) {
        char c = text[at];
        if (c >= '0' && c <= '9')
            digits = true;
        else if ((c == '.' || c == ',') && digits && !point)
            point = true;
        else
            return false;
    }
    return digits && text.back() != '.' && text.back() != ',';
}

} // namespace

std::string csv_cell(std::string_view raw)
{
    std::string text = valid_utf8(raw);
    if (!text.empty() && !is_plain_number(text) && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' || text[0] == '\t' ||
                          text[0] == '\r'))
        text.insert(0, "'");
    bool quote = text.find_first_of(",\"\r\n") != std::string::npos;
    if (!quote)
        return text;
    std::string out = "\"";
    for (char c : text) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

std::string csv_line(const std::vector<std::string>& cells)
{
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
        if (i > 0)
            out += ',';
        out += csv_cell(cells[i]);
    }
    return out + "\r\n";
}

std::string text_input(const std::string& id, const std::string& name, const std::string& label,
                       const std::string& value, int max, bool required)
{
    return "<label for=\"" + id + "\">" + escape(label) + "</label><input id=\"" + id + "\" name=\"" + name +
           "\" maxlength=\"" + std::to_string(max) + "\" value=\"" + escape(value) + "\"" +
           (required ? " required" : "") + ">";
}

std::string text_area(const std::string& id, const std::string& name, const std::string& label,
                      const std::string& value, int max, bool required)
{
    return "<label for=\"" + id + "\">" + escape(label) + "</label><textarea id=\"" + id + "\" name=\"" + name +
           "\" rows=\"3\" maxlength=\"" + std::to_string(max) + "\"" + (required ? " required" : "") + ">" +
           escape(value) + "</textarea>";
}

} // namespace feedback::hq::web
