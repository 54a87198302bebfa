// The dashboard's assets (stylesheet, translations, the template
// configuration), embedded in the program at build time by
// embed_assets.cmake, so feedback-hq needs no files and no network to serve them.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace feedback::hq::web {

struct EmbeddedAsset {
    std::string_view name;  // "dashboard.css", "i18n/nl.json", "config/default.json"
    std::string_view bytes; // valid for the life of the program
};

// Every embedded asset (the generated source defines this).
std::span<const EmbeddedAsset> embedded_assets();

// The asset called `name`, or nothing.
inline std::optional<std::string_view> embedded_asset(std::string_view name)
{
    for (const EmbeddedAsset& asset : embedded_assets())
        if (asset.name == name)
            return asset.bytes;
    return std::nullopt;
}

} // namespace feedback::hq::web
