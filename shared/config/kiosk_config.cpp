// Reading, validating and writing the kiosk configuration. Every broken rule
// is collected with its field path ("reasons.detractor[2].id") so that head
// office can fix a configuration in one go; the rules are listed at each reader.
#include "kiosk_config.h"

#include "config/message_templates.h"
#include "domain/validation.h"
#include "pin.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <string_view>
#include <system_error>
#include <tuple>

namespace feedback::config {

namespace {

using Json = nlohmann::json;
using Violations = std::vector<Violation>;

// =============================================================================
// [SECTION] Limits
// =============================================================================

constexpr int64_t max_text_chars = 300;    // a label, a question, a promise
constexpr int64_t max_name_chars = 100;    // the store's and a staff member's name
constexpr int64_t max_subject_chars = 200; // a message's subject line
constexpr int64_t max_body_chars = 5000;   // a message's body
constexpr int64_t max_refund_cents = 10'000'000; // the event rule for amount_cents
constexpr size_t max_config_bytes = 1024 * 1024;

struct CountRange {
    size_t min;
    size_t max;
};
constexpr CountRange reasons_per_band{1, 12};
constexpr CountRange complaint_categories_count{1, 20};
constexpr CountRange root_causes_count{0, 40};
constexpr CountRange promises_count{0, 6};
constexpr CountRange staff_count{0, 100};
constexpr CountRange working_days_count{1, 7};
constexpr CountRange public_holidays_count{0, 400};

struct IntRange {
    int64_t min;
    int64_t max;
};
constexpr IntRange version_range{1, std::numeric_limits<int>::max()};
constexpr IntRange answer_hours_range{1, 24 * 30};
constexpr IntRange answer_days_range{1, 30};
constexpr IntRange target_percent_range{1, 100};
constexpr IntRange refund_range{0, max_refund_cents};
constexpr IntRange receipt_columns_range{24, 64};
constexpr IntRange shopper_idle_range{10, 600};
constexpr IntRange thank_you_range{2, 60};
constexpr IntRange staff_idle_range{30, 3600};
constexpr IntRange max_ratings_range{1, 100};
constexpr IntRange misuse_window_range{1, 3600};

constexpr std::string_view config_id_rule = "must be an id of 1 to 40 characters from a-z, 0-9 and _";
constexpr std::string_view staff_id_rule = "must be an id of 1 to 40 characters from A-Z, a-z, 0-9, _, . and -";

// The keys a deadline can be given with, and the unit each means.
struct DeadlineKey {
    std::string_view key;
    TimeUnit unit;
    IntRange range;
};
constexpr DeadlineKey deadline_keys[] = {
    {"answer_within_working_days", TimeUnit::working_days, answer_days_range},
    {"answer_within_working_hours", TimeUnit::working_hours, answer_hours_range},
    {"answer_within_hours", TimeUnit::clock_hours, answer_hours_range},
};
constexpr std::string_view deadline_rule =
    "answer_within_working_days, answer_within_working_hours or answer_within_hours";

// A LocalizedText's fallback when validation was skipped and a locale is
// missing (in() asserts first in debug builds).
const std::string no_text;

// =============================================================================
// [SECTION] Small helpers
// =============================================================================

void add(Violations& out, std::string path, std::string message)
{
    out.push_back({std::move(path), std::move(message)});
}

std::string member(const std::string& path, std::string_view key)
{
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string element(const std::string& path, size_t index)
{
    return path + "[" + std::to_string(index) + "]";
}

std::string got_type(const Json& value)
{
    return " (got " + std::string(value.type_name()) + ")";
}

std::string joined_locales(const std::vector<std::string>& locales = supported_locales)
{
    return language_list(locales);
}

bool is_kiosk_locale(std::string_view locale)
{
    return std::find(kiosk_locales.begin(), kiosk_locales.end(), locale) != kiosk_locales.end();
}

std::string band_name(NpsBand band)
{
    switch (band) {
    case NpsBand::detractor: return "detractor";
    case NpsBand::passive: return "passive";
    case NpsBand::promoter: return "promoter";
    }
    assert(false && "band_name: an NpsBand without a name");
    return "detractor";
}

constexpr NpsBand all_bands[] = {NpsBand::detractor, NpsBand::passive, NpsBand::promoter};

// Staff ids become the actor "staff:<id>", so they follow the actor rule.
bool is_staff_id(std::string_view id)
{
    if (id.empty() || id.size() > 40)
        return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '.' || c == '-';
    });
}

bool is_blank(std::string_view text)
{
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// =============================================================================
// [SECTION] Readers of single values
// =============================================================================

// An object's keys: each of `required` must be present, and nothing outside
// `required` and `optional` may be. False (reported) when `value` is not an
// object at all, so the caller skips its fields.
bool check_keys(const Json& value, const std::string& path, std::initializer_list<std::string_view> required,
                std::initializer_list<std::string_view> optional, Violations& out)
{
    if (!value.is_object()) {
        add(out, path.empty() ? "config" : path, "must be an object" + got_type(value));
        return false;
    }
    auto listed = [](std::initializer_list<std::string_view> keys, std::string_view key) {
        return std::find(keys.begin(), keys.end(), key) != keys.end();
    };
    for (const auto& [key, ignored] : value.items())
        if (!listed(required, key) && !listed(optional, key))
            add(out, member(path, key), "unknown key");
    for (std::string_view key : required)
        if (!value.contains(key))
            add(out, member(path, key), "required");
    return true;
}

// The member `key` of an object, or nothing when absent (check_keys reports).
const Json* find(const Json& object, std::string_view key)
{
    if (!object.is_object())
        return nullptr;
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

std::optional<int64_t> read_integer(const Json* value, const std::string& path, IntRange range, Violations& out)
{
    if (!value)
        return std::nullopt;
    std::string rule = "must be an integer from " + std::to_string(range.min) + " to " + std::to_string(range.max);
    if (!value->is_number_integer()) {
        add(out, path, rule + got_type(*value));
        return std::nullopt;
    }
    if (value->is_number_unsigned() && value->get<uint64_t>() > static_cast<uint64_t>(range.max)) {
        add(out, path, rule + " (got " + value->dump() + ")");
        return std::nullopt;
    }
    auto number = value->get<int64_t>();
    if (number < range.min || number > range.max) {
        add(out, path, rule + " (got " + std::to_string(number) + ")");
        return std::nullopt;
    }
    return number;
}

int read_int(const Json* value, const std::string& path, IntRange range, int fallback, Violations& out)
{
    // Every IntRange used with this fits in an int.
    return static_cast<int>(read_integer(value, path, range, out).value_or(fallback));
}

// A string of valid UTF-8 with 1..max_chars code points, not only spaces.
std::optional<std::string> read_text(const Json* value, const std::string& path, int64_t max_chars, Violations& out)
{
    if (!value)
        return std::nullopt;
    if (!value->is_string()) {
        add(out, path, "must be a string" + got_type(*value));
        return std::nullopt;
    }
    const auto& text = value->get_ref<const std::string&>();
    auto length = utf8_length(text);
    if (!length) {
        add(out, path, "must be valid UTF-8");
        return std::nullopt;
    }
    if (is_blank(text)) {
        add(out, path, "must not be empty");
        return std::nullopt;
    }
    if (*length > static_cast<size_t>(max_chars)) {
        add(out, path,
            "must be at most " + std::to_string(max_chars) + " characters (got " + std::to_string(*length) + ")");
        return std::nullopt;
    }
    return text;
}

// A text in every language of `required` (the base languages, and for what
// shoppers read also the languages the store offers), each at most
// `max_chars` characters; other kiosk languages may be given too; anything
// else is refused so that a typo ("en-GB", "NL") is noticed.
LocalizedText read_localized(const Json* value, const std::string& path, Violations& out,
                             int64_t max_chars = max_text_chars,
                             const std::vector<std::string>& required = supported_locales)
{
    LocalizedText result;
    if (!value)
        return result;
    if (!value->is_object()) {
        add(out, path, "must be an object with a text per language (" + joined_locales(required) + ")" +
                           got_type(*value));
        return result;
    }
    for (const auto& [key, text] : value->items()) {
        if (!is_kiosk_locale(key))
            add(out, member(path, key), "not a supported language (use " + joined_locales(kiosk_locales) + ")");
        else if (std::find(required.begin(), required.end(), key) == required.end()) {
            if (auto read = read_text(&text, member(path, key), max_chars, out))
                result.by_locale[key] = std::move(*read);
        }
    }
    for (const auto& locale : required) {
        const Json* text = find(*value, locale);
        if (!text) {
            add(out, member(path, locale), "required");
            continue;
        }
        if (auto read = read_text(text, member(path, locale), max_chars, out))
            result.by_locale[locale] = std::move(*read);
    }
    return result;
}

// The languages a store offers ("languages": ["nl", "en", "de"]): 1-5
// distinct kiosk languages; nothing: the base languages.
std::vector<std::string> read_languages(const Json* value, const std::string& path, Violations& out)
{
    if (!value)
        return supported_locales;
    std::vector<std::string> languages;
    if (!value->is_array() || value->empty() || value->size() > kiosk_locales.size()) {
        add(out, path, "must be an array of 1 to " + std::to_string(kiosk_locales.size()) + " languages of " +
                           joined_locales(kiosk_locales) + got_type(*value));
        return supported_locales;
    }
    for (size_t i = 0; i < value->size(); ++i) {
        const Json& entry = (*value)[i];
        if (!entry.is_string() || !is_kiosk_locale(entry.get_ref<const std::string&>()))
            add(out, element(path, i), "must be one of " + joined_locales(kiosk_locales));
        else if (std::find(languages.begin(), languages.end(), entry.get<std::string>()) != languages.end())
            add(out, element(path, i), "\"" + entry.get<std::string>() + "\" is listed twice");
        else
            languages.push_back(entry.get<std::string>());
    }
    return languages.empty() ? supported_locales : languages;
}

// What shopper-facing texts need: the base languages and the offered ones.
std::vector<std::string> shopper_text_languages(const std::vector<std::string>& offered)
{
    std::vector<std::string> required = supported_locales;
    for (const auto& locale : offered)
        if (std::find(required.begin(), required.end(), locale) == required.end())
            required.push_back(locale);
    return required;
}

// An array with a number of entries in `range`; false (reported) otherwise,
// except that a count out of range still lets the entries be checked.
bool check_array(const Json* value, const std::string& path, CountRange range, Violations& out)
{
    if (!value)
        return false;
    if (!value->is_array()) {
        add(out, path, "must be an array" + got_type(*value));
        return false;
    }
    if (value->size() < range.min || value->size() > range.max)
        add(out, path,
            "must have " + std::to_string(range.min) + " to " + std::to_string(range.max) + " entries (got " +
                std::to_string(value->size()) + ")");
    return true;
}

// Reports the second and later uses of an id within one list.
void check_unique_ids(const std::vector<std::pair<std::string, std::string>>& ids_and_paths, Violations& out)
{
    for (size_t i = 0; i < ids_and_paths.size(); ++i)
        for (size_t k = 0; k < i; ++k)
            if (ids_and_paths[i].first == ids_and_paths[k].first) {
                add(out, ids_and_paths[i].second,
                    "\"" + ids_and_paths[i].first + "\" is already used at " + ids_and_paths[k].second);
                break;
            }
}

// =============================================================================
// [SECTION] Readers of the sections
// =============================================================================

// [{"id": config id, "label": LocalizedText}, ...]; ids unique in the list.
std::vector<Choice> read_choices(const Json* value, const std::string& path, CountRange range, Violations& out,
                                 const std::vector<std::string>& languages = supported_locales)
{
    std::vector<Choice> choices;
    if (!check_array(value, path, range, out))
        return choices;
    std::vector<std::pair<std::string, std::string>> ids;
    for (size_t i = 0; i < value->size(); ++i) {
        const Json& entry = (*value)[i];
        std::string at = element(path, i);
        if (!check_keys(entry, at, {"id", "label"}, {}, out))
            continue;
        Choice choice;
        if (const Json* id = find(entry, "id")) {
            if (id->is_string() && is_config_id(id->get_ref<const std::string&>())) {
                choice.id = id->get<std::string>();
                ids.emplace_back(choice.id, member(at, "id"));
            } else {
                add(out, member(at, "id"), std::string(config_id_rule));
            }
        }
        choice.label = read_localized(find(entry, "label"), member(at, "label"), out, max_text_chars, languages);
        choices.push_back(std::move(choice));
    }
    check_unique_ids(ids, out);
    return choices;
}

// {"detractor": [...], "passive": [...], "promoter": [...]}: 1-12 choices each.
std::map<NpsBand, std::vector<Choice>> read_reasons(const Json* value, const std::string& path, Violations& out,
                                                    const std::vector<std::string>& languages)
{
    std::map<NpsBand, std::vector<Choice>> reasons;
    if (!value || !check_keys(*value, path, {"detractor", "passive", "promoter"}, {}, out))
        return reasons;
    for (NpsBand band : all_bands) {
        std::string name = band_name(band);
        reasons[band] = read_choices(find(*value, name), member(path, name), reasons_per_band, out, languages);
    }
    return reasons;
}

// At most one of the deadline keys of `entry`, read into a TimeLimit;
// nothing when none is there or it is broken (reported).
std::optional<TimeLimit> read_time_limit(const Json& entry, const std::string& at, Violations& out)
{
    std::optional<TimeLimit> limit;
    std::string_view first;
    for (const DeadlineKey& deadline : deadline_keys) {
        const Json* value = find(entry, deadline.key);
        if (!value)
            continue;
        if (!first.empty()) {
            add(out, member(at, deadline.key), "only one deadline is allowed (" + std::string(first) + " is given)");
            continue;
        }
        first = deadline.key;
        if (auto amount = read_integer(value, member(at, deadline.key), deadline.range, out))
            limit = TimeLimit{deadline.unit, static_cast<int>(*amount)};
    }
    return limit;
}

// A promise's measure and target: "measure" one of the PromiseMeasure names
// ("answered_within_hours" needs a deadline to measure against),
// "target_percent" 1-100, the two only together.
void read_promise_measure(const Json& entry, const std::string& at, Promise& promise, Violations& out)
{
    const Json* measure = find(entry, "measure");
    const Json* target = find(entry, "target_percent");
    if (measure) {
        auto kind = measure->is_string() ? promise_measure_from_string(measure->get_ref<const std::string&>())
                                         : std::nullopt;
        if (!kind)
            add(out, member(at, "measure"),
                "must be \"answered_within_hours\" or \"solved_on_the_spot\"" +
                    (measure->is_string() ? " (got \"" + measure->get<std::string>() + "\")" : got_type(*measure)));
        else if (*kind == PromiseMeasure::answered_within_hours && !promise.answer_within)
            add(out, at, "needs a deadline (" + std::string(deadline_rule) + ") when measure is answered_within_hours");
        else
            promise.measure = kind;
        if (!target)
            add(out, member(at, "target_percent"), "required when a measure is given");
    }
    if (target) {
        if (!measure)
            add(out, member(at, "target_percent"), "only allowed together with a measure");
        else if (auto percent = read_integer(target, member(at, "target_percent"), target_percent_range, out))
            promise.target_percent = static_cast<int>(*percent);
    }
}

// [{"id", "text", one deadline key?, "measure"?, "target_percent"?}, ...]:
// 0-6, ids unique.
std::vector<Promise> read_promises(const Json* value, const std::string& path, Violations& out,
                                   const std::vector<std::string>& languages)
{
    std::vector<Promise> promises;
    if (!check_array(value, path, promises_count, out))
        return promises;
    std::vector<std::pair<std::string, std::string>> ids;
    for (size_t i = 0; i < value->size(); ++i) {
        const Json& entry = (*value)[i];
        std::string at = element(path, i);
        if (!check_keys(entry, at, {"id", "text"},
                        {"answer_within_working_days", "answer_within_working_hours", "answer_within_hours",
                         "measure", "target_percent"},
                        out))
            continue;
        Promise promise;
        if (const Json* id = find(entry, "id")) {
            if (id->is_string() && is_config_id(id->get_ref<const std::string&>())) {
                promise.id = id->get<std::string>();
                ids.emplace_back(promise.id, member(at, "id"));
            } else {
                add(out, member(at, "id"), std::string(config_id_rule));
            }
        }
        promise.text = read_localized(find(entry, "text"), member(at, "text"), out, max_text_chars, languages);
        promise.answer_within = read_time_limit(entry, at, out);
        read_promise_measure(entry, at, promise, out);
        promises.push_back(std::move(promise));
    }
    check_unique_ids(ids, out);
    return promises;
}

// {"high"?: deadline, "safety"?: deadline}, each with exactly one deadline key.
SeverityDeadlines read_severity_deadlines(const Json* value, const std::string& path, Violations& out)
{
    SeverityDeadlines deadlines;
    if (!value || !check_keys(*value, path, {}, {"high", "safety"}, out))
        return deadlines;
    for (auto [name, slot] : {std::pair{"high", &deadlines.high}, std::pair{"safety", &deadlines.safety}}) {
        const Json* entry = find(*value, name);
        std::string at = member(path, name);
        if (!entry || !check_keys(*entry, at, {},
                                  {"answer_within_working_days", "answer_within_working_hours", "answer_within_hours"},
                                  out))
            continue;
        *slot = read_time_limit(*entry, at, out);
        if (entry->empty())
            add(out, at, "must give a deadline (" + std::string(deadline_rule) + ")");
    }
    return deadlines;
}

// "HH:MM" (00:00-24:00) in minutes after midnight.
std::optional<int> minute_of_day(std::string_view text)
{
    auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9' ? text[i] - '0' : -1; };
    if (text.size() != 5 || text[2] != ':' || digit(0) < 0 || digit(1) < 0 || digit(3) < 0 || digit(4) < 0)
        return std::nullopt;
    int hours = digit(0) * 10 + digit(1);
    int minutes = digit(3) * 10 + digit(4);
    if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0))
        return std::nullopt;
    return hours * 60 + minutes;
}

std::string hh_mm(int minute_of_day)
{
    char text[32];
    std::snprintf(text, sizeof text, "%02d:%02d", minute_of_day / 60, minute_of_day % 60);
    return text;
}

std::optional<size_t> weekday_index(std::string_view name)
{
    auto it = std::find(weekday_names.begin(), weekday_names.end(), name);
    return it == weekday_names.end() ? std::nullopt : std::optional<size_t>(it - weekday_names.begin());
}

// "YYYY-MM-DD", a real date, as days since 1970-01-01.
std::optional<LocalDay> iso_date(std::string_view text)
{
    if (text.size() != 10 || text[4] != '-' || text[7] != '-')
        return std::nullopt;
    int parts[3] = {0, 0, 0};
    for (auto [index, from, length] : {std::tuple{0, 0, 4}, std::tuple{1, 5, 2}, std::tuple{2, 8, 2}})
        for (int i = from; i < from + length; ++i) {
            if (text[static_cast<size_t>(i)] < '0' || text[static_cast<size_t>(i)] > '9')
                return std::nullopt;
            parts[index] = parts[index] * 10 + (text[static_cast<size_t>(i)] - '0');
        }
    using namespace std::chrono;
    year_month_day date{year(parts[0]), month(static_cast<unsigned>(parts[1])), day(static_cast<unsigned>(parts[2]))};
    if (!date.ok())
        return std::nullopt;
    return sys_days(date).time_since_epoch().count();
}

std::string iso_date_text(LocalDay day)
{
    CivilTime civil = civil_of(day * 24 * 3'600'000);
    char text[48];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d", civil.year, civil.month, civil.day);
    return text;
}

// {"time_zone", "opening_hours", "working_days"?, "public_holidays"}; see
// KioskConfig::calendar. Absent: default_store_calendar().
StoreCalendar read_calendar(const Json* value, const std::string& path, Violations& out)
{
    if (!value) {
        auto fallback = default_store_calendar();
        if (!fallback) {
            add(out, path, "not given, and the default calendar's time zone cannot be loaded: " +
                               fallback.error().message);
            return {};
        }
        return std::move(*fallback);
    }
    StoreCalendar calendar;
    if (!check_keys(*value, path, {"time_zone", "opening_hours", "public_holidays"}, {"working_days"}, out))
        return calendar;
    if (const Json* zone = find(*value, "time_zone")) {
        std::string at = member(path, "time_zone");
        if (!zone->is_string()) {
            add(out, at, "must be an IANA time zone name such as \"Europe/Amsterdam\"" + got_type(*zone));
        } else {
            auto loaded = TimeZone::load(zone->get_ref<const std::string&>());
            if (loaded)
                calendar.zone = std::move(*loaded);
            else
                add(out, at, "cannot be loaded: " + loaded.error().message);
        }
    }
    std::string hours_at = member(path, "opening_hours");
    const Json* hours = find(*value, "opening_hours");
    if (hours && check_keys(*hours, hours_at, {},
                             {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}, out)) {
        for (const auto& [name, range] : hours->items()) {
            auto weekday = weekday_index(name);
            std::string text = range.is_string() ? range.get<std::string>() : std::string();
            if (!weekday)
                continue; // reported by check_keys
            const bool shaped = text.size() == 11 && text[5] == '-';
            const int opens = shaped ? minute_of_day(text.substr(0, 5)).value_or(-1) : -1;
            const int closes = shaped ? minute_of_day(text.substr(6)).value_or(-1) : -1;
            if (opens < 0 || closes < 0 || opens >= closes)
                add(out, member(hours_at, name),
                    "must be \"HH:MM-HH:MM\", opening before closing, such as \"09:00-18:00\"" +
                        (range.is_string() ? " (got \"" + text + "\")" : got_type(range)));
            else
                calendar.opening_hours[*weekday] = OpeningHours{opens, closes};
        }
    }
    std::string days_at = member(path, "working_days");
    if (const Json* days = find(*value, "working_days"); check_array(days, days_at, working_days_count, out)) {
        calendar.working_days = {};
        for (size_t i = 0; i < days->size(); ++i) {
            const Json& day = (*days)[i];
            auto weekday = day.is_string() ? weekday_index(day.get_ref<const std::string&>()) : std::nullopt;
            if (!weekday)
                add(out, element(days_at, i), "must be a weekday name: monday, tuesday, ..., sunday");
            else if (calendar.working_days[*weekday])
                add(out, element(days_at, i), "\"" + day.get<std::string>() + "\" is already listed");
            else
                calendar.working_days[*weekday] = true;
        }
    }
    bool any_working_hours = false;
    for (size_t weekday = 0; weekday < 7; ++weekday)
        any_working_hours = any_working_hours || (calendar.working_days[weekday] && calendar.opening_hours[weekday]);
    if (hours && hours->is_object() && !any_working_hours)
        add(out, hours_at, "no working day has opening hours, so working hours would never pass");
    std::string holidays_at = member(path, "public_holidays");
    if (const Json* holidays = find(*value, "public_holidays");
        check_array(holidays, holidays_at, public_holidays_count, out)) {
        for (size_t i = 0; i < holidays->size(); ++i) {
            const Json& day = (*holidays)[i];
            auto date = day.is_string() ? iso_date(day.get_ref<const std::string&>()) : std::nullopt;
            if (!date)
                add(out, element(holidays_at, i), "must be a date \"YYYY-MM-DD\"" +
                                                      (day.is_string() ? " (got \"" + day.get<std::string>() + "\")"
                                                                       : got_type(day)));
            else if (std::find(calendar.public_holidays.begin(), calendar.public_holidays.end(), *date) !=
                     calendar.public_holidays.end())
                add(out, element(holidays_at, i), "\"" + day.get<std::string>() + "\" is already listed");
            else
                calendar.public_holidays.push_back(*date);
        }
        std::sort(calendar.public_holidays.begin(), calendar.public_holidays.end());
    }
    return calendar;
}

// [{"id", "name", "pin_hash", "refund_limit_cents"}, ...]: ids unique.
std::vector<StaffMember> read_staff(const Json* value, const std::string& path, Violations& out)
{
    std::vector<StaffMember> staff;
    if (!check_array(value, path, staff_count, out))
        return staff;
    std::vector<std::pair<std::string, std::string>> ids;
    for (size_t i = 0; i < value->size(); ++i) {
        const Json& entry = (*value)[i];
        std::string at = element(path, i);
        if (!check_keys(entry, at, {"id", "name", "pin_hash", "refund_limit_cents"}, {}, out))
            continue;
        StaffMember member_of_staff{};
        if (const Json* id = find(entry, "id")) {
            if (id->is_string() && is_staff_id(id->get_ref<const std::string&>())) {
                member_of_staff.id = id->get<std::string>();
                ids.emplace_back(member_of_staff.id, member(at, "id"));
            } else {
                add(out, member(at, "id"), std::string(staff_id_rule));
            }
        }
        member_of_staff.name = read_text(find(entry, "name"), member(at, "name"), max_name_chars, out).value_or("");
        if (const Json* hash = find(entry, "pin_hash")) {
            if (hash->is_string() && is_pin_hash(hash->get_ref<const std::string&>()))
                member_of_staff.pin_hash = hash->get<std::string>();
            else
                add(out, member(at, "pin_hash"), "must be a hash made by feedback-terminal hash-pin");
        }
        member_of_staff.refund_limit_cents =
            read_integer(find(entry, "refund_limit_cents"), member(at, "refund_limit_cents"), refund_range, out)
                .value_or(0);
        staff.push_back(std::move(member_of_staff));
    }
    check_unique_ids(ids, out);
    return staff;
}

Timeouts read_timeouts(const Json* value, const std::string& path, Violations& out)
{
    Timeouts timeouts;
    if (!value ||
        !check_keys(*value, path, {"shopper_idle_seconds", "thank_you_seconds", "staff_idle_seconds"}, {}, out))
        return timeouts;
    timeouts.shopper_idle_seconds = read_int(find(*value, "shopper_idle_seconds"), member(path, "shopper_idle_seconds"),
                                             shopper_idle_range, timeouts.shopper_idle_seconds, out);
    timeouts.thank_you_seconds = read_int(find(*value, "thank_you_seconds"), member(path, "thank_you_seconds"),
                                          thank_you_range, timeouts.thank_you_seconds, out);
    timeouts.staff_idle_seconds = read_int(find(*value, "staff_idle_seconds"), member(path, "staff_idle_seconds"),
                                           staff_idle_range, timeouts.staff_idle_seconds, out);
    return timeouts;
}

std::optional<ReceiptPrinterSettings> read_receipt_printer(const Json* value, const std::string& path,
                                                           Violations& out)
{
    if (!value || !check_keys(*value, path, {"device"}, {"columns"}, out))
        return std::nullopt;
    ReceiptPrinterSettings printer;
    // A missing device was reported by check_keys.
    if (const Json* device = find(*value, "device"); device && !device->is_string())
        add(out, member(path, "device"), "must be a string" + got_type(*device));
    else if (device) {
        const auto& text = device->get_ref<const std::string&>();
        if (text.rfind('/', 0) != 0 || text.find('\0') != std::string::npos || text.size() > 4096)
            add(out, member(path, "device"),
                "must be the printer's absolute path, such as /dev/usb/lp0 (got \"" + text + "\")");
        else
            printer.device = text;
    }
    printer.columns =
        read_int(find(*value, "columns"), member(path, "columns"), receipt_columns_range, printer.columns, out);
    return printer;
}

MisuseRule read_misuse(const Json* value, const std::string& path, Violations& out)
{
    MisuseRule misuse;
    if (!value || !check_keys(*value, path, {"max_ratings", "window_seconds"}, {}, out))
        return misuse;
    misuse.max_ratings =
        read_int(find(*value, "max_ratings"), member(path, "max_ratings"), max_ratings_range, misuse.max_ratings, out);
    misuse.window_seconds = read_int(find(*value, "window_seconds"), member(path, "window_seconds"),
                                     misuse_window_range, misuse.window_seconds, out);
    return misuse;
}

// argv of a program run without a shell: strings, the first an absolute path.
std::vector<std::string> read_command(const Json* value, const std::string& path, Violations& out)
{
    std::vector<std::string> argv;
    if (!value)
        return argv;
    if (!value->is_array()) {
        add(out, path, "must be an array of strings (a program and its arguments)" + got_type(*value));
        return argv;
    }
    for (size_t i = 0; i < value->size(); ++i) {
        const Json& arg = (*value)[i];
        std::string at = element(path, i);
        if (!arg.is_string()) {
            add(out, at, "must be a string" + got_type(arg));
            continue;
        }
        const auto& text = arg.get_ref<const std::string&>();
        if (text.find('\0') != std::string::npos)
            add(out, at, "must not contain a NUL character");
        else if (i == 0 && text.rfind('/', 0) != 0)
            add(out, at, "must be the program's absolute path (starting with /)");
        else
            argv.push_back(text);
    }
    return argv;
}

// "messages": {"decision": {"subject": {...}, "body": {...}}, ...}; a
// message left out keeps its default template.
void read_messages(const Json& value, const std::string& path, MessageTemplates& messages, Violations& out)
{
    if (!value.is_object()) {
        add(out, path, "must be an object" + got_type(value));
        return;
    }
    for (const auto& [key, ignored] : value.items())
        if (std::find(message_kind_names.begin(), message_kind_names.end(), key) == message_kind_names.end())
            add(out, member(path, key), "unknown key (the messages are acknowledgement, decision and survey)");
    for (std::string_view kind : message_kind_names) {
        const Json* entry = find(value, kind);
        std::string at = member(path, kind);
        if (!entry || !check_keys(*entry, at, {"subject", "body"}, {}, out))
            continue;
        MessageTemplate read{read_localized(find(*entry, "subject"), member(at, "subject"), out, max_subject_chars),
                             read_localized(find(*entry, "body"), member(at, "body"), out, max_body_chars)};
        for (auto [field, text] : {std::pair{"subject", &read.subject}, std::pair{"body", &read.body}})
            for (const auto& [locale, words] : text->by_locale)
                if (auto problem = template_problem(words, kind))
                    add(out, member(member(at, field), locale), *problem);
        messages[std::string(kind)] = std::move(read);
    }
}

// =============================================================================
// [SECTION] Writers
// =============================================================================

Json localized_json(const LocalizedText& text)
{
    Json json = Json::object();
    for (const auto& [locale, value] : text.by_locale)
        json[locale] = value;
    return json;
}

// The messages that differ from the defaults (a document that never named
// them stays without "messages").
Json messages_json(const MessageTemplates& messages)
{
    Json json = Json::object();
    MessageTemplates defaults = default_message_templates();
    for (const auto& [kind, message] : messages) {
        const MessageTemplate& standard = defaults[kind];
        if (message.subject.by_locale == standard.subject.by_locale && message.body.by_locale == standard.body.by_locale)
            continue;
        json[kind] = {{"subject", localized_json(message.subject)}, {"body", localized_json(message.body)}};
    }
    return json;
}

// The deadline key of a limit's unit and its amount, onto `entry`.
void put_time_limit(Json& entry, const TimeLimit& limit)
{
    for (const DeadlineKey& deadline : deadline_keys)
        if (deadline.unit == limit.unit)
            entry[std::string(deadline.key)] = limit.amount;
}

Json calendar_json(const StoreCalendar& calendar)
{
    Json hours = Json::object();
    Json working = Json::array();
    for (size_t weekday = 0; weekday < 7; ++weekday) {
        // Monday first, as people write a week.
        size_t day = (weekday + 1) % 7;
        if (const auto& open = calendar.opening_hours[day])
            hours[std::string(weekday_names[day])] = hh_mm(open->opens_minute) + "-" + hh_mm(open->closes_minute);
        if (calendar.working_days[day])
            working.push_back(weekday_names[day]);
    }
    Json holidays = Json::array();
    for (LocalDay day : calendar.public_holidays)
        holidays.push_back(iso_date_text(day));
    return Json{{"time_zone", calendar.zone.name()},
                {"opening_hours", hours},
                {"working_days", working},
                {"public_holidays", holidays}};
}

Json choices_json(const std::vector<Choice>& choices)
{
    Json json = Json::array();
    for (const Choice& choice : choices)
        json.push_back({{"id", choice.id}, {"label", localized_json(choice.label)}});
    return json;
}

// =============================================================================
// [SECTION] Reading a file
// =============================================================================

// Finds where the text stops being JSON; used only after a parse has failed,
// because the DOM parser without exceptions does not say where.
class ErrorPositionFinder : public nlohmann::json_sax<Json> {
public:
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t&) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::json::exception& error) override
    {
        m_position = position;
        std::string what = error.what();
        // "[json.exception.parse_error.101] parse error at line 3, column 5: ..."
        auto close = what.find("] ");
        m_message = close == std::string::npos ? what : what.substr(close + 2);
        return false;
    }

    std::size_t position() const { return m_position; }
    const std::string& message() const { return m_message; }

private:
    std::size_t m_position = 0;
    std::string m_message = "not valid JSON";
};

Result<std::string> read_text_file(const std::filesystem::path& file, const std::string& what)
{
    std::string named = what + " " + file.string();
    std::error_code error;
    auto status = std::filesystem::status(file, error);
    if (status.type() == std::filesystem::file_type::not_found)
        return Error{ErrorKind::not_found, named + " does not exist"};
    if (error)
        return Error{ErrorKind::io, named + " cannot be read: " + error.message()};
    if (!std::filesystem::is_regular_file(status))
        return Error{ErrorKind::invalid_input, named + " is not a regular file"};
    auto size = std::filesystem::file_size(file, error);
    if (!error && size > max_config_bytes)
        return Error{ErrorKind::invalid_input, named + " is larger than 1 MiB (" + std::to_string(size) + " bytes)"};
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return Error{ErrorKind::io, named + " cannot be opened: " + std::strerror(errno)};
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        return Error{ErrorKind::io, "reading " + named + " failed"};
    return text.str();
}

} // namespace

// =============================================================================
// [SECTION] Public functions
// =============================================================================

std::string_view to_string(PromiseMeasure measure)
{
    switch (measure) {
    case PromiseMeasure::answered_within_hours: return "answered_within_hours";
    case PromiseMeasure::solved_on_the_spot: return "solved_on_the_spot";
    }
    assert(false && "to_string(PromiseMeasure): a measure without a name");
    return "answered_within_hours";
}

std::optional<PromiseMeasure> promise_measure_from_string(std::string_view name)
{
    for (PromiseMeasure measure : {PromiseMeasure::answered_within_hours, PromiseMeasure::solved_on_the_spot})
        if (to_string(measure) == name)
            return measure;
    return std::nullopt;
}

std::vector<TimeLimit> promised_answer_limits(const KioskConfig& config)
{
    std::vector<TimeLimit> limits;
    for (const Promise& promise : config.promises)
        if (promise.answer_within &&
            std::find(limits.begin(), limits.end(), *promise.answer_within) == limits.end())
            limits.push_back(*promise.answer_within);
    return limits;
}

std::optional<int64_t> promise_deadline(const KioskConfig& config, const Promise& promise, int64_t opened_at_ms)
{
    if (!promise.answer_within)
        return std::nullopt;
    return due_after(config.calendar, opened_at_ms, *promise.answer_within);
}

std::optional<ComplaintDeadline> complaint_deadline_with_limit(const KioskConfig& config, int64_t opened_at_ms,
                                                               Severity severity)
{
    std::optional<ComplaintDeadline> deadline;
    auto consider = [&](const std::optional<TimeLimit>& limit) {
        if (!limit)
            return;
        const int64_t due = due_after(config.calendar, opened_at_ms, *limit);
        if (!deadline || due < deadline->due_at_ms)
            deadline = ComplaintDeadline{due, *limit};
    };
    for (const Promise& promise : config.promises)
        consider(promise.answer_within);
    const SeverityDeadlines& shorter = config.severity_deadlines;
    if (severity == Severity::high || severity == Severity::safety)
        consider(shorter.high);
    if (severity == Severity::safety)
        consider(shorter.safety);
    return deadline;
}

std::optional<int64_t> complaint_deadline(const KioskConfig& config, int64_t opened_at_ms, Severity severity)
{
    const auto deadline = complaint_deadline_with_limit(config, opened_at_ms, severity);
    return deadline ? std::optional<int64_t>(deadline->due_at_ms) : std::nullopt;
}

DeadlineStanding deadline_standing(int64_t due_at_ms, std::optional<int64_t> answered_at_ms, int64_t now_ms)
{
    if (answered_at_ms)
        return *answered_at_ms <= due_at_ms ? DeadlineStanding::kept : DeadlineStanding::missed;
    return now_ms > due_at_ms ? DeadlineStanding::overdue : DeadlineStanding::pending;
}

std::string language_list(const std::vector<std::string>& languages)
{
    std::string out;
    for (const auto& language : languages)
        out += (out.empty() ? "" : ", ") + language;
    return out;
}

bool offers_language(const KioskConfig& config, std::string_view locale)
{
    return std::find(config.languages.begin(), config.languages.end(), locale) != config.languages.end();
}

const std::string& LocalizedText::in(const std::string& locale) const
{
    // Texts only staff read (root causes) need only the base languages: English stands in.
    for (const std::string& tried : {locale, std::string("en")})
        if (auto it = by_locale.find(tried); it != by_locale.end())
            return it->second;
    return by_locale.empty() ? no_text : by_locale.begin()->second;
}

Result<KioskConfig> parse_config(const nlohmann::json& json)
{
    Violations out;
    KioskConfig config;
    if (!check_keys(json, "",
                    {"version", "store_name", "default_locale", "question", "reasons", "complaint_categories",
                     "promises", "staff", "timeouts", "misuse", "staff_call_command"},
                    {"root_causes", "severity_deadlines", "calendar", "messages", "receipt_printer", "languages"},
                    out))
        return Error{ErrorKind::invalid_input, describe(out)};

    config.version = read_int(find(json, "version"), "version", version_range, config.version, out);
    config.store_name = read_text(find(json, "store_name"), "store_name", max_name_chars, out).value_or("");
    config.languages = read_languages(find(json, "languages"), "languages", out);
    if (const Json* locale = find(json, "default_locale")) {
        if (locale->is_string() && std::find(config.languages.begin(), config.languages.end(),
                                             locale->get_ref<const std::string&>()) != config.languages.end())
            config.default_locale = locale->get<std::string>();
        else
            add(out, "default_locale",
                "must be one of the store's languages, " + joined_locales(config.languages) +
                    (locale->is_string() ? " (got \"" + locale->get<std::string>() + "\")" : got_type(*locale)));
    }
    const std::vector<std::string> shopper_languages = shopper_text_languages(config.languages);
    config.question = read_localized(find(json, "question"), "question", out, max_text_chars, shopper_languages);
    config.reasons = read_reasons(find(json, "reasons"), "reasons", out, shopper_languages);
    config.complaint_categories = read_choices(find(json, "complaint_categories"), "complaint_categories",
                                               complaint_categories_count, out, shopper_languages);
    if (const Json* root_causes = find(json, "root_causes"))
        config.root_causes = read_choices(root_causes, "root_causes", root_causes_count, out);
    config.promises = read_promises(find(json, "promises"), "promises", out, shopper_languages);
    config.severity_deadlines = read_severity_deadlines(find(json, "severity_deadlines"), "severity_deadlines", out);
    config.calendar = read_calendar(find(json, "calendar"), "calendar", out);
    config.staff = read_staff(find(json, "staff"), "staff", out);
    config.timeouts = read_timeouts(find(json, "timeouts"), "timeouts", out);
    config.misuse = read_misuse(find(json, "misuse"), "misuse", out);
    config.staff_call_command = read_command(find(json, "staff_call_command"), "staff_call_command", out);
    config.receipt_printer = read_receipt_printer(find(json, "receipt_printer"), "receipt_printer", out);
    if (const Json* messages = find(json, "messages"))
        read_messages(*messages, "messages", config.messages, out);

    if (!out.empty())
        return Error{ErrorKind::invalid_input, describe(out)};
    return config;
}

Result<nlohmann::json> read_json_file(const std::filesystem::path& file, const std::string& what)
{
    auto text = read_text_file(file, what);
    FEEDBACK_TRY(text);
    Json json = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) {
        ErrorPositionFinder finder;
        static_cast<void>(Json::sax_parse(*text, &finder)); // fails again, this time saying where
        return Error{ErrorKind::invalid_input, what + " " + file.string() + " is not valid JSON at byte " +
                                                   std::to_string(finder.position()) + ": " + finder.message()};
    }
    return json;
}

Result<KioskConfig> load_config(const std::filesystem::path& file)
{
    auto json = read_json_file(file, "config file");
    FEEDBACK_TRY(json);
    auto config = parse_config(*json);
    if (!config)
        return Error{config.error().kind, "config file " + file.string() + ": " + config.error().message};
    return config;
}

nlohmann::json to_json(const KioskConfig& config)
{
    Json reasons = Json::object();
    for (const auto& [band, choices] : config.reasons)
        reasons[band_name(band)] = choices_json(choices);
    Json promises = Json::array();
    for (const Promise& promise : config.promises) {
        Json entry{{"id", promise.id}, {"text", localized_json(promise.text)}};
        if (promise.answer_within)
            put_time_limit(entry, *promise.answer_within);
        if (promise.measure)
            entry["measure"] = to_string(*promise.measure);
        if (promise.target_percent)
            entry["target_percent"] = *promise.target_percent;
        promises.push_back(std::move(entry));
    }
    Json severity_deadlines = Json::object();
    if (config.severity_deadlines.high)
        put_time_limit(severity_deadlines["high"], *config.severity_deadlines.high);
    if (config.severity_deadlines.safety)
        put_time_limit(severity_deadlines["safety"], *config.severity_deadlines.safety);
    Json staff = Json::array();
    for (const StaffMember& person : config.staff)
        staff.push_back({{"id", person.id},
                         {"name", person.name},
                         {"pin_hash", person.pin_hash},
                         {"refund_limit_cents", person.refund_limit_cents}});
    Json document{
        {"version", config.version},
        {"store_name", config.store_name},
        {"default_locale", config.default_locale},
        {"question", localized_json(config.question)},
        {"reasons", reasons},
        {"complaint_categories", choices_json(config.complaint_categories)},
        {"root_causes", choices_json(config.root_causes)},
        {"promises", promises},
        {"calendar", calendar_json(config.calendar)},
        {"staff", staff},
        {"timeouts",
         {{"shopper_idle_seconds", config.timeouts.shopper_idle_seconds},
          {"thank_you_seconds", config.timeouts.thank_you_seconds},
          {"staff_idle_seconds", config.timeouts.staff_idle_seconds}}},
        {"misuse", {{"max_ratings", config.misuse.max_ratings}, {"window_seconds", config.misuse.window_seconds}}},
        {"staff_call_command", config.staff_call_command},
    };
    if (!severity_deadlines.empty())
        document["severity_deadlines"] = severity_deadlines;
    if (config.languages != supported_locales)
        document["languages"] = config.languages;
    if (config.receipt_printer)
        document["receipt_printer"] = {{"device", config.receipt_printer->device},
                                       {"columns", config.receipt_printer->columns}};
    if (Json messages = messages_json(config.messages); !messages.empty())
        document["messages"] = std::move(messages);
    return document;
}

MessageTemplates default_message_templates()
{
    MessageTemplates messages;
    messages["acknowledgement"] = {
        {{{"nl", "We hebben uw klacht ontvangen ({reference})"},
          {"en", "We have received your complaint ({reference})"}}},
        {{{"nl", "Beste klant,\n\n"
                 "Dank u dat u ons liet weten wat er niet goed ging. Uw klacht is geregistreerd onder "
                 "referentie {reference} ({store}).\n\n"
                 "U vroeg ons: {customer_wish}\n\n"
                 "Wat gebeurt er nu? Een medewerker bekijkt uw klacht en u hoort uiterlijk {deadline} van ons.\n"
                 "Hoe het ervoor staat, ziet u op {status_link}\n\n"
                 "Met vriendelijke groet,\n{store}"},
          {"en", "Dear customer,\n\n"
                 "Thank you for telling us what went wrong. Your complaint is registered under reference "
                 "{reference} ({store}).\n\n"
                 "You asked us: {customer_wish}\n\n"
                 "What happens next? A member of staff looks into your complaint and you will hear from us by "
                 "{deadline} at the latest.\n"
                 "You can see where it stands at {status_link}\n\n"
                 "Kind regards,\n{store}"}}}};
    messages["decision"] = {
        {{{"nl", "Ons besluit over uw klacht ({reference})"}, {"en", "Our decision on your complaint ({reference})"}}},
        {{{"nl", "Beste klant,\n\n"
                 "Over uw klacht {reference} hebben we het volgende besloten:\n\n{decision}\n\n"
                 "Oplossing: {resolution}\n\n"
                 "Bent u het er niet mee eens, of heeft u nog vragen? Antwoord dan op dit bericht of kom langs "
                 "in de winkel.\nDe stand van zaken: {status_link}\n\n"
                 "Met vriendelijke groet,\n{store}"},
          {"en", "Dear customer,\n\n"
                 "We have decided the following about your complaint {reference}:\n\n{decision}\n\n"
                 "Resolution: {resolution}\n\n"
                 "If you do not agree, or have any questions, reply to this message or visit the shop.\n"
                 "Where it stands: {status_link}\n\n"
                 "Kind regards,\n{store}"}}}};
    messages["survey"] = {
        {{{"nl", "Hoe hebben we uw klacht afgehandeld? ({reference})"},
          {"en", "How did we handle your complaint? ({reference})"}}},
        {{{"nl", "Beste klant,\n\n"
                 "Uw klacht {reference} is afgesloten. Wilt u ons laten weten of u tevreden bent met de "
                 "oplossing en hoe we uw klacht hebben afgehandeld? Het zijn twee vragen:\n\n{survey_link}\n\n"
                 "Met vriendelijke groet,\n{store}"},
          {"en", "Dear customer,\n\n"
                 "Your complaint {reference} has been closed. Would you tell us whether you are satisfied with "
                 "the solution and how we handled your complaint? It is two questions:\n\n{survey_link}\n\n"
                 "Kind regards,\n{store}"}}}};
    // German, Polish and Turkish: for customers who used the kiosk in them.
    messages["acknowledgement"].subject.by_locale["de"] =
        "Wir haben Ihre Beschwerde erhalten ({reference})";
    messages["acknowledgement"].subject.by_locale["pl"] =
        "Potwierdzenie otrzymania skargi ({reference})";
    messages["acknowledgement"].subject.by_locale["tr"] =
        "Şikâyetinizi aldık ({reference})";
    messages["acknowledgement"].body.by_locale["de"] =
        "Sehr geehrte Kundin, sehr geehrter Kunde,\n"
        "\n"
        "vielen Dank, dass Sie uns mitgeteilt haben, was schiefgelaufen ist. Ihre Beschwerde wurde unter der Vorgangsnummer {reference} ({store}) erfasst.\n"
        "\n"
        "Ihr Wunsch an uns: {customer_wish}\n"
        "\n"
        "Wie geht es weiter? Ein Mitglied unseres Teams prüft Ihre Beschwerde, und Sie hören spätestens bis {deadline} von uns.\n"
        "Den aktuellen Stand sehen Sie unter {status_link}\n"
        "\n"
        "Mit freundlichen Grüßen\n"
        "{store}";
    messages["acknowledgement"].body.by_locale["pl"] =
        "Szanowna Pani / Szanowny Panie,\n"
        "\n"
        "Dziękujemy za poinformowanie nas o tym, co poszło nie tak. Skarga została zarejestrowana pod numerem {reference} ({store}).\n"
        "\n"
        "Pana/Pani prośba: {customer_wish}\n"
        "\n"
        "Co dalej? Nasz pracownik rozpatrzy skargę, a my odezwiemy się najpóźniej do {deadline}.\n"
        "Aktualny stan sprawy można sprawdzić pod adresem {status_link}\n"
        "\n"
        "Z poważaniem\n"
        "{store}";
    messages["acknowledgement"].body.by_locale["tr"] =
        "Sayın Müşterimiz,\n"
        "\n"
        "Neyin yolunda gitmediğini bize bildirdiğiniz için teşekkür ederiz. Şikâyetiniz {reference} ({store}) referans numarasıyla kaydedilmiştir.\n"
        "\n"
        "Bizden talebiniz: {customer_wish}\n"
        "\n"
        "Bundan sonra ne olacak? Bir çalışanımız şikâyetinizi inceleyecek ve en geç {deadline} tarihine kadar size dönüş yapacağız.\n"
        "Şikâyetinizin durumunu {status_link} adresinden takip edebilirsiniz.\n"
        "\n"
        "Saygılarımızla,\n"
        "{store}";
    messages["decision"].subject.by_locale["de"] =
        "Unsere Entscheidung zu Ihrer Beschwerde ({reference})";
    messages["decision"].subject.by_locale["pl"] =
        "Nasza decyzja w sprawie skargi ({reference})";
    messages["decision"].subject.by_locale["tr"] =
        "Şikâyetinizle ilgili kararımız ({reference})";
    messages["decision"].body.by_locale["de"] =
        "Sehr geehrte Kundin, sehr geehrter Kunde,\n"
        "\n"
        "zu Ihrer Beschwerde {reference} haben wir Folgendes entschieden:\n"
        "\n"
        "{decision}\n"
        "\n"
        "Lösung: {resolution}\n"
        "\n"
        "Wenn Sie nicht einverstanden sind oder noch Fragen haben, antworten Sie einfach auf diese Nachricht oder besuchen Sie uns im Geschäft.\n"
        "Aktueller Stand: {status_link}\n"
        "\n"
        "Mit freundlichen Grüßen\n"
        "{store}";
    messages["decision"].body.by_locale["pl"] =
        "Szanowna Pani / Szanowny Panie,\n"
        "\n"
        "W sprawie skargi {reference} podjęliśmy następującą decyzję:\n"
        "\n"
        "{decision}\n"
        "\n"
        "Rozwiązanie: {resolution}\n"
        "\n"
        "Jeśli nie zgadza się Pan/Pani z tą decyzją lub ma dodatkowe pytania, prosimy odpowiedzieć na tę wiadomość lub odwiedzić nasz sklep.\n"
        "Aktualny stan sprawy: {status_link}\n"
        "\n"
        "Z poważaniem\n"
        "{store}";
    messages["decision"].body.by_locale["tr"] =
        "Sayın Müşterimiz,\n"
        "\n"
        "{reference} numaralı şikâyetinizle ilgili olarak aşağıdaki karara vardık:\n"
        "\n"
        "{decision}\n"
        "\n"
        "Çözüm: {resolution}\n"
        "\n"
        "Karara katılmıyorsanız veya sorularınız varsa bu mesajı yanıtlayabilir ya da mağazamızı ziyaret edebilirsiniz.\n"
        "Güncel durum: {status_link}\n"
        "\n"
        "Saygılarımızla,\n"
        "{store}";
    messages["survey"].subject.by_locale["de"] =
        "Wie haben wir Ihre Beschwerde bearbeitet? ({reference})";
    messages["survey"].subject.by_locale["pl"] =
        "Jak rozpatrzyliśmy Pana/Pani skargę? ({reference})";
    messages["survey"].subject.by_locale["tr"] =
        "Şikâyetinizi nasıl ele aldık? ({reference})";
    messages["survey"].body.by_locale["de"] =
        "Sehr geehrte Kundin, sehr geehrter Kunde,\n"
        "\n"
        "Ihre Beschwerde {reference} ist abgeschlossen. Würden Sie uns mitteilen, ob Sie mit der Lösung und mit der Bearbeitung Ihrer Beschwerde zufrieden sind? Es sind nur zwei Fragen:\n"
        "\n"
        "{survey_link}\n"
        "\n"
        "Mit freundlichen Grüßen\n"
        "{store}";
    messages["survey"].body.by_locale["pl"] =
        "Szanowna Pani / Szanowny Panie,\n"
        "\n"
        "Skarga {reference} została zamknięta. Czy zechce Pan/Pani ocenić zaproponowane rozwiązanie oraz sposób, w jaki rozpatrzyliśmy skargę? To tylko dwa pytania:\n"
        "\n"
        "{survey_link}\n"
        "\n"
        "Z poważaniem\n"
        "{store}";
    messages["survey"].body.by_locale["tr"] =
        "Sayın Müşterimiz,\n"
        "\n"
        "{reference} numaralı şikâyetiniz kapatılmıştır. Çözümden ve şikâyetinizi nasıl ele aldığımızdan memnun olup olmadığınızı bize bildirir misiniz? Yalnızca iki sorudan oluşuyor:\n"
        "\n"
        "{survey_link}\n"
        "\n"
        "Saygılarımızla,\n"
        "{store}";
    return messages;
}

} // namespace feedback::config
