// Hands a registered complaint's status link (with the customer's status
// key) from the dashboard's POST /complaints/new to the confirmation page it
// redirects to, once. Head office keeps only the key's hash, so the link
// lives here in memory only: until that page takes it, for at most
// `keep_ms`, and is gone after a restart. Thread-safe.
//
//   put(session, complaint, link) --> HELD --take(same session, same complaint)--> shown, forgotten
//                                      |
//                                      +--keep_ms passed, or the oldest of too many--> forgotten
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace feedback::hq::web {

class StatusLinkHandoff {
public:
    static constexpr int64_t keep_ms = 10 * 60 * 1000;
    static constexpr size_t max_held = 1000;

    // `session`: what identifies the user's session (its CSRF token, not
    // the cookie itself); `now_ms`: UTC ms.
    void put(const std::string& session, const std::string& complaint_id, std::string link, int64_t now_ms);
    // The link put for this session and complaint, once; nothing otherwise.
    std::optional<std::string> take(const std::string& session, const std::string& complaint_id, int64_t now_ms);

private:
    struct Held {
        std::string link;
        int64_t put_at_ms = 0;
    };
    void forget_old(int64_t now_ms);

    std::mutex m_mutex;
    std::map<std::pair<std::string, std::string>, Held> m_held; // (session, complaint id)
};

} // namespace feedback::hq::web
