// The administration pages: devices (enrol with a one-time code, revoke),
// users (add, role, disable, new password), the audit log, and each user's
// own account (change password). Every change is written to the audit log.
#include "pages.h"

#include "forms.h"

#include "crypto/argon2id.h"
#include "crypto/certificate_fingerprint.h"
#include "hq/certificates.h"
#include "domain/refcode.h"
#include "domain/validation.h"
#include "hq/device_flags.h"
#include "hq/mail/alerts.h"

#include <cctype>

namespace feedback::hq::web {

// [SECTION] Devices

namespace {

std::string optional_time(const Page& page, const std::optional<int64_t>& ms)
{
    return ms ? page.time_text(*ms) : page.t("devices.never");
}

// What the terminal last said of itself (Feedback-Health), and what needs a person.
std::string condition_cell(const Text& t, const Device& d)
{
    std::string html;
    for (const std::string& flag : device_flags(d))
        html += "<span class=\"tag late\" data-flag=\"" + escape(flag) + "\">" + escape(t("devices.flag." + flag)) +
                "</span> ";
    if (!d.condition)
        return html + escape(t("devices.not_reported"));
    const sync::DeviceCondition& c = *d.condition;
    auto decimal = [&](double value) { return format_decimal(value, 1, t.locale()); };
    std::vector<std::string> parts;
    if (c.uptime_seconds)
        parts.push_back(t.format("devices.uptime", {{"hours", decimal(static_cast<double>(*c.uptime_seconds) / 3600)}}));
    if (c.disk_free_bytes && c.disk_total_bytes)
        parts.push_back(t.format("devices.disk", {{"free", decimal(static_cast<double>(*c.disk_free_bytes) / 1e9)},
                                                  {"total", decimal(static_cast<double>(*c.disk_total_bytes) / 1e9)}}));
    if (c.store_bytes)
        parts.push_back(t.format("devices.store_size", {{"size", decimal(static_cast<double>(*c.store_bytes) / 1e6)}}));
    if (c.restarts && *c.restarts > 0)
        parts.push_back(t.format("devices.restarts", {{"count", std::to_string(*c.restarts)}, {"why", c.last_exit}}));
    for (const std::string& text : {c.os, c.screen})
        if (!text.empty())
            parts.push_back(text);
    std::string joined;
    for (const std::string& part : parts)
        joined += (joined.empty() ? "" : " \xC2\xB7 ") + part;
    return html + escape(joined);
}

// The start screen as the terminal last showed it, on request: a link to the
// picture, whether one is on its way, and the button to ask (managers).
std::string screenshot_cell(const Page& page, const Device& d)
{
    const Text& t = page.t;
    std::string html;
    if (d.screenshot_received_at)
        html += "<a href=\"/devices/" + escape(d.id) + "/screenshot.png\" target=\"_blank\">" +
                escape(t.format("devices.screenshot_taken", {{"time", page.time_text(d.screenshot_taken_at.value_or(
                                                                         *d.screenshot_received_at))}})) +
                "</a>";
    if (d.screenshot_wanted())
        html += (html.empty() ? "" : "<br>") + std::string("<small data-screenshot=\"wanted\">") +
                escape(t.format("devices.screenshot_asked", {{"time", page.time_text(*d.screenshot_requested_at)}})) +
                "</small>";
    else if (!d.revoked_at && page.can(Role::manager))
        html += "<form class=\"inline\" method=\"post\" enctype=\"multipart/form-data\" action=\"/devices/" +
                escape(d.id) + "/screenshot\">" + page.csrf_field() + "<button type=\"submit\" class=\"secondary\">" +
                escape(t("devices.screenshot_ask")) + "</button></form>";
    return html.empty() ? std::string("\xE2\x80\x93") : html;
}

void render_devices(Page& page, int status, const std::string& enrolled_html, const FormFeedback* feedback)
{
    const Text& t = page.t;
    auto devices = page.store.devices();
    if (!devices) {
        page.send_failure(devices.error());
        return;
    }
    bool admin = page.can(Role::admin);
    std::string body = page.flash() + enrolled_html;
    body += "<table class=\"list\" id=\"devices\"><thead><tr><th>" + escape(t("devices.terminal")) + "</th><th>" +
            escape(t("devices.name")) + "</th><th>" + escape(t("devices.last_seen")) + "</th><th>" +
            escape(t("devices.backlog")) + "</th><th>" + escape(t("devices.clock_offset")) + "</th><th>" +
            escape(t("devices.version")) + "</th><th>" + escape(t("devices.condition")) + "</th><th>" +
            escape(t("devices.screenshot")) + "</th><th>" + escape(t("devices.events")) + "</th><th>" +
            escape(t("devices.state")) + "</th></tr></thead><tbody>";
    if (devices->empty())
        body += "<tr><td colspan=\"10\">" + escape(t("devices.none")) + "</td></tr>";
    for (const auto& d : *devices) {
        body += "<tr" + std::string(d.revoked_at ? " class=\"revoked\"" : "") + "><td>" +
                escape(d.store_code + "-" + d.terminal_code) + "</td><td>" + escape(d.name) + "<br><small>" +
                escape(d.id) + "</small></td><td>" + escape(optional_time(page, d.last_seen_at)) + "</td><td>" +
                (d.last_backlog ? std::to_string(*d.last_backlog) : "\xE2\x80\x93") + "</td><td>" +
                (d.clock_offset_ms ? escape(format_decimal(static_cast<double>(*d.clock_offset_ms) / 1000.0, 1,
                                                           t.locale())) + " s"
                                   : "\xE2\x80\x93") +
                "</td><td>" + escape(d.app_version) + "</td><td class=\"condition\">" + condition_cell(t, d) +
                "</td><td class=\"screenshot\">" + screenshot_cell(page, d) + "</td><td>" +
                std::to_string(d.events_received) + "</td><td>";
        if (d.left_at) {
            body += escape(t.format("devices.left_at", {{"time", page.time_text(*d.left_at)}}));
        } else if (d.revoked_at) {
            body += escape(t.format("devices.revoked_at", {{"time", page.time_text(*d.revoked_at)}}));
        } else {
            body += escape(t("devices.active"));
            if (admin)
                body += "<form class=\"inline\" method=\"post\" enctype=\"multipart/form-data\" action=\"/devices/" + escape(d.id) + "/revoke\">" +
                        page.csrf_field() + "<button type=\"submit\" class=\"danger\">" +
                        escape(t("devices.revoke")) + "</button></form>";
        }
        body += "</td></tr>";
    }
    body += "</tbody></table><p><a class=\"export\" href=\"/export/devices.csv\">" + escape(t("export.csv")) + "</a></p>";
    if (admin) {
        body += "<section class=\"card form\" id=\"enrol-form\"><h2>" + escape(t("devices.enrol")) + "</h2><p>" +
                escape(t("devices.enrol_intro")) + "</p><form method=\"post\" enctype=\"multipart/form-data\" action=\"/devices/enrol\">" +
                page.csrf_field() + form_error(feedback, "enrol") + "<label for=\"enrol_store\">" +
                escape(t("filter.store")) + "</label><input id=\"enrol_store\" name=\"store\" required maxlength=\"3\" "
                "pattern=\"[2-9A-HJKMNP-Za-hjkmnp-z]{3}\" value=\"" + escape(feedback ? feedback->value("store") : "") +
                "\"><label for=\"enrol_name\">" + escape(t("devices.name")) + "</label><input id=\"enrol_name\" "
                "name=\"name\" required maxlength=\"100\" value=\"" + escape(feedback ? feedback->value("name") : "") +
                "\"><button type=\"submit\">" + escape(t("devices.make_code")) + "</button></form></section>";
    }
    page.send_page(status, t("devices.title"), "devices", body);
}

} // namespace

void devices_page(Page& page) { render_devices(page, 200, "", nullptr); }

namespace {

// The fingerprint of head office's own CA, which the kiosk's setup screen
// shows for staff to compare; nothing when a public CA signs its certificate.
std::string fingerprint_line(const Page& page)
{
    auto fingerprint = crypto::certificate_fingerprint(own_ca_certificate(page.app.dir, page.app.settings));
    if (!fingerprint)
        return {};
    return "<p>" + escape(page.t("devices.fingerprint")) + " <strong id=\"ca-fingerprint\">" + escape(*fingerprint) +
           "</strong></p>";
}

} // namespace

void post_enrol(Page& page)
{
    const Text& t = page.t;
    FormReader form(page);
    FormFeedback feedback{"enrol", "", {}};
    std::string store_code = form.text("store", feedback);
    for (char& c : store_code)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string name = form.text("name", feedback);
    if (!is_refcode_segment(store_code, refcode_store_length, refcode_store_length)) {
        feedback.message = t("devices.bad_store");
        return render_devices(page, 400, "", &feedback);
    }
    if (auto problem = form.length_problem(name, 1, 100)) {
        feedback.message = t("devices.name") + ": " + *problem;
        return render_devices(page, 400, "", &feedback);
    }
    auto code = page.write([&]() -> Result<EnrolmentCode> {
        auto made = page.store.create_enrolment_code(store_code, name, page.now_ms,
                                                     page.app.settings.enrol_code_ttl_hours * 3600 * 1000);
        FEEDBACK_TRY(made);
        FEEDBACK_TRY(page.users().audit(page.user_name(), "device.enrol_code", store_code, page.address(), page.now_ms));
        return made;
    });
    if (!code) {
        if (code.error().kind == ErrorKind::invalid_input) {
            feedback.message = code.error().message;
            return render_devices(page, 400, "", &feedback);
        }
        page.send_failure(code.error());
        return;
    }
    // Shown once, here; head office keeps only its hash.
    std::string shown = "<section class=\"card code\" role=\"status\"><h2>" + escape(t("devices.code_title")) +
                        "</h2><p class=\"big\" id=\"enrol-code\">" + escape(code->code) + "</p><p>" +
                        escape(t.format("devices.code_detail", {{"name", code->name},
                                                                {"store", code->store_code},
                                                                {"time", page.time_text(code->expires_at, code->store_code)},
                                                                {"zone", page.zone_name(code->store_code)}})) +
                        "</p>" + fingerprint_line(page) + "</section>";
    render_devices(page, 200, shown, nullptr);
}

// A user asks for a picture of a terminal's start screen (PROTOCOL.md 9):
// the terminal hears of it in its next answer from head office and sends one
// while nobody is using it; audited.
void post_screenshot_request(Page& page)
{
    std::string device_id = page.capture(1);
    auto asked = page.write([&]() -> Result<void> {
        FEEDBACK_TRY(page.store.request_screenshot(device_id, page.now_ms));
        return page.users().audit(page.user_name(), "device.screenshot_requested", device_id, page.address(),
                                  page.now_ms);
    });
    if (!asked) {
        if (asked.error().kind == ErrorKind::conflict || asked.error().kind == ErrorKind::not_found) {
            page.send_redirect("/devices");
            return;
        }
        page.send_failure(asked.error());
        return;
    }
    page.send_redirect("/devices?done=screenshot_requested");
}

// The latest picture of a terminal's start screen, shown in the browser.
void device_screenshot(Page& page)
{
    auto picture = page.store.screenshot(page.capture(1));
    if (!picture) {
        page.send_failure(picture.error());
        return;
    }
    if (!*picture) {
        page.send_failure(Error{ErrorKind::not_found, "no screenshot of this terminal"});
        return;
    }
    page.send_inline(**picture, "image/png");
}

void post_revoke(Page& page)
{
    std::string device_id = page.capture(1);
    auto revoked = page.write([&]() -> Result<void> {
        FEEDBACK_TRY(page.store.revoke(device_id, page.now_ms));
        return page.users().audit(page.user_name(), "device.revoked", device_id, page.address(), page.now_ms);
    });
    if (!revoked) {
        if (revoked.error().kind == ErrorKind::conflict) {
            page.send_redirect("/devices");
            return;
        }
        page.send_failure(revoked.error());
        return;
    }
    page.send_redirect("/devices?done=revoked");
}

// [SECTION] Users

namespace {

std::string join_stores(const std::vector<std::string>& stores)
{
    std::string text;
    for (const auto& code : stores)
        text += (text.empty() ? "" : ",") + code;
    return text;
}

// "UTR, AMS" -> {"UTR", "AMS"}; UserStore checks each code.
std::vector<std::string> split_stores(std::string_view text)
{
    std::vector<std::string> out;
    for (size_t start = 0; start <= text.size();) {
        size_t comma = std::min(text.find(',', start), text.size());
        std::string code = trimmed(text.substr(start, comma - start));
        if (!code.empty())
            out.push_back(code);
        start = comma + 1;
    }
    return out;
}

void render_users(Page& page, int status, const FormFeedback* feedback)
{
    const Text& t = page.t;
    auto users = page.users().users();
    if (!users) {
        page.send_failure(users.error());
        return;
    }
    std::string body = page.flash() + "<p class=\"intro\">" + escape(t("users.intro")) + "</p>";
    body += form_error(feedback, "change");
    body += "<table class=\"list\" id=\"users\"><thead><tr><th>" + escape(t("users.name")) + "</th><th>" +
            escape(t("users.role")) + "</th><th>" + escape(t("users.stores")) + "</th><th>" +
            escape(t("users.created")) + "</th><th>" +
            escape(t("users.state")) + "</th><th>" + escape(t("users.change")) + "</th></tr></thead><tbody>";
    for (const auto& user : *users) {
        std::string base = "/users/" + escape(user.name);
        std::string stores = join_stores(user.stores);
        body += "<tr><td>" + escape(user.name) + "</td><td>" + escape(t("role." + std::string(to_string(user.role)))) +
                "</td><td>" + escape(stores.empty() ? t("users.whole_chain") : stores) + "</td><td>" +
                escape(page.date_text(user.created_at)) + "</td><td>" +
                escape(user.disabled_at ? t("users.disabled") : t("users.active")) + "</td><td>";
        if (user.name != page.user_name()) {
            body += "<form class=\"inline\" method=\"post\" enctype=\"multipart/form-data\" action=\"" + base + "\">" + page.csrf_field() +
                    "<input type=\"hidden\" name=\"change\" value=\"role\"><select name=\"role\" aria-label=\"" +
                    escape(t("users.role")) + "\">";
            for (Role role : {Role::viewer, Role::manager, Role::admin})
                body += "<option value=\"" + std::string(to_string(role)) + "\"" +
                        (role == user.role ? " selected" : "") + ">" +
                        escape(t("role." + std::string(to_string(role)))) + "</option>";
            body += "</select><button type=\"submit\">" + escape(t("users.set_role")) + "</button></form> ";
            body += "<form class=\"inline\" method=\"post\" enctype=\"multipart/form-data\" action=\"" + base + "\">" +
                    page.csrf_field() + "<input type=\"hidden\" name=\"change\" value=\"stores\"><input name=\"stores\" "
                    "maxlength=\"400\" aria-label=\"" + escape(t("users.stores")) + "\" placeholder=\"" +
                    escape(t("users.stores_hint")) + "\" value=\"" + escape(stores) + "\"><button type=\"submit\">" +
                    escape(t("users.set_stores")) + "</button></form> ";
            body += "<form class=\"inline\" method=\"post\" enctype=\"multipart/form-data\" action=\"" + base + "\">" + page.csrf_field() +
                    "<input type=\"hidden\" name=\"change\" value=\"" + (user.disabled_at ? "enable" : "disable") +
                    "\"><button type=\"submit\"" + (user.disabled_at ? "" : " class=\"danger\"") + ">" +
                    escape(user.disabled_at ? t("users.enable") : t("users.disable")) + "</button></form> ";
            body += "<form class=\"inline\" method=\"post\" enctype=\"multipart/form-data\" action=\"" + base + "\">" + page.csrf_field() +
                    "<input type=\"hidden\" name=\"change\" value=\"password\"><input type=\"password\" "
                    "name=\"password\" autocomplete=\"new-password\" minlength=\"12\" aria-label=\"" +
                    escape(t("users.new_password")) + "\" placeholder=\"" + escape(t("users.new_password")) +
                    "\"><button type=\"submit\">" + escape(t("users.set_password")) + "</button></form>";
        } else {
            body += escape(t("users.yourself"));
        }
        body += "</td></tr>";
    }
    body += "</tbody></table>";
    body += "<section class=\"card form\" id=\"add-user\"><h2>" + escape(t("users.add")) +
            "</h2><form method=\"post\" enctype=\"multipart/form-data\" action=\"/users\">" + page.csrf_field() + form_error(feedback, "add") +
            "<label for=\"new_name\">" + escape(t("users.name")) + "</label><input id=\"new_name\" name=\"name\" "
            "required maxlength=\"40\" pattern=\"[A-Za-z0-9_.\\-]{1,40}\" value=\"" +
            escape(feedback && feedback->form == "add" ? feedback->value("name") : "") + "\"><label for=\"new_role\">" +
            escape(t("users.role")) + "</label><select id=\"new_role\" name=\"role\">";
    for (Role role : {Role::viewer, Role::manager, Role::admin})
        body += "<option value=\"" + std::string(to_string(role)) + "\">" +
                escape(t("role." + std::string(to_string(role)))) + "</option>";
    body += "</select><label for=\"new_stores\">" + escape(t("users.stores")) + "</label><input id=\"new_stores\" "
            "name=\"stores\" maxlength=\"400\" placeholder=\"" + escape(t("users.stores_hint")) + "\" value=\"" +
            escape(feedback && feedback->form == "add" ? feedback->value("stores") : "") + "\">";
    body += "<label for=\"new_password\">" + escape(t("users.password")) +
            "</label><input id=\"new_password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" "
            "required minlength=\"12\"><button type=\"submit\">" + escape(t("users.add")) + "</button></form></section>";
    page.send_page(status, t("users.title"), "users", body);
}

} // namespace

void users_page(Page& page) { render_users(page, 200, nullptr); }

void post_user_add(Page& page)
{
    FormReader form(page);
    FormFeedback feedback{"add", "", {}};
    std::string name = form.text("name", feedback);
    auto role = role_from_string(form.text("role", feedback));
    std::string password = page.param("password");
    if (!is_valid_user_name(name)) {
        feedback.message = page.t("users.bad_name");
        return render_users(page, 400, &feedback);
    }
    if (!role) {
        feedback.message = page.t("users.bad_role");
        return render_users(page, 400, &feedback);
    }
    if (password_problem(password)) {
        feedback.message = page.t("users.short_password");
        return render_users(page, 400, &feedback);
    }
    auto hash = hash_password(password); // slow: outside a writer's turn
    if (!hash) {
        page.send_failure(hash.error());
        return;
    }
    std::vector<std::string> stores = split_stores(form.text("stores", feedback));
    auto added = page.write([&]() -> Result<User> {
        auto user = page.users().add_user(name, *role, *hash, page.now_ms, stores);
        FEEDBACK_TRY(user);
        FEEDBACK_TRY(page.users().audit(page.user_name(), "user.added", name, page.address(), page.now_ms));
        return user;
    });
    if (!added) {
        if (added.error().kind == ErrorKind::conflict || added.error().kind == ErrorKind::invalid_input) {
            feedback.message = added.error().kind == ErrorKind::conflict
                                   ? page.t("users.taken")
                                   : page.t.format("form.rejected", {{"reason", added.error().message}});
            return render_users(page, 400, &feedback);
        }
        page.send_failure(added.error());
        return;
    }
    page.send_redirect("/users?done=user_added");
}

void post_user_change(Page& page)
{
    std::string name = page.capture(1);
    std::string change = page.param("change");
    FormFeedback feedback{"change", "", {}};
    if (name == page.user_name()) {
        // An admin does not lock themselves out by accident.
        feedback.message = page.t("users.not_yourself");
        return render_users(page, 400, &feedback);
    }
    std::optional<std::string> hash;
    if (change == "password") {
        std::string password = page.param("password");
        if (password_problem(password)) {
            feedback.message = page.t("users.short_password");
            return render_users(page, 400, &feedback);
        }
        auto made = hash_password(password);
        if (!made) {
            page.send_failure(made.error());
            return;
        }
        hash = *made;
    }
    std::optional<Role> role;
    if (change == "role") {
        role = role_from_string(page.param("role"));
        if (!role) {
            feedback.message = page.t("users.bad_role");
            return render_users(page, 400, &feedback);
        }
    }
    std::vector<std::string> stores = split_stores(page.param("stores"));
    if (change != "password" && change != "role" && change != "stores" && change != "disable" && change != "enable") {
        feedback.message = page.t("users.bad_change");
        return render_users(page, 400, &feedback);
    }
    auto done = page.write([&]() -> Result<void> {
        UserStore users = page.users();
        if (change == "password")
            FEEDBACK_TRY(users.set_password_hash(name, *hash, page.now_ms));
        else if (change == "role")
            FEEDBACK_TRY(users.set_role(name, *role));
        else if (change == "stores")
            FEEDBACK_TRY(users.set_stores(name, stores));
        else
            FEEDBACK_TRY(users.set_disabled(name, change == "disable", page.now_ms));
        return users.audit(page.user_name(), "user." + change, name, page.address(), page.now_ms);
    });
    if (!done) {
        if (done.error().kind == ErrorKind::invalid_input) {
            feedback.message = page.t.format("form.rejected", {{"reason", done.error().message}});
            return render_users(page, 400, &feedback);
        }
        page.send_failure(done.error());
        return;
    }
    page.send_redirect("/users?done=user_changed");
}

// [SECTION] Audit log

void audit_page(Page& page)
{
    const Text& t = page.t;
    constexpr int64_t per_page = 100;
    int64_t number = parse_positive(page.param("page")).value_or(1);
    auto users = page.users();
    auto entries = users.audit_log((number - 1) * per_page, per_page);
    auto total = users.audit_count();
    if (!entries || !total) {
        page.send_failure(!entries ? entries.error() : total.error());
        return;
    }
    std::string body = "<p class=\"intro\">" + escape(t("audit.intro")) + "</p><p><a class=\"export\" "
                       "href=\"/export/audit.csv\">" + escape(t("export.csv")) + "</a></p>";
    body += "<table class=\"list\" id=\"audit\"><thead><tr><th>" + escape(t("audit.when")) + "</th><th>" +
            escape(t("audit.who")) + "</th><th>" + escape(t("audit.action")) + "</th><th>" + escape(t("audit.subject")) +
            "</th><th>" + escape(t("audit.address")) + "</th></tr></thead><tbody>";
    for (const auto& entry : *entries) {
        std::string subject = escape(entry.subject);
        if (entry.action == "contact.viewed" || entry.action.starts_with("personal_data.erased"))
            subject = "<a href=\"/complaints/" + subject + "\">" + subject + "</a>";
        body += "<tr><td>" + escape(page.time_text(entry.at)) + "</td><td>" + escape(entry.user_name) + "</td><td>" +
                escape(t.has("audit_action." + entry.action) ? t("audit_action." + entry.action) : entry.action) +
                "</td><td>" + subject + "</td><td>" + escape(entry.address) + "</td></tr>";
    }
    body += "</tbody></table>";
    if (*total > per_page) {
        int64_t pages = (*total + per_page - 1) / per_page;
        body += "<nav class=\"pages\">";
        if (number > 1)
            body += "<a href=\"/audit?page=" + std::to_string(number - 1) + "\">" + escape(t("complaints.previous")) +
                    "</a> ";
        body += escape(t.format("complaints.page_of", {{"page", std::to_string(number)},
                                                       {"pages", std::to_string(pages)}}));
        if (number < pages)
            body += " <a href=\"/audit?page=" + std::to_string(number + 1) + "\">" + escape(t("complaints.next")) +
                    "</a>";
        body += "</nav>";
    }
    page.send_page(200, t("audit.title"), "audit", body);
}

// [SECTION] Own account

namespace {

// The user's alert address and, per cause, at once, in the daily digest or off (mail/alerts.h).
std::string alerts_form(Page& page, const FormFeedback* feedback)
{
    const Text& t = page.t;
    auto user = page.users().find_user(page.user_name());
    auto choices = mail::alert_choices(page.store.connection(), page.user_name());
    if (!user || !*user || !choices)
        return {};
    const bool retry = feedback && feedback->form == "alerts";
    const std::string email = retry ? feedback->value("email") : (*user)->email;
    std::string html = "<section class=\"card form\" id=\"alerts\"><h2>" + escape(t("account.alerts")) + "</h2><p>" +
                       escape(t("account.alerts_intro")) + "</p><form method=\"post\" enctype=\"multipart/form-data\" "
                       "action=\"/account/alerts\">" + page.csrf_field() + form_error(feedback, "alerts") +
                       "<label for=\"email\">" + escape(t("account.email")) + "</label><input id=\"email\" "
                       "name=\"email\" type=\"email\" autocomplete=\"email\" maxlength=\"254\" value=\"" +
                       escape(email) + "\">";
    if (email.empty())
        html += "<p class=\"hint\">" + escape(t("account.no_email")) + "</p>";
    for (mail::AlertCause cause : mail::all_alert_causes) {
        const std::string name = "alert_" + std::string(to_string(cause));
        const std::string chosen =
            retry ? feedback->value(name) : std::string(to_string(choices->at(cause)));
        html += "<label for=\"" + name + "\">" + escape(t("alert_cause." + std::string(to_string(cause)))) +
                "</label><select id=\"" + name + "\" name=\"" + name + "\">";
        for (mail::AlertDelivery delivery :
             {mail::AlertDelivery::immediate, mail::AlertDelivery::digest, mail::AlertDelivery::off}) {
            const std::string value(to_string(delivery));
            html += "<option value=\"" + value + "\"" + (value == chosen ? " selected" : "") + ">" +
                    escape(t("alert_delivery." + value)) + "</option>";
        }
        html += "</select>";
    }
    return html + "<button type=\"submit\">" + escape(t("account.save_alerts")) + "</button></form></section>";
}

void render_account(Page& page, int status, const FormFeedback* feedback)
{
    const Text& t = page.t;
    std::string body = page.flash() + "<section class=\"card\"><dl class=\"facts\"><div><dt>" +
                       escape(t("users.name")) + "</dt><dd>" + escape(page.user_name()) + "</dd></div><div><dt>" +
                       escape(t("users.role")) + "</dt><dd>" +
                       escape(t("role." + std::string(to_string(page.role())))) + "</dd></div></dl></section>";
    body += "<section class=\"card form\"><h2>" + escape(t("account.change_password")) +
            "</h2><form method=\"post\" enctype=\"multipart/form-data\" action=\"/account/password\">" + page.csrf_field() +
            form_error(feedback, "password") + "<label for=\"current\">" + escape(t("account.current")) +
            "</label><input id=\"current\" name=\"current\" type=\"password\" autocomplete=\"current-password\" "
            "required><label for=\"password\">" + escape(t("users.new_password")) + "</label><input id=\"password\" "
            "name=\"password\" type=\"password\" autocomplete=\"new-password\" required minlength=\"12\"><label "
            "for=\"repeat\">" + escape(t("account.repeat")) + "</label><input id=\"repeat\" name=\"repeat\" "
            "type=\"password\" autocomplete=\"new-password\" required minlength=\"12\"><button type=\"submit\">" +
            escape(t("account.change_password")) + "</button></form></section>";
    body += alerts_form(page, feedback);
    page.send_page(status, t("account.title"), "", body);
}

} // namespace

void account_page(Page& page) { render_account(page, 200, nullptr); }

void post_alerts(Page& page)
{
    FormFeedback feedback{"alerts", "", {{"email", page.param("email")}}};
    std::map<mail::AlertCause, mail::AlertDelivery> chosen;
    for (mail::AlertCause cause : mail::all_alert_causes) {
        const std::string name = "alert_" + std::string(to_string(cause));
        feedback.values[name] = page.param(name);
        auto delivery = mail::alert_delivery_from_string(page.param(name));
        if (!delivery) {
            page.send_message(400, page.t("account.title"), name + ": must be immediate, digest or off");
            return;
        }
        chosen[cause] = *delivery;
    }
    const std::string email = page.param("email");
    if (!email.empty() && !is_valid_email(email)) {
        feedback.message = page.t("account.email_invalid");
        return render_account(page, 400, &feedback);
    }
    auto done = page.write([&]() -> Result<void> {
        auto txn = sql::Transaction::begin(page.store.connection());
        FEEDBACK_TRY(txn);
        FEEDBACK_TRY(page.users().set_email(page.user_name(), email));
        for (const auto& [cause, delivery] : chosen)
            FEEDBACK_TRY(mail::set_alert_choice(page.store.connection(), page.user_name(), cause, delivery));
        FEEDBACK_TRY(page.users().audit(page.user_name(), "user.alerts", page.user_name(), page.address(),
                                        page.now_ms));
        return txn->commit();
    });
    if (!done) {
        page.send_failure(done.error());
        return;
    }
    page.send_redirect("/account?done=alerts#alerts");
}

void post_password(Page& page)
{
    FormFeedback feedback{"password", "", {}};
    std::string current = page.param("current");
    std::string password = page.param("password");
    auto stored = page.users().password_hash(page.user_name());
    if (!stored) {
        page.send_failure(stored.error());
        return;
    }
    if (!crypto::verify_argon2id(*stored, current)) {
        feedback.message = page.t("account.wrong_current");
        return render_account(page, 400, &feedback);
    }
    if (password != page.param("repeat")) {
        feedback.message = page.t("account.no_match");
        return render_account(page, 400, &feedback);
    }
    if (password_problem(password)) {
        feedback.message = page.t("users.short_password");
        return render_account(page, 400, &feedback);
    }
    auto hash = hash_password(password);
    if (!hash) {
        page.send_failure(hash.error());
        return;
    }
    auto done = page.write([&]() -> Result<void> {
        FEEDBACK_TRY(page.users().set_password_hash(page.user_name(), *hash, page.now_ms));
        return page.users().audit(page.user_name(), "user.password", page.user_name(), page.address(), page.now_ms);
    });
    if (!done) {
        page.send_failure(done.error());
        return;
    }
    // Every session of the user ended with the change, this one too.
    page.send_redirect("/login");
}

} // namespace feedback::hq::web
