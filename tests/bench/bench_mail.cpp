// Benchmark of head office's mail to complainants (issue 11): from a
// complaint's arrival at head office (events.received_at) to the SMTP
// server's acceptance of its acknowledgement, median and p99 over N
// complaints registered through the intake API with a consented e-mail
// address, next to the round trip of one bare SMTP message (libcurl, the same
// client code) to the same server (tests/support/smtp_server.py with
// STARTTLS) in the same run, and their ratio.
//
//   bench_mail [--complaints N]
#include "bench_support.h"
#include "config/kiosk_config.h"
#include "domain/clock.h"
#include "hq/hq_store.h"
#include "hq/mail/smtp_client.h"
#include "support/temp_dir.h"
#include "sync/mail_support.h"
#include "sync/sync_support.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

using namespace feedback;
using bench::Clock;

namespace {

constexpr const char* program = "bench_mail";

int parse(int argc, char** argv)
{
    int complaints = 1000;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--help") == 0) {
            std::printf("usage: bench_mail [--complaints N]\n\n"
                        "Registers N complaints (default 1000) with a consented e-mail address through the intake\n"
                        "API of a real feedback-hq and a real SMTP server with STARTTLS (tests/support/\n"
                        "smtp_server.py), and prints the time from each complaint's arrival at head office to\n"
                        "the server's acceptance of its acknowledgement (median, p99) next to one bare SMTP\n"
                        "message's round trip to the same server, measured in the same run.\n");
            std::exit(0);
        }
        if (std::strcmp(argv[i], "--complaints") == 0 && i + 1 < argc && (complaints = std::atoi(argv[++i])) >= 1)
            continue;
        bench::fail(program, std::string("unknown option or bad number: ") + argv[i] + " (--complaints N)");
    }
    return complaints;
}

std::string complaint_body(int n)
{
    return nlohmann::json{{"store", "UTR"},
                          {"channel", "email"},
                          {"category", "delivery"},
                          {"description", "Complaint " + std::to_string(n) + ": the sofa came with a torn cushion."},
                          {"customer_wish", "A new cushion."},
                          {"contact", {{"consent", true}, {"email", "customer" + std::to_string(n) + "@example.nl"}}}}
        .dump();
}

} // namespace

int main(int argc, char** argv)
{
    const int complaints = parse(argc, argv);
    testing::TempDir temp;
    testing::SmtpServer smtp(temp.path() / "smtp");

    // Baseline: one bare message, the same client code, the same server.
    hq::mail::MailSettings direct;
    direct.smtp_url = "smtp://localhost:" + std::to_string(smtp.port());
    direct.mail_from = "bench@example.nl";
    direct.ca_file = smtp.ca_file().string();
    std::vector<double> bare;
    for (int i = 0; i < 50; ++i) {
        hq::mail::OutgoingMail mail{"<bare-" + std::to_string(i) + "@example.nl>", direct.mail_from, "bare@example.nl",
                                    "Bare message", "One line.\n", now_utc_ms()};
        auto start = Clock::now();
        auto sent = hq::mail::send_mail(direct, "", mail);
        if (sent.delivery != hq::mail::Delivery::accepted)
            bench::fail(program, "the bare message was not accepted: " + sent.reason);
        bare.push_back(bench::ms_since(start));
    }
    if (smtp.wait_for(bare.size()).size() != bare.size())
        bench::fail(program, "the SMTP server did not keep the bare messages");

    testing::HqProcess hq(temp.path() / "hq", {{"limits", {{"rate_per_second", 1e9}, {"rate_burst", 1e9}}},
                                               {"mail", smtp.hq_mail_settings()}});
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
    httplib::SSLClient client("127.0.0.1", hq.port());
    client.set_ca_cert_path(hq.ca_file().c_str());
    client.enable_server_certificate_verification(true);
    client.set_keep_alive(true);
    for (int i = 0; i < complaints; ++i) {
        auto answer = client.Post("/api/v1/complaints", auth, complaint_body(i), "application/json");
        if (!answer || answer->status != 201)
            bench::fail(program, "POST /api/v1/complaints answered " + (answer ? std::to_string(answer->status) : std::string("nothing")));
    }
    size_t expected = bare.size() + static_cast<size_t>(complaints);
    auto messages = smtp.wait_for(expected, std::chrono::seconds(600));
    if (messages.size() != expected)
        bench::fail(program, "the SMTP server accepted " + std::to_string(messages.size() - bare.size()) + " of " +
             std::to_string(complaints) + " acknowledgements");

    // Arrival at head office per reference.
    std::map<std::string, int64_t> arrived;
    {
        auto office = bench::must(program, hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only), "opening hq.db");
        auto rows = bench::must(program, office.connection().query_texts(
                             "SELECT json_extract(body, '$.payload.reference') || ' ' || received_at FROM events "
                             "WHERE type = 'complaint.opened'"),
                         "reading arrivals");
        for (const std::string& row : rows)
            arrived[row.substr(0, row.find(' '))] = std::stoll(row.substr(row.find(' ') + 1));
    }
    std::vector<double> latency;
    for (size_t i = bare.size(); i < messages.size(); ++i) {
        std::string subject = messages[i]["subject"];
        auto open = subject.rfind('(');
        std::string reference = subject.substr(open + 1, subject.size() - open - 2);
        auto found = arrived.find(reference);
        if (found == arrived.end())
            bench::fail(program, "a message for an unknown reference: " + subject);
        latency.push_back(static_cast<double>(messages[i]["accepted_at_ms"].get<int64_t>() - found->second));
    }
    double median = bench::percentile(latency, 0.5);
    double bare_median = bench::percentile(bare, 0.5);
    std::printf("mail to complainants, %s build, %d complaints through the intake API, SMTP with STARTTLS on loopback:\n",
#ifdef NDEBUG
                "optimised",
#else
                "a DEBUG (numbers mean little)",
#endif
                complaints);
    std::printf("  arrival at head office -> accepted by the SMTP server: median %.1f ms, p99 %.1f ms\n", median,
                bench::percentile(latency, 0.99));
    std::printf("  one bare SMTP message (connect, STARTTLS, send), same server: median %.1f ms\n", bare_median);
    std::printf("  ratio (median): %.1f\n", median / bare_median);
    return 0;
}
