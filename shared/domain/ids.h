// Identifiers made on the device without coordination: UUIDv7 (RFC 9562),
// whose first 48 bits are the Unix time in milliseconds, so ids sort roughly
// by creation time and never collide across a chain's terminals.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace feedback {

// A new UUIDv7 in canonical lower-case form ("0192f4a8-...") for the given
// Unix time in milliseconds; 74 bits come from the kernel's random source.
std::string make_uuid_v7(int64_t unix_ms);

// True for any canonical UUID (8-4-4-4-12 hex digits, lower or upper case).
bool is_uuid(std::string_view text);

// The millisecond timestamp inside a UUIDv7, or nothing for other versions.
std::optional<int64_t> uuid_v7_unix_ms(std::string_view text);

} // namespace feedback
