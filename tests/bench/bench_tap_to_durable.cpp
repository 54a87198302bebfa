// Benchmark: tap-to-durable latency of recording one nps.rated through the
// local store, next to a bare single-row SQLite INSERT with the same pragmas
// on the same disk (the baseline), interleaved so both see the same noise;
// the bytes each writes to the disk per tap (the kernel's write_bytes in
// /proc/<pid>/io); the bytes the real kiosk writes while it stands idle; and
// the rate of a bulk import of 100,000 events.
//
//   bench_tap_to_durable [--dir DIR] [--taps N] [--bulk N] [--idle-seconds N]
#include "bench_support.h"
#include "common/device_condition.h"
#include "domain/clock.h"
#include "sqlite/database.h"
#include "store/local_store.h"

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

    // Wear: what each tap costs the disk (an SD card lives by it).
    constexpr int measured_taps = 500;
    auto base_bytes = bytes_per_tap(measured_taps, [&](int) { (void)insert->bind(1, body).run(); });
    auto store_bytes = bytes_per_tap(measured_taps, [&](int i) { (void)store->record(rating(i), now_utc_ms()); });
    if (base_bytes && store_bytes)
        std::printf("bytes written to the disk per tap, %d taps each (/proc/self/io write_bytes)\n"
                    "  baseline single-row INSERT   %.0f bytes\n"
                    "  LocalStore::record           %.0f bytes   %+.0f over the baseline (target: at most one "
                    "page, 4096 bytes)\n",
                    measured_taps, *base_bytes, *store_bytes, *store_bytes - *base_bytes);
    else
        std::printf("bytes written per tap: /proc/self/io cannot be read here\n");
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
