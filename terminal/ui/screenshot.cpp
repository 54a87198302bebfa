// Screenshots: SDL_RenderReadPixels as RGB24, encoded as PNG with zlib's
// fastest level (a UI test writes hundreds of full-HD pictures: stb's own
// deflate took a third of a test run) and written into a private file.
#include "ui/screenshot.h"

#include "files/private_files.h"

#include <SDL.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <memory>
#include <vector>

namespace feedback::ui {

Result<std::string> encode_png(SDL_Renderer* renderer)
{
    int width = 0;
    int height = 0;
    if (SDL_GetRendererOutputSize(renderer, &width, &height) != 0 || width <= 0 || height <= 0)
        return Error{ErrorKind::internal, std::string("screenshot: the renderer has no size: ") + SDL_GetError()};
    // RGB (the window surface has no alpha channel), read straight into PNG's
    // row layout: each row one filter byte ("none": a flat UI compresses about
    // as well as with the per-row choice) and its pixels.
    const auto stride = static_cast<std::size_t>(width) * 3;
    const auto row_size = stride + 1;
    const auto rows_size = row_size * static_cast<std::size_t>(height);
    std::unique_ptr<unsigned char[]> rows(new unsigned char[rows_size]); // not zeroed: every byte is written
    if (SDL_RenderReadPixels(renderer, nullptr, SDL_PIXELFORMAT_RGB24, rows.get() + 1, static_cast<int>(row_size)) != 0)
        return Error{ErrorKind::internal, std::string("screenshot: cannot read the pixels back: ") + SDL_GetError()};
    for (std::size_t at = 0; at < rows_size; at += row_size)
        rows[at] = 0;

    z_stream zip{};
    if (deflateInit(&zip, Z_BEST_SPEED) != Z_OK)
        return Error{ErrorKind::internal, "screenshot: cannot start compressing"};
    std::string packed;
    std::array<unsigned char, 64 * 1024> buffer{};
    zip.next_in = rows.get();
    zip.avail_in = static_cast<uInt>(rows_size);
    int status = Z_OK;
    while (status == Z_OK) {
        zip.next_out = buffer.data();
        zip.avail_out = static_cast<uInt>(buffer.size());
        status = deflate(&zip, Z_FINISH);
        packed.append(reinterpret_cast<const char*>(buffer.data()), buffer.size() - zip.avail_out);
    }
    deflateEnd(&zip);
    if (status != Z_STREAM_END)
        return Error{ErrorKind::internal, "screenshot: cannot compress the picture"};

    std::string png("\x89PNG\r\n\x1a\n", 8);
    auto put32 = [](std::string& out, uint32_t value) {
        for (int shift = 24; shift >= 0; shift -= 8)
            out.push_back(static_cast<char>((value >> shift) & 0xFF));
    };
    auto chunk = [&](const char* type, const std::string& data) {
        put32(png, static_cast<uint32_t>(data.size()));
        png.append(type, 4);
        png += data;
        uLong crc = crc32(0, reinterpret_cast<const Bytef*>(type), 4);
        crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
        put32(png, static_cast<uint32_t>(crc));
    };
    std::string header;
    put32(header, static_cast<uint32_t>(width));
    put32(header, static_cast<uint32_t>(height));
    header += std::string("\x08\x02\x00\x00\x00", 5); // 8 bits, RGB, deflate, no filter choice, not interlaced
    chunk("IHDR", header);
    chunk("IDAT", packed);
    chunk("IEND", {});
    return png;
}

Result<void> save_png(SDL_Renderer* renderer, const std::filesystem::path& png)
{
    auto encoded = encode_png(renderer);
    FEEDBACK_TRY(encoded);
    // A screenshot may show a customer's typed contact details: the folder
    // (when made here) and the file are the kiosk user's only, whatever the umask.
    if (png.has_parent_path())
        if (auto made = files::make_private_directory(png.parent_path()); !made)
            return Error{made.error().kind, "screenshot: " + made.error().message};
    // Not synced: a screenshot lost to a power cut is not worth an fsync each.
    if (auto written = files::write_private_file(png, *encoded, files::Durability::not_synced); !written)
        return Error{written.error().kind, "screenshot: " + written.error().message};
    return {};
}

Result<ImageSize> read_png_size(const std::filesystem::path& png)
{
    std::ifstream in(png, std::ios::binary);
    if (!in)
        return Error{ErrorKind::not_found, "cannot open " + png.string()};
    std::array<unsigned char, 24> header{};
    in.read(reinterpret_cast<char*>(header.data()), static_cast<std::streamsize>(header.size()));
    if (in.gcount() != static_cast<std::streamsize>(header.size()))
        return Error{ErrorKind::corrupt, png.string() + " is too short to be a PNG"};
    constexpr std::array<unsigned char, 8> signature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (!std::equal(signature.begin(), signature.end(), header.begin()))
        return Error{ErrorKind::corrupt, png.string() + " does not start with the PNG signature"};
    if (header[12] != 'I' || header[13] != 'H' || header[14] != 'D' || header[15] != 'R')
        return Error{ErrorKind::corrupt, png.string() + " has no IHDR chunk first"};
    auto be32 = [&](std::size_t at) {
        return static_cast<int>((static_cast<uint32_t>(header[at]) << 24) | (static_cast<uint32_t>(header[at + 1]) << 16) |
                                (static_cast<uint32_t>(header[at + 2]) << 8) | static_cast<uint32_t>(header[at + 3]));
    };
    return ImageSize{be32(16), be32(20)};
}

} // namespace feedback::ui
