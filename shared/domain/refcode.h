// Reference codes that customers quote ("UTR-2A-4F9TN"): made offline on the
// terminal, unique across the chain without coordination, short, and safe to
// read aloud or type from a receipt.
//
//   STORE - TERMINAL - COUNTER CHECK
//   UTR   - 2A       - 4F9T    N
//
// STORE is the store's code (3 characters) and TERMINAL the terminal's code
// within the store (2 characters); head office hands both out at enrolment,
// so no two terminals share the pair. COUNTER is the terminal's complaint
// number in base 31, at least 4 digits (923,521 complaints before it grows).
// The alphabet has no 0, O, 1, I or L: 23456789ABCDEFGHJKMNPQRSTUVWXYZ, 31
// symbols. CHECK makes the weighted sum (weights 1, 2, 3 ... from the left,
// over every symbol but the dashes) divisible by 31; since 31 is prime, a
// single mistyped symbol or two swapped neighbours always fails the check.
#pragma once

#include "result.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace feedback {

inline constexpr std::string_view refcode_alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

// True when every character is in the alphabet and the length is in [min, max].
bool is_refcode_segment(std::string_view text, size_t min_length, size_t max_length);

constexpr size_t refcode_store_length = 3;
constexpr size_t refcode_terminal_length = 2;
constexpr size_t refcode_min_counter_length = 4;

// The terminal code head office makes its own reference codes with in every
// store (complaints registered at head office); no terminal is given it.
inline constexpr std::string_view head_office_terminal_code = "HQ";

// Makes the code for complaint number `counter` (>= 0) of a terminal. The
// store and terminal codes must be valid segments of 3 and 2 characters;
// this asserts so.
std::string make_refcode(std::string_view store_code, std::string_view terminal_code, uint64_t counter);

// Normalises what a person typed (any case, with or without spaces and
// dashes) to the canonical "UTR-2A-4F9TN" and checks it. Errors say what is
// wrong: a
// character not used in codes (with a hint for 0/O/1/I/L), the wrong length,
// or a failed check character ("check character does not match: a character
// is mistyped or two are swapped").
Result<std::string> parse_refcode(std::string_view typed);

// What is wrong with a typed code, as a value, for messages in the reader's
// own language (head office's status page); parse_refcode() words the same
// in English.
enum class RefcodeProblem {
    foreign_character, // a character not used in codes (`character`)
    wrong_length,      // too few or too many characters besides dashes and spaces
    check_mismatch,    // a character mistyped or two neighbours swapped
};
struct RefcodeMistake {
    RefcodeProblem problem = RefcodeProblem::check_mismatch;
    char character = 0; // foreign_character: the first such character, upper-cased
    // foreign_character: it looks like one codes use (0/O, 1/I/L), which they never contain
    bool look_alike() const;
};
// The canonical code, or what is wrong with it: parse_refcode()'s reading.
std::variant<std::string, RefcodeMistake> read_refcode(std::string_view typed);

} // namespace feedback
