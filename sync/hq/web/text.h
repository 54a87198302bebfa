// The dashboard's texts in Dutch and English, from the embedded translation
// files assets/dashboard/i18n/{nl,en}.json (flat objects of dotted
// snake_case keys, "{name}" placeholders as in shared/config/translations.h).
// Pages never hold a literal text a person reads: they ask for a key.
#pragma once

#include "domain/result.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::hq::web {

inline const std::vector<std::string> dashboard_locales{"nl", "en"};

class WebText {
public:
    // From the embedded files. Refuses, listing every problem: a file that
    // is not a flat object of non-empty strings, keys in one language but
    // not the other, and placeholders that differ between the languages.
    static Result<WebText> load_embedded();
    // The same from given documents: locale -> JSON text.
    static Result<WebText> parse(const std::map<std::string, std::string_view>& documents);

    // The text of `key` in `locale`; the key itself when missing (a bug the
    // page then shows, so a person can report it).
    std::string tr(std::string_view locale, std::string_view key) const;
    std::string format(std::string_view locale, std::string_view key,
                       const std::map<std::string, std::string>& values) const;
    bool has(std::string_view locale, std::string_view key) const;
    std::vector<std::string> keys() const;

private:
    std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> m_tables;
};

// One language's view, for page code: t("overview.title").
class Text {
public:
    Text(const WebText& text, std::string locale) : m_text(&text), m_locale(std::move(locale)) {}
    std::string operator()(std::string_view key) const { return m_text->tr(m_locale, key); }
    std::string format(std::string_view key, const std::map<std::string, std::string>& values) const
    {
        return m_text->format(m_locale, key, values);
    }
    bool has(std::string_view key) const { return m_text->has(m_locale, key); }
    const std::string& locale() const { return m_locale; }

private:
    const WebText* m_text;
    std::string m_locale;
};

} // namespace feedback::hq::web
