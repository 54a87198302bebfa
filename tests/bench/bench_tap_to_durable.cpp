// Benchmark: tap-to-durable latency of recording one nps.rated through the
// local store, next to a bare single-row SQLite INSERT with the same pragmas
// on the same disk (the baseline), interleaved so both see the same noise;
// the bytes each writes to the disk per tap (the kernel's write_bytes in
// /proc/<pid>/io, medians of interleaved rounds) and the pages each commit
// appends to the WAL, by table and index (store/wal_pages.h); the bytes the
// real kiosk writes while it stands idle; and the rate of a bulk import of
// 100,000 events.
//
//   bench_tap_to_durable [--dir DIR] [--taps N] [--bulk N] [--idle-seconds N]
#include "bench_support.h"
#include "common/device_condition.h"
#include "domain/clock.h"
#include "sqlite/database.h"
#include "store/local_store.h"
#include "store/wal_pages.h"

#include <algorithm>
#include <optional>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <string>
#include <vector>

using namespace feedback;
using bench::Clock;
using bench::ms_since;
using bench::percentile;

namespace {

struct Options {
    std::filesystem::path dir = std::filesystem::current_path() / "bench-data";
    int taps = 6000;
    int bulk = 100000;
    int idle_seconds = 60;
};

// Bytes written to the disk per call of `tap`, over `count` calls and a final
// sync (writes still in the page cache are counted when they go out).
template <class Tap>
std::optional<double> bytes_per_tap(int count, Tap&& tap)
{
    ::sync();
    auto before = feedback::sync::disk_bytes_written();
    for (int i = 0; i < count; ++i)
        tap(i);
    ::sync();
    auto after = feedback::sync::disk_bytes_written();
    if (!before || !after)
        return std::nullopt;
    return static_cast<double>(*after - *before) / count;
}

// The real kiosk (SDL offscreen, the real clock) standing idle on its start
// screen: the bytes it writes to the disk in `seconds` after a warm-up, as
// bytes per hour. Its uploader starts at once (no random delay), so opening
// its store connection falls in the warm-up, not in the idle hour. Nothing when /proc/<pid>/io cannot be read.
std::optional<double> idle_bytes_per_hour(const std::filesystem::path& data_dir, int seconds)
{
    std::filesystem::create_directories(data_dir);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::setenv("SDL_VIDEODRIVER", "offscreen", 1);
        if (int null_fd = ::open("/dev/null", O_WRONLY); null_fd >= 0)
            ::dup2(null_fd, STDOUT_FILENO);
        ::execl(FEEDBACK_TERMINAL_BINARY, FEEDBACK_TERMINAL_BINARY, "run", "--data-dir", data_dir.c_str(),
                "--standalone", "--sync-start-delay-max", "0", static_cast<char*>(nullptr));
        std::_Exit(127);
    }
    if (pid < 0)
        return std::nullopt;
    std::this_thread::sleep_for(std::chrono::seconds(10)); // started, store opened, first frames drawn
    ::sync();
    auto before = feedback::sync::disk_bytes_written(std::to_string(pid));
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    ::sync();
    auto after = feedback::sync::disk_bytes_written(std::to_string(pid));
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!before || !after)
        return std::nullopt;
    return static_cast<double>(*after - *before) * 3600.0 / seconds;
}

// Pages appended to the WAL of `database_file` by `count` calls of `tap`,
// with automatic checkpoints off meanwhile (a checkpoint restarts the WAL).
template <class Tap>
std::optional<store::PagesWritten> wal_pages_per_tap(sqlite::Database& db, const std::filesystem::path& database_file,
                                                     int count, Tap&& tap)
{
    auto wal = database_file.string() + "-wal";
    if (!db.exec("PRAGMA wal_autocheckpoint = 0"))
        return std::nullopt;
    auto before = store::read_wal_frames(wal);
    for (int i = 0; i < count; ++i)
        tap(i);
    auto after = store::read_wal_frames(wal);
    auto owners = store::page_owners(db);
    (void)db.exec("PRAGMA wal_autocheckpoint = 1000"); // SQLite's default, which both use otherwise
    if (!before || !after || !owners)
        return std::nullopt;
    return store::count_pages(*after, before->size(), *owners);
}

void print_pages(const char* who, const store::PagesWritten& pages)
{
    std::printf("  %-28s %.3f pages a tap:", who, pages.per_commit());
    const char* separator = " ";
    for (const auto& [owner, count] : pages.by_owner) {
        std::printf("%s%s %.3f", separator, owner.c_str(),
                    static_cast<double>(count) / static_cast<double>(pages.commits));
        separator = ", ";
    }
    std::printf("\n");
}

int fail(const char* what, const Error& error)
{
    std::fprintf(stderr, "bench_tap_to_durable: %s: %s\n", what, error.message.c_str());
    return 1;
}

store::NewEvent rating(int i)
{
    return {EventType::nps_rated, "", "kiosk", {{"score", i % 11}, {"survey_version", 1}, {"locale", "nl"}}, {}};
}

} // namespace

int main(int argc, char** argv)
{
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help") {
            std::puts("usage: bench_tap_to_durable [--dir DIR] [--taps N] [--bulk N] [--idle-seconds N]\n\n"
                      "Tap-to-durable latency (median, p99) of LocalStore::record against a bare\n"
                      "single-row INSERT with the same pragmas; the bytes each writes to the disk\n"
                      "per tap; the bytes the real kiosk writes while idle (measured for N seconds,\n"
                      "default 60, shown per hour); and the bulk-import rate.\n"
                      "DIR (default ./bench-data) is emptied first; it should be on the disk\n"
                      "the kiosk uses.");
            return 0;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "bench_tap_to_durable: %s needs a value (see --help)\n", arg.c_str());
            return 2;
        }
        if (arg == "--dir")
            options.dir = argv[++i];
        else if (arg == "--taps")
            options.taps = std::max(10, std::atoi(argv[++i]));
        else if (arg == "--bulk")
            options.bulk = std::max(1000, std::atoi(argv[++i]));
        else if (arg == "--idle-seconds")
            options.idle_seconds = std::max(5, std::atoi(argv[++i]));
        else {
            std::fprintf(stderr, "bench_tap_to_durable: unknown option %s (see --help)\n", arg.c_str());
            return 2;
        }
    }
    std::filesystem::remove_all(options.dir);
    auto store_dir = options.dir / "store";
    auto bulk_dir = options.dir / "bulk";
    std::filesystem::create_directories(store_dir);
    std::filesystem::create_directories(bulk_dir);

    // The baseline: the same pragmas, one row per transaction.
    auto baseline = sqlite::Database::open(options.dir / "baseline.db", sqlite::OpenMode::read_write_create);
    if (!baseline)
        return fail("opening the baseline", baseline.error());
    if (auto set = baseline->exec("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                                  "PRAGMA foreign_keys = ON; CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
        !set)
        return fail("preparing the baseline", set.error());
    auto insert = baseline->prepare("INSERT INTO t(body) VALUES (?1)");
    if (!insert)
        return fail("preparing the baseline insert", insert.error());
    std::string body = R"({"score":9,"survey_version":1,"locale":"nl"})";

    auto store = store::LocalStore::open(store_dir);
    if (!store)
        return fail("opening the store", store.error());

    std::vector<double> base_ms, store_ms;
    constexpr int round = 100;
    for (int done = 0; done < options.taps; done += round) {
        for (int i = 0; i < round; ++i) {
            auto start = Clock::now();
            auto ok = insert->bind(1, body).run();
            base_ms.push_back(ms_since(start));
            if (!ok)
                return fail("baseline insert", ok.error());
        }
        for (int i = 0; i < round; ++i) {
            auto start = Clock::now();
            auto ok = store->record(rating(done + i), now_utc_ms());
            store_ms.push_back(ms_since(start));
            if (!ok)
                return fail("recording", ok.error());
        }
    }
    double base_median = percentile(base_ms, 0.5), store_median = percentile(store_ms, 0.5);
    std::printf("tap-to-durable, %zu taps each, interleaved in rounds of %d (WAL, synchronous=FULL)\n",
                store_ms.size(), round);
    std::printf("  baseline single-row INSERT   median %.3f ms   p99 %.3f ms\n", base_median, percentile(base_ms, 0.99));
    std::printf("  LocalStore::record           median %.3f ms   p99 %.3f ms\n", store_median,
                percentile(store_ms, 0.99));
    std::printf("  ratio (median)               %.2fx   (target: at most 1.30x)\n", store_median / base_median);

    // Wear: what each tap costs the disk (an SD card lives by it). Rounds of
    // each, interleaved, so both see the same checkpoints' rhythm and noise;
    // the medians of the rounds are compared.
    constexpr int wear_rounds = 9;
    constexpr int wear_taps = 300;
    constexpr double page_bytes = 4096;
    std::vector<double> base_wear, store_wear;
    for (int r = 0; r < wear_rounds; ++r) {
        auto base_bytes = bytes_per_tap(wear_taps, [&](int) { (void)insert->bind(1, body).run(); });
        auto store_bytes = bytes_per_tap(wear_taps, [&](int i) { (void)store->record(rating(i), now_utc_ms()); });
        if (!base_bytes || !store_bytes)
            break;
        base_wear.push_back(*base_bytes);
        store_wear.push_back(*store_bytes);
    }
    if (store_wear.size() == static_cast<size_t>(wear_rounds)) {
        double base_bytes = percentile(base_wear, 0.5), store_bytes = percentile(store_wear, 0.5);
        double over = store_bytes - base_bytes;
        std::printf("bytes written to the disk per tap, median of %d interleaved rounds of %d taps each "
                    "(/proc/self/io write_bytes)\n"
                    "  baseline single-row INSERT   %.0f bytes   (rounds %.0f..%.0f)\n"
                    "  LocalStore::record           %.0f bytes   (rounds %.0f..%.0f)\n"
                    "  ratio (median)               %.2fx, %+.0f bytes a tap over the baseline "
                    "(target: at most +%.0f, one page): %s\n",
                    wear_rounds, wear_taps, base_bytes, percentile(base_wear, 0), percentile(base_wear, 1),
                    store_bytes, percentile(store_wear, 0), percentile(store_wear, 1), store_bytes / base_bytes,
                    over, page_bytes, over <= page_bytes ? "met" : "NOT met");
    } else {
        std::printf("bytes written per tap: /proc/self/io cannot be read here\n");
    }
    // The same in pages, exactly: the WAL frames each commit appends, by the
    // table or index that owns the page.
    constexpr int page_taps = 1000;
    auto base_pages = wal_pages_per_tap(*baseline, options.dir / "baseline.db", page_taps,
                                        [&](int) { (void)insert->bind(1, body).run(); });
    auto store_pages = wal_pages_per_tap(store->database(), store_dir / store::database_file_name, page_taps,
                                         [&](int i) { (void)store->record(rating(i), now_utc_ms()); });
    if (base_pages && store_pages) {
        std::printf("pages written per tap, %d taps each (WAL frames per commit; target: at most one more than "
                    "the baseline)\n",
                    page_taps);
        print_pages("baseline single-row INSERT", *base_pages);
        print_pages("LocalStore::record", *store_pages);
        std::printf("  difference                   %+.3f pages a tap: %s\n",
                    store_pages->per_commit() - base_pages->per_commit(),
                    store_pages->per_commit() - base_pages->per_commit() <= 1.0 ? "met" : "NOT met");
    } else {
        std::printf("pages written per tap: the WAL or SQLite's dbstat table cannot be read here\n");
    }
    auto idle = idle_bytes_per_hour(options.dir / "idle-kiosk", options.idle_seconds);
    if (idle)
        std::printf("the kiosk standing idle on its start screen for %d s: %.0f bytes written per hour (target: 0)\n",
                    options.idle_seconds, *idle);
    else
        std::printf("the idle kiosk's writes: /proc/<pid>/io cannot be read here\n");

    auto bulk_store = store::LocalStore::open(bulk_dir);
    if (!bulk_store)
        return fail("opening the bulk store", bulk_store.error());
    std::vector<store::NewEvent> chunk;
    constexpr int chunk_size = 1000;
    auto start = Clock::now();
    for (int done = 0; done < options.bulk; done += chunk_size) {
        chunk.clear();
        for (int i = 0; i < chunk_size; ++i)
            chunk.push_back(rating(done + i));
        auto ok = bulk_store->record_all(chunk, now_utc_ms());
        if (!ok)
            return fail("bulk import", ok.error());
    }
    double seconds = ms_since(start) / 1000.0;
    std::printf("bulk import of %d events in transactions of %d: %.2f s, %.0f events/s\n", options.bulk, chunk_size,
                seconds, options.bulk / seconds);
    std::filesystem::remove_all(options.dir);
    return 0;
}
