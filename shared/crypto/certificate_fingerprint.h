// The short fingerprint of a certificate that a person can compare on the
// shop floor: `feedback-hq enroll` prints the one of head office's CA, and
// the kiosk's setup screen shows the one of the CA it was given, so nobody
// trusts a certificate without looking.
#pragma once

#include "domain/result.h"

#include <string>
#include <string_view>

namespace feedback::crypto {

// "4F2A-91C0-7D3B-E85A-1C09": the first 80 bits of the SHA-256 of the first
// certificate in `pem` (its DER bytes), in five groups of four hex digits.
// Fails when `pem` holds no readable certificate.
Result<std::string> certificate_fingerprint(std::string_view pem);

} // namespace feedback::crypto
