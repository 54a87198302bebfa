// Head office's private CA and server certificate, made with the `openssl`
// command-line tool at `feedback-hq init`: DIR/tls/ca.pem (what terminals are
// given with --ca), ca.key, server.pem and server.key (keys mode 0600).
#pragma once

#include "domain/result.h"
#include "hq_settings.h"

#include <filesystem>
#include <string>

namespace feedback::hq {

struct TlsFiles {
    std::filesystem::path ca_certificate;
    std::filesystem::path server_certificate;
    std::filesystem::path server_key;
};

// The files' places under DIR (whether or not they exist).
TlsFiles tls_files(const std::filesystem::path& dir);

// Makes a P-256 CA (10 years) and a server certificate for `hostname` (a DNS
// name or an IP address; "localhost" also covers 127.0.0.1 and ::1) signed
// by it (825 days). Fails with the tool's own words when openssl fails.
Result<TlsFiles> make_private_ca(const std::filesystem::path& dir, const std::string& hostname);

// Head office's own CA as PEM, for terminals to pin (GET /v1/ca.pem, the
// setup file, its fingerprint); empty when hq.json names a certificate of
// its own (certbot's: the system's trust store checks that one) or there is
// no DIR/tls/ca.pem.
std::string own_ca_certificate(const std::filesystem::path& dir, const HqSettings& settings);

} // namespace feedback::hq
