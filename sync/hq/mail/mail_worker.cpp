// The outbox's thread (mail_worker.h).
#include "hq/mail/mail_worker.h"

#include "domain/clock.h"
#include "hq/dashboard/projector.h"

namespace feedback::hq::mail {

namespace {

constexpr int claim_batch = 20;
constexpr int64_t lease_ms = 5 * 60 * 1000; // longer than libcurl's 120 s timeout per message

} // namespace

Result<std::unique_ptr<MailWorker>> MailWorker::start(const std::filesystem::path& dir, MailSettings settings,
                                                      PlanContext context, AlertContext alerts,
                                                      WriterTurns& writer_turns, std::ostream& log,
                                                      std::chrono::milliseconds poll)
{
    alerts.terminal_silent_ms = int64_t{settings.alert_terminal_silent_minutes} * 60'000;
    alerts.digest_hour = settings.alert_digest_hour;
    auto password = read_smtp_password(settings, dir);
    FEEDBACK_TRY(password);
    auto store = HqStore::open(dir, HqStore::Intent::existing_only);
    FEEDBACK_TRY(store);
    return std::unique_ptr<MailWorker>(new MailWorker(std::move(*store), std::move(settings), std::move(*password),
                                                      std::move(context), std::move(alerts), writer_turns, log,
                                                      poll));
}

MailWorker::MailWorker(HqStore store, MailSettings settings, std::string password, PlanContext context,
                       AlertContext alerts, WriterTurns& writer_turns, std::ostream& log,
                       std::chrono::milliseconds poll)
    : m_store(std::move(store)), m_settings(std::move(settings)), m_password(std::move(password)),
      m_context(std::move(context)), m_alerts(std::move(alerts)), m_writer_turns(writer_turns), m_log(log),
      m_poll(poll),
      m_thread([this] { run(); })
{
}

MailWorker::~MailWorker()
{
    {
        std::lock_guard lock(m_stop_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void MailWorker::run()
{
    for (;;) {
        bool more = round();
        std::unique_lock lock(m_stop_mutex);
        if (m_stopping)
            return;
        if (!more)
            m_wake.wait_for(lock, m_poll, [this] { return m_stopping; });
        if (m_stopping)
            return;
    }
}

bool MailWorker::round()
{
    int64_t now = now_utc_ms();
    Result<Planned> planned = Planned{};
    {
        auto turn = m_writer_turns.take();
        planned = plan_messages(m_store, m_context, now);
    }
    if (!planned) {
        m_log << "mail: planning stopped: " << planned.error().message << std::endl;
        return false;
    }
    if (planned->queued > 0)
        m_log << "mail: queued " << planned->queued << " message(s)" << std::endl;
    scan_alerts_when_due(now);
    if (!m_settings.configured()) {
        if (planned->queued > 0 && !m_said_waiting) {
            m_log << "mail: no SMTP server is set (hq.json mail.smtp_url, mail.mail_from): messages wait" << std::endl;
            m_said_waiting = true;
        }
        return planned->events > 0;
    }
    Result<std::vector<ClaimedMessage>> claimed = std::vector<ClaimedMessage>{};
    {
        auto turn = m_writer_turns.take();
        claimed = claim_due_messages(m_store, m_settings, now_utc_ms(), claim_batch, lease_ms);
    }
    if (!claimed) {
        m_log << "mail: cannot take messages to send: " << claimed.error().message << std::endl;
        return false;
    }
    for (const ClaimedMessage& message : *claimed) {
        SendResult sent = send_mail(m_settings, m_password, message.mail);
        Result<void> recorded;
        {
            auto turn = m_writer_turns.take();
            recorded = record_delivery(m_store, message, sent, m_settings, now_utc_ms());
        }
        const char* what = sent.delivery == Delivery::accepted            ? "sent"
                           : sent.delivery == Delivery::permanent_failure ? "refused"
                                                                          : "not sent (will retry)";
        m_log << "mail: message " << message.id << " (" << message.kind << ", complaint " << message.complaint_id
              << ") " << what << (sent.delivery == Delivery::accepted ? "" : ": " + sent.reason) << std::endl;
        if (!recorded)
            m_log << "mail: recording message " << message.id << " failed: " << recorded.error().message << std::endl;
    }
    return planned->events > 0 || static_cast<int>(claimed->size()) == claim_batch;
}

void MailWorker::scan_alerts_when_due(int64_t now_ms)
{
    if (now_ms - m_last_alert_scan < int64_t{m_settings.alert_scan_seconds} * 1000)
        return;
    m_last_alert_scan = now_ms;
    // Alerts read the dashboard's read model: bring it up to the newest event
    // first (each chunk takes a writer's turn for its own transaction only).
    dashboard::Projector projector(m_store);
    if (auto caught_up = projector.catch_up(&m_writer_turns); !caught_up) {
        m_log << "mail: bringing the figures up to date for alerts failed: " << caught_up.error().message << std::endl;
        return;
    }
    Result<AlertScan> scan = AlertScan{};
    {
        auto turn = m_writer_turns.take();
        scan = scan_alerts(m_store, m_alerts, now_ms);
    }
    if (!scan)
        m_log << "mail: looking for alerts stopped: " << scan.error().message << std::endl;
    else if (scan->raised > 0 || scan->queued > 0)
        m_log << "mail: raised " << scan->raised << " alert(s), queued " << scan->queued << " e-mail(s)" << std::endl;
}

} // namespace feedback::hq::mail
