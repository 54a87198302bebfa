// Reading one complaint by its reference code with the shared fold and the
// dashboard's deadline rule (complaint_view.h).
#include "complaint_view.h"

#include "config/kiosk_config.h"
#include "domain/vocabulary.h"

#include <algorithm>

namespace feedback::hq {

ComplaintViewer::ComplaintViewer() = default;
ComplaintViewer::~ComplaintViewer() = default;

Result<std::optional<ComplaintView>> ComplaintViewer::find(HqStore& store, std::string_view reference)
{
    auto location = store.find_complaint(reference);
    FEEDBACK_TRY(location);
    if (!*location)
        return std::optional<ComplaintView>{};
    auto stored = store.events_about((*location)->complaint_id);
    FEEDBACK_TRY(stored);
    ComplaintView view;
    view.store_code = (*location)->store_code;
    view.events.reserve(stored->size());
    for (StoredEvent& one : *stored)
        view.events.push_back(std::move(one.event));
    std::sort(view.events.begin(), view.events.end(), fold_order_less);
    view.state = fold_complaint(view.events);
    auto config = store_config(store, view.store_code);
    FEEDBACK_TRY(config);
    view.config = std::move(*config);
    if (view.state.opened_at && view.config)
        view.deadline_at_ms =
            config::complaint_deadline(*view.config, *view.state.opened_at, severity_level(view.state.severity));
    return std::optional<ComplaintView>{std::move(view)};
}

Result<std::optional<int64_t>> ComplaintViewer::deadline(HqStore& store, const std::string& store_code,
                                                         int64_t opened_at_ms, std::string_view severity)
{
    auto config = store_config(store, store_code);
    FEEDBACK_TRY(config);
    if (!*config)
        return std::optional<int64_t>{}; // as the dashboard: no configuration, no promise
    return config::complaint_deadline(**config, opened_at_ms, severity_level(severity));
}

Result<std::shared_ptr<const config::KioskConfig>> ComplaintViewer::store_config(HqStore& store,
                                                                                 const std::string& store_code)
{
    auto document = store.config_for(store_code);
    FEEDBACK_TRY(document);
    if (!*document)
        return std::shared_ptr<const config::KioskConfig>{};
    const std::string etag = (*document)->etag();
    {
        std::lock_guard lock(m_mutex);
        if (auto found = m_configs.find(etag); found != m_configs.end())
            return found->second;
    }
    // Parsed outside the lock (it reads the time zone's file); two requests
    // may parse the same version at once, and both get the same answer.
    std::shared_ptr<const config::KioskConfig> parsed;
    if (auto config = config::parse_config((*document)->document))
        parsed = std::make_shared<const config::KioskConfig>(std::move(*config));
    std::lock_guard lock(m_mutex);
    return m_configs.emplace(etag, std::move(parsed)).first->second;
}

} // namespace feedback::hq
