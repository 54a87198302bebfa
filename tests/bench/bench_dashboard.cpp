// Benchmark of head office's dashboard data (issue 5): with 1,000,000
// ratings and 50,000 complaints over 200 stores in head office's database,
//   1. how long the projector takes to build the read model from the events;
//   2. overview() for the chain and for one store over a year, and
//      complaints() first page without and with filters: median and p90 of
//      N runs each (default 21), against the target (median < 300 ms) and
//      as a ratio to a trivial query timed the same way in the same run
//      (SELECT count(*) FROM dashboard_ratings); then the other pages'
//      figures (learning, call-backs, promises) the same way and target;
//   3. the real pages over real HTTPS: the real `feedback-hq serve` (a child
//      process on a free loopback port, over the folder `feedback-hq init`
//      made and the bench then filled), an admin added by `feedback-hq user
//      add`, logged in once through POST /login with the form's CSRF token and
//      cookie; then GET /overview for the chain and for one store, GET
//      /complaints without and with filters, and GET /learning, /promises
//      and /callbacks for the chain over the same year, each a 200 with the
//      page's whole HTML (the first ones' figures match section 2's): median and p90
//      of N runs each on one keep-alive TLS connection (as a browser keeps
//      it), against the target and as a ratio to GET /static/dashboard.css
//      timed the same way on the same connection; and the management review
//      (review() and GET /review for the chain over the year: target median
//      < 1 s). The pages are timed once serve's mail worker has caught up
//      with the events (on a first start it queues a year's customer mail).
// Events are made valid by construction and stored through the same path as
// ingest (HqStore::store_batches: the same INSERT, batches of 1,000 per
// device, one transaction per store); only the per-event JSON check of
// check_batch() is skipped (every 1,000th event is validated instead).
//
// With --postgresql the same runs with head office on PostgreSQL (a private
// cluster the bench starts in a temporary folder and stops, with fsync on as
// in production; `feedback-hq init --database`), the trivial query being the
// baseline on that backend.
//
// Filling a 10M-rating head office takes most of an hour: --keep leaves DIR
// (and the PostgreSQL cluster, in DIR-postgres) behind, and a later
// --reuse skips sections 1 and 2's filling and reads what is there (the
// program's newer schema migrations and projector run over it first).
//
//   bench_dashboard [--dir DIR] [--ratings N] [--complaints N] [--stores N] [--runs N] [--postgresql]
//                   [--keep | --reuse]
#include "bench_support.h"
#include "config/kiosk_config.h"
#include "domain/event.h"
#include "domain/ids.h"
#include "domain/refcode.h"
#include "domain/validation.h"
#include "hq/dashboard/analytics.h"
#include "hq/dashboard/calendar.h"
#include "hq/dashboard/projector.h"
#include "hq/dashboard/review.h"
#include "hq/hq_store.h"
#include "support/child_process.h"
#include "support/postgres_cluster.h"
#include "support/sql_backends.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace feedback;
using namespace feedback::hq::dashboard;
using bench::Clock;
using bench::ms_since;
using bench::percentile;
using Json = nlohmann::json;

namespace {

struct Options {
    std::filesystem::path dir; // default: a fresh folder under the temp directory, removed at the end
    int64_t ratings = 1'000'000;
    int64_t complaints = 50'000;
    int stores = 200;
    int runs = 21;
    bool postgresql = false;
    bool keep = false;  // leave DIR and its database for a later --reuse
    bool reuse = false; // read the head office a --keep run left in DIR
};

constexpr const char* usage =
    "usage: bench_dashboard [--dir DIR] [--ratings N] [--complaints N] [--stores N] [--runs N] [--postgresql]\n"
    "                       [--keep | --reuse]\n"
    "  --keep   leave DIR (and the PostgreSQL cluster in DIR-postgres) for a later --reuse\n"
    "  --reuse  read the head office a --keep run left in DIR (needs --dir; sizes from DIR/bench.json)\n";

constexpr int64_t now_ms = 1'796'385'600'000; // Friday 2026-12-04 12:00 UTC
constexpr int64_t span_ms = 364 * ms_per_day; // a year of data, up to now
constexpr double target_ms = 300;
constexpr double review_target_ms = 1000; // the management review page (issue 10)

// `feedback-hq serve` while section 3 runs: killed when the bench stops early.
testing::ChildProcess* serving = nullptr;

void kill_server()
{
    if (serving)
        serving->kill_now();
    serving = nullptr;
}

[[noreturn]] void die(const char* what, const Error& error)
{
    kill_server();
    bench::die("bench_dashboard", what, error);
}

[[noreturn]] void fail(const std::string& what)
{
    kill_server();
    std::fprintf(stderr, "bench_dashboard: %s\n", what.c_str());
    std::exit(1);
}

template <class T>
T must(Result<T> result, const char* what)
{
    if (!result)
        die(what, result.error());
    return std::move(*result);
}

Options parse(int argc, char** argv)
{
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "bench_dashboard: %s needs a value\n", arg.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--dir")
            options.dir = value();
        else if (arg == "--ratings")
            options.ratings = std::stoll(value());
        else if (arg == "--complaints")
            options.complaints = std::stoll(value());
        else if (arg == "--stores")
            options.stores = std::stoi(value());
        else if (arg == "--runs")
            options.runs = std::max(15, std::stoi(value()));
        else if (arg == "--postgresql")
            options.postgresql = true;
        else if (arg == "--keep")
            options.keep = true;
        else if (arg == "--reuse")
            options.reuse = true;
        else if (arg == "--help") {
            std::fputs(usage, stdout);
            std::exit(0);
        } else {
            std::fputs(usage, stderr);
            std::exit(2);
        }
    }
    if (options.reuse && (options.keep || options.dir.empty())) {
        std::fprintf(stderr, "bench_dashboard: --reuse needs --dir, and not --keep (the folder stays anyway)\n");
        std::exit(2);
    }
    options.stores = std::clamp(options.stores, 1, 31 * 31 * 31);
    return options;
}

// =============================================================================
// [SECTION] Generating head office's events
// =============================================================================

// One store's terminal: makes its events and stores them as ingest does.
class Terminal {
public:
    Terminal(hq::Device device, std::mt19937_64& random) : m_device(std::move(device)), m_random(&random) {}

    const hq::Device& device() const { return m_device; }
    int64_t uniform(int64_t low, int64_t high) { return std::uniform_int_distribution<int64_t>(low, high)(*m_random); }
    bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(*m_random) < p; }

    // A rating some time in the day starting at `day_start`.
    void rating(int64_t day_start)
    {
        int64_t at = day_start + uniform(0, ms_per_day - 1);
        // Scores leaning to the top, as shops see them: NPS around +20.
        static constexpr int scores[] = {0, 1, 2, 3, 4, 5, 6, 6, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10, 10, 10};
        int score = scores[uniform(0, static_cast<int64_t>(std::size(scores)) - 1)];
        Json payload{{"score", score}, {"survey_version", 1}, {"locale", "nl"}};
        if (chance(0.02))
            payload["misuse"] = "burst";
        std::string id = add(EventType::nps_rated, {}, at, std::move(payload), "kiosk");
        if (chance(0.05)) {
            Json detail{{"reason_ids", {score <= 6 ? "waiting_time" : "friendly_staff"}}};
            if (score <= 6 && chance(0.4))
                detail["contact"] = {{"consent", true}, {"phone", "06 " + std::to_string(uniform(10000000, 99999999))}};
            add(EventType::nps_detailed, id, at + 20'000, std::move(detail), "kiosk");
        }
    }

    // A complaint opened some time in the day starting at `day_start`, and
    // what staff and head office did about it later.
    void complaint(int64_t day_start)
    {
        static const char* categories[] = {"product", "service", "price", "delivery", "store", "other"};
        static const char* channels[] = {"walk_in", "phone", "email", "kiosk"};
        int64_t at = day_start + uniform(0, ms_per_day - 1);
        std::string id = make_uuid_v7(at);
        std::string channel = channels[uniform(0, 3)];
        Json payload{{"channel", channel},
                     {"category", categories[uniform(0, 5)]},
                     {"description", "Het product was kapot bij aankoop"},
                     {"customer_wish", "Een nieuw exemplaar"},
                     {"reference", make_refcode(m_device.store_code, m_device.terminal_code,
                                                static_cast<uint64_t>(++m_counter))}};
        if (chance(0.3))
            payload["product_ref"] = "SKU-" + std::to_string(uniform(1, 500));
        if (chance(0.5))
            payload["contact"] = {{"consent", true}, {"email", "klant" + std::to_string(uniform(1, 20000)) + "@example.com"}};
        add(EventType::complaint_opened, id, at, std::move(payload), channel == "kiosk" ? "kiosk" : "staff:anna");
        auto later = [&](int64_t max_ms) { return std::min(now_ms - 1, at += uniform(60'000, max_ms)); };

        if (chance(0.85))
            add(EventType::complaint_acknowledged, id, later(72 * ms_per_hour), Json::object());
        double fate = std::uniform_real_distribution<double>(0, 1)(*m_random);
        if (fate < 0.7) {
            add(EventType::complaint_resolved, id, later(24 * ms_per_hour),
                {{"resolution", "replacement"}, {"on_the_spot", chance(0.4)}});
            bool satisfied = chance(0.8);
            add(EventType::complaint_customer_response, id, later(ms_per_hour),
                {{"satisfied", satisfied}, {"handling_score", uniform(1, 5)}});
            if (satisfied)
                add(EventType::complaint_closed, id, later(ms_per_hour), {{"outcome", "resolved"}});
        } else if (fate < 0.8) {
            add(EventType::complaint_closed, id, later(48 * ms_per_hour), {{"outcome", "unresolved"}});
        }
        if (chance(0.05))
            add(EventType::complaint_root_cause_recorded, id, later(ms_per_day), {{"root_cause", "supplier_quality"}},
                "hq:maria");
        if (chance(0.01))
            add(EventType::complaint_action_planned, id, later(ms_per_day),
                {{"action_id", make_uuid_v7(at)},
                 {"kind", "corrective"},
                 {"description", "Leverancier aanspreken"},
                 {"owner", "Inkoop"},
                 {"due_at", at + 30 * ms_per_day}},
                "hq:maria");
    }

    // What was made since the last call, in batches of at most 1,000 events.
    void take_batches(std::vector<hq::CheckedBatch>& batches)
    {
        for (size_t from = 0; from < m_events.size(); from += 1000) {
            hq::CheckedBatch batch;
            batch.batch_id = make_uuid_v7(now_ms);
            batch.body_sha256 = batch.batch_id; // stands in for the body's hash: only compared on a replay
            auto to = std::min(m_events.size(), from + 1000);
            batch.events.assign(std::make_move_iterator(m_events.begin() + static_cast<std::ptrdiff_t>(from)),
                                std::make_move_iterator(m_events.begin() + static_cast<std::ptrdiff_t>(to)));
            batches.push_back(std::move(batch));
        }
        m_events.clear();
    }

    int64_t validated = 0;

private:
    std::string add(EventType type, std::string subject, int64_t at, Json payload, std::string actor = "staff:anna")
    {
        Event event;
        event.id = make_uuid_v7(at);
        event.type = type;
        event.subject = std::move(subject);
        event.occurred_at_ms = at;
        event.actor = std::move(actor);
        event.device_id = m_device.id;
        event.device_seq = ++m_seq;
        event.payload = std::move(payload);
        if (m_seq % 1000 == 0) { // made valid by construction; check a sample as head office would
            if (auto violations = validate_event(event); !violations.empty()) {
                std::fprintf(stderr, "bench_dashboard: a generated event is invalid: %s\n", describe(violations).c_str());
                std::exit(1);
            }
            ++validated;
        }
        hq::CheckedEvent checked;
        checked.id = event.id;
        checked.type = std::string(to_string(type));
        checked.subject = event.subject;
        checked.occurred_at_ms = at;
        checked.wire = to_json(event).dump();
        m_events.push_back(std::move(checked));
        return event.id;
    }

    hq::Device m_device;
    std::mt19937_64* m_random;
    std::vector<hq::CheckedEvent> m_events;
    int64_t m_seq = 0;
    int64_t m_counter = 0;
};

// "S00", "S01", ... for the first 961 stores, then on with the next first symbol.
std::string store_code(int index)
{
    const std::string_view alphabet(refcode_alphabet);
    const size_t first = (alphabet.find('S') + static_cast<size_t>(index / (31 * 31))) % alphabet.size();
    return std::string{alphabet[first], alphabet[static_cast<size_t>(index / 31 % 31)],
                       alphabet[static_cast<size_t>(index % 31)]};
}

// =============================================================================
// [SECTION] Timing the reads
// =============================================================================

struct Timing {
    double median = 0;
    double p90 = 0;
};

Timing time_runs(int runs, const std::function<void()>& run)
{
    run(); // warm the page cache and the statement's plan
    std::vector<double> samples;
    for (int i = 0; i < runs; ++i) {
        auto start = Clock::now();
        run();
        samples.push_back(ms_since(start));
    }
    return {percentile(samples, 0.5), percentile(samples, 0.9)};
}

void report(const char* what, const Timing& timing, const Timing& baseline, bool has_target, double target = target_ms)
{
    std::printf("  %-44s median %8.2f ms  p90 %8.2f ms  %7.1fx baseline", what, timing.median, timing.p90,
                timing.median / baseline.median);
    if (has_target)
        std::printf("  %s (target median < %.0f ms)", timing.median < target ? "ok  " : "SLOW", target);
    std::printf("\n");
}

// =============================================================================
// [SECTION] The real pages over HTTPS
// =============================================================================

// "2026-12-04": the date of `unix_ms` read as UTC (a day start on the stores'
// clocks is one), as the pages' from and to take it.
std::string utc_date(int64_t unix_ms)
{
    using namespace std::chrono;
    year_month_day day{floor<days>(sys_time<milliseconds>(milliseconds(unix_ms)))};
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(day.year()), static_cast<unsigned>(day.month()),
                  static_cast<unsigned>(day.day()));
    return text;
}

std::string shell_quoted(const std::string& text)
{
    std::string out = "'";
    for (char c : text)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// `feedback-hq serve --dir DIR --listen 127.0.0.1:0`, its output (one line per
// request) in DIR/serve.log; returns the port it printed.
int start_server(const std::filesystem::path& dir, std::unique_ptr<testing::ChildProcess>& process)
{
    auto log_file = dir / "serve.log";
    std::filesystem::remove(log_file);
    // Through a shell so the request log goes to a file, not a pipe nobody reads.
    process = std::make_unique<testing::ChildProcess>(std::vector<std::string>{
        "/bin/sh", "-c",
        "exec " + shell_quoted(FEEDBACK_HQ_BINARY) + " serve --dir " + shell_quoted(dir.string()) +
            " --listen 127.0.0.1:0 >>" + shell_quoted(log_file.string()) + " 2>&1"});
    serving = process.get();
    const std::regex listening("listening on https://127\\.0\\.0\\.1:([0-9]+)");
    auto deadline = Clock::now() + std::chrono::seconds(60);
    std::string text;
    while (Clock::now() < deadline) {
        std::ifstream in(log_file);
        std::stringstream read;
        read << in.rdbuf();
        text = read.str();
        std::smatch match;
        if (std::regex_search(text, match, listening))
            return std::stoi(match[1].str());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    fail("feedback-hq serve did not start: " + text);
}

struct Answer {
    int status = 0; // 0: no answer
    std::string content_type;
    std::string location;
    std::string body;
};

// What a browser does for these pages, minus the browser: cpp-httplib over
// TLS trusting head office's CA, one keep-alive connection, a cookie jar.
class Browser {
public:
    Browser(int port, const std::filesystem::path& ca_file) : m_client("127.0.0.1", port)
    {
        m_client.set_ca_cert_path(ca_file.c_str());
        m_client.enable_server_certificate_verification(true);
        m_client.set_keep_alive(true);
        m_client.set_follow_location(false);
        m_client.set_connection_timeout(10, 0);
        m_client.set_read_timeout(60, 0);
    }

    Answer get(const std::string& path) { return finish(m_client.Get(path, headers())); }
    Answer post(const std::string& path, const httplib::Params& form) { return finish(m_client.Post(path, headers(), form)); }
    bool has_cookie(const std::string& name) const { return m_cookies.count(name) != 0; }

private:
    httplib::Headers headers() const
    {
        httplib::Headers out;
        std::string cookies;
        for (const auto& [name, value] : m_cookies)
            cookies += (cookies.empty() ? "" : "; ") + name + "=" + value;
        if (!cookies.empty())
            out.emplace("Cookie", cookies);
        return out;
    }

    Answer finish(const httplib::Result& result)
    {
        Answer answer;
        if (!result)
            return answer;
        answer.status = result->status;
        answer.content_type = result->get_header_value("Content-Type");
        answer.location = result->get_header_value("Location");
        answer.body = result->body;
        for (size_t i = 0, n = result->get_header_value_count("Set-Cookie"); i < n; ++i) {
            std::string set = result->get_header_value("Set-Cookie", i);
            auto eq = set.find('=');
            if (eq == std::string::npos)
                continue;
            auto end = set.find(';');
            std::string value = set.substr(eq + 1, end == std::string::npos ? std::string::npos : end - eq - 1);
            if (value.empty() || set.find("Max-Age=0") != std::string::npos)
                m_cookies.erase(set.substr(0, eq));
            else
                m_cookies[set.substr(0, eq)] = value;
        }
        return answer;
    }

    httplib::SSLClient m_client;
    std::map<std::string, std::string> m_cookies;
};

std::string csrf_in(const std::string& html)
{
    std::smatch match;
    static const std::regex field("name=\"csrf\" value=\"([0-9a-f]+)\"");
    return std::regex_search(html, match, field) ? match[1].str() : std::string();
}

size_t occurrences(const std::string& text, const std::string& what)
{
    size_t count = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size()))
        ++count;
    return count;
}

// GET `path` as a 200 page of HTML (the whole document, no filter errors)
// holding every one of `expected`; stops the bench otherwise.
Answer get_page(Browser& browser, const std::string& path, const std::vector<std::string>& expected)
{
    Answer answer = browser.get(path);
    if (answer.status != 200 || answer.content_type.rfind("text/html", 0) != 0)
        fail("GET " + path + " answered " + std::to_string(answer.status) + " " + answer.content_type + " " +
             answer.location);
    if (answer.body.rfind("<!DOCTYPE html>", 0) != 0 || answer.body.find("</html>") == std::string::npos)
        fail("GET " + path + " is not a whole HTML page");
    // Filter mistakes are alerts (page.cpp filter_form); the notice that
    // customers' mail waits for an SMTP server (the bench sets none) is not.
    if (auto error = answer.body.find("class=\"error\" role=\"alert\""); error != std::string::npos)
        fail("GET " + path + " shows an error: the page did not take its filters: " + answer.body.substr(error, 300));
    for (const std::string& text : expected)
        if (answer.body.find(text) == std::string::npos)
            fail("GET " + path + " lacks \"" + text + "\"");
    return answer;
}

// The sizes a --keep run filled DIR with, for a later --reuse.
void write_sizes(const Options& options)
{
    std::ofstream out(options.dir / "bench.json");
    out << Json{{"ratings", options.ratings},
                {"complaints", options.complaints},
                {"stores", options.stores},
                {"postgresql", options.postgresql}}
               .dump()
        << "\n";
    if (!out.flush())
        fail("cannot write " + (options.dir / "bench.json").string());
}

void read_sizes(Options& options)
{
    std::ifstream in(options.dir / "bench.json");
    std::stringstream text;
    text << in.rdbuf();
    auto sizes = Json::parse(text.str(), nullptr, false);
    if (!sizes.is_object() || !sizes.contains("stores"))
        fail((options.dir / "bench.json").string() + " is missing or unreadable: was DIR filled with --keep?");
    if (sizes.value("postgresql", false) != options.postgresql)
        fail(options.dir.string() + " was filled on " + (options.postgresql ? "SQLite" : "PostgreSQL") +
             ": give --postgresql as that run did");
    options.ratings = sizes.value("ratings", int64_t{0});
    options.complaints = sizes.value("complaints", int64_t{0});
    options.stores = sizes.value("stores", 1);
}

} // namespace

int main(int argc, char** argv)
{
    Options options = parse(argc, argv);
    bool temporary = options.dir.empty();
    if (temporary)
        options.dir = std::filesystem::temp_directory_path() / ("bench-dashboard-" + std::to_string(std::random_device{}()));
    if (options.reuse) {
        read_sizes(options);
    } else {
        std::filesystem::remove_all(options.dir);
        std::filesystem::create_directories(options.dir);
    }
    std::printf("bench_dashboard: %lld ratings, %lld complaints, %d stores in %s on %s%s\n",
                static_cast<long long>(options.ratings), static_cast<long long>(options.complaints), options.stores,
                options.dir.c_str(), options.postgresql ? "PostgreSQL" : "SQLite",
                options.reuse ? " (reused)" : options.keep ? " (kept)" : "");

    // Head office's folder as `feedback-hq init` makes it (hq.db or the
    // PostgreSQL database, hq.json, the private CA and the server
    // certificate), so section 3 can serve it. A kept cluster is beside DIR:
    // the folder init makes is private to its owner, PostgreSQL runs as its own.
    std::optional<testing::PostgresCluster> kept_cluster;
    std::optional<testing::SqlBackends> databases;
    if (options.postgresql && (options.keep || options.reuse)) {
        std::filesystem::path beside = options.dir;
        beside += "-postgres";
        if (options.keep)
            std::filesystem::remove_all(beside);
        kept_cluster.emplace(beside, testing::PostgresCluster::Durability::durable);
    } else if (options.postgresql) {
        testing::make_cluster_durable(); // fsync on, as SQLite's synchronous=FULL
        databases.emplace();
    }
    if (!options.reuse) {
        std::vector<std::string> init_argv{FEEDBACK_HQ_BINARY, "init", "--dir", options.dir.string(), "--hostname",
                                           "127.0.0.1"};
        if (options.postgresql)
            init_argv.insert(init_argv.end(),
                             {"--database", kept_cluster ? kept_cluster->url()
                                                         : databases->new_database(sql::Backend::postgresql)});
        auto init = testing::run_process(init_argv);
        if (init.exit_code != 0)
            fail("feedback-hq init failed: " + init.err);
    }

    {
        auto office = must(hq::HqStore::open(options.dir, hq::HqStore::Intent::existing_only), "opening head office");
        if (!options.reuse) {
            std::ifstream file(std::filesystem::path(FEEDBACK_SOURCE_DIR) / "assets" / "config" / "default.json");
            std::stringstream text;
            text << file.rdbuf();
            must(office.publish_config("default", Json::parse(text.str()), now_ms - span_ms), "publishing the configuration");

            // [SECTION] 1. Generating
            auto start = Clock::now();
            std::mt19937_64 random(20261204);
            int64_t validated = 0;
            std::vector<Terminal> terminals;
            for (int s = 0; s < options.stores; ++s) {
                auto enrolment =
                    must(office.create_enrolment_code(store_code(s), "Kassa", now_ms - span_ms, ms_per_day), "enrolment code");
                auto enrolled = must(office.enrol(enrolment.code, make_uuid_v7(now_ms), "0.1.0", now_ms - span_ms), "enrolling");
                terminals.emplace_back(must(office.authenticate(enrolled.token), "authenticating"), random);
            }
            // Day by day, as a chain's terminals send them: each store's events of
            // the day in one batch, the day's batches of all stores in one group
            // commit. Each (store, day) gets its share, so the totals come out exactly.
            int64_t days = span_ms / ms_per_day;
            int64_t cells = days * options.stores;
            auto share = [&](int64_t total, int64_t cell) { return total * (cell + 1) / cells - total * cell / cells; };
            for (int64_t d = 0; d < days; ++d) {
                int64_t day_start = now_ms - span_ms + d * ms_per_day;
                std::vector<hq::CheckedBatch> batches;
                std::vector<const hq::Device*> senders;
                for (int s = 0; s < options.stores; ++s) {
                    Terminal& terminal = terminals[static_cast<size_t>(s)];
                    int64_t cell = d * options.stores + s;
                    for (int64_t i = share(options.ratings, cell); i > 0; --i)
                        terminal.rating(day_start);
                    for (int64_t i = share(options.complaints, cell); i > 0; --i)
                        terminal.complaint(day_start);
                    size_t before = batches.size();
                    terminal.take_batches(batches);
                    senders.insert(senders.end(), batches.size() - before, &terminal.device());
                }
                hq::DeviceHealth health;
                std::vector<hq::BatchToStore> group;
                for (size_t i = 0; i < batches.size(); ++i)
                    group.push_back({senders[i], &batches[i], &health});
                for (auto& result : office.store_batches(group, day_start + ms_per_day))
                    must(std::move(result), "storing a batch");
            }
            for (const Terminal& terminal : terminals)
                validated += terminal.validated;
            int64_t events = must(office.event_count(), "counting events");
            double generating = ms_since(start) / 1000;
            std::printf("\n1. head office's database: %lld events stored in %.1f s (%.0f events/s; %lld sampled events "
                        "validated)\n",
                        static_cast<long long>(events), generating, static_cast<double>(events) / generating,
                        static_cast<long long>(validated));
            if (options.keep)
                write_sizes(options);
        }

        // [SECTION] 2. Projecting (on --reuse: what the newer program finds new)
        Projector projector(office);
        auto start = Clock::now();
        auto caught = must(projector.catch_up(), "projecting");
        double projecting = ms_since(start) / 1000;
        std::printf("   projector: %lld events (%lld ratings, %lld complaint folds) in %lld transactions: %.1f s "
                    "(%.0f events/s)\n",
                    static_cast<long long>(caught.events), static_cast<long long>(caught.ratings),
                    static_cast<long long>(caught.complaint_folds), static_cast<long long>(caught.chunks), projecting,
                    static_cast<double>(caught.events) / projecting);
        start = Clock::now();
        auto idle = must(projector.catch_up(), "catching up again");
        std::printf("   catch_up with nothing new: %.3f ms (%lld events)\n", ms_since(start),
                    static_cast<long long>(idle.events));
    }

    // [SECTION] 3. Reading, on a connection of its own as a web server would
    auto reader = must(hq::HqStore::open(options.dir, hq::HqStore::Intent::existing_only), "reopening head office");
    sql::Connection& db = reader.connection();
    // The days the data falls on, as the dashboard's date filter asks for
    // them: whole days on the stores' clocks (analytics.h), today included.
    int64_t today = now_ms - now_ms % ms_per_day;
    Period year{today - span_ms, today + ms_per_day};
    std::string one_store = store_code(options.stores / 2);
    std::printf("\n2. reads over the year's days %s to %s, %d runs each after one warm-up:\n",
                utc_date(year.from_ms).c_str(), utc_date(year.to_ms - ms_per_day).c_str(), options.runs);

    Timing baseline = time_runs(options.runs, [&] { must(db.query_int64("SELECT count(*) FROM dashboard_ratings"), "baseline"); });
    report("baseline: SELECT count(*) FROM dashboard_ratings", baseline, baseline, false);

    Overview last_chain;
    report("overview(), the chain", time_runs(options.runs, [&] { last_chain = must(overview(db, {"", year}, now_ms), "overview"); }),
           baseline, true);
    Overview last_store;
    report(("overview(), one store (" + one_store + ")").c_str(),
           time_runs(options.runs, [&] { last_store = must(overview(db, {one_store, year}, now_ms), "overview"); }),
           baseline, true);

    ComplaintPage first_page;
    ComplaintQuery plain;
    plain.filter = {"", year};
    report("complaints(), first page, no filter",
           time_runs(options.runs, [&] { first_page = must(complaints(db, plain, now_ms), "complaints"); }), baseline,
           true);
    ComplaintPage filtered_page;
    ComplaintQuery filtered;
    filtered.filter = {one_store, year};
    filtered.status = "open";
    filtered.category = "product";
    report("complaints(), first page, store+open+category",
           time_runs(options.runs, [&] { filtered_page = must(complaints(db, filtered, now_ms), "complaints"); }),
           baseline, true);
    ComplaintPage overdue_page;
    ComplaintQuery overdue;
    overdue.filter = {"", year};
    overdue.overdue_only = true;
    overdue.channel = "phone";
    report("complaints(), first page, chain overdue+channel",
           time_runs(options.runs, [&] { overdue_page = must(complaints(db, overdue, now_ms), "complaints"); }),
           baseline, true);

    std::printf("   the other pages' figures:\n");
    Learning learned;
    report("learning(), the chain, 30-day window",
           time_runs(options.runs, [&] { learned = must(learning(db, {"", year}, 30 * ms_per_day, 100), "learning"); }),
           baseline, true);
    CallBackList calls;
    report("call_backs(), the chain, pending, first 200",
           time_runs(options.runs, [&] { calls = must(call_backs(db, {"", year}, true, 200), "call-backs"); }),
           baseline, true);
    std::vector<PromiseMeasure> promises;
    report("promise_measures(), the chain",
           time_runs(options.runs, [&] { promises = must(promise_measures(db, {"", year}, now_ms), "promises"); }),
           baseline, true);
    Review reviewed;
    report("review(), the chain (the management review)",
           time_runs(options.runs, [&] { reviewed = must(review(db, {"", year}, now_ms), "review"); }), baseline, true,
           review_target_ms);
    std::printf("   (review: %lld complaints, first answer median %.1f working hours over %lld, %zu driver rows)\n",
                static_cast<long long>(reviewed.overview.complaints.opened),
                reviewed.first_answer.median_hours.value_or(0), static_cast<long long>(reviewed.first_answer.count),
                reviewed.drivers.size());
    std::printf("   (%zu repeat complaints, %zu actions, %zu call-backs pending, %zu promise rows)\n",
                static_cast<size_t>(learned.repeats.total), learned.action_effects.size(), static_cast<size_t>(calls.total), promises.size());

    std::printf("\n   what they found: chain NPS %+.1f over %ld ratings in %zu stores and %zu weeks; %s NPS %+.1f over %ld;\n"
                "   complaints %lld opened, %lld open, %lld overdue, on the spot %.0f%%; first page %zu of %lld,\n"
                "   filtered %zu of %lld, overdue by phone %zu of %lld\n",
                last_chain.chain.counts.score().value_or(0), last_chain.chain.counts.total(), last_chain.stores.size(),
                last_chain.weeks.size(), one_store.c_str(), last_store.chain.counts.score().value_or(0),
                last_store.chain.counts.total(), static_cast<long long>(last_chain.complaints.opened),
                static_cast<long long>(last_chain.complaints.open_now),
                static_cast<long long>(last_chain.complaints.overdue_now),
                100 * last_chain.complaints.solved_on_the_spot_share.value_or(0), first_page.rows.size(),
                static_cast<long long>(first_page.total), filtered_page.rows.size(),
                static_cast<long long>(filtered_page.total), overdue_page.rows.size(),
                static_cast<long long>(overdue_page.total));

    // [SECTION] 4. The real pages over HTTPS
    std::unique_ptr<testing::ChildProcess> server;
    {
        const std::string password = "bench-dashboard-" + std::to_string(std::random_device{}());
        // A new name each run: a reused folder has the earlier runs' users.
        const std::string user = "bench-" + std::to_string(std::random_device{}() % 1000000);
        auto added = testing::run_process({FEEDBACK_HQ_BINARY, "user", "add", "--dir", options.dir.string(), "--name",
                                           user, "--role", "admin", "--password-stdin"},
                                          password + "\n");
        if (added.exit_code != 0)
            fail("feedback-hq user add failed: " + added.err);
        auto start = Clock::now();
        int port = start_server(options.dir, server);
        double starting = ms_since(start);

        Browser browser(port, options.dir / "tls" / "ca.pem");
        start = Clock::now();
        Answer form = browser.get("/login");
        std::string csrf = csrf_in(form.body);
        if (form.status != 200 || csrf.empty())
            fail("GET /login answered " + std::to_string(form.status) + " without a CSRF token");
        Answer login = browser.post("/login", {{"csrf", csrf}, {"name", user}, {"password", password}, {"next", "/overview"}});
        if (login.status != 303 || login.location != "/overview" || !browser.has_cookie("__Host-feedback_session"))
            fail("POST /login answered " + std::to_string(login.status) + " (" + login.location + ")");
        double logging_in = ms_since(start);

        // The mail worker queues the customers' messages for every complaint
        // event it has not seen (a year's on the first start): the pages are
        // timed once it has caught up, as in a head office that has been running.
        start = Clock::now();
        for (;;) {
            int64_t behind = must(db.query_int64("SELECT (SELECT coalesce(max(seq), 0) FROM events) - "
                                                 "(SELECT last_seq FROM mail_cursor WHERE id = 1)"),
                                  "reading the mail worker's cursor");
            if (behind <= 0)
                break;
            if (ms_since(start) > 3'600'000)
                fail("the mail worker is still " + std::to_string(behind) + " events behind after an hour");
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
        double mail_catch_up = ms_since(start) / 1000;

        std::string period = "from=" + utc_date(year.from_ms) + "&to=" + utc_date(year.to_ms - ms_per_day);
        std::printf("\n3. the pages over HTTPS from feedback-hq serve (started in %.0f ms; login with argon2id %.0f ms;\n"
                    "   its mail worker caught up in %.1f s), one keep-alive connection, %d runs each after one warm-up,\n"
                    "   period %s:\n",
                    starting, logging_in, mail_catch_up, options.runs, period.c_str());

        Timing css = time_runs(options.runs, [&] {
            Answer answer = browser.get("/static/dashboard.css");
            if (answer.status != 200 || answer.content_type.rfind("text/css", 0) != 0)
                fail("GET /static/dashboard.css answered " + std::to_string(answer.status));
        });
        report("baseline: GET /static/dashboard.css", css, css, false);

        // Each page with what section 2's query found: texts it must show,
        // and how many store or complaint rows it must list (-1: not checked,
        // as for overdue, which head office counts at its own clock's now).
        struct Measured {
            std::string label;
            std::string path;
            std::vector<std::string> expected;
            long store_rows = -1;
            long complaint_rows = -1;
            size_t bytes = 0;
        };
        const std::string store_row = "<tr><td><a href=\"/overview?store=";
        const std::string complaint_row = "<tr><td><a href=\"/complaints/";
        const std::string overdue_row = "<tr class=\"overdue\"><td><a href=\"/complaints/";
        auto count = [](size_t n) { return static_cast<long>(n); };
        const std::string summary = "<p class=\"summary\">";
        std::vector<Measured> pages = {
            {"GET /overview, the chain", "/overview?" + period,
             {"id=\"nps-chain\"", std::to_string(last_chain.chain.counts.total())},
             // Past 50 stores, the 25 lowest and the 25 highest NPS (the page's rule).
             count(lowest_and_highest(last_chain.stores, 50).size())},
            {"GET /overview?store=" + one_store, "/overview?store=" + one_store + "&" + period,
             {"id=\"nps-chain\"", std::to_string(last_store.chain.counts.total())}, 1},
            {"GET /complaints, first page, no filter", "/complaints?" + period,
             {summary + std::to_string(first_page.total) + " "}, -1, count(first_page.rows.size())},
            {"GET /complaints, store+open+category",
             "/complaints?store=" + one_store + "&" + period + "&status=open&category=product",
             {summary + std::to_string(filtered_page.total) + " "}, -1, count(filtered_page.rows.size())},
            {"GET /complaints, chain overdue+channel", "/complaints?" + period + "&channel=phone&overdue=1",
             {summary}},
            {"GET /learning, the chain", "/learning?" + period, {"id=\"repeats\"", "id=\"effects\""}},
            {"GET /promises, the chain", "/promises?" + period, {"id=\"promises\""}},
            {"GET /callbacks, the chain", "/callbacks?" + period, {"id=\"callbacks\""}},
        };
        for (Measured& measured : pages) {
            Answer last;
            Timing timing = time_runs(options.runs, [&] { last = get_page(browser, measured.path, measured.expected); });
            measured.bytes = last.body.size();
            long stores = count(occurrences(last.body, store_row));
            long rows = count(occurrences(last.body, complaint_row) + occurrences(last.body, overdue_row));
            if (measured.store_rows >= 0 && stores != measured.store_rows)
                fail("GET " + measured.path + " lists " + std::to_string(stores) + " stores, not " +
                     std::to_string(measured.store_rows));
            if (measured.complaint_rows >= 0 && rows != measured.complaint_rows)
                fail("GET " + measured.path + " lists " + std::to_string(rows) + " complaints, not " +
                     std::to_string(measured.complaint_rows));
            report(measured.label.c_str(), timing, css, true);
        }
        {
            Answer last;
            Timing timing = time_runs(options.runs, [&] {
                last = get_page(browser, "/review?" + period,
                                {"id=\"review-opened\">" + std::to_string(reviewed.overview.complaints.opened) + "<"});
            });
            report("GET /review, the chain", timing, css, true, review_target_ms);
        }
        std::printf("   (pages and their sizes:");
        for (const Measured& measured : pages)
            std::printf("\n    %s  %zu bytes", measured.path.c_str(), measured.bytes);
        std::printf(")\n");

        ::kill(server->pid(), SIGTERM);
        int stopped = server->wait().exit_code;
        serving = nullptr;
        if (stopped != 0)
            fail("feedback-hq serve exited with " + std::to_string(stopped));
    }

    if (options.keep || options.reuse) {
        std::printf("\nkept for --reuse: %s%s\n", options.dir.c_str(),
                    kept_cluster ? (" and " + kept_cluster->folder().string()).c_str() : "");
    } else if (temporary) {
        std::error_code ignored;
        std::filesystem::remove_all(options.dir, ignored);
    }
    return 0;
}
