// The languages: the base ones every configuration text and head office's
// dashboard have, and the ones the kiosk can speak to shoppers.
#pragma once

#include <string>
#include <vector>

namespace feedback::config {

// The base languages: every LocalizedText has them (head office's dashboard
// speaks them too).
inline const std::vector<std::string> supported_locales{"nl", "en"};
// The languages the kiosk can speak to shoppers (assets/i18n/<code>.json);
// a store offers some of them (KioskConfig::languages), and every text a
// shopper reads is then in each of those too.
inline const std::vector<std::string> kiosk_locales{"nl", "en", "de", "pl", "tr"};

} // namespace feedback::config
