// The turns of the writers inside one head-office process: ingest, enrolment,
// the dashboard's forms, the intake API, the projector, mail and retention.
//
// SQLite lets one writer in at a time, so on SQLite they take turns on one
// mutex rather than meet SQLITE_BUSY (server.h). PostgreSQL lets writers in
// together and keeps them apart itself, with row locks and, where only one
// at a time may act, advisory locks (hq_schema.h) that hold across processes
// too: there take() waits for nobody, so an alert scan or a chunk of the
// projector never holds up a terminal's upload.
//
//   WriterTurns turns(store.backend());
//   { auto turn = turns.take(); ...write... }  // the turn ends with `turn`
#pragma once

#include "sql/connection.h"

#include <mutex>

namespace feedback::hq {

class WriterTurns {
public:
    explicit WriterTurns(sql::Backend backend) : m_one_at_a_time(backend == sql::Backend::sqlite) {}
    WriterTurns(const WriterTurns&) = delete;
    WriterTurns& operator=(const WriterTurns&) = delete;

    // This writer's turn, held until the returned lock goes; on PostgreSQL a
    // lock that holds nothing.
    [[nodiscard]] std::unique_lock<std::mutex> take()
    {
        return m_one_at_a_time ? std::unique_lock<std::mutex>(m_mutex) : std::unique_lock<std::mutex>();
    }

private:
    std::mutex m_mutex;
    const bool m_one_at_a_time;
};

} // namespace feedback::hq
