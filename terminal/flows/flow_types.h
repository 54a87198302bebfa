// The vocabulary the kiosk's flows and screens share: every screen's stable
// name, the text fields, messages as translation keys and chips (what an
// intent asks the app to do is in effects.h). No SDL, ImGui or clock here.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::flows {

// Every screen of the kiosk, shopper and staff. The names (to_string) are
// stable: screenshot files and UI scripts use them.
enum class Screen {
    // [shopper] rating
    shopper_start,           // NPS 0-10, language, "I have a complaint", promises
    shopper_why,             // reason chips for the score's band, optional comment
    shopper_contact_offer,   // detractors: "may we contact you?" yes / no
    shopper_contact_details, // consent tick, name, phone, e-mail
    shopper_thank_you,       // returns to start by itself
    // [shopper] complaint
    complaint_category,
    complaint_description,
    complaint_reference,     // optional product / receipt reference
    complaint_wish,          // what the customer would like us to do
    complaint_contact_offer,
    complaint_contact_details,
    complaint_done,          // the reference code, "call a staff member now"
    // [staff]
    staff_pin,
    staff_menu,
    staff_log_complaint,     // the walk-in form, one screen
    staff_solve,             // resolution, amount, note
    staff_customer_response, // the screen handed to the customer: satisfied? 1-5
    staff_not_satisfied,     // escalate, try again, or leave it open
    staff_open_complaints,
    staff_complaint,         // one complaint, the actions its state allows; the hub after each step
    staff_escalate,          // reason
    staff_reopen,            // reason
    staff_close,             // unresolved / withdrawn / referred_external (+ body)
    staff_find,              // typed reference code
    staff_status,
    staff_leave_store,       // what leaving means, and the button that does it
    staff_left_store,        // left: the kiosk restarts for a new setup
    // [setup] an unenrolled kiosk, before the survey (setup_flow.h)
    setup_start,             // head office's address and the one-time code; a USB setup file
    setup_check,             // the CA's fingerprint for a person to compare
    setup_busy,              // talking to head office
    setup_done,              // enrolled: which store and terminal it is now
};

inline constexpr std::array all_screens{
    Screen::shopper_start,         Screen::shopper_why,
    Screen::shopper_contact_offer, Screen::shopper_contact_details,
    Screen::shopper_thank_you,     Screen::complaint_category,
    Screen::complaint_description, Screen::complaint_reference,
    Screen::complaint_wish,        Screen::complaint_contact_offer,
    Screen::complaint_contact_details, Screen::complaint_done,
    Screen::staff_pin,             Screen::staff_menu,
    Screen::staff_log_complaint,   Screen::staff_solve,
    Screen::staff_customer_response, Screen::staff_not_satisfied,
    Screen::staff_open_complaints, Screen::staff_complaint,
    Screen::staff_escalate,        Screen::staff_reopen,
    Screen::staff_close,           Screen::staff_find,
    Screen::staff_status,          Screen::staff_leave_store,
    Screen::staff_left_store,      Screen::setup_start,
    Screen::setup_check,           Screen::setup_busy,
    Screen::setup_done,
};

// "shopper_start", "staff_solve", ...
std::string_view to_string(Screen screen);
bool is_staff_screen(Screen screen);
bool is_setup_screen(Screen screen);

// The fields a person types into or picks on a screen. to_string() gives the
// payload key (amount is recorded as amount_cents).
enum class Field {
    none, // an error about the whole screen ("error.disk_full")
    comment,
    name,
    phone,
    email,
    consent,
    category,
    channel,
    description,
    product_ref,
    receipt_ref,
    customer_wish,
    resolution,
    amount, // typed in currency units: "12.50" or "12,50"
    note,
    reason,
    external_body,
    reference_query,
    pin,
    server_address, // setup: head office's address
    enrol_code,     // setup: the one-time code
    satisfied,
    handling_score,
};

std::string_view to_string(Field field);

// The most characters (Unicode code points) a text field takes, for the
// screen's counter; 0 for fields that are not typed.
int max_chars(Field field);

// A text for a person, as a translation key of assets/i18n/<lang>.json with
// the values of its placeholders; every key is listed in message_keys.h.
// Amounts are placeholders of their own, in cents ("staff.solve.above_limit"
// with amounts {"limit": 5000}): the screen writes them in the reader's
// locale ("€ 50,00") with the same function as every other amount, so a
// message never says "50.00" next to a line that says "€ 50,00".
struct Message {
    std::string key;
    std::map<std::string, std::string> args;
    std::map<std::string, int64_t> amounts = {}; // placeholder -> cents

    bool operator==(const Message&) const = default;
};

// A message shown next to a field (Field::none: for the whole screen).
struct FieldError {
    Field field = Field::none;
    Message message;
};

// The error for `field`, or null when there is none.
const Message* find_error(const std::vector<FieldError>& errors, Field field);

// A tap target: configured ones carry their text in the current language,
// built-in ones (channels, resolutions) a translation key ("channel.walk_in", vocabulary.h).
struct Chip {
    std::string id;
    std::string text; // from the configuration, already in the right language
    std::string key;  // translation key when text is empty
    bool selected = false;
};

} // namespace feedback::flows
