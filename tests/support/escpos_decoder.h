// A decoder for the ESC/POS commands the kiosk's receipts use
// (terminal/receipt/escpos.h), written from Epson's command reference, so a
// test can read a print job back: its lines of text (as UTF-8), the QR
// codes' data, and whether and how often it cut. A command the receipt
// should not use is an error that says where it is.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace feedback::testing {

struct PrintedLine {
    std::string text; // UTF-8
    bool centred = false;
    bool bold = false;
    bool double_size = false;
};

struct DecodedReceipt {
    std::vector<PrintedLine> lines; // a QR code's own LF makes no line
    std::vector<std::string> qr_codes; // the data printed as QR codes, in order
    int cuts = 0;
    int initialisations = 0;
    int code_page = -1; // ESC t n; -1 when never chosen
    std::string error;  // empty when every byte was understood

    // All text, one line per line, for "contains" checks.
    std::string text() const;
    // The number of lines whose text equals `text`.
    int count(std::string_view text) const;
};

DecodedReceipt decode_escpos(std::string_view bytes);

} // namespace feedback::testing
