// device_flags.h: the rules, in one place for the page and the command line.
#include "hq/device_flags.h"

#include <cstdlib>

namespace feedback::hq {

std::vector<std::string> device_flags(const Device& device)
{
    std::vector<std::string> flags;
    if (device.condition && device.condition->disk_free_bytes) {
        int64_t free = *device.condition->disk_free_bytes;
        int64_t total = device.condition->disk_total_bytes.value_or(0);
        if (free < low_disk_bytes || (total > 0 && free * 10 < total))
            flags.push_back("low_disk");
    }
    if (device.clock_offset_ms && std::llabs(*device.clock_offset_ms) > clock_off_ms)
        flags.push_back("clock_off");
    if (device.condition && device.condition->restarts_last_hour.value_or(0) >= crash_loop_restarts)
        flags.push_back("crash_loop");
    return flags;
}

} // namespace feedback::hq
