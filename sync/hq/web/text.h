// The dashboard's texts in Dutch and English, from the translation files
// built into feedback-hq (assets/dashboard/i18n/{nl,en}.json, checked like the
// kiosk's by config::Translations). Pages never hold a literal text a person
// reads: they ask for a key.
#pragma once

#include "config/kiosk_config.h"
#include "config/translations.h"
#include "domain/result.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::hq::web {

// The dashboard speaks the languages the kiosk speaks.
inline const std::vector<std::string>& dashboard_locales = config::supported_locales;

// The embedded translation files, checked.
Result<config::Translations> load_dashboard_text();

// One language's view, for page code: t("overview.title").
class Text {
public:
    Text(const config::Translations& text, std::string locale) : m_text(&text), m_locale(std::move(locale)) {}
    const std::string& operator()(std::string_view key) const { return m_text->tr(m_locale, key); }
    std::string format(std::string_view key, const std::map<std::string, std::string>& values) const
    {
        return m_text->format(m_locale, key, values);
    }
    bool has(std::string_view key) const { return m_text->has(m_locale, key); }
    const std::string& locale() const { return m_locale; }

private:
    const config::Translations* m_text;
    std::string m_locale;
};

} // namespace feedback::hq::web
