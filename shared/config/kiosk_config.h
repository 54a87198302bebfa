// The kiosk's configuration: survey text per language, reason chips per NPS
// band, complaint categories, the shop's promises and calendar, staff, idle
// timeouts and the misuse rule. One JSON document (assets/config/default.json is the one
// the demo uses; head office distributes later versions). Validated on load;
// every error names the field ("staff[1].refund_limit_cents: must be ...").
#pragma once

#include "config/locales.h"
#include "config/store_calendar.h"
#include "domain/nps.h"
#include "domain/result.h"
#include "domain/vocabulary.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::config {

// A text per language: {"nl": "...", "en": "...", "de": "..."}.
struct LocalizedText {
    std::map<std::string, std::string> by_locale;
    // The text in `locale`, else in English (a staff-only text in a language
    // only shoppers are offered).
    const std::string& in(const std::string& locale) const;
};

// A tap target with a stable id (recorded in events) and a label.
struct Choice {
    std::string id; // a config id: 1-40 of [a-z0-9_]
    LocalizedText label;
};

// How head office measures a promise (ISO 10001: a promise is backed by a
// target and monitored):
//   answered_within_hours  the share of complaints the customer had an
//                          answer for (a resolution given or communicated,
//                          their response, or the close) by the
//                          promise's deadline (Promise::answer_within, in
//                          whatever unit; the name stays for stored documents)
//   solved_on_the_spot     the share of complaints closed as resolved whose
//                          accepted resolution was given on the spot
enum class PromiseMeasure { answered_within_hours, solved_on_the_spot };

// "answered_within_hours", "solved_on_the_spot"
std::string_view to_string(PromiseMeasure measure);
std::optional<PromiseMeasure> promise_measure_from_string(std::string_view name);

// An ISO 10001 promise shown on the kiosk. `answer_within`, when set, is the
// deadline for complaints the promise measures (staff see it, red when
// passed), read from one of "answer_within_working_days" (1-30),
// "answer_within_working_hours" (1-720) or "answer_within_hours" (1-720
// clock hours: what documents said before working time, still read and
// written as such). `measure` and `target_percent` (1-100) come together:
// what head office measures the promise by and the share it aims for.
struct Promise {
    std::string id;
    LocalizedText text;
    std::optional<TimeLimit> answer_within;
    std::optional<PromiseMeasure> measure;
    std::optional<int> target_percent;
};

struct StaffMember {
    std::string id;             // recorded as actor "staff:<id>"
    std::string name;           // shown in staff mode only
    std::string pin_hash;       // libsodium crypto_pwhash_str (argon2id)
    int64_t refund_limit_cents; // highest amount this person may give on the spot
};

struct Timeouts {
    int shopper_idle_seconds = 45; // back to the start screen, unsent input forgotten
    int thank_you_seconds = 6;     // the thank-you screen returns to start
    int staff_idle_seconds = 120;  // staff mode logs out
};

// A burst of ratings (a child playing, someone hammering 0): when more than
// `max_ratings` ratings fall within `window_seconds`, the ones past the limit
// are recorded with "misuse":"burst" and left out of the NPS by default.
struct MisuseRule {
    int max_ratings = 5;
    int window_seconds = 20;
};

// Shorter deadlines for serious complaints ("severity_deadlines": {"high":
// {"answer_within_working_hours": 8}, "safety": {"answer_within_hours": 4}},
// the same three keys as a promise, one each). Either may be absent.
struct SeverityDeadlines {
    std::optional<TimeLimit> high;
    std::optional<TimeLimit> safety;
};

// An ESC/POS receipt printer at the counter ("receipt_printer": {"device":
// "/dev/usb/lp0", "columns": 42}): the kiosk prints a receipt for every
// complaint opened on it. Absent: nothing is printed.
struct ReceiptPrinterSettings {
    std::string device; // an absolute path: a printer device (or, in tests, a file)
    int columns = 42;   // characters per line in the printer's normal font, 24-64
};

// A message head office sends the complainant: subject and body templates
// with placeholders (message_templates.h).
struct MessageTemplate {
    LocalizedText subject; // 1-200 characters
    LocalizedText body;    // 1-5000 characters
};
// By message kind (vocabulary.h): "acknowledgement", "decision", "survey";
// always all three ("messages" in the document may give any of them, the
// rest are default_message_templates()'s).
using MessageTemplates = std::map<std::string, MessageTemplate>;
MessageTemplates default_message_templates();

struct KioskConfig {
    int version = 1;              // the survey version recorded with each rating
    std::string store_name;
    // The languages the store offers its shoppers, in the order the kiosk
    // shows them; "languages" in the document, the base ones when absent.
    std::vector<std::string> languages = supported_locales;
    std::string default_locale = "nl"; // one of `languages`
    LocalizedText question;       // the NPS question
    std::map<NpsBand, std::vector<Choice>> reasons; // per band, shown after a rating
    std::vector<Choice> complaint_categories;
    // What head office may name as a complaint's root cause (ISO 10002
    // analysis). The kiosk shows the label on a complaint's page.
    std::vector<Choice> root_causes;
    std::vector<Promise> promises;
    SeverityDeadlines severity_deadlines;
    // What working time is: "calendar": {"time_zone": "Europe/Amsterdam",
    // "opening_hours": {"monday": "09:00-18:00", ..., "saturday":
    // "10:00-17:00"} (a day left out is closed), "working_days"?: ["monday",
    // ..., "friday"] (the default), "public_holidays": ["2026-12-25", ...]}.
    // A document without one gets default_store_calendar().
    StoreCalendar calendar;
    std::vector<StaffMember> staff;
    Timeouts timeouts;
    MisuseRule misuse;
    // Run when a shopper asks for a staff member (a bell, a pager); argv form,
    // no shell. Empty: nothing is run, the request is still recorded.
    std::vector<std::string> staff_call_command;
    std::optional<ReceiptPrinterSettings> receipt_printer;
    // What head office writes to a complainant who left an e-mail address
    // with consent (the terminal does not use them).
    MessageTemplates messages = default_message_templates();
};

// Whether the store offers its shoppers `locale` (KioskConfig::languages).
bool offers_language(const KioskConfig& config, std::string_view locale);
// "nl, en, de" for messages.
std::string language_list(const std::vector<std::string>& languages);

// Reads and parses a JSON file (at most 1 MiB). Errors name the file: a
// missing file is not_found, an unreadable one io, and text that is not JSON
// invalid_input with the byte (counted from 1), line and column where
// parsing stopped. `what` starts the messages ("config file", "translation
// file").
Result<nlohmann::json> read_json_file(const std::filesystem::path& file, const std::string& what);

// Every key is required (only root_causes, calendar, severity_deadlines,
// calendar.working_days and a promise's deadline, measure and target_percent
// are optional) and unknown keys are refused.
// Texts: every base language (nl, en) and, for what shoppers read (the
// question, reasons, categories, promises), every language in "languages"
// (optional: 1-5 distinct kiosk languages; default_locale must be one), 1-300
// characters;
// ids unique in their list; 1-12 reasons per band, 1-20 categories, 0-40
// root causes, 0-6
// promises (at most one deadline: 1-30 working days, 1-720 working hours or
// 1-720 clock hours; measure "answered_within_hours", which needs a
// deadline, or "solved_on_the_spot"; target_percent 1-100, required with a
// measure and refused without one); calendar: a time zone the system's
// tzdata has (/usr/share/zoneinfo), opening hours "HH:MM-HH:MM" per weekday
// name (opening before closing, 00:00-24:00), 1-7 distinct working days of
// which at least one has opening hours, 0-400 public holidays as distinct
// ISO dates "YYYY-MM-DD"; staff ids [A-Za-z0-9_.-]{1,40}, pin_hash
// from hash_pin(), refund limit 0-10,000,000 cents; timeouts shopper 10-600,
// thank-you 2-60, staff 30-3600 s; misuse 1-100 ratings in 1-3600 s;
// staff_call_command strings, the first an absolute path; receipt_printer
// (optional): device an absolute path, columns 24-64 (default 42); messages
// (optional): per message kind an optional {"subject", "body"}, each a text
// per supported locale without unknown placeholders. All broken rules
// are one invalid_input Error: "path: rule; path: rule".
Result<KioskConfig> parse_config(const nlohmann::json& json);
// read_json_file, then parse_config; errors start with the file's name.
Result<KioskConfig> load_config(const std::filesystem::path& file);
// The document parse_config reads back to the same configuration.
nlohmann::json to_json(const KioskConfig& config);

// [SECTION] The promised deadline, one rule for the terminal and head office
// The time limits the promises name, in the promises' order, each once
// (for staff: "answer within 2 working days"); empty when none names one.
// Limits in different units are not ordered: how long working time lasts
// depends on the day, so complaint_deadline() compares actual deadlines.
std::vector<TimeLimit> promised_answer_limits(const KioskConfig& config);
// When a complaint opened at `opened_at_ms` (UTC ms) must be answered by
// under one promise, in the store's calendar (UTC ms); nothing when the
// promise names no deadline.
std::optional<int64_t> promise_deadline(const KioskConfig& config, const Promise& promise, int64_t opened_at_ms);
// When a complaint opened at `opened_at_ms` must be answered by (UTC ms):
// the earliest of the promises' deadlines, and for a high complaint also
// severity_deadlines.high, for a safety complaint also .high and .safety
// (a severity deadline never makes a deadline later). Nothing when no
// promise or severity deadline applies.
std::optional<int64_t> complaint_deadline(const KioskConfig& config, int64_t opened_at_ms,
                                          Severity severity = Severity::normal);
// complaint_deadline() with the time limit that set it (of two that fall
// together, the promise's), so a screen counts the time left in that limit's
// unit (working_time_between).
struct ComplaintDeadline {
    int64_t due_at_ms = 0; // UTC ms
    TimeLimit limit;
};
std::optional<ComplaintDeadline> complaint_deadline_with_limit(const KioskConfig& config, int64_t opened_at_ms,
                                                               Severity severity = Severity::normal);

// Where a complaint stands against its answer deadline `due_at_ms` (UTC ms),
// given when the customer first had an answer (ComplaintState::answered_at;
// an acknowledgement is not one) and the time now:
//
//   answered by the deadline      kept
//   answered after it             missed
//   unanswered, deadline passed   overdue   (now > due_at_ms)
//   unanswered, not yet due       pending
enum class DeadlineStanding { pending, kept, missed, overdue };
DeadlineStanding deadline_standing(int64_t due_at_ms, std::optional<int64_t> answered_at_ms, int64_t now_ms);

} // namespace feedback::config
