// SHA-256 hex digests through OpenSSL's EVP interface, which uses the CPU's
// SHA instructions where there are any (several times faster than a portable
// implementation on the batch bodies head office hashes).
#include "sha256.h"

#include <openssl/evp.h>

#include <array>
#include <cassert>

namespace feedback::crypto {

std::string sha256_hex(std::string_view bytes)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    [[maybe_unused]] const int ok =
        EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr);
    assert(ok == 1 && size == 32 && "EVP_Digest with SHA-256 fails only without memory");
    constexpr std::string_view hex = "0123456789abcdef";
    std::string out;
    out.reserve(2 * size);
    for (unsigned int i = 0; i < size; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0x0f];
    }
    return out;
}

} // namespace feedback::crypto
