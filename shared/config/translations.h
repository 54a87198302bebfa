// UI texts per language: the kiosk's from assets/i18n/<locale>.json, head
// office's dashboard's from assets/dashboard/i18n/ (flat objects:
// "complaint.thanks.title" -> text). UI code never holds a literal text: it
// asks for a key.
#pragma once

#include "config/locales.h"
#include "domain/result.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::config {

// Keys are dotted snake_case, screen first: "<screen>.<part>[.<detail>]",
// e.g. "start.tap_a_number", "staff.login.wrong_pin". Texts may hold
// placeholders "{name}" (snake_case) that format() fills in; a key has the
// same placeholders in every language.
class Translations {
public:
    // Reads <i18n_dir>/<locale>.json for every locale of `locales` (the
    // kiosk: kiosk_locales; the dashboard: the base nl and en).
    // Refuses, listing every problem at once: a missing or non-JSON file, a
    // file that is not a flat object of non-empty strings, a key that is not
    // dotted snake_case, keys present in one file but not another, and a
    // key whose placeholders differ between the languages.
    static Result<Translations> load(const std::filesystem::path& i18n_dir,
                                     const std::vector<std::string>& locales = supported_locales);
    // The same checks over documents already read (locale -> its JSON), such
    // as files built into a program; `where` starts the error message.
    static Result<Translations> from_documents(const std::map<std::string, nlohmann::json>& documents,
                                               const std::string& where,
                                               const std::vector<std::string>& locales = supported_locales);

    // The text of `key` in `locale`. A missing key (or locale) is a bug: it
    // asserts in debug builds, and in release builds returns the key itself,
    // so the screen shows something a person can report. The reference stays
    // valid as long as this Translations lives.
    const std::string& tr(std::string_view locale, std::string_view key) const;

    // tr() with each "{name}" replaced by values["name"]. A placeholder
    // without a value is a bug: asserts, and is left as it is in release.
    std::string format(std::string_view locale, std::string_view key,
                       const std::map<std::string, std::string>& values) const;

    bool has(std::string_view locale, std::string_view key) const;
    // Whether the texts of `locale` were loaded.
    bool has_locale(std::string_view locale) const { return m_tables.find(locale) != m_tables.end(); }
    // Every key (the same in every language), sorted.
    std::vector<std::string> keys() const;

private:
    using Table = std::map<std::string, std::string, std::less<>>;
    // Keys asked for but missing, kept so tr() can return a reference to
    // them; behind a mutex because tr() is const and may run on any thread.
    struct MissingKeys {
        std::mutex mutex;
        std::set<std::string, std::less<>> keys;
    };

    Translations() = default;

    std::map<std::string, Table, std::less<>> m_tables; // locale -> key -> text
    std::unique_ptr<MissingKeys> m_missing = std::make_unique<MissingKeys>();
};

// One language's view of the Translations, for UI code: strings.tr("key").
// Cheap to copy; the Translations must outlive it.
class Strings {
public:
    // Asserts that `locale` is a supported locale.
    Strings(const Translations& translations, std::string locale);

    const std::string& tr(std::string_view key) const;
    std::string format(std::string_view key, const std::map<std::string, std::string>& values) const;
    const std::string& locale() const { return m_locale; }

private:
    const Translations* m_translations;
    std::string m_locale;
};

// Replaces each "{name}" in `text` by values["name"]; text in braces that is
// not a snake_case name is left alone. Unknown names are left as they are.
std::string fill_placeholders(std::string_view text, const std::map<std::string, std::string>& values);

// The snake_case names of the "{name}" placeholders in `text`.
std::set<std::string> placeholders_in(std::string_view text);

} // namespace feedback::config
