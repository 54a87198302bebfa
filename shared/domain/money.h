// Amounts of money as people type them: "12", "12.5", "12,50" to cents. The
// kiosk's staff screens and head office's forms read amounts with this one
// rule.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace feedback {

// Cents from a typed amount in currency units: "12", "12.5", "12,50",
// "0.99", with spaces around; nothing for anything else (signs, more than 2
// decimals, letters, a separator without decimals, more than 10,000,000 units).
std::optional<int64_t> parse_amount_cents(std::string_view text);

} // namespace feedback
