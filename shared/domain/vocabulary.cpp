// Look-ups in the complaint vocabulary's tables (vocabulary.h).
#include "vocabulary.h"

#include <algorithm>

namespace feedback {

namespace {

template <class Entry, std::size_t N>
const Entry* find_wire(const std::array<Entry, N>& table, std::string_view wire)
{
    auto it = std::find_if(table.begin(), table.end(), [&](const Entry& entry) { return entry.wire == wire; });
    return it == table.end() ? nullptr : &*it;
}

template <class Entry>
std::string_view key_of(const Entry* entry)
{
    return entry ? entry->key : std::string_view{};
}

} // namespace

const Channel* find_channel(std::string_view wire) { return find_wire(channels, wire); }
const Resolution* find_resolution(std::string_view wire) { return find_wire(resolutions, wire); }
const Outcome* find_outcome(std::string_view wire) { return find_wire(outcomes, wire); }
const SeverityEntry* find_severity(std::string_view wire) { return find_wire(severities, wire); }
const Communication* find_communication(std::string_view wire) { return find_wire(communications, wire); }

Severity severity_level(std::string_view wire)
{
    const SeverityEntry* found = find_severity(wire);
    return found ? found->level : Severity::normal;
}

AmountRule amount_rule(std::string_view resolution)
{
    const Resolution* found = find_resolution(resolution);
    return found ? found->amount : AmountRule::optional;
}

std::string_view channel_key(std::string_view wire) { return key_of(find_channel(wire)); }
std::string_view resolution_key(std::string_view wire) { return key_of(find_resolution(wire)); }
std::string_view outcome_key(std::string_view wire) { return key_of(find_outcome(wire)); }
std::string_view severity_key(std::string_view wire) { return key_of(find_severity(wire)); }
std::string_view communication_key(std::string_view wire) { return key_of(find_communication(wire)); }
std::string_view message_kind_key(std::string_view wire) { return key_of(find_wire(message_kinds, wire)); }
std::string_view message_status_key(std::string_view wire) { return key_of(find_wire(message_statuses, wire)); }

} // namespace feedback
