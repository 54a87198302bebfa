// The terminal's side of PROTOCOL.md: enrolment, one upload step, the
// configuration and feed pulls.
#include "sync_session.h"

#include "client/exit_notes.h"
#include "common/device_condition.h"
#include "common/setup_file.h"
#include "crypto/certificate_fingerprint.h"
#include "crypto/contact_seal.h"
#include "domain/clock.h"
#include "files/private_files.h"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <chrono>
#include <fstream>
#include <sstream>
#include <sys/statvfs.h>
#include <unordered_set>

namespace feedback::sync {

namespace {

// When this process started, near enough (static initialisation): its uptime.
const auto process_started = std::chrono::steady_clock::now();

std::string os_name()
{
    std::ifstream release("/etc/os-release");
    std::string line;
    while (std::getline(release, line))
        if (line.rfind("PRETTY_NAME=", 0) == 0) {
            std::string value = line.substr(12);
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
                value = value.substr(1, value.size() - 2);
            return value;
        }
    return {};
}


// What this process can measure of itself and of its data folder now.
DeviceCondition measure_condition(const std::filesystem::path& data_dir, const Outbox& outbox,
                                  int64_t uptime_seconds, const std::string& screen)
{
    DeviceCondition c;
    c.uptime_seconds = uptime_seconds;
    struct statvfs disk {};
    if (::statvfs(data_dir.c_str(), &disk) == 0) {
        c.disk_free_bytes = static_cast<int64_t>(disk.f_bavail) * static_cast<int64_t>(disk.f_frsize);
        c.disk_total_bytes = static_cast<int64_t>(disk.f_blocks) * static_cast<int64_t>(disk.f_frsize);
    }
    c.store_bytes = outbox.bytes_on_disk();
    c.bytes_written = disk_bytes_written();
    c.os = fitted_text(os_name());
    if (auto exits = read_exit_notes(data_dir)) {
        c.restarts = exits->restarts;
        c.restarts_last_hour = exits->restarts_in_last_hour(now_utc_ms());
        c.last_exit = fitted_text(exits->last_exit);
    }
    c.screen = screen;
    return c;
}



// "HTTP 422 batch_conflict: batch ... was received before with a different body"
std::string describe_answer(const HttpResponse& response)
{
    std::string text = "HTTP " + std::to_string(response.status);
    auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (body.is_object()) {
        if (body.contains("error") && body["error"].is_string())
            text += " " + body["error"].get<std::string>();
        if (body.contains("message") && body["message"].is_string())
            text += ": " + body["message"].get<std::string>();
    }
    return text;
}

// The code of head office's error answer; nothing without one, or for a code
// this version does not know.
std::optional<ErrorCode> error_code_of(const HttpResponse& response)
{
    auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (body.is_object() && body.contains("error") && body["error"].is_string())
        return error_code_from_wire(body["error"].get<std::string>());
    return std::nullopt;
}

// What staff do about a refused enrolment (PROTOCOL.md 2), by head office's error code.
std::string what_to_do_when_refused(std::optional<ErrorCode> code, const std::string& device_id)
{
    std::string unused = "; the code you typed was not used";
    if (code == ErrorCode::device_already_enrolled)
        return "head office knows this terminal, and it has no current token for that address (credentials "
               "lost, or enrolled at another address): ask head office for a replacement code (feedback-hq enroll "
               "--replace " + device_id + ")" + unused;
    if (code == ErrorCode::device_revoked)
        return "head office revoked this terminal: only head office can let it back in, with a replacement code "
               "(feedback-hq enroll --replace " + device_id + ")" + unused;
    if (code == ErrorCode::device_enrolled_elsewhere)
        return "a terminal stays in the store it was first enrolled in: ask head office for a code of that store" +
               unused;
    if (code == ErrorCode::replace_code_other_device)
        return "that code replaces another terminal: ask head office for a code for this one (device " + device_id +
               ")" + unused;
    return "ask head office for a new code";
}

std::string not_head_office(const HttpResponse& response)
{
    std::string type = response.header("content-type");
    return "an answer that did not come from head office (HTTP " + std::to_string(response.status) +
           (type.empty() ? std::string() : ", " + type) +
           ", no Feedback-Protocol header): a captive portal or a proxy? Nothing was acknowledged";
}

// HttpResponse keeps header names in lower case.
std::string lower_case(std::string_view name)
{
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower;
}

std::string without_trailing_slash(std::string url)
{
    while (!url.empty() && url.back() == '/')
        url.pop_back();
    return url;
}

bool is_digits(std::string_view text)
{
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A whole decimal integer that fits in 64 bits; nothing for anything else
// (a header of 30 digits from a broken proxy must not stop the uploader).
std::optional<int64_t> whole_integer(std::string_view text)
{
    int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

// Head office's clock in its Feedback-Server-Time header (UTC ms).
std::optional<int64_t> server_time_ms(const HttpResponse& response)
{
    std::string text = response.header("feedback-server-time");
    if (!is_digits(text))
        return std::nullopt;
    return whole_integer(text);
}

// Keeps the contact key (crypto/contact_seal.h) an enrolment or configuration
// answer carries as "contact_key", when it is new; an answer without one
// (an older head office) changes nothing.
Result<void> keep_contact_key(Outbox& store, const nlohmann::json& body)
{
    if (!body.is_object() || !body.contains("contact_key"))
        return {};
    auto key = crypto::contact_public_key_from_json(body["contact_key"]);
    if (!key)
        return Error{ErrorKind::io, "head office's answer carries a contact key that cannot be used: " +
                                        key.error().message};
    auto kept = store.contact_key();
    FEEDBACK_TRY(kept);
    if (*kept && (*kept)->id == key->id)
        return {};
    return store.set_contact_key(*key);
}

struct AnswerCounts {
    int64_t accepted = 0;
    int64_t duplicate = 0;
    int64_t rejected = 0;
    int64_t total() const { return accepted + duplicate + rejected; }
};

// The counts of a batch answer (PROTOCOL.md 3); false when one is missing or negative.
bool read_answer_counts(const nlohmann::json& body, AnswerCounts& counts)
{
    for (auto [key, count] : {std::pair{"accepted", &counts.accepted}, std::pair{"duplicate", &counts.duplicate},
                              std::pair{"rejected", &counts.rejected}}) {
        auto it = body.find(key);
        if (it == body.end() || !it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 1000000000)
            return false;
        *count = it->get<int64_t>();
    }
    return true;
}

// What the answer says of each event of the batch (PROTOCOL.md 3): the
// results it names, and "accepted" for the events it does not name when the
// counts say exactly that many were accepted. Otherwise (a result whose id
// was unreadable, say) the unnamed events are not acknowledged and go back
// to PENDING.
std::vector<EventAck> acks_of(const BatchAnswer& answer, const AnswerCounts& counts,
                                     const std::vector<std::string>& event_ids)
{
    std::vector<EventAck> acks;
    acks.reserve(event_ids.size());
    std::unordered_set<std::string_view> named;
    int64_t named_accepted = 0;
    for (const auto& result : answer.results) {
        if (!result.id)
            continue;
        named.insert(*result.id);
        AckOutcome outcome = result.outcome == EventOutcome::accepted    ? AckOutcome::accepted
                                    : result.outcome == EventOutcome::duplicate ? AckOutcome::duplicate
                                                                                : AckOutcome::rejected;
        named_accepted += result.outcome == EventOutcome::accepted ? 1 : 0;
        acks.push_back({*result.id, outcome, result.reason});
    }
    std::vector<const std::string*> unnamed;
    for (const auto& id : event_ids)
        if (!named.contains(id))
            unnamed.push_back(&id);
    if (static_cast<int64_t>(unnamed.size()) == counts.accepted - named_accepted)
        for (const std::string* id : unnamed)
            acks.push_back({*id, AckOutcome::accepted, {}});
    return acks;
}

} // namespace

bool is_protocol_answer(const HttpResponse& response)
{
    return response.header("feedback-protocol") == std::to_string(protocol_version);
}

// [SECTION] Enrolment

Result<Enrolment> enrol(const std::filesystem::path& data_dir, Outbox& store, std::string server_url,
                        std::string_view code, const std::string& ca_file, const SessionOptions& options)
{
    std::string ca_pem;
    if (!ca_file.empty()) {
        std::ifstream in(ca_file);
        if (!in)
            return Error{ErrorKind::not_found, "cannot read the CA file " + ca_file};
        std::stringstream text;
        text << in.rdbuf();
        if (text.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos)
            return Error{ErrorKind::invalid_input, ca_file + " is not a PEM certificate"};
        ca_pem = text.str();
    }
    return enrol_with_ca(data_dir, store, std::move(server_url), code, ca_pem, options);
}

Result<Enrolment> enrol_with_ca(const std::filesystem::path& data_dir, Outbox& store,
                                std::string server_url, std::string_view code, const std::string& ca_pem,
                                const SessionOptions& options, EnrolProblem* problem)
{
    auto refuse = [problem](EnrolProblem why, Error error) -> Result<Enrolment> {
        if (problem)
            *problem = why;
        return error;
    };
    if (problem)
        *problem = EnrolProblem::none;
    server_url = without_trailing_slash(std::move(server_url));
    if (server_url.rfind("https://", 0) != 0)
        return refuse(EnrolProblem::unreachable,
                      Error{ErrorKind::invalid_input, "--server must be an https:// address (got \"" + server_url + "\")"});
    HttpOptions http_options = options.http;
    http_options.ca_pem = ca_pem;
    HttpClient http(http_options);
    const std::string& device_id = store.device().device_id;
    HttpRequest request{"POST", server_url + "/v1/enrol",
                        {{"Content-Type", "application/json"}, {header_protocol, std::to_string(protocol_version)}},
                        nlohmann::json{{"code", code}, {"device_id", device_id}, {"app_version", options.app_version}}
                            .dump()};
    // Enrolled already: the current token proves to head office that this is
    // the terminal itself (PROTOCOL.md 2). Only to the head office that gave
    // it; damaged credentials are what enrolling again repairs.
    if (auto current = load_credentials(data_dir); current && *current && (*current)->device_id == device_id &&
                                                    (*current)->server_url == server_url)
        request.headers.emplace_back("Authorization", "Bearer " + (*current)->token);
    auto response = http.perform(request);
    if (!response)
        return refuse(http.last_failure() == TransportFailure::untrusted ? EnrolProblem::untrusted
                                                                          : EnrolProblem::unreachable,
                      response.error());
    if (!is_protocol_answer(*response))
        return refuse(EnrolProblem::not_head_office,
                      Error{ErrorKind::io, not_head_office(*response) + ": check the server address"});
    if (response->status == 403 || response->status == 400) {
        const auto refusal = error_code_of(*response);
        const EnrolProblem why = refusal == ErrorCode::device_enrolled_elsewhere ? EnrolProblem::held_elsewhere
                                 : refusal == ErrorCode::device_already_enrolled || refusal == ErrorCode::device_revoked ||
                                         refusal == ErrorCode::replace_code_other_device
                                     ? EnrolProblem::needs_replacement
                                     : EnrolProblem::wrong_code;
        return refuse(why, Error{ErrorKind::invalid_input,
                                 "head office refused the enrolment (" + describe_answer(*response) +
                                     "): " + what_to_do_when_refused(refusal, device_id)});
    }
    if (response->status == 429) {
        std::string after = response->header("retry-after");
        return refuse(EnrolProblem::too_many_attempts,
                      Error{ErrorKind::busy, "head office takes no more enrolment attempts from this address for now (" +
                                                 describe_answer(*response) + "): try again" +
                                                 (is_digits(after) && !after.empty() ? " in " + after + " s" : " later") +
                                                 "; the code stays valid"});
    }
    if (response->status != 200)
        return refuse(EnrolProblem::failed, Error{ErrorKind::io, "head office could not enrol this terminal (" +
                                                                     describe_answer(*response) + ")"});
    auto body = nlohmann::json::parse(response->body, nullptr, false);
    auto text = [&](const char* key) -> std::string {
        return body.is_object() && body.contains(key) && body[key].is_string() ? body[key].get<std::string>() : "";
    };
    Enrolment enrolment{text("store_code"), text("terminal_code"), text("name")};
    if (text("device_id") != store.device().device_id || text("token").empty())
        return refuse(EnrolProblem::failed,
                      Error{ErrorKind::io, "head office's enrolment answer is incomplete; nothing was changed"});
    // The CA is kept only now: a refused enrolment leaves the one in use alone.
    std::string ca_path;
    if (!ca_pem.empty()) {
        auto copy = std::filesystem::absolute(data_dir / ca_copy_file_name);
        if (auto kept = files::write_private_file(copy, ca_pem, files::Durability::synced); !kept)
            return refuse(EnrolProblem::failed, kept.error());
        ca_path = copy.string();
    }
    Credentials credentials{text("device_id"), text("token"), server_url, ca_path};
    Limits limits;
    if (body.contains("limits")) {
        auto parsed = limits_from_json(body["limits"]);
        if (parsed)
            limits = *parsed;
    }
    Result<void> saved = [&]() -> Result<void> {
        if (auto server_time = server_time_ms(*response))
            FEEDBACK_TRY(store.set_sync_state(
                "clock_offset_ms",
                std::to_string(*server_time - (response->sent_at_ms + response->received_at_ms) / 2)));
        FEEDBACK_TRY(store.set_identity(enrolment.store_code, enrolment.terminal_code));
        FEEDBACK_TRY(keep_contact_key(store, body));
        FEEDBACK_TRY(save_credentials(data_dir, credentials));
        FEEDBACK_TRY(store.set_sync_state("limits", to_json(limits).dump()));
        // A new enrolment may mean another store: read its feed and configuration from the start.
        FEEDBACK_TRY(store.set_sync_state("feed_cursor", ""));
        FEEDBACK_TRY(store.set_sync_state("config_etag", ""));
        return {};
    }();
    if (!saved)
        return refuse(EnrolProblem::failed, saved.error());
    return enrolment;
}

Result<ServerTrust> check_server_trust(std::string server_url, const HttpOptions& options, EnrolProblem* problem)
{
    auto refuse = [problem](EnrolProblem why, Error error) -> Result<ServerTrust> {
        if (problem)
            *problem = why;
        return error;
    };
    if (problem)
        *problem = EnrolProblem::none;
    server_url = without_trailing_slash(std::move(server_url));
    const HttpRequest hello{"GET", server_url + "/v1/hello", {{header_protocol, std::to_string(protocol_version)}}, ""};
    HttpOptions system_store = options;
    system_store.ca_file.clear();
    system_store.ca_pem.clear();
    HttpClient trusted(system_store);
    if (auto answer = trusted.perform(hello)) {
        if (!is_protocol_answer(*answer))
            return refuse(EnrolProblem::not_head_office,
                          Error{ErrorKind::io, not_head_office(*answer) + ": check the server address"});
        return ServerTrust{true, {}, {}};
    } else if (trusted.last_failure() != TransportFailure::untrusted) {
        return refuse(EnrolProblem::unreachable, answer.error());
    }
    // Not a public CA: head office's own, fetched without verification (it
    // is public, nothing is sent) and trusted only after a person compared
    // its fingerprint; the server's certificate must be signed by it.
    HttpOptions unverified = system_store;
    unverified.verify_peer = false;
    unverified.max_response_bytes = setup_file_max_bytes;
    HttpClient fetch(unverified);
    auto ca = fetch.perform({"GET", server_url + "/v1/ca.pem", {{header_protocol, std::to_string(protocol_version)}}, ""});
    if (!ca)
        return refuse(EnrolProblem::unreachable, ca.error());
    if (!is_protocol_answer(*ca) || ca->status != 200)
        return refuse(EnrolProblem::untrusted,
                      Error{ErrorKind::io, "head office's certificate is not trusted by this system and the server "
                                           "offers no CA of its own (" + describe_answer(*ca) +
                                           "): use a setup file with its CA, or feedback-terminal enroll --ca"});
    auto fingerprint = crypto::certificate_fingerprint(ca->body);
    if (!fingerprint)
        return refuse(EnrolProblem::untrusted, Error{ErrorKind::io, "head office's CA is not readable: " +
                                                                       fingerprint.error().message});
    HttpOptions pinned = system_store;
    pinned.ca_pem = ca->body;
    HttpClient check(pinned);
    if (auto answer = check.perform(hello); !answer)
        return refuse(check.last_failure() == TransportFailure::untrusted ? EnrolProblem::untrusted
                                                                           : EnrolProblem::unreachable,
                      answer.error());
    return ServerTrust{false, ca->body, *fingerprint};
}

// [SECTION] Session

SyncSession::SyncSession(const std::filesystem::path& data_dir, Outbox& store, Credentials credentials,
                         SessionOptions options)
    : m_data_dir(data_dir), m_store(store), m_credentials(std::move(credentials)), m_options(std::move(options)),
      m_http([&] {
          HttpOptions http = m_options.http;
          http.ca_file = m_credentials.ca_file;
          return http;
      }()),
      m_batch_size(std::max<size_t>(1, m_options.batch_size))
{
    auto kept = m_store.sync_state("limits");
    if (kept && *kept) {
        auto parsed = limits_from_json(nlohmann::json::parse(**kept, nullptr, false));
        if (parsed)
            m_limits = *parsed;
    }
    m_batch_size = std::min(m_batch_size, static_cast<size_t>(m_limits.max_events_per_batch));
    if (auto offset = m_store.sync_state("clock_offset_ms"); offset && *offset)
        m_clock_offset_ms = whole_integer(**offset);
}

void SyncSession::add_device_headers(HttpRequest& request)
{
    if (m_clock_offset_ms)
        request.headers.push_back({header_clock_offset, std::to_string(*m_clock_offset_ms)});
    auto now = std::chrono::steady_clock::now();
    if (!m_backlog || now - m_backlog_counted_at > std::chrono::seconds(30)) {
        if (auto counted = m_store.outbox_size()) {
            m_backlog = *counted;
            m_backlog_counted_at = now;
        }
    }
    if (m_backlog)
        request.headers.push_back({header_backlog, std::to_string(*m_backlog)});
    if (!m_options.app_version.empty())
        request.headers.push_back({header_app_version, m_options.app_version});
    auto uptime = std::chrono::duration_cast<std::chrono::seconds>(now - process_started).count();
    request.headers.push_back(
        {header_health, condition_to_header(measure_condition(m_data_dir, m_store, uptime, m_options.screen))});
}

HttpRequest SyncSession::authorised(std::string method, std::string path) const
{
    return HttpRequest{std::move(method),
                       m_credentials.server_url + path,
                       {{"Authorization", "Bearer " + m_credentials.token},
                        {header_protocol, std::to_string(protocol_version)}},
                       {}};
}

void SyncSession::note_server_time(const HttpResponse& response)
{
    m_screenshot_wanted = response.header(lower_case(header_screenshot)) == screenshot_wanted_value;
    if (auto server = server_time_ms(response))
        m_clock_offset_ms = *server - (response.sent_at_ms + response.received_at_ms) / 2;
}

UploadStep SyncSession::refuse_batch(const FrozenBatch& batch, const std::string& reason, UploadStep::Kind kind)
{
    std::vector<EventAck> acks;
    for (const auto& id : batch.event_ids)
        acks.push_back({id, AckOutcome::rejected, reason});
    UploadStep step;
    step.kind = kind;
    step.events = static_cast<int>(batch.event_ids.size());
    step.message = reason;
    auto summary = m_store.acknowledge_batch(batch.batch_id, acks, now_utc_ms());
    if (!summary) {
        step.kind = UploadStep::Kind::retry;
        step.message = "the local store: " + summary.error().message;
        return step;
    }
    step.quarantined = summary->quarantined;
    return step;
}

UploadStep SyncSession::release_batch(const FrozenBatch& batch, const std::string& why)
{
    UploadStep step;
    step.kind = UploadStep::Kind::resized;
    step.events = static_cast<int>(batch.event_ids.size());
    step.message = why;
    // Answering the batch with nothing returns every event of it to PENDING.
    auto released = m_store.acknowledge_batch(batch.batch_id, {}, now_utc_ms());
    if (!released) {
        step.kind = UploadStep::Kind::retry;
        step.message = "the local store: " + released.error().message;
        return step;
    }
    m_batch_size = std::max<size_t>(1, batch.event_ids.size() / 2);
    return step;
}

UploadStep SyncSession::upload_next()
{
    UploadStep step;
    auto frozen = m_store.freeze_batch(m_batch_size, now_utc_ms());
    if (!frozen) {
        step.kind = UploadStep::Kind::retry;
        step.message = "the local store: " + frozen.error().message;
        return step;
    }
    if (!*frozen)
        return step; // nothing_to_send
    const FrozenBatch& batch = **frozen;
    step.events = static_cast<int>(batch.event_ids.size());
    bool single = batch.event_ids.size() == 1;

    // Head office's limits, checked before sending (PROTOCOL.md 6).
    auto compressed = gzip_compress(batch.body);
    if (!compressed) {
        step.kind = UploadStep::Kind::retry;
        step.message = compressed.error().message;
        return step;
    }
    bool too_large = static_cast<int64_t>(batch.body.size()) > m_limits.max_body_bytes ||
                     static_cast<int64_t>(compressed->size()) > m_limits.max_compressed_bytes;
    if (too_large) {
        std::string why = "the batch is larger than head office accepts";
        return single ? refuse_batch(batch, "the event is larger than head office accepts",
                                     UploadStep::Kind::quarantined)
                      : release_batch(batch, why);
    }

    HttpRequest request = authorised("POST", "/v1/batches");
    request.headers.push_back({header_idempotency_key, batch.batch_id});
    request.headers.push_back({"Content-Type", "application/json"});
    request.headers.push_back({"Content-Encoding", "gzip"});
    request.headers.push_back({header_body_sha256, batch.body_sha256});
    add_device_headers(request);
    request.body = std::move(*compressed);

    auto response = m_http.perform(request);
    if (!response) {
        step.kind = m_http.last_failure() == TransportFailure::untrusted ? UploadStep::Kind::untrusted
                                                                           : UploadStep::Kind::retry;
        step.message = response.error().message;
        return step;
    }
    step.bytes_sent = response->bytes_sent;
    step.bytes_received = response->bytes_received;
    step.body_bytes = static_cast<int64_t>(batch.body.size());
    if (!is_protocol_answer(*response)) {
        step.kind = UploadStep::Kind::retry;
        step.message = not_head_office(*response);
        return step;
    }
    note_server_time(*response);
    long status = response->status;

    if (status == 200) {
        step.kind = UploadStep::Kind::retry;
        if (response->header("feedback-batch-id") != batch.batch_id) {
            step.message = "head office's answer names another batch; nothing was acknowledged";
            return step;
        }
        auto body = nlohmann::json::parse(response->body, nullptr, false);
        auto answer = batch_answer_from_json(body);
        AnswerCounts counts;
        std::string unreadable = !answer                                  ? answer.error().message
                                 : answer->batch_id != batch.batch_id     ? std::string("another batch id")
                                 : !read_answer_counts(body, counts)      ? std::string("no counts")
                                 : counts.total() != static_cast<int64_t>(batch.event_ids.size())
                                     ? "counts for " + std::to_string(counts.total()) + " events, " +
                                           std::to_string(batch.event_ids.size()) + " were sent"
                                     : std::string();
        if (!unreadable.empty()) {
            step.message = "head office's answer could not be read (" + unreadable + "); nothing was acknowledged";
            return step;
        }
        std::vector<EventAck> acks = acks_of(*answer, counts, batch.event_ids);
        auto summary = m_store.acknowledge_batch(batch.batch_id, acks, now_utc_ms());
        if (!summary) {
            // The batch stays frozen; the retry is answered from head office's stored answer.
            step.message = "the local store: " + summary.error().message;
            return step;
        }
        step.kind = UploadStep::Kind::acknowledged;
        if (m_backlog)
            m_backlog = std::max<int64_t>(0, *m_backlog - summary->acknowledged - summary->quarantined);
        step.acknowledged = summary->acknowledged;
        step.quarantined = summary->quarantined;
        step.duplicates = static_cast<int>(counts.duplicate);
        m_batch_size = std::min(std::max<size_t>(1, m_options.batch_size),
                                std::min(m_batch_size * 2, static_cast<size_t>(m_limits.max_events_per_batch)));
        return step;
    }
    const auto code = error_code_of(*response);
    // A body damaged on the way is sent again; a batch head office cannot take is quarantined.
    bool damaged = code == ErrorCode::bad_body_hash || code == ErrorCode::unreadable_body;
    if ((status == 400 && !damaged) || status == 422)
        return refuse_batch(batch, "head office refused the batch (" + describe_answer(*response) + ")",
                            UploadStep::Kind::quarantined);
    if (status == 401 || status == 403) {
        step.kind = UploadStep::Kind::unauthorized;
        step.message = "head office no longer accepts this terminal (" + describe_answer(*response) +
                       "): enrol it again; every event is kept";
        return step;
    }
    if (status == 413)
        return single ? refuse_batch(batch, "head office refused the event as too large (" +
                                                describe_answer(*response) + ")",
                                     UploadStep::Kind::quarantined)
                      : release_batch(batch, describe_answer(*response));
    step.kind = UploadStep::Kind::retry;
    step.message = "head office answered " + describe_answer(*response);
    if (auto after = response->header("retry-after"); !after.empty())
        step.retry_after = parse_retry_after(after, now_utc_ms());
    return step;
}

// [SECTION] Pulls and the screenshot

Result<HttpResponse> SyncSession::ask(const HttpRequest& request)
{
    auto response = m_http.perform(request);
    FEEDBACK_TRY(response);
    if (!is_protocol_answer(*response))
        return Error{ErrorKind::io, not_head_office(*response)};
    note_server_time(*response);
    return response;
}

Result<void> SyncSession::send_screenshot(const std::string& png, int64_t taken_at_ms)
{
    HttpRequest request = authorised("POST", "/v1/screenshot");
    request.headers.push_back({"Content-Type", "image/png"});
    request.headers.push_back({header_screenshot_taken, std::to_string(taken_at_ms)});
    request.body = png;
    auto response = ask(request);
    FEEDBACK_TRY(response);
    if (response->status == 400)
        return Error{ErrorKind::invalid_input, "head office refused the screenshot: " + describe_answer(*response)};
    if (response->status != 200)
        return Error{ErrorKind::io, "sending the screenshot: " + describe_answer(*response)};
    return {};
}

Result<void> SyncSession::leave_store()
{
    auto response = ask(authorised("POST", "/v1/leave"));
    FEEDBACK_TRY(response);
    if (response->status == 401)
        return Error{ErrorKind::conflict, "head office no longer takes this terminal's token: " + describe_answer(*response)};
    if (response->status != 200)
        return Error{ErrorKind::internal, "head office answered " + describe_answer(*response)};
    return {};
}

Result<ConfigPull> SyncSession::pull_config()
{
    HttpRequest request = authorised("GET", "/v1/config");
    auto etag = m_store.sync_state("config_etag");
    FEEDBACK_TRY(etag);
    if (*etag && !(*etag)->empty())
        request.headers.push_back({"If-None-Match", **etag});
    auto response = ask(request);
    FEEDBACK_TRY(response);
    if (response->status == 304)
        return ConfigPull{ConfigPull::Kind::unchanged, 0};
    if (response->status != 200 && response->status != 404)
        return Error{ErrorKind::io, "pulling the configuration: " + describe_answer(*response)};
    auto body = nlohmann::json::parse(response->body, nullptr, false);
    FEEDBACK_TRY(keep_contact_key(m_store, body));
    if (response->status == 404)
        return ConfigPull{ConfigPull::Kind::none_published, 0};
    if (!body.is_object() || !body.contains("document") || !body["document"].is_object() ||
        !body.contains("version") || !body["version"].is_number_integer())
        return Error{ErrorKind::io, "head office's configuration answer could not be read"};
    // The file first, then the ETag: a crash in between only fetches it again.
    FEEDBACK_TRY(files::write_private_file(m_data_dir / config_file_name, body["document"].dump(2) + "\n",
                                          files::Durability::synced));
    FEEDBACK_TRY(m_store.set_sync_state("config_etag", response->header("etag")));
    return ConfigPull{ConfigPull::Kind::updated, body["version"].get<int64_t>()};
}

Result<FeedPull> SyncSession::pull_feed()
{
    FeedPull pulled;
    constexpr int max_pages_per_pull = 10000; // a guard against a server that always says "more"
    for (; pulled.pages < max_pages_per_pull;) {
        auto kept = m_store.sync_state("feed_cursor");
        FEEDBACK_TRY(kept);
        std::string cursor = *kept ? **kept : "";
        if (!is_digits(cursor))
            cursor.clear();
        HttpRequest request =
            authorised("GET", "/v1/feed?after=" + cursor + "&limit=" + std::to_string(m_limits.max_feed_events));
        // The device's health rides along, so head office's report is current after an idle round.
        add_device_headers(request);
        auto response = ask(request);
        FEEDBACK_TRY(response);
        if (response->status != 200)
            return Error{ErrorKind::io, "pulling the store feed: " + describe_answer(*response)};
        auto body = nlohmann::json::parse(response->body, nullptr, false);
        if (!body.is_object() || !body.contains("events") || !body["events"].is_array() ||
            !body.contains("cursor") || !body["cursor"].is_string())
            return Error{ErrorKind::io, "head office's feed answer could not be read"};
        std::vector<Event> events;
        for (const auto& item : body["events"]) {
            auto event = event_from_json(item);
            if (event)
                events.push_back(std::move(*event));
        }
        auto applied = m_store.apply_remote_events(events, body["cursor"].get<std::string>(), now_utc_ms());
        FEEDBACK_TRY(applied);
        pulled.inserted += applied->inserted;
        pulled.already_present += applied->already_present;
        ++pulled.pages;
        if (!body.value("more", false))
            break;
    }
    if (m_clock_offset_ms)
        FEEDBACK_TRY(m_store.set_sync_state("clock_offset_ms", std::to_string(*m_clock_offset_ms)));
    return pulled;
}

} // namespace feedback::sync
