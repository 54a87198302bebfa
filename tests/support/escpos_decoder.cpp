// Reading ESC/POS print jobs back (escpos_decoder.h). Independent of the
// encoder's code except the code page table (from_pc858), which is data.
#include "support/escpos_decoder.h"

#include "domain/utf8.h"
#include "receipt/escpos.h"

#include <cstdint>

namespace feedback::testing {

std::string DecodedReceipt::text() const
{
    std::string out;
    for (const PrintedLine& line : lines)
        out += line.text + "\n";
    return out;
}

int DecodedReceipt::count(std::string_view wanted) const
{
    int n = 0;
    for (const PrintedLine& line : lines)
        n += line.text == wanted ? 1 : 0;
    return n;
}

DecodedReceipt decode_escpos(std::string_view bytes)
{
    DecodedReceipt out;
    PrintedLine current;
    bool centred = false, bold = false, double_size = false;
    std::string pending_qr;
    bool qr_stored = false;
    bool after_qr = false; // the LF after a printed QR code is its own
    size_t i = 0;
    auto byte = [&](size_t at) { return static_cast<uint8_t>(bytes[at]); };
    auto fail = [&](const std::string& what) {
        out.error = what + " at byte " + std::to_string(i);
        return out;
    };
    auto need = [&](size_t count) { return i + count <= bytes.size(); };
    while (i < bytes.size()) {
        const uint8_t b = byte(i);
        if (b == 0x1B) { // ESC
            if (!need(2))
                return fail("ESC without a command");
            const char command = static_cast<char>(byte(i + 1));
            if (command == '@') {
                ++out.initialisations;
                centred = bold = double_size = false;
                i += 2;
                continue;
            }
            if (!need(3))
                return fail(std::string("ESC ") + command + " without its parameter");
            const uint8_t n = byte(i + 2);
            switch (command) {
            case 't': out.code_page = n; break;
            case 'a': centred = n == 1 || n == '1'; break;
            case 'E': bold = (n & 1) != 0; break;
            case 'd': break; // feed n lines: no text
            default: return fail(std::string("unknown command ESC ") + command);
            }
            i += 3;
            continue;
        }
        if (b == 0x1D) { // GS
            if (!need(2))
                return fail("GS without a command");
            const char command = static_cast<char>(byte(i + 1));
            if (command == '!') {
                if (!need(3))
                    return fail("GS ! without its parameter");
                double_size = byte(i + 2) == 0x11;
                i += 3;
                continue;
            }
            if (command == 'V') {
                if (!need(3))
                    return fail("GS V without its mode");
                const uint8_t mode = byte(i + 2);
                ++out.cuts;
                i += (mode == 65 || mode == 66) ? 4 : 3; // modes 65/66 take a feed amount
                continue;
            }
            if (command == '(' && need(5) && byte(i + 2) == 'k') {
                const size_t length = byte(i + 3) | (size_t{byte(i + 4)} << 8);
                if (length < 2 || !need(5 + length))
                    return fail("GS ( k with a length past the end");
                const uint8_t cn = byte(i + 5);
                const uint8_t fn = byte(i + 6);
                const std::string_view parameters = bytes.substr(i + 7, length - 2);
                if (cn != 49)
                    return fail("GS ( k for a symbol other than QR (cn " + std::to_string(cn) + ")");
                if (fn == 80) { // store the data: m = 48, then the data
                    if (parameters.empty() || parameters[0] != '0')
                        return fail("QR store without m = 48");
                    pending_qr = std::string(parameters.substr(1));
                    qr_stored = true;
                } else if (fn == 81) { // print the stored data
                    if (!qr_stored)
                        return fail("QR print with nothing stored");
                    out.qr_codes.push_back(pending_qr);
                    after_qr = true;
                } else if (fn != 65 && fn != 67 && fn != 69) {
                    return fail("unknown QR function " + std::to_string(fn));
                }
                i += 5 + length;
                continue;
            }
            return fail(std::string("unknown command GS ") + command);
        }
        if (b == '\n') {
            if (after_qr && current.text.empty()) {
                after_qr = false;
            } else {
                current.centred = centred;
                current.bold = bold;
                current.double_size = double_size;
                out.lines.push_back(std::move(current));
                current = {};
            }
            ++i;
            continue;
        }
        if (b < 0x20 || b == 0x7F)
            return fail("control byte " + std::to_string(b) + " in text");
        after_qr = false;
        current.text += encode_utf8(receipt::from_pc858(b));
        ++i;
    }
    if (!current.text.empty())
        return fail("text after the last line feed: \"" + current.text + "\"");
    return out;
}

} // namespace feedback::testing
