// One complaint as head office shows it outside the dashboard (the intake
// API's GET, api/intake_api.h, and the customer's status page,
// web/pages_status.cpp): found by its reference code, folded from all of its
// events with the fold the terminal and the dashboard use
// (domain/complaint_fold.h), with its promised answer deadline by the
// dashboard's rule (config::complaint_deadline for the store's configuration
// and the complaint's severity, as hq/dashboard/projector.cpp projects it).
#pragma once

#include "hq/hq_store.h"

#include "domain/complaint_fold.h"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::config {
struct KioskConfig;
}

namespace feedback::hq {

struct ComplaintView {
    std::string store_code;   // the store it counts for (ComplaintLocation)
    std::vector<Event> events; // every event about it, in fold order, personal fields included
    ComplaintState state;
    std::optional<int64_t> deadline_at_ms; // nothing: the store promises no deadline (or has no configuration)
    // The store's configuration as head office holds it now (its calendar
    // gives the store's time zone); null when it has none or it does not parse.
    std::shared_ptr<const config::KioskConfig> config;
};

// Thread-safe: the configurations it parses are kept per published version
// (their ETag), so requests share them; each call takes the caller's store
// connection.
class ComplaintViewer {
public:
    ComplaintViewer();
    ~ComplaintViewer();
    ComplaintViewer(const ComplaintViewer&) = delete;
    ComplaintViewer& operator=(const ComplaintViewer&) = delete;

    // The complaint with this reference code (canonical, as parse_refcode()
    // writes it); nothing when head office has none. Errors are the storage's.
    Result<std::optional<ComplaintView>> find(HqStore& store, std::string_view reference);
    // The promised answer deadline (UTC ms) of a complaint of `store_code`
    // opened at `opened_at_ms`; nothing without a configuration or a promise
    // that names a deadline.
    Result<std::optional<int64_t>> deadline(HqStore& store, const std::string& store_code, int64_t opened_at_ms,
                                            std::string_view severity);
    // The store's configuration as head office holds it now, parsed once per
    // published version; null when there is none or it does not parse.
    Result<std::shared_ptr<const config::KioskConfig>> store_config(HqStore& store, const std::string& store_code);

private:
    std::mutex m_mutex;
    std::map<std::string, std::shared_ptr<const config::KioskConfig>> m_configs; // by ETag ("UTR-3")
};

} // namespace feedback::hq
