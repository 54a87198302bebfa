// Screenshots: what the renderer drew, read back and written as PNG (zlib),
// and a PNG header reader so tests can check what was written.
#pragma once

#include "domain/result.h"

#include <filesystem>
#include <string>

struct SDL_Renderer;

namespace feedback::ui {

// Reads the renderer's current target (call it after drawing and before
// SDL_RenderPresent) as an RGB PNG in memory.
Result<std::string> encode_png(SDL_Renderer* renderer);
// The same, written to a private file; creates missing folders.
Result<void> save_png(SDL_Renderer* renderer, const std::filesystem::path& png);

struct ImageSize {
    int width = 0;
    int height = 0;
};

// The size in a PNG file's header; an error unless it starts with the PNG
// signature and an IHDR chunk.
Result<ImageSize> read_png_size(const std::filesystem::path& png);

} // namespace feedback::ui
