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

namespace feedback::sync {

inline constexpr const char* exit_notes_file_name = "kiosk-exits.json";

struct ExitNotes {
    int64_t restarts = 0;  // stops systemd did not ask for (any result but "success")
    std::string last_exit; // "stopped", or "watchdog (killed ABRT)", "exit-code (exited 1)"
};

// Notes one stop. `result` is systemd's $SERVICE_RESULT ("success",
// "exit-code", "signal", "core-dump", "watchdog", "timeout", ...), `code`
// $EXIT_CODE ("exited", "killed", "dumped") and `status` $EXIT_STATUS (a
// number or a signal name). Errors: invalid_input for a value that is not
// a short word of letters, digits and "-"; io when the file cannot be written.
Result<ExitNotes> note_exit(const std::filesystem::path& data_dir, const std::string& result,
                            const std::string& code, const std::string& status);

// What was noted; nothing before the first stop (or when the file is unreadable).
std::optional<ExitNotes> read_exit_notes(const std::filesystem::path& data_dir);

} // namespace feedback::sync
