// CSV rows for event exports.
#include "event_csv.h"

#include "clock.h"

namespace feedback {

std::string csv_header()
{
    return "id,v,type,subject,occurred_at,occurred_at_utc,actor,device_id,seq,payload\r\n";
}

std::string csv_cell(std::string_view text)
{
    if (text.find_first_of(",\"\r\n") == std::string_view::npos)
        return std::string(text);
    std::string quoted = "\"";
    for (char c : text) {
        if (c == '"')
            quoted += '"';
        quoted += c;
    }
    quoted += '"';
    return quoted;
}

std::string csv_row(const Event& event)
{
    std::string row;
    for (const std::string& cell : {event.id, std::to_string(event.v), std::string(to_string(event.type)),
                                    event.subject, std::to_string(event.occurred_at_ms),
                                    format_utc_iso8601(event.occurred_at_ms), event.actor, event.device_id,
                                    std::to_string(event.device_seq), event.payload.dump()}) {
        if (!row.empty())
            row += ',';
        row += csv_cell(cell);
    }
    row += "\r\n";
    return row;
}

} // namespace feedback
