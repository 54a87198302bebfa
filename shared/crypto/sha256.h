// SHA-256 as lower-case hex (OpenSSL), for batch bodies and stored token
// and code hashes on both sides of the wire.
#pragma once

#include <string>
#include <string_view>

namespace feedback::crypto {

std::string sha256_hex(std::string_view bytes);

} // namespace feedback::crypto
