// Keeps sync/API.md true: every example request in it (a fenced ```http
// block) is sent, in order, to the real feedback-hq serve over HTTPS, and the
// answer must be the example answer that follows it: the status, each header
// the example shows, and the JSON body field by field (but "id", a new UUID
// each time, and the status key in "status_link", <KEY> in the text: 32 hex
// digits, and none in a retry's answer).
#include "domain/ids.h"
#include "intake_api_support.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>
#include <sstream>

using namespace feedback;
using namespace feedback::testing;

namespace {

struct HttpExample {
    std::string first_line; // "POST /api/v1/complaints HTTP/1.1" or "HTTP/1.1 201 Created"
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

// The ```http blocks of a Markdown text, in order.
std::vector<HttpExample> http_examples(const std::string& markdown)
{
    std::vector<HttpExample> out;
    std::istringstream in(markdown);
    std::string line;
    while (std::getline(in, line)) {
        if (line != "```http")
            continue;
        HttpExample example;
        bool in_body = false;
        while (std::getline(in, line) && line != "```") {
            if (example.first_line.empty()) {
                example.first_line = line;
            } else if (in_body) {
                example.body += line + "\n";
            } else if (line.empty()) {
                in_body = true;
            } else {
                auto colon = line.find(": ");
                REQUIRE(colon != std::string::npos);
                example.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
            }
        }
        out.push_back(std::move(example));
    }
    return out;
}

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// The body without "id", which must be a UUID wherever the example has one.
nlohmann::json without_ids(nlohmann::json body)
{
    if (body.is_object() && body.contains("id")) {
        CHECK(is_uuid(body["id"].get<std::string>()));
        body.erase("id");
    }
    return body;
}

// Sends one documented request and compares the answer with the documented one.
void replay(ApiClient& api, const HttpExample& request, const HttpExample& expected)
{
    INFO(request.first_line);
    std::istringstream first(request.first_line);
    std::string method, path, version;
    first >> method >> path >> version;
    REQUIRE(version == "HTTP/1.1");
    ApiClient::Headers headers;
    for (const auto& [name, value] : request.headers) {
        if (name == "Authorization")
            CHECK(value == "Bearer <TOKEN>"); // ApiClient sends the real one
        else if (name != "Content-Type")      // ApiClient sends it with every POST
            headers.emplace_back(name, value);
    }
    auto answer = api.send(method, path, request.body, headers);

    std::istringstream status_line(expected.first_line);
    std::string http;
    long status = 0;
    status_line >> http >> status;
    CHECK(answer.status == status);
    for (const auto& [name, value] : expected.headers)
        CHECK(answer.header(lower(name)) == value);
    auto documented = nlohmann::json::parse(expected.body, nullptr, false);
    REQUIRE_FALSE(documented.is_discarded());
    auto actual = nlohmann::json::parse(answer.body, nullptr, false);
    INFO(answer.body);
    REQUIRE_FALSE(actual.is_discarded());
    if (actual.is_object() && actual.contains("status_link") && documented.contains("status_link")) {
        const std::string link = actual["status_link"];
        if (answer.header("feedback-replayed") == "true") // head office kept no key to give again
            documented["status_link"] =
                std::regex_replace(documented["status_link"].get<std::string>(), std::regex("&key=<KEY>"), "");
        else
            actual["status_link"] = std::regex_replace(link, std::regex("&key=[0-9a-f]{32}$"), "&key=<KEY>");
    }
    CHECK(without_ids(actual) == without_ids(documented));
}

} // namespace

TEST_CASE("sync/API.md's examples are what the real server answers", "[sync][e2e][api][docs]")
{
    const std::string markdown = read_text(FEEDBACK_SOURCE_DIR "/sync/API.md");
    auto examples = http_examples(markdown);
    REQUIRE(examples.size() % 2 == 0);
    REQUIRE(examples.size() >= 4);
    bool posts = false;
    bool gets = false;
    for (size_t i = 0; i < examples.size(); i += 2) {
        posts = posts || examples[i].first_line.starts_with("POST /api/v1/complaints ");
        gets = gets || examples[i].first_line.starts_with("GET /api/v1/complaints/");
        REQUIRE(examples[i + 1].first_line.starts_with("HTTP/1.1 "));
    }
    CHECK(posts); // one example per route at least
    CHECK(gets);

    TempDir temp;
    HqProcess hq(temp.path() / "hq", {{"public_url", "https://feedback.example.nl"}});
    publish_store_config(hq, "UTR"); // what the examples assume
    ApiClient api(hq, add_api_token(hq, "crm"));
    // Twice over: the second time the keyed POST is a retry, which the text
    // says gets the first answer again.
    for (int pass = 0; pass < 2; ++pass)
        for (size_t i = 0; i < examples.size(); i += 2)
            replay(api, examples[i], examples[i + 1]);
}
