// Events as CSV rows (RFC 4180), for exports that quality staff open in a
// spreadsheet. The terminal and head office export the same columns.
#pragma once

#include "event.h"

#include <string>

namespace feedback {

// "id,v,type,subject,occurred_at,occurred_at_utc,actor,device_id,seq,payload\r\n"
std::string csv_header();

// One row; the payload is its JSON text in one quoted cell.
std::string csv_row(const Event& event);

// Quotes a cell when it holds a comma, quote or line break (quotes doubled).
std::string csv_cell(std::string_view text);

} // namespace feedback
