// The terminal's condition as it reports it with every upload and feed
// request (PROTOCOL.md 5, header Feedback-Health): how long the kiosk has
// run, its restarts and why it last stopped, the disk, the store's size, the
// bytes it wrote, its system and screen. Head office shows it on the devices
// page and flags what needs a person (hq/device_flags.h). Nothing in it is
// about a customer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace feedback::sync {

inline constexpr const char* header_health = "Feedback-Health";
inline constexpr size_t max_health_header_bytes = 1024;

struct DeviceCondition {
    std::optional<int64_t> uptime_seconds;   // of the reporting process (the kiosk, or `sync`)
    std::optional<int64_t> restarts;         // of the kiosk, as systemd's stop hook counted them (client/exit_notes.h)
    std::optional<int64_t> restarts_last_hour; // of those, in the hour before the report (a crash loop)
    std::string last_exit;                   // why it last stopped ("exited 1", "killed SIGABRT", "watchdog"); "" none
    std::optional<int64_t> disk_free_bytes;  // on the data folder's file system, for an unprivileged user
    std::optional<int64_t> disk_total_bytes;
    std::optional<int64_t> store_bytes;      // the store's files (database, -wal)
    std::optional<int64_t> bytes_written;    // to the disk by this process since it started (/proc/self/io)
    std::string os;                          // "Debian GNU/Linux 12 (bookworm)"
    std::string screen;                      // "1280x720", "" when not the kiosk
    friend bool operator==(const DeviceCondition&, const DeviceCondition&) = default;
};

// The header's value: compact JSON, at most max_health_header_bytes (long
// texts are cut to fit).
std::string condition_to_header(const DeviceCondition& condition);
// Reads a header; a field of the wrong kind or out of bounds is left out,
// texts must be printable ASCII of at most 80 bytes. Nothing when the text is
// not a JSON object or longer than max_health_header_bytes.
std::optional<DeviceCondition> condition_from_header(std::string_view text);

// `text` as a field may hold it: printable ASCII only, at most 80 bytes.
std::string fitted_text(std::string text);

// What the kernel counts as sent to the disk by process `pid` ("self" for
// this one): write_bytes in /proc/<pid>/io; nothing when it cannot be read.
std::optional<int64_t> disk_bytes_written(const std::string& pid = "self");

} // namespace feedback::sync
