// The intake API tests' helpers (intake_api_support.h).
#include "intake_api_support.h"

#include "config/kiosk_config.h"
#include "domain/clock.h"
#include "hq/hq_store.h"

#include <catch2/catch.hpp>

namespace feedback::testing {

ApiClient::ApiClient(const HqProcess& hq, std::string token)
    : m_http((sync::init_transport(), sync::HttpOptions{hq.ca_file().string()})), m_url(hq.url()),
      m_token(std::move(token))
{
}

sync::HttpResponse ApiClient::send(const std::string& method, const std::string& path, const std::string& body,
                                   Headers headers)
{
    if (!m_token.empty())
        headers.emplace_back("Authorization", "Bearer " + m_token);
    if (method == "POST")
        headers.emplace_back("Content-Type", "application/json");
    auto response = m_http.perform({method, m_url + path, std::move(headers), body});
    REQUIRE(response);
    CHECK(response->header("feedback-protocol") == "1");
    return *response;
}

std::string add_api_token(HqProcess& hq, const std::string& name)
{
    auto added = hq.run({"token", "add", "--name", name});
    REQUIRE(added.exit_code == 0);
    return lines_of(added.out).at(0);
}

void publish_store_config(const HqProcess& hq, const std::string& store, const nlohmann::json& patch)
{
    auto document = config::read_json_file(FEEDBACK_SOURCE_DIR "/assets/config/default.json", "config file");
    REQUIRE(document);
    document->merge_patch(patch);
    // Next to the running server, as the dashboard's configuration page would.
    auto office = hq::HqStore::open(hq.dir(), hq::HqStore::Intent::existing_only);
    REQUIRE(office);
    REQUIRE(office->publish_config(store, *document, now_utc_ms()));
}

size_t events_stored(HqProcess& hq) { return hq.export_jsonl().size(); }

std::string error_of(const sync::HttpResponse& response)
{
    auto body = nlohmann::json::parse(response.body, nullptr, false);
    return body.is_object() && body.contains("error") ? body["error"].get<std::string>() : "(no error in the body)";
}

std::string message_of(const sync::HttpResponse& response)
{
    auto body = nlohmann::json::parse(response.body, nullptr, false);
    return body.is_object() && body.contains("message") ? body["message"].get<std::string>() : "";
}

} // namespace feedback::testing
