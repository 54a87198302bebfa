// What commits write: the pages a WAL-mode database's commits appended to its
// -wal file, read from the file itself, and which table or index owns each
// page (SQLite's dbstat). The wear test and bench_tap_to_durable use it to
// count the pages one tap writes; nothing on the kiosk's paths calls it.
#pragma once

#include "domain/result.h"
#include "sqlite/database.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace feedback::store {

// One frame of the WAL: a page image the commit wrote.
struct WalFrame {
    uint32_t page = 0;
    bool ends_commit = false; // the last frame of its transaction
};

// The committed frames of the WAL's current generation (a checkpoint that
// restarts the WAL starts a new one), in file order. A missing or empty file
// has none. Frames after the last commit (a transaction in progress or rolled
// back) are left out. Errors: io, corrupt (not a WAL file).
Result<std::vector<WalFrame>> read_wal_frames(const std::filesystem::path& wal_file);

// The name of the table or index that owns each page in use (dbstat);
// page 1 also holds the database header (its size in pages, written whenever
// the file grows). Free pages are absent. Error when SQLite was built without
// the dbstat table.
Result<std::map<uint32_t, std::string>> page_owners(sqlite::Database& db);

// Pages the frames wrote, per owner ("free page" for one not in `owners`),
// and the number of commits among them.
struct PagesWritten {
    int64_t commits = 0;
    int64_t frames = 0;
    std::map<std::string, int64_t> by_owner;
    double per_commit() const { return commits ? static_cast<double>(frames) / static_cast<double>(commits) : 0; }
};
PagesWritten count_pages(const std::vector<WalFrame>& frames, size_t first_frame,
                         const std::map<uint32_t, std::string>& owners);

} // namespace feedback::store
