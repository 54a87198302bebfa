// The setup file that carries an enrolment to a kiosk on a USB stick:
// `feedback-hq enroll --setup-file FILE` writes it, the kiosk's setup screen
// reads it (PROTOCOL.md 2). It holds head office's address, the CA that signs
// its certificate (when head office uses its own), the one-time code and, for
// the person at the counter, the store, the terminal's name and when the code
// expires. The code is a secret until used: the file is written mode 0600,
// and the kiosk asks a person to compare the CA's fingerprint before using it.
//
//   {"format": "feedback-setup/1", "server": "https://hq.example.nl:8443",
//    "code": "ABCD-EFGH-JKMN", "store": "UTR", "name": "Counter 2",
//    "expires_at": "2026-12-09T10:00:00Z", "ca_certificate": "-----BEGIN ..."}
#pragma once

#include "domain/result.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::sync {

inline constexpr std::string_view setup_file_format = "feedback-setup/1";
// The name the kiosk looks for on a USB stick (feedback-hq names it so too).
inline constexpr std::string_view setup_file_name = "feedback-setup.json";
// Larger files are not setup files (a CA certificate is a few KiB).
inline constexpr std::uintmax_t setup_file_max_bytes = 64 * 1024;

struct SetupFile {
    std::string server_url;     // https://..., no trailing slash
    std::string code;           // the one-time enrolment code
    std::string store_code;
    std::string terminal_name;
    int64_t expires_at_ms = 0;  // UTC
    std::string ca_certificate; // PEM; empty: head office's certificate is trusted by the system
};

std::string to_json_text(const SetupFile& setup);
// Errors say which field is wrong; a file of another format is refused.
Result<SetupFile> parse_setup_file(std::string_view text);
Result<SetupFile> read_setup_file(const std::filesystem::path& file);

// The first setup file in `folders` or in their subfolders up to `depth`
// levels down (a stick mounted as /media/<user>/<label>/), by name; nothing
// when there is none. Unreadable folders are passed over.
std::optional<std::filesystem::path> find_setup_file(const std::vector<std::filesystem::path>& folders,
                                                     int depth = 2);

// An address as staff type it ("hq.example.nl:8443", "https://hq.example.nl/")
// as the https:// URL enrolment uses; an error for http:// or an empty one.
Result<std::string> normalise_server_address(std::string_view typed);

} // namespace feedback::sync
