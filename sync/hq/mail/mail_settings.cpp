// Reading and writing hq.json's "mail" object (mail_settings.h).
#include "hq/mail/mail_settings.h"

#include <algorithm>
#include <fstream>

namespace feedback::hq::mail {

namespace {

Error bad(const std::string& field, const std::string& rule)
{
    return Error{ErrorKind::invalid_input, "mail." + field + ": " + rule};
}

} // namespace

Result<MailSettings> mail_settings_from_json(const nlohmann::json& json)
{
    if (!json.is_object())
        return Error{ErrorKind::invalid_input, "mail: must be an object"};
    MailSettings settings;
    for (const auto& [key, value] : json.items()) {
        static const char* const known[] = {"smtp_url", "smtp_user", "smtp_password_file", "mail_from", "ca_file",
                                            "retry_first_seconds", "retry_max_seconds", "give_up_hours",
                                            "alert_terminal_silent_minutes", "alert_digest_hour",
                                            "alert_scan_seconds"};
        if (std::find(std::begin(known), std::end(known), key) == std::end(known))
            return bad(key, "unknown key");
    }
    auto text = [&](const char* key, std::string& target) -> Result<void> {
        if (!json.contains(key))
            return {};
        if (!json[key].is_string())
            return bad(key, "must be a string");
        target = json[key].get<std::string>();
        return {};
    };
    auto integer = [&](const char* key, int& target, int low, int high) -> Result<void> {
        if (!json.contains(key))
            return {};
        if (!json[key].is_number_integer() || json[key].get<int64_t>() < low || json[key].get<int64_t>() > high)
            return bad(key, "must be an integer from " + std::to_string(low) + " to " + std::to_string(high));
        target = json[key].get<int>();
        return {};
    };
    FEEDBACK_TRY(text("smtp_url", settings.smtp_url));
    FEEDBACK_TRY(text("smtp_user", settings.smtp_user));
    FEEDBACK_TRY(text("smtp_password_file", settings.smtp_password_file));
    FEEDBACK_TRY(text("mail_from", settings.mail_from));
    FEEDBACK_TRY(text("ca_file", settings.ca_file));
    FEEDBACK_TRY(integer("retry_first_seconds", settings.retry_first_seconds, 1, 86400));
    FEEDBACK_TRY(integer("retry_max_seconds", settings.retry_max_seconds, 1, 7 * 86400));
    FEEDBACK_TRY(integer("give_up_hours", settings.give_up_hours, 1, 30 * 24));
    FEEDBACK_TRY(integer("alert_terminal_silent_minutes", settings.alert_terminal_silent_minutes, 5, 24 * 60));
    FEEDBACK_TRY(integer("alert_digest_hour", settings.alert_digest_hour, 0, 23));
    FEEDBACK_TRY(integer("alert_scan_seconds", settings.alert_scan_seconds, 1, 3600));
    if (!settings.smtp_url.empty() && !settings.smtp_url.starts_with("smtp://") &&
        !settings.smtp_url.starts_with("smtps://"))
        return bad("smtp_url", "must start with smtp:// (STARTTLS is required) or smtps:// (got \"" +
                                   settings.smtp_url + "\")");
    if (!settings.mail_from.empty() && address_of(settings.mail_from).find('@') == std::string::npos)
        return bad("mail_from", "must be an address such as \"Klantenservice <service@example.nl>\"");
    if (settings.retry_max_seconds < settings.retry_first_seconds)
        return bad("retry_max_seconds", "must be at least retry_first_seconds");
    return settings;
}

nlohmann::json to_json(const MailSettings& s)
{
    return {{"smtp_url", s.smtp_url},
            {"smtp_user", s.smtp_user},
            {"smtp_password_file", s.smtp_password_file},
            {"mail_from", s.mail_from},
            {"ca_file", s.ca_file},
            {"retry_first_seconds", s.retry_first_seconds},
            {"retry_max_seconds", s.retry_max_seconds},
            {"give_up_hours", s.give_up_hours},
            {"alert_terminal_silent_minutes", s.alert_terminal_silent_minutes},
            {"alert_digest_hour", s.alert_digest_hour},
            {"alert_scan_seconds", s.alert_scan_seconds}};
}

std::string address_of(const std::string& mailbox)
{
    auto open = mailbox.rfind('<');
    auto close = mailbox.rfind('>');
    if (open != std::string::npos && close != std::string::npos && close > open)
        return mailbox.substr(open + 1, close - open - 1);
    return mailbox;
}

Result<std::string> read_smtp_password(const MailSettings& settings, const std::filesystem::path& dir)
{
    if (settings.smtp_password_file.empty())
        return std::string{};
    std::filesystem::path file = settings.smtp_password_file;
    if (file.is_relative())
        file = dir / file;
    std::ifstream in(file);
    if (!in)
        return Error{ErrorKind::io, "mail.smtp_password_file: cannot read " + file.string()};
    std::string password;
    std::getline(in, password);
    return password;
}

} // namespace feedback::hq::mail
