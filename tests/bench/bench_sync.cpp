// Benchmark of sync over real HTTPS on loopback (head office in-process on
// its own threads, the terminals' libcurl clients on others):
//   1. a backlog of N events (default 100,000) from one terminal's store to
//      head office's export: seconds, events/s, bytes on the wire per event;
//   2. head office's ingest with T terminals (default 50) uploading at once
//      (ready-made gzipped batches, so the clients cost little): events/s and
//      p50/p99 request latency, next to the same events inserted straight into
//      head office's SQLite in one transaction (the limit), with the ratio;
//      run --runs times (default 3) on fresh databases, each run and the
//      medians printed;
//   3. the same with T full terminal clients (their own stores, freezing and
//      acknowledging), all on the same machine.
//
//   bench_sync [--dir DIR] [--events N] [--terminals T] [--per-terminal N] [--batch N]
//              [--only backlog|ingest|clients] [--runs N]
#include "bench_support.h"
#include "crypto/sha256.h"
#include "client/http_client.h"
#include "client/sync_session.h"
#include "domain/clock.h"
#include "domain/ids.h"
#include "hq/certificates.h"
#include "hq/hq_settings.h"
#include "hq/hq_store.h"
#include "hq/server.h"
#include "store/local_store.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

using namespace feedback;
using bench::Clock;
using bench::percentile;

namespace {

struct Options {
    std::filesystem::path dir = std::filesystem::current_path() / "bench-sync-data";
    int events = 100000;
    int terminals = 50;
    int per_terminal = 2000;
    int batch = 1000;
    std::string only; // "backlog", "ingest" or "clients": run only that part
    int runs = 3;     // of part 2, each on fresh databases; medians are printed
};

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// User and system CPU time of this process (all threads) so far: on a shared
// machine a steadier measure of the work done than the wall clock.
double process_cpu_seconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

[[noreturn]] void die(const char* what, const Error& error)
{
    bench::die("bench_sync", what, error);
}

template <class T>
T must(Result<T> result, const char* what)
{
    if (!result)
        die(what, result.error());
    return std::move(*result);
}

void must(Result<void> result, const char* what)
{
    if (!result)
        die(what, result.error());
}

// Head office in DIR on a free loopback port, serving on its own threads.
class RunningHq {
public:
    RunningHq(const std::filesystem::path& dir, std::ostream& log)
    {
        std::filesystem::create_directories(dir);
        must(hq::make_private_ca(dir, "127.0.0.1"), "making certificates");
        hq::HqSettings settings;
        settings.hostname = "127.0.0.1";
        settings.limits.rate_burst = 1e9; // measuring throughput, not the limiter
        must(hq::save_settings(dir, settings), "saving settings");
        m_store.emplace(must(hq::HqStore::open(dir, hq::HqStore::Intent::create), "opening head office"));
        m_server = must(hq::HqServer::create(dir, settings, log), "starting head office");
        m_server->set_enrol_rate_limit(1e9, 1e9); // 50 terminals enrol from one address
        m_port = must(m_server->bind({"127.0.0.1", 0}), "binding");
        m_thread = std::thread([this] { (void)m_server->run(); });
        m_ca = (dir / "tls" / "ca.pem").string();
    }
    ~RunningHq()
    {
        m_server->stop();
        m_thread.join();
    }
    std::string url() const { return "https://127.0.0.1:" + std::to_string(m_port); }
    const std::string& ca() const { return m_ca; }
    hq::HqStore& store() { return *m_store; }

private:
    std::optional<hq::HqStore> m_store;
    std::unique_ptr<hq::HqServer> m_server;
    int m_port = 0;
    std::thread m_thread;
    std::string m_ca;
};

// A terminal with `count` ratings recorded, enrolled with head office.
struct Terminal {
    std::filesystem::path dir;
    std::optional<store::LocalStore> store;
};

Terminal make_terminal(const std::filesystem::path& dir, RunningHq& hq, int count, int64_t now)
{
    std::filesystem::create_directories(dir);
    Terminal terminal{dir, must(store::LocalStore::open(dir), "opening a terminal")};
    std::vector<store::NewEvent> events;
    for (int i = 0; i < count; ++i) {
        events.push_back({EventType::nps_rated, "", "kiosk",
                          {{"score", i % 11}, {"survey_version", 1}, {"locale", i % 3 ? "nl" : "en"}}, now - i});
        if (events.size() == 10000 || i + 1 == count) {
            (void)must(terminal.store->record_all(events, now), "recording");
            events.clear();
        }
    }
    auto code = must(hq.store().create_enrolment_code("UTR", "bench", now, 3600 * 1000), "making a code");
    sync::SessionOptions options;
    (void)must(sync::enrol(dir, *terminal.store, hq.url(), code.code, hq.ca(), options), "enrolling");
    return terminal;
}

struct UploadTotals {
    int64_t events = 0;
    int64_t requests = 0;
    int64_t bytes_sent = 0;
    int64_t bytes_received = 0;
    int64_t body_bytes = 0;
    std::vector<double> latencies_ms;
};

UploadTotals upload_all(Terminal& terminal, size_t batch)
{
    auto credentials = must(sync::load_credentials(terminal.dir), "reading credentials");
    sync::SessionOptions options;
    options.batch_size = batch;
    sync::SyncSession session(terminal.dir, *terminal.store, *credentials, options);
    UploadTotals totals;
    for (;;) {
        auto started = Clock::now();
        auto step = session.upload_next();
        double ms = seconds_since(started) * 1000;
        if (step.kind == sync::UploadStep::Kind::nothing_to_send)
            return totals;
        if (step.kind != sync::UploadStep::Kind::acknowledged) {
            std::fprintf(stderr, "bench_sync: upload failed: %s\n", step.message.c_str());
            std::exit(1);
        }
        totals.events += step.acknowledged;
        totals.requests += 1;
        totals.bytes_sent += step.bytes_sent;
        totals.bytes_received += step.bytes_received;
        totals.body_bytes += step.body_bytes;
        totals.latencies_ms.push_back(ms);
    }
}

} // namespace

int main(int argc, char** argv)
{
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
        if (arg == "--dir")
            options.dir = next();
        else if (arg == "--events")
            options.events = std::stoi(next());
        else if (arg == "--terminals")
            options.terminals = std::stoi(next());
        else if (arg == "--per-terminal")
            options.per_terminal = std::stoi(next());
        else if (arg == "--batch")
            options.batch = std::stoi(next());
        else if (arg == "--only")
            options.only = next();
        else if (arg == "--runs")
            options.runs = std::max(1, std::stoi(next()));
        else {
            std::fprintf(stderr, "usage: bench_sync [--dir DIR] [--events N] [--terminals T] [--per-terminal N] "
                                 "[--batch N] [--only backlog|ingest|clients] [--runs N]\n");
            return arg == "--help" ? 0 : 2;
        }
    }
    std::filesystem::remove_all(options.dir);
    sync::init_transport();
    std::ostream no_log(nullptr);
    int64_t now = now_utc_ms();

    auto wanted = [&](const char* part) { return options.only.empty() || options.only == part; };

    // [SECTION] 1. One terminal's backlog to head office's export
    if (wanted("backlog")) {
        RunningHq hq(options.dir / "hq-backlog", no_log);
        Terminal terminal = make_terminal(options.dir / "backlog-terminal", hq, options.events, now);
        auto started = Clock::now();
        UploadTotals totals = upload_all(terminal, static_cast<size_t>(options.batch));
        double upload_s = seconds_since(started);
        int64_t exported = 0;
        int64_t export_bytes = 0;
        must(hq.store().for_each_event(std::nullopt, [&](const std::string& line) {
                 ++exported;
                 export_bytes += static_cast<int64_t>(line.size()) + 1;
             }),
             "exporting");
        double total_s = seconds_since(started);
        if (exported != options.events) {
            std::fprintf(stderr, "bench_sync: exported %lld of %d events\n", static_cast<long long>(exported),
                         options.events);
            return 1;
        }
        double per_event = static_cast<double>(totals.bytes_sent + totals.bytes_received) / static_cast<double>(exported);
        std::printf("backlog to export: %d events in %zu-event batches (%lld requests)\n", options.events,
                    static_cast<size_t>(options.batch), static_cast<long long>(totals.requests));
        std::printf("  upload %.2f s, upload + export %.2f s: %.0f events/s end to end\n", upload_s, total_s,
                    static_cast<double>(exported) / total_s);
        std::printf("  on the wire: %.1f bytes/event (%.1f sent + %.1f received; JSON before gzip %.1f bytes/event)\n",
                    per_event, static_cast<double>(totals.bytes_sent) / static_cast<double>(exported),
                    static_cast<double>(totals.bytes_received) / static_cast<double>(exported),
                    static_cast<double>(totals.body_bytes) / static_cast<double>(exported));
        std::printf("  request latency p50 %.1f ms, p99 %.1f ms\n", percentile(totals.latencies_ms, 0.5),
                    percentile(totals.latencies_ms, 0.99));
    }

    // [SECTION] 2. Many terminals at once, next to direct inserts (each run on fresh databases; medians)
    if (wanted("ingest")) {
        std::vector<double> http_rates, direct_rates, ratios, p50s, p99s;
        for (int run = 1; run <= options.runs; ++run) {
            RunningHq hq(options.dir / ("hq-many-" + std::to_string(run)), no_log);
            size_t batch = static_cast<size_t>(std::min(options.batch, 500));

            // 2a. Head office alone: T clients POST ready-made gzipped batches at once.
            struct Prepared {
                std::string batch_id;
                std::string gzipped;
                std::string sha256;
            };
            struct Client {
                std::string token;
                std::vector<Prepared> batches;
            };
            std::vector<Client> clients;
            for (int t = 0; t < options.terminals; ++t) {
                auto code = must(hq.store().create_enrolment_code("UTR", "bench", now, 3600 * 1000), "making a code");
                std::string device = make_uuid_v7(now);
                auto enrolled = must(hq.store().enrol(code.code, device, "bench", now), "enrolling");
                Client client{enrolled.token, {}};
                nlohmann::json events = nlohmann::json::array();
                for (int i = 0; i < options.per_terminal; ++i) {
                    events.push_back({{"v", 1}, {"id", make_uuid_v7(now - i)}, {"type", "nps.rated"},
                                      {"occurred_at", now - i}, {"actor", "kiosk"}, {"device_id", device}, {"seq", i + 1},
                                      {"payload", {{"score", i % 11}, {"survey_version", 1}, {"locale", "nl"}}}});
                    if (events.size() == batch || i + 1 == options.per_terminal) {
                        std::string batch_id = make_uuid_v7(now);
                        std::string body = nlohmann::json{{"batch_id", batch_id}, {"events", events}}.dump();
                        client.batches.push_back({batch_id, must(sync::gzip_compress(body), "gzip"), crypto::sha256_hex(body)});
                        events = nlohmann::json::array();
                    }
                }
                clients.push_back(std::move(client));
            }
            std::vector<std::vector<double>> latencies(clients.size());
            std::atomic<bool> go{false};
            std::atomic<int> failures{0};
            std::vector<std::thread> threads;
            for (size_t t = 0; t < clients.size(); ++t)
                threads.emplace_back([&, t] {
                    sync::HttpClient http({hq.ca()});
                    while (!go.load())
                        std::this_thread::yield();
                    for (const auto& prepared : clients[t].batches) {
                        sync::HttpRequest request{"POST", hq.url() + "/v1/batches",
                                                  {{"Authorization", "Bearer " + clients[t].token},
                                                   {sync::header_idempotency_key, prepared.batch_id},
                                                   {sync::header_body_sha256, prepared.sha256},
                                                   {"Content-Type", "application/json"},
                                                   {"Content-Encoding", "gzip"}},
                                                  prepared.gzipped};
                        auto started = Clock::now();
                        auto response = http.perform(request);
                        latencies[t].push_back(seconds_since(started) * 1000);
                        if (!response || response->status != 200)
                            ++failures;
                    }
                });
            auto started = Clock::now();
            double cpu_started = process_cpu_seconds();
            go = true;
            for (auto& thread : threads)
                thread.join();
            double seconds = seconds_since(started);
            double cpu_seconds = process_cpu_seconds() - cpu_started;
            if (failures > 0) {
                std::fprintf(stderr, "bench_sync: %d uploads failed\n", failures.load());
                return 1;
            }
            std::vector<double> all_latencies;
            for (const auto& list : latencies)
                all_latencies.insert(all_latencies.end(), list.begin(), list.end());
            int64_t total = must(hq.store().event_count(), "counting");
            double http_rate = static_cast<double>(total) / seconds;
            if (total != static_cast<int64_t>(options.terminals) * options.per_terminal) {
                std::fprintf(stderr, "bench_sync: head office holds %lld events, not %lld\n",
                             static_cast<long long>(total),
                             static_cast<long long>(options.terminals) * options.per_terminal);
                return 1;
            }
            double p50 = percentile(all_latencies, 0.5);
            double p99 = percentile(all_latencies, 0.99);
            std::printf("ingest run %d of %d, %d terminals uploading at once: %lld events in %zu requests of %zu in "
                        "%.2f s: %.0f events/s, request latency p50 %.1f ms, p99 %.1f ms; CPU %.2f s (head office "
                        "and the clients)\n",
                        run, options.runs, options.terminals, static_cast<long long>(total), all_latencies.size(),
                        batch, seconds, http_rate, p50, p99, cpu_seconds);

            // 2b. The same rows straight into a fresh head-office database, one transaction: the limit.
            auto direct_dir = options.dir / ("hq-direct-" + std::to_string(run));
            std::filesystem::create_directories(direct_dir);
            auto direct = must(hq::HqStore::open(direct_dir, hq::HqStore::Intent::create), "opening direct");
            std::vector<std::string> bodies;
            must(hq.store().for_each_event(std::nullopt, [&](const std::string& body) { bodies.push_back(body); }), "reading");
            std::vector<nlohmann::json> parsed;
            for (const auto& body : bodies)
                parsed.push_back(nlohmann::json::parse(body));
            auto& db = *sql::sqlite_database(direct.connection()); // the limit is SQLite's own
            auto insert_started = Clock::now();
            {
                auto txn = must(sqlite::Transaction::begin(db), "begin");
                auto stmt = must(db.prepare("INSERT INTO events(id, type, subject, occurred_at, device_id, store_code, "
                                            "received_at, batch_id, body) VALUES (?1, ?2, NULL, ?3, ?4, 'UTR', ?5, 'b', ?6)"),
                                 "prepare");
                for (size_t i = 0; i < bodies.size(); ++i)
                    must(stmt.bind(1, parsed[i]["id"].get<std::string>())
                             .bind(2, parsed[i]["type"].get<std::string>())
                             .bind(3, parsed[i]["occurred_at"].get<int64_t>())
                             .bind(4, parsed[i]["device_id"].get<std::string>())
                             .bind(5, now)
                             .bind(6, bodies[i])
                             .run(),
                         "insert");
                must(txn.commit(), "commit");
            }
            double direct_s = seconds_since(insert_started);
            double direct_rate = static_cast<double>(bodies.size()) / direct_s;
            std::printf("  direct insert of the same %zu events in one transaction: %.2f s: %.0f events/s; "
                        "ratio %.2f\n",
                        bodies.size(), direct_s, direct_rate, http_rate / direct_rate);
            http_rates.push_back(http_rate);
            direct_rates.push_back(direct_rate);
            ratios.push_back(http_rate / direct_rate);
            p50s.push_back(p50);
            p99s.push_back(p99);
        }
        std::string each;
        for (double ratio : ratios) {
            char text[16];
            std::snprintf(text, sizeof text, "%.2f", ratio);
            each += (each.empty() ? "" : ", ") + std::string(text);
        }
        std::printf("ingest, %d terminals uploading at once, median of %d runs: %.0f events/s, request latency p50 "
                    "%.1f ms, p99 %.1f ms\n",
                    options.terminals, options.runs, percentile(http_rates, 0.5), percentile(p50s, 0.5),
                    percentile(p99s, 0.5));
        std::printf("  direct insert of the same events in one transaction (the limit), median: %.0f events/s\n",
                    percentile(direct_rates, 0.5));
        std::printf("  ratio HTTPS ingest / direct insert, median of the runs' ratios: %.2f (%s)\n",
                    percentile(ratios, 0.5), each.c_str());
    }

    // [SECTION] 3. Many full terminal clients at once (freeze, gzip, HTTPS, local acknowledgement)
    if (wanted("clients")) {
        RunningHq hq(options.dir / "hq-clients", no_log);
        std::vector<Terminal> terminals;
        for (int t = 0; t < options.terminals; ++t)
            terminals.push_back(make_terminal(options.dir / ("terminal-" + std::to_string(t)), hq,
                                              options.per_terminal, now));
        size_t batch = static_cast<size_t>(std::min(options.batch, 500));
        std::vector<UploadTotals> results(terminals.size());
        std::atomic<bool> go{false};
        std::vector<std::thread> threads;
        for (size_t t = 0; t < terminals.size(); ++t)
            threads.emplace_back([&, t] {
                while (!go.load())
                    std::this_thread::yield();
                results[t] = upload_all(terminals[t], batch);
            });
        auto started = Clock::now();
        go = true;
        for (auto& thread : threads)
            thread.join();
        double seconds = seconds_since(started);
        UploadTotals all;
        for (const auto& result : results) {
            all.events += result.events;
            all.latencies_ms.insert(all.latencies_ms.end(), result.latencies_ms.begin(), result.latencies_ms.end());
        }
        std::printf("%d full terminal clients at once (their SQLite work on the same cores): %lld events in %.2f s: "
                    "%.0f events/s; per batch p50 %.1f ms, p99 %.1f ms\n",
                    options.terminals, static_cast<long long>(all.events), seconds,
                    static_cast<double>(all.events) / seconds, percentile(all.latencies_ms, 0.5),
                    percentile(all.latencies_ms, 0.99));
    }
    std::filesystem::remove_all(options.dir);
    return 0;
}
