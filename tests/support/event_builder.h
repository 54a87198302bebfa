// Builds domain events for tests that exercise the domain without a store.
#pragma once

#include "domain/event.h"
#include "domain/ids.h"

#include <string>

namespace feedback::testing {

struct EventSpec {
    EventType type = EventType::nps_rated;
    std::string subject;
    int64_t occurred_at_ms = 0;
    std::string device_id = "0192f4a8-0000-7000-8000-00000000d001";
    int64_t device_seq = 1;
    nlohmann::json payload = nlohmann::json::object();
    std::string actor = "staff:anna";
};

// An event with a fresh UUIDv7 for its time.
inline Event make_event(EventSpec spec)
{
    Event event;
    event.id = make_uuid_v7(spec.occurred_at_ms);
    event.type = spec.type;
    event.subject = std::move(spec.subject);
    event.occurred_at_ms = spec.occurred_at_ms;
    event.actor = std::move(spec.actor);
    event.device_id = std::move(spec.device_id);
    event.device_seq = spec.device_seq;
    event.payload = std::move(spec.payload);
    return event;
}

} // namespace feedback::testing
