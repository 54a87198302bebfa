// The kiosk's exit notes (exit_notes.h): a small JSON file in the data folder,
// replaced whole (files::write_private_file) at each stop.
#include "client/exit_notes.h"

#include "files/private_files.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include <fstream>
#include <sstream>

namespace feedback::sync {

namespace {

bool is_short_word(const std::string& text, bool may_be_empty)
{
    if (text.size() > 32 || (text.empty() && !may_be_empty))
        return false;
    for (char c : text)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    return true;
}

} // namespace

int64_t ExitNotes::restarts_in_last_hour(int64_t now_ms) const
{
    constexpr int64_t hour_ms = 3600 * 1000;
    return std::count_if(recent_restarts_ms.begin(), recent_restarts_ms.end(),
                         [&](int64_t at) { return at <= now_ms && now_ms - at < hour_ms; });
}

Result<ExitNotes> note_exit(const std::filesystem::path& data_dir, const std::string& result,
                            const std::string& code, const std::string& status, int64_t now_ms)
{
    if (!is_short_word(result, false) || !is_short_word(code, true) || !is_short_word(status, true))
        return Error{ErrorKind::invalid_input, "the result, code and status must be short words of letters, digits "
                                               "and \"-\" (systemd's $SERVICE_RESULT, $EXIT_CODE, $EXIT_STATUS)"};
    ExitNotes notes = read_exit_notes(data_dir).value_or(ExitNotes{});
    if (result == "success") {
        notes.last_exit = "stopped";
    } else {
        ++notes.restarts;
        notes.recent_restarts_ms.push_back(now_ms);
        if (notes.recent_restarts_ms.size() > kept_restart_times)
            notes.recent_restarts_ms.erase(notes.recent_restarts_ms.begin());
        std::string detail = code + (code.empty() || status.empty() ? "" : " ") + status;
        notes.last_exit = result + (detail.empty() ? "" : " (" + detail + ")");
    }
    nlohmann::json json{{"restarts", notes.restarts}, {"last_exit", notes.last_exit},
                        {"recent_restarts_ms", notes.recent_restarts_ms}};
    FEEDBACK_TRY(files::write_private_file(data_dir / exit_notes_file_name, json.dump() + "\n",
                                           files::Durability::synced));
    return notes;
}

std::optional<ExitNotes> read_exit_notes(const std::filesystem::path& data_dir)
{
    std::ifstream in(data_dir / exit_notes_file_name);
    if (!in)
        return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    auto json = nlohmann::json::parse(text.str(), nullptr, false);
    if (!json.is_object() || !json.contains("restarts") || !json["restarts"].is_number_integer() ||
        !json.contains("last_exit") || !json["last_exit"].is_string())
        return std::nullopt;
    ExitNotes notes{json["restarts"].get<int64_t>(), json["last_exit"].get<std::string>(), {}};
    // Older notes have no times.
    if (json.contains("recent_restarts_ms") && json["recent_restarts_ms"].is_array())
        for (const auto& at : json["recent_restarts_ms"])
            if (at.is_number_integer() && notes.recent_restarts_ms.size() < kept_restart_times)
                notes.recent_restarts_ms.push_back(at.get<int64_t>());
    return notes;
}

} // namespace feedback::sync
