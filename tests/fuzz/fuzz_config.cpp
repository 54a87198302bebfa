// Fuzzes the configuration document head office publishes and the kiosk
// runs on: config::parse_config() (every rule, the store's calendar with its
// time zone from tzdata, the message templates), to_json() read back to the
// same document, and the deadlines counted in the parsed calendar
// (complaint_deadline_with_limit(), due_after()'s inverse
// working_time_between() for working hours).
//
// Input: a configuration document (JSON), like assets/config/default.json.
#include "config/kiosk_config.h"
#include "config/store_calendar.h"
#include "domain/vocabulary.h"
#include "support/finding.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace feedback;

// Complaints opened at moments that make calendars work (UTC ms): a Friday
// afternoon, both of Europe's 2026 clock changes, Christmas Eve, and the
// last day events may carry (validation.h).
constexpr std::array opened_at_samples{
    int64_t{1'795'186'800'000}, // 2026-11-20T15:00:00Z, a Friday
    int64_t{1'774'746'000'000}, // 2026-03-29T01:00:00Z, summer time begins
    int64_t{1'792'890'000'000}, // 2026-10-25T01:00:00Z, summer time ends
    int64_t{1'798'113'600'000}, // 2026-12-24T12:00:00Z
    int64_t{4'102'358'400'000}, // 2099-12-31T00:00:00Z
};

void check_deadlines(const config::KioskConfig& config, std::string_view document)
{
    for (int64_t opened_at : opened_at_samples) {
        for (const auto& entry : severities) {
            auto deadline = config::complaint_deadline_with_limit(config, opened_at, entry.level);
            if (!deadline)
                continue;
            if (deadline->due_at_ms < opened_at)
                fuzz::report_finding("a deadline before its complaint was opened", document);
            if (deadline->limit.unit != config::TimeUnit::working_hours)
                continue;
            int64_t worked = config::working_time_between(config.calendar, opened_at, deadline->due_at_ms,
                                                          config::TimeUnit::working_hours);
            if (worked != int64_t{deadline->limit.amount} * 3'600'000)
                fuzz::report_finding("working_time_between() is not due_after()'s inverse: " + std::to_string(worked) + " ms for " +
                         std::to_string(deadline->limit.amount) + " working hours from " + std::to_string(opened_at),
                     document);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto json = nlohmann::json::parse(input, nullptr, false);
    if (json.is_discarded())
        return 0;
    auto config = config::parse_config(json);
    if (!config)
        return 0;
    nlohmann::json written = config::to_json(*config);
    auto again = config::parse_config(written);
    if (!again)
        fuzz::report_finding("to_json() wrote a configuration that does not parse: " + again.error().message, input);
    if (config::to_json(*again) != written)
        fuzz::report_finding("to_json() wrote a configuration that reads back differently", input);
    check_deadlines(*config, input);
    return 0;
}
