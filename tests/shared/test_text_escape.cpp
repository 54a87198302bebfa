// Tests of escape_control_characters: what a log line or a terminal may show
// of untrusted text, byte by byte.
#include "domain/text_escape.h"

#include <catch2/catch.hpp>

#include <string>

using namespace feedback;

TEST_CASE("control characters become visible escapes, valid UTF-8 stays as it is", "[domain][escape]")
{
    CHECK(escape_control_characters("GET /v1/hello 200") == "GET /v1/hello 200");
    CHECK(escape_control_characters("Kassa één – Zoë ✓ 👍") == "Kassa één – Zoë ✓ 👍");
    // C0 controls, a NUL inside the text, and DEL.
    CHECK(escape_control_characters("a\x1b[2Jb\nc\rd\te") == "a\\x1b[2Jb\\x0ac\\x0dd\\x09e");
    CHECK(escape_control_characters(std::string("x\0y", 3)) == "x\\x00y");
    CHECK(escape_control_characters("rub\x7fout") == "rub\\x7fout");
    // C1 controls as UTF-8 (U+0085 next line, U+009B CSI), the first after them kept.
    CHECK(escape_control_characters("\xc2\x85\xc2\x9b\xc2\xa0") == "\\u0085\\u009b\xc2\xa0");
    // The backslash too, so an escape in the output was made here.
    CHECK(escape_control_characters("C:\\x1b") == "C:\\x5cx1b");
}

TEST_CASE("bytes that are not valid UTF-8 are escaped one by one", "[domain][escape]")
{
    CHECK(escape_control_characters("\x9b[31m") == "\\x9b[31m");   // a lone 8-bit CSI
    CHECK(escape_control_characters("\xc3") == "\\xc3");           // cut short
    CHECK(escape_control_characters("\xc3(") == "\\xc3(");         // no continuation byte
    CHECK(escape_control_characters("\xc0\x8a") == "\\xc0\\x8a");  // an overlong newline
    CHECK(escape_control_characters("\xed\xa0\x80") == "\\xed\\xa0\\x80"); // a UTF-16 surrogate
    CHECK(escape_control_characters("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80"); // above U+10FFFF
    CHECK(escape_control_characters("\xff\xfe") == "\\xff\\xfe");
}

TEST_CASE("escaped text holds no control byte, whatever went in", "[domain][escape]")
{
    std::string every_byte;
    for (int byte = 0; byte < 256; ++byte)
        every_byte += static_cast<char>(byte);
    std::string escaped = escape_control_characters(every_byte + "\xc2\x80\xc2\x9f");
    for (char c : escaped) {
        auto byte = static_cast<unsigned char>(c);
        INFO(static_cast<int>(byte));
        CHECK(byte >= 0x20);
        CHECK(byte != 0x7F);
        CHECK(byte < 0x80); // every high byte above was invalid UTF-8 or a C1 control
    }
}
