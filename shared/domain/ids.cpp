// UUIDv7 generation and parsing.
#include "ids.h"

#include <array>
#include <cassert>
#include <cctype>
#include <sys/random.h>

namespace feedback {

namespace {

void fill_random(std::array<uint8_t, 10>& bytes)
{
    size_t filled = 0;
    while (filled < bytes.size()) {
        ssize_t got = getrandom(bytes.data() + filled, bytes.size() - filled, 0);
        assert(got > 0 && "getrandom failed: the kernel's random source is unavailable");
        if (got > 0)
            filled += static_cast<size_t>(got);
    }
}

int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

std::string make_uuid_v7(int64_t unix_ms)
{
    std::array<uint8_t, 16> b{};
    auto ms = static_cast<uint64_t>(unix_ms);
    for (int i = 0; i < 6; ++i)
        b[static_cast<size_t>(i)] = static_cast<uint8_t>(ms >> (40 - 8 * i));
    std::array<uint8_t, 10> random{};
    fill_random(random);
    for (size_t i = 0; i < random.size(); ++i)
        b[6 + i] = random[i];
    b[6] = static_cast<uint8_t>(0x70 | (b[6] & 0x0F)); // version 7
    b[8] = static_cast<uint8_t>(0x80 | (b[8] & 0x3F)); // RFC 9562 variant

    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (size_t i = 0; i < b.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out.push_back('-');
        out.push_back(digits[b[i] >> 4]);
        out.push_back(digits[b[i] & 0x0F]);
    }
    return out;
}

bool is_uuid(std::string_view text)
{
    if (text.size() != 36)
        return false;
    for (size_t i = 0; i < text.size(); ++i) {
        bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash_position != (text[i] == '-'))
            return false;
        if (!dash_position && hex_value(text[i]) < 0)
            return false;
    }
    return true;
}

std::optional<int64_t> uuid_v7_unix_ms(std::string_view text)
{
    if (!is_uuid(text) || text[14] != '7')
        return std::nullopt;
    uint64_t ms = 0;
    for (size_t i = 0; i < 13; ++i) {
        if (text[i] == '-')
            continue;
        ms = (ms << 4) | static_cast<uint64_t>(hex_value(text[i]));
    }
    return static_cast<int64_t>(ms);
}

} // namespace feedback
