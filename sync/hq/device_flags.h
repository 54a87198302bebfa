// What on a terminal needs a person, from what it last reported (the devices
// page, `feedback-hq devices` and the device_trouble alert): a disk nearly
// full (a kiosk that cannot write loses taps), a clock off by more than two
// minutes (times on its events are then wrong) and a crash loop (three or
// more stops systemd did not ask for within an hour). A terminal that is
// silent while its store is open and a backlog that keeps growing are alerts
// of their own (mail/alerts.h).
#pragma once

#include "hq/hq_store.h"

#include <string>
#include <vector>

namespace feedback::hq {

inline constexpr int64_t low_disk_bytes = 500LL * 1000 * 1000; // or less than a tenth of the disk
inline constexpr int64_t clock_off_ms = 2 * 60 * 1000;
inline constexpr int64_t crash_loop_restarts = 3; // within an hour

// "low_disk", "clock_off", "crash_loop"; empty when nothing needs a person.
std::vector<std::string> device_flags(const Device& device);

} // namespace feedback::hq
