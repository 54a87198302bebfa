// Placeholders of the complainant's messages: checking and filling them in
// (message_templates.h).
#include "config/message_templates.h"

#include <array>
#include <cassert>

namespace feedback::config {

namespace {

constexpr std::array<std::string_view, 6> acknowledgement_placeholders{
    "name", "reference", "store", "status_link", "deadline", "customer_wish"};
constexpr std::array<std::string_view, 6> decision_placeholders{
    "name", "reference", "store", "status_link", "decision", "resolution"};
constexpr std::array<std::string_view, 5> survey_placeholders{
    "name", "reference", "store", "status_link", "survey_link"};

std::string listed(std::span<const std::string_view> names)
{
    std::string text;
    for (std::string_view name : names)
        text += (text.empty() ? "{" : ", {") + std::string(name) + "}";
    return text;
}

// Walks a template: literal text and placeholder names, in order. Returns a
// problem, or nothing when the template is well formed.
template <class Literal, class Placeholder>
std::optional<std::string> walk(std::string_view text, Literal&& literal, Placeholder&& placeholder)
{
    size_t at = 0;
    while (at < text.size()) {
        char c = text[at];
        if ((c == '{' || c == '}') && at + 1 < text.size() && text[at + 1] == c) {
            literal(std::string_view(&text[at], 1));
            at += 2;
            continue;
        }
        if (c == '}')
            return "a lone \"}\" (write \"}}\" for a brace)";
        if (c != '{') {
            size_t next = text.find_first_of("{}", at);
            size_t end = next == std::string_view::npos ? text.size() : next;
            literal(text.substr(at, end - at));
            at = end;
            continue;
        }
        size_t close = text.find('}', at);
        if (close == std::string_view::npos)
            return "a \"{\" without its \"}\" (write \"{{\" for a brace)";
        if (auto problem = placeholder(text.substr(at + 1, close - at - 1)))
            return problem;
        at = close + 1;
    }
    return std::nullopt;
}

} // namespace

std::span<const std::string_view> placeholders_of(std::string_view message)
{
    if (message == "acknowledgement")
        return acknowledgement_placeholders;
    if (message == "decision")
        return decision_placeholders;
    if (message == "survey")
        return survey_placeholders;
    return {};
}

std::optional<std::string> template_problem(std::string_view text, std::string_view message)
{
    auto known = placeholders_of(message);
    return walk(
        text, [](std::string_view) {},
        [&](std::string_view name) -> std::optional<std::string> {
            for (std::string_view candidate : known)
                if (candidate == name)
                    return std::nullopt;
            return "unknown placeholder {" + std::string(name) + "} (this message knows " + listed(known) + ")";
        });
}

std::string render_template(std::string_view text, const std::map<std::string, std::string>& values)
{
    std::string out;
    [[maybe_unused]] auto problem = walk(
        text, [&](std::string_view literal) { out += literal; },
        [&](std::string_view name) -> std::optional<std::string> {
            if (auto it = values.find(std::string(name)); it != values.end())
                out += it->second;
            return std::nullopt;
        });
    assert(!problem && "render_template: the template was not checked");
    return out;
}

} // namespace feedback::config
