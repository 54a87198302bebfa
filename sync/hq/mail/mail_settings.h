// Head office's mail settings: hq.json's "mail" object, how head office
// reaches its SMTP server to write to complainants (issue 11).
//
//   "mail": {"smtp_url": "smtp://mail.example.nl:587",   STARTTLS required
//                        (or "smtps://mail.example.nl:465", TLS from the start)
//            "smtp_user": "feedback",                    optional
//            "smtp_password_file": "smtp-password",      relative to DIR; mode 0600
//            "mail_from": "Klantenservice <klantenservice@example.nl>",
//            "ca_file": "",                              a CA bundle for the server; empty: the system's
//            "retry_first_seconds": 60, "retry_max_seconds": 3600, "give_up_hours": 72,
//            "alert_terminal_silent_minutes": 60,        alerts (alerts.h): a terminal this long
//                                                        silent while its store is open
//            "alert_digest_hour": 7,                     the daily digest goes after this hour
//            "alert_scan_seconds": 30}                   how often alerts are looked for
//
// Without smtp_url and mail_from, messages are still queued (and the
// dashboard says they wait); they go out once the settings are there.
#pragma once

#include "domain/result.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace feedback::hq::mail {

struct MailSettings {
    std::string smtp_url;
    std::string smtp_user;
    std::string smtp_password_file;
    std::string mail_from;
    std::string ca_file;
    int retry_first_seconds = 60;  // the first retry after a temporary failure; doubled each time
    int retry_max_seconds = 3600;  // the longest wait between two tries
    int give_up_hours = 72;        // a message still not accepted after this long has failed
    int alert_terminal_silent_minutes = 60;
    int alert_digest_hour = 7;
    int alert_scan_seconds = 30;

    bool configured() const { return !smtp_url.empty() && !mail_from.empty(); }
};

// Reads the "mail" object; errors name the field ("mail.smtp_url: ...").
Result<MailSettings> mail_settings_from_json(const nlohmann::json& json);
nlohmann::json to_json(const MailSettings& settings);

// The address part of mail_from: "a@b.nl" of "Name <a@b.nl>" or of "a@b.nl".
std::string address_of(const std::string& mailbox);

// The SMTP password: the first line of smtp_password_file (relative to
// `dir`), or empty when no file is named.
Result<std::string> read_smtp_password(const MailSettings& settings, const std::filesystem::path& dir);

} // namespace feedback::hq::mail
