// Loading and checking the dashboard's translation files.
#include "text.h"

#include "assets.h"
#include "config/translations.h"

#include <nlohmann/json.hpp>

#include <set>

namespace feedback::hq::web {

Result<WebText> WebText::parse(const std::map<std::string, std::string_view>& documents)
{
    std::vector<std::string> problems;
    WebText out;
    for (const std::string& locale : dashboard_locales) {
        auto found = documents.find(locale);
        if (found == documents.end()) {
            problems.push_back(locale + ": no translation file");
            continue;
        }
        auto json = nlohmann::json::parse(found->second, nullptr, false);
        if (!json.is_object()) {
            problems.push_back(locale + ": not a JSON object");
            continue;
        }
        auto& table = out.m_tables[locale];
        for (const auto& [key, value] : json.items()) {
            if (!value.is_string() || value.get_ref<const std::string&>().empty())
                problems.push_back(locale + ": " + key + " must be a non-empty string");
            else
                table.emplace(key, value.get<std::string>());
        }
    }
    if (problems.empty()) {
        const auto& first = out.m_tables.at(dashboard_locales.front());
        for (const std::string& locale : dashboard_locales) {
            const auto& other = out.m_tables.at(locale);
            for (const auto& [key, text] : first) {
                auto there = other.find(key);
                if (there == other.end())
                    problems.push_back(locale + ": missing " + key);
                else if (config::placeholders_in(text) != config::placeholders_in(there->second))
                    problems.push_back(locale + ": " + key + " has other placeholders than in " +
                                       dashboard_locales.front());
            }
            for (const auto& [key, text] : other)
                if (!first.contains(key))
                    problems.push_back(dashboard_locales.front() + ": missing " + key);
        }
    }
    if (!problems.empty()) {
        std::string message = "the dashboard's translations: ";
        for (size_t i = 0; i < problems.size(); ++i)
            message += (i > 0 ? "; " : "") + problems[i];
        return Error{ErrorKind::invalid_input, message};
    }
    return out;
}

Result<WebText> WebText::load_embedded()
{
    std::map<std::string, std::string_view> documents;
    for (const std::string& locale : dashboard_locales)
        if (auto bytes = embedded_asset("i18n/" + locale + ".json"))
            documents.emplace(locale, *bytes);
    return parse(documents);
}

std::string WebText::tr(std::string_view locale, std::string_view key) const
{
    auto table = m_tables.find(locale);
    if (table == m_tables.end())
        table = m_tables.find(dashboard_locales.front());
    if (table != m_tables.end()) {
        auto text = table->second.find(key);
        if (text != table->second.end())
            return text->second;
    }
    return std::string(key); // a bug the page then shows, so a person can report it
}

std::string WebText::format(std::string_view locale, std::string_view key,
                            const std::map<std::string, std::string>& values) const
{
    return config::fill_placeholders(tr(locale, key), values);
}

bool WebText::has(std::string_view locale, std::string_view key) const
{
    auto table = m_tables.find(locale);
    return table != m_tables.end() && table->second.contains(key);
}

std::vector<std::string> WebText::keys() const
{
    std::vector<std::string> out;
    if (m_tables.empty())
        return out;
    for (const auto& [key, text] : m_tables.begin()->second)
        out.push_back(key);
    return out;
}

} // namespace feedback::hq::web
