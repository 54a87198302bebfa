// Reading the dashboard's translation files from the assets built into the program.
#include "text.h"

#include "assets.h"

#include <nlohmann/json.hpp>

namespace feedback::hq::web {

Result<config::Translations> load_dashboard_text()
{
    const std::string where = "the dashboard's translations";
    std::map<std::string, nlohmann::json> documents;
    for (const std::string& locale : dashboard_locales) {
        auto bytes = embedded_asset("i18n/" + locale + ".json");
        if (!bytes)
            continue; // reported as missing
        auto json = nlohmann::json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
        if (json.is_discarded())
            return Error{ErrorKind::invalid_input, where + ": " + locale + ".json is not valid JSON"};
        documents.emplace(locale, std::move(json));
    }
    return config::Translations::from_documents(documents, where);
}

} // namespace feedback::hq::web
