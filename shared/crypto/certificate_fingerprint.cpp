// Certificate fingerprints for people (certificate_fingerprint.h), read with
// OpenSSL's PEM parser and hashed over the certificate's DER encoding.
#include "certificate_fingerprint.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <memory>

namespace feedback::crypto {

namespace {

constexpr unsigned int fingerprint_bytes = 10; // 80 bits: 20 hex digits
constexpr unsigned int group_digits = 4;

} // namespace

Result<std::string> certificate_fingerprint(std::string_view pem)
{
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                  &BIO_free);
    if (!bio)
        return Error{ErrorKind::internal, "out of memory reading a certificate"};
    std::unique_ptr<X509, decltype(&X509_free)> certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                                                            &X509_free);
    if (!certificate)
        return Error{ErrorKind::invalid_input, "not a PEM certificate"};
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (X509_digest(certificate.get(), EVP_sha256(), digest.data(), &size) != 1 || size < fingerprint_bytes)
        return Error{ErrorKind::internal, "the certificate could not be hashed"};
    constexpr std::string_view hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned int i = 0; i < fingerprint_bytes; ++i) {
        if (i > 0 && (2 * i) % group_digits == 0)
            out += '-';
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0x0f];
    }
    return out;
}

} // namespace feedback::crypto
