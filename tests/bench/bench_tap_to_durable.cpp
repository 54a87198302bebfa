// Benchmark: tap-to-durable latency of recording one nps.rated through the
// local store, next to a bare single-row SQLite INSERT with the same pragmas
// on the same disk (the baseline), interleaved so both see the same noise;
// and the rate of a bulk import of 100,000 events.
//
//   bench_tap_to_durable [--dir DIR] [--taps N] [--bulk N]
#include "bench_support.h"
#include "domain/clock.h"
#include "sqlite/database.h"
#include "store/local_store.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
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
};

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
            std::puts("usage: bench_tap_to_durable [--dir DIR] [--taps N] [--bulk N]\n\n"
                      "Tap-to-durable latency (median, p99) of LocalStore::record against a bare\n"
                      "single-row INSERT with the same pragmas, and the bulk-import rate.\n"
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
