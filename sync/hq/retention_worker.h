// The thread that erases contact details nobody needs any more while
// `feedback-hq serve` runs (HqStore::apply_retention: complaints closed, and
// call-back requests followed up, hq.json's contact_retention_days ago): once
// at start, then every hour, on a database connection of its own and under
// a writer's turn (writer_turns.h). The log says how many, never whose.
#pragma once

#include "hq/hq_store.h"
#include "hq/writer_turns.h"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <ostream>
#include <thread>

namespace feedback::hq {

class RetentionWorker {
public:
    static Result<std::unique_ptr<RetentionWorker>> start(const std::filesystem::path& dir, int days,
                                                          WriterTurns& writer_turns, std::ostream& log,
                                                          std::chrono::minutes every = std::chrono::minutes(60));
    // Finishes a run in progress, then ends the thread.
    ~RetentionWorker();
    RetentionWorker(const RetentionWorker&) = delete;
    RetentionWorker& operator=(const RetentionWorker&) = delete;

private:
    RetentionWorker(HqStore store, int days, WriterTurns& writer_turns, std::ostream& log, std::chrono::minutes every);
    void run();

    HqStore m_store;
    int m_days;
    WriterTurns& m_writer_turns;
    std::ostream& m_log;
    std::chrono::minutes m_every;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace feedback::hq
