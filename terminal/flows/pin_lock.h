// Staff PIN entry with a lockout: a typed PIN is checked against every staff
// member's argon2id hash (config/pin.h); five wrong PINs in a row lock entry
// for 60 seconds. The lock lives as long as this object (the staff flow
// keeps it), so leaving and re-entering the PIN screen does not lift it.
//
// The check itself is slow on purpose, so the lock does not run it: submit()
// says whether a PIN is to be checked (the flow returns a CheckPin effect,
// the app runs check_pin() and the flow hands the answer to checked()).
//
//   OPEN --submit: not 4-8 digits--> a wrong PIN, no check
//   OPEN --submit--> check --checked: nobody's (attempts < 5)--> OPEN
//                          --checked: nobody's, the 5th--> LOCKED(until now + 60 s)
//                          --checked: a member's--> OPEN (attempts 0), returns the member
//   LOCKED --submit--> LOCKED (not checked at all) --time passes--> OPEN (attempts 0)
#pragma once

#include "config/kiosk_config.h"
#include "flows/effects.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedback::flows {

class PinLock {
public:
    static constexpr int max_attempts = 5;
    static constexpr int64_t lock_ms = 60'000;

    enum class Outcome { accepted, wrong, locked, check };

    struct Attempt {
        Outcome outcome = Outcome::wrong;
        std::optional<config::StaffMember> member; // when accepted
        int attempts_left = 0;                      // after a wrong PIN
    };

    explicit PinLock(std::vector<config::StaffMember> staff) : m_staff(std::move(staff)) {}

    // A PIN typed at `now_ms`: locked, wrong without a check (not a PIN at
    // all), or check (then check_for() and, with the answer, checked()).
    Attempt submit(std::string_view pin, int64_t now_ms);
    // What the app is to check `pin` against: every member's hash.
    CheckPin check_for(std::string pin) const;
    // The answer of a check, at `now_ms`: accepted with the member whose PIN
    // it is, or a wrong PIN counted (locked at the fifth).
    Attempt checked(const PinChecked& answer, int64_t now_ms);

    bool locked(int64_t now_ms) const { return now_ms < m_locked_until_ms; }
    // Whole seconds until entry opens again, rounded up; 0 when open.
    int seconds_left(int64_t now_ms) const;
    int attempts_left(int64_t now_ms) const;

private:
    Attempt count_wrong(int64_t now_ms);

    std::vector<config::StaffMember> m_staff;
    int m_wrong = 0;
    int64_t m_locked_until_ms = 0;
};

// Checks `check.pin` against each hash in turn: one argon2id verification per
// member (tens of ms each). Touches nothing but its argument, so the app may
// run it on another thread.
PinChecked check_pin(const CheckPin& check);

} // namespace feedback::flows
