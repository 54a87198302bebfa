// Tests of the kiosk configuration (every validation rule, round trip, the
// shipped default.json), staff PIN hashing, the UI translations (including
// that every key the code uses exists) and `feedback-terminal hash-pin`.
#include "config/kiosk_config.h"
#include "config/message_templates.h"
#include "config/pin.h"
#include "config/translations.h"
#include "support/child_process.h"
#include "support/files.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

using namespace feedback;
using namespace feedback::config;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using feedback::testing::TempDir;
using Json = nlohmann::json;

namespace {

const std::filesystem::path source_dir = FEEDBACK_SOURCE_DIR;
const std::filesystem::path default_config_file = source_dir / "assets" / "config" / "default.json";
const std::filesystem::path i18n_dir = source_dir / "assets" / "i18n";

using feedback::testing::read_all;
using feedback::testing::write_file;

// The shipped default configuration as JSON: the base every rule test breaks.
Json default_json()
{
    return Json::parse(read_all(default_config_file));
}

// The error message parse_config gives for the default configuration changed
// by `change`; empty when it is accepted.
std::string error_after(const std::function<void(Json&)>& change)
{
    Json json = default_json();
    change(json);
    auto config = parse_config(json);
    if (config)
        return {};
    CHECK(config.error().kind == ErrorKind::invalid_input);
    return config.error().message;
}

Json choice(const std::string& id)
{
    return {{"id", id},
            {"label", {{"nl", "Iets"}, {"en", "Something"}, {"de", "Etwas"}, {"pl", "Coś"}, {"tr", "Bir şey"}}}};
}

Json choices(size_t count)
{
    Json list = Json::array();
    for (size_t i = 0; i < count; ++i)
        list.push_back(choice("choice_" + std::to_string(i)));
    return list;
}

std::string repeated(const std::string& piece, size_t times)
{
    std::string out;
    for (size_t i = 0; i < times; ++i)
        out += piece;
    return out;
}

} // namespace

// =============================================================================
// [SECTION] The shipped default configuration
// =============================================================================

TEST_CASE("the default configuration loads", "[config]")
{
    auto config = load_config(default_config_file);
    INFO((config ? std::string() : config.error().message));
    REQUIRE(config);
    CHECK(config->store_name == "Tuincentrum De Linde");
    CHECK(config->default_locale == "nl");
    CHECK(config->question.in("en") == "How likely are you to recommend us to a friend or colleague?");
    REQUIRE(config->reasons.size() == 3);
    for (const auto& [band, reasons] : config->reasons) {
        CHECK(reasons.size() >= 4);
        CHECK(reasons.size() <= 6);
    }
    CHECK(config->complaint_categories.size() >= 5);
    CHECK(config->complaint_categories.size() <= 6);
    REQUIRE(config->promises.size() == 3);
    // The default promise is "an answer within two working days" (issue 10), no
    // longer 48 clock hours.
    CHECK(config->promises[0].answer_within == TimeLimit{TimeUnit::working_days, 2});
    CHECK(config->promises[0].measure == PromiseMeasure::answered_within_hours);
    CHECK(config->promises[0].target_percent == 95);
    CHECK_FALSE(config->promises[1].answer_within.has_value());
    CHECK(config->calendar.zone.name() == "Europe/Amsterdam");
    CHECK(config->promises[1].measure == PromiseMeasure::solved_on_the_spot);
    CHECK(config->promises[1].target_percent == 60);
    CHECK_FALSE(config->promises[2].measure.has_value());
    CHECK_FALSE(config->promises[2].target_percent.has_value());
    REQUIRE(config->staff.size() == 2);
    CHECK(config->staff[0].id == "anna");
    CHECK(config->staff[0].refund_limit_cents == 5000);
    CHECK(config->staff[1].id == "manager");
    CHECK(config->staff[1].name == "Mehmet Yilmaz");
    CHECK(config->staff[1].refund_limit_cents == 50000);
    CHECK(config->timeouts.shopper_idle_seconds == 45);
    CHECK(config->misuse.max_ratings == 5);
    CHECK(config->staff_call_command == std::vector<std::string>{"/usr/bin/true"});
}

TEST_CASE("the default configuration's staff PINs are 1234 and 9876", "[config][pin]")
{
    auto config = load_config(default_config_file);
    REQUIRE(config);
    CHECK(verify_pin(config->staff[0].pin_hash, "1234"));
    CHECK(verify_pin(config->staff[1].pin_hash, "9876"));
    CHECK_FALSE(verify_pin(config->staff[0].pin_hash, "9876"));
    CHECK_FALSE(verify_pin(config->staff[1].pin_hash, "1234"));
}

// =============================================================================
// [SECTION] Validation: each rule broken once
// =============================================================================

TEST_CASE("localized texts need every language, non-empty, at most 300 characters", "[config]")
{
    CHECK_THAT(error_after([](Json& j) { j["question"].erase("en"); }), Contains("question.en: required"));
    CHECK_THAT(error_after([](Json& j) { j["question"]["nl"] = "  "; }), Contains("question.nl: must not be empty"));
    CHECK_THAT(error_after([](Json& j) { j["question"]["nl"] = repeated("é", 301); }),
               Contains("question.nl: must be at most 300 characters (got 301)"));
    CHECK(error_after([](Json& j) { j["question"]["nl"] = repeated("é", 300); }).empty());
    CHECK_THAT(error_after([](Json& j) { j["question"]["fr"] = "Quelle est la probabilité"; }),
               Contains("question.fr: not a supported language (use nl, en, de, pl, tr)"));
    CHECK_THAT(error_after([](Json& j) { j["question"]["en"] = 7; }),
               Contains("question.en: must be a string (got number)"));
    CHECK_THAT(error_after([](Json& j) { j["complaint_categories"][1]["label"] = "Service"; }),
               Contains("complaint_categories[1].label: must be an object with a text per language"));
    CHECK_THAT(error_after([](Json& j) { j["promises"][2]["text"].erase("nl"); }),
               Contains("promises[2].text.nl: required"));
}

TEST_CASE("a store offers some of the kiosk's languages, and what shoppers read is in each of them",
          "[config][languages]")
{
    auto config = parse_config(default_json());
    REQUIRE(config);
    CHECK(config->languages == std::vector<std::string>{"nl", "en", "de", "pl", "tr"});
    CHECK(config->question.in("tr").starts_with("Bizi"));
    // Without "languages": the base ones, and texts need only those.
    auto base_only = [](Json& j) {
        j.erase("languages");
        std::function<void(Json&)> strip = [&](Json& node) {
            if (node.is_object()) {
                if (node.contains("nl") && node.contains("en"))
                    for (const char* extra : {"de", "pl", "tr"})
                        node.erase(extra);
                for (auto& [key, value] : node.items())
                    strip(value);
            } else if (node.is_array()) {
                for (auto& value : node)
                    strip(value);
            }
        };
        strip(j);
    };
    CHECK(error_after(base_only).empty());
    Json two = default_json();
    base_only(two);
    auto base = parse_config(two);
    REQUIRE(base);
    CHECK(base->languages == std::vector<std::string>{"nl", "en"});
    CHECK(base->question.in("de") == base->question.in("en")); // a language not offered reads English

    CHECK_THAT(error_after([](Json& j) { j["promises"][0]["text"].erase("pl"); }),
               Contains("promises[0].text.pl: required"));
    CHECK_THAT(error_after([](Json& j) { j["reasons"]["promoter"][0]["label"].erase("tr"); }),
               Contains("reasons.promoter[0].label.tr: required"));
    // Staff-only texts need the base languages only.
    CHECK(error_after([](Json& j) { j["root_causes"][0]["label"].erase("de"); }).empty());
    CHECK_THAT(error_after([](Json& j) { j["languages"] = {"nl", "fr"}; }),
               Contains("languages[1]: must be one of nl, en, de, pl, tr"));
    CHECK_THAT(error_after([](Json& j) { j["languages"] = {"nl", "nl"}; }), Contains("is listed twice"));
    CHECK_THAT(error_after([](Json& j) { j["languages"] = Json::array(); }), Contains("languages: must be an array"));
    CHECK_THAT(error_after([](Json& j) { j["languages"] = {"de", "en"}; }),
               Contains("default_locale: must be one of the store's languages, de, en (got \"nl\")"));
}

TEST_CASE("reason, category and promise ids are config ids, unique in their list", "[config]")
{
    CHECK(error_after([](Json& j) { j["reasons"]["detractor"][2]["id"] = "Bad-Id"; }) ==
          "reasons.detractor[2].id: must be an id of 1 to 40 characters from a-z, 0-9 and _");
    CHECK_THAT(error_after([](Json& j) { j["reasons"]["detractor"][0]["id"] = repeated("a", 41); }),
               Contains("reasons.detractor[0].id: must be an id"));
    CHECK_THAT(error_after([](Json& j) { j["reasons"]["passive"][1]["id"] = j["reasons"]["passive"][0]["id"]; }),
               Contains("reasons.passive[1].id: \"range\" is already used at reasons.passive[0].id"));
    CHECK_THAT(error_after([](Json& j) { j["complaint_categories"][5]["id"] = "product"; }),
               Contains("complaint_categories[5].id: \"product\" is already used at complaint_categories[0].id"));
    CHECK_THAT(error_after([](Json& j) { j["promises"][1]["id"] = "answer_2_days"; }),
               Contains("promises[1].id: \"answer_2_days\" is already used at promises[0].id"));
    // The same id in different lists is fine (prices is a detractor and a passive reason).
    CHECK(error_after([](Json& j) { j["complaint_categories"][0]["id"] = "prices"; }).empty());
}

TEST_CASE("lists have their allowed number of entries", "[config]")
{
    CHECK_THAT(error_after([](Json& j) { j["reasons"]["promoter"] = Json::array(); }),
               Contains("reasons.promoter: must have 1 to 12 entries (got 0)"));
    CHECK_THAT(error_after([](Json& j) { j["reasons"]["promoter"] = choices(13); }),
               Contains("reasons.promoter: must have 1 to 12 entries (got 13)"));
    CHECK(error_after([](Json& j) { j["reasons"]["promoter"] = choices(12); }).empty());
    CHECK_THAT(error_after([](Json& j) { j["reasons"].erase("passive"); }), Contains("reasons.passive: required"));
    CHECK_THAT(error_after([](Json& j) { j["reasons"]["neutral"] = choices(1); }),
               Contains("reasons.neutral: unknown key"));
    CHECK_THAT(error_after([](Json& j) { j["complaint_categories"] = Json::array(); }),
               Contains("complaint_categories: must have 1 to 20 entries (got 0)"));
    CHECK_THAT(error_after([](Json& j) { j["complaint_categories"] = choices(21); }),
               Contains("complaint_categories: must have 1 to 20 entries (got 21)"));
    CHECK(error_after([](Json& j) { j["complaint_categories"] = choices(20); }).empty());
    CHECK(error_after([](Json& j) { j["promises"] = Json::array(); }).empty());
    CHECK_THAT(error_after([](Json& j) {
                   for (int i = 3; i < 7; ++i)
                       j["promises"].push_back(
                           {{"id", "promise_" + std::to_string(i)}, {"text", {{"nl", "Belofte"}, {"en", "Promise"}}}});
               }),
               Contains("promises: must have 0 to 6 entries (got 7)"));
    CHECK_THAT(error_after([](Json& j) { j["staff"] = Json::object(); }),
               Contains("staff: must be an array (got object)"));
}

TEST_CASE("promises may name one deadline: 1-30 working days, 1-720 working hours or 1-720 clock hours", "[config]")
{
    CHECK_THAT(error_after([](Json& j) { j["promises"][0]["answer_within_working_days"] = 31; }),
               Contains("promises[0].answer_within_working_days: must be an integer from 1 to 30 (got 31)"));
    CHECK_THAT(error_after([](Json& j) { j["promises"][0]["answer_within_working_hours"] = 4; }),
               Contains("promises[0].answer_within_working_hours: only one deadline is allowed "
                        "(answer_within_working_days is given)"));
    CHECK(error_after([](Json& j) {
              j["promises"][0].erase("answer_within_working_days");
              j["promises"][0]["answer_within_working_hours"] = 720;
          }).empty());
    // Documents from before working time name clock hours; they still read.
    CHECK_THAT(error_after([](Json& j) {
                   j["promises"][0].erase("answer_within_working_days");
                   j["promises"][0]["answer_within_hours"] = 0;
               }),
               Contains("promises[0].answer_within_hours: must be an integer from 1 to 720 (got 0)"));
    CHECK_THAT(error_after([](Json& j) {
                   j["promises"][0].erase("answer_within_working_days");
                   j["promises"][0]["answer_within_hours"] = 48.5;
               }),
               Contains("promises[0].answer_within_hours: must be an integer from 1 to 720 (got number)"));
    CHECK(error_after([](Json& j) {
                   j["promises"][0].erase("answer_within_working_days");
                   j["promises"][0]["answer_within_hours"] = 720;
               }).empty());
}

TEST_CASE("promises may name a measure with a target of 1 to 100 percent, the two together", "[config]")
{
    CHECK_THAT(error_after([](Json& j) { j["promises"][0]["measure"] = "answered_quickly"; }),
               Contains("promises[0].measure: must be \"answered_within_hours\" or \"solved_on_the_spot\" "
                        "(got \"answered_quickly\")"));
    CHECK_THAT(error_after([](Json& j) { j["promises"][0]["measure"] = 3; }),
               Contains("promises[0].measure: must be \"answered_within_hours\" or \"solved_on_the_spot\" (got number)"));
    CHECK_THAT(error_after([](Json& j) { j["promises"][0].erase("target_percent"); }),
               Contains("promises[0].target_percent: required when a measure is given"));
    CHECK_THAT(error_after([](Json& j) { j["promises"][2]["target_percent"] = 80; }),
               Contains("promises[2].target_percent: only allowed together with a measure"));
    CHECK_THAT(error_after([](Json& j) { j["promises"][0]["target_percent"] = 0; }),
               Contains("promises[0].target_percent: must be an integer from 1 to 100 (got 0)"));
    CHECK_THAT(error_after([](Json& j) { j["promises"][0]["target_percent"] = 101; }),
               Contains("promises[0].target_percent: must be an integer from 1 to 100 (got 101)"));
    CHECK_THAT(error_after([](Json& j) { j["promises"][1]["measure"] = "answered_within_hours"; }),
               Contains("promises[1]: needs a deadline (answer_within_working_days, answer_within_working_hours or "
                        "answer_within_hours) when measure is answered_within_hours"));
    CHECK(error_after([](Json& j) { j["promises"][0]["target_percent"] = 100; }).empty());
    CHECK(error_after([](Json& j) {
              j["promises"][2]["measure"] = "solved_on_the_spot";
              j["promises"][2]["target_percent"] = 1;
          }).empty());
}

TEST_CASE("the promised deadline is the tightest of the promises' deadlines", "[config]")
{
    auto parsed = parse_config(default_json());
    REQUIRE(parsed);
    KioskConfig config = *parsed;
    // Friday 2026-06-12 16:00 CEST (14:00 UTC): two working days is Tuesday
    // 16:00 CEST, four days later; the default promises no clock hours.
    constexpr int64_t friday_1600 = 1'781'272'800'000;
    constexpr int64_t hour = 3'600'000;
    CHECK(promised_answer_limits(config) == std::vector{TimeLimit{TimeUnit::working_days, 2}});
    CHECK(complaint_deadline(config, friday_1600) == friday_1600 + 96 * hour);
    // A promise of 24 clock hours is tighter (Saturday 16:00).
    config.promises[1].answer_within = TimeLimit{TimeUnit::clock_hours, 24};
    CHECK(promised_answer_limits(config) ==
          std::vector{TimeLimit{TimeUnit::working_days, 2}, TimeLimit{TimeUnit::clock_hours, 24}});
    CHECK(complaint_deadline(config, friday_1600) == friday_1600 + 24 * hour);
    // 120 clock hours is not: the working days win again.
    config.promises[1].answer_within = TimeLimit{TimeUnit::clock_hours, 120};
    CHECK(complaint_deadline(config, friday_1600) == friday_1600 + 96 * hour);
    for (Promise& promise : config.promises)
        promise.answer_within.reset();
    CHECK(promised_answer_limits(config).empty());
    CHECK_FALSE(complaint_deadline(config, 0));
}

TEST_CASE("staff: ids usable as actors and unique, hashes from hash-pin, refund limits", "[config]")
{
    CHECK(error_after([](Json& j) { j["staff"][0]["id"] = "anna smith"; }) ==
          "staff[0].id: must be an id of 1 to 40 characters from A-Z, a-z, 0-9, _, . and -");
    CHECK(error_after([](Json& j) { j["staff"][0]["id"] = "Anna.de-Vries_2"; }).empty());
    CHECK_THAT(error_after([](Json& j) { j["staff"][1]["id"] = "anna"; }),
               Contains("staff[1].id: \"anna\" is already used at staff[0].id"));
    CHECK(error_after([](Json& j) { j["staff"][0]["pin_hash"] = "1234"; }) ==
          "staff[0].pin_hash: must be a hash made by feedback-terminal hash-pin");
    CHECK_THAT(error_after([](Json& j) { j["staff"][1]["pin_hash"] = "$argon2id$v=19$m=16384,t=2,p=1$broken"; }),
               Contains("staff[1].pin_hash: must be a hash made by feedback-terminal hash-pin"));
    CHECK_THAT(error_after([](Json& j) { j["staff"][0]["refund_limit_cents"] = 10'000'001; }),
               Contains("staff[0].refund_limit_cents: must be an integer from 0 to 10000000 (got 10000001)"));
    CHECK_THAT(error_after([](Json& j) { j["staff"][0]["refund_limit_cents"] = -1; }),
               Contains("staff[0].refund_limit_cents: must be an integer from 0 to 10000000 (got -1)"));
    CHECK_THAT(error_after([](Json& j) { j["staff"][0]["refund_limit_cents"] = "5000"; }),
               Contains("staff[0].refund_limit_cents: must be an integer from 0 to 10000000 (got string)"));
    CHECK_THAT(error_after([](Json& j) { j["staff"][0]["refund_limit_cents"] = 18446744073709551615u; }),
               Contains("staff[0].refund_limit_cents: must be an integer from 0 to 10000000 (got 18446744073709551615)"));
    CHECK(error_after([](Json& j) { j["staff"][0]["refund_limit_cents"] = 0; }).empty());
    CHECK_THAT(error_after([](Json& j) { j["staff"][0]["name"] = ""; }), Contains("staff[0].name: must not be empty"));
    CHECK_THAT(error_after([](Json& j) { j["staff"][0]["pin"] = "1234"; }), Contains("staff[0].pin: unknown key"));
    CHECK_THAT(error_after([](Json& j) { j["staff"][1].erase("pin_hash"); }), Contains("staff[1].pin_hash: required"));
    CHECK(error_after([](Json& j) { j["staff"] = Json::array(); }).empty());
}

TEST_CASE("timeouts and the misuse rule stay within sane ranges", "[config]")
{
    struct Case {
        const char* section;
        const char* key;
        int low;
        int high;
    };
    const Case cases[] = {
        {"timeouts", "shopper_idle_seconds", 10, 600}, {"timeouts", "thank_you_seconds", 2, 60},
        {"timeouts", "staff_idle_seconds", 30, 3600},  {"misuse", "max_ratings", 1, 100},
        {"misuse", "window_seconds", 1, 3600},
    };
    for (const Case& c : cases) {
        std::string path = std::string(c.section) + "." + c.key;
        std::string rule = path + ": must be an integer from " + std::to_string(c.low) + " to " + std::to_string(c.high);
        INFO(path);
        CHECK(error_after([&](Json& j) { j[c.section][c.key] = c.low - 1; }) ==
              rule + " (got " + std::to_string(c.low - 1) + ")");
        CHECK(error_after([&](Json& j) { j[c.section][c.key] = c.high + 1; }) ==
              rule + " (got " + std::to_string(c.high + 1) + ")");
        CHECK(error_after([&](Json& j) { j[c.section][c.key] = c.low; }).empty());
        CHECK(error_after([&](Json& j) { j[c.section][c.key] = c.high; }).empty());
        CHECK(error_after([&](Json& j) { j[c.section].erase(c.key); }) == path + ": required");
    }
    CHECK_THAT(error_after([](Json& j) { j["timeouts"]["idle"] = 5; }), Contains("timeouts.idle: unknown key"));
    CHECK_THAT(error_after([](Json& j) { j["misuse"] = 5; }), Contains("misuse: must be an object (got number)"));
}

TEST_CASE("the staff call command is an argv starting with an absolute path", "[config]")
{
    CHECK(error_after([](Json& j) { j["staff_call_command"] = Json::array(); }).empty());
    CHECK(error_after([](Json& j) { j["staff_call_command"] = {"/usr/bin/pager-send", "--zone", "counter"}; }).empty());
    CHECK_THAT(error_after([](Json& j) { j["staff_call_command"] = "/usr/bin/true"; }),
               Contains("staff_call_command: must be an array of strings"));
    CHECK(error_after([](Json& j) { j["staff_call_command"] = {"true"}; }) ==
          "staff_call_command[0]: must be the program's absolute path (starting with /)");
    CHECK(error_after([](Json& j) { j["staff_call_command"] = Json::array({"/bin/echo", 3}); }) ==
          "staff_call_command[1]: must be a string (got number)");
}

TEST_CASE("the complainant's messages: templates per language without unknown placeholders", "[config][mail]")
{
    auto config = parse_config(default_json());
    REQUIRE(config);
    for (const char* kind : {"acknowledgement", "decision", "survey"})
        for (const std::string& locale : kiosk_locales) { // a customer who used the kiosk in Polish reads Polish
            INFO(kind << " in " << locale);
            const MessageTemplate& message = config->messages.at(kind);
            REQUIRE(message.subject.by_locale.contains(locale));
            REQUIRE(message.body.by_locale.contains(locale));
            CHECK_FALSE(template_problem(message.subject.in(locale), kind));
            CHECK_FALSE(template_problem(message.body.in(locale), kind));
            CHECK(message.body.in(locale).find("{reference}") != std::string::npos);
        }
    Json decision{{"subject", {{"nl", "Besluit {reference}"}, {"en", "Decision {reference}"}}},
                  {"body", {{"nl", "Besluit: {decision}"}, {"en", "Decision: {decision} {{not a placeholder}}"}}}};
    CHECK(error_after([&](Json& j) { j["messages"] = {{"decision", decision}}; }).empty());
    decision["body"]["nl"] = "Besluit: {decison}";
    CHECK(error_after([&](Json& j) { j["messages"] = {{"decision", decision}}; }) ==
          "messages.decision.body.nl: unknown placeholder {decison} (this message knows {name}, {reference}, "
          "{store}, {status_link}, {decision}, {resolution})");
    decision["body"]["nl"] = "Uw link: {survey_link}"; // the survey's, not the decision's
    CHECK_THAT(error_after([&](Json& j) { j["messages"] = {{"decision", decision}}; }),
               Contains("messages.decision.body.nl: unknown placeholder {survey_link}"));
    decision["body"]["nl"] = "Open {reference";
    CHECK_THAT(error_after([&](Json& j) { j["messages"] = {{"decision", decision}}; }),
               Contains("messages.decision.body.nl: a \"{\" without its \"}\""));
    CHECK(error_after([](Json& j) { j["messages"] = {{"reminder", Json::object()}}; }) ==
          "messages.reminder: unknown key (the messages are acknowledgement, decision and survey)");
    CHECK(error_after([](Json& j) { j["messages"] = {{"survey", {{"subject", {{"nl", "x"}, {"en", "y"}}}}}}; }) ==
          "messages.survey.body: required");

    // A document that changes one message keeps it; to_json writes only what differs.
    Json survey{{"subject", {{"nl", "Twee vragen"}, {"en", "Two questions"}}},
                {"body", {{"nl", "{survey_link}"}, {"en", "{survey_link}"}}}};
    Json document = default_json();
    document["messages"] = {{"survey", survey}};
    auto changed = parse_config(document);
    REQUIRE(changed);
    CHECK(changed->messages.at("survey").subject.in("en") == "Two questions");
    CHECK(changed->messages.at("acknowledgement").subject.in("en") ==
          default_message_templates().at("acknowledgement").subject.in("en"));
    CHECK(to_json(*changed)["messages"] == Json{{"survey", survey}});
}

TEST_CASE("templates are filled in, and a placeholder without a value is left empty", "[config][mail]")
{
    CHECK(render_template("Dear {name}, {reference} {{ok}}", {{"reference", "UTR-2A-0007-K"}}) ==
          "Dear , UTR-2A-0007-K {ok}");
    CHECK(render_template("{a}{b}", {{"a", "{b}"}, {"b", "x"}}) == "{b}x"); // values are not read again
}

TEST_CASE("the top level: version, store name, default locale, unknown and missing keys", "[config]")
{
    CHECK_THAT(error_after([](Json& j) { j["version"] = 0; }), Contains("version: must be an integer from 1 to"));
    CHECK_THAT(error_after([](Json& j) { j.erase("store_name"); }), Contains("store_name: required"));
    CHECK_THAT(error_after([](Json& j) { j["store_name"] = repeated("x", 101); }),
               Contains("store_name: must be at most 100 characters (got 101)"));
    CHECK(error_after([](Json& j) { j["default_locale"] = "fr"; }) ==
          "default_locale: must be one of the store's languages, nl, en, de, pl, tr (got \"fr\")");
    CHECK(error_after([](Json& j) { j["colour"] = "green"; }) == "colour: unknown key");
    CHECK(error_after([](Json& j) { j = Json::array(); }) == "config: must be an object (got array)");
}

TEST_CASE("every broken rule is reported at once, joined by semicolons", "[config]")
{
    std::string message = error_after([](Json& j) {
        j["question"].erase("en");
        j["staff"][0]["pin_hash"] = "x";
        j["misuse"]["window_seconds"] = 0;
    });
    CHECK(message == "question.en: required; staff[0].pin_hash: must be a hash made by feedback-terminal hash-pin; "
                     "misuse.window_seconds: must be an integer from 1 to 3600 (got 0)");
}

// =============================================================================
// [SECTION] Round trip and files
// =============================================================================

TEST_CASE("a receipt printer is an absolute device path with 24 to 64 columns", "[config][receipt]")
{
    auto config = parse_config(default_json());
    REQUIRE(config);
    CHECK_FALSE(config->receipt_printer); // none unless named
    Json with_printer = default_json();
    with_printer["receipt_printer"] = {{"device", "/dev/usb/lp0"}};
    config = parse_config(with_printer);
    REQUIRE(config);
    REQUIRE(config->receipt_printer);
    CHECK(config->receipt_printer->device == "/dev/usb/lp0");
    CHECK(config->receipt_printer->columns == 42);
    CHECK(to_json(*config)["receipt_printer"] == Json{{"device", "/dev/usb/lp0"}, {"columns", 42}});
    CHECK(error_after([](Json& j) { j["receipt_printer"] = {{"device", "/dev/usb/lp0"}, {"columns", 32}}; }).empty());
    CHECK(error_after([](Json& j) { j["receipt_printer"] = {{"device", "lp0"}}; }) ==
          "receipt_printer.device: must be the printer's absolute path, such as /dev/usb/lp0 (got \"lp0\")");
    CHECK(error_after([](Json& j) { j["receipt_printer"] = {{"device", 3}}; }) ==
          "receipt_printer.device: must be a string (got number)");
    CHECK(error_after([](Json& j) { j["receipt_printer"] = Json::object(); }) == "receipt_printer.device: required");
    CHECK_THAT(error_after([](Json& j) { j["receipt_printer"] = {{"device", "/dev/usb/lp0"}, {"columns", 80}}; }),
               Contains("receipt_printer.columns: "));
    CHECK(error_after([](Json& j) { j["receipt_printer"] = {{"device", "/dev/usb/lp0"}, {"paper", "58mm"}}; }) ==
          "receipt_printer.paper: unknown key");
}

TEST_CASE("to_json round-trips the configuration", "[config]")
{
    auto config = load_config(default_config_file);
    REQUIRE(config);
    Json written = to_json(*config);
    CHECK(written == default_json()); // the file holds nothing to_json drops
    auto again = parse_config(written);
    REQUIRE(again);
    CHECK(to_json(*again) == written);
    CHECK(again->staff[0].pin_hash == config->staff[0].pin_hash);
    CHECK(again->reasons.at(NpsBand::promoter).size() == config->reasons.at(NpsBand::promoter).size());
}

TEST_CASE("load_config names the file in its errors", "[config]")
{
    TempDir dir;
    auto missing = load_config(dir.path() / "nope.json");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == ErrorKind::not_found);
    CHECK_THAT(missing.error().message, Contains("nope.json does not exist"));

    auto folder = load_config(dir.path());
    REQUIRE_FALSE(folder);
    CHECK_THAT(folder.error().message, Contains("is not a regular file"));

    auto broken_file = dir.path() / "broken.json";
    write_file(broken_file, "{\n  \"version\": 1,\n  \"store_name\": }\n");
    auto broken = load_config(broken_file);
    REQUIRE_FALSE(broken);
    CHECK(broken.error().kind == ErrorKind::invalid_input);
    CHECK_THAT(broken.error().message, StartsWith("config file " + broken_file.string() + " is not valid JSON at byte 35"));
    CHECK_THAT(broken.error().message, Contains("line 3, column 17"));

    auto invalid_file = dir.path() / "invalid.json";
    Json json = default_json();
    json["misuse"]["max_ratings"] = 0;
    write_file(invalid_file, json.dump());
    auto invalid = load_config(invalid_file);
    REQUIRE_FALSE(invalid);
    CHECK(invalid.error().message == "config file " + invalid_file.string() +
                                         ": misuse.max_ratings: must be an integer from 1 to 100 (got 0)");
}

// =============================================================================
// [SECTION] PINs
// =============================================================================

TEST_CASE("a PIN is 4 to 8 digits", "[pin]")
{
    CHECK(is_valid_pin("1234"));
    CHECK(is_valid_pin("0000"));
    CHECK(is_valid_pin("12345678"));
    CHECK_FALSE(is_valid_pin(""));
    CHECK_FALSE(is_valid_pin("123"));
    CHECK_FALSE(is_valid_pin("123456789"));
    CHECK_FALSE(is_valid_pin("12a4"));
    CHECK_FALSE(is_valid_pin(" 1234"));
    CHECK_FALSE(is_valid_pin("1234\n"));
    CHECK_FALSE(is_valid_pin("\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4")); // Arabic-Indic digits
}

TEST_CASE("hash_pin makes salted argon2id hashes that verify_pin checks", "[pin]")
{
    auto hash = hash_pin("1234");
    REQUIRE(hash);
    CHECK_THAT(*hash, StartsWith("$argon2id$v=19$m=16384,t=2,p=1$"));
    CHECK(is_pin_hash(*hash));
    CHECK(verify_pin(*hash, "1234"));
    CHECK_FALSE(verify_pin(*hash, "1235"));
    CHECK_FALSE(verify_pin(*hash, "12340"));
    CHECK_FALSE(verify_pin(*hash, ""));

    auto other = hash_pin("9876");
    REQUIRE(other);
    CHECK_FALSE(verify_pin(*other, "1234"));

    auto again = hash_pin("1234");
    REQUIRE(again);
    CHECK(*again != *hash); // a fresh salt each time
    CHECK(verify_pin(*again, "1234"));
}

TEST_CASE("hash_pin refuses invalid PINs and verify_pin refuses non-hashes", "[pin]")
{
    auto refused = hash_pin("12");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == ErrorKind::invalid_input);
    CHECK(refused.error().message == "a PIN must be 4 to 8 digits");

    CHECK_FALSE(verify_pin("", "1234"));
    CHECK_FALSE(verify_pin("1234", "1234"));
    CHECK_FALSE(verify_pin("$argon2id$", "1234"));
    CHECK_FALSE(verify_pin(std::string(200, '$'), "1234"));
    CHECK_FALSE(is_pin_hash("$argon2i$v=19$m=16384,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA"));
}

// =============================================================================
// [SECTION] Translations
// =============================================================================

namespace {

// The source without comments, so that an example in a comment is not taken
// for a key the code uses. String and character literals are kept.
std::string without_comments(const std::string& code)
{
    std::string out;
    enum class State { source, line_comment, block_comment, string, character } state = State::source;
    for (size_t i = 0; i < code.size(); ++i) {
        char c = code[i];
        char next = i + 1 < code.size() ? code[i + 1] : '\0';
        switch (state) {
        case State::source:
            if (c == '/' && next == '/') {
                state = State::line_comment;
                ++i;
                continue;
            }
            if (c == '/' && next == '*') {
                state = State::block_comment;
                ++i;
                continue;
            }
            if (c == '"')
                state = State::string;
            else if (c == '\'')
                state = State::character;
            out += c;
            break;
        case State::line_comment:
            if (c == '\n') {
                state = State::source;
                out += c;
            }
            break;
        case State::block_comment:
            if (c == '*' && next == '/') {
                state = State::source;
                ++i;
            }
            break;
        case State::string:
        case State::character:
            out += c;
            if (c == '\\' && i + 1 < code.size()) {
                out += next;
                ++i;
            } else if ((state == State::string && c == '"') || (state == State::character && c == '\'')) {
                state = State::source;
            }
            break;
        }
    }
    return out;
}

struct KeyUse {
    std::string key;
    std::string where; // file:line
};

// Every string-literal key passed to tr( or format( in the .cpp and .h files
// under `root`: the first argument, or the second when the first is a
// literal locale (Translations::tr("nl", "key")).
std::vector<KeyUse> keys_used_in_code(const std::filesystem::path& root)
{
    const std::regex call(R"re(\b(?:tr|format)\(\s*"([^"\\]*)"(?:\s*,\s*"([^"\\]*)")?)re");
    std::vector<KeyUse> uses;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
        auto extension = entry.path().extension();
        if (!entry.is_regular_file() || (extension != ".cpp" && extension != ".h"))
            continue;
        std::string code = without_comments(read_all(entry.path()));
        for (std::sregex_iterator it(code.begin(), code.end(), call), end; it != end; ++it) {
            std::string first = (*it)[1];
            bool locale_first = (*it)[2].matched &&
                std::find(supported_locales.begin(), supported_locales.end(), first) != supported_locales.end();
            auto line = 1 + std::count(code.begin(), code.begin() + it->position(), '\n');
            std::string where = std::filesystem::relative(entry.path(), root).string() + ":" + std::to_string(line);
            uses.push_back({locale_first ? std::string((*it)[2]) : first, where});
        }
    }
    return uses;
}

// Writes an i18n folder with the given nl.json and en.json texts.
void write_i18n(const std::filesystem::path& dir, const std::string& nl, const std::string& en)
{
    write_file(dir / "nl.json", nl);
    write_file(dir / "en.json", en);
}

} // namespace

TEST_CASE("the translation files load and have the same keys", "[i18n]")
{
    auto translations = Translations::load(i18n_dir, kiosk_locales);
    INFO((translations ? std::string() : translations.error().message));
    REQUIRE(translations);
    auto keys = translations->keys();
    CHECK(keys.size() > 150);
    for (const auto& key : keys) {
        INFO(key);
        for (const auto& locale : kiosk_locales)
            CHECK(translations->has(locale, key));
    }
    // The raw files agree too (load would refuse otherwise, but say it plainly).
    Json nl = Json::parse(read_all(i18n_dir / "nl.json"));
    Json en = Json::parse(read_all(i18n_dir / "en.json"));
    std::set<std::string> nl_keys, en_keys;
    for (const auto& [key, text] : nl.items())
        nl_keys.insert(key);
    for (const auto& [key, text] : en.items())
        en_keys.insert(key);
    CHECK(nl_keys == en_keys);
}

TEST_CASE("every translation key used in terminal/ exists in every kiosk language", "[i18n]")
{
    auto translations = Translations::load(i18n_dir, kiosk_locales);
    REQUIRE(translations);
    std::string missing;
    auto uses = keys_used_in_code(source_dir / "terminal");
    for (const KeyUse& use : uses) {
        if (use.key.ends_with('_') || use.key.ends_with('.')) { // a prefix ("start.language_" + locale): its keys
            for (const auto& locale : kiosk_locales)               // are the prefix and a language code
                if (use.key == "start.language_" && !translations->has(locale, use.key + locale))
                    missing += "\n  " + use.where + ": \"" + use.key + locale + "\" is not in " + locale + ".json";
            continue;
        }
        for (const auto& locale : kiosk_locales)
            if (!translations->has(locale, use.key))
                missing += "\n  " + use.where + ": \"" + use.key + "\" is not in assets/i18n/" + locale + ".json";
    }
    INFO(uses.size() << " uses of translation keys found");
    if (!missing.empty())
        FAIL("translation keys used in code but missing:" << missing);
}

TEST_CASE("the key scan finds tr and format calls and skips comments", "[i18n]")
{
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "ui");
    write_file(dir.path() / "ui" / "screen.cpp",
               "// strings.tr(\"commented.out\")\n"
               "ImGui::Text(\"%s\", strings.tr(\"start.tap_a_number\").c_str());\n"
               "auto t = strings.format( \"staff.login.wrong_pin\", {{\"tries\", \"2\"}});\n"
               "auto u = translations.tr(\"nl\", \"start.welcome\");\n"
               "auto v = format_utc_iso8601(now); auto w = std::string(\"tr(x)\");\n");
    write_file(dir.path() / "ui" / "notes.txt", "tr(\"not.code\")");
    auto uses = keys_used_in_code(dir.path());
    std::vector<std::string> keys;
    for (const auto& use : uses)
        keys.push_back(use.key);
    CHECK(keys == std::vector<std::string>{"start.tap_a_number", "staff.login.wrong_pin", "start.welcome"});
    REQUIRE(uses.size() == 3);
    CHECK(uses[0].where == "ui/screen.cpp:2");

    std::string code = without_comments("x = s.tr(\"a.b\"); // tr(\"in.comment\")\n"
                                        "/* format(\"block.comment\") */ y = \"//not a comment\";\n");
    CHECK(code.find("in.comment") == std::string::npos);
    CHECK(code.find("block.comment") == std::string::npos);
    CHECK(code.find("a.b") != std::string::npos);
    CHECK(code.find("//not a comment") != std::string::npos);
}

TEST_CASE("tr and format look up texts per language and fill placeholders", "[i18n]")
{
    auto translations = Translations::load(i18n_dir);
    REQUIRE(translations);
    Strings nl(*translations, "nl");
    Strings en(*translations, "en");
    CHECK(nl.locale() == "nl");
    CHECK(nl.tr("start.complaint_button") == "Ik heb een klacht");
    CHECK(en.tr("start.complaint_button") == "I have a complaint");
    CHECK(translations->tr("en", "start.complaint_button") == "I have a complaint");
    CHECK(nl.format("staff.login.wrong_pin", {{"tries", "2"}}) == "Onjuiste pincode. Nog 2 pogingen.");
    CHECK(en.format("staff.solve.above_limit", {{"limit", "€ 50,00"}}) ==
          "This is above your limit of € 50,00. Please ask a manager.");
    CHECK(en.format("contact.consent", {{"store", "Tuincentrum De Linde"}}) ==
          "I agree that Tuincentrum De Linde uses my details only to contact me about this.");
    // Extra values are ignored.
    CHECK(en.format("start.tap_a_number", {{"unused", "x"}}) == "Tap a number");
}

TEST_CASE("fill_placeholders replaces only {snake_case} names it has values for", "[i18n]")
{
    std::map<std::string, std::string> values{{"a", "1"}, {"long_name", "two"}, {"b", "{a}"}};
    CHECK(fill_placeholders("{a}+{a}={long_name}", values) == "1+1=two");
    CHECK(fill_placeholders("{b}", values) == "{a}"); // values are not filled in again
    CHECK(fill_placeholders("{missing} {a}", values) == "{missing} 1");
    CHECK(fill_placeholders("{} {Not A Name} {a", values) == "{} {Not A Name} {a");
    CHECK(fill_placeholders("{{a}}", values) == "{1}");
    CHECK(fill_placeholders("", values).empty());
    CHECK(placeholders_in("Nog {tries} pogingen, {seconds} s, {Bad}") == std::set<std::string>{"tries", "seconds"});
}

TEST_CASE("Translations::load refuses files that do not match", "[i18n]")
{
    TempDir dir;
    SECTION("keys missing from either file are listed")
    {
        write_i18n(dir.path(), R"({"a.one": "een", "a.two": "twee", "nl.only": "alleen"})",
                   R"({"a.one": "one", "a.two": "two", "en.only": "only", "en.also": "also"})");
        auto loaded = Translations::load(dir.path());
        REQUIRE_FALSE(loaded);
        CHECK(loaded.error().kind == ErrorKind::invalid_input);
        CHECK_THAT(loaded.error().message, Contains("keys missing from en.json: nl.only"));
        CHECK_THAT(loaded.error().message, Contains("keys missing from nl.json: en.also, en.only"));
    }
    SECTION("files are flat maps of non-empty strings with dotted snake_case keys")
    {
        write_i18n(dir.path(), R"({"a": {"b": "c"}, "d.e": "", "Bad Key": "x", "n.um": 5})", R"(["a"])");
        auto loaded = Translations::load(dir.path());
        REQUIRE_FALSE(loaded);
        CHECK_THAT(loaded.error().message, Contains("nl.json: a must be a string, the files are flat (got object)"));
        CHECK_THAT(loaded.error().message, Contains("nl.json: d.e must not be empty"));
        CHECK_THAT(loaded.error().message, Contains("nl.json: key \"Bad Key\" must be dot-separated words"));
        CHECK_THAT(loaded.error().message, Contains("nl.json: n.um must be a string"));
        CHECK_THAT(loaded.error().message, Contains("en.json: must be a JSON object of key -> text (got array)"));
    }
    SECTION("a key has the same placeholders in every language")
    {
        write_i18n(dir.path(), R"({"x.tries": "Nog {tries} pogingen"})", R"({"x.tries": "{count} tries left"})");
        auto loaded = Translations::load(dir.path());
        REQUIRE_FALSE(loaded);
        CHECK_THAT(loaded.error().message,
                   Contains("x.tries: placeholders differ ({tries} in nl.json, {count} in en.json)"));
    }
    SECTION("missing and broken files are named")
    {
        write_file(dir.path() / "nl.json", "{\"a.b\": ");
        auto loaded = Translations::load(dir.path());
        REQUIRE_FALSE(loaded);
        CHECK_THAT(loaded.error().message, Contains("nl.json is not valid JSON at byte"));
        CHECK_THAT(loaded.error().message, Contains("en.json does not exist"));
    }
    SECTION("matching files load")
    {
        write_i18n(dir.path(), R"({"a.b": "Hallo {name}"})", R"({"a.b": "Hello {name}"})");
        auto loaded = Translations::load(dir.path());
        REQUIRE(loaded);
        CHECK(loaded->format("nl", "a.b", {{"name", "Anna"}}) == "Hallo Anna");
    }
}

// =============================================================================
// [SECTION] feedback-terminal hash-pin
// =============================================================================

TEST_CASE("feedback-terminal hash-pin hashes a PIN read from standard input", "[pin][cli]")
{
    auto run = feedback::testing::run_process({FEEDBACK_TERMINAL_BINARY, "hash-pin"}, "2468\n");
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    REQUIRE(run.out.size() > 1);
    CHECK(run.out.back() == '\n');
    std::string hash = run.out.substr(0, run.out.size() - 1);
    CHECK(hash.find('\n') == std::string::npos);
    CHECK(verify_pin(hash, "2468"));
    CHECK_FALSE(verify_pin(hash, "1234"));
    CHECK(run.err.empty());

    auto windows_line = feedback::testing::run_process({FEEDBACK_TERMINAL_BINARY, "hash-pin"}, "13579\r\n");
    REQUIRE(windows_line.exit_code == 0);
    CHECK(verify_pin(windows_line.out.substr(0, windows_line.out.size() - 1), "13579"));
}

TEST_CASE("feedback-terminal hash-pin refuses a bad PIN without echoing it", "[pin][cli]")
{
    for (std::string input : {"12\n", "12a45\n", "", "123456789\n", " 1234\n"}) {
        INFO(input);
        auto run = feedback::testing::run_process({FEEDBACK_TERMINAL_BINARY, "hash-pin"}, input);
        CHECK(run.exit_code == 1);
        CHECK(run.out.empty());
        CHECK(run.err == "feedback-terminal: a PIN must be 4 to 8 digits, given as one line on standard input\n");
    }
    // A PIN on the command line is refused as a usage error.
    auto argv_pin = feedback::testing::run_process({FEEDBACK_TERMINAL_BINARY, "hash-pin", "1234"});
    CHECK(argv_pin.exit_code == 2);
    CHECK(argv_pin.out.empty());

    auto help = feedback::testing::run_process({FEEDBACK_TERMINAL_BINARY, "hash-pin", "--help"});
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.out, Contains("standard input"));
}
