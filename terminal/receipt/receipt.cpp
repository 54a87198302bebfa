// Composing the complaint receipt (receipt.h).
#include "receipt/receipt.h"

#include "crypto/status_key.h"
#include "domain/utf8.h"
#include "receipt/escpos.h"

#include <cstdio>

namespace feedback::receipt {

namespace {

// "06-12-2026 17:45" in the store's time zone.
std::string local_date_time(const config::KioskConfig& config, int64_t utc_ms)
{
    const CivilTime civil = config.calendar.zone.to_local(utc_ms).civil;
    char text[32];
    std::snprintf(text, sizeof text, "%02d-%02d-%04d %02d:%02d", civil.day, civil.month, civil.year, civil.hour,
                  civil.minute);
    return text;
}

// The promise whose deadline the complaint has (the first that names one).
const config::Promise* deadline_promise(const config::KioskConfig& config)
{
    for (const config::Promise& promise : config.promises)
        if (promise.answer_within)
            return &promise;
    return nullptr;
}

void wrapped(EscPos& job, std::string_view text, int columns)
{
    for (const std::string& line : wrap_text(text, columns))
        job.line(line);
}

} // namespace

std::vector<std::string> wrap_text(std::string_view text, int columns)
{
    std::vector<std::string> lines;
    const auto code_points = decode_utf8(text);
    if (!code_points || columns < 1)
        return {std::string(text)};
    std::u32string line;
    std::u32string word;
    auto flush_line = [&] {
        while (!line.empty() && line.back() == U' ')
            line.pop_back();
        std::string out;
        for (char32_t c : line)
            out += encode_utf8(c);
        lines.push_back(std::move(out));
        line.clear();
    };
    auto place_word = [&] {
        if (word.empty())
            return;
        if (!line.empty() && line.size() + 1 + word.size() > static_cast<size_t>(columns))
            flush_line();
        if (!line.empty())
            line += U' ';
        while (word.size() > static_cast<size_t>(columns)) { // longer than a line: broken inside
            if (!line.empty())
                flush_line();
            line = word.substr(0, static_cast<size_t>(columns));
            word.erase(0, static_cast<size_t>(columns));
            flush_line();
        }
        line += word;
        word.clear();
    };
    for (char32_t c : *code_points) {
        if (c == U'\n') {
            place_word();
            flush_line();
        } else if (c == U' ' || c == U'\t' || c == U'\r') {
            place_word();
        } else {
            word += c;
        }
    }
    place_word();
    if (!line.empty() || lines.empty())
        flush_line();
    return lines;
}

std::string compose_receipt(const flows::ReceiptRequest& request, const config::KioskConfig& config,
                            const config::Strings& strings, std::string_view status_page_url, int columns)
{
    EscPos job;
    job.align(Align::centre).bold(true);
    wrapped(job, config.store_name, columns);
    job.bold(false).line(local_date_time(config, request.opened_at_ms)).feed(1);
    job.line(strings.tr("receipt.reference_label"));
    job.double_size(true).line(request.reference).double_size(false).feed(1);

    job.align(Align::left).bold(true).line(strings.tr("receipt.your_wish")).bold(false);
    wrapped(job, request.customer_wish, columns);
    if (const config::Promise* promise = deadline_promise(config)) {
        job.feed(1).bold(true).line(strings.tr("receipt.our_promise")).bold(false);
        wrapped(job, promise->text.in(strings.locale()), columns);
        if (auto due = config::complaint_deadline(config, request.opened_at_ms)) {
            wrapped(job, strings.tr("receipt.answer_by"), columns);
            job.bold(true).line(local_date_time(config, *due)).bold(false);
        }
    }
    job.feed(1).align(Align::centre);
    if (status_page_url.empty()) {
        wrapped(job, strings.tr("receipt.quote_reference"), columns);
    } else {
        wrapped(job, strings.tr("receipt.scan_to_follow"), columns);
        job.qr_code(crypto::status_link(status_page_url, request.reference, request.status_key));
        wrapped(job, status_page_url, columns);
        if (!request.status_key.empty())
            wrapped(job, strings.tr("receipt.keep_it"), columns);
    }
    job.cut();
    return job.bytes();
}

} // namespace feedback::receipt
