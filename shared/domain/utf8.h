// UTF-8 text as code points: counting, encoding one, decoding a string. The
// on-screen keyboard edits by code point, scripts type them key by key, and
// the receipt printer maps them to its code page.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace feedback {

// Code points in UTF-8 text (continuation bytes are not counted).
std::size_t count_code_points(std::string_view utf8);
// One code point as UTF-8.
std::string encode_utf8(char32_t code_point);
// The code points of UTF-8 text; nothing when it is not valid UTF-8.
std::optional<std::u32string> decode_utf8(std::string_view utf8);

} // namespace feedback
