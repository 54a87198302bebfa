// A terminal leaving its store from its own screen (PROTOCOL.md 10), for
// example before it moves to another shop:
//
//   leave_store(): outbox empty? --no--> unsent_events (nothing changes)
//                  POST /v1/leave --no answer--> unreachable (nothing changes)
//                  head office answered (or no longer takes the token)
//                      --> marker DATA_DIR/left-store written, credentials deleted
//   next start:    has_left_store() --> empty_data_folder(): the store, its
//                  events and contact details, configuration, CA, everything;
//                  the marker goes last, so a power cut midway starts it over.
#pragma once

#include "domain/result.h"
#include "sync_session.h"

#include <filesystem>
#include <string>

namespace feedback::sync {

constexpr const char* left_store_marker_name = "left-store";

// Why a terminal did not leave, for the words on its screen; the Error's
// message is for the log.
enum class LeaveProblem {
    none,
    not_enrolled,    // no credentials: there is nothing to leave
    unsent_events,   // head office has not acknowledged everything yet
    unreachable,     // no answer, an untrusted certificate, not head office's answer
    failed,          // head office or this terminal failed otherwise
};

struct LeaveOutcome {
    LeaveProblem problem = LeaveProblem::none;
    int64_t unsent_events = 0; // with unsent_events
    std::string log_line;      // what happened, for the log (never personal data)
};

// Leaves only when every event recorded here is acknowledged (or quarantined:
// head office refused it and said why). On success the terminal no longer
// syncs, and its data folder is emptied at its next start.
LeaveOutcome leave_store(const std::filesystem::path& data_dir, Outbox& store,
                         const SessionOptions& options);

// The terminal left its store and its data folder has not been emptied yet.
bool has_left_store(const std::filesystem::path& data_dir);

// Removes everything in the data folder (the folder stays), the marker last.
Result<void> empty_data_folder(const std::filesystem::path& data_dir);

} // namespace feedback::sync
