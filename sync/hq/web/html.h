// Small helpers for the dashboard's server-rendered HTML: escaping, URLs and
// query strings, dates and numbers as people read them, and CSV cells that
// a spreadsheet will not run as a formula.
#pragma once

#include "domain/money.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace feedback::hq::web {

// Text made safe for HTML text and double- or single-quoted attribute values.
// Invalid UTF-8 is replaced, so a page is always valid UTF-8.
std::string escape(std::string_view text);

// Percent-encodes everything but unreserved characters (RFC 3986).
std::string url_encode(std::string_view text);

using QueryParams = std::vector<std::pair<std::string, std::string>>;
// "?a=1&b=x%20y" of the non-empty values; "" when all are empty.
std::string query_string(const QueryParams& params);

// A path on this server a redirect may go to: starts with one "/", no "//"
// or "\" at the start, no control characters, at most 512 bytes.
bool is_local_path(std::string_view path);

// "2026-11-24 09:30" and "2026-11-24" of ms read as UTC; pages show moments
// with Page::time_text(), on a store's wall clock.
std::string format_time(int64_t unix_ms);
std::string format_date(int64_t unix_ms);
// "2026-11-24" -> its 00:00 UTC; nothing for anything else.
std::optional<int64_t> parse_date(std::string_view text);
// "2026-11-24" and "14:30" -> that minute, UTC; nothing when either is wrong.
std::optional<int64_t> parse_date_time(std::string_view date, std::string_view time);

// Numbers as the locale writes them: "12,5" in Dutch, "12.5" in English.
std::string format_decimal(double value, int decimals, std::string_view locale);
// A share 0.0-1.0 as "94%", "–" when there is none.
std::string format_share(const std::optional<double>& share, std::string_view locale);
// An NPS as "+23" or "-7", "–" when there is none.
std::string format_nps(const std::optional<double>& nps);
// Cents as "€ 12,50": format_euros() of domain/money.h.

// One CSV cell (RFC 4180), with a leading ' before = + - @ tab or CR so a
// spreadsheet shows customers' text instead of running it as a formula.
std::string csv_cell(std::string_view text);
// Cells joined by commas, ended by CRLF.
std::string csv_line(const std::vector<std::string>& cells);

// A labelled <input> and a labelled <textarea> (3 rows) with a maxlength.
std::string text_input(const std::string& id, const std::string& name, const std::string& label,
                       const std::string& value, int max, bool required);
std::string text_area(const std::string& id, const std::string& name, const std::string& label,
                      const std::string& value, int max, bool required);

// Valid UTF-8 (the text itself) or the text with invalid bytes replaced.
std::string valid_utf8(std::string_view text);

} // namespace feedback::hq::web
