// The customer's complaint receipt: what the counter's printer prints when a
// complaint is opened. Composed from the flow's ReceiptRequest, the store's
// configuration and the translations, as ESC/POS bytes (escpos.h):
//
//              Tuincentrum De Linde            store, bold
//               06-12-2026 17:45               when, in the store's time zone
//                 Uw klachtnummer
//                  UTR-01-0005A                 double size
//   U vroeg ons:                                what the customer asked for
//   Een nieuw kussen
//   Onze belofte:                               the promise that sets the deadline
//   Elke klacht krijgt binnen twee werkdagen antwoord.
//   U hebt ons antwoord uiterlijk:
//   08-12-2026 17:45                            bold
//        Scan de code om uw klacht te volgen
//                   [QR code]                   the status link, with the key
//          https://hq.example.nl/status
//   (cut)
#pragma once

#include "config/kiosk_config.h"
#include "config/translations.h"
#include "flows/receipt_printer.h"

#include <string>
#include <string_view>
#include <vector>

namespace feedback::receipt {

// The print job. `status_page_url` is head office's status page
// ("https://hq.example.nl/status"); empty: no QR code (the customer quotes
// the reference). `columns`: characters per line.
std::string compose_receipt(const flows::ReceiptRequest& request, const config::KioskConfig& config,
                            const config::Strings& strings, std::string_view status_page_url, int columns);

// `text` in lines of at most `columns` code points, broken at spaces (a word
// longer than a line is broken inside); line breaks in the text are kept.
std::vector<std::string> wrap_text(std::string_view text, int columns);

} // namespace feedback::receipt
