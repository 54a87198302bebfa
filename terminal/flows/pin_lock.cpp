// The PIN lockout of pin_lock.h, and the check the app runs for it.
#include "flows/pin_lock.h"

#include "config/pin.h"

namespace feedback::flows {

PinLock::Attempt PinLock::submit(std::string_view pin, int64_t now_ms)
{
    if (locked(now_ms))
        return Attempt{Outcome::locked, std::nullopt, 0};
    if (m_locked_until_ms != 0) { // a lock has run out: a fresh set of attempts
        m_locked_until_ms = 0;
        m_wrong = 0;
    }
    if (!config::is_valid_pin(pin))
        return count_wrong(now_ms);
    return Attempt{Outcome::check, std::nullopt, max_attempts - m_wrong};
}

CheckPin PinLock::check_for(std::string pin) const
{
    CheckPin check{std::move(pin), {}};
    for (const config::StaffMember& member : m_staff)
        check.staff.push_back(PinHolder{member.id, member.pin_hash});
    return check;
}

PinLock::Attempt PinLock::checked(const PinChecked& answer, int64_t now_ms)
{
    if (answer.staff_id) {
        for (const config::StaffMember& member : m_staff) {
            if (member.id == *answer.staff_id) {
                m_wrong = 0;
                return Attempt{Outcome::accepted, member, max_attempts};
            }
        }
    }
    return count_wrong(now_ms);
}

PinLock::Attempt PinLock::count_wrong(int64_t now_ms)
{
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

PinChecked check_pin(const CheckPin& check)
{
    for (const PinHolder& holder : check.staff)
        if (config::verify_pin(holder.pin_hash, check.pin))
            return PinChecked{holder.staff_id};
    return PinChecked{};
}

} // namespace feedback::flows
