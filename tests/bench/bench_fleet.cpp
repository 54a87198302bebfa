// Benchmark of head office under a fleet of terminals: N terminals (default
// 10,000), each a real device enrolled by head office's own enrolment code
// (HqStore::enrol, not over HTTP, whose per-address limit would take hours),
// with its own token, its own events and its own records of them, driven
// from one thread through libcurl's multi interface (not a thread per
// terminal) against
//
//   postgresql  two real `feedback-hq serve` processes on one PostgreSQL 15
//               database (a private cluster, support/postgres_cluster.h;
//               fsync on, as in production) behind Debian's haproxy running
//               platform/reverse-proxy/haproxy-feedback-hq.cfg, and
//   sqlite      one `feedback-hq serve` on DIR/hq.db (synchronous=FULL): the
//               baseline, measured in the same run with the same traffic.
//
// One run, on the monotonic clock from T0 (S = --steady-seconds, default 90):
//
//   [0, S)       "a day": a shop's 12 opening hours (08-20) compressed into
//                S seconds (90 s: 480 times faster). The fleet records
//                --tap-rate ratings a second on average over the day (default
//                120, each at a random terminal) at moments drawn from a
//                shop's hourly profile (peaks at lunch and 17-19 h: 187/s in
//                the lunch hour; ten times the lunch hour of 10,000 real
//                counters at 50 taps a day). Each terminal uploads as the
//                real uploader does, each upload on a new TLS connection
//                from its shop's address (10 terminals a store, each store
//                a loopback address of its own): one batch at a time (at most 1,000
//                events), frozen and sent byte for byte the same until head
//                office answers it; the next batch at once after an
//                acknowledgement; after a 429, 5xx or no answer, full-jitter
//                backoff (base 1 s, cap 5 min, Retry-After a floor:
//                client/backoff.h). A 200 acknowledges only with
//                Feedback-Protocol: 1, the batch's id and counts that add up.
//                At 0.3 S one process is killed (SIGKILL; on SQLite its only
//                one) and started again 5 s later; at 0.6 S PostgreSQL is
//                restarted (postgresql only).
//   S            "an hour's outage": every terminal is cut off and records
//                --backlog ratings (default 20: a busy counter's hour) timed
//                over the last hour of the wall clock. Nobody waits the hour.
//   [S+5, S+65)  every terminal reconnects at a random moment of these 60 s
//                and sends its backlog (with anything the day left unsent);
//                the run ends when every event is acknowledged.
//
// A dashboard freshness sample is taken every second during the traffic:
// the newest events.seq then, and how long until dashboard_cursor.last_seq
// reaches it (the projector LISTENs on PostgreSQL; on SQLite it catches up
// every few seconds or when a page asks, and no page asks here). At the end
// every terminal's records are checked against head office's events table:
// lost = made by a terminal and not stored, doubled = stored more than once,
// foreign = stored and made by no terminal. Head office's request logs,
// PostgreSQL's errors and haproxy's messages are summarised after each run;
// the logs stay in DIR.
//
// How to read it: PASS/MISS against the targets (0 lost, 0 doubled,
// the reconnect burst ingested within 2 minutes of the first reconnect,
// steady-state request latency p99 under 200 ms: requests the day started
// outside the fault windows, each from the fault to 10 s after recovery),
// then each figure as a ratio PostgreSQL / SQLite from the same run. The
// latencies are a terminal's: from handing the request to libcurl to the
// whole answer, TLS handshake included; client, haproxy, head office and
// PostgreSQL share the same cores; the run prints how the tap rate compares
// with a real chain's.
//
//   bench_fleet [--terminals N] [--steady-seconds S] [--backlog N] [--tap-rate R]
//               [--threads N] [--only postgresql|sqlite] [--dir DIR]
#include "bench_support.h"
#include "client/backoff.h"
#include "common/protocol.h"
#include "crypto/sha256.h"
#include "domain/clock.h"
#include "domain/event.h"
#include "domain/ids.h"
#include "hq/hq_store.h"
#include "sql/connection.h"
#include "support/event_builder.h"
#include "support/files.h"
#include "support/postgres_cluster.h"
#include "sync/haproxy_front.h"
#include "sync/sync_support.h"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <queue>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

using namespace feedback;
using bench::Clock;
using bench::percentile;

namespace {

// [SECTION] Options and the plan of a run

constexpr const char* program = "bench_fleet";
constexpr const char* usage =
    "usage: bench_fleet [--terminals N] [--steady-seconds S] [--backlog N] [--tap-rate R]\n"
    "                   [--threads N] [--only postgresql|sqlite] [--dir DIR]\n"
    "  --terminals N       terminals in the fleet (default 10000)\n"
    "  --steady-seconds S  seconds a shop's 12-hour day is compressed into (default 90)\n"
    "  --backlog N         ratings each terminal records during the hour's outage (default 20)\n"
    "  --tap-rate R        ratings the fleet records a second, on average over the day (default 120)\n"
    "  --threads N         hq.json's \"threads\" of every head-office process (default: head office's own, 64)\n"
    "  --only BACKEND      run only postgresql (two processes behind haproxy) or sqlite (the baseline)\n"
    "  --dir DIR           working folder, emptied first; its logs are kept (default ./bench-fleet-data)\n";

struct Options {
    std::filesystem::path dir = std::filesystem::current_path() / "bench-fleet-data";
    int terminals = 10000;
    int steady_seconds = 90;
    int backlog = 20;
    int tap_rate = 120; // the fleet's taps a second, averaged over the compressed day
    std::string only; // "postgresql" or "sqlite"; empty: both
    int threads = 0;  // hq.json "threads"; 0: head office's default
};

// A shop's opening day, 08:00 to 20:00: how many taps each hour gets,
// relative to the others (quiet morning, lunch, the after-work peak).
constexpr std::array<double, 12> day_profile{3, 5, 7, 9, 13, 11, 8, 7, 8, 12, 10, 7};
constexpr double day_hours = 12;
constexpr double real_taps_a_day = 50; // a busy counter's, for comparison only
constexpr double outage_gap_seconds = 5;        // from the outage to the first possible reconnect
constexpr double reconnect_window_seconds = 60; // every terminal reconnects within this
constexpr double drain_limit_seconds = 300;     // after the window: then the run stops, unfinished
constexpr double fault_settle_seconds = 10;     // a fault window lasts until this long after recovery
constexpr double down_seconds = 5;              // the killed process stays down this long
constexpr int terminals_per_store = 10;
constexpr size_t max_events_per_batch = 1000;   // head office's default limit (PROTOCOL.md 6)
// Uploads in flight at once (each its own connection): well under
// haproxy's maxconn 8000, head office's 4096 and the open-files limit.
constexpr long max_client_connections = 1500;
constexpr const char* app_version = "bench-fleet";

[[noreturn]] void bad_option(const std::string& reason)
{
    std::fprintf(stderr, "%s: %s\n%s", program, reason.c_str(), usage);
    std::exit(2);
}

int int_option(const std::string& name, const char* text, int min, int max)
{
    if (!text)
        bad_option(name + " needs a number");
    std::string_view value(text);
    int parsed = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (error != std::errc() || end != value.data() + value.size())
        bad_option(name + " takes a whole number, not \"" + std::string(value) + "\"");
    if (parsed < min || parsed > max)
        bad_option(name + " must be from " + std::to_string(min) + " to " + std::to_string(max) + ", not " +
                   std::to_string(parsed));
    return parsed;
}

Options parse_options(int argc, char** argv)
{
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
        if (arg == "--help") {
            std::fputs(usage, stdout);
            std::exit(0);
        }
        if (arg == "--terminals")
            options.terminals = int_option(arg, value, 1, 100000);
        else if (arg == "--steady-seconds")
            options.steady_seconds = int_option(arg, value, 5, 3600);
        else if (arg == "--backlog")
            options.backlog = int_option(arg, value, 1, 10000);
        else if (arg == "--tap-rate")
            options.tap_rate = int_option(arg, value, 0, 100000);
        else if (arg == "--threads")
            options.threads = int_option(arg, value, 2, 1024);
        else if (arg == "--only") {
            if (!value || (std::string(value) != "postgresql" && std::string(value) != "sqlite"))
                bad_option("--only takes postgresql or sqlite");
            options.only = value;
        } else if (arg == "--dir") {
            if (!value || !*value)
                bad_option("--dir needs a folder");
            options.dir = value;
        } else {
            bad_option("unknown option \"" + arg + "\"");
        }
        ++i; // every option but --help takes a value
    }
    return options;
}

double seconds_between(Clock::time_point from, Clock::time_point to)
{
    return std::chrono::duration<double>(to - from).count();
}

// User and system CPU time of this process (every thread) so far.
double process_cpu_seconds()
{
    rusage used{};
    getrusage(RUSAGE_SELF, &used);
    auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(used.ru_utime) + seconds(used.ru_stime);
}

// The machine's 1-minute load average: on a shared machine, how much else ran.
double load_average()
{
    double load[1] = {0};
    return getloadavg(load, 1) == 1 ? load[0] : -1;
}

// "ABC": the store code of store number `index`, from the letters of the
// reference-code alphabet (domain/refcode.h): 23^3 codes.
std::string store_code(uint32_t index)
{
    constexpr std::string_view letters = "ABCDEFGHJKMNPQRSTUVWXYZ";
    std::string code(3, 'A');
    for (int at = 2; at >= 0; --at) {
        code[static_cast<size_t>(at)] = letters[index % letters.size()];
        index /= static_cast<uint32_t>(letters.size());
    }
    return code;
}

// The loopback address a store's terminals connect from (all of 127/8 is
// this machine on Linux): head office sees a shop per address, as behind a
// shop's NAT, and its 64 connections per address hold for the baseline too.
std::string source_address(uint32_t store)
{
    return "127." + std::to_string(1 + store / 62500) + "." + std::to_string(store / 250 % 250) + "." +
           std::to_string(store % 250 + 1);
}

// [SECTION] The fleet: terminals and their own records

// A terminal as the benchmark keeps it: its credentials, what it recorded
// (its own records), what waits to be sent, and its frozen batch.
//
//   pending --freeze()--> FROZEN (same bytes on every try) --200 that matches--> acknowledged
//                            ^                    |
//                            +--429/5xx/no answer-+ (backoff, Retry-After a floor)
struct Terminal {
    Terminal(std::string device, const std::string& token, uint32_t store_index, sync::Backoff retry)
        : device_id(std::move(device)), authorization("Authorization: Bearer " + token), store(store_index),
          backoff(std::move(retry))
    {
    }

    std::string device_id;
    std::string authorization;
    uint32_t store = 0;
    int64_t next_seq = 1;
    std::vector<std::string> made;            // the id of every event it recorded
    std::vector<std::string> pending;         // wire events in no batch yet
    // Made before the run (wire event, id), recorded at the outage.
    std::vector<std::pair<std::string, std::string>> outage_backlog;
    // The frozen batch (batch_events 0: none).
    std::string batch_id;
    std::string batch_gzip;
    std::string batch_sha256;
    size_t batch_events = 0;
    int64_t acknowledged = 0;
    sync::Backoff backoff;
    double retry_at = 0;       // seconds from T0: not before this after a failure
    double offline_until = 0;  // seconds from T0: cut off until then (the outage)
    bool in_flight = false;
    bool queued = false;
    bool gave_up = false;      // an answer no retry can mend (401, 403, 400 ...)
};

std::string wire_rating(Terminal& terminal, int64_t occurred_at, int score, std::string& id)
{
    Event event = testing::make_event({.type = EventType::nps_rated,
                                       .subject = {},
                                       .occurred_at_ms = occurred_at,
                                       .device_id = terminal.device_id,
                                       .device_seq = terminal.next_seq++,
                                       .payload = {{"score", score}, {"survey_version", 1}, {"locale", "nl"}},
                                       .actor = "kiosk"});
    id = event.id;
    return to_json(event).dump();
}

// The body of POST /v1/batches (PROTOCOL.md 3), gzipped, from the oldest
// pending events; it stays byte-identical until head office answers it.
void freeze(Terminal& terminal)
{
    size_t count = std::min(terminal.pending.size(), max_events_per_batch);
    terminal.batch_id = make_uuid_v7(now_utc_ms());
    std::string body = "{\"batch_id\":\"" + terminal.batch_id + "\",\"events\":[";
    for (size_t i = 0; i < count; ++i) {
        if (i > 0)
            body += ',';
        body += terminal.pending[i];
    }
    body += "]}";
    terminal.batch_sha256 = crypto::sha256_hex(body);
    terminal.batch_gzip = bench::must(program, sync::gzip_compress(body), "gzip");
    terminal.batch_events = count;
    terminal.pending.erase(terminal.pending.begin(), terminal.pending.begin() + static_cast<std::ptrdiff_t>(count));
}

struct Tap {
    double at = 0; // seconds from T0
    uint32_t terminal = 0;
};

// What the fleet does, worked out before T0 (the same for both backends).
struct Plan {
    double day_seconds = 0;
    double reconnect_start = 0;
    std::vector<Tap> taps;              // sorted by time
    std::vector<double> reconnect_at;   // per terminal, seconds from T0
};

Plan make_plan(const Options& options, std::mt19937_64& random)
{
    Plan plan;
    plan.day_seconds = options.steady_seconds;
    plan.reconnect_start = plan.day_seconds + outage_gap_seconds;
    std::discrete_distribution<int> hour(day_profile.begin(), day_profile.end());
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::uniform_int_distribution<uint32_t> terminal(0, static_cast<uint32_t>(options.terminals - 1));
    const auto taps = static_cast<int64_t>(std::llround(options.tap_rate * plan.day_seconds));
    for (int64_t k = 0; k < taps; ++k)
        plan.taps.push_back({(hour(random) + unit(random)) / day_hours * plan.day_seconds, terminal(random)});
    for (int t = 0; t < options.terminals; ++t)
        plan.reconnect_at.push_back(plan.reconnect_start + unit(random) * reconnect_window_seconds);
    std::sort(plan.taps.begin(), plan.taps.end(), [](const Tap& a, const Tap& b) { return a.at < b.at; });
    return plan;
}

// [SECTION] The driver: every terminal's uploads over one libcurl multi handle

enum class Phase { day, burst };

struct RequestSample {
    double started = 0; // seconds from T0
    double ms = 0;
    bool acknowledged = false;
};

// What the fleet saw, for the report.
struct FleetFigures {
    std::vector<RequestSample> requests;
    std::map<std::string, int64_t> answers[2]; // by Phase: "HTTP 200", "no answer: ..." ...
    std::vector<int64_t> acknowledged_per_second;
    int64_t replayed_answers = 0;  // Feedback-Replayed: true (a retry of a batch stored before)
    int64_t duplicate_events = 0;  // counted "duplicate" in answers
    int64_t rejected_events = 0;
    int64_t unmatched_200s = 0;    // 200 with the protocol header but an answer that does not match
    int64_t events_recorded = 0;
    int64_t day_acknowledged = 0;  // events acknowledged by uploads the day started
    double first_reconnect = 0;
    double finished_at = -1;       // seconds from T0 when every event was acknowledged; -1: never
    int64_t unacknowledged_at_end = 0;
    int gave_up = 0;
    size_t most_waiting_for_a_connection = 0;
};

class FleetDriver {
public:
    FleetDriver(std::vector<Terminal>& terminals, const Plan& plan, const std::string& url, std::string ca_file,
                uint64_t seed)
        : m_terminals(terminals), m_plan(plan), m_url(url + "/v1/batches"), m_ca_file(std::move(ca_file)),
          m_random(seed)
    {
    }

    // Runs the plan from `t0` until every event is acknowledged or the drain
    // limit passes. Blocks: run it on a thread of its own.
    void run(Clock::time_point t0);
    FleetFigures& figures() { return m_figures; }

private:
    struct Upload {
        CURL* easy = nullptr;
        uint32_t terminal = 0;
        curl_slist* headers = nullptr;
        std::string body;
        bool protocol = false;
        bool replayed = false;
        std::string batch_id;
        std::string retry_after;
        double started = 0;
    };

    double now() const { return seconds_between(m_t0, Clock::now()); }
    void record(Terminal& terminal, std::string wire, std::string id);
    void begin_outage();
    void wake(uint32_t index, double at);
    void start_upload(uint32_t index);
    void finish_upload(CURL* easy, CURLcode code);
    bool acknowledges(const Upload& upload, const Terminal& terminal, long status);
    static curl_socket_t open_socket(void* user, curlsocktype purpose, curl_sockaddr* address);
    static size_t on_body(char* data, size_t size, size_t count, void* user);
    static size_t on_header(char* data, size_t size, size_t count, void* user);

    std::vector<Terminal>& m_terminals;
    const Plan& m_plan;
    std::string m_url;
    std::string m_ca_file;
    std::mt19937_64 m_random;
    Clock::time_point m_t0;
    CURLM* m_multi = nullptr;
    // Uploads in flight by slot (CURLOPT_PRIVATE holds the slot), and the free slots.
    std::vector<std::unique_ptr<Upload>> m_uploads;
    std::vector<size_t> m_free_slots;
    size_t m_in_flight = 0;
    std::deque<uint32_t> m_waiting; // terminals with work, waiting for a connection
    using Timer = std::pair<double, uint32_t>;
    std::priority_queue<Timer, std::vector<Timer>, std::greater<>> m_timers;
    int64_t m_unacknowledged = 0;
    int64_t m_held_by_stopped = 0; // of those, held by terminals that gave up
    bool m_outage_begun = false;
    FleetFigures m_figures;
};

void FleetDriver::record(Terminal& terminal, std::string wire, std::string id)
{
    terminal.pending.push_back(std::move(wire));
    terminal.made.push_back(std::move(id));
    ++m_unacknowledged;
    ++m_figures.events_recorded;
}

void FleetDriver::begin_outage()
{
    m_outage_begun = true;
    m_figures.first_reconnect = *std::min_element(m_plan.reconnect_at.begin(), m_plan.reconnect_at.end());
    for (uint32_t i = 0; i < m_terminals.size(); ++i) {
        Terminal& terminal = m_terminals[i];
        for (auto& [wire, id] : terminal.outage_backlog) {
            if (terminal.gave_up)
                ++m_held_by_stopped;
            record(terminal, std::move(wire), std::move(id));
        }
        terminal.outage_backlog.clear();
        terminal.offline_until = m_plan.reconnect_at[i];
        m_timers.emplace(terminal.offline_until, i);
    }
}

// The terminal has something to do: queue it for a connection, unless it is
// busy, cut off or backing off (a timer wakes it then).
void FleetDriver::wake(uint32_t index, double at)
{
    Terminal& terminal = m_terminals[index];
    if (terminal.in_flight || terminal.queued || terminal.gave_up)
        return;
    if (at < terminal.offline_until || at < terminal.retry_at)
        return;
    if (terminal.batch_events == 0 && terminal.pending.empty())
        return;
    terminal.queued = true;
    m_waiting.push_back(index);
    m_figures.most_waiting_for_a_connection = std::max(m_figures.most_waiting_for_a_connection, m_waiting.size());
}

// The fleet's sockets are closed on exec: PostgreSQL and the head-office
// processes this benchmark restarts must not inherit a thousand of them
// (PostgreSQL counts them against max_files_per_process and refuses to
// start; a process holding a copy keeps a connection open).
curl_socket_t FleetDriver::open_socket(void*, curlsocktype, curl_sockaddr* address)
{
    return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

size_t FleetDriver::on_body(char* data, size_t size, size_t count, void* user)
{
    static_cast<Upload*>(user)->body.append(data, size * count);
    return size * count;
}

size_t FleetDriver::on_header(char* data, size_t size, size_t count, void* user)
{
    auto* upload = static_cast<Upload*>(user);
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) { // a new answer (after a 100 Continue): forget the last one's headers
        upload->protocol = false;
        upload->replayed = false;
        upload->batch_id.clear();
        upload->retry_after.clear();
        return size * count;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
        return size * count;
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
        value.remove_suffix(1);
    if (name == "feedback-protocol")
        upload->protocol = value == "1";
    else if (name == "feedback-replayed")
        upload->replayed = value == "true";
    else if (name == "feedback-batch-id")
        upload->batch_id = value;
    else if (name == "retry-after")
        upload->retry_after = value;
    return size * count;
}

void FleetDriver::start_upload(uint32_t index)
{
    Terminal& terminal = m_terminals[index];
    terminal.queued = false;
    if (terminal.batch_events == 0)
        freeze(terminal);
    auto upload = std::make_unique<Upload>();
    upload->terminal = index;
    upload->started = now();
    const int64_t backlog = static_cast<int64_t>(terminal.batch_events + terminal.pending.size());
    for (const std::string& header :
         {terminal.authorization, std::string(sync::header_idempotency_key) + ": " + terminal.batch_id,
          std::string("Content-Type: application/json"), std::string("Content-Encoding: gzip"),
          std::string(sync::header_protocol) + ": 1",
          std::string(sync::header_body_sha256) + ": " + terminal.batch_sha256,
          std::string(sync::header_backlog) + ": " + std::to_string(backlog),
          std::string(sync::header_app_version) + ": " + app_version, std::string("Expect:")})
        upload->headers = curl_slist_append(upload->headers, header.c_str());
    CURL* easy = curl_easy_init();
    if (!easy)
        bench::fail(program, "curl_easy_init failed");
    const std::string source = "host!" + source_address(terminal.store);
    curl_easy_setopt(easy, CURLOPT_URL, m_url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(easy, CURLOPT_INTERFACE, source.c_str());
    curl_easy_setopt(easy, CURLOPT_CAINFO, m_ca_file.c_str());
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(easy, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &FleetDriver::open_socket);
    // A connection of its own for each upload, closed after the answer: a
    // terminal uploads every few minutes, long after head office's 15 s of
    // keep-alive, so each upload is a TCP connection and a TLS handshake.
    curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
    // The real uploader's timeouts (client/http_client.h).
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 60000L);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, upload->headers);
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, terminal.batch_gzip.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(terminal.batch_gzip.size()));
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &FleetDriver::on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, upload.get());
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &FleetDriver::on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, upload.get());
    size_t slot = m_uploads.size();
    if (!m_free_slots.empty()) {
        slot = m_free_slots.back();
        m_free_slots.pop_back();
    } else {
        m_uploads.emplace_back();
    }
    curl_easy_setopt(easy, CURLOPT_PRIVATE, reinterpret_cast<char*>(slot)); // a number, not a pointer
    if (curl_multi_add_handle(m_multi, easy) != CURLM_OK)
        bench::fail(program, "curl_multi_add_handle failed");
    terminal.in_flight = true;
    upload->easy = easy;
    m_uploads[slot] = std::move(upload);
    ++m_in_flight;
}

// A 200 counts only with the protocol header, the batch's id in the header
// and the body, and counts that cover every event sent (PROTOCOL.md 3).
bool FleetDriver::acknowledges(const Upload& upload, const Terminal& terminal, long status)
{
    if (status != 200 || !upload.protocol)
        return false;
    auto answer = nlohmann::json::parse(upload.body, nullptr, false);
    auto count = [&](const char* name) -> int64_t {
        auto found = answer.find(name);
        return found != answer.end() && found->is_number_integer() ? found->get<int64_t>() : -1;
    };
    bool matches = upload.batch_id == terminal.batch_id && answer.is_object() && answer.contains("batch_id") &&
                   answer["batch_id"] == terminal.batch_id && count("accepted") >= 0 && count("duplicate") >= 0 &&
                   count("rejected") >= 0 &&
                   count("accepted") + count("duplicate") + count("rejected") ==
                       static_cast<int64_t>(terminal.batch_events);
    if (!matches) {
        ++m_figures.unmatched_200s;
        return false;
    }
    m_figures.duplicate_events += count("duplicate");
    m_figures.rejected_events += count("rejected");
    return true;
}

// " busy: head office is busy; try again shortly" from an error answer's
// body (PROTOCOL.md 1), "" from anything else.
std::string error_of(const std::string& body)
{
    auto json = nlohmann::json::parse(body, nullptr, false);
    if (!json.is_object() || !json.contains("error") || !json["error"].is_string())
        return "";
    std::string text = " " + json["error"].get<std::string>();
    if (json.contains("message") && json["message"].is_string())
        text += ": " + json["message"].get<std::string>().substr(0, 100);
    return text;
}

void FleetDriver::finish_upload(CURL* easy, CURLcode code)
{
    char* slot_number = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &slot_number);
    const auto slot = reinterpret_cast<size_t>(slot_number);
    std::unique_ptr<Upload> upload = std::move(m_uploads.at(slot));
    m_free_slots.push_back(slot);
    --m_in_flight;
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(m_multi, easy);
    curl_easy_cleanup(easy);
    curl_slist_free_all(upload->headers);

    const double at = now();
    Terminal& terminal = m_terminals[upload->terminal];
    terminal.in_flight = false;
    const Phase phase = upload->started < m_plan.day_seconds ? Phase::day : Phase::burst;
    std::string answer_kind;
    if (code != CURLE_OK)
        answer_kind = std::string("no answer: ") + curl_easy_strerror(code);
    else if (!upload->protocol)
        answer_kind = "HTTP " + std::to_string(status) + " (not head office: no Feedback-Protocol)";
    else
        answer_kind = "HTTP " + std::to_string(status) + error_of(upload->body);
    const bool acknowledged = code == CURLE_OK && acknowledges(*upload, terminal, status);
    if (code == CURLE_OK && status == 200 && upload->protocol && !acknowledged)
        answer_kind += " (answer does not match the batch)";
    ++m_figures.answers[static_cast<int>(phase)][answer_kind];
    m_figures.requests.push_back({upload->started, (at - upload->started) * 1000, acknowledged});

    if (acknowledged) {
        if (upload->replayed)
            ++m_figures.replayed_answers;
        const auto events = static_cast<int64_t>(terminal.batch_events);
        terminal.acknowledged += events;
        m_unacknowledged -= events;
        if (phase == Phase::day)
            m_figures.day_acknowledged += events;
        auto second = static_cast<size_t>(at);
        if (m_figures.acknowledged_per_second.size() <= second)
            m_figures.acknowledged_per_second.resize(second + 1, 0);
        m_figures.acknowledged_per_second[second] += events;
        terminal.batch_events = 0;
        terminal.batch_gzip.clear();
        terminal.backoff.reset();
        terminal.retry_at = 0;
        wake(upload->terminal, at); // the real uploader goes on while it has something to send
        return;
    }
    // What a retry cannot mend (PROTOCOL.md 8): the terminal stops and keeps its events.
    const bool retry = code != CURLE_OK || !upload->protocol || status == 200 || status == 408 || status == 429 ||
                       status >= 500;
    if (!retry) {
        terminal.gave_up = true;
        ++m_figures.gave_up;
        m_held_by_stopped += static_cast<int64_t>(terminal.batch_events + terminal.pending.size());
        return;
    }
    auto delay = terminal.backoff.next_delay(
        upload->retry_after.empty() ? std::nullopt : sync::parse_retry_after(upload->retry_after, now_utc_ms()));
    terminal.retry_at = at + std::chrono::duration<double>(delay).count();
    m_timers.emplace(std::max(terminal.retry_at, terminal.offline_until), upload->terminal);
}

void FleetDriver::run(Clock::time_point t0)
{
    // A peer that closes while OpenSSL writes raises SIGPIPE on this thread:
    // blocked here only, so head office's processes (started by other
    // threads) inherit nothing.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);

    m_t0 = t0;
    m_multi = curl_multi_init();
    curl_multi_setopt(m_multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max_client_connections);
    std::uniform_int_distribution<int> score(0, 10);
    const double deadline = m_plan.reconnect_start + reconnect_window_seconds + drain_limit_seconds;
    size_t next_tap = 0;
    for (;;) {
        double at = now();
        // [1] the day's taps that are due, each recorded and woken
        while (next_tap < m_plan.taps.size() && m_plan.taps[next_tap].at <= at) {
            const uint32_t index = m_plan.taps[next_tap].terminal;
            std::string id;
            std::string wire = wire_rating(m_terminals[index], now_utc_ms(), score(m_random), id);
            if (m_terminals[index].gave_up)
                ++m_held_by_stopped;
            record(m_terminals[index], std::move(wire), std::move(id));
            wake(index, at);
            ++next_tap;
        }
        // [2] the outage: every terminal cut off with its backlog, until its reconnect
        if (!m_outage_begun && at >= m_plan.day_seconds)
            begin_outage();
        // [3] reconnects and retries that are due
        while (!m_timers.empty() && m_timers.top().first <= at) {
            const uint32_t index = m_timers.top().second;
            m_timers.pop();
            wake(index, at);
        }
        // [4] uploads for the terminals waiting, as connections allow
        while (!m_waiting.empty() && m_in_flight < static_cast<size_t>(max_client_connections)) {
            const uint32_t index = m_waiting.front();
            m_waiting.pop_front();
            start_upload(index);
        }
        // [5] the transfers, and the answers that came
        int running = 0;
        curl_multi_perform(m_multi, &running);
        int left = 0;
        while (CURLMsg* message = curl_multi_info_read(m_multi, &left))
            if (message->msg == CURLMSG_DONE)
                finish_upload(message->easy_handle, message->data.result);
        at = now();
        if (m_outage_begun && next_tap == m_plan.taps.size() && m_unacknowledged == m_held_by_stopped) {
            m_figures.finished_at = at;
            break;
        }
        if (at > deadline)
            break;
        // [6] sleep until a socket is ready or the next tap or timer is due
        double next = at + 0.05;
        if (next_tap < m_plan.taps.size())
            next = std::min(next, m_plan.taps[next_tap].at);
        if (!m_timers.empty())
            next = std::min(next, m_timers.top().first);
        if (!m_outage_begun)
            next = std::min(next, m_plan.day_seconds);
        if (!m_waiting.empty() && m_in_flight < static_cast<size_t>(max_client_connections))
            next = at;
        const int timeout_ms = std::max(0, static_cast<int>(std::ceil((next - at) * 1000)));
        curl_multi_poll(m_multi, nullptr, 0, timeout_ms, nullptr);
    }
    for (auto& upload : m_uploads) {
        if (!upload)
            continue;
        curl_multi_remove_handle(m_multi, upload->easy);
        curl_easy_cleanup(upload->easy);
        curl_slist_free_all(upload->headers);
        m_terminals[upload->terminal].in_flight = false;
    }
    m_uploads.clear();
    m_in_flight = 0;
    curl_multi_cleanup(m_multi);
    m_figures.unacknowledged_at_end = m_unacknowledged;
}

// [SECTION] Dashboard freshness: from an event's arrival to the read model

// Every second: the newest events.seq, and the time until
// dashboard_cursor.last_seq reaches it (polled every 20 ms), on a
// connection of its own. Errors (PostgreSQL restarting) are counted and
// the sample goes on.
class FreshnessSampler {
public:
    explicit FreshnessSampler(std::filesystem::path dir) : m_dir(std::move(dir)) {}
    ~FreshnessSampler() { stop(); }
    FreshnessSampler(const FreshnessSampler&) = delete;
    FreshnessSampler& operator=(const FreshnessSampler&) = delete;

    void start() { m_thread = std::thread([this] { run(); }); }
    // No new samples; waits up to 30 s for the open ones to resolve.
    void stop()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
    }
    const std::vector<double>& samples_ms() const { return m_samples_ms; }
    size_t unresolved() const { return m_unresolved; }
    int errors() const { return m_errors; }

private:
    void run()
    {
        auto opened = hq::HqStore::open(m_dir, hq::HqStore::Intent::existing_only);
        if (!opened) {
            std::fprintf(stderr, "%s: freshness: %s\n", program, opened.error().message.c_str());
            ++m_errors;
            return;
        }
        sql::Connection& db = opened->connection();
        struct Waiting {
            int64_t seq;
            Clock::time_point since;
        };
        std::deque<Waiting> waiting;
        auto next_sample = Clock::now();
        std::optional<Clock::time_point> stopped;
        for (;;) {
            auto now = Clock::now();
            if (m_stop && !stopped)
                stopped = now;
            if (stopped && (waiting.empty() || now - *stopped > std::chrono::seconds(30)))
                break;
            if (!stopped && now >= next_sample) {
                next_sample += std::chrono::seconds(1);
                auto newest = db.query_int64("SELECT coalesce(max(seq), 0) FROM events");
                if (!newest)
                    ++m_errors;
                else if (*newest > 0)
                    waiting.push_back({*newest, now});
            }
            if (!waiting.empty()) {
                auto cursor = db.query_int64("SELECT last_seq FROM dashboard_cursor WHERE id = 1");
                now = Clock::now();
                if (!cursor)
                    ++m_errors;
                while (cursor && !waiting.empty() && waiting.front().seq <= *cursor) {
                    m_samples_ms.push_back(seconds_between(waiting.front().since, now) * 1000);
                    waiting.pop_front();
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        m_unresolved = waiting.size();
    }

    std::filesystem::path m_dir;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::vector<double> m_samples_ms;
    size_t m_unresolved = 0;
    int m_errors = 0;
};

// [SECTION] What head office's logs say

struct LogSummary {
    std::map<std::string, int64_t> requests;    // "POST /v1/batches 200", "GET /v1/health 503" ...
    std::vector<double> batch_ms;               // head office's own time per batch request
    std::map<std::string, int64_t> other_lines; // anything but a request line, without its time
};

// The line with every run of digits as "N", so that lines differing only
// in counts, times and process ids are counted together.
std::string without_numbers(const std::string& line)
{
    std::string out;
    for (size_t i = 0; i < line.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(line[i]))) {
            out += line[i];
            continue;
        }
        out += 'N';
        while (i + 1 < line.size() && std::isdigit(static_cast<unsigned char>(line[i + 1])))
            ++i;
    }
    return out;
}

std::vector<std::string> words_of(const std::string& line, size_t at_most)
{
    std::vector<std::string> words;
    size_t at = 0;
    while (words.size() < at_most && at < line.size()) {
        size_t end = line.find(' ', at);
        if (end == std::string::npos)
            end = line.size();
        words.push_back(line.substr(at, end - at));
        at = end + 1;
    }
    return words;
}

// Request lines: "<time> <address> <METHOD> <path> <status> in=.. out=.. ms=..",
// or "... <status> front: <reason>" for what the TLS front answered itself.
void summarise_serve_log(const std::string& text, LogSummary& summary)
{
    for (const std::string& line : testing::lines_of(text)) {
        auto words = words_of(line, 6);
        auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
        const bool request = words.size() >= 6 && !words[2].empty() &&
                             std::all_of(words[2].begin(), words[2].end(), upper) && words[4].size() == 3 &&
                             std::isdigit(static_cast<unsigned char>(words[4][0]));
        if (!request) {
            auto space = line.find(' ');
            const bool timed = space != std::string::npos && space > 10 && line[4] == '-' && line[10] == 'T';
            ++summary.other_lines[without_numbers(timed ? line.substr(space + 1) : line)];
            continue;
        }
        std::string key = words[2] + " " + words[3] + " " + words[4];
        auto front = line.find(" front: ");
        if (front != std::string::npos)
            key += line.substr(front);
        ++summary.requests[key];
        auto ms = line.find(" ms=");
        if (words[2] == "POST" && words[3] == "/v1/batches" && ms != std::string::npos)
            summary.batch_ms.push_back(std::atof(line.c_str() + ms + 4));
    }
}

// PostgreSQL's own complaints in its server log ("... [pid] FATAL:  ..."), by message.
std::map<std::string, int64_t> summarise_postgres_log(const std::string& text)
{
    std::map<std::string, int64_t> messages;
    for (const std::string& line : testing::lines_of(text))
        for (const char* level : {"] ERROR:", "] FATAL:", "] WARNING:", "] PANIC:"}) {
            auto at = line.find(level);
            if (at != std::string::npos) {
                ++messages[without_numbers(line.substr(at + 2))];
                break;
            }
        }
    return messages;
}

// [SECTION] One run against one head office

struct RunFigures {
    std::string backend;
    std::string layout;
    double enrol_seconds = 0;
    FleetFigures fleet;
    std::vector<std::pair<double, double>> fault_windows; // seconds from T0
    std::vector<std::string> faults;                      // what happened when, in words
    std::vector<double> freshness_ms;
    size_t freshness_unresolved = 0;
    int freshness_errors = 0;
    // The check against every terminal's own records.
    int64_t made = 0;
    int64_t stored_rows = 0;
    int64_t stored_distinct = 0;
    int64_t lost = 0;
    int64_t lost_acknowledged = 0; // lost although head office had acknowledged them
    int64_t doubled = 0;
    int64_t foreign = 0;
    LogSummary serve;
    std::map<std::string, int64_t> haproxy_lines;
    std::map<std::string, int64_t> postgres_messages;
    double load_before = 0;     // the machine's 1-minute load average at T0
    double load_after = 0;      // and when the fleet was done
    double fleet_cpu_seconds = 0; // this process (the fleet and the sampler) from T0 to done
    // Derived figures.
    double steady_p50 = 0, steady_p99 = 0, day_p99_all = 0, burst_p50 = 0, burst_p99 = 0;
    size_t steady_requests = 0;
    double day_rate = 0, burst_seconds = -1, burst_rate = 0, peak_second = 0;
};

// The result's value, or an exception that unwinds the run: head office's
// processes, haproxy and the cluster are stopped by their destructors on the
// way out (bench::must's exit() would leave them running).
template <class T>
T need(Result<T> result, const char* what)
{
    if (!result)
        throw std::runtime_error(std::string(what) + ": " + result.error().message);
    return std::move(*result);
}

void need(Result<void> result, const char* what)
{
    if (!result)
        throw std::runtime_error(std::string(what) + ": " + result.error().message);
}

// Head office's events as (id, times stored), and the row counts.
void check_records(hq::HqStore& store, const std::vector<Terminal>& terminals, RunFigures& run)
{
    sql::Connection& db = store.connection();
    // After PostgreSQL's restart this connection's first use fails, and heals.
    if (!db.query_int64("SELECT 1"))
        (void)db.query_int64("SELECT 1");
    run.stored_rows = need(db.query_int64("SELECT count(*) FROM events"), "counting events");
    run.stored_distinct =
        need(db.query_int64("SELECT count(DISTINCT id) FROM events"), "counting event ids");
    std::unordered_map<std::string, int64_t> stored;
    stored.reserve(static_cast<size_t>(run.stored_rows));
    auto statement = need(db.prepare("SELECT id, count(*) FROM events GROUP BY id"), "reading ids");
    for (;;) {
        bool row = need(statement.step(), "reading ids");
        if (!row)
            break;
        stored.emplace(statement.column_text(0), statement.column_int64(1));
    }
    int64_t found = 0;
    for (const Terminal& terminal : terminals) {
        int64_t index = 0;
        for (const std::string& id : terminal.made) {
            auto it = stored.find(id);
            ++run.made;
            // A terminal's records are in order: its first `acknowledged` were answered.
            const bool acknowledged = index++ < terminal.acknowledged;
            if (it == stored.end()) {
                ++run.lost;
                if (acknowledged)
                    ++run.lost_acknowledged;
                continue;
            }
            ++found;
            if (it->second > 1)
                run.doubled += it->second - 1;
        }
    }
    run.doubled += run.stored_rows - run.stored_distinct;
    run.foreign = static_cast<int64_t>(stored.size()) - found;
}

void derive(const Plan& plan, RunFigures& run)
{
    std::vector<double> steady, day_all, burst;
    for (const RequestSample& request : run.fleet.requests) {
        if (request.started >= plan.day_seconds) {
            burst.push_back(request.ms);
            continue;
        }
        day_all.push_back(request.ms);
        bool in_fault = std::any_of(run.fault_windows.begin(), run.fault_windows.end(), [&](const auto& window) {
            return request.started >= window.first && request.started <= window.second;
        });
        if (!in_fault)
            steady.push_back(request.ms);
    }
    run.steady_requests = steady.size();
    run.steady_p50 = percentile(steady, 0.5);
    run.steady_p99 = percentile(steady, 0.99);
    run.day_p99_all = percentile(day_all, 0.99);
    run.burst_p50 = percentile(burst, 0.5);
    run.burst_p99 = percentile(burst, 0.99);
    run.day_rate = static_cast<double>(run.fleet.day_acknowledged) / plan.day_seconds;
    if (run.fleet.finished_at >= 0) {
        run.burst_seconds = run.fleet.finished_at - run.fleet.first_reconnect;
        int64_t burst_events = run.fleet.events_recorded - run.fleet.day_acknowledged;
        run.burst_rate = static_cast<double>(burst_events) / run.burst_seconds;
    }
    const auto& per_second = run.fleet.acknowledged_per_second;
    for (size_t second = static_cast<size_t>(plan.reconnect_start); second < per_second.size(); ++second)
        run.peak_second = std::max(run.peak_second, static_cast<double>(per_second[second]));
}

// The head office of one backend, the fleet enrolled in it, the plan run
// against it with its faults, and the check. `cluster` is null for SQLite.
RunFigures run_backend(const Options& options, const Plan& plan, testing::PostgresCluster* cluster)
{
    const bool postgresql = cluster != nullptr;
    RunFigures run;
    run.backend = postgresql ? "postgresql" : "sqlite";
    const std::filesystem::path dir = options.dir / run.backend;
    std::filesystem::create_directories(dir);

    // [1] Head office: two processes behind haproxy on PostgreSQL, or one on SQLite.
    std::unique_ptr<testing::HqProcess> first;
    std::unique_ptr<testing::HqProcess> second;
    std::unique_ptr<testing::HaproxyFront> front;
    std::string database_url;
    nlohmann::json settings = nlohmann::json::object(); // merged into hq.json
    if (options.threads > 0)
        settings["threads"] = options.threads;
    if (postgresql) {
        auto admin = need(sql::open_postgresql(cluster->url()), "connecting to the cluster");
        need(admin->exec("CREATE DATABASE fleet"), "making the database");
        database_url = "postgresql://postgres@/fleet?host=" + cluster->folder().string() +
                       "&port=" + std::to_string(cluster->port());
        settings["connections"] = {{"trusted_proxies", {"127.0.0.1"}}};
        first = std::make_unique<testing::HqProcess>(dir / "hq1", settings,
                                                     std::vector<std::string>{"--database", database_url});
        second = std::make_unique<testing::HqProcess>(*first, dir / "hq2");
        front = std::make_unique<testing::HaproxyFront>(dir / "haproxy", *first, *second);
        run.layout = "two feedback-hq serve processes on PostgreSQL 15 behind haproxy";
    } else {
        first = std::make_unique<testing::HqProcess>(dir / "hq1", settings);
        run.layout = "one feedback-hq serve process on SQLite";
    }
    const std::string url = front ? front->url() : first->url();
    run.layout += options.threads > 0 ? ", " + std::to_string(options.threads) + " threads each (hq.json)"
                                      : ", head office's default threads";

    // [2] The fleet: every terminal enrolled by head office's own code path.
    auto store = need(hq::HqStore::open(first->dir(), hq::HqStore::Intent::existing_only),
                             "opening head office");
    std::mt19937 backoff_random(7);
    auto random_below = [&backoff_random](uint32_t bound) {
        return std::uniform_int_distribution<uint32_t>(0, bound - 1)(backoff_random);
    };
    std::vector<Terminal> terminals;
    terminals.reserve(static_cast<size_t>(options.terminals));
    const auto stores = static_cast<uint32_t>((options.terminals + terminals_per_store - 1) / terminals_per_store);
    auto enrol_started = Clock::now();
    int64_t now = now_utc_ms();
    for (int t = 0; t < options.terminals; ++t) {
        const uint32_t store_index = static_cast<uint32_t>(t) % stores;
        auto code = need(store.create_enrolment_code(store_code(store_index), "Counter " + std::to_string(t), now,
                                                     3600 * 1000),
                         "making an enrolment code");
        auto enrolled = need(store.enrol(code.code, make_uuid_v7(now), app_version, now), "enrolling");
        terminals.emplace_back(enrolled.device_id, enrolled.token, store_index, sync::Backoff({}, random_below));
    }
    run.enrol_seconds = seconds_between(enrol_started, Clock::now());
    // Each terminal's hour of backlog, made now so the outage costs the driver nothing.
    std::mt19937_64 scores(11);
    const int64_t outage_start = now_utc_ms() + static_cast<int64_t>(plan.day_seconds * 1000);
    for (Terminal& terminal : terminals)
        for (int i = 0; i < options.backlog; ++i) {
            std::string id;
            std::string wire = wire_rating(terminal, outage_start + int64_t{3600 * 1000} * i / options.backlog,
                                           static_cast<int>(scores() % 11), id);
            terminal.outage_backlog.emplace_back(std::move(wire), std::move(id));
        }
    // The day's taps come after the backlog in the terminal's sequence no
    // matter: head office orders by arrival, and each id is unique.
    std::printf("  %s: %s; %d terminals in %u stores enrolled through HqStore::enrol in %.1f s\n",
                run.backend.c_str(), run.layout.c_str(), options.terminals, stores, run.enrol_seconds);
    std::fflush(stdout);

    // [3] The plan, with the faults on this thread meanwhile.
    FleetDriver driver(terminals, plan, url, first->ca_file().string(), 5);
    FreshnessSampler freshness(first->dir());
    const double cpu_before = process_cpu_seconds();
    run.load_before = load_average();
    const auto t0 = Clock::now();
    freshness.start();
    std::thread fleet([&] { driver.run(t0); });
    auto at = [&](double seconds) {
        std::this_thread::sleep_until(t0 + std::chrono::duration_cast<Clock::duration>(
                                               std::chrono::duration<double>(seconds)));
    };
    auto since_t0 = [&] { return seconds_between(t0, Clock::now()); };
    std::string killed_log;
    try {
        at(0.3 * plan.day_seconds);
        double killed_at = since_t0();
        first->kill_now();
        killed_log = first->log(); // restart() starts a new log
        at(killed_at + down_seconds);
        first->restart();
        double back_at = since_t0();
        run.fault_windows.emplace_back(killed_at, back_at + fault_settle_seconds);
        char text[160];
        std::snprintf(text, sizeof text, "process 1 killed (SIGKILL) at %.1f s, serving again at %.1f s", killed_at,
                      back_at);
        run.faults.emplace_back(text);
        if (postgresql) {
            at(0.6 * plan.day_seconds);
            double restart_at = since_t0();
            cluster->restart();
            double up_at = since_t0();
            run.fault_windows.emplace_back(restart_at, up_at + fault_settle_seconds);
            std::snprintf(text, sizeof text, "PostgreSQL restarted at %.1f s, accepting again at %.1f s", restart_at,
                          up_at);
            run.faults.emplace_back(text);
        }
    } catch (const std::exception& error) {
        run.faults.emplace_back(std::string("a fault step failed: ") + error.what());
    }
    fleet.join();
    run.fleet_cpu_seconds = process_cpu_seconds() - cpu_before;
    run.load_after = load_average();
    freshness.stop();
    run.fleet = std::move(driver.figures());
    run.freshness_ms = freshness.samples_ms();
    run.freshness_unresolved = freshness.unresolved();
    run.freshness_errors = freshness.errors();

    // [4] The check against every terminal's own records, and the logs.
    check_records(store, terminals, run);
    summarise_serve_log(killed_log, run.serve);
    summarise_serve_log(first->log(), run.serve);
    if (second)
        summarise_serve_log(second->log(), run.serve);
    if (!killed_log.empty())
        testing::write_file(first->dir() / "serve-killed.log", killed_log);
    if (front)
        for (const std::string& line : testing::lines_of(testing::read_text(dir / "haproxy" / "haproxy.log"))) {
            auto colon = line.find(" : "); // "[WARNING]  (pid) : Server feedback_hq/hq1 is DOWN ..."
            ++run.haproxy_lines[without_numbers(colon == std::string::npos ? line : line.substr(colon + 3))];
        }
    if (cluster) {
        std::string log = testing::read_text(cluster->folder() / "server.log");
        testing::write_file(dir / "postgresql-server.log", log);
        run.postgres_messages = summarise_postgres_log(log);
    }
    derive(plan, run);
    return run;
}

// [SECTION] The report

const char* verdict(bool pass) { return pass ? "PASS" : "MISS"; }

std::string ratio(double value, double baseline)
{
    if (baseline <= 0 || value < 0)
        return "n/a";
    char text[32];
    const double times = value / baseline;
    std::snprintf(text, sizeof text, times < 0.1 ? "%.2gx" : "%.2fx", times);
    return text;
}

void print_run(const RunFigures& run)
{
    const FleetFigures& fleet = run.fleet;
    std::printf("\n%s: %s\n", run.backend.c_str(), run.layout.c_str());
    for (const std::string& fault : run.faults)
        std::printf("  fault: %s\n", fault.c_str());
    std::printf("  day: %lld events acknowledged by uploads started in the day: %.0f events/s\n",
                static_cast<long long>(fleet.day_acknowledged), run.day_rate);
    std::printf("  request latency, day outside the fault windows (%zu requests): p50 %.1f ms, p99 %.1f ms; "
                "the whole day, faults included: p99 %.1f ms\n",
                run.steady_requests, run.steady_p50, run.steady_p99, run.day_p99_all);
    if (run.burst_seconds >= 0)
        std::printf("  reconnect burst: every event acknowledged %.1f s after the first reconnect: %.0f events/s "
                    "over the burst, %.0f in the busiest second; request latency p50 %.1f ms, p99 %.1f ms\n",
                    run.burst_seconds, run.burst_rate, run.peak_second, run.burst_p50, run.burst_p99);
    else
        std::printf("  reconnect burst: NOT finished: %lld events still unacknowledged after the drain limit\n",
                    static_cast<long long>(fleet.unacknowledged_at_end));
    // When in the run the slow requests were: p99 of the requests started in each 10 s.
    std::vector<std::vector<double>> by_ten;
    for (const RequestSample& request : fleet.requests) {
        auto slot = static_cast<size_t>(request.started / 10);
        if (by_ten.size() <= slot)
            by_ten.resize(slot + 1);
        by_ten[slot].push_back(request.ms);
    }
    std::printf("  request latency p99 (ms) of each 10 s from T0:");
    for (const auto& slot : by_ten)
        std::printf(" %.0f", percentile(slot, 0.99));
    std::printf("\n");
    std::printf("  dashboard freshness (%zu samples, one a second): p50 %.0f ms, p99 %.0f ms, max %.0f ms",
                run.freshness_ms.size(), percentile(run.freshness_ms, 0.5), percentile(run.freshness_ms, 0.99),
                run.freshness_ms.empty() ? 0.0 : *std::max_element(run.freshness_ms.begin(), run.freshness_ms.end()));
    std::printf("; %zu never caught up within 30 s of the end; %d sampling errors\n", run.freshness_unresolved,
                run.freshness_errors);
    for (int phase = 0; phase < 2; ++phase) {
        std::printf("  answers in the %s:", phase == 0 ? "day" : "burst");
        for (const auto& [kind, count] : fleet.answers[phase])
            std::printf(" %s x%lld;", kind.c_str(), static_cast<long long>(count));
        std::printf("\n");
    }
    std::printf("  replayed answers (a batch stored before, sent again) %lld; events answered duplicate %lld, "
                "rejected %lld; 200s that did not match the batch %lld; terminals that gave up %d; most "
                "terminals waiting for one of the %ld connections %zu\n",
                static_cast<long long>(fleet.replayed_answers), static_cast<long long>(fleet.duplicate_events),
                static_cast<long long>(fleet.rejected_events), static_cast<long long>(fleet.unmatched_200s),
                fleet.gave_up, max_client_connections, fleet.most_waiting_for_a_connection);
    std::printf("  against every terminal's records: %lld made, %lld rows stored (%lld distinct ids): lost %lld "
                "(%lld of them acknowledged), doubled %lld, stored but made by no terminal %lld\n",
                static_cast<long long>(run.made), static_cast<long long>(run.stored_rows),
                static_cast<long long>(run.stored_distinct), static_cast<long long>(run.lost),
                static_cast<long long>(run.lost_acknowledged), static_cast<long long>(run.doubled),
                static_cast<long long>(run.foreign));
    std::printf("  the machine's load average %.1f at T0, %.1f at the end; this process (the fleet, one thread, "
                "and the sampler) used %.0f s of CPU in the run\n",
                run.load_before, run.load_after, run.fleet_cpu_seconds);
    std::printf("  head office's logs (every process): its own time per batch p50 %.0f ms, p99 %.0f ms;",
                percentile(run.serve.batch_ms, 0.5), percentile(run.serve.batch_ms, 0.99));
    for (const auto& [request, count] : run.serve.requests)
        std::printf(" %s x%lld;", request.c_str(), static_cast<long long>(count));
    std::printf("\n");
    int shown = 0;
    for (const auto& [line, count] : run.serve.other_lines)
        if (shown++ < 12)
            std::printf("    log x%lld: %.200s\n", static_cast<long long>(count), line.c_str());
    if (run.serve.other_lines.size() > 12)
        std::printf("    ... and %zu other kinds of line\n", run.serve.other_lines.size() - 12);
    shown = 0;
    for (const auto& [line, count] : run.postgres_messages)
        if (shown++ < 8)
            std::printf("    postgresql x%lld: %.200s\n", static_cast<long long>(count), line.c_str());
    shown = 0;
    for (const auto& [line, count] : run.haproxy_lines)
        if (shown++ < 8)
            std::printf("    haproxy x%lld: %.200s\n", static_cast<long long>(count), line.c_str());
    const bool finished = run.burst_seconds >= 0;
    std::printf("  targets:\n");
    std::printf("    lost events %lld (target 0): %s\n", static_cast<long long>(run.lost), verdict(run.lost == 0));
    std::printf("    doubled events %lld, foreign %lld (target 0): %s\n", static_cast<long long>(run.doubled),
                static_cast<long long>(run.foreign), verdict(run.doubled == 0 && run.foreign == 0));
    if (finished)
        std::printf("    reconnect burst ingested in %.1f s (target within 120 s): %s\n", run.burst_seconds,
                    verdict(run.burst_seconds <= 120));
    else
        std::printf("    reconnect burst not ingested (target within 120 s): MISS\n");
    std::printf("    steady-state request latency p99 %.1f ms (target under 200 ms): %s\n", run.steady_p99,
                verdict(run.steady_p99 < 200));
}

void print_ratios(const RunFigures& postgresql, const RunFigures& sqlite)
{
    auto p = [](const std::vector<double>& samples, double at) { return percentile(samples, at); };
    std::printf("\nratio postgresql / sqlite, measured in the same run (single runs; p50 = median):\n");
    std::printf("  day events/s %s; steady-state latency p50 %s, p99 %s; burst: time to ingest %s, events/s %s, "
                "busiest second %s, latency p50 %s, p99 %s; dashboard freshness p50 %s, p99 %s\n",
                ratio(postgresql.day_rate, sqlite.day_rate).c_str(),
                ratio(postgresql.steady_p50, sqlite.steady_p50).c_str(),
                ratio(postgresql.steady_p99, sqlite.steady_p99).c_str(),
                ratio(postgresql.burst_seconds, sqlite.burst_seconds).c_str(),
                ratio(postgresql.burst_rate, sqlite.burst_rate).c_str(),
                ratio(postgresql.peak_second, sqlite.peak_second).c_str(),
                ratio(postgresql.burst_p50, sqlite.burst_p50).c_str(),
                ratio(postgresql.burst_p99, sqlite.burst_p99).c_str(),
                ratio(p(postgresql.freshness_ms, 0.5), p(sqlite.freshness_ms, 0.5)).c_str(),
                ratio(p(postgresql.freshness_ms, 0.99), p(sqlite.freshness_ms, 0.99)).c_str());
    std::printf("  (PostgreSQL with fsync on, SQLite with synchronous=FULL; the SQLite process had "
                "no second process to take over while it was down, and no database restart)\n");
}

} // namespace

int main(int argc, char** argv)
{
    const Options options = parse_options(argc, argv);
    std::error_code ignored;
    std::filesystem::remove_all(options.dir, ignored);
    std::filesystem::create_directories(options.dir);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        bench::fail(program, "curl_global_init failed");

    std::mt19937_64 random(2024);
    const Plan plan = make_plan(options, random);
    const double compression = day_hours * 3600 / plan.day_seconds;
    const double tap_rate = static_cast<double>(plan.taps.size()) / plan.day_seconds;
    const double peak_share = *std::max_element(day_profile.begin(), day_profile.end()) /
                              std::accumulate(day_profile.begin(), day_profile.end(), 0.0);
    std::printf("fleet of %d terminals (%d a store), each its own enrolled device, token and records; one "
                "thread, libcurl multi, at most %ld connections\n",
                options.terminals, terminals_per_store, max_client_connections);
    const double peak_rate = static_cast<double>(plan.taps.size()) * peak_share / (plan.day_seconds / day_hours);
    // A busy counter in real life: 50 taps in a 12-hour day, by the same profile.
    const double real_peak_rate = options.terminals * real_taps_a_day * peak_share / 3600;
    std::printf("  a day: 12 opening hours in %.0f s (%.0fx faster); %zu taps, each at a random terminal, by a "
                "shop's hourly profile: %.0f taps/s on average, %.0f/s in the lunch hour (%.1fx the lunch hour of "
                "%d real counters at %.0f taps a day); each uploaded at once, as the real uploader does, on a new "
                "TLS connection\n",
                plan.day_seconds, compression, plan.taps.size(), tap_rate, peak_rate, peak_rate / real_peak_rate,
                options.terminals, real_taps_a_day);
    std::printf("  an hour's outage: at %.0f s every terminal is cut off with %d ratings timed over the last hour "
                "(%d events in all); each reconnects at a random moment between %.0f s and %.0f s\n",
                plan.day_seconds, options.backlog, options.terminals * options.backlog, plan.reconnect_start,
                plan.reconnect_start + reconnect_window_seconds);
    std::fflush(stdout);

    std::optional<RunFigures> baseline;
    std::optional<RunFigures> clustered;
    try {
        if (options.only.empty() || options.only == "sqlite") {
            baseline = run_backend(options, plan, nullptr);
            print_run(*baseline);
            std::fflush(stdout);
        }
        if (options.only.empty() || options.only == "postgresql") {
            testing::PostgresCluster cluster(testing::PostgresCluster::Durability::durable);
            clustered = run_backend(options, plan, &cluster);
            print_run(*clustered);
        }
    } catch (const std::exception& error) {
        bench::fail(program, error.what());
    }
    if (baseline && clustered)
        print_ratios(*clustered, *baseline);
    curl_global_cleanup();
    // The logs stay for a closer look (the next run empties the folder); the databases go.
    std::vector<std::filesystem::path> bulky;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(options.dir, ignored))
        if (entry.is_regular_file(ignored) && entry.path().extension() != ".log")
            bulky.push_back(entry.path());
    for (const auto& file : bulky)
        std::filesystem::remove(file, ignored);
    std::printf("\nlogs: %s\n", options.dir.string().c_str());
    return 0;
}
