// What the network and bad clients can do to sync: a misbehaving HTTPS
// fixture (500, 429 with Retry-After, a cut answer, a captive portal's 200)
// against the real terminal, and bad input against the real head office.
#include "client/credentials.h"
#include "client/http_client.h"
#include "client/sync_session.h"
#include "common/protocol.h"
#include "domain/clock.h"
#include "domain/ids.h"
#include "store/local_store.h"
#include "support/temp_dir.h"
#include "sync_support.h"

#include <catch2/catch.hpp>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <cstdlib>
#include <random>
#include <thread>

using namespace feedback;
using namespace feedback::testing;

namespace {

// [SECTION] The misbehaving fixture

enum class Misbehaviour {
    server_error, rate_limited, cut_mid_answer, captive_portal, // retried
    refused, too_large, unauthorized, proxy_unauthorized,        // handled per PROTOCOL.md 8
    miscounted, unreadable_id, first_duplicate, every_event_named, // 200s: counts that do (not) add up
    absurd_clock, // a 200 whose Feedback-Server-Time does not fit in 64 bits (a broken proxy's rewrite)
    well // as head office answers: the counts, and no event named when all were accepted
};

struct SeenRequest {
    std::string batch_id;
    std::string body; // as inflated by httplib
    std::chrono::steady_clock::time_point at;
};

// An HTTPS server with head office's certificate that answers POST
// /v1/batches with the scripted misbehaviours in turn, then properly.
class MisbehavingHq {
public:
    MisbehavingHq(const std::filesystem::path& tls, std::vector<Misbehaviour> script)
        : m_server((tls / "server.pem").c_str(), (tls / "server.key").c_str()), m_script(std::move(script))
    {
        m_server.Post("/v1/batches", [this](const httplib::Request& req, httplib::Response& res) { answer(req, res); });
        m_server.Get("/v1/config", [](const httplib::Request&, httplib::Response& res) {
            protocol_headers(res);
            res.status = 404;
            res.set_content(sync::error_body(sync::ErrorCode::no_config, "none"), "application/json");
        });
        m_server.Get("/v1/feed", [](const httplib::Request&, httplib::Response& res) {
            protocol_headers(res);
            res.set_content(R"({"events":[],"cursor":"0","more":false})", "application/json");
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
    }
    ~MisbehavingHq()
    {
        m_server.stop();
        m_thread.join();
    }

    std::string url() const { return "https://127.0.0.1:" + std::to_string(m_port); }
    std::vector<SeenRequest> seen()
    {
        std::lock_guard lock(m_mutex);
        return m_seen;
    }

private:
    static void protocol_headers(httplib::Response& res)
    {
        res.set_header(sync::header_protocol, "1");
        res.set_header(sync::header_server_time, std::to_string(now_utc_ms()));
    }

    void answer(const httplib::Request& req, httplib::Response& res)
    {
        std::string batch_id = req.get_header_value(sync::header_idempotency_key);
        Misbehaviour what = Misbehaviour::well;
        {
            std::lock_guard lock(m_mutex);
            if (m_seen.size() < m_script.size())
                what = m_script[m_seen.size()];
            m_seen.push_back({batch_id, req.body, std::chrono::steady_clock::now()});
        }
        switch (what) {
        case Misbehaviour::server_error:
            protocol_headers(res);
            res.status = 500;
            res.set_content(sync::error_body(sync::ErrorCode::storage, "disk on fire"), "application/json");
            return;
        case Misbehaviour::rate_limited:
            protocol_headers(res);
            res.status = 429;
            res.set_header("Retry-After", "1");
            res.set_content(sync::error_body(sync::ErrorCode::rate_limited, "slow down"), "application/json");
            return;
        case Misbehaviour::cut_mid_answer:
            // Everything an acknowledgement has, but the connection closes half-way.
            protocol_headers(res);
            res.set_header(sync::header_batch_id, batch_id);
            res.set_chunked_content_provider("application/json", [](size_t, httplib::DataSink& sink) {
                sink.write("{\"batch_id\":\"", 13);
                return false;
            });
            return;
        case Misbehaviour::captive_portal:
            res.status = 200;
            res.set_content("<html><body>Please log in to the guest Wi-Fi</body></html>", "text/html");
            return;
        case Misbehaviour::refused:
            protocol_headers(res);
            res.status = 400;
            res.set_content(sync::error_body(sync::ErrorCode::malformed_json, "the body is not valid JSON"), "application/json");
            return;
        case Misbehaviour::too_large:
            protocol_headers(res);
            res.status = 413;
            res.set_content(sync::error_body(sync::ErrorCode::too_many_events, "at most 10"), "application/json");
            return;
        case Misbehaviour::unauthorized:
            protocol_headers(res);
            res.status = 401;
            res.set_content(sync::error_body(sync::ErrorCode::device_revoked, "revoked"), "application/json");
            return;
        case Misbehaviour::proxy_unauthorized: // a proxy's 401: no protocol header
            res.status = 401;
            res.set_content("<html>proxy login</html>", "text/html");
            return;
        case Misbehaviour::miscounted:
        case Misbehaviour::unreadable_id:
        case Misbehaviour::first_duplicate:
        case Misbehaviour::every_event_named:
        case Misbehaviour::absurd_clock:
        case Misbehaviour::well:
            break;
        }
        auto body = nlohmann::json::parse(req.body);
        sync::BatchAnswer answer;
        answer.batch_id = batch_id;
        answer.accepted = static_cast<int64_t>(body["events"].size());
        if (what == Misbehaviour::miscounted) {
            --answer.accepted; // one event unaccounted for
        } else if (what == Misbehaviour::unreadable_id) {
            // One of them rejected, but its id cannot be matched: which one is unknown.
            answer.results.push_back({std::nullopt, sync::EventOutcome::rejected, "id: unreadable"});
            --answer.accepted;
            ++answer.rejected;
        } else if (what == Misbehaviour::every_event_named) {
            // The form of answers stored before compact answers: replayed as they are.
            for (const auto& event : body["events"])
                answer.results.push_back({event["id"].get<std::string>(), sync::EventOutcome::accepted, ""});
        } else if (what == Misbehaviour::first_duplicate) {
            answer.results.push_back({body["events"][0]["id"].get<std::string>(), sync::EventOutcome::duplicate, ""});
            --answer.accepted;
            ++answer.duplicate;
        }
        protocol_headers(res);
        if (what == Misbehaviour::absurd_clock) {
            res.headers.erase(sync::header_server_time);
            res.set_header(sync::header_server_time, std::string(40, '9'));
        }
        res.set_header(sync::header_batch_id, batch_id);
        res.set_content(sync::to_json(answer).dump(), "application/json");
    }

    httplib::SSLServer m_server;
    std::vector<Misbehaviour> m_script;
    int m_port = 0;
    std::mutex m_mutex;
    std::vector<SeenRequest> m_seen;
    std::thread m_thread;
};

std::filesystem::path make_certificates(const std::filesystem::path& dir)
{
    auto init = run_process({FEEDBACK_HQ_BINARY, "init", "--dir", dir.string(), "--hostname", "127.0.0.1"});
    REQUIRE(init.exit_code == 0);
    return dir / "tls";
}

// The terminal's store and a sync session over it, opened as the uploader
// opens them, for tests that drive the session step by step.
struct LibrarySession {
    LibrarySession(store::LocalStore opened, const std::filesystem::path& dir, sync::Credentials credentials,
                   const sync::SessionOptions& options)
        : store(std::move(opened)), session(dir, store, std::move(credentials), options)
    {
    }
    store::LocalStore store;
    sync::SyncSession session;
};

std::unique_ptr<LibrarySession> open_session(const TerminalDir& terminal, const sync::SessionOptions& options = {})
{
    auto store = store::LocalStore::open(terminal.dir());
    REQUIRE(store);
    auto credentials = sync::load_credentials(terminal.dir());
    REQUIRE(credentials);
    REQUIRE(*credentials);
    return std::make_unique<LibrarySession>(std::move(*store), terminal.dir(), **credentials, options);
}

// A terminal whose credentials point at `url` (no enrolment needed for a fixture).
void point_terminal_at(const TerminalDir& terminal, const std::string& url, const std::filesystem::path& tls)
{
    auto store = store::LocalStore::open(terminal.dir());
    REQUIRE(store);
    REQUIRE(sync::save_credentials(terminal.dir(), {store->device().device_id, "fixture-token", url,
                                                    (tls / "ca.pem").string()}));
}

// A control character (C0 or DEL) other than the newline that ends each line.
bool has_control_bytes(const std::string& text)
{
    return std::any_of(text.begin(), text.end(), [](char c) {
        auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && byte != '\n') || byte == 0x7F;
    });
}

} // namespace

TEST_CASE("500, 429, a cut answer and a captive portal's 200 acknowledge nothing, and the retry sends the same bytes",
          "[sync][faults]")
{
    TempDir temp;
    auto tls = make_certificates(temp.path() / "hq");
    MisbehavingHq fixture(tls, {Misbehaviour::server_error, Misbehaviour::rate_limited, Misbehaviour::cut_mid_answer,
                                Misbehaviour::captive_portal});
    TerminalDir terminal(temp.path() / "t1");
    REQUIRE(terminal.record(rating_lines(25)).exit_code == 0);
    point_terminal_at(terminal, fixture.url(), tls);

    SECTION("step by step, in the library: each answer leaves the batch frozen and unacknowledged")
    {
        auto opened = open_session(terminal);
        store::LocalStore* store = &opened->store;
        sync::SyncSession& session = opened->session;
        for (int i = 0; i < 4; ++i) {
            auto step = session.upload_next();
            INFO("answer " << i << ": " << step.message);
            CHECK(step.kind == sync::UploadStep::Kind::retry);
            CHECK(*store->outbox_size() == 25);
            if (i == 1) {
                REQUIRE(step.retry_after);
                CHECK(*step.retry_after == std::chrono::seconds(1));
            }
        }
        auto done = session.upload_next();
        CHECK(done.kind == sync::UploadStep::Kind::acknowledged);
        CHECK(done.acknowledged == 25);
        CHECK(*store->outbox_size() == 0);
    }
    SECTION("the real binary retries as the protocol says, then finishes")
    {
        auto synced = terminal.sync_once();
        INFO(synced.out << synced.err);
        CHECK(synced.exit_code == 0);
        CHECK(synced.err.find("captive portal") != std::string::npos);
        CHECK(terminal.status()["unsent_backlog"] == 0);
        auto seen = fixture.seen();
        REQUIRE(seen.size() == 5);
        CHECK(seen[2].at - seen[1].at >= std::chrono::milliseconds(1000)); // Retry-After honoured
    }
    auto seen = fixture.seen();
    REQUIRE(seen.size() == 5);
    for (const auto& request : seen) {
        CHECK(request.batch_id == seen[0].batch_id); // one frozen batch ...
        CHECK(request.body == seen[0].body);         // ... sent byte for byte each time
    }
}

TEST_CASE("each status code is handled as PROTOCOL.md says: quarantine, smaller batches, stop", "[sync][faults]")
{
    TempDir temp;
    auto tls = make_certificates(temp.path() / "hq");
    MisbehavingHq fixture(tls, {Misbehaviour::proxy_unauthorized, Misbehaviour::unauthorized, Misbehaviour::too_large,
                                Misbehaviour::refused});
    TerminalDir terminal(temp.path() / "t1");
    REQUIRE(terminal.record(rating_lines(20)).exit_code == 0);
    point_terminal_at(terminal, fixture.url(), tls);
    sync::SessionOptions options;
    options.batch_size = 8;
    auto opened = open_session(terminal, options);
    store::LocalStore* store = &opened->store;
    sync::SyncSession& session = opened->session;

    CHECK(session.upload_next().kind == sync::UploadStep::Kind::retry);        // not head office's 401
    auto stop = session.upload_next();
    CHECK(stop.kind == sync::UploadStep::Kind::unauthorized);                  // head office's 401
    CHECK(*store->outbox_size() == 20);
    auto smaller = session.upload_next();
    CHECK(smaller.kind == sync::UploadStep::Kind::resized);                    // 413: released, halved
    CHECK(smaller.events == 8);
    auto refused = session.upload_next();
    CHECK(refused.kind == sync::UploadStep::Kind::quarantined);                // 400: quarantined with the reason
    CHECK(refused.events == 4);
    CHECK(refused.quarantined == 4);
    CHECK(refused.message.find("malformed_json") != std::string::npos);
    for (;;) {
        auto step = session.upload_next();
        if (step.kind == sync::UploadStep::Kind::nothing_to_send)
            break;
        REQUIRE(step.kind == sync::UploadStep::Kind::acknowledged);
    }
    auto status = terminal.status();
    CHECK(status["unsent_backlog"] == 0);
    CHECK(status["quarantined"] == 4);
    auto seen = fixture.seen();
    REQUIRE(seen.size() >= 4);
    CHECK(seen[0].batch_id == seen[1].batch_id);
    CHECK(seen[1].batch_id == seen[2].batch_id);
    CHECK(seen[3].batch_id != seen[2].batch_id);
    CHECK(nlohmann::json::parse(seen[3].body)["events"].size() == 4);
}

TEST_CASE("a compact answer acknowledges the events it does not name only when its counts add up", "[sync][faults]")
{
    TempDir temp;
    auto tls = make_certificates(temp.path() / "hq");
    MisbehavingHq fixture(tls, {Misbehaviour::miscounted, Misbehaviour::unreadable_id, Misbehaviour::first_duplicate,
                                Misbehaviour::every_event_named});
    TerminalDir terminal(temp.path() / "t1");
    REQUIRE(terminal.record(rating_lines(10)).exit_code == 0);
    point_terminal_at(terminal, fixture.url(), tls);
    auto opened = open_session(terminal);
    store::LocalStore* store = &opened->store;
    sync::SyncSession& session = opened->session;

    // Counts for 9 of the 10 events sent: not an answer to this batch.
    auto miscounted = session.upload_next();
    CHECK(miscounted.kind == sync::UploadStep::Kind::retry);
    CHECK(miscounted.message.find("nothing was acknowledged") != std::string::npos);
    CHECK(*store->outbox_size() == 10);
    // A rejection whose id cannot be matched: the unnamed events are not taken as accepted.
    auto unmatched = session.upload_next();
    CHECK(unmatched.kind == sync::UploadStep::Kind::acknowledged);
    CHECK(unmatched.acknowledged == 0);
    CHECK(*store->outbox_size() == 10);
    // One duplicate named, nine accepted by not being named.
    auto answered = session.upload_next();
    CHECK(answered.kind == sync::UploadStep::Kind::acknowledged);
    CHECK(answered.acknowledged == 10);
    CHECK(answered.duplicates == 1);
    CHECK(*store->outbox_size() == 0);
    // An answer that names every event, accepted ones too, is read the same way.
    REQUIRE(terminal.record(rating_lines(4)).exit_code == 0);
    auto named = session.upload_next();
    CHECK(named.kind == sync::UploadStep::Kind::acknowledged);
    CHECK(named.acknowledged == 4);
    CHECK(*store->outbox_size() == 0);
    CHECK(terminal.status()["quarantined"] == 0);
    auto seen = fixture.seen();
    REQUIRE(seen.size() == 4);
    CHECK(seen[1].batch_id == seen[0].batch_id); // the retry sends the frozen batch again
    CHECK(seen[2].batch_id != seen[1].batch_id); // answered, released, frozen anew
}

TEST_CASE("a Feedback-Server-Time too long for 64 bits is not head office's time, and the upload goes on",
          "[sync][faults]")
{
    TempDir temp;
    auto tls = make_certificates(temp.path() / "hq");
    MisbehavingHq fixture(tls, {Misbehaviour::well, Misbehaviour::absurd_clock});
    TerminalDir terminal(temp.path() / "t1");
    REQUIRE(terminal.record(rating_lines(3)).exit_code == 0);
    point_terminal_at(terminal, fixture.url(), tls);
    auto opened = open_session(terminal);
    sync::SyncSession& session = opened->session;

    auto first = session.upload_next();
    CHECK(first.kind == sync::UploadStep::Kind::acknowledged);
    const auto offset = session.clock_offset_ms();
    REQUIRE(offset);
    CHECK(std::abs(*offset) < 60'000); // the fixture's clock is this machine's
    REQUIRE(terminal.record(rating_lines(2)).exit_code == 0);
    auto absurd = session.upload_next(); // 40 nines: read as no clock at all
    CHECK(absurd.kind == sync::UploadStep::Kind::acknowledged);
    CHECK(absurd.acknowledged == 2);
    CHECK(session.clock_offset_ms() == offset);
    CHECK(*opened->store.outbox_size() == 0);
}

TEST_CASE("a captive portal forever: the terminal gives up and keeps every event", "[sync][faults]")
{
    TempDir temp;
    auto tls = make_certificates(temp.path() / "hq");
    MisbehavingHq fixture(tls, std::vector<Misbehaviour>(20, Misbehaviour::captive_portal));
    TerminalDir terminal(temp.path() / "t1");
    REQUIRE(terminal.record(rating_lines(3)).exit_code == 0);
    point_terminal_at(terminal, fixture.url(), tls);
    auto synced = terminal.sync_once();
    CHECK(synced.exit_code == 1);
    CHECK(synced.err.find("gave up after 6 tries") != std::string::npos);
    CHECK(fixture.seen().size() == 6);
    auto status = terminal.status();
    CHECK(status["unsent_backlog"] == 3);
    CHECK(status["quarantined"] == 0);
}

TEST_CASE("enrolment attempts from one address are rate limited with 429 and Retry-After, and the code works after",
          "[sync][faults]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    sync::init_transport();
    sync::HttpClient http({hq.ca_file().string()});
    auto attempt = [&](const std::string& code) {
        sync::HttpRequest request{"POST", hq.url() + "/v1/enrol", {{"Content-Type", "application/json"}},
                                  nlohmann::json{{"code", code}, {"device_id", make_uuid_v7(now_utc_ms())},
                                                 {"app_version", "test"}}
                                      .dump()};
        auto response = http.perform(request);
        REQUIRE(response);
        CHECK(response->header("feedback-protocol") == "1");
        return *response;
    };
    // A burst of 10 attempts is served (wrong codes: 403) ...
    for (int i = 0; i < 10; ++i) {
        auto wrong = attempt("22222-2222" + std::to_string(2 + i % 8));
        CHECK(wrong.status == 403);
    }
    // ... then every attempt is refused for a while, a good code too.
    std::string code = hq.enrol_code("UTR", "Counter 1");
    auto limited = attempt(code);
    CHECK(limited.status == 429);
    CHECK(nlohmann::json::parse(limited.body)["error"] == "rate_limited");
    std::string retry_after = limited.header("retry-after");
    REQUIRE_FALSE(retry_after.empty());
    int wait_s = std::stoi(retry_after);
    CHECK(wait_s >= 1);
    CHECK(wait_s <= 6);
    TerminalDir terminal(temp.path() / "t1");
    auto refused = terminal.enroll(hq, code);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("try again in") != std::string::npos);
    // Other routes are not held up.
    auto hello = http.perform({"GET", hq.url() + "/v1/hello", {}, {}});
    REQUIRE(hello);
    CHECK(hello->status == 200);
    // After Retry-After the code, still unused, enrols the terminal.
    std::this_thread::sleep_for(std::chrono::seconds(wait_s) + std::chrono::milliseconds(200));
    auto enrolled = terminal.enroll(hq, code);
    INFO(enrolled.out << enrolled.err);
    CHECK(enrolled.exit_code == 0);
    CHECK(hq.log().find("/v1/enrol 429") != std::string::npos);
}

TEST_CASE("bad input gets a 4xx with a reason and head office keeps serving", "[sync][faults]")
{
    TempDir temp;
    HqProcess hq(temp.path() / "hq");
    auto data = temp.path() / "t1";
    std::filesystem::create_directories(data);
    auto store = store::LocalStore::open(data);
    REQUIRE(store);
    sync::init_transport();
    REQUIRE(sync::enrol(data, *store, hq.url(), hq.enrol_code("UTR", "Counter 1"), hq.ca_file().string(), {}));
    auto credentials = sync::load_credentials(data);
    REQUIRE(credentials);
    std::string device = store->device().device_id;
    sync::HttpClient http({(*credentials)->ca_file});

    using Headers = std::vector<std::pair<std::string, std::string>>;
    auto post_raw = [&](const std::string& wire_body, const std::string& batch_id, const Headers& extra = {}) {
        sync::HttpRequest request{"POST", hq.url() + "/v1/batches",
                                  {{"Authorization", "Bearer " + (*credentials)->token},
                                   {"Idempotency-Key", batch_id},
                                   {"Content-Type", "application/json"},
                                   {"Content-Encoding", "gzip"}},
                                  wire_body};
        request.headers.insert(request.headers.end(), extra.begin(), extra.end());
        auto response = http.perform(request);
        REQUIRE(response);
        CHECK(response->header("feedback-protocol") == "1");
        return *response;
    };
    auto post = [&](const std::string& body, const std::string& batch_id, const Headers& extra = {}) {
        return post_raw(*sync::gzip_compress(body), batch_id, extra);
    };
    auto still_serving = [&] {
        auto hello = http.perform({"GET", hq.url() + "/v1/hello", {}, {}});
        REQUIRE(hello);
        CHECK(hello->status == 200);
    };
    auto error_code = [](const sync::HttpResponse& response) {
        return nlohmann::json::parse(response.body)["error"].get<std::string>();
    };
    int64_t now = now_utc_ms();
    auto rating = [&](int seq, const nlohmann::json& score) {
        return nlohmann::json{{"v", 1}, {"id", make_uuid_v7(now)}, {"type", "nps.rated"}, {"occurred_at", now},
                              {"actor", "kiosk"}, {"device_id", device}, {"seq", seq},
                              {"payload", {{"score", score}, {"survey_version", 1}, {"locale", "nl"}}}};
    };

    SECTION("malformed JSON")
    {
        auto batch = make_uuid_v7(now);
        auto answer = post("{\"batch_id\": \"" + batch + "\", \"events\": [", batch);
        CHECK(answer.status == 400);
        CHECK(error_code(answer) == "malformed_json");
        auto not_gzip = post_raw("this is not gzip", batch);
        CHECK(not_gzip.status == 400);
        CHECK(error_code(not_gzip) == "unreadable_body");
    }
    SECTION("the wrong shape")
    {
        auto batch = make_uuid_v7(now);
        auto answer = post(nlohmann::json{{"batch_id", batch}, {"events", "none"}}.dump(), batch);
        CHECK(answer.status == 400);
        CHECK(error_code(answer) == "bad_batch");
        auto mismatch = post(nlohmann::json{{"batch_id", make_uuid_v7(now)}, {"events", nlohmann::json::array()}}.dump(),
                             batch);
        CHECK(mismatch.status == 400);
        CHECK(error_code(mismatch) == "batch_id_mismatch");
    }
    SECTION("wrong types and an unknown event type are rejected per event; the rest is accepted")
    {
        auto batch = make_uuid_v7(now);
        auto good = rating(1, 9);
        auto wrong_type = rating(2, "nine");
        auto wrong_envelope = rating(3, 7);
        wrong_envelope["occurred_at"] = "yesterday";
        auto unknown = rating(4, 7);
        unknown["type"] = "nps.teleported";
        auto foreign = rating(5, 7);
        foreign["device_id"] = "01a20b9b-0000-7000-8000-000000000000";
        nlohmann::json body{{"batch_id", batch}, {"events", {good, wrong_type, wrong_envelope, unknown, foreign}}};
        auto answer = post(body.dump(), batch);
        REQUIRE(answer.status == 200);
        auto json = nlohmann::json::parse(answer.body);
        CHECK(json["accepted"] == 1);
        CHECK(json["rejected"] == 4);
        auto parsed = sync::batch_answer_from_json(json);
        REQUIRE(parsed);
        REQUIRE(parsed->results.size() == 4); // the accepted event is not named
        CHECK(parsed->results[0].reason.find("payload.score") != std::string::npos);
        CHECK(parsed->results[1].reason.find("occurred_at") != std::string::npos);
        CHECK(parsed->results[2].reason.find("unknown event type") != std::string::npos);
        CHECK(parsed->results[3].reason.find("device_id") != std::string::npos);
        CHECK(hq.export_jsonl().size() == 1);
    }
    SECTION("a batch over the limit")
    {
        auto batch = make_uuid_v7(now);
        nlohmann::json events = nlohmann::json::array();
        for (int i = 0; i < 1001; ++i)
            events.push_back(rating(i + 1, 5));
        auto answer = post(nlohmann::json{{"batch_id", batch}, {"events", events}}.dump(), batch);
        CHECK(answer.status == 413);
        CHECK(error_code(answer) == "too_many_events");
        // More compressed bytes than allowed (2 MiB of noise does not compress).
        std::mt19937 noise(7);
        std::string random_bytes(3 * 1024 * 1024, '\0');
        for (auto& c : random_bytes)
            c = static_cast<char>(noise());
        auto large = post_raw(random_bytes, batch);
        CHECK(large.status == 413);
        CHECK(hq.export_jsonl().empty());
    }
    SECTION("a gzip bomb")
    {
        auto batch = make_uuid_v7(now);
        std::string zeros(64 * 1024 * 1024, ' ');
        std::string bomb = *sync::gzip_compress("{\"batch_id\":\"" + batch + "\",\"events\":[]" + zeros + "}", 9);
        REQUIRE(bomb.size() < 200 * 1024);
        auto answer = post_raw(bomb, batch);
        CHECK(answer.status == 413);
        CHECK(error_code(answer) == "body_too_large");
    }
    SECTION("implausible device headers count as not reported, and the batch is accepted all the same")
    {
        auto send = [&](int seq, const Headers& health) {
            auto batch = make_uuid_v7(now);
            auto body = nlohmann::json{{"batch_id", batch}, {"events", nlohmann::json::array({rating(seq, 9)})}};
            auto answer = post(body.dump(), batch, health);
            REQUIRE(answer.status == 200);
            CHECK(nlohmann::json::parse(answer.body)["accepted"] == 1);
            auto devices = hq.devices();
            REQUIRE(devices.size() == 1);
            return devices[0];
        };
        // A clock 31,000 years off, a negative backlog, a version of 41 characters.
        auto absurd = send(1, {{sync::header_clock_offset, "999999999999999"},
                               {sync::header_backlog, "-5"},
                               {sync::header_app_version, std::string(41, '9')}});
        CHECK(absurd["clock_offset_ms"].is_null());
        CHECK(absurd["last_backlog"].is_null());
        CHECK(absurd["app_version"] == "");
        auto plausible = send(2, {{sync::header_clock_offset, "-1234"},
                                  {sync::header_backlog, "7"},
                                  {sync::header_app_version, "0.2.0"}});
        CHECK(plausible["clock_offset_ms"] == -1234);
        CHECK(plausible["last_backlog"] == 7);
        CHECK(plausible["app_version"] == "0.2.0");
        // Out of range again (just over ten years; more than the sane backlog;
        // not printable): what was reported before stays.
        auto again = send(3, {{sync::header_clock_offset, std::to_string(-sync::max_reported_clock_offset_ms - 1)},
                              {sync::header_backlog, std::to_string(sync::max_reported_backlog + 1)},
                              {sync::header_app_version, "0.3.0-\xc3\xa9"}});
        CHECK(again["clock_offset_ms"] == -1234);
        CHECK(again["last_backlog"] == 7);
        CHECK(again["app_version"] == "0.2.0");
        CHECK(again["events_received"] == 3);
    }
    SECTION("a path with control characters is one log line, escaped")
    {
        // %0a would start a forged line, %1b[2J would clear the screen of whoever reads the log.
        auto answer = http.perform({"GET",
                                    hq.url() + "/v1/hello%1b%5b2J%0a2026-01-01T00:00:00.000Z%2010.6.6.6%20POST%20/v1/"
                                               "batches%20200",
                                    {},
                                    {}});
        REQUIRE(answer);
        CHECK(answer->status == 404);
        // The line is written after the answer goes out.
        std::vector<std::string> lines;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (lines.empty() && std::chrono::steady_clock::now() < deadline) {
            for (const auto& line : lines_of(hq.log()))
                if (line.find("10.6.6.6") != std::string::npos)
                    lines.push_back(line);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        REQUIRE(lines.size() == 1);
        CHECK(lines[0].find(" GET /v1/hello\\x1b[2J\\x0a2026-01-01T00:00:00.000Z 10.6.6.6 POST /v1/batches 200 " +
                            std::to_string(answer->status) + " ") != std::string::npos);
        CHECK_FALSE(has_control_bytes(hq.log()));
    }
    SECTION("a device's version with control characters is escaped by feedback-hq devices")
    {
        // A window title, a cleared screen and a C1 CSI (U+009B), for whoever lists the devices.
        const std::string version = "1.0\x1b]0;owned\x07\x1b[2J\xc2\x9b";
        const std::string device_id = make_uuid_v7(now);
        auto enrolled = http.perform({"POST", hq.url() + "/v1/enrol", {{"Content-Type", "application/json"}},
                                      nlohmann::json{{"code", hq.enrol_code("UTR", "Counter 2")},
                                                     {"device_id", device_id},
                                                     {"app_version", version}}
                                          .dump()});
        REQUIRE(enrolled);
        REQUIRE(enrolled->status == 200);
        const std::string escaped = "1.0\\x1b]0;owned\\x07\\x1b[2J\\u009b";
        auto text = hq.run({"devices"});
        INFO(text.out << text.err);
        REQUIRE(text.exit_code == 0);
        CHECK_FALSE(has_control_bytes(text.out));
        CHECK(text.out.find("\xc2\x9b") == std::string::npos);
        CHECK(text.out.find("version " + escaped + "\n") != std::string::npos);
        auto listed = hq.devices(); // --json
        bool found = false;
        for (const auto& listed_device : listed)
            if (listed_device["device_id"] == device_id) {
                found = true;
                CHECK(listed_device["app_version"] == escaped);
            }
        CHECK(found);
    }
    still_serving();
    // And a proper batch is still taken.
    auto batch = make_uuid_v7(now);
    auto fine = post(nlohmann::json{{"batch_id", batch}, {"events", nlohmann::json::array({rating(100, 10)})}}.dump(), batch);
    CHECK(fine.status == 200);
    CHECK(hq.log().find(" 500 ") == std::string::npos);
}
