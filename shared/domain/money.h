// Amounts of money as people type them: "12", "12.5", "12,50" to cents. The
// kiosk's staff screens and head office's forms read amounts with this one
// rule.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace feedback {

// Cents from a typed amount in currency units: "12", "12.5", "12,50",
// "0.99", with spaces around; nothing for anything else (signs, more than 2
// decimals, letters, a separator without decimals, more than 10,000,000 units).
std::optional<int64_t> parse_amount_cents(std::string_view text);

// "€ 12,50" (a decimal comma, as Dutch, German, Polish and Turkish write
// it) or "€ 12.50" in English: head office's pages and messages.
std::string format_euros(int64_t cents, std::string_view locale);

} // namespace feedback
