// Reading and checking a terminal's batch body, and the answer to it
// (batch_reader.h).
#include "hq/batch_reader.h"

#include "crypto/sha256.h"
#include "domain/event.h"
#include "domain/validation.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <charconv>

namespace feedback::hq {

// [SECTION] Ingest: reading a body without a JSON tree of it
//
// A terminal's body is {"batch_id":"...","events":[{...},{...}]} exactly as
// nlohmann's dump() writes it. split_body() finds each event's text, so each
// event is parsed on its own (no tree of the whole body), and
// is_canonical_json() tells when that text is byte for byte what dump()
// would write again, so it is stored as received instead of re-serialised.
// Any body of another shape takes the general path (one parse of the
// whole), which also gives the protocol's error for a body that is not JSON.

namespace {

struct BodySpans {
    std::string_view batch_id;
    std::vector<std::string_view> events;
};

// The end (one past the closing brace) of the object starting at `at`,
// skipping strings; npos when the text ends first. Only a guess at the
// shape: each event's text is parsed strictly afterwards.
size_t object_end(std::string_view text, size_t at)
{
    int depth = 0;
    bool in_string = false;
    for (size_t i = at; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (--depth == 0)
                return i + 1;
        }
    }
    return std::string_view::npos;
}

bool is_plain_id_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

// {"batch_id":"<letters, digits, dashes>","events":[{...},...]} and nothing
// else (no white space): the events' texts; nothing for any other shape.
std::optional<BodySpans> split_body(std::string_view body)
{
    constexpr std::string_view head = R"({"batch_id":")";
    constexpr std::string_view middle = R"(","events":[)";
    if (body.substr(0, head.size()) != head)
        return std::nullopt;
    size_t at = head.size();
    size_t id_end = at;
    while (id_end < body.size() && is_plain_id_char(body[id_end]))
        ++id_end;
    BodySpans spans;
    spans.batch_id = body.substr(at, id_end - at);
    if (body.substr(id_end, middle.size()) != middle)
        return std::nullopt;
    at = id_end + middle.size();
    if (body.substr(at) == "]}")
        return spans;
    for (;;) {
        if (at >= body.size() || body[at] != '{')
            return std::nullopt;
        size_t end = object_end(body, at);
        if (end == std::string_view::npos)
            return std::nullopt;
        spans.events.push_back(body.substr(at, end - at));
        at = end;
        if (at < body.size() && body[at] == ',') {
            ++at;
            continue;
        }
        if (body.substr(at) == "]}")
            return spans;
        return std::nullopt;
    }
}

// Whether valid JSON `text` is exactly what nlohmann's dump() (compact, no
// ASCII escaping) writes for the value it parses to: no white space, object
// keys in std::map order without duplicates (and without escapes, to keep
// the check simple), strings escaped the way dump() escapes them, integers
// of at most 18 digits and no "-0", no fractions or exponents. When in
// doubt it says no, which only costs the re-serialisation.
class CanonicalJson {
public:
    explicit CanonicalJson(std::string_view text) : m_text(text) {}
    bool check() { return value(0) && m_at == m_text.size(); }

private:
    static constexpr int max_depth = 64;

    char peek() const { return m_at < m_text.size() ? m_text[m_at] : '\0'; }

    bool value(int depth)
    {
        if (depth > max_depth)
            return false;
        switch (peek()) {
        case '{': return object(depth);
        case '[': return array(depth);
        case '"': return string(nullptr);
        case 't': return literal("true");
        case 'f': return literal("false");
        case 'n': return literal("null");
        default: return number();
        }
    }

    bool object(int depth)
    {
        ++m_at;
        if (peek() == '}') {
            ++m_at;
            return true;
        }
        std::optional<std::string_view> previous;
        for (;;) {
            std::string_view key;
            if (peek() != '"' || !string(&key))
                return false;
            if (previous && !(*previous < key)) // dump() writes keys sorted, each once
                return false;
            previous = key;
            if (peek() != ':')
                return false;
            ++m_at;
            if (!value(depth + 1))
                return false;
            if (peek() == ',') {
                ++m_at;
                continue;
            }
            if (peek() != '}')
                return false;
            ++m_at;
            return true;
        }
    }

    bool array(int depth)
    {
        ++m_at;
        if (peek() == ']') {
            ++m_at;
            return true;
        }
        for (;;) {
            if (!value(depth + 1))
                return false;
            if (peek() == ',') {
                ++m_at;
                continue;
            }
            if (peek() != ']')
                return false;
            ++m_at;
            return true;
        }
    }

    static bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

    // A string; its raw text in `key` when asked, which needs it free of escapes.
    bool string(std::string_view* key)
    {
        size_t start = ++m_at;
        bool escaped = false;
        while (m_at < m_text.size()) {
            auto c = static_cast<unsigned char>(m_text[m_at]);
            if (c == '"') {
                if (key) {
                    if (escaped)
                        return false;
                    *key = m_text.substr(start, m_at - start);
                }
                ++m_at;
                return true;
            }
            if (c < 0x20)
                return false;
            if (c != '\\') {
                ++m_at;
                continue;
            }
            escaped = true;
            char e = m_at + 1 < m_text.size() ? m_text[m_at + 1] : '\0';
            if (e == '"' || e == '\\' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
                m_at += 2;
                continue;
            }
            // dump() writes \u00xx (lower-case) only for the other control characters.
            if (e != 'u' || m_at + 6 > m_text.size())
                return false;
            std::string_view hex = m_text.substr(m_at + 2, 4);
            if (hex[0] != '0' || hex[1] != '0' || (hex[2] != '0' && hex[2] != '1') || !is_lower_hex(hex[3]))
                return false;
            int code = (hex[2] - '0') * 16 + (hex[3] <= '9' ? hex[3] - '0' : hex[3] - 'a' + 10);
            if (code == 0x08 || code == 0x09 || code == 0x0a || code == 0x0c || code == 0x0d)
                return false;
            m_at += 6;
        }
        return false;
    }

    bool literal(std::string_view word)
    {
        if (m_text.substr(m_at, word.size()) != word)
            return false;
        m_at += word.size();
        return true;
    }

    bool number()
    {
        bool negative = peek() == '-';
        if (negative)
            ++m_at;
        size_t digits_start = m_at;
        while (peek() >= '0' && peek() <= '9')
            ++m_at;
        size_t digits = m_at - digits_start;
        if (digits == 0 || digits > 18)
            return false;
        if (m_text[digits_start] == '0' && (digits > 1 || negative)) // "-0" is written "0"
            return false;
        char next = peek();
        return next != '.' && next != 'e' && next != 'E';
    }

    std::string_view m_text;
    size_t m_at = 0;
};

bool is_canonical_json(std::string_view text) { return CanonicalJson(text).check(); }

Error batch_id_mismatch()
{
    return sync::coded_error(ErrorKind::invalid_input, sync::ErrorCode::batch_id_mismatch,
                             "the body's batch_id differs from the Idempotency-Key");
}

Error too_many_events(int64_t max_events, size_t count)
{
    return sync::coded_error(ErrorKind::invalid_input, sync::ErrorCode::too_many_events,
                             "a batch may hold at most " + std::to_string(max_events) + " events (this one has " +
                                 std::to_string(count) + ")");
}

// The envelope of a canonical event read straight from its text, without a
// JSON tree of it (only the payload is parsed):
//   {"actor":"..","device_id":"..","id":"..","occurred_at":N,"payload":{..},"seq":N[,"subject":".."],"type":"..","v":1}
// with plain strings (printable ASCII, no escapes) and canonical integers.
// Nothing for any other text, which is then parsed in full and read by
// event_from_json(); so this accepts only what event_from_json() reads the
// same way (checked in debug builds).
struct CanonicalEnvelope {
    Event event;
    bool payload_canonical = false; // the whole text is what to_json(event).dump() writes
};

class EnvelopeReader {
public:
    explicit EnvelopeReader(std::string_view text) : m_text(text) {}

    std::optional<CanonicalEnvelope> read()
    {
        CanonicalEnvelope out;
        Event& e = out.event;
        std::string_view type;
        std::string_view payload;
        if (!literal(R"({"actor":")") || !plain(e.actor) || !literal(R"(","device_id":")") || !plain(e.device_id) ||
            !literal(R"(","id":")") || !plain(e.id) || !literal(R"(","occurred_at":)") || !integer(e.occurred_at_ms) ||
            !literal(R"(,"payload":)") || !object(payload) || !literal(R"(,"seq":)") || !integer(e.device_seq))
            return std::nullopt;
        if (literal(R"(,"subject":")") && (!plain(e.subject) || e.subject.empty() || !literal("\"")))
            return std::nullopt; // dump() leaves an empty subject out
        if (!literal(R"(,"type":")") || !plain(type) || !literal(R"(","v":1})") || m_at != m_text.size())
            return std::nullopt;
        auto known = event_type_from_string(type);
        if (!known)
            return std::nullopt; // event_from_json() words the error
        e.type = *known;
        e.payload = nlohmann::json::parse(payload.begin(), payload.end(), nullptr, false);
        if (!e.payload.is_object())
            return std::nullopt;
        out.payload_canonical = is_canonical_json(payload);
        return out;
    }

private:
    bool literal(std::string_view word)
    {
        if (m_text.substr(m_at, word.size()) != word)
            return false;
        m_at += word.size();
        return true;
    }

    // Up to the closing quote (left unread); printable ASCII only.
    bool plain(std::string_view& out)
    {
        size_t start = m_at;
        while (m_at < m_text.size() && m_text[m_at] != '"') {
            char c = m_text[m_at];
            if (c < 0x20 || c > 0x7e || c == '\\')
                return false;
            ++m_at;
        }
        out = m_text.substr(start, m_at - start);
        return m_at < m_text.size();
    }
    bool plain(std::string& out)
    {
        std::string_view view;
        if (!plain(view))
            return false;
        out.assign(view);
        return true;
    }

    // As dump() writes an int64: no "-0", no leading zeros, at most 18 digits.
    bool integer(int64_t& out)
    {
        size_t start = m_at;
        bool negative = m_at < m_text.size() && m_text[m_at] == '-';
        size_t digits_start = m_at + (negative ? 1 : 0);
        size_t end = digits_start;
        while (end < m_text.size() && m_text[end] >= '0' && m_text[end] <= '9')
            ++end;
        size_t digits = end - digits_start;
        if (digits == 0 || digits > 18 || (m_text[digits_start] == '0' && (digits > 1 || negative)))
            return false;
        auto [stop, error] = std::from_chars(m_text.data() + start, m_text.data() + end, out);
        if (error != std::errc{} || stop != m_text.data() + end)
            return false;
        m_at = end;
        return true;
    }

    bool object(std::string_view& out)
    {
        if (m_at >= m_text.size() || m_text[m_at] != '{')
            return false;
        size_t end = object_end(m_text, m_at);
        if (end == std::string_view::npos)
            return false;
        out = m_text.substr(m_at, end - m_at);
        m_at = end;
        return true;
    }

    std::string_view m_text;
    size_t m_at = 0;
};

// Step 5 for one event read: validated, the device's own, and something a
// terminal may record (what only head office records, or records as, is
// refused from a device with the rule's code).
CheckedEvent checked_event(const Device& device, const Result<Event>& event, std::optional<std::string> id)
{
    CheckedEvent out;
    out.id = std::move(id);
    if (!event) {
        out.rejection = event.error().message;
    } else if (auto violations = validate_event(*event); !violations.empty()) {
        out.rejection = describe(violations);
    } else if (event->device_id != device.id) {
        out.rejection = "device_id: this terminal is enrolled as " + device.id;
    } else if (is_head_office_only(event->type)) {
        out.rejection = std::string(sync::reason_head_office_only_type) + ": " + std::string(to_string(event->type)) +
                        " is recorded by head office only, never by a terminal";
    } else if (event->actor.starts_with("hq:")) {
        out.rejection = std::string(sync::reason_head_office_actor) + ": actor " + event->actor +
                        " is head office's; a terminal records as kiosk or staff:<id>";
    } else {
        out.type = std::string(to_string(event->type));
        out.subject = event->subject;
        out.about_complaint = is_complaint_event(event->type);
        out.occurred_at_ms = event->occurred_at_ms;
    }
    return out;
}

// Step 5 for one event parsed in full. `received` is its text in the body
// when known (the fast path), stored as is when canonical.
CheckedEvent check_event(const Device& device, const nlohmann::json& item, std::optional<std::string_view> received)
{
    std::optional<std::string> id;
    if (item.is_object()) {
        auto it = item.find("id");
        if (it != item.end() && it->is_string())
            id = it->get<std::string>();
    }
    auto event = event_from_json(item);
    CheckedEvent out = checked_event(device, event, std::move(id));
    if (out.rejection.empty()) {
        // to_json() leaves out an empty subject; a received "subject":"" or null is written anew.
        bool subject_as_written = event->subject.empty() == !item.contains("subject");
        if (received && subject_as_written && is_canonical_json(*received)) {
            out.wire = std::string(*received);
            assert(out.wire == to_json(*event).dump() && "a canonical event's text differs from its dump()");
        } else {
            out.wire = to_json(*event).dump();
        }
    }
    return out;
}

// Step 5 for an event read by EnvelopeReader from `text`.
CheckedEvent check_envelope(const Device& device, CanonicalEnvelope envelope, std::string_view text)
{
#ifndef NDEBUG
    {
        auto full = event_from_json(nlohmann::json::parse(text.begin(), text.end()));
        assert(full && full->id == envelope.event.id && full->type == envelope.event.type &&
               full->subject == envelope.event.subject && full->occurred_at_ms == envelope.event.occurred_at_ms &&
               full->actor == envelope.event.actor && full->device_id == envelope.event.device_id &&
               full->device_seq == envelope.event.device_seq && full->payload == envelope.event.payload &&
               "the envelope reader and event_from_json() read an event differently");
    }
#endif
    std::string id = envelope.event.id;
    Result<Event> event(std::move(envelope.event));
    CheckedEvent out = checked_event(device, event, std::move(id));
    if (out.rejection.empty()) {
        if (envelope.payload_canonical) {
            out.wire = std::string(text);
            assert(out.wire == to_json(*event).dump() && "a canonical event's text differs from its dump()");
        } else {
            out.wire = to_json(*event).dump();
        }
    }
    return out;
}

// The general path: the whole body parsed at once.
Result<CheckedBatch> check_parsed_body(const Device& device, std::string_view batch_id, std::string_view body,
                                       int64_t max_events, std::string body_sha256)
{
    auto parsed = nlohmann::json::parse(body, nullptr, false);
    if (parsed.is_discarded())
        return sync::coded_error(ErrorKind::invalid_input, sync::ErrorCode::malformed_json, "the body is not valid JSON");
    if (!parsed.is_object() || !parsed.contains("batch_id") || !parsed["batch_id"].is_string() ||
        !parsed.contains("events") || !parsed["events"].is_array())
        return sync::coded_error(ErrorKind::invalid_input, sync::ErrorCode::bad_batch,
                                 "the body must be an object with \"batch_id\" (a string) and \"events\" (an array)");
    if (parsed["batch_id"].get<std::string>() != batch_id)
        return batch_id_mismatch();
    if (static_cast<int64_t>(parsed["events"].size()) > max_events)
        return too_many_events(max_events, parsed["events"].size());
    CheckedBatch checked;
    checked.batch_id = std::string(batch_id);
    checked.body_sha256 = std::move(body_sha256);
    checked.events.reserve(parsed["events"].size());
    for (const auto& item : parsed["events"])
        checked.events.push_back(check_event(device, item, std::nullopt));
    return checked;
}

// Appends `text` as a JSON string the way dump() writes it (invalid UTF-8 replaced).
void append_json_string(std::string& out, std::string_view text)
{
    bool plain = std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; });
    if (plain) {
        out += '"';
        out += text;
        out += '"';
        return;
    }
    out += nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

Result<CheckedBatch> check_batch(const Device& device, std::string_view batch_id, std::string_view body,
                                 int64_t max_events, std::string_view body_sha256)
{
    std::string hash = body_sha256.empty() ? crypto::sha256_hex(body) : std::string(body_sha256);
    auto spans = split_body(body);
    if (!spans)
        return check_parsed_body(device, batch_id, body, max_events, std::move(hash));
    // Every event's text must be read (a canonical envelope) or parse before
    // any other answer, as on the general path.
    const size_t count = spans->events.size();
    std::vector<std::optional<CanonicalEnvelope>> envelopes(count);
    std::vector<nlohmann::json> items(count);
    for (size_t i = 0; i < count; ++i) {
        std::string_view text = spans->events[i];
        envelopes[i] = EnvelopeReader(text).read();
        if (envelopes[i])
            continue;
        items[i] = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
        if (items[i].is_discarded())
            return check_parsed_body(device, batch_id, body, max_events, std::move(hash));
    }
    if (spans->batch_id != batch_id)
        return batch_id_mismatch();
    if (static_cast<int64_t>(count) > max_events)
        return too_many_events(max_events, count);
    CheckedBatch checked;
    checked.batch_id = std::string(batch_id);
    checked.body_sha256 = std::move(hash);
    checked.events.reserve(count);
    for (size_t i = 0; i < count; ++i)
        checked.events.push_back(envelopes[i] ? check_envelope(device, std::move(*envelopes[i]), spans->events[i])
                                              : check_event(device, items[i], spans->events[i]));
    return checked;
}

std::string batch_answer_text(const sync::BatchAnswer& answer)
{
    // Keys in the order dump() writes an object's keys (sorted).
    std::string out;
    out.reserve(96 + answer.results.size() * 64);
    out += "{\"accepted\":";
    out += std::to_string(answer.accepted);
    out += ",\"batch_id\":";
    append_json_string(out, answer.batch_id);
    out += ",\"duplicate\":";
    out += std::to_string(answer.duplicate);
    out += ",\"rejected\":";
    out += std::to_string(answer.rejected);
    out += ",\"results\":[";
    bool first = true;
    for (const auto& result : answer.results) {
        if (result.outcome == sync::EventOutcome::accepted)
            continue; // an event the answer does not name was accepted
        if (!first)
            out += ',';
        first = false;
        out += "{\"id\":";
        if (result.id)
            append_json_string(out, *result.id);
        else
            out += "null";
        out += ",\"outcome\":\"";
        out += sync::to_string(result.outcome);
        out += '"';
        if (result.outcome == sync::EventOutcome::rejected) {
            out += ",\"reason\":";
            append_json_string(out, result.reason);
        }
        out += '}';
    }
    out += "]}";
    return out;
}

} // namespace feedback::hq
