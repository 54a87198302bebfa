// Benchmark of the intake API (sync/API.md) against the real feedback-hq
// serve over HTTPS on loopback: complaints registered per second with
// POST /api/v1/complaints (each with its own Idempotency-Key, the store's
// configuration giving the deadline) over ONE keep-alive connection, next to
// GET /static/dashboard.css (a cheap static route through the same TLS
// front and workers) over one keep-alive connection in the same run, and
// their ratio. Each run does both; the runs and their medians are printed.
// The per-token rate limit is raised out of the way (hq.json), so the
// figures are head office's own.
//
//   bench_intake_api [--requests N] [--runs N]
#include "bench_support.h"
#include "config/kiosk_config.h"
#include "domain/clock.h"
#include "hq/hq_store.h"
#include "support/temp_dir.h"
#include "sync/sync_support.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace feedback;
using bench::Clock;

namespace {

struct Options {
    int requests = 2000; // of each kind, per run
    int runs = 5;
};

constexpr const char* program = "bench_intake_api";

Options parse(int argc, char** argv)
{
    Options options;
    for (int i = 1; i < argc; ++i) {
        auto number = [&](int& target) {
            if (i + 1 >= argc || (target = std::atoi(argv[++i])) < 1)
                bench::fail(program, std::string(argv[i - 1]) + " needs a number of at least 1");
        };
        if (std::strcmp(argv[i], "--help") == 0) {
            std::printf("usage: bench_intake_api [--requests N] [--runs N]\n\n"
                        "Complaints registered per second through POST /api/v1/complaints of a real\n"
                        "feedback-hq over HTTPS on loopback, one keep-alive connection, next to the\n"
                        "stylesheet GET over the same front in the same run; each run does both and the\n"
                        "medians over the runs are printed.\n");
            std::exit(0);
        }
        if (std::strcmp(argv[i], "--requests") == 0)
            number(options.requests);
        else if (std::strcmp(argv[i], "--runs") == 0)
            number(options.runs);
        else
            bench::fail(program, std::string("unknown option ") + argv[i] + " (--requests N, --runs N)");
    }
    return options;
}

// One keep-alive TLS connection, as a tool's HTTP client keeps it.
void keep_alive(httplib::SSLClient& client, const testing::HqProcess& hq)
{
    client.set_ca_cert_path(hq.ca_file().c_str());
    client.enable_server_certificate_verification(true);
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);
    client.set_connection_timeout(10, 0);
    client.set_read_timeout(60, 0);
}

std::string complaint_body(int n)
{
    return nlohmann::json{{"store", "UTR"},
                          {"channel", n % 2 == 0 ? "phone" : "email"},
                          {"category", "delivery"},
                          {"description", "Complaint " + std::to_string(n) + ": the sofa came with a torn cushion."},
                          {"customer_wish", "A new cushion."},
                          {"contact", {{"consent", true}, {"phone", "+31 6 1234 5678"}}}}
        .dump();
}

} // namespace

int main(int argc, char** argv)
{
    const Options options = parse(argc, argv);
    testing::TempDir temp;
    // The rate limit per token out of the way: this measures head office.
    testing::HqProcess hq(temp.path() / "hq", {{"limits", {{"rate_per_second", 1e9}, {"rate_burst", 1e9}}}});
    {
        auto office = bench::must(program, hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only), "opening hq.db");
        auto document = bench::must(program, config::read_json_file(FEEDBACK_SOURCE_DIR "/assets/config/default.json", "config file"),
                             "reading the default configuration");
        bench::must(program, office.publish_config("UTR", document, now_utc_ms()), "publishing the configuration");
    }
    auto added = hq.run({"token", "add", "--name", "bench"});
    if (added.exit_code != 0)
        bench::fail(program, "feedback-hq token add failed: " + added.err);
    const httplib::Headers auth{{"Authorization", "Bearer " + testing::lines_of(added.out).at(0)}};

    std::printf("intake API over HTTPS on loopback, feedback-hq serve with %s; %d requests of each kind per run, "
                "each kind on one keep-alive connection:\n",
#ifdef NDEBUG
                "optimisation",
#else
                "a DEBUG build (numbers mean little)",
#endif
                options.requests);
    std::vector<double> css_rates, post_rates, ratios;
    int posted = 0;
    for (int run = 1; run <= options.runs; ++run) {
        // Baseline: the stylesheet, embedded in the program, no database.
        httplib::SSLClient css_client("127.0.0.1", hq.port());
        keep_alive(css_client, hq);
        if (auto warm = css_client.Get("/static/dashboard.css"); !warm || warm->status != 200)
            bench::fail(program, "GET /static/dashboard.css failed");
        auto start = Clock::now();
        for (int i = 0; i < options.requests; ++i) {
            auto answer = css_client.Get("/static/dashboard.css");
            if (!answer || answer->status != 200)
                bench::fail(program, "GET /static/dashboard.css failed during the run");
        }
        double css_rate = options.requests / (bench::ms_since(start) / 1000.0);

        httplib::SSLClient api_client("127.0.0.1", hq.port());
        keep_alive(api_client, hq);
        if (auto warm = api_client.Get("/static/dashboard.css"); !warm || warm->status != 200)
            bench::fail(program, "warming the API connection failed");
        start = Clock::now();
        for (int i = 0; i < options.requests; ++i) {
            httplib::Headers headers = auth;
            headers.emplace("Idempotency-Key", "bench-" + std::to_string(run) + "-" + std::to_string(i));
            auto answer = api_client.Post("/api/v1/complaints", headers, complaint_body(posted++), "application/json");
            if (!answer || answer->status != 201)
                bench::fail(program, "POST /api/v1/complaints answered " + (answer ? std::to_string(answer->status) + " " + answer->body
                                                                   : std::string("nothing")));
        }
        double post_rate = options.requests / (bench::ms_since(start) / 1000.0);
        css_rates.push_back(css_rate);
        post_rates.push_back(post_rate);
        ratios.push_back(post_rate / css_rate);
        std::printf("  run %d: POST complaint %7.0f /s   GET dashboard.css %7.0f /s   ratio %.3f\n", run, post_rate,
                    css_rate, post_rate / css_rate);
    }
    std::printf("median:  POST complaint %7.0f /s   GET dashboard.css %7.0f /s   ratio %.3f "
                "(%.1f ms against %.2f ms a request)\n",
                bench::percentile(post_rates, 0.5), bench::percentile(css_rates, 0.5), bench::percentile(ratios, 0.5),
                1000.0 / bench::percentile(post_rates, 0.5), 1000.0 / bench::percentile(css_rates, 0.5));
    auto exported = hq.export_jsonl();
    if (static_cast<int>(exported.size()) != posted)
        bench::fail(program, "head office holds " + std::to_string(exported.size()) + " events, not the " + std::to_string(posted) +
             " complaints posted");
    return 0;
}
