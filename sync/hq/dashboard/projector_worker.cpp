// The dashboard's projector in a background thread (projector_worker.h):
// woken by NOTIFY on PostgreSQL or by a page on SQLite, one projector at a
// time across processes.
#include "hq/dashboard/projector_worker.h"

#include "hq/dashboard/projector.h"
#include "hq/hq_schema.h"
#include "postgres/connection.h"

#include <iostream>
#include <string>

namespace feedback::hq::dashboard {

namespace {

// How long a wait for work lasts before a catch-up happens anyway.
constexpr std::chrono::seconds fallback_every{2};
// How long one wait for a notification lasts: how soon the thread sees a stop.
constexpr std::chrono::milliseconds listen_slice{200};
// How often a waiting page looks at the cursor.
constexpr std::chrono::milliseconds cursor_poll{20};

Result<int64_t> newest_seq(HqStore& store)
{
    return store.connection().query_int64("SELECT coalesce(max(seq), 0) FROM events");
}

} // namespace

ProjectorWorker::ProjectorWorker(std::filesystem::path dir, WriterTurns& writer_turns)
    : m_dir(std::move(dir)), m_writer_turns(writer_turns), m_thread([this] { run(); })
{
}

ProjectorWorker::~ProjectorWorker()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_changed.notify_all();
    m_thread.join();
}

void ProjectorWorker::wake()
{
    {
        std::lock_guard lock(m_mutex);
        m_woken = true;
    }
    m_changed.notify_all();
}

Result<bool> ProjectorWorker::wait_until_current(HqStore& store, std::chrono::milliseconds timeout)
{
    auto newest = newest_seq(store);
    FEEDBACK_TRY(newest);
    Projector reader(store);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (bool woken = false;; woken = true) {
        auto cursor = reader.cursor();
        FEEDBACK_TRY(cursor);
        if (*cursor >= *newest)
            return true;
        if (!woken)
            wake();
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(cursor_poll);
    }
}

Result<void> ProjectorWorker::catch_up(HqStore& store)
{
    sql::Connection& db = store.connection();
    const bool shared = db.backend() == sql::Backend::postgresql;
    if (shared) {
        const std::string key = std::to_string(advisory_lock::projector);
        auto mine = db.query_int64("SELECT CASE WHEN pg_try_advisory_lock(" + key + ") THEN 1 ELSE 0 END");
        FEEDBACK_TRY(mine);
        if (*mine == 0)
            return {}; // another process projects; it goes on until nothing is new
        Projector projector(store);
        auto done = projector.catch_up(&m_writer_turns);
        auto unlocked = db.exec("SELECT pg_advisory_unlock(" + key + ")");
        FEEDBACK_TRY(done);
        return unlocked;
    }
    Projector projector(store);
    auto done = projector.catch_up(&m_writer_turns);
    FEEDBACK_TRY(done);
    return {};
}

Result<bool> ProjectorWorker::await_work(HqStore& store, bool& listening, std::chrono::milliseconds timeout)
{
    postgres::Connection* listener = sql::postgres_connection(store.connection());
    if (!listener) {
        std::unique_lock lock(m_mutex);
        bool woken = m_changed.wait_for(lock, timeout, [this] { return m_stop || m_woken; });
        m_woken = false;
        return woken;
    }
    if (!listening) {
        FEEDBACK_TRY(listener->listen(events_channel));
        listening = true;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        {
            std::lock_guard lock(m_mutex);
            if (m_stop || m_woken) {
                m_woken = false;
                return true;
            }
        }
        auto heard = listener->await_notification(listen_slice);
        if (!heard) {
            listening = false; // a new session after the next reconnect: listen again
            return heard.error();
        }
        if (*heard)
            return true;
    }
    return false;
}

void ProjectorWorker::run()
{
    auto opened = HqStore::open(m_dir, HqStore::Intent::existing_only);
    if (!opened) {
        std::cerr << "dashboard: the figures are not kept up to date: " << opened.error().message << std::endl;
        return;
    }
    HqStore& store = *opened;
    bool listening = false;
    bool failing = false; // said once, not at every round while it lasts
    auto report = [&](const Result<void>& outcome) {
        if (!outcome && !failing)
            std::cerr << "dashboard: bringing the figures up to date failed (trying again): "
                      << outcome.error().message << std::endl;
        else if (outcome && failing)
            std::cerr << "dashboard: the figures are up to date again" << std::endl;
        failing = !outcome;
    };
    for (;;) {
        {
            std::lock_guard lock(m_mutex);
            if (m_stop)
                return;
        }
        report(catch_up(store));
        auto work = await_work(store, listening, fallback_every);
        if (!work) {
            report(work.error());
            // The database is away: try again after a pause, not in a spin.
            std::unique_lock lock(m_mutex);
            m_changed.wait_for(lock, std::chrono::seconds(1), [this] { return m_stop; });
        }
    }
}

} // namespace feedback::hq::dashboard
