// The counter's receipt printer: an ESC/POS printer on a device path
// (/dev/usb/lp0), fed from its own thread so that a printer that is missing,
// offline or out of paper never holds up the screen. Its state is for staff
// to see (the staff screens show it); the shopper never waits for it.
//
//   UI thread: print(request) -> compose the job (receipt.h) -> queue
//   printer thread: open the device, write within the time limit, set the state
//
// Linux's usblp driver answers ENOSPC when the paper is out and EIO when the
// printer is offline; a device that is not there is ENOENT or ENODEV.
#pragma once

#include "flows/receipt_printer.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace feedback::receipt {

enum class PrinterState { ready, missing, offline, out_of_paper, failed };

// "ready", "missing", ...: also the translation key's last part ("printer.missing").
std::string_view to_string(PrinterState state);

struct PrinterStatus {
    PrinterState state = PrinterState::ready; // how the last job went (ready: printed, or none yet)
    std::string unprinted_reference;          // the complaint whose receipt did not print
    std::string detail;                       // the system's words, for the log
};

// Writes one job to `device` (opened anew for each job, appended to a
// regular file), giving up after `timeout`. `detail` gets the system's words
// when it fails.
PrinterState write_print_job(const std::filesystem::path& device, std::string_view job,
                             std::chrono::milliseconds timeout, std::string& detail);

class CounterPrinter : public flows::ReceiptPrinter {
public:
    // Turns a request into the print job; called on the UI thread.
    using Compose = std::function<std::string(const flows::ReceiptRequest&)>;
    // Called on the printer's thread when the state changed (the app wakes its frame loop).
    using Changed = std::function<void()>;

    // `background`: jobs are written on the printer's own thread; otherwise
    // print() writes at once (scripted runs and tests, where waiting is fine).
    CounterPrinter(std::filesystem::path device, Compose compose, Changed changed, bool background,
                   std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // Lets the job being written finish (at most the timeout), drops the rest.
    ~CounterPrinter() override;
    CounterPrinter(const CounterPrinter&) = delete;
    CounterPrinter& operator=(const CounterPrinter&) = delete;

    void print(const flows::ReceiptRequest& request) override;
    PrinterStatus status() const;
    const std::filesystem::path& device() const { return m_device; }

private:
    void write(const std::string& reference, const std::string& job);
    void run();

    const std::filesystem::path m_device;
    const Compose m_compose;
    const Changed m_changed;
    const std::chrono::milliseconds m_timeout;

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::pair<std::string, std::string>> m_jobs; // reference, bytes
    PrinterStatus m_status;
    bool m_stopping = false;
    std::thread m_thread; // last: started once everything above is ready
};

} // namespace feedback::receipt
