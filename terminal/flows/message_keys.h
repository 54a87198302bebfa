// Every translation key the flows put into a Message (errors and notices),
// in one place: each must exist in assets/i18n/<lang>.json (a test checks),
// and screens pass Message::key and Message::args to Strings::format().
#pragma once

#include <array>
#include <string_view>

namespace feedback::flows::keys {

// [SECTION] Fields
inline constexpr std::string_view required = "common.required";
inline constexpr std::string_view too_long = "common.too_long";            // {max}
inline constexpr std::string_view description_needed = "complaint.description.needed";
inline constexpr std::string_view wish_needed = "complaint.wish.needed";
inline constexpr std::string_view consent_needed = "contact.consent_needed";
inline constexpr std::string_view need_phone_or_email = "contact.need_phone_or_email";
inline constexpr std::string_view invalid_phone = "contact.invalid_phone";
inline constexpr std::string_view invalid_email = "contact.invalid_email";
inline constexpr std::string_view amount_needed = "staff.solve.amount_needed"; // also for an unreadable amount
inline constexpr std::string_view above_limit = "staff.solve.above_limit";    // amounts {limit} (cents)
inline constexpr std::string_view reason_needed = "staff.escalate.reason_needed";
inline constexpr std::string_view body_needed = "staff.refer.body_needed";

// [SECTION] PIN
inline constexpr std::string_view wrong_pin = "staff.login.wrong_pin";           // {tries}
inline constexpr std::string_view wrong_pin_last = "staff.login.wrong_pin_last";
inline constexpr std::string_view pin_locked = "staff.login.locked";             // {seconds}

// [SECTION] Find by reference
inline constexpr std::string_view code_invalid = "staff.find.invalid";     // a typo (check character), a foreign character, the wrong length
inline constexpr std::string_view code_not_found = "staff.find.not_found"; // {reference}

// [SECTION] Recording (args {detail}: the store's message, for staff screens)
inline constexpr std::string_view disk_full = "error.disk_full";
inline constexpr std::string_view storage = "error.storage"; // I/O, busy, damaged
inline constexpr std::string_view generic = "error.generic"; // refused (the state moved on elsewhere), internal

// [SECTION] Notices
inline constexpr std::string_view complaint_logged = "staff.log.saved"; // {reference}
inline constexpr std::string_view saved = "staff.saved";

// [SECTION] The receipt printer ({reference}: the complaint whose receipt did not print)
inline constexpr std::string_view printer_missing = "staff.printer.missing";
inline constexpr std::string_view printer_offline = "staff.printer.offline";
inline constexpr std::string_view printer_out_of_paper = "staff.printer.out_of_paper";
inline constexpr std::string_view printer_failed = "staff.printer.failed";

// [SECTION] Setup of an unenrolled kiosk (setup_flow.h)
inline constexpr std::string_view setup_address_empty = "setup.error.address_empty";
inline constexpr std::string_view setup_code_empty = "setup.error.code_empty";
inline constexpr std::string_view setup_address = "setup.error.address";
inline constexpr std::string_view setup_unreachable = "setup.error.unreachable";
inline constexpr std::string_view setup_not_head_office = "setup.error.not_head_office";
inline constexpr std::string_view setup_untrusted = "setup.error.untrusted";
inline constexpr std::string_view setup_fingerprint_differs = "setup.error.fingerprint_differs";
inline constexpr std::string_view setup_wrong_code = "setup.error.wrong_code";
inline constexpr std::string_view setup_expired = "setup.error.expired";         // {date}
inline constexpr std::string_view setup_file_unusable = "setup.error.setup_file";
inline constexpr std::string_view setup_held_elsewhere = "setup.error.held_elsewhere";
inline constexpr std::string_view setup_needs_replacement = "setup.error.needs_replacement"; // {device}
inline constexpr std::string_view setup_too_many = "setup.error.too_many";
inline constexpr std::string_view setup_failed = "setup.error.failed";

// [SECTION] Leaving the store (staff status; sync/client/leaving.h)
inline constexpr std::string_view leave_not_enrolled = "staff.leave.error.not_enrolled";
inline constexpr std::string_view leave_unsent = "staff.leave.error.unsent"; // {count}
inline constexpr std::string_view leave_unreachable = "staff.leave.error.unreachable";
inline constexpr std::string_view leave_failed = "staff.leave.error.failed";

inline constexpr std::array all{
    required,       too_long,   description_needed, wish_needed,    consent_needed, need_phone_or_email,
    invalid_phone,  invalid_email, amount_needed,   above_limit,    reason_needed,  body_needed,
    wrong_pin,      wrong_pin_last, pin_locked,     code_invalid,   code_not_found, disk_full,
    storage,        generic,    complaint_logged,   saved,          printer_missing, printer_offline,
    printer_out_of_paper, printer_failed, setup_address_empty, setup_code_empty, setup_address,
    setup_unreachable, setup_not_head_office, setup_untrusted, setup_fingerprint_differs, setup_wrong_code,
    setup_expired, setup_file_unusable, setup_held_elsewhere, setup_needs_replacement, setup_too_many,
    setup_failed,   leave_not_enrolled, leave_unsent, leave_unreachable, leave_failed,
};

} // namespace feedback::flows::keys
