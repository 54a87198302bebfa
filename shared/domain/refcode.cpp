// Reference codes (refcode.h): the base-31 counter, the weighted check
// character, and reading back what a person typed.
#include "refcode.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <optional>

namespace feedback {

namespace {

constexpr uint64_t radix = refcode_alphabet.size();
static_assert(radix == 31, "the check relies on a prime-sized alphabet of 31 symbols");

constexpr size_t max_counter_digits()
{
    size_t digits = 1;
    for (uint64_t rest = std::numeric_limits<uint64_t>::max() / radix; rest > 0; rest /= radix)
        ++digits;
    return digits;
}

// Symbols a code has besides its dashes, check character included.
constexpr size_t min_symbols = refcode_store_length + refcode_terminal_length + refcode_min_counter_length + 1;
constexpr size_t max_symbols = refcode_store_length + refcode_terminal_length + max_counter_digits() + 1;
// The weights 1 .. max_symbols must differ modulo 31, or a swap could go unnoticed.
static_assert(max_symbols < radix, "position weights must stay distinct modulo 31");

std::optional<uint64_t> symbol_value(char c)
{
    auto at = refcode_alphabet.find(c);
    if (at == std::string_view::npos)
        return std::nullopt;
    return at;
}

// sum of (1-based position) * value over `symbols`, modulo 31.
uint64_t weighted_sum(std::string_view symbols)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < symbols.size(); ++i) {
        auto value = symbol_value(symbols[i]);
        assert(value && "weighted_sum: a symbol outside the alphabet");
        sum = (sum + (i + 1) * value.value_or(0)) % radix;
    }
    return sum;
}

// The symbol that, placed after `symbols`, makes the weighted sum divisible by 31.
char check_symbol(std::string_view symbols)
{
    assert(symbols.size() + 1 < radix && "refcode too long: position weights would repeat modulo 31");
    uint64_t sum = weighted_sum(symbols);
    uint64_t weight = symbols.size() + 1;
    for (uint64_t c = 0; c < radix; ++c)
        if ((sum + weight * c) % radix == 0)
            return refcode_alphabet[c];
    assert(false && "check_symbol: no check value found, the weight must be a multiple of 31");
    return refcode_alphabet[0];
}

std::string dashed(std::string_view symbols)
{
    std::string out;
    out.reserve(symbols.size() + 2);
    out.append(symbols.substr(0, refcode_store_length));
    out.push_back('-');
    out.append(symbols.substr(refcode_store_length, refcode_terminal_length));
    out.push_back('-');
    out.append(symbols.substr(refcode_store_length + refcode_terminal_length));
    return out;
}

char ascii_upper(char c)
{
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

// How many characters besides dashes and spaces a person typed.
size_t typed_symbols(std::string_view typed)
{
    return static_cast<size_t>(std::count_if(typed.begin(), typed.end(), [](char c) { return c != ' ' && c != '-'; }));
}

} // namespace

bool is_refcode_segment(std::string_view text, size_t min_length, size_t max_length)
{
    if (text.size() < min_length || text.size() > max_length)
        return false;
    for (char c : text)
        if (!symbol_value(c))
            return false;
    return true;
}

std::string make_refcode(std::string_view store_code, std::string_view terminal_code, uint64_t counter)
{
    assert(is_refcode_segment(store_code, refcode_store_length, refcode_store_length) &&
           "make_refcode: the store code must be 3 symbols of the refcode alphabet");
    assert(is_refcode_segment(terminal_code, refcode_terminal_length, refcode_terminal_length) &&
           "make_refcode: the terminal code must be 2 symbols of the refcode alphabet");

    std::string digits; // least significant first, reversed below
    do {
        digits.push_back(refcode_alphabet[counter % radix]);
        counter /= radix;
    } while (counter > 0);
    while (digits.size() < refcode_min_counter_length)
        digits.push_back(refcode_alphabet[0]);

    std::string symbols;
    symbols.append(store_code).append(terminal_code).append(digits.rbegin(), digits.rend());
    symbols.push_back(check_symbol(symbols));
    return dashed(symbols);
}

bool RefcodeMistake::look_alike() const
{
    return problem == RefcodeProblem::foreign_character &&
           (character == '0' || character == 'O' || character == '1' || character == 'I' || character == 'L');
}

std::variant<std::string, RefcodeMistake> read_refcode(std::string_view typed)
{
    std::string symbols;
    for (char c : typed) {
        if (c == ' ' || c == '-')
            continue;
        char upper = ascii_upper(c);
        if (!symbol_value(upper))
            return RefcodeMistake{RefcodeProblem::foreign_character, upper};
        symbols.push_back(upper);
    }
    if (symbols.size() < min_symbols || symbols.size() > max_symbols)
        return RefcodeMistake{RefcodeProblem::wrong_length};
    if (weighted_sum(symbols) != 0)
        return RefcodeMistake{RefcodeProblem::check_mismatch};
    return dashed(symbols);
}

Result<std::string> parse_refcode(std::string_view typed)
{
    auto read = read_refcode(typed);
    if (auto* code = std::get_if<std::string>(&read))
        return std::move(*code);
    const RefcodeMistake& mistake = std::get<RefcodeMistake>(read);
    std::string message;
    switch (mistake.problem) {
    case RefcodeProblem::foreign_character: {
        char c = mistake.character;
        bool printable = c > ' ' && c < 127;
        message = printable ? std::string("\"") + c + "\" is not used in reference codes"
                            : std::string("the code contains a character not used in reference codes");
        if (c == '0' || c == 'O')
            message += " (codes never contain O or 0; check that character on the receipt again)";
        else if (c == '1' || c == 'I' || c == 'L')
            message += " (codes never contain 1, I or L; check that character on the receipt again)";
        break;
    }
    case RefcodeProblem::wrong_length:
        message = "a reference code has " + std::to_string(min_symbols) + " to " + std::to_string(max_symbols) +
                  " characters besides dashes (got " + std::to_string(typed_symbols(typed)) + ")";
        break;
    case RefcodeProblem::check_mismatch:
        message = "check character does not match: a character is mistyped or two are swapped";
        break;
    }
    return Error{ErrorKind::invalid_input, std::move(message)};
}

} // namespace feedback
