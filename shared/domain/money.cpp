// Reading typed amounts of money (money.h).
#include "money.h"

#include <algorithm>
#include <charconv>

namespace feedback {

std::optional<int64_t> parse_amount_cents(std::string_view text)
{
    constexpr int64_t max_units = 10'000'000;
    while (!text.empty() && text.front() == ' ')
        text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ')
        text.remove_suffix(1);
    size_t separator = text.find_first_of(".,");
    std::string_view units = text.substr(0, separator);
    std::string_view decimals = separator == std::string_view::npos ? std::string_view{} : text.substr(separator + 1);
    auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    bool digits_only = std::all_of(units.begin(), units.end(), is_digit) &&
                       std::all_of(decimals.begin(), decimals.end(), is_digit);
    if (!digits_only || units.empty() || units.size() > 8 || decimals.size() > 2)
        return std::nullopt;
    if (separator != std::string_view::npos && decimals.empty())
        return std::nullopt; // "12." is probably unfinished
    int64_t whole = 0;
    std::from_chars(units.data(), units.data() + units.size(), whole);
    if (whole > max_units)
        return std::nullopt;
    int64_t cents = 0;
    if (!decimals.empty()) {
        std::from_chars(decimals.data(), decimals.data() + decimals.size(), cents);
        if (decimals.size() == 1)
            cents *= 10;
    }
    return whole * 100 + cents;
}

std::string format_euros(int64_t cents, std::string_view locale)
{
    std::string whole = std::to_string(cents / 100);
    std::string part = std::to_string(cents % 100 < 0 ? -(cents % 100) : cents % 100);
    if (part.size() < 2)
        part = "0" + part;
    return "\xE2\x82\xAC " + whole + (locale == "en" ? "." : ",") + part;
}

} // namespace feedback
