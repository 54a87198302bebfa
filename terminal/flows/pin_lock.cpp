// PIN checking and the lockout of pin_lock.h.
#include "flows/pin_lock.h"

#include "config/pin.h"

namespace feedback::flows {

PinLock::Attempt PinLock::try_pin(std::string_view pin, int64_t now_ms)
{
    if (locked(now_ms))
        return Attempt{Outcome::locked, std::nullopt, 0};
    if (m_locked_until_ms != 0) { // a lock has run out: a fresh set of attempts
        m_locked_until_ms = 0;
        m_wrong = 0;
    }
    if (config::is_valid_pin(pin)) {
        for (const config::StaffMember& member : m_staff) {
            if (config::verify_pin(member.pin_hash, pin)) {
                m_wrong = 0;
                return Attempt{Outcome::accepted, member, max_attempts};
            }
        }
    }
    ++m_wrong;
    if (m_wrong >= max_attempts) {
        m_locked_until_ms = now_ms + lock_ms;
        return Attempt{Outcome::locked, std::nullopt, 0};
    }
    return Attempt{Outcome::wrong, std::nullopt, max_attempts - m_wrong};
}

int PinLock::seconds_left(int64_t now_ms) const
{
    if (!locked(now_ms))
        return 0;
    return static_cast<int>((m_locked_until_ms - now_ms + 999) / 1000);
}

int PinLock::attempts_left(int64_t now_ms) const
{
    if (locked(now_ms))
        return 0;
    if (m_locked_until_ms != 0)
        return max_attempts; // the lock ran out
    return max_attempts - m_wrong;
}

} // namespace feedback::flows
