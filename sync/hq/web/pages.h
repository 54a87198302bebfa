// The dashboard's page handlers, one group per file (pages_*.cpp). Each
// runs after dashboard.cpp has checked the session, the CSRF token of a
// POST and the role the route needs; the public status page needs none.
#pragma once

#include "hq/web/page.h"

#include "domain/complaint_fold.h"
#include "domain/event.h"

namespace feedback::hq::web {

// pages_overview.cpp: overview, promises, learning
void overview_page(Page& page);
void promises_page(Page& page);
void learning_page(Page& page);
// The text of promise `id` in the page's language, from the configuration; the id when none.
std::string promise_text(Page& page, const std::optional<nlohmann::json>& config, const std::string& id);
// The learning page's repeat window in days from the request (default 90).
int64_t repeat_window_days(Page& page, Filters& filters);

// pages_complaints.cpp: the list, a complaint's detail and its follow-up forms
void complaints_page(Page& page);
// The list's filters from the request (mistakes go to filters.errors).
dashboard::ComplaintQuery complaint_query_of(Page& page, Filters& filters);
void complaint_page(Page& page);
void complaint_contact_page(Page& page);
void post_root_cause(Page& page);
void post_action(Page& page);
void post_action_check(Page& page);
void post_reopen(Page& page);
void post_refer(Page& page);
// For the forms in pages_handling.cpp: the complaint page (again, after a
// mistake, with the form's feedback); recording a step and answering with a
// redirect or the page with the mistake.
void render_complaint(Page& page, const std::string& complaint_id, int status, const FormFeedback* feedback);
void record_and_answer(Page& page, const std::string& complaint_id, EventType type, nlohmann::json payload,
                       FormFeedback feedback, const std::string& done);
void show_mistake(Page& page, const std::string& complaint_id, FormFeedback feedback, const std::string& message);
// Whether the complaint exists at head office in a store the user may see;
// when not, a 404 (or the failure) is sent.
bool complaint_in_scope(Page& page, const std::string& complaint_id);

// pages_handling.cpp: head office handles a complaint to the end
// (acknowledge, assess, note, decide, the customer's response, close) and
// registers one that came in at head office.
std::string handling_forms(Page& page, const ComplaintState& state, const std::string& base,
                           const FormFeedback* feedback);
void post_acknowledge(Page& page);
void post_assess(Page& page);
void post_note(Page& page);
void post_decide(Page& page);
void post_response(Page& page);
void post_close(Page& page);
// Erases the customer's personal data on request (admins; HqStore::erase_complaint).
void post_erase(Page& page);
void register_page(Page& page);
void post_register(Page& page);

// pages_callbacks.cpp: detractors who agreed to be called back
void callbacks_page(Page& page);
void callback_page(Page& page);
void post_callback_outcome(Page& page);

// pages_admin.cpp: devices, users, the audit log, the user's own account
void devices_page(Page& page);
void post_enrol(Page& page);
void post_revoke(Page& page);
void post_screenshot_request(Page& page);
void device_screenshot(Page& page);
void users_page(Page& page);
void post_user_add(Page& page);
void post_user_change(Page& page);
void audit_page(Page& page);
void account_page(Page& page);
void post_password(Page& page);
// The user's alert address and choices (mail/alerts.h).
void post_alerts(Page& page);

// pages_config.cpp: the kiosk configuration editor
void config_page(Page& page);
void post_config(Page& page);

// pages_review.cpp: the management review (and its print)
void review_page(Page& page);

// pages_status.cpp: the customer's status page (public: no session)
void status_page(Page& page);
// The status link of a complaint just registered, shown once on its page.
std::string status_link_box(Page& page, const std::string& link);

// pages_survey.cpp: the customer's survey after closing (no login; the link's token)
void survey_page(Page& page);
void post_survey(Page& page);

// pages_export.cpp: CSV of the lists as filtered, the JSON dump for audits
void export_csv(Page& page);
void export_dump(Page& page);

} // namespace feedback::hq::web
