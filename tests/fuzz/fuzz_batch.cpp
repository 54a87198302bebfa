// Fuzzes head office's batch reader, hq::check_batch(): the split of a
// terminal's body into its events, the canonical envelope reader and
// canonical-JSON scanner of the fast path (checked against the full parser by
// its own asserts in this Debug build, and against the general path: the
// same body with white space must be read the same), and each event's
// validation; then the answer written without a JSON tree,
// hq::batch_answer_text(), against nlohmann's dump() and the terminal's
// reader of it.
//
// Input: what head office knows of a POST /v1/batches (PROTOCOL.md 3):
//   line 1  the Idempotency-Key (the batch id)
//   line 2  the id of the device whose token came with it
//   rest    the (inflated) body
#include "common/protocol.h"
#include "domain/event.h"
#include "domain/validation.h"
#include "hq/hq_store.h"
#include "support/finding.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace feedback;

// What head office stores of an accepted event is its canonical wire text:
// it must read back as a valid event that writes the same text again.
void check_stored_text(const hq::CheckedEvent& event)
{
    auto json = nlohmann::json::parse(event.wire, nullptr, false);
    auto read = event_from_json(json);
    if (!read)
        fuzz::report_finding("an accepted event's stored text does not read back: " + read.error().message, event.wire);
    if (auto violations = validate_event(*read); !violations.empty())
        fuzz::report_finding("an accepted event's stored text is invalid: " + describe(violations), event.wire);
    if (to_json(*read).dump() != event.wire)
        fuzz::report_finding("an accepted event's stored text is not canonical", event.wire);
}

// The answer as head office writes it must be what nlohmann writes for it,
// and what the terminal reads.
void check_answer(const hq::CheckedBatch& batch)
{
    sync::BatchAnswer answer;
    answer.batch_id = batch.batch_id;
    for (const hq::CheckedEvent& event : batch.events) {
        if (event.rejection.empty()) {
            ++answer.accepted;
            check_stored_text(event);
            continue;
        }
        ++answer.rejected;
        answer.results.push_back({event.id, sync::EventOutcome::rejected, event.rejection});
    }
    std::string text = hq::batch_answer_text(answer);
    std::string expected = sync::to_json(answer).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text != expected)
        fuzz::report_finding("batch_answer_text() differs from dump(), which writes:\n" + expected, text);
    auto read = sync::batch_answer_from_json(nlohmann::json::parse(text, nullptr, false));
    if (!read || read->results.size() != answer.results.size())
        fuzz::report_finding("the terminal cannot read the answer", text);
}

// The body written with white space cannot take the fast path: the general
// path must read every event the same.
void check_general_path(const hq::Device& device, std::string_view batch_id, std::string_view body,
                        const hq::CheckedBatch& fast)
{
    auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded())
        return;
    std::string spaced = json.dump(1);
    auto general = hq::check_batch(device, batch_id, spaced, sync::Limits{}.max_events_per_batch);
    if (!general)
        fuzz::report_finding("the body read on the fast path is refused on the general path: " + general.error().message, body);
    if (general->events.size() != fast.events.size())
        fuzz::report_finding("the general path reads another number of events", body);
    for (size_t i = 0; i < fast.events.size(); ++i) {
        const hq::CheckedEvent& a = fast.events[i];
        const hq::CheckedEvent& b = general->events[i];
        if (a.id != b.id || a.rejection != b.rejection || a.type != b.type || a.subject != b.subject ||
            a.about_complaint != b.about_complaint || a.occurred_at_ms != b.occurred_at_ms || a.wire != b.wire)
            fuzz::report_finding("event " + std::to_string(i) + " is read differently on the fast and the general path:\n" +
                     a.rejection + a.wire + "\n" + b.rejection + b.wire,
                 body);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view input(reinterpret_cast<const char*>(data), size);
    size_t first = input.find('\n');
    size_t second = first == std::string_view::npos ? first : input.find('\n', first + 1);
    if (second == std::string_view::npos)
        return 0;
    std::string_view batch_id = input.substr(0, first);
    hq::Device device;
    device.id = std::string(input.substr(first + 1, second - first - 1));
    device.store_code = "UTR";
    std::string_view body = input.substr(second + 1);

    auto checked = hq::check_batch(device, batch_id, body, sync::Limits{}.max_events_per_batch);
    if (!checked)
        return 0;
    check_answer(*checked);
    check_general_path(device, batch_id, body, *checked);
    return 0;
}
