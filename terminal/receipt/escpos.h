// ESC/POS: the command language of receipt printers (Epson's, and the
// compatible ones most counters have). EscPos builds a print job from text
// and the few commands a receipt needs; the bytes go to the printer as they
// are. Text is UTF-8 in, printed in code page PC858 (Western European with
// the euro sign); letters PC858 lacks (Polish, Turkish) lose their accents
// rather than print as "?".
//
//   ESC @          1B 40             initialise
//   ESC t n        1B 74 13          code page PC858 (n = 19)
//   ESC a n        1B 61 n           align: 0 left, 1 centre
//   ESC E n        1B 45 n           bold off/on
//   GS ! n         1D 21 n           character size: 0x00 normal, 0x11 double width and height
//   LF             0A                print the line
//   ESC d n        1B 64 n           feed n lines
//   GS ( k ...     1D 28 6B pL pH cn fn ...   QR code (cn = 49): model 2 (fn 65),
//                                    module size (fn 67), error correction (fn 69),
//                                    store the data (fn 80), print it (fn 81)
//   GS V 66 n      1D 56 42 n        feed n and cut (partial)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace feedback::receipt {

enum class Align : uint8_t { left = 0, centre = 1 };

// QR error correction: L 7%, M 15%, Q 25%, H 30% of the code may be damaged.
enum class QrCorrection : uint8_t { low = 48, medium = 49, quartile = 50, high = 51 };

class EscPos {
public:
    EscPos(); // starts with ESC @ and ESC t 19

    EscPos& align(Align align);
    EscPos& bold(bool on);
    EscPos& double_size(bool on);
    // One line of text (UTF-8, without line breaks), then LF.
    EscPos& line(std::string_view utf8);
    EscPos& feed(int lines);
    // A QR code of `data` (at most 7089 bytes; links are far shorter), its
    // modules `module_dots` dots wide (1-16).
    EscPos& qr_code(std::string_view data, int module_dots = 6, QrCorrection correction = QrCorrection::medium);
    // Feeds past the tear bar and cuts.
    EscPos& cut();

    const std::string& bytes() const { return m_bytes; }

private:
    std::string m_bytes;
};

// The PC858 byte a code point prints as: ASCII as is, the code page's own
// letters and signs, letters it lacks as their base letter ("ł" as "l"),
// anything else as "?".
unsigned char to_pc858(char32_t code_point);
// The code point a PC858 byte prints (for the tests' decoder).
char32_t from_pc858(unsigned char byte);

} // namespace feedback::receipt
