// A terminal as head office knows it, and what it reports about itself with
// each upload (PROTOCOL.md 3, 5).
#pragma once

#include "common/device_condition.h"

#include <cstdint>
#include <optional>
#include <string>

namespace feedback::hq {

struct Device {
    std::string id;
    std::string name;
    std::string store_code;
    std::string terminal_code;
    int64_t enrolled_at = 0;
    std::optional<int64_t> revoked_at;
    std::optional<int64_t> last_seen_at;
    int64_t events_received = 0;
    std::optional<int64_t> last_backlog;
    std::optional<int64_t> clock_offset_ms;
    std::string app_version;
    std::optional<sync::DeviceCondition> condition; // as last reported (Feedback-Health)
    // A screenshot of its start screen on request (HqStore::request_screenshot).
    std::optional<int64_t> screenshot_requested_at;
    std::optional<int64_t> screenshot_taken_at;    // the kiosk's clock
    std::optional<int64_t> screenshot_received_at;
    std::optional<int64_t> left_at; // it left its store from its own screen (revoked_at is the same)

    // Asked for and not yet arrived: head office says so in its answers.
    bool screenshot_wanted() const
    {
        return screenshot_requested_at && (!screenshot_received_at || *screenshot_received_at < *screenshot_requested_at);
    }
};

// What a terminal reports about itself with each upload (PROTOCOL.md 3).
struct DeviceHealth {
    std::optional<int64_t> clock_offset_ms;
    std::optional<int64_t> backlog;
    std::string app_version;
    std::optional<sync::DeviceCondition> condition;
};

} // namespace feedback::hq
