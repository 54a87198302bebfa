// Why the kiosk last stopped, and how often it stopped without being asked:
// systemd's stop hook (ExecStopPost=feedback-terminal note-exit, with
// $SERVICE_RESULT, $EXIT_CODE and $EXIT_STATUS) notes each stop in the data
// folder, and the uploader reports the count and the last one to head office
// (restarts and last_exit of Feedback-Health, common/device_condition.h).
// Written only when the kiosk stops, so an idle kiosk writes nothing.
#pragma once

#include "domain/result.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace feedback::sync {

inline constexpr const char* exit_notes_file_name = "kiosk-exits.json";

struct ExitNotes {
    int64_t restarts = 0;  // stops systemd did not ask for (any result but "success")
    std::string last_exit; // "stopped", or "watchdog (killed ABRT)", "exit-code (exited 1)"
    std::vector<int64_t> recent_restarts_ms; // when the last few of them were (UTC ms), oldest first

    // Stops systemd did not ask for in the hour before `now_ms` (a crash loop
    // shows as several).
    int64_t restarts_in_last_hour(int64_t now_ms) const;
};

// How many restart times are kept: enough to see a crash loop.
inline constexpr size_t kept_restart_times = 10;

// Notes one stop. `result` is systemd's $SERVICE_RESULT ("success",
// "exit-code", "signal", "core-dump", "watchdog", "timeout", ...), `code`
// $EXIT_CODE ("exited", "killed", "dumped") and `status` $EXIT_STATUS (a
// number or a signal name). Errors: invalid_input for a value that is not
// a short word of letters, digits and "-"; io when the file cannot be written.
Result<ExitNotes> note_exit(const std::filesystem::path& data_dir, const std::string& result,
                            const std::string& code, const std::string& status, int64_t now_ms);

// What was noted; nothing before the first stop (or when the file is unreadable).
std::optional<ExitNotes> read_exit_notes(const std::filesystem::path& data_dir);

} // namespace feedback::sync
