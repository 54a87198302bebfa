// Staff PIN entry with a lockout: a typed PIN is checked against every staff
// member's argon2id hash (config/pin.h); five wrong PINs in a row lock entry
// for 60 seconds. The lock lives as long as this object (the staff flow
// keeps it), so leaving and re-entering the PIN screen does not lift it.
//
//   OPEN --wrong PIN (attempts < 5)--> OPEN
//   OPEN --5th wrong PIN--> LOCKED(until now + 60 s) --time passes--> OPEN (attempts 0)
//   OPEN --right PIN--> OPEN (attempts 0), returns the staff member
//   LOCKED --any PIN--> LOCKED (not checked at all)
#pragma once

#include "config/kiosk_config.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace feedback::flows {

class PinLock {
public:
    static constexpr int max_attempts = 5;
    static constexpr int64_t lock_ms = 60'000;

    enum class Outcome { accepted, wrong, locked };

    struct Attempt {
        Outcome outcome = Outcome::wrong;
        std::optional<config::StaffMember> member; // when accepted
        int attempts_left = 0;                      // after a wrong PIN
    };

    explicit PinLock(std::vector<config::StaffMember> staff) : m_staff(std::move(staff)) {}

    // Checks `pin` at `now_ms`. Each check costs one argon2id verification per
    // staff member (tens of ms each); nothing is verified while locked.
    Attempt try_pin(std::string_view pin, int64_t now_ms);

    bool locked(int64_t now_ms) const { return now_ms < m_locked_until_ms; }
    // Whole seconds until entry opens again, rounded up; 0 when open.
    int seconds_left(int64_t now_ms) const;
    int attempts_left(int64_t now_ms) const;

private:
    std::vector<config::StaffMember> m_staff;
    int m_wrong = 0;
    int64_t m_locked_until_ms = 0;
};

} // namespace feedback::flows
