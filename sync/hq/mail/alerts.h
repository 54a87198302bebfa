// Alerts to head office's own people (issue 11): an e-mail to the people
// concerned when something needs them, before they happen to open the
// dashboard. Every cause is alerted once per person (not every minute while
// it lasts); an alert names the reference and links to the dashboard, never
// a customer's personal data.
//
//   cause             what                                          who
//   escalated         a complaint was escalated to head office      the complaint's owner, and
//   serious           a complaint is of severity high or safety     managers and admins who see
//   deadline_near     80% of the time to answer is used, no answer  its store (the store's managers
//   deadline_missed   the deadline passed without an answer         and the chain's quality team)
//   call_back         a detractor left contact details to be called  managers and admins of the store
//   terminal_silent   a terminal was not heard from for              managers and admins of the store
//                     terminal_silent_minutes while its store is open
//   backlog_growing   a terminal's unsent backlog (as it reports it)  managers and admins of the store
//                     kept growing for an hour
//
// Each user chooses per cause on their account page: immediately (one
// e-mail per alert), in the daily digest (one e-mail a day at digest_hour,
// chain time, with a line per alert raised before then), or off;
// immediately unless they chose.
// Only users with an e-mail address get alerts.
//
// scan_alerts() reads the dashboard's read model and the devices table,
// raises what is due in alerts_raised (unique per cause and user: once) and
// queues the e-mails in the mail outbox (outbox.h) in the same transaction;
// the mail worker sends them like the messages to complainants, without a
// step on any complaint's timeline. Call it in a writer's turn (hq/writer_turns.h).
#pragma once

#include "hq/hq_store.h"
#include "sql/connection.h"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace feedback::hq::mail {

enum class AlertCause {
    escalated,
    serious,
    deadline_near,
    deadline_missed,
    call_back,
    terminal_silent,
    backlog_growing,
    device_trouble, // a flag of hq/device_flags.h: low disk, clock off, crash loop
};
inline constexpr std::array all_alert_causes{AlertCause::escalated,       AlertCause::serious,
                                             AlertCause::deadline_near,   AlertCause::deadline_missed,
                                             AlertCause::call_back,       AlertCause::terminal_silent,
                                             AlertCause::backlog_growing, AlertCause::device_trouble};
std::string_view to_string(AlertCause cause);
std::optional<AlertCause> alert_cause_from_string(std::string_view name);

enum class AlertDelivery { off, immediate, digest };
std::string_view to_string(AlertDelivery delivery);
std::optional<AlertDelivery> alert_delivery_from_string(std::string_view name);

// A user's choice per cause (immediate where they have not chosen).
Result<std::map<AlertCause, AlertDelivery>> alert_choices(sql::Connection& db, std::string_view user_name);
Result<void> set_alert_choice(sql::Connection& db, std::string_view user_name, AlertCause cause,
                              AlertDelivery delivery);

struct AlertContext {
    std::string public_url; // the dashboard's links start with it
    // A dashboard text (assets/dashboard/i18n) in the chain's language with
    // its placeholders filled in.
    std::function<std::string(std::string_view key, const std::map<std::string, std::string>& values)> text;
    int64_t terminal_silent_ms = 60 * 60'000;  // a terminal silent this long while its store is open
    int64_t backlog_growing_ms = 60 * 60'000;  // a backlog growing this long
    int64_t backlog_minimum = 50;              // and at least this many events
    int digest_hour = 7;                       // the daily digest goes after this hour, chain time
    // The configuration of a store head office has published none for (its
    // calendar says when stores are open and what time the chain keeps).
    nlohmann::json fallback_config;
};

struct AlertScan {
    int64_t raised = 0;  // alerts raised (per person)
    int64_t queued = 0;  // e-mails queued: immediate alerts and digests
};

Result<AlertScan> scan_alerts(HqStore& store, const AlertContext& context, int64_t now_ms);

} // namespace feedback::hq::mail
