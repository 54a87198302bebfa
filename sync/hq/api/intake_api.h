// The intake API (sync/API.md): the customer-service tools a chain already
// uses register complaints that came in at head office and read how a
// complaint stands, each with a token of its own (`feedback-hq token add`).
//
//   POST /api/v1/complaints              register one: 201 {"id", "reference", "deadline", "status_link"}
//   GET  /api/v1/complaints/{reference}  the complaint as the fold sees it, never contact details
//
// A POST runs:
//
//   token? --401--> refused        (unknown or revoked token; nothing read)
//     | rate? --429--> refused     (per token, hq.json limits.rate_per_second / rate_burst)
//     v
//   body JSON of the right shape? --400--> refused (nothing stored)
//     v  (in a writer's turn, hq/writer_turns.h)
//   Idempotency-Key kept? --same body--> the kept answer again (Feedback-Replayed: true)
//     |                   --other body--> 422 idempotency_conflict
//     v
//   HqStore::register_complaint() --rule broken--> 422 (nothing stored)
//     v  one transaction: the event, and the answer kept under the key
//        (its status link without the status key: head office keeps only its hash)
//   201 with the status link and its key, this once
//
// Bodies are at most max_body_bytes: the TLS front refuses a larger one (413)
// before any worker reads it (HqServer::Impl::body_rule()). Errors are
// {"error", "message"} with the message starting with the field; nothing a
// customer gave as contact details reaches an answer's message or the log.
#pragma once

#include "hq/complaint_view.h"
#include "hq/hq_settings.h"
#include "hq/rate_limiter.h"
#include "hq/store_pool.h"
#include "hq/writer_turns.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace httplib {
class Server;
struct Request;
struct Response;
} // namespace httplib

namespace feedback::hq::api {

inline constexpr std::string_view path_prefix = "/api/v1/";
inline constexpr uint64_t max_body_bytes = 64 * 1024;

class IntakeApi {
public:
    // `writer_turns`: the process's writers' (hq/writer_turns.h).
    // Requests are limited per token like a terminal's (`settings.limits`);
    // status links start with settings.public_url, read when a complaint is
    // registered (the server fills it in when it binds), so `settings` must
    // outlive the API.
    IntakeApi(StorePool& pool, WriterTurns& writer_turns, const HqSettings& settings);
    ~IntakeApi();
    IntakeApi(const IntakeApi&) = delete;
    IntakeApi& operator=(const IntakeApi&) = delete;

    // Mounts the routes; the API must outlive `http`'s serving.
    void install(httplib::Server& http);

private:
    struct Caller;
    std::optional<Caller> authorise(const httplib::Request& req, httplib::Response& res);
    void post_complaint(const httplib::Request& req, httplib::Response& res);
    void get_complaint(const httplib::Request& req, httplib::Response& res);

    StorePool& m_pool;
    WriterTurns& m_writer_turns;
    const HqSettings& m_settings;
    RateLimiter m_limiter; // requests per token name
    ComplaintViewer m_viewer; // complaints by reference, deadlines
};

} // namespace feedback::hq::api
