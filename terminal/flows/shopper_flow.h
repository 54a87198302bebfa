// The shopper's side of the kiosk as a plain state machine: a rating in one
// tap, an optional "why", contact for detractors who agree, and a complaint
// with a reference code to quote. Screens draw view() and send intents.
//
//   shopper_start --TapScore: records nps.rated--> shopper_why
//      |                                             | Next (records nps.detailed when something
//      |                                             |       was chosen or typed) / Skip (nothing)
//      |                                             v
//      |                     promoter or passive: shopper_thank_you
//      |                     detractor (0-6):     shopper_contact_offer
//      |                                             | No: records the why (if any)
//      |                                             | Yes
//      |                                             v
//      |                                          shopper_contact_details --Next (consent + phone
//      |                                             |                     or e-mail): records the
//      |                                             |                     why with "contact"
//      |                                             v
//      |                                          shopper_thank_you --Done / thank_you_seconds--> start
//      |
//      +--StartComplaint--> complaint_category --Next--> complaint_description --Next-->
//          complaint_reference --Next/Skip--> complaint_wish --Next--> complaint_contact_offer
//          --No: records complaint.opened--> complaint_done
//          --Yes--> complaint_contact_details --Next: records complaint.opened--> complaint_done
//      complaint_done --CallStaff: records complaint.assistance_requested, calls staff
//                       (shows "a staff member is on the way")--> complaint_done
//      complaint_done --Done / shopper_idle_seconds--> start
//
//   Back walks one step back and keeps everything typed; Cancel (complaint
//   steps) returns to start. Any screen but start: shopper_idle_seconds
//   without an intent returns to start and forgets what was not recorded
//   (recorded events stay). A failed recording shows an error (a full disk:
//   "error.disk_full") on the same screen and keeps the input.
//
// "Records" means: apply() returns a record effect (effects.h) and the flow
// waits, ignoring screen intents, until the app sends back EventRecorded or
// RecordFailed; the screen changes then. The staff call is an effect too.
#pragma once

#include "config/kiosk_config.h"
#include "flows/drafts.h"
#include "flows/flow_types.h"
#include "flows/effects.h"
#include "flows/misuse_detector.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace feedback::flows {

// [SECTION] Intents: what a shopper's screen sends.
namespace shopper {
struct TapScore { int score = 0; };          // shopper_start: 0-10
struct SetLocale { std::string locale; };    // any shopper screen: one of the store's languages
struct ToggleAccessible {};                  // any shopper screen: larger text, high contrast, on or off
struct StartComplaint {};                    // shopper_start: "I have a complaint"
struct ToggleReason { std::string id; };     // shopper_why
struct SelectCategory { std::string id; };   // complaint_category
struct SetText { Field field = Field::none; std::string text; }; // the whole text of a field
struct ToggleConsent {};                     // the contact details screens
struct Yes {};                               // the contact offer screens
struct No {};
struct Next {};
struct Skip {};                              // shopper_why, shopper_contact_details, complaint_reference
struct Back {};
struct Cancel {};                            // complaint steps: give up, back to start
struct CallStaff {};                         // complaint_done
struct Done {};                              // shopper_thank_you, complaint_done: back to start now
} // namespace shopper

using ShopperIntent =
    std::variant<shopper::TapScore, shopper::SetLocale, shopper::ToggleAccessible, shopper::StartComplaint,
                 shopper::ToggleReason,
                 shopper::SelectCategory, shopper::SetText, shopper::ToggleConsent, shopper::Yes, shopper::No,
                 shopper::Next, shopper::Skip, shopper::Back, shopper::Cancel, shopper::CallStaff, shopper::Done>;

// [SECTION] View: everything a shopper screen draws.
struct ShopperView {
    Screen screen = Screen::shopper_start;
    std::string locale;               // the shopper's language
    std::vector<std::string> locales; // languages to offer (the store's, in its order)
    bool accessible = false;          // larger text, high contrast: until the next shopper
    std::string question;             // the NPS question, in `locale`
    std::vector<std::string> promises; // the shop's promises, in `locale`

    std::optional<int> score;         // the score tapped, from shopper_why on
    std::vector<Chip> reasons;        // shopper_why: chips of the score's band
    std::string comment;              // shopper_why
    ContactDraft contact;             // the contact screens (rating or complaint)

    std::vector<Chip> categories;     // complaint_category
    ComplaintDraft complaint;         // complaint steps (complaint.contact: see `contact`)
    std::string reference;            // complaint_done: the code to quote, large
    std::string status_link;          // complaint_done: the status page link with the key, as a QR
                                      // code (empty: head office's address is not known yet)
    bool staff_on_the_way = false;    // complaint_done after CallStaff

    int seconds_left = 0;             // shopper_thank_you: until it returns to start
    std::vector<FieldError> errors;   // per field, or Field::none for the screen
};

class ShopperFlow {
public:
    explicit ShopperFlow(config::KioskConfig config);

    // Handles one intent at `now_ms` (wall clock ms). Intents that do not
    // belong to the current screen, and any while a result is awaited, are
    // ignored (but count as activity).
    Effects apply(const ShopperIntent& intent, int64_t now_ms);
    // The result of the effect the flow waits for; ignored when it waits for
    // none (a result for a shopper who has gone).
    Effects apply(const EffectResult& result, int64_t now_ms);
    // Timeouts: thank-you and idle returns to start.
    void tick(int64_t now_ms);
    // An effect's result is awaited.
    bool awaiting() const { return m_awaiting != Awaiting::nothing; }

    Screen screen() const { return m_screen; }
    ShopperView view(int64_t now_ms) const;

    // Back to start, forgetting everything not recorded (the next shopper).
    void reset(int64_t now_ms);

    // Head office's status page ("https://hq.example.nl/status"), from the
    // terminal's enrolment; empty: no QR code.
    void set_status_page_url(std::string url) { m_status_page_url = std::move(url); }
    // Without it (no contact key yet) the contact offer screens are skipped.
    void set_contact_offered(bool offered) { m_contact_offered = offered; }

private:
    // What a record effect was for: where its result takes the flow.
    enum class Awaiting { nothing, rating, details, complaint, assistance };

    // One handler per intent; each returns what the app is to do.
    Effects on(const shopper::TapScore& intent, int64_t now_ms);
    Effects on(const shopper::SetLocale& intent, int64_t now_ms);
    Effects on(const shopper::ToggleAccessible& intent, int64_t now_ms);
    Effects on(const shopper::StartComplaint& intent, int64_t now_ms);
    Effects on(const shopper::ToggleReason& intent, int64_t now_ms);
    Effects on(const shopper::SelectCategory& intent, int64_t now_ms);
    Effects on(const shopper::SetText& intent, int64_t now_ms);
    Effects on(const shopper::ToggleConsent& intent, int64_t now_ms);
    Effects on(const shopper::Yes& intent, int64_t now_ms);
    Effects on(const shopper::No& intent, int64_t now_ms);
    Effects on(const shopper::Next& intent, int64_t now_ms);
    Effects on(const shopper::Skip& intent, int64_t now_ms);
    Effects on(const shopper::Back& intent, int64_t now_ms);
    Effects on(const shopper::Cancel& intent, int64_t now_ms);
    Effects on(const shopper::CallStaff& intent, int64_t now_ms);
    Effects on(const shopper::Done& intent, int64_t now_ms);

    void go(Screen screen, int64_t now_ms);
    bool is_detractor() const;
    bool is_complaint_screen() const;
    // The why (and contact when `with_contact`) as nps.detailed, when there
    // is anything to record; then the thank-you screen.
    Effects finish_rating(bool with_contact, int64_t now_ms);
    Effects submit_complaint(bool with_contact, int64_t now_ms);
    nlohmann::json detailed_payload(bool with_contact) const;
    std::vector<FieldError> check_complaint_step(std::span<const Field> fields) const;
    // Asks for the event to be recorded (actor "kiosk") and waits for it.
    Effects record(EventType type, const std::string& subject, nlohmann::json payload, Awaiting then);
    Effects recorded(Awaiting what, const store::RecordedEvent& event, int64_t now_ms);
    Effects record_failed(Awaiting what, const Error& error);
    // The staff call effect for the complaint just recorded; once per complaint.
    Effects call_staff();

    config::KioskConfig m_config;
    std::string m_status_page_url;
    bool m_contact_offered = false;
    MisuseDetector m_misuse; // kiosk-wide: survives the reset between shoppers
    Awaiting m_awaiting = Awaiting::nothing;

    Screen m_screen = Screen::shopper_start;
    int64_t m_last_intent_ms = 0;
    int64_t m_screen_since_ms = 0;
    std::vector<FieldError> m_errors;

    // One shopper's data; reset() clears all of it.
    std::string m_locale;
    bool m_accessible = false;
    std::optional<int> m_score;
    int m_tapped_score = 0;             // while its nps.rated is being recorded
    std::string m_rating_id;            // the recorded nps.rated
    std::vector<std::string> m_reasons; // selected reason ids, in tap order
    std::string m_comment;
    ContactDraft m_contact;             // a detractor's contact
    ComplaintDraft m_complaint;
    std::string m_complaint_id;
    std::string m_reference;
    std::string m_status_key; // shown as a QR code until the next shopper, never stored
    bool m_staff_called = false;
};

} // namespace feedback::flows
