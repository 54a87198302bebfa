// The dashboard's parts without a server: HTML and CSV helpers, SVG charts,
// the translation files, users with failed-login slowing and session
// expiry (on both backends: hq_backends.h), and events head office records
// itself (HqStore::record_hq_event).
#include "domain/clock.h"
#include "domain/ids.h"
#include "domain/refcode.h"
#include "hq/hq_store.h"
#include "hq_backends.h"
#include "hq_contents.h"
#include "hq/web/assets.h"
#include "hq/web/html.h"
#include "hq/web/svg.h"
#include "hq/web/text.h"
#include "hq/web/users.h"
#include "support/event_builder.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <regex>

using namespace feedback;
using namespace feedback::hq;
using namespace feedback::hq::web;
using namespace feedback::testing;

namespace {

constexpr int64_t t0 = 1'795'000'000'000; // 2026-11-18

struct EnrolledStore {
    HqStore store;
    Device device;
};

EnrolledStore enrolled_store(const TempDir& temp, const std::string& store_code = "UTR")
{
    auto store = HqStore::open(temp.path(), HqStore::Intent::create);
    REQUIRE(store);
    give_contact_key(*store, temp.path());
    auto code = store->create_enrolment_code(store_code, "Counter 1", t0, 3600 * 1000);
    REQUIRE(code);
    auto enrolled = store->enrol(code->code, make_uuid_v7(t0), "0.1.0", t0);
    REQUIRE(enrolled);
    auto device = store->authenticate(enrolled->token);
    REQUIRE(device);
    return {std::move(*store), *device};
}

// Stores events as if the terminal had uploaded them.
void upload(HqStore& store, const Device& device, const std::vector<Event>& events)
{
    nlohmann::json body{{"batch_id", make_uuid_v7(t0)}, {"events", nlohmann::json::array()}};
    for (const auto& event : events)
        body["events"].push_back(to_json(event));
    auto stored = store.ingest(device, body["batch_id"].get<std::string>(), body.dump(), 1000, {}, t0);
    REQUIRE(stored);
    REQUIRE(stored->summary.accepted == static_cast<int64_t>(events.size()));
}

Event opened_complaint(const Device& device, const std::string& complaint_id, int64_t seq)
{
    return make_event({EventType::complaint_opened, complaint_id, t0, device.id, seq,
                       {{"channel", "walk_in"},
                        {"category", "product"},
                        {"description", "Waterkoker lekt"},
                        {"customer_wish", "Een nieuwe"},
                        {"reference", make_refcode(device.store_code, device.terminal_code, static_cast<uint64_t>(seq))},
                        {"contact", {{"consent", true}, {"phone", "+31 6 1234 5678"}}}},
                       "staff:anna"});
}

} // namespace

TEST_CASE("HTML escaping, local paths and query strings", "[dashboard][unit]")
{
    CHECK(escape("<script>alert('x') & \"y\"</script>") ==
          "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
    CHECK(escape(std::string("ok \xFF bad")).find('\xFF') == std::string::npos); // invalid UTF-8 replaced
    CHECK(is_local_path("/complaints?store=UTR"));
    CHECK_FALSE(is_local_path("//evil.example/"));
    CHECK_FALSE(is_local_path("https://evil.example/"));
    CHECK_FALSE(is_local_path("/\\evil"));
    CHECK_FALSE(is_local_path("/a\r\nSet-Cookie: x"));
    CHECK(query_string({{"store", "UTR"}, {"from", ""}, {"q", "a b&c"}}) == "?store=UTR&q=a%20b%26c");
    CHECK(url_encode("/overview?x=1") == "%2Foverview%3Fx%3D1");
}

TEST_CASE("dates, shares and NPS as the dashboard shows them", "[dashboard][unit]")
{
    auto day = parse_date("2026-11-24");
    REQUIRE(day);
    CHECK(format_date(*day) == "2026-11-24");
    CHECK_FALSE(parse_date("2026-13-01"));
    CHECK_FALSE(parse_date("24-11-2026"));
    CHECK(format_share(0.94, "en") == "94%");
    CHECK(format_share(0.945, "nl") == "94,5%");
    CHECK(format_share(std::nullopt, "en") == "\xE2\x80\x93"); // no data is not 0%
    CHECK(format_nps(23.4) == "+23");
    CHECK(format_nps(-6.6) == "-7");
    CHECK(format_nps(0.0) == "0");
    CHECK(format_euros(1250, "nl") == "\xE2\x82\xAC 12,50");
}

TEST_CASE("CSV cells are quoted and never run as a spreadsheet formula", "[dashboard][unit]")
{
    CHECK(csv_cell("plain") == "plain");
    CHECK(csv_cell("a,b") == "\"a,b\"");
    CHECK(csv_cell("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(csv_cell("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"");
    CHECK(csv_cell("+31 6 1234") == "'+31 6 1234");
    CHECK(csv_cell("@SUM(A1)") == "'@SUM(A1)");
    CHECK(csv_cell("-7") == "-7"); // a number stays a number
    CHECK(csv_cell("-0.25") == "-0.25");
    CHECK(csv_line({"a", "b,c", ""}) == "a,\"b,c\",\r\n");
}

TEST_CASE("the SVG charts are well formed and escape their labels", "[dashboard][unit]")
{
    std::vector<TrendPoint> points{{"2026-W45", 20.0, 10}, {"2026-W46", std::nullopt, 0}, {"2026-W47", -50.0, 4}};
    std::string trend = nps_trend_svg(points, "NPS <per> week", "ratings");
    CHECK(trend.rfind("<svg", 0) == 0);
    CHECK(trend.find("</svg>") == trend.size() - 6);
    CHECK(trend.find("NPS &lt;per&gt; week") != std::string::npos);
    // The line breaks at the week without ratings: two "M" moves.
    std::smatch path;
    REQUIRE(std::regex_search(trend, path, std::regex("<path class=\"line\" d=\"([^\"]*)\"")));
    std::string moves = path[1].str();
    CHECK(std::count(moves.begin(), moves.end(), 'M') == 2);
    CHECK(std::count(trend.begin(), trend.end(), '<') == std::count(trend.begin(), trend.end(), '>'));
    std::string bars = bar_chart_svg({{"Product & plant", 5}, {"Service", 2}}, "Top");
    CHECK(bars.find("Product &amp; plant") != std::string::npos);
    std::string split = nps_split_svg(1, 1, 2, "split");
    CHECK(split.find("class=\"detractors\"") != std::string::npos);
    CHECK(split.find("width=\"150.0\"") != std::string::npos); // 2 of 4 detractors: half of 300
}

TEST_CASE("the dashboard's translations have the same keys and placeholders in Dutch and English", "[dashboard][unit]")
{
    auto text = load_dashboard_text();
    INFO((text ? std::string() : text.error().message));
    REQUIRE(text);
    CHECK(text->keys().size() > 300);
    CHECK(text->tr("nl", "login.title") == "Aanmelden");
    CHECK(text->tr("en", "login.title") == "Log in");
    CHECK(text->format("en", "login.throttled", {{"seconds", "4"}}) == "Too many failed attempts. Try again in 4 seconds.");
    REQUIRE(embedded_asset("dashboard.css"));
    CHECK(embedded_asset("dashboard.css")->find("@media print") != std::string_view::npos);

    auto broken = config::Translations::from_documents(
        {{"nl", nlohmann::json::parse(R"({"a.b": "x {n}", "only.nl": "y"})")},
         {"en", nlohmann::json::parse(R"({"a.b": "x {m}"})")}},
        "the dashboard's translations");
    REQUIRE_FALSE(broken);
    INFO(broken.error().message);
    CHECK(broken.error().message.find("a.b: placeholders differ") != std::string::npos);
    CHECK(broken.error().message.find("keys missing from en.json: only.nl") != std::string::npos);
}

TEST_CASE("users: names, passwords, roles and disabling", "[dashboard][unit]")
{
    const sql::Backend backend = each_backend();
    TempDir temp;
    auto store = open_hq(temp, backend);
    UserStore users(store.connection());
    CHECK(password_problem("short"));
    CHECK_FALSE(password_problem("twelve chars"));
    CHECK_FALSE(hash_password("short"));
    auto hash = hash_password("correct horse battery");
    REQUIRE(hash);
    CHECK(hash->rfind("$argon2id$v=19$m=65536,", 0) == 0); // 64 MiB
    CHECK_FALSE(users.add_user("hq:mia", Role::admin, *hash, t0));
    REQUIRE(users.add_user("mia", Role::admin, *hash, t0));
    auto again = users.add_user("mia", Role::viewer, *hash, t0);
    REQUIRE_FALSE(again);
    CHECK(again.error().kind == ErrorKind::conflict);

    auto token = users.create_session("mia", t0);
    REQUIRE(token);
    auto session = users.session(*token, t0 + 1000);
    REQUIRE(session);
    REQUIRE(*session);
    CHECK((*session)->user.role == Role::admin);
    REQUIRE(users.set_role("mia", Role::viewer));
    auto after = users.session(*token, t0 + 2000);
    REQUIRE(after);
    CHECK_FALSE(*after); // a role change ends the sessions

    token = users.create_session("mia", t0);
    REQUIRE(users.set_disabled("mia", true, t0));
    CHECK((*users.password_hash("mia")).empty());
    CHECK_FALSE(*users.session(*token, t0 + 1000));
    REQUIRE(users.set_disabled("mia", false, t0));
    CHECK_FALSE((*users.password_hash("mia")).empty());
    CHECK(at_least(Role::admin, Role::manager));
    CHECK_FALSE(at_least(Role::viewer, Role::manager));

    // A store manager's stores, read back sorted; set_stores() replaces them
    // and ends the sessions; an unknown user or a bad code is refused.
    REQUIRE(users.add_user("sam", Role::manager, *hash, t0, {"UTR", "AMS", "UTR"}));
    auto sam = users.find_user("sam");
    REQUIRE(sam);
    REQUIRE(*sam);
    CHECK((*sam)->stores == std::vector<std::string>{"AMS", "UTR"});
    CHECK((*sam)->may_see("AMS"));
    CHECK_FALSE((*sam)->may_see("RTD"));
    token = users.create_session("sam", t0);
    REQUIRE(token);
    REQUIRE(users.set_stores("sam", {"RTD"}));
    CHECK_FALSE(*users.session(*token, t0 + 1000));
    CHECK((*users.find_user("sam"))->stores == std::vector<std::string>{"RTD"});
    CHECK(users.set_stores("sam", {"nope"}).error().kind == ErrorKind::invalid_input);
    CHECK(users.set_stores("nobody", {}).error().kind == ErrorKind::not_found);
    REQUIRE(users.set_email("sam", "sam@example.nl"));
    CHECK_FALSE(users.set_email("sam", "not an address"));

    // Whole-chain users have no stores; the list is sorted by name.
    auto all = users.users();
    REQUIRE(all);
    REQUIRE(all->size() == 2);
    CHECK(all->at(0).name == "mia");
    CHECK(all->at(0).stores.empty());
    CHECK(all->at(1).name == "sam");
    CHECK(all->at(1).email == "sam@example.nl");

    // A new password ends the sessions too; the disabled time stays the first one.
    token = users.create_session("sam", t0);
    REQUIRE(users.set_password_hash("sam", *hash, t0 + 5));
    CHECK_FALSE(*users.session(*token, t0 + 1000));
    REQUIRE(users.set_disabled("sam", true, t0 + 10));
    REQUIRE(users.set_disabled("sam", true, t0 + 20));
    CHECK((*users.find_user("sam"))->disabled_at == t0 + 10);

    // The audit log, newest first.
    REQUIRE(users.audit("mia", "user.added", "sam", "10.0.0.1", t0));
    REQUIRE(users.audit("mia", "contact.viewed", "complaint-1", "10.0.0.1", t0 + 1));
    CHECK(*users.audit_count() == 2);
    auto log = users.audit_log(0, 10);
    REQUIRE(log);
    REQUIRE(log->size() == 2);
    CHECK(log->at(0).action == "contact.viewed");
    CHECK(log->at(1).subject == "sam");
    CHECK(log->at(0).seq > log->at(1).seq);
    auto second = users.audit_log(1, 10);
    REQUIRE(second);
    REQUIRE(second->size() == 1);
    CHECK(second->front().action == "user.added");
}

TEST_CASE("sessions expire when idle and after their absolute lifetime", "[dashboard][unit]")
{
    const sql::Backend backend = each_backend();
    TempDir temp;
    auto store = open_hq(temp, backend);
    SessionLimits limits{10 * 60 * 1000, 60 * 60 * 1000}; // 10 min idle, 1 h absolute
    UserStore users(store.connection(), limits);
    REQUIRE(users.add_user("max", Role::manager, *hash_password("correct horse battery"), t0));
    auto token = users.create_session("max", t0);
    REQUIRE(token);
    CHECK(token->size() == 64);
    // Only the hash is stored.
    auto stored = store.connection().query_texts("SELECT token_hash FROM web_sessions");
    REQUIRE(stored);
    REQUIRE(stored->size() == 1);
    CHECK(stored->front() != *token);
    CHECK(csrf_token_for(*token) != *token);
    CHECK(csrf_token_for(*token).size() == 64);

    // Used every 9 minutes it stays alive, until the absolute limit.
    int64_t now = t0;
    for (int i = 0; i < 6; ++i) {
        now += 9 * 60 * 1000;
        auto session = users.session(*token, now);
        REQUIRE(session);
        CHECK(session->has_value());
    }
    now += 9 * 60 * 1000; // 63 minutes after login
    CHECK_FALSE(*users.session(*token, now));

    auto idle = users.create_session("max", t0);
    CHECK_FALSE(*users.session(*idle, t0 + 11 * 60 * 1000));
    CHECK_FALSE(*users.session(*idle, t0)); // and it stays gone
    CHECK_FALSE(*users.session("not a token", t0));
}

TEST_CASE("failed logins slow further attempts, more and more", "[dashboard][unit]")
{
    const sql::Backend backend = each_backend();
    TempDir temp;
    auto store = open_hq(temp, backend);
    UserStore users(store.connection());
    int64_t now = t0;
    for (int i = 0; i < 5; ++i) {
        auto wait = users.begin_attempt("mia", "10.0.0.1", now);
        REQUIRE(wait);
        CHECK_FALSE(*wait); // the first five are free
    }
    auto wait = users.begin_attempt("mia", "10.0.0.1", now);
    REQUIRE(wait);
    REQUIRE(*wait);
    CHECK(**wait == 2000);
    CHECK(**users.begin_attempt("mia", "10.0.0.1", now + 500) == 1500);
    // The same name from another address is not slowed: guesses cannot lock its owner out.
    CHECK_FALSE(*users.begin_attempt("mia", "10.0.0.2", now + 500));
    // Another name from the same address is not slowed yet (the address allows 20).
    CHECK_FALSE(*users.begin_attempt("ada", "10.0.0.1", now));
    // After the wait: one more try (counted), then twice as long.
    now += 2000;
    CHECK_FALSE(*users.begin_attempt("mia", "10.0.0.1", now));
    CHECK(**users.begin_attempt("mia", "10.0.0.1", now) == 4000);
    now += 4000;
    CHECK_FALSE(*users.begin_attempt("mia", "10.0.0.1", now));
    CHECK(**users.begin_attempt("mia", "10.0.0.1", now) == 8000);
    // A success clears the name's count.
    REQUIRE(users.attempt_succeeded("mia", "10.0.0.1"));
    CHECK_FALSE(*users.begin_attempt("mia", "10.0.0.1", now));
    // The name is stored only as a hash of what was typed.
    auto keys = store.connection().query_texts("SELECT key FROM web_login_failures");
    REQUIRE(keys);
    for (const auto& key : *keys)
        CHECK(key.find("mia") == std::string::npos);

    // Many names from one address: the address is slowed from its 20th failure.
    for (int i = 0; i < 20; ++i)
        REQUIRE_FALSE(*users.begin_attempt("guess" + std::to_string(i), "10.9.9.9", t0));
    auto sprayed = users.begin_attempt("guess-next", "10.9.9.9", t0);
    REQUIRE(sprayed);
    CHECK(sprayed->has_value());
}

TEST_CASE("head office records follow-up events with its own device id, in the complaint's store", "[dashboard][unit]")
{
    TempDir temp;
    auto [store, device] = enrolled_store(temp);
    std::string complaint_id = make_uuid_v7(t0);
    upload(store, device, {opened_complaint(device, complaint_id, 1)});

    auto cause = store.record_hq_event(EventType::complaint_root_cause_recorded, complaint_id, "hq:max",
                                       {{"root_cause", "supplier_quality"}, {"note", "batch 42"}}, t0 + 1000);
    REQUIRE(cause);
    auto hq_device = store.hq_device_id();
    REQUIRE(hq_device);
    CHECK(cause->device_id == *hq_device);
    CHECK(cause->device_id != device.id);
    CHECK(cause->device_seq == 1);
    CHECK(cause->actor == "hq:max");
    CHECK(cause->occurred_at_ms == t0 + 1000);
    std::string action_id = make_uuid_v7(t0);
    auto action = store.record_hq_event(EventType::complaint_action_planned, complaint_id, "hq:max",
                                        {{"action_id", action_id},
                                         {"kind", "preventive"},
                                         {"description", "Check every batch"},
                                         {"owner", "Mehmet"},
                                         {"due_at", t0 + 7 * ms_per_day}},
                                        t0 + 2000);
    REQUIRE(action);
    CHECK(action->device_seq == 2);

    // Stored with the complaint's store: the store's terminals get both in their feed, without the contact.
    auto page = store.feed(device, 0, 100);
    REQUIRE(page);
    REQUIRE(page->events.size() == 2);
    CHECK(page->events[0]["type"] == "complaint.root_cause_recorded");
    CHECK(page->events[1]["payload"]["action_id"] == action_id);
    Device other = device;
    other.id = make_uuid_v7(t0);
    other.store_code = "AMS";
    CHECK(store.feed(other, 0, 100)->events.empty());
    auto state = store.complaint_state(complaint_id);
    REQUIRE(state);
    CHECK(state->root_cause == "supplier_quality");
    REQUIRE(state->actions.size() == 1);

    // Refused: unknown complaint, a rule broken, the lifecycle, a type head office does not record.
    auto unknown = store.record_hq_event(EventType::complaint_root_cause_recorded, make_uuid_v7(t0), "hq:max",
                                         {{"root_cause", "x"}}, t0);
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().kind == ErrorKind::not_found);
    auto broken = store.record_hq_event(EventType::complaint_action_planned, complaint_id, "hq:max",
                                        {{"action_id", "nope"}, {"kind", "sideways"}}, t0);
    REQUIRE_FALSE(broken);
    CHECK(broken.error().kind == ErrorKind::invalid_input);
    CHECK(broken.error().message.find("payload.kind") != std::string::npos);
    auto reopen = store.record_hq_event(EventType::complaint_reopened, complaint_id, "hq:max",
                                        {{"reason", "not closed yet"}}, t0);
    REQUIRE_FALSE(reopen);
    CHECK(reopen.error().kind == ErrorKind::invalid_transition);
    CHECK_FALSE(store.record_hq_event(EventType::nps_rated, "", "hq:max", {{"score", 3}}, t0));
    // Nothing of the refused ones was stored, and the sequence has no gap.
    CHECK(*store.event_count() == 3);
    auto referred = store.record_hq_event(EventType::complaint_closed, complaint_id, "hq:max",
                                          {{"outcome", "referred_external"}, {"external_body", "Geschillencommissie"}},
                                          t0 + 3000);
    REQUIRE(referred);
    CHECK(referred->device_seq == 3);
    CHECK(store.complaint_state(complaint_id)->status == ComplaintStatus::closed);

    // Timeline reads: every event about the complaint, with its store.
    auto about = store.events_about(complaint_id);
    REQUIRE(about);
    REQUIRE(about->size() == 4);
    CHECK(about->front().event.payload.contains("contact")); // head office keeps it
    for (const auto& stored : *about)
        CHECK(stored.store_code == "UTR");
}

TEST_CASE("a call-back outcome is recorded about the rating, in the rating's store", "[dashboard][unit]")
{
    TempDir temp;
    auto [store, device] = enrolled_store(temp);
    Event rated = make_event({EventType::nps_rated, "", t0, device.id, 1,
                              {{"score", 3}, {"survey_version", 1}, {"locale", "nl"}}, "kiosk"});
    upload(store, device, {rated});
    auto outcome = store.record_hq_event(EventType::nps_followed_up, rated.id, "hq:max",
                                         {{"outcome", "reached"}, {"note", "coupon sent"}}, t0 + 1000);
    REQUIRE(outcome);
    auto about = store.events_about(rated.id);
    REQUIRE(about);
    CHECK(about->size() == 2);
    CHECK(store.feed(device, 0, 10)->events.size() == 1);
    auto unknown = store.record_hq_event(EventType::nps_followed_up, make_uuid_v7(t0), "hq:max",
                                         {{"outcome", "reached"}}, t0);
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().kind == ErrorKind::not_found);
}
