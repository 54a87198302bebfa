// Reading the dashboard's form fields: trimmed text kept for showing the
// form again after a mistake, lengths checked in code points with messages
// in the page's language, and small number parsers.
#pragma once

#include "hq/web/page.h"

#include <optional>
#include <string>
#include <string_view>

namespace feedback::hq::web {

class FormReader {
public:
    explicit FormReader(const Page& page) : m_page(&page) {}

    // The field's value without leading and trailing white space; kept in
    // `feedback.values` so the form can show it again.
    std::string text(const std::string& name, FormFeedback& feedback) const;
    // Why `value` is not 1..max (or min..max) characters of valid UTF-8, in
    // the page's language; nothing when it is fine.
    std::optional<std::string> length_problem(std::string_view value, size_t min, size_t max) const;

private:
    const Page* m_page;
};

std::string trimmed(std::string_view text);
// "12" -> 12; nothing for anything but 1..10^12 in plain digits.
std::optional<int64_t> parse_positive(std::string_view text);
// "0".."10^12" in plain digits.
std::optional<int64_t> parse_count(std::string_view text);

} // namespace feedback::hq::web
