// The thread that carries head office's mail outbox (outbox.h) along while
// `feedback-hq serve` runs: it queues the messages new events call for,
// raises the alerts that are due (alerts.h, every alert_scan_seconds) and
// sends what is due over SMTP, on a database connection of its own.
//
//   start --> [ plan (a writer's turn) --> alerts (now and then: the read model
//               brought up to date, then the scan, each in a writer's turn) --> claim due (a turn)
//               --> send each (no turn: the SMTP server may be slow)
//               --> record each (a turn) ] --> wait `poll` or stop() --> ...
//
// The turns are the process's writers' (hq/writer_turns.h): taken in turn on
// SQLite, not waited for on PostgreSQL.
//
// Without SMTP settings it still queues: messages wait until head office is
// started with them. The log names messages by their outbox id, kind and
// complaint, never an address.
#pragma once

#include "hq/mail/alerts.h"
#include "hq/mail/mail_settings.h"
#include "hq/mail/outbox.h"
#include "hq/writer_turns.h"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <ostream>
#include <thread>

namespace feedback::hq::mail {

class MailWorker {
public:
    // Opens DIR/hq.db on a connection of its own and starts the thread.
    // `alerts`' knobs from hq.json (mail.alert_*) are filled in here.
    static Result<std::unique_ptr<MailWorker>> start(const std::filesystem::path& dir, MailSettings settings,
                                                     PlanContext context, AlertContext alerts,
                                                     WriterTurns& writer_turns, std::ostream& log,
                                                     std::chrono::milliseconds poll = std::chrono::milliseconds(200));
    // Finishes the round in progress, then ends the thread.
    ~MailWorker();
    MailWorker(const MailWorker&) = delete;
    MailWorker& operator=(const MailWorker&) = delete;

private:
    MailWorker(HqStore store, MailSettings settings, std::string password, PlanContext context, AlertContext alerts,
               WriterTurns& writer_turns, std::ostream& log, std::chrono::milliseconds poll);
    // Raises the alerts that are due, at most every alert_scan_seconds.
    void scan_alerts_when_due(int64_t now_ms);
    void run();
    // One round; true when there may be more to do at once.
    bool round();

    HqStore m_store;
    MailSettings m_settings;
    std::string m_password;
    PlanContext m_context;
    AlertContext m_alerts;
    int64_t m_last_alert_scan = 0;
    WriterTurns& m_writer_turns;
    std::ostream& m_log;
    std::chrono::milliseconds m_poll;
    std::mutex m_stop_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    bool m_said_waiting = false;
    std::thread m_thread; // last: starts when the rest is ready
};

} // namespace feedback::hq::mail
