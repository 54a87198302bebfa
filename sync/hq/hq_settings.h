// Head office's settings file DIR/hq.json, written by `feedback-hq init` and
// read by `serve`: the limits it announces and enforces (PROTOCOL.md 6), the
// default listen address, its worker threads and how long enrolment codes live.
#pragma once

#include "common/protocol.h"
#include "domain/result.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace feedback::hq {

constexpr const char* settings_file_name = "hq.json";

struct HqSettings {
    sync::Limits limits;
    std::string listen = "0.0.0.0:8443";  // HOST:PORT
    int threads = 64;                     // connections served at once (keep-alive holds one each)
    int64_t enrol_code_ttl_hours = 72;
    std::string hostname = "localhost";   // the name in the server certificate
};

Result<HqSettings> load_settings(const std::filesystem::path& dir);
// Written atomically (temporary file, fsync, rename).
Result<void> save_settings(const std::filesystem::path& dir, const HqSettings& settings);

struct ListenAddress {
    std::string host;
    int port = 0; // 0: any free port
};
// "HOST:PORT" or "[v6]:PORT".
Result<ListenAddress> parse_listen_address(std::string_view text);

} // namespace feedback::hq
