// Fuzzes the intake API's JSON bodies (sync/API.md): POST /api/v1/complaints
// with a valid token, through cpp-httplib's request handling to
// hq::api::IntakeApi (the body's shape, received_at, the shared validation,
// HqStore::register_complaint()) on a real hq.db, put back after each input.
// Head office must never answer 500, never quote contact details in an
// answer (a contact value holding the marker below, which appears nowhere
// else in the body, must not come back), and a complaint it answered 201 for
// must be readable at GET /api/v1/complaints/{reference}.
//
// Input: the request body.
#include "domain/clock.h"
#include "hq/api/api_tokens.h"
#include "hq/api/intake_api.h"
#include "hq/store_pool.h"
#include "support/finding.h"
#include "support/hq_fixture.h"
#include "support/in_memory_http.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace feedback;

constexpr std::string_view contact_marker = "fuzzcontact";

// Whether the marker is in the body's contact details only.
bool marker_only_in_contact(std::string_view body)
{
    auto json = nlohmann::json::parse(body, nullptr, false);
    if (!json.is_object() || !json.contains("contact"))
        return false;
    std::string contact = json["contact"].dump();
    json.erase("contact");
    return contact.find(contact_marker) != std::string::npos &&
           json.dump().find(contact_marker) == std::string::npos;
}

// Head office with the API mounted and a token for it. libFuzzer calls the
// harness with no state of its own, so it lives for the whole run.
class IntakeHarness {
public:
    IntakeHarness() : m_pool(m_hq.dir()), m_api(m_pool, m_hq.writer_turns, m_hq.settings)
    {
        hq::api::ApiTokenStore tokens(m_hq.store().connection());
        m_token = fuzz::must(tokens.add("fuzz", now_utc_ms()), "adding an API token").token;
        m_api.install(m_http);
        m_hq.snapshot();
    }

    void post(std::string_view body)
    {
        m_hq.restore();
        std::string request = "POST /api/v1/complaints HTTP/1.1\r\n" + headers() +
                              "Content-Type: application/json\r\n"
                              "Content-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
        std::string answer = m_http.answer(request);
        fuzz::require_no_server_error(request, answer);
        if (answer.find(contact_marker) != std::string::npos && marker_only_in_contact(body))
            fuzz::report_finding("an answer quotes contact details", request, answer);
        if (fuzz::status_of(answer) == 201)
            read_back(request, answer);
    }

private:
    std::string headers() const { return "Host: hq.example\r\nAuthorization: Bearer " + m_token + "\r\n"; }

    void read_back(const std::string& post, const std::string& answer)
    {
        auto json = nlohmann::json::parse(fuzz::body_of(answer), nullptr, false);
        std::string reference = json.is_object() ? json.value("reference", std::string()) : std::string();
        std::string request = "GET /api/v1/complaints/" + reference + " HTTP/1.1\r\n" + headers() + "\r\n";
        std::string read = m_http.answer(request);
        if (fuzz::status_of(read) != 200)
            fuzz::report_finding("a complaint registered with this answer cannot be read back:\n" + answer, post, read);
        if (read.find(contact_marker) != std::string::npos)
            fuzz::report_finding("a complaint as read back holds contact details", post, read);
    }

    fuzz::HqFixture m_hq;
    hq::StorePool m_pool;
    hq::api::IntakeApi m_api;
    fuzz::InMemoryServer m_http;
    std::string m_token;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static IntakeHarness harness; // libFuzzer gives no other place to keep it
    harness.post(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
