// Head office's durable mail outbox (issue 11): every message to a
// complainant is stored in head office's database before it is sent, sent
// once per event, and its fate is on the complaint's timeline
// (complaint.messaged: queued, sent, failed with the server's words), which
// the feed also brings to the store's terminals.
//
//   events --plan_messages()--> mail_outbox (queued) + complaint.messaged(queued)
//                                    |
//        claim_due_messages(): leased to one sender for a while
//                                    |
//          send_mail() --accepted--> sent (recipient and body emptied) + complaint.messaged(sent)
//                      --4xx, no connection--> queued again, next try after a backoff
//                                              (failed once give_up_hours have passed)
//                      --5xx--> failed + complaint.messaged(failed, reason)
//
// Which events call for a message, when the complaint's complaint.opened has
// a contact with consent and an e-mail address:
//   complaint.opened    acknowledgement (reference, deadline, status link)
//   complaint.resolved  decision
//   complaint.closed    survey (a link with a single-use token; not for a
//                       withdrawn complaint)
// The planner follows the events table by seq with its cursor in the same
// transaction as the messages it queues, as the dashboard's projector does:
// a crash never queues a message twice or skips one. A message's key is its
// kind and its event's id, unique in the table: sent once per event, across
// restarts and processes. A sender that dies holding a lease frees the
// message when the lease ends.
//
// The outbox also carries head office's alerts to its own people (kinds
// "alert" and "digest", alerts.h): sent and retried the same way, on no
// complaint's timeline.
//
// Call every function in a writer's turn (hq/writer_turns.h).
#pragma once

#include "config/kiosk_config.h"
#include "hq/hq_store.h"
#include "hq/mail/smtp_client.h"
#include "sql/connection.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::hq::mail {

// Alerts and digests to head office's people, not messages to a complainant.
inline bool is_staff_mail(std::string_view kind) { return kind == "alert" || kind == "digest"; }

struct PlanContext {
    std::string public_url; // "https://feedback.example.nl": links are this + "/status", "/survey"
    // A vocabulary key's words in a locale ("resolution.refund" in "nl"): the
    // dashboard's texts.
    std::function<std::string(std::string_view locale, std::string_view key)> label;
    // The configuration of a store head office has published none for (the
    // template the configuration page starts from); empty: the defaults.
    nlohmann::json fallback_config;
};

// The store's configuration as head office would publish it now: its own or
// the chain's document, else `fallback_config` (the defaults when that does
// not parse either), kept in `cache` for one pass.
using ConfigCache = std::map<std::string, config::KioskConfig>;
const config::KioskConfig& store_config(HqStore& store, const std::string& store_code,
                                        const nlohmann::json& fallback_config, ConfigCache& cache);

struct Planned {
    int64_t events = 0; // events read
    int64_t queued = 0; // messages queued
};

// Reads up to `chunk` events after the cursor and queues what they call for.
Result<Planned> plan_messages(HqStore& store, const PlanContext& context, int64_t now_ms, int64_t chunk = 500);

struct ClaimedMessage {
    int64_t id = 0;
    std::string kind;
    std::string complaint_id;
    int attempts = 0;     // before this one
    int64_t queued_at = 0;
    OutgoingMail mail;    // from and Message-ID filled in
};

// Up to `limit` messages that are due, leased to the caller for `lease_ms`.
Result<std::vector<ClaimedMessage>> claim_due_messages(HqStore& store, const MailSettings& settings, int64_t now_ms,
                                                       int limit, int64_t lease_ms);

// What the send of a claimed message came to, recorded (see the diagram).
Result<void> record_delivery(HqStore& store, const ClaimedMessage& message, const SendResult& result,
                             const MailSettings& settings, int64_t now_ms);

// For the dashboard's notice: what waits and what failed, each counted from
// an index of its own (the outbox keeps every message ever sent) up to
// `count_limit` + 1, which reads as "more than count_limit" (a head office
// without SMTP settings may hold a year's messages: counting 500,000 on
// every overview took 150 ms).
struct OutboxSummary {
    int64_t queued = 0;
    int64_t failed = 0;
};
inline constexpr int64_t outbox_count_limit = 10'000;
Result<OutboxSummary> outbox_summary(sql::Connection& db, int64_t count_limit = outbox_count_limit);

struct MessageLine {
    std::string kind;
    std::string status;
    int attempts = 0;
    std::string last_error;
    int64_t queued_at = 0;
    int64_t next_attempt_at = 0;
    std::optional<int64_t> done_at;
};
// The messages of one complaint, oldest first (never the address or body).
Result<std::vector<MessageLine>> messages_of(sql::Connection& db, std::string_view complaint_id);

// The survey behind a link's token: its complaint, and whether it was answered.
struct SurveyLink {
    std::string complaint_id;
    std::optional<int64_t> answered_at;
};
Result<std::optional<SurveyLink>> find_survey(sql::Connection& db, std::string_view token);
// Records the customer's answer (complaint.customer_response, channel
// "email", actor "hq:survey") and spends the token, together. conflict when
// the token was used already; not_found when it is unknown.
Result<Event> answer_survey(HqStore& store, std::string_view token, nlohmann::json answer, int64_t now_ms);

} // namespace feedback::hq::mail
