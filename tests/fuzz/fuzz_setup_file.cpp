// Fuzzes the kiosk's setup file, the enrolment configuration that arrives on
// a USB stick: sync::parse_setup_file() (with the server address as
// normalise_server_address() reads it and the expiry as an ISO 8601 time),
// to_json_text() read back to the same setup, and the CA certificate's
// fingerprint the setup screen shows (crypto::certificate_fingerprint()).
//
// Input: a setup file, like the one `feedback-hq enroll --setup-file` writes.
#include "common/setup_file.h"
#include "crypto/certificate_fingerprint.h"
#include "support/finding.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace feedback;

bool same_setup(const sync::SetupFile& a, const sync::SetupFile& b)
{
    return a.server_url == b.server_url && a.code == b.code && a.store_code == b.store_code &&
           a.terminal_name == b.terminal_name && a.expires_at_ms == b.expires_at_ms &&
           a.ca_certificate == b.ca_certificate;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view file(reinterpret_cast<const char*>(data), size);
    auto setup = sync::parse_setup_file(file);
    if (!setup)
        return 0;
    auto again = sync::parse_setup_file(sync::to_json_text(*setup));
    if (!again)
        fuzz::report_finding("to_json_text() wrote a setup file that does not parse: " + again.error().message, file);
    if (!same_setup(*setup, *again))
        fuzz::report_finding("to_json_text() wrote a setup file that reads back differently", file);
    auto address = sync::normalise_server_address(setup->server_url);
    if (!address || *address != setup->server_url)
        fuzz::report_finding("the server address the setup file gave is not already normalised: " + setup->server_url, file);
    if (!setup->ca_certificate.empty())
        (void)crypto::certificate_fingerprint(setup->ca_certificate);
    return 0;
}
