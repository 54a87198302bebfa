// Head office's hourly retention: see retention_worker.h.
#include "hq/retention_worker.h"

#include "domain/clock.h"

namespace feedback::hq {

Result<std::unique_ptr<RetentionWorker>> RetentionWorker::start(const std::filesystem::path& dir, int days,
                                                                WriterTurns& writer_turns, std::ostream& log,
                                                                std::chrono::minutes every)
{
    auto store = HqStore::open(dir, HqStore::Intent::existing_only);
    FEEDBACK_TRY(store);
    return std::unique_ptr<RetentionWorker>(new RetentionWorker(std::move(*store), days, writer_turns, log, every));
}

RetentionWorker::RetentionWorker(HqStore store, int days, WriterTurns& writer_turns, std::ostream& log,
                                 std::chrono::minutes every)
    : m_store(std::move(store)), m_days(days), m_writer_turns(writer_turns), m_log(log), m_every(every)
{
    m_thread = std::thread([this] { run(); });
}

RetentionWorker::~RetentionWorker()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void RetentionWorker::run()
{
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        lock.unlock();
        Result<ErasureReport> report = [&] {
            auto turn = m_writer_turns.take();
            return m_store.apply_retention(now_utc_ms(), m_days);
        }();
        if (!report)
            m_log << "feedback-hq: retention: " << report.error().message << std::endl;
        else if (report->subjects > 0)
            m_log << "feedback-hq: retention: erased the contact details of " << report->subjects
                  << " complaints and call-back requests older than " << m_days << " days (" << report->events
                  << " events)" << std::endl;
        lock.lock();
        m_wake.wait_for(lock, m_every, [this] { return m_stopping; });
    }
}

} // namespace feedback::hq
