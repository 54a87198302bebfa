// Fuzzes the readers of single form fields that the dashboard's forms, the
// kiosk's staff screens and the intake API share, each with what it promises
// of what it accepts: dates and times (parse_utc_iso8601() reads only the
// text format_utc_iso8601() writes, the web forms' parse_date() and
// parse_date_time(), the intake API's parse_iso8601_instant()), amounts
// (parse_amount_cents() reads back what format_euros() writes), reference
// codes (parse_refcode() gives a canonical code it reads back the same),
// counts and trimmed text. At thousands of inputs a second it reaches
// corners fuzz_dashboard_form's whole requests do not.
//
// Input: what a person typed into one field; for parse_date_time(), the
// date and the time separated by one space ("2026-12-04 16:00").
#include "domain/clock.h"
#include "domain/money.h"
#include "domain/refcode.h"
#include "domain/validation.h"
#include "hq/web/forms.h"
#include "hq/web/html.h"
#include "support/finding.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace {

using namespace feedback;
namespace web = feedback::hq::web;

// A date ("2026-11-24"), a time to the second ("2026-11-24T09:30:00Z") or to
// the millisecond: accepted only as format_utc_iso8601() writes it.
void check_utc_time(std::string_view typed)
{
    auto ms = parse_utc_iso8601(typed);
    if (!ms)
        return;
    std::string written = format_utc_iso8601(*ms); // "2026-11-24T09:30:00.123Z"
    std::string expected = typed.size() == 10   ? written.substr(0, 10)
                           : typed.size() == 20 ? written.substr(0, 19) + "Z"
                                                : written;
    if (expected != typed)
        fuzz::report_finding("parse_utc_iso8601() accepts a time format_utc_iso8601() writes as " + written, typed);
    if (auto date = web::parse_date(typed); date && *date != *ms)
        fuzz::report_finding("parse_date() reads a date differently", typed);
}

void check_date_time(std::string_view typed)
{
    size_t space = typed.find(' ');
    if (space == std::string_view::npos)
        return;
    auto ms = web::parse_date_time(typed.substr(0, space), typed.substr(space + 1));
    if (ms && format_utc_iso8601(*ms).substr(0, 16) != std::string(typed.substr(0, space)) + "T" +
                                                            std::string(typed.substr(space + 1)))
        fuzz::report_finding("parse_date_time() accepts a date and time it does not give back", typed);
}

// An instant with an offset: the moment it names, written in UTC, reads back the same.
void check_instant(std::string_view typed)
{
    auto ms = parse_iso8601_instant(typed);
    if (!ms || *ms < 0 || *ms >= 253'402'300'800'000) // years 1970-9999, which format_utc_iso8601() writes as such
        return;
    if (parse_iso8601_instant(format_utc_iso8601(*ms)) != *ms)
        fuzz::report_finding("parse_iso8601_instant() does not read back " + format_utc_iso8601(*ms), typed);
}

void check_amount(std::string_view typed)
{
    auto cents = parse_amount_cents(typed);
    if (!cents)
        return;
    if (*cents < 0)
        fuzz::report_finding("parse_amount_cents() gives a negative amount", typed);
    std::string written = format_euros(*cents, "en"); // "€ 12.50"
    constexpr std::string_view euro = "\xE2\x82\xAC ";
    if (!written.starts_with(euro) || parse_amount_cents(std::string_view(written).substr(euro.size())) != *cents)
        fuzz::report_finding("parse_amount_cents() does not read back " + written, typed);
}

void check_refcode(std::string_view typed)
{
    auto code = parse_refcode(typed);
    auto read = read_refcode(typed);
    if (code.ok() != std::holds_alternative<std::string>(read))
        fuzz::report_finding("parse_refcode() and read_refcode() disagree", typed);
    if (!code)
        return;
    if (std::get<std::string>(read) != *code)
        fuzz::report_finding("parse_refcode() and read_refcode() read another code", typed);
    auto again = parse_refcode(*code);
    if (!again || *again != *code)
        fuzz::report_finding("parse_refcode() does not read its own code " + *code + " back", typed);
}

void check_counts_and_text(std::string_view typed)
{
    auto count = web::parse_count(typed);
    if (count && (*count < 0 || *count > 1'000'000'000'000))
        fuzz::report_finding("parse_count() gives a count out of its range", typed);
    auto positive = web::parse_positive(typed);
    if (positive && (*positive < 1 || positive != count))
        fuzz::report_finding("parse_positive() gives what parse_count() does not", typed);
    std::string trimmed = web::trimmed(typed);
    if (web::trimmed(trimmed) != trimmed)
        fuzz::report_finding("trimmed() trims its own result", typed);
    (void)utf8_length(typed);
    (void)is_valid_email(trimmed);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view typed(reinterpret_cast<const char*>(data), size);
    check_utc_time(typed);
    check_date_time(typed);
    check_instant(typed);
    check_amount(typed);
    check_refcode(typed);
    check_counts_and_text(typed);
    return 0;
}
