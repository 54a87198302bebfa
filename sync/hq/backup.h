// Head office's backups: an online, consistent copy of hq.db made while the
// server keeps taking uploads (SQLite's backup API reads one snapshot; in WAL
// mode writers go on meanwhile), a folder of them of which the newest N are
// kept (the systemd timer, platform/systemd/), and putting one back.
//
//   backup:  hq.db --(one read snapshot)--> FILE.partial --quick_check, fsync--> FILE
//   restore: FILE --quick_check, schema--> DIR/hq.db.restoring --> DIR/hq.db
//            (the database it replaces is kept as hq.db.replaced-<time>)
//
// A backup holds customers' contact details: every file is 0600. Only hq.db is
// copied; hq.json and tls/ are the machine's configuration, kept with it.
#pragma once

#include "domain/result.h"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace feedback::hq {

// While `feedback-hq serve` runs it holds DIR/hq.lock shared; restore takes it
// exclusively, so a database is never swapped under a running server.
class ServeLock {
public:
    enum class Kind { shared, exclusive };
    // Errors: conflict when the lock is held the other way (restore while
    // head office serves, or serve while a restore runs); io otherwise.
    static Result<ServeLock> take(const std::filesystem::path& dir, Kind kind);
    ServeLock(ServeLock&& other) noexcept;
    ServeLock& operator=(ServeLock&&) = delete;
    ServeLock(const ServeLock&) = delete;
    ~ServeLock();

private:
    explicit ServeLock(int fd) : m_fd(fd) {}
    int m_fd = -1;
};

struct BackupSummary {
    std::filesystem::path file;
    int64_t events = 0;    // events in the copy
    int64_t last_seq = 0;  // the newest event's arrival sequence in the copy
    int64_t bytes = 0;
    std::vector<std::filesystem::path> removed; // older backups let go (backup_into)
};

// Copies DIR/hq.db to `to`, which must not exist. Errors: not_found without
// a head office in DIR, conflict when `to` exists, corrupt when the copy
// fails its check (nothing is left then), io or disk_full otherwise.
Result<BackupSummary> backup(const std::filesystem::path& dir, const std::filesystem::path& to);

// backup() into `folder` (made 0700 when missing) as hq-20261206T031500.123Z.db,
// then removes all but the newest `keep` (at least 1) hq-*.db files there.
Result<BackupSummary> backup_into(const std::filesystem::path& dir, const std::filesystem::path& folder, int keep,
                                  int64_t now_ms);

struct RestoreSummary {
    int64_t events = 0;
    int64_t last_seq = 0;
    std::filesystem::path replaced; // where the database it replaced was put; empty when DIR had none
};

// Puts the backup `from` back as DIR/hq.db and migrates it to this program's
// schema. Errors: conflict while head office serves from DIR or when the
// backup is of a newer schema; corrupt when `from` is not a sound head-office
// database (DIR is untouched then); not_found, io otherwise.
Result<RestoreSummary> restore(const std::filesystem::path& dir, const std::filesystem::path& from, int64_t now_ms);

} // namespace feedback::hq
