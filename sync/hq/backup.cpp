// Backups of head office's database (backup.h): SQLite's online backup API
// into a private file that is checked and synced before it takes its name.
#include "backup.h"

#include "domain/clock.h"
#include "files/private_files.h"
#include "hq_store.h"
#include "sqlite/database.h"

#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

namespace feedback::hq {

namespace {

namespace fs = std::filesystem;

constexpr const char* lock_file_name = "hq.lock";

// "20261206T031500.123Z" for file names that sort as time goes on.
std::string file_stamp(int64_t now_ms)
{
    std::string stamp;
    for (char c : format_utc_iso8601(now_ms)) // 2026-12-06T03:15:00.123Z
        if (c != '-' && c != ':')
            stamp.push_back(c);
    return stamp;
}

// PRAGMA quick_check says "ok", and the file is head office's (it has events).
Result<void> check_sound(sqlite::Database& db, const fs::path& file)
{
    auto check = db.query_texts("PRAGMA quick_check");
    if (!check)
        return Error{ErrorKind::corrupt, file.string() + " cannot be read as a database: " + check.error().message};
    if (check->size() != 1 || check->front() != "ok")
        return Error{ErrorKind::corrupt, file.string() + " failed SQLite's check: " +
                                             (check->empty() ? std::string("no answer") : check->front())};
    auto tables = db.query_int64("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'");
    if (!tables || *tables != 1)
        return Error{ErrorKind::corrupt, file.string() + " is not a head office database (it has no events table)"};
    return {};
}

struct EventFigures {
    int64_t events = 0;
    int64_t last_seq = 0;
};

Result<EventFigures> event_figures(sqlite::Database& db)
{
    auto events = db.query_int64("SELECT count(*) FROM events");
    FEEDBACK_TRY(events);
    auto last = db.query_int64("SELECT coalesce(max(seq), 0) FROM events");
    FEEDBACK_TRY(last);
    return EventFigures{*events, *last};
}

// One read snapshot of `source` into `target` (an empty database file).
Result<void> copy_snapshot(sqlite::Database& source, sqlite::Database& target)
{
    sqlite3_backup* copy = sqlite3_backup_init(target.handle(), "main", source.handle(), "main");
    if (!copy)
        return sqlite::make_error(target.handle(), sqlite3_errcode(target.handle()), "starting the backup");
    int rc = SQLITE_OK;
    // -1: every page in one step, so the copy is one snapshot; a writer's
    // moment of exclusive lock (a checkpoint) makes it wait and try again.
    for (int attempt = 0; attempt < 400; ++attempt) {
        rc = sqlite3_backup_step(copy, -1);
        if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    sqlite3_backup_finish(copy);
    if (rc != SQLITE_DONE)
        return sqlite::make_error(target.handle(), rc, "copying head office's database");
    return {};
}

void remove_quietly(const fs::path& file)
{
    std::error_code ec;
    fs::remove(file, ec);
}

// Sets the database `file` aside as `aside`, with its -wal and -shm files
// (committed data may still be in the -wal after a power cut).
Result<void> move_database(const fs::path& file, const fs::path& aside)
{
    for (const char* suffix : {"-wal", "-shm", ""}) {
        fs::path from = file.string() + suffix;
        std::error_code ec;
        if (!fs::exists(from, ec))
            continue;
        if (std::rename(from.c_str(), (aside.string() + suffix).c_str()) != 0)
            return Error{ErrorKind::io, "cannot move " + from.string() + " aside: " + std::strerror(errno)};
    }
    return {};
}

} // namespace

// [SECTION] ServeLock

Result<ServeLock> ServeLock::take(const fs::path& dir, Kind kind)
{
    fs::path file = dir / lock_file_name;
    int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return Error{ErrorKind::io, "cannot open " + file.string() + ": " + std::strerror(errno)};
    if (::flock(fd, (kind == Kind::shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
        int error_number = errno;
        ::close(fd);
        if (error_number != EWOULDBLOCK)
            return Error{ErrorKind::io, "cannot lock " + file.string() + ": " + std::strerror(error_number)};
        return Error{ErrorKind::conflict,
                     kind == Kind::exclusive
                         ? "head office is serving from " + dir.string() +
                               " (feedback-hq serve holds hq.lock): stop it first (systemctl stop feedback-hq)"
                         : "a restore or a migration is running in " + dir.string() +
                               ": start head office when it is done"};
    }
    return ServeLock(fd);
}

ServeLock::ServeLock(ServeLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

ServeLock::~ServeLock()
{
    if (m_fd >= 0)
        ::close(m_fd); // releases the lock
}

// [SECTION] Backup

Result<BackupSummary> backup(const fs::path& dir, const fs::path& to)
{
    fs::path database = dir / database_file_name;
    std::error_code ec;
    if (!fs::exists(database, ec))
        return Error{ErrorKind::not_found, "no head office in " + dir.string() + " (it has no " +
                                               std::string(database_file_name) + ")"};
    if (fs::exists(to, ec))
        return Error{ErrorKind::conflict, to.string() + " already exists; a backup never overwrites a file"};
    fs::path partial = to.string() + ".partial";
    remove_quietly(partial); // left by a backup that was stopped
    FEEDBACK_TRY(files::create_private_file(partial));
    auto made = [&]() -> Result<EventFigures> {
        auto source = sqlite::Database::open(database, sqlite::OpenMode::read_only);
        FEEDBACK_TRY(source);
        auto target = sqlite::Database::open(partial, sqlite::OpenMode::read_write);
        FEEDBACK_TRY(target);
        FEEDBACK_TRY(copy_snapshot(*source, *target));
        // One self-contained file: no -wal beside it.
        FEEDBACK_TRY(target->exec("PRAGMA journal_mode = DELETE"));
        FEEDBACK_TRY(check_sound(*target, to));
        return event_figures(*target);
    }();
    if (!made) {
        remove_quietly(partial);
        return made.error();
    }
    if (auto moved = files::durable_rename(partial, to); !moved) {
        remove_quietly(partial);
        return moved.error();
    }
    BackupSummary summary;
    summary.file = to;
    summary.events = made->events;
    summary.last_seq = made->last_seq;
    summary.bytes = static_cast<int64_t>(fs::file_size(to, ec));
    return summary;
}

Result<BackupSummary> backup_into(const fs::path& dir, const fs::path& folder, int keep, int64_t now_ms)
{
    if (keep < 1)
        return Error{ErrorKind::invalid_input, "keep: at least 1 backup must be kept (got " + std::to_string(keep) + ")"};
    FEEDBACK_TRY(files::make_private_directory(folder));
    auto summary = backup(dir, folder / ("hq-" + file_stamp(now_ms) + ".db"));
    FEEDBACK_TRY(summary);
    std::vector<fs::path> backups;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
        std::string name = entry.path().filename().string();
        if (entry.is_regular_file(ec) && name.starts_with("hq-") && name.ends_with(".db"))
            backups.push_back(entry.path());
    }
    if (ec)
        return Error{ErrorKind::io, "cannot list " + folder.string() + ": " + ec.message()};
    std::sort(backups.begin(), backups.end(), std::greater<>()); // newest first: the names sort by time
    for (size_t i = static_cast<size_t>(keep); i < backups.size(); ++i) {
        if (!fs::remove(backups[i], ec))
            return Error{ErrorKind::io, "cannot remove the old backup " + backups[i].string() + ": " + ec.message()};
        summary->removed.push_back(backups[i]);
    }
    return summary;
}

// [SECTION] Restore

Result<RestoreSummary> restore(const fs::path& dir, const fs::path& from, int64_t now_ms)
{
    std::error_code ec;
    if (!fs::is_regular_file(from, ec))
        return Error{ErrorKind::not_found, "no backup file at " + from.string()};
    if (!fs::is_directory(dir, ec))
        return Error{ErrorKind::not_found, dir.string() + " is not a folder: make it with feedback-hq init first "
                                                          "(its hq.json and tls/ are kept; hq.db is replaced)"};
    {
        auto backup_db = sqlite::Database::open(from, sqlite::OpenMode::read_only);
        if (!backup_db)
            return Error{ErrorKind::corrupt, from.string() + " cannot be opened as a database: " +
                                                 backup_db.error().message};
        FEEDBACK_TRY(check_sound(*backup_db, from));
        auto version = backup_db->query_int64("PRAGMA user_version");
        FEEDBACK_TRY(version);
        if (*version > schema_version())
            return Error{ErrorKind::conflict, from.string() + " was made by a newer feedback-hq (schema " +
                                                  std::to_string(*version) + ", this one knows " +
                                                  std::to_string(schema_version()) + "): update the program first"};
    }
    auto lock = ServeLock::take(dir, ServeLock::Kind::exclusive);
    FEEDBACK_TRY(lock);

    fs::path database = dir / database_file_name;
    fs::path restoring = database.string() + ".restoring";
    remove_quietly(restoring);
    FEEDBACK_TRY(files::create_private_file(restoring));
    if (!fs::copy_file(from, restoring, fs::copy_options::overwrite_existing, ec)) {
        remove_quietly(restoring);
        return Error{ec == std::errc::no_space_on_device ? ErrorKind::disk_full : ErrorKind::io,
                     "cannot copy " + from.string() + " into " + dir.string() + ": " + ec.message()};
    }
    fs::permissions(restoring, files::private_file_mode, ec);

    RestoreSummary summary;
    if (fs::exists(database, ec)) {
        summary.replaced = database.string() + ".replaced-" + file_stamp(now_ms);
        if (auto moved = move_database(database, summary.replaced); !moved) {
            remove_quietly(restoring);
            return moved.error();
        }
    }
    FEEDBACK_TRY(files::durable_rename(restoring, database));
    auto store = HqStore::open(dir, HqStore::Intent::existing_only); // migrates an older schema
    FEEDBACK_TRY(store);
    sqlite::Database* restored = sql::sqlite_database(store->connection());
    if (!restored)
        return Error{ErrorKind::invalid_input, "hq.json names a PostgreSQL database: restore it with PostgreSQL's "
                                               "own tools, not from an SQLite backup"};
    auto figures = event_figures(*restored);
    FEEDBACK_TRY(figures);
    summary.events = figures->events;
    summary.last_seq = figures->last_seq;
    return summary;
}

} // namespace feedback::hq
