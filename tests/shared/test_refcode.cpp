// Tests of reference codes: the format, round trips, what people type, and
// that every single mistyped symbol and every swap of neighbours is caught.
#include "domain/refcode.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <variant>
#include <vector>

using namespace feedback;

namespace {

const std::string check_mismatch =
    "check character does not match: a character is mistyped or two are swapped";

std::string without_dashes(const std::string& code)
{
    std::string symbols;
    for (char c : code)
        if (c != '-')
            symbols.push_back(c);
    return symbols;
}

std::string error_of(std::string_view typed)
{
    auto parsed = parse_refcode(typed);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().kind == ErrorKind::invalid_input);
    return parsed.error().message;
}

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("codes are store, terminal, base-31 counter and check", "[refcode]")
{
    // Check characters worked out by hand: for UTR2A2222 the weighted sum is
    // 25*1 + 24*2 + 22*3 + 0*4 + 8*5 = 179 = 24 (mod 31), and 24 + 10*c = 0
    // (mod 31) gives c = 10, the symbol C.
    CHECK(make_refcode("UTR", "2A", 0) == "UTR-2A-2222C");
    CHECK(make_refcode("UTR", "2A", 1) == "UTR-2A-22238");
    CHECK(make_refcode("UTR", "2A", 30) == "UTR-2A-222ZG");
    CHECK(make_refcode("UTR", "2A", 31) == "UTR-2A-22325");
    CHECK(make_refcode("UTR", "2A", 123456) == "UTR-2A-66GGE");
    CHECK(make_refcode("UTR", "2A", 923520) == "UTR-2A-ZZZZF"); // 31^4 - 1, the last 4-digit counter
    CHECK(make_refcode("UTR", "2A", 923521) == "UTR-2A-32222K"); // grows to 5 digits
    CHECK(make_refcode("AMS", "Z9", 0) == "AMS-Z9-2222Y");
    CHECK(make_refcode("AMS", "Z9", std::numeric_limits<uint64_t>::max()) == "AMS-Z9-SF297MD67PA8HV");
}

TEST_CASE("made codes parse back to themselves", "[refcode]")
{
    const std::vector<uint64_t> counters{0, 1, 30, 31, 923520, 923521, 28629151, 987654321987654321ULL,
                                         std::numeric_limits<uint64_t>::max()};
    for (uint64_t counter : counters) {
        std::string code = make_refcode("K7P", "3M", counter);
        INFO(counter << " -> " << code);
        auto parsed = parse_refcode(code);
        REQUIRE(parsed.ok());
        CHECK(*parsed == code);
    }
}

TEST_CASE("what people type is normalised: any case, spaces, dashes or none", "[refcode]")
{
    for (std::string_view typed : {"UTR-2A-66GGE", "utr-2a-66gge", "UTR2A66GGE", " utr 2a 66gg e ", "Utr - 2A - 66GGe",
                                   "U-T-R-2-A-6-6-G-G-E"}) {
        INFO(typed);
        auto parsed = parse_refcode(typed);
        REQUIRE(parsed.ok());
        CHECK(*parsed == "UTR-2A-66GGE");
    }
}

TEST_CASE("every single mistyped symbol and every swap of neighbours is rejected", "[refcode]")
{
    const std::vector<std::string> codes{
        make_refcode("UTR", "2A", 0),       make_refcode("UTR", "2A", 923521),
        make_refcode("ZZZ", "ZZ", 4242424), make_refcode("B2C", "9X", std::numeric_limits<uint64_t>::max()),
    };
    int substitutions = 0;
    int swaps = 0;
    for (const auto& code : codes) {
        const std::string symbols = without_dashes(code);
        for (size_t i = 0; i < symbols.size(); ++i) {
            for (char other : refcode_alphabet) {
                if (other == symbols[i])
                    continue;
                std::string typo = symbols;
                typo[i] = other;
                INFO(code << " typed as " << typo);
                CHECK(error_of(typo) == check_mismatch);
                ++substitutions;
            }
        }
        for (size_t i = 0; i + 1 < symbols.size(); ++i) {
            if (symbols[i] == symbols[i + 1])
                continue;
            std::string swapped = symbols;
            std::swap(swapped[i], swapped[i + 1]);
            INFO(code << " typed as " << swapped);
            CHECK(error_of(swapped) == check_mismatch);
            ++swaps;
        }
    }
    CHECK(substitutions == 30 * (10 + 11 + 11 + 19));
    CHECK(swaps > 0);
}

TEST_CASE("characters never used in codes are named, with a hint for look-alikes", "[refcode]")
{
    for (std::string_view typed : {"UTR-2A-66G0E", "UTR-2A-66GOE", "utr-2a-66goe"}) {
        INFO(typed);
        std::string message = error_of(typed);
        CHECK(contains(message, "codes never contain O or 0"));
    }
    for (std::string_view typed : {"UTR-2A-66G1E", "UTR-2A-66GIE", "UTR-2A-66GLE", "utr-2a-66gle"}) {
        INFO(typed);
        std::string message = error_of(typed);
        CHECK(contains(message, "codes never contain 1, I or L"));
    }
    CHECK(error_of("UTR-2A-66G0E").starts_with("\"0\" is not used in reference codes"));
    CHECK(error_of("utr-2a-66goe").starts_with("\"O\" is not used in reference codes"));
    CHECK(error_of("UTR-2A-66G#E") == "\"#\" is not used in reference codes");
    CHECK(error_of("UTR_2A_66GGE") == "\"_\" is not used in reference codes");
    CHECK(error_of("UTR-2A-66GG\xc3\xa9") == "the code contains a character not used in reference codes");
}

TEST_CASE("codes of the wrong length are rejected", "[refcode]")
{
    CHECK(error_of("") == "a reference code has 10 to 19 characters besides dashes (got 0)");
    CHECK(error_of("UTR-2A-2222") == "a reference code has 10 to 19 characters besides dashes (got 9)");
    CHECK(error_of("UTR-2A-SF297MD67PA8HJ2") == "a reference code has 10 to 19 characters besides dashes (got 20)");
    CHECK(error_of("   ---  ") == "a reference code has 10 to 19 characters besides dashes (got 0)");
}

TEST_CASE("what is wrong with a typed code is also a value, for messages in another language", "[refcode]")
{
    auto mistake_of = [](std::string_view typed) {
        auto read = read_refcode(typed);
        REQUIRE(std::holds_alternative<RefcodeMistake>(read));
        return std::get<RefcodeMistake>(read);
    };
    auto read = read_refcode(" utr 2a 66gg e ");
    REQUIRE(std::holds_alternative<std::string>(read));
    CHECK(std::get<std::string>(read) == "UTR-2A-66GGE");

    CHECK(mistake_of("UTR-2A-66GGF").problem == RefcodeProblem::check_mismatch);  // one symbol mistyped
    CHECK(mistake_of("UTR-2A-6G6GE").problem == RefcodeProblem::check_mismatch);  // two swapped
    CHECK(mistake_of("UTR-2A-2222").problem == RefcodeProblem::wrong_length);
    auto look_alike = mistake_of("utr-2a-66goe");
    CHECK(look_alike.problem == RefcodeProblem::foreign_character);
    CHECK(look_alike.character == 'O');
    CHECK(look_alike.look_alike());
    auto foreign = mistake_of("UTR-2A-66G#E");
    CHECK(foreign.character == '#');
    CHECK_FALSE(foreign.look_alike());
    CHECK_FALSE(mistake_of("UTR-2A-66GGF").look_alike());
}

TEST_CASE("segments are checked against the alphabet and their length", "[refcode]")
{
    CHECK(is_refcode_segment("UTR", 3, 3));
    CHECK(is_refcode_segment("2A", 2, 2));
    CHECK(is_refcode_segment("", 0, 2));
    CHECK_FALSE(is_refcode_segment("UT", 3, 3));
    CHECK_FALSE(is_refcode_segment("UTRX", 3, 3));
    CHECK_FALSE(is_refcode_segment("utr", 3, 3));
    CHECK_FALSE(is_refcode_segment("U0R", 3, 3));
    CHECK_FALSE(is_refcode_segment("U-R", 3, 3));
}
