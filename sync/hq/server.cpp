// The head-office HTTPS server: TLS setup, the store pool, the batch writer
// (group commit), the routes of PROTOCOL.md (hello, enrol, batches, config,
// feed) with their rate limits, and the request log.
#include "server.h"

#include "certificates.h"
#include "client_address.h"
#include "crypto/sha256.h"
#include "domain/clock.h"
#include "domain/ids.h"
#include "rate_limiter.h"
#include "store_pool.h"

#include <httplib.h>
#include <openssl/ssl.h>
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

void send_error(httplib::Response& res, int status, std::string_view code, std::string_view message)
{
    res.status = status;
    res.set_content(sync::error_body(code, message), "application/json");
}

void send_json(httplib::Response& res, const nlohmann::json& body)
{
    res.status = 200;
    res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
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

// What a terminal reports about itself in its request headers (PROTOCOL.md 3, 5).
DeviceHealth health_of(const httplib::Request& req)
{
    return {header_integer(req, sync::header_clock_offset), header_integer(req, sync::header_backlog),
            req.get_header_value(sync::header_app_version).substr(0, 40)};
}

// POST /v1/enrol per client address (PROTOCOL.md 2, 6): a burst of 10
// attempts, then one every 6 seconds.
constexpr double enrol_attempts_per_second = 1.0 / 6.0;
constexpr double enrol_attempt_burst = 10;

// "malformed_json: the body ..." -> "malformed_json"
std::string code_of(const Error& error)
{
    auto colon = error.message.find(':');
    return colon == std::string::npos ? std::string("bad_batch") : error.message.substr(0, colon);
}

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
    BatchWriter(HqStore store, std::mutex& write_mutex)
        : m_store(std::move(store)), m_write_mutex(write_mutex), m_thread([this] { run(); })
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
                std::lock_guard write(m_write_mutex);
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
    std::mutex& m_write_mutex;
    std::mutex m_mutex;
    std::condition_variable m_wake; // the writer: work is queued, or stop
    std::condition_variable m_done; // request threads: a group is answered
    std::deque<Job*> m_queue;       // jobs live on their request threads' stacks
    bool m_stop = false;
    std::thread m_thread;           // last: starts when the rest is ready
};

// [SECTION] The server

struct HqServer::Impl {
    Impl(const std::filesystem::path& dir, const HqSettings& given, std::ostream& log_stream,
         std::unique_ptr<httplib::SSLServer> server, HqStore writer_store)
        : settings(given), log(log_stream), pool(dir),
          limiter(given.limits.rate_per_second, given.limits.rate_burst),
          writer(std::move(writer_store), write_mutex), http(std::move(server))
    {
    }

    HqSettings settings;
    std::ostream& log;
    std::mutex log_mutex;
    StorePool pool;
    RateLimiter limiter;       // requests per device (its token)
    RateLimiter enrol_limiter{enrol_attempts_per_second, enrol_attempt_burst}; // POST /v1/enrol per client address
    std::mutex write_mutex; // one writer at a time (see server.h)
    BatchWriter writer;     // after write_mutex, before http: ends after the last request
    std::unique_ptr<httplib::SSLServer> http;
    int listening_socket = -1; // set while binding (see bind())

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
    bool rate_limited(const Device& device, httplib::Response& res);
    // Takes a token from `bucket` for `key`; when there is none, answers 429
    // with Retry-After, `what` saying what was too much, and returns true.
    bool refused_by(RateLimiter& bucket, std::string_view key, std::string_view what, httplib::Response& res);
    void storage_failure(httplib::Response& res, const Error& error);

    void hello(const httplib::Request& req, httplib::Response& res);
    void enrol(const httplib::Request& req, httplib::Response& res);
    void batches(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);
    void config(const httplib::Request& req, httplib::Response& res);
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
                       " ms=" + std::to_string(started > 0 ? now - started : 0) + "\n";
    std::lock_guard lock(log_mutex);
    log << line << std::flush;
}

void HqServer::Impl::storage_failure(httplib::Response& res, const Error& error)
{
    if (error.kind == ErrorKind::busy) {
        res.set_header("Retry-After", "1");
        send_error(res, 503, "busy", "head office is busy; try again shortly");
        return;
    }
    send_error(res, 500, "storage", std::string("head office could not store this: ") + to_string(error.kind));
}

std::optional<HqServer::Impl::Authorised> HqServer::Impl::authorise(const httplib::Request& req,
                                                                    httplib::Response& res)
{
    auto store = pool.borrow();
    if (!store) {
        storage_failure(res, store.error());
        return std::nullopt;
    }
    auto device = authenticate(req, res, **store);
    if (!device || rate_limited(*device, res))
        return std::nullopt;
    return Authorised{std::move(*store), std::move(*device)};
}

std::optional<Device> HqServer::Impl::authenticate(const httplib::Request& req, httplib::Response& res,
                                                   HqStore& store)
{
    std::string header = req.get_header_value("Authorization");
    constexpr std::string_view bearer = "Bearer ";
    if (header.rfind(bearer, 0) != 0) {
        send_error(res, 401, "unauthorized", "an Authorization: Bearer token is required: enrol the terminal");
        return std::nullopt;
    }
    auto device = store.authenticate(std::string_view(header).substr(bearer.size()));
    if (!device) {
        if (device.error().kind == ErrorKind::conflict)
            send_error(res, 401, "device_revoked", device.error().message);
        else if (device.error().kind == ErrorKind::not_found)
            send_error(res, 401, "unauthorized", device.error().message);
        else
            storage_failure(res, device.error());
        return std::nullopt;
    }
    return std::move(*device);
}

bool HqServer::Impl::rate_limited(const Device& device, httplib::Response& res)
{
    return refused_by(limiter, device.id, "too many requests from this terminal", res);
}

bool HqServer::Impl::refused_by(RateLimiter& bucket, std::string_view key, std::string_view what,
                                httplib::Response& res)
{
    auto wait = bucket.take(key, std::chrono::steady_clock::now());
    if (!wait)
        return false;
    res.set_header("Retry-After", std::to_string(*wait));
    send_error(res, 429, "rate_limited", std::string(what) + "; retry after " + std::to_string(*wait) + " s");
    return true;
}

void HqServer::Impl::hello(const httplib::Request&, httplib::Response& res)
{
    send_json(res, {{"protocol", sync::protocol_version},
                    {"server_time", now_utc_ms()},
                    {"limits", sync::to_json(settings.limits)}});
}

void HqServer::Impl::enrol(const httplib::Request& req, httplib::Response& res)
{
    // Every attempt counts, good code or not: guessing costs time, and a
    // flood cannot keep the write lock from the uploads (PROTOCOL.md 2).
    if (refused_by(enrol_limiter, client_address(req), "too many enrolment attempts from this address", res))
        return;
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("code") || !body["code"].is_string() || !body.contains("device_id") ||
        !body["device_id"].is_string()) {
        send_error(res, 400, "bad_request", "the body must be {\"code\": ..., \"device_id\": ..., \"app_version\": ...}");
        return;
    }
    std::string app_version = body.contains("app_version") && body["app_version"].is_string()
                                  ? body["app_version"].get<std::string>()
                                  : "";
    auto store = pool.borrow();
    if (!store) {
        storage_failure(res, store.error());
        return;
    }
    Result<Enrolled> enrolled = [&] {
        std::lock_guard lock(write_mutex);
        return (*store)->enrol(body["code"].get<std::string>(), body["device_id"].get<std::string>(), app_version,
                               now_utc_ms());
    }();
    if (!enrolled) {
        if (enrolled.error().kind == ErrorKind::not_found)
            send_error(res, 403, "enrol_code_invalid", enrolled.error().message);
        else if (enrolled.error().kind == ErrorKind::invalid_input)
            send_error(res, 400, "bad_request", enrolled.error().message);
        else
            storage_failure(res, enrolled.error());
        return;
    }
    send_json(res, {{"device_id", enrolled->device_id},
                    {"token", enrolled->token},
                    {"store_code", enrolled->store_code},
                    {"terminal_code", enrolled->terminal_code},
                    {"name", enrolled->name},
                    {"limits", sync::to_json(settings.limits)}});
}

void HqServer::Impl::batches(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader)
{
    // Read (and so drain) the body first, inflating at most max_body_bytes:
    // httplib inflates gzip as it reads, and its payload limit only counts
    // the compressed bytes.
    const auto cap = static_cast<size_t>(settings.limits.max_body_bytes);
    auto declared = header_integer(req, "Content-Length");
    if (declared && *declared > settings.limits.max_compressed_bytes) {
        res.set_header("Connection", "close");
        send_error(res, 413, "body_too_large", "the body is larger than " +
                                                   std::to_string(settings.limits.max_compressed_bytes) + " bytes");
        return;
    }
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
        send_error(res, 413, "body_too_large", "the body inflates to more than " + std::to_string(cap) + " bytes");
        return;
    }
    if (!read) {
        res.set_header("Connection", "close");
        send_error(res, 400, "unreadable_body", "the body could not be read or inflated (damaged on the way?)");
        return;
    }

    auto authorised = authorise(req, res);
    if (!authorised)
        return;
    const Device& device = authorised->device;
    std::string batch_id = req.get_header_value(sync::header_idempotency_key);
    if (!is_uuid(batch_id)) {
        send_error(res, 400, "bad_batch", "the Idempotency-Key header must be the batch id (a UUID)");
        return;
    }
    std::string body_sha256 = crypto::sha256_hex(body);
    if (req.has_header(sync::header_body_sha256) && req.get_header_value(sync::header_body_sha256) != body_sha256) {
        send_error(res, 400, "bad_body_hash", "the body's SHA-256 differs from Feedback-Body-SHA256: it was damaged");
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
        if (error.kind == ErrorKind::invalid_input) {
            std::string code = code_of(error);
            send_error(res, code == "too_many_events" ? 413 : 400, code, error.message);
        } else if (error.kind == ErrorKind::conflict && code_of(error) == "batch_conflict") {
            send_error(res, 422, code_of(error), error.message);
        } else { // a constraint SQLite reports is head office's failure, not the batch's: retried
            storage_failure(res, error);
        }
        return;
    }
    res.status = 200;
    res.set_header(sync::header_batch_id, batch_id);
    if (ingested->kind == IngestKind::replayed)
        res.set_header(sync::header_replayed, "true");
    res.set_content(ingested->answer, "application/json");
}

void HqServer::Impl::config(const httplib::Request& req, httplib::Response& res)
{
    auto authorised = authorise(req, res);
    if (!authorised)
        return;
    HqStore& hq = *authorised->store;
    const Device& device = authorised->device;
    auto doc = hq.config_for(device.store_code);
    if (!doc) {
        storage_failure(res, doc.error());
        return;
    }
    if (!*doc) {
        send_error(res, 404, "no_config", "head office has published no configuration for this store");
        return;
    }
    const ConfigDocument& config = **doc;
    res.set_header("ETag", config.etag());
    if (req.get_header_value("If-None-Match") == config.etag()) {
        res.status = 304;
        return;
    }
    send_json(res, {{"scope", config.scope}, {"version", config.version}, {"document", config.document}});
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
        send_error(res, 400, "bad_request", "after must be a cursor from an earlier answer and limit at least 1");
        return;
    }
    auto page = hq.feed(device, *after, std::min(*limit, settings.limits.max_feed_events));
    if (!page) {
        storage_failure(res, page.error());
        return;
    }
    {
        std::lock_guard lock(write_mutex);
        (void)hq.touch(device.id, now_utc_ms(), health_of(req)); // not worth failing the read for
    }
    send_json(res, {{"events", page->events}, {"cursor", std::to_string(page->cursor)}, {"more", page->more}});
}

void HqServer::Impl::install_routes()
{
    http->set_pre_routing_handler([](const httplib::Request&, httplib::Response& res) {
        res.set_header(sync::header_protocol, std::to_string(sync::protocol_version));
        res.set_header(sync::header_server_time, server_time_text());
        return httplib::Server::HandlerResponse::Unhandled;
    });
    http->set_error_handler([](const httplib::Request&, httplib::Response& res) {
        if (!res.has_header(sync::header_protocol))
            res.set_header(sync::header_protocol, std::to_string(sync::protocol_version));
        if (!res.has_header(sync::header_server_time))
            res.set_header(sync::header_server_time, server_time_text());
        if (res.body.empty() && res.status != 304)
            res.set_content(sync::error_body(res.status == 404 ? "not_found" : "bad_request",
                                             "HTTP " + std::to_string(res.status) + " from head office"),
                            "application/json");
    });
    http->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        send_error(res, 500, "internal", "head office failed on this request; nothing was stored");
    });
    http->set_logger([this](const httplib::Request& req, const httplib::Response& res) { write_log_line(req, res); });

    http->Get("/v1/hello", [this](const httplib::Request& req, httplib::Response& res) { hello(req, res); });
    http->Post("/v1/enrol", [this](const httplib::Request& req, httplib::Response& res) { enrol(req, res); });
    http->Post("/v1/batches", [this](const httplib::Request& req, httplib::Response& res,
                                     const httplib::ContentReader& reader) { batches(req, res, reader); });
    http->Get("/v1/config", [this](const httplib::Request& req, httplib::Response& res) { config(req, res); });
    http->Get("/v1/feed", [this](const httplib::Request& req, httplib::Response& res) { feed(req, res); });
}

// [SECTION] Life cycle

HqServer::HqServer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
HqServer::~HqServer() = default;

Result<std::unique_ptr<HqServer>> HqServer::create(const std::filesystem::path& dir, const HqSettings& settings,
                                                   std::ostream& log, const ExtraRoutes& extra_routes)
{
    auto probe = HqStore::open(dir, HqStore::Intent::existing_only);
    FEEDBACK_TRY(probe);
    auto files = tls_files(dir);
    std::error_code ec;
    if (!std::filesystem::exists(files.server_certificate, ec) || !std::filesystem::exists(files.server_key, ec))
        return Error{ErrorKind::not_found, "no server certificate in " + files.server_certificate.parent_path().string() +
                                               " (feedback-hq init makes one)"};
    auto http = std::make_unique<httplib::SSLServer>(files.server_certificate.c_str(), files.server_key.c_str());
    if (!http->is_valid())
        return Error{ErrorKind::invalid_input, "the server certificate or key in " +
                                                   files.server_certificate.parent_path().string() +
                                                   " could not be loaded"};
    SSL_CTX_set_min_proto_version(http->ssl_context(), TLS1_2_VERSION);
    int threads = settings.threads;
    http->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    // Measured defaults are slow (platform-notes.md): Nagle on, keep-alive closed after 5 requests.
    http->set_tcp_nodelay(true);
    http->set_keep_alive_max_count(1000);
    http->set_keep_alive_timeout(5);
    http->set_read_timeout(30, 0);
    http->set_write_timeout(30, 0);
    http->set_payload_max_length(static_cast<size_t>(settings.limits.max_compressed_bytes));

    auto impl = std::make_unique<Impl>(dir, settings, log, std::move(http), std::move(*probe));
    // httplib's own socket options, and a note of the listening socket for bind().
    impl->http->set_socket_options([raw = impl.get()](int sock) {
        httplib::default_socket_options(sock);
        raw->listening_socket = sock;
    });
    impl->install_routes();
    if (extra_routes)
        FEEDBACK_TRY(extra_routes(*impl->http, impl->write_mutex));
    return std::unique_ptr<HqServer>(new HqServer(std::move(impl)));
}

Result<int> HqServer::bind(const ListenAddress& address)
{
    int port = address.port;
    if (port == 0) {
        port = m_impl->http->bind_to_any_port(address.host);
        if (port <= 0)
            return Error{ErrorKind::io, "cannot listen on " + address.host + " (any port)"};
    } else if (!m_impl->http->bind_to_port(address.host, port)) {
        return Error{ErrorKind::io, "cannot listen on " + address.host + ":" + std::to_string(port) +
                                        " (in use, or not an address of this machine)"};
    }
    // Debian's cpp-httplib 0.11 (a shared library) listens with a backlog of
    // 5: when many terminals connect at once (after a network outage, or 50
    // in the benchmark) the kernel drops their SYNs and each waits a second
    // or more for the retry. listen() again on the bound socket raises it.
    if (m_impl->listening_socket >= 0)
        ::listen(m_impl->listening_socket, SOMAXCONN);
    return port;
}

Result<void> HqServer::run()
{
    if (!m_impl->http->listen_after_bind() && m_impl->http->is_running())
        return Error{ErrorKind::io, "the server stopped listening unexpectedly"};
    return {};
}

void HqServer::stop() { m_impl->http->stop(); }

void HqServer::set_enrol_rate_limit(double per_second, double burst)
{
    m_impl->enrol_limiter.configure(per_second, burst);
}

} // namespace feedback::hq
