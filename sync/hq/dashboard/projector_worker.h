// Keeps the dashboard's read model (projector.h) up to date in the
// background, so that no page request projects events itself. One worker
// thread per head-office process, on a connection of its own:
//
//   SQLite      the process is the only writer: the worker catches up when
//               a page asks for it (wake) and every few seconds, holding
//               a writer's turn (hq/writer_turns.h) one chunk at a time.
//   PostgreSQL  every transaction that stores events sends a NOTIFY on
//               `events_channel` (hq_store.h), delivered when it commits; the
//               worker LISTENs and catches up at once. One projector at a
//               time across processes: a session-level advisory lock that
//               the others try and, finding it held, leave the work to its
//               holder (the cursor row is also locked per chunk, so two
//               projectors could never project an event twice anyway). A
//               catch-up every few seconds covers a notification that came
//               while another process held the lock.
//
// A page waits (wait_until_current) until the read model holds the events
// stored before its request, a few seconds at most, and then shows what is
// there: read-your-own-writes for the person who just uploaded or clicked,
// and never a page that hangs while a large backlog is projected.
#pragma once

#include "domain/result.h"
#include "hq/hq_store.h"
#include "hq/writer_turns.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <thread>

namespace feedback::hq::dashboard {

class ProjectorWorker {
public:
    // Starts the thread, which opens head office in `dir` for itself.
    // `writer_turns`: the process's (hq/writer_turns.h); must outlive the worker.
    ProjectorWorker(std::filesystem::path dir, WriterTurns& writer_turns);
    ~ProjectorWorker(); // stops the thread and waits for it (a second at most)
    ProjectorWorker(const ProjectorWorker&) = delete;
    ProjectorWorker& operator=(const ProjectorWorker&) = delete;

    // Asks for a catch-up now.
    void wake();
    // Waits until the read model holds every event `store` sees now, at
    // most `timeout`: true when it does, false when it fell behind (the
    // caller shows what there is). Reads through `store`'s connection.
    Result<bool> wait_until_current(HqStore& store, std::chrono::milliseconds timeout);

private:
    void run();
    // One round: catches up unless another process's projector holds the lock.
    Result<void> catch_up(HqStore& store);
    // Waits for a notification (PostgreSQL) or a wake (SQLite), at most
    // `timeout`; true when there is something to do.
    Result<bool> await_work(HqStore& store, bool& listening, std::chrono::milliseconds timeout);

    std::filesystem::path m_dir;
    WriterTurns& m_writer_turns;
    std::mutex m_mutex; // guards the two flags below
    std::condition_variable m_changed;
    bool m_stop = false;
    bool m_woken = false;
    std::thread m_thread; // last: starts once the rest is ready
};

} // namespace feedback::hq::dashboard
