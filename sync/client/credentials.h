// The terminal's sync credentials, DATA_DIR/sync-credentials.json, mode 0600:
// the device id, the secret token head office gave at enrolment, head
// office's URL and the CA file to verify it with (empty: the system's store).
#pragma once

#include "domain/result.h"

#include <filesystem>
#include <optional>
#include <string>

namespace feedback::sync {

constexpr const char* credentials_file_name = "sync-credentials.json";
constexpr const char* ca_copy_file_name = "hq-ca.pem";   // --ca is copied here at enrolment
constexpr const char* config_file_name = "config.json"; // the configuration pulled from head office

struct Credentials {
    std::string device_id;
    std::string token;
    std::string server_url; // "https://hq.example:8443", no trailing slash
    std::string ca_file;    // empty: the system's trust store
};

// Nothing when the terminal was never enrolled.
Result<std::optional<Credentials>> load_credentials(const std::filesystem::path& data_dir);
// Written atomically (a 0600 temporary file, fsync, rename, fsync of the folder).
Result<void> save_credentials(const std::filesystem::path& data_dir, const Credentials& credentials);

} // namespace feedback::sync
