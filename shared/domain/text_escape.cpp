// Escaping control characters in untrusted text (see text_escape.h).
#include "text_escape.h"

namespace feedback {

namespace {

void append_hex_byte(std::string& out, std::string_view prefix, unsigned value, int digits)
{
    static constexpr char hex[] = "0123456789abcdef";
    out += prefix;
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
        out += hex[(value >> shift) & 0xF];
}

// The length of the valid UTF-8 sequence at the start of `text` and its code
// point, or 0 when it is not one (overlong forms, surrogates and code points
// above U+10FFFF are not valid).
size_t utf8_sequence(std::string_view text, char32_t& code_point)
{
    auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char first = byte(0);
    size_t length = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 0;
    if (length == 0 || first > 0xF4 || text.size() < length)
        return 0;
    char32_t value = first & (0x7F >> length);
    for (size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80)
            return 0;
        value = (value << 6) | (byte(i) & 0x3F);
    }
    static constexpr char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (value < smallest[length] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
        return 0;
    code_point = value;
    return length;
}

} // namespace

std::string escape_control_characters(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    size_t i = 0;
    while (i < text.size()) {
        auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x80) {
            if (byte < 0x20 || byte == 0x7F || byte == '\\')
                append_hex_byte(out, "\\x", byte, 2);
            else
                out += static_cast<char>(byte);
            ++i;
            continue;
        }
        char32_t code_point = 0;
        size_t length = utf8_sequence(text.substr(i), code_point);
        if (length == 0) {
            append_hex_byte(out, "\\x", byte, 2);
            ++i;
        } else if (code_point <= 0x9F) {
            append_hex_byte(out, "\\u", static_cast<unsigned>(code_point), 4);
            i += length;
        } else {
            out.append(text.substr(i, length));
            i += length;
        }
    }
    return out;
}

} // namespace feedback
