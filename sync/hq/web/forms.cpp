// Reading and checking form fields for the dashboard's pages.
#include "forms.h"

#include "domain/validation.h"

#include <charconv>

namespace feedback::hq::web {

std::string trimmed(std::string_view text)
{
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!text.empty() && space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && space(text.back()))
        text.remove_suffix(1);
    return std::string(text);
}

std::string FormReader::text(const std::string& name, FormFeedback& feedback) const
{
    std::string value = trimmed(m_page->param(name));
    feedback.values[name] = value;
    return value;
}

std::optional<std::string> FormReader::length_problem(std::string_view value, size_t min, size_t max) const
{
    auto length = utf8_length(value);
    if (!length)
        return m_page->t("form.bad_text");
    if (*length < min)
        return m_page->t("form.required");
    if (*length > max)
        return m_page->t.format("form.too_long", {{"max", std::to_string(max)}});
    return std::nullopt;
}

std::optional<int64_t> parse_count(std::string_view text)
{
    if (text.empty() || text.size() > 13)
        return std::nullopt;
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < 0 || value > 1'000'000'000'000)
        return std::nullopt;
    return value;
}

std::optional<int64_t> parse_positive(std::string_view text)
{
    auto value = parse_count(text);
    if (!value || *value < 1)
        return std::nullopt;
    return value;
}

} // namespace feedback::hq::web
