// Building ESC/POS print jobs (escpos.h).
#include "receipt/escpos.h"

#include "domain/utf8.h"

#include <algorithm>
#include <array>
#include <cassert>

namespace feedback::receipt {

namespace {

constexpr char esc = 0x1B;
constexpr char gs = 0x1D;
constexpr char pc858_page = 19;

// PC858 from 0x80 to 0xFF (PC850 with the euro sign at 0xD5).
constexpr std::array<char16_t, 128> pc858_high{
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE,
    0x00EC, 0x00C4, 0x00C5, 0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, 0x00FF, 0x00D6,
    0x00DC, 0x00F8, 0x00A3, 0x00D8, 0x00D7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA,
    0x00BA, 0x00BF, 0x00AE, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB, 0x2591, 0x2592, 0x2593, 0x2502,
    0x2524, 0x00C1, 0x00C2, 0x00C0, 0x00A9, 0x2563, 0x2551, 0x2557, 0x255D, 0x00A2, 0x00A5, 0x2510, 0x2514,
    0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x00E3, 0x00C3, 0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550,
    0x256C, 0x00A4, 0x00F0, 0x00D0, 0x00CA, 0x00CB, 0x00C8, 0x20AC, 0x00CD, 0x00CE, 0x00CF, 0x2518, 0x250C,
    0x2588, 0x2584, 0x00A6, 0x00CC, 0x2580, 0x00D3, 0x00DF, 0x00D4, 0x00D2, 0x00F5, 0x00D5, 0x00B5, 0x00FE,
    0x00DE, 0x00DA, 0x00DB, 0x00D9, 0x00FD, 0x00DD, 0x00AF, 0x00B4, 0x00AD, 0x00B1, 0x2017, 0x00BE, 0x00B6,
    0x00A7, 0x00F7, 0x00B8, 0x00B0, 0x00A8, 0x00B7, 0x00B9, 0x00B3, 0x00B2, 0x25A0, 0x00A0,
};

// Letters of Polish, Turkish and German typing that PC858 lacks, and the
// typographic marks phones type, as what a reader still understands.
struct Fallback {
    char32_t code_point;
    char ascii;
};
constexpr std::array fallbacks{
    Fallback{U'ą', 'a'}, Fallback{U'Ą', 'A'}, Fallback{U'ć', 'c'}, Fallback{U'Ć', 'C'}, Fallback{U'ę', 'e'},
    Fallback{U'Ę', 'E'}, Fallback{U'ł', 'l'}, Fallback{U'Ł', 'L'}, Fallback{U'ń', 'n'}, Fallback{U'Ń', 'N'},
    Fallback{U'ś', 's'}, Fallback{U'Ś', 'S'}, Fallback{U'ź', 'z'}, Fallback{U'Ź', 'Z'}, Fallback{U'ż', 'z'},
    Fallback{U'Ż', 'Z'}, Fallback{U'ğ', 'g'}, Fallback{U'Ğ', 'G'}, Fallback{U'ş', 's'}, Fallback{U'Ş', 'S'},
    Fallback{U'ı', 'i'}, Fallback{U'İ', 'I'}, Fallback{U'‘', '\''}, Fallback{U'’', '\''}, Fallback{U'“', '"'},
    Fallback{U'”', '"'}, Fallback{U'–', '-'}, Fallback{U'—', '-'}, Fallback{U'…', '.'},
};

void put_qr_function(std::string& out, char function, std::string_view parameters)
{
    const size_t length = parameters.size() + 2; // cn and fn
    out += gs;
    out += '(';
    out += 'k';
    out += static_cast<char>(length & 0xFF);
    out += static_cast<char>(length >> 8);
    out += static_cast<char>(49); // cn: QR code
    out += function;
    out.append(parameters);
}

} // namespace

unsigned char to_pc858(char32_t code_point)
{
    if (code_point >= 0x20 && code_point < 0x7F)
        return static_cast<unsigned char>(code_point);
    for (size_t i = 0; i < pc858_high.size(); ++i)
        if (pc858_high[i] == code_point)
            return static_cast<unsigned char>(0x80 + i);
    for (const Fallback& fallback : fallbacks)
        if (fallback.code_point == code_point)
            return static_cast<unsigned char>(fallback.ascii);
    return '?';
}

char32_t from_pc858(unsigned char byte)
{
    return byte < 0x80 ? char32_t{byte} : char32_t{pc858_high[byte - 0x80]};
}

EscPos::EscPos()
{
    m_bytes = {esc, '@', esc, 't', pc858_page};
}

EscPos& EscPos::align(Align align)
{
    m_bytes += {esc, 'a', static_cast<char>(align)};
    return *this;
}

EscPos& EscPos::bold(bool on)
{
    m_bytes += {esc, 'E', static_cast<char>(on ? 1 : 0)};
    return *this;
}

EscPos& EscPos::double_size(bool on)
{
    m_bytes += {gs, '!', static_cast<char>(on ? 0x11 : 0x00)};
    return *this;
}

EscPos& EscPos::line(std::string_view utf8)
{
    const auto code_points = decode_utf8(utf8);
    if (code_points) {
        for (char32_t code_point : *code_points)
            m_bytes += static_cast<char>(to_pc858(code_point));
    } else {
        // Not UTF-8 (the flows never give such text): its ASCII, nothing that could be a command.
        for (unsigned char byte : utf8)
            m_bytes += static_cast<char>(byte >= 0x20 && byte < 0x7F ? byte : '?');
    }
    m_bytes += '\n';
    return *this;
}

EscPos& EscPos::feed(int lines)
{
    m_bytes += {esc, 'd', static_cast<char>(std::clamp(lines, 0, 255))};
    return *this;
}

EscPos& EscPos::qr_code(std::string_view data, int module_dots, QrCorrection correction)
{
    assert(data.size() <= 7089 && "EscPos::qr_code: more than a QR code holds");
    put_qr_function(m_bytes, 65, std::string{50, 0});                                  // model 2
    put_qr_function(m_bytes, 67, std::string(1, static_cast<char>(std::clamp(module_dots, 1, 16))));
    put_qr_function(m_bytes, 69, std::string(1, static_cast<char>(correction)));
    put_qr_function(m_bytes, 80, std::string(1, '0') + std::string(data));              // store (m = 48)
    put_qr_function(m_bytes, 81, std::string(1, '0'));                                  // print (m = 48)
    m_bytes += '\n';
    return *this;
}

EscPos& EscPos::cut()
{
    m_bytes += {gs, 'V', 66, 3};
    return *this;
}

} // namespace feedback::receipt
