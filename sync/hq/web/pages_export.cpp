// Exports: each list as CSV with the filters of its page (no personal data:
// the lists hold none), and a JSON dump for audits (every event without its
// personal fields, every configuration version and the audit log), streamed
// so a large head office does not build it in memory. Each export is
// written to the audit log. The dump reads head office's database through
// sql::Connection (SQLite or PostgreSQL); the lists' figures come from
// dashboard/analytics.h, which still reads the SQLite database.
#include "pages.h"

#include "common/protocol.h"
#include "domain/clock.h"
#include "hq/http_answers.h"

#include <memory>

namespace feedback::hq::web {

namespace {

std::string share_cell(const std::optional<double>& share)
{
    return share ? format_decimal(*share, 4, "en") : std::string();
}

std::string nps_cell(const std::optional<double>& nps) { return nps ? format_decimal(*nps, 1, "en") : std::string(); }

std::string file_name(const std::string& list, int64_t now_ms)
{
    return "feedback-" + list + "-" + format_date(now_ms) + ".csv";
}

} // namespace

void export_csv(Page& page)
{
    std::string list = page.capture(1);
    Filters filters = page.filters();
    if (auto fresh = page.refresh_figures(); !fresh)
        return page.send_failure(fresh.error());
    std::string csv;
    if (list == "complaints") {
        auto query = complaint_query_of(page, filters);
        csv = csv_line({"complaint_id", "reference", "store", "status", "channel", "category", "opened_at",
                        "deadline_at", "overdue", "closed_at", "root_cause", "solved_on_the_spot"});
        query.limit = 1000;
        for (query.offset = 0;; query.offset += query.limit) {
            auto found = dashboard::complaints(page.store.connection(), query, page.now_ms);
            if (!found)
                return page.send_failure(found.error());
            for (const auto& row : found->rows)
                csv += csv_line({row.complaint_id, row.reference, row.store_code, row.status, row.channel,
                                 row.category, format_utc_iso8601(row.opened_at),
                                 row.deadline_at ? format_utc_iso8601(*row.deadline_at) : "", row.overdue ? "1" : "0",
                                 row.closed_at ? format_utc_iso8601(*row.closed_at) : "", row.root_cause,
                                 row.solved_on_the_spot ? "1" : "0"});
            if (found->rows.size() < static_cast<size_t>(query.limit))
                break;
        }
    } else if (list == "callbacks") {
        auto calls = dashboard::call_backs(page.store.connection(), filters.filter, page.param("all") != "1");
        if (!calls)
            return page.send_failure(calls.error());
        csv = csv_line({"rating_id", "store", "rated_at", "score", "reason_ids", "comment", "outcome", "followed_up_at"});
        for (const auto& row : calls->rows) {
            std::string reasons;
            for (const auto& reason : row.reason_ids)
                reasons += (reasons.empty() ? "" : " ") + reason;
            csv += csv_line({row.rating_id, row.store_code, format_utc_iso8601(row.rated_at), std::to_string(row.score),
                             reasons, row.comment, row.outcome,
                             row.followed_up_at ? format_utc_iso8601(*row.followed_up_at) : ""});
        }
    } else if (list == "stores" || list == "weeks") {
        auto figures = dashboard::overview(page.store.connection(), filters.filter, page.now_ms);
        if (!figures)
            return page.send_failure(figures.error());
        if (list == "stores") {
            csv = csv_line({"store", "store_name", "nps", "promoters", "passives", "detractors", "ratings"});
            auto row = [&](const std::string& code, const std::string& name, const NpsSummary& c) {
                csv += csv_line({code, name, nps_cell(c.score()), std::to_string(c.promoters),
                                 std::to_string(c.passives), std::to_string(c.detractors), std::to_string(c.total())});
            };
            for (const auto& store : figures->stores)
                row(store.store_code, store.store_name, store.nps.counts);
            row(filters.store.empty() ? "chain" : filters.store, "", figures->chain.counts);
        } else {
            csv = csv_line({"week", "week_start", "nps", "promoters", "passives", "detractors", "ratings"});
            for (const auto& week : figures->weeks) {
                const auto& c = week.nps.counts;
                csv += csv_line({week.label, format_date(week.week_start_ms), nps_cell(c.score()),
                                 std::to_string(c.promoters), std::to_string(c.passives),
                                 std::to_string(c.detractors), std::to_string(c.total())});
            }
        }
    } else if (list == "promises") {
        auto measures = dashboard::promise_measures(page.store.connection(), filters.filter, page.now_ms);
        if (!measures)
            return page.send_failure(measures.error());
        csv = csv_line({"promise_id", "store", "measure", "target", "actual", "counted", "met"});
        for (const auto& m : *measures)
            csv += csv_line({m.promise_id, m.store_code.empty() ? "chain" : m.store_code, m.measure,
                             share_cell(m.target), share_cell(m.actual), std::to_string(m.counted),
                             std::to_string(m.met)});
    } else if (list == "learning") {
        int64_t window = repeat_window_days(page, filters);
        auto found = dashboard::learning(page.store.connection(), filters.filter, window * ms_per_day);
        if (!found)
            return page.send_failure(found.error());
        csv = csv_line({"kind", "key", "count", "complaint_id", "other_id", "before", "after"});
        for (const auto& row : found->top_categories)
            csv += csv_line({"category", row.key, std::to_string(row.count), "", "", "", ""});
        for (const auto& row : found->top_root_causes)
            csv += csv_line({"root_cause", row.key, std::to_string(row.count), "", "", "", ""});
        for (const auto& repeat : found->repeats.rows)
            csv += csv_line({"repeat", repeat.reason, "", repeat.complaint_id, repeat.earlier_complaint_id, "", ""});
        for (const auto& effect : found->action_effects)
            csv += csv_line({"action_effect", effect.category, "", effect.complaint_id, effect.action_id,
                             std::to_string(effect.before), std::to_string(effect.after)});
    } else if (list == "devices") {
        auto devices = page.store.devices();
        if (!devices)
            return page.send_failure(devices.error());
        csv = csv_line({"device_id", "store", "terminal", "name", "enrolled_at", "revoked_at", "last_seen_at",
                        "events_received", "last_backlog", "clock_offset_ms", "app_version"});
        for (const auto& d : *devices)
            csv += csv_line({d.id, d.store_code, d.terminal_code, d.name, format_utc_iso8601(d.enrolled_at),
                             d.revoked_at ? format_utc_iso8601(*d.revoked_at) : "",
                             d.last_seen_at ? format_utc_iso8601(*d.last_seen_at) : "",
                             std::to_string(d.events_received),
                             d.last_backlog ? std::to_string(*d.last_backlog) : "",
                             d.clock_offset_ms ? std::to_string(*d.clock_offset_ms) : "", d.app_version});
    } else if (list == "audit") {
        if (!page.can(Role::admin)) {
            page.res.status = 403;
            page.res.set_content(page.t("auth.forbidden") + "\n", "text/plain; charset=utf-8");
            return;
        }
        auto entries = page.users().audit_log(0, 1'000'000);
        if (!entries)
            return page.send_failure(entries.error());
        csv = csv_line({"at", "user", "action", "subject", "address"});
        for (const auto& e : *entries)
            csv += csv_line({format_utc_iso8601(e.at), e.user_name, e.action, e.subject, e.address});
    } else {
        page.send_message(404, page.t("error.not_found_title"), page.t("error.not_found"));
        return;
    }
    auto audited = page.audit("export.csv", list);
    if (!audited)
        return page.send_failure(audited.error());
    page.send_download(csv, "text/csv; charset=utf-8", file_name(list, page.now_ms));
}

// [SECTION] The JSON dump

namespace {

// The dump's state while httplib pulls it, chunk by chunk, after the
// handler returned: a connection of its own and where it is.
struct DumpCursor {
    std::unique_ptr<HqStore> store;
    int phase = 0; // 0 header, 1 events, 2 configs, 3 audit, 4 done
    int64_t after_seq = 0;
    std::string header;
};

bool write_events(DumpCursor& cursor, httplib::DataSink& sink)
{
    auto stmt =
        cursor.store->connection().prepare("SELECT seq, body FROM events WHERE seq > ?1 ORDER BY seq LIMIT 500");
    if (!stmt)
        return false;
    stmt->bind(1, cursor.after_seq);
    std::string chunk;
    int rows = 0;
    for (;;) {
        auto row = stmt->step();
        if (!row)
            return false;
        if (!*row)
            break;
        ++rows;
        auto event = nlohmann::json::parse(stmt->column_text(1), nullptr, false);
        if (event.is_object() && event.contains("payload"))
            take_personal_fields(event["payload"]); // an audit needs what happened, not who to call
        chunk += (cursor.after_seq == 0 && chunk.empty() ? "\n" : ",\n") +
                 event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        cursor.after_seq = stmt->column_int64(0);
    }
    if (rows == 0) {
        cursor.phase = 2;
        chunk += "\n],\n";
    }
    return chunk.empty() || sink.write(chunk.data(), chunk.size());
}

bool write_rest(DumpCursor& cursor, httplib::DataSink& sink)
{
    sql::Connection& db = cursor.store->connection();
    nlohmann::json configs = nlohmann::json::array();
    auto stmt = db.prepare("SELECT scope, version, published_at, document FROM configs ORDER BY scope, version");
    if (!stmt)
        return false;
    for (;;) {
        auto row = stmt->step();
        if (!row)
            return false;
        if (!*row)
            break;
        configs.push_back({{"scope", stmt->column_text(0)},
                           {"version", stmt->column_int64(1)},
                           {"published_at", format_utc_iso8601(stmt->column_int64(2))},
                           {"document", nlohmann::json::parse(stmt->column_text(3), nullptr, false)}});
    }
    auto entries = UserStore(db).audit_log(0, 1'000'000);
    if (!entries)
        return false;
    nlohmann::json audit = nlohmann::json::array();
    for (const auto& e : *entries)
        audit.push_back({{"at", format_utc_iso8601(e.at)},
                         {"user", e.user_name},
                         {"action", e.action},
                         {"subject", e.subject}});
    std::string tail = "\"configs\": " + configs.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) +
                       ",\n\"audit_log\": " + audit.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) +
                       "\n}\n";
    cursor.phase = 4;
    return sink.write(tail.data(), tail.size());
}

} // namespace

void export_dump(Page& page)
{
    // The dump is the whole chain's record: not for a store manager.
    if (!page.scope().empty()) {
        page.send_message(403, page.t("auth.forbidden_title"), page.t("export.dump_whole_chain"));
        return;
    }
    auto audited = page.audit("export.dump", "");
    if (!audited)
        return page.send_failure(audited.error());
    auto store = HqStore::open(page.app.dir, HqStore::Intent::existing_only);
    if (!store)
        return page.send_failure(store.error());
    auto cursor = std::make_shared<DumpCursor>();
    cursor->store = std::make_unique<HqStore>(std::move(*store));
    cursor->header = "{\n\"exported_at\": \"" + format_utc_iso8601(page.now_ms) + "\",\n\"exported_by\": " +
                     nlohmann::json(page.user_name()).dump() +
                     ",\n\"personal_fields\": \"left out\",\n\"events\": [";
    page.res.status = 200;
    page.res.set_header("Cache-Control", "no-store");
    replace_header(page.res, "X-Content-Type-Options", "nosniff");
    page.res.set_header("Content-Disposition",
                        "attachment; filename=\"feedback-audit-" + format_date(page.now_ms) + ".json\"");
    page.res.set_chunked_content_provider("application/json", [cursor](size_t, httplib::DataSink& sink) {
        switch (cursor->phase) {
        case 0:
            cursor->phase = 1;
            return sink.write(cursor->header.data(), cursor->header.size());
        case 1:
            return write_events(*cursor, sink);
        case 2:
        case 3:
            return write_rest(*cursor, sink);
        default:
            sink.done();
            return true;
        }
    });
}

} // namespace feedback::hq::web
