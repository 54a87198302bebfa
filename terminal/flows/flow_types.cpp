// Names and limits of the flows' shared vocabulary (flow_types.h). The text
// limits are those validation checks (shared/domain/vocabulary.h).
#include "flows/flow_types.h"

#include "domain/vocabulary.h"

#include <cassert>

namespace feedback::flows {

std::string_view to_string(Screen screen)
{
    switch (screen) {
    case Screen::shopper_start: return "shopper_start";
    case Screen::shopper_why: return "shopper_why";
    case Screen::shopper_contact_offer: return "shopper_contact_offer";
    case Screen::shopper_contact_details: return "shopper_contact_details";
    case Screen::shopper_thank_you: return "shopper_thank_you";
    case Screen::complaint_category: return "complaint_category";
    case Screen::complaint_description: return "complaint_description";
    case Screen::complaint_reference: return "complaint_reference";
    case Screen::complaint_wish: return "complaint_wish";
    case Screen::complaint_contact_offer: return "complaint_contact_offer";
    case Screen::complaint_contact_details: return "complaint_contact_details";
    case Screen::complaint_done: return "complaint_done";
    case Screen::staff_pin: return "staff_pin";
    case Screen::staff_menu: return "staff_menu";
    case Screen::staff_log_complaint: return "staff_log_complaint";
    case Screen::staff_solve: return "staff_solve";
    case Screen::staff_customer_response: return "staff_customer_response";
    case Screen::staff_not_satisfied: return "staff_not_satisfied";
    case Screen::staff_open_complaints: return "staff_open_complaints";
    case Screen::staff_complaint: return "staff_complaint";
    case Screen::staff_escalate: return "staff_escalate";
    case Screen::staff_reopen: return "staff_reopen";
    case Screen::staff_close: return "staff_close";
    case Screen::staff_find: return "staff_find";
    case Screen::staff_status: return "staff_status";
    case Screen::staff_leave_store: return "staff_leave_store";
    case Screen::staff_left_store: return "staff_left_store";
    case Screen::setup_start: return "setup_start";
    case Screen::setup_check: return "setup_check";
    case Screen::setup_busy: return "setup_busy";
    case Screen::setup_done: return "setup_done";
    }
    assert(false && "to_string(Screen): a screen without a name");
    return "unknown";
}

bool is_staff_screen(Screen screen)
{
    return to_string(screen).starts_with("staff_");
}

bool is_setup_screen(Screen screen)
{
    return to_string(screen).starts_with("setup_");
}

std::string_view to_string(Field field)
{
    switch (field) {
    case Field::none: return "none";
    case Field::comment: return "comment";
    case Field::name: return "name";
    case Field::phone: return "phone";
    case Field::email: return "email";
    case Field::consent: return "consent";
    case Field::category: return "category";
    case Field::channel: return "channel";
    case Field::description: return "description";
    case Field::product_ref: return "product_ref";
    case Field::receipt_ref: return "receipt_ref";
    case Field::customer_wish: return "customer_wish";
    case Field::resolution: return "resolution";
    case Field::amount: return "amount";
    case Field::note: return "note";
    case Field::reason: return "reason";
    case Field::external_body: return "external_body";
    case Field::reference_query: return "reference_query";
    case Field::pin: return "pin";
    case Field::satisfied: return "satisfied";
    case Field::handling_score: return "handling_score";
    case Field::server_address: return "server_address";
    case Field::enrol_code: return "enrol_code";
    }
    assert(false && "to_string(Field): a field without a name");
    return "unknown";
}

int max_chars(Field field)
{
    switch (field) {
    case Field::comment: return limits::comment_chars;
    case Field::name: return limits::name_chars;
    case Field::phone: return limits::phone_chars;
    case Field::email: return limits::email_chars;
    case Field::description: return limits::description_chars;
    case Field::product_ref: return limits::reference_chars;
    case Field::receipt_ref: return limits::reference_chars;
    case Field::customer_wish: return limits::customer_wish_chars;
    case Field::amount: return limits::amount_chars;
    case Field::note: return limits::note_chars;
    case Field::reason: return limits::reason_chars;
    case Field::external_body: return limits::external_body_chars;
    case Field::reference_query: return 24;
    case Field::pin: return 8;
    case Field::server_address: return 200;
    case Field::enrol_code: return 40;
    case Field::none:
    case Field::consent:
    case Field::category:
    case Field::channel:
    case Field::resolution:
    case Field::satisfied:
    case Field::handling_score: return 0;
    }
    return 0;
}

const Message* find_error(const std::vector<FieldError>& errors, Field field)
{
    for (const FieldError& error : errors)
        if (error.field == field)
            return &error.message;
    return nullptr;
}

} // namespace feedback::flows
