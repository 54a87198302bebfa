// Leaving a store (leaving.h): the checks, head office's answer, the marker,
// and emptying the data folder at the next start.
#include "leaving.h"

#include "credentials.h"
#include "files/private_files.h"

#include <system_error>
#include <vector>

namespace feedback::sync {

LeaveOutcome leave_store(const std::filesystem::path& data_dir, Outbox& store,
                         const SessionOptions& options)
{
    auto credentials = load_credentials(data_dir);
    if (!credentials)
        return {LeaveProblem::failed, 0, "leaving the store: " + credentials.error().message};
    if (!*credentials)
        return {LeaveProblem::not_enrolled, 0, "leaving the store: this terminal is not enrolled with head office"};
    auto unsent = store.outbox_size();
    if (!unsent)
        return {LeaveProblem::failed, 0, "leaving the store: " + unsent.error().message};
    if (*unsent > 0)
        return {LeaveProblem::unsent_events, *unsent,
                "leaving the store: " + std::to_string(*unsent) + " events are not at head office yet"};

    SyncSession session(data_dir, store, **credentials, options);
    std::string how = "head office took this terminal off its store";
    if (auto left = session.leave_store(); !left) {
        if (left.error().kind != ErrorKind::conflict)
            return {left.error().kind == ErrorKind::io ? LeaveProblem::unreachable : LeaveProblem::failed, 0,
                    "leaving the store: " + left.error().message};
        // Revoked or unknown there already: nothing is left to end, and
        // nothing is unsent.
        how = left.error().message;
    }
    const auto marker = data_dir / left_store_marker_name;
    if (auto marked = files::write_private_file(marker, "left\n", files::Durability::synced); !marked)
        return {LeaveProblem::failed, 0, "leaving the store: " + marked.error().message};
    if (auto removed = files::remove_durably(data_dir / credentials_file_name); !removed)
        return {LeaveProblem::failed, 0, "leaving the store: " + removed.error().message};
    return {LeaveProblem::none, 0, "left store " + store.device().store_code + " (" + how +
                                       "); the data folder is emptied at the next start"};
}

bool has_left_store(const std::filesystem::path& data_dir)
{
    std::error_code error;
    return std::filesystem::exists(data_dir / left_store_marker_name, error);
}

Result<void> empty_data_folder(const std::filesystem::path& data_dir)
{
    std::error_code error;
    std::vector<std::filesystem::path> entries;
    for (std::filesystem::directory_iterator it(data_dir, error), end; !error && it != end; it.increment(error))
        if (it->path().filename() != left_store_marker_name)
            entries.push_back(it->path());
    if (error)
        return Error{ErrorKind::io, "cannot read the data folder " + data_dir.string() + ": " + error.message()};
    for (const auto& entry : entries)
        FEEDBACK_TRY(files::remove_durably(entry));
    return files::remove_durably(data_dir / left_store_marker_name);
}

} // namespace feedback::sync
