// Screenshots: SDL_RenderReadPixels as RGB24 and stbi_write_png_to_func into
// a private file. The implementation of stb_image_write lives in libstb.
#include "ui/screenshot.h"

#include "files/private_files.h"

#include <SDL.h>
#include <stb_image_write.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <vector>

namespace feedback::ui {

Result<std::string> encode_png(SDL_Renderer* renderer)
{
    int width = 0;
    int height = 0;
    if (SDL_GetRendererOutputSize(renderer, &width, &height) != 0 || width <= 0 || height <= 0)
        return Error{ErrorKind::internal, std::string("screenshot: the renderer has no size: ") + SDL_GetError()};
    // RGB: the window surface has no alpha channel, and a quarter less to compress.
    const auto stride = static_cast<std::size_t>(width) * 3;
    std::vector<unsigned char> pixels(stride * static_cast<std::size_t>(height));
    if (SDL_RenderReadPixels(renderer, nullptr, SDL_PIXELFORMAT_RGB24, pixels.data(), static_cast<int>(stride)) != 0)
        return Error{ErrorKind::internal, std::string("screenshot: cannot read the pixels back: ") + SDL_GetError()};

    // One PNG filter for every row instead of trying all five per row: a
    // flat UI compresses about as well, and a UI test writes hundreds of these.
    stbi_write_force_png_filter = 0;
    std::string encoded;
    auto append = [](void* context, void* data, int size) {
        static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
    };
    if (stbi_write_png_to_func(append, &encoded, width, height, 3, pixels.data(), static_cast<int>(stride)) == 0)
        return Error{ErrorKind::internal, "screenshot: cannot encode the picture as PNG"};
    return encoded;
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
