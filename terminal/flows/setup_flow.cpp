// The kiosk's setup state machine (setup_flow.h).
#include "flows/setup_flow.h"

#include "flows/message_keys.h"

#include <type_traits>

namespace feedback::flows {

namespace {

std::string trimmed(const std::string& text)
{
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos)
        return {};
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// Codes are letters and digits (domain/refcode.h); the keyboard types lower case.
std::string upper_case(std::string text)
{
    for (char& c : text)
        if (c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 'a' + 'A');
    return text;
}

} // namespace

SetupFlow::SetupFlow(std::string address, bool cancellable)
{
    m_view.address = std::move(address);
    m_view.cancellable = cancellable;
}

std::optional<SetupRequest> SetupFlow::fail(Message problem)
{
    m_view.screen = Screen::setup_start;
    m_view.errors = {FieldError{Field::none, std::move(problem)}};
    m_ca_pending.clear();
    m_view.from_file = false;
    return std::nullopt;
}

std::optional<SetupRequest> SetupFlow::apply(const SetupIntent& intent)
{
    return std::visit(
        [&](const auto& concrete) -> std::optional<SetupRequest> {
            using Kind = std::decay_t<decltype(concrete)>;
            if constexpr (std::is_same_v<Kind, setup::SetText>) {
                if (m_view.screen != Screen::setup_start)
                    return std::nullopt;
                if (concrete.field == Field::server_address)
                    m_view.address = concrete.text;
                else if (concrete.field == Field::enrol_code)
                    m_view.code = upper_case(concrete.text); // as head office prints it
                return std::nullopt;
            } else if constexpr (std::is_same_v<Kind, setup::Connect>) {
                if (m_view.screen != Screen::setup_start)
                    return std::nullopt;
                m_view.errors.clear();
                if (trimmed(m_view.address).empty())
                    m_view.errors.push_back({Field::server_address, {std::string(keys::setup_address_empty), {}}});
                if (trimmed(m_view.code).empty())
                    m_view.errors.push_back({Field::enrol_code, {std::string(keys::setup_code_empty), {}}});
                if (!m_view.errors.empty())
                    return std::nullopt;
                m_code_in_use = trimmed(m_view.code);
                m_view.from_file = false;
                m_view.store_code.clear();
                m_view.terminal_name.clear();
                m_view.screen = Screen::setup_busy;
                return CheckServer{trimmed(m_view.address)};
            } else if constexpr (std::is_same_v<Kind, setup::Accept>) {
                if (m_view.screen != Screen::setup_check)
                    return std::nullopt;
                m_view.screen = Screen::setup_busy;
                return EnrolTerminal{m_view.server_url, m_code_in_use, m_ca_pending};
            } else if constexpr (std::is_same_v<Kind, setup::Reject>) {
                if (m_view.screen != Screen::setup_check)
                    return std::nullopt;
                return fail({std::string(keys::setup_fingerprint_differs), {}});
            } else if constexpr (std::is_same_v<Kind, setup::Cancel>) {
                if (m_view.screen == Screen::setup_start && m_view.cancellable)
                    m_cancelled = true;
                return std::nullopt;
            } else {
                static_assert(std::is_same_v<Kind, setup::Start>);
                if (m_view.screen == Screen::setup_done)
                    m_finished = true;
                return std::nullopt;
            }
        },
        intent);
}

std::optional<SetupRequest> SetupFlow::apply(const SetupAnswer& answer)
{
    return std::visit(
        [&](const auto& concrete) -> std::optional<SetupRequest> {
            using Kind = std::decay_t<decltype(concrete)>;
            if constexpr (std::is_same_v<Kind, ServerChecked>) {
                if (m_view.screen != Screen::setup_busy)
                    return std::nullopt;
                if (concrete.problem)
                    return fail(*concrete.problem);
                m_view.server_url = concrete.server_url;
                if (concrete.system_trusted)
                    return EnrolTerminal{concrete.server_url, m_code_in_use, {}}; // stays busy
                m_ca_pending = concrete.ca_certificate;
                m_view.fingerprint = concrete.fingerprint;
                m_view.screen = Screen::setup_check;
                return std::nullopt;
            } else if constexpr (std::is_same_v<Kind, SetupOffer>) {
                if (!takes_offers())
                    return std::nullopt;
                if (concrete.problem)
                    return fail(*concrete.problem);
                m_view.errors.clear();
                m_view.from_file = true;
                m_view.server_url = concrete.server_url;
                m_view.store_code = concrete.store_code;
                m_view.terminal_name = concrete.terminal_name;
                m_code_in_use = concrete.code;
                if (concrete.ca_certificate.empty()) {
                    m_view.screen = Screen::setup_busy; // nothing for a person to compare
                    return EnrolTerminal{concrete.server_url, concrete.code, {}};
                }
                m_ca_pending = concrete.ca_certificate;
                m_view.fingerprint = concrete.fingerprint;
                m_view.screen = Screen::setup_check;
                return std::nullopt;
            } else {
                static_assert(std::is_same_v<Kind, TerminalEnrolled>);
                if (m_view.screen != Screen::setup_busy)
                    return std::nullopt;
                if (concrete.problem)
                    return fail(*concrete.problem);
                m_view.errors.clear();
                m_view.code.clear(); // used up
                m_code_in_use.clear();
                m_ca_pending.clear();
                m_view.enrolled_store = concrete.store_code;
                m_view.enrolled_terminal = concrete.terminal_code;
                m_view.enrolled_name = concrete.name;
                m_view.screen = Screen::setup_done;
                return std::nullopt;
            }
        },
        answer);
}

} // namespace feedback::flows
