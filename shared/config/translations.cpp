// Loading and checking the per-language UI text tables, lookups with a
// visible fallback for missing keys, and "{name}" placeholder filling.
#include "translations.h"

#include "kiosk_config.h"

#include <algorithm>
#include <cassert>

namespace feedback::config {

namespace {

using Json = nlohmann::json;

bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// "<screen>.<part>[.<detail>...]": dot-separated snake_case words.
bool is_translation_key(std::string_view key)
{
    if (key.empty() || key.size() > 100 || key.front() == '.' || key.back() == '.')
        return false;
    if (key.find("..") != std::string_view::npos)
        return false;
    return std::all_of(key.begin(), key.end(), [](char c) { return is_name_char(c) || c == '.'; });
}

// Calls on_name(start, end, name) for each "{name}" in `text`, where start is
// the '{' and end is one past the '}'.
template <class OnName>
void for_each_placeholder(std::string_view text, OnName on_name)
{
    size_t at = 0;
    while ((at = text.find('{', at)) != std::string_view::npos) {
        size_t end = text.find('}', at + 1);
        if (end == std::string_view::npos)
            return;
        std::string_view name = text.substr(at + 1, end - at - 1);
        if (!name.empty() && std::all_of(name.begin(), name.end(), is_name_char)) {
            on_name(at, end + 1, name);
            at = end + 1;
        } else {
            ++at;
        }
    }
}

std::string listed(const std::set<std::string>& names)
{
    if (names.empty())
        return "none";
    std::string out;
    for (const auto& name : names)
        out += (out.empty() ? "{" : ", {") + name + "}";
    return out;
}

std::string joined(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

} // namespace

std::set<std::string> placeholders_in(std::string_view text)
{
    std::set<std::string> names;
    for_each_placeholder(text, [&](size_t, size_t, std::string_view name) { names.emplace(name); });
    return names;
}

std::string fill_placeholders(std::string_view text, const std::map<std::string, std::string>& values)
{
    std::string out;
    size_t copied = 0;
    for_each_placeholder(text, [&](size_t start, size_t end, std::string_view name) {
        auto value = values.find(std::string(name));
        if (value == values.end())
            return; // left as it is
        out.append(text.substr(copied, start - copied));
        out += value->second;
        copied = end;
    });
    out.append(text.substr(copied));
    return out;
}

Result<Translations> Translations::load(const std::filesystem::path& i18n_dir,
                                        const std::vector<std::string>& locales)
{
    std::vector<std::string> problems;
    std::map<std::string, nlohmann::json> documents;
    for (const auto& locale : locales) {
        auto json = read_json_file(i18n_dir / (locale + ".json"), "translation file");
        if (json)
            documents.emplace(locale, std::move(*json));
        else
            problems.push_back(json.error().message);
    }
    const std::string where = "translations in " + i18n_dir.string();
    if (!problems.empty())
        return Error{ErrorKind::invalid_input, where + ": " + joined(problems)};
    return from_documents(documents, where, locales);
}

Result<Translations> Translations::from_documents(const std::map<std::string, nlohmann::json>& documents,
                                                  const std::string& where, const std::vector<std::string>& locales)
{
    std::vector<std::string> problems;
    Translations translations;
    for (const auto& locale : locales) {
        std::string name = locale + ".json";
        auto document = documents.find(locale);
        if (document == documents.end()) {
            problems.push_back(name + ": missing");
            continue;
        }
        const Json& json = document->second;
        if (!json.is_object()) {
            problems.push_back(name + ": must be a JSON object of key -> text (got " + json.type_name() + ")");
            continue;
        }
        Table& table = translations.m_tables[locale];
        for (const auto& [key, value] : json.items()) {
            if (!is_translation_key(key))
                problems.push_back(name + ": key \"" + key + "\" must be dot-separated words of a-z, 0-9 and _");
            else if (!value.is_string())
                problems.push_back(name + ": " + key + " must be a string, the files are flat (got " +
                                   value.type_name() + ")");
            else if (value.get_ref<const std::string&>().empty())
                problems.push_back(name + ": " + key + " must not be empty");
            else
                table.emplace(key, value.get<std::string>());
        }
    }
    if (problems.empty()) {
        // Every pair of languages: keys and placeholders must match.
        const auto& first_locale = locales.front();
        const Table& first = translations.m_tables[first_locale];
        for (const auto& locale : locales) {
            if (locale == first_locale)
                continue;
            const Table& other = translations.m_tables[locale];
            std::vector<std::string> missing_in_other, missing_in_first;
            for (const auto& [key, text] : first) {
                auto it = other.find(key);
                if (it == other.end()) {
                    missing_in_other.push_back(key);
                    continue;
                }
                auto ours = placeholders_in(text);
                auto theirs = placeholders_in(it->second);
                if (ours != theirs)
                    problems.push_back(key + ": placeholders differ (" + listed(ours) + " in " + first_locale +
                                       ".json, " + listed(theirs) + " in " + locale + ".json)");
            }
            for (const auto& [key, text] : other)
                if (!first.contains(key))
                    missing_in_first.push_back(key);
            if (!missing_in_other.empty())
                problems.push_back("keys missing from " + locale + ".json: " + joined(missing_in_other));
            if (!missing_in_first.empty())
                problems.push_back("keys missing from " + first_locale + ".json: " + joined(missing_in_first));
        }
    }
    if (!problems.empty()) {
        std::string message = where + ": ";
        for (size_t i = 0; i < problems.size(); ++i)
            message += (i == 0 ? "" : "; ") + problems[i];
        return Error{ErrorKind::invalid_input, message};
    }
    return translations;
}

bool Translations::has(std::string_view locale, std::string_view key) const
{
    auto table = m_tables.find(locale);
    return table != m_tables.end() && table->second.contains(key);
}

std::vector<std::string> Translations::keys() const
{
    std::vector<std::string> keys;
    if (m_tables.empty())
        return keys;
    for (const auto& [key, text] : m_tables.begin()->second)
        keys.push_back(key);
    return keys;
}

const std::string& Translations::tr(std::string_view locale, std::string_view key) const
{
    auto table = m_tables.find(locale);
    assert(table != m_tables.end() && "Translations::tr: a locale without a translation file");
    if (table != m_tables.end()) {
        auto text = table->second.find(key);
        assert(text != table->second.end() && "Translations::tr: a key missing from assets/i18n (see test_config)");
        if (text != table->second.end())
            return text->second;
    }
    std::lock_guard lock(m_missing->mutex);
    return *m_missing->keys.emplace(key).first;
}

std::string Translations::format(std::string_view locale, std::string_view key,
                                 const std::map<std::string, std::string>& values) const
{
    const std::string& text = tr(locale, key);
#ifndef NDEBUG
    for (const auto& name : placeholders_in(text))
        assert(values.contains(name) && "Translations::format: a placeholder of the text has no value");
#endif
    return fill_placeholders(text, values);
}

Strings::Strings(const Translations& translations, std::string locale)
    : m_translations(&translations), m_locale(std::move(locale))
{
    assert(translations.has_locale(m_locale) && "Strings: a locale whose texts were not loaded");
}

const std::string& Strings::tr(std::string_view key) const
{
    return m_translations->tr(m_locale, key);
}

std::string Strings::format(std::string_view key, const std::map<std::string, std::string>& values) const
{
    return m_translations->format(m_locale, key, values);
}

} // namespace feedback::config
