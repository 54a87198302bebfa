// The complaint receipt on the counter's ESC/POS printer: the job's bytes
// read back with the test decoder (support/escpos_decoder.h), the printer
// device's failures (a missing device, a FIFO nobody reads, /dev/full for a
// printer out of paper), and the flows asking for it once per complaint.
#include "app/effect_runner.h"
#include "config/kiosk_config.h"
#include "config/translations.h"
#include "crypto/status_key.h"
#include "domain/clock.h"
#include "flows/shopper_flow.h"
#include "receipt/counter_printer.h"
#include "receipt/escpos.h"
#include "receipt/receipt.h"
#include "support/escpos_decoder.h"
#include "support/files.h"
#include "support/temp_dir.h"
#include "terminal/flow_fixture.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <sys/stat.h>
#include <thread>

using namespace feedback;
using feedback::testing::decode_escpos;
using feedback::testing::TempDir;

namespace {

const std::filesystem::path assets = FEEDBACK_SOURCE_DIR "/assets";

config::KioskConfig default_config()
{
    auto config = config::load_config(assets / "config" / "default.json");
    REQUIRE(config);
    return *config;
}

config::Translations translations()
{
    auto loaded = config::Translations::load(assets / "i18n");
    REQUIRE(loaded);
    return std::move(*loaded);
}

// The printed text as one line (a phrase may wrap anywhere).
std::string flowing(const testing::DecodedReceipt& printed)
{
    std::string out;
    for (const auto& line : printed.lines)
        out += (out.empty() ? "" : " ") + line.text;
    return out;
}

// "dd-mm-yyyy HH:MM" of `utc_ms` in the store's zone, worked out here.
std::string store_time(const config::KioskConfig& config, int64_t utc_ms)
{
    const CivilTime c = config.calendar.zone.to_local(utc_ms).civil;
    char text[32];
    std::snprintf(text, sizeof text, "%02d-%02d-%04d %02d:%02d", c.day, c.month, c.year, c.hour, c.minute);
    return text;
}

flows::ReceiptRequest sample_request()
{
    flows::ReceiptRequest request;
    request.reference = "UTR-2A-0005K";
    request.status_key = crypto::make_status_key();
    request.locale = "en";
    request.customer_wish = "A new cushion, or my money back. The old one tore after one week of normal use.";
    request.opened_at_ms = *parse_iso8601_instant("2026-12-04T16:45:00Z"); // a Friday, 17:45 in Utrecht
    return request;
}

} // namespace

TEST_CASE("a receipt has the store, the time, the reference, the wish, the promise and the status link as a QR "
          "code, and is cut",
          "[receipt]")
{
    const auto config = default_config();
    const auto texts = translations();
    const config::Strings english(texts, "en");
    const auto request = sample_request();
    const std::string status_page = "https://feedback.example.nl/status";

    const std::string job = receipt::compose_receipt(request, config, english, status_page, 42);
    const auto printed = decode_escpos(job);
    INFO(printed.text());
    REQUIRE(printed.error.empty());
    CHECK(printed.initialisations == 1);
    CHECK(printed.code_page == 19); // PC858: the euro sign and Western European letters
    CHECK(printed.cuts == 1);
    REQUIRE(printed.lines.size() > 8);

    // The store's name in bold at the top, the time in the store's zone.
    CHECK(printed.lines[0].text == config.store_name);
    CHECK(printed.lines[0].bold);
    CHECK(printed.lines[0].centred);
    CHECK(printed.count(store_time(config, request.opened_at_ms)) == 1);
    CHECK(printed.count("04-12-2026 17:45") == 1);
    // The reference in double size, under its label.
    CHECK(printed.count(english.tr("receipt.reference_label")) == 1);
    bool reference_large = false;
    for (const auto& line : printed.lines)
        reference_large = reference_large || (line.text == request.reference && line.double_size);
    CHECK(reference_large);
    // The wish, wrapped at the width, every word kept.
    CHECK(printed.count(english.tr("receipt.your_wish")) == 1);
    std::string wish;
    for (const auto& line : printed.lines) {
        CHECK(line.text.size() <= (line.double_size ? 21u : 42u));
        if (line.text.starts_with("A new cushion") || (!wish.empty() && wish.back() != '.'))
            wish += (wish.empty() ? "" : " ") + line.text;
    }
    CHECK(wish == request.customer_wish);
    // The promise with a deadline, and the deadline in the store's time.
    CHECK(flowing(printed).find("Every complaint gets an answer within two working days.") != std::string::npos);
    const auto due = config::complaint_deadline(config, request.opened_at_ms);
    REQUIRE(due);
    CHECK(printed.count(english.tr("receipt.answer_by")) == 1);
    CHECK(printed.count(store_time(config, *due)) == 1);
    CHECK(printed.count("08-12-2026 17:45") == 1); // two working days: Monday and Tuesday
    // The QR code is the status link with the key: head office can check it against the hash.
    REQUIRE(printed.qr_codes.size() == 1);
    CHECK(printed.qr_codes[0] == "https://feedback.example.nl/status?ref=UTR-2A-0005K&key=" + request.status_key);
    CHECK(printed.count(status_page) == 1);
    CHECK(flowing(printed).find(english.tr("receipt.keep_it")) != std::string::npos);

    // In Dutch, the same receipt speaks Dutch.
    const config::Strings dutch(texts, "nl");
    const auto dutch_printed = decode_escpos(receipt::compose_receipt(request, config, dutch, status_page, 42));
    REQUIRE(dutch_printed.error.empty());
    CHECK(dutch_printed.count(dutch.tr("receipt.reference_label")) == 1);
    CHECK(flowing(dutch_printed).find("Elke klacht krijgt binnen twee werkdagen antwoord.") != std::string::npos);

    // Without head office's address (not enrolled yet): no QR code, the reference to quote.
    const auto offline = decode_escpos(receipt::compose_receipt(request, config, english, "", 42));
    REQUIRE(offline.error.empty());
    CHECK(offline.qr_codes.empty());
    CHECK(flowing(offline).find(english.tr("receipt.quote_reference")) != std::string::npos);
}

TEST_CASE("receipt text prints in the printer's code page and can never become a command", "[receipt]")
{
    receipt::EscPos job;
    job.line("Café € 12,50 Müller ß Ærø");
    job.line("Proszę o zwrot – żółć, şikâyet, ığdır");
    job.line(std::string("before\x1b" "d\x05" "after\x1dV\x41\x00", 18));
    job.line(std::string("\xff\xfe not UTF-8", 12));
    job.cut();
    const auto printed = decode_escpos(job.bytes());
    INFO(printed.error);
    REQUIRE(printed.error.empty());
    REQUIRE(printed.lines.size() == 4);
    CHECK(printed.lines[0].text == "Café € 12,50 Müller ß Ærø");
    CHECK(printed.lines[1].text == "Prosze o zwrot - zólc, sikâyet, igdir");
    CHECK(printed.lines[2].text == "before?d?after?VA?");
    CHECK(printed.lines[3].text == "?? not UTF-8");
    CHECK(printed.cuts == 1);
}

TEST_CASE("long words and line breaks wrap to the receipt's width", "[receipt]")
{
    CHECK(receipt::wrap_text("one two three", 7) == std::vector<std::string>{"one two", "three"});
    CHECK(receipt::wrap_text("abcdefghij", 4) == std::vector<std::string>{"abcd", "efgh", "ij"});
    CHECK(receipt::wrap_text("first\nsecond line", 20) == std::vector<std::string>{"first", "second line"});
    CHECK(receipt::wrap_text("żółć żółć", 4) == std::vector<std::string>{"żółć", "żółć"});
    CHECK(receipt::wrap_text("", 10) == std::vector<std::string>{""});
}

TEST_CASE("the printer writes each job to its device and says when it is missing, offline or out of paper",
          "[receipt]")
{
    TempDir dir;
    std::string detail;
    const auto file = dir.path() / "lp0";
    const std::chrono::milliseconds timeout(500);
    CHECK(receipt::write_print_job(file.string() + "-missing/x", "job", timeout, detail) ==
          receipt::PrinterState::missing);
    CHECK(detail.find("No such file") != std::string::npos);
    testing::write_file(file, "");
    CHECK(receipt::write_print_job(file, "first ", timeout, detail) == receipt::PrinterState::ready);
    CHECK(receipt::write_print_job(file, "second", timeout, detail) == receipt::PrinterState::ready);
    CHECK(testing::read_all(file) == "first second"); // appended, one job after the other

    // A FIFO nobody reads: a port with no printer listening.
    const auto fifo = dir.path() / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(receipt::write_print_job(fifo, "job", timeout, detail) == receipt::PrinterState::offline);
    // The usblp driver answers ENOSPC when the paper is out; /dev/full always does.
    CHECK(receipt::write_print_job("/dev/full", "job", timeout, detail) == receipt::PrinterState::out_of_paper);
    CHECK(detail.find("/dev/full") != std::string::npos);
}

TEST_CASE("the counter printer prints on its own thread, tells of a failure once and recovers", "[receipt]")
{
    TempDir dir;
    const auto device = dir.path() / "lp0";
    testing::write_file(device, "");
    std::atomic<int> changes{0};
    auto compose = [](const flows::ReceiptRequest& request) { return "receipt " + request.reference + "\n"; };
    auto wait_for = [&](auto condition) {
        for (int i = 0; i < 500 && !condition(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return condition();
    };
    {
        receipt::CounterPrinter printer(device, compose, [&] { ++changes; }, /*background=*/true);
        printer.print({"UTR-2A-0001X", "", "nl", "wish", 0});
        REQUIRE(wait_for([&] { return testing::read_all(device) == "receipt UTR-2A-0001X\n"; }));
        CHECK(printer.status().state == receipt::PrinterState::ready);
        CHECK(changes == 0); // ready before, ready after
    }
    receipt::CounterPrinter full("/dev/full", compose, [&] { ++changes; }, /*background=*/true);
    full.print({"UTR-2A-0002Y", "", "nl", "wish", 0});
    REQUIRE(wait_for([&] { return full.status().state == receipt::PrinterState::out_of_paper; }));
    CHECK(full.status().unprinted_reference == "UTR-2A-0002Y");
    CHECK(wait_for([&] { return changes == 1; }));

    // Synchronous (scripted runs): written before print() returns.
    receipt::CounterPrinter now(device, compose, {}, /*background=*/false);
    now.print({"UTR-2A-0003Z", "", "nl", "wish", 0});
    CHECK(testing::read_all(device) == "receipt UTR-2A-0001X\nreceipt UTR-2A-0003Z\n");
}

namespace {

class KeptReceipts : public flows::ReceiptPrinter {
public:
    void print(const flows::ReceiptRequest& receipt) override { printed.push_back(receipt); }
    std::vector<flows::ReceiptRequest> printed;
};

} // namespace

TEST_CASE("a complaint filed at the kiosk asks for one receipt with the key whose hash it recorded", "[receipt]")
{
    TempDir dir;
    auto store = testing::open_store(dir);
    testing::RecordingCaller caller;
    KeptReceipts printer;
    app::EffectRunner runner{store, caller, &printer};
    flows::ShopperFlow flow(testing::test_config());
    flow.set_contact_offered(true); // enrolled: head office's contact key is here
    flow.set_status_page_url("https://hq.example.nl/status");
    const int64_t t0 = now_utc_ms();
    auto send = [&](const flows::ShopperIntent& intent) { testing::send_to(flow, runner, intent, t0); };
    send(flows::shopper::StartComplaint{});
    send(flows::shopper::SelectCategory{"service"});
    send(flows::shopper::Next{});
    send(flows::shopper::SetText{flows::Field::description, "Niemand hielp mij bij de kassa."});
    send(flows::shopper::Next{});
    send(flows::shopper::Skip{});
    send(flows::shopper::SetText{flows::Field::customer_wish, "Een nieuw kussen."});
    send(flows::shopper::Next{});
    send(flows::shopper::No{});
    REQUIRE(flow.screen() == flows::Screen::complaint_done);

    REQUIRE(printer.printed.size() == 1);
    const auto& receipt = printer.printed[0];
    CHECK(receipt.customer_wish == "Een nieuw kussen.");
    CHECK(receipt.locale == "nl");
    REQUIRE(crypto::is_status_key(receipt.status_key));
    const auto events = testing::all_events(store);
    REQUIRE(events.size() == 1);
    CHECK(events[0].payload.at("status_key_hash") == crypto::status_key_hash(receipt.status_key));
    CHECK(events[0].payload.at("locale") == "nl");
    CHECK(receipt.reference == events[0].payload.at("reference"));
    // The screen's QR code is the same link; the key is in no file of the store.
    CHECK(flow.view(t0).status_link ==
          crypto::status_link("https://hq.example.nl/status", receipt.reference, receipt.status_key));
    for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
        if (entry.is_regular_file())
            CHECK(testing::read_all(entry.path()).find(receipt.status_key) == std::string::npos);
}
