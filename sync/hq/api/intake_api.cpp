// The intake API's routes (intake_api.h, sync/API.md): reading a request's
// body into a head-office registration, idempotent retries, and the
// complaint as the fold sees it.
#include "intake_api.h"

#include "api_tokens.h"
#include "crypto/sha256.h"
#include "crypto/status_key.h"
#include "domain/clock.h"
#include "domain/complaint_fold.h"
#include "domain/refcode.h"
#include "domain/text_escape.h"
#include "domain/validation.h"
#include "domain/vocabulary.h"
#include "hq/http_answers.h"

#include <httplib.h>

#include <algorithm>
#include <array>
#include <variant>

namespace feedback::hq::api {

namespace {

// [SECTION] Reading a POST body

// Why a request is refused: the status, the error code and words that start
// with the field.
struct Refusal {
    int status = 400;
    sync::ErrorCode code = sync::ErrorCode::bad_request;
    std::string message;
};

void refuse(httplib::Response& res, const Refusal& refusal)
{
    send_error(res, refusal.status, refusal.code, refusal.message);
}

enum class Shape { string, object };
enum class Presence { required, optional };
// Where a body field goes: the registration's store, its time, or
// complaint.opened's payload (which validation then checks field by field).
enum class Goes { store, received_at, payload };

struct BodyField {
    std::string_view name;
    Shape shape;
    Presence presence;
    Goes goes;
};

// The body's fields. Their shapes are checked here (400); their values by
// the shared validation and HqStore::register_complaint (422).
constexpr std::array body_fields{
    BodyField{"store", Shape::string, Presence::required, Goes::store},
    BodyField{"channel", Shape::string, Presence::required, Goes::payload},
    BodyField{"category", Shape::string, Presence::required, Goes::payload},
    BodyField{"description", Shape::string, Presence::required, Goes::payload},
    BodyField{"customer_wish", Shape::string, Presence::required, Goes::payload},
    BodyField{"received_at", Shape::string, Presence::optional, Goes::received_at},
    BodyField{"severity", Shape::string, Presence::optional, Goes::payload},
    BodyField{"product_ref", Shape::string, Presence::optional, Goes::payload},
    BodyField{"receipt_ref", Shape::string, Presence::optional, Goes::payload},
    BodyField{"contact", Shape::object, Presence::optional, Goes::payload},
};

std::string field_list()
{
    std::string out;
    for (const BodyField& field : body_fields)
        out += (out.empty() ? "" : ", ") + std::string(field.name);
    return out;
}

// A name the client wrote, safe to quote: short, no control characters.
std::string quoted_name(std::string_view name)
{
    constexpr size_t shown = 40;
    std::string text = escape_control_characters(name.substr(0, shown));
    return "\"" + text + (name.size() > shown ? "...\"" : "\"");
}

// What a POST asked for.
struct IntakeRequest {
    ComplaintIntake intake;      // without the actor
    std::string request_sha256;  // of the body's JSON written anew: a retry need not match byte for byte
};

// The body's shape: JSON, an object, the fields above with the right types,
// none missing and no others. Values are not quoted (contact details never
// are); every problem is named at once.
std::variant<IntakeRequest, Refusal> read_intake(std::string_view body)
{
    auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded())
        return Refusal{400, sync::ErrorCode::malformed_json, "body: is not JSON (UTF-8)"};
    if (!json.is_object())
        return Refusal{400, sync::ErrorCode::bad_request, "body: must be a JSON object with " + field_list()};
    std::vector<std::string> problems;
    for (const auto& item : json.items()) { // not a structured binding: clang-14 cannot capture one (tests/fuzz)
        const std::string& name = item.key();
        auto known = std::find_if(body_fields.begin(), body_fields.end(),
                                  [&](const BodyField& field) { return field.name == name; });
        if (known == body_fields.end())
            problems.push_back(name == "reference" ? "reference: head office makes the reference code itself"
                                                   : quoted_name(name) + ": is not a field of a complaint (" +
                                                         field_list() + ")");
    }
    IntakeRequest read;
    for (const BodyField& field : body_fields) {
        auto value = json.find(std::string(field.name));
        if (value == json.end()) {
            if (field.presence == Presence::required)
                problems.push_back(std::string(field.name) + ": is required");
            continue;
        }
        bool fits = field.shape == Shape::string ? value->is_string() : value->is_object();
        if (!fits) {
            problems.push_back(std::string(field.name) + ": must be " +
                               (field.shape == Shape::string ? "a string" : "an object") + " (got " +
                               value->type_name() + ")");
            continue;
        }
        switch (field.goes) {
        case Goes::store: read.intake.store_code = value->get<std::string>(); break;
        case Goes::received_at: break; // below, once the shape is right
        case Goes::payload: read.intake.payload[std::string(field.name)] = *value; break;
        }
    }
    if (!problems.empty()) {
        std::string message;
        for (const auto& problem : problems)
            message += (message.empty() ? "" : "; ") + problem;
        return Refusal{400, sync::ErrorCode::bad_request, message};
    }
    if (auto received = json.find("received_at"); received != json.end()) {
        read.intake.received_at_ms = parse_iso8601_instant(received->get_ref<const std::string&>());
        if (!read.intake.received_at_ms)
            return Refusal{422, sync::ErrorCode::invalid_field,
                           "received_at: must be a date and time with Z or an offset from UTC, such as "
                           "2026-11-24T10:15:00+01:00"};
        // The future is register_complaint()'s to refuse (it allows for clocks a little ahead).
        if (*read.intake.received_at_ms < earliest_occurred_at_ms)
            return Refusal{422, sync::ErrorCode::invalid_field,
                           "received_at: must be " + format_utc_iso8601(earliest_occurred_at_ms) + " or later"};
    }
    read.request_sha256 = crypto::sha256_hex(json.dump());
    return read;
}

// register_complaint() names complaint.opened's fields ("payload.category:
// ...", "occurred_at: ..."); the API's client wrote "category" and
// "received_at". Each violation of the "; "-joined list is renamed.
std::string as_body_fields(const std::string& message)
{
    constexpr std::array<std::pair<std::string_view, std::string_view>, 2> renamed{
        {{"payload.", ""}, {"occurred_at:", "received_at:"}}};
    std::string out;
    size_t at = 0;
    while (at <= message.size()) {
        size_t end = message.find("; ", at);
        std::string_view part = std::string_view(message).substr(at, end == std::string::npos ? end : end - at);
        for (const auto& [from, to] : renamed)
            if (part.starts_with(from)) {
                out += to;
                part.remove_prefix(from.size());
                break;
            }
        out += part;
        if (end == std::string::npos)
            break;
        out += "; ";
        at = end + 2;
    }
    return out;
}

// [SECTION] Answers

std::string location_of(std::string_view reference)
{
    return std::string(path_prefix) + "complaints/" + std::string(reference);
}

// The reference in a kept answer ({"id", "reference", "deadline"}).
std::string reference_in(const std::string& answer)
{
    auto json = nlohmann::json::parse(answer, nullptr, false);
    return json.is_object() && json.contains("reference") && json["reference"].is_string()
               ? json["reference"].get<std::string>()
               : std::string();
}

nlohmann::ordered_json optional_time(const std::optional<int64_t>& ms)
{
    return ms ? nlohmann::ordered_json(format_utc_iso8601(*ms)) : nlohmann::ordered_json();
}

nlohmann::ordered_json text_or_null(const std::string& text)
{
    return text.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(text);
}

// A step's actor kind: head office ("hq:<user>", "hq:api.<token>") or a terminal (staff, the kiosk).
std::string_view recorded_by(const Event& event)
{
    return event.actor.starts_with("hq:") ? "head_office" : "terminal";
}

} // namespace

// [SECTION] Serving

struct IntakeApi::Caller {
    StorePool::Lease store;
    ApiToken token;
};

IntakeApi::IntakeApi(StorePool& pool, WriterTurns& writer_turns, const HqSettings& settings)
    : m_pool(pool), m_writer_turns(writer_turns), m_settings(settings),
      m_limiter("api", settings.limits.rate_per_second, settings.limits.rate_burst)
{
}

IntakeApi::~IntakeApi() = default;

void IntakeApi::install(httplib::Server& http)
{
    http.Post("/api/v1/complaints",
              [this](const httplib::Request& req, httplib::Response& res) { post_complaint(req, res); });
    http.Get(R"(/api/v1/complaints/([^/]+))",
             [this](const httplib::Request& req, httplib::Response& res) { get_complaint(req, res); });
}

std::optional<IntakeApi::Caller> IntakeApi::authorise(const httplib::Request& req, httplib::Response& res)
{
    auto token = bearer_token(req);
    if (!token) {
        send_error(res, 401, sync::ErrorCode::unauthorized,
                   "Authorization: a Bearer token is required (feedback-hq token add makes one)");
        return std::nullopt;
    }
    auto store = m_pool.borrow();
    if (!store) {
        send_storage_failure(res, store.error());
        return std::nullopt;
    }
    ApiTokenStore tokens((*store)->connection());
    auto found = tokens.authenticate(*token);
    if (!found) {
        if (found.error().kind == ErrorKind::not_found)
            send_error(res, 401, sync::ErrorCode::unauthorized, "Authorization: " + found.error().message);
        else if (found.error().kind == ErrorKind::conflict)
            send_error(res, 401, sync::ErrorCode::token_revoked, "Authorization: " + found.error().message);
        else
            send_storage_failure(res, found.error());
        return std::nullopt;
    }
    if (refused_by(m_limiter, found->name, (*store)->connection(), "too many requests with this token", res))
        return std::nullopt;
    int64_t now = now_utc_ms();
    if (ApiTokenStore::use_is_stale(*found, now)) {
        auto turn = m_writer_turns.take();
        (void)tokens.note_use(found->name, now); // a report, not worth failing the request for
    }
    return Caller{std::move(*store), std::move(*found)};
}

void IntakeApi::post_complaint(const httplib::Request& req, httplib::Response& res)
{
    auto caller = authorise(req, res);
    if (!caller)
        return;
    auto read = read_intake(req.body);
    if (const Refusal* refusal = std::get_if<Refusal>(&read)) {
        refuse(res, *refusal);
        return;
    }
    IntakeRequest& request = std::get<IntakeRequest>(read);
    request.intake.actor = actor_of(caller->token.name);
    const bool keyed = req.has_header(sync::header_idempotency_key);
    const std::string key = req.get_header_value(sync::header_idempotency_key);
    if (keyed && !is_valid_idempotency_key(key)) {
        refuse(res, {400, sync::ErrorCode::bad_request,
                     "Idempotency-Key: must be 1-" + std::to_string(max_idempotency_key_length) +
                         " visible ASCII characters (a UUID, say)"});
        return;
    }

    HqStore& store = *caller->store;
    ApiTokenStore tokens(store.connection());
    const std::string& token_name = caller->token.name;
    auto turn = m_writer_turns.take();
    if (keyed) {
        auto kept = tokens.kept_answer(token_name, key);
        if (!kept) {
            send_storage_failure(res, kept.error());
            return;
        }
        if (*kept && (*kept)->request_sha256 == request.request_sha256) {
            // A retry: the same answer, nothing recorded again.
            res.status = (*kept)->status;
            res.set_header(sync::header_replayed, "true");
            res.set_header("Location", location_of(reference_in((*kept)->body)));
            res.set_content((*kept)->body, "application/json");
            return;
        }
        if (*kept) {
            refuse(res, {422, sync::ErrorCode::idempotency_conflict,
                         "Idempotency-Key: this key was used with another body (complaint " +
                             reference_in((*kept)->body) + "); a new complaint needs a new key"});
            return;
        }
    }
    nlohmann::ordered_json answer;
    std::string reference;
    const std::string status_page = status_page_url(m_settings.public_url);
    auto registered = store.register_complaint(request.intake, now_utc_ms(), [&](const Event& event) -> Result<void> {
        reference = event.payload["reference"].get<std::string>();
        auto due = m_viewer.deadline(store, request.intake.store_code, event.occurred_at_ms,
                                     event.payload.value("severity", std::string()));
        FEEDBACK_TRY(due);
        // What a retry gets again: the link without the key, which head
        // office does not keep (only its hash, in the event).
        answer = {{"id", event.subject},
                  {"reference", reference},
                  {"deadline", optional_time(*due)},
                  {"status_link", crypto::status_link(status_page, reference, "")}};
        if (!keyed)
            return {};
        return tokens.keep_answer(token_name, key, {request.request_sha256, 201, answer.dump(), event.subject},
                                  event.occurred_at_ms);
    });
    if (!registered) {
        const Error& error = registered.error();
        if (error.kind == ErrorKind::invalid_input)
            refuse(res, {422, sync::ErrorCode::invalid_field, as_body_fields(error.message)});
        else if (error.kind == ErrorKind::not_found)
            refuse(res, {422, sync::ErrorCode::unknown_store, error.message});
        else
            send_storage_failure(res, error);
        return;
    }
    answer["status_link"] = crypto::status_link(status_page, reference, registered->status_key);
    res.status = 201;
    res.set_header("Location", location_of(reference));
    res.set_content(answer.dump(), "application/json");
}

void IntakeApi::get_complaint(const httplib::Request& req, httplib::Response& res)
{
    auto caller = authorise(req, res);
    if (!caller)
        return;
    const std::string typed = req.matches[1].str();
    auto reference = parse_refcode(typed);
    if (!reference) {
        refuse(res, {400, sync::ErrorCode::bad_reference, "reference " + quoted_name(typed) + ": " + reference.error().message});
        return;
    }
    HqStore& store = *caller->store;
    auto found = m_viewer.find(store, *reference);
    if (!found) {
        send_storage_failure(res, found.error());
        return;
    }
    if (!*found) {
        refuse(res, {404, sync::ErrorCode::not_found, "reference: no complaint " + *reference + " at head office"});
        return;
    }
    const ComplaintView& view = **found;
    const ComplaintState& state = view.state;
    // The steps the fold applied, in its order; never a payload (contact details live there).
    nlohmann::ordered_json steps = nlohmann::ordered_json::array();
    for (const Event& event : view.events) {
        bool skipped = std::any_of(state.skipped.begin(), state.skipped.end(),
                                   [&](const SkippedEvent& s) { return s.event_id == event.id; });
        if (!skipped)
            steps.push_back({{"type", to_string(event.type)},
                             {"at", format_utc_iso8601(event.occurred_at_ms)},
                             {"by", recorded_by(event)}});
    }
    send_json_in_order(res, nlohmann::ordered_json{
                       {"id", state.complaint_id},
                       {"reference", state.reference},
                       {"store", view.store_code},
                       {"status", state.status ? nlohmann::ordered_json(to_string(*state.status))
                                               : nlohmann::ordered_json()},
                       {"channel", state.channel},
                       {"category", state.category},
                       {"severity", state.severity},
                       {"owner", text_or_null(state.owner)},
                       {"received_at", optional_time(state.opened_at)},
                       {"deadline", optional_time(view.deadline_at_ms)},
                       {"acknowledged_at", optional_time(state.acknowledged_at)},
                       {"answered_at", optional_time(state.answered_at)},
                       {"closed_at", optional_time(state.closed_at)},
                       {"outcome", text_or_null(state.close_outcome)},
                       {"decision", text_or_null(state.decision)},
                       {"steps", std::move(steps)},
                   });
}

} // namespace feedback::hq::api
