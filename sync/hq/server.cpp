// The head-office HTTPS server: TLS setup, the store pool, the batch writer
// (group commit), the routes of PROTOCOL.md (hello, enrol, batches, config,
// feed) with their rate limits, the intake API's (api/intake_api.h), and the
// request log.
#include "server.h"

#include "certificates.h"
#include "client_address.h"
#include "crypto/sha256.h"
#include "domain/clock.h"
#include "domain/ids.h"
#include "domain/text_escape.h"
#include "hq/api/intake_api.h"
#include "hq/front/tls_front.h"
#include "http_answers.h"
#include "rate_limiter.h"
#include "store_pool.h"

#include <httplib.h>
#include <sys/socket.h>

#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace feedback::hq {

namespace {

// [SECTION] Small helpers

std::string server_time_text() { return std::to_string(now_utc_ms()); }

// Headers on every answer, the routes' and the front's own: the protocol
// (PROTOCOL.md 3), and HTTPS only from now on (HSTS, a year).
std::vector<std::pair<std::string, std::string>> answer_headers()
{
    return {{sync::header_protocol, std::to_string(sync::protocol_version)},
            {sync::header_server_time, server_time_text()},
            {"Strict-Transport-Security", "max-age=31536000"},
            {"X-Content-Type-Options", "nosniff"}};
}

std::optional<int64_t> header_integer(const httplib::Request& req, const char* name)
{
    if (!req.has_header(name))
        return std::nullopt;
    std::string text = req.get_header_value(name);
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

// What a terminal reports about itself in its request headers (PROTOCOL.md 3,
// 5). An implausible value is taken as not reported (stored as NULL, or the
// version left as it was), never as a reason to refuse: a terminal with a
// broken clock must still upload.
DeviceHealth health_of(const httplib::Request& req)
{
    auto within = [](std::optional<int64_t> value, int64_t low, int64_t high) {
        return value && *value >= low && *value <= high ? value : std::nullopt;
    };
    std::string app_version = req.get_header_value(sync::header_app_version);
    return {within(header_integer(req, sync::header_clock_offset), -sync::max_reported_clock_offset_ms,
                   sync::max_reported_clock_offset_ms),
            within(header_integer(req, sync::header_backlog), 0, sync::max_reported_backlog),
            sync::is_plausible_app_version(app_version) ? app_version : std::string(),
            sync::condition_from_header(req.get_header_value(sync::header_health))};
}

// POST /v1/enrol per client address (PROTOCOL.md 2, 6): a burst of 10
// attempts, then one every 6 seconds.
constexpr double enrol_attempts_per_second = 1.0 / 6.0;
constexpr double enrol_attempt_burst = 10;
// {"code": ..., "device_id": ..., "app_version": ...} is far smaller.
constexpr uint64_t enrol_body_bytes = 4 * 1024;

} // namespace


// [SECTION] The batch writer (group commit)

// Stores checked batches on a connection of its own, on its own thread.
// Request threads read, inflate, hash and check their batch in parallel, hand
// it over here and wait; the writer takes every batch that is waiting (up to
// max_group_events), stores them all in one transaction
// (HqStore::store_batches) and only after its commit wakes each request with
// its own answer. Batches that arrive together share one commit and one set
// of page writes, and the writer's page cache stays warm.
//
//   store() --> QUEUED --(writer takes the group)--> STORING --commit--> ANSWERED (store() returns)
class BatchWriter {
public:
    BatchWriter(HqStore store, WriterTurns& writer_turns)
        : m_store(std::move(store)), m_writer_turns(writer_turns), m_thread([this] { run(); })
    {
    }
    // Stores what was handed over, then ends the thread.
    ~BatchWriter()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        m_thread.join();
    }
    BatchWriter(const BatchWriter&) = delete;
    BatchWriter& operator=(const BatchWriter&) = delete;

    // Blocks until the batch's transaction has committed (or failed).
    Result<IngestResult> store(const Device& device, const CheckedBatch& batch, const DeviceHealth& health)
    {
        Job job{{&device, &batch, &health}, std::nullopt};
        std::unique_lock lock(m_mutex);
        m_queue.push_back(&job);
        m_wake.notify_one();
        m_done.wait(lock, [&] { return job.result.has_value(); });
        return std::move(*job.result);
    }

private:
    // A group stops growing here: bounds a transaction's time and memory.
    static constexpr size_t max_group_events = 50000;

    struct Job {
        BatchToStore what;
        std::optional<Result<IngestResult>> result;
    };

    void run()
    {
        for (;;) {
            std::vector<Job*> group;
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait(lock, [&] { return m_stop || !m_queue.empty(); });
                if (m_queue.empty())
                    return; // stopping, and nothing is left
                size_t events = 0;
                while (!m_queue.empty() && (group.empty() || events + m_queue.front()->what.batch->events.size() <=
                                                                   max_group_events)) {
                    events += m_queue.front()->what.batch->events.size();
                    group.push_back(m_queue.front());
                    m_queue.pop_front();
                }
            }
            std::vector<BatchToStore> batches;
            batches.reserve(group.size());
            for (const Job* job : group)
                batches.push_back(job->what);
            std::vector<Result<IngestResult>> results;
            try {
                auto turn = m_writer_turns.take();
                results = m_store.store_batches(batches, now_utc_ms());
            } catch (const std::exception& failure) {
                // Nothing may escape the thread; the transaction rolled back.
                results.assign(group.size(), Error{ErrorKind::internal, failure.what()});
            } catch (...) {
                results.assign(group.size(), Error{ErrorKind::internal, "storing the batches failed"});
            }
            {
                std::lock_guard lock(m_mutex);
                for (size_t i = 0; i < group.size(); ++i)
                    group[i]->result = std::move(results[i]);
            }
            m_done.notify_all();
        }
    }

    HqStore m_store;
    WriterTurns& m_writer_turns;
    std::mutex m_mutex;
    std::condition_variable m_wake; // the writer: work is queued, or stop
    std::condition_variable m_done; // request threads: a group is answered
    std::deque<Job*> m_queue;       // jobs live on their request threads' stacks
    bool m_stop = false;
    std::thread m_thread;           // last: starts when the rest is ready
};

// [SECTION] The server

struct HqServer::Impl {
    Impl(const std::filesystem::path& folder, const HqSettings& given, std::ostream& log_stream,
         front::TlsFront::TlsContext tls, HqStore writer_store)
        : dir(folder), settings(given), log(log_stream), pool(folder),
          limiter("device", given.limits.rate_per_second, given.limits.rate_burst),
          writer_turns(writer_store.connection().backend()), writer(std::move(writer_store), writer_turns),
          http(std::make_unique<httplib::Server>()),
          tls_context(std::move(tls)), front_secret(sync::random_hex(32))
    {
    }

    std::filesystem::path dir;
    HqSettings settings;
    std::ostream& log;
    std::mutex log_mutex;
    StorePool pool;
    RateLimiter limiter;       // requests per device (its token)
    RateLimiter enrol_limiter{"enrol", enrol_attempts_per_second, enrol_attempt_burst}; // POST /v1/enrol per address
    WriterTurns writer_turns; // writers take turns where the database needs it (writer_turns.h)
    BatchWriter writer;       // after writer_turns, before http: ends after the last request
    api::IntakeApi intake_api{pool, writer_turns, settings}; // before http, like the writer
    // The routes: plain HTTP on a loopback port, reached only through the
    // front, which faces the network (front/tls_front.h).
    std::unique_ptr<httplib::Server> http;
    front::TlsFront::TlsContext tls_context; // until bind() hands it to the front
    std::unique_ptr<front::TlsFront> front;
    std::string front_secret; // proves a request came through the front
    std::thread routes_thread;

    // What each address takes as a request body (the front enforces it).
    front::BodyRule body_rule(std::string_view method, std::string_view path) const;
    void write_front_log(const front::FrontLogEntry& entry);

    void install_routes();
    void write_log_line(const httplib::Request& req, const httplib::Response& res);
    std::optional<Device> authenticate(const httplib::Request& req, httplib::Response& res, HqStore& store);
    // A store connection and the device the request authenticates as, when
    // it may go on; otherwise the answer (500, 401/403 or 429) is in `res`.
    struct Authorised {
        StorePool::Lease store;
        Device device;
    };
    std::optional<Authorised> authorise(const httplib::Request& req, httplib::Response& res);
    bool rate_limited(const Device& device, sql::Connection& db, httplib::Response& res);

    void hello(const httplib::Request& req, httplib::Response& res);
    void health(const httplib::Request& req, httplib::Response& res);
    void ca_certificate(const httplib::Request& req, httplib::Response& res);
    void enrol(const httplib::Request& req, httplib::Response& res);
    void batches(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
    void config(const httplib::Request& req, httplib::Response& res);
    void screenshot(const httplib::Request& req, httplib::Response& res);
    void leave(const httplib::Request& req, httplib::Response& res);
    void feed(const httplib::Request& req, httplib::Response& res);
};

void HqServer::Impl::write_log_line(const httplib::Request& req, const httplib::Response& res)
{
    // The path only (the query holds a cursor, never personal data, but keep
    // the line short); the device is not named, so the log holds no identities.
    int64_t started = 0;
    std::string started_text = res.get_header_value(sync::header_server_time);
    std::from_chars(started_text.data(), started_text.data() + started_text.size(), started);
    int64_t now = now_utc_ms();
    std::string bytes_in = req.has_header("Content-Length") ? req.get_header_value("Content-Length") : "0";
    std::string line = format_utc_iso8601(now) + " " + client_address(req) + " " + req.method + " " + req.path + " " +
                       std::to_string(res.status) + " in=" + bytes_in + " out=" + std::to_string(res.body.size()) +
                       " ms=" + std::to_string(started > 0 ? now - started : 0);
    // The path arrives URL-decoded (%0a, %1b): escaped, so that one request
    // is one line and nothing in it reaches the terminal that shows the log.
    line = escape_control_characters(line) + "\n";
    std::lock_guard lock(log_mutex);
    log << line << std::flush;
}

std::optional<HqServer::Impl::Authorised> HqServer::Impl::authorise(const httplib::Request& req,
                                                                    httplib::Response& res)
{
    auto store = pool.borrow();
    if (!store) {
        send_storage_failure(res, store.error());
        return std::nullopt;
    }
    auto device = authenticate(req, res, **store);
    if (!device || rate_limited(*device, (*store)->connection(), res))
        return std::nullopt;
    // A user asked for a picture of its start screen (PROTOCOL.md 9): said
    // in whatever answer the terminal gets next.
    if (device->screenshot_wanted() && req.path != "/v1/screenshot")
        res.set_header(sync::header_screenshot, std::string(sync::screenshot_wanted_value));
    return Authorised{std::move(*store), std::move(*device)};
}

std::optional<Device> HqServer::Impl::authenticate(const httplib::Request& req, httplib::Response& res,
                                                   HqStore& store)
{
    auto token = bearer_token(req);
    if (!token) {
        send_error(res, 401, sync::ErrorCode::unauthorized, "an Authorization: Bearer token is required: enrol the terminal");
        return std::nullopt;
    }
    auto device = store.authenticate(*token);
    if (!device) {
        if (device.error().kind == ErrorKind::conflict)
            send_error(res, 401, sync::ErrorCode::device_revoked, device.error().message);
        else if (device.error().kind == ErrorKind::not_found)
            send_error(res, 401, sync::ErrorCode::unauthorized, device.error().message);
        else
            send_storage_failure(res, device.error());
        return std::nullopt;
    }
    return std::move(*device);
}

bool HqServer::Impl::rate_limited(const Device& device, sql::Connection& db, httplib::Response& res)
{
    return refused_by(limiter, device.id, db, "too many requests from this terminal", res);
}

void HqServer::Impl::hello(const httplib::Request&, httplib::Response& res)
{
    send_json(res, {{"protocol", sync::protocol_version},
                    {"server_time", now_utc_ms()},
                    {"limits", sync::to_json(settings.limits)}});
}

// For a load balancer in front of several head-office processes (PROTOCOL.md
// 1): 200 while this process can reach its database, else 503, so traffic
// goes to the others. Says nothing more than that, to anyone.
void HqServer::Impl::health(const httplib::Request&, httplib::Response& res)
{
    // Every connection lent means the database is answering this process's
    // requests: healthy, without waiting for one.
    auto store = pool.borrow(std::chrono::milliseconds(0));
    if (!store && store.error().kind == ErrorKind::busy) {
        send_json(res, {{"status", "ok"}});
        return;
    }
    Result<void> reachable = store ? (*store)->check_reachable() : Result<void>(store.error());
    if (!reachable) {
        res.set_header("Retry-After", "1");
        send_json(res, {{"status", "unavailable"}}, 503);
        return;
    }
    send_json(res, {{"status", "ok"}});
}

// Head office's own CA (feedback-hq init), public by nature, for a kiosk's
// setup screen: it shows the CA's fingerprint to a person, who compares it
// with the one `feedback-hq enroll` printed before anything secret is sent
// (PROTOCOL.md 2). None when hq.json names a certificate of a public CA.
void HqServer::Impl::ca_certificate(const httplib::Request&, httplib::Response& res)
{
    const std::string pem = own_ca_certificate(dir, settings);
    if (pem.empty()) {
        send_error(res, 404, sync::ErrorCode::not_found, "head office has no CA of its own: the system's trust store checks it");
        return;
    }
    res.set_content(pem, "application/x-pem-file");
}

void HqServer::Impl::enrol(const httplib::Request& req, httplib::Response& res)
{
    auto store = pool.borrow();
    if (!store) {
        send_storage_failure(res, store.error());
        return;
    }
    // Every attempt counts, good code or not: guessing costs time, and a
    // flood cannot keep the write lock from the uploads (PROTOCOL.md 2).
    if (refused_by(enrol_limiter, client_address(req), (*store)->connection(),
                   "too many enrolment attempts from this address", res))
        return;
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("code") || !body["code"].is_string() || !body.contains("device_id") ||
        !body["device_id"].is_string()) {
        send_error(res, 400, sync::ErrorCode::bad_request, "the body must be {\"code\": ..., \"device_id\": ..., \"app_version\": ...}");
        return;
    }
    std::string app_version = body.contains("app_version") && body["app_version"].is_string()
                                  ? body["app_version"].get<std::string>()
                                  : "";
    // A device head office knows enrols again only with its current token
    // (PROTOCOL.md 2); HqStore::enrol() decides, and ignores it otherwise.
    std::string current_token(bearer_token(req).value_or(""));
    Result<Enrolled> enrolled = [&] {
        auto turn = writer_turns.take();
        return (*store)->enrol(body["code"].get<std::string>(), body["device_id"].get<std::string>(), app_version,
                               now_utc_ms(), current_token);
    }();
    if (!enrolled) {
        if (enrolled.error().kind == ErrorKind::not_found)
            send_error(res, 403, sync::ErrorCode::enrol_code_invalid, enrolled.error().message);
        else if (auto refusal = sync::error_code_of(enrolled.error()))
            send_error(res, 403, *refusal, enrolled.error().message); // a device held to its enrolment
        else if (enrolled.error().kind == ErrorKind::invalid_input)
            send_error(res, 400, sync::ErrorCode::bad_request, enrolled.error().message);
        else
            send_storage_failure(res, enrolled.error());
        return;
    }
    auto contact_key = (*store)->contact_key();
    if (!contact_key) {
        send_storage_failure(res, contact_key.error());
        return;
    }
    nlohmann::json answer{{"device_id", enrolled->device_id},
                          {"token", enrolled->token},
                          {"store_code", enrolled->store_code},
                          {"terminal_code", enrolled->terminal_code},
                          {"name", enrolled->name},
                          {"limits", sync::to_json(settings.limits)}};
    if (*contact_key)
        answer["contact_key"] = crypto::to_json(**contact_key);
    send_json(res, answer);
}

void HqServer::Impl::batches(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader)
{
    // The front has read the body as sent (at most max_compressed_bytes);
    // only a known, unrevoked device within its rate gets it inflated, and
    // then to at most max_body_bytes: httplib inflates gzip as it reads.
    auto authorised = authorise(req, res);
    if (!authorised)
        return;
    const Device& device = authorised->device;
    const auto cap = static_cast<size_t>(settings.limits.max_body_bytes);
    std::string body;
    bool too_large = false;
    bool read = reader([&](const char* data, size_t size) {
        if (body.size() + size > cap) {
            too_large = true;
            return false;
        }
        body.append(data, size);
        return true;
    });
    if (too_large) {
        res.set_header("Connection", "close");
        send_error(res, 413, sync::ErrorCode::body_too_large, "the body inflates to more than " + std::to_string(cap) + " bytes");
        return;
    }
    if (!read) {
        res.set_header("Connection", "close");
        send_error(res, 400, sync::ErrorCode::unreadable_body, "the body could not be read or inflated (damaged on the way?)");
        return;
    }
    std::string batch_id = req.get_header_value(sync::header_idempotency_key);
    if (!is_uuid(batch_id)) {
        send_error(res, 400, sync::ErrorCode::bad_batch, "the Idempotency-Key header must be the batch id (a UUID)");
        return;
    }
    std::string body_sha256 = crypto::sha256_hex(body);
    if (req.has_header(sync::header_body_sha256) && req.get_header_value(sync::header_body_sha256) != body_sha256) {
        send_error(res, 400, sync::ErrorCode::bad_body_hash, "the body's SHA-256 differs from Feedback-Body-SHA256: it was damaged");
        return;
    }
    DeviceHealth health = health_of(req);
    // Parsing and validation run in parallel on the request threads; the
    // writer stores the batch (with whatever else is waiting) and answers
    // after the commit.
    Result<IngestResult> ingested = [&]() -> Result<IngestResult> {
        auto checked = check_batch(device, batch_id, body, settings.limits.max_events_per_batch, body_sha256);
        FEEDBACK_TRY(checked);
        return writer.store(device, *checked, health);
    }();
    if (!ingested) {
        const Error& error = ingested.error();
        auto code = sync::error_code_of(error);
        if (code == sync::ErrorCode::too_many_events) {
            send_error(res, 413, *code, error.message);
        } else if (code == sync::ErrorCode::batch_conflict) {
            send_error(res, 422, *code, error.message);
        } else if (code) { // malformed_json, bad_batch, batch_id_mismatch
            send_error(res, 400, *code, error.message);
        } else { // a constraint SQLite reports is head office's failure, not the batch's: retried
            send_storage_failure(res, error);
        }
        return;
    }
    res.status = 200;
    res.set_header(sync::header_batch_id, batch_id);
    if (ingested->kind == IngestKind::replayed)
        res.set_header(sync::header_replayed, "true");
    res.set_content(ingested->answer, "application/json");
}

namespace {

// A PNG's signature and IHDR chunk, and a size a screen can have.
bool is_screen_png(std::string_view bytes)
{
    constexpr std::string_view signature("\x89PNG\r\n\x1a\n", 8);
    if (bytes.size() < 24 || bytes.substr(0, 8) != signature || bytes.substr(12, 4) != "IHDR")
        return false;
    auto big_endian = [&](size_t at) {
        uint32_t value = 0;
        for (size_t i = 0; i < 4; ++i)
            value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
        return value;
    };
    const uint32_t width = big_endian(16);
    const uint32_t height = big_endian(20);
    return width >= 64 && height >= 64 && width <= 8192 && height <= 8192;
}

} // namespace

// POST /v1/screenshot: the kiosk's start screen, asked for on the devices
// page; the latest one per terminal is kept.
void HqServer::Impl::screenshot(const httplib::Request& req, httplib::Response& res)
{
    auto authorised = authorise(req, res);
    if (!authorised)
        return;
    if (!is_screen_png(req.body)) {
        send_error(res, 400, sync::ErrorCode::bad_request, "the body must be a PNG of a screen (64 to 8192 pixels a side)");
        return;
    }
    const int64_t now = now_utc_ms();
    std::optional<int64_t> taken = header_integer(req, sync::header_screenshot_taken);
    Result<void> stored = [&] {
        auto turn = writer_turns.take();
        return authorised->store->store_screenshot(authorised->device.id, req.body, taken.value_or(now), now);
    }();
    if (!stored) {
        send_storage_failure(res, stored.error());
        return;
    }
    send_json(res, {{"stored", true}});
}

// The terminal leaves its store (PROTOCOL.md 10): its token stops working
// with this answer; what it sent before stays.
void HqServer::Impl::leave(const httplib::Request& req, httplib::Response& res)
{
    auto authorised = authorise(req, res);
    if (!authorised)
        return;
    Result<void> left = [&] {
        auto turn = writer_turns.take();
        return authorised->store->leave(authorised->device.id, now_utc_ms());
    }();
    if (!left) {
        send_storage_failure(res, left.error());
        return;
    }
    send_json(res, {{"left", true}, {"store_code", authorised->device.store_code}});
}

void HqServer::Impl::config(const httplib::Request& req, httplib::Response& res)
{
    auto authorised = authorise(req, res);
    if (!authorised)
        return;
    HqStore& hq = *authorised->store;
    const Device& device = authorised->device;
    auto doc = hq.config_for(device.store_code);
    auto contact_key = hq.contact_key();
    if (!doc || !contact_key) {
        send_storage_failure(res, !doc ? doc.error() : contact_key.error());
        return;
    }
    // The contact key rides along (PROTOCOL.md 4), so a rotation reaches the
    // terminals with their next pull: its id is part of the ETag.
    if (!*doc) {
        nlohmann::json answer{{"error", sync::wire_name(sync::ErrorCode::no_config)},
                              {"message", "head office has published no configuration for this store"}};
        if (*contact_key)
            answer["contact_key"] = crypto::to_json(**contact_key);
        send_json(res, answer, 404);
        return;
    }
    const ConfigDocument& config = **doc;
    std::string etag = config.etag();
    if (*contact_key)
        etag.insert(etag.size() - 1, "-" + (*contact_key)->id);
    res.set_header("ETag", etag);
    if (req.get_header_value("If-None-Match") == etag) {
        res.status = 304;
        return;
    }
    nlohmann::json answer{{"scope", config.scope}, {"version", config.version}, {"document", config.document}};
    if (*contact_key)
        answer["contact_key"] = crypto::to_json(**contact_key);
    send_json(res, answer);
}

void HqServer::Impl::feed(const httplib::Request& req, httplib::Response& res)
{
    auto authorised = authorise(req, res);
    if (!authorised)
        return;
    HqStore& hq = *authorised->store;
    const Device& device = authorised->device;
    auto number = [&](const char* name, int64_t fallback) -> std::optional<int64_t> {
        if (!req.has_param(name) || req.get_param_value(name).empty())
            return fallback;
        std::string text = req.get_param_value(name);
        int64_t value = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc{} || end != text.data() + text.size() || value < 0)
            return std::nullopt;
        return value;
    };
    auto after = number("after", 0);
    auto limit = number("limit", settings.limits.max_feed_events);
    if (!after || !limit || *limit < 1) {
        send_error(res, 400, sync::ErrorCode::bad_request, "after must be a cursor from an earlier answer and limit at least 1");
        return;
    }
    auto page = hq.feed(device, *after, std::min(*limit, settings.limits.max_feed_events));
    if (!page) {
        send_storage_failure(res, page.error());
        return;
    }
    {
        auto turn = writer_turns.take();
        (void)hq.touch(device.id, now_utc_ms(), health_of(req)); // not worth failing the read for
    }
    send_json(res, {{"events", page->events}, {"cursor", std::to_string(page->cursor)}, {"more", page->more}});
}

void HqServer::Impl::install_routes()
{
    http->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        for (const auto& [name, value] : answer_headers())
            res.set_header(name, value);
        // The routes listen on loopback, where any local user could reach
        // them: only the front, which knows the secret, is answered.
        if (req.get_header_value(header_front_secret) != front_secret) {
            send_error(res, 403, sync::ErrorCode::forbidden, "head office answers only through its TLS port");
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    http->set_error_handler([](const httplib::Request&, httplib::Response& res) {
        for (const auto& [name, value] : answer_headers())
            if (!res.has_header(name.c_str()))
                res.set_header(name, value);
        if (res.body.empty() && res.status != 304)
            res.set_content(sync::error_body(res.status == 404 ? sync::ErrorCode::not_found : sync::ErrorCode::bad_request,
                                             "HTTP " + std::to_string(res.status) + " from head office"),
                            "application/json");
    });
    http->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        send_error(res, 500, sync::ErrorCode::internal, "head office failed on this request; nothing was stored");
    });
    http->set_logger([this](const httplib::Request& req, const httplib::Response& res) { write_log_line(req, res); });

    http->Get("/v1/hello", [this](const httplib::Request& req, httplib::Response& res) { hello(req, res); });
    http->Get("/v1/health", [this](const httplib::Request& req, httplib::Response& res) { health(req, res); });
    http->Get("/v1/ca.pem", [this](const httplib::Request& req, httplib::Response& res) { ca_certificate(req, res); });
    http->Post("/v1/enrol", [this](const httplib::Request& req, httplib::Response& res) { enrol(req, res); });
    http->Post("/v1/batches", [this](const httplib::Request& req, httplib::Response& res,
                                     const httplib::ContentReader& reader) { batches(req, res, reader); });
    http->Get("/v1/config", [this](const httplib::Request& req, httplib::Response& res) { config(req, res); });
    http->Get("/v1/feed", [this](const httplib::Request& req, httplib::Response& res) { feed(req, res); });
    http->Post("/v1/screenshot", [this](const httplib::Request& req, httplib::Response& res) { screenshot(req, res); });
    http->Post("/v1/leave", [this](const httplib::Request& req, httplib::Response& res) { leave(req, res); });
    intake_api.install(*http);
}

// [SECTION] Life cycle

namespace {

// The certificate and key hq.json names, else feedback-hq init's in DIR/tls.
Result<front::TlsFront::TlsContext> load_tls_context(const std::filesystem::path& dir, const HqSettings& settings)
{
    auto files = tls_files(dir);
    std::filesystem::path certificate = settings.tls_certificate.empty() ? files.server_certificate
                                                                         : settings.tls_certificate;
    std::filesystem::path key = settings.tls_key.empty() ? files.server_key : settings.tls_key;
    std::error_code ec;
    if (!std::filesystem::exists(certificate, ec) || !std::filesystem::exists(key, ec))
        return Error{ErrorKind::not_found,
                     "no server certificate at " + certificate.string() + " with its key at " + key.string() +
                         (settings.tls_certificate.empty() ? " (feedback-hq init makes one)" : " (hq.json: tls)")};
    return front::make_server_tls_context(certificate.string(), key.string());
}

} // namespace

HqServer::HqServer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
HqServer::~HqServer() = default;

Result<std::unique_ptr<HqServer>> HqServer::create(const std::filesystem::path& dir, const HqSettings& settings,
                                                   std::ostream& log, const ExtraRoutes& extra_routes)
{
    auto probe = HqStore::open(dir, HqStore::Intent::existing_only);
    FEEDBACK_TRY(probe);
    auto tls = load_tls_context(dir, settings);
    FEEDBACK_TRY(tls);

    auto impl = std::make_unique<Impl>(dir, settings, log, std::move(*tls), std::move(*probe));
    httplib::Server& http = *impl->http;
    int threads = settings.threads;
    http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    // The front sends each request whole, at once, over loopback, and then
    // reads the answer: short timeouts only guard against a stuck front.
    http.set_tcp_nodelay(true);
    http.set_keep_alive_max_count(1);
    http.set_read_timeout(5, 0);
    http.set_write_timeout(30, 0);
    http.set_payload_max_length(static_cast<size_t>(std::max(settings.limits.max_compressed_bytes,
                                                             settings.connections.max_form_bytes)));
    impl->install_routes();
    if (extra_routes)
        FEEDBACK_TRY(extra_routes(http, impl->writer_turns, impl->settings));
    return std::unique_ptr<HqServer>(new HqServer(std::move(impl)));
}

front::BodyRule HqServer::Impl::body_rule(std::string_view method, std::string_view path) const
{
    if (method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "DELETE")
        return {0, false};
    if (path == "/v1/batches")
        return {static_cast<uint64_t>(settings.limits.max_compressed_bytes), true};
    if (path == "/v1/enrol")
        return {enrol_body_bytes, false};
    if (path == "/v1/screenshot")
        return {sync::max_screenshot_bytes, false};
    if (path.starts_with(api::path_prefix))
        return {api::max_body_bytes, false}; // the intake API: one complaint as JSON
    return {static_cast<uint64_t>(settings.connections.max_form_bytes), false}; // the dashboard's forms
}

void HqServer::Impl::write_front_log(const front::FrontLogEntry& entry)
{
    // A request the front answered itself, in the request log's columns; or
    // a summary of connections it closed.
    std::string line = format_utc_iso8601(now_utc_ms()) + " ";
    if (entry.status != 0)
        line += entry.address + " " + entry.method + " " + entry.path + " " + std::to_string(entry.status) + " ";
    line = escape_control_characters(line + "front: " + entry.reason) + "\n";
    std::lock_guard lock(log_mutex);
    log << line << std::flush;
}

Result<void> HqServer::reload_certificate()
{
    auto tls = load_tls_context(m_impl->dir, m_impl->settings);
    FEEDBACK_TRY(tls);
    if (m_impl->front)
        m_impl->front->replace_context(std::move(*tls));
    else
        m_impl->tls_context = std::move(*tls);
    return {};
}

Result<int> HqServer::bind(const ListenAddress& address)
{
    Impl& impl = *m_impl;
    if (!impl.tls_context)
        return Error{ErrorKind::internal, "HqServer::bind() twice"};
    // The routes: a free loopback port only the front connects to, a new
    // connection per request. Debian's cpp-httplib 0.11 (a shared library)
    // listens with a backlog of 5, so a burst of requests would see SYNs
    // dropped and wait a second for the retry: listen() again raises it.
    int routes_socket = -1;
    impl.http->set_socket_options([&routes_socket](int sock) {
        httplib::default_socket_options(sock);
        routes_socket = sock;
    });
    int routes_port = impl.http->bind_to_any_port("127.0.0.1");
    if (routes_port <= 0 || routes_socket < 0)
        return Error{ErrorKind::io, "cannot open head office's internal loopback port"};
    ::listen(routes_socket, SOMAXCONN);

    const ConnectionSettings& connections = impl.settings.connections;
    front::FrontSettings front_settings;
    front_settings.head_seconds = connections.head_seconds;
    front_settings.keep_alive_seconds = connections.keep_alive_seconds;
    front_settings.max_connections = connections.max_connections;
    front_settings.max_connections_per_address = connections.max_per_address;
    front_settings.trusted_proxies = connections.trusted_proxies;
    front::FrontHooks hooks;
    hooks.body_policy = [raw = &impl](std::string_view method, std::string_view path) {
        return raw->body_rule(method, path);
    };
    hooks.answer_headers = [] {
        std::string text;
        for (const auto& [name, value] : answer_headers())
            text += name + ": " + value + "\r\n";
        return text;
    };
    hooks.log = [raw = &impl](const front::FrontLogEntry& entry) { raw->write_front_log(entry); };
    impl.front = std::make_unique<front::TlsFront>(std::move(impl.tls_context), std::move(front_settings),
                                                   std::move(hooks), routes_port, impl.front_secret);
    auto port = impl.front->bind(address.host, address.port);
    if (!port)
        return Error{port.error().kind, port.error().message + " (in use, or not an address of this machine)"};
    // Before run(): no route reads the settings yet.
    impl.settings.public_url = public_url_or_default(impl.settings, *port);
    return port;
}

Result<void> HqServer::run()
{
    Impl& impl = *m_impl;
    if (!impl.front)
        return Error{ErrorKind::internal, "HqServer::run() before bind()"};
    impl.routes_thread = std::thread([&impl] { impl.http->listen_after_bind(); });
    auto served = impl.front->run();
    // The front has relayed every answer it could; now the routes may go.
    impl.http->stop();
    impl.routes_thread.join();
    return served;
}

void HqServer::stop()
{
    if (m_impl->front)
        m_impl->front->stop();
}

void HqServer::set_enrol_rate_limit(double per_second, double burst)
{
    m_impl->enrol_limiter.configure(per_second, burst);
}

} // namespace feedback::hq
